//! `stormcraft init`: a small starter model that explains itself.

use super::{out, CliError};
use std::path::Path;

/// Writes `model.yaml` into `dir`, never over an existing file.
pub(super) fn run_init(dir: &Path) -> Result<u8, CliError> {
    let file = dir.join("model.yaml");
    if file.exists() {
        return Err(CliError::ModelExists(file));
    }
    std::fs::create_dir_all(dir).map_err(|source| CliError::CreateDir {
        path: dir.to_owned(),
        source,
    })?;
    crate::output::write_new_file(&file, crate::init::STARTER_MODEL.as_bytes()).map_err(
        |source| CliError::WriteFile {
            path: file.clone(),
            source,
        },
    )?;
    out(&format!(
        "wrote {}\nnext: stormcraft check {}\n",
        file.display(),
        dir.display()
    ));
    Ok(0)
}
