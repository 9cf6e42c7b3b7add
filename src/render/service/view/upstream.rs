//! Copies of other contexts' published events that a context consumes, and of the
//! commands of other contexts it issues (sent through their inboxes).

use std::collections::BTreeSet;

use serde::Serialize;

use super::aggregate::{event_view, EventView};
use super::{derives_for, docs, fields_view, type_view, FieldView, TypeView};
use crate::ir::{CommandId, ContextId, EventId, Model, PolicyId, RecoveryAction};
use crate::render::service::rust_types::{collect_named, Scope};

/// Copies of the published events of one other context, with the value types they use.
#[derive(Debug, Clone, Serialize)]
pub struct UpstreamView {
    /// The publishing context (module name).
    pub module: String,
    /// Value types the events use, transitively.
    pub types: Vec<TypeView>,
    /// The events.
    pub events: Vec<EventView>,
    /// The commands this context issues to it.
    pub commands: Vec<UpstreamCommandView>,
}

/// A copy of another context's command: what this context's policies build and send to
/// that context's inbox as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct UpstreamCommandView {
    /// PascalCase name.
    pub name: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// The fields, the aggregate id first.
    pub fields: Vec<FieldView>,
    /// The derive list.
    pub derives: String,
}

/// The policies of `id` that issue commands as it: its own, and those lowered from the
/// reactions and deadlines of its processes, in model order.
pub fn issuing_policies(model: &Model, id: ContextId) -> Vec<PolicyId> {
    let ctx = model.context(id);
    let mut policies = ctx.policies.clone();
    for p in &ctx.processes {
        let process = model.process(*p);
        policies.extend(process.handlers.iter().filter_map(|h| h.policy));
        policies.extend(process.deadlines.iter().map(|d| d.policy));
    }
    policies
}

/// The commands of other contexts that the policies and processes of `id` issue, or
/// issue to compensate, in model order.
pub fn foreign_commands(model: &Model, id: ContextId) -> BTreeSet<CommandId> {
    let mut commands = BTreeSet::new();
    for p in &issuing_policies(model, id) {
        let policy = model.policy(*p);
        commands.extend(policy.issues);
        for r in &policy.recovery {
            if let RecoveryAction::Issue(c) = r.action {
                commands.insert(c);
            }
        }
    }
    commands.retain(|c| model.command(*c).context != id);
    commands
}

/// The published events of other contexts that the policies, read models and processes
/// of `id` consume.
pub fn consumed_events(model: &Model, id: ContextId) -> BTreeSet<EventId> {
    let ctx = model.context(id);
    let foreign = |events: &[EventId]| -> Vec<EventId> {
        events
            .iter()
            .copied()
            .filter(|e| model.event(*e).context != id)
            .collect()
    };
    let mut consumed: BTreeSet<EventId> = BTreeSet::new();
    for p in &ctx.policies {
        consumed.extend(foreign(&model.policy(*p).on));
        // A deadline's cancelling events are consumed too (its tests build them).
        if let crate::ir::Trigger::Deadline(deadline) = &model.policy(*p).trigger {
            consumed.extend(foreign(&deadline.unless));
        }
    }
    for r in &ctx.read_models {
        consumed.extend(foreign(&model.read_model(*r).from));
    }
    for p in &ctx.processes {
        let handled: Vec<EventId> = model.process(*p).handlers.iter().map(|h| h.event).collect();
        consumed.extend(foreign(&handled));
    }
    consumed
}

/// The published events of other contexts that the policies and read models of `id`
/// consume, grouped by publisher, in model order.
pub fn upstream_views(model: &Model, id: ContextId) -> Vec<UpstreamView> {
    let consumed = consumed_events(model, id);
    let issued = foreign_commands(model, id);
    let mut upstream = Vec::new();
    for (index, publisher) in model.contexts.iter().enumerate() {
        let of_publisher = ContextId(index as u32);
        let events: Vec<EventId> = consumed
            .iter()
            .copied()
            .filter(|e| model.event(*e).context == of_publisher)
            .collect();
        let commands: Vec<CommandId> = issued
            .iter()
            .copied()
            .filter(|c| model.command(*c).context == of_publisher)
            .collect();
        if events.is_empty() && commands.is_empty() {
            continue;
        }
        let mut named = Vec::new();
        for e in &events {
            let event = model.event(*e);
            // The older shapes too: `versions.rs` names their value types here.
            let previous = event.previous.iter().flat_map(|p| p.fields.iter());
            for f in event.fields.iter().chain(previous) {
                collect_named(model, &f.ty, &mut named);
            }
        }
        for c in &commands {
            for f in &model.command(*c).fields {
                collect_named(model, &f.ty, &mut named);
            }
        }
        // Model order, not first-use order, so a new event does not reorder the copies.
        named.sort();
        upstream.push(UpstreamView {
            module: publisher.name.clone(),
            types: named
                .iter()
                .map(|t| type_view(model, *t, Scope::Local))
                .collect(),
            events: events
                .iter()
                .map(|e| event_view(model, *e, Scope::Local, &[]))
                .collect(),
            commands: commands
                .iter()
                .map(|c| {
                    let command = model.command(*c);
                    UpstreamCommandView {
                        name: command.name.clone(),
                        docs: docs(&command.description),
                        fields: fields_view(model, &command.fields, Scope::Local),
                        derives: derives_for(model, command.fields.iter().map(|f| &f.ty)),
                    }
                })
                .collect(),
        });
    }
    upstream
}

/// The other contexts' named types whose copies `upstream.rs` of context `id` holds:
/// those of the events it consumes (older shapes too) and of the commands it sends.
pub fn copied_types(model: &Model, id: ContextId) -> Vec<crate::ir::TypeId> {
    let mut named = Vec::new();
    for e in consumed_events(model, id) {
        let event = model.event(e);
        let previous = event.previous.iter().flat_map(|p| p.fields.iter());
        for f in event.fields.iter().chain(previous) {
            collect_named(model, &f.ty, &mut named);
        }
    }
    for c in foreign_commands(model, id) {
        for f in &model.command(c).fields {
            collect_named(model, &f.ty, &mut named);
        }
    }
    named.retain(|t| model.named_type(*t).context != id);
    named.sort();
    named
}
