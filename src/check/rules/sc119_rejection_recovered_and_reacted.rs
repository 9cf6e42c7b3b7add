//! SC119 rejection-recovered-and-reacted: a policy reacts to a refusal that an `on_error:` already recovers.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC119",
    slug: "rejection-recovered-and-reacted",
    severity: Severity::Error,
    summary: "a policy reacts to a refusal that an `on_error:` already recovers",
    explanation: Explanation {
        text: r#"Each refusal has exactly one path. When the policy that issued a command says under `on_error:` what happens on an error — compensate, record, retry or park — that recovery is the refusal's handling, and a policy `on: { rejected: SomeCommand }` written without `error:` is not set off by it (it reacts to the errors no recovery names). A policy written `error: SomeError` for an error that an issuing policy already recovers would never be set off by that policy's refusals, or would handle them twice: `check` refuses it, and so a policy without `error:` whose every refusal a recovery already handles: nothing would ever set it off.

Keep one: remove the `on_error:` entry (the reacting policy then counts as the error's handling, SC082), or remove the reacting policy. To compensate and also tell someone, let the compensation's command record an event a policy hears."#,
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
        on_error:
          NoCopyLeft: park
      WaitlistWhenNoCopyLeft:
        on: { rejected: ReserveCopy, error: NoCopyLeft }
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

/// Reports each policy set off by refusals of one error that an issuing policy's
/// `on_error:` already recovers.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for (index, policy) in model.policies.iter().enumerate() {
        let policy_id = PolicyId(index as u32);
        let crate::ir::Trigger::Rejection(rejected) = &policy.trigger else {
            continue;
        };
        let command = model.command(rejected.command);
        let issuers = model.rejecting_policies(policy.context, rejected.command);
        let (Some(error), Some(error_span)) = (rejected.error, rejected.error_span) else {
            // Any error: it is set off only by those some issuer leaves unrecovered.
            let open = (0..command.errors.len())
                .any(|e| issuers.iter().any(|i| !model.recovers(*i, rejected.command, e)));
            if !issuers.is_empty() && !command.errors.is_empty() && !open {
                out.push(
                    Diagnostic::new(
                        Code::RejectionRecoveredAndReacted,
                        rejected.command_span,
                        format!(
                            "policy `{}` reacts to refusals of `{}`, and an `on_error:` recovers every one",
                            policy.name, command.name
                        ),
                    )
                    .label("no refusal of this command is left for the policy")
                    .help(
                        "remove from `on_error:` the errors this policy should handle (then it handles them), or remove this policy",
                    )
                    .about(NodeRef::Policy(policy_id)),
                );
            }
            continue;
        };
        let Some(error_ref) = command.errors.get(error) else {
            continue;
        };
        for issuer in issuers {
            if !model.recovers(issuer, rejected.command, error) {
                continue;
            }
            let recovery = model
                .policy(issuer)
                .recovery
                .iter()
                .find(|r| r.error == error)
                .map_or(model.policy(issuer).span, |r| r.span);
            out.push(
                Diagnostic::new(
                    Code::RejectionRecoveredAndReacted,
                    error_span,
                    format!(
                        "policy `{}` reacts to `{}` refused with `{}`, which {} already recovers",
                        policy.name,
                        command.name,
                        error_ref.name,
                        model.policy_label(issuer)
                    ),
                )
                .label("a refusal has one path: its recovery or this reaction")
                .secondary(recovery, format!("`on_error:` handles `{}` here", error_ref.name))
                .help(format!(
                    "remove `{}` from that `on_error:` (this policy then handles it), or remove this policy",
                    error_ref.name
                ))
                .about(NodeRef::Policy(policy_id)),
            );
        }
    }
}
