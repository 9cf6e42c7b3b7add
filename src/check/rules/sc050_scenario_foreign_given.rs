//! SC050 scenario-foreign-given: a scenario's given event is not an event of its aggregate.
//!
//! Raised in the flow phase, where scenarios are lowered
//! (`src/check/resolve/scenarios.rs`); its finding is built here.

use super::prelude::*;
use super::scenario_finding;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC050",
    slug: "scenario-foreign-given",
    severity: Severity::Error,
    summary: "a scenario's given event is not an event of its aggregate",
    explanation: Explanation {
        text: r#"A scenario is about one aggregate (its `aggregate:`, or the aggregate of its `when` command), and `given` lists the past events of one stream of that aggregate. An event of another aggregate cannot be in that stream."#,
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
        given: [OrderPlaced, CartEmptied]
        when: CancelOrder
        then: [OrderCancelled]
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

/// The finding for a `given` event that is not an event of the scenario's aggregate.
pub fn diagnostic(
    scenario: &str,
    aggregate: &str,
    event: &str,
    span: Span,
    subject: NodeRef,
) -> Diagnostic {
    scenario_finding(
        Code::ScenarioForeignGiven,
        scenario,
        format_args!("is about aggregate `{aggregate}`, but `{event}` is not one of its events"),
        span,
        subject,
    )
    .label(format!("not an event of `{aggregate}`"))
    .help(format!("`given` lists the past events of one `{aggregate}` stream"))
}
