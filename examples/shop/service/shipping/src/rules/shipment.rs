// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! The business rules of the `Shipment` aggregate.
//!
//! Every rule has a default in the generated `src/shipment.rs` (trait `Rules`):
//! a command emits its declared events, filling their fields by name from the command
//! and the state; an event sets the state fields it carries. To write a real rule,
//! override its method in the `impl` below, e.g.
//!
//! ```text
//! fn create_shipment(&self, state: &State, command: &CreateShipment) -> Result<Vec<Event>, Error> {
//!     // check the state; return `Err(Error::...)` or the events
//! }
//! ```
//!
//! and list the command's name in `written()`: the generated scenario tests then
//! enforce its scenarios (until then they only print `pending`).

use crate::shipment::*;

/// The rules of `Shipment`; the defaults of [`Rules`] apply until you override them.
pub struct ShipmentRules;

impl Rules for ShipmentRules {}
