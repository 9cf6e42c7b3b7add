//! SC113 reaction-scenario-time: a scenario's `after:` is not a duration, or its subject has no deadline.
//!
//! Raised where scenarios are lowered (`src/check/resolve/reactions.rs` and `src/check/resolve/scenarios.rs`); its findings are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC113",
    slug: "reaction-scenario-time",
    severity: Severity::Error,
    summary: "a scenario's `after:` is not a duration, or its subject has no deadline",
    explanation: Explanation {
        text: r#"`after:` in a reaction scenario lets time pass (after the given events, or, as a `given:` item `- after: 19m`, between them) so that a deadline's timer fires or does not. It is a duration: `45s`, `30m`, `1h30m`, `1d`. Only a deadline, or a process with `deadlines:`, does anything when time passes; on any other subject, and in a scenario of an aggregate, `after:` would say nothing."#,
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
        given: [BookLent]
        after: two weeks
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

/// `written` is not a duration.
pub fn bad_duration(scenario: &str, written: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ReactionScenarioTime,
        span,
        format!("`{written}`, an `after:` of scenario `{scenario}`, is not a duration"),
    )
    .label("expected a duration such as `30m`")
    .help("write a number and a unit (`d`, `h`, `m`, `s`), largest first: `45s`, `30m`, `2h`, `1d`, `1h30m`")
}

/// Time passes in a scenario whose subject has no deadline.
pub fn timeless(scenario: &str, subject: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ReactionScenarioTime,
        span,
        format!("scenario `{scenario}` lets time pass, but `{subject}` has no deadline"),
    )
    .label("nothing happens when time passes")
    .help("remove `after:`, or test a deadline (`after:` on a policy) or a process with `deadlines:`")
}

/// Time passes in a scenario of an aggregate, which decides at once.
pub fn in_aggregate_scenario(scenario: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ReactionScenarioTime,
        span,
        format!("scenario `{scenario}` of an aggregate lets time pass"),
    )
    .label("an aggregate decides at once")
    .help("time matters to deadlines and processes: name one with `policy:` or `process:`, or remove `after:`")
}
