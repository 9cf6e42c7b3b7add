//! SC044 cross-context-command: a policy issues a command of another context, which `generate` does not support yet.
//!
//! Raised by the checker (`src/check/resolve/`).

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC044",
    slug: "cross-context-command",
    severity: Severity::Error,
    summary: "a policy issues a command of another context, which `generate` does not support yet",
    explanation: Explanation {
        text: r#"A policy issues a command of another context. That makes this context depend on the other one's internals (directed coupling); usually the other context should own the policy and react to a published event of this context instead.

It is an error because `generate` cannot build it yet: each context is a crate, and a crate that sends commands to another would make the crates depend on each other. Until commands travel between contexts through the store, let the receiving context own the policy."#,
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
    policies:
      ShipWhenPlaced:
        on: OrderPlaced
        issue: shipping.ShipParcel
  shipping:
    aggregates:
      Parcel:
        commands:
          ShipParcel:
            emits: [ParcelShipped]
        events:
          ParcelShipped: {}
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
            published: true
  shipping:
    aggregates:
      Parcel:
        commands:
          ShipParcel:
            emits: [ParcelShipped]
        events:
          ParcelShipped: {}
    policies:
      ShipWhenPlaced:
        on: ordering.OrderPlaced
        issue: ShipParcel
"#,
    },
};
