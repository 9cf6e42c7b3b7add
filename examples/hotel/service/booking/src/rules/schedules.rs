// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! What the schedules of the `booking` context issue at each tick.
//!
//! The night audit (`MarkNoShows`, every day at 03:00 UTC) goes through the front
//! desk's stays and marks as a no-show each confirmed stay whose check-in date is
//! before the audit's day: the guest had the whole check-in day and never came.

use crate::projections::ConfirmedStays;
use crate::room_hold::MarkNoShow;
use crate::timers::*;
use crate::types::HoldStatus;

/// The schedule rules of `booking`.
pub struct Schedules;

impl ScheduleRules for Schedules {
    /// A confirmed stay (not checked in, not cancelled, not marked yet) whose check-in
    /// day ended before the tick's day.
    fn mark_no_shows(
        &self,
        row: &ConfirmedStays,
        at: SystemTime,
        _views: &Views<'_>,
    ) -> Option<MarkNoShow> {
        let today = chrono::DateTime::<chrono::Utc>::from(at).date_naive();
        (row.status == Some(HoldStatus::Confirmed) && row.check_in < today).then_some(MarkNoShow {
            hold_id: row.hold_id,
        })
    }
}
