//! The checked model: every name resolved to an id, every collection in model order.
//!
//! Elements live in flat arenas (`Vec`s indexed by typed ids), so renderers can walk
//! them in a stable order. [`Model::graph`] holds the same elements as a petgraph
//! graph for the questions that are about flow rather than structure.

pub mod graph;
pub mod sources;
pub mod time;
pub mod types;

pub use graph::{EdgeKind, FlowGraph, NodeRef};
pub use types::{Primitive, TypeRef};

use crate::model::ast::Persistence;
use crate::source::Span;

macro_rules! ids {
    ($($name:ident),*) => {$(
        #[doc = concat!("Index of a `", stringify!($name), "` element in its arena.")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);
        impl $name {
            /// The arena index.
            pub fn index(self) -> usize { self.0 as usize }
        }
    )*};
}

ids!(
    ActorId,
    ExternalId,
    ContextId,
    TypeId,
    AggregateId,
    CommandId,
    EventId,
    PolicyId,
    ProcessId,
    ReadModelId
);

/// A checked model.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// The system's name.
    pub system: String,
    /// The system's description.
    pub description: Option<String>,
    /// People and roles.
    pub actors: Vec<Actor>,
    /// External systems.
    pub externals: Vec<External>,
    /// Bounded contexts in model order.
    pub contexts: Vec<Context>,
    /// Named types of all contexts.
    pub types: Vec<NamedType>,
    /// Aggregates of all contexts.
    pub aggregates: Vec<Aggregate>,
    /// Commands of all contexts.
    pub commands: Vec<Command>,
    /// Events of all contexts.
    pub events: Vec<Event>,
    /// Policies of all contexts, and the reactions and deadlines of processes that
    /// issue a command (their `process` is set; their context does not list them).
    pub policies: Vec<Policy>,
    /// Process managers of all contexts.
    pub processes: Vec<Process>,
    /// Read models of all contexts.
    pub read_models: Vec<ReadModel>,
    /// Scenarios of all contexts.
    pub scenarios: Vec<Scenario>,
    /// Reaction scenarios (of a policy, a deadline or a process) of all contexts.
    pub reaction_scenarios: Vec<ReactionScenario>,
    /// Open questions.
    pub hotspots: Vec<Hotspot>,
    /// The flow graph over the elements above.
    pub graph: FlowGraph,
}

/// A person or role.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Where it is defined.
    pub span: Span,
}

/// An external system.
#[derive(Debug, Clone)]
pub struct External {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Where it is defined.
    pub span: Span,
}

/// A bounded context.
#[derive(Debug, Clone)]
pub struct Context {
    /// snake_case name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Its types, in model order.
    pub types: Vec<TypeId>,
    /// Its aggregates.
    pub aggregates: Vec<AggregateId>,
    /// Its policies (not the ones lowered from its processes).
    pub policies: Vec<PolicyId>,
    /// Its process managers.
    pub processes: Vec<ProcessId>,
    /// Its read models.
    pub read_models: Vec<ReadModelId>,
    /// Index range of its scenarios in [`Model::scenarios`].
    pub scenarios: Vec<usize>,
    /// Its reaction scenarios, as indexes in [`Model::reaction_scenarios`].
    pub reaction_scenarios: Vec<usize>,
    /// Where it is defined.
    pub span: Span,
}

/// A field.
#[derive(Debug, Clone)]
pub struct Field {
    /// snake_case name.
    pub name: String,
    /// Resolved type.
    pub ty: TypeRef,
    /// Description.
    pub description: Option<String>,
    /// True for the aggregate id field added to every command and event.
    pub implicit: bool,
    /// Format 2 `computed:`: the rule computes it, instead of copying it from a
    /// source of the same name.
    pub computed: Option<Computed>,
    /// Where its name is written (for an implicit field, where the id or key is).
    pub span: Span,
}

/// How a field declared `computed:` gets its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Computed {
    /// `computed: now` — the time the rule decides, from the clock: a traced source
    /// the generator fills.
    Now,
    /// Any other text: how the rule computes it, in words. A default cannot, so its
    /// rule is pending until written.
    Rule(String),
}

impl Computed {
    /// The `computed:` text as written (trimmed); `now` is the clock.
    pub fn parse(text: &str) -> Computed {
        let text = text.trim();
        if text.eq_ignore_ascii_case("now") {
            Computed::Now
        } else {
            Computed::Rule(text.to_owned())
        }
    }
}

/// A value object or enum.
#[derive(Debug, Clone)]
pub struct NamedType {
    /// PascalCase name.
    pub name: String,
    /// Owning context.
    pub context: ContextId,
    /// Description.
    pub description: Option<String>,
    /// Record or enum.
    pub kind: NamedTypeKind,
}

/// The shape of a named type.
#[derive(Debug, Clone)]
pub enum NamedTypeKind {
    /// A record of fields.
    Record(Vec<Field>),
    /// A choice of variants.
    Enum(Vec<String>),
}

/// An aggregate.
#[derive(Debug, Clone)]
pub struct Aggregate {
    /// PascalCase name.
    pub name: String,
    /// Owning context.
    pub context: ContextId,
    /// Description.
    pub description: Option<String>,
    /// The identity field.
    pub id: Field,
    /// Event-sourced or state-stored.
    pub persistence: Persistence,
    /// State fields.
    pub state: Vec<Field>,
    /// Commands it handles.
    pub commands: Vec<CommandId>,
    /// Its events.
    pub events: Vec<EventId>,
    /// Where it is defined.
    pub span: Span,
    /// Where the id's type is written (the id's name when the type is implicit).
    pub id_span: Span,
}

/// Who issues a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Issuer {
    /// An actor.
    Actor(ActorId),
    /// An external system (a webhook).
    External(ExternalId),
}

/// A business error a command may raise.
#[derive(Debug, Clone)]
pub struct BusinessError {
    /// PascalCase name.
    pub name: String,
    /// Message for API clients.
    pub message: Option<String>,
    /// Where it is declared.
    pub span: Span,
}

/// A command.
#[derive(Debug, Clone)]
pub struct Command {
    /// PascalCase name.
    pub name: String,
    /// Owning context.
    pub context: ContextId,
    /// Aggregate that handles it.
    pub aggregate: AggregateId,
    /// Description.
    pub description: Option<String>,
    /// Actors and externals that issue it.
    pub issued_by: Vec<Issuer>,
    /// Fields, the aggregate id first.
    pub fields: Vec<Field>,
    /// Events it emits.
    pub emits: Vec<EventId>,
    /// Where each of `emits` is written, in the same order.
    pub emit_spans: Vec<Span>,
    /// Business errors.
    pub errors: Vec<BusinessError>,
    /// Its alternative results, in model order. An `emits:` command has one, named
    /// [`EMITTED`] (its events required in a format-2 file; optional in a format-1
    /// file, whose commands record some of their `emits`); `emits` is the union of
    /// their events in first-seen order.
    pub outcomes: Vec<CommandOutcome>,
    /// Where it is defined.
    pub span: Span,
}

/// The outcome name of a command written with `emits:` (one outcome).
pub const EMITTED: &str = "emitted";

/// One alternative result of a command: the events it records together.
#[derive(Debug, Clone)]
pub struct CommandOutcome {
    /// snake_case name; [`EMITTED`] for an `emits:` command.
    pub name: String,
    /// Its events in model order.
    pub events: Vec<OutcomeEvent>,
    /// Whether it is a failure (a result other contexts may need to hear of).
    pub failure: bool,
    /// Where its key is written (the `emits:` value for the shorthand).
    pub span: Span,
}

/// An event of an outcome.
#[derive(Debug, Clone)]
pub struct OutcomeEvent {
    /// The event.
    pub event: EventId,
    /// Written `Event?`: the outcome may record it or not.
    pub optional: bool,
    /// Where it is written.
    pub span: Span,
}

/// An event.
#[derive(Debug, Clone)]
pub struct Event {
    /// PascalCase name.
    pub name: String,
    /// Owning context.
    pub context: ContextId,
    /// Aggregate whose stream it is in.
    pub aggregate: AggregateId,
    /// Description.
    pub description: Option<String>,
    /// Schema version.
    pub version: u32,
    /// Whether other contexts may use it.
    pub published: bool,
    /// Where `published: true` is written (the name when it is not).
    pub published_span: Span,
    /// Fields, the aggregate id first.
    pub fields: Vec<Field>,
    /// Format 2 `previous:` — older schema versions still in the store, in file order.
    pub previous: Vec<PreviousVersion>,
    /// Where it is defined.
    pub span: Span,
}

/// An older schema version of an event: stored payloads of that version are upcast,
/// one version at a time, to the current shape.
#[derive(Debug, Clone)]
pub struct PreviousVersion {
    /// The version number.
    pub version: u32,
    /// Its fields, the aggregate id first.
    pub fields: Vec<Field>,
    /// Where its key under `previous:` is written.
    pub span: Span,
}

impl Event {
    /// The shape of schema version `version`: the current fields, or a previous
    /// version's.
    pub fn shape(&self, version: u32) -> Option<&[Field]> {
        if version == self.version {
            return Some(&self.fields);
        }
        self.previous
            .iter()
            .find(|p| p.version == version)
            .map(|p| p.fields.as_slice())
    }

    /// The upcasting steps `(from, to)` the model declares, oldest first: one per
    /// previous version, each to the next version (the last to the current one).
    /// Empty when the versions under `previous:` are not a gapless run below the
    /// current version (SC088 reports that).
    pub fn upcast_steps(&self) -> Vec<(u32, u32)> {
        let mut versions: Vec<u32> = self.previous.iter().map(|p| p.version).collect();
        versions.sort_unstable();
        versions.dedup();
        let gapless = versions.len() == self.previous.len()
            && versions.iter().enumerate().all(|(i, v)| {
                u64::from(*v) + (versions.len() - i) as u64 == u64::from(self.version)
            });
        if !gapless {
            return Vec::new();
        }
        versions.iter().map(|v| (*v, v + 1)).collect()
    }
}

/// A policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// PascalCase name.
    pub name: String,
    /// Owning context.
    pub context: ContextId,
    /// Description.
    pub description: Option<String>,
    /// Events it reacts to.
    pub on: Vec<EventId>,
    /// Command it issues.
    pub issues: Option<CommandId>,
    /// Where `issue` is written (the name when it is not).
    pub issue_span: Span,
    /// External system it calls.
    pub calls: Option<ExternalId>,
    /// What sets it off: its events, a deadline after them, or a schedule.
    pub trigger: Trigger,
    /// `if:` — the condition in words; the policy's rule may then issue nothing.
    pub condition: Option<String>,
    /// Where `if:` is written.
    pub condition_span: Option<Span>,
    /// `on_error:` — what happens when the issued command is refused, in model order.
    pub recovery: Vec<Recovery>,
    /// The process whose reaction or deadline this is, when it is one: such a policy
    /// is drawn, traced and generated as part of its process.
    pub process: Option<ProcessId>,
    /// Format 2 `reads:`: the read model whose row, found by the trigger event's key,
    /// the issued command's fields may come from.
    pub reads: Option<PolicyRead>,
    /// Where it is defined.
    pub span: Span,
}

/// A policy's `reads:`: a read model of its own context whose row, the one of the key
/// its trigger event carries, is a source of the issued command's fields.
#[derive(Debug, Clone)]
pub struct PolicyRead {
    /// The read model (never a history: its rows have no key).
    pub read_model: ReadModelId,
    /// Per key part in key order: the row's key field and the trigger event's field
    /// that carries it (the part's own name unless `key:` maps it). After `check`, every
    /// trigger event has each such field, of a type that fits the part's.
    pub key: Vec<(String, String)>,
    /// Where `reads:` is written.
    pub span: Span,
}

/// A process manager: reacts to events of its own and other contexts, correlated by
/// a key, keeps its own event-sourced state per key, issues commands in any context,
/// and completes.
#[derive(Debug, Clone)]
pub struct Process {
    /// PascalCase name.
    pub name: String,
    /// Owning context.
    pub context: ContextId,
    /// Description.
    pub description: Option<String>,
    /// The correlation key's name (the process's own name for it).
    pub key: String,
    /// The key's type (of the first handled event that carries it).
    pub key_ty: TypeRef,
    /// Where `key:` is written (the name when it is not).
    pub key_span: Span,
    /// State fields, each unset until an event sets it.
    pub state: Vec<Field>,
    /// The handled events, in model order.
    pub handlers: Vec<ProcessHandler>,
    /// Its deadlines, in model order.
    pub deadlines: Vec<ProcessDeadline>,
    /// Where it is defined.
    pub span: Span,
}

/// How a process reacts to one event.
#[derive(Debug, Clone)]
pub struct ProcessHandler {
    /// The event (of any context; another's is published).
    pub event: EventId,
    /// The event's field holding the key.
    pub key_field: String,
    /// The event starts an instance.
    pub start: bool,
    /// The event completes the instance.
    pub complete: bool,
    /// The reaction that issues a command, when it issues one.
    pub policy: Option<PolicyId>,
    /// Where the event is written under `on:`.
    pub span: Span,
}

/// A deadline of a process: started when an instance starts, cancelled when it
/// completes or an `unless` event arrives; when it is up it issues a command.
#[derive(Debug, Clone)]
pub struct ProcessDeadline {
    /// PascalCase name.
    pub name: String,
    /// The lowered policy (a [`Trigger::Deadline`] on the start events, correlated by
    /// the key), which issues the command.
    pub policy: PolicyId,
    /// Where it is defined.
    pub span: Span,
}

impl Process {
    /// The handler of `event`, if the process handles it.
    pub fn handler(&self, event: EventId) -> Option<&ProcessHandler> {
        self.handlers.iter().find(|h| h.event == event)
    }

    /// The stream category of its instances in the store: `<context>-<Process>`.
    pub fn category(&self, context: &Context) -> String {
        format!("{}-{}", context.name, self.name)
    }
}

/// What sets a policy off.
#[derive(Debug, Clone, Default)]
pub enum Trigger {
    /// Each event of `on`.
    #[default]
    Events,
    /// A timer started by each event of `on`, fired after the delay unless an `unless`
    /// event with the same correlation value arrives first.
    Deadline(Deadline),
    /// A periodic timer.
    Schedule(Schedule),
    /// This context's rejections of a command (format 2 `on: { rejected, error }`):
    /// the refusals its policies, processes, deadlines and schedules met.
    Rejection(Rejected),
}

/// The refusals that set a policy off: those of one command, of one business error or
/// of any its issuer's `on_error:` does not recover.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// The refused command (this context's or another's that this context issues).
    pub command: CommandId,
    /// Index into the command's errors, when `error:` narrows it to one.
    pub error: Option<usize>,
    /// Where `rejected:` names the command.
    pub command_span: Span,
    /// Where `error:` names the error, when it does.
    pub error_span: Option<Span>,
}

/// A delay after an event (`after:`, `unless:`, `correlate:`).
#[derive(Debug, Clone)]
pub struct Deadline {
    /// The delay in seconds.
    pub delay_secs: u64,
    /// Events that cancel the timer when they arrive first.
    pub unless: Vec<EventId>,
    /// Where each of `unless` is written, in the same order.
    pub unless_spans: Vec<Span>,
    /// The field whose value ties the cancelling events to the starting one.
    pub correlate: String,
    /// Where `after:` is written.
    pub span: Span,
}

/// A periodic trigger (`every:`, `for_each:`).
#[derive(Debug, Clone)]
pub struct Schedule {
    /// When it fires.
    pub every: Every,
    /// The read model whose rows it issues a command for, one per row.
    pub for_each: Option<ReadModelId>,
    /// Where `every:` is written.
    pub span: Span,
}

/// How often a schedule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    /// Every this many seconds.
    Interval {
        /// The interval in seconds (at least 1).
        secs: u64,
    },
    /// Once a day at this UTC time.
    DailyAt {
        /// 0–23.
        hour: u8,
        /// 0–59.
        minute: u8,
    },
}

/// What a policy does when its command is refused with one business error.
#[derive(Debug, Clone)]
pub struct Recovery {
    /// Index into the issued command's errors.
    pub error: usize,
    /// What to do.
    pub action: RecoveryAction,
    /// Where the error's key under `on_error:` is written.
    pub span: Span,
}

/// A recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryAction {
    /// Issue a compensating command (of any context).
    Issue(CommandId),
    /// Issue the command again, up to `times` more times, after an optional delay.
    Retry {
        /// How many more attempts.
        times: u32,
        /// Seconds to wait before each attempt.
        after_secs: Option<u64>,
    },
    /// Leave it in the rejections stream, knowingly.
    Park,
    /// Append an event of the issuing context's aggregate (`record:`), built from the
    /// rejection, to that aggregate's stream: once per rejection.
    Record(EventId),
}

/// A read model.
#[derive(Debug, Clone)]
pub struct ReadModel {
    /// PascalCase name.
    pub name: String,
    /// Owning context.
    pub context: ContextId,
    /// Description.
    pub description: Option<String>,
    /// The key fields, in key order (also the first entries of `fields`): one field, or
    /// several for a composite key; empty for a history read model.
    pub key: Vec<String>,
    /// One row per event, in global order, with no key (`history: true`).
    pub history: bool,
    /// The row fields a list query may filter on (`filters:`), in model order.
    pub filters: Vec<String>,
    /// Where each of `filters` is written, in the same order.
    pub filter_spans: Vec<Span>,
    /// Events that feed it.
    pub from: Vec<EventId>,
    /// Where each of `from` is written, in the same order.
    pub from_spans: Vec<Span>,
    /// What each of `from` does to the rows, in the same order.
    pub sources: Vec<ReadModelSource>,
    /// Where `from:` is written (the name when it is not).
    pub sources_span: Span,
    /// Row fields, the key first.
    pub fields: Vec<Field>,
    /// Where it is defined.
    pub span: Span,
    /// Where its `key` is written (its name when it has none).
    pub key_span: Span,
    /// Where each part of the key is written, in key order.
    pub key_spans: Vec<Span>,
    /// Where `history: true` is written, when it is.
    pub history_span: Option<Span>,
}

impl ReadModel {
    /// The key as the model writes it: `order_id`, `[warehouse_id, sku]`, or
    /// `history` for a history read model, whose rows have none.
    pub fn key_text(&self) -> String {
        match self.key.as_slice() {
            [] => "history".to_owned(),
            [one] => one.clone(),
            parts => format!("[{}]", parts.join(", ")),
        }
    }

    /// How its rows are found, for prose: "keyed by `order_id`", "keyed by
    /// `[warehouse_id, sku]`", or "one per event" for a history.
    pub fn keyed_by(&self) -> String {
        if self.history {
            "one per event, in event order".to_owned()
        } else {
            format!("keyed by `{}`", self.key_text())
        }
    }

    /// The key segments of the row route, `{order_id}` or `{warehouse_id}/{sku}`;
    /// `None` for a history read model (listed only).
    pub fn key_route(&self) -> Option<String> {
        if self.key.is_empty() {
            return None;
        }
        Some(
            self.key
                .iter()
                .map(|k| format!("{{{k}}}"))
                .collect::<Vec<_>>()
                .join("/"),
        )
    }

    /// The source entry of `event`, if it feeds this read model.
    pub fn source(&self, event: EventId) -> Option<&ReadModelSource> {
        self.sources.iter().find(|s| s.event == event)
    }
}

/// What one source event does to a read model's rows, and which row field comes from
/// which event field.
#[derive(Debug, Clone)]
pub struct ReadModelSource {
    /// The event.
    pub event: EventId,
    /// Where the event is named in `from:`.
    pub span: Span,
    /// What the event does.
    pub action: SourceAction,
    /// Per key part, in key order, the event field that carries it: from `key:` of the
    /// source, or the field of the same name. A part the event carries under neither is
    /// missing here (SC047). Empty for history and `where:` sources.
    pub key: Vec<FieldMapping>,
    /// Every other row field the event sets, with the event field it is copied from:
    /// the explicit `set:` entries, then the row fields of the same name as an event
    /// field, in row order. Empty for a delete. After `check`, every entry names a field
    /// of both with compatible types (SC095, SC096).
    pub sets: Vec<FieldMapping>,
}

/// What a source event does to a read model's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceAction {
    /// Creates or changes the row of its key (the default).
    Upsert,
    /// Removes the row of its key (`delete: true`).
    Delete,
    /// Changes every row whose fields equal the event's (`where:`), creating none.
    UpdateWhere(Vec<FieldMapping>),
    /// Appends one row (a history read model).
    Append,
}

/// A row field and the event field it comes from (or, in `where:`, is compared with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMapping {
    /// The row field.
    pub row: String,
    /// The event field.
    pub event: String,
    /// Whether the model writes the pair (`key:`, `set:`, `where:`), not the same name.
    pub explicit: bool,
    /// Where the row field is written (the event reference for same-name pairs).
    pub row_span: Span,
    /// Where the event field is written (the event reference for same-name pairs).
    pub event_span: Span,
}

/// One message of a scenario with its field values (YAML scalars as JSON).
#[derive(Debug, Clone)]
pub struct Step<T> {
    /// The event or command.
    pub id: T,
    /// Field values given in the model, in file order.
    pub values: Vec<(String, serde_json::Value)>,
}

/// What a scenario expects.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// These events, in order.
    Events(Vec<Step<EventId>>),
    /// This business error (index into the command's errors).
    Error(usize),
}

/// An executable specification.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Title.
    pub name: String,
    /// Owning context.
    pub context: ContextId,
    /// The aggregate under test.
    pub aggregate: AggregateId,
    /// Prior events.
    pub given: Vec<Step<EventId>>,
    /// The command.
    pub when: Step<CommandId>,
    /// Expected outcome.
    pub then: Outcome,
    /// For events: the index of the command's outcome they match.
    pub outcome: Option<usize>,
}

/// What a reaction scenario tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReactionSubject {
    /// A policy of the context set off by events, or a deadline.
    Policy(PolicyId),
    /// A process of the context.
    Process(ProcessId),
}

/// One step of a reaction scenario's `given:`.
#[derive(Debug, Clone)]
pub enum ReactionStep {
    /// An event arrives (of any context the subject handles).
    Event(Step<EventId>),
    /// Time passes: this many seconds.
    After(u64),
}

/// A reaction scenario: given events (with time passing between them), then the
/// commands the subject issues, and for a process whether its instance completes.
#[derive(Debug, Clone)]
pub struct ReactionScenario {
    /// Title.
    pub name: String,
    /// Owning context.
    pub context: ContextId,
    /// The policy or process under test.
    pub subject: ReactionSubject,
    /// The given events and time steps, in order (a scenario's `after:` last).
    pub given: Vec<ReactionStep>,
    /// The commands expected to be issued, in order (of any context).
    pub then: Vec<Step<CommandId>>,
    /// `completes:` — whether the process's instance is expected to complete.
    pub completes: Option<bool>,
    /// Where the scenario's name is written.
    pub span: Span,
}

/// What a hotspot is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HotspotTarget {
    /// Nothing in particular (the board, or a context when `context` is set).
    None,
    /// A graph element.
    Node(NodeRef),
}

/// An open question.
#[derive(Debug, Clone)]
pub struct Hotspot {
    /// The question.
    pub text: String,
    /// The context it was written in, if any.
    pub context: Option<ContextId>,
    /// The element it is about.
    pub target: HotspotTarget,
    /// Where it is written.
    pub span: Span,
}

/// Which of the four event-driven patterns a context uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pattern {
    /// Reacts with a policy to another context's published event.
    EventNotification,
    /// Keeps a local read model of another context's published events.
    EventCarriedStateTransfer,
    /// Has an event-sourced aggregate.
    EventSourcing,
    /// Serves queries from read models, apart from the command side.
    Cqrs,
}

impl Pattern {
    /// Human name.
    pub fn label(self) -> &'static str {
        match self {
            Pattern::EventNotification => "event notification",
            Pattern::EventCarriedStateTransfer => "event-carried state transfer",
            Pattern::EventSourcing => "event sourcing",
            Pattern::Cqrs => "CQRS",
        }
    }
}

impl Model {
    /// The context an id belongs to.
    pub fn context(&self, id: ContextId) -> &Context {
        &self.contexts[id.index()]
    }
    /// An aggregate.
    pub fn aggregate(&self, id: AggregateId) -> &Aggregate {
        &self.aggregates[id.index()]
    }
    /// A command.
    pub fn command(&self, id: CommandId) -> &Command {
        &self.commands[id.index()]
    }
    /// An event.
    pub fn event(&self, id: EventId) -> &Event {
        &self.events[id.index()]
    }
    /// A policy.
    pub fn policy(&self, id: PolicyId) -> &Policy {
        &self.policies[id.index()]
    }
    /// A process.
    pub fn process(&self, id: ProcessId) -> &Process {
        &self.processes[id.index()]
    }
    /// The graph node a policy is drawn as: its process, when it is a process's.
    pub fn policy_node(&self, id: PolicyId) -> NodeRef {
        match self.policy(id).process {
            Some(process) => NodeRef::Process(process),
            None => NodeRef::Policy(id),
        }
    }
    /// How a finding names a policy: "policy `X`", or "process `P`" for a process's.
    pub fn policy_label(&self, id: PolicyId) -> String {
        let policy = self.policy(id);
        match policy.process {
            Some(process) => format!("process `{}`", self.process(process).name),
            None => format!("policy `{}`", policy.name),
        }
    }
    /// A read model.
    pub fn read_model(&self, id: ReadModelId) -> &ReadModel {
        &self.read_models[id.index()]
    }
    /// A named type.
    pub fn named_type(&self, id: TypeId) -> &NamedType {
        &self.types[id.index()]
    }

    /// `ty` as a type expression of the model format (`[OrderLine]`, `Money?`).
    pub fn type_expression(&self, ty: &TypeRef) -> String {
        match ty {
            TypeRef::Primitive(p) => p.name().to_owned(),
            TypeRef::Named(id) => self.named_type(*id).name.clone(),
            TypeRef::List(inner) => format!("[{}]", self.type_expression(inner)),
            TypeRef::Optional(inner) => format!("{}?", self.type_expression(inner)),
            TypeRef::Map(inner) => format!("map<string, {}>", self.type_expression(inner)),
        }
    }

    /// Looks up a context by name.
    pub fn context_by_name(&self, name: &str) -> Option<ContextId> {
        self.contexts
            .iter()
            .position(|c| c.name == name)
            .map(|i| ContextId(i as u32))
    }

    /// Looks up a command by `Name` (when unique) or `context.Name`.
    pub fn command_by_name(&self, name: &str) -> Result<CommandId, Vec<String>> {
        let (context, bare) = match name.split_once('.') {
            Some((c, n)) => (Some(c), n),
            None => (None, name),
        };
        let matches: Vec<CommandId> = self
            .commands
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.name == bare && context.is_none_or(|ctx| self.context(c.context).name == ctx)
            })
            .map(|(i, _)| CommandId(i as u32))
            .collect();
        match matches.as_slice() {
            [one] => Ok(*one),
            _ => Err(matches
                .iter()
                .map(|id| self.qualified_command(*id))
                .collect()),
        }
    }

    /// `context.Command`.
    pub fn qualified_command(&self, id: CommandId) -> String {
        let c = self.command(id);
        format!("{}.{}", self.context(c.context).name, c.name)
    }

    /// The policies of context `ctx` (process reactions and deadlines included) whose
    /// refusals of command `c` land in `ctx`'s rejections: those that issue it, and those
    /// whose `on_error:` compensates with it (a compensation's refusal is listed under
    /// the policy it recovers), in model order.
    pub fn rejecting_policies(&self, ctx: ContextId, c: CommandId) -> Vec<PolicyId> {
        (0..self.policies.len())
            .map(|i| PolicyId(i as u32))
            .filter(|p| {
                let policy = self.policy(*p);
                policy.context == ctx
                    && (policy.issues == Some(c)
                        || policy
                            .recovery
                            .iter()
                            .any(|r| r.action == RecoveryAction::Issue(c)))
            })
            .collect()
    }

    /// Whether a rejection of command `c` with error `error` (an index into its errors)
    /// from policy `issuer` is handled by that policy's `on_error:` (parked included):
    /// such a refusal never sets off a policy `on: { rejected }`, so it has one path.
    pub fn recovers(&self, issuer: PolicyId, c: CommandId, error: usize) -> bool {
        let policy = self.policy(issuer);
        policy.issues == Some(c) && policy.recovery.iter().any(|r| r.error == error)
    }

    /// The policies of context `ctx` set off by rejections of command `c` with error
    /// `error` (an index into its errors): `on: { rejected: c }` with that `error:` or
    /// none, in model order.
    pub fn reactions_to(&self, ctx: ContextId, c: CommandId, error: usize) -> Vec<PolicyId> {
        (0..self.policies.len())
            .map(|i| PolicyId(i as u32))
            .filter(|p| {
                let policy = self.policy(*p);
                policy.context == ctx
                    && matches!(&policy.trigger, Trigger::Rejection(r)
                        if r.command == c && r.error.is_none_or(|e| e == error))
            })
            .collect()
    }

    /// A type as the model writes it: `string`, `Money`, `[T]`, `T?`, `map<string, T>`.
    pub fn type_name(&self, ty: &TypeRef) -> String {
        match ty {
            TypeRef::Primitive(p) => p.name().to_owned(),
            TypeRef::Named(id) => self.named_type(*id).name.clone(),
            TypeRef::List(inner) => format!("[{}]", self.type_name(inner)),
            TypeRef::Optional(inner) => format!("{}?", self.type_name(inner)),
            TypeRef::Map(inner) => format!("map<string, {}>", self.type_name(inner)),
        }
    }

    /// A type as [`Model::type_name`] writes it, with each named type's context
    /// (`payments.Money`): to tell apart two types of one name in different contexts.
    pub fn qualified_type_name(&self, ty: &TypeRef) -> String {
        match ty {
            TypeRef::Primitive(p) => p.name().to_owned(),
            TypeRef::Named(id) => {
                let named = self.named_type(*id);
                format!("{}.{}", self.context(named.context).name, named.name)
            }
            TypeRef::List(inner) => format!("[{}]", self.qualified_type_name(inner)),
            TypeRef::Optional(inner) => format!("{}?", self.qualified_type_name(inner)),
            TypeRef::Map(inner) => format!("map<string, {}>", self.qualified_type_name(inner)),
        }
    }

    /// `context.Event`.
    pub fn qualified_event(&self, id: EventId) -> String {
        let e = self.event(id);
        format!("{}.{}", self.context(e.context).name, e.name)
    }

    /// The patterns a context uses, in the fixed order of [`Pattern`].
    pub fn patterns(&self, id: ContextId) -> Vec<Pattern> {
        let context = self.context(id);
        let mut patterns = Vec::new();
        let foreign = |e: &EventId| self.event(*e).context != id;
        if context
            .policies
            .iter()
            .any(|p| self.policy(*p).on.iter().any(foreign))
            || context
                .processes
                .iter()
                .any(|p| self.process(*p).handlers.iter().any(|h| foreign(&h.event)))
        {
            patterns.push(Pattern::EventNotification);
        }
        if context
            .read_models
            .iter()
            .any(|r| self.read_model(*r).from.iter().any(foreign))
        {
            patterns.push(Pattern::EventCarriedStateTransfer);
        }
        if context
            .aggregates
            .iter()
            .any(|a| self.aggregate(*a).persistence == Persistence::EventSourced)
        {
            patterns.push(Pattern::EventSourcing);
        }
        if !context.read_models.is_empty() {
            patterns.push(Pattern::Cqrs);
        }
        patterns
    }

    /// The relations of the context map: for each (publisher, consumer) pair, the
    /// published events the consumer uses and how.
    pub fn context_relations(&self) -> Vec<ContextRelation> {
        let mut relations: std::collections::BTreeMap<(ContextId, ContextId), ContextRelation> =
            std::collections::BTreeMap::new();
        for process in &self.processes {
            for handler in &process.handlers {
                let publisher = self.event(handler.event).context;
                if publisher != process.context {
                    let relation = relations
                        .entry((publisher, process.context))
                        .or_insert_with(|| ContextRelation::new(publisher, process.context));
                    relation.add(handler.event, Pattern::EventNotification);
                }
            }
        }
        for policy in &self.policies {
            // A process's reactions are counted above, once per handled event (a
            // deadline's `on` events are its process's start events).
            let events: &[EventId] = if policy.process.is_some() {
                &[]
            } else {
                &policy.on
            };
            for event in events {
                let publisher = self.event(*event).context;
                if publisher != policy.context {
                    let relation = relations
                        .entry((publisher, policy.context))
                        .or_insert_with(|| ContextRelation::new(publisher, policy.context));
                    relation.add(*event, Pattern::EventNotification);
                }
            }
            if let Some(command) = policy.issues {
                let target = self.command(command).context;
                if target != policy.context {
                    let relation = relations
                        .entry((policy.context, target))
                        .or_insert_with(|| ContextRelation::new(policy.context, target));
                    if !relation.commands.contains(&command) {
                        relation.commands.push(command);
                    }
                }
            }
        }
        for read_model in &self.read_models {
            for event in &read_model.from {
                let publisher = self.event(*event).context;
                if publisher != read_model.context {
                    let relation = relations
                        .entry((publisher, read_model.context))
                        .or_insert_with(|| ContextRelation::new(publisher, read_model.context));
                    relation.add(*event, Pattern::EventCarriedStateTransfer);
                }
            }
        }
        relations.into_values().collect()
    }
}

/// How one context depends on another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextRelation {
    /// For events: the publisher. For commands: the context whose policy issues them.
    pub upstream: ContextId,
    /// For events: the consumer. For commands: the context that handles them.
    pub downstream: ContextId,
    /// Published events of `upstream` used by `downstream`, with the pattern, sorted.
    pub events: Vec<(EventId, Pattern)>,
    /// Commands of `downstream` issued by policies of `upstream` (directed coupling).
    pub commands: Vec<CommandId>,
}

impl ContextRelation {
    fn new(upstream: ContextId, downstream: ContextId) -> ContextRelation {
        ContextRelation {
            upstream,
            downstream,
            events: Vec::new(),
            commands: Vec::new(),
        }
    }

    fn add(&mut self, event: EventId, pattern: Pattern) {
        if !self.events.contains(&(event, pattern)) {
            self.events.push((event, pattern));
            self.events.sort();
        }
    }

    /// The distinct patterns of this relation.
    pub fn patterns(&self) -> Vec<Pattern> {
        let mut patterns: Vec<Pattern> = self.events.iter().map(|(_, p)| *p).collect();
        patterns.sort();
        patterns.dedup();
        patterns
    }
}
