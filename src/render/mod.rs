//! Renderers: one module per kind of output. They take the checked [`crate::ir::Model`]
//! and return text; writing files is [`crate::output`]'s job.

pub mod diagram;
pub mod findings;
pub mod graphviz;
pub mod service;
pub mod trace;
