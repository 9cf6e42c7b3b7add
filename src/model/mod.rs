//! The model as written: YAML files, parsed with spans, decoded into a syntax tree.

pub mod ast;
pub mod decode;
pub mod load;
pub mod yaml;
