// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! What the policies of the `payments` context do with the events they react to.
//!
//! Booking's `HoldPlaced` carries the price of the stay, so charging the guest never
//! has to ask booking; a cancelled stay is refunded only when its charge was captured
//! (payments' own `HoldPayments` says so).

use crate::payment::{RefundPayment, RequestPayment};
use crate::policies::*;
use crate::projections::HoldPayments;
use crate::types::{Money, PaymentStatus};
use crate::upstream::booking::{HoldPlaced, StayCancelled};

/// The policy rules of `payments`.
pub struct Policies;

impl PolicyRules for Policies {
    /// A room is held: charge the price booking put on the stay. The payment's id is
    /// derived from the `HoldPlaced` event, so handling it again asks for the same charge.
    fn request_payment_for_holds(
        &self,
        event: &HoldPlaced,
        source: &RecordedEvent,
        _views: &Views<'_>,
    ) -> Option<RequestPayment> {
        Some(RequestPayment {
            payment_id: stormcraft_runtime::aggregate::derived_id(source),
            hold_id: event.hold_id,
            amount: Money {
                amount: event.amount.amount,
                currency: event.amount.currency.clone(),
            },
        })
    }

    /// A confirmed stay was cancelled: give its money back, if it was taken and not
    /// given back yet.
    fn refund_cancelled_stays(
        &self,
        event: &StayCancelled,
        _source: &RecordedEvent,
        views: &Views<'_>,
    ) -> Option<RefundPayment> {
        let payment = match views.get::<HoldPayments>(&event.hold_id.to_string()) {
            Ok(payment) => payment?,
            Err(error) => {
                eprintln!(
                    "payments: cannot read the charge of the cancelled stay {}: {error}",
                    event.hold_id
                );
                return None;
            }
        };
        (payment.status == Some(PaymentStatus::Captured)).then(|| RefundPayment {
            payment_id: payment.payment_id,
            reason: format!(
                "the guest cancelled the stay in room {} from {}",
                event.room, event.check_in
            ),
        })
    }

    fn written(&self) -> &'static [&'static str] {
        &["request_payment_for_holds", "refund_cancelled_stays"]
    }
}
