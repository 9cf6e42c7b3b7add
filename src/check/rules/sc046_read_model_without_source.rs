//! SC046 read-model-without-source: a read model is fed by no event.
//!
//! Raised by the checker (`src/check/resolve/`).

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC046",
    slug: "read-model-without-source",
    severity: Severity::Error,
    summary: "a read model is fed by no event",
    explanation: Explanation {
        text: r#"A read model lists no events in `from`, so nothing ever writes a row of it. A read model is a projection of events: name the events (of this context, or published ones of others) that feed it."#,
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
      OrderList:
        key: id
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
    read_models:
      OrderList:
        key: id
        from: [OrderPlaced]
"#,
    },
};
