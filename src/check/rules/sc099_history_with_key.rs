//! SC099 history-with-key: a history read model has a key, or a source of it maps one.
//!
//! Raised where read models are lowered (`src/check/resolve/lowering.rs`); its findings
//! are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC099",
    slug: "history-with-key",
    severity: Severity::Error,
    summary: "a history read model has a `key:`",
    explanation: Explanation {
        text: r#"`history: true` makes a read model keep one row per event, in the order the events were recorded: a timeline, an audit log. Its rows are found by their position, never by a key, so the read model has no `key:`, and its source events map no key (`key:` under a source). To find rows of one thing, filter the list: `filters: [ticket_id]`, then `GET /<read-model>?ticket_id=…`."#,
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
        events:
          TicketOpened: {}
    read_models:
      TicketTimeline:
        history: true
        key: ticket_id
        from: [TicketOpened]
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
        events:
          TicketOpened: {}
    read_models:
      TicketTimeline:
        history: true
        filters: [ticket_id]
        from: [TicketOpened]
        fields:
          ticket_id: uuid
"#,
    },
};

/// `key:` of the history read model (at `span`); `history` is where `history: true` is.
pub fn read_model_key(read_model: &str, span: Span, history: Span) -> Diagnostic {
    Diagnostic::new(
        Code::HistoryWithKey,
        span,
        format!("history read model `{read_model}` has a `key:`"),
    )
    .label("a history row has no key")
    .secondary(history, "one row per event")
    .help("remove `key:` (filter the list instead, with `filters:`), or remove `history: true` to keep one row per key")
}

/// `key:` under the source `event` of the history read model.
pub fn source_key(read_model: &str, event: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::HistoryWithKey,
        span,
        format!("source `{event}` of history read model `{read_model}` maps a key"),
    )
    .label("a history row has no key")
    .help("copy the field with `set:` instead of `key:`")
}
