// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! What the schedules of the `booking` context issue at each tick.
//!
//! Each schedule has a default in the generated `src/timers.rs` (trait `ScheduleRules`):
//! it builds its command by copying fields by name from the row, or issues nothing when
//! a row does not carry every field (its doc comment then says it is pending). Override
//! a method here to decide per row (`None`: nothing for this row), e.g. only the rows
//! whose date has passed at `at`, the time of the tick.

use crate::timers::*;

/// The schedule rules; the defaults of [`ScheduleRules`] apply until you override them.
pub struct Schedules;

impl ScheduleRules for Schedules {}
