//! SC021 unpublished-event: another context's event is used but that context does not publish it.
//!
//! Raised where event references are resolved
//! (`src/check/resolve/references.rs`); its finding is built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC021",
    slug: "unpublished-event",
    severity: Severity::Error,
    summary: "another context's event is used but that context does not publish it",
    explanation: Explanation {
        text: r#"A policy or read model uses an event of another context that this context does not publish. Bounded contexts only depend on each other's published events: an event without `published: true` is an internal detail its context may change at any time."#,
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
  shipping:
    aggregates:
      Parcel:
        commands:
          ShipParcel:
            emits: [ParcelShipped]
        events:
          ParcelShipped: {}
    policies:
      ShipOnOrder:
        on: ordering.OrderPlaced
        issue: ShipParcel
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
      ShipOnOrder:
        on: ordering.OrderPlaced
        issue: ShipParcel
"#,
    },
};

/// The finding for a use (at `span`) of `event` of context `context`, which does
/// not publish it; `defined` is where the event is defined.
pub fn diagnostic(event: &str, context: &str, span: Span, defined: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnpublishedEvent,
        span,
        format!("event `{event}` of context `{context}` is not published"),
    )
    .label("private to its context")
    .secondary(defined, "defined here without `published: true`")
    .help(format!(
        "add `published: true` to `{event}` if `{context}` means to share it; other contexts may only use published events"
    ))
}
