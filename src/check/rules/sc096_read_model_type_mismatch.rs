//! SC096 read-model-type-mismatch: a mapped event field's type does not fit its row
//! field, or a filter's field cannot be compared.
//!
//! Raised where read models are lowered (`src/check/resolve/lowering.rs`); its findings
//! are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC096",
    slug: "read-model-type-mismatch",
    severity: Severity::Error,
    summary: "a mapped field's type does not fit its row field, or a filter cannot compare",
    explanation: Explanation {
        text: r#"A `key:`, `set:` or `where:` entry of a source event copies (or compares) an event field into a row field, so both must have the same type; a `T` may go into a `T?` row field. A named type of another context is a copy in the consuming crate and never converts by default: copy it in the projection rule instead.

A filter (`filters:`) compares a row field with a query parameter, so it must be a string, uuid, integer, bool or enum (or an optional one)."#,
        bad: r#"stormcraft: 2
system: Ticketing
actors:
  Agent: answers tickets
contexts:
  support:
    aggregates:
      Ticket:
        id: ticket_id
        commands:
          OpenTicket:
            by: Agent
            fields: { priority: i32 }
            emits: [TicketOpened]
        events:
          TicketOpened:
            fields: { priority: i32 }
    read_models:
      OpenTickets:
        key: ticket_id
        from:
          TicketOpened:
            set: { urgency: priority }
        fields:
          urgency: string
"#,
        fixed: r#"stormcraft: 2
system: Ticketing
actors:
  Agent: answers tickets
contexts:
  support:
    aggregates:
      Ticket:
        id: ticket_id
        commands:
          OpenTicket:
            by: Agent
            fields: { priority: i32 }
            emits: [TicketOpened]
        events:
          TicketOpened:
            fields: { priority: i32 }
    read_models:
      OpenTickets:
        key: ticket_id
        from:
          TicketOpened:
            set: { urgency: priority }
        fields:
          urgency: i32?
"#,
    },
};

/// The event field `(event_field, from)` (name, type) does not fit the row field
/// `(row_field, to)`; `span` is the entry's event field; `foreign` when the event
/// field's type is a named type of another context.
pub fn mismatch(
    read_model: &str,
    event: &str,
    (row_field, to): (&str, &str),
    (event_field, from): (&str, &str),
    foreign: bool,
    span: Span,
) -> Diagnostic {
    let help = if foreign {
        format!("`{from}` of `{event}` belongs to another context and is not converted by default; remove the entry and copy the value in `src/rules/projections.rs`")
    } else {
        format!("declare `{row_field}` as `{from}` (or `{from}?`), or map another field of `{event}`")
    };
    Diagnostic::new(
        Code::ReadModelTypeMismatch,
        span,
        format!(
            "read model `{read_model}`: `{event}.{event_field}` is a `{from}`, but row field `{row_field}` is a `{to}`"
        ),
    )
    .label(format!("a `{from}`, not a `{to}`"))
    .help(help)
}

/// A filter on `field`, whose type `ty` is no comparable scalar.
pub fn filter_type(read_model: &str, field: &str, ty: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ReadModelTypeMismatch,
        span,
        format!("read model `{read_model}` filters on `{field}`, a `{ty}`, which a query cannot compare"),
    )
    .label(format!("a `{ty}`"))
    .help("filter on a string, uuid, integer, bool or enum field (optional ones too), or remove the filter")
}

/// Whether a list query can compare a row field of type `ty` with a query parameter:
/// a key type, a bool or an enum, perhaps optional.
pub fn is_filter_type(model: &Model, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Optional(inner) => is_filter_type(model, inner),
        TypeRef::Primitive(Primitive::Bool) => true,
        TypeRef::Named(id) => matches!(
            model.named_type(*id).kind,
            crate::ir::NamedTypeKind::Enum(_)
        ),
        other => super::sc074_unsupported_key_type::is_key_type(other),
    }
}
