//! stormcraft: Event Storming models as code.
//!
//! The pipeline is visible in the module list: [`model`] reads YAML into a syntax
//! tree, [`check`] resolves and validates it into an [`ir::Model`], and [`render`]
//! turns that into diagrams and text, which [`output`] writes; [`export`] writes the
//! model's contracts as AsyncAPI and JSON Schema; [`diff`] compares two versions
//! of a model and says what a change breaks.

pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod diff;
pub mod embedded;
pub mod export;
pub mod generate;
pub mod init;
pub mod ir;
pub mod model;
pub mod output;
pub mod render;
pub mod schema;
pub mod source;
pub mod suggest;
pub mod synth;
pub mod templates;
