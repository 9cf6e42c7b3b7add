//! Diagnostics: what the tool says about a model, with stable codes and spans.
//!
//! Every rule has one [`Code`]; a [`Diagnostic`] is one finding of a rule. They are
//! rendered either by miette (for people) or as JSON (for editors and CI).

use crate::ir::NodeRef;
use crate::source::SourceMap;
use crate::source::Span;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;
use std::fmt;

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

macro_rules! codes {
    ($( $variant:ident = $code:literal, $slug:literal, $severity:ident, $summary:literal; )*) => {
        /// A rule of the checker. The code string is stable: it is documented,
        /// explained by `stormcraft explain`, and matched on by users' CI.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( #[doc = $summary] $variant, )* }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable code, e.g. `SC020`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// A short kebab-case name of the rule.
            pub fn slug(self) -> &'static str {
                match self { $( Code::$variant => $slug, )* }
            }

            /// The severity findings of this rule have.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// One line saying what the rule checks.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }
        }
    };
}

codes! {
    YamlSyntax = "SC001", "yaml-syntax", Error, "the file is not valid YAML";
    UnknownKey = "SC002", "unknown-key", Error, "a key the format does not define";
    WrongType = "SC003", "wrong-type", Error, "a value of the wrong kind (e.g. a list where a mapping is expected)";
    MissingKey = "SC004", "missing-key", Error, "a required key is missing";
    FormatVersion = "SC005", "format-version", Error, "the model's format version is missing or not supported";
    InvalidName = "SC010", "invalid-name", Error, "a name does not follow the naming convention of its kind";
    DuplicateName = "SC011", "duplicate-name", Error, "a name is defined twice in one namespace";
    UnresolvedReference = "SC020", "unresolved-reference", Error, "a reference names nothing of the expected kind";
    UnpublishedEvent = "SC021", "unpublished-event", Error, "another context's event is used but that context does not publish it";
    BadTypeExpression = "SC030", "bad-type-expression", Error, "a field type is not a valid type expression";
    RecursiveType = "SC031", "recursive-type", Error, "a record contains itself with no list, optional or map in between";
    IdFieldConflict = "SC032", "id-field-conflict", Error, "a message declares the aggregate id field with another type";
    EmptyEnum = "SC033", "empty-enum", Error, "an enum has no variants";
    CommandEmitsNothing = "SC040", "command-emits-nothing", Error, "a command emits no event";
    EventNeverEmitted = "SC041", "event-never-emitted", Error, "an aggregate's event is emitted by none of its commands";
    ForeignEventEmitted = "SC042", "foreign-event-emitted", Error, "a command emits an event of another aggregate";
    CommandNeverIssued = "SC043", "command-never-issued", Warning, "no actor, external system or policy issues a command";
    CrossContextCommand = "SC044", "cross-context-command", Error, "a policy issues a command of another context, which `generate` does not support yet";
    UnusedPublishedEvent = "SC045", "unused-published-event", Warning, "a published event that no other context uses";
    ReadModelWithoutSource = "SC046", "read-model-without-source", Error, "a read model is fed by no event";
    ReadModelKeyMissing = "SC047", "read-model-key-missing", Error, "a read model's key is not a field of one of its source events";
    PolicyCycle = "SC048", "policy-cycle", Warning, "events and policies form a cycle";
    PolicyWithoutAction = "SC049", "policy-without-action", Error, "a policy neither issues a command nor calls an external system";
    ScenarioForeignGiven = "SC050", "scenario-foreign-given", Error, "a scenario's given event is not an event of its aggregate";
    ScenarioForeignWhen = "SC051", "scenario-foreign-when", Error, "a scenario's `when` is not a command of its aggregate";
    ScenarioUnexpectedThen = "SC052", "scenario-unexpected-then", Error, "a scenario expects an event its command does not emit";
    ScenarioUndeclaredError = "SC053", "scenario-undeclared-error", Error, "a scenario expects an error its command does not declare";
    ScenarioShape = "SC054", "scenario-shape", Error, "a scenario has both or neither of `then` and `error`";
    UnknownField = "SC055", "unknown-field", Error, "a value is given for a field the message does not have";
    Hotspot = "SC060", "hotspot", Note, "an open question (a red sticky) on the board";
    ReservedWord = "SC070", "reserved-word", Error, "a name is a Rust keyword the generated code cannot use";
    ReservedCrateName = "SC071", "reserved-crate-name", Error, "a context's crate name is taken by Rust or a dependency";
    GeneratedNameClash = "SC072", "generated-name-clash", Error, "an element has the name of an item or module the generator writes beside it";
    CaseCollision = "SC073", "case-collision", Error, "two names differ only in case, so generated code names them the same";
    UnsupportedKeyType = "SC074", "unsupported-key-type", Error, "a read model's key is not a string, uuid or integer";
    UnsupportedIdType = "SC075", "unsupported-id-type", Error, "an aggregate's id is not a uuid, string or integer";
}

impl Code {
    /// Finds a code by its string (`SC020`, case-insensitive) or its slug.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(text) || c.slug() == text)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
