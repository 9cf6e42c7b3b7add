//! SC050 scenario-foreign-given: a scenario's given event is not an event of its aggregate.
//!
//! Raised by the checker (`src/check/resolve/`).

use super::prelude::*;

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
