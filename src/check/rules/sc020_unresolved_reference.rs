//! SC020 unresolved-reference: a reference names nothing of the expected kind.
//!
//! Raised by the checker (`src/check/resolve/`).

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC020",
    slug: "unresolved-reference",
    severity: Severity::Error,
    summary: "a reference names nothing of the expected kind",
    explanation: Explanation {
        text: r#"A reference names nothing of the kind expected there: an event in `emits`, `on`, `from`, `given` or `then`; a command in `issue` or `when`; an actor or external system in `by` or `call`; a type in a field; a context in `context.Name`. A bare name refers to the current context; another context's element is written `context.Name`. The help line suggests the closest existing name."#,
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
            emits: [OrderPlacd]
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
