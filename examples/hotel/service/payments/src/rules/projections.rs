// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! How the read models of the `payments` context change with each event.
//!
//! `HoldPayments` shows where each hold's charge stands, so every event sets the row's
//! status; the rest of each row is copied by the generated defaults.

use crate::payment::{PaymentCaptured, PaymentDeclined, PaymentRefunded, PaymentRequested};
use crate::projections::*;
use crate::types::PaymentStatus;

/// The projection rules of `payments`.
pub struct Projections;

impl ProjectionRules for Projections {
    fn written(&self) -> &'static [&'static str] {
        &["HoldPayments.status", "HoldPayments.refund_reason"]
    }

    fn hold_payments_on_payment_requested(&self, row: &mut HoldPayments, event: &PaymentRequested) {
        row.hold_id = event.hold_id;
        row.payment_id = event.payment_id;
        row.amount = event.amount.clone();
        row.status = Some(PaymentStatus::Requested);
    }

    fn hold_payments_on_payment_captured(&self, row: &mut HoldPayments, event: &PaymentCaptured) {
        row.status = Some(PaymentStatus::Captured);
        row.authorization = Some(event.authorization.clone());
    }

    fn hold_payments_on_payment_declined(&self, row: &mut HoldPayments, event: &PaymentDeclined) {
        row.status = Some(PaymentStatus::Declined);
        row.decline_code = Some(event.decline_code.clone());
    }

    fn hold_payments_on_payment_refunded(&self, row: &mut HoldPayments, event: &PaymentRefunded) {
        row.status = Some(PaymentStatus::Refunded);
        row.refund_reason = Some(event.reason.clone());
    }
}
