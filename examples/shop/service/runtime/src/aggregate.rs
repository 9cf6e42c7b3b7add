//! Aggregates in the decide/evolve style, and the one command handler they all share.
//!
//! A generated aggregate supplies its types (state, commands, events, business errors)
//! and two functions, [`Aggregate::decide`] and [`Aggregate::evolve`], which call the
//! user's rules. A generated rule returns its command's typed outcome (an enum with a
//! variant per declared outcome), which `decide` turns into a [`Decision`]: the
//! outcome's name and its events. Everything else is [`handle`]: load the state
//! (folding the stream, from a snapshot when the aggregate keeps them, or reading the
//! state row of a state-stored aggregate), decide, check the decision against the
//! command's declared outcomes, append with the version it loaded, and decide again
//! when another writer got there first.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use stormcraft_runtime::aggregate::{self, Aggregate, BusinessError, Command, DomainEvent};
//! use stormcraft_runtime::{RecordedEvent, Result};
//!
//! #[derive(Debug, Clone, Default, Serialize, Deserialize)]
//! struct Open { id: String }
//! impl Command for Open {
//!     fn name(&self) -> &'static str { "Open" }
//!     fn aggregate_id(&self) -> String { self.id.clone() }
//! }
//!
//! #[derive(Debug, Clone, Serialize, Deserialize)]
//! struct Opened { id: String }
//! impl DomainEvent for Opened {
//!     fn type_name(&self) -> &'static str { "Opened" }
//!     fn schema_version(&self) -> u32 { 1 }
//!     fn from_recorded(recorded: &RecordedEvent) -> Result<Option<Self>> {
//!         Ok(match recorded.event_type.as_str() {
//!             "Opened" => Some(aggregate::decode(recorded)?),
//!             _ => None,
//!         })
//!     }
//! }
//!
//! #[derive(Debug)]
//! struct AlreadyOpen;
//! impl std::fmt::Display for AlreadyOpen {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         f.write_str("the account is already open")
//!     }
//! }
//! impl BusinessError for AlreadyOpen {
//!     fn name(&self) -> &'static str { "AlreadyOpen" }
//! }
//!
//! struct Account;
//! impl Aggregate for Account {
//!     const CATEGORY: &'static str = "bank-Account";
//!     type State = bool;
//!     type Command = Open;
//!     type Event = Opened;
//!     type Error = AlreadyOpen;
//!     fn decide(open: &bool, c: &Open) -> Result<aggregate::Decision<Opened>, AlreadyOpen> {
//!         if *open {
//!             return Err(AlreadyOpen);
//!         }
//!         Ok(aggregate::Decision::outcome("opened", vec![Opened { id: c.id.clone() }]))
//!     }
//!     fn evolve(_: bool, _: &Opened) -> bool { true }
//! }
//!
//! let store = stormcraft_runtime::open("memory:").unwrap();
//! let done = aggregate::handle::<Account>(&store, Open { id: "1".into() }, None).unwrap();
//! assert_eq!(done[0].event_type, "Opened");
//! let again = aggregate::handle::<Account>(&store, Open { id: "1".into() }, None);
//! assert!(matches!(again, Err(aggregate::HandleError::Rejected(AlreadyOpen))));
//! ```

/// The `From` impls that put each message type into its variant of an aggregate's
/// `Command` or `Event` enum, so a rule writes `OrderPlaced { .. }.into()` and the
/// handler takes any command: `from_variants!(Command, Box, [PlaceOrder, CancelOrder])`
/// for boxed variants (commands), `from_variants!(Event, [OrderPlaced])` for plain ones.
/// Each variant must be named like its type, as the generator names them.
#[macro_export]
macro_rules! from_variants {
    ($enum:ident, Box, [$($variant:ident),* $(,)?]) => {
        $(
            impl ::core::convert::From<$variant> for $enum {
                fn from(message: $variant) -> Self {
                    $enum::$variant(::std::boxed::Box::new(message))
                }
            }
        )*
    };
    ($enum:ident, [$($variant:ident),* $(,)?]) => {
        $(
            impl ::core::convert::From<$variant> for $enum {
                fn from(message: $variant) -> Self {
                    $enum::$variant(message)
                }
            }
        )*
    };
}

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{DocOp, Error, ExpectedVersion, NewEvent, RecordedEvent, Store, Uuid, Value};

/// How many times [`handle`] decides a command again when another writer changed the
/// aggregate between its load and its append.
pub const ATTEMPTS: u32 = 5;

/// A command: what an aggregate is asked to do.
pub trait Command {
    /// The command's name in the model, e.g. `PlaceOrder`.
    fn name(&self) -> &'static str;
    /// The id of the aggregate it is for, as in the stream name `<category>-<id>`.
    fn aggregate_id(&self) -> String;
}

/// A domain event of one aggregate (usually the enum of its events).
///
/// Its `Serialize` form is the stored payload: generated event enums are
/// `#[serde(untagged)]`, so the JSON is the variant's own fields.
pub trait DomainEvent: Serialize + Sized {
    /// The event type name in the store, e.g. `OrderPlaced`.
    fn type_name(&self) -> &'static str;
    /// The schema version this shape of the event is written with.
    fn schema_version(&self) -> u32;
    /// The event's fields as JSON (the stored payload).
    fn to_payload(&self) -> crate::Result<Value> {
        serde_json::to_value(self).map_err(|error| {
            Error::InvalidInput(format!(
                "event `{}` cannot be written as JSON: {error}",
                self.type_name()
            ))
        })
    }
    /// The event of a stored record (after upcasting); `None` for a type this aggregate
    /// does not know, which loading skips.
    fn from_recorded(recorded: &RecordedEvent) -> crate::Result<Option<Self>>;
}

/// A business error: a rule refused the command. Its name is the `error` of an HTTP 422
/// answer and what a scenario expects; its `Display` is the message for people.
pub trait BusinessError: fmt::Display {
    /// The error's name in the model, e.g. `OrderAlreadyShipped`.
    fn name(&self) -> &'static str;
}

/// Where an aggregate's state lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persistence {
    /// The state is the fold of the aggregate's events (optionally from a snapshot).
    EventSourced,
    /// The state is a row of `table` (key: the aggregate id, value:
    /// `{"version": n, "state": ...}`), written in the same transaction as the events,
    /// which the stream keeps as the outbox other consumers read.
    StateStored {
        /// The document table of the state rows.
        table: &'static str,
    },
}

/// An aggregate: its types, and the rules that decide commands and apply events.
pub trait Aggregate {
    /// The stream category: the events of the aggregate `x` are in `<CATEGORY>-x`.
    const CATEGORY: &'static str;
    /// Where the state lives; event-sourced unless the model says `state-stored`.
    const PERSISTENCE: Persistence = Persistence::EventSourced;
    /// Save a snapshot of an event-sourced aggregate every this many events (0: never).
    /// Loading starts from the newest snapshot of [`Aggregate::STATE_VERSION`].
    const SNAPSHOT_EVERY: u64 = 0;
    /// The version of the state's shape and of `evolve`: bump it when either changes, so
    /// older snapshots are ignored and the state is folded again from the events.
    const STATE_VERSION: u32 = 1;
    /// The state: the fold of the events (new aggregates start from the default).
    type State: Default + Serialize + DeserializeOwned;
    /// The aggregate's commands (usually an enum of them).
    type Command: Command;
    /// The aggregate's events (usually an enum of them).
    type Event: DomainEvent;
    /// The aggregate's business errors.
    type Error: BusinessError;

    /// Decides a command against the state: the outcome it has (its name and its
    /// events), nothing, or why it is refused.
    fn decide(
        state: &Self::State,
        command: &Self::Command,
    ) -> Result<Decision<Self::Event>, Self::Error>;
    /// Applies an event to the state.
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State;

    /// The declared outcomes of the command named `command` (its alternative results),
    /// which [`handle`] checks every decision against. Empty (the default): unchecked.
    fn outcomes(command: &str) -> &'static [Outcome] {
        let _ = command;
        &[]
    }

    /// Why the command named `command` cannot be carried out yet: its rule may be pending
    /// (a default that would have to invent a value, or pick one of several outcomes,
    /// and whose command is not listed in the rules' `written()`), as `not implemented:
    /// write `<rule>` in <file>`. A pending default decides nothing, and [`handle`]
    /// refuses a decision of nothing with [`HandleError::Pending`] then, so no made-up
    /// value reaches the store. `None` (the default): it can be carried out.
    fn pending(command: &str) -> Option<&'static str> {
        let _ = command;
        None
    }
}

/// What a rule decided for a command: one of its outcomes, by name, with the events it
/// records (in the outcome's declared order), or nothing at all.
///
/// Generated rules return a typed outcome per command (`PlaceOrderOutcome`), whose
/// `into_decision` gives this; [`handle`] checks it against the command's declared
/// [`Outcome`]s all the same, so no misfit is ever appended.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision<E> {
    /// Nothing is recorded: a command repeated after it was carried out (allowed when
    /// the command has one outcome), or a pending default rule (refused as pending).
    Nothing,
    /// The outcome `name` of the command, recording `events`.
    Outcome {
        /// The outcome's name in the model, e.g. `succeeded` (`emitted` for `emits:`).
        name: &'static str,
        /// Its events, in order.
        events: Vec<E>,
    },
}

impl<E> Decision<E> {
    /// The outcome `name`, recording `events`.
    pub fn outcome(name: &'static str, events: Vec<E>) -> Self {
        Decision::Outcome { name, events }
    }

    /// The outcome's name; `None` for [`Decision::Nothing`].
    pub fn name(&self) -> Option<&'static str> {
        match self {
            Decision::Nothing => None,
            Decision::Outcome { name, .. } => Some(name),
        }
    }

    /// The events it records (none for [`Decision::Nothing`]).
    pub fn events(&self) -> &[E] {
        match self {
            Decision::Nothing => &[],
            Decision::Outcome { events, .. } => events,
        }
    }

    /// The events it records, by value.
    pub fn into_events(self) -> Vec<E> {
        match self {
            Decision::Nothing => Vec::new(),
            Decision::Outcome { events, .. } => events,
        }
    }
}

/// One alternative result of a command, as the model declares it: the events it
/// records together, each `(event type, optional)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The outcome's name in the model, e.g. `succeeded`.
    pub name: &'static str,
    /// Its events: `(type name, optional)`; a required one must be decided, an optional
    /// one may be, and no other event may.
    pub events: &'static [(&'static str, bool)],
}

impl Outcome {
    /// Whether `decided` (event type names) is this outcome: every required event is
    /// there and every decided event is one of its events.
    pub fn fits(&self, decided: &[&str]) -> bool {
        let required = self
            .events
            .iter()
            .filter(|(_, optional)| !optional)
            .all(|(name, _)| decided.contains(name));
        let declared = decided
            .iter()
            .all(|d| self.events.iter().any(|(name, _)| name == d));
        required && declared
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [", self.name)?;
        for (index, (name, optional)) in self.events.iter().enumerate() {
            let separator = if index == 0 { "" } else { ", " };
            let mark = if *optional { "?" } else { "" };
            write!(f, "{separator}{name}{mark}")?;
        }
        f.write_str("]")
    }
}

/// A rule decided an outcome that is none of its command's declared outcomes, or events
/// that do not fit the outcome it named. The rule is wrong, not the request: [`handle`]
/// appends nothing and fails with this (as
/// [`Error::Backend`], so the HTTP API answers 500 and a policy retries the event after
/// a pause, until the rule is fixed), never a business error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misfit {
    /// The aggregate's stream category.
    pub category: &'static str,
    /// The command's name.
    pub command: &'static str,
    /// The outcome the rule named (`None`: it decided nothing).
    pub outcome: Option<&'static str>,
    /// The event types the rule decided, in order.
    pub decided: Vec<String>,
    /// The command's declared outcomes.
    pub outcomes: &'static [Outcome],
}

impl fmt::Display for Misfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcomes: Vec<String> = self.outcomes.iter().map(ToString::to_string).collect();
        let outcomes = outcomes.join(", ");
        let decided = self.decided.join(", ");
        if let Some(name) = self.outcome {
            let declared = self.outcomes.iter().any(|outcome| outcome.name == name);
            let what = if declared {
                "which does not fit it"
            } else {
                "which is not one of its outcomes"
            };
            return write!(
                f,
                "the rule of `{}` ({}) decided the outcome `{name}` recording [{decided}], {what}: {outcomes}; the rule is wrong, not the request: fix it (nothing was appended)",
                self.command, self.category
            );
        }
        if self.decided.is_empty() {
            write!(
                f,
                "the rule of `{}` ({}) decided no events, but the command has several outcomes and must record one of them: {outcomes}; write its rule (a default cannot know which happened)",
                self.command, self.category
            )
        } else {
            write!(
                f,
                "the rule of `{}` ({}) decided [{decided}], which is none of its outcomes: {outcomes}; the rule is wrong, not the request: fix it (nothing was appended)",
                self.command, self.category
            )
        }
    }
}

impl std::error::Error for Misfit {}

/// Checks a decision of `command` against `A`'s declared outcomes of it: the outcome
/// the rule named (`outcome`) must be declared and `decided` (event type names) must
/// fit it. Nothing (`outcome` is `None`, so nothing decided) fits a command with one
/// outcome (nothing happened, e.g. a repeated command), or an outcome of only optional
/// events; a command with several outcomes must say which. A command that declares no
/// outcomes is not checked.
pub fn check_outcome<A: Aggregate>(
    command: &'static str,
    outcome: Option<&'static str>,
    decided: &[&str],
) -> Result<(), Misfit> {
    let outcomes = A::outcomes(command);
    let fits = match outcome {
        _ if outcomes.is_empty() => true,
        Some(name) => outcomes
            .iter()
            .any(|declared| declared.name == name && declared.fits(decided)),
        None => {
            decided.is_empty()
                && (outcomes.len() == 1 || outcomes.iter().any(|declared| declared.fits(&[])))
        }
    };
    if fits {
        return Ok(());
    }
    Err(Misfit {
        category: A::CATEGORY,
        command,
        outcome,
        decided: decided.iter().map(|d| (*d).to_owned()).collect(),
        outcomes,
    })
}

/// The stream of the aggregate `id` of `A`.
pub fn stream_of<A: Aggregate>(id: &str) -> String {
    format!("{}-{id}", A::CATEGORY)
}

/// An event a command appended, as the HTTP API returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Appended {
    /// The event type name.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Its version in its stream.
    pub version: u64,
    /// Its position in the global order.
    pub position: u64,
    /// The event's fields.
    pub data: Value,
}

/// The consumer (policy) a command is issued by, and the event it reacts to.
///
/// The events the command appends record the cause (causation and correlation ids) and
/// get ids derived from it, so a policy that handles the same event twice — after a
/// crash between its append and its checkpoint — appends once.
#[derive(Debug, Clone, Copy)]
pub struct Cause<'a> {
    /// The consumer's name.
    pub consumer: &'a str,
    /// The event it reacts to.
    pub event: &'a RecordedEvent,
}

/// Why a command was not carried out.
#[derive(Debug)]
pub enum HandleError<E> {
    /// A business rule refused it.
    Rejected(E),
    /// Other writers changed the aggregate at every attempt; the command can be retried.
    Conflict,
    /// The store failed.
    Store(Error),
    /// The command's rule is pending (see [`Aggregate::pending`]): the text says which
    /// rule to write, and where. Nothing was appended.
    Pending(&'static str),
}

impl<E: fmt::Display> fmt::Display for HandleError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandleError::Rejected(error) => write!(f, "rejected: {error}"),
            HandleError::Conflict => f.write_str(
                "the aggregate kept changing while the command was decided; retry the command",
            ),
            HandleError::Store(error) => error.fmt(f),
            HandleError::Pending(text) => f.write_str(text),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for HandleError<E> {}

impl<E> From<Error> for HandleError<E> {
    fn from(error: Error) -> Self {
        HandleError::Store(error)
    }
}

/// Reads a stored event's payload (or a document) as `T`.
pub fn decode<T: DeserializeOwned>(recorded: &RecordedEvent) -> crate::Result<T> {
    serde_json::from_value(recorded.payload.clone()).map_err(|error| {
        Error::InvalidInput(format!(
            "event `{}` at position {} (schema version {}) does not fit `{}`: {error}; register an upcaster for its schema version",
            recorded.event_type,
            recorded.position,
            recorded.schema_version,
            std::any::type_name::<T>()
        ))
    })
}

/// A command as the JSON body it travels in (to another context's inbox, in a
/// rejection), as its `Serialize` form writes it.
pub fn body<C: Serialize>(command: &C) -> crate::Result<Value> {
    serde_json::to_value(command).map_err(|error| {
        Error::InvalidInput(format!(
            "command `{}` cannot be written as JSON: {error}",
            std::any::type_name::<C>()
        ))
    })
}

/// The id of an aggregate a policy addresses when its event does not say: derived from
/// the source event's id, so handling the event again addresses the same aggregate.
pub fn derived_id(source: &RecordedEvent) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, source.id.as_bytes())
}

std::thread_local! {
    /// The time of the decision `handle` is making on this thread.
    static DECISION_TIME: std::cell::Cell<Option<std::time::SystemTime>> =
        const { std::cell::Cell::new(None) };
}

/// The time of the decision being made: inside [`handle`], the store's clock as it read
/// it before calling `decide` (a [`crate::clock::ManualClock`] in tests and with
/// `--manual-clock`, so a `placed_at` is the time the scenario says, not the machine's);
/// outside one (a rule called directly), the system clock. A rule that records when
/// something happened takes it from here — `decision_time().into()` gives a
/// `chrono::DateTime<Utc>` — and so do the generated defaults of `computed: now`.
pub fn decision_time() -> std::time::SystemTime {
    DECISION_TIME
        .with(std::cell::Cell::get)
        .unwrap_or_else(std::time::SystemTime::now)
}

/// Runs `decide` with [`decision_time`] at `at`, restoring the previous one after (also
/// when `decide` panics), so a decision inside another one keeps its own time.
fn deciding_at<R>(at: std::time::SystemTime, decide: impl FnOnce() -> R) -> R {
    struct Restore(Option<std::time::SystemTime>);
    impl Drop for Restore {
        fn drop(&mut self) {
            DECISION_TIME.with(|time| time.set(self.0));
        }
    }
    let _restore = Restore(DECISION_TIME.with(|time| time.replace(Some(at))));
    decide()
}

/// Carries out `command`: loads the aggregate, decides, and appends the events with the
/// version it loaded, deciding again (up to [`ATTEMPTS`] times) when another writer got
/// there first. A state-stored aggregate writes its state row and its events in one
/// transaction. With a `cause`, the events record it and get ids derived from it.
///
/// A command that decides no events appends nothing (a state-stored aggregate still
/// writes its state, which `evolve` cannot have changed, so it is skipped too).
///
/// Every decision is checked against the command's declared outcomes
/// ([`Aggregate::outcomes`], see [`check_outcome`]): an outcome that is none of them, or
/// events that do not fit the outcome named, are not appended, and the command fails
/// with a [`Misfit`] (a store error: the rule is wrong, not the request).
pub fn handle<A: Aggregate>(
    store: &Store,
    command: A::Command,
    cause: Option<Cause<'_>>,
) -> Result<Vec<Appended>, HandleError<A::Error>> {
    let id = command.aggregate_id();
    let mut attempt = 1;
    loop {
        let (state, version) = load::<A>(store, &id)?;
        let decision = deciding_at(store.now(), || A::decide(&state, &command))
            .map_err(HandleError::Rejected)?;
        // A pending default decides nothing; a rule that was written decides what it
        // decides (listing it in `written()` also allows it to decide nothing).
        if decision.events().is_empty() {
            if let Some(text) = A::pending(command.name()) {
                return Err(HandleError::Pending(text));
            }
        }
        let decided: Vec<&str> = decision
            .events()
            .iter()
            .map(DomainEvent::type_name)
            .collect();
        check_outcome::<A>(command.name(), decision.name(), &decided)
            .map_err(|misfit| HandleError::Store(Error::Backend(Box::new(misfit))))?;
        let events = decision.into_events();
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut new_events = Vec::with_capacity(events.len());
        let mut payloads = Vec::with_capacity(events.len());
        for (index, event) in (0u32..).zip(&events) {
            let payload = event.to_payload()?;
            let mut new_event =
                NewEvent::new(event.type_name(), event.schema_version(), payload.clone());
            if let Some(cause) = cause {
                let id = crate::derived_event_id(cause.consumer, cause.event, index);
                new_event = new_event.caused_by(cause.event).with_id(id);
            }
            new_events.push(new_event);
            payloads.push(payload);
        }
        let count = events.len() as u64;
        let result = append::<A>(store, &id, state, version, &events, new_events);
        match result {
            Ok(done) => {
                let first = done.stream_version + 1 - count;
                return Ok(events
                    .iter()
                    .zip(payloads)
                    .zip(done.positions)
                    .zip(first..)
                    .map(|(((event, data), position), version)| Appended {
                        event_type: event.type_name().to_owned(),
                        version,
                        position,
                        data,
                    })
                    .collect());
            }
            Err(Error::WrongExpectedVersion { .. }) if attempt < ATTEMPTS => attempt += 1,
            Err(Error::WrongExpectedVersion { .. }) => return Err(HandleError::Conflict),
            Err(error) => return Err(HandleError::Store(error)),
        }
    }
}

/// Appends `new_events` (the stored form of `events`) to the aggregate `id` of `A`,
/// expecting `version`: a state-stored aggregate writes its state row in the same
/// transaction, an event-sourced one saves a snapshot when one is due.
fn append<A: Aggregate>(
    store: &Store,
    id: &str,
    state: A::State,
    version: u64,
    events: &[A::Event],
    new_events: Vec<NewEvent>,
) -> crate::Result<crate::AppendResult> {
    let stream = stream_of::<A>(id);
    let count = events.len() as u64;
    let expected = ExpectedVersion::Exact(version);
    let every = A::SNAPSHOT_EVERY;
    let snapshot_due = A::PERSISTENCE == Persistence::EventSourced
        && every > 0
        && version / every != (version + count) / every;
    match A::PERSISTENCE {
        Persistence::EventSourced if !snapshot_due => store.append(&stream, expected, new_events),
        Persistence::EventSourced => {
            let state = events.iter().fold(state, A::evolve);
            let done = store.append(&stream, expected, new_events);
            // Not after an idempotent retry: the stored batch may sit at another version.
            if matches!(&done, Ok(d) if d.stream_version == version + count) {
                save_snapshot::<A>(store, &stream, version + count, &state);
            }
            done
        }
        Persistence::StateStored { table } => {
            let state = events.iter().fold(state, A::evolve);
            let value = serde_json::json!({
                "version": version + count,
                "state": to_json(&state, &stream)?,
            });
            let ops = vec![DocOp::Put {
                table: table.to_owned(),
                key: id.to_owned(),
                value,
            }];
            store.append_with_state(&stream, expected, new_events, ops)
        }
    }
}

/// Records `event` in the aggregate `id` of `A` without a command: a recovery's
/// `record:`, where the refusal itself is the fact (`cause` is the `CommandRejected`
/// event). No rule decides it, so nothing can refuse it; the aggregate's `evolve` folds
/// it like any of its events. Its id is derived from the cause, so handling the same
/// rejection again — after a crash before the recovery's checkpoint, or after a restart
/// — appends it once. Another writer in between is met by loading again (up to
/// [`ATTEMPTS`] times, then [`Error::WrongExpectedVersion`] fails the batch, which the
/// worker handles again).
pub fn record<A: Aggregate>(
    store: &Store,
    cause: Cause<'_>,
    id: &str,
    event: A::Event,
) -> crate::Result<Appended> {
    let payload = event.to_payload()?;
    let event_id = crate::derived_event_id(cause.consumer, cause.event, 0);
    let mut attempt = 1;
    loop {
        let (state, version) = load::<A>(store, id)?;
        let new_event = NewEvent::new(event.type_name(), event.schema_version(), payload.clone())
            .caused_by(cause.event)
            .with_id(event_id);
        let events = std::slice::from_ref(&event);
        match append::<A>(store, id, state, version, events, vec![new_event]) {
            Ok(done) => {
                return Ok(Appended {
                    event_type: event.type_name().to_owned(),
                    version: done.stream_version,
                    position: done.positions.first().copied().unwrap_or_default(),
                    data: payload,
                })
            }
            Err(Error::WrongExpectedVersion { .. }) if attempt < ATTEMPTS => attempt += 1,
            Err(error) => return Err(error),
        }
    }
}

/// The state of the aggregate `id` and its version (0 and the default state when new).
pub fn load<A: Aggregate>(store: &Store, id: &str) -> crate::Result<(A::State, u64)> {
    let stream = stream_of::<A>(id);
    if let Persistence::StateStored { table } = A::PERSISTENCE {
        let Some(doc) = store.load_doc(table, id)? else {
            return Ok((A::State::default(), 0));
        };
        let version = doc["version"].as_u64().unwrap_or(0);
        let state = serde_json::from_value(doc["state"].clone()).map_err(|error| {
            Error::InvalidInput(format!(
                "the stored state of `{stream}` does not fit `{}`: {error}",
                std::any::type_name::<A::State>()
            ))
        })?;
        return Ok((state, version));
    }
    let (mut state, mut version) = (A::State::default(), 0);
    if A::SNAPSHOT_EVERY > 0 {
        if let Some(snapshot) = store.load_snapshot(&stream, A::STATE_VERSION)? {
            // A snapshot that no longer fits the state is only a cache: fold from the start.
            if let Ok(cached) = serde_json::from_value(snapshot.state) {
                state = cached;
                version = snapshot.version;
            }
        }
    }
    loop {
        let batch = store.read_stream(&stream, version + 1, 512)?;
        if batch.is_empty() {
            return Ok((state, version));
        }
        for recorded in &batch {
            if let Some(event) = A::Event::from_recorded(recorded)? {
                state = A::evolve(state, &event);
            }
            version = recorded.version;
        }
    }
}

/// Saves the state as a snapshot. The command has succeeded already, so a failure here
/// is only logged: a snapshot is a cache and the next load folds a few more events.
fn save_snapshot<A: Aggregate>(store: &Store, stream: &str, version: u64, state: &A::State) {
    let saved = to_json(state, stream)
        .and_then(|json| store.save_snapshot(stream, version, A::STATE_VERSION, json));
    if let Err(error) = saved {
        eprintln!("snapshot of `{stream}`: {error}; the next load folds from the last one");
    }
}

fn to_json<T: Serialize>(state: &T, stream: &str) -> crate::Result<Value> {
    serde_json::to_value(state).map_err(|error| {
        Error::InvalidInput(format!(
            "the state of `{stream}` cannot be written as JSON: {error}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// What the test rule decides: the outcome it names (`None`: nothing) and the event
    /// types to record.
    #[derive(Debug, Clone)]
    struct Confirm {
        id: String,
        outcome: Option<&'static str>,
        decide: Vec<&'static str>,
    }

    impl Command for Confirm {
        fn name(&self) -> &'static str {
            "ConfirmPayment"
        }
        fn aggregate_id(&self) -> String {
            self.id.clone()
        }
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct Happened {
        #[serde(skip)]
        kind: &'static str,
    }

    impl DomainEvent for Happened {
        fn type_name(&self) -> &'static str {
            self.kind
        }
        fn schema_version(&self) -> u32 {
            1
        }
        fn from_recorded(_: &RecordedEvent) -> crate::Result<Option<Self>> {
            Ok(None)
        }
    }

    #[derive(Debug)]
    struct Never;
    impl fmt::Display for Never {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("never")
        }
    }
    impl BusinessError for Never {
        fn name(&self) -> &'static str {
            "Never"
        }
    }

    const OUTCOMES: &[Outcome] = &[
        Outcome {
            name: "succeeded",
            events: &[("PaymentSucceeded", false), ("ReceiptIssued", true)],
        },
        Outcome {
            name: "failed",
            events: &[("PaymentFailed", false)],
        },
    ];

    struct Payment;
    impl Aggregate for Payment {
        const CATEGORY: &'static str = "payments-Payment";
        type State = ();
        type Command = Confirm;
        type Event = Happened;
        type Error = Never;
        fn decide(_: &(), command: &Confirm) -> Result<Decision<Happened>, Never> {
            let events = command
                .decide
                .iter()
                .map(|kind| Happened { kind })
                .collect();
            Ok(match command.outcome {
                Some(name) => Decision::outcome(name, events),
                None => Decision::Nothing,
            })
        }
        fn evolve(state: (), _: &Happened) {
            state
        }
        fn outcomes(command: &str) -> &'static [Outcome] {
            match command {
                "ConfirmPayment" => OUTCOMES,
                _ => &[],
            }
        }
    }

    fn confirm(
        id: &str,
        outcome: Option<&'static str>,
        decide: &[&'static str],
    ) -> Result<Vec<Appended>, HandleError<Never>> {
        let store = crate::open("memory:").unwrap();
        let command = Confirm {
            id: id.to_owned(),
            outcome,
            decide: decide.to_vec(),
        };
        handle::<Payment>(&store, command, None)
    }

    fn misfit(result: Result<Vec<Appended>, HandleError<Never>>) -> Misfit {
        match result {
            Err(HandleError::Store(Error::Backend(error))) => error
                .downcast_ref::<Misfit>()
                .expect("the store error is the misfit")
                .clone(),
            other => panic!("expected a misfit, got {other:?}"),
        }
    }

    #[test]
    fn a_decision_that_is_one_outcome_is_appended() {
        let succeeded = Some("succeeded");
        let done = confirm("1", succeeded, &["PaymentSucceeded", "ReceiptIssued"]).unwrap();
        assert_eq!(done.len(), 2);
        // The optional event may be left out.
        assert_eq!(
            confirm("2", succeeded, &["PaymentSucceeded"])
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            confirm("3", Some("failed"), &["PaymentFailed"])
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn events_that_fit_another_outcome_than_the_one_named_are_refused() {
        // `[PaymentFailed]` is an outcome, but not the one the rule named.
        let misfit = misfit(confirm("1", Some("succeeded"), &["PaymentFailed"]));
        assert_eq!(misfit.outcome, Some("succeeded"));
        let message = misfit.to_string();
        assert!(
            message.contains(
                "decided the outcome `succeeded` recording [PaymentFailed], which does not fit it"
            ),
            "{message}"
        );
        let unknown = misfit_of(confirm("2", Some("refunded"), &["PaymentFailed"]));
        assert!(
            unknown
                .contains("`refunded` recording [PaymentFailed], which is not one of its outcomes"),
            "{unknown}"
        );
    }

    fn misfit_of(result: Result<Vec<Appended>, HandleError<Never>>) -> String {
        misfit(result).to_string()
    }

    #[test]
    fn events_of_two_outcomes_together_are_refused_naming_the_outcomes() {
        let result = confirm(
            "1",
            Some("succeeded"),
            &["PaymentSucceeded", "PaymentFailed"],
        );
        let misfit = misfit(result);
        assert_eq!(misfit.command, "ConfirmPayment");
        assert_eq!(misfit.decided, ["PaymentSucceeded", "PaymentFailed"]);
        let message = misfit.to_string();
        assert!(
            message
                .contains("succeeded [PaymentSucceeded, ReceiptIssued?], failed [PaymentFailed]"),
            "{message}"
        );
        assert!(
            message.contains("the rule is wrong, not the request"),
            "{message}"
        );
    }

    #[test]
    fn a_misfit_is_not_reported_as_a_database_error() {
        let Err(error) = confirm("1", Some("failed"), &["PaymentFailed", "PaymentSucceeded"])
        else {
            panic!("a misfit is refused");
        };
        let message = error.to_string();
        assert!(
            message.starts_with("the rule of `ConfirmPayment`"),
            "{message}"
        );
    }

    #[test]
    fn a_missing_required_event_or_nothing_for_several_outcomes_is_refused() {
        let only_optional = misfit(confirm("1", Some("succeeded"), &["ReceiptIssued"]));
        assert_eq!(only_optional.decided, ["ReceiptIssued"]);
        // A pending default rule decides nothing: the command must say which outcome.
        let nothing = misfit(confirm("2", None, &[]));
        assert!(nothing.to_string().contains("write its rule"), "{nothing}");
    }

    /// `Payment`, but its rule is pending: nobody wrote it.
    struct Unwritten;
    impl Aggregate for Unwritten {
        const CATEGORY: &'static str = "payments-Unwritten";
        type State = ();
        type Command = Confirm;
        type Event = Happened;
        type Error = Never;
        fn decide(state: &(), command: &Confirm) -> Result<Decision<Happened>, Never> {
            Payment::decide(state, command)
        }
        fn evolve(state: (), _: &Happened) {
            state
        }
        fn pending(command: &str) -> Option<&'static str> {
            (command == "ConfirmPayment")
                .then_some("not implemented: write `confirm_payment` in src/rules/payment.rs")
        }
    }

    #[test]
    fn a_pending_rule_that_decides_nothing_is_refused_and_appends_nothing() {
        let store = crate::open("memory:").unwrap();
        // A rule written over the pending default decides events: carried out.
        let written = Confirm {
            id: "2".to_owned(),
            outcome: Some("succeeded"),
            decide: vec!["PaymentSucceeded"],
        };
        assert_eq!(handle::<Unwritten>(&store, written, None).unwrap().len(), 1);
        let command = Confirm {
            id: "1".to_owned(),
            outcome: None,
            decide: Vec::new(),
        };
        let Err(HandleError::Pending(text)) = handle::<Unwritten>(&store, command, None) else {
            panic!("a pending rule is refused as pending");
        };
        assert_eq!(
            text,
            "not implemented: write `confirm_payment` in src/rules/payment.rs"
        );
        let stream = stream_of::<Unwritten>("1");
        assert!(store.read_stream(&stream, 1, 10).unwrap().is_empty());
    }

    #[test]
    fn a_refused_decision_appends_nothing() {
        let store = crate::open("memory:").unwrap();
        let command = Confirm {
            id: "1".to_owned(),
            outcome: Some("succeeded"),
            decide: vec!["PaymentSucceeded", "PaymentFailed"],
        };
        assert!(handle::<Payment>(&store, command, None).is_err());
        let stream = stream_of::<Payment>("1");
        assert!(store.read_stream(&stream, 1, 10).unwrap().is_empty());
    }

    #[test]
    fn nothing_fits_one_outcome_and_an_outcome_of_optional_events() {
        const ONE: &[Outcome] = &[Outcome {
            name: "emitted",
            events: &[("Shipped", false)],
        }];
        const OPTIONAL: Outcome = Outcome {
            name: "maybe",
            events: &[("Noted", true)],
        };
        struct One;
        impl Aggregate for One {
            const CATEGORY: &'static str = "x-One";
            type State = ();
            type Command = Confirm;
            type Event = Happened;
            type Error = Never;
            fn decide(_: &(), _: &Confirm) -> Result<Decision<Happened>, Never> {
                Ok(Decision::Nothing)
            }
            fn evolve(state: (), _: &Happened) {
                state
            }
            fn outcomes(_: &str) -> &'static [Outcome] {
                ONE
            }
        }
        assert_eq!(check_outcome::<One>("ConfirmPayment", None, &[]), Ok(()));
        assert_eq!(
            check_outcome::<One>("ConfirmPayment", Some("emitted"), &["Shipped"]),
            Ok(())
        );
        assert!(check_outcome::<One>("ConfirmPayment", Some("emitted"), &["Other"]).is_err());
        // Naming the outcome but recording none of its required events is a misfit.
        assert!(check_outcome::<One>("ConfirmPayment", Some("emitted"), &[]).is_err());
        assert!(OPTIONAL.fits(&[]));
        assert!(!OPTIONAL.fits(&["Other"]));
    }

    #[test]
    fn a_decision_takes_its_time_from_the_store_clock() {
        use std::time::{Duration, SystemTime};
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(deciding_at(at, decision_time), at);
        let nested = deciding_at(at, || {
            let inner = deciding_at(at + Duration::from_secs(60), decision_time);
            (inner, decision_time())
        });
        assert_eq!(
            nested,
            (at + Duration::from_secs(60), at),
            "each keeps its own"
        );
        // Outside a decision: the system clock.
        assert!(decision_time().duration_since(at).is_ok());
    }

    #[test]
    fn handle_decides_at_the_time_of_the_stores_clock() {
        use std::sync::Mutex;
        use std::time::{Duration, SystemTime};
        static SEEN: Mutex<Vec<SystemTime>> = Mutex::new(Vec::new());
        /// `Payment`, whose rule notes when it decides.
        struct Timed;
        impl Aggregate for Timed {
            const CATEGORY: &'static str = "payments-Timed";
            type State = ();
            type Command = Confirm;
            type Event = Happened;
            type Error = Never;
            fn decide(state: &(), command: &Confirm) -> Result<Decision<Happened>, Never> {
                SEEN.lock().unwrap().push(decision_time());
                Payment::decide(state, command)
            }
            fn evolve(state: (), _: &Happened) {
                state
            }
        }
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let clock = std::sync::Arc::new(crate::clock::ManualClock::new(at));
        let store = crate::open("memory:").unwrap().with_clock(clock.clone());
        let command = |id: &str| Confirm {
            id: id.to_owned(),
            outcome: Some("succeeded"),
            decide: vec!["PaymentSucceeded"],
        };
        handle::<Timed>(&store, command("1"), None).unwrap();
        clock.advance(Duration::from_secs(90));
        handle::<Timed>(&store, command("2"), None).unwrap();
        assert_eq!(*SEEN.lock().unwrap(), [at, at + Duration::from_secs(90)]);
    }
}
