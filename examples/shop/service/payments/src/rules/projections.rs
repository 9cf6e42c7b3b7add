// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! How the read models of the `payments` context change with each event.
//!
//! `OrderPayments` copies the order's total from ordering's published `OrderPlaced`
//! (ordering's `Money` is a different type here, so it is converted field by field)
//! and follows the payment's status.

use crate::payment::{PaymentFailed, PaymentRefunded, PaymentRequested, PaymentSucceeded};
use crate::projections::*;
use crate::types::{Money, PaymentStatus};
use crate::upstream::ordering::OrderPlaced;

/// The projection rules of `payments`.
pub struct Projections;

impl ProjectionRules for Projections {
    fn written(&self) -> &'static [&'static str] {
        &["OrderPayments.status"]
    }

    fn order_payments_on_order_placed(&self, row: &mut OrderPayments, event: &OrderPlaced) {
        row.order_id = event.order_id;
        row.total = Money {
            amount: event.total.amount,
            currency: event.total.currency.clone(),
        };
        row.customer_id = Some(event.customer_id);
    }

    fn order_payments_on_payment_requested(
        &self,
        row: &mut OrderPayments,
        event: &PaymentRequested,
    ) {
        row.order_id = event.order_id;
        row.payment_id = Some(event.payment_id);
        row.status = Some(PaymentStatus::Requested);
    }

    fn order_payments_on_payment_succeeded(
        &self,
        row: &mut OrderPayments,
        event: &PaymentSucceeded,
    ) {
        row.status = Some(PaymentStatus::Succeeded);
        row.provider_reference = Some(event.provider_reference.clone());
    }

    fn order_payments_on_payment_failed(&self, row: &mut OrderPayments, _event: &PaymentFailed) {
        row.status = Some(PaymentStatus::Failed);
    }

    fn order_payments_on_payment_refunded(
        &self,
        row: &mut OrderPayments,
        _event: &PaymentRefunded,
    ) {
        row.status = Some(PaymentStatus::Refunded);
    }
}
