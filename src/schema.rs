//! The JSON Schema of the model format, printed by `stormcraft schema`.

/// The schema document.
pub const SCHEMA: &str = include_str!("schema.json");
