//! `stormcraft generate`: model → generated workspace on disk.

use crate::ir::Model;
use crate::output::{check_tree, write_tree, OutputFile, Ownership, TreeReport};
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

/// Writes the workspace, or with `check`, only compares it with what is on disk.
pub fn run(dir: &Path, files: &[OutputFile], check: bool) -> Result<TreeReport, String> {
    if check {
        check_tree(dir, files).map_err(|e| e.to_string())
    } else {
        write_tree(dir, files).map_err(|e| e.to_string())
    }
}
