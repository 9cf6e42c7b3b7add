//! SC111 reaction-foreign-given: a reaction scenario's given event is not one its policy or process handles.
//!
//! Raised where scenarios are lowered (`src/check/resolve/reactions.rs`); its findings are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC111",
    slug: "reaction-foreign-given",
    severity: Severity::Error,
    summary: "a reaction scenario's given event is not one its policy or process handles",
    explanation: Explanation {
        text: r#"The events given to a reaction scenario arrive at its subject's worker, which reads only the events it handles: a policy its `on:` events (and a deadline its `unless:` ones), a process the events under its `on:`. Any other event would never reach it, so the scenario could not say anything about it. Give only those events (another context's as `context.Event`), or add the event to the subject."#,
        bad: r#"stormcraft: 2
system: Library
actors:
  Member: borrows books
contexts:
  lending:
    aggregates:
      Loan:
        id: loan_id
        commands:
          LendBook:
            by: Member
            fields: { member_id: uuid }
            emits: [BookLent]
          ReturnBook:
            by: Member
            emits: [BookReturned]
          RemindMember:
            emits: [MemberReminded]
        events:
          BookLent: { fields: { member_id: uuid } }
          BookReturned: {}
          MemberReminded: {}
    policies:
      RemindLateBorrowers:
        on: BookLent
        after: 14d
        unless: [BookReturned]
        issue: RemindMember
    scenarios:
      - name: a book kept for two weeks brings a reminder
        policy: RemindLateBorrowers
        given: [BookLent, MemberReminded]
        after: 14d
        then: [RemindMember]
"#,
        fixed: r#"stormcraft: 2
system: Library
actors:
  Member: borrows books
contexts:
  lending:
    aggregates:
      Loan:
        id: loan_id
        commands:
          LendBook:
            by: Member
            fields: { member_id: uuid }
            emits: [BookLent]
          ReturnBook:
            by: Member
            emits: [BookReturned]
          RemindMember:
            emits: [MemberReminded]
        events:
          BookLent: { fields: { member_id: uuid } }
          BookReturned: {}
          MemberReminded: {}
    policies:
      RemindLateBorrowers:
        on: BookLent
        after: 14d
        unless: [BookReturned]
        issue: RemindMember
    scenarios:
      - name: a book kept for two weeks brings a reminder
        policy: RemindLateBorrowers
        given: [BookLent]
        after: 14d
        then: [RemindMember]
"#,
    },
};

/// `event` is not handled by `subject`; `handled` are the events it handles.
pub fn diagnostic(
    scenario: &str,
    subject: &str,
    event: &str,
    span: Span,
    handled: &[String],
) -> Diagnostic {
    let listed = handled
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = crate::suggest::did_you_mean(event, handled.iter().map(String::as_str))
        .unwrap_or_else(|| format!("`{subject}` handles {listed}; give only those (a policy's scenario may also give the events that feed its context's read models), or add `{event}` to it"));
    Diagnostic::new(
        Code::ReactionForeignGiven,
        span,
        format!("scenario `{scenario}` gives `{event}`, which `{subject}` does not handle"),
    )
    .label("never reaches it")
    .help(help)
}
