//! SC097 bad-source-action: a source event's `delete:` or `where:` cannot apply.
//!
//! Raised where read models are lowered (`src/check/resolve/lowering.rs`); its findings
//! are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC097",
    slug: "bad-source-action",
    severity: Severity::Error,
    summary: "a source event's `delete:` or `where:` cannot apply",
    explanation: Explanation {
        text: r#"A source event of a read model does one thing to its rows: by default it creates or changes the row of its key; `delete: true` removes that row; `where: { row_field: event_field }` changes every row whose field equals the event's, and creates none.

So `delete:` goes with no `set:` and no `where:` (a deleted row keeps nothing), `where:` goes with no `key:` (it finds its rows by the `where:` fields), and neither is written in a history read model, whose rows are never changed or removed."#,
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
            emits: [TicketOpened]
          CloseTicket:
            by: Agent
            fields: { resolution: string }
            emits: [TicketClosed]
        events:
          TicketOpened: {}
          TicketClosed:
            fields: { resolution: string }
    read_models:
      OpenTickets:
        key: ticket_id
        from:
          TicketOpened: {}
          TicketClosed:
            delete: true
            set: { last_resolution: resolution }
        fields:
          last_resolution: string?
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
            emits: [TicketOpened]
          CloseTicket:
            by: Agent
            fields: { resolution: string }
            emits: [TicketClosed]
        events:
          TicketOpened: {}
          TicketClosed:
            fields: { resolution: string }
    read_models:
      OpenTickets:
        key: ticket_id
        from:
          TicketOpened: {}
          TicketClosed: { delete: true }
"#,
    },
};

/// `key` (`delete`, `where`) of the source `event` in the history read model.
pub fn in_history(read_model: &str, event: &str, key: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadSourceAction,
        span,
        format!("`{key}:` of source `{event}` in history read model `{read_model}`"),
    )
    .label("a history row is never changed or removed")
    .help(format!(
        "remove `{key}:`, or remove `history: true` and give `{read_model}` a `key:`"
    ))
}

/// `delete: true` together with `other` (`set` or `where`) on the source `event`.
pub fn delete_with(read_model: &str, event: &str, other: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadSourceAction,
        span,
        format!(
            "source `{event}` of read model `{read_model}` deletes its row and also has `{other}:`"
        ),
    )
    .label(format!("`{other}:` with `delete: true`"))
    .help(format!(
        "a deleted row keeps nothing: remove `{other}:`, or remove `delete: true`"
    ))
}

/// `where:` together with `key:` on the source `event`.
pub fn where_with_key(read_model: &str, event: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadSourceAction,
        span,
        format!("source `{event}` of read model `{read_model}` has both `where:` and `key:`"),
    )
    .label("`where:` finds its rows by its own fields")
    .help("remove `key:` to change every row that matches `where:`, or remove `where:` to change the row of the key")
}
