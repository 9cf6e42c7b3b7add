// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! What the policies of the `ordering` context do with the events they react to.
//!
//! Each policy has a default in the generated `src/policies.rs` (trait `PolicyRules`):
//! it builds its command by copying fields by name from the event. Override a method
//! here to build the command differently, or return `None` to issue nothing.

use crate::policies::*;

/// The policy rules; the defaults of [`PolicyRules`] apply until you override them.
pub struct Policies;

impl PolicyRules for Policies {}
