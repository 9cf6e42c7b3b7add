// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! The upcasters of the events the `booking` context reads. When an event's schema
//! version goes up, register here how a payload of an older version becomes the newer
//! one: stored events are never rewritten, they are upcast on every read of this
//! context's service (the app applies every context's upcasters). A published event of
//! another context is upcast by each context that reads it.
//!
//! For example:
//!
//! ```text
//! upcasters.register("OrderPlaced", 1, |mut payload| {
//!     payload["channel"] = serde_json::json!("web");
//!     Ok((2, payload))
//! })
//! ```

/// Registers the context's upcasters on `upcasters`.
pub fn register(upcasters: stormcraft_runtime::Upcasters) -> stormcraft_runtime::Upcasters {
    upcasters
}
