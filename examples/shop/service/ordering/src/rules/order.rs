// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! The business rules of the `Order` aggregate.
//!
//! The rules below are the shop's own: an order needs lines, each of at least one item
//! at a price above zero, all in one currency; its total is the sum of its lines (an
//! order too large to add up is refused, never wrapped or rounded); only an order that
//! was placed can be paid, shipped, delivered, refunded or cancelled, and an order
//! that has shipped can no longer be cancelled. Everything not overridden here keeps
//! the generated default of [`Rules`].

use crate::order::*;
use crate::types::{Money, OrderStatus};

/// The rules of `Order`.
pub struct OrderRules;

/// An order exists once `OrderPlaced` set its customer.
fn is_placed(state: &State) -> bool {
    !state.customer_id.is_nil()
}

impl Rules for OrderRules {
    fn place_order(&self, state: &State, command: &PlaceOrder) -> Result<PlaceOrderOutcome, Error> {
        if is_placed(state) {
            return Err(Error::OrderAlreadyPlaced);
        }
        let Some(first) = command.lines.first() else {
            return Err(Error::EmptyOrder);
        };
        let currency = first.unit_price.currency.clone();
        let mut amount = rust_decimal::Decimal::ZERO;
        for line in &command.lines {
            if line.quantity == 0 || line.unit_price.amount <= rust_decimal::Decimal::ZERO {
                return Err(Error::InvalidLine);
            }
            if line.unit_price.currency != currency {
                return Err(Error::MixedCurrencies);
            }
            amount = line
                .unit_price
                .amount
                .checked_mul(rust_decimal::Decimal::from(line.quantity))
                .and_then(|line_total| amount.checked_add(line_total))
                .ok_or(Error::TotalTooLarge)?;
        }
        Ok(OrderPlaced {
            order_id: command.order_id,
            customer_id: command.customer_id,
            lines: command.lines.clone(),
            total: Money { amount, currency },
            shipping_address: command.shipping_address.clone(),
            coupon_code: command.coupon_code.clone(),
            placed_at: stormcraft_runtime::aggregate::decision_time().into(),
        }
        .into())
    }

    fn cancel_order(
        &self,
        state: &State,
        command: &CancelOrder,
    ) -> Result<CancelOrderOutcome, Error> {
        if !is_placed(state) {
            return Err(Error::OrderNotFound);
        }
        match state.status {
            OrderStatus::Shipped | OrderStatus::Delivered => Err(Error::OrderAlreadyShipped),
            OrderStatus::Cancelled | OrderStatus::Refunded => Err(Error::OrderAlreadyCancelled),
            OrderStatus::Placed | OrderStatus::Paid => Ok(OrderCancelled {
                order_id: command.order_id,
                reason: command.reason,
                cancelled_at: stormcraft_runtime::aggregate::decision_time().into(),
                was_paid: state.status == OrderStatus::Paid,
            }
            .into()),
        }
    }

    fn mark_order_paid(
        &self,
        state: &State,
        command: &MarkOrderPaid,
    ) -> Result<MarkOrderPaidOutcome, Error> {
        if !is_placed(state) {
            return Err(Error::OrderNotFound);
        }
        if matches!(state.status, OrderStatus::Cancelled | OrderStatus::Refunded) {
            return Err(Error::OrderAlreadyCancelled);
        }
        Ok(OrderPaid {
            order_id: command.order_id,
            paid_at: stormcraft_runtime::aggregate::decision_time().into(),
        }
        .into())
    }

    fn mark_order_shipped(
        &self,
        state: &State,
        command: &MarkOrderShipped,
    ) -> Result<MarkOrderShippedOutcome, Error> {
        if !is_placed(state) {
            return Err(Error::OrderNotFound);
        }
        Ok(OrderShipped {
            order_id: command.order_id,
            tracking_number: command.tracking_number.clone(),
            shipped_at: stormcraft_runtime::aggregate::decision_time().into(),
        }
        .into())
    }

    fn mark_order_delivered(
        &self,
        state: &State,
        command: &MarkOrderDelivered,
    ) -> Result<MarkOrderDeliveredOutcome, Error> {
        if !is_placed(state) {
            return Err(Error::OrderNotFound);
        }
        Ok(OrderDelivered {
            order_id: command.order_id,
            delivered_at: command.delivered_at,
        }
        .into())
    }

    fn mark_order_refunded(
        &self,
        state: &State,
        command: &MarkOrderRefunded,
    ) -> Result<MarkOrderRefundedOutcome, Error> {
        if !is_placed(state) {
            return Err(Error::OrderNotFound);
        }
        Ok(OrderRefunded {
            order_id: command.order_id,
            amount: command.amount.clone(),
        }
        .into())
    }

    fn apply_order_cancelled(&self, state: &mut State, _event: &OrderCancelled) {
        state.status = OrderStatus::Cancelled;
    }

    fn apply_order_paid(&self, state: &mut State, _event: &OrderPaid) {
        state.status = OrderStatus::Paid;
    }

    fn apply_order_shipped(&self, state: &mut State, _event: &OrderShipped) {
        state.status = OrderStatus::Shipped;
    }

    fn apply_order_delivered(&self, state: &mut State, _event: &OrderDelivered) {
        state.status = OrderStatus::Delivered;
    }

    fn apply_order_refunded(&self, state: &mut State, _event: &OrderRefunded) {
        state.status = OrderStatus::Refunded;
    }

    fn written(&self) -> &'static [&'static str] {
        &[
            "PlaceOrder",
            "CancelOrder",
            "MarkOrderPaid",
            "MarkOrderShipped",
            "MarkOrderDelivered",
            "MarkOrderRefunded",
        ]
    }
}
