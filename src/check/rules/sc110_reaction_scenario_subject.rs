//! SC110 reaction-scenario-subject: a reaction scenario names no policy or process of its context.
//!
//! Raised where scenarios are lowered (`src/check/resolve/reactions.rs`); its findings are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC110",
    slug: "reaction-scenario-subject",
    severity: Severity::Error,
    summary: "a reaction scenario names no policy or process of its context",
    explanation: Explanation {
        text: r#"A reaction scenario tests one reaction of its context: `policy:` names a policy set off by events or a deadline, `process:` a process. It names exactly one of them, in the context the scenario is written in (test another context's reaction in that context's `scenarios:`). A schedule (`every:`) has no events to be given; test its rule in `src/rules/schedules.rs`."#,
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
        policy: RemindLateBorrower
        given: [BookLent]
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

/// `name` is no policy (`kind` "policy") or process of the context; `candidates` are
/// the context's policies or processes; `other_kind` is set when `name` is an element
/// of the other kind ("process" when a process was named as a policy).
pub fn unknown(
    scenario: &str,
    kind: &str,
    name: &str,
    context: &str,
    span: Span,
    candidates: &[String],
    other_kind: Option<&str>,
) -> Diagnostic {
    let plural = match kind {
        "policy" => "policies",
        _ => "processes",
    };
    let help = match other_kind {
        Some(other) => format!("`{name}` is a {other}: write `{other}: {name}`"),
        None => crate::suggest::did_you_mean(name, candidates.iter().map(String::as_str))
            .unwrap_or_else(|| match candidates {
                [] => format!("context `{context}` has no {plural}; write the scenario in the context of the reaction it tests"),
                _ => format!("name one of the {plural} of `{context}`: {}", quoted(candidates)),
            }),
    };
    Diagnostic::new(
        Code::ReactionScenarioSubject,
        span,
        format!("scenario `{scenario}` tests the {kind} `{name}`, which context `{context}` does not have"),
    )
    .label(format!("no {kind} of this name"))
    .help(help)
}

/// Both `policy:` and `process:` are written.
pub fn both(scenario: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ReactionScenarioSubject,
        span,
        format!("scenario `{scenario}` names both a policy and a process"),
    )
    .label("a second subject")
    .help("a reaction scenario tests one reaction: keep `policy:` or `process:`, and write another scenario for the other")
}

/// The policy is a schedule, which no event sets off.
pub fn schedule(scenario: &str, policy: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ReactionScenarioSubject,
        span,
        format!("scenario `{scenario}` tests `{policy}`, a schedule, which no given event sets off"),
    )
    .label("a schedule (`every:`)")
    .help("reaction scenarios test policies set off by events, deadlines and processes; test a schedule's rule in src/rules/schedules.rs")
}

/// The scenario's subject is set off by rejections, which no given event is.
pub fn rejection(scenario: &str, policy: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ReactionScenarioSubject,
        span,
        format!("scenario `{scenario}` tests `{policy}`, set off by rejections, which no given event sets off"),
    )
    .label("a policy `on: { rejected }`")
    .help("reaction scenarios test policies set off by events, deadlines and processes; the generated tests/reactions.rs drives a rejection policy on a real refusal")
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
