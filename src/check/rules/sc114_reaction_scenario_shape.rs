//! SC114 reaction-scenario-shape: a scenario has keys that do not fit what it tests.
//!
//! Raised where scenarios are lowered (`src/check/resolve/reactions.rs` and `src/check/resolve/scenarios.rs`); its findings are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC114",
    slug: "reaction-scenario-shape",
    severity: Severity::Error,
    summary: "a scenario has keys that do not fit what it tests",
    explanation: Explanation {
        text: r#"A scenario tests an aggregate (`when:` a command, `then:` events or `error:`) or a reaction (`policy:` or `process:`, `given:` events, `then:` the commands issued). A reaction scenario has no `when:`, `error:`, `outcome:` or `aggregate:`, and needs `then:` (`then: []` when it issues nothing); `completes:` is for a process only."#,
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
        after: 14d
        when: RemindMember
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

/// `key` is written in a scenario of `kind` ("a policy", "a process", "an aggregate").
pub fn misplaced(scenario: &str, key: &str, kind: &str, span: Span) -> Diagnostic {
    let help = match key {
        "when" | "error" | "outcome" | "aggregate" => format!(
            "a reaction scenario gives events and expects commands: remove `{key}:` and list the issued commands under `then:`"
        ),
        "completes" => "`completes:` says whether a process's instance is completed; remove it here".to_owned(),
        _ => format!("remove `{key}:`"),
    };
    Diagnostic::new(
        Code::ReactionScenarioShape,
        span,
        format!("scenario `{scenario}` of {kind} has `{key}:`, which does not fit it"),
    )
    .label(format!("not in a scenario of {kind}"))
    .help(help)
}

/// A reaction scenario without `then:`.
pub fn no_then(scenario: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ReactionScenarioShape,
        span,
        format!("scenario `{scenario}` does not say what its reaction issues"),
    )
    .label("no `then:`")
    .help("list the commands it issues under `then:`, or write `then: []` for nothing")
}
