//! The model as written: one struct per YAML mapping of the format, every name and
//! reference with its span. Nothing here is resolved or validated beyond its shape;
//! that is `check`'s work.

use crate::model::yaml::Node;
use crate::source::Span;

/// A value with the place it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Sp<T> {
    /// Pairs a value with its span.
    pub fn new(value: T, span: Span) -> Sp<T> {
        Sp { value, span }
    }
}

/// A name or a reference as written.
pub type Name = Sp<String>;

/// A whole model: the merge of every file.
#[derive(Clone, Debug, Default)]
pub struct ModelAst {
    /// One entry per file, in path order.
    pub files: Vec<FileAst>,
}

/// What one file contributes.
#[derive(Clone, Debug, Default)]
pub struct FileAst {
    /// Index in the source map.
    pub file: u32,
    /// The `stormcraft:` format version key.
    pub format: Option<Sp<i64>>,
    /// `system:` — the system's name.
    pub system: Option<Name>,
    /// `description:`.
    pub description: Option<Sp<String>>,
    /// `actors:`.
    pub actors: Vec<ActorAst>,
    /// `externals:`.
    pub externals: Vec<ExternalAst>,
    /// `contexts:`.
    pub contexts: Vec<ContextAst>,
    /// Top-level `hotspots:`.
    pub hotspots: Vec<HotspotAst>,
}

/// A person or role that issues commands.
#[derive(Clone, Debug)]
pub struct ActorAst {
    /// PascalCase name.
    pub name: Name,
    /// Free text.
    pub description: Option<Sp<String>>,
}

/// An external system.
#[derive(Clone, Debug)]
pub struct ExternalAst {
    /// PascalCase name.
    pub name: Name,
    /// Free text.
    pub description: Option<Sp<String>>,
}

/// A bounded context. Each context is defined in one file; defining it again (in the
/// same or another file) is a duplicate.
#[derive(Clone, Debug)]
pub struct ContextAst {
    /// snake_case name.
    pub name: Name,
    /// Free text.
    pub description: Option<Sp<String>>,
    /// Value objects and enums.
    pub types: Vec<TypeAst>,
    /// Aggregates.
    pub aggregates: Vec<AggregateAst>,
    /// Policies (reactions).
    pub policies: Vec<PolicyAst>,
    /// Format 2 process managers.
    pub processes: Vec<ProcessAst>,
    /// Read models (projections).
    pub read_models: Vec<ReadModelAst>,
    /// Executable specifications.
    pub scenarios: Vec<ScenarioAst>,
    /// Open questions.
    pub hotspots: Vec<HotspotAst>,
}

/// A named type of a context.
#[derive(Clone, Debug)]
pub struct TypeAst {
    /// PascalCase name.
    pub name: Name,
    /// Free text.
    pub description: Option<Sp<String>>,
    /// Record or enum.
    pub kind: TypeKindAst,
}

/// What a named type is.
#[derive(Clone, Debug)]
pub enum TypeKindAst {
    /// A record of fields.
    Record(Vec<FieldAst>),
    /// An enum of PascalCase variants; the span is the `enum:` value.
    Enum(Vec<Name>, Span),
}

/// A field of a record, state, command, event or read model.
#[derive(Clone, Debug)]
pub struct FieldAst {
    /// snake_case name.
    pub name: Name,
    /// The type expression, e.g. `[OrderLine]` or `map<string, Money>?`.
    pub ty: Sp<String>,
    /// Free text.
    pub description: Option<Sp<String>>,
    /// Format 2: `computed:` — how the rule computes the value (`now`: the decision
    /// time), instead of copying it from a source of the same name.
    pub computed: Option<Sp<String>>,
}

/// How an aggregate is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persistence {
    /// State is the fold of the aggregate's events (the default).
    EventSourced,
    /// A state row is stored; events go out through an outbox in the same transaction.
    StateStored,
}

/// An aggregate.
#[derive(Clone, Debug)]
pub struct AggregateAst {
    /// PascalCase name.
    pub name: Name,
    /// Free text.
    pub description: Option<Sp<String>>,
    /// The identity field (name and type); every command and event carries it.
    pub id: IdAst,
    /// `persistence:`.
    pub persistence: Sp<Persistence>,
    /// `state:` fields.
    pub state: Vec<FieldAst>,
    /// Commands handled by the aggregate.
    pub commands: Vec<CommandAst>,
    /// Events of the aggregate.
    pub events: Vec<EventAst>,
}

/// An aggregate's identity.
#[derive(Clone, Debug)]
pub struct IdAst {
    /// snake_case field name (default `id`).
    pub name: Name,
    /// Type expression (default `uuid`).
    pub ty: Sp<String>,
}

/// A command.
#[derive(Clone, Debug)]
pub struct CommandAst {
    /// PascalCase name.
    pub name: Name,
    /// Free text.
    pub description: Option<Sp<String>>,
    /// Actors or externals who issue it.
    pub by: Vec<Name>,
    /// Fields.
    pub fields: Vec<FieldAst>,
    /// Events it emits (`emits:`).
    pub emits: Vec<Name>,
    /// Where the `emits:` key is written, when it is.
    pub emits_key: Option<Span>,
    /// Format 2 `outcomes:`, in file order.
    pub outcomes: Vec<OutcomeAst>,
    /// Where the `outcomes:` key is written, when it is.
    pub outcomes_key: Option<Span>,
    /// Business errors it may raise.
    pub errors: Vec<ErrorAst>,
}

/// One alternative result of a command under `outcomes:`.
#[derive(Clone, Debug)]
pub struct OutcomeAst {
    /// snake_case name (the key).
    pub name: Name,
    /// Its events, `Event?` marking an optional one.
    pub events: Vec<OutcomeEventAst>,
    /// `failure:`, when written as a boolean.
    pub failure: Option<Sp<bool>>,
}

/// An event of an outcome as written.
#[derive(Clone, Debug)]
pub struct OutcomeEventAst {
    /// The event reference, without the `?` marker.
    pub name: Name,
    /// Written `Event?`.
    pub optional: bool,
}

/// A business error a command may raise.
#[derive(Clone, Debug)]
pub struct ErrorAst {
    /// PascalCase name.
    pub name: Name,
    /// What it means, shown to API clients.
    pub message: Option<Sp<String>>,
}

/// An event.
#[derive(Clone, Debug)]
pub struct EventAst {
    /// PascalCase name, past tense by convention.
    pub name: Name,
    /// Free text.
    pub description: Option<Sp<String>>,
    /// Schema version, starting at 1.
    pub version: Sp<i64>,
    /// Whether other contexts may use it.
    pub published: Sp<bool>,
    /// Fields.
    pub fields: Vec<FieldAst>,
    /// Format 2 `previous:` — the shapes of older schema versions still in the store.
    pub previous: Vec<PreviousAst>,
}

/// An older schema version of an event under `previous:`: its number and its fields.
#[derive(Clone, Debug)]
pub struct PreviousAst {
    /// The version number (the key).
    pub version: Sp<i64>,
    /// The fields that version had.
    pub fields: Vec<FieldAst>,
}

/// A policy: on an event, issue a command and/or call an external system.
#[derive(Clone, Debug)]
pub struct PolicyAst {
    /// PascalCase name.
    pub name: Name,
    /// Free text.
    pub description: Option<Sp<String>>,
    /// The events it reacts to.
    pub on: Vec<Name>,
    /// Where the `on:` key is written, when it is.
    pub on_key: Option<Span>,
    /// Format 2 `on: { rejected, error }`: set off by this context's rejections of a
    /// command instead of events.
    pub rejected: Option<RejectedAst>,
    /// The command it issues.
    pub issue: Option<Name>,
    /// The external system it calls.
    pub call: Option<Name>,
    /// Format 2 `if:` — the condition in words.
    pub condition: Option<Sp<String>>,
    /// Format 2 `on_error:`, in file order.
    pub on_error: Vec<RecoveryAst>,
    /// Where the `on_error:` key is written, when it is.
    pub on_error_key: Option<Span>,
    /// Format 2 `after:` — the delay of a deadline, as written.
    pub after: Option<Sp<String>>,
    /// Format 2 `unless:` — events that cancel the deadline.
    pub unless: Vec<Name>,
    /// Where the `unless:` key is written, when it is.
    pub unless_key: Option<Span>,
    /// Format 2 `correlate:` — the field tying `unless` events to the `on` event.
    pub correlate: Option<Name>,
    /// Format 2 `every:` — a schedule, as written.
    pub every: Option<Sp<String>>,
    /// Format 2 `for_each:` — the read model a schedule issues a command per row of.
    pub for_each: Option<Name>,
    /// Format 2 `reads:` — the read model whose row (found by the trigger event's key
    /// fields) the policy's command is filled from.
    pub reads: Option<ReadsAst>,
}

/// A policy's `on: { rejected: Command, error: Error }`: the refusals of a command that
/// set it off (of one business error when `error:` is written, else of any).
#[derive(Clone, Debug)]
pub struct RejectedAst {
    /// The refused command (`Command`, or `context.Command`).
    pub command: Name,
    /// The one business error it reacts to, when written.
    pub error: Option<Name>,
    /// Where the mapping is written.
    pub span: Span,
}

/// A policy's `reads:`: `ReadModel`, or `{ read_model: ReadModel, key: { part: field } }`.
#[derive(Clone, Debug)]
pub struct ReadsAst {
    /// The read model.
    pub read_model: Name,
    /// Per key part written, the trigger event's field that carries it (row part, event
    /// field); a part not written is carried under its own name.
    pub key: Vec<(Name, Name)>,
    /// Where `reads:` is written.
    pub span: Span,
}

/// A process manager (format 2 `processes:`): a stateful reaction to several events,
/// correlated by a key, with its own event-sourced state.
#[derive(Clone, Debug)]
pub struct ProcessAst {
    /// PascalCase name.
    pub name: Name,
    /// Free text.
    pub description: Option<Sp<String>>,
    /// `key:` — the correlation key, a field of every handled event.
    pub key: Option<Name>,
    /// `state:` fields (unset until set).
    pub state: Vec<FieldAst>,
    /// `on:` — the handled events, in file order.
    pub on: Vec<ProcessReactionAst>,
    /// `deadlines:`, in file order.
    pub deadlines: Vec<ProcessDeadlineAst>,
}

/// One entry of a process's `on:`: how it reacts to one event.
#[derive(Clone, Debug)]
pub struct ProcessReactionAst {
    /// The event reference (the key).
    pub event: Name,
    /// `start: true` — the event starts an instance.
    pub start: Option<Sp<bool>>,
    /// `complete: true` — the event completes the instance.
    pub complete: Option<Sp<bool>>,
    /// `key:` — the event's field holding the process key, when named otherwise.
    pub key: Option<Name>,
    /// `issue:` — the command it issues.
    pub issue: Option<Name>,
    /// `if:` — the condition in words.
    pub condition: Option<Sp<String>>,
    /// `on_error:`, in file order.
    pub on_error: Vec<RecoveryAst>,
    /// Where the `on_error:` key is written, when it is.
    pub on_error_key: Option<Span>,
}

/// One entry of a process's `deadlines:`.
#[derive(Clone, Debug)]
pub struct ProcessDeadlineAst {
    /// PascalCase name (the key).
    pub name: Name,
    /// `after:` — the delay after the instance starts, as written.
    pub after: Option<Sp<String>>,
    /// `unless:` — handled events that cancel it.
    pub unless: Vec<Name>,
    /// `issue:` — the command issued when the time is up.
    pub issue: Option<Name>,
    /// `if:` — the condition in words.
    pub condition: Option<Sp<String>>,
    /// `on_error:`, in file order.
    pub on_error: Vec<RecoveryAst>,
    /// Where the `on_error:` key is written, when it is.
    pub on_error_key: Option<Span>,
}

/// One entry of a policy's `on_error:`.
#[derive(Clone, Debug)]
pub struct RecoveryAst {
    /// The business error (the key).
    pub error: Name,
    /// What to do.
    pub action: RecoveryActionAst,
}

/// A recovery action as written.
#[derive(Clone, Debug)]
pub enum RecoveryActionAst {
    /// `{ issue: Command }` — a compensating command.
    Issue(Name),
    /// `{ record: Event }` — an event of the issuing context that records the refusal.
    Record(Name),
    /// `retry` (`times` absent) or `{ retry: { times: N, after: 10s } }`.
    Retry {
        /// `times:`, when written.
        times: Option<Sp<i64>>,
        /// `after:`, when written.
        after: Option<Sp<String>>,
        /// Where the action is written.
        span: Span,
    },
    /// `park`.
    Park,
    /// Something else; the text is what was written, when it was a word.
    Unknown(Option<String>, Span),
}

/// A read model (projection).
#[derive(Clone, Debug)]
pub struct ReadModelAst {
    /// PascalCase name.
    pub name: Name,
    /// Free text.
    pub description: Option<Sp<String>>,
    /// The fields rows are keyed by: one name, or (format 2) a list, a composite key.
    /// Empty when `key:` is absent.
    pub key: Vec<Name>,
    /// Where `key:` is written (its key), when it is.
    pub key_span: Option<Span>,
    /// Format 2: `history: true`, one row per event, in global order, with no key.
    pub history: Option<Sp<bool>>,
    /// Format 2: the row fields a list query may filter on (`filters: [status]`).
    pub filters: Vec<Name>,
    /// Events that feed it, each with what it does to the rows.
    pub from: Vec<SourceAst>,
    /// Fields of a row.
    pub fields: Vec<FieldAst>,
    /// Where `from:` was written (or the name, when absent), for "fed by nothing".
    pub from_span: Span,
}

/// One source event of a read model: a name in a `from:` list, or (format 2) an entry
/// of a `from:` mapping with what the event does to the rows.
#[derive(Clone, Debug)]
pub struct SourceAst {
    /// The event reference.
    pub event: Name,
    /// `key: { row_key_field: event_field }`: where this event carries the key.
    pub key: Vec<(Name, Name)>,
    /// `set: { row_field: event_field }`: row fields copied from differently named event fields.
    pub set: Vec<(Name, Name)>,
    /// `where: { row_field: event_field }`: the event changes every row whose fields
    /// equal these event fields, instead of the row of its key.
    pub matching: Vec<(Name, Name)>,
    /// Where `where:` is written (its key), when it is.
    pub where_span: Option<Span>,
    /// `delete: true`: the event removes the row of its key.
    pub delete: Option<Sp<bool>>,
}

impl SourceAst {
    /// A source written as a bare name: same-name key and fields.
    pub fn plain(event: Name) -> Self {
        SourceAst {
            event,
            key: Vec::new(),
            set: Vec::new(),
            matching: Vec::new(),
            where_span: None,
            delete: None,
        }
    }
}

/// One message in a scenario: a name and optional field values.
#[derive(Clone, Debug)]
pub struct StepAst {
    /// The event or command name.
    pub name: Name,
    /// Field values, in file order.
    pub values: Vec<(Name, Sp<Node>)>,
}

/// A scenario: given events, when a command, then events or an error.
#[derive(Clone, Debug)]
pub struct ScenarioAst {
    /// Free-text title.
    pub name: Sp<String>,
    /// Where the scenario starts in the file.
    pub span: Span,
    /// The aggregate, when given explicitly.
    pub aggregate: Option<Name>,
    /// Prior events.
    pub given: Vec<StepAst>,
    /// The command.
    pub when: Option<StepAst>,
    /// Expected events.
    pub then: Option<Vec<StepAst>>,
    /// Expected business error.
    pub error: Option<Name>,
    /// Format 2 `outcome:` — the command outcome `then` is expected to fit.
    pub outcome: Option<Name>,
    /// Format 2 `policy:` — the subject of a reaction scenario: a policy or a deadline.
    pub policy: Option<Name>,
    /// Format 2 `process:` — the subject of a reaction scenario: a process.
    pub process: Option<Name>,
    /// The items of `given:` in order: its events (also in `given`) and, in a reaction
    /// scenario, time passing between them (`- after: 19m`).
    pub timeline: Vec<TimelineAst>,
    /// Format 2 `after:` — time passing after the given events, as written.
    pub after: Option<Sp<String>>,
    /// Format 2 `completes:` — whether the process's instance is completed at the end.
    pub completes: Option<Sp<bool>>,
}

/// One item of a scenario's `given:`.
#[derive(Clone, Debug)]
pub enum TimelineAst {
    /// An event arrives.
    Event(StepAst),
    /// `- after: 19m`: time passes, as written.
    After(Sp<String>),
}

/// An open question.
#[derive(Clone, Debug)]
pub struct HotspotAst {
    /// The question.
    pub text: Sp<String>,
    /// The element it is about, if any.
    pub on: Option<Name>,
}
