// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! What the policies of the `payments` context do with the events they react to.
//!
//! Payments keeps its own copy of each order's total (`OrderPayments`, fed by
//! `ordering.OrderPlaced`), so charging the customer never has to ask ordering:
//! that is event-carried state transfer.

use crate::payment::{RefundPayment, RequestPayment};
use crate::policies::*;
use crate::projections::OrderPayments;
use crate::upstream::inventory::StockReserved;
use crate::upstream::ordering::OrderCancelled;
use stormcraft_runtime::RecordedEvent;

/// The policy rules of `payments`.
pub struct Policies;

impl PolicyRules for Policies {
    /// Stock is set aside: charge the order's total, as payments knows it.
    fn request_payment_when_stock_is_reserved(
        &self,
        event: &StockReserved,
        source: &RecordedEvent,
        views: &Views<'_>,
    ) -> Option<RequestPayment> {
        let order = lookup(views, event.order_id)?;
        // The row is made by `OrderPlaced`, which carries the customer; a row without
        // one would be a bug upstream, and charging nobody is not an answer to it.
        let Some(customer_id) = order.customer_id else {
            eprintln!(
                "payments: order {} has no customer in OrderPayments; no payment requested",
                event.order_id
            );
            return None;
        };
        Some(RequestPayment {
            payment_id: stormcraft_runtime::aggregate::derived_id(source),
            order_id: event.order_id,
            amount: order.total,
            customer_id,
        })
    }

    /// An order was cancelled: give the money back if ordering had accepted its payment.
    ///
    /// Ordering says so in the event (`was_paid`), so the answer does not depend on how
    /// far this context's own read model has got: a payment that succeeds after the
    /// cancellation is refused by ordering, and ordering's recovery refunds it — exactly
    /// one of the two paths refunds an order. The payment's id is the one requested for
    /// the order, which the row holds since long before the order could be paid.
    fn refund_cancelled_orders(
        &self,
        event: &OrderCancelled,
        _source: &RecordedEvent,
        views: &Views<'_>,
    ) -> Option<RefundPayment> {
        if !event.was_paid {
            return None;
        }
        let order = lookup(views, event.order_id)?;
        let Some(payment_id) = order.payment_id else {
            eprintln!(
                "payments: order {} was paid and cancelled, but OrderPayments has no payment for it; no refund issued",
                event.order_id
            );
            return None;
        };
        Some(RefundPayment {
            payment_id,
            order_id: event.order_id,
        })
    }

    fn written(&self) -> &'static [&'static str] {
        &[
            "request_payment_when_stock_is_reserved",
            "refund_cancelled_orders",
        ]
    }
}

/// The order's payment row; a store error is logged and read as "no row", so the
/// policy issues nothing rather than a wrong command.
fn lookup(views: &Views<'_>, order_id: uuid::Uuid) -> Option<OrderPayments> {
    match views.get::<OrderPayments>(&order_id.to_string()) {
        Ok(row) => row,
        Err(error) => {
            eprintln!("payments: cannot read OrderPayments for {order_id}: {error}");
            None
        }
    }
}
