//! SC032 id-field-conflict: a message declares the aggregate id field with another type.
//!
//! Raised by the checker (`src/check/resolve/`).

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC032",
    slug: "id-field-conflict",
    severity: Severity::Error,
    summary: "a message declares the aggregate id field with another type",
    explanation: Explanation {
        text: r#"Every command and event of an aggregate carries the aggregate's id field (`id: uuid` unless `id:` says otherwise). A message that declares a field of that name with a different type contradicts it. Leave the field out: it is there already."#,
        bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        id: {name: order_id, type: u64}
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            fields:
              order_id: string
"#,
        fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        id: {name: order_id, type: u64}
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
    },
};
