//! Process managers: one instance per value of a correlation key, whose state is
//! event-sourced in a stream of its own.
//!
//! A process's instances live in the category `<context>-<Process>`, one stream per key
//! (`<context>-<Process>-<key>`). The stream records, per handled event, an
//! [`EVENT_HANDLED`] entry naming the event (its type, id, stream and payload), the
//! [`DEADLINE_DUE`] events its deadlines' timers append, and [`PROCESS_COMPLETED`] when an
//! event completes the instance. The state the rules see is the fold of the handled
//! entries (the generated `evolve`), so nothing but the stream is needed after a restart.
//!
//! [`handle`] is the whole of a process's worker: for an event it handles, it loads the
//! instance of the event's key and
//! - ignores the event when the instance is completed, or when there is no instance and
//!   the event does not start one (both logged);
//! - appends the entry (and the completion) with the version it loaded, loading again
//!   when another writer got there first;
//! - calls `react` with the handled entries up to this one, which issues the process's
//!   commands with the event as the cause (so they are carried out once per event);
//! - starts the deadlines when the event creates the instance, and cancels those the
//!   event stops (all of them when it completes the instance).
//!
//! An event whose entry is already in the stream — handled before a crash, say between
//! the append and the worker's checkpoint — is not recorded again; `react` and the timers
//! run again with the same history, and both are idempotent (command ids and timer ids
//! derive from the event), so each event is recorded, and acted on, once.
//!
//! A deadline's timer is due at the starting event's record time plus the delay (so
//! handling the start again schedules the same timer), and fires by appending
//! [`DEADLINE_DUE`] to the instance's stream; [`handle`] then calls `react` for the
//! deadline, unless the instance completed or an event cancelling it was recorded first.

use std::time::Duration;

use serde_json::json;

use crate::aggregate::Cause;
use crate::inbox::Origin;
use crate::rejections::{self, EventRef, Rejection};
use crate::timer::Timer;
use crate::{
    derived_event_id, in_category, Error, EventSelector, ExpectedVersion, NewEvent, RecordedEvent,
    Result, Store, Uuid, Value,
};

/// The entry recorded for each handled event.
pub const EVENT_HANDLED: &str = "EventHandled";
/// The entry recorded when an event completes the instance.
pub const PROCESS_COMPLETED: &str = "ProcessCompleted";
/// The event a deadline's timer appends to the instance's stream.
pub const DEADLINE_DUE: &str = "DeadlineDue";

/// How many times [`handle`] loads the instance again when another writer appended
/// first, before it fails (and the worker handles the event again after a pause).
pub const ATTEMPTS: usize = 10;

/// One event a process handles.
#[derive(Debug, Clone, Copy)]
pub struct Handles {
    /// The stream category of the event (its aggregate's, in any context).
    pub category: &'static str,
    /// The event type.
    pub event_type: &'static str,
    /// The event's field that holds the process key.
    pub key_field: &'static str,
    /// The event starts an instance.
    pub start: bool,
    /// The event completes the instance.
    pub complete: bool,
    /// The deadlines (by name) the event cancels.
    pub cancels: &'static [&'static str],
}

/// A deadline of a process: started when an instance starts.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    /// Its name, in the model's spelling.
    pub name: &'static str,
    /// The delay after the starting event.
    pub after: Duration,
}

/// What the runtime knows of a process. `const`-constructible, like a worker table.
#[derive(Debug, Clone, Copy)]
pub struct Process {
    /// The consumer name (`<context>.<Process>`): the worker's checkpoint key and the
    /// issuer of its commands.
    pub consumer: &'static str,
    /// The stream category of its instances, `<context>-<Process>`.
    pub category: &'static str,
    /// The events it handles.
    pub handles: &'static [Handles],
    /// Its deadlines.
    pub deadlines: &'static [Deadline],
}

impl Process {
    /// The events its worker reads: the handled ones, and its own deadlines' events.
    pub fn selectors(&self) -> Vec<EventSelector> {
        let mut selectors: Vec<EventSelector> = self
            .handles
            .iter()
            .map(|h| EventSelector::new(h.category, h.event_type))
            .collect();
        if !self.deadlines.is_empty() {
            selectors.push(EventSelector::new(self.category, DEADLINE_DUE));
        }
        selectors
    }

    /// The stream of the instance of `key`.
    pub fn stream(&self, key: &str) -> String {
        format!("{}-{key}", self.category)
    }

    /// The timer of deadline `name` of the instance of `key`: one per process, key and
    /// deadline, so handling the start again replaces it rather than adding one.
    pub fn timer_id(&self, key: &str, name: &str) -> String {
        format!("{}/{key}/{name}", self.consumer)
    }

    fn handles_of(&self, event: &RecordedEvent) -> Option<&Handles> {
        self.handles
            .iter()
            .find(|h| h.event_type == event.event_type && in_category(&event.stream, h.category))
    }
}

/// A handled event as the process's rules see it (an [`EVENT_HANDLED`] entry).
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// The handled event's type.
    pub event_type: &'a str,
    /// The handled event's stream (it tells apart two handled events of the same type
    /// name from different contexts).
    pub stream: &'a str,
    /// The handled event's payload.
    pub payload: &'a Value,
}

impl Entry<'_> {
    /// Whether the entry is of `event_type` from the category `category`.
    pub fn is(&self, category: &str, event_type: &str) -> bool {
        self.event_type == event_type && in_category(self.stream, category)
    }

    /// The handled event's payload as `E` (the event's struct).
    pub fn decode<E: serde::de::DeserializeOwned>(&self) -> Result<E> {
        serde_json::from_value(self.payload.clone()).map_err(|error| {
            Error::InvalidInput(format!(
                "the recorded `{}` of a process instance does not fit `{}`: {error}",
                self.event_type,
                std::any::type_name::<E>()
            ))
        })
    }
}

/// What `react` is asked to do.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// The event acted on (a handled event, or the deadline's [`DEADLINE_DUE`]): the
    /// cause of the commands issued now.
    pub cause: Cause<'a>,
    /// The instance's key.
    pub key: &'a str,
    /// The handled entries to fold into the state, in order: up to and including the
    /// event acted on, or, for a deadline, those recorded before it fired.
    pub history: &'a [Entry<'a>],
    /// The deadline whose time is up, when that is what happened.
    pub deadline: Option<&'a str>,
}

impl Step<'_> {
    /// Whether the event acted on is of `event_type` from the category `category`.
    pub fn is(&self, category: &str, event_type: &str) -> bool {
        self.cause.event.event_type == event_type && in_category(&self.cause.event.stream, category)
    }
}

/// What [`handle`] did with an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// Recorded in the instance's stream and acted on.
    Recorded,
    /// Recorded by an earlier handling: acted on again, idempotently.
    Replayed,
    /// A deadline's time was up; acted on.
    DeadlineFired,
    /// Ignored: not an event of this process, or without a key.
    NotHandled,
    /// Ignored: no instance of its key, and the event does not start one.
    NoInstance,
    /// Ignored: the instance of its key is completed (or, for a deadline, the deadline
    /// was cancelled first).
    Completed,
}

/// The key as text: a string as it is, a number or a boolean in its JSON form; `None`
/// for a missing or null field.
pub fn key_of(payload: &Value, field: &str) -> Option<String> {
    match payload.get(field)? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Handles one event of `process`'s worker (see the module documentation); `react`
/// issues the commands of the process's rules.
pub fn handle(
    store: &Store,
    cause: Cause<'_>,
    process: &Process,
    react: &mut dyn FnMut(Step<'_>) -> Result<()>,
) -> Result<Handled> {
    let event = cause.event;
    if event.event_type == DEADLINE_DUE && in_category(&event.stream, process.category) {
        return deadline(store, cause, process, react);
    }
    let Some(handles) = process.handles_of(event) else {
        return Ok(Handled::NotHandled);
    };
    let Some(key) = key_of(&event.payload, handles.key_field) else {
        eprintln!(
            "process `{}`: `{}` at position {} has no value for `{}`, the process key; ignored",
            process.consumer, event.event_type, event.position, handles.key_field
        );
        return Ok(Handled::NotHandled);
    };
    let stream = process.stream(&key);
    for _ in 0..ATTEMPTS {
        let records = store.read_stream(&stream, 1, usize::MAX)?;
        if let Some(index) = records.iter().position(|r| is_entry_of(r, event)) {
            act(
                store,
                cause,
                process,
                handles,
                &key,
                &records[..=index],
                react,
            )?;
            return Ok(Handled::Replayed);
        }
        if records.iter().any(|r| r.event_type == PROCESS_COMPLETED) {
            return Ok(Handled::Completed);
        }
        if records.is_empty() && !handles.start {
            return Ok(Handled::NoInstance);
        }
        let mut entries = vec![NewEvent::new(
            EVENT_HANDLED,
            1,
            json!({
                "event_type": event.event_type,
                "event_id": event.id.to_string(),
                "stream": event.stream,
                // The payload's version, so the entry is upcast when the event changes.
                "schema_version": event.schema_version,
                "payload": event.payload,
            }),
        )
        .with_id(derived_event_id(process.consumer, event, 0))
        .caused_by(event)];
        if handles.complete {
            entries.push(
                NewEvent::new(PROCESS_COMPLETED, 1, json!({ "by": event.id.to_string() }))
                    .with_id(derived_event_id(process.consumer, event, 1))
                    .caused_by(event),
            );
        }
        let version = records.len() as u64;
        match store.append(&stream, ExpectedVersion::Exact(version), entries) {
            Ok(_) => {}
            Err(Error::WrongExpectedVersion { .. }) => continue,
            Err(error) => return Err(error),
        }
        let mut recorded = records;
        recorded.extend(store.read_stream(&stream, version + 1, 1)?);
        act(store, cause, process, handles, &key, &recorded, react)?;
        return Ok(Handled::Recorded);
    }
    Err(Error::Backend(
        format!(
            "process `{}`: the instance `{stream}` kept changing while `{}` was recorded; will retry",
            process.consumer, event.event_type
        )
        .into(),
    ))
}

/// Whether `record` is the entry of `event`.
fn is_entry_of(record: &RecordedEvent, event: &RecordedEvent) -> bool {
    record.event_type == EVENT_HANDLED
        && record.payload.get("event_id").and_then(Value::as_str) == Some(&event.id.to_string())
}

/// A handled entry as read: its event's type, stream and payload, upcast to the event's
/// current schema version by the store's upcasters (an entry records the version it was
/// handled at; one written before versions were recorded is taken as version 1).
struct Read {
    event_type: String,
    stream: String,
    payload: Value,
}

/// The handled entries among `records`, upcast.
fn read_entries(store: &Store, records: &[RecordedEvent]) -> Result<Vec<Read>> {
    let mut read = Vec::new();
    for r in records.iter().filter(|r| r.event_type == EVENT_HANDLED) {
        let field = |name: &str| r.payload.get(name).and_then(Value::as_str);
        let (Some(event_type), Some(stream), Some(payload)) = (
            field("event_type"),
            field("stream"),
            r.payload.get("payload"),
        ) else {
            continue;
        };
        let schema_version = r
            .payload
            .get("schema_version")
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(1);
        let upcast = store.upcasters.upcast(RecordedEvent {
            stream: stream.to_owned(),
            event_type: event_type.to_owned(),
            schema_version,
            payload: payload.clone(),
            ..r.clone()
        })?;
        read.push(Read {
            event_type: upcast.event_type,
            stream: upcast.stream,
            payload: upcast.payload,
        });
    }
    Ok(read)
}

/// The entries the rules see, borrowing from `read`.
fn entries(read: &[Read]) -> Vec<Entry<'_>> {
    read.iter()
        .map(|r| Entry {
            event_type: &r.event_type,
            stream: &r.stream,
            payload: &r.payload,
        })
        .collect()
}

/// Acts on a recorded event: its reaction, the deadlines a creating event starts, and
/// the timers it stops. `records` ends with the event's entry.
fn act(
    store: &Store,
    cause: Cause<'_>,
    process: &Process,
    handles: &Handles,
    key: &str,
    records: &[RecordedEvent],
    react: &mut dyn FnMut(Step<'_>) -> Result<()>,
) -> Result<()> {
    let read = read_entries(store, records)?;
    let history = entries(&read);
    react(Step {
        cause,
        key,
        history: &history,
        deadline: None,
    })?;
    let stream = process.stream(key);
    // The event that created the instance starts its deadlines.
    let creates = records
        .iter()
        .find(|r| r.event_type == EVENT_HANDLED)
        .is_some_and(|first| is_entry_of(first, cause.event));
    if creates && !handles.complete {
        for deadline in process.deadlines {
            let id = process.timer_id(key, deadline.name);
            let due_at = cause
                .event
                .recorded_at
                .checked_add(deadline.after)
                .ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "deadline `{}` of process `{}` is too far in the future",
                        deadline.name, process.consumer
                    ))
                })?;
            store.schedule_timer(Timer {
                due_at,
                stream: stream.clone(),
                event: NewEvent::new(
                    DEADLINE_DUE,
                    1,
                    json!({ "deadline": deadline.name, "key": key }),
                )
                .with_id(Uuid::new_v5(&Uuid::NAMESPACE_OID, id.as_bytes())),
                id,
            })?;
        }
    }
    for deadline in process.deadlines {
        if handles.complete || handles.cancels.contains(&deadline.name) {
            store.cancel_timer(&process.timer_id(key, deadline.name))?;
        }
    }
    Ok(())
}

/// A deadline's time is up: acts on it unless the instance completed, or an event that
/// cancels the deadline was recorded, before the timer fired.
fn deadline(
    store: &Store,
    cause: Cause<'_>,
    process: &Process,
    react: &mut dyn FnMut(Step<'_>) -> Result<()>,
) -> Result<Handled> {
    let event = cause.event;
    let name = event.payload.get("deadline").and_then(Value::as_str);
    let key = event.payload.get("key").and_then(Value::as_str);
    let (Some(name), Some(key)) = (name, key) else {
        return Ok(Handled::NotHandled);
    };
    let Some(deadline) = process.deadlines.iter().find(|d| d.name == name) else {
        return Ok(Handled::NotHandled);
    };
    let records = store.read_stream(&event.stream, 1, event.version.saturating_sub(1) as usize)?;
    let stopped = records.iter().any(|r| {
        r.event_type == PROCESS_COMPLETED
            || r.event_type == EVENT_HANDLED
                && process.handles.iter().any(|h| {
                    h.cancels.contains(&deadline.name)
                        && r.payload.get("event_type").and_then(Value::as_str) == Some(h.event_type)
                        && r.payload
                            .get("stream")
                            .and_then(Value::as_str)
                            .is_some_and(|s| in_category(s, h.category))
                })
    });
    if stopped {
        return Ok(Handled::Completed);
    }
    let read = read_entries(store, &records)?;
    let history = entries(&read);
    react(Step {
        cause,
        key,
        history: &history,
        deadline: Some(deadline.name),
    })?;
    Ok(Handled::DeadlineFired)
}

/// The error a rejection records when a process's rule is still pending.
pub const NOT_IMPLEMENTED: &str = "NotImplemented";

/// Why a process's rule issued nothing because it cannot decide yet: its default has no
/// source for a field of the command (the rule is to be written), or a state field it
/// needs is not set. Recorded as a rejection of the command (error
/// [`NOT_IMPLEMENTED`]), listed at `GET /<context>/rejections`, never issued with an
/// invented value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// What is missing, for people.
    pub message: String,
}

impl Pending {
    /// The rule `method` is not written yet.
    pub fn not_implemented(method: &str) -> Self {
        Pending {
            message: format!("not implemented: write `{method}` in src/rules/processes.rs"),
        }
    }

    /// The state field `field` that the default of `method` copies is not set yet.
    pub fn unset(method: &str, field: &str) -> Self {
        Pending {
            message: format!(
                "the state's `{field}` is not set yet, so the default of `{method}` cannot build the command; write `{method}` in src/rules/processes.rs"
            ),
        }
    }
}

/// What a process's rule decided for one command: `Ok(Some(command))` to issue it,
/// `Ok(None)` for nothing, `Err(Pending)` when it cannot decide yet.
pub type Decision<C> = std::result::Result<Option<C>, Pending>;

/// The command to issue for a rule's `decision`, as caused by `cause` (whose consumer is
/// `<context>.<Reaction>`, so a refusal reaches that reaction's `on_error:`). A pending
/// decision issues nothing: it is logged and recorded once in the issuer's rejections as
/// a refusal of `command` (of the context `context`) with error [`NOT_IMPLEMENTED`].
pub fn decided<C>(
    store: &Store,
    cause: Cause<'_>,
    command: &str,
    context: &str,
    decision: Decision<C>,
) -> Result<Option<C>> {
    let pending = match decision {
        Ok(command) => return Ok(command),
        Err(pending) => pending,
    };
    store.note_issued(|| crate::policy::Issued::Pending {
        consumer: cause.consumer.to_owned(),
        command: command.to_owned(),
        message: pending.message.clone(),
    });
    // As a refusal would be: a compensation's is listed under the reaction it recovers.
    let origin = Origin::of(cause);
    eprintln!(
        "process `{}`: `{command}` not issued for `{}` at position {}: {}",
        cause.consumer, cause.event.event_type, cause.event.position, pending.message
    );
    let rejection = Rejection {
        policy: origin.policy,
        command: command.to_owned(),
        context: context.to_owned(),
        target: context.to_owned(),
        body: Value::Null,
        error: NOT_IMPLEMENTED.to_owned(),
        message: pending.message,
        cause: EventRef::of(cause.event),
        attempt: 1,
    };
    rejections::record(store, cause, &origin.issuer, &rejection)?;
    Ok(None)
}

/// The instance's key as `K` (the key field's type): `key` is its text (see [`key_of`]),
/// the JSON of a number or a boolean, or a string as it is.
pub fn typed_key<K: serde::de::DeserializeOwned>(key: &str) -> Result<K> {
    serde_json::from_str(key)
        .or_else(|_| serde_json::from_value(Value::String(key.to_owned())))
        .map_err(|error| {
            Error::InvalidInput(format!(
                "the process key `{key}` does not fit `{}`: {error}",
                std::any::type_name::<K>()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(store: &Store) -> RecordedEvent {
        store
            .append(
                "rentals-CarRental-r-1",
                ExpectedVersion::Any,
                vec![NewEvent::new("CarRented", 1, json!({"rental_id": "r-1"}))],
            )
            .unwrap();
        store
            .read_stream("rentals-CarRental-r-1", 1, 1)
            .unwrap()
            .remove(0)
    }

    #[test]
    fn a_pending_rule_issues_nothing_and_is_listed_once_as_not_implemented() {
        let store = crate::open("memory:").unwrap();
        let event = recorded(&store);
        let cause = Cause {
            consumer: "rentals.DepositCollectionOnCarRented",
            event: &event,
        };
        let pending: Decision<()> = Err(Pending::not_implemented("deposit_on_car_rented"));
        for _ in 0..2 {
            let decided = decided(&store, cause, "RequestDeposit", "billing", pending.clone());
            assert_eq!(decided.unwrap(), None);
        }
        let listed = rejections::list(&store, "rentals", 10).unwrap();
        assert_eq!(listed.len(), 1, "{listed:?}");
        let rejection = &listed[0];
        assert_eq!(rejection["policy"], "DepositCollectionOnCarRented");
        assert_eq!(rejection["command"], "RequestDeposit");
        assert_eq!(rejection["error"], NOT_IMPLEMENTED);
        assert_eq!(
            rejection["message"],
            "not implemented: write `deposit_on_car_rented` in src/rules/processes.rs"
        );
        // A decided command is handed back, and nothing more is recorded.
        let issued = decided(&store, cause, "RequestDeposit", "billing", Ok(Some(7)));
        assert_eq!(issued.unwrap(), Some(7));
        assert_eq!(rejections::count(&store, "rentals").unwrap(), 1);
    }

    #[test]
    fn a_handled_entry_is_upcast_when_its_event_changed_since() {
        const RENTALS: Process = Process {
            consumer: "rentals.Deposit",
            category: "rentals-Deposit",
            handles: &[Handles {
                category: "rentals-CarRental",
                event_type: "CarRented",
                key_field: "rental_id",
                start: true,
                complete: false,
                cancels: &[],
            }],
            deadlines: &[],
        };
        let store = crate::open("memory:").unwrap();
        let event = recorded(&store);
        let handle_with = |store: &Store| {
            let mut seen = Vec::new();
            let cause = Cause {
                consumer: RENTALS.consumer,
                event: &event,
            };
            handle(store, cause, &RENTALS, &mut |step: Step<'_>| {
                seen.extend(step.history.iter().map(|e| e.payload.clone()));
                Ok(())
            })
            .unwrap();
            seen
        };
        assert_eq!(handle_with(&store), [json!({"rental_id": "r-1"})]);
        // Version 2 of `CarRented` adds a field: the entry recorded at version 1 is read
        // through the upcaster the context registers.
        let upcasters = crate::Upcasters::new().register("CarRented", 1, |mut p| {
            p["insured"] = json!(false);
            Ok((2, p))
        });
        let upcasting = store.clone().with_upcasters(upcasters);
        assert_eq!(
            handle_with(&upcasting),
            [json!({"rental_id": "r-1", "insured": false})]
        );
    }

    #[test]
    fn a_key_reads_as_its_field_type() {
        assert_eq!(typed_key::<String>("r-1").unwrap(), "r-1");
        assert_eq!(typed_key::<String>("42").unwrap(), "42");
        assert_eq!(typed_key::<i64>("42").unwrap(), 42);
        let id = Uuid::from_u128(7);
        assert_eq!(typed_key::<Uuid>(&id.to_string()).unwrap(), id);
        assert!(typed_key::<i64>("r-1").is_err());
    }
}
