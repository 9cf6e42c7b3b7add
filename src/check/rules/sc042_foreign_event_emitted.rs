//! SC042 foreign-event-emitted: a command emits an event of another aggregate.
//!
//! Raised by the checker (`src/check/resolve/`).

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC042",
    slug: "foreign-event-emitted",
    severity: Severity::Error,
    summary: "a command emits an event of another aggregate",
    explanation: Explanation {
        text: r#"A command emits an event that belongs to another aggregate. An aggregate is a consistency boundary that appends only to its own stream; a change in another aggregate is a command to it, usually issued by a policy."#,
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
            emits: [OrderPlaced, CartEmptied]
        events:
          OrderPlaced: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
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
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    policies:
      EmptyCartOnOrder:
        on: OrderPlaced
        issue: EmptyCart
"#,
    },
};
