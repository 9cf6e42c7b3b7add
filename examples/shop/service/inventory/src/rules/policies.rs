// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! What the policies of the `inventory` context do with the events they react to.
//!
//! A new order's lines arrive in ordering's published language (`OrderLine`, with
//! names and prices); inventory only needs each product and quantity.

use crate::policies::*;
use crate::reservation::ReserveStock;
use crate::types::ReservedLine;
use crate::upstream::ordering::OrderPlaced;
use stormcraft_runtime::RecordedEvent;

/// The policy rules of `inventory`.
pub struct Policies;

impl PolicyRules for Policies {
    fn reserve_stock_for_new_orders(
        &self,
        event: &OrderPlaced,
        _source: &RecordedEvent,
        _views: &Views<'_>,
    ) -> Option<ReserveStock> {
        Some(ReserveStock {
            order_id: event.order_id,
            lines: event
                .lines
                .iter()
                .map(|line| ReservedLine {
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                })
                .collect(),
        })
    }

    fn written(&self) -> &'static [&'static str] {
        &["reserve_stock_for_new_orders"]
    }
}
