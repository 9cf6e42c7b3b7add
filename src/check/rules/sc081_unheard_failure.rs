//! SC081 unheard-failure: no policy or read model hears of a failure outcome.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC081",
    slug: "unheard-failure",
    severity: Severity::Warning,
    summary: "no policy or read model hears of a failure outcome",
    explanation: Explanation {
        text: r#"An outcome marked `failure: true` is a result someone has to act on: a payment that failed, a shipment that was lost. When none of its events triggers a policy, cancels a deadline or feeds a read model, the failure is a dead end: it is recorded, and nobody ever learns of it.

Add a policy that reacts to it (compensate, notify), or a read model that lists the failures for a person to see."#,
        bad: r#"stormcraft: 2
system: Shop
externals:
  PaymentProvider: takes card payments
contexts:
  payments:
    aggregates:
      Payment:
        id: payment_id
        commands:
          ConfirmPayment:
            by: PaymentProvider
            outcomes:
              succeeded: [PaymentSucceeded]
              failed: { events: [PaymentFailed], failure: true }
        events:
          PaymentSucceeded: {}
          PaymentFailed: {}
"#,
        fixed: r#"stormcraft: 2
system: Shop
externals:
  PaymentProvider: takes card payments
contexts:
  payments:
    aggregates:
      Payment:
        id: payment_id
        commands:
          ConfirmPayment:
            by: PaymentProvider
            outcomes:
              succeeded: [PaymentSucceeded]
              failed: { events: [PaymentFailed], failure: true }
        events:
          PaymentSucceeded: {}
          PaymentFailed: {}
    read_models:
      FailedPayments:
        key: payment_id
        from: [PaymentFailed]
"#,
    },
};

/// Reports every failure outcome none of whose events is heard (an event heard by
/// a consumer that lost a reference may be the one it meant, so then nothing is said).
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    if flow.consumers_unresolved {
        return;
    }
    let model = flow.model;
    let heard = |event: EventId| {
        let node = NodeRef::Event(event);
        [EdgeKind::Triggers, EdgeKind::Feeds, EdgeKind::Cancels]
            .iter()
            .any(|kind| !model.graph.successors(node, *kind).is_empty())
    };
    for (index, command) in model.commands.iter().enumerate() {
        let id = NodeRef::Command(CommandId(index as u32));
        if flow.tainted.contains(&id) {
            continue;
        }
        for outcome in command.outcomes.iter().filter(|o| o.failure) {
            if outcome.events.iter().any(|e| heard(e.event)) {
                continue;
            }
            let events: Vec<String> = outcome
                .events
                .iter()
                .map(|e| format!("`{}`", model.event(e.event).name))
                .collect();
            out.push(
                Diagnostic::new(
                    Code::UnheardFailure,
                    outcome.span,
                    format!(
                        "failure `{}` of command `{}` is heard by nobody",
                        outcome.name, command.name
                    ),
                )
                .label(format!("no policy or read model uses {}", events.join(" or ")))
                .help("add a policy `on:` one of its events (to compensate or notify), or a read model `from:` it that lists the failures")
                .about(id),
            );
        }
    }
}
