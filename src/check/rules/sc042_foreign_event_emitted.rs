//! SC042 foreign-event-emitted: a command emits an event of another aggregate.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC042",
    slug: "foreign-event-emitted",
    severity: Severity::Error,
    summary: "a command emits an event of another aggregate",
    explanation: Explanation {
        text: r#"A command emits an event that belongs to another aggregate. An aggregate is a consistency boundary that appends only to its own stream; a change in another aggregate is a command to it, usually issued by a policy."#,
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
            emits: [OrderPlaced, CartEmptied]
        events:
          OrderPlaced: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
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
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    policies:
      EmptyCartOnOrder:
        on: OrderPlaced
        issue: EmptyCart
"#,
    },
};

/// Reports every event a command emits that belongs to another aggregate (skipping
/// aggregates that lost an event to SC011: the name may mean their own).
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for (index, command) in model.commands.iter().enumerate() {
        if flow.tainted.contains(&NodeRef::Aggregate(command.aggregate)) {
            continue;
        }
        let aggregate = &model.aggregate(command.aggregate).name;
        for (event, span) in command.emits.iter().zip(&command.emit_spans) {
            let event = model.event(*event);
            if event.aggregate == command.aggregate {
                continue;
            }
            let owner = &model.aggregate(event.aggregate).name;
            out.push(
                Diagnostic::new(
                    Code::ForeignEventEmitted,
                    *span,
                    format!(
                        "command `{}` of aggregate `{aggregate}` emits `{}`, an event of aggregate `{owner}`",
                        command.name, event.name
                    ),
                )
                .label(format!("belongs to `{owner}`"))
                .help(format!(
                    "an aggregate only appends to its own stream: move the command to `{owner}`, or add a policy on an event of `{aggregate}` that issues a command of `{owner}`"
                ))
                .about(NodeRef::Command(CommandId(index as u32))),
            );
        }
    }
}
