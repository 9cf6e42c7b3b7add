//! SC118 rejection-never-recorded: a policy reacts to refusals of a command that nothing in its context issues.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC118",
    slug: "rejection-never-recorded",
    severity: Severity::Error,
    summary: "a policy reacts to refusals of a command that nothing in its context issues",
    explanation: Explanation {
        text: r#"A policy `on: { rejected: SomeCommand }` reacts to the refusals of `SomeCommand` that land in its context's rejections (`GET /<context>/rejections`). Only a command that this context issues itself lands there: one that a policy of it issues (set off by events, a deadline, a schedule, or another rejection), a process of it, or an `on_error:` compensation of it. A refusal of a command sent over HTTP (`by:` an actor or an external system) is answered to its caller, and a refusal of another context's policy lands in that context's rejections — so a policy here would never be set off.

Issue the command from a policy of this context, or move the reacting policy to the context whose policy issues it."#,
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
            errors: { MemberSuspended: the member may not borrow }
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
        on: { rejected: RequestLoan, error: MemberSuspended }
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

/// Reports each policy set off by the rejections of a command that nothing in its
/// context issues.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for (index, policy) in model.policies.iter().enumerate() {
        let policy_id = PolicyId(index as u32);
        let crate::ir::Trigger::Rejection(rejected) = &policy.trigger else {
            continue;
        };
        // An `issue:` that did not resolve may be the one that issues it.
        if flow.issuers_unresolved || flow.tainted.contains(&NodeRef::Policy(policy_id)) {
            continue;
        }
        if !model
            .rejecting_policies(policy.context, rejected.command)
            .is_empty()
        {
            continue;
        }
        let command = model.command(rejected.command);
        let context = &model.context(policy.context).name;
        let elsewhere: Vec<String> = model
            .policies
            .iter()
            .filter(|p| p.context != policy.context && p.issues == Some(rejected.command))
            .map(|p| format!("`{}.{}`", model.context(p.context).name, p.name))
            .collect();
        let help = if elsewhere.is_empty() {
            format!(
                "issue `{}` from a policy of `{context}`, or react to a command one of its policies issues",
                command.name
            )
        } else {
            format!(
                "its refusals land where it is issued, by {}: move this policy to that context",
                elsewhere.join(", ")
            )
        };
        out.push(
            Diagnostic::new(
                Code::RejectionNeverRecorded,
                rejected.command_span,
                format!(
                    "policy `{}` reacts to refusals of `{}`, which nothing in `{context}` issues",
                    policy.name, command.name
                ),
            )
            .label(format!(
                "no refusal of `{}` ever reaches the rejections of `{context}`",
                command.name
            ))
            .help(help)
            .about(NodeRef::Policy(policy_id)),
        );
    }
}
