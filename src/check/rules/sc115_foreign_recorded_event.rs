//! SC115 foreign-recorded-event: a recovery's `record:` names an event of another
//! context.
//!
//! Raised where policies are lowered (`src/check/resolve/lowering.rs`); its finding is
//! built here. A recorded event that does not resolve is SC020, with a did-you-mean.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC115",
    slug: "foreign-recorded-event",
    severity: Severity::Error,
    summary: "a recovery's `record:` names an event of another context",
    explanation: Explanation {
        text: r#"`on_error: { SomeError: { record: SomeEvent } }` records the refusal as a fact of the context whose policy (or process) issued the refused command: the event is appended to the stream of one of **that context's** aggregates, its id taken from the refused command or the cause event, and the aggregate's `evolve` folds it. A context only ever records its own aggregates' events, so another context's event (`billing.InvoiceVoided`) cannot be recorded here — not even a published one.

Declare the event on an aggregate of the issuing context and record that; when the other context must hear of it, publish it (`published: true`) and let a policy there react. To ask the other context to do something, compensate instead: `{ issue: billing.VoidInvoice }`."#,
        bad: r#"stormcraft: 2
system: Clinic
actors:
  Receptionist: books visits
contexts:
  scheduling:
    aggregates:
      Visit:
        id: visit_id
        commands:
          BookVisit:
            by: Receptionist
            emits: [VisitBooked]
          ConfirmVisit:
            emits: [VisitConfirmed]
            errors: { VisitCancelled: the visit was cancelled }
        events:
          VisitBooked: {}
          VisitConfirmed: {}
    policies:
      ConfirmBookedVisits:
        on: VisitBooked
        issue: ConfirmVisit
        on_error:
          VisitCancelled: { record: billing.ConfirmationRefused }
  billing:
    aggregates:
      Invoice:
        id: visit_id
        commands:
          RefuseConfirmation:
            by: Receptionist
            emits: [ConfirmationRefused]
        events:
          ConfirmationRefused: { published: true }
"#,
        fixed: r#"stormcraft: 2
system: Clinic
actors:
  Receptionist: books visits
contexts:
  scheduling:
    aggregates:
      Visit:
        id: visit_id
        commands:
          BookVisit:
            by: Receptionist
            emits: [VisitBooked]
          ConfirmVisit:
            emits: [VisitConfirmed]
            errors: { VisitCancelled: the visit was cancelled }
        events:
          VisitBooked: {}
          VisitConfirmed: {}
          ConfirmationRefused: {}
    policies:
      ConfirmBookedVisits:
        on: VisitBooked
        issue: ConfirmVisit
        on_error:
          VisitCancelled: { record: ConfirmationRefused }
"#,
    },
};

/// `record: <context>.<Event>` of another context than `issuer`'s, for `error`;
/// `span` is the reference, `declared` the event's definition.
pub fn diagnostic(
    error: &str,
    event: &str,
    owner: &str,
    issuer: &str,
    span: Span,
    declared: Span,
) -> Diagnostic {
    let bare = event.rsplit('.').next().unwrap_or(event);
    Diagnostic::new(
        Code::ForeignRecordedEvent,
        span,
        format!("the recovery of `{error}` records `{event}`, an event of `{owner}`, not of `{issuer}`"),
    )
    .label(format!("`{issuer}` can only record its own aggregates' events"))
    .secondary(declared, format!("`{bare}` is declared in `{owner}`"))
    .help(format!(
        "declare the event on an aggregate of `{issuer}` and write `{{ record: {bare} }}`, or ask `{owner}` with a compensating command: `{{ issue: {owner}.SomeCommand }}`"
    ))
}
