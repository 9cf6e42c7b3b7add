//! The scenarios of a context as the trials of its `tests/scenarios.rs`.

use serde::Serialize;

use super::aggregate::AggregateView;
use crate::ir::{ContextId, Model, Outcome};
use crate::render::service::names::{raw_string_literal, snake, string_literal};

/// A message of a scenario step: its type and its given values.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    /// The Rust path of the message's struct, from the test crate (which imports the
    /// aggregate modules).
    pub message: String,
    /// The given values: a raw string literal holding a JSON object.
    pub json: String,
}

/// One scenario: given events, when a command, then events, nothing or an error.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioView {
    /// The title, as a string literal.
    pub title: String,
    /// The Rust path of the aggregate.
    pub aggregate: String,
    /// Events that happened before.
    pub given: Vec<StepView>,
    /// The command.
    pub when: StepView,
    /// The expected events, in order.
    pub then: Vec<StepView>,
    /// The expected business error (a string literal).
    pub error: Option<String>,
    /// Whether the command is expected to emit nothing.
    pub nothing: bool,
    /// The outcome its events are, as a string literal, when its command has several
    /// (the rule must name that one; events alone can fit two).
    pub outcome: Option<String>,
    /// The rules file named when the scenario is pending, as a string literal.
    pub rules_file: String,
    /// The binding holding the aggregate's `written()` list.
    pub written: String,
}

/// The `written()` list of one aggregate's rules, bound once in `main`.
#[derive(Debug, Clone, Serialize)]
pub struct WrittenView {
    /// The binding.
    pub binding: String,
    /// The Rust path of the aggregate's `Rules` trait.
    pub rules_trait: String,
    /// The Rust path of the user's rules struct.
    pub rules: String,
}

/// The JSON round trip of one aggregate's messages and state.
#[derive(Debug, Clone, Serialize)]
pub struct RoundTripView {
    /// The trial's name, as a string literal.
    pub title: String,
    /// The Rust paths of every type but the last (the state).
    pub types: Vec<String>,
    /// The Rust path of the state.
    pub last: String,
    /// The aggregate's unit struct, for the outcome trial.
    pub aggregate: String,
    /// The trial's name of the aggregate's typed outcomes, as a string literal.
    pub outcomes_title: String,
    /// Every variant of every command's typed outcome but `Nothing` (a variant with
    /// optional events twice: with them and without), to check against its table.
    pub outcomes: Vec<OutcomeFitView>,
}

/// One variant of a typed outcome, built from default events, for
/// `testing::outcome_fits`: its conversion must record exactly its outcome's events.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeFitView {
    /// The command, as a string literal.
    pub command: String,
    /// The variant's value: `<module>::<Command>Outcome::<Variant> { .. }`.
    pub value: String,
    /// Whether its optional events are present (`Some`) rather than `None`.
    pub with_optional: bool,
}

/// Every variant of the typed outcomes of `a`'s commands, built from default events:
/// with its optional events present and, when it has any, without them.
fn outcome_fits(a: &AggregateView) -> Vec<OutcomeFitView> {
    let mut fits = Vec::new();
    for c in &a.commands {
        for o in &c.outcomes {
            let optional = o.events.iter().any(|e| e.optional);
            for with_optional in [true, false] {
                if !with_optional && !optional {
                    continue;
                }
                let path = format!("{}::{}::{}", a.module, c.outcome_enum, o.variant);
                let value = if o.events.is_empty() {
                    path
                } else {
                    let fields: Vec<String> = o
                        .events
                        .iter()
                        .map(|e| {
                            let value = match (e.optional, with_optional) {
                                (false, _) => "Default::default()",
                                (true, true) => "Some(Default::default())",
                                (true, false) => "None",
                            };
                            format!("{}: {value}", e.field)
                        })
                        .collect();
                    format!("{path} {{ {} }}", fields.join(", "))
                };
                fits.push(OutcomeFitView {
                    command: string_literal(&c.name),
                    value,
                    with_optional,
                });
            }
        }
    }
    fits
}

/// The trials of the context `id`: its scenarios, the `written()` lists they need, and
/// one round trip per aggregate.
pub fn scenario_views(
    model: &Model,
    id: ContextId,
    aggregates: &[AggregateView],
) -> (Vec<ScenarioView>, Vec<WrittenView>, Vec<RoundTripView>) {
    let ctx = model.context(id);
    let json = |values: &[(String, serde_json::Value)]| {
        let object: serde_json::Map<String, serde_json::Value> = values.iter().cloned().collect();
        raw_string_literal(&serde_json::Value::Object(object).to_string())
    };
    let mut scenarios = Vec::new();
    let mut written: Vec<WrittenView> = Vec::new();
    for s in &ctx.scenarios {
        let scenario = &model.scenarios[*s];
        let agg = model.aggregate(scenario.aggregate);
        let module = snake(&agg.name);
        let Some(view) = aggregates.iter().find(|a| a.module == module) else {
            continue;
        };
        let path = |name: &str| format!("{module}::{name}");
        let binding = format!("{module}_written");
        if !written.iter().any(|w| w.binding == binding) {
            written.push(WrittenView {
                binding: binding.clone(),
                rules_trait: path("Rules"),
                rules: format!("rules::{module}::{}", view.rules),
            });
        }
        let command = model.command(scenario.when.id);
        let (then, error) = match &scenario.then {
            Outcome::Events(steps) => (
                steps
                    .iter()
                    .map(|step| StepView {
                        message: path(&model.event(step.id).name),
                        json: json(&step.values),
                    })
                    .collect(),
                None,
            ),
            Outcome::Error(i) => (
                Vec::new(),
                Some(string_literal(
                    command.errors.get(*i).map_or("", |e| e.name.as_str()),
                )),
            ),
        };
        scenarios.push(ScenarioView {
            title: string_literal(&scenario.name),
            aggregate: path(&agg.name),
            given: scenario
                .given
                .iter()
                .map(|step| StepView {
                    message: path(&model.event(step.id).name),
                    json: json(&step.values),
                })
                .collect(),
            when: StepView {
                message: path(&command.name),
                json: json(&scenario.when.values),
            },
            nothing: error.is_none() && then.is_empty(),
            outcome: scenario
                .outcome
                .filter(|_| error.is_none() && command.outcomes.len() > 1)
                .and_then(|i| command.outcomes.get(i))
                .map(|o| string_literal(&o.name)),
            then,
            error,
            rules_file: string_literal(&view.rules_file),
            written: binding,
        });
    }
    let round_trips = aggregates
        .iter()
        .map(|a| {
            let path = |name: &str| format!("{}::{name}", a.module);
            RoundTripView {
                title: string_literal(&format!("{} messages round trip", a.module)),
                types: a
                    .commands
                    .iter()
                    .map(|c| path(&c.name))
                    .chain(a.events.iter().map(|e| path(&e.name)))
                    .collect(),
                last: path("State"),
                aggregate: path(&a.name),
                outcomes_title: string_literal(&format!(
                    "{} outcomes record their declared events",
                    a.module
                )),
                outcomes: outcome_fits(a),
            }
        })
        .collect();
    (scenarios, written, round_trips)
}
