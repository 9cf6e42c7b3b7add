// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! What the policies of the `payments` context do with the events they react to.
//!
//! Each policy has a default in the generated `src/policies.rs` (trait `PolicyRules`):
//! it builds its command by copying fields by name from the event. Override a method
//! here to build the command differently (reading this context's read models through
//! `views`, as of the event), or return `None` to issue nothing — the way a policy's
//! condition (`if:`, quoted in the method's docs) is written. A compensation of
//! `on_error:` has a method too, building the compensating command from the refused one.

use crate::policies::*;

/// The policy rules; the defaults of [`PolicyRules`] apply until you override them.
pub struct Policies;

impl PolicyRules for Policies {}
