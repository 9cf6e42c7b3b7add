// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! How the read models of the `booking` context change with each event.
//!
//! Each (read model, event) pair has a default in the generated `src/projections.rs`
//! (trait `ProjectionRules`): it copies the row fields the event carries, by name.
//! Override a method here to compute a row differently (sums, counts, statuses).

use crate::projections::*;

/// The projection rules; the defaults of [`ProjectionRules`] apply until you override them.
pub struct Projections;

impl ProjectionRules for Projections {}
