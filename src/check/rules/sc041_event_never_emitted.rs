//! SC041 event-never-emitted: an aggregate's event is emitted by none of its commands.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC041",
    slug: "event-never-emitted",
    severity: Severity::Error,
    summary: "an aggregate's event is emitted by none of its commands",
    explanation: Explanation {
        text: r#"An aggregate declares an event that none of its commands emits (an orphan event) and no recovery records (`on_error: { SomeError: { record: ItsEvent } }`). Nothing can ever append it to the stream, so it is either a forgotten `emits` entry or a leftover to remove."#,
        bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
          OrderShipped: {}
"#,
        fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
          ShipOrder:
            by: Customer
            emits: [OrderShipped]
        events:
          OrderPlaced: {}
          OrderShipped: {}
"#,
    },
};

/// Reports every event of an aggregate that none of its commands emits, skipping
/// aggregates that lost a command or an `emits` reference to a name error.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    let tainted = flow.tainted;
    for (index, aggregate) in model.aggregates.iter().enumerate() {
        // A command that lost an `emits` reference may be the one that emits it.
        if tainted.contains(&NodeRef::Aggregate(AggregateId(index as u32)))
            || aggregate
                .commands
                .iter()
                .any(|c| tainted.contains(&NodeRef::Command(*c)))
        {
            continue;
        }
        // A recovery that lost its `record:` reference may be the one that records it.
        let recovery_unresolved = model.policies.iter().enumerate().any(|(p, policy)| {
            policy.context == aggregate.context
                && tainted.contains(&NodeRef::Policy(PolicyId(p as u32)))
        });
        if recovery_unresolved {
            continue;
        }
        for event in &aggregate.events {
            // A recovery's `record:` appends it too (a refusal recorded as a fact).
            let emitted = aggregate
                .commands
                .iter()
                .any(|c| model.command(*c).emits.contains(event))
                || model.policies.iter().any(|p| {
                    p.recovery
                        .iter()
                        .any(|r| r.action == crate::ir::RecoveryAction::Record(*event))
                });
            if !emitted {
                let subject = NodeRef::Event(*event);
                let event = model.event(*event);
                out.push(
                    Diagnostic::new(
                        Code::EventNeverEmitted,
                        event.span,
                        format!(
                            "event `{}` of aggregate `{}` is emitted by none of its commands",
                            event.name, aggregate.name
                        ),
                    )
                    .label("never emitted")
                    .help(format!(
                        "add `{}` to the `emits` of a command of `{}`, or remove it",
                        event.name, aggregate.name
                    ))
                    .about(subject),
                );
            }
        }
    }
}
