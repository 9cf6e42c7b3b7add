//! `stormcraft templates`: list the built-in templates, or export them to customise.

use super::{out, CliError};
use crate::templates::Templates;
use std::path::Path;

/// Prints the built-in templates' names, one a line.
pub(super) fn run_templates_list() -> Result<u8, CliError> {
    let names: Vec<&str> = Templates::builtin_files()
        .iter()
        .map(|(name, _)| *name)
        .collect();
    out(&format!("{}\n", names.join("\n")));
    Ok(0)
}

/// Writes the built-in templates into `dir`; refuses if any of them exists there.
pub(super) fn run_templates_export(dir: &Path) -> Result<u8, CliError> {
    let files = Templates::builtin_files();
    let existing: Vec<String> = files
        .iter()
        .filter(|(name, _)| dir.join(name).exists())
        .map(|(name, _)| name.to_string())
        .collect();
    if !existing.is_empty() {
        return Err(CliError::TemplatesExist {
            dir: dir.to_owned(),
            existing,
        });
    }
    for (name, text) in &files {
        let target = dir.join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|source| CliError::CreateDir {
                path: parent.to_owned(),
                source,
            })?;
        }
        crate::output::write_new_file(&target, text.as_bytes()).map_err(|source| {
            CliError::WriteFile {
                path: target.clone(),
                source,
            }
        })?;
    }
    out(&format!(
        "wrote {} templates to {}\nedit them, then: stormcraft generate MODEL -o OUT --templates {}\n",
        files.len(),
        dir.display(),
        dir.display()
    ));
    Ok(0)
}
