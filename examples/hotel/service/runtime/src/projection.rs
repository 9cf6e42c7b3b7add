//! Read models (CQRS queries): a row type per read model, and the row access its
//! projection's handler uses inside the batch transaction.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Error, ProjectionTx, Result};

/// A read model's row type.
pub trait Row: Default + Serialize + DeserializeOwned + Send + 'static {
    /// The document table of the rows, also the consumer name of the projection.
    const TABLE: &'static str;
    /// The (stream category, event type) pairs the projection handles: its subscription
    /// filter, and what [`crate::policy::Views`] checks to know the row is current.
    const EVENTS: &'static [(&'static str, &'static str)];
}

/// The row stored under `key`, or a new (default) row.
pub fn load_row<R: Row>(tx: &dyn ProjectionTx, key: &str) -> Result<R> {
    match tx.get(R::TABLE, key)? {
        Some(doc) => row_from(doc, key),
        None => Ok(R::default()),
    }
}

/// Writes a row in the batch's transaction.
pub fn save_row<R: Row>(tx: &mut dyn ProjectionTx, key: &str, row: &R) -> Result<()> {
    let doc = serde_json::to_value(row).map_err(|error| {
        Error::InvalidInput(format!(
            "a row of `{}` cannot be written as JSON: {error}",
            R::TABLE
        ))
    })?;
    tx.put(R::TABLE, key, doc)
}

/// Loads the row `key` (or a new one), lets `apply` change it, and writes it back: what a
/// projection does for each event.
pub fn update_row<R: Row>(
    tx: &mut dyn ProjectionTx,
    key: &str,
    apply: impl FnOnce(&mut R),
) -> Result<()> {
    let mut row: R = load_row(tx, key)?;
    apply(&mut row);
    save_row(tx, key, &row)
}

/// A stored row as `R`.
pub(crate) fn row_from<R: Row>(doc: crate::Value, key: &str) -> Result<R> {
    serde_json::from_value(doc).map_err(|error| {
        Error::InvalidInput(format!(
            "the row `{key}` of `{}` does not fit its type: {error}; rebuild the read model",
            R::TABLE
        ))
    })
}
