//! SC087 state-change-unrecorded: a command of a state-stored aggregate records no event.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;
use crate::model::ast::Persistence;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC087",
    slug: "state-change-unrecorded",
    severity: Severity::Warning,
    summary: "a command of a state-stored aggregate records no event",
    explanation: Explanation {
        text: r#"A state-stored aggregate keeps a row of state, so a command can change it without recording an event. That is allowed, but nobody else can learn of the change: no policy, read model or other context hears of it, and the history of the row is lost.

If the change matters to anyone else, let the command emit an event. (For an event-sourced aggregate a command without events changes nothing at all: that is SC040, an error.)"#,
        bad: r#"stormcraft: 2
system: Shop
actors:
  Customer: keeps a profile
contexts:
  accounts:
    aggregates:
      Profile:
        persistence: state-stored
        state:
          display_name: string
        commands:
          RegisterProfile:
            by: Customer
            emits: [ProfileRegistered]
          RenameProfile:
            by: Customer
            fields:
              display_name: string
        events:
          ProfileRegistered: {}
"#,
        fixed: r#"stormcraft: 2
system: Shop
actors:
  Customer: keeps a profile
contexts:
  accounts:
    aggregates:
      Profile:
        persistence: state-stored
        state:
          display_name: string
        commands:
          RegisterProfile:
            by: Customer
            emits: [ProfileRegistered]
          RenameProfile:
            by: Customer
            fields:
              display_name: string
            emits: [ProfileRenamed]
        events:
          ProfileRegistered: {}
          ProfileRenamed:
            fields:
              display_name: string
"#,
    },
};

/// Reports every command of a state-stored aggregate that records no event (one
/// whose `emits` lost references to name errors is skipped: it did name events).
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for (index, command) in model.commands.iter().enumerate() {
        let id = NodeRef::Command(CommandId(index as u32));
        let state_stored = model.aggregate(command.aggregate).persistence == Persistence::StateStored;
        if !state_stored || !command.emits.is_empty() || flow.tainted.contains(&id) {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::StateChangeUnrecorded,
                command.span,
                format!(
                    "command `{}` of state-stored aggregate `{}` records no event",
                    command.name,
                    model.aggregate(command.aggregate).name
                ),
            )
            .label("changes the row silently")
            .help("add `emits: [SomethingChanged]` if anyone else should learn of the change")
            .about(id),
        );
    }
}
