//! SC048 policy-cycle: events and policies form a cycle.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC048",
    slug: "policy-cycle",
    severity: Severity::Warning,
    summary: "events and policies form a cycle",
    explanation: Explanation {
        text: r#"Events and policies form a loop: a command emits an event, a policy reacts to it by issuing a command, and so on back to the first command. The message prints the whole cycle. A loop runs forever unless some state stops it; make sure one does, or break the cycle. A warning: sagas with retries loop on purpose."#,
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
    policies:
      PlaceAgain:
        on: OrderPlaced
        issue: PlaceOrder
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
          ConfirmOrder:
            emits: [OrderConfirmed]
        events:
          OrderPlaced: {}
          OrderConfirmed: {}
    policies:
      ConfirmWhenPlaced:
        on: OrderPlaced
        issue: ConfirmOrder
"#,
    },
};

/// Reports every cycle of events and policies, at the policy that closes it.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for cycle in model.graph.policy_cycles() {
        let names: Vec<String> = cycle
            .iter()
            .map(|node| match node {
                NodeRef::Command(c) => format!("`{}`", model.qualified_command(*c)),
                NodeRef::Event(e) => format!("`{}`", model.qualified_event(*e)),
                NodeRef::Policy(p) => match model.policy(*p).process {
                    Some(process) => format!(
                        "process `{}.{}`",
                        model.context(model.policy(*p).context).name,
                        model.process(process).name
                    ),
                    None => format!(
                        "policy `{}.{}`",
                        model.context(model.policy(*p).context).name,
                        model.policy(*p).name
                    ),
                },
                _ => String::new(),
            })
            .collect();
        let policies: Vec<PolicyId> = cycle
            .iter()
            .filter_map(|n| match n {
                NodeRef::Policy(p) => Some(*p),
                _ => None,
            })
            .collect();
        // The walk starts and ends at one command, so the last policy is the one
        // that closes the loop; the others are shown as part of it.
        let Some((closing, others)) = policies.split_last() else {
            continue;
        };
        let start = match cycle.first() {
            Some(NodeRef::Command(c)) => format!("`{}`", model.command(*c).name),
            _ => "the start".to_owned(),
        };
        let mut diagnostic = Diagnostic::new(
            Code::PolicyCycle,
            model.policy(*closing).span,
            format!("events and policies form a cycle: {}", names.join(" → ")),
        )
        .label(format!("closes the loop back to {start}"));
        for policy in others {
            diagnostic = diagnostic.secondary(model.policy(*policy).span, "part of the loop");
        }
        out.push(diagnostic.help(
            "make sure the loop ends: a policy should stop on some state, or the cycle should be broken by an event that does not trigger it",
        ).about(NodeRef::Policy(*closing)));
    }
}
