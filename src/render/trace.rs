//! The causal chain of one command, as text (placeholder until the renderer lands).

use crate::ir::{CommandId, Model};

/// Renders the trace of `command`.
pub fn trace(model: &Model, command: CommandId) -> String {
    format!("{}\n", model.qualified_command(command))
}
