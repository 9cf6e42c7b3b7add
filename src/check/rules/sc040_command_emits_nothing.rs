//! SC040 command-emits-nothing: a command emits no event.
//!
//! Raised by the checker (`src/check/resolve/`).

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC040",
    slug: "command-emits-nothing",
    severity: Severity::Error,
    summary: "a command emits no event",
    explanation: Explanation {
        text: r#"A command has no `emits`. In an event-sourced model a command is accepted by recording at least one event; a request that changes nothing is a query, served by a read model. If the command can only fail, it still records the success case."#,
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
          ViewOrder:
            by: Customer
        events:
          OrderPlaced: {}
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
"#,
    },
};
