//! SC055 unknown-field: a value is given for a field the message does not have.
//!
//! Raised by the checker (`src/check/resolve/`).

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC055",
    slug: "unknown-field",
    severity: Severity::Error,
    summary: "a value is given for a field the message does not have",
    explanation: Explanation {
        text: r#"A scenario step gives a value for a field that its command or event does not have. Usually a typo; the help line suggests the closest field."#,
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
            fields: {total: decimal}
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
        when: {PlaceOrder: {totl: 10}}
        then: [OrderPlaced]
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
            fields: {total: decimal}
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
        when: {PlaceOrder: {total: 10}}
        then: [OrderPlaced]
"#,
    },
};
