//! Copies of other contexts' published events that a context consumes.

use std::collections::BTreeSet;

use serde::Serialize;

use super::aggregate::{event_view, EventView};
use super::{type_view, TypeView};
use crate::ir::{ContextId, EventId, Model};
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
}

/// The published events of other contexts that the policies and read models of `id`
/// consume, grouped by publisher, in model order.
pub fn upstream_views(model: &Model, id: ContextId) -> Vec<UpstreamView> {
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
    }
    for r in &ctx.read_models {
        consumed.extend(foreign(&model.read_model(*r).from));
    }
    let mut upstream = Vec::new();
    for (index, publisher) in model.contexts.iter().enumerate() {
        let events: Vec<EventId> = consumed
            .iter()
            .copied()
            .filter(|e| model.event(*e).context == ContextId(index as u32))
            .collect();
        if events.is_empty() {
            continue;
        }
        let mut named = Vec::new();
        for e in &events {
            for f in &model.event(*e).fields {
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
        });
    }
    upstream
}
