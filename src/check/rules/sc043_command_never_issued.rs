//! SC043 command-never-issued: no actor, external system or policy issues a command.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;
use crate::ir::EdgeKind;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC043",
    slug: "command-never-issued",
    severity: Severity::Warning,
    summary: "no actor, external system or policy issues a command",
    explanation: Explanation {
        text: r#"No actor (`by:`), external system (`by:`) or policy (`issue:`) issues a command, so nothing in the model ever sends it. Say who does: it documents the flow and becomes the caller in diagrams. A warning: it fails `check` only with `--deny-warnings`."#,
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
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
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
          OrderPlaced: {}
"#,
    },
};

/// Reports every command that nobody issues, unless some issuer failed to resolve
/// (it might be the one meant).
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    let tainted = flow.tainted;
    for (index, command) in model.commands.iter().enumerate() {
        let id = NodeRef::Command(CommandId(index as u32));
        if flow.issuers_unresolved {
            break;
        }
        if tainted.contains(&id) {
            continue;
        }
        // A compensating command (`on_error:`) is issued by its policy too.
        if model.graph.predecessors(id, EdgeKind::Issues).is_empty()
            && model.graph.predecessors(id, EdgeKind::Compensates).is_empty()
        {
            out.push(
                Diagnostic::new(
                    Code::CommandNeverIssued,
                    command.span,
                    format!(
                        "no actor, external system or policy issues command `{}`",
                        command.name
                    ),
                )
                .label("issued by nobody")
                .help("add `by: [SomeActor]` to the command, or a policy that issues it")
                .about(id),
            );
        }
    }
}
