//! SC080 outcome-shape: a command's `outcomes:` is malformed.
//!
//! Raised by the decoder (`src/model/decode.rs`) for a `failure:` that is not a
//! boolean, and where commands are lowered (`src/check/resolve/lowering.rs`) for
//! the rest; its findings are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC080",
    slug: "outcome-shape",
    severity: Severity::Error,
    summary: "a command's `outcomes:` is malformed",
    explanation: Explanation {
        text: r#"A format-2 command lists its alternative results under `outcomes:`, each a snake_case name with the events that result records together: `succeeded: [PaymentSucceeded, ReceiptIssued?]` (`Event?` may be recorded or not) or `failed: { events: [PaymentFailed], failure: true }`.

A command has either `emits:` (one outcome, all its events together) or `outcomes:`, never both; every outcome has at least one event, and `failure:` is `true` or `false`. Outcome names must be unique, which YAML itself enforces (a repeated key is a syntax error, SC001)."#,
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
            outcomes:
              placed: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        fixed: r#"stormcraft: 2
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
            outcomes:
              placed: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
    },
};

/// `emits:` and `outcomes:` on one command; `span` is `outcomes:`, `emits` the other key.
pub fn emits_and_outcomes(command: &str, span: Span, emits: Span) -> Diagnostic {
    Diagnostic::new(
        Code::OutcomeShape,
        span,
        format!("command `{command}` has both `emits:` and `outcomes:`"),
    )
    .label("`outcomes:` here")
    .secondary(emits, "and `emits:` here")
    .help("keep one: `emits: [A, B]` is the one outcome `emitted` with every event; move its events into an outcome of `outcomes:`")
}

/// `outcomes:` with no outcome in it; `span` is the key.
pub fn no_outcome(command: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::OutcomeShape,
        span,
        format!("command `{command}` has `outcomes:` but no outcome"),
    )
    .label("no outcome listed")
    .help("name each result with its events, e.g. `outcomes: { placed: [OrderPlaced] }`")
}

/// An outcome name that is not snake_case.
pub fn not_snake_case(command: &str, outcome: &str, span: Span) -> Diagnostic {
    let suggestion = crate::check::names::to_snake_case(outcome);
    Diagnostic::new(
        Code::OutcomeShape,
        span,
        format!("outcome `{outcome}` of command `{command}` is not snake_case"),
    )
    .label("outcome names are snake_case")
    .help(format!("rename it `{suggestion}`"))
}

/// An outcome without events; `span` is its name.
pub fn empty_outcome(command: &str, outcome: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::OutcomeShape,
        span,
        format!("outcome `{outcome}` of command `{command}` records no event"),
    )
    .label("no events")
    .help("list the events this result records, e.g. `[PaymentFailed]`: a result that records nothing is a business error (`errors:`)")
}

/// `failure:` written as something other than a boolean; `span` is the value.
pub fn failure_not_bool(outcome: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::OutcomeShape,
        span,
        format!("`failure` of outcome `{outcome}` is not `true` or `false`"),
    )
    .label("expected `true` or `false`")
    .help("write `failure: true` for a result other contexts may need to hear of, or leave it out")
}
