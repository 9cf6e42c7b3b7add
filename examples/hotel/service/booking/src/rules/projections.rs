// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! How the read models of the `booking` context change with each event.
//!
//! Both pages show where each hold or stay stands, so every event sets the row's
//! status; the rest of each row is copied by the generated defaults.

use crate::projections::*;
use crate::room_hold::{
    GuestCheckedIn, GuestNoShow, HoldCancelled, HoldConfirmed, HoldLapsed, HoldPlaced,
    HoldUnavailable, StayCancelled,
};
use crate::types::HoldStatus;

/// The projection rules of `booking`.
pub struct Projections;

impl ProjectionRules for Projections {
    fn written(&self) -> &'static [&'static str] {
        &[
            "Holds.status",
            "Holds.unavailable_because",
            "ConfirmedStays.status",
        ]
    }

    fn holds_on_hold_placed(&self, row: &mut Holds, event: &HoldPlaced) {
        row.hold_id = event.hold_id;
        row.room = event.room.clone();
        row.status = Some(HoldStatus::Held);
        row.check_in = Some(event.check_in);
        row.amount = Some(event.amount.clone());
    }

    fn holds_on_hold_unavailable(&self, row: &mut Holds, event: &HoldUnavailable) {
        row.hold_id = event.hold_id;
        row.room = event.room.clone();
        row.status = Some(HoldStatus::Unavailable);
        row.unavailable_because = Some(event.reason.clone());
    }

    fn holds_on_hold_confirmed(&self, row: &mut Holds, event: &HoldConfirmed) {
        row.status = Some(HoldStatus::Confirmed);
        row.payment_id = Some(event.payment_id);
    }

    fn holds_on_hold_lapsed(&self, row: &mut Holds, _event: &HoldLapsed) {
        row.status = Some(HoldStatus::Expired);
    }

    fn holds_on_hold_cancelled(&self, row: &mut Holds, _event: &HoldCancelled) {
        row.status = Some(HoldStatus::Cancelled);
    }

    fn holds_on_stay_cancelled(&self, row: &mut Holds, _event: &StayCancelled) {
        row.status = Some(HoldStatus::Cancelled);
    }

    fn holds_on_guest_checked_in(&self, row: &mut Holds, _event: &GuestCheckedIn) {
        row.status = Some(HoldStatus::CheckedIn);
    }

    fn holds_on_guest_no_show(&self, row: &mut Holds, _event: &GuestNoShow) {
        row.status = Some(HoldStatus::NoShow);
    }

    fn confirmed_stays_on_hold_confirmed(&self, row: &mut ConfirmedStays, event: &HoldConfirmed) {
        row.hold_id = event.hold_id;
        row.room = event.room.clone();
        row.guest_name = event.guest_name.clone();
        row.check_in = event.check_in;
        row.status = Some(HoldStatus::Confirmed);
    }

    fn confirmed_stays_on_stay_cancelled(&self, row: &mut ConfirmedStays, _event: &StayCancelled) {
        row.status = Some(HoldStatus::Cancelled);
    }

    fn confirmed_stays_on_guest_checked_in(
        &self,
        row: &mut ConfirmedStays,
        _event: &GuestCheckedIn,
    ) {
        row.status = Some(HoldStatus::CheckedIn);
    }

    fn confirmed_stays_on_guest_no_show(&self, row: &mut ConfirmedStays, _event: &GuestNoShow) {
        row.status = Some(HoldStatus::NoShow);
    }
}
