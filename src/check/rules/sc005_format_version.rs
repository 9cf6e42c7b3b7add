//! SC005 format-version: the model's format version is missing or not supported.
//!
//! Raised by the decoder (`src/model/decode.rs`), where a file's format version
//! is read; its findings are built here.

use super::prelude::*;
use crate::model::decode::FORMAT_VERSION;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC005",
    slug: "format-version",
    severity: Severity::Error,
    summary: "the model's format version is missing or not supported",
    explanation: Explanation {
        text: r#"Every model file starts with `stormcraft: 1`, the version of the model format it is written in. A file without it, an empty file, or a version this build does not read is rejected, so that a future format change can never be misread silently."#,
        bad: r#"stormcraft: 2
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
    },
};

/// The finding for an empty file; `span` is its start.
pub fn empty_file(span: Span) -> Diagnostic {
    Diagnostic::new(Code::FormatVersion, span, "the file is empty")
        .label("no model here")
        .help(format!(
            "start the file with `stormcraft: {FORMAT_VERSION}`, or run `stormcraft init` for a starter model"
        ))
}

/// The finding for a file without `stormcraft:`; `span` is its start.
pub fn no_version(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::FormatVersion,
        span,
        "the file does not say which format version it is written in",
    )
    .label("expected `stormcraft: 1` in this file")
    .help(format!(
        "add `stormcraft: {FORMAT_VERSION}` as the first line of the file"
    ))
}

/// The finding for `stormcraft: version` (the number at `span`), which this build
/// does not read.
pub fn unsupported(version: i64, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::FormatVersion,
        span,
        format!("format version `{version}` is not supported by this stormcraft"),
    )
    .label(format!("this build reads format {FORMAT_VERSION}"))
    .help(format!("write `stormcraft: {FORMAT_VERSION}`"))
}
