//! SC040 command-emits-nothing: a command of an event-sourced aggregate emits no event.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;
use crate::model::ast::Persistence;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC040",
    slug: "command-emits-nothing",
    severity: Severity::Error,
    summary: "a command of an event-sourced aggregate emits no event",
    explanation: Explanation {
        text: r#"A command has no `emits`. In an event-sourced model a command is accepted by recording at least one event; a request that changes nothing is a query, served by a read model. If the command can only fail, it still records the success case.

A command of a state-stored aggregate may change its row without an event; that is SC087, a warning."#,
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
          ViewOrder:
            by: Customer
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

/// Reports every command of an event-sourced aggregate that emits no event (a
/// command whose `emits` lost its references to name errors is skipped: it did name
/// events); state-stored ones are SC087's.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    for (index, command) in flow.model.commands.iter().enumerate() {
        let id = NodeRef::Command(CommandId(index as u32));
        let persistence = flow.model.aggregate(command.aggregate).persistence;
        if !command.emits.is_empty()
            || flow.tainted.contains(&id)
            || persistence == Persistence::StateStored
        {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::CommandEmitsNothing,
                command.span,
                format!("command `{}` emits no event", command.name),
            )
            .label("no `emits`")
            .help("add `emits: [SomethingHappened]`: a command that changes nothing is a query, which belongs on a read model")
            .about(id),
        );
    }
}
