//! SC095 read-model-field-unknown: a read model's `key:`, `set:`, `where:` or `filters:`
//! names a field the row or the source event does not have.
//!
//! Raised where read models are lowered (`src/check/resolve/lowering.rs`); its findings
//! are built here.

use super::prelude::*;
use crate::suggest::did_you_mean;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC095",
    slug: "read-model-field-unknown",
    severity: Severity::Error,
    summary: "a read model's mapping or filter names a field the row or the event does not have",
    explanation: Explanation {
        text: r#"In format 2, a read model's source event may say where its row fields come from: `key: { row_key: event_field }` for the key, `set: { row_field: event_field }` for other fields, `where: { row_field: event_field }` to change every row whose field equals the event's. `filters: [field]` names the row fields a list query may filter on.

The left side of each entry is a field of the row (for `key:`, a part of the key), the right side a field of the source event, and each filter a row field. A name that is neither cannot be copied, compared or filtered on."#,
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
            fields: { requester_email: string }
            emits: [TicketOpened]
        events:
          TicketOpened:
            fields: { requester_email: string }
    read_models:
      TicketsByRequester:
        key: ticket_id
        filters: [requester]
        from:
          TicketOpened:
            set: { requester: requester_mail }
        fields:
          requester: string
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
            fields: { requester_email: string }
            emits: [TicketOpened]
        events:
          TicketOpened:
            fields: { requester_email: string }
    read_models:
      TicketsByRequester:
        key: ticket_id
        filters: [requester]
        from:
          TicketOpened:
            set: { requester: requester_email }
        fields:
          requester: string
"#,
    },
};

/// `event_field`, the right side of an entry of `entry` (`key`, `set` or `where`), is
/// not a field of `event`, whose fields are `known`.
pub fn event_field(
    read_model: &str,
    entry: &str,
    event: &str,
    event_field: &str,
    known: &[&str],
    span: Span,
) -> Diagnostic {
    let help = did_you_mean(event_field, known.iter().copied())
        .unwrap_or_else(|| format!("the fields of `{event}` are: {}", list(known)));
    Diagnostic::new(
        Code::ReadModelFieldUnknown,
        span,
        format!(
            "`{entry}:` of source `{event}` in read model `{read_model}` maps from `{event_field}`, which `{event}` does not have"
        ),
    )
    .label(format!("no field `{event_field}` in `{event}`"))
    .help(help)
}

/// `row_field`, the left side of an entry of `entry` or a filter, is not a row field
/// (for `key`, not a part of the key); `known` are the ones it may be.
pub fn row_field(
    read_model: &str,
    entry: &str,
    row_field: &str,
    known: &[&str],
    span: Span,
) -> Diagnostic {
    let what = if entry == "key" {
        "a part of the key"
    } else {
        "a field of the row"
    };
    let help = did_you_mean(row_field, known.iter().copied()).unwrap_or_else(|| {
        if entry == "key" {
            format!("the key of `{read_model}` is {}: `key:` under a source says which event field carries each of them", list(known))
        } else if known.is_empty() {
            format!("read model `{read_model}` has no row field that fits here; declare it under `fields:`")
        } else {
            format!("the fields of `{read_model}` that fit here are {}; or declare `{row_field}` under `fields:`", list(known))
        }
    });
    Diagnostic::new(
        Code::ReadModelFieldUnknown,
        span,
        format!("`{entry}:` of read model `{read_model}` names `{row_field}`, which is not {what}"),
    )
    .label(format!("not {what}"))
    .help(help)
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".to_owned();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
