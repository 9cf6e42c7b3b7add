//! Which scenarios cover which outcome: for every command, the events it emits and
//! the business errors it declares, each with the scenarios that show it (an event in
//! a scenario's `then`, an error as its `error`). `check --coverage` prints it as a
//! table; SC057 notes what no scenario covers; plain `check` prints the totals.

use crate::ir::{CommandId, ContextId, EventId, Model, Outcome};

/// The coverage of a whole model, context by context in model order.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// One entry per context.
    pub contexts: Vec<ContextCoverage>,
    /// Events that some command emits.
    pub events: usize,
    /// Of those, the ones some scenario shows being recorded.
    pub events_covered: usize,
    /// Business errors declared by commands.
    pub errors: usize,
    /// Of those, the ones some scenario expects.
    pub errors_covered: usize,
}

/// The coverage of one context's commands.
#[derive(Debug, Clone)]
pub struct ContextCoverage {
    /// The context.
    pub context: ContextId,
    /// Its commands, aggregate by aggregate, in model order.
    pub commands: Vec<CommandCoverage>,
}

/// One command's outcomes and the scenarios (indexes into [`Model::scenarios`]) that
/// show each.
#[derive(Debug, Clone)]
pub struct CommandCoverage {
    /// The command.
    pub command: CommandId,
    /// Each event it emits, with the scenarios of this command that expect it.
    pub events: Vec<(EventId, Vec<usize>)>,
    /// Each business error (index into the command's errors), with the scenarios of
    /// this command that expect it.
    pub errors: Vec<(usize, Vec<usize>)>,
}

impl Coverage {
    /// The coverage of `model`'s commands by its scenarios.
    pub fn of(model: &Model) -> Coverage {
        let mut contexts = Vec::new();
        for (index, context) in model.contexts.iter().enumerate() {
            let mut commands = Vec::new();
            for aggregate in &context.aggregates {
                for &command in &model.aggregate(*aggregate).commands {
                    commands.push(command_coverage(model, command));
                }
            }
            contexts.push(ContextCoverage {
                context: ContextId(index as u32),
                commands,
            });
        }
        let emitted: Vec<EventId> = (0..model.events.len())
            .map(|i| EventId(i as u32))
            .filter(|e| model.commands.iter().any(|c| c.emits.contains(e)))
            .collect();
        let events_covered = emitted
            .iter()
            .filter(|e| !scenarios_recording(model, **e).is_empty())
            .count();
        let all_errors = contexts
            .iter()
            .flat_map(|c| &c.commands)
            .flat_map(|c| &c.errors);
        Coverage {
            events: emitted.len(),
            events_covered,
            errors: all_errors.clone().count(),
            errors_covered: all_errors.filter(|(_, s)| !s.is_empty()).count(),
            contexts,
        }
    }
}

/// The scenarios (of any command) whose `then` shows `event` being recorded.
pub fn scenarios_recording(model: &Model, event: EventId) -> Vec<usize> {
    model
        .scenarios
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(&s.then, Outcome::Events(steps) if steps.iter().any(|t| t.id == event)))
        .map(|(i, _)| i)
        .collect()
}

fn command_coverage(model: &Model, command: CommandId) -> CommandCoverage {
    let of_command: Vec<(usize, &Outcome)> = model
        .scenarios
        .iter()
        .enumerate()
        .filter(|(_, s)| s.when.id == command)
        .map(|(i, s)| (i, &s.then))
        .collect();
    let events = model
        .command(command)
        .emits
        .iter()
        .map(|event| {
            let covering = of_command
                .iter()
                .filter(|(_, then)| {
                    matches!(then, Outcome::Events(steps) if steps.iter().any(|t| t.id == *event))
                })
                .map(|(i, _)| *i)
                .collect();
            (*event, covering)
        })
        .collect();
    let errors = (0..model.command(command).errors.len())
        .map(|error| {
            let covering = of_command
                .iter()
                .filter(|(_, then)| matches!(then, Outcome::Error(e) if *e == error))
                .map(|(i, _)| *i)
                .collect();
            (error, covering)
        })
        .collect();
    CommandCoverage {
        command,
        events,
        errors,
    }
}
