// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! The business rules of the `RoomHold` aggregate.
//!
//! The hotel lets the rooms of [`ROOMS`], each for at most a number of guests at a
//! nightly rate: a hold on another room, or for a larger party, is unavailable (the
//! failure outcome, recorded so the guest's page says why). A hold is held until its
//! charge is captured (confirmed), it expires, or the guest cancels it; a confirmed
//! stay ends with the guest checking in, or as a no-show.

use crate::room_hold::*;
use crate::types::{HoldStatus, Money};
use rust_decimal::Decimal;

/// The rules of `RoomHold`.
pub struct RoomHoldRules;

/// A room the hotel lets.
#[derive(Debug, Clone, Copy)]
pub struct Room {
    /// Its number, as the guest asks for it.
    pub number: &'static str,
    /// The most guests it sleeps.
    pub sleeps: u32,
    /// Its rate per night, in euro cents.
    pub nightly_rate_cents: i64,
}

/// The rooms the hotel lets (the rate card).
pub const ROOMS: &[Room] = &[
    Room {
        number: "101",
        sleeps: 2,
        nightly_rate_cents: 12_000,
    },
    Room {
        number: "102",
        sleeps: 2,
        nightly_rate_cents: 12_000,
    },
    Room {
        number: "201",
        sleeps: 3,
        nightly_rate_cents: 15_500,
    },
    Room {
        number: "301",
        sleeps: 4,
        nightly_rate_cents: 21_000,
    },
];

/// The currency of the rate card.
pub const CURRENCY: &str = "EUR";

impl Rules for RoomHoldRules {
    fn place_hold(&self, state: &State, command: &PlaceHold) -> Result<PlaceHoldOutcome, Error> {
        if state.status.is_some() {
            return Err(Error::HoldAlreadyPlaced);
        }
        if command.nights == 0 {
            return Err(Error::NoNights);
        }
        let unavailable = |reason: String| {
            Ok(HoldUnavailable {
                hold_id: command.hold_id,
                room: command.room.clone(),
                reason,
            }
            .into())
        };
        let Some(room) = ROOMS.iter().find(|room| room.number == command.room) else {
            return unavailable(format!("the hotel has no room {} to let", command.room));
        };
        if command.guests > room.sleeps {
            return unavailable(format!(
                "room {} sleeps {}, not {}",
                room.number, room.sleeps, command.guests
            ));
        }
        let amount = Decimal::new(room.nightly_rate_cents, 2) * Decimal::from(command.nights);
        Ok(HoldPlaced {
            hold_id: command.hold_id,
            room: command.room.clone(),
            guest_name: command.guest_name.clone(),
            check_in: command.check_in,
            nights: command.nights,
            amount: Money {
                amount,
                currency: CURRENCY.to_owned(),
            },
        }
        .into())
    }

    fn confirm_hold(
        &self,
        state: &State,
        command: &ConfirmHold,
    ) -> Result<ConfirmHoldOutcome, Error> {
        match state.status {
            None | Some(HoldStatus::Unavailable) => Err(Error::HoldNotFound),
            Some(HoldStatus::Expired) => Err(Error::HoldExpired),
            Some(HoldStatus::Cancelled) => Err(Error::HoldWithdrawn),
            Some(HoldStatus::Confirmed | HoldStatus::CheckedIn | HoldStatus::NoShow) => {
                Err(Error::HoldAlreadyConfirmed)
            }
            Some(HoldStatus::Held) => {
                let check_in = state.check_in.ok_or(Error::HoldNotFound)?;
                Ok(HoldConfirmed {
                    hold_id: command.hold_id,
                    payment_id: command.payment_id,
                    room: state.room.clone(),
                    guest_name: state.guest_name.clone(),
                    check_in,
                }
                .into())
            }
        }
    }

    fn expire_hold(&self, state: &State, command: &ExpireHold) -> Result<ExpireHoldOutcome, Error> {
        if state.status != Some(HoldStatus::Held) {
            return Err(Error::HoldNotHeld);
        }
        Ok(HoldLapsed {
            hold_id: command.hold_id,
            room: state.room.clone(),
        }
        .into())
    }

    fn cancel_hold(&self, state: &State, command: &CancelHold) -> Result<CancelHoldOutcome, Error> {
        match (state.status, state.check_in) {
            (Some(HoldStatus::Held), _) => Ok(HoldCancelled {
                hold_id: command.hold_id,
                room: state.room.clone(),
            }
            .into()),
            (Some(HoldStatus::Confirmed), Some(check_in)) => Ok(StayCancelled {
                hold_id: command.hold_id,
                room: state.room.clone(),
                check_in,
            }
            .into()),
            _ => Err(Error::HoldNotCancellable),
        }
    }

    fn check_in(&self, state: &State, command: &CheckIn) -> Result<CheckInOutcome, Error> {
        if state.status != Some(HoldStatus::Confirmed) {
            return Err(Error::StayNotConfirmed);
        }
        Ok(GuestCheckedIn {
            hold_id: command.hold_id,
            room: state.room.clone(),
        }
        .into())
    }

    fn mark_no_show(
        &self,
        state: &State,
        command: &MarkNoShow,
    ) -> Result<MarkNoShowOutcome, Error> {
        let (Some(HoldStatus::Confirmed), Some(check_in)) = (state.status, state.check_in) else {
            return Err(Error::StayNotConfirmed);
        };
        Ok(GuestNoShow {
            hold_id: command.hold_id,
            room: state.room.clone(),
            check_in,
        }
        .into())
    }

    fn apply_hold_placed(&self, state: &mut State, event: &HoldPlaced) {
        state.status = Some(HoldStatus::Held);
        state.room = event.room.clone();
        state.guest_name = event.guest_name.clone();
        state.check_in = Some(event.check_in);
    }

    fn apply_hold_unavailable(&self, state: &mut State, event: &HoldUnavailable) {
        state.status = Some(HoldStatus::Unavailable);
        state.room = event.room.clone();
    }

    fn apply_hold_confirmed(&self, state: &mut State, _event: &HoldConfirmed) {
        state.status = Some(HoldStatus::Confirmed);
    }

    fn apply_hold_lapsed(&self, state: &mut State, _event: &HoldLapsed) {
        state.status = Some(HoldStatus::Expired);
    }

    fn apply_hold_cancelled(&self, state: &mut State, _event: &HoldCancelled) {
        state.status = Some(HoldStatus::Cancelled);
    }

    fn apply_stay_cancelled(&self, state: &mut State, _event: &StayCancelled) {
        state.status = Some(HoldStatus::Cancelled);
    }

    fn apply_guest_checked_in(&self, state: &mut State, _event: &GuestCheckedIn) {
        state.status = Some(HoldStatus::CheckedIn);
    }

    fn apply_guest_no_show(&self, state: &mut State, _event: &GuestNoShow) {
        state.status = Some(HoldStatus::NoShow);
    }

    fn written(&self) -> &'static [&'static str] {
        &[
            "PlaceHold",
            "ConfirmHold",
            "ExpireHold",
            "CancelHold",
            "CheckIn",
            "MarkNoShow",
        ]
    }
}
