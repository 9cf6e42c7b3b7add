// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! The business rules of the `Payment` aggregate.
//!
//! Every rule has a default in the generated `src/payment.rs` (trait `Rules`):
//! a command of one outcome emits its required events, filling their fields by name
//! from the command and the state (a command of several outcomes is pending: it fails
//! naming its rule until you write which outcome happens); an event sets the state
//! fields it carries. To write a real rule,
//! override its method in the `impl` below, e.g.
//!
//! ```text
//! fn request_payment(&self, state: &State, command: &RequestPayment) -> Result<Vec<Event>, Error> {
//!     // check the state; return `Err(Error::...)` or the events
//! }
//! ```
//!
//! and list the command's name in `written()`: the generated scenario tests then
//! enforce its scenarios (until then they are reported as ignored, pending).

use crate::payment::*;

/// The rules of `Payment`; the defaults of [`Rules`] apply until you override them.
pub struct PaymentRules;

impl Rules for PaymentRules {}
