//! `stormcraft generate`: the Cargo workspace of services, written or (`--check`)
//! compared with what is on disk.

use super::{load_checked, out, CliError, Terminal};
use crate::templates::Templates;
use std::path::Path;

/// Generates the workspace for the model at `path` into `output`. With `check`,
/// writes nothing and fails with [`CliError::Stale`] when the output differs; with
/// `format`, the generated Rust goes through rustfmt.
pub(super) fn run_generate(
    path: &Path,
    output: &Path,
    check: bool,
    templates: Option<&Path>,
    format: bool,
    terminal: &Terminal,
) -> Result<u8, CliError> {
    // Templates first: a broken override is reported before any model work.
    let templates = match templates {
        Some(dir) => Templates::with_overrides(dir)?,
        None => Templates::builtin(),
    };
    // Only the model's own name goes into the headers: the full path depends on the
    // folder the command ran from, and `--check` must not.
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let model_path = absolute
        .file_name()
        .map_or_else(|| absolute.to_string_lossy(), |name| name.to_string_lossy())
        .into_owned();
    // The same inputs as the last run on an untouched tree: nothing to load or render.
    let fingerprint = crate::generate::fingerprint(path, &model_path, &templates, format);
    let unchanged = fingerprint.and_then(|f| crate::output::untouched_since(output, f));
    let report = match unchanged {
        Some(report) => report,
        None => {
            let (_, model) = load_checked(path, terminal)?;
            let files = crate::generate::workspace_files(&model, &model_path, &templates)
                .map_err(CliError::Generate)?;
            let report = crate::generate::run(output, &files, check, format, fingerprint)
                .map_err(CliError::Generate)?;
            // The process ends right after: freeing the model and tens of megabytes of
            // rendered text piece by piece is work nobody needs; the OS takes it back.
            std::mem::forget(files);
            std::mem::forget(model);
            report
        }
    };
    for warning in &report.warnings {
        eprintln!("{warning}");
    }
    let mut text = String::new();
    if check {
        if report.is_up_to_date() {
            text.push_str(&format!(
                "{} is up to date with {}\n",
                output.display(),
                path.display()
            ));
            out(&text);
            return Ok(0);
        }
        let mut lines = Vec::new();
        lines.extend(report.written.iter().map(|p| format!("  differs:   {p}")));
        lines.extend(
            report
                .created_user_files
                .iter()
                .map(|p| format!("  missing:   {p}")),
        );
        lines.extend(report.removed.iter().map(|p| format!("  obsolete:  {p}")));
        lines.extend(
            report
                .foreign
                .iter()
                .map(|p| format!("  edited by hand (no header): {p}")),
        );
        return Err(CliError::Stale {
            output: output.to_owned(),
            model: path.to_owned(),
            lines,
        });
    }
    text.push_str(&format!(
        "generated {}: {} file(s) written, {} unchanged, {} rule file(s) created, {} kept, {} removed\n",
        output.display(),
        report.written.len(),
        report.unchanged.len(),
        report.created_user_files.len(),
        report.kept_user_files.len(),
        report.removed.len()
    ));
    for file in &report.created_user_files {
        text.push_str(&format!("  yours to edit: {file}\n"));
    }
    for file in &report.removed {
        text.push_str(&format!("  removed (no longer generated): {file}\n"));
    }
    text.push_str(&format!(
        "next: cd {} && cargo run   # all contexts in one process on one SQLite file\n",
        output.display()
    ));
    out(&text);
    Ok(0)
}
