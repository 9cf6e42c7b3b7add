//! SC002 unknown-key: a key the format does not define.
//!
//! Raised by the decoder (`src/model/decode.rs`), where keys are read; its
//! findings are built here.

use super::prelude::*;
use crate::suggest::did_you_mean;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC002",
    slug: "unknown-key",
    severity: Severity::Error,
    summary: "a key the format does not define",
    explanation: Explanation {
        text: r#"A mapping holds a key that the model format does not define. Usually it is a typo (`emit` for `emits`), and the help line names the closest key. Unknown keys are errors rather than being ignored, because an ignored `emit:` would silently drop the events a command emits."#,
        bad: r#"stormcraft: 1
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
            emit: [OrderPlaced]
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

/// The finding for `key` (at `span`) in `what`, whose keys are `allowed`: the help
/// suggests the closest allowed key, or lists them all.
pub fn diagnostic(key: &str, what: &str, allowed: &[&str], span: Span) -> Diagnostic {
    let help = did_you_mean(key, allowed.iter().copied())
        .unwrap_or_else(|| format!("the keys of {what} are: {}", allowed.join(", ")));
    Diagnostic::new(
        Code::UnknownKey,
        span,
        format!("unknown key `{key}` in {what}"),
    )
    .label("not part of the format")
    .help(help)
}

/// The finding for `what`, a type with both `fields` and `enum`; `span` is its `enum`.
pub fn record_and_enum(what: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnknownKey,
        span,
        format!("{what} has both `fields` and `enum`"),
    )
    .label("a type is a record or an enum, not both")
    .help("keep `fields:` for a record, or `enum:` for a choice of variants")
}
