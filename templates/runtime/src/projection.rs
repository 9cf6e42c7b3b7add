//! Read models (CQRS queries): a row type per read model, and the row access its
//! projection's handler uses inside the batch transaction: the row of a key (one field,
//! or a composite key's parts, see [`composite_key`]), deleting it, changing every row
//! whose fields equal an event's ([`update_where`]), and appending history rows keyed by
//! the event's position ([`append_row`]).

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
    /// The key fields in key order: one, several for a composite key (the row route then
    /// has one path segment per part), none for a history (rows keyed by position).
    const KEY: &'static [&'static str] = &[];
    /// The fields a list query may filter on (`GET /<read-model>?field=value`); the
    /// projection's worker asks the store for an index on each.
    const FILTERS: &'static [&'static str] = &[];
    /// The fields the store indexes for this table: the filters, and the fields an event
    /// finds rows by (`where:`).
    const INDEXES: &'static [&'static str] = Self::FILTERS;
}

/// The document key of a composite key's parts: a JSON array of strings, so no two lists
/// of parts ever give the same key (a separator could occur inside a part).
pub fn composite_key(parts: &[&str]) -> String {
    serde_json::Value::from(parts.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>()).to_string()
}

/// The document key of a history row: the event's global position, zero-padded to 20
/// digits, so key order is the order of the events.
pub fn position_key(position: u64) -> String {
    format!("{position:020}")
}

/// A value to compare a row field with in [`update_where`], from an event field.
pub fn field_value(value: &impl Serialize) -> Result<crate::Value> {
    serde_json::to_value(value)
        .map_err(|error| Error::InvalidInput(format!("a value cannot be written as JSON: {error}")))
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

/// Lets `apply` change the row `key` when there is one, and makes none otherwise;
/// returns whether there was. The projection of an event that lacks fields a new row
/// needs (an `OrderPaid` without the customer an `OrderPlaced` gives the row) uses it, so
/// a row never holds a default nothing gave it.
pub fn update_existing_row<R: Row>(
    tx: &mut dyn ProjectionTx,
    key: &str,
    apply: impl FnOnce(&mut R),
) -> Result<bool> {
    let Some(doc) = tx.get(R::TABLE, key)? else {
        return Ok(false);
    };
    let mut row: R = row_from(doc, key)?;
    apply(&mut row);
    save_row(tx, key, &row)?;
    Ok(true)
}

/// Removes the row `key` (nothing happens when there is none): an event with
/// `delete: true`.
pub fn delete_row<R: Row>(tx: &mut dyn ProjectionTx, key: &str) -> Result<()> {
    tx.delete(R::TABLE, key)
}

/// Lets `apply` change every row whose fields equal `matching` (JSON equality of each
/// top-level field), creating none: one event updating many rows (`where:`). Returns
/// how many rows it changed.
pub fn update_where<R: Row>(
    tx: &mut dyn ProjectionTx,
    matching: &[(&str, crate::Value)],
    mut apply: impl FnMut(&mut R),
) -> Result<usize> {
    // Scalars narrow the rows by their text form, on the fields' indexes (see
    // `Row::INDEXES`); JSON equality is then checked on each row.
    let filters: Option<Vec<(String, String)>> = matching
        .iter()
        .map(|(field, value)| {
            let text = crate::field_text(&serde_json::json!({ "v": value }), "v")?;
            Some(((*field).to_owned(), text))
        })
        .collect();
    let rows = match filters {
        Some(filters) if crate::validate_field_names(&filters) => {
            tx.list_matching(R::TABLE, &filters)?
        }
        _ => tx.list(R::TABLE)?,
    };
    let mut changed = 0;
    for (key, doc) in rows {
        if !matching
            .iter()
            .all(|(field, value)| doc.get(*field) == Some(value))
        {
            continue;
        }
        let mut row: R = row_from(doc, &key)?;
        apply(&mut row);
        save_row(tx, &key, &row)?;
        changed += 1;
    }
    Ok(changed)
}

/// Appends a history row for the event at `position`: a new row (keyed by
/// [`position_key`]) that `apply` fills. Handled again after a crash, the event writes
/// the same key, so a row is never appended twice.
pub fn append_row<R: Row>(
    tx: &mut dyn ProjectionTx,
    position: u64,
    apply: impl FnOnce(&mut R),
) -> Result<()> {
    let mut row = R::default();
    apply(&mut row);
    save_row(tx, &position_key(position), &row)
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
