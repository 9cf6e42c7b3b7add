//! SC011 duplicate-name: a name is defined twice in one namespace.
//!
//! Raised by the checker (`src/check/resolve/`).

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC011",
    slug: "duplicate-name",
    severity: Severity::Error,
    summary: "a name is defined twice in one namespace",
    explanation: Explanation {
        text: r#"A name is defined twice in one namespace. All PascalCase elements of a context (types, aggregates, commands, events, policies, read models) share one namespace, because they become items of one generated crate; actors and external systems share the model-wide one; contexts are unique in the model, also across the files of a folder."#,
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
      Cart:
        commands:
          PlaceOrder:
            by: Customer
            emits: [CartCheckedOut]
        events:
          CartCheckedOut: {}
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
          CheckOutCart:
            by: Customer
            emits: [CartCheckedOut]
        events:
          CartCheckedOut: {}
"#,
    },
};
