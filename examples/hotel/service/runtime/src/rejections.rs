//! Rejected commands, kept as events of the context that issued them.
//!
//! When a business rule refuses a command a policy issued (or a command another context
//! sent through the [inbox](crate::inbox)), the refusal is the flow's outcome, not a
//! failure of the worker: it is recorded as a [`CommandRejected`](EVENT_TYPE) event in
//! the **issuer's** category `<ctx>-Rejection`, one stream per rejection. From there an
//! operator lists them (`GET /<ctx>/rejections`), and the context's recovery worker
//! (`<ctx>.recovery`) applies the model's `on_error` (compensate, record, retry, park).
//!
//! The event id is derived from the cause (the consumer, the event it handled and the
//! command's name), so a policy that handles its event again after a crash before its
//! checkpoint records the rejection once; [`recorded`] tells it the command is settled.

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::aggregate::Cause;
use crate::{Error, ExpectedVersion, NewEvent, RecordedEvent, Result, Store, Uuid, Value};

/// The event type of a rejection.
pub const EVENT_TYPE: &str = "CommandRejected";

/// The schema version of [`Rejection`] payloads.
pub const SCHEMA_VERSION: u32 = 1;

/// How many rejections [`list`] returns when an HTTP client does not say.
pub const DEFAULT_LIMIT: usize = 100;

/// The most rejections one [`list`] call over HTTP may ask for.
pub const MAX_LIMIT: usize = 1000;

/// The stream category of the rejections of the context `context`: `<context>-Rejection`.
pub fn category(context: &str) -> String {
    format!("{context}-Rejection")
}

/// A rejected command, the payload of a `CommandRejected` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// The policy that issued the command (for a retry or a compensation: the policy
    /// whose command was first rejected).
    pub policy: String,
    /// The command's name, e.g. `ReserveStock`.
    pub command: String,
    /// The context of the command (its aggregate's), not necessarily the issuer's.
    pub context: String,
    /// The aggregate stream the command was for; the aggregate's category when the body
    /// did not name one (a body that does not fit), the context for an unknown command.
    pub target: String,
    /// The command as JSON, so it can be issued again.
    pub body: Value,
    /// The business error's name, e.g. `OutOfStock`, or `InvalidCommand`.
    pub error: String,
    /// The business error's message, for people.
    pub message: String,
    /// The event the command was issued in reaction to.
    pub cause: EventRef,
    /// Which attempt this was, from 1; a retry records `attempt + 1`.
    pub attempt: u32,
}

impl Rejection {
    /// The rejected command's body as `C` (the command type of [`Rejection::command`]),
    /// for a recovery rule that builds a compensating command from it.
    pub fn body_as<C: serde::de::DeserializeOwned>(&self) -> Result<C> {
        serde_json::from_value(self.body.clone()).map_err(|error| {
            Error::InvalidInput(format!(
                "the body of the rejected `{}` does not fit `{}`: {error}; register an upcaster if the command changed",
                self.command,
                std::any::type_name::<C>()
            ))
        })
    }
}

/// Which stored event something reacted to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    /// The event's id.
    #[serde(with = "uuid_text")]
    pub event_id: Uuid,
    /// The event's type.
    pub event_type: String,
    /// The event's stream.
    pub stream: String,
    /// The event's global position.
    pub position: u64,
}

impl EventRef {
    /// The reference to `event`.
    pub fn of(event: &RecordedEvent) -> Self {
        EventRef {
            event_id: event.id,
            event_type: event.event_type.clone(),
            stream: event.stream.clone(),
            position: event.position,
        }
    }
}

/// The id of the rejection of `command` issued by `cause`: derived, so handling the same
/// event again names the same rejection.
pub fn rejection_id(cause: Cause<'_>, command: &str) -> Uuid {
    let mut name = Vec::with_capacity(EVENT_TYPE.len() + cause.consumer.len() + command.len() + 18);
    name.extend_from_slice(EVENT_TYPE.as_bytes());
    name.push(0);
    name.extend_from_slice(cause.consumer.as_bytes());
    name.push(0);
    name.extend_from_slice(cause.event.id.as_bytes());
    name.extend_from_slice(command.as_bytes());
    Uuid::new_v5(&Uuid::NAMESPACE_OID, &name)
}

fn stream_of(issuer_context: &str, id: Uuid) -> String {
    format!("{}-{id}", category(issuer_context))
}

/// Records `rejection` in the rejections of `issuer_context`, caused by `cause`, and
/// returns the stored event. Recording the same cause's rejection of the same command
/// again stores nothing and returns the first record.
pub fn record(
    store: &Store,
    cause: Cause<'_>,
    issuer_context: &str,
    rejection: &Rejection,
) -> Result<RecordedEvent> {
    check_context(issuer_context)?;
    let id = rejection_id(cause, &rejection.command);
    let stream = stream_of(issuer_context, id);
    let payload = serde_json::to_value(rejection).map_err(|error| {
        Error::InvalidInput(format!("a rejection cannot be written as JSON: {error}"))
    })?;
    let event = NewEvent::new(EVENT_TYPE, SCHEMA_VERSION, payload)
        .caused_by(cause.event)
        .with_id(id);
    // `NoStream`: an idempotent retry (same id, same stream) is answered with the first
    // append even though the stream exists by then.
    store.append(&stream, ExpectedVersion::NoStream, vec![event])?;
    store
        .read_stream(&stream, 1, 1)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Error::Backend(
                format!("the rejection `{stream}` was appended but cannot be read").into(),
            )
        })
}

/// Whether the rejection of `command` issued by `cause` is recorded in the rejections of
/// `issuer_context`: the command was settled (as rejected) by an earlier handling of the
/// same event, so it must not be carried out now.
pub fn recorded(
    store: &Store,
    cause: Cause<'_>,
    issuer_context: &str,
    command: &str,
) -> Result<bool> {
    check_context(issuer_context)?;
    let stream = stream_of(issuer_context, rejection_id(cause, command));
    Ok(store.stream_version(&stream)? > 0)
}

/// The rejection a `CommandRejected` event holds.
pub fn decode(event: &RecordedEvent) -> Result<Rejection> {
    if event.event_type != EVENT_TYPE {
        return Err(Error::InvalidInput(format!(
            "event `{}` at position {} is not a `{EVENT_TYPE}`",
            event.event_type, event.position
        )));
    }
    crate::aggregate::decode(event)
}

/// The event the rejected command was issued in reaction to (the rejection's cause),
/// upcast to its current schema: what a recovery's `record:` copies the fields of the
/// cause event from.
pub fn cause_event(store: &Store, rejection: &Rejection) -> Result<RecordedEvent> {
    let at = rejection.cause.position;
    store
        .read_all(at.saturating_sub(1), 1)?
        .into_iter()
        .next()
        .filter(|event| event.position == at && event.id == rejection.cause.event_id)
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "the cause of the rejected `{}` (`{}` at position {at}) is not in the store",
                rejection.command, rejection.cause.event_type
            ))
        })
}

/// The newest `limit` rejections of `context`, newest first: each the rejection's fields
/// plus `position`, `stream` and `recorded_at` (RFC 3339, UTC, microseconds).
///
/// Reads the whole category (rejections are few next to the events they react to).
pub fn list(store: &Store, context: &str, limit: usize) -> Result<Vec<Value>> {
    check_context(context)?;
    if limit == 0 {
        return Ok(Vec::new());
    }
    // Only the newest `limit` are kept while the category is read oldest first.
    let mut newest = VecDeque::with_capacity(limit.min(MAX_LIMIT));
    scan(store, context, |event| {
        if newest.len() == limit {
            newest.pop_front();
        }
        newest.push_back(event);
    })?;
    Ok(newest.into_iter().rev().map(listed).collect())
}

/// How many rejections `context` has recorded.
pub fn count(store: &Store, context: &str) -> Result<u64> {
    check_context(context)?;
    let mut n = 0;
    scan(store, context, |_| n += 1)?;
    Ok(n)
}

/// Calls `each` for every rejection of `context`, in global order.
fn scan(store: &Store, context: &str, mut each: impl FnMut(RecordedEvent)) -> Result<()> {
    const PAGE: usize = 1000;
    let category = category(context);
    let mut after = 0;
    loop {
        let page = store.read_category(&category, after, PAGE)?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = last.position;
        let full = page.len() == PAGE;
        for event in page {
            if event.event_type == EVENT_TYPE {
                each(event);
            }
        }
        if !full {
            return Ok(());
        }
    }
}

fn listed(event: RecordedEvent) -> Value {
    let mut fields = match event.payload {
        Value::Object(fields) => fields,
        // Not written by `record`; shown as it is rather than hidden.
        other => {
            let mut fields = serde_json::Map::new();
            fields.insert("payload".into(), other);
            fields
        }
    };
    fields.insert("position".into(), event.position.into());
    fields.insert("stream".into(), event.stream.into());
    fields.insert("recorded_at".into(), rfc3339(event.recorded_at).into());
    Value::Object(fields)
}

/// Context names are the first part of stream names (`<ctx>-...`) and of consumer names
/// (`<ctx>.<Policy>`), so neither separator may appear in one.
fn check_context(context: &str) -> Result<()> {
    if context.is_empty() || context.contains(['-', '.']) {
        return Err(Error::InvalidInput(format!(
            "`{}` is not a context name: it must be non-empty, without `-` or `.`",
            context.escape_debug()
        )));
    }
    Ok(())
}

/// `t` as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC); times before 1970 as the epoch.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        d.subsec_micros()
    )
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// UUIDs as their hyphenated text in payloads (the crate's `uuid` has no serde feature).
pub(crate) mod uuid_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::Uuid;

    pub fn serialize<S: Serializer>(id: &Uuid, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(id)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Uuid, D::Error> {
        let text = String::deserialize(deserializer)?;
        Uuid::parse_str(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let t = UNIX_EPOCH + Duration::from_micros(951_782_400_000_000 + 3_723_000_042);
        assert_eq!(rfc3339(t), "2000-02-29T01:02:03.000042Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_735_689_599);
        assert_eq!(rfc3339(t), "2024-12-31T23:59:59.000000Z");
    }

    #[test]
    fn context_names_are_checked() {
        let store = crate::open("memory:").unwrap();
        for bad in ["", "a-b", "a.b"] {
            assert!(matches!(count(&store, bad), Err(Error::InvalidInput(_))));
        }
        assert_eq!(count(&store, "shop").unwrap(), 0);
        assert!(list(&store, "shop", 0).unwrap().is_empty());
    }
}
