//! Phase 2 (names) and phase 3 (flow) of the checker, one file per step:
//! [`scope`] declares every name, [`types`] resolves type expressions, [`references`]
//! resolves references, [`lowering`] builds the resolved model of each element, and
//! [`scenarios`] lowers scenarios and hotspots, checking their values against the
//! fields' types ([`values`]); the flow rules then run over the
//! result (`src/check/rules/`).

use super::names::{is_pascal_case, is_rust_keyword, is_snake_case, to_snake_case};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::types::{parse_type, TypeSyntax};
use crate::ir::*;
use crate::model::ast::*;
use crate::model::load::Loaded;
use crate::model::yaml::Node;
use crate::source::SourceMap;
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};

mod lowering;
mod processes;
mod reactions;
mod references;
mod scenarios;
mod scope;
mod types;
mod values;

/// What resolution produced: a model (complete only when `names` has no errors),
/// the name-phase findings and the flow-phase findings.
pub(super) struct Resolved {
    pub model: Model,
    pub names: Diagnostics,
    pub flow: Diagnostics,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Element {
    Type(TypeId),
    Aggregate(AggregateId),
    Command(CommandId),
    Event(EventId),
    Policy(PolicyId),
    Process(ProcessId),
    ReadModel(ReadModelId),
    /// A name declared inside a duplicate (the second definition of an aggregate or
    /// a context), which is dropped: references to it are neither resolved nor
    /// reported as unknown, because the name is declared.
    Dropped,
}

impl Element {
    fn kind(self) -> &'static str {
        match self {
            Element::Type(_) => "a type",
            Element::Aggregate(_) => "an aggregate",
            Element::Command(_) => "a command",
            Element::Event(_) => "an event",
            Element::Policy(_) => "a policy",
            Element::Process(_) => "a process",
            Element::ReadModel(_) => "a read model",
            Element::Dropped => "an element of a duplicate definition",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Participant {
    Actor(ActorId),
    External(ExternalId),
}

/// The namespace of one context: every PascalCase element shares it, because they
/// all become Rust items of one crate.
#[derive(Default)]
struct Scope {
    names: BTreeMap<String, (Element, Span)>,
    /// The snake_case form of every name, for SC073: generated modules, functions and
    /// paths are named by it.
    snakes: SnakeForms,
}

/// Names by their snake_case form: the first name of each form and where it is.
#[derive(Default)]
struct SnakeForms(BTreeMap<String, (String, Span)>);

impl SnakeForms {
    /// Records `name`; returns the earlier, differently spelt name of the same form.
    fn insert(&mut self, name: &Name) -> Option<(String, Span, String)> {
        let snake = to_snake_case(&name.value);
        match self.0.get(&snake) {
            Some((first, span)) if *first != name.value => Some((first.clone(), *span, snake)),
            Some(_) => None,
            None => {
                self.0.insert(snake, (name.value.clone(), name.span));
                None
            }
        }
    }
}

struct Resolver<'a> {
    sources: &'a SourceMap,
    names: Diagnostics,
    flow: Diagnostics,
    model: Model,
    participants: BTreeMap<String, (Participant, Span)>,
    participant_snakes: SnakeForms,
    context_ids: BTreeMap<String, ContextId>,
    scopes: Vec<Scope>,
    /// How many references or types failed to resolve so far: an element that lost
    /// one while it was resolved is tainted, and flow rules skip it.
    unresolved: usize,
    /// Elements with a reference or a field type that did not resolve: a flow rule
    /// about them would report the name error's consequence, not a design flaw.
    tainted: BTreeSet<NodeRef>,
    /// Records that lost a field to a type error: a scenario value of one would
    /// report the field as unknown or missing.
    tainted_types: BTreeSet<TypeId>,
    /// Aggregates written without `id:` (identified by the default `id`), with the
    /// places that look for their id as `<aggregate>_id`, and what looks (SC034).
    implicit_ids: BTreeMap<AggregateId, Vec<(Span, String)>>,
    /// Some policy's `issue` or command's `by` did not resolve: any command might be
    /// the one it meant, so SC043 is not reported.
    issuers_unresolved: bool,
    /// Some policy's `on` or read model's `from` did not resolve: any published
    /// event might be the one it meant, so SC045 is not reported.
    consumers_unresolved: bool,
    /// The files written in format 2 (by source map index).
    format_2_files: BTreeSet<u32>,
}

pub(super) fn resolve(loaded: &Loaded, options: &super::Options) -> Resolved {
    let mut resolver = Resolver {
        sources: &loaded.sources,
        names: Diagnostics::default(),
        flow: Diagnostics::default(),
        model: Model {
            system: String::new(),
            description: None,
            actors: Vec::new(),
            externals: Vec::new(),
            contexts: Vec::new(),
            types: Vec::new(),
            aggregates: Vec::new(),
            commands: Vec::new(),
            events: Vec::new(),
            policies: Vec::new(),
            processes: Vec::new(),
            read_models: Vec::new(),
            scenarios: Vec::new(),
            reaction_scenarios: Vec::new(),
            hotspots: Vec::new(),
            graph: FlowGraph::default(),
        },
        participants: BTreeMap::new(),
        participant_snakes: SnakeForms::default(),
        context_ids: BTreeMap::new(),
        scopes: Vec::new(),
        unresolved: 0,
        tainted: BTreeSet::new(),
        tainted_types: BTreeSet::new(),
        implicit_ids: BTreeMap::new(),
        issuers_unresolved: false,
        consumers_unresolved: false,
        format_2_files: loaded
            .ast
            .files
            .iter()
            .filter(|f| f.format.as_ref().is_some_and(|v| v.value >= 2))
            .map(|f| f.file)
            .collect(),
    };
    resolver.run(&loaded.ast, options);
    Resolved {
        model: resolver.model,
        names: resolver.names,
        flow: resolver.flow,
    }
}

fn text(value: &Option<Sp<String>>) -> Option<String> {
    value.as_ref().map(|v| v.value.clone())
}

fn node_to_json(node: &Node) -> serde_json::Value {
    match node {
        Node::Null => serde_json::Value::Null,
        Node::Bool(b) => serde_json::Value::Bool(*b),
        Node::Int(i) => serde_json::Value::from(*i),
        Node::Float(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Node::Str(s) => serde_json::Value::String(s.clone()),
        Node::Seq(items) => items.iter().map(|i| node_to_json(&i.value)).collect(),
        Node::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.value.clone(), node_to_json(&v.value)))
                .collect(),
        ),
    }
}

impl Resolver<'_> {
    /// Records a name-phase finding; counts the ones that drop a reference or a type.
    fn name_finding(&mut self, diagnostic: Diagnostic) {
        if matches!(
            diagnostic.code,
            Code::UnresolvedReference | Code::BadTypeExpression
        ) {
            self.unresolved += 1;
        }
        self.names.push(diagnostic);
    }

    /// Taints `node` when a reference failed since `before` (a count of `unresolved`).
    fn taint_since(&mut self, before: usize, node: NodeRef) -> bool {
        let failed = self.unresolved > before;
        if failed {
            self.tainted.insert(node);
        }
        failed
    }

    fn run(&mut self, ast: &ModelAst, options: &super::Options) {
        self.system(ast);
        for file in &ast.files {
            for actor in &file.actors {
                self.pascal(&actor.name, "actor");
                let id = ActorId(self.model.actors.len() as u32);
                if self.declare_participant(&actor.name, Participant::Actor(id)) {
                    self.model.actors.push(Actor {
                        name: actor.name.value.clone(),
                        description: text(&actor.description),
                        span: actor.name.span,
                    });
                }
            }
            for external in &file.externals {
                self.pascal(&external.name, "external system");
                let id = ExternalId(self.model.externals.len() as u32);
                if self.declare_participant(&external.name, Participant::External(id)) {
                    self.model.externals.push(External {
                        name: external.name.value.clone(),
                        description: text(&external.description),
                        span: external.name.span,
                    });
                }
            }
        }
        // Declare every context and its elements first, so references can point
        // forwards and across files.
        let mut contexts: Vec<&ContextAst> = Vec::new();
        let mut duplicates: Vec<&ContextAst> = Vec::new();
        for file in &ast.files {
            for context in &file.contexts {
                if self.declare_context(context) {
                    contexts.push(context);
                } else {
                    duplicates.push(context);
                }
            }
        }
        for duplicate in duplicates {
            if let Some(first) = self.context_ids.get(&duplicate.name.value).copied() {
                self.declare_dropped_context(first, duplicate);
            }
        }
        for (index, context) in contexts.iter().enumerate() {
            self.declare_elements(ContextId(index as u32), context);
        }
        for (index, context) in contexts.iter().enumerate() {
            self.resolve_context(ContextId(index as u32), context);
        }
        for (index, context) in contexts.iter().enumerate() {
            self.resolve_reactions(ContextId(index as u32), context);
        }
        for (index, context) in contexts.iter().enumerate() {
            self.policy_reads(ContextId(index as u32), context);
        }
        for (index, context) in contexts.iter().enumerate() {
            self.resolve_processes(ContextId(index as u32), context);
        }
        self.recursive_types();
        for (index, context) in contexts.iter().enumerate() {
            let id = ContextId(index as u32);
            for scenario in &context.scenarios {
                self.scenario(id, scenario);
            }
            for hotspot in &context.hotspots {
                self.hotspot(Some(id), hotspot);
            }
        }
        for file in &ast.files {
            for hotspot in &file.hotspots {
                self.hotspot(None, hotspot);
            }
        }
        self.implicit_ids();
        self.model.graph = FlowGraph::build(&self.model);
        self.flow_rules(options);
    }

    /// Runs the flow rules over the resolved model.
    fn flow_rules(&mut self, options: &super::Options) {
        let flow = super::rules::Flow {
            coverage: options.coverage,
            model: &self.model,
            tainted: &self.tainted,
            issuers_unresolved: self.issuers_unresolved,
            consumers_unresolved: self.consumers_unresolved,
            format_2_files: &self.format_2_files,
        };
        let mut found = Vec::new();
        super::rules::check_model(&flow, &mut found);
        for diagnostic in found {
            self.flow.push(diagnostic);
        }
    }
}
