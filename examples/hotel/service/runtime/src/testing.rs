//! Tests of aggregates and policies in the style of cqrs-es's `TestFramework`, and the
//! scenario runner of a generated `tests/scenarios.rs` (feature `testing`).
//!
//! Values come as JSON text, the way the model's scenarios give them: a message is its
//! type's default with the given fields set. A uuid field may hold a symbolic name
//! (`"order-1"`): the same name always stands for the same (v5) UUID, so a scenario can
//! say which aggregate it means without spelling UUIDs.
//!
//! ```text
//! // tests/scenarios.rs of a generated context (`harness = false`); the runnable
//! // version is this crate's tests/generated_scenarios.rs:
//! use stormcraft_runtime::testing::{self, AggregateScenario};
//! fn main() -> std::process::ExitCode {
//!     let written = ordering::order::Rules::written(&ordering::rules::order::OrderRules);
//!     testing::run(vec![
//!         AggregateScenario::<ordering::order::Order>::new("a shipped order cannot be cancelled")
//!             .given::<ordering::order::OrderPlaced>(r#"{}"#)
//!             .given::<ordering::order::OrderShipped>(r#"{}"#)
//!             .when::<ordering::order::CancelOrder>(r#"{"reason":"CustomerRequest"}"#)
//!             .then_error("OrderAlreadyShipped")
//!             .trial("src/rules/order.rs", written),
//!     ])
//! }
//! ```
//!
//! A scenario whose command is not listed in its rules' `written()` is reported as
//! **ignored** with the reason (`pending: write rule ...`), whatever the default rule
//! decides: a default cannot know the business, so passing would say nothing. Once the
//! rule is listed, a mismatch fails the test.

use std::fmt;
use std::marker::PhantomData;
use std::process::ExitCode;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use libtest_mimic::{Completion, Failed, Trial};

use crate::aggregate::{Aggregate, BusinessError, Command, DomainEvent};
use crate::policy::Views;
use crate::{ConsumerCommit, DocOp, Metadata, RecordedEvent, Uuid, Value};

/// A JSON object of field values.
pub type Fields = serde_json::Map<String, Value>;

/// The UUID a symbolic name (`"order-1"`) stands for: stable across runs and tests.
pub fn symbolic_uuid(name: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, name.as_bytes())
}

/// The given values of a `T` as JSON, symbolic names of uuid fields replaced by their
/// UUIDs. A uuid field is one whose default is the nil UUID.
///
/// Panics (failing the test) when `json` is not a JSON object: the scenario is wrong.
pub fn values<T: Serialize + Default>(json: &str) -> Fields {
    let defaults = serde_json::to_value(T::default()).expect("messages serialize");
    let nil = Value::String(Uuid::nil().to_string());
    let mut values: Fields = serde_json::from_str(json)
        .unwrap_or_else(|error| panic!("scenario values `{json}` are not a JSON object: {error}"));
    for (field, value) in values.iter_mut() {
        if defaults.get(field) != Some(&nil) {
            continue;
        }
        if let Value::String(text) = value {
            if Uuid::parse_str(text).is_err() {
                *text = symbolic_uuid(text).to_string();
            }
        }
    }
    values
}

/// A message: `T`'s default with the given values.
///
/// Panics (failing the test) when a value does not fit its field.
pub fn message<T: Serialize + DeserializeOwned + Default>(json: &str) -> T {
    let mut message = serde_json::to_value(T::default()).expect("messages serialize");
    if let Value::Object(fields) = &mut message {
        fields.extend(values::<T>(json));
    }
    serde_json::from_value(message).unwrap_or_else(|error| {
        panic!(
            "the values `{json}` do not fit `{}`: {error}",
            std::any::type_name::<T>()
        )
    })
}

/// A message survives a JSON round trip (its default value, with every field present).
pub fn round_trip<T>() -> Result<(), String>
where
    T: Serialize + DeserializeOwned + Default + PartialEq + fmt::Debug,
{
    let value = T::default();
    let json = serde_json::to_string(&value).map_err(|e| e.to_string())?;
    let back: T = serde_json::from_str(&json).map_err(|error| {
        format!(
            "`{}` does not read back its JSON `{json}`: {error}",
            std::any::type_name::<T>()
        )
    })?;
    if back != value {
        return Err(format!(
            "`{}` changed in a JSON round trip: {json} read back as {back:?}",
            std::any::type_name::<T>()
        ));
    }
    Ok(())
}

/// A variant of a typed outcome converts to exactly its outcome's events: `decision`
/// (the variant built from default events, its optional ones present when
/// `with_optional`, then `into_decision`) must name an outcome of `command` and record
/// that outcome's events in their declared order — all of them when `with_optional`,
/// else its required ones — which [`aggregate::check_outcome`] (what `handle` checks)
/// accepts.
///
/// [`aggregate::check_outcome`]: crate::aggregate::check_outcome
pub fn outcome_fits<A: Aggregate>(
    command: &'static str,
    decision: crate::aggregate::Decision<A::Event>,
    with_optional: bool,
) -> Result<(), String> {
    let Some(name) = decision.name() else {
        return Err(format!("an outcome of `{command}` decided nothing"));
    };
    let Some(declared) = A::outcomes(command).iter().find(|o| o.name == name) else {
        return Err(format!("`{command}` declares no outcome `{name}`"));
    };
    let want: Vec<&str> = declared
        .events
        .iter()
        .filter(|(_, optional)| with_optional || !optional)
        .map(|(event, _)| *event)
        .collect();
    let got: Vec<&str> = decision
        .events()
        .iter()
        .map(DomainEvent::type_name)
        .collect();
    if got != want {
        return Err(format!(
            "the outcome `{name}` of `{command}` records {got:?}, not its declared {want:?}"
        ));
    }
    crate::aggregate::check_outcome::<A>(command, Some(name), &got).map_err(|m| m.to_string())
}

/// An expected event or command: its type name and the fields the scenario gives, in
/// the JSON form of the message's own type (so `10` and `"10.0"` compare as the same
/// decimal, and a symbolic uuid as its UUID).
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// The event type or command name.
    pub name: String,
    /// The given fields, as the message serializes them.
    pub fields: Fields,
}

impl Expected {
    fn of<T: Serialize + DeserializeOwned + Default>(name: &str, json: &str) -> Self {
        let full = serde_json::to_value(message::<T>(json)).expect("messages serialize");
        let fields = values::<T>(json)
            .keys()
            .map(|key| (key.clone(), full[key].clone()))
            .collect();
        Expected {
            name: name.to_owned(),
            fields,
        }
    }

    /// Checks one produced message (name and JSON) against this expectation.
    fn check(&self, name: &str, data: &Value) -> Result<(), String> {
        if name != self.name {
            return Err(format!("expected `{}`, got `{name}`", self.name));
        }
        for (field, want) in &self.fields {
            let got = data.get(field).unwrap_or(&Value::Null);
            if got != want {
                return Err(format!("`{name}.{field}` is {got}, expected {want}"));
            }
        }
        Ok(())
    }
}

/// Compares produced (name, JSON) messages with the expected ones, in order.
fn compare(got: &[(String, Value)], want: &[Expected], what: &str) -> Result<(), String> {
    let got_names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    let want_names: Vec<&str> = want.iter().map(|e| e.name.as_str()).collect();
    if got_names != want_names {
        return Err(format!("expected {what} {want_names:?}, got {got_names:?}"));
    }
    for ((name, data), expected) in got.iter().zip(want) {
        expected.check(name, data)?;
    }
    Ok(())
}

/// What a scenario expects of its command.
#[derive(Debug, Clone, PartialEq)]
enum Then {
    /// Not said yet: the scenario is incomplete.
    Unset,
    /// These events, in order (none: the command changes nothing).
    Events(Vec<Expected>),
    /// This business error.
    Error(String),
}

/// Given events, when a command, then events or an error — for the aggregate `A`,
/// decided by its rules without a store.
pub struct AggregateScenario<A: Aggregate> {
    title: String,
    given: Vec<A::Event>,
    when: Option<A::Command>,
    then: Then,
    outcome: Option<String>,
    _aggregate: PhantomData<fn() -> A>,
}

impl<A: Aggregate> AggregateScenario<A> {
    /// A scenario titled `title` (the test's name).
    pub fn new(title: impl Into<String>) -> Self {
        AggregateScenario {
            title: title.into(),
            given: Vec::new(),
            when: None,
            then: Then::Unset,
            outcome: None,
            _aggregate: PhantomData,
        }
    }

    /// An event that happened before, from its given values.
    pub fn given<E>(mut self, json: &str) -> Self
    where
        E: Serialize + DeserializeOwned + Default + Into<A::Event>,
    {
        self.given.push(message::<E>(json).into());
        self
    }

    /// The command, from its given values.
    pub fn when<C>(mut self, json: &str) -> Self
    where
        C: Serialize + DeserializeOwned + Default + Into<A::Command>,
    {
        self.when = Some(message::<C>(json).into());
        self
    }

    /// Expects the event `E` next, with (at least) the given field values.
    pub fn then<E>(mut self, json: &str) -> Self
    where
        E: Serialize + DeserializeOwned + Default + Into<A::Event>,
    {
        let name = message::<E>(json).into().type_name();
        let expected = Expected::of::<E>(name, json);
        match &mut self.then {
            Then::Events(events) => events.push(expected),
            _ => self.then = Then::Events(vec![expected]),
        }
        self
    }

    /// Expects no events.
    pub fn then_nothing(mut self) -> Self {
        self.then = Then::Events(Vec::new());
        self
    }

    /// Expects the rule to name the outcome `name` of its command (with the events
    /// expected by [`AggregateScenario::then`]): what tells apart two outcomes whose
    /// events can be the same.
    pub fn then_outcome(mut self, name: &str) -> Self {
        self.outcome = Some(name.to_owned());
        self
    }

    /// Expects the business error `name`.
    pub fn then_error(mut self, name: &str) -> Self {
        self.then = Then::Error(name.to_owned());
        self
    }

    /// The command's name (`None` before [`AggregateScenario::when`]).
    pub fn command_name(&self) -> Option<&'static str> {
        self.when.as_ref().map(Command::name)
    }

    /// Folds the given events, decides the command, and compares the outcome.
    pub fn run(&self) -> Result<(), String> {
        let Some(command) = &self.when else {
            return Err(format!("scenario `{}` has no command", self.title));
        };
        let state = self.given.iter().fold(A::State::default(), A::evolve);
        let decided = A::decide(&state, command).map(|decision| {
            // What `handle` would refuse is a failure of the scenario too, naming the outcomes.
            let names: Vec<&str> = decision
                .events()
                .iter()
                .map(DomainEvent::type_name)
                .collect();
            let fits =
                crate::aggregate::check_outcome::<A>(command.name(), decision.name(), &names)
                    .map_err(|misfit| misfit.to_string())
                    .and_then(|()| match (&self.outcome, decision.name()) {
                        (Some(want), got) if got != Some(want.as_str()) => Err(format!(
                            "expected the outcome `{want}`, the rule decided {}",
                            got.map_or("nothing".to_owned(), |got| format!("the outcome `{got}`"))
                        )),
                        _ => Ok(()),
                    });
            (fits, decision.into_events())
        });
        let problem = match (&self.then, decided) {
            (Then::Unset, _) => Err("the scenario expects nothing; add events or an error".into()),
            (_, Ok((Err(problem), _))) => Err(problem),
            (Then::Events(want), Ok((Ok(()), events))) => {
                let mut got = Vec::with_capacity(events.len());
                for event in &events {
                    let data = event.to_payload().map_err(|e| e.to_string())?;
                    got.push((event.type_name().to_owned(), data));
                }
                compare(&got, want, "events")
            }
            (Then::Events(_), Err(error)) => Err(format!(
                "expected events, got the error `{}` ({error})",
                error.name()
            )),
            (Then::Error(want), Err(error)) if error.name() == want => Ok(()),
            (Then::Error(want), Err(error)) => Err(format!(
                "expected the error `{want}`, got `{}` ({error})",
                error.name()
            )),
            (Then::Error(want), Ok((Ok(()), events))) => {
                let names: Vec<&str> = events.iter().map(DomainEvent::type_name).collect();
                Err(format!("expected the error `{want}`, got events {names:?}"))
            }
        };
        problem.map_err(|problem| format!("scenario `{}`: {problem}", self.title))
    }

    /// The scenario as a test: it runs, and fails on a mismatch, once its command is in
    /// `written` (the rules' `written()` list); before that it is reported as ignored
    /// with the reason, naming `rules_file`.
    pub fn trial(self, rules_file: &'static str, written: &'static [&'static str]) -> Trial
    where
        A: 'static,
        A::Event: Send,
        A::Command: Send,
    {
        let command = self.command_name().unwrap_or("?");
        let title = self.title.clone();
        pending_trial(&title, command, rules_file, written, move || self.run())
    }
}

/// A scenario as a test: when `rule` is in `written` it runs `check` and fails on a
/// mismatch; otherwise it is reported as ignored with the reason (and what `check` says
/// of the default rule), because a default cannot know the business.
pub fn pending_trial(
    title: &str,
    rule: &'static str,
    rules_file: &'static str,
    written: &'static [&'static str],
    check: impl FnOnce() -> Result<(), String> + Send + 'static,
) -> Trial {
    Trial::ignorable_test(format!("scenario: {title}"), move || {
        verdict(rule, rules_file, written, check())
    })
}

/// What a scenario's outcome means for its test (see [`pending_trial`]): `check`'s
/// result when `rule` is written, else ignored with the reason.
pub fn verdict(
    rule: &str,
    rules_file: &str,
    written: &[&str],
    outcome: Result<(), String>,
) -> Result<Completion, Failed> {
    if written.contains(&rule) {
        return outcome
            .map(|()| Completion::Completed)
            .map_err(Failed::from);
    }
    let today = match outcome {
        Ok(()) => "the default rule happens to fit".to_owned(),
        Err(problem) => format!("with the default rule: {problem}"),
    };
    Ok(Completion::ignored_with(format!(
        "pending: write rule `{rule}` in {rules_file} and list it in written() ({today})"
    )))
}

/// Given an event, then the commands `C` a policy rule issues (or none).
///
/// The rule gets the event, its record (with a stable id) and [`Views`] over a memory
/// store holding the rows given with [`PolicyScenario::given_row`].
pub struct PolicyScenario<E, C> {
    title: String,
    event_type: String,
    event: Option<(E, Value)>,
    rows: Vec<(&'static str, String, Value)>,
    then: Vec<Expected>,
    _command: PhantomData<fn() -> C>,
}

impl<E, C> PolicyScenario<E, C>
where
    E: Serialize + DeserializeOwned + Default,
    C: Serialize + DeserializeOwned + Default,
{
    /// A scenario titled `title` of a policy that reacts to `event_type`.
    pub fn new(title: impl Into<String>, event_type: &str) -> Self {
        PolicyScenario {
            title: title.into(),
            event_type: event_type.to_owned(),
            event: None,
            rows: Vec::new(),
            then: Vec::new(),
            _command: PhantomData,
        }
    }

    /// The event the policy reacts to, from its given values.
    pub fn given(mut self, json: &str) -> Self {
        let event = message::<E>(json);
        let payload = serde_json::to_value(&event).expect("events serialize");
        self.event = Some((event, payload));
        self
    }

    /// A row of the read model `R` the rule may read through its views.
    pub fn given_row<R: crate::projection::Row>(mut self, key: &str, json: &str) -> Self {
        let row = serde_json::to_value(message::<R>(json)).expect("rows serialize");
        self.rows.push((R::TABLE, key.to_owned(), row));
        self
    }

    /// Expects a command next, with (at least) the given field values.
    pub fn then(mut self, json: &str) -> Self {
        self.then.push(Expected::of::<C>(short_name::<C>(), json));
        self
    }

    /// Runs `rule` on the event and compares the commands it issues with the expected
    /// ones (none expected unless [`PolicyScenario::then`] says).
    pub fn run<I>(&self, rule: impl Fn(&E, &RecordedEvent, &Views<'_>) -> I) -> Result<(), String>
    where
        I: IntoIterator<Item = C>,
    {
        let fail = |problem: String| format!("scenario `{}`: {problem}", self.title);
        let Some((event, payload)) = &self.event else {
            return Err(fail("the scenario has no event".into()));
        };
        let store = crate::open("memory:").map_err(|e| fail(e.to_string()))?;
        let mut by_table: Vec<(&str, Vec<DocOp>)> = Vec::new();
        for (table, key, value) in &self.rows {
            let op = DocOp::Put {
                table: (*table).to_owned(),
                key: key.clone(),
                value: value.clone(),
            };
            match by_table.iter_mut().find(|(t, _)| t == table) {
                Some((_, ops)) => ops.push(op),
                None => by_table.push((table, vec![op])),
            }
        }
        for (table, ops) in by_table {
            // The rows as a projection at the event's position would have committed them.
            let commit = ConsumerCommit {
                consumer: table.to_owned(),
                expected_checkpoint: 0,
                new_checkpoint: 1,
                ops,
                lease: None,
            };
            store
                .backend()
                .commit_consumer(commit)
                .map_err(|e| fail(e.to_string()))?;
        }
        let recorded = RecordedEvent {
            position: 1,
            stream: "scenario-Source-1".to_owned(),
            version: 1,
            id: symbolic_uuid(&self.title),
            event_type: self.event_type.clone(),
            schema_version: 1,
            payload: payload.clone(),
            metadata: Metadata::default(),
            recorded_at: std::time::UNIX_EPOCH,
        };
        let cause = crate::aggregate::Cause {
            consumer: "scenario",
            event: &recorded,
        };
        let views = Views::new(&store, cause);
        let mut got = Vec::new();
        for command in rule(event, &recorded, &views) {
            let data = serde_json::to_value(&command).map_err(|e| fail(e.to_string()))?;
            got.push((short_name::<C>().to_owned(), data));
        }
        compare(&got, &self.then, "commands").map_err(fail)
    }

    /// The scenario as a test of the policy `policy` (see [`pending_trial`]).
    pub fn trial<I>(
        self,
        policy: &'static str,
        rules_file: &'static str,
        written: &'static [&'static str],
        rule: impl Fn(&E, &RecordedEvent, &Views<'_>) -> I + Send + 'static,
    ) -> Trial
    where
        I: IntoIterator<Item = C>,
        E: Send + 'static,
        C: 'static,
    {
        let title = self.title.clone();
        pending_trial(&title, policy, rules_file, written, move || self.run(rule))
    }
}

/// One step of a [`ReactionScenario`]: an event arrives, or time passes.
#[derive(Debug, Clone)]
enum ReactionStep {
    /// The event is appended to `stream` (its aggregate's), then the workers run.
    Event {
        stream: String,
        event_type: &'static str,
        version: u32,
        payload: Value,
    },
    /// The clock moves on by this much, then the workers and due timers run.
    After(std::time::Duration),
}

/// Given events (and time passing between them), then the commands a policy, a deadline
/// or a process issues — through its real worker, on a memory store with a
/// [`ManualClock`](crate::clock::ManualClock), driven with [`drive`].
///
/// The commands are observed where the reaction hands them over (the store's
/// [`IssueLog`](crate::policy::IssueLog)): a command of its own context before its
/// aggregate decides on it, another context's as it is sent to that context's inbox. So
/// the scenario says what the reaction's rules decide, whatever the aggregate would say.
///
/// Time is measured from the events: `after` moves the clock that far past the later of
/// the clock and the last event's record time, so "given `OrderPlaced`, after 30m" is
/// 30 minutes after the order was placed however long the test took to append it.
///
/// ```text
/// // tests/reactions.rs of a generated context (`harness = false`):
/// testing::run(vec![
///     ReactionScenario::new("an unpaid order is cancelled", "ordering.CancelUnpaidOrders")
///         .given::<ordering::order::OrderPlaced>("ordering-Order", "order_id", "OrderPlaced", 2, r#"{"order_id":"order-1"}"#)
///         .after(1860)
///         .then::<ordering::order::CancelOrder>("ordering", "CancelOrder", r#"{"order_id":"order-1"}"#)
///         .trial(ordering::timers::WORKERS, &[]),
/// ])
/// ```
///
/// A rule of the reaction that is still pending (it noted that it cannot decide) makes
/// the scenario **ignored** with the rule's message, which names the method to write:
/// nothing a pending rule does can pass.
#[derive(Debug, Clone)]
pub struct ReactionScenario {
    title: String,
    consumer: &'static str,
    steps: Vec<ReactionStep>,
    then: Vec<Expected>,
    completes: Option<(&'static str, bool)>,
    pending: Option<&'static str>,
}

impl ReactionScenario {
    /// A scenario titled `title` of the reaction whose worker is `consumer`
    /// (`<context>.<Policy>` or `<context>.<Process>`).
    pub fn new(title: impl Into<String>, consumer: &'static str) -> Self {
        ReactionScenario {
            title: title.into(),
            consumer,
            steps: Vec::new(),
            then: Vec::new(),
            completes: None,
            pending: None,
        }
    }

    /// Marks the scenario pending while `pending` (a generated `policies::pending(..)`:
    /// a policy rule the given events set off, whose default is pending and which
    /// `written()` does not list) says so: it is then reported ignored with that text,
    /// even where the default's outcome would happen to fit.
    pub fn unless_pending(mut self, pending: Option<&'static str>) -> Self {
        self.pending = self.pending.or(pending);
        self
    }

    /// The event `E` (`event_type` at schema version `version`, of an aggregate of the
    /// stream category `category` whose id is the field `id_field`) arrives, from its
    /// given values. Its stream is the aggregate's, so the aggregate sees it too.
    pub fn given<E: Serialize + DeserializeOwned + Default>(
        mut self,
        category: &str,
        id_field: &str,
        event_type: &'static str,
        version: u32,
        json: &str,
    ) -> Self {
        let payload = serde_json::to_value(message::<E>(json)).expect("events serialize");
        let id = match payload.get(id_field) {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Null) | None => "scenario".to_owned(),
            Some(other) => other.to_string(),
        };
        self.steps.push(ReactionStep::Event {
            stream: format!("{category}-{id}"),
            event_type,
            version,
            payload,
        });
        self
    }

    /// `secs` seconds pass.
    pub fn after(mut self, secs: u64) -> Self {
        self.steps
            .push(ReactionStep::After(std::time::Duration::from_secs(secs)));
        self
    }

    /// Expects the command `C` (`command` of `context`) next, with (at least) the given
    /// field values. None expected: the reaction issues nothing.
    pub fn then<C: Serialize + DeserializeOwned + Default>(
        mut self,
        context: &str,
        command: &str,
        json: &str,
    ) -> Self {
        self.then
            .push(Expected::of::<C>(&format!("{context}.{command}"), json));
        self
    }

    /// Expects an instance of the process whose instances are the category `category`
    /// to be completed by the end (`completed`), or none to be.
    pub fn completes(mut self, category: &'static str, completed: bool) -> Self {
        self.completes = Some((category, completed));
        self
    }

    /// Runs the steps through the worker of the reaction among `workers` (and the
    /// `read_models`' projections, so a rule's views are current) and compares what it
    /// issued. `Ok(Some(reason))`: a rule is pending, the scenario says nothing yet.
    pub fn run(
        &self,
        workers: &[crate::worker::Worker],
        read_models: &[crate::worker::Worker],
    ) -> Result<Option<String>, String> {
        use crate::policy::{IssueLog, Issued};
        if let Some(text) = self.pending {
            return Ok(Some(format!("pending: {text}")));
        }
        let fail = |problem: String| format!("scenario `{}`: {problem}", self.title);
        let driven: Vec<crate::worker::Worker> = workers
            .iter()
            .filter(|w| w.consumer == self.consumer)
            .chain(read_models)
            .copied()
            .collect();
        if !driven.iter().any(|w| w.consumer == self.consumer) {
            return Err(fail(format!("no worker `{}` to drive", self.consumer)));
        }
        let clock = crate::clock::ManualClock::new(std::time::SystemTime::now());
        let log = IssueLog::new();
        let store = crate::open("memory:")
            .map_err(|e| fail(e.to_string()))?
            .with_clock(std::sync::Arc::new(clock.clone()))
            .with_issue_log(log.clone());
        let mut now = store.now();
        for step in &self.steps {
            match step {
                ReactionStep::Event {
                    stream,
                    event_type,
                    version,
                    payload,
                } => {
                    let event = crate::NewEvent::new(*event_type, *version, payload.clone());
                    let done = store
                        .append(stream, crate::ExpectedVersion::Any, vec![event])
                        .map_err(|e| fail(e.to_string()))?;
                    let recorded = store
                        .read_stream(stream, done.stream_version, 1)
                        .map_err(|e| fail(e.to_string()))?;
                    if let Some(recorded) = recorded.first() {
                        now = now.max(recorded.recorded_at);
                    }
                }
                ReactionStep::After(by) => {
                    now += *by;
                    clock.set(now);
                }
            }
            drive(&store, &driven).map_err(|e| fail(e.to_string()))?;
        }
        let mut got = Vec::new();
        for issued in log.take() {
            match issued {
                Issued::Pending { message, .. } => return Ok(Some(format!("pending: {message}"))),
                Issued::Command {
                    context,
                    command,
                    body,
                    ..
                } => got.push((format!("{context}.{command}"), body)),
            }
        }
        compare(&got, &self.then, "commands").map_err(fail)?;
        if let Some((category, completed)) = self.completes {
            let records = store
                .read_category(category, 0, usize::MAX)
                .map_err(|e| fail(e.to_string()))?;
            let done = records
                .iter()
                .any(|r| r.event_type == crate::process::PROCESS_COMPLETED);
            if done != completed {
                return Err(fail(if completed {
                    "expected the process to complete; it did not".to_owned()
                } else {
                    "expected the process not to complete; it did".to_owned()
                }));
            }
        }
        Ok(None)
    }

    /// The scenario as a test: it fails on a mismatch, and is reported ignored with the
    /// pending rule's message while one of the reaction's rules is pending.
    pub fn trial(
        self,
        workers: &'static [crate::worker::Worker],
        read_models: &'static [crate::worker::Worker],
    ) -> Trial {
        Trial::ignorable_test(format!("reaction: {}", self.title), move || {
            match self.run(workers, read_models) {
                Ok(None) => Ok(Completion::Completed),
                Ok(Some(pending)) => Ok(Completion::ignored_with(pending)),
                Err(problem) => Err(Failed::from(problem)),
            }
        })
    }
}

/// The last path segment of a type's name, e.g. `ReserveStock`.
fn short_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    name.rsplit("::").next().unwrap_or(name)
}

/// Runs the trials with the command line's arguments (`cargo test` filters, `--ignored`,
/// `--list`, ...) and returns the exit code: `main` of a `harness = false` test.
pub fn run(trials: Vec<Trial>) -> ExitCode {
    libtest_mimic::run(&libtest_mimic::Arguments::from_args(), trials).exit_code()
}

/// The most rounds [`drive`] runs before it reports that the workers and timers never
/// settle (e.g. a timer that schedules itself due again at once).
pub const DRIVE_ROUNDS: usize = 1000;

/// Runs `workers` and the timers synchronously, the way the background threads would:
/// each round catches every worker up (in table order) and then fires every timer due
/// by the store's clock; rounds repeat until one does nothing. Returns how many events
/// the workers handled.
///
/// With a [`ManualClock`](crate::clock::ManualClock), a test reads like the model:
///
/// ```text
/// given OrderPlaced;            store.append(...)
/// 30 minutes pass;              clock.advance(Duration::from_secs(30 * 60));
/// the workers and timers run;   testing::drive(&store, ordering::workers())?;
/// then CancelOrder was handled. assert!(store.read_stream(...)...)
/// ```
///
/// A handler error stops the drive and is returned (its batch is not committed, as in a
/// real worker); so is a drive that has not settled after [`DRIVE_ROUNDS`] rounds.
pub fn drive(store: &crate::Store, workers: &[crate::worker::Worker]) -> crate::Result<usize> {
    let mut handled = 0;
    // As a worker runs them: the handlers' appends defer their durability to the batch's
    // checkpoint commit (see `worker`).
    let effects = store.with_deferred_durability();
    for _ in 0..DRIVE_ROUNDS {
        let mut round = 0;
        for worker in workers {
            let consumer = worker.consumer;
            let mut subscription = store.subscribe(consumer, worker.filter());
            round += subscription.catch_up(|event, tx| {
                (worker.handler)(&effects, crate::aggregate::Cause { consumer, event }, tx)
            })?;
        }
        handled += round;
        let fired = store.fire_due()?;
        if round == 0 && fired == 0 {
            return Ok(handled);
        }
    }
    Err(crate::Error::InvalidInput(format!(
        "the workers and timers did not settle after {DRIVE_ROUNDS} rounds; a handler or timer keeps producing work"
    )))
}

/// A test that reads a stored payload of `event_type` of `context` at schema version
/// `stored` (the oldest one the model keeps) through `upcasters` into `Current`, the
/// event's type at version `current`. Reported ignored, with the step's text, while a
/// step of the chain is pending.
pub fn upcast_trial<Current: DeserializeOwned>(
    context: &'static str,
    event_type: &'static str,
    stored: u32,
    current: u32,
    payload: Value,
    upcasters: crate::Upcasters,
) -> Trial {
    let title = format!("upcast: {event_type} from version {stored} to {current}");
    let event = RecordedEvent {
        position: 1,
        stream: format!("{context}-Upcast-1"),
        version: 1,
        id: Uuid::nil(),
        event_type: event_type.to_owned(),
        schema_version: stored,
        payload,
        metadata: Metadata::default(),
        recorded_at: std::time::UNIX_EPOCH,
    };
    let outcome = upcasters.upcast(event);
    if let Err(crate::Error::Upcast { message, .. }) = &outcome {
        if message.starts_with(crate::PENDING_UPCAST) {
            let reason = message.clone();
            return Trial::ignorable_test(title, move || Ok(Completion::ignored_with(reason)));
        }
    }
    Trial::test(title, move || {
        let event = outcome.map_err(|e| format!("{e}"))?;
        if event.schema_version != current {
            return Err(format!(
                "the chain stopped at version {} instead of {current}: a step is not registered",
                event.schema_version
            )
            .into());
        }
        serde_json::from_value::<Current>(event.payload.clone()).map_err(|e| {
            format!(
                "the upcast payload does not fit version {current}: {e}\n{}",
                event.payload
            )
        })?;
        Ok(())
    })
}
