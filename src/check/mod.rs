//! Name resolution and validation: from the syntax tree to the checked [`Model`].
//!
//! Three phases, each reporting all of its findings before the next runs:
//! 1. shape — done by the loader (YAML syntax, keys, value kinds);
//! 2. names — conventions, duplicates, references, type expressions;
//! 3. flow — rules about the event graph and scenarios, which only make sense once
//!    every name resolves.

pub mod explain;
pub mod names;
mod resolve;

use crate::diagnostic::Diagnostics;
use crate::ir::Model;
use crate::model::load::Loaded;

/// The outcome of checking: the model (when it has no errors) and every finding.
#[derive(Debug)]
pub struct Checked {
    /// The checked model; `None` when any phase found errors.
    pub model: Option<Model>,
    /// All findings of the phases that ran.
    pub diagnostics: Diagnostics,
}

/// Checks a loaded model.
pub fn check(loaded: &Loaded) -> Checked {
    let mut diagnostics = loaded.diagnostics.clone();
    if diagnostics.has_errors() {
        return Checked {
            model: None,
            diagnostics,
        };
    }
    let resolved = resolve::resolve(loaded);
    diagnostics.extend(resolved.names);
    if diagnostics.has_errors() {
        return Checked {
            model: None,
            diagnostics,
        };
    }
    diagnostics.extend(resolved.flow);
    let model = (!diagnostics.has_errors()).then_some(resolved.model);
    Checked { model, diagnostics }
}
