//! SC054 scenario-shape: a scenario has both or neither of `then` and `error`.
//!
//! Raised in the flow phase, where scenarios are lowered
//! (`src/check/resolve/scenarios.rs`); its finding is built here.

use super::prelude::*;
use super::scenario_finding;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC054",
    slug: "scenario-shape",
    severity: Severity::Error,
    summary: "a scenario has both or neither of `then` and `error`",
    explanation: Explanation {
        text: r#"A scenario's outcome is either the events the command emits (`then`) or the business error it fails with (`error`), never both and never neither."#,
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
            emits: [OrderPlaced]
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: place an order
        when: PlaceOrder
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
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: place an order
        when: PlaceOrder
        then: [OrderPlaced]
"#,
    },
};

/// The finding for a scenario with both `then` and `error` (`both`), or neither.
pub fn diagnostic(scenario: &str, both: bool, span: Span, subject: NodeRef) -> Diagnostic {
    scenario_finding(
        Code::ScenarioShape,
        scenario,
        "must expect either events (`then`) or an error (`error`)",
        span,
        subject,
    )
    .label(if both {
        "both `then` and `error`"
    } else {
        "neither `then` nor `error`"
    })
    .help("a command either emits events or fails with a business error; keep exactly one of `then:` and `error:`")
}
