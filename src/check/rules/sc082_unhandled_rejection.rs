//! SC082 unhandled-rejection: a policy says nothing about a business error of the command it issues.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC082",
    slug: "unhandled-rejection",
    severity: Severity::Warning,
    summary: "a policy says nothing about a business error of the command it issues",
    explanation: Explanation {
        text: r#"When a policy's command is refused with a business error, nobody is there to read the refusal: it is kept in the issuing context's rejections (`GET /<context>/rejections`), and that is all. A format-2 policy says, under `on_error:`, what should happen for each error of the command it issues: `{ issue: SomeCommand }` (compensate, any context), `retry` (three more times), `{ retry: { times: 5, after: 10s } }`, or `park` (keep it in the rejections, knowingly). Or a policy of the same context reacts to the refusal, `on: { rejected: SomeCommand, error: SomeError }` (or without `error:`, to any error), and that is its handling.

One finding per error the policy says nothing about. Policies in format-1 files are not judged: they cannot write `on_error:`."#,
        bad: r#"stormcraft: 2
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        id: order_id
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
          ReserveStock:
            emits: [StockReserved]
            errors: { OutOfStock: not enough stock }
        events:
          OrderPlaced: {}
          StockReserved: {}
    policies:
      ReserveWhenPlaced:
        on: OrderPlaced
        issue: ReserveStock
"#,
        fixed: r#"stormcraft: 2
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        id: order_id
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
          ReserveStock:
            emits: [StockReserved]
            errors: { OutOfStock: not enough stock }
        events:
          OrderPlaced: {}
          StockReserved: {}
    policies:
      ReserveWhenPlaced:
        on: OrderPlaced
        issue: ReserveStock
        on_error:
          OutOfStock: park
"#,
    },
};

/// Reports, for every policy of a format-2 file, each error of its command that its
/// `on_error:` leaves out.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for (index, policy) in model.policies.iter().enumerate() {
        let policy_id = PolicyId(index as u32);
        let id = NodeRef::Policy(policy_id);
        let Some(command) = policy.issues else {
            continue;
        };
        if flow.tainted.contains(&id) || !flow.format_2_files.contains(&policy.span.file) {
            continue;
        }
        let command_ref = model.command(command);
        for (error_index, error) in command_ref.errors.iter().enumerate() {
            // A recovery handles it, or a policy of the context reacts to it.
            if policy.recovery.iter().any(|r| r.error == error_index)
                || !model
                    .reactions_to(policy.context, command, error_index)
                    .is_empty()
            {
                continue;
            }
            out.push(
                Diagnostic::new(
                    Code::UnhandledRejection,
                    policy.issue_span,
                    format!(
                        "{} says nothing about `{}` refusing with `{}`",
                        model.policy_label(policy_id),
                        command_ref.name,
                        error.name
                    ),
                )
                .label(format!("`{}` may fail with `{}`", command_ref.name, error.name))
                .help(format!(
                    "under `on_error:`, add `{0}: park` (keep the refusal in the rejections, knowingly), `{0}: retry`, `{0}: {{ issue: SomeCommand }}` (compensate), or react with a policy `on: {{ rejected: {1}, error: {0} }}`",
                    error.name, command_ref.name
                ))
                .about(model.policy_node(policy_id)),
            );
        }
    }
}
