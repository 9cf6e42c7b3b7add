// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! How the read models of the `ordering` context change with each event.
//!
//! The "my orders" page shows where each order stands, so every event sets the
//! row's status; the rest of each row is copied by the generated defaults.

use crate::order::{
    OrderCancelled, OrderDelivered, OrderPaid, OrderPlaced, OrderRefunded, OrderShipped,
};
use crate::projections::*;
use crate::types::OrderStatus;

/// The projection rules of `ordering`.
pub struct Projections;

impl ProjectionRules for Projections {
    fn written(&self) -> &'static [&'static str] {
        &[
            "CustomerOrders.status",
            "CustomerOrders.line_count",
            "CustomerOrders.refunded",
        ]
    }

    fn customer_orders_on_order_placed(&self, row: &mut CustomerOrders, event: &OrderPlaced) {
        row.order_id = event.order_id;
        row.customer_id = event.customer_id;
        row.status = Some(OrderStatus::Placed);
        row.total = event.total.clone();
        row.line_count = Some(event.lines.len() as u32);
        row.placed_at = event.placed_at;
    }

    fn customer_orders_on_order_paid(&self, row: &mut CustomerOrders, _event: &OrderPaid) {
        row.status = Some(OrderStatus::Paid);
    }

    fn customer_orders_on_order_shipped(&self, row: &mut CustomerOrders, event: &OrderShipped) {
        // Shipped and delivered come from two policies on two shipping events, so the
        // carrier's delivery can be recorded first: a delivered order stays delivered.
        if row.status != Some(OrderStatus::Delivered) {
            row.status = Some(OrderStatus::Shipped);
        }
        row.tracking_number = Some(event.tracking_number.clone());
    }

    fn customer_orders_on_order_delivered(&self, row: &mut CustomerOrders, event: &OrderDelivered) {
        row.status = Some(OrderStatus::Delivered);
        row.delivered_at = Some(event.delivered_at);
    }

    fn customer_orders_on_order_cancelled(
        &self,
        row: &mut CustomerOrders,
        _event: &OrderCancelled,
    ) {
        row.status = Some(OrderStatus::Cancelled);
    }

    fn customer_orders_on_order_refunded(&self, row: &mut CustomerOrders, event: &OrderRefunded) {
        row.status = Some(OrderStatus::Refunded);
        row.refunded = Some(event.amount.clone());
    }
}
