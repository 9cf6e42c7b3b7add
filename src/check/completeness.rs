//! Information completeness: every field that a rule or a projection must fill, with
//! where its value comes from ([`crate::ir::sources`]), for the rules SC090–SC094 and
//! the per-context summary of `check`.

use crate::ir::sources::{self, Origin, Setters};
use crate::ir::{
    AggregateId, CommandId, ContextId, EventId, Field, Model, NodeRef, PolicyId, ReadModelId,
    RecoveryAction, Trigger,
};
use std::collections::BTreeMap;

/// One field to fill on one path.
#[derive(Debug, Clone)]
pub struct Trace<'m> {
    /// The field.
    pub field: &'m Field,
    /// The element that declares the field, whose context the summary counts it in.
    pub owner: NodeRef,
    /// The path and what it finds.
    pub path: Path,
}

/// What fills a field, and on which path.
#[derive(Debug, Clone)]
pub enum Path {
    /// An event field when a command records the event.
    Event {
        /// The recording command.
        command: CommandId,
        /// The event.
        event: EventId,
        /// Where the value comes from.
        origin: Origin,
    },
    /// A field of a command a policy issues (a compensation's too).
    Issued {
        /// The issuing policy.
        policy: PolicyId,
        /// What sets it off, in words: `on `StockReserved``, `per row of `X``,
        /// `when `A` is refused`.
        trigger: String,
        /// The trigger event, when there is one.
        event: Option<EventId>,
        /// The issued command.
        command: CommandId,
        /// Where the value comes from.
        origin: Origin,
    },
    /// An event field when a recovery records the event (`record:`) because the
    /// command a policy issued was refused.
    Recorded {
        /// The policy (or process reaction) whose `on_error:` records it.
        policy: PolicyId,
        /// The refused command.
        command: CommandId,
        /// The business error it was refused with (index into the command's errors).
        error: usize,
        /// The recorded event.
        event: EventId,
        /// Where the value comes from.
        origin: Origin,
    },
    /// A read-model field.
    ReadModel {
        /// The read model.
        read_model: ReadModelId,
        /// Its source events that set the field.
        setters: Setters,
    },
    /// A state field.
    State {
        /// The aggregate.
        aggregate: AggregateId,
        /// Its events that set the field.
        setters: Setters,
    },
}

impl Trace<'_> {
    /// Whether the model says where the value comes from on this path.
    pub fn is_traced(&self) -> bool {
        match &self.path {
            Path::Event { origin, .. }
            | Path::Issued { origin, .. }
            | Path::Recorded { origin, .. } => origin.is_traced(),
            Path::ReadModel { setters, .. } | Path::State { setters, .. } => setters.is_traced(),
        }
    }
}

/// Every path of every field, in model order: events per recording command, issued
/// commands per policy and trigger (and events its recoveries record), read-model
/// fields, state fields.
pub fn traces(model: &Model) -> Vec<Trace<'_>> {
    let mut out = Vec::new();
    for (index, command) in model.commands.iter().enumerate() {
        let c = CommandId(index as u32);
        for e in &command.emits {
            let event = model.event(*e);
            for (field, origin) in event.fields.iter().zip(sources::event_fields(model, c, *e)) {
                // The aggregate id is the command's own first field.
                if field.implicit {
                    continue;
                }
                out.push(Trace {
                    field,
                    owner: NodeRef::Event(*e),
                    path: Path::Event {
                        command: c,
                        event: *e,
                        origin,
                    },
                });
            }
        }
    }
    for (index, policy) in model.policies.iter().enumerate() {
        let p = PolicyId(index as u32);
        let Some(c) = policy.issues else { continue };
        let command = model.command(c);
        let mut issued =
            |trigger: String, event: Option<EventId>, target: CommandId, origins: Vec<Origin>| {
                for (field, origin) in model.command(target).fields.iter().zip(origins) {
                    out.push(Trace {
                        field,
                        owner: NodeRef::Command(target),
                        path: Path::Issued {
                            policy: p,
                            trigger: trigger.clone(),
                            event,
                            command: target,
                            origin,
                        },
                    });
                }
            };
        match &policy.trigger {
            Trigger::Events | Trigger::Deadline(_) => {
                for e in &policy.on {
                    let words = format!("on `{}`", model.event(*e).name);
                    issued(words, Some(*e), c, sources::issued_fields(model, p, *e));
                }
            }
            Trigger::Rejection(rejected) => {
                let words = format!("when `{}` is refused", model.command(rejected.command).name);
                issued(words, None, c, sources::reaction_fields(model, p));
            }
            Trigger::Schedule(schedule) => {
                let words = match schedule.for_each {
                    Some(r) => format!("per row of `{}`", model.read_model(r).name),
                    None => "on its schedule".to_owned(),
                };
                issued(words, None, c, sources::scheduled_fields(model, p));
            }
        }
        for recovery in &policy.recovery {
            if let RecoveryAction::Issue(compensating) = recovery.action {
                let words = format!("when `{}` is refused", command.name);
                let origins = sources::compensation_fields(model, c, compensating);
                issued(words, None, compensating, origins);
            }
        }
        for recovery in &policy.recovery {
            let RecoveryAction::Record(e) = recovery.action else {
                continue;
            };
            let fields = model.event(e).fields.iter();
            for (field, origin) in fields.zip(sources::recorded_fields(model, p, e)) {
                out.push(Trace {
                    field,
                    owner: NodeRef::Event(e),
                    path: Path::Recorded {
                        policy: p,
                        command: c,
                        error: recovery.error,
                        event: e,
                        origin,
                    },
                });
            }
        }
    }
    for (index, read_model) in model.read_models.iter().enumerate() {
        let r = ReadModelId(index as u32);
        for (field, setters) in sources::read_model_fields(model, r) {
            out.push(Trace {
                field: &read_model.fields[field],
                owner: NodeRef::ReadModel(r),
                path: Path::ReadModel {
                    read_model: r,
                    setters,
                },
            });
        }
    }
    for (index, aggregate) in model.aggregates.iter().enumerate() {
        let a = AggregateId(index as u32);
        for (field, setters) in aggregate.state.iter().zip(sources::state_fields(model, a)) {
            out.push(Trace {
                field,
                owner: NodeRef::Aggregate(a),
                path: Path::State {
                    aggregate: a,
                    setters,
                },
            });
        }
    }
    out
}

/// How many fields of one context the model traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContextCompleteness {
    /// The context.
    pub context: Option<ContextId>,
    /// Fields with at least one path.
    pub fields: usize,
    /// Of those, the ones traced on every path.
    pub traced: usize,
}

impl ContextCompleteness {
    /// Fields untraced on some path.
    pub fn untraced(&self) -> usize {
        self.fields - self.traced
    }
}

/// Per context in model order, its fields (each counted once, however many paths
/// fill it) and how many of them are traced on every path.
pub fn summary(model: &Model) -> Vec<ContextCompleteness> {
    let mut fields: BTreeMap<(ContextId, NodeRef, &str), bool> = BTreeMap::new();
    for trace in traces(model) {
        let context = owner_context(model, trace.owner);
        let traced = fields
            .entry((context, trace.owner, trace.field.name.as_str()))
            .or_insert(true);
        *traced &= trace.is_traced();
    }
    (0..model.contexts.len())
        .map(|i| {
            let id = ContextId(i as u32);
            let mine = fields.iter().filter(|((c, _, _), _)| *c == id);
            ContextCompleteness {
                context: Some(id),
                fields: mine.clone().count(),
                traced: mine.filter(|(_, traced)| **traced).count(),
            }
        })
        .collect()
}

fn owner_context(model: &Model, owner: NodeRef) -> ContextId {
    match owner {
        NodeRef::Event(e) => model.event(e).context,
        NodeRef::Command(c) => model.command(c).context,
        NodeRef::ReadModel(r) => model.read_model(r).context,
        NodeRef::Aggregate(a) => model.aggregate(a).context,
        NodeRef::Policy(p) => model.policy(p).context,
        _ => ContextId(0),
    }
}
