// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! The business rules of the `StockItem` aggregate (state-stored: its state row and
//! its events are written in one transaction).
//!
//! A delivery holds at least one unit, and no adjustment may leave a negative count.

use crate::stock_item::*;

/// The rules of `StockItem`.
pub struct StockItemRules;

impl Rules for StockItemRules {
    fn receive_stock(
        &self,
        _state: &State,
        command: &ReceiveStock,
    ) -> Result<ReceiveStockOutcome, Error> {
        if command.quantity == 0 {
            return Err(Error::ZeroQuantity);
        }
        Ok(StockReceived {
            sku: command.sku.clone(),
            quantity: command.quantity,
            received_at: stormcraft_runtime::aggregate::decision_time().into(),
        }
        .into())
    }

    fn adjust_stock(
        &self,
        state: &State,
        command: &AdjustStock,
    ) -> Result<AdjustStockOutcome, Error> {
        if i64::from(state.on_hand) + i64::from(command.difference) < 0 {
            return Err(Error::NegativeStock);
        }
        Ok(StockAdjusted {
            sku: command.sku.clone(),
            difference: command.difference,
            reason: command.reason,
        }
        .into())
    }

    fn apply_stock_received(&self, state: &mut State, event: &StockReceived) {
        state.on_hand = state.on_hand.saturating_add(event.quantity);
    }

    fn apply_stock_adjusted(&self, state: &mut State, event: &StockAdjusted) {
        state.on_hand = state.on_hand.saturating_add_signed(event.difference);
    }

    fn written(&self) -> &'static [&'static str] {
        &["ReceiveStock", "AdjustStock"]
    }
}
