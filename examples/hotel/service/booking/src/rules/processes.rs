// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! What the hotel's payment saga (`StayPayment`, one instance per hold) decides.
//!
//! A placed hold asks payments for the stay's price: the charge's id is derived from the
//! hold's, so the request sent again for the same hold (a replay after a crash) is the
//! same charge, and payments' `PaymentAlreadyRequested` keeps it from being taken twice.
//! The confirmation of a captured charge and the 20-minute expiry keep their generated
//! defaults (the hold's id and the payment's, copied from the event or the key). Written
//! here: the decline's condition (a hold the guest gave up already has nothing left to
//! cancel), what the saga remembers of a released hold, and the compensations — a
//! charge payments refuses releases the hold at once, a capture that comes too late is
//! refunded, saying why.

use crate::processes::*;
use crate::room_hold::{CancelHold, ConfirmHold, HoldCancelled, HoldPlaced};
use crate::upstream::payments::{Money, PaymentDeclined, RefundPayment, RequestPayment};

/// The process rules of `booking`.
pub struct Processes;

impl ProcessRules for Processes {
    /// A hold was placed: charge the price booking put on it, under a charge id that is
    /// the hold's own (the same for every sending of this request).
    fn stay_payment_on_hold_placed(
        &self,
        _state: &StayPaymentState,
        event: &HoldPlaced,
    ) -> Decision<RequestPayment> {
        Ok(Some(RequestPayment {
            payment_id: payment_id_of(event.hold_id),
            hold_id: event.hold_id,
            amount: Money {
                amount: event.amount.amount,
                currency: event.amount.currency.clone(),
            },
        }))
    }

    /// The hold was given up, by the guest or by the recovery of a refused charge: a
    /// decline that comes later has nothing to cancel.
    fn evolve_stay_payment_on_hold_cancelled(
        &self,
        state: &mut StayPaymentState,
        _event: &HoldCancelled,
    ) {
        state.released = Some(true);
    }

    /// The card was declined: the room is given up at once, unless it was already.
    fn stay_payment_on_payment_declined(
        &self,
        state: &StayPaymentState,
        event: &PaymentDeclined,
    ) -> Decision<CancelHold> {
        if state.released == Some(true) {
            return Ok(None);
        }
        Ok(Some(CancelHold {
            hold_id: event.hold_id,
        }))
    }

    /// Payments refused to take the charge (over its online limit): the room is released
    /// now rather than held for 20 minutes nobody can pay in.
    fn compensate_stay_payment_on_hold_placed_on_charge_over_limit(
        &self,
        rejected: &RequestPayment,
        _rejection: &Rejection,
    ) -> Decision<CancelHold> {
        Ok(Some(CancelHold {
            hold_id: rejected.hold_id,
        }))
    }

    /// The processor captured the charge of a hold that expired meanwhile: the hold
    /// stays expired and the money goes back, saying why.
    fn compensate_stay_payment_on_payment_captured_on_hold_expired(
        &self,
        rejected: &ConfirmHold,
        rejection: &Rejection,
    ) -> Decision<RefundPayment> {
        Ok(Some(refund(rejected, rejection)))
    }

    /// The processor captured the charge of a hold the guest gave up meanwhile: the
    /// money goes back, saying why.
    fn compensate_stay_payment_on_payment_captured_on_hold_withdrawn(
        &self,
        rejected: &ConfirmHold,
        rejection: &Rejection,
    ) -> Decision<RefundPayment> {
        Ok(Some(refund(rejected, rejection)))
    }

    fn written(&self) -> &'static [&'static str] {
        &[
            "stay_payment_on_hold_placed",
            "stay_payment_on_payment_declined",
            "compensate_stay_payment_on_hold_placed_on_charge_over_limit",
            "compensate_stay_payment_on_payment_captured_on_hold_expired",
            "compensate_stay_payment_on_payment_captured_on_hold_withdrawn",
        ]
    }
}

/// The id of the charge for a hold: a name-based (v5) uuid of the hold's id, so one hold
/// has one charge however often its request is sent.
pub fn payment_id_of(hold_id: uuid::Uuid) -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, hold_id.as_bytes())
}

/// The refund of the refused confirmation's payment; its reason is booking's refusal.
fn refund(rejected: &ConfirmHold, rejection: &Rejection) -> RefundPayment {
    RefundPayment {
        payment_id: rejected.payment_id,
        reason: format!("hold {}: {}", rejected.hold_id, rejection.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn placed(hold_id: uuid::Uuid) -> HoldPlaced {
        HoldPlaced {
            hold_id,
            room: "201".to_owned(),
            guest_name: "Grace Hopper".to_owned(),
            check_in: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date"),
            nights: 2,
            amount: crate::types::Money {
                amount: Decimal::new(31_000, 2),
                currency: "EUR".to_owned(),
            },
        }
    }

    #[test]
    fn a_hold_is_charged_its_price_under_one_id_per_hold() {
        let hold = uuid::Uuid::from_u128(0x1c2d_3e4f_5a6b_4c7d_8e9f_a0b1_c2d3_e4f5);
        let other = uuid::Uuid::from_u128(0x4a5b_6c7d_8e9f_4a0b_9c1d_2e3f_4a5b_6c7d);
        let state = StayPaymentState::default();
        let request = Processes
            .stay_payment_on_hold_placed(&state, &placed(hold))
            .expect("decided")
            .expect("a request");
        assert_eq!(request.hold_id, hold);
        assert_eq!(request.amount.amount, Decimal::new(31_000, 2));
        assert_eq!(request.amount.currency, "EUR");
        let again = Processes
            .stay_payment_on_hold_placed(&state, &placed(hold))
            .expect("decided")
            .expect("a request");
        assert_eq!(again.payment_id, request.payment_id, "one charge per hold");
        assert_ne!(payment_id_of(other), request.payment_id);
        assert_ne!(request.payment_id, hold, "the charge has an id of its own");
    }

    #[test]
    fn a_decline_cancels_a_hold_only_while_it_was_not_given_up() {
        let hold = uuid::Uuid::from_u128(7);
        let declined = PaymentDeclined {
            payment_id: payment_id_of(hold),
            hold_id: hold,
            decline_code: "insufficient_funds".to_owned(),
        };
        let mut state = StayPaymentState::default();
        let cancel = Processes
            .stay_payment_on_payment_declined(&state, &declined)
            .expect("decided");
        assert_eq!(cancel.map(|c| c.hold_id), Some(hold));
        Processes.evolve_stay_payment_on_hold_cancelled(
            &mut state,
            &HoldCancelled {
                hold_id: hold,
                room: "101".to_owned(),
            },
        );
        let nothing = Processes
            .stay_payment_on_payment_declined(&state, &declined)
            .expect("decided");
        assert!(nothing.is_none(), "a released hold is not cancelled again");
    }
}
