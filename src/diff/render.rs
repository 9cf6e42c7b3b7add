//! The diff report, for people (grouped by context, breaking changes with source
//! excerpts from miette, compatible ones on one line each) and as JSON.

use super::{Consumer, Finding, Impact, Report};
use crate::source::{SourceMap, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use std::fmt;

/// The two versions' files and how to name them.
pub struct Sources<'a> {
    /// The old model's files.
    pub old: &'a SourceMap,
    /// The new model's files.
    pub new: &'a SourceMap,
    /// The old model as given (a path, or `REV:path`).
    pub old_name: &'a str,
    /// The new model as given.
    pub new_name: &'a str,
}

/// The report for people: one section per context (and one for the top level of the
/// model), each breaking change with the new (and old) source around it and who it
/// breaks, each compatible change on one line; then a summary line.
pub fn human(report: &Report, sources: &Sources<'_>, color: bool, width: usize) -> String {
    let mut out = String::new();
    let mut current: Option<Option<&str>> = None;
    let mut after_block = false;
    for finding in &report.findings {
        let group = finding.context.as_deref();
        if current != Some(group) {
            if current.is_some() {
                out.push('\n');
            }
            after_block = false;
            match group {
                Some(context) => out.push_str(&format!("context `{context}`:\n")),
                None => out.push_str("system:\n"),
            }
            current = Some(group);
        }
        if finding.breaking() {
            out.push('\n');
            out.push_str(&breaking(finding, sources, color, width));
            after_block = true;
        } else {
            if after_block {
                out.push('\n');
                after_block = false;
            }
            out.push_str(&format!(
                "  compatible {} {}: {}{}\n",
                finding.code.as_str(),
                finding.code.slug(),
                finding.message,
                location(finding, sources)
                    .map(|l| format!(" ({l})"))
                    .unwrap_or_default()
            ));
        }
    }
    if !report.findings.is_empty() {
        out.push('\n');
    }
    out.push_str(&summary(report, sources));
    out
}

/// `old → new: …` with the counts, and the mode when one was forced.
fn summary(report: &Report, sources: &Sources<'_>) -> String {
    let changes =
        |n: usize, what: &str| format!("{n} {what} change{}", if n == 1 { "" } else { "s" });
    let mut line = format!("{} → {}: ", sources.old_name, sources.new_name);
    if report.findings.is_empty() {
        line.push_str("no changes");
    } else {
        line.push_str(&changes(report.breaking(), "breaking"));
        let parts: Vec<String> = [Impact::StoredEvents, Impact::Consumers]
            .iter()
            .map(|i| (report.breaking_for(*i), i.label()))
            .filter(|(n, _)| *n > 0)
            .map(|(n, label)| format!("{n} for {label}"))
            .collect();
        if !parts.is_empty() {
            line.push_str(&format!(" ({})", parts.join(", ")));
        }
        line.push_str(&format!(", {}", changes(report.compatible(), "compatible")));
    }
    if let Some(mode) = report.mode {
        line.push_str(&format!(" (--mode {})", mode.as_str()));
    }
    line.push('\n');
    line
}

/// `file:line:column` of the finding in the new model, else in the old one.
fn location(finding: &Finding, sources: &Sources<'_>) -> Option<String> {
    let (map, span) = match (&finding.new, &finding.old) {
        (Some((span, _)), _) => (sources.new, *span),
        (None, Some((span, _))) => (sources.old, *span),
        (None, None) => return None,
    };
    let (line, column) = map.line_column(span);
    Some(format!("{}:{line}:{column}", map.file(span.file).name))
}

fn consumer_text(consumer: &Consumer, path: Option<&str>) -> String {
    let field = path.map(super::top_field);
    let maps = match (consumer.maps_field, field) {
        (Some(true), Some(field)) => format!(", maps `{field}`"),
        _ => String::new(),
    };
    format!("`{}` ({}{maps})", consumer.name, consumer.kind.label())
}

fn breaking(finding: &Finding, sources: &Sources<'_>, color: bool, width: usize) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let item = renderable(finding, sources);
    let mut out = String::new();
    if handler.render_report(&mut out, &item).is_err() {
        // Rendering into a String cannot fail on I/O; fall back to the plain line.
        out = format!("{}: {}\n", finding.code, finding.message);
    }
    if let (Some(_), Some((span, text))) = (&finding.new, &finding.old) {
        let (line, column) = sources.old.line_column(*span);
        let what = if text.is_empty() {
            String::new()
        } else {
            format!(" ({text})")
        };
        out.push_str(&format!(
            "  = in the old model at {}:{line}:{column}{what}\n",
            sources.old.file(span.file).name
        ));
    }
    let breaks: Vec<&str> = finding.breaks.iter().map(|i| i.label()).collect();
    let mode = finding
        .mode
        .map(|(mode, reason)| format!(" (mode {}: {reason})", mode.as_str()))
        .unwrap_or_default();
    out.push_str(&format!("  = breaks {}{mode}\n", breaks.join(" and ")));
    if !finding.consumers.is_empty() {
        let consumers: Vec<String> = finding
            .consumers
            .iter()
            .map(|c| consumer_text(c, finding.path.as_deref()))
            .collect();
        out.push_str(&format!("  = affects {}\n", consumers.join(", ")));
    }
    out
}

/// A finding bound to its source text, in the form miette renders.
#[derive(Debug)]
struct Renderable {
    code: String,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Display for Renderable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Renderable {}

impl miette::Diagnostic for Renderable {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

fn source(map: &SourceMap, span: Span) -> NamedSource<String> {
    let file = map.file(span.file);
    NamedSource::new(file.name.clone(), file.text.to_string())
}

fn label(span: Span, text: &str) -> LabeledSpan {
    let message = (!text.is_empty()).then(|| text.to_owned());
    LabeledSpan::new_primary_with_span(message, (span.start as usize, span.len.max(1) as usize))
}

fn renderable(finding: &Finding, sources: &Sources<'_>) -> Renderable {
    let code = format!("{}({})", finding.code.as_str(), finding.code.slug());
    let mut item = Renderable {
        code,
        severity: miette::Severity::Error,
        message: finding.message.clone(),
        help: finding.help.clone(),
        source: None,
        labels: Vec::new(),
    };
    // miette draws one source per diagnostic, so the excerpt is from the new model
    // when the element is still there (the old place follows on a line of its own),
    // else from the old one.
    match (&finding.new, &finding.old) {
        (Some((span, text)), _) => {
            item.source = Some(source(sources.new, *span));
            item.labels.push(label(*span, text));
        }
        (None, Some((span, text))) => {
            item.source = Some(source(sources.old, *span));
            item.labels.push(label(*span, text));
        }
        (None, None) => {}
    }
    item
}

fn json_location(map: &SourceMap, place: &Option<(Span, String)>) -> serde_json::Value {
    match place {
        Some((span, _)) => {
            let (line, column) = map.line_column(*span);
            serde_json::json!({
                "file": map.file(span.file).name,
                "line": line,
                "column": column,
                "byte_range": [span.start, span.start + span.len],
            })
        }
        None => serde_json::Value::Null,
    }
}

/// The report as one JSON document (for CI and tools).
pub fn json(report: &Report, sources: &Sources<'_>) -> serde_json::Value {
    let findings: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "code": f.code.as_str(),
                "rule": f.code.slug(),
                "category": f.code.category().as_str(),
                "breaking": f.breaking(),
                "breaks": f.breaks.iter().map(|i| i.as_str()).collect::<Vec<_>>(),
                "compatibility": {
                    "backward": f.compat.backward,
                    "forward": f.compat.forward,
                },
                "mode": f.mode.map(|(m, _)| m.as_str()),
                "mode_reason": f.mode.map(|(_, reason)| reason),
                "context": f.context,
                "element": {
                    "kind": f.element.kind.as_str(),
                    "name": f.element.name,
                },
                "path": f.path,
                "message": f.message,
                "help": f.help,
                "new": json_location(sources.new, &f.new),
                "old": json_location(sources.old, &f.old),
                "consumers": f.consumers.iter().map(|c| serde_json::json!({
                    "kind": c.kind.as_str(),
                    "name": c.name,
                    "maps_field": c.maps_field,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "old": sources.old_name,
        "new": sources.new_name,
        "mode": report.mode.map(|m| m.as_str()),
        "ok": report.breaking() == 0,
        "breaking": report.breaking(),
        "compatible": report.compatible(),
        "findings": findings,
    })
}
