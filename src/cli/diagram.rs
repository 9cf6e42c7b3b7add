//! `stormcraft diagram`: one view of the model as DOT, Mermaid, SVG, PNG or PDF.

use super::{load_drawable, CliError, DiagramFormat, Terminal};
use crate::render::diagram::{dot, mermaid_checked, View};
use crate::render::findings::with_findings;
use crate::render::graphviz::run_dot;
use std::io::Write;
use std::path::Path;

/// Draws a view of the model to `output`, or to standard output. A model with flow
/// errors is drawn with its findings as hotspots. The format is `format`, else the
/// one `output`'s extension names, else DOT; a mismatch between the two is refused
/// before anything is drawn, so a file never holds another format than its name says.
/// A Mermaid view over Mermaid's default limits is still written, with a warning on
/// stderr that names smaller views.
pub(super) fn run_diagram(
    path: &Path,
    view: &str,
    format: Option<DiagramFormat>,
    output: Option<&Path>,
    terminal: &Terminal,
) -> Result<u8, CliError> {
    let format = output_format(format, output)?;
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
        DiagramFormat::Pdf => run_dot(&dot(&model, &view), "pdf").map_err(CliError::Graphviz)?,
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

/// File extensions and the format each names, the first of a format its usual one.
const EXTENSIONS: &[(&str, DiagramFormat)] = &[
    ("dot", DiagramFormat::Dot),
    ("gv", DiagramFormat::Dot),
    ("mmd", DiagramFormat::Mermaid),
    ("mermaid", DiagramFormat::Mermaid),
    ("svg", DiagramFormat::Svg),
    ("png", DiagramFormat::Png),
    ("pdf", DiagramFormat::Pdf),
];

/// The format's name as `--format` spells it, and what it writes.
fn describe(format: DiagramFormat) -> (&'static str, &'static str) {
    match format {
        DiagramFormat::Dot => ("dot", "Graphviz DOT text"),
        DiagramFormat::Mermaid => ("mermaid", "Mermaid text"),
        DiagramFormat::Svg => ("svg", "an SVG image"),
        DiagramFormat::Png => ("png", "a PNG image"),
        DiagramFormat::Pdf => ("pdf", "a PDF document"),
    }
}

/// The format to write: `--format` when given (it must agree with a known extension
/// of `output`), else the one `output`'s extension names, else DOT on standard output.
fn output_format(
    format: Option<DiagramFormat>,
    output: Option<&Path>,
) -> Result<DiagramFormat, CliError> {
    let Some(file) = output else {
        return Ok(format.unwrap_or(DiagramFormat::Dot));
    };
    let extension = file.extension().map(|e| e.to_string_lossy().to_lowercase());
    let named = extension.as_deref().and_then(|e| {
        EXTENSIONS
            .iter()
            .find(|(known, _)| *known == e)
            .map(|(_, f)| *f)
    });
    match (format, named) {
        (Some(format), Some(named)) if format != named => {
            let (flag, writes) = describe(format);
            let (_, named_writes) = describe(named);
            let usual = EXTENSIONS
                .iter()
                .find(|(_, f)| *f == format)
                .map_or(flag, |(e, _)| e);
            Err(CliError::DiagramFormat(format!(
                "`--format {flag}` writes {writes}, but the name `{}` says {named_writes}; \
                 drop `--format`, or name the file `{}`",
                file.display(),
                file.with_extension(usual).display()
            )))
        }
        (Some(format), _) => Ok(format),
        (None, Some(named)) => Ok(named),
        (None, None) => Err(CliError::DiagramFormat(format!(
            "cannot tell the diagram format from the name `{}`; end it in .dot or .gv \
             (DOT), .mmd or .mermaid (Mermaid), .svg, .png or .pdf, or pass `--format`",
            file.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(flag: Option<DiagramFormat>, file: &str) -> Result<DiagramFormat, String> {
        output_format(flag, Some(Path::new(file))).map_err(|e| e.to_string())
    }

    #[test]
    fn the_extension_names_the_format() {
        assert_eq!(format(None, "board.dot"), Ok(DiagramFormat::Dot));
        assert_eq!(format(None, "board.GV"), Ok(DiagramFormat::Dot));
        assert_eq!(format(None, "board.mmd"), Ok(DiagramFormat::Mermaid));
        assert_eq!(format(None, "a/b.mermaid"), Ok(DiagramFormat::Mermaid));
        assert_eq!(format(None, "board.svg"), Ok(DiagramFormat::Svg));
        assert_eq!(format(None, "board.png"), Ok(DiagramFormat::Png));
        assert_eq!(format(None, "board.pdf"), Ok(DiagramFormat::Pdf));
        assert_eq!(output_format(None, None).ok(), Some(DiagramFormat::Dot));
    }

    #[test]
    fn a_flag_wins_over_an_unknown_extension_and_must_agree_with_a_known_one() {
        assert_eq!(
            format(Some(DiagramFormat::Dot), "board.txt"),
            Ok(DiagramFormat::Dot)
        );
        assert_eq!(
            format(Some(DiagramFormat::Png), "board.png"),
            Ok(DiagramFormat::Png)
        );
        assert_eq!(
            format(Some(DiagramFormat::Dot), "board.png"),
            Err(
                "`--format dot` writes Graphviz DOT text, but the name `board.png` says a PNG \
                 image; drop `--format`, or name the file `board.dot`"
                    .to_owned()
            )
        );
        let unknown = format(None, "board.txt").unwrap_err();
        assert!(unknown.contains("cannot tell the diagram format from the name `board.txt`"));
        assert!(format(None, "board").is_err());
    }
}
