//! SC047 read-model-key-missing: a read model's key is not a field of one of its source events.
//!
//! Raised by the checker (`src/check/resolve/`).

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC047",
    slug: "read-model-key-missing",
    severity: Severity::Error,
    summary: "a read model's key is not a field of one of its source events",
    explanation: Explanation {
        text: r#"A read model's rows are found by its `key`, so every event in its `from` must carry a field of that name (the aggregate's id field counts). An event without it could not say which row it updates."#,
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
        events:
          OrderPlaced: {}
    read_models:
      OrdersByCustomer:
        key: customer_id
        from: [OrderPlaced]
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
          OrderPlaced:
            fields: {customer_id: uuid}
    read_models:
      OrdersByCustomer:
        key: customer_id
        from: [OrderPlaced]
"#,
    },
};
