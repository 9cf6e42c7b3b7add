//! SC032 id-field-conflict: a message declares the aggregate id field with another type.
//!
//! Raised where types are resolved (`src/check/resolve/types.rs`); its finding is
//! built here.

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

/// The finding for message `owner`, which declares the id field `id` with type
/// `declared` (at `span`) where the aggregate's id has type `id_type` (at `id_span`).
pub fn diagnostic(
    owner: &str,
    id: &str,
    declared: &str,
    span: Span,
    id_type: &str,
    id_span: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::IdFieldConflict,
        span,
        format!(
            "`{owner}` declares the id field `{id}` as `{declared}`, but the aggregate's id is `{id_type}`"
        ),
    )
    .label("conflicts with the aggregate id")
    .secondary(id_span, "the id's type")
    .help(format!(
        "every command and event carries `{id}` already; remove this field or give it type `{id_type}`"
    ))
}
