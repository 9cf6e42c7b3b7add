//! Which scenarios cover which outcome: for every command, the events it emits and
//! the business errors it declares, each with the scenarios that show it (an event in
//! a scenario's `then`, an error as its `error`). `check --coverage` prints it as a
//! table; SC057 notes what no scenario covers; plain `check` prints the totals.
//!
//! Computed in one pass over the scenarios and one over the commands, so it stays
//! linear in the model's size (plain `check` computes it for every model).

use crate::ir::{CommandId, ContextId, EventId, Model, Outcome};
use std::collections::{BTreeMap, BTreeSet};

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
    /// Every event some scenario (of any command) shows being recorded.
    recorded: BTreeSet<EventId>,
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
        let mut by_command: BTreeMap<CommandId, Vec<usize>> = BTreeMap::new();
        let mut recorded = BTreeSet::new();
        for (index, scenario) in model.scenarios.iter().enumerate() {
            by_command.entry(scenario.when.id).or_default().push(index);
            if let Outcome::Events(steps) = &scenario.then {
                recorded.extend(steps.iter().map(|step| step.id));
            }
        }
        let mut contexts = Vec::new();
        let mut emitted = BTreeSet::new();
        let (mut errors, mut errors_covered) = (0, 0);
        for (index, context) in model.contexts.iter().enumerate() {
            let mut commands = Vec::new();
            for aggregate in &context.aggregates {
                for &command in &model.aggregate(*aggregate).commands {
                    let scenarios = by_command.get(&command).map_or(&[][..], Vec::as_slice);
                    let coverage = command_coverage(model, command, scenarios);
                    emitted.extend(coverage.events.iter().map(|(event, _)| *event));
                    errors += coverage.errors.len();
                    errors_covered += coverage
                        .errors
                        .iter()
                        .filter(|(_, s)| !s.is_empty())
                        .count();
                    commands.push(coverage);
                }
            }
            contexts.push(ContextCoverage {
                context: ContextId(index as u32),
                commands,
            });
        }
        Coverage {
            contexts,
            events: emitted.len(),
            events_covered: emitted.intersection(&recorded).count(),
            errors,
            errors_covered,
            recorded,
        }
    }

    /// Whether some scenario, of any command, shows `event` being recorded.
    pub fn is_recorded(&self, event: EventId) -> bool {
        self.recorded.contains(&event)
    }
}

/// `command`'s outcomes with the scenarios among `scenarios` (its own) showing each.
fn command_coverage(model: &Model, command: CommandId, scenarios: &[usize]) -> CommandCoverage {
    let declared = model.command(command);
    let expecting = |wanted: &dyn Fn(&Outcome) -> bool| -> Vec<usize> {
        scenarios
            .iter()
            .copied()
            .filter(|s| wanted(&model.scenarios[*s].then))
            .collect()
    };
    let events = declared
        .emits
        .iter()
        .map(|event| {
            let covering = expecting(&|then| {
                matches!(then, Outcome::Events(steps) if steps.iter().any(|t| t.id == *event))
            });
            (*event, covering)
        })
        .collect();
    let errors = (0..declared.errors.len())
        .map(|error| {
            let covering = expecting(&|then| matches!(then, Outcome::Error(e) if *e == error));
            (error, covering)
        })
        .collect();
    CommandCoverage {
        command,
        events,
        errors,
    }
}
