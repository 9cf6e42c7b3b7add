// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! The business rules of the `Reservation` aggregate.
//!
//! The shop sets aside at most `MAX_UNITS_PER_LINE` units of one product for one
//! order (a line asking for more is short: the out-of-stock path that cancels the
//! order). A reservation is made once, and released or committed only while it
//! holds stock; once committed (the units left with the parcel) it holds none.

use crate::reservation::*;
use crate::types::StockShortage;

/// The rules of `Reservation`.
pub struct ReservationRules;

/// The most units of one product one order can reserve.
pub const MAX_UNITS_PER_LINE: u32 = 10;

/// Whether the reservation holds stock that can be released or committed.
fn holds_stock(state: &State) -> bool {
    !state.lines.is_empty() && !state.released && !state.committed
}

impl Rules for ReservationRules {
    fn reserve_stock(
        &self,
        state: &State,
        command: &ReserveStock,
    ) -> Result<ReserveStockOutcome, Error> {
        if !state.lines.is_empty() {
            return Err(Error::AlreadyReserved);
        }
        let shortages: Vec<StockShortage> = command
            .lines
            .iter()
            .filter(|line| line.quantity > MAX_UNITS_PER_LINE)
            .map(|line| StockShortage {
                sku: line.sku.clone(),
                requested: line.quantity,
                available: MAX_UNITS_PER_LINE,
            })
            .collect();
        if !shortages.is_empty() {
            return Ok(StockReservationFailed {
                order_id: command.order_id,
                shortages,
            }
            .into());
        }
        let mut quantities_by_sku = std::collections::BTreeMap::new();
        for line in &command.lines {
            *quantities_by_sku.entry(line.sku.clone()).or_insert(0) += line.quantity;
        }
        Ok(StockReserved {
            order_id: command.order_id,
            lines: command.lines.clone(),
            quantities_by_sku,
        }
        .into())
    }

    fn release_stock(
        &self,
        state: &State,
        command: &ReleaseStock,
    ) -> Result<ReleaseStockOutcome, Error> {
        if !holds_stock(state) {
            return Err(Error::NothingReserved);
        }
        Ok(StockReleased {
            order_id: command.order_id,
            lines: state.lines.clone(),
        }
        .into())
    }

    fn commit_reservation(
        &self,
        state: &State,
        command: &CommitReservation,
    ) -> Result<CommitReservationOutcome, Error> {
        if state.committed {
            return Err(Error::ReservationAlreadyCommitted);
        }
        if !holds_stock(state) {
            return Err(Error::NothingReserved);
        }
        Ok(ReservationCommitted {
            order_id: command.order_id,
            committed_at: stormcraft_runtime::aggregate::decision_time().into(),
        }
        .into())
    }

    fn apply_stock_released(&self, state: &mut State, _event: &StockReleased) {
        state.released = true;
    }

    fn apply_reservation_committed(&self, state: &mut State, _event: &ReservationCommitted) {
        state.committed = true;
    }

    fn written(&self) -> &'static [&'static str] {
        &["ReserveStock", "ReleaseStock", "CommitReservation"]
    }
}
