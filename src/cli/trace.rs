//! `stormcraft trace`: the causal chain one command sets off, as indented text.

use super::{load_drawable, out, CliError, Terminal};
use crate::ir::{CommandId, Model};
use crate::suggest::did_you_mean;
use std::path::Path;

/// Prints the trace of `command` (`Name` or `context.Name`), with the model's findings
/// marked when it has flow errors.
pub(super) fn run_trace(path: &Path, command: &str, terminal: &Terminal) -> Result<u8, CliError> {
    let (_, model, found) = load_drawable(path, terminal, true)?;
    let id = model
        .command_by_name(command)
        .map_err(|candidates| command_error(&model, command, candidates))?;
    out(&crate::render::trace::trace_marked(&model, id, &found));
    Ok(0)
}

/// The error for a name that is no command (`candidates` empty) or several.
fn command_error(model: &Model, command: &str, candidates: Vec<String>) -> CliError {
    if !candidates.is_empty() {
        return CliError::AmbiguousCommand {
            name: command.to_owned(),
            candidates,
        };
    }
    let bare = command.rsplit('.').next().unwrap_or(command);
    let names: Vec<&str> = model.commands.iter().map(|c| c.name.as_str()).collect();
    let help = did_you_mean(bare, names).unwrap_or_else(|| {
        let all: Vec<String> = (0..model.commands.len())
            .map(|i| model.qualified_command(CommandId(i as u32)))
            .collect();
        format!("the commands are: {}", all.join(", "))
    });
    CliError::UnknownCommand {
        name: command.to_owned(),
        help,
    }
}
