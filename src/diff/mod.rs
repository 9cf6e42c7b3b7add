//! `stormcraft diff`: what changed between two versions of a model, and what it breaks.
//!
//! Both versions are checked models ([`crate::ir::Model`]); elements are matched by
//! their qualified names (`context.Name`), so a rename is a removal plus an addition.
//! Every change is a [`Finding`] of one [`rules::DiffCode`], classified by who reads
//! which version:
//!
//! - **backward** compatible: a reader of the new shape reads data of the old one
//!   (the new code reads events already stored, a new server reads old clients'
//!   command bodies);
//! - **forward** compatible: a reader of the old shape reads data of the new one
//!   (consumers in other contexts not yet redeployed, query clients of a read model).
//!
//! The [`Mode`] says which directions must hold, as in Confluent Schema Registry. By
//! default each message gets the one its readers need: `full` for a published event
//! (other contexts read it, upgrading on their own schedule, and the store keeps it),
//! `backward` for a private event (only its own context's new code reads it back) and
//! for a command body (old clients send it), `forward` for a read-model row (old
//! clients read what the new service serves). `--mode` sets one mode for all.
//!
//! The stages: [`spans`] indexes where everything is written, [`shape`] compares two
//! messages' fields, this file walks the two models and names the consumers of each
//! change from the flow graphs, [`render`] prints the report, and [`git`] reads the
//! old model from a git revision.

pub mod git;
pub mod render;
pub mod rules;
pub mod shape;
pub mod spans;

use crate::ir::{
    Command, CommandId, ContextId, EdgeKind, Event, EventId, Field, Issuer, Model, NodeRef,
    ReadModel,
};
use crate::model::load::Loaded;
use crate::source::Span;
use rules::DiffCode;
use shape::{Change, ChangeKind, Owner};
use spans::{ItemKind, Member, Place, SpanIndex, TopPlace};
use std::collections::{BTreeMap, BTreeSet};

/// Which directions of compatibility a message must keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    /// Readers of the new shape read old data.
    Backward,
    /// Readers of the old shape read new data.
    Forward,
    /// Both.
    Full,
}

impl Mode {
    /// Whether backward compatibility is required.
    pub fn backward(self) -> bool {
        matches!(self, Mode::Backward | Mode::Full)
    }

    /// Whether forward compatibility is required.
    pub fn forward(self) -> bool {
        matches!(self, Mode::Forward | Mode::Full)
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Backward => "backward",
            Mode::Forward => "forward",
            Mode::Full => "full",
        }
    }
}

/// Whether each side still reads the other's data after a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compat {
    /// A reader of the new shape reads old data.
    pub backward: bool,
    /// A reader of the old shape reads new data.
    pub forward: bool,
}

impl Compat {
    /// Compatible both ways.
    pub const BOTH: Compat = Compat {
        backward: true,
        forward: true,
    };
    /// Compatible neither way.
    pub const NEITHER: Compat = Compat {
        backward: false,
        forward: false,
    };
}

/// What a breaking change breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Events (or aggregate state) already stored no longer read as the new shape.
    StoredEvents,
    /// Another context, or a client of the HTTP API, no longer works with the change.
    Consumers,
}

impl Impact {
    /// The kebab-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::StoredEvents => "stored-events",
            Impact::Consumers => "consumers",
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Impact::StoredEvents => "stored events",
            Impact::Consumers => "consumers",
        }
    }
}

/// The kinds of elements a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ElementKind {
    /// The system itself.
    System,
    /// An actor.
    Actor,
    /// An external system.
    External,
    /// A bounded context.
    Context,
    /// A value object or enum.
    Type,
    /// An aggregate.
    Aggregate,
    /// A command.
    Command,
    /// An event.
    Event,
    /// A policy.
    Policy,
    /// A read model.
    ReadModel,
}

impl ElementKind {
    /// The kebab-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ElementKind::System => "system",
            ElementKind::Actor => "actor",
            ElementKind::External => "external",
            ElementKind::Context => "context",
            ElementKind::Type => "type",
            ElementKind::Aggregate => "aggregate",
            ElementKind::Command => "command",
            ElementKind::Event => "event",
            ElementKind::Policy => "policy",
            ElementKind::ReadModel => "read-model",
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            ElementKind::External => "external system",
            ElementKind::ReadModel => "read model",
            other => other.as_str(),
        }
    }
}

/// The element a finding is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    /// Its kind.
    pub kind: ElementKind,
    /// Its qualified name: `context.Name`, a context's name, or a top-level name.
    pub name: String,
}

impl Element {
    /// ``kind `name` ``, for messages.
    pub fn describe(&self) -> String {
        format!("{} `{}`", self.kind.label(), self.name)
    }
}

/// Someone who reads or sends the changed element.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Consumer {
    /// A policy, read model, actor or external system.
    pub kind: ElementKind,
    /// Qualified name (`context.Name`, or the actor's name).
    pub name: String,
    /// For a change to one field: whether the consumer's generated code maps that
    /// field by name (a read model's row field or key, a policy's command field).
    pub maps_field: Option<bool>,
}

/// One change between the two models.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The rule.
    pub code: DiffCode,
    /// The context it is in; `None` at the top level of the model.
    pub context: Option<String>,
    /// The element it is about.
    pub element: Element,
    /// The field path inside the element, for a shape change.
    pub path: Option<String>,
    /// What changed: lowercase, names in backticks.
    pub message: String,
    /// What to do instead; only on breaking findings.
    pub help: Option<String>,
    /// Which directions still read.
    pub compat: Compat,
    /// The mode the change was judged by, and why that one (`published event`,
    /// `command body`, …, or `--mode`); `None` for changes that have no shape
    /// (descriptions, flow), which are compatible in every mode.
    pub mode: Option<(Mode, &'static str)>,
    /// What it breaks; empty when the change is compatible.
    pub breaks: Vec<Impact>,
    /// Who is affected, sorted.
    pub consumers: Vec<Consumer>,
    /// Where it is in the new model, with the text to show there.
    pub new: Option<(Span, String)>,
    /// Where it was in the old model, with the text to show there.
    pub old: Option<(Span, String)>,
}

impl Finding {
    /// Whether the change breaks anything under its mode.
    pub fn breaking(&self) -> bool {
        !self.breaks.is_empty()
    }
}

/// Every finding of a diff, in model order: the top level, then the new model's
/// contexts in order, then the contexts only the old model has.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The findings.
    pub findings: Vec<Finding>,
    /// The mode given with `--mode`, if any.
    pub mode: Option<Mode>,
}

impl Report {
    /// How many findings break something.
    pub fn breaking(&self) -> usize {
        self.findings.iter().filter(|f| f.breaking()).count()
    }

    /// How many findings are compatible.
    pub fn compatible(&self) -> usize {
        self.findings.len() - self.breaking()
    }

    /// How many findings break `impact`.
    pub fn breaking_for(&self, impact: Impact) -> usize {
        self.findings
            .iter()
            .filter(|f| f.breaks.contains(&impact))
            .count()
    }
}

/// The `previous:` block that keeps `event`'s shape (of `model`) as an older version.
fn previous_snippet(model: &Model, event: &crate::ir::Event) -> String {
    let mut out = format!("    previous:\n      {}:\n        fields:", event.version);
    let fields: Vec<_> = event.fields.iter().filter(|f| !f.implicit).collect();
    if fields.is_empty() {
        out.push_str(" {}");
    }
    for f in fields {
        out.push_str(&format!(
            "\n          {}: {}",
            f.name,
            model.type_expression(&f.ty)
        ));
    }
    out
}

/// One version of the model: the checked model with the files it came from.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    /// The checked model.
    pub model: &'a Model,
    /// Its files and syntax tree, for spans.
    pub loaded: &'a Loaded,
}

/// Compares two versions of a model. `mode` replaces every message's default mode.
pub fn diff(old: Side<'_>, new: Side<'_>, mode: Option<Mode>) -> Report {
    diff_with(old, new, mode, false)
}

/// [`diff`], and with `transitive`, every event of `new` is also compared with each
/// older version it keeps under `previous:` (as Confluent's transitive modes compare a
/// schema with every earlier one): a consumer still reading one of those versions must
/// read the new shape too. Stored events of those versions are upcast, so only the
/// forward direction can break there.
pub fn diff_with(old: Side<'_>, new: Side<'_>, mode: Option<Mode>, transitive: bool) -> Report {
    let mut differ = Differ {
        old: old.model,
        new: new.model,
        old_names: Names::build(old.model),
        new_names: Names::build(new.model),
        old_spans: SpanIndex::build(old.loaded),
        new_spans: SpanIndex::build(new.loaded),
        mode,
        findings: Vec::new(),
        transitive,
        against: None,
    };
    differ.top_level();
    for (index, context) in new.model.contexts.iter().enumerate() {
        let new_id = ContextId(index as u32);
        match old.model.context_by_name(&context.name) {
            Some(old_id) => differ.context(old_id, new_id),
            None => differ.context_added(new_id),
        }
    }
    for (index, context) in old.model.contexts.iter().enumerate() {
        if new.model.context_by_name(&context.name).is_none() {
            differ.context_removed(ContextId(index as u32));
        }
    }
    Report {
        findings: differ.findings,
        mode,
    }
}

/// The elements of one model by `(context, name)`, so matching is not quadratic.
struct Names {
    events: BTreeMap<(String, String), EventId>,
    commands: BTreeMap<(String, String), CommandId>,
    policies: BTreeMap<(String, String), usize>,
    read_models: BTreeMap<(String, String), usize>,
    types: BTreeMap<(String, String), usize>,
    aggregates: BTreeMap<(String, String), usize>,
}

impl Names {
    fn build(model: &Model) -> Names {
        let key =
            |context: ContextId, name: &str| (model.context(context).name.clone(), name.to_owned());
        Names {
            events: model
                .events
                .iter()
                .enumerate()
                .map(|(i, e)| (key(e.context, &e.name), EventId(i as u32)))
                .collect(),
            commands: model
                .commands
                .iter()
                .enumerate()
                .map(|(i, c)| (key(c.context, &c.name), CommandId(i as u32)))
                .collect(),
            policies: model
                .policies
                .iter()
                .enumerate()
                .map(|(i, p)| (key(p.context, &p.name), i))
                .collect(),
            read_models: model
                .read_models
                .iter()
                .enumerate()
                .map(|(i, r)| (key(r.context, &r.name), i))
                .collect(),
            types: model
                .types
                .iter()
                .enumerate()
                .map(|(i, t)| (key(t.context, &t.name), i))
                .collect(),
            aggregates: model
                .aggregates
                .iter()
                .enumerate()
                .map(|(i, a)| (key(a.context, &a.name), i))
                .collect(),
        }
    }
}

fn lookup<T: Copy>(map: &BTreeMap<(String, String), T>, context: &str, name: &str) -> Option<T> {
    map.get(&(context.to_owned(), name.to_owned())).copied()
}

/// Makes the place of a named top-level element.
type PlaceOf = fn(String) -> TopPlace;

/// What decides a finding's default mode and what it breaks.
#[derive(Clone, Copy, Debug)]
enum Subject {
    /// An event; published in both versions, or not.
    Event { published: bool },
    /// A command body.
    Command,
    /// A read-model row.
    ReadModel,
    /// An aggregate's stored data.
    Aggregate,
    /// A whole context; whether it published events.
    Context { published: bool },
    /// Anything that never breaks (descriptions, flow).
    Other,
}

impl Subject {
    fn default_mode(self) -> (Mode, &'static str) {
        match self {
            Subject::Event { published: true } => (Mode::Full, "published event"),
            Subject::Event { published: false } => (Mode::Backward, "private event"),
            Subject::Command => (Mode::Backward, "command body"),
            Subject::ReadModel => (Mode::Forward, "read-model row"),
            Subject::Aggregate => (Mode::Backward, "stored aggregate"),
            Subject::Context { published: true } => (Mode::Full, "context with published events"),
            Subject::Context { published: false } => (Mode::Backward, "context"),
            Subject::Other => (Mode::Full, "no shape"),
        }
    }
}

/// A finding before its mode and impact are decided.
struct Draft {
    code: DiffCode,
    context: Option<String>,
    element: Element,
    path: Option<String>,
    message: String,
    help: Option<String>,
    compat: Compat,
    subject: Subject,
    consumers: Vec<Consumer>,
    new: Option<(Span, String)>,
    old: Option<(Span, String)>,
}

struct Differ<'a> {
    old: &'a Model,
    new: &'a Model,
    old_names: Names,
    new_names: Names,
    old_spans: SpanIndex,
    new_spans: SpanIndex,
    mode: Option<Mode>,
    findings: Vec<Finding>,
    /// Compare every event also with each older version it keeps (`--transitive`).
    transitive: bool,
    /// While comparing with an older version `previous:` keeps: that version.
    against: Option<u32>,
}

impl Differ<'_> {
    fn emit(&mut self, mut draft: Draft) {
        if let Some(version) = self.against {
            // Stored events of a kept version are upcast on read; what is left to
            // judge is whether readers still on that version read the new shape.
            draft.compat.backward = true;
            draft.old = None;
            draft.message = format!("{} (against version {version})", draft.message);
        }
        let (mode, mode_reason) = match self.mode {
            Some(mode) => (mode, "--mode"),
            None => draft.subject.default_mode(),
        };
        let broken_backward = !draft.compat.backward && mode.backward();
        let broken_forward = !draft.compat.forward && mode.forward();
        let mut breaks = Vec::new();
        if broken_backward || broken_forward {
            match draft.subject {
                Subject::Event { published } => {
                    if broken_backward || !published {
                        breaks.push(Impact::StoredEvents);
                    }
                    if published {
                        breaks.push(Impact::Consumers);
                    }
                }
                Subject::Command | Subject::ReadModel => breaks.push(Impact::Consumers),
                Subject::Aggregate => breaks.push(Impact::StoredEvents),
                Subject::Context { published } => {
                    breaks.push(Impact::StoredEvents);
                    if published {
                        breaks.push(Impact::Consumers);
                    }
                }
                Subject::Other => {}
            }
        }
        let help = if breaks.is_empty() { None } else { draft.help };
        self.findings.push(Finding {
            code: draft.code,
            context: draft.context,
            element: draft.element,
            path: draft.path,
            message: draft.message,
            help,
            compat: draft.compat,
            mode: (!matches!(draft.subject, Subject::Other)).then_some((mode, mode_reason)),
            breaks,
            consumers: draft.consumers,
            new: draft.new,
            old: draft.old,
        });
    }

    /// A compatible finding about an element, pointing at `new` and `old` places.
    fn note(
        &mut self,
        code: DiffCode,
        context: Option<&str>,
        element: Element,
        message: String,
        new: Option<(Span, &str)>,
        old: Option<(Span, &str)>,
    ) {
        self.emit(Draft {
            code,
            context: context.map(str::to_owned),
            element,
            path: None,
            message,
            help: None,
            compat: Compat::BOTH,
            subject: Subject::Other,
            consumers: Vec::new(),
            new: new.map(|(s, l)| (s, l.to_owned())),
            old: old.map(|(s, l)| (s, l.to_owned())),
        });
    }

    /// The compatible finding for an element only the new model has: "… was added", at
    /// its span there.
    fn added(
        &mut self,
        code: DiffCode,
        context: Option<&str>,
        element: Element,
        span: Option<Span>,
        label: &str,
    ) {
        let message = format!("{} was added", element.describe());
        self.note(
            code,
            context,
            element,
            message,
            span.map(|s| (s, label)),
            None,
        );
    }

    fn new_span(&self, place: &Place) -> Option<Span> {
        self.new_spans.find(place)
    }

    fn old_span(&self, place: &Place) -> Option<Span> {
        self.old_spans.find(place)
    }

    fn description(
        &mut self,
        context: Option<&str>,
        element: Element,
        what: &str,
        old: &Option<String>,
        new: &Option<String>,
        places: (Option<Span>, Option<Span>),
    ) {
        if old == new {
            return;
        }
        let how = match (old, new) {
            (None, _) => "was added",
            (_, None) => "was removed",
            _ => "changed",
        };
        let message = format!("{what} of {} {how}", element.describe());
        let (old_span, new_span) = places;
        self.note(
            DiffCode::DescriptionChanged,
            context,
            element,
            message,
            new_span.map(|s| (s, "")),
            old_span.map(|s| (s, "")),
        );
    }

    fn top_level(&mut self) {
        let system = Element {
            kind: ElementKind::System,
            name: self.new.system.clone(),
        };
        let places = (
            self.old_spans.find_top(&TopPlace::SystemDescription),
            self.new_spans.find_top(&TopPlace::SystemDescription),
        );
        let (old, new) = (self.old.description.clone(), self.new.description.clone());
        self.description(None, system, "the description", &old, &new, places);

        let old_actors: Vec<(String, Option<String>)> = self
            .old
            .actors
            .iter()
            .map(|a| (a.name.clone(), a.description.clone()))
            .collect();
        let new_actors: Vec<(String, Option<String>)> = self
            .new
            .actors
            .iter()
            .map(|a| (a.name.clone(), a.description.clone()))
            .collect();
        self.top_elements(ElementKind::Actor, &old_actors, &new_actors);
        let old_externals: Vec<(String, Option<String>)> = self
            .old
            .externals
            .iter()
            .map(|e| (e.name.clone(), e.description.clone()))
            .collect();
        let new_externals: Vec<(String, Option<String>)> = self
            .new
            .externals
            .iter()
            .map(|e| (e.name.clone(), e.description.clone()))
            .collect();
        self.top_elements(ElementKind::External, &old_externals, &new_externals);
    }

    fn top_elements(
        &mut self,
        kind: ElementKind,
        old: &[(String, Option<String>)],
        new: &[(String, Option<String>)],
    ) {
        let (name_place, description_place): (PlaceOf, PlaceOf) = match kind {
            ElementKind::Actor => (TopPlace::Actor, TopPlace::ActorDescription),
            _ => (TopPlace::External, TopPlace::ExternalDescription),
        };
        for (name, description) in new {
            let element = Element {
                kind,
                name: name.clone(),
            };
            match old.iter().find(|(n, _)| n == name) {
                Some((_, before)) => {
                    let places = (
                        self.old_spans.find_top(&description_place(name.clone())),
                        self.new_spans.find_top(&description_place(name.clone())),
                    );
                    self.description(
                        None,
                        element,
                        "the description",
                        before,
                        description,
                        places,
                    );
                }
                None => {
                    let span = self.new_spans.find_top(&name_place(name.clone()));
                    self.added(DiffCode::FlowChanged, None, element, span, "new");
                }
            }
        }
        for (name, _) in old {
            if !new.iter().any(|(n, _)| n == name) {
                let element = Element {
                    kind,
                    name: name.clone(),
                };
                let span = self.old_spans.find_top(&name_place(name.clone()));
                let message = format!("{} was removed", element.describe());
                self.note(
                    DiffCode::FlowChanged,
                    None,
                    element,
                    message,
                    None,
                    span.map(|s| (s, "removed")),
                );
            }
        }
    }

    fn context_added(&mut self, id: ContextId) {
        let name = self.new.context(id).name.clone();
        let element = Element {
            kind: ElementKind::Context,
            name: name.clone(),
        };
        let span = self.new_span(&Place::context(&name));
        self.added(
            DiffCode::ContextAdded,
            Some(&name),
            element,
            span,
            "new context",
        );
    }

    fn context_removed(&mut self, id: ContextId) {
        let context = self.old.context(id);
        let name = context.name.clone();
        let published = self
            .old
            .events
            .iter()
            .any(|e| e.context == id && e.published);
        // Who loses something: other contexts' consumers of its events and senders
        // of its commands, as the old model wires them.
        let mut consumers = BTreeSet::new();
        for (index, event) in self.old.events.iter().enumerate() {
            if event.context == id {
                consumers.extend(event_consumers(self.old, EventId(index as u32)));
            }
        }
        for (index, command) in self.old.commands.iter().enumerate() {
            if command.context == id {
                consumers.extend(command_senders(self.old, CommandId(index as u32)));
            }
        }
        let element = Element {
            kind: ElementKind::Context,
            name: name.clone(),
        };
        let message = format!("{} was removed", element.describe());
        let span = self.old_span(&Place::context(&name));
        self.emit(Draft {
            code: DiffCode::ContextRemoved,
            context: Some(name),
            element,
            path: None,
            message,
            help: Some(
                "its stored events, endpoints and published events go with it: retire its consumers first".to_owned(),
            ),
            compat: Compat::NEITHER,
            subject: Subject::Context { published },
            consumers: consumers.into_iter().collect(),
            new: None,
            old: span.map(|s| (s, "removed context".to_owned())),
        });
    }

    fn context(&mut self, old_id: ContextId, new_id: ContextId) {
        let name = self.new.context(new_id).name.clone();
        let c = name.as_str();
        let context_element = Element {
            kind: ElementKind::Context,
            name: name.clone(),
        };
        let description_place = Place {
            member: Member::Description,
            ..Place::context(c)
        };
        let places = (
            self.old_span(&description_place),
            self.new_span(&description_place),
        );
        let (old_d, new_d) = (
            self.old.context(old_id).description.clone(),
            self.new.context(new_id).description.clone(),
        );
        self.description(
            Some(c),
            context_element,
            "the description",
            &old_d,
            &new_d,
            places,
        );

        self.types(c, new_id);
        self.aggregates(c, new_id);
        self.events(c, old_id, new_id);
        self.commands(c, old_id, new_id);
        self.policies(c, old_id, new_id);
        self.read_models(c, old_id, new_id);
    }

    /// Descriptions of types and their fields; their shapes are compared where
    /// messages use them.
    fn types(&mut self, c: &str, new_id: ContextId) {
        for new_type in self.new.types.iter().filter(|t| t.context == new_id) {
            let Some(old_index) = lookup(&self.old_names.types, c, &new_type.name) else {
                continue;
            };
            let old_type = &self.old.types[old_index];
            let element = Element {
                kind: ElementKind::Type,
                name: format!("{c}.{}", new_type.name),
            };
            let at = |member| Place::item(c, ItemKind::Type, &new_type.name, member);
            let places = (
                self.old_span(&at(Member::Description)),
                self.new_span(&at(Member::Description)),
            );
            self.description(
                Some(c),
                element.clone(),
                "the description",
                &old_type.description,
                &new_type.description,
                places,
            );
            if let (
                crate::ir::NamedTypeKind::Record(old_fields),
                crate::ir::NamedTypeKind::Record(new_fields),
            ) = (&old_type.kind, &new_type.kind)
            {
                self.field_descriptions(
                    c,
                    &element,
                    ItemKind::Type,
                    &new_type.name,
                    old_fields,
                    new_fields,
                );
            }
        }
    }

    fn field_descriptions(
        &mut self,
        c: &str,
        element: &Element,
        kind: ItemKind,
        name: &str,
        old_fields: &[Field],
        new_fields: &[Field],
    ) {
        for field in new_fields.iter().filter(|f| !f.implicit) {
            let Some(before) = old_fields.iter().find(|f| f.name == field.name) else {
                continue;
            };
            let place = Place::item(c, kind, name, Member::FieldDescription(field.name.clone()));
            let places = (self.old_span(&place), self.new_span(&place));
            self.description(
                Some(c),
                element.clone(),
                &format!("the description of field `{}`", field.name),
                &before.description,
                &field.description,
                places,
            );
        }
    }

    fn aggregates(&mut self, c: &str, new_id: ContextId) {
        for new_agg in self.new.aggregates.iter().filter(|a| a.context == new_id) {
            let Some(old_index) = lookup(&self.old_names.aggregates, c, &new_agg.name) else {
                continue;
            };
            let old_agg = &self.old.aggregates[old_index];
            let element = Element {
                kind: ElementKind::Aggregate,
                name: format!("{c}.{}", new_agg.name),
            };
            let at = |member| Place::item(c, ItemKind::Aggregate, &new_agg.name, member);
            let places = (
                self.old_span(&at(Member::Description)),
                self.new_span(&at(Member::Description)),
            );
            self.description(
                Some(c),
                element.clone(),
                "the description",
                &old_agg.description,
                &new_agg.description,
                places,
            );
            if old_agg.persistence != new_agg.persistence {
                let word = |p: crate::model::ast::Persistence| match p {
                    crate::model::ast::Persistence::EventSourced => "event-sourced",
                    crate::model::ast::Persistence::StateStored => "state-stored",
                };
                let message = format!(
                    "{} is now {} (it was {})",
                    element.describe(),
                    word(new_agg.persistence),
                    word(old_agg.persistence)
                );
                let new = self.new_span(&at(Member::Persistence));
                let old = self.old_span(&at(Member::Persistence));
                self.emit(Draft {
                    code: DiffCode::PersistenceChanged,
                    context: Some(c.to_owned()),
                    element,
                    path: None,
                    message,
                    help: Some(
                        "the aggregates already stored have no state in the new form: migrate them before deploying, or keep the persistence".to_owned(),
                    ),
                    compat: Compat::NEITHER,
                    subject: Subject::Aggregate,
                    consumers: Vec::new(),
                    new: new.map(|s| (s, "new persistence".to_owned())),
                    old: old.map(|s| (s, "old persistence".to_owned())),
                });
            }
        }
    }

    fn events(&mut self, c: &str, old_id: ContextId, new_id: ContextId) {
        for (index, new_event) in self.new.events.iter().enumerate() {
            if new_event.context != new_id {
                continue;
            }
            let new_eid = EventId(index as u32);
            match lookup(&self.old_names.events, c, &new_event.name) {
                Some(old_eid) => self.event(c, old_eid, new_eid),
                None => {
                    let element = Element {
                        kind: ElementKind::Event,
                        name: format!("{c}.{}", new_event.name),
                    };
                    let span = self.new_span(&Place::item(
                        c,
                        ItemKind::Event,
                        &new_event.name,
                        Member::Name,
                    ));
                    self.added(DiffCode::EventAdded, Some(c), element, span, "new event");
                }
            }
        }
        for (index, old_event) in self.old.events.iter().enumerate() {
            if old_event.context != old_id
                || lookup(&self.new_names.events, c, &old_event.name).is_some()
            {
                continue;
            }
            let element = Element {
                kind: ElementKind::Event,
                name: format!("{c}.{}", old_event.name),
            };
            let message = format!("{} was removed", element.describe());
            let span = self.old_span(&Place::item(
                c,
                ItemKind::Event,
                &old_event.name,
                Member::Name,
            ));
            let new_span = self.new_span(&Place::item(
                c,
                ItemKind::Aggregate,
                &self.old.aggregate(old_event.aggregate).name,
                Member::Name,
            ));
            self.emit(Draft {
                code: DiffCode::EventRemoved,
                context: Some(c.to_owned()),
                element,
                path: None,
                message,
                help: Some(format!(
                    "stored `{}` events are still in the streams: keep the event in the model and stop emitting it",
                    old_event.name
                )),
                compat: Compat {
                    backward: false,
                    forward: !old_event.published,
                },
                subject: Subject::Event {
                    published: old_event.published,
                },
                consumers: event_consumers(self.old, EventId(index as u32)),
                new: new_span.map(|s| (s, format!("no longer has `{}`", old_event.name))),
                old: span.map(|s| (s, "removed event".to_owned())),
            });
        }
    }

    fn event(&mut self, c: &str, old_id: EventId, new_id: EventId) {
        let first = self.findings.len();
        self.event_changes(c, old_id, new_id);
        self.event_version(c, old_id, new_id, first);
        if self.transitive {
            self.event_against_previous(c, old_id, new_id);
        }
    }

    /// `--transitive`: the current shape of an event against each older version it
    /// keeps under `previous:`, but the one the old model has (compared already).
    fn event_against_previous(&mut self, c: &str, old_id: EventId, new_id: EventId) {
        let (old, new) = (self.old.event(old_id), self.new.event(new_id));
        let element = Element {
            kind: ElementKind::Event,
            name: format!("{c}.{}", new.name),
        };
        let owner = Owner {
            context: c.to_owned(),
            kind: ItemKind::Event,
            name: new.name.clone(),
            implicit: Some(Place::item(
                c,
                ItemKind::Aggregate,
                &self.new.aggregate(new.aggregate).name,
                Member::Id,
            )),
        };
        let subject = Subject::Event {
            published: new.published,
        };
        let consumers = event_consumers(self.new, new_id);
        let mut previous: Vec<_> = new
            .previous
            .iter()
            .filter(|p| p.version != old.version && p.version < new.version)
            .collect();
        previous.sort_by_key(|p| p.version);
        for p in previous {
            let changes = shape::compare_fields(
                self.new,
                self.new,
                (&p.fields, &owner),
                (&new.fields, &owner),
            );
            self.against = Some(p.version);
            for change in changes {
                self.shape_finding(
                    c,
                    &element,
                    subject,
                    change,
                    consumers.clone(),
                    Reader::Event,
                );
            }
            self.against = None;
        }
    }

    /// What the findings since `first` about an event mean for its `version`: a change
    /// that stored events cannot be read through needs the version raised (D018) and the
    /// old shape kept under `previous:` (D019); with both, those changes are read
    /// through the upcaster, so they no longer break stored events.
    fn event_version(&mut self, c: &str, old_id: EventId, new_id: EventId, first: usize) {
        let (old, new) = (self.old.event(old_id), self.new.event(new_id));
        let element = Element {
            kind: ElementKind::Event,
            name: format!("{c}.{}", new.name),
        };
        let unreadable: Vec<usize> = (first..self.findings.len())
            .filter(|i| {
                let f = &self.findings[*i];
                // Shape changes (they have a field path) are what an upcaster can read
                // through; an event moved to another aggregate is not.
                f.element == element && f.path.is_some() && !f.compat.backward && f.mode.is_some()
            })
            .collect();
        let at = |member| Place::item(c, ItemKind::Event, &new.name, member);
        let subject = Subject::Event {
            published: old.published && new.published,
        };
        let kept = new.previous.iter().find(|p| p.version == old.version);
        let kept_same = kept.is_some_and(|p| {
            let owner = |event: &crate::ir::Event| Owner {
                context: c.to_owned(),
                kind: ItemKind::Event,
                name: event.name.clone(),
                implicit: None,
            };
            shape::compare_fields(
                self.old,
                self.new,
                (&old.fields, &owner(old)),
                (&p.fields, &owner(new)),
            )
            .is_empty()
        });
        let snippet = previous_snippet(self.old, old);
        if new.version == old.version {
            if unreadable.is_empty() {
                return;
            }
            let message = format!(
                "{} changed so that stored events no longer read, and its version stays {}",
                element.describe(),
                new.version
            );
            let new_span = self
                .new_span(&at(Member::Version))
                .or_else(|| self.new_span(&at(Member::Name)));
            self.emit(Draft {
                code: DiffCode::VersionNotRaised,
                context: Some(c.to_owned()),
                element,
                path: None,
                message,
                help: Some(format!(
                    "raise `version` to {} and keep the old shape:\n{snippet}",
                    new.version + 1
                )),
                compat: Compat {
                    backward: false,
                    forward: true,
                },
                subject,
                consumers: Vec::new(),
                new: new_span.map(|s| (s, "still this version".to_owned())),
                old: None,
            });
        } else if new.version > old.version && !kept_same && !unreadable.is_empty() {
            let message = match kept {
                Some(_) => format!(
                    "{} keeps version {} under `previous:` with other fields than it had",
                    element.describe(),
                    old.version
                ),
                None => format!(
                    "{} went from version {} to {} without keeping version {} under `previous:`",
                    element.describe(),
                    old.version,
                    new.version,
                    old.version
                ),
            };
            let new_span = self.new_span(&at(Member::Version));
            let old_span = self.old_span(&at(Member::Version));
            self.emit(Draft {
                code: DiffCode::PreviousVersionNotKept,
                context: Some(c.to_owned()),
                element,
                path: None,
                message,
                help: Some(format!(
                    "stored events of version {} need their shape to be upcast; keep it:\n{snippet}",
                    old.version
                )),
                compat: Compat {
                    backward: false,
                    forward: true,
                },
                subject,
                consumers: Vec::new(),
                new: new_span.map(|s| (s, "new version".to_owned())),
                old: old_span.map(|s| (s, "the version stored events have".to_owned())),
            });
        } else if new.version > old.version && kept_same {
            // The old shape is kept: stored payloads of it are upcast on read.
            for i in unreadable {
                let finding = &mut self.findings[i];
                finding.compat.backward = true;
                finding.breaks.retain(|b| *b != Impact::StoredEvents);
                if finding.breaks.is_empty() {
                    finding.help = None;
                }
                finding.message = format!(
                    "{} (stored events of version {} are upcast)",
                    finding.message, old.version
                );
            }
        }
    }

    fn event_changes(&mut self, c: &str, old_id: EventId, new_id: EventId) {
        let (old, new) = (self.old.event(old_id), self.new.event(new_id));
        let element = Element {
            kind: ElementKind::Event,
            name: format!("{c}.{}", new.name),
        };
        let at = |member| Place::item(c, ItemKind::Event, &new.name, member);
        let old_aggregate = &self.old.aggregate(old.aggregate).name;
        let new_aggregate = &self.new.aggregate(new.aggregate).name;
        let mut consumers: BTreeSet<Consumer> = BTreeSet::new();
        consumers.extend(event_consumers(self.old, old_id));
        consumers.extend(event_consumers(self.new, new_id));
        let consumers: Vec<Consumer> = consumers.into_iter().collect();
        if old_aggregate != new_aggregate {
            let message = format!(
                "{} moved from aggregate `{old_aggregate}` to `{new_aggregate}`",
                element.describe()
            );
            let new_span = self.new_span(&at(Member::Name));
            let old_span = self.old_span(&at(Member::Name));
            self.emit(Draft {
                code: DiffCode::EventMoved,
                context: Some(c.to_owned()),
                element: element.clone(),
                path: None,
                message,
                help: Some(format!(
                    "the stored `{}` events are in the streams of `{old_aggregate}`, which `{new_aggregate}` does not read: keep the event in `{old_aggregate}`",
                    new.name
                )),
                compat: Compat {
                    backward: false,
                    forward: true,
                },
                subject: Subject::Event {
                    published: old.published && new.published,
                },
                consumers: consumers.clone(),
                new: new_span.map(|s| (s, format!("now in `{new_aggregate}`"))),
                old: old_span.map(|s| (s, format!("was in `{old_aggregate}`"))),
            });
        }
        if old.published != new.published {
            let new_span = self.new_span(&at(Member::Published));
            let old_span = self.old_span(&at(Member::Published));
            if old.published {
                let message = format!("{} is no longer published", element.describe());
                self.emit(Draft {
                    code: DiffCode::EventUnpublished,
                    context: Some(c.to_owned()),
                    element: element.clone(),
                    path: None,
                    message,
                    help: Some(
                        "other contexts may depend on it: keep it published until no consumer uses it".to_owned(),
                    ),
                    compat: Compat {
                        backward: true,
                        forward: false,
                    },
                    subject: Subject::Event { published: true },
                    consumers: event_consumers(self.old, old_id),
                    new: new_span.map(|s| (s, "no longer published".to_owned())),
                    old: old_span.map(|s| (s, "published here".to_owned())),
                });
            } else {
                let message = format!("{} is now published", element.describe());
                self.note(
                    DiffCode::EventPublished,
                    Some(c),
                    element.clone(),
                    message,
                    new_span.map(|s| (s, "published")),
                    None,
                );
            }
        }
        if old.version != new.version {
            let message = format!(
                "{} has version {} (it was {})",
                element.describe(),
                new.version,
                old.version
            );
            let new_span = self.new_span(&at(Member::Version));
            let old_span = self.old_span(&at(Member::Version));
            self.note(
                DiffCode::VersionChanged,
                Some(c),
                element.clone(),
                message,
                new_span.map(|s| (s, "new version")),
                old_span.map(|s| (s, "old version")),
            );
        }
        let places = (
            self.old_span(&at(Member::Description)),
            self.new_span(&at(Member::Description)),
        );
        self.description(
            Some(c),
            element.clone(),
            "the description",
            &old.description,
            &new.description,
            places,
        );
        self.field_descriptions(
            c,
            &element,
            ItemKind::Event,
            &new.name,
            &old.fields,
            &new.fields,
        );

        let old_owner = Owner {
            context: c.to_owned(),
            kind: ItemKind::Event,
            name: old.name.clone(),
            implicit: Some(Place::item(
                c,
                ItemKind::Aggregate,
                old_aggregate,
                Member::Id,
            )),
        };
        let new_owner = Owner {
            context: c.to_owned(),
            kind: ItemKind::Event,
            name: new.name.clone(),
            implicit: Some(Place::item(
                c,
                ItemKind::Aggregate,
                new_aggregate,
                Member::Id,
            )),
        };
        let changes = shape::compare_fields(
            self.old,
            self.new,
            (&old.fields, &old_owner),
            (&new.fields, &new_owner),
        );
        let subject = Subject::Event {
            published: old.published && new.published,
        };
        for change in changes {
            let field = top_field(&change.path);
            let consumers = consumers
                .iter()
                .map(|consumer| Consumer {
                    maps_field: Some(maps_field(self.old, self.new, consumer, field)),
                    ..consumer.clone()
                })
                .collect();
            self.shape_finding(c, &element, subject, change, consumers, Reader::Event);
        }
    }

    fn commands(&mut self, c: &str, old_id: ContextId, new_id: ContextId) {
        for (index, new_command) in self.new.commands.iter().enumerate() {
            if new_command.context != new_id {
                continue;
            }
            let new_cid = CommandId(index as u32);
            match lookup(&self.old_names.commands, c, &new_command.name) {
                Some(old_cid) => self.command(c, old_cid, new_cid),
                None => {
                    let element = Element {
                        kind: ElementKind::Command,
                        name: format!("{c}.{}", new_command.name),
                    };
                    let span = self.new_span(&Place::item(
                        c,
                        ItemKind::Command,
                        &new_command.name,
                        Member::Name,
                    ));
                    self.added(
                        DiffCode::CommandAdded,
                        Some(c),
                        element,
                        span,
                        "new command",
                    );
                }
            }
        }
        for (index, old_command) in self.old.commands.iter().enumerate() {
            if old_command.context != old_id
                || lookup(&self.new_names.commands, c, &old_command.name).is_some()
            {
                continue;
            }
            let element = Element {
                kind: ElementKind::Command,
                name: format!("{c}.{}", old_command.name),
            };
            let message = format!("{} was removed", element.describe());
            let span = self.old_span(&Place::item(
                c,
                ItemKind::Command,
                &old_command.name,
                Member::Name,
            ));
            let new_span = self.new_span(&Place::item(
                c,
                ItemKind::Aggregate,
                &self.old.aggregate(old_command.aggregate).name,
                Member::Name,
            ));
            self.emit(Draft {
                code: DiffCode::CommandRemoved,
                context: Some(c.to_owned()),
                element,
                path: None,
                message,
                help: Some(format!(
                    "clients still send `{}` to `POST /{c}/commands/{}`: keep the command until none does",
                    old_command.name, old_command.name
                )),
                compat: Compat {
                    backward: false,
                    forward: true,
                },
                subject: Subject::Command,
                consumers: command_senders(self.old, CommandId(index as u32)),
                new: new_span.map(|s| (s, format!("no longer handles `{}`", old_command.name))),
                old: span.map(|s| (s, "removed command".to_owned())),
            });
        }
    }

    fn command(&mut self, c: &str, old_id: CommandId, new_id: CommandId) {
        let (old, new) = (self.old.command(old_id), self.new.command(new_id));
        let element = Element {
            kind: ElementKind::Command,
            name: format!("{c}.{}", new.name),
        };
        let at = |member| Place::item(c, ItemKind::Command, &new.name, member);
        let places = (
            self.old_span(&at(Member::Description)),
            self.new_span(&at(Member::Description)),
        );
        self.description(
            Some(c),
            element.clone(),
            "the description",
            &old.description,
            &new.description,
            places,
        );
        self.field_descriptions(
            c,
            &element,
            ItemKind::Command,
            &new.name,
            &old.fields,
            &new.fields,
        );
        for error in &new.errors {
            if let Some(before) = old.errors.iter().find(|e| e.name == error.name) {
                let place = at(Member::Error(error.name.clone()));
                let places = (self.old_span(&place), self.new_span(&place));
                self.description(
                    Some(c),
                    element.clone(),
                    &format!("the message of business error `{}`", error.name),
                    &before.message,
                    &error.message,
                    places,
                );
            }
        }
        let flow = command_flow(self.old, old, self.new, new);
        if !flow.is_empty() {
            let message = format!("{}: {}", element.describe(), flow.join("; "));
            let new_span = self.new_span(&at(Member::Name));
            let old_span = self.old_span(&at(Member::Name));
            self.note(
                DiffCode::FlowChanged,
                Some(c),
                element.clone(),
                message,
                new_span.map(|s| (s, "")),
                old_span.map(|s| (s, "")),
            );
        }

        let old_aggregate = &self.old.aggregate(old.aggregate).name;
        let new_aggregate = &self.new.aggregate(new.aggregate).name;
        let old_owner = Owner {
            context: c.to_owned(),
            kind: ItemKind::Command,
            name: old.name.clone(),
            implicit: Some(Place::item(
                c,
                ItemKind::Aggregate,
                old_aggregate,
                Member::Id,
            )),
        };
        let new_owner = Owner {
            context: c.to_owned(),
            kind: ItemKind::Command,
            name: new.name.clone(),
            implicit: Some(Place::item(
                c,
                ItemKind::Aggregate,
                new_aggregate,
                Member::Id,
            )),
        };
        let changes = shape::compare_fields(
            self.old,
            self.new,
            (&old.fields, &old_owner),
            (&new.fields, &new_owner),
        );
        if changes.is_empty() {
            return;
        }
        let mut senders: BTreeSet<Consumer> =
            command_senders(self.old, old_id).into_iter().collect();
        senders.extend(command_senders(self.new, new_id));
        let senders: Vec<Consumer> = senders.into_iter().collect();
        for change in changes {
            self.shape_finding(
                c,
                &element,
                Subject::Command,
                change,
                senders.clone(),
                Reader::Command,
            );
        }
    }

    fn policies(&mut self, c: &str, old_id: ContextId, new_id: ContextId) {
        // A process's reactions are not policies of their own (processes are not
        // compared yet).
        let own = |p: &&crate::ir::Policy| p.process.is_none();
        for new_policy in self
            .new
            .policies
            .iter()
            .filter(|p| p.context == new_id)
            .filter(own)
        {
            let element = Element {
                kind: ElementKind::Policy,
                name: format!("{c}.{}", new_policy.name),
            };
            let at = |member| Place::item(c, ItemKind::Policy, &new_policy.name, member);
            let new_span = self.new_span(&at(Member::Name));
            let Some(old_index) = lookup(&self.old_names.policies, c, &new_policy.name) else {
                self.added(
                    DiffCode::FlowChanged,
                    Some(c),
                    element,
                    new_span,
                    "new policy",
                );
                continue;
            };
            let old_policy = &self.old.policies[old_index];
            let places = (
                self.old_span(&at(Member::Description)),
                self.new_span(&at(Member::Description)),
            );
            self.description(
                Some(c),
                element.clone(),
                "the description",
                &old_policy.description,
                &new_policy.description,
                places,
            );
            let mut flow = Vec::new();
            let old_on: Vec<String> = old_policy
                .on
                .iter()
                .map(|e| self.old.qualified_event(*e))
                .collect();
            let new_on: Vec<String> = new_policy
                .on
                .iter()
                .map(|e| self.new.qualified_event(*e))
                .collect();
            changed_list(
                &mut flow,
                ("reacts to", "no longer reacts to"),
                &old_on,
                &new_on,
            );
            let old_issue = old_policy.issues.map(|id| self.old.qualified_command(id));
            let new_issue = new_policy.issues.map(|id| self.new.qualified_command(id));
            changed_one(&mut flow, "issues", old_issue, new_issue);
            let old_call = old_policy
                .calls
                .map(|id| self.old.externals[id.index()].name.clone());
            let new_call = new_policy
                .calls
                .map(|id| self.new.externals[id.index()].name.clone());
            changed_one(&mut flow, "calls", old_call, new_call);
            if !flow.is_empty() {
                let message = format!("{}: {}", element.describe(), flow.join("; "));
                let old_span = self.old_span(&at(Member::Name));
                self.note(
                    DiffCode::FlowChanged,
                    Some(c),
                    element,
                    message,
                    new_span.map(|s| (s, "")),
                    old_span.map(|s| (s, "")),
                );
            }
        }
        for old_policy in self
            .old
            .policies
            .iter()
            .filter(|p| p.context == old_id)
            .filter(own)
        {
            if lookup(&self.new_names.policies, c, &old_policy.name).is_some() {
                continue;
            }
            let element = Element {
                kind: ElementKind::Policy,
                name: format!("{c}.{}", old_policy.name),
            };
            let message = format!("{} was removed", element.describe());
            let span = self.old_span(&Place::item(
                c,
                ItemKind::Policy,
                &old_policy.name,
                Member::Name,
            ));
            self.note(
                DiffCode::FlowChanged,
                Some(c),
                element,
                message,
                None,
                span.map(|s| (s, "removed policy")),
            );
        }
    }

    fn read_models(&mut self, c: &str, old_id: ContextId, new_id: ContextId) {
        for new_rm in self.new.read_models.iter().filter(|r| r.context == new_id) {
            let element = Element {
                kind: ElementKind::ReadModel,
                name: format!("{c}.{}", new_rm.name),
            };
            match lookup(&self.old_names.read_models, c, &new_rm.name) {
                Some(old_index) => {
                    let old_rm = &self.old.read_models[old_index];
                    self.read_model(c, element, old_rm, new_rm);
                }
                None => {
                    let span = self.new_span(&Place::item(
                        c,
                        ItemKind::ReadModel,
                        &new_rm.name,
                        Member::Name,
                    ));
                    self.added(
                        DiffCode::ReadModelAdded,
                        Some(c),
                        element,
                        span,
                        "new read model",
                    );
                }
            }
        }
        for old_rm in self.old.read_models.iter().filter(|r| r.context == old_id) {
            if lookup(&self.new_names.read_models, c, &old_rm.name).is_some() {
                continue;
            }
            let element = Element {
                kind: ElementKind::ReadModel,
                name: format!("{c}.{}", old_rm.name),
            };
            let message = format!("{} was removed", element.describe());
            let span = self.old_span(&Place::item(
                c,
                ItemKind::ReadModel,
                &old_rm.name,
                Member::Name,
            ));
            self.emit(Draft {
                code: DiffCode::ReadModelRemoved,
                context: Some(c.to_owned()),
                element,
                path: None,
                message,
                help: Some("clients still query it: keep it until none does".to_owned()),
                compat: Compat {
                    backward: true,
                    forward: false,
                },
                subject: Subject::ReadModel,
                consumers: Vec::new(),
                new: self
                    .new_span(&Place::context(c))
                    .map(|s| (s, format!("no longer has `{}`", old_rm.name))),
                old: span.map(|s| (s, "removed read model".to_owned())),
            });
        }
    }

    fn read_model(&mut self, c: &str, element: Element, old: &ReadModel, new: &ReadModel) {
        let at = |member| Place::item(c, ItemKind::ReadModel, &new.name, member);
        let places = (
            self.old_span(&at(Member::Description)),
            self.new_span(&at(Member::Description)),
        );
        self.description(
            Some(c),
            element.clone(),
            "the description",
            &old.description,
            &new.description,
            places,
        );
        self.field_descriptions(
            c,
            &element,
            ItemKind::ReadModel,
            &new.name,
            &old.fields,
            &new.fields,
        );

        let old_from: Vec<String> = old
            .from
            .iter()
            .map(|e| self.old.qualified_event(*e))
            .collect();
        let new_from: Vec<String> = new
            .from
            .iter()
            .map(|e| self.new.qualified_event(*e))
            .collect();
        let mut flow = Vec::new();
        changed_list(
            &mut flow,
            ("is fed by", "is no longer fed by"),
            &old_from,
            &new_from,
        );
        if !flow.is_empty() {
            let message = format!("{}: {}", element.describe(), flow.join("; "));
            let new_span = self.new_span(&at(Member::Sources));
            let old_span = self.old_span(&at(Member::Sources));
            self.note(
                DiffCode::FlowChanged,
                Some(c),
                element.clone(),
                message,
                new_span.map(|s| (s, "")),
                old_span.map(|s| (s, "")),
            );
        }

        let key_changed = old.key != new.key;
        if key_changed {
            let message = format!(
                "{} is keyed by `{}` (it was `{}`)",
                element.describe(),
                new.key_text(),
                old.key_text()
            );
            let new_span = self.new_span(&at(Member::Key));
            let old_span = self.old_span(&at(Member::Key));
            self.emit(Draft {
                code: DiffCode::ReadModelKeyChanged,
                context: Some(c.to_owned()),
                element: element.clone(),
                path: None,
                message,
                help: Some("stored rows and clients' queries use the old key: add a new read model with the new key instead".to_owned()),
                compat: Compat::NEITHER,
                subject: Subject::ReadModel,
                consumers: Vec::new(),
                new: new_span.map(|s| (s, "new key".to_owned())),
                old: old_span.map(|s| (s, "old key".to_owned())),
            });
        }
        let old_owner = Owner {
            context: c.to_owned(),
            kind: ItemKind::ReadModel,
            name: old.name.clone(),
            implicit: Some(Place::item(c, ItemKind::ReadModel, &old.name, Member::Key)),
        };
        let new_owner = Owner {
            context: c.to_owned(),
            kind: ItemKind::ReadModel,
            name: new.name.clone(),
            implicit: Some(Place::item(c, ItemKind::ReadModel, &new.name, Member::Key)),
        };
        let changes = shape::compare_fields(
            self.old,
            self.new,
            (&old.fields, &old_owner),
            (&new.fields, &new_owner),
        );
        for change in changes {
            self.shape_finding(
                c,
                &element,
                Subject::ReadModel,
                change,
                Vec::new(),
                Reader::ReadModel,
            );
        }
    }

    fn shape_finding(
        &mut self,
        c: &str,
        element: &Element,
        subject: Subject,
        change: Change,
        consumers: Vec<Consumer>,
        reader: Reader,
    ) {
        let what = element.describe();
        let path = &change.path;
        let (code, message, help, new_label, old_label) = match &change.kind {
            ChangeKind::FieldRemoved { ty, optional } => (
                DiffCode::FieldRemoved,
                format!("field `{path}` of {what} was removed"),
                format!(
                    "{} require `{path}`: make it optional (`{ty}?`) first, and remove it once every reader has moved on",
                    reader.old_readers()
                ),
                format!("no longer has `{}`", path.rsplit('.').next().unwrap_or(path)),
                if *optional { "removed optional field" } else { "removed required field" }.to_owned(),
            ),
            ChangeKind::FieldAdded { ty, optional: false } => (
                DiffCode::FieldAddedRequired,
                format!("required field `{path}: {ty}` was added to {what}"),
                format!("{} lack it: make it optional (`{ty}?`)", reader.old_data()),
                "new required field".to_owned(),
                String::new(),
            ),
            ChangeKind::FieldAdded { ty, optional: true } => (
                DiffCode::FieldAddedOptional,
                format!("optional field `{path}: {ty}` was added to {what}"),
                String::new(),
                "new optional field".to_owned(),
                String::new(),
            ),
            ChangeKind::MadeRequired { old, new } => (
                DiffCode::FieldMadeRequired,
                format!("field `{path}` of {what} is now required (`{old}` became `{new}`)"),
                format!("{} may lack it or hold `null`: keep it optional", reader.old_data()),
                "now required".to_owned(),
                "optional".to_owned(),
            ),
            ChangeKind::MadeOptional { old, new } => (
                DiffCode::FieldMadeOptional,
                format!("field `{path}` of {what} is now optional (`{old}` became `{new}`)"),
                format!("{} refuse `null`: keep it required until every reader accepts `null`", reader.old_readers()),
                "now optional".to_owned(),
                "required".to_owned(),
            ),
            ChangeKind::Narrowed { old, new } => (
                DiffCode::TypeNarrowed,
                format!("field `{path}` of {what} narrowed from `{old}` to `{new}`"),
                format!("{} may not fit `{new}`: keep `{old}`, or add a new field of type `{new}`", reader.old_data()),
                format!("`{new}` holds fewer values"),
                format!("was `{old}`"),
            ),
            ChangeKind::Widened { old, new } => (
                DiffCode::TypeWidened,
                format!("field `{path}` of {what} widened from `{old}` to `{new}`"),
                format!("{} cannot hold every `{new}` value: update them first, or add a new field", reader.old_readers()),
                format!("`{new}` holds more values"),
                format!("was `{old}`"),
            ),
            ChangeKind::Changed { old, new } => (
                DiffCode::TypeChanged,
                format!("field `{path}` of {what} changed type from `{old}` to `{new}`"),
                format!("neither type reads the other: add a field of type `{new}` under a new name and keep `{old}`"),
                format!("now `{new}`"),
                format!("was `{old}`"),
            ),
            ChangeKind::VariantRemoved { ty, variant } => (
                DiffCode::EnumVariantRemoved,
                format!("variant `{variant}` of enum `{ty}` was removed (field `{path}` of {what})"),
                format!("{} may hold `{variant}`: keep the variant and stop producing it", reader.old_data()),
                format!("no longer has `{variant}`"),
                "removed variant".to_owned(),
            ),
            ChangeKind::VariantAdded { ty, variant } => (
                DiffCode::EnumVariantAdded,
                format!("variant `{variant}` was added to enum `{ty}` (field `{path}` of {what})"),
                format!("{} refuse `{variant}`: update them before producing it", reader.old_readers()),
                "new variant".to_owned(),
                String::new(),
            ),
        };
        let new = self.new_span(&change.new).map(|s| (s, new_label));
        // An addition has nothing to show in the old model.
        let old = if old_label.is_empty() {
            None
        } else {
            self.old_span(&change.old).map(|s| (s, old_label))
        };
        self.emit(Draft {
            code,
            context: Some(c.to_owned()),
            element: element.clone(),
            path: Some(change.path.clone()),
            message,
            help: (!help.is_empty()).then_some(help),
            compat: change.compat,
            subject,
            consumers,
            new,
            old,
        });
    }
}

/// Who reads a message, for help texts.
#[derive(Clone, Copy)]
enum Reader {
    Event,
    Command,
    ReadModel,
}

impl Reader {
    /// Data of the old shape, as the new readers meet it.
    fn old_data(self) -> &'static str {
        match self {
            Reader::Event => "events stored before the change",
            Reader::Command => "bodies sent by old clients",
            Reader::ReadModel => "rows stored before the change",
        }
    }

    /// Readers of the old shape.
    fn old_readers(self) -> &'static str {
        match self {
            Reader::Event => "consumers built against the old event",
            Reader::Command => "handlers of the old command",
            Reader::ReadModel => "clients built against the old row",
        }
    }
}

/// The first field name of a path: `lines` of `lines[].sku`.
fn top_field(path: &str) -> &str {
    let end = path.find(['.', '[', '{']).unwrap_or(path.len());
    &path[..end]
}

/// Other contexts' policies, processes and read models that use an event, sorted.
fn event_consumers(model: &Model, id: EventId) -> Vec<Consumer> {
    let event: &Event = model.event(id);
    let node = NodeRef::Event(id);
    let mut found = Vec::new();
    for (kind, edge) in [
        (ElementKind::Policy, EdgeKind::Triggers),
        (ElementKind::ReadModel, EdgeKind::Feeds),
    ] {
        for next in model.graph.successors(node, edge) {
            let (context, name) = match next {
                NodeRef::Policy(p) => {
                    let policy = model.policy(p);
                    (policy.context, &policy.name)
                }
                // A process reads the event too (listed with the policies).
                NodeRef::Process(p) => {
                    let process = model.process(p);
                    (process.context, &process.name)
                }
                NodeRef::ReadModel(r) => {
                    let read_model = model.read_model(r);
                    (read_model.context, &read_model.name)
                }
                _ => continue,
            };
            if context == event.context {
                continue;
            }
            found.push(Consumer {
                kind,
                name: format!("{}.{name}", model.context(context).name),
                maps_field: None,
            });
        }
    }
    found.sort();
    found
}

/// Whether a consumer's generated code maps field `field` by name: a read model has a
/// row field (or key) of that name, a policy's command has a field of that name.
fn maps_field(old: &Model, new: &Model, consumer: &Consumer, field: &str) -> bool {
    let Some((context, name)) = consumer.name.split_once('.') else {
        return false;
    };
    // The new model's consumer when it still exists, else the old one's.
    for model in [new, old] {
        let Some(context_id) = model.context_by_name(context) else {
            continue;
        };
        match consumer.kind {
            ElementKind::ReadModel => {
                if let Some(rm) = model
                    .read_models
                    .iter()
                    .find(|r| r.context == context_id && r.name == name)
                {
                    return rm.key.iter().any(|k| k == field)
                        || rm.fields.iter().any(|f| f.name == field);
                }
            }
            ElementKind::Policy => {
                if let Some(policy) = model
                    .policies
                    .iter()
                    .find(|p| p.context == context_id && p.name == name)
                {
                    return policy
                        .issues
                        .is_some_and(|c| model.command(c).fields.iter().any(|f| f.name == field));
                }
            }
            _ => return false,
        }
    }
    false
}

/// Who sends a command: its actors and external systems, and other contexts'
/// policies that issue it, sorted.
fn command_senders(model: &Model, id: CommandId) -> Vec<Consumer> {
    let command: &Command = model.command(id);
    let mut found: Vec<Consumer> = command
        .issued_by
        .iter()
        .map(|issuer| match issuer {
            Issuer::Actor(a) => Consumer {
                kind: ElementKind::Actor,
                name: model.actors[a.index()].name.clone(),
                maps_field: None,
            },
            Issuer::External(e) => Consumer {
                kind: ElementKind::External,
                name: model.externals[e.index()].name.clone(),
                maps_field: None,
            },
        })
        .collect();
    for policy in &model.policies {
        if policy.issues == Some(id) && policy.context != command.context {
            // A process's reaction is named by its process.
            let name = policy
                .process
                .map_or(&policy.name, |p| &model.process(p).name);
            found.push(Consumer {
                kind: ElementKind::Policy,
                name: format!("{}.{}", model.context(policy.context).name, name),
                maps_field: None,
            });
        }
    }
    found.sort();
    found.dedup();
    found
}

/// What changed in a command's flow: the events it emits, its business errors and
/// who issues it.
fn command_flow(old_model: &Model, old: &Command, new_model: &Model, new: &Command) -> Vec<String> {
    let mut flow = Vec::new();
    let old_emits: Vec<String> = old
        .emits
        .iter()
        .map(|e| old_model.qualified_event(*e))
        .collect();
    let new_emits: Vec<String> = new
        .emits
        .iter()
        .map(|e| new_model.qualified_event(*e))
        .collect();
    changed_list(
        &mut flow,
        ("emits", "no longer emits"),
        &old_emits,
        &new_emits,
    );
    let old_errors: Vec<String> = old.errors.iter().map(|e| e.name.clone()).collect();
    let new_errors: Vec<String> = new.errors.iter().map(|e| e.name.clone()).collect();
    changed_list(
        &mut flow,
        ("may raise", "may no longer raise"),
        &old_errors,
        &new_errors,
    );
    let issuer = |model: &Model, issuer: &Issuer| match issuer {
        Issuer::Actor(a) => model.actors[a.index()].name.clone(),
        Issuer::External(e) => model.externals[e.index()].name.clone(),
    };
    let old_by: Vec<String> = old.issued_by.iter().map(|i| issuer(old_model, i)).collect();
    let new_by: Vec<String> = new.issued_by.iter().map(|i| issuer(new_model, i)).collect();
    changed_list(
        &mut flow,
        ("is issued by", "is no longer issued by"),
        &old_by,
        &new_by,
    );
    flow
}

/// Adds "`verb` `a`, `b` now and `negated` `c`" when two lists differ as sets.
fn changed_list(
    flow: &mut Vec<String>,
    (verb, negated): (&str, &str),
    old: &[String],
    new: &[String],
) {
    let old_set: BTreeSet<&String> = old.iter().collect();
    let new_set: BTreeSet<&String> = new.iter().collect();
    if old_set == new_set {
        return;
    }
    let quote = |items: Vec<&&String>| {
        items
            .iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let added: Vec<&&String> = new_set.difference(&old_set).collect();
    let removed: Vec<&&String> = old_set.difference(&new_set).collect();
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("{verb} {} now", quote(added)));
    }
    if !removed.is_empty() {
        parts.push(format!("{negated} {}", quote(removed)));
    }
    flow.push(parts.join(" and "));
}

/// Adds "`verb` `new` (was `old`)" when an optional target changed.
fn changed_one(flow: &mut Vec<String>, verb: &str, old: Option<String>, new: Option<String>) {
    match (old, new) {
        (old, new) if old == new => {}
        (None, Some(new)) => flow.push(format!("{verb} `{new}` now")),
        (Some(old), None) => flow.push(format!("no longer {verb} `{old}`")),
        (Some(old), Some(new)) => flow.push(format!("{verb} `{new}` (it was `{old}`)")),
        (None, None) => {}
    }
}
