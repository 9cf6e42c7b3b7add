//! `stormcraft check`: every diagnostic, then a summary and each context's patterns.

use super::{out, plural, CheckFormat, CliError, Terminal, EXIT_MODEL_ERRORS};
use crate::check::check;
use crate::diagnostic::{render_human, to_json, Severity};
use crate::ir::Model;
use crate::model::load::load;
use std::io::Write;
use std::path::Path;

/// Checks a model and prints its diagnostics; exit code 1 when it has errors (or
/// warnings, with `deny_warnings`).
pub(super) fn run_check(
    path: &Path,
    deny_warnings: bool,
    format: CheckFormat,
    terminal: &Terminal,
) -> Result<u8, CliError> {
    let loaded = load(path)?;
    let checked = check(&loaded);
    let diagnostics = checked.diagnostics.sorted();
    let errors = checked.diagnostics.count(Severity::Error);
    let warnings = checked.diagnostics.count(Severity::Warning);
    let notes = checked.diagnostics.count(Severity::Note);
    let failed = errors > 0 || (deny_warnings && warnings > 0);
    match format {
        CheckFormat::Json => {
            let report = serde_json::json!({
                "model": path.to_string_lossy().replace('\\', "/"),
                "ok": !failed,
                "errors": errors,
                "warnings": warnings,
                "notes": notes,
                "diagnostics": diagnostics
                    .iter()
                    .map(|d| to_json(d, &loaded.sources))
                    .collect::<Vec<_>>(),
                "contexts": checked.clean_model().map(|model| {
                    model
                        .contexts
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            serde_json::json!({
                                "name": c.name,
                                "patterns": model
                                    .patterns(crate::ir::ContextId(i as u32))
                                    .iter()
                                    .map(|p| p.label())
                                    .collect::<Vec<_>>(),
                            })
                        })
                        .collect::<Vec<_>>()
                }),
            });
            let text = serde_json::to_string_pretty(&report)?;
            out(&format!("{text}\n"));
        }
        CheckFormat::Human => {
            let mut stderr = std::io::stderr().lock();
            for (index, diagnostic) in diagnostics.iter().enumerate() {
                if index > 0 {
                    let _ = writeln!(stderr);
                }
                let _ = write!(
                    stderr,
                    "{}",
                    render_human(diagnostic, &loaded.sources, terminal.color, terminal.width)
                );
            }
            drop(stderr);
            out(&summary(
                path,
                checked.clean_model(),
                errors,
                warnings,
                notes,
            ));
        }
    }
    Ok(if failed { EXIT_MODEL_ERRORS } else { 0 })
}

/// The summary line and the per-context pattern list printed after `check`.
pub fn summary(
    path: &Path,
    model: Option<&Model>,
    errors: usize,
    warnings: usize,
    notes: usize,
) -> String {
    let mut out = String::new();
    let findings = format!(
        "{}, {}, {}",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(notes, "note")
    );
    match model {
        Some(model) => {
            out.push_str(&format!(
                "{}: {} — {}, {}, {}, {}, {}, {}: {findings}\n",
                path.display(),
                model.system,
                plural(model.contexts.len(), "context"),
                plural(model.aggregates.len(), "aggregate"),
                plural(model.commands.len(), "command"),
                plural(model.events.len(), "event"),
                plural(model.policies.len(), "policy"),
                plural(model.read_models.len(), "read model"),
            ));
            for (index, context) in model.contexts.iter().enumerate() {
                let patterns: Vec<&str> = model
                    .patterns(crate::ir::ContextId(index as u32))
                    .iter()
                    .map(|p| p.label())
                    .collect();
                let patterns = if patterns.is_empty() {
                    "no event-driven pattern yet".to_owned()
                } else {
                    patterns.join(", ")
                };
                out.push_str(&format!("  {}: {patterns}\n", context.name));
            }
        }
        None => out.push_str(&format!("{}: {findings}\n", path.display())),
    }
    out
}
