//! Diagnostics: what the tool says about a model, with stable codes and spans.
//!
//! Every rule has one [`Code`] (declared in its file under `src/check/rules/`); a
//! [`Diagnostic`] is one finding of a rule. They are
//! rendered either by miette (for people) or as JSON (for editors and CI).

use crate::ir::NodeRef;
use crate::source::SourceMap;
use crate::source::Span;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;
use std::fmt;

pub use crate::check::rules::Code;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something to know, e.g. an open hotspot. Never fails a command.
    Note,
    /// A likely mistake. Fails only with `--deny-warnings`.
    Warning,
    /// The model is wrong; later stages refuse it.
    Error,
}

/// A place in the model, with an optional message drawn under it.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there (empty for a bare underline).
    pub message: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// The rule.
    pub code: Code,
    /// Usually the rule's severity.
    pub severity: Severity,
    /// Lowercase, names in backticks.
    pub message: String,
    /// The place the finding is about; first label is the primary one.
    pub labels: Vec<Label>,
    /// What to do about it, when a fix is likely.
    pub help: Option<String>,
    /// The model element the finding is about, when it is about one: diagrams draw
    /// the finding as a hotspot on that element, and `trace` marks it.
    pub subject: Option<NodeRef>,
}

impl Diagnostic {
    /// A finding of `code` at `span`, with the rule's own severity.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            labels: vec![Label {
                span,
                message: String::new(),
            }],
            help: None,
            subject: None,
        }
    }

    /// Names the model element the finding is about.
    pub fn about(mut self, subject: NodeRef) -> Diagnostic {
        self.subject = Some(subject);
        self
    }

    /// Sets the text under the primary span.
    pub fn label(mut self, message: impl Into<String>) -> Diagnostic {
        self.labels[0].message = message.into();
        self
    }

    /// Adds another place, e.g. the first definition of a duplicate.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a help line.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds a help line when there is one.
    pub fn maybe_help(mut self, help: Option<String>) -> Diagnostic {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// The primary span.
    pub fn span(&self) -> Span {
        self.labels[0].span
    }
}

/// All findings of a run, kept in a stable order.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a finding.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// True when any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Counts findings of one severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    /// Findings sorted by file, position, code, then text, without exact duplicates.
    ///
    /// The key covers everything a reader sees first, so the order does not depend on
    /// the order the rules ran in.
    pub fn sorted(&self) -> Vec<Diagnostic> {
        fn key(d: &Diagnostic) -> (u32, u32, u32, Code, &str, Option<&str>) {
            let span = d.span();
            (
                span.file,
                span.start,
                span.len,
                d.code,
                &d.message,
                d.help.as_deref(),
            )
        }
        let mut items = self.items.clone();
        items.sort_by(|a, b| key(a).cmp(&key(b)));
        items.dedup();
        items
    }

    /// All findings in the order they were found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Number of findings.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are no findings.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Moves every finding of `other` in.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }
}

/// A diagnostic bound to its source text, in the form miette renders.
#[derive(Debug)]
struct Renderable {
    code: Code,
    severity: Severity,
    message: String,
    help: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    related: Vec<Renderable>,
}

impl fmt::Display for Renderable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Renderable {}

impl miette::Diagnostic for Renderable {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!(
            "{}({})",
            self.code.as_str(),
            self.code.slug()
        )))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Note => miette::Severity::Advice,
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

fn labeled(label: &Label, primary: bool) -> LabeledSpan {
    let message = (!label.message.is_empty()).then(|| label.message.clone());
    let len = label.span.len.max(1) as usize;
    if primary {
        LabeledSpan::new_primary_with_span(message, (label.span.start as usize, len))
    } else {
        LabeledSpan::new_with_span(message, (label.span.start as usize, len))
    }
}

fn renderable(diagnostic: &Diagnostic, sources: &SourceMap) -> Renderable {
    let file = diagnostic.span().file;
    let source_file = sources.file(file);
    let source = NamedSource::new(source_file.name.clone(), source_file.text.to_string());
    let mut labels = Vec::new();
    let mut related = Vec::new();
    for (index, label) in diagnostic.labels.iter().enumerate() {
        if label.span.file == file {
            labels.push(labeled(label, index == 0));
        } else {
            // miette draws one source per diagnostic, so a place in another file
            // (say, the first definition of a duplicate) becomes a related note.
            let other = sources.file(label.span.file);
            related.push(Renderable {
                code: diagnostic.code,
                severity: Severity::Note,
                message: if label.message.is_empty() {
                    "see also".to_owned()
                } else {
                    label.message.clone()
                },
                help: None,
                source: NamedSource::new(other.name.clone(), other.text.to_string()),
                labels: vec![labeled(
                    &Label {
                        span: label.span,
                        message: String::new(),
                    },
                    true,
                )],
                related: Vec::new(),
            });
        }
    }
    Renderable {
        code: diagnostic.code,
        severity: diagnostic.severity,
        message: diagnostic.message.clone(),
        help: diagnostic.help.clone(),
        source,
        labels,
        related,
    }
}

/// Renders one diagnostic for a person: source excerpt, underline, help.
/// `color` turns ANSI colours on; `width` wraps the text.
pub fn render_human(
    diagnostic: &Diagnostic,
    sources: &SourceMap,
    color: bool,
    width: usize,
) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    let item = renderable(diagnostic, sources);
    if handler.render_report(&mut out, &item).is_err() {
        // Rendering into a String cannot fail on I/O; fall back to the plain line.
        out = format!("{}: {}\n", diagnostic.code, diagnostic.message);
    }
    out
}

/// One diagnostic in the machine-readable form of `--format json`.
#[derive(Serialize, Debug)]
pub struct JsonDiagnostic {
    /// Stable rule code, e.g. `SC020`.
    pub code: &'static str,
    /// Rule slug, e.g. `unresolved-reference`.
    pub rule: &'static str,
    /// `error`, `warning` or `note`.
    pub severity: Severity,
    /// The message.
    pub message: String,
    /// Path of the file, as given on the command line.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Byte range `[start, end)` in the file.
    pub byte_range: [u32; 2],
    /// The help line, if any.
    pub help: Option<String>,
    /// Other places involved (e.g. the first definition of a duplicate).
    pub related: Vec<JsonLocation>,
}

/// A secondary place in a JSON diagnostic.
#[derive(Serialize, Debug)]
pub struct JsonLocation {
    /// What is there.
    pub message: String,
    /// Path of the file.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// Byte range in the file.
    pub byte_range: [u32; 2],
}

/// Converts a diagnostic to its JSON form.
pub fn to_json(diagnostic: &Diagnostic, sources: &SourceMap) -> JsonDiagnostic {
    let span = diagnostic.span();
    let (line, column) = sources.line_column(span);
    JsonDiagnostic {
        code: diagnostic.code.as_str(),
        rule: diagnostic.code.slug(),
        severity: diagnostic.severity,
        message: diagnostic.message.clone(),
        file: sources.file(span.file).name.clone(),
        line,
        column,
        byte_range: [span.start, span.start + span.len],
        help: diagnostic.help.clone(),
        related: diagnostic.labels[1..]
            .iter()
            .map(|label| {
                let (line, column) = sources.line_column(label.span);
                JsonLocation {
                    message: label.message.clone(),
                    file: sources.file(label.span.file).name.clone(),
                    line,
                    column,
                    byte_range: [label.span.start, label.span.start + label.span.len],
                }
            })
            .collect(),
    }
}
