//! Scope: declaring every name (contexts, actors, externals, the elements of each
//! context) with its naming rules — conventions, duplicates, keywords, the
//! generator's own names and case collisions — before any reference is resolved, so
//! references can point forwards and across files.

use super::*;
use crate::check::rules::{
    sc004_missing_key, sc010_invalid_name, sc011_duplicate_name, sc070_reserved_word,
    sc071_reserved_crate_name, sc072_generated_name_clash, sc073_case_collision,
};

impl Resolver<'_> {
    pub(super) fn system(&mut self, ast: &ModelAst) {
        let systems: Vec<&Name> = ast.files.iter().filter_map(|f| f.system.as_ref()).collect();
        match systems.as_slice() {
            [] => {
                if let Some(first) = ast.files.first() {
                    self.name_finding(sc004_missing_key::no_system(Span {
                        file: first.file,
                        start: 0,
                        len: 0,
                    }));
                }
            }
            [first, rest @ ..] => {
                self.model.system = first.value.clone();
                self.pascal(first, "system");
                for other in rest {
                    self.name_finding(sc011_duplicate_name::system_twice(other.span, first.span));
                }
            }
        }
        self.model.description = ast.files.iter().find_map(|f| text(&f.description));
    }

    pub(super) fn pascal(&mut self, name: &Name, kind: &str) {
        if !is_pascal_case(&name.value) {
            self.name_finding(sc010_invalid_name::not_pascal_case(
                kind,
                &name.value,
                name.span,
            ));
        }
        if sc070_reserved_word::is_not_raw_keyword(&name.value) {
            self.name_finding(sc070_reserved_word::not_an_identifier(
                kind,
                &name.value,
                name.span,
            ));
        }
    }

    pub(super) fn snake(&mut self, name: &Name, kind: &str) {
        if !is_snake_case(&name.value) {
            self.name_finding(sc010_invalid_name::not_snake_case(
                kind,
                &name.value,
                name.span,
            ));
        }
        // A context's keywords are SC071's: the context is a crate, not an identifier.
        if kind != "context" && sc070_reserved_word::is_not_raw_keyword(&name.value) {
            self.name_finding(sc070_reserved_word::not_an_identifier(
                kind,
                &name.value,
                name.span,
            ));
        }
    }

    /// The rules about the Rust names the generator derives from a new element's
    /// name: keywords (SC070), the generator's own items and modules (SC072).
    pub(super) fn generated_names(&mut self, name: &Name, kind: &str, subject: NodeRef) {
        let snake = to_snake_case(&name.value);
        // These kinds become a module or a function named by the snake_case form.
        let named_by_snake = matches!(
            kind,
            "aggregate" | "command" | "policy" | "process" | "read model" | "external system"
        );
        if named_by_snake && is_rust_keyword(&snake) && name.value != "Self" {
            self.name_finding(
                sc070_reserved_word::keyword_module(kind, &name.value, &snake, name.span)
                    .about(subject),
            );
        }
        if sc072_generated_name_clash::clashes(kind).contains(&name.value.as_str()) {
            self.name_finding(
                sc072_generated_name_clash::item(kind, &name.value, name.span).about(subject),
            );
        }
        if kind == "aggregate"
            && sc072_generated_name_clash::GENERATED_MODULES.contains(&snake.as_str())
        {
            self.name_finding(
                sc072_generated_name_clash::module(&name.value, &snake, name.span).about(subject),
            );
        } else if matches!(kind, "aggregate" | "process")
            && sc072_generated_name_clash::RUNTIME_CATEGORIES.contains(&name.value.as_str())
        {
            self.name_finding(
                sc072_generated_name_clash::category(kind, &name.value, name.span).about(subject),
            );
        }
    }

    pub(super) fn duplicate(&mut self, name: &Name, first: Span, what: &str) {
        self.name_finding(sc011_duplicate_name::diagnostic(
            &name.value,
            name.span,
            first,
            what,
        ));
    }

    pub(super) fn declare_participant(&mut self, name: &Name, participant: Participant) -> bool {
        if let Some((_, first)) = self.participants.get(&name.value) {
            let first = *first;
            self.duplicate(name, first, "among actors and external systems");
            return false;
        }
        let (kind, subject) = match participant {
            Participant::Actor(id) => ("actor", NodeRef::Actor(id)),
            Participant::External(id) => ("external system", NodeRef::External(id)),
        };
        self.generated_names(name, kind, subject);
        if let Some((first, first_span, snake)) = self.participant_snakes.insert(name) {
            self.name_finding(
                sc073_case_collision::diagnostic(
                    kind,
                    &name.value,
                    name.span,
                    &first,
                    first_span,
                    &snake,
                )
                .about(subject),
            );
        }
        self.participants
            .insert(name.value.clone(), (participant, name.span));
        true
    }

    pub(super) fn declare_context(&mut self, context: &ContextAst) -> bool {
        self.snake(&context.name, "context");
        if sc071_reserved_crate_name::is_reserved(&context.name.value) {
            // The context is about to get the next id (unless it is a duplicate, whose
            // first definition then carries the finding).
            let id = self
                .context_ids
                .get(&context.name.value)
                .copied()
                .unwrap_or(ContextId(self.model.contexts.len() as u32));
            self.name_finding(
                sc071_reserved_crate_name::diagnostic(&context.name.value, context.name.span)
                    .about(NodeRef::Context(id)),
            );
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
            processes: Vec::new(),
            read_models: Vec::new(),
            scenarios: Vec::new(),
            reaction_scenarios: Vec::new(),
            span: context.name.span,
        });
        self.scopes.push(Scope::default());
        true
    }

    pub(super) fn declare(
        &mut self,
        context: ContextId,
        name: &Name,
        element: Element,
        kind: &str,
    ) -> bool {
        self.pascal(name, kind);
        let scope = &self.scopes[context.index()];
        if let Some((_, first)) = scope.names.get(&name.value) {
            let first = *first;
            let context_name = self.model.contexts[context.index()].name.clone();
            self.duplicate(name, first, &format!("in context `{context_name}`"));
            return false;
        }
        let subject = match element {
            Element::Aggregate(id) => NodeRef::Aggregate(id),
            Element::Command(id) => NodeRef::Command(id),
            Element::Event(id) => NodeRef::Event(id),
            Element::Policy(id) => NodeRef::Policy(id),
            Element::Process(id) => NodeRef::Process(id),
            Element::ReadModel(id) => NodeRef::ReadModel(id),
            // Types are drawn as part of their context.
            Element::Type(_) | Element::Dropped => NodeRef::Context(context),
        };
        self.generated_names(name, kind, subject);
        if let Some((first, first_span, snake)) = self.scopes[context.index()].snakes.insert(name) {
            self.name_finding(
                sc073_case_collision::diagnostic(
                    kind,
                    &name.value,
                    name.span,
                    &first,
                    first_span,
                    &snake,
                )
                .about(subject),
            );
        }
        self.scopes[context.index()]
            .names
            .insert(name.value.clone(), (element, name.span));
        true
    }

    /// Declares a name of a dropped duplicate, unless the scope has it already.
    pub(super) fn declare_dropped(&mut self, context: ContextId, name: &Name) {
        self.scopes[context.index()]
            .names
            .entry(name.value.clone())
            .or_insert((Element::Dropped, name.span));
    }

    /// The names of a duplicate aggregate's commands and events.
    pub(super) fn declare_dropped_aggregate(
        &mut self,
        context: ContextId,
        aggregate: &AggregateAst,
    ) {
        for command in &aggregate.commands {
            self.declare_dropped(context, &command.name);
        }
        for event in &aggregate.events {
            self.declare_dropped(context, &event.name);
        }
    }

    /// Every name of a duplicate context, in the scope of the first one.
    pub(super) fn declare_dropped_context(&mut self, context: ContextId, ast: &ContextAst) {
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
        for process in &ast.processes {
            self.declare_dropped(context, &process.name);
        }
        for read_model in &ast.read_models {
            self.declare_dropped(context, &read_model.name);
        }
    }

    pub(super) fn declare_elements(&mut self, context: ContextId, ast: &ContextAst) {
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
                    computed: None,
                    span: aggregate.id.name.span,
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
                        emit_spans: Vec::new(),
                        errors: Vec::new(),
                        outcomes: Vec::new(),
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
                        previous: Vec::new(),
                        span: event.name.span,
                    });
                    self.model.aggregates[id.index()].events.push(event_id);
                } else {
                    // The aggregate lost an event to SC011: a command emitting that
                    // name may mean its own, so SC042 and SC041 skip the aggregate.
                    self.tainted.insert(NodeRef::Aggregate(id));
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
                    issue_span: policy.name.span,
                    calls: None,
                    trigger: Trigger::Events,
                    condition: None,
                    condition_span: None,
                    recovery: Vec::new(),
                    process: None,
                    reads: None,
                    span: policy.name.span,
                });
                self.model.contexts[context.index()].policies.push(id);
            }
        }
        for process in &ast.processes {
            let id = ProcessId(self.model.processes.len() as u32);
            if self.declare(context, &process.name, Element::Process(id), "process") {
                self.model.processes.push(Process {
                    name: process.name.value.clone(),
                    context,
                    description: text(&process.description),
                    key: process
                        .key
                        .as_ref()
                        .map_or_else(String::new, |k| k.value.clone()),
                    key_ty: TypeRef::Primitive(Primitive::String),
                    key_span: process.key.as_ref().map_or(process.name.span, |k| k.span),
                    state: Vec::new(),
                    handlers: Vec::new(),
                    deadlines: Vec::new(),
                    span: process.name.span,
                });
                self.model.contexts[context.index()].processes.push(id);
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
                    key: read_model.key.iter().map(|k| k.value.clone()).collect(),
                    history: read_model.history.as_ref().is_some_and(|h| h.value),
                    filters: Vec::new(),
                    filter_spans: Vec::new(),
                    from: Vec::new(),
                    from_spans: Vec::new(),
                    sources: Vec::new(),
                    sources_span: read_model.from_span,
                    fields: Vec::new(),
                    span: read_model.name.span,
                    key_span: match read_model.key.as_slice() {
                        [one] => one.span,
                        _ => read_model.key_span.unwrap_or(read_model.name.span),
                    },
                    key_spans: read_model.key.iter().map(|k| k.span).collect(),
                    history_span: read_model
                        .history
                        .as_ref()
                        .filter(|h| h.value)
                        .map(|h| h.span),
                });
                self.model.contexts[context.index()].read_models.push(id);
            }
        }
    }

    /// The element a declaration in `context` got, if it was not a duplicate.
    pub(super) fn declared(&self, context: ContextId, name: &Name) -> Option<Element> {
        self.scopes[context.index()]
            .names
            .get(&name.value)
            .filter(|(_, span)| *span == name.span)
            .map(|(element, _)| *element)
    }
}
