// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! What the policies of the `payments` context do with the events they react to.
//!
//! The charge of a hold is requested by booking's `StayPayment` process, through this
//! context's inbox; the policy here refunds a cancelled stay, only when its charge was
//! captured (payments' own `HoldPayments` says so).

use crate::payment::RefundPayment;
use crate::policies::*;
use crate::projections::HoldPayments;
use crate::types::PaymentStatus;
use crate::upstream::booking::StayCancelled;

/// The policy rules of `payments`.
pub struct Policies;

impl PolicyRules for Policies {
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
        &["refund_cancelled_stays"]
    }
}
