//! `stormcraft diagram`: one view of the model as DOT, Mermaid, SVG or PNG.

use super::{load_drawable, CliError, DiagramFormat, Terminal};
use crate::render::diagram::{dot, mermaid_checked, View};
use crate::render::findings::with_findings;
use crate::render::graphviz::run_dot;
use std::io::Write;
use std::path::Path;

/// Draws a view of the model to `output`, or to standard output. A model with flow
/// errors is drawn with its findings as hotspots. A Mermaid view over Mermaid's default
/// limits is still written, with a warning on stderr that names smaller views.
pub(super) fn run_diagram(
    path: &Path,
    view: &str,
    format: DiagramFormat,
    output: Option<&Path>,
    terminal: &Terminal,
) -> Result<u8, CliError> {
    let (_, model, found) = load_drawable(path, terminal, true)?;
    let model = if found.is_empty() {
        model
    } else {
        with_findings(&model, &found)
    };
    let view = View::parse(view, &model).map_err(CliError::BadView)?;
    let bytes: Vec<u8> = match format {
        DiagramFormat::Dot => dot(&model, &view).into_bytes(),
        DiagramFormat::Mermaid => {
            let (source, warning) = mermaid_checked(&model, &view);
            if let Some(warning) = warning {
                eprintln!("warning: {warning}");
            }
            source.into_bytes()
        }
        DiagramFormat::Svg => run_dot(&dot(&model, &view), "svg").map_err(CliError::Graphviz)?,
        DiagramFormat::Png => run_dot(&dot(&model, &view), "png").map_err(CliError::Graphviz)?,
    };
    match output {
        Some(file) => crate::output::write_file_atomic(file, &bytes).map_err(|source| {
            CliError::WriteFile {
                path: file.to_owned(),
                source,
            }
        })?,
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(CliError::WriteStdout(e));
                }
                _ => {}
            }
        }
    }
    Ok(0)
}
