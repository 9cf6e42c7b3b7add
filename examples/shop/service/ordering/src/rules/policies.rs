// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! What the policies of the `ordering` context do with the events they react to.
//!
//! Each policy has a default in the generated `src/policies.rs` (trait `PolicyRules`):
//! it builds its command by copying fields by name from the event. Override a method
//! here to build the command differently, or return `None` to issue nothing.

use crate::order::{CancelOrder, MarkOrderPaid, MarkOrderRefunded, OrderPlaced};
use crate::policies::*;
use crate::types::{CancellationReason, Money};
use crate::upstream::inventory::StockReservationFailed;
use crate::upstream::payments::{PaymentFailed, PaymentRefunded, RefundPayment};

/// The policy rules of `ordering`.
pub struct Policies;

impl PolicyRules for Policies {
    /// A declined payment cancels the order, saying so.
    fn cancel_order_when_payment_fails(
        &self,
        event: &PaymentFailed,
        _source: &RecordedEvent,
        _views: &Views<'_>,
    ) -> Option<CancelOrder> {
        Some(CancelOrder {
            order_id: event.order_id,
            reason: CancellationReason::PaymentDeclined,
        })
    }

    /// Missing stock cancels the order, saying so.
    fn cancel_order_when_out_of_stock(
        &self,
        event: &StockReservationFailed,
        _source: &RecordedEvent,
        _views: &Views<'_>,
    ) -> Option<CancelOrder> {
        Some(CancelOrder {
            order_id: event.order_id,
            reason: CancellationReason::OutOfStock,
        })
    }

    /// The refund's amount is the one payments gave back.
    fn mark_refunded_when_payment_is_refunded(
        &self,
        event: &PaymentRefunded,
        _source: &RecordedEvent,
        _views: &Views<'_>,
    ) -> Option<MarkOrderRefunded> {
        Some(MarkOrderRefunded {
            order_id: event.order_id,
            amount: Money {
                amount: event.amount.amount,
                currency: event.amount.currency.clone(),
            },
        })
    }

    /// Thirty minutes after the order was placed, no payment went through and nobody
    /// cancelled it: it is cancelled for that reason (not a made-up default one).
    fn cancel_unpaid_orders(
        &self,
        event: &OrderPlaced,
        _source: &RecordedEvent,
        _views: &Views<'_>,
    ) -> Option<CancelOrder> {
        Some(CancelOrder {
            order_id: event.order_id,
            reason: CancellationReason::PaymentTimeout,
        })
    }

    /// The provider confirmed a payment for an order that was cancelled meanwhile: the
    /// order stays cancelled and the money goes back. The payment is the one whose
    /// `PaymentSucceeded` the refused `MarkOrderPaid` reacted to (its stream is
    /// `payments-Payment-<payment_id>`).
    fn compensate_mark_paid_when_payment_succeeds_on_order_already_cancelled(
        &self,
        rejected: &MarkOrderPaid,
        rejection: &Rejection,
    ) -> Option<RefundPayment> {
        let payment_id = rejection
            .cause
            .stream
            .strip_prefix("payments-Payment-")
            .and_then(|id| id.parse::<uuid::Uuid>().ok());
        let Some(payment_id) = payment_id else {
            eprintln!(
                "ordering: the refused MarkOrderPaid of order {} was not caused by a payment event (cause stream `{}`); nothing to refund",
                rejected.order_id, rejection.cause.stream
            );
            return None;
        };
        Some(RefundPayment {
            payment_id,
            order_id: rejected.order_id,
        })
    }

    fn written(&self) -> &'static [&'static str] {
        &[
            "cancel_order_when_payment_fails",
            "cancel_order_when_out_of_stock",
            "mark_refunded_when_payment_is_refunded",
            "cancel_unpaid_orders",
            "compensate_mark_paid_when_payment_succeeds_on_order_already_cancelled",
        ]
    }
}
