//! SC052 scenario-unexpected-then: a scenario expects an event its command does not emit.
//!
//! Raised by the checker (`src/check/resolve/`).

use super::prelude::*;

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
