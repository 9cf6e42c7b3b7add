//! SC049 policy-without-action: a policy neither issues a command nor calls an external system.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC049",
    slug: "policy-without-action",
    severity: Severity::Error,
    summary: "a policy neither issues a command nor calls an external system",
    explanation: Explanation {
        text: r#"A policy reacts to an event but neither issues a command (`issue:`) nor calls an external system (`call:`), so its reaction is invisible in the model. Say what it does."#,
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
      WhenPlaced:
        on: OrderPlaced
"#,
        fixed: r#"stormcraft: 1
system: Shop
externals:
  Mailer: sends e-mail
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
      WhenPlaced:
        on: OrderPlaced
        call: Mailer
"#,
    },
};

/// Reports every policy that neither issues a command nor calls an external system
/// (one whose `issue` or `call` failed to resolve is skipped: it named an action).
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    for (index, policy) in flow.model.policies.iter().enumerate() {
        let id = NodeRef::Policy(PolicyId(index as u32));
        // A process's reaction without `issue:` only has `on_error:`, which SC083 reports.
        if policy.issues.is_some()
            || policy.calls.is_some()
            || policy.process.is_some()
            || flow.tainted.contains(&id)
        {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::PolicyWithoutAction,
                policy.span,
                format!("policy `{}` does nothing", policy.name),
            )
            .label("no `issue` and no `call`")
            .help("add `issue: SomeCommand` or `call: SomeExternalSystem`")
            .about(id),
        );
    }
}
