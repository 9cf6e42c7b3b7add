//! Name resolution and validation: from the syntax tree to the checked [`Model`].
//!
//! Three phases, each reporting all of its findings before the next runs:
//! 1. shape — done by the loader (YAML syntax, keys, value kinds);
//! 2. names — conventions, duplicates, references, type expressions;
//! 3. flow — rules about the event graph and scenarios, on every element whose own
//!    references resolved (an element that lost one is skipped, not the model).

pub mod completeness;
pub mod coverage;
pub mod explain;
pub mod names;
mod resolve;
pub mod rules;

use crate::diagnostic::Diagnostics;
use crate::ir::Model;
use crate::model::load::Loaded;

/// The outcome of checking: the model (when its names resolve) and every finding.
#[derive(Debug)]
pub struct Checked {
    /// The resolved model: `Some` whenever the shape and name phases found no errors,
    /// even when flow rules did, so a flawed design can still be drawn and traced.
    /// What may be generated is [`Checked::clean_model`].
    pub model: Option<Model>,
    /// All findings of the phases that ran.
    pub diagnostics: Diagnostics,
}

impl Checked {
    /// The model when no phase found an error: what `generate` accepts.
    pub fn clean_model(&self) -> Option<&Model> {
        if self.diagnostics.has_errors() {
            None
        } else {
            self.model.as_ref()
        }
    }
}

/// What a check reports beyond its rules' findings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Note every event and business error that no scenario covers (SC057), as
    /// `check --coverage` does; off by default, because a model being written would
    /// drown in notes.
    pub coverage: bool,
}

/// Checks a loaded model with the default [`Options`].
///
/// Name errors do not stop the flow rules: those run on every element whose
/// references resolved, so one misspelt name does not hide the findings about the
/// rest of the board. The model is returned only when the names resolve.
pub fn check(loaded: &Loaded) -> Checked {
    check_with(loaded, &Options::default())
}

/// Checks a loaded model, as [`check`] does, with `options`.
pub fn check_with(loaded: &Loaded, options: &Options) -> Checked {
    let mut diagnostics = loaded.diagnostics.clone();
    if diagnostics.has_errors() {
        return Checked {
            model: None,
            diagnostics,
        };
    }
    let resolved = resolve::resolve(loaded, options);
    let names_resolve = !resolved.names.has_errors();
    diagnostics.extend(resolved.names);
    diagnostics.extend(resolved.flow);
    Checked {
        model: names_resolve.then_some(resolved.model),
        diagnostics,
    }
}
