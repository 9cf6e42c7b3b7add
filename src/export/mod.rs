//! Exports: the model's contracts in formats other tools read.
//!
//! - [`asyncapi`]: an AsyncAPI 3.0.0 document of the generated app: its event
//!   channels (through the event store) and command endpoints (HTTP).
//! - [`json_schema`]: one JSON Schema (2020-12) file per command, event and read-model
//!   row.
//! - [`eventcatalog`]: EventCatalog content: a domain per context, its service, and its
//!   events, commands and queries with those schemas.
//!
//! Both take their payload schemas from [`schema`], which maps field types to JSON
//! Schema as the generated services actually write them, and [`yaml`] writes the
//! AsyncAPI document as YAML.

pub mod asyncapi;
pub mod eventcatalog;
pub mod json_schema;
pub mod schema;
pub mod yaml;
