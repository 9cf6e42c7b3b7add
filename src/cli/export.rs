//! `stormcraft export`: the model's contracts as AsyncAPI, JSON Schema or EventCatalog files.

use super::{load_checked, CliError, ExportFormat, Terminal};
use crate::export::asyncapi::{asyncapi, AsyncApiOptions};
use crate::export::eventcatalog::eventcatalog;
use crate::export::json_schema::json_schemas;
use crate::export::yaml::to_yaml;
use crate::ir::{ContextId, Model};
use crate::output::write_file_atomic;
use crate::suggest::did_you_mean;
use std::io::Write;
use std::path::Path;

/// Writes the AsyncAPI document of the model (or of one context) to `output`, or to
/// standard output. A model with errors exports nothing.
pub(super) fn run_asyncapi(
    path: &Path,
    context: Option<&str>,
    format: ExportFormat,
    api_version: &str,
    output: Option<&Path>,
    terminal: &Terminal,
) -> Result<u8, CliError> {
    let (_, model) = load_checked(path, terminal)?;
    let context = context.map(|name| find_context(&model, name)).transpose()?;
    let document = asyncapi(
        &model,
        &AsyncApiOptions {
            context,
            api_version: api_version.to_owned(),
        },
    );
    let text = match format {
        ExportFormat::Yaml => to_yaml(&document),
        ExportFormat::Json => {
            let mut text = serde_json::to_string_pretty(&document)?;
            text.push('\n');
            text
        }
    };
    match output {
        Some(file) => {
            write_file_atomic(file, text.as_bytes()).map_err(|source| CliError::WriteFile {
                path: file.to_owned(),
                source,
            })?
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(CliError::WriteStdout(e));
                }
                _ => {}
            }
        }
    }
    Ok(0)
}

/// Writes one JSON Schema file per command, event and read-model row under `dir`, and
/// says how many on stderr.
pub(super) fn run_json_schema(
    path: &Path,
    dir: &Path,
    terminal: &Terminal,
) -> Result<u8, CliError> {
    let (_, model) = load_checked(path, terminal)?;
    let files = json_schemas(&model);
    for file in &files {
        let target = dir.join(&file.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|source| CliError::CreateDir {
                path: parent.to_owned(),
                source,
            })?;
        }
        write_file_atomic(&target, file.contents().as_bytes()).map_err(|source| {
            CliError::WriteFile {
                path: target.clone(),
                source,
            }
        })?;
    }
    eprintln!(
        "wrote {} to {}",
        super::plural(files.len(), "JSON Schema file"),
        dir.display()
    );
    Ok(0)
}

/// Writes the EventCatalog content of the model under `dir`, and says how many files
/// on stderr.
pub(super) fn run_eventcatalog(
    path: &Path,
    dir: &Path,
    terminal: &Terminal,
) -> Result<u8, CliError> {
    let (_, model) = load_checked(path, terminal)?;
    let files = eventcatalog(&model);
    for file in &files {
        let target = dir.join(&file.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|source| CliError::CreateDir {
                path: parent.to_owned(),
                source,
            })?;
        }
        write_file_atomic(&target, file.contents.as_bytes()).map_err(|source| {
            CliError::WriteFile {
                path: target.clone(),
                source,
            }
        })?;
    }
    eprintln!(
        "wrote {} of EventCatalog content to {}",
        super::plural(files.len(), "file"),
        dir.display()
    );
    Ok(0)
}

/// The context `name`, or an error with the closest name.
fn find_context(model: &Model, name: &str) -> Result<ContextId, CliError> {
    model.context_by_name(name).ok_or_else(|| {
        let names: Vec<&str> = model.contexts.iter().map(|c| c.name.as_str()).collect();
        let help = did_you_mean(name, names.iter().copied())
            .unwrap_or_else(|| format!("the contexts are: {}", names.join(", ")));
        CliError::UnknownContext {
            name: name.to_owned(),
            help,
        }
    })
}
