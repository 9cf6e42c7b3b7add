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
        text: r#"Every model file starts with `stormcraft: 1` or `stormcraft: 2`, the version of the model format it is written in. A file without it, an empty file, or a version this build does not read is rejected, so that a future format change can never be misread silently.

Format 2 adds keys (outcomes, conditions, recovery, deadlines, schedules); a format-1 file keeps meaning what it meant, so one of those keys in it is reported here too. The files of one model may mix versions: each file is read by its own."#,
        bad: r#"stormcraft: 3
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
    .label(format!("expected `stormcraft: {FORMAT_VERSION}` in this file"))
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
    .label(format!("this build reads formats 1 to {FORMAT_VERSION}"))
    .help(format!("write `stormcraft: {FORMAT_VERSION}`"))
}

/// The finding for `key` (of `what`, e.g. "command `PayOrder`"), a format-2 key,
/// in a format-1 file; `span` is the key.
pub fn needs_format_2(key: &str, what: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::FormatVersion,
        span,
        format!("`{key}:` of {what} needs `stormcraft: 2`"),
    )
    .label("a format-2 key in a format-1 file")
    .help("write `stormcraft: 2` at the top of this file")
}
