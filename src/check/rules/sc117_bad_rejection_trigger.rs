//! SC117 bad-rejection-trigger: a policy's `on: { rejected }` names an error its command lacks, or is misplaced.
//!
//! Raised where a policy's `on: { rejected, error }` is resolved
//! (`src/check/resolve/lowering.rs`); its findings are built here. A refused command
//! that does not resolve is SC020, with a did-you-mean.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC117",
    slug: "bad-rejection-trigger",
    severity: Severity::Error,
    summary: "a policy's `on: { rejected }` names an error its command lacks, or is misplaced",
    explanation: Explanation {
        text: r#"A policy written `on: { rejected: SomeCommand, error: SomeError }` is set off by its context's refusals of `SomeCommand` (the `CommandRejected` records of `GET /<context>/rejections`), of the one business error `error:` names, or of any error when `error:` is left out. The error must be one the command declares under `errors:`.

Such a policy reacts as it happens, so it is not a deadline or a schedule (`after:`, `unless:`, `correlate:`, `every:`, `for_each:`), it fills its command from the refusal, not from a read model's row (`reads:`), and it issues a command rather than calling an external system (`call:`). A command without business errors is never refused with one, so there is nothing to react to. It must not issue the very command it reacts to: each refusal would set it off again, for ever — write `on_error: { SomeError: retry }` on the issuing policy instead."#,
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
          RequestLoan:
            by: Member
            fields: { isbn: string }
            emits: [LoanRequested]
          ReserveCopy:
            fields: { isbn: string }
            emits: [CopyReserved]
            errors: { NoCopyLeft: every copy is out }
          WaitlistMember:
            fields: { isbn: string }
            emits: [MemberWaitlisted]
        events:
          LoanRequested: { fields: { isbn: string } }
          CopyReserved: { fields: { isbn: string } }
          MemberWaitlisted: { fields: { isbn: string } }
    policies:
      ReserveOnRequest:
        on: LoanRequested
        issue: ReserveCopy
      WaitlistWhenNoCopyLeft:
        on: { rejected: ReserveCopy, error: NoCopyLft }
        issue: WaitlistMember
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
          RequestLoan:
            by: Member
            fields: { isbn: string }
            emits: [LoanRequested]
          ReserveCopy:
            fields: { isbn: string }
            emits: [CopyReserved]
            errors: { NoCopyLeft: every copy is out }
          WaitlistMember:
            fields: { isbn: string }
            emits: [MemberWaitlisted]
        events:
          LoanRequested: { fields: { isbn: string } }
          CopyReserved: { fields: { isbn: string } }
          MemberWaitlisted: { fields: { isbn: string } }
    policies:
      ReserveOnRequest:
        on: LoanRequested
        issue: ReserveCopy
      WaitlistWhenNoCopyLeft:
        on: { rejected: ReserveCopy, error: NoCopyLeft }
        issue: WaitlistMember
"#,
    },
};

/// `error:` names no business error of the refused command; `declared` are its errors.
pub fn unknown_error(error: &str, command: &str, span: Span, declared: &[String]) -> Diagnostic {
    let help = match crate::suggest::did_you_mean(error, declared.iter().map(String::as_str)) {
        Some(suggestion) => suggestion,
        None if declared.is_empty() => format!(
            "`{command}` declares no business errors, so it is never refused with one: add `{error}` to its `errors:`, or react to another command"
        ),
        None => format!(
            "the errors of `{command}` are {}; or leave `error:` out to react to any of them",
            declared
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Diagnostic::new(
        Code::BadRejectionTrigger,
        span,
        format!("`{error}` is not a business error of `{command}`"),
    )
    .label(format!("not in the `errors` of `{command}`"))
    .help(help)
}

/// A policy set off by rejections also has `key`, which belongs to another trigger.
pub fn misplaced(policy: &str, key: &str, span: Span) -> Diagnostic {
    let help = if key == "reads" {
        "fill the command from the refused command, the rejection and its cause; a policy on an event may `reads:` a row".to_owned()
    } else if key == "call" {
        "issue a command here, and call the external system from a policy on the event that command records".to_owned()
    } else {
        format!("remove `{key}:`: a policy set off by rejections reacts to each one as it is recorded")
    };
    Diagnostic::new(
        Code::BadRejectionTrigger,
        span,
        format!("policy `{policy}` is set off by rejections and cannot have `{key}:`"),
    )
    .label(format!("`{key}:` belongs to a policy on events or a schedule"))
    .help(help)
}

/// `error:` is left out, but the command declares no business errors to react to.
pub fn no_errors(policy: &str, command: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadRejectionTrigger,
        span,
        format!("policy `{policy}` reacts to refusals of `{command}`, which declares no business errors"),
    )
    .label(format!("`{command}` is never refused with a business error"))
    .help(format!(
        "add the errors `{command}` may raise under its `errors:`, or react to another command"
    ))
}

/// The policy issues the command whose refusals set it off: a loop.
pub fn issues_itself(policy: &str, command: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadRejectionTrigger,
        span,
        format!("policy `{policy}` issues `{command}` when `{command}` is refused"),
    )
    .label("each refusal of this command would set the policy off again")
    .help(format!(
        "to try `{command}` again, write `on_error: {{ SomeError: retry }}` on the policy that issues it; or issue another command here"
    ))
}
