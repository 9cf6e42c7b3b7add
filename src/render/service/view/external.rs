//! External systems a context's policies call: one trait each, one method per
//! (policy, event).

use serde::Serialize;

use super::docs;
use crate::ir::{ExternalId, Model};
use crate::render::service::names::snake;

/// One method of an external system's trait.
#[derive(Debug, Clone, Serialize)]
pub struct ExternalMethodView {
    /// Method name.
    pub name: String,
    /// The Rust path of the event it is called with.
    pub event: String,
    /// The policy that calls it (for docs).
    pub policy: String,
    /// The event type name (for docs).
    pub event_type: String,
    /// What the logging adapter prints before the event (model names only, so it needs
    /// no escaping inside a format string).
    pub log: String,
}

/// An external system this context calls.
#[derive(Debug, Clone, Serialize)]
pub struct ExternalView {
    /// The trait (PascalCase name of the external system).
    pub trait_name: String,
    /// The adapter constructor in `adapters.rs`.
    pub constructor: String,
    /// The logging adapter struct.
    pub adapter: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// Methods, in the order the policies call them.
    pub methods: Vec<ExternalMethodView>,
}

impl ExternalView {
    /// Adds the method `name` that `policy` calls on `event_type` (its struct: `event`).
    pub fn add_method(&mut self, name: &str, event: &str, policy: &str, event_type: &str) {
        self.methods.push(ExternalMethodView {
            name: name.to_owned(),
            event: event.to_owned(),
            policy: policy.to_owned(),
            event_type: event_type.to_owned(),
            log: format!("{}: {policy} on {event_type}", self.trait_name),
        });
    }
}

/// The entry of the external system `x` in `externals`, added when new.
pub fn external_entry<'a>(
    model: &Model,
    x: ExternalId,
    externals: &'a mut Vec<ExternalView>,
) -> &'a mut ExternalView {
    let external = &model.externals[x.index()];
    let index = match externals.iter().position(|v| v.trait_name == external.name) {
        Some(index) => index,
        None => {
            externals.push(ExternalView {
                trait_name: external.name.clone(),
                constructor: snake(&external.name),
                adapter: format!("Logging{}", external.name),
                docs: docs(&external.description),
                methods: Vec::new(),
            });
            externals.len() - 1
        }
    };
    &mut externals[index]
}
