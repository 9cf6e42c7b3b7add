//! The starter model written by `stormcraft init`.

/// The starter model (valid, and explained in its comments).
pub const STARTER_MODEL: &str = include_str!("init/model.yaml");
