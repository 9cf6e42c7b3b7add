//! Phase 2 (names) and phase 3 (flow) of the checker.

use super::names::{is_pascal_case, is_rust_keyword, is_snake_case, to_pascal_case, to_snake_case};
use super::rules::{
    sc070_reserved_word, sc071_reserved_crate_name, sc072_generated_name_clash,
    sc073_case_collision,
};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::ir::types::{parse_type, TypeSyntax};
use crate::ir::*;
use crate::model::ast::*;
use crate::model::load::Loaded;
use crate::model::yaml::Node;
use crate::source::SourceMap;
use crate::source::Span;
use crate::suggest::{closest, did_you_mean};
use std::collections::{BTreeMap, BTreeSet};

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
    /// Some policy's `issue` or command's `by` did not resolve: any command might be
    /// the one it meant, so SC043 is not reported.
    issuers_unresolved: bool,
    /// Some policy's `on` or read model's `from` did not resolve: any published
    /// event might be the one it meant, so SC045 is not reported.
    consumers_unresolved: bool,
    /// Event names defined twice in a context (SC011): a command that emits one
    /// may mean its own, so SC042 is not reported about it.
    duplicated: BTreeSet<(ContextId, String)>,
}

pub(super) fn resolve(loaded: &Loaded) -> Resolved {
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
            read_models: Vec::new(),
            scenarios: Vec::new(),
            hotspots: Vec::new(),
            graph: FlowGraph::default(),
        },
        participants: BTreeMap::new(),
        participant_snakes: SnakeForms::default(),
        context_ids: BTreeMap::new(),
        scopes: Vec::new(),
        unresolved: 0,
        tainted: BTreeSet::new(),
        issuers_unresolved: false,
        consumers_unresolved: false,
        duplicated: BTreeSet::new(),
    };
    resolver.run(&loaded.ast);
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

    fn run(&mut self, ast: &ModelAst) {
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
        self.build_graph();
        self.flow_rules();
    }

    fn system(&mut self, ast: &ModelAst) {
        let systems: Vec<&Name> = ast.files.iter().filter_map(|f| f.system.as_ref()).collect();
        match systems.as_slice() {
            [] => {
                if let Some(first) = ast.files.first() {
                    self.name_finding(
                        Diagnostic::new(
                            Code::MissingKey,
                            Span {
                                file: first.file,
                                start: 0,
                                len: 0,
                            },
                            "the model has no `system` name",
                        )
                        .label("`system` is required once per model")
                        .help("add `system: YourSystemName` to one file of the model"),
                    );
                }
            }
            [first, rest @ ..] => {
                self.model.system = first.value.clone();
                self.pascal(first, "system");
                for other in rest {
                    self.name_finding(
                        Diagnostic::new(
                            Code::DuplicateName,
                            other.span,
                            "the model names its `system` twice",
                        )
                        .label("second `system`")
                        .secondary(first.span, "first `system` here")
                        .help("keep `system:` in one file of the model only"),
                    );
                }
            }
        }
        self.model.description = ast.files.iter().find_map(|f| text(&f.description));
    }

    fn pascal(&mut self, name: &Name, kind: &str) {
        if !is_pascal_case(&name.value) {
            let fixed = to_pascal_case(&name.value);
            let help = if fixed.is_empty() || !is_pascal_case(&fixed) {
                format!("{kind} names start with a capital letter and hold only letters and digits")
            } else {
                format!("write `{fixed}`")
            };
            self.name_finding(
                Diagnostic::new(
                    Code::InvalidName,
                    name.span,
                    format!("{kind} name `{}` is not PascalCase", name.value),
                )
                .label("expected PascalCase, like `OrderPlaced`")
                .help(help),
            );
        }
        if sc070_reserved_word::is_not_raw_keyword(&name.value) {
            self.names.push(sc070_reserved_word::not_an_identifier(
                kind,
                &name.value,
                name.span,
            ));
        }
    }

    fn snake(&mut self, name: &Name, kind: &str) {
        if !is_snake_case(&name.value) {
            let fixed = to_snake_case(&name.value);
            let help = if fixed.is_empty() || !is_snake_case(&fixed) {
                format!(
                    "{kind} names are lowercase ASCII words joined by `_`, starting with a letter"
                )
            } else {
                format!("write `{fixed}`")
            };
            self.name_finding(
                Diagnostic::new(
                    Code::InvalidName,
                    name.span,
                    format!("{kind} name `{}` is not snake_case", name.value),
                )
                .label("expected snake_case, like `order_lines`")
                .help(help),
            );
        }
        // A context's keywords are SC071's: the context is a crate, not an identifier.
        if kind != "context" && sc070_reserved_word::is_not_raw_keyword(&name.value) {
            self.names.push(sc070_reserved_word::not_an_identifier(
                kind,
                &name.value,
                name.span,
            ));
        }
    }

    /// The rules about the Rust names the generator derives from a new element's
    /// name: keywords (SC070), the generator's own items and modules (SC072).
    fn generated_names(&mut self, name: &Name, kind: &str) {
        let snake = to_snake_case(&name.value);
        // These kinds become a module or a function named by the snake_case form.
        let named_by_snake = matches!(
            kind,
            "aggregate" | "command" | "policy" | "read model" | "external system"
        );
        if named_by_snake && is_rust_keyword(&snake) && name.value != "Self" {
            self.name_finding(sc070_reserved_word::keyword_module(
                kind,
                &name.value,
                &snake,
                name.span,
            ));
        }
        if sc072_generated_name_clash::clashes(kind).contains(&name.value.as_str()) {
            self.names.push(sc072_generated_name_clash::item(
                kind,
                &name.value,
                name.span,
            ));
        }
        if kind == "aggregate"
            && sc072_generated_name_clash::GENERATED_MODULES.contains(&snake.as_str())
        {
            self.name_finding(sc072_generated_name_clash::module(
                &name.value,
                &snake,
                name.span,
            ));
        }
    }

    fn duplicate(&mut self, name: &Name, first: Span, what: &str) {
        self.name_finding(
            Diagnostic::new(
                Code::DuplicateName,
                name.span,
                format!("`{}` is defined twice {what}", name.value),
            )
            .label("defined again here")
            .secondary(first, format!("`{}` first defined here", name.value))
            .help("rename one of them, or remove the second definition"),
        );
    }

    fn declare_participant(&mut self, name: &Name, participant: Participant) -> bool {
        if let Some((_, first)) = self.participants.get(&name.value) {
            let first = *first;
            self.duplicate(name, first, "among actors and external systems");
            return false;
        }
        let kind = match participant {
            Participant::Actor(_) => "actor",
            Participant::External(_) => "external system",
        };
        self.generated_names(name, kind);
        if let Some((first, first_span, snake)) = self.participant_snakes.insert(name) {
            self.name_finding(sc073_case_collision::diagnostic(
                kind,
                &name.value,
                name.span,
                &first,
                first_span,
                &snake,
            ));
        }
        self.participants
            .insert(name.value.clone(), (participant, name.span));
        true
    }

    fn declare_context(&mut self, context: &ContextAst) -> bool {
        self.snake(&context.name, "context");
        if sc071_reserved_crate_name::is_reserved(&context.name.value) {
            self.name_finding(sc071_reserved_crate_name::diagnostic(
                &context.name.value,
                context.name.span,
            ));
        }
        if let Some(first) = self.context_ids.get(&context.name.value) {
            let first = self.model.contexts[first.index()].span;
            self.duplicate(&context.name, first, "as a context");
            return false;
        }
        let id = ContextId(self.model.contexts.len() as u32);
        self.context_ids.insert(context.name.value.clone(), id);
        self.model.contexts.push(Context {
            name: context.name.value.clone(),
            description: text(&context.description),
            types: Vec::new(),
            aggregates: Vec::new(),
            policies: Vec::new(),
            read_models: Vec::new(),
            scenarios: Vec::new(),
            span: context.name.span,
        });
        self.scopes.push(Scope::default());
        true
    }

    fn declare(&mut self, context: ContextId, name: &Name, element: Element, kind: &str) -> bool {
        self.pascal(name, kind);
        let scope = &self.scopes[context.index()];
        if let Some((_, first)) = scope.names.get(&name.value) {
            let first = *first;
            let context_name = self.model.contexts[context.index()].name.clone();
            self.duplicate(name, first, &format!("in context `{context_name}`"));
            return false;
        }
        self.generated_names(name, kind);
        if let Some((first, first_span, snake)) = self.scopes[context.index()].snakes.insert(name) {
            self.name_finding(sc073_case_collision::diagnostic(
                kind,
                &name.value,
                name.span,
                &first,
                first_span,
                &snake,
            ));
        }
        self.scopes[context.index()]
            .names
            .insert(name.value.clone(), (element, name.span));
        true
    }

    /// Declares a name of a dropped duplicate, unless the scope has it already.
    fn declare_dropped(&mut self, context: ContextId, name: &Name) {
        self.scopes[context.index()]
            .names
            .entry(name.value.clone())
            .or_insert((Element::Dropped, name.span));
    }

    /// The names of a duplicate aggregate's commands and events.
    fn declare_dropped_aggregate(&mut self, context: ContextId, aggregate: &AggregateAst) {
        for command in &aggregate.commands {
            self.declare_dropped(context, &command.name);
        }
        for event in &aggregate.events {
            self.declare_dropped(context, &event.name);
        }
    }

    /// Every name of a duplicate context, in the scope of the first one.
    fn declare_dropped_context(&mut self, context: ContextId, ast: &ContextAst) {
        for ty in &ast.types {
            self.declare_dropped(context, &ty.name);
        }
        for aggregate in &ast.aggregates {
            self.declare_dropped(context, &aggregate.name);
            self.declare_dropped_aggregate(context, aggregate);
        }
        for policy in &ast.policies {
            self.declare_dropped(context, &policy.name);
        }
        for read_model in &ast.read_models {
            self.declare_dropped(context, &read_model.name);
        }
    }

    fn declare_elements(&mut self, context: ContextId, ast: &ContextAst) {
        for ty in &ast.types {
            let id = TypeId(self.model.types.len() as u32);
            if self.declare(context, &ty.name, Element::Type(id), "type") {
                self.model.types.push(NamedType {
                    name: ty.name.value.clone(),
                    context,
                    description: text(&ty.description),
                    kind: NamedTypeKind::Enum(Vec::new()),
                });
                self.model.contexts[context.index()].types.push(id);
            }
        }
        for aggregate in &ast.aggregates {
            let id = AggregateId(self.model.aggregates.len() as u32);
            if !self.declare(
                context,
                &aggregate.name,
                Element::Aggregate(id),
                "aggregate",
            ) {
                self.declare_dropped_aggregate(context, aggregate);
                continue;
            }
            self.model.aggregates.push(Aggregate {
                name: aggregate.name.value.clone(),
                context,
                description: text(&aggregate.description),
                id: Field {
                    name: aggregate.id.name.value.clone(),
                    ty: TypeRef::Primitive(Primitive::Uuid),
                    description: None,
                    implicit: true,
                },
                persistence: aggregate.persistence.value,
                state: Vec::new(),
                commands: Vec::new(),
                events: Vec::new(),
                span: aggregate.name.span,
                id_span: aggregate.id.ty.span,
            });
            self.model.contexts[context.index()].aggregates.push(id);
            for command in &aggregate.commands {
                let command_id = CommandId(self.model.commands.len() as u32);
                if self.declare(
                    context,
                    &command.name,
                    Element::Command(command_id),
                    "command",
                ) {
                    self.model.commands.push(Command {
                        name: command.name.value.clone(),
                        context,
                        aggregate: id,
                        description: text(&command.description),
                        issued_by: Vec::new(),
                        fields: Vec::new(),
                        emits: Vec::new(),
                        errors: Vec::new(),
                        span: command.name.span,
                    });
                    self.model.aggregates[id.index()].commands.push(command_id);
                } else {
                    // The aggregate lost a command to SC011: its events may be
                    // emitted by that one, so SC041 is not reported about it.
                    self.tainted.insert(NodeRef::Aggregate(id));
                }
            }
            for event in &aggregate.events {
                let event_id = EventId(self.model.events.len() as u32);
                if self.declare(context, &event.name, Element::Event(event_id), "event") {
                    self.model.events.push(Event {
                        name: event.name.value.clone(),
                        context,
                        aggregate: id,
                        description: text(&event.description),
                        version: u32::try_from(event.version.value).unwrap_or(u32::MAX),
                        published: event.published.value,
                        published_span: event.published.span,
                        fields: Vec::new(),
                        span: event.name.span,
                    });
                    self.model.aggregates[id.index()].events.push(event_id);
                } else {
                    self.duplicated.insert((context, event.name.value.clone()));
                }
            }
        }
        for policy in &ast.policies {
            let id = PolicyId(self.model.policies.len() as u32);
            if self.declare(context, &policy.name, Element::Policy(id), "policy") {
                self.model.policies.push(Policy {
                    name: policy.name.value.clone(),
                    context,
                    description: text(&policy.description),
                    on: Vec::new(),
                    issues: None,
                    calls: None,
                    span: policy.name.span,
                });
                self.model.contexts[context.index()].policies.push(id);
            }
        }
        for read_model in &ast.read_models {
            let id = ReadModelId(self.model.read_models.len() as u32);
            if self.declare(
                context,
                &read_model.name,
                Element::ReadModel(id),
                "read model",
            ) {
                self.model.read_models.push(ReadModel {
                    name: read_model.name.value.clone(),
                    context,
                    description: text(&read_model.description),
                    key: read_model
                        .key
                        .as_ref()
                        .map_or_else(String::new, |k| k.value.clone()),
                    from: Vec::new(),
                    fields: Vec::new(),
                    span: read_model.name.span,
                    key_span: read_model
                        .key
                        .as_ref()
                        .map_or(read_model.name.span, |k| k.span),
                });
                self.model.contexts[context.index()].read_models.push(id);
            }
        }
    }

    /// The element a declaration in `context` got, if it was not a duplicate.
    fn declared(&self, context: ContextId, name: &Name) -> Option<Element> {
        self.scopes[context.index()]
            .names
            .get(&name.value)
            .filter(|(_, span)| *span == name.span)
            .map(|(element, _)| *element)
    }

    fn resolve_context(&mut self, context: ContextId, ast: &ContextAst) {
        for ty in &ast.types {
            let Some(Element::Type(id)) = self.declared(context, &ty.name) else {
                continue;
            };
            let kind = match &ty.kind {
                TypeKindAst::Record(fields) => NamedTypeKind::Record(self.fields(context, fields)),
                TypeKindAst::Enum(variants, span) => {
                    if variants.is_empty() {
                        self.name_finding(
                            Diagnostic::new(
                                Code::EmptyEnum,
                                *span,
                                format!("enum `{}` has no variants", ty.name.value),
                            )
                            .label("no variants")
                            .help("list its variants, like `enum: [Pending, Paid]`"),
                        );
                    }
                    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
                    for variant in variants {
                        self.pascal(variant, "enum variant");
                        if let Some(first) = seen.get(&variant.value) {
                            let first = *first;
                            self.duplicate(variant, first, &format!("in enum `{}`", ty.name.value));
                        } else {
                            seen.insert(variant.value.clone(), variant.span);
                        }
                    }
                    NamedTypeKind::Enum(variants.iter().map(|v| v.value.clone()).collect())
                }
            };
            self.model.types[id.index()].kind = kind;
        }
        for aggregate in &ast.aggregates {
            let Some(Element::Aggregate(id)) = self.declared(context, &aggregate.name) else {
                continue;
            };
            self.aggregate(context, id, aggregate);
        }
    }

    /// Policies and read models of a context. They run after every context's
    /// aggregates, because a read model's key is looked up in the fields of events
    /// that may belong to a context defined later.
    fn resolve_reactions(&mut self, context: ContextId, ast: &ContextAst) {
        for policy in &ast.policies {
            let Some(Element::Policy(id)) = self.declared(context, &policy.name) else {
                continue;
            };
            self.policy(context, id, policy);
        }
        for read_model in &ast.read_models {
            let Some(Element::ReadModel(id)) = self.declared(context, &read_model.name) else {
                continue;
            };
            self.read_model(context, id, read_model);
        }
    }

    fn fields(&mut self, context: ContextId, fields: &[FieldAst]) -> Vec<Field> {
        let mut resolved = Vec::new();
        for field in fields {
            self.snake(&field.name, "field");
            if let Some(ty) = self.type_ref(context, &field.ty) {
                resolved.push(Field {
                    name: field.name.value.clone(),
                    ty,
                    description: text(&field.description),
                    implicit: false,
                });
            }
        }
        resolved
    }

    /// Byte offset of a scalar's text (a type expression or a reference), past an
    /// opening quote, so spans inside the text line up with what the user wrote.
    fn expression_base(&self, ty: &Sp<String>) -> u32 {
        let file = self.sources.file(ty.span.file);
        let bytes = file.text.as_bytes();
        let quoted = matches!(bytes.get(ty.span.start as usize), Some(b'"' | b'\''));
        let start = ty.span.start + u32::from(quoted);
        // A YAML flow list `[T]` reaches us as the text `[T]` with the span of `T`:
        // the brackets are not at the span, so offsets into the text shift back.
        let written = bytes
            .get(start as usize..)
            .map_or(0, |rest| rest.iter().take_while(|b| **b == b'[').count());
        let in_text = ty.value.bytes().take_while(|b| *b == b'[').count();
        start.saturating_sub(in_text.saturating_sub(written) as u32)
    }

    /// A span inside a type expression, kept inside its file and on whole characters.
    fn expression_span(&self, ty: &Sp<String>, base: u32, offset: usize, len: usize) -> Span {
        let text = &self.sources.file(ty.span.file).text;
        let mut start = ((base as usize) + offset)
            .max(ty.span.start as usize)
            .min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + len.max(1)).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        Span {
            file: ty.span.file,
            start: start as u32,
            len: (end - start) as u32,
        }
    }

    fn type_ref(&mut self, context: ContextId, ty: &Sp<String>) -> Option<TypeRef> {
        let base = self.expression_base(ty);
        match parse_type(&ty.value) {
            Ok(syntax) => self.resolve_syntax(context, &syntax, ty, base),
            Err(error) => {
                let span = self.expression_span(ty, base, error.offset, error.len);
                let lowered = ty.value.trim().to_ascii_lowercase();
                let help = match ["list<", "vec<", "array<", "set<"]
                    .iter()
                    .find(|prefix| lowered.starts_with(*prefix))
                {
                    Some(_) => "a list is written `[T]`, e.g. `[string]`".to_owned(),
                    None => "types are `string`, `uuid`, …, a type name, `T?`, `[T]` or `map<string, T>`".to_owned(),
                };
                self.name_finding(
                    Diagnostic::new(
                        Code::BadTypeExpression,
                        span,
                        format!("invalid type `{}`: {}", ty.value, error.message),
                    )
                    .label("here")
                    .help(help),
                );
                None
            }
        }
    }

    fn resolve_syntax(
        &mut self,
        context: ContextId,
        syntax: &TypeSyntax,
        ty: &Sp<String>,
        base: u32,
    ) -> Option<TypeRef> {
        match syntax {
            TypeSyntax::List(inner) => self
                .resolve_syntax(context, inner, ty, base)
                .map(|t| TypeRef::List(Box::new(t))),
            TypeSyntax::Optional(inner) => self
                .resolve_syntax(context, inner, ty, base)
                .map(|t| TypeRef::Optional(Box::new(t))),
            TypeSyntax::Map(inner) => self
                .resolve_syntax(context, inner, ty, base)
                .map(|t| TypeRef::Map(Box::new(t))),
            TypeSyntax::Name { name, offset } => {
                if let Some(primitive) = Primitive::parse(name) {
                    return Some(TypeRef::Primitive(primitive));
                }
                let span = self.expression_span(ty, base, *offset, name.len());
                if let Some((other, _)) = name.split_once('.') {
                    self.name_finding(
                        Diagnostic::new(
                            Code::UnresolvedReference,
                            span,
                            format!("type `{name}` names a type of context `{other}`; types are private to their context"),
                        )
                        .label("not visible here")
                        .help("define the value type in this context too: bounded contexts do not share a model, they exchange events"),
                    );
                    return None;
                }
                match self.scopes[context.index()].names.get(name.as_str()) {
                    Some((Element::Type(id), _)) => Some(TypeRef::Named(*id)),
                    Some((Element::Dropped, _)) => {
                        self.unresolved += 1;
                        None
                    }
                    Some((other, _)) => {
                        let other = *other;
                        self.name_finding(
                            Diagnostic::new(
                                Code::UnresolvedReference,
                                span,
                                format!("`{name}` is {}, not a type", other.kind()),
                            )
                            .label("not a type")
                            .help(format!(
                                "a field's type is a primitive or a type under `types:`; to carry {}'s data, define a record type",
                                other.kind()
                            )),
                        );
                        None
                    }
                    None => {
                        let types: Vec<String> = self.scopes[context.index()]
                            .names
                            .iter()
                            .filter(|(_, (e, _))| matches!(e, Element::Type(_)))
                            .map(|(n, _)| n.clone())
                            .collect();
                        let candidates = Primitive::ALL
                            .iter()
                            .map(|(n, _)| *n)
                            .chain(types.iter().map(String::as_str));
                        let help = did_you_mean(name, candidates).unwrap_or_else(|| {
                            format!(
                                "define `{name}` under this context's `types:`, or use a primitive: {}",
                                Primitive::ALL
                                    .iter()
                                    .map(|(n, _)| *n)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        });
                        let context_name = &self.model.contexts[context.index()].name;
                        self.name_finding(
                            Diagnostic::new(
                                Code::UnresolvedReference,
                                span,
                                format!("unknown type `{name}` in context `{context_name}`"),
                            )
                            .label("no such type")
                            .help(help),
                        );
                        None
                    }
                }
            }
        }
    }

    /// The fields of a command or event with the aggregate id first. A declared id
    /// field must have the id's type.
    fn message_fields(
        &mut self,
        context: ContextId,
        aggregate: AggregateId,
        id_ast: &IdAst,
        owner: &Name,
        fields: &[FieldAst],
    ) -> Vec<Field> {
        let id = self.model.aggregates[aggregate.index()].id.clone();
        let mut resolved = Vec::new();
        // One field at a time, so each resolved field stays paired with its syntax
        // (a field whose type fails to resolve is dropped from the result).
        for ast in fields {
            let Some(field) = self.fields(context, std::slice::from_ref(ast)).pop() else {
                continue;
            };
            if field.name == id.name && field.ty != id.ty {
                self.name_finding(
                    Diagnostic::new(
                        Code::IdFieldConflict,
                        ast.ty.span,
                        format!(
                            "`{}` declares the id field `{}` as `{}`, but the aggregate's id is `{}`",
                            owner.value, id.name, ast.ty.value, id_ast.ty.value
                        ),
                    )
                    .label("conflicts with the aggregate id")
                    .secondary(id_ast.ty.span, "the id's type")
                    .help(format!(
                        "every command and event carries `{}` already; remove this field or give it type `{}`",
                        id.name, id_ast.ty.value
                    )),
                );
            }
            resolved.push(field);
        }
        let mut all = vec![id.clone()];
        all.extend(resolved.into_iter().filter(|f| f.name != id.name));
        all
    }

    fn aggregate(&mut self, context: ContextId, id: AggregateId, ast: &AggregateAst) {
        let aggregate_start = self.unresolved;
        self.snake(&ast.id.name, "id field");
        if let Some(ty) = self.type_ref(context, &ast.id.ty) {
            self.model.aggregates[id.index()].id.ty = ty;
        }
        let state = self.fields(context, &ast.state);
        self.model.aggregates[id.index()].state = state;
        self.taint_since(aggregate_start, NodeRef::Aggregate(id));
        for command in &ast.commands {
            let Some(Element::Command(command_id)) = self.declared(context, &command.name) else {
                continue;
            };
            let command_start = self.unresolved;
            let fields = self.message_fields(context, id, &ast.id, &command.name, &command.fields);
            let mut issued_by = Vec::new();
            let by_start = self.unresolved;
            for issuer in &command.by {
                if let Some(participant) = self.participant(issuer, "`by`") {
                    let issuer = match participant {
                        Participant::Actor(a) => Issuer::Actor(a),
                        Participant::External(e) => Issuer::External(e),
                    };
                    if !issued_by.contains(&issuer) {
                        issued_by.push(issuer);
                    }
                }
            }
            if self.unresolved > by_start {
                self.issuers_unresolved = true;
            }
            let mut emits = Vec::new();
            for event in &command.emits {
                let Some(event_id) = self.event_ref(context, event, false) else {
                    continue;
                };
                let duplicated = self.duplicated.contains(&(context, event.value.clone()));
                if self.model.events[event_id.index()].aggregate != id && !duplicated {
                    let owner = self.model.events[event_id.index()].aggregate;
                    let owner_name = self.model.aggregates[owner.index()].name.clone();
                    self.flow.push(
                        Diagnostic::new(
                            Code::ForeignEventEmitted,
                            event.span,
                            format!(
                                "command `{}` of aggregate `{}` emits `{}`, an event of aggregate `{owner_name}`",
                                command.name.value, ast.name.value, event.value
                            ),
                        )
                        .label(format!("belongs to `{owner_name}`"))
                        .help(format!(
                            "an aggregate only appends to its own stream: move the command to `{owner_name}`, or add a policy on an event of `{}` that issues a command of `{owner_name}`",
                            ast.name.value
                        )).about(NodeRef::Command(command_id)),
                    );
                }
                if !emits.contains(&event_id) {
                    emits.push(event_id);
                }
            }
            if command.emits.is_empty() {
                self.flow.push(
                    Diagnostic::new(
                        Code::CommandEmitsNothing,
                        command.name.span,
                        format!("command `{}` emits no event", command.name.value),
                    )
                    .label("no `emits`")
                    .help("add `emits: [SomethingHappened]`: a command that changes nothing is a query, which belongs on a read model").about(NodeRef::Command(command_id)),
                );
            }
            let mut errors: Vec<BusinessError> = Vec::new();
            let mut error_spans: BTreeMap<String, Span> = BTreeMap::new();
            for error in &command.errors {
                self.pascal(&error.name, "business error");
                if let Some(first) = error_spans.get(&error.name.value) {
                    let first = *first;
                    self.duplicate(
                        &error.name,
                        first,
                        &format!("in the errors of `{}`", command.name.value),
                    );
                    continue;
                }
                error_spans.insert(error.name.value.clone(), error.name.span);
                errors.push(BusinessError {
                    name: error.name.value.clone(),
                    message: text(&error.message),
                });
            }
            self.taint_since(command_start, NodeRef::Command(command_id));
            let command = &mut self.model.commands[command_id.index()];
            command.fields = fields;
            command.issued_by = issued_by;
            command.emits = emits;
            command.errors = errors;
        }
        for event in &ast.events {
            let Some(Element::Event(event_id)) = self.declared(context, &event.name) else {
                continue;
            };
            let event_start = self.unresolved;
            let fields = self.message_fields(context, id, &ast.id, &event.name, &event.fields);
            self.taint_since(event_start, NodeRef::Event(event_id));
            self.model.events[event_id.index()].fields = fields;
        }
    }

    fn participant(&mut self, name: &Name, what: &str) -> Option<Participant> {
        if let Some((participant, _)) = self.participants.get(&name.value) {
            return Some(*participant);
        }
        let help = did_you_mean(&name.value, self.participants.keys().map(String::as_str))
            .unwrap_or_else(|| {
                format!(
                    "declare `{}` under `actors:` (a person or role) or `externals:` (another system)",
                    name.value
                )
            });
        self.name_finding(
            Diagnostic::new(
                Code::UnresolvedReference,
                name.span,
                format!(
                    "{what} names `{}`, which is not an actor or external system",
                    name.value
                ),
            )
            .label("unknown actor or external system")
            .help(help),
        );
        None
    }

    /// Splits `context.Name` and finds the context; reports an unknown context.
    fn qualified(&mut self, context: ContextId, name: &Name) -> Option<(ContextId, String)> {
        let malformed = name.value.is_empty()
            || name
                .value
                .split_once('.')
                .is_some_and(|(c, e)| c.is_empty() || e.is_empty() || e.contains('.'));
        if malformed {
            self.name_finding(
                Diagnostic::new(
                    Code::UnresolvedReference,
                    name.span,
                    format!("`{}` is not a reference", name.value),
                )
                .label("malformed reference")
                .help("write `Name` for an element of this context, or `context.Name` for another context's"),
            );
            return None;
        }
        match name.value.split_once('.') {
            None => Some((context, name.value.clone())),
            Some((context_name, element)) => match self.context_ids.get(context_name) {
                Some(id) => Some((*id, element.to_owned())),
                None => {
                    let help = closest(context_name, self.context_ids.keys().map(String::as_str))
                        .map(|s| format!("did you mean `{s}.{element}`?"))
                        .unwrap_or_else(|| {
                            format!(
                                "the contexts are: {}",
                                self.context_ids
                                    .keys()
                                    .map(|c| format!("`{c}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        });
                    // Point at the context part only; skip an opening quote.
                    let start = self.expression_base(name);
                    self.name_finding(
                        Diagnostic::new(
                            Code::UnresolvedReference,
                            Span {
                                start,
                                len: context_name.len() as u32,
                                ..name.span
                            },
                            format!("unknown context `{context_name}` in `{}`", name.value),
                        )
                        .label("no such context")
                        .help(help),
                    );
                    None
                }
            },
        }
    }

    /// Resolves a reference to an element of a kind; `want` picks the kind.
    fn element_ref(
        &mut self,
        context: ContextId,
        name: &Name,
        kind: &str,
        want: fn(Element) -> bool,
    ) -> Option<(ContextId, Element)> {
        let (target, bare) = self.qualified(context, name)?;
        let target_name = self.model.contexts[target.index()].name.clone();
        match self.scopes[target.index()].names.get(&bare) {
            Some((Element::Dropped, _)) => {
                // Declared in a duplicate definition, which SC011 reports.
                self.unresolved += 1;
                None
            }
            Some((element, _)) if want(*element) => Some((target, *element)),
            Some((element, _)) => {
                let element = *element;
                self.name_finding(
                    Diagnostic::new(
                        Code::UnresolvedReference,
                        name.span,
                        format!("`{}` is {}, not {kind}", name.value, element.kind()),
                    )
                    .label(format!("expected {kind}"))
                    .help(format!("name {kind} of context `{target_name}` here")),
                );
                None
            }
            None => {
                let candidates: Vec<String> = self.scopes[target.index()]
                    .names
                    .iter()
                    .filter(|(_, (e, _))| want(*e))
                    .map(|(n, _)| n.clone())
                    .collect();
                let mut help = did_you_mean(&bare, candidates.iter().map(String::as_str));
                if help.is_none() && target == context {
                    // Maybe it lives in another context and only lacks the prefix.
                    let elsewhere: Vec<String> = self
                        .scopes
                        .iter()
                        .enumerate()
                        .filter(|(i, scope)| {
                            *i != target.index()
                                && scope.names.get(&bare).is_some_and(|(e, _)| want(*e))
                        })
                        .map(|(i, _)| format!("`{}.{bare}`", self.model.contexts[i].name))
                        .collect();
                    if !elsewhere.is_empty() {
                        help = Some(format!(
                            "another context has it: write {}",
                            elsewhere.join(" or ")
                        ));
                    }
                }
                let noun = kind.trim_start_matches("an ").trim_start_matches("a ");
                let help = help.unwrap_or_else(|| {
                    if candidates.is_empty() {
                        format!("context `{target_name}` has no {noun} yet; declare `{bare}` there")
                    } else {
                        format!(
                            "declare `{bare}` in context `{target_name}`, or name one it has: {}{}",
                            candidates
                                .iter()
                                .take(6)
                                .map(|c| format!("`{c}`"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            if candidates.len() > 6 { ", …" } else { "" }
                        )
                    }
                });
                self.name_finding(
                    Diagnostic::new(
                        Code::UnresolvedReference,
                        name.span,
                        format!("unknown {noun} `{bare}` in context `{target_name}`"),
                    )
                    .label(format!("no such {noun}"))
                    .help(help),
                );
                None
            }
        }
    }

    /// An event reference; `across` allows other contexts' published events.
    fn event_ref(&mut self, context: ContextId, name: &Name, across: bool) -> Option<EventId> {
        let (target, element) = self.element_ref(context, name, "an event", |e| {
            matches!(e, Element::Event(_))
        })?;
        let Element::Event(id) = element else {
            return None;
        };
        if across && target != context && !self.model.events[id.index()].published {
            let event = &self.model.events[id.index()];
            let target_name = &self.model.contexts[target.index()].name;
            self.name_finding(
                Diagnostic::new(
                    Code::UnpublishedEvent,
                    name.span,
                    format!(
                        "event `{}` of context `{target_name}` is not published",
                        event.name
                    ),
                )
                .label("private to its context")
                .secondary(event.span, "defined here without `published: true`")
                .help(format!(
                    "add `published: true` to `{}` if `{target_name}` means to share it; other contexts may only use published events",
                    event.name
                )),
            );
        }
        Some(id)
    }

    fn policy(&mut self, context: ContextId, id: PolicyId, ast: &PolicyAst) {
        let policy_start = self.unresolved;
        let mut on = Vec::new();
        for event in &ast.on {
            if let Some(event_id) = self.event_ref(context, event, true) {
                if !on.contains(&event_id) {
                    on.push(event_id);
                }
            }
        }
        if self.unresolved > policy_start {
            self.consumers_unresolved = true;
        }
        let issue_start = self.unresolved;
        if ast.on.is_empty() {
            self.name_finding(
                Diagnostic::new(
                    Code::MissingKey,
                    ast.name.span,
                    format!("policy `{}` reacts to no event", ast.name.value),
                )
                .label("empty `on`")
                .help("name the event it reacts to: `on: OrderPlaced`"),
            );
        }
        let issues = ast.issue.as_ref().and_then(|command| {
            let (target, element) = self.element_ref(context, command, "a command", |e| {
                matches!(e, Element::Command(_))
            })?;
            let Element::Command(command_id) = element else {
                return None;
            };
            if target != context {
                let target_name = self.model.contexts[target.index()].name.clone();
                self.flow.push(
                    Diagnostic::new(
                        Code::CrossContextCommand,
                        command.span,
                        format!(
                            "policy `{}` issues `{}`, a command of context `{target_name}`",
                            ast.name.value, command.value
                        ),
                    )
                    .label("commands across contexts are not generated yet")
                    .help(format!(
                        "let `{target_name}` own the policy, on an event this context publishes: `generate` builds no crate that sends commands to another"
                    )).about(NodeRef::Policy(id)),
                );
            }
            Some(command_id)
        });
        if self.unresolved > issue_start {
            self.issuers_unresolved = true;
        }
        let calls = ast.call.as_ref().and_then(|external| {
            match self.participant(external, "`call`")? {
                Participant::External(e) => Some(e),
                Participant::Actor(_) => {
                    self.name_finding(
                        Diagnostic::new(
                            Code::UnresolvedReference,
                            external.span,
                            format!("`{}` is an actor; a policy can only call an external system", external.value),
                        )
                        .label("not an external system")
                        .help("move it under `externals:`, or have the policy issue a command instead"),
                    );
                    None
                }
            }
        });
        if ast.issue.is_none() && ast.call.is_none() {
            self.name_finding(
                Diagnostic::new(
                    Code::PolicyWithoutAction,
                    ast.name.span,
                    format!("policy `{}` does nothing", ast.name.value),
                )
                .label("no `issue` and no `call`")
                .help("add `issue: SomeCommand` or `call: SomeExternalSystem`")
                .about(NodeRef::Policy(id)),
            );
        }
        self.taint_since(policy_start, NodeRef::Policy(id));
        let policy = &mut self.model.policies[id.index()];
        policy.on = on;
        policy.issues = issues;
        policy.calls = calls;
    }

    fn read_model(&mut self, context: ContextId, id: ReadModelId, ast: &ReadModelAst) {
        let read_model_start = self.unresolved;
        let mut from = Vec::new();
        let mut from_spans = Vec::new();
        for event in &ast.from {
            if let Some(event_id) = self.event_ref(context, event, true) {
                if !from.contains(&event_id) {
                    from.push(event_id);
                    from_spans.push(event.span);
                }
            }
        }
        if self.unresolved > read_model_start {
            self.consumers_unresolved = true;
        }
        let mut fields = self.fields(context, &ast.fields);
        if let Some(key) = &ast.key {
            self.snake(key, "key field");
            // The key's type comes from the first source event that has it, unless
            // the read model declares it.
            let mut key_type = fields
                .iter()
                .find(|f| f.name == key.value)
                .map(|f| f.ty.clone());
            for (event_id, span) in from.iter().zip(&from_spans) {
                // An event that lost a field to a type error may lack the key only
                // because of it: that is the type error's finding, not this one's.
                if self.tainted.contains(&NodeRef::Event(*event_id)) {
                    continue;
                }
                let event = &self.model.events[event_id.index()];
                match event.fields.iter().find(|f| f.name == key.value) {
                    Some(field) => {
                        key_type.get_or_insert_with(|| field.ty.clone());
                    }
                    None => {
                        let help = did_you_mean(&key.value, event.fields.iter().map(|f| f.name.as_str()))
                            .map(|s| format!("{s} otherwise add a field `{}` to `{}`", key.value, event.name))
                            .unwrap_or_else(|| {
                                format!(
                                    "a row is found by its key, so every source event must carry `{}`; add it to `{}` or feed the read model from another event",
                                    key.value, event.name
                                )
                            });
                        self.flow.push(
                            Diagnostic::new(
                                Code::ReadModelKeyMissing,
                                *span,
                                format!(
                                    "read model `{}` is keyed by `{}`, but its source event `{}` has no such field",
                                    ast.name.value, key.value, event.name
                                ),
                            )
                            .label(format!("has no `{}`", key.value))
                            .secondary(key.span, "the key")
                            .help(help).about(NodeRef::ReadModel(id)),
                        );
                    }
                }
            }
            fields.retain(|f| f.name != key.value);
            fields.insert(
                0,
                Field {
                    name: key.value.clone(),
                    ty: key_type.unwrap_or(TypeRef::Primitive(Primitive::String)),
                    description: None,
                    implicit: !ast.fields.iter().any(|f| f.name.value == key.value),
                },
            );
        }
        if ast.from.is_empty() {
            self.flow.push(
                Diagnostic::new(
                    Code::ReadModelWithoutSource,
                    ast.from_span,
                    format!("read model `{}` is fed by no event", ast.name.value),
                )
                .label("no `from` events")
                .help("add `from: [SomeEvent]`: a read model is a projection of events")
                .about(NodeRef::ReadModel(id)),
            );
        }
        self.taint_since(read_model_start, NodeRef::ReadModel(id));
        let read_model = &mut self.model.read_models[id.index()];
        read_model.from = from;
        read_model.fields = fields;
    }

    /// Records containing records by value: a cycle means infinite size.
    fn recursive_types(&mut self) {
        let mut direct: BTreeMap<TypeId, Vec<(TypeId, String)>> = BTreeMap::new();
        for (index, ty) in self.model.types.iter().enumerate() {
            if let NamedTypeKind::Record(fields) = &ty.kind {
                for field in fields {
                    if let TypeRef::Named(target) = field.ty {
                        direct
                            .entry(TypeId(index as u32))
                            .or_default()
                            .push((target, field.name.clone()));
                    }
                }
            }
        }
        let mut reported: BTreeSet<TypeId> = BTreeSet::new();
        for start in direct.keys().copied().collect::<Vec<_>>() {
            if reported.contains(&start) {
                continue;
            }
            // Depth-first search for a path back to `start`.
            let mut stack: Vec<(TypeId, Vec<(TypeId, String)>)> = vec![(start, Vec::new())];
            let mut seen = BTreeSet::new();
            let mut cycle = None;
            while let Some((node, path)) = stack.pop() {
                for (next, field) in direct.get(&node).into_iter().flatten() {
                    let mut next_path = path.clone();
                    next_path.push((node, field.clone()));
                    if *next == start {
                        cycle = Some(next_path);
                        break;
                    }
                    if seen.insert(*next) {
                        stack.push((*next, next_path));
                    }
                }
                if cycle.is_some() {
                    break;
                }
            }
            let Some(cycle) = cycle else { continue };
            let chain: Vec<String> = cycle
                .iter()
                .map(|(ty, field)| format!("`{}.{field}`", self.model.types[ty.index()].name))
                .collect();
            for (ty, _) in &cycle {
                reported.insert(*ty);
            }
            let ty = &self.model.types[start.index()];
            let context = ty.context;
            let span = self.scopes[context.index()]
                .names
                .get(&ty.name)
                .map(|(_, s)| *s)
                .unwrap_or_default();
            self.name_finding(
                Diagnostic::new(
                    Code::RecursiveType,
                    span,
                    format!(
                        "record `{}` contains itself: {} → `{}`",
                        ty.name,
                        chain.join(" → "),
                        ty.name
                    ),
                )
                .label("infinitely large")
                .help(
                    "break the loop with an optional `T?`, a list `[T]` or a map `map<string, T>`",
                ),
            );
        }
    }

    fn step_values(
        &mut self,
        step: &StepAst,
        fields: &[Field],
        what: &str,
        subject: NodeRef,
    ) -> Vec<(String, serde_json::Value)> {
        let mut values = Vec::new();
        // A message that lost a field to a type error would report its value as unknown.
        let tainted = self.tainted.contains(&subject);
        for (field, value) in &step.values {
            if !fields.iter().any(|f| f.name == field.value) {
                if tainted {
                    continue;
                }
                let help = did_you_mean(&field.value, fields.iter().map(|f| f.name.as_str()))
                    .unwrap_or_else(|| {
                        format!(
                            "the fields of `{}` are: {}",
                            step.name.value,
                            fields
                                .iter()
                                .map(|f| f.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    });
                self.flow.push(
                    Diagnostic::new(
                        Code::UnknownField,
                        field.span,
                        format!(
                            "{what} `{}` has no field `{}`",
                            step.name.value, field.value
                        ),
                    )
                    .label("unknown field")
                    .help(help)
                    .about(subject),
                );
                continue;
            }
            values.push((field.value.clone(), node_to_json(&value.value)));
        }
        values
    }

    fn scenario(&mut self, context: ContextId, ast: &ScenarioAst) {
        let when = ast.when.as_ref().and_then(|when| {
            let (_, element) = self.element_ref(context, &when.name, "a command", |e| {
                matches!(e, Element::Command(_))
            })?;
            match element {
                Element::Command(id) => Some((id, when)),
                _ => None,
            }
        });
        let aggregate = match &ast.aggregate {
            Some(name) => self
                .element_ref(context, name, "an aggregate", |e| {
                    matches!(e, Element::Aggregate(_))
                })
                .and_then(|(target, element)| match element {
                    Element::Aggregate(id) if target == context => Some(id),
                    _ => {
                        let context_name = self.model.contexts[context.index()].name.clone();
                        self.name_finding(
                            Diagnostic::new(
                                Code::UnresolvedReference,
                                name.span,
                                format!(
                                    "scenario \"{}\" names aggregate `{}` of another context",
                                    ast.name.value, name.value
                                ),
                            )
                            .label(format!("not an aggregate of `{context_name}`"))
                            .help(
                                "a scenario belongs to the context of its aggregate: move it there",
                            ),
                        );
                        None
                    }
                }),
            None => when.map(|(id, _)| self.model.commands[id.index()].aggregate),
        };
        let given: Vec<(EventId, &StepAst)> = ast
            .given
            .iter()
            .filter_map(|step| {
                self.event_ref(context, &step.name, false)
                    .map(|id| (id, step))
            })
            .collect();
        let then: Option<Vec<(EventId, &StepAst)>> = ast.then.as_ref().map(|then| {
            then.iter()
                .filter_map(|step| {
                    self.event_ref(context, &step.name, false)
                        .map(|id| (id, step))
                })
                .collect()
        });
        let Some(aggregate) = aggregate else { return };
        let aggregate_name = self.model.aggregates[aggregate.index()].name.clone();
        let mut ok = true;
        let mut given_steps = Vec::new();
        for (event, step) in &given {
            if self.model.events[event.index()].aggregate != aggregate {
                ok = false;
                self.flow.push(
                    Diagnostic::new(
                        Code::ScenarioForeignGiven,
                        step.name.span,
                        format!(
                            "scenario \"{}\" is about aggregate `{aggregate_name}`, but `{}` is not one of its events",
                            ast.name.value, step.name.value
                        ),
                    )
                    .label(format!("not an event of `{aggregate_name}`"))
                    .help(format!("`given` lists the past events of one `{aggregate_name}` stream")).about(NodeRef::Aggregate(aggregate)),
                );
                continue;
            }
            let fields = self.model.events[event.index()].fields.clone();
            let values = self.step_values(step, &fields, "event", NodeRef::Event(*event));
            given_steps.push(Step { id: *event, values });
        }
        let Some((command, when_step)) = when else {
            return;
        };
        if self.model.commands[command.index()].aggregate != aggregate {
            self.flow.push(
                Diagnostic::new(
                    Code::ScenarioForeignWhen,
                    when_step.name.span,
                    format!(
                        "scenario \"{}\" is about aggregate `{aggregate_name}`, but `{}` is not one of its commands",
                        ast.name.value, when_step.name.value
                    ),
                )
                .label(format!("not a command of `{aggregate_name}`"))
                .help(format!("`when` names a command that `{aggregate_name}` handles")).about(NodeRef::Aggregate(aggregate)),
            );
            return;
        }
        let command_fields = self.model.commands[command.index()].fields.clone();
        let when_values = self.step_values(
            when_step,
            &command_fields,
            "command",
            NodeRef::Command(command),
        );
        let command_name = self.model.commands[command.index()].name.clone();
        let outcome = match (&then, &ast.error) {
            (Some(_), Some(_)) | (None, None) => {
                let error = &ast.error;
                let span = error.as_ref().map_or(ast.span, |e| e.span);
                self.flow.push(
                    Diagnostic::new(
                        Code::ScenarioShape,
                        span,
                        format!(
                            "scenario \"{}\" must expect either events (`then`) or an error (`error`)",
                            ast.name.value
                        ),
                    )
                    .label(if error.is_some() { "both `then` and `error`" } else { "neither `then` nor `error`" })
                    .help("a command either emits events or fails with a business error; keep exactly one of `then:` and `error:`").about(NodeRef::Command(command)),
                );
                return;
            }
            (Some(then), None) => {
                let emits = self.model.commands[command.index()].emits.clone();
                let mut steps = Vec::new();
                // A command that lost an `emits` reference may emit the expected event.
                let command_tainted = self.tainted.contains(&NodeRef::Command(command));
                for (event, step) in then {
                    if !emits.contains(event) && !command_tainted {
                        ok = false;
                        self.flow.push(
                            Diagnostic::new(
                                Code::ScenarioUnexpectedThen,
                                step.name.span,
                                format!(
                                    "scenario \"{}\" expects `{}`, which `{command_name}` does not emit",
                                    ast.name.value, step.name.value
                                ),
                            )
                            .label(format!("not in the `emits` of `{command_name}`"))
                            .help(format!("add `{}` to the `emits` of `{command_name}`, or expect one of its events", step.name.value)).about(NodeRef::Command(command)),
                        );
                        continue;
                    }
                    let fields = self.model.events[event.index()].fields.clone();
                    let values = self.step_values(step, &fields, "event", NodeRef::Event(*event));
                    steps.push(Step { id: *event, values });
                }
                Outcome::Events(steps)
            }
            (None, Some(error)) => {
                let errors = &self.model.commands[command.index()].errors;
                match errors.iter().position(|e| e.name == error.value) {
                    Some(index) => Outcome::Error(index),
                    None => {
                        let help =
                            did_you_mean(&error.value, errors.iter().map(|e| e.name.as_str()))
                                .unwrap_or_else(|| {
                                    format!("declare it under the `errors` of `{command_name}`")
                                });
                        self.flow.push(
                            Diagnostic::new(
                                Code::ScenarioUndeclaredError,
                                error.span,
                                format!(
                                    "scenario \"{}\" expects error `{}`, which `{command_name}` does not declare",
                                    ast.name.value, error.value
                                ),
                            )
                            .label("undeclared error")
                            .help(help).about(NodeRef::Command(command)),
                        );
                        return;
                    }
                }
            }
        };
        if !ok {
            return;
        }
        let index = self.model.scenarios.len();
        self.model.scenarios.push(Scenario {
            name: ast.name.value.clone(),
            context,
            aggregate,
            given: given_steps,
            when: Step {
                id: command,
                values: when_values,
            },
            then: outcome,
        });
        self.model.contexts[context.index()].scenarios.push(index);
    }

    fn hotspot(&mut self, context: Option<ContextId>, ast: &HotspotAst) {
        let target = match &ast.on {
            None => HotspotTarget::None,
            Some(name) => match self.hotspot_target(context, name) {
                Some(target) => target,
                None => return,
            },
        };
        let about = ast
            .on
            .as_ref()
            .map(|on| format!(" (on `{}`)", on.value))
            .unwrap_or_default();
        self.name_finding(
            Diagnostic::new(
                Code::Hotspot,
                ast.text.span,
                format!("hotspot{about}: {}", ast.text.value),
            )
            .label("open question"),
        );
        self.model.hotspots.push(Hotspot {
            text: ast.text.value.clone(),
            context,
            target,
            span: ast.text.span,
        });
    }

    fn hotspot_target(&mut self, context: Option<ContextId>, name: &Name) -> Option<HotspotTarget> {
        if let Some((participant, _)) = self.participants.get(&name.value) {
            return Some(HotspotTarget::Node(match participant {
                Participant::Actor(a) => NodeRef::Actor(*a),
                Participant::External(e) => NodeRef::External(*e),
            }));
        }
        if let Some(id) = self.context_ids.get(&name.value) {
            return Some(HotspotTarget::Node(NodeRef::Context(*id)));
        }
        let in_context = context.or_else(|| {
            name.value
                .split_once('.')
                .and_then(|(c, _)| self.context_ids.get(c).copied())
        });
        let Some(in_context) = in_context else {
            let candidates: Vec<String> = self
                .participants
                .keys()
                .chain(self.context_ids.keys())
                .cloned()
                .collect();
            self.name_finding(
                Diagnostic::new(
                    Code::UnresolvedReference,
                    name.span,
                    format!("hotspot is on `{}`, which names nothing", name.value),
                )
                .label("unknown element")
                .help(
                    did_you_mean(&name.value, candidates.iter().map(String::as_str)).unwrap_or_else(
                        || "outside a context, name an actor, an external system, a context, or `context.Element`".to_owned(),
                    ),
                ),
            );
            return None;
        };
        let (_, element) = self.element_ref(in_context, name, "an element", |_| true)?;
        Some(HotspotTarget::Node(match element {
            Element::Type(_) => NodeRef::Context(in_context),
            Element::Aggregate(id) => NodeRef::Aggregate(id),
            Element::Command(id) => NodeRef::Command(id),
            Element::Event(id) => NodeRef::Event(id),
            Element::Policy(id) => NodeRef::Policy(id),
            Element::ReadModel(id) => NodeRef::ReadModel(id),
            Element::Dropped => return None,
        }))
    }

    fn build_graph(&mut self) {
        let model = &self.model;
        let mut graph = FlowGraph::default();
        for index in 0..model.actors.len() {
            graph.add_node(NodeRef::Actor(ActorId(index as u32)));
        }
        for index in 0..model.externals.len() {
            graph.add_node(NodeRef::External(ExternalId(index as u32)));
        }
        for (index, context) in model.contexts.iter().enumerate() {
            let id = NodeRef::Context(ContextId(index as u32));
            graph.add_node(id);
            for aggregate in &context.aggregates {
                graph.add_edge(id, NodeRef::Aggregate(*aggregate), EdgeKind::Contains);
            }
            for policy in &context.policies {
                graph.add_edge(id, NodeRef::Policy(*policy), EdgeKind::Contains);
            }
            for read_model in &context.read_models {
                graph.add_edge(id, NodeRef::ReadModel(*read_model), EdgeKind::Contains);
            }
        }
        for (index, command) in model.commands.iter().enumerate() {
            let id = NodeRef::Command(CommandId(index as u32));
            graph.add_edge(NodeRef::Aggregate(command.aggregate), id, EdgeKind::Handles);
            for issuer in &command.issued_by {
                let from = match issuer {
                    Issuer::Actor(a) => NodeRef::Actor(*a),
                    Issuer::External(e) => NodeRef::External(*e),
                };
                graph.add_edge(from, id, EdgeKind::Issues);
            }
            for event in &command.emits {
                graph.add_edge(id, NodeRef::Event(*event), EdgeKind::Emits);
            }
        }
        for index in 0..model.events.len() {
            graph.add_node(NodeRef::Event(EventId(index as u32)));
        }
        for (index, policy) in model.policies.iter().enumerate() {
            let id = NodeRef::Policy(PolicyId(index as u32));
            for event in &policy.on {
                graph.add_edge(NodeRef::Event(*event), id, EdgeKind::Triggers);
            }
            if let Some(command) = policy.issues {
                graph.add_edge(id, NodeRef::Command(command), EdgeKind::Issues);
            }
            if let Some(external) = policy.calls {
                graph.add_edge(id, NodeRef::External(external), EdgeKind::Calls);
            }
        }
        for (index, read_model) in model.read_models.iter().enumerate() {
            let id = NodeRef::ReadModel(ReadModelId(index as u32));
            for event in &read_model.from {
                graph.add_edge(NodeRef::Event(*event), id, EdgeKind::Feeds);
            }
        }
        self.model.graph = graph;
    }

    /// Runs the flow rules over the resolved model.
    fn flow_rules(&mut self) {
        let flow = super::rules::Flow {
            model: &self.model,
            tainted: &self.tainted,
            issuers_unresolved: self.issuers_unresolved,
            consumers_unresolved: self.consumers_unresolved,
        };
        let mut found = Vec::new();
        super::rules::check_model(&flow, &mut found);
        for diagnostic in found {
            self.flow.push(diagnostic);
        }
    }
}
