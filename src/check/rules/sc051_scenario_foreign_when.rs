//! SC051 scenario-foreign-when: a scenario's `when` is not a command of its aggregate.
//!
//! Raised in the flow phase, where scenarios are lowered
//! (`src/check/resolve/scenarios.rs`); its finding is built here.

use super::prelude::*;
use super::scenario_finding;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC051",
    slug: "scenario-foreign-when",
    severity: Severity::Error,
    summary: "a scenario's `when` is not a command of its aggregate",
    explanation: Explanation {
        text: r#"A scenario names its aggregate explicitly, but its `when` is a command that another aggregate handles. The command under test must be one of the scenario's aggregate."#,
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
      - name: empty the cart
        aggregate: Order
        when: EmptyCart
        then: [CartEmptied]
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
      - name: empty the cart
        aggregate: Cart
        when: EmptyCart
        then: [CartEmptied]
"#,
    },
};

/// The finding for a `when` command that the scenario's aggregate does not handle.
pub fn diagnostic(
    scenario: &str,
    aggregate: &str,
    command: &str,
    span: Span,
    subject: NodeRef,
) -> Diagnostic {
    scenario_finding(
        Code::ScenarioForeignWhen,
        scenario,
        format_args!("is about aggregate `{aggregate}`, but `{command}` is not one of its commands"),
        span,
        subject,
    )
    .label(format!("not a command of `{aggregate}`"))
    .help(format!("`when` names a command that `{aggregate}` handles"))
}
