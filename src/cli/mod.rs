//! The command line. [`run`] dispatches a parsed [`Cli`] to one module per command.
//!
//! The files: `args.rs` holds the clap derive types (syntax, help, examples);
//! `error.rs` the [`CliError`] a command stops with; `check.rs`, `diagram.rs`, `diff.rs`,
//! `trace.rs`, `generate.rs`, `explain.rs`, `export.rs`, `init.rs` and `templates.rs`
//! one command each. This file holds what they share: loading a model, writing to standard
//! output, and the one place that turns an error into a message and an exit code.
//! `schema` and `completions` only print a text, so they are here too.

mod args;
mod check;
mod diagram;
mod diff;
mod error;
mod explain;
mod export;
mod generate;
mod init;
mod templates;
mod trace;

pub use args::{
    CheckFormat, Cli, Command, DiagramFormat, DiffMode, ExportCommand, ExportFormat,
    TemplatesCommand,
};
pub use check::summary;
pub use error::CliError;

use crate::check::{check, Checked};
use crate::diagnostic::{render_human, Severity};
use crate::ir::Model;
use crate::model::load::{load, Loaded};
use crate::render::findings::{findings, Finding};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Exit code: the model has errors (or warnings with `--deny-warnings`).
pub const EXIT_MODEL_ERRORS: u8 = 1;
/// Exit code: bad usage, or a file could not be read or written.
pub const EXIT_USAGE: u8 = 2;

/// Where output goes, and whether it may be coloured.
pub struct Terminal {
    /// ANSI colours on stderr.
    pub color: bool,
    /// Width to wrap diagnostics at.
    pub width: usize,
}

impl Terminal {
    /// Colour only on a terminal, never with `NO_COLOR` (https://no-color.org).
    pub fn detect() -> Terminal {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Terminal {
            color: !no_color && std::io::stderr().is_terminal(),
            width: 100,
        }
    }
}

/// Writes to standard output. A reader that went away (`stormcraft … | head`) is
/// a normal end, not a crash, so a broken pipe is ignored.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli, terminal: &Terminal) -> u8 {
    let result = match cli.command {
        Command::Check {
            model,
            deny_warnings,
            coverage,
            format,
        } => check::run_check(&model, deny_warnings, coverage, format, terminal),
        Command::Diagram {
            model,
            view,
            format,
            output,
        } => diagram::run_diagram(&model, &view, format, output.as_deref(), terminal),
        Command::Export(ExportCommand::Asyncapi {
            model,
            context,
            format,
            api_version,
            output,
        }) => export::run_asyncapi(
            &model,
            context.as_deref(),
            format,
            &api_version,
            output.as_deref(),
            terminal,
        ),
        Command::Export(ExportCommand::JsonSchema { model, output }) => {
            export::run_json_schema(&model, &output, terminal)
        }
        Command::Export(ExportCommand::Eventcatalog { model, output }) => {
            export::run_eventcatalog(&model, &output, terminal)
        }
        Command::Diff {
            model,
            new,
            against,
            mode,
            transitive,
            format,
        } => diff::run_diff(
            &model,
            new.as_deref(),
            against.as_deref(),
            mode,
            transitive,
            format,
            terminal,
        ),
        Command::Trace { model, command } => trace::run_trace(&model, &command, terminal),
        Command::Generate {
            model,
            output,
            check,
            templates,
            no_format,
        } => generate::run_generate(
            &model,
            &output,
            check,
            templates.as_deref(),
            !no_format,
            terminal,
        ),
        Command::Templates(TemplatesCommand::Export { dir }) => {
            templates::run_templates_export(&dir)
        }
        Command::Templates(TemplatesCommand::List) => templates::run_templates_list(),
        Command::Schema => {
            out(crate::schema::SCHEMA);
            Ok(0)
        }
        Command::Init { dir } => init::run_init(&dir),
        Command::Explain { code, list } => explain::run_explain(code.as_deref(), list),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "stormcraft", &mut script);
            out(&String::from_utf8_lossy(&script));
            Ok(0)
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
    }
}

/// Loads and checks, printing the errors to stderr. Returns the model when it has no
/// errors.
fn load_checked(path: &Path, terminal: &Terminal) -> Result<(Loaded, Model), CliError> {
    let (loaded, model, _) = load_drawable(path, terminal, false)?;
    Ok((loaded, model))
}

/// A loaded model to draw, with the findings to mark on it.
type Drawable = (Loaded, Model, Vec<Finding>);

/// Loads and checks for `diagram` and `trace`. With `flawed_ok`, a model whose names
/// resolve is returned even when flow rules found errors, with its findings (errors and
/// warnings) to mark on the drawing: a team must be able to look at a flawed board.
/// A model without errors comes with no findings, so its drawings do not change.
fn load_drawable(path: &Path, terminal: &Terminal, flawed_ok: bool) -> Result<Drawable, CliError> {
    let loaded = load(path)?;
    let Checked { model, diagnostics } = check(&loaded);
    let mut stderr = std::io::stderr().lock();
    let sorted = diagnostics.sorted();
    for diagnostic in &sorted {
        if diagnostic.severity == Severity::Error {
            let _ = write!(
                stderr,
                "{}",
                render_human(diagnostic, &loaded.sources, terminal.color, terminal.width)
            );
        }
    }
    let errors = diagnostics.count(Severity::Error);
    match model {
        Some(model) if errors == 0 => Ok((loaded, model, Vec::new())),
        Some(model) if flawed_ok => {
            let found = findings(&sorted);
            let _ = writeln!(
                stderr,
                "note: the model has {errors} error(s); drawn anyway with {} finding(s) marked as hotspots (`generate` refuses it until the errors are fixed)",
                found.len()
            );
            Ok((loaded, model, found))
        }
        _ => Err(CliError::ModelHasErrors {
            path: path.to_owned(),
            errors,
        }),
    }
}

/// `count word`, with the word in plural unless the count is one.
fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else if let Some(stem) = word.strip_suffix('y') {
        format!("{count} {stem}ies")
    } else if word.ends_with('s') {
        format!("{count} {word}es")
    } else {
        format!("{count} {word}s")
    }
}
