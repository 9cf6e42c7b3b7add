//! SC004 missing-key: a required key is missing.
//!
//! Raised by the decoder (`src/model/decode.rs`: a required key, a type that is
//! neither a record nor an enum), the scope step (`src/check/resolve/scope.rs`: a
//! model without `system`) and lowering (`src/check/resolve/lowering.rs`: a policy
//! whose `on` is empty); its findings are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC004",
    slug: "missing-key",
    severity: Severity::Error,
    summary: "a required key is missing",
    explanation: Explanation {
        text: r#"A required key is absent: the model's `system` name, a read model's `key`, a policy's `on`, a field's `type`, or whether a type is a record (`fields`) or an enum (`enum`). The label points at the element that needs it."#,
        bad: r#"stormcraft: 1
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

/// The finding for `what`, which has no `key`; `owner` is the element that needs it.
pub fn diagnostic(what: &str, key: &str, owner: Span) -> Diagnostic {
    Diagnostic::new(Code::MissingKey, owner, format!("{what} has no `{key}`"))
        .label(format!("`{key}` is required here"))
        .help(format!("add `{key}:` to {what}"))
}

/// The finding for `what`, a type (named at `span`) with neither `fields` nor `enum`.
pub fn record_or_enum(what: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MissingKey,
        span,
        format!("{what} has neither `fields` nor `enum`"),
    )
    .label("say what this type is")
    .help("add `fields:` (a record of named fields) or `enum: [A, B]` (a choice)")
}

/// The finding for a model none of whose files names its `system`; `span` is the
/// start of its first file.
pub fn no_system(span: Span) -> Diagnostic {
    Diagnostic::new(Code::MissingKey, span, "the model has no `system` name")
        .label("`system` is required once per model")
        .help("add `system: YourSystemName` to one file of the model")
}

/// The finding for policy `policy` (named at `span`), whose `on` lists no event.
pub fn empty_on(policy: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MissingKey,
        span,
        format!("policy `{policy}` reacts to no event"),
    )
    .label("empty `on`")
    .help("name the event it reacts to: `on: OrderPlaced`")
}
