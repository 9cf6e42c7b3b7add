//! Lowering: the syntax tree of aggregates, commands, events, policies and read
//! models into the resolved model, tainting elements whose references fail.

use super::*;
use crate::check::rules::{
    sc004_missing_key, sc020_unresolved_reference, sc033_empty_enum, sc034_implicit_id,
};

impl Resolver<'_> {
    pub(super) fn resolve_context(&mut self, context: ContextId, ast: &ContextAst) {
        for ty in &ast.types {
            let Some(Element::Type(id)) = self.declared(context, &ty.name) else {
                continue;
            };
            let kind = match &ty.kind {
                TypeKindAst::Record(fields) => {
                    let before = self.unresolved;
                    let fields = self.fields(context, fields);
                    if self.unresolved > before {
                        self.tainted_types.insert(id);
                    }
                    NamedTypeKind::Record(fields)
                }
                TypeKindAst::Enum(variants, span) => {
                    if variants.is_empty() {
                        self.name_finding(sc033_empty_enum::diagnostic(&ty.name.value, *span));
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
    pub(super) fn resolve_reactions(&mut self, context: ContextId, ast: &ContextAst) {
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

    pub(super) fn aggregate(&mut self, context: ContextId, id: AggregateId, ast: &AggregateAst) {
        let aggregate_start = self.unresolved;
        // The decoder gives a defaulted id name the aggregate name's span.
        if ast.id.name.span == ast.name.span {
            self.implicit_ids.insert(id, Vec::new());
        }
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
            let mut emit_spans = Vec::new();
            for event in &command.emits {
                let Some(event_id) = self.event_ref(context, event, false) else {
                    continue;
                };
                if !emits.contains(&event_id) {
                    emits.push(event_id);
                    emit_spans.push(event.span);
                }
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
                    span: error.name.span,
                });
            }
            // The `emits:` shorthand is one outcome holding every event, all required.
            let outcomes = if emits.is_empty() {
                Vec::new()
            } else {
                vec![CommandOutcome {
                    name: EMITTED.to_owned(),
                    events: emits
                        .iter()
                        .zip(&emit_spans)
                        .map(|(event, span)| OutcomeEvent {
                            event: *event,
                            optional: false,
                            span: *span,
                        })
                        .collect(),
                    failure: false,
                    span: emit_spans[0],
                }]
            };
            self.taint_since(command_start, NodeRef::Command(command_id));
            let command = &mut self.model.commands[command_id.index()];
            command.outcomes = outcomes;
            command.fields = fields;
            command.issued_by = issued_by;
            command.emits = emits;
            command.emit_spans = emit_spans;
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

    pub(super) fn policy(&mut self, context: ContextId, id: PolicyId, ast: &PolicyAst) {
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
            self.name_finding(sc004_missing_key::empty_on(&ast.name.value, ast.name.span));
        }
        let issues = ast.issue.as_ref().and_then(|command| {
            let (_, element) = self.element_ref(context, command, "a command", |e| {
                matches!(e, Element::Command(_))
            })?;
            let Element::Command(command_id) = element else {
                return None;
            };
            Some(command_id)
        });
        if self.unresolved > issue_start {
            self.issuers_unresolved = true;
        }
        let calls =
            ast.call
                .as_ref()
                .and_then(|external| match self.participant(external, "`call`")? {
                    Participant::External(e) => Some(e),
                    Participant::Actor(_) => {
                        self.name_finding(sc020_unresolved_reference::actor_called(
                            &external.value,
                            external.span,
                        ));
                        None
                    }
                });
        self.taint_since(policy_start, NodeRef::Policy(id));
        let policy = &mut self.model.policies[id.index()];
        policy.on = on;
        policy.issues = issues;
        policy.issue_span = ast.issue.as_ref().map_or(ast.name.span, |i| i.span);
        policy.calls = calls;
    }

    pub(super) fn read_model(&mut self, context: ContextId, id: ReadModelId, ast: &ReadModelAst) {
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
            for event_id in &from {
                let event = &self.model.events[event_id.index()];
                if let Some(field) = event.fields.iter().find(|f| f.name == key.value) {
                    key_type.get_or_insert_with(|| field.ty.clone());
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
        self.taint_since(read_model_start, NodeRef::ReadModel(id));
        let read_model = &mut self.model.read_models[id.index()];
        read_model.from = from;
        read_model.from_spans = from_spans;
        read_model.sources_span = ast.from_span;
        read_model.fields = fields;
    }

    /// SC034: an aggregate without `id:` whose id the model looks for under the name
    /// ids have by convention, `<aggregate>_id`: the key of a read model fed by its
    /// events, which they lack, or a scenario value for a message that lacks it
    /// (collected by `step_values`).
    pub(super) fn implicit_ids(&mut self) {
        // Read models first: their key is the design's name for the id; the scenario
        // values collected before follow.
        let mut keys: BTreeMap<AggregateId, Vec<(Span, String)>> = BTreeMap::new();
        for read_model in &self.model.read_models {
            if read_model.key.is_empty() {
                continue;
            }
            for event in &read_model.from {
                let event = &self.model.events[event.index()];
                let lacks_key = !event.fields.iter().any(|f| f.name == read_model.key);
                // Another key is a field of its own, perhaps misspelt (SC047 says so).
                let names_the_id = read_model.key
                    == format!(
                        "{}_id",
                        to_snake_case(&self.model.aggregates[event.aggregate.index()].name)
                    );
                if lacks_key && names_the_id && self.implicit_ids.contains_key(&event.aggregate) {
                    let wanted = keys.entry(event.aggregate).or_default();
                    if !wanted.iter().any(|(span, _)| *span == read_model.key_span) {
                        let by = format!("the key of `{}`", read_model.name);
                        wanted.push((read_model.key_span, by));
                    }
                }
            }
        }
        let implicit = std::mem::take(&mut self.implicit_ids);
        for (id, values) in implicit {
            let mut wanted = keys.remove(&id).unwrap_or_default();
            wanted.extend(values);
            if wanted.is_empty() || self.tainted.contains(&NodeRef::Aggregate(id)) {
                continue;
            }
            let aggregate = &self.model.aggregates[id.index()];
            let ty = self.model.type_name(&aggregate.id.ty);
            let conventional = format!("{}_id", to_snake_case(&aggregate.name));
            self.flow.push(sc034_implicit_id::diagnostic(
                &aggregate.name,
                &aggregate.id.name,
                &ty,
                aggregate.span,
                &conventional,
                &wanted,
                NodeRef::Aggregate(id),
            ));
        }
    }
}
