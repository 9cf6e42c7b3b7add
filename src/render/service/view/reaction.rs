//! The reaction scenarios of a context as the trials of its `tests/reactions.rs`: each
//! runs its policy's, deadline's or process's real worker on a memory store and a
//! manual clock (`stormcraft_runtime::testing::ReactionScenario`).

use serde::Serialize;

use super::timer::rule_method;
use crate::ir::{
    CommandId, ContextId, EventId, Model, ReactionStep, ReactionSubject, Step, Trigger,
};
use crate::render::service::names::{raw_string_literal, snake, string_literal};

/// A given event of a reaction scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ReactionEventView {
    /// The Rust path of the event's struct from the test crate.
    pub message: String,
    /// The stream category of its aggregate, as a string literal.
    pub category: String,
    /// Its aggregate's id field, as a string literal.
    pub id_field: String,
    /// The event type, as a string literal.
    pub event_type: String,
    /// Its schema version.
    pub version: u32,
    /// The given values: a raw string literal holding a JSON object.
    pub json: String,
}

/// One step: an event arrives, or time passes.
#[derive(Debug, Clone, Serialize)]
pub struct ReactionStepView {
    /// The event, when one arrives.
    pub event: Option<ReactionEventView>,
    /// The seconds that pass, when time passes.
    pub after_secs: Option<u64>,
}

/// An expected command.
#[derive(Debug, Clone, Serialize)]
pub struct ReactionCommandView {
    /// The Rust path of the command's struct from the test crate.
    pub message: String,
    /// Its context, as a string literal.
    pub context: String,
    /// Its name, as a string literal.
    pub command: String,
    /// The given values: a raw string literal holding a JSON object.
    pub json: String,
}

/// One reaction scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ReactionView {
    /// The title, as a string literal.
    pub title: String,
    /// The subject's consumer (`<context>.<Subject>`), as a string literal.
    pub consumer: String,
    /// The worker table holding the subject's worker.
    pub workers: String,
    /// The given events and time steps, in order.
    pub steps: Vec<ReactionStepView>,
    /// The commands expected, in order.
    pub then: Vec<ReactionCommandView>,
    /// For a process: its instances' category (a string literal), when `completes:` is
    /// written.
    pub completes_category: Option<String>,
    /// `completes:` as written, as Rust (`true` or `false`).
    pub completes: String,
    /// The policy rules the given events set off whose defaults are pending, each as
    /// a call of the generated `policies::pending` (Rust): the scenario is ignored
    /// while one is not listed in `written()`, whatever the default happens to do.
    pub pending: Vec<String>,
}

/// The reaction scenarios of the context `here`, whose crate is `krate`;
/// `pending_methods` are the `PolicyRules` methods whose defaults are pending.
pub fn reaction_views(
    model: &Model,
    here: ContextId,
    krate: &str,
    pending_methods: &[String],
) -> Vec<ReactionView> {
    let ctx = model.context(here);
    ctx.reaction_scenarios
        .iter()
        .map(|s| {
            let scenario = &model.reaction_scenarios[*s];
            let (name, table) = match scenario.subject {
                ReactionSubject::Policy(p) => {
                    let policy = model.policy(p);
                    let table = match policy.trigger {
                        Trigger::Deadline(_) | Trigger::Schedule(_) => "timers",
                        Trigger::Events | Trigger::Rejection(_) => "policies",
                    };
                    (policy.name.clone(), table)
                }
                ReactionSubject::Process(p) => (model.process(p).name.clone(), "processes"),
            };
            let steps = scenario
                .given
                .iter()
                .map(|step| match step {
                    ReactionStep::Event(step) => ReactionStepView {
                        event: Some(event_view(model, here, krate, step)),
                        after_secs: None,
                    },
                    ReactionStep::After(secs) => ReactionStepView {
                        event: None,
                        after_secs: Some(*secs),
                    },
                })
                .collect();
            let then = scenario
                .then
                .iter()
                .map(|step| command_view(model, here, krate, step))
                .collect();
            let completes_category = match (scenario.subject, scenario.completes) {
                (ReactionSubject::Process(p), Some(_)) => {
                    Some(string_literal(&model.process(p).category(ctx)))
                }
                _ => None,
            };
            let mut pending = Vec::new();
            if let ReactionSubject::Policy(p) = scenario.subject {
                let policy = model.policy(p);
                let function = snake(&policy.name);
                for step in &scenario.given {
                    let ReactionStep::Event(step) = step else {
                        continue;
                    };
                    if !policy.on.contains(&step.id) {
                        continue;
                    }
                    let method = rule_method(model, &policy.on, &function, step.id);
                    let call = format!("{krate}::policies::pending({})", string_literal(&method));
                    if pending_methods.contains(&method) && !pending.contains(&call) {
                        pending.push(call);
                    }
                }
            }
            ReactionView {
                pending,
                title: string_literal(&scenario.name),
                consumer: string_literal(&format!("{}.{name}", ctx.name)),
                workers: format!("{krate}::{table}::WORKERS"),
                steps,
                then,
                completes_category,
                completes: scenario.completes.unwrap_or(false).to_string(),
            }
        })
        .collect()
}

/// The Rust path, from the test crate, of a message of `owner` in `aggregate`'s
/// module: this context's own, or its upstream copy of another context's.
fn message_path(
    model: &Model,
    here: ContextId,
    krate: &str,
    owner: ContextId,
    module: &str,
    name: &str,
) -> String {
    if owner == here {
        format!("{krate}::{module}::{name}")
    } else {
        format!("{krate}::upstream::{}::{name}", model.context(owner).name)
    }
}

/// A step's given values as a raw string literal holding a JSON object.
fn json(values: &[(String, serde_json::Value)]) -> String {
    let object: serde_json::Map<String, serde_json::Value> = values.iter().cloned().collect();
    raw_string_literal(&serde_json::Value::Object(object).to_string())
}

fn event_view(
    model: &Model,
    here: ContextId,
    krate: &str,
    step: &Step<EventId>,
) -> ReactionEventView {
    let event = model.event(step.id);
    let agg = model.aggregate(event.aggregate);
    let owner = &model.context(event.context).name;
    ReactionEventView {
        message: message_path(
            model,
            here,
            krate,
            event.context,
            &snake(&agg.name),
            &event.name,
        ),
        category: string_literal(&format!("{owner}-{}", agg.name)),
        id_field: string_literal(&agg.id.name),
        event_type: string_literal(&event.name),
        version: event.version,
        json: json(&step.values),
    }
}

fn command_view(
    model: &Model,
    here: ContextId,
    krate: &str,
    step: &Step<CommandId>,
) -> ReactionCommandView {
    let command = model.command(step.id);
    let agg = model.aggregate(command.aggregate);
    ReactionCommandView {
        message: message_path(
            model,
            here,
            krate,
            command.context,
            &snake(&agg.name),
            &command.name,
        ),
        context: string_literal(&model.context(command.context).name),
        command: string_literal(&command.name),
        json: json(&step.values),
    }
}
