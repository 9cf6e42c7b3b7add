//! `stormcraft generate`: model → generated workspace on disk.

use crate::ir::Model;
use crate::output::{
    check_tree, write_tree_with, Fingerprint, FormatJob, OutputFile, Ownership, TreeReport,
};
use crate::render::service::rustfmt::Rustfmt;
use crate::templates::Templates;
use std::path::Path;

/// Every file of the generated workspace for `model`: the rendered templates and the
/// runtime crate, copied verbatim under `runtime/`. Sorted by path.
pub fn workspace_files(
    model: &Model,
    model_path: &str,
    templates: &Templates,
) -> Result<Vec<OutputFile>, String> {
    let mut files = crate::render::service::generate(model, model_path, templates)
        .map_err(|e| e.to_string())?;
    for (path, text) in crate::embedded::RUNTIME_FILES {
        files.push(OutputFile {
            path: format!("runtime/{path}"),
            contents: (*text).to_owned(),
            ownership: Ownership::Generated,
            // Copied verbatim: it is formatted where it is developed and tested.
            rustfmt: false,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = files.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(format!(
            "two generated files have the same path `{}`; rename an element of the model",
            pair[0].path
        ));
    }
    Ok(files)
}

/// The fingerprint of a `generate` run (see [`Fingerprint`]): this build of stormcraft
/// (its sources and embedded runtime), the templates with their overrides, the name that
/// goes into the headers, whether the output is formatted, and every model file's path
/// and bytes. `None` when a model file cannot be read: the run then does the full work,
/// and reports the problem through the loader.
pub fn fingerprint(
    model: &Path,
    model_name: &str,
    templates: &Templates,
    format: bool,
) -> Option<Fingerprint> {
    let mut fingerprint = Fingerprint::new();
    fingerprint.add(
        "generator",
        &crate::embedded::GENERATOR_FINGERPRINT.to_le_bytes(),
    );
    fingerprint.add("version", env!("CARGO_PKG_VERSION").as_bytes());
    fingerprint.add("model-name", model_name.as_bytes());
    fingerprint.add("format", &[u8::from(format)]);
    for (name, text) in templates.texts() {
        fingerprint.add(name, text.as_bytes());
    }
    for file in crate::model::load::model_files(model).ok()? {
        let relative = file.strip_prefix(model).unwrap_or(&file);
        let bytes = std::fs::read(&file).ok()?;
        fingerprint.add(&relative.to_string_lossy(), &bytes);
    }
    Some(fingerprint)
}

/// The message when no `rustfmt` is found.
const RUSTFMT_MISSING: &str = "warning: `rustfmt` not found (neither `$RUSTFMT` nor on `PATH`); the generated Rust is written unformatted\n  help: install it with `rustup component add rustfmt`, then generate again";

/// Writes the workspace, or with `check`, only compares it with what is on disk (no
/// rustfmt needed). With `format`, the Rust files about to be written go through one
/// rustfmt pass first (see [`crate::render::service::rustfmt`]); a missing or failing
/// rustfmt leaves them unformatted and adds a warning to the report. The manifest
/// records `fingerprint`, so the next run from the same inputs can skip everything.
pub fn run(
    dir: &Path,
    files: &[OutputFile],
    check: bool,
    format: bool,
    fingerprint: Option<Fingerprint>,
) -> Result<TreeReport, String> {
    if check {
        return check_tree(dir, files).map_err(|e| e.to_string());
    }
    if !format {
        return write_tree_with(dir, files, None, fingerprint).map_err(|e| e.to_string());
    }
    let config = files
        .iter()
        .find(|f| f.path == "rustfmt.toml")
        .map(|f| f.contents.clone())
        .unwrap_or_default();
    let mut warnings = Vec::new();
    let mut formatter = |jobs: &mut [FormatJob]| {
        if jobs.is_empty() {
            return;
        }
        let Some(rustfmt) = Rustfmt::find() else {
            warnings.push(RUSTFMT_MISSING.to_owned());
            return;
        };
        let mut texts: Vec<(String, String)> = jobs
            .iter_mut()
            .map(|job| (std::mem::take(&mut job.path), std::mem::take(&mut job.text)))
            .collect();
        let outcome = rustfmt.format(&config, &mut texts);
        for (job, (path, text)) in jobs.iter_mut().zip(texts) {
            job.path = path;
            job.text = text;
            job.formatted = true;
        }
        for index in outcome.unformatted {
            jobs[index].formatted = false;
        }
        for error in outcome.errors {
            warnings.push(format!(
                "warning: rustfmt could not format generated code, which is a bug of stormcraft's (please report it); those files are written unformatted\n{error}"
            ));
        }
    };
    let mut report = write_tree_with(dir, files, Some(&mut formatter), fingerprint)
        .map_err(|e| e.to_string())?;
    report.warnings = warnings;
    Ok(report)
}
