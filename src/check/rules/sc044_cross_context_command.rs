//! SC044 cross-context-command: a policy issues a command of another context (directed coupling).
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase. A process's
//! reactions and deadlines are not reported: coordinating contexts is what a process
//! is for.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC044",
    slug: "cross-context-command",
    severity: Severity::Warning,
    summary: "a policy issues a command of another context (directed coupling)",
    explanation: Explanation {
        text: r#"A policy issues a command of another context. That makes this context depend on the other one's internals (directed coupling); usually the other context should own the policy and react to a published event of this context instead.

It is a warning, not an error: `generate` builds it, sending the command through the store to the other context's inbox, and a refusal comes back to this context's rejections. Sometimes that is the design (a compensation such as a refund, under `on_error:`, must name the other context's command); when it is not, let the receiving context own the policy.

A process (`processes:`) is not reported: it exists to coordinate a piece of business across contexts, so the commands it issues in other contexts are its design, not a policy's hidden coupling."#,
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
      ShipWhenPlaced:
        on: OrderPlaced
        issue: shipping.ShipParcel
  shipping:
    aggregates:
      Parcel:
        commands:
          ShipParcel:
            emits: [ParcelShipped]
        events:
          ParcelShipped: {}
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
        events:
          OrderPlaced:
            published: true
  shipping:
    aggregates:
      Parcel:
        commands:
          ShipParcel:
            emits: [ParcelShipped]
        events:
          ParcelShipped: {}
    policies:
      ShipWhenPlaced:
        on: ordering.OrderPlaced
        issue: ShipParcel
"#,
    },
};

/// Reports every policy that issues a command of another context.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for (index, policy) in model.policies.iter().enumerate() {
        let Some(command) = policy.issues else {
            continue;
        };
        // A process is the place that coordinates contexts on purpose (an
        // orchestrated saga): its commands in other contexts are its design.
        if policy.process.is_some() {
            continue;
        }
        let target = model.command(command).context;
        if target == policy.context {
            continue;
        }
        let target_name = &model.context(target).name;
        out.push(
            Diagnostic::new(
                Code::CrossContextCommand,
                policy.issue_span,
                format!(
                    "{} issues `{}`, a command of context `{target_name}`",
                    model.policy_label(PolicyId(index as u32)),
                    model.qualified_command(command)
                ),
            )
            .label(format!("this context now depends on `{target_name}`"))
            .help(format!(
                "if `{target_name}` should decide when this happens, let it own the policy, on an event this context publishes; otherwise this is fine (the command goes through `{target_name}`'s inbox)"
            ))
            .about(model.policy_node(PolicyId(index as u32))),
        );
    }
}
