// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! What the policies of the `booking` context do with the events they react to.
//!
//! The deadline (`ExpireUnpaidHolds`) and the confirmation of a captured charge
//! (`ConfirmPaidHolds`) keep their generated defaults: their commands are the hold's
//! id (and the payment's), copied from the event. Written here: the condition of
//! cancelling a hold whose card was declined, and the refunds that compensate a
//! confirmation booking refused.

use crate::policies::*;
use crate::projections::Holds;
use crate::room_hold::{CancelHold, ConfirmHold};
use crate::types::HoldStatus;
use crate::upstream::payments::{PaymentDeclined, RefundPayment};

/// The policy rules of `booking`.
pub struct Policies;

impl PolicyRules for Policies {
    /// The card was declined: the hold is given up at once, but only while it still
    /// waits for its payment (an expired or cancelled one has nothing left to give up).
    fn cancel_holds_when_card_is_declined(
        &self,
        event: &PaymentDeclined,
        _source: &RecordedEvent,
        views: &Views<'_>,
    ) -> Option<CancelHold> {
        let hold = match views.get::<Holds>(&event.hold_id.to_string()) {
            Ok(hold) => hold?,
            Err(error) => {
                eprintln!(
                    "booking: cannot read the hold {} its declined card is for: {error}",
                    event.hold_id
                );
                return None;
            }
        };
        (hold.status == Some(HoldStatus::Held)).then_some(CancelHold {
            hold_id: event.hold_id,
        })
    }

    /// The processor captured the charge of a hold that expired meanwhile: the hold
    /// stays expired and the money goes back, saying why.
    fn compensate_confirm_paid_holds_on_hold_expired(
        &self,
        rejected: &ConfirmHold,
        rejection: &Rejection,
    ) -> Option<RefundPayment> {
        Some(refund(rejected, rejection))
    }

    /// The processor captured the charge of a hold the guest cancelled meanwhile: the
    /// money goes back, saying why.
    fn compensate_confirm_paid_holds_on_hold_withdrawn(
        &self,
        rejected: &ConfirmHold,
        rejection: &Rejection,
    ) -> Option<RefundPayment> {
        Some(refund(rejected, rejection))
    }

    fn written(&self) -> &'static [&'static str] {
        &[
            "cancel_holds_when_card_is_declined",
            "compensate_confirm_paid_holds_on_hold_expired",
            "compensate_confirm_paid_holds_on_hold_withdrawn",
        ]
    }
}

/// The refund of the refused confirmation's payment; its reason is booking's refusal.
fn refund(rejected: &ConfirmHold, rejection: &Rejection) -> RefundPayment {
    RefundPayment {
        payment_id: rejected.payment_id,
        reason: format!("hold {}: {}", rejected.hold_id, rejection.message),
    }
}
