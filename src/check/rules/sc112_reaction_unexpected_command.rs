//! SC112 reaction-unexpected-command: a reaction scenario expects a command its policy or process never issues.
//!
//! Raised where scenarios are lowered (`src/check/resolve/reactions.rs`); its findings are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC112",
    slug: "reaction-unexpected-command",
    severity: Severity::Error,
    summary: "a reaction scenario expects a command its policy or process never issues",
    explanation: Explanation {
        text: r#"A reaction scenario's `then:` lists the commands its subject issues, in order: a policy's `issue:`, or a process's reactions' and deadlines' `issue:` (another context's as `context.Command`). A command the subject cannot issue would make the test fail whatever the rules say. Compensations (`on_error:`) answer refusals, which a reaction scenario does not give; they are not expected here. `then: []` says the subject issues nothing."#,
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
        then: [ReturnBook]
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

/// `command` is not issued by `subject`; `issued` are the commands it issues.
pub fn diagnostic(
    scenario: &str,
    subject: &str,
    command: &str,
    span: Span,
    issued: &[String],
) -> Diagnostic {
    let help = crate::suggest::did_you_mean(command, issued.iter().map(String::as_str))
        .unwrap_or_else(|| match issued {
            [] => format!("`{subject}` issues no command: expect `then: []`"),
            _ => format!(
                "`{subject}` issues {}",
                issued
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    Diagnostic::new(
        Code::ReactionUnexpectedCommand,
        span,
        format!("scenario `{scenario}` expects `{command}`, which `{subject}` never issues"),
    )
    .label("not issued by it")
    .help(help)
}
