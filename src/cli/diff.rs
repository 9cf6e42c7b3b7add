//! `stormcraft diff`: two versions of a model, or one and its version at a git
//! revision; prints every change with what it breaks, exit 1 when anything breaks.

use super::{out, CheckFormat, CliError, DiffMode, Terminal, EXIT_MODEL_ERRORS};
use crate::check::check;
use crate::diagnostic::{render_human, Severity};
use crate::diff::render::Sources;
use crate::diff::{self, Mode, Side};
use crate::ir::Model;
use crate::model::load::{load, Loaded};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Loads both versions, compares them and prints the report.
pub(super) fn run_diff(
    model: &Path,
    new: Option<&Path>,
    against: Option<&str>,
    mode: Option<DiffMode>,
    transitive: bool,
    format: CheckFormat,
    terminal: &Terminal,
) -> Result<u8, CliError> {
    let shown = |path: &Path| path.to_string_lossy().replace('\\', "/");
    let (old_loaded, old_name, old_hint, new_path) = match (new, against) {
        (Some(new), _) => (
            load(model)?,
            shown(model),
            format!(
                "run `stormcraft check {}` for the full report",
                shown(model)
            ),
            new,
        ),
        (None, Some(revision)) => (
            diff::git::load_at_revision(model, revision)?,
            format!("{revision}:{}", shown(model)),
            format!(
                "check out `{revision}` and run `stormcraft check {}` for the full report",
                shown(model)
            ),
            model,
        ),
        // clap requires NEW unless --against is given.
        (None, None) => (load(model)?, shown(model), String::new(), model),
    };
    let new_loaded = load(new_path)?;
    let new_name = shown(new_path);
    let new_hint = format!("run `stormcraft check {new_name}` for the full report");
    let old_model = resolved("old", &old_name, &old_loaded, old_hint, terminal)?;
    let new_model = resolved("new", &new_name, &new_loaded, new_hint, terminal)?;

    let mode = mode.map(|m| match m {
        DiffMode::Backward => Mode::Backward,
        DiffMode::Forward => Mode::Forward,
        DiffMode::Full => Mode::Full,
    });
    let report = diff::diff_with(
        Side {
            model: &old_model,
            loaded: &old_loaded,
        },
        Side {
            model: &new_model,
            loaded: &new_loaded,
        },
        mode,
        transitive,
    );
    let sources = Sources {
        old: &old_loaded.sources,
        new: &new_loaded.sources,
        old_name: &old_name,
        new_name: &new_name,
    };
    match format {
        CheckFormat::Json => {
            let text = serde_json::to_string_pretty(&diff::render::json(&report, &sources))?;
            out(&format!("{text}\n"));
        }
        CheckFormat::Human => {
            // The report goes to stdout, like `git diff`: colour only when that is a terminal.
            let color = terminal.color && std::io::stdout().is_terminal();
            out(&diff::render::human(
                &report,
                &sources,
                color,
                terminal.width,
            ));
        }
    }
    Ok(if report.breaking() > 0 {
        EXIT_MODEL_ERRORS
    } else {
        0
    })
}

/// The checked model of one version. Its names must resolve (a diff matches elements
/// by name); flow errors (say, a rule added to `check` since the old version was
/// written) do not stop the diff, and only a note says so.
fn resolved(
    side: &'static str,
    name: &str,
    loaded: &Loaded,
    hint: String,
    terminal: &Terminal,
) -> Result<Model, CliError> {
    let checked = check(loaded);
    let errors = checked.diagnostics.count(Severity::Error);
    let mut stderr = std::io::stderr().lock();
    match checked.model {
        Some(model) => {
            if errors > 0 {
                let _ = writeln!(
                    stderr,
                    "note: the {side} model `{name}` has {errors} error(s) but its names resolve, so it is compared anyway; {hint}"
                );
            }
            Ok(model)
        }
        None => {
            for diagnostic in checked.diagnostics.sorted() {
                if diagnostic.severity == Severity::Error {
                    let _ = write!(
                        stderr,
                        "{}",
                        render_human(&diagnostic, &loaded.sources, terminal.color, terminal.width)
                    );
                }
            }
            Err(CliError::DiffModelHasErrors {
                side,
                name: name.to_owned(),
                errors,
                hint,
            })
        }
    }
}
