//! SC052 scenario-unexpected-then: a scenario expects an event its command does not emit.
//!
//! Raised in the flow phase, where scenarios are lowered
//! (`src/check/resolve/scenarios.rs`); its finding is built here.

use super::prelude::*;
use super::scenario_finding;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC052",
    slug: "scenario-unexpected-then",
    severity: Severity::Error,
    summary: "a scenario expects an event its command does not emit",
    explanation: Explanation {
        text: r#"A scenario expects an event that its `when` command does not list in `emits`. The generated test could never pass; either the command's `emits` or the scenario is wrong."#,
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
      - name: cancel
        given: [OrderPlaced]
        when: CancelOrder
        then: [OrderCancelled, OrderPlaced]
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
      - name: cancel
        given: [OrderPlaced]
        when: CancelOrder
        then: [OrderCancelled]
"#,
    },
};

/// The finding for a `then` event that the scenario's command does not emit.
pub fn diagnostic(
    scenario: &str,
    event: &str,
    command: &str,
    span: Span,
    subject: NodeRef,
) -> Diagnostic {
    scenario_finding(
        Code::ScenarioUnexpectedThen,
        scenario,
        format_args!("expects `{event}`, which `{command}` does not emit"),
        span,
        subject,
    )
    .label(format!("not in the `emits` of `{command}`"))
    .help(format!(
        "add `{event}` to the `emits` of `{command}`, or expect one of its events"
    ))
}
