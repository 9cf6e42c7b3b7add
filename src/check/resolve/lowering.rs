//! Lowering: the syntax tree of aggregates, commands, events, policies and read
//! models into the resolved model, tainting elements whose references fail.

use super::*;
use crate::check::rules::{
    sc004_missing_key, sc020_unresolved_reference, sc033_empty_enum, sc034_implicit_id,
    sc080_outcome_shape, sc083_bad_recovery, sc085_bad_deadline, sc086_bad_schedule,
    sc095_read_model_field_unknown, sc096_read_model_type_mismatch, sc097_bad_source_action,
    sc098_bad_composite_key, sc099_history_with_key, sc115_foreign_recorded_event,
    sc117_bad_rejection_trigger, sc120_bad_policy_read, sc121_read_key_missing,
    sc122_read_key_type,
};
use crate::ir::time::{parse_duration, parse_every};

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
            let (outcomes, emits, emit_spans) = self.outcomes(context, command);
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
            let previous = event
                .previous
                .iter()
                .map(|p| PreviousVersion {
                    version: u32::try_from(p.version.value).unwrap_or(0),
                    fields: self.message_fields(context, id, &ast.id, &event.name, &p.fields),
                    span: p.version.span,
                })
                .collect();
            self.taint_since(event_start, NodeRef::Event(event_id));
            let event = &mut self.model.events[event_id.index()];
            event.fields = fields;
            event.previous = previous;
        }
    }

    /// A command's outcomes, and the union of their events (first-seen order) with
    /// where each is first written: `emits:` is one outcome, [`EMITTED`], holding
    /// every event — required in a format-2 file, optional in a format-1 file;
    /// `outcomes:` (format 2) names each alternative.
    fn outcomes(
        &mut self,
        context: ContextId,
        command: &CommandAst,
    ) -> (Vec<CommandOutcome>, Vec<EventId>, Vec<Span>) {
        let mut emits = Vec::new();
        let mut emit_spans = Vec::new();
        let mut outcomes = Vec::new();
        let Some(outcomes_key) = command.outcomes_key else {
            for event in &command.emits {
                let Some(event_id) = self.event_ref(context, event, false) else {
                    continue;
                };
                if !emits.contains(&event_id) {
                    emits.push(event_id);
                    emit_spans.push(event.span);
                }
            }
            // Format 2 reads `emits: [A, B]` as "records A and B together". Format 1
            // never said so: its commands record some of their events (a reservation
            // that either succeeds or fails), and its models keep meaning that.
            let optional = !self.format_2_files.contains(&command.name.span.file);
            if let Some(first) = emit_spans.first() {
                outcomes.push(CommandOutcome {
                    name: EMITTED.to_owned(),
                    events: emits
                        .iter()
                        .zip(&emit_spans)
                        .map(|(event, span)| OutcomeEvent {
                            event: *event,
                            optional,
                            span: *span,
                        })
                        .collect(),
                    failure: false,
                    span: *first,
                });
            }
            return (outcomes, emits, emit_spans);
        };
        if let Some(emits_key) = command.emits_key {
            self.name_finding(sc080_outcome_shape::emits_and_outcomes(
                &command.name.value,
                outcomes_key,
                emits_key,
            ));
        }
        if command.outcomes.is_empty() {
            self.name_finding(sc080_outcome_shape::no_outcome(
                &command.name.value,
                outcomes_key,
            ));
        }
        // Duplicate outcome names cannot reach here: the YAML loader refuses
        // duplicate keys (SC001).
        for outcome in &command.outcomes {
            if !is_snake_case(&outcome.name.value) {
                self.name_finding(sc080_outcome_shape::not_snake_case(
                    &command.name.value,
                    &outcome.name.value,
                    outcome.name.span,
                ));
            }
            if outcome.events.is_empty() {
                self.name_finding(sc080_outcome_shape::empty_outcome(
                    &command.name.value,
                    &outcome.name.value,
                    outcome.name.span,
                ));
            }
            let mut events: Vec<OutcomeEvent> = Vec::new();
            for event in &outcome.events {
                let Some(event_id) = self.event_ref(context, &event.name, false) else {
                    continue;
                };
                if events.iter().any(|e| e.event == event_id) {
                    continue;
                }
                events.push(OutcomeEvent {
                    event: event_id,
                    optional: event.optional,
                    span: event.name.span,
                });
                if !emits.contains(&event_id) {
                    emits.push(event_id);
                    emit_spans.push(event.name.span);
                }
            }
            outcomes.push(CommandOutcome {
                name: outcome.name.value.clone(),
                events,
                failure: outcome.failure.as_ref().is_some_and(|f| f.value),
                span: outcome.name.span,
            });
        }
        (outcomes, emits, emit_spans)
    }

    pub(super) fn policy(&mut self, context: ContextId, id: PolicyId, ast: &PolicyAst) {
        let policy_start = self.unresolved;
        let mut on = Vec::new();
        let mut on_spans = Vec::new();
        for event in &ast.on {
            if let Some(event_id) = self.event_ref(context, event, true) {
                if !on.contains(&event_id) {
                    on.push(event_id);
                    on_spans.push(event.span);
                }
            }
        }
        if self.unresolved > policy_start {
            self.consumers_unresolved = true;
        }
        // A schedule has no `on:`; a deadline without events is SC085's; a policy on
        // rejections names a command instead.
        if ast.on.is_empty() && ast.every.is_none() && ast.after.is_none() && ast.rejected.is_none()
        {
            self.name_finding(sc004_missing_key::empty_on(&ast.name.value, ast.name.span));
        }
        let rejected = ast
            .rejected
            .as_ref()
            .and_then(|r| self.rejected(context, ast, r));
        let owner = format!("policy `{}`", ast.name.value);
        self.reaction(context, id, ast, &owner, (on, on_spans), policy_start);
        if let Some(rejected) = rejected {
            let policy = &mut self.model.policies[id.index()];
            if policy.issues == Some(rejected.command) {
                let finding = sc117_bad_rejection_trigger::issues_itself(
                    &ast.name.value,
                    &self.model.commands[rejected.command.index()].name,
                    policy.issue_span,
                );
                self.name_finding(finding);
            }
            let policy = &mut self.model.policies[id.index()];
            policy.trigger = Trigger::Rejection(rejected);
        }
    }

    /// A policy's `on: { rejected, error }`: the refused command (SC020 when it does not
    /// resolve), the error (SC117 when the command lacks it), and no key of another
    /// kind of trigger beside it (SC117).
    fn rejected(
        &mut self,
        context: ContextId,
        ast: &PolicyAst,
        rejected: &RejectedAst,
    ) -> Option<Rejected> {
        let misplaced = [
            ("after", ast.after.as_ref().map(|a| a.span)),
            ("unless", ast.unless_key),
            ("correlate", ast.correlate.as_ref().map(|c| c.span)),
            ("every", ast.every.as_ref().map(|e| e.span)),
            ("for_each", ast.for_each.as_ref().map(|f| f.span)),
            ("reads", ast.reads.as_ref().map(|r| r.span)),
            ("call", ast.call.as_ref().map(|c| c.span)),
        ];
        let mut placed = true;
        for (key, span) in misplaced {
            if let Some(span) = span {
                self.name_finding(sc117_bad_rejection_trigger::misplaced(
                    &ast.name.value,
                    key,
                    span,
                ));
                placed = false;
            }
        }
        let (_, element) = self.element_ref(context, &rejected.command, "a command", |e| {
            matches!(e, Element::Command(_))
        })?;
        let Element::Command(command) = element else {
            return None;
        };
        let error = match &rejected.error {
            None if self.model.commands[command.index()].errors.is_empty() => {
                let command_name = self.model.commands[command.index()].name.clone();
                self.name_finding(sc117_bad_rejection_trigger::no_errors(
                    &ast.name.value,
                    &command_name,
                    rejected.command.span,
                ));
                return None;
            }
            None => None,
            Some(error) => {
                let declared = &self.model.commands[command.index()].errors;
                match declared.iter().position(|e| e.name == error.value) {
                    Some(index) => Some(index),
                    None => {
                        let names: Vec<String> = declared.iter().map(|e| e.name.clone()).collect();
                        let command_name = self.model.commands[command.index()].name.clone();
                        self.name_finding(sc117_bad_rejection_trigger::unknown_error(
                            &error.value,
                            &command_name,
                            error.span,
                            &names,
                        ));
                        return None;
                    }
                }
            }
        };
        placed.then(|| Rejected {
            command,
            error,
            command_span: rejected.command.span,
            error_span: rejected.error.as_ref().map(|e| e.span),
        })
    }

    /// The `reads:` of each policy of a context, once every read model's key is known:
    /// the read model (of this context, with a key), and per trigger event the field
    /// carrying each key part, of a type that fits it.
    pub(super) fn policy_reads(&mut self, context: ContextId, ast: &ContextAst) {
        for policy_ast in &ast.policies {
            let Some(reads) = &policy_ast.reads else {
                continue;
            };
            // Beside `on: { rejected }`, `reads:` is SC117's.
            if policy_ast.rejected.is_some() {
                continue;
            }
            let Some(Element::Policy(id)) = self.declared(context, &policy_ast.name) else {
                continue;
            };
            let read = self.policy_read(context, id, policy_ast, reads);
            // A `reads:` that does not resolve was meant to fill fields: the rules
            // about the policy's fields would only repeat its finding.
            if read.is_none() {
                self.tainted.insert(NodeRef::Policy(id));
            }
            self.model.policies[id.index()].reads = read;
        }
    }

    fn policy_read(
        &mut self,
        context: ContextId,
        id: PolicyId,
        ast: &PolicyAst,
        reads: &ReadsAst,
    ) -> Option<PolicyRead> {
        let name = &reads.read_model;
        let found = self.element_ref(context, name, "a read model", |e| {
            matches!(e, Element::ReadModel(_))
        });
        let read_model = match found {
            Some((target, Element::ReadModel(read_model))) if target == context => read_model,
            Some((target, _)) => {
                let context_name = self.model.contexts[context.index()].name.clone();
                let target_name = self.model.contexts[target.index()].name.clone();
                self.name_finding(sc120_bad_policy_read::foreign(
                    &name.value,
                    &context_name,
                    &target_name,
                    name.span,
                ));
                return None;
            }
            None => return None,
        };
        let policy_name = ast.name.value.clone();
        if ast.every.is_some() {
            self.name_finding(sc120_bad_policy_read::misplaced(
                &policy_name,
                "is a schedule",
                "a schedule fills its command from the rows of its `for_each:` read model: remove `reads:`, or name that read model in `for_each:`",
                reads.span,
            ));
            return None;
        }
        if ast.after.is_some() {
            self.name_finding(sc120_bad_policy_read::misplaced(
                &policy_name,
                "is a deadline",
                "a deadline fires later than its event: read the row in its rule through `views` (`views.get::<Row>(key)`), or drop `after:` to fill the command as the event happens",
                reads.span,
            ));
            return None;
        }
        if ast.issue.is_none() {
            self.name_finding(sc120_bad_policy_read::misplaced(
                &policy_name,
                "issues no command",
                "add `issue: SomeCommand`, whose fields the row fills, or remove `reads:`",
                reads.span,
            ));
            return None;
        }
        let rm = &self.model.read_models[read_model.index()];
        if rm.history {
            let rm_name = rm.name.clone();
            self.name_finding(sc120_bad_policy_read::history(&rm_name, name.span));
            return None;
        }
        let key_parts = rm.key.clone();
        let rm_name = rm.name.clone();
        let mut broken = false;
        for (part, _) in &reads.key {
            if !key_parts.contains(&part.value) {
                self.name_finding(sc120_bad_policy_read::not_a_key_part(
                    &part.value,
                    &rm_name,
                    &key_parts,
                    part.span,
                ));
                broken = true;
            }
        }
        let key: Vec<(String, String, Option<Span>)> = key_parts
            .iter()
            .map(
                |part| match reads.key.iter().find(|(p, _)| p.value == *part) {
                    Some((_, field)) => (part.clone(), field.value.clone(), Some(field.span)),
                    None => (part.clone(), part.clone(), None),
                },
            )
            .collect();
        let policy = &self.model.policies[id.index()];
        let on: Vec<EventId> = policy.on.clone();
        for e in &on {
            let event = self.model.events[e.index()].clone();
            // Where the event is named under `on:` (bare or `context.Event`).
            let at_on = ast
                .on
                .iter()
                .find(|n| n.value == event.name || n.value.ends_with(&format!(".{}", event.name)))
                .map_or(ast.name.span, |n| n.span);
            for (part, field, mapped) in &key {
                let rm = &self.model.read_models[read_model.index()];
                let Some(part_ty) = rm
                    .fields
                    .iter()
                    .find(|f| f.name == *part)
                    .map(|f| f.ty.clone())
                else {
                    continue;
                };
                let span = mapped.unwrap_or(at_on);
                match event.fields.iter().find(|f| f.name == *field) {
                    None => {
                        let near = crate::suggest::closest(
                            field,
                            event.fields.iter().map(|f| f.name.as_str()),
                        )
                        .map(str::to_owned);
                        let event_name = event.name.clone();
                        self.name_finding(sc121_read_key_missing::missing(
                            &policy_name,
                            &event_name,
                            (&rm_name, part, field),
                            near.as_deref(),
                            span,
                        ));
                        broken = true;
                    }
                    Some(f) if !crate::ir::sources::fits(&self.model, &f.ty, &part_ty) => {
                        let (found, wanted) =
                            (self.model.type_name(&f.ty), self.model.type_name(&part_ty));
                        let event_name = event.name.clone();
                        self.name_finding(sc122_read_key_type::mismatch(
                            &event_name,
                            field,
                            (&rm_name, part),
                            (&found, &wanted),
                            span,
                        ));
                        broken = true;
                    }
                    Some(_) => {}
                }
            }
        }
        if broken {
            return None;
        }
        Some(PolicyRead {
            read_model,
            key: key
                .into_iter()
                .map(|(part, field, _)| (part, field))
                .collect(),
            span: reads.span,
        })
    }

    /// The rest of a policy, its `on` events resolved: its command, external system,
    /// recovery and trigger. A process's reactions and deadlines come here too, with
    /// the events they are set off by; `owner` names it in findings.
    pub(super) fn reaction(
        &mut self,
        context: ContextId,
        id: PolicyId,
        ast: &PolicyAst,
        owner: &str,
        (on, on_spans): (Vec<EventId>, Vec<Span>),
        policy_start: usize,
    ) {
        let issue_start = self.unresolved;
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
        let recovery_start = self.unresolved;
        let (recovery, recovery_broken) = self.recovery(context, ast, owner, issues);
        if recovery_broken {
            // A misspelt `on_error:` entry meant to say something: SC082 would
            // report the error it is about as unhandled.
            self.tainted.insert(NodeRef::Policy(id));
        }
        if self.unresolved > recovery_start {
            // A compensating command that did not resolve may be the one meant to
            // be issued by nobody else.
            self.issuers_unresolved = true;
        }
        let trigger = self.trigger(context, ast, &on, &on_spans);
        self.taint_since(policy_start, NodeRef::Policy(id));
        let policy = &mut self.model.policies[id.index()];
        policy.on = on;
        policy.issues = issues;
        policy.issue_span = ast.issue.as_ref().map_or(ast.name.span, |i| i.span);
        policy.calls = calls;
        policy.condition = text(&ast.condition);
        policy.condition_span = ast.condition.as_ref().map(|c| c.span);
        policy.recovery = recovery;
        policy.trigger = trigger;
    }

    /// A policy's `on_error:`: each key an error of the issued command, each action
    /// resolved (a compensating command may be of any context); with whether an
    /// entry was dropped to a finding.
    fn recovery(
        &mut self,
        context: ContextId,
        ast: &PolicyAst,
        owner: &str,
        issues: Option<CommandId>,
    ) -> (Vec<Recovery>, bool) {
        let mut recovery = Vec::new();
        let Some(on_error_key) = ast.on_error_key else {
            return (recovery, false);
        };
        if ast.issue.is_none() {
            self.name_finding(sc083_bad_recovery::without_issue(owner, on_error_key));
        }
        for entry in &ast.on_error {
            let action = match &entry.action {
                RecoveryActionAst::Park => Some(RecoveryAction::Park),
                RecoveryActionAst::Issue(command) => self
                    .element_ref(context, command, "a command", |e| {
                        matches!(e, Element::Command(_))
                    })
                    .and_then(|(_, element)| match element {
                        Element::Command(command) => Some(RecoveryAction::Issue(command)),
                        _ => None,
                    }),
                RecoveryActionAst::Record(event) => self
                    .element_ref(context, event, "an event", |e| {
                        matches!(e, Element::Event(_))
                    })
                    .and_then(|(owner, element)| match element {
                        // Only the issuing context's own aggregates record its refusals.
                        Element::Event(id) if owner == context => Some(RecoveryAction::Record(id)),
                        Element::Event(id) => {
                            let recorded = &self.model.events[id.index()];
                            let finding = sc115_foreign_recorded_event::diagnostic(
                                &entry.error.value,
                                &event.value,
                                &self.model.contexts[owner.index()].name,
                                &self.model.contexts[context.index()].name,
                                event.span,
                                recorded.span,
                            );
                            self.name_finding(finding);
                            None
                        }
                        _ => None,
                    }),
                RecoveryActionAst::Retry { times, after, span } => {
                    let count = times.as_ref().map_or(Some(3), |t| {
                        u32::try_from(t.value)
                            .ok()
                            .filter(|n| (1..=100).contains(n))
                    });
                    if count.is_none() {
                        let (written, at) =
                            times.as_ref().map_or((0, *span), |t| (t.value, t.span));
                        self.name_finding(sc083_bad_recovery::retry_times(
                            &entry.error.value,
                            written,
                            at,
                        ));
                    }
                    let after_secs = match after {
                        None => Some(None),
                        Some(after) => match parse_duration(&after.value) {
                            Some(secs) => Some(Some(secs)),
                            None => {
                                self.name_finding(sc083_bad_recovery::retry_delay(
                                    &after.value,
                                    after.span,
                                ));
                                None
                            }
                        },
                    };
                    match (count, after_secs) {
                        (Some(times), Some(after_secs)) => {
                            Some(RecoveryAction::Retry { times, after_secs })
                        }
                        _ => None,
                    }
                }
                RecoveryActionAst::Unknown(written, span) => {
                    self.name_finding(sc083_bad_recovery::unknown_action(
                        &entry.error.value,
                        written.as_deref(),
                        *span,
                    ));
                    None
                }
            };
            // A command that did not resolve has no errors to look in: SC020 says so.
            let Some(command) = issues else { continue };
            let command = &self.model.commands[command.index()];
            let Some(error) = command
                .errors
                .iter()
                .position(|e| e.name == entry.error.value)
            else {
                let declared: Vec<String> = command.errors.iter().map(|e| e.name.clone()).collect();
                let command_name = command.name.clone();
                self.name_finding(sc083_bad_recovery::unknown_error(
                    &entry.error.value,
                    &command_name,
                    entry.error.span,
                    &declared,
                ));
                continue;
            };
            if let Some(action) = action {
                recovery.push(Recovery {
                    error,
                    action,
                    span: entry.error.span,
                });
            }
        }
        let broken = recovery.len() < ast.on_error.len();
        (recovery, broken)
    }

    /// What sets a policy off: a schedule (`every:`), a deadline (`after:`), or its
    /// events; keys that belong to another kind of trigger are reported.
    fn trigger(
        &mut self,
        context: ContextId,
        ast: &PolicyAst,
        on: &[EventId],
        on_spans: &[Span],
    ) -> Trigger {
        // Set off by rejections: a deadline's or a schedule's key beside it is SC117's.
        if ast.rejected.is_some() {
            return Trigger::Events;
        }
        if ast.after.is_none() {
            if let Some(key) = ast.unless_key {
                self.name_finding(sc085_bad_deadline::needs_after(
                    &ast.name.value,
                    "unless",
                    key,
                ));
            }
            if let Some(correlate) = &ast.correlate {
                self.name_finding(sc085_bad_deadline::needs_after(
                    &ast.name.value,
                    "correlate",
                    correlate.span,
                ));
            }
        }
        if let Some(every) = &ast.every {
            return self.schedule(context, ast, every);
        }
        if let Some(for_each) = &ast.for_each {
            self.name_finding(sc086_bad_schedule::for_each_without_every(
                &ast.name.value,
                for_each.span,
            ));
        }
        match &ast.after {
            Some(after) => self.deadline(context, ast, after, on, on_spans),
            None => Trigger::Events,
        }
    }

    fn schedule(&mut self, context: ContextId, ast: &PolicyAst, every: &Sp<String>) -> Trigger {
        if let Some(on_key) = ast.on_key {
            self.name_finding(sc086_bad_schedule::every_with(
                &ast.name.value,
                "on",
                on_key,
                every.span,
            ));
        }
        if let Some(after) = &ast.after {
            self.name_finding(sc086_bad_schedule::every_with(
                &ast.name.value,
                "after",
                after.span,
                every.span,
            ));
        }
        let parsed = parse_every(&every.value);
        if parsed.is_none() {
            self.name_finding(sc086_bad_schedule::bad_every(&every.value, every.span));
        }
        let mut for_each = None;
        if let Some(name) = &ast.for_each {
            if ast.issue.is_none() {
                self.name_finding(sc086_bad_schedule::for_each_without_issue(
                    &ast.name.value,
                    name.span,
                ));
            }
            let found = self.element_ref(context, name, "a read model", |e| {
                matches!(e, Element::ReadModel(_))
            });
            match found {
                Some((target, Element::ReadModel(read_model))) if target == context => {
                    for_each = Some(read_model);
                }
                Some((target, _)) => {
                    let context_name = self.model.contexts[context.index()].name.clone();
                    let target_name = self.model.contexts[target.index()].name.clone();
                    self.name_finding(sc086_bad_schedule::foreign_for_each(
                        &name.value,
                        &context_name,
                        &target_name,
                        name.span,
                    ));
                }
                None => {}
            }
        }
        match parsed {
            Some(every_value) => Trigger::Schedule(Schedule {
                every: every_value,
                for_each,
                span: every.span,
            }),
            None => Trigger::Events,
        }
    }

    fn deadline(
        &mut self,
        context: ContextId,
        ast: &PolicyAst,
        after: &Sp<String>,
        on: &[EventId],
        on_spans: &[Span],
    ) -> Trigger {
        if ast.on.is_empty() {
            self.name_finding(sc085_bad_deadline::needs(&ast.name.value, "on", after.span));
        }
        if ast.issue.is_none() {
            self.name_finding(sc085_bad_deadline::needs(
                &ast.name.value,
                "issue",
                after.span,
            ));
        }
        let delay = parse_duration(&after.value);
        if delay.is_none() {
            self.name_finding(sc085_bad_deadline::bad_duration(&after.value, after.span));
        }
        let unless_start = self.unresolved;
        let mut unless = Vec::new();
        let mut unless_spans = Vec::new();
        for event in &ast.unless {
            if let Some(event_id) = self.event_ref(context, event, true) {
                if !unless.contains(&event_id) {
                    unless.push(event_id);
                    unless_spans.push(event.span);
                }
            }
        }
        if self.unresolved > unless_start {
            self.consumers_unresolved = true;
        }
        // Without `correlate:` the timer is tied to the starting event's stream:
        // its aggregate's id field.
        let correlate = match &ast.correlate {
            Some(field) => field.value.clone(),
            None => on
                .first()
                .map(|e| {
                    let aggregate = self.model.events[e.index()].aggregate;
                    self.model.aggregates[aggregate.index()].id.name.clone()
                })
                .unwrap_or_default(),
        };
        // Every `on` and `unless` event must carry the field; an event that lost a
        // field to a type error is not judged.
        let written = ast.correlate.is_some();
        let starts = on.iter().zip(on_spans).map(|(e, s)| (*e, *s, "on"));
        let cancels = unless
            .iter()
            .zip(&unless_spans)
            .map(|(e, s)| (*e, *s, "unless"));
        let checks: Vec<(EventId, Span, &str)> = starts.chain(cancels).collect();
        for (event_id, span, role) in checks {
            if self.tainted.contains(&NodeRef::Event(event_id)) {
                continue;
            }
            let event = &self.model.events[event_id.index()];
            if correlate.is_empty() || event.fields.iter().any(|f| f.name == correlate) {
                continue;
            }
            let fields: Vec<&str> = event.fields.iter().map(|f| f.name.as_str()).collect();
            let finding = sc085_bad_deadline::correlate_missing(
                &ast.name.value,
                &correlate,
                written,
                &event.name,
                role,
                span,
                &fields,
            );
            self.flow.push(finding);
        }
        match delay {
            Some(delay_secs) => Trigger::Deadline(Deadline {
                delay_secs,
                unless,
                unless_spans,
                correlate,
                span: after.span,
            }),
            None => Trigger::Events,
        }
    }

    pub(super) fn read_model(&mut self, context: ContextId, id: ReadModelId, ast: &ReadModelAst) {
        let read_model_start = self.unresolved;
        let mut from = Vec::new();
        let mut from_spans = Vec::new();
        let mut source_asts = Vec::new();
        for source in &ast.from {
            if let Some(event_id) = self.event_ref(context, &source.event, true) {
                if !from.contains(&event_id) {
                    from.push(event_id);
                    from_spans.push(source.event.span);
                    source_asts.push(source);
                }
            }
        }
        if self.unresolved > read_model_start {
            self.consumers_unresolved = true;
        }
        let before = self.names.len();
        let name = ast.name.value.clone();
        let history = ast.history.as_ref().is_some_and(|h| h.value);
        let mut fields = self.fields(context, &ast.fields);
        let mut key: Vec<&Name> = Vec::new();
        if history {
            if let (Some(span), Some(h)) = (ast.key_span, &ast.history) {
                self.name_finding(sc099_history_with_key::read_model_key(&name, span, h.span));
            }
        } else {
            if ast.key.is_empty() {
                if let Some(span) = ast.key_span {
                    self.name_finding(sc098_bad_composite_key::empty(&name, span));
                }
            }
            for part in &ast.key {
                self.snake(part, "key field");
                match key.iter().find(|k| k.value == part.value) {
                    Some(first) => {
                        let first = first.span;
                        self.name_finding(sc098_bad_composite_key::duplicate_part(
                            &name,
                            &part.value,
                            part.span,
                            first,
                        ));
                    }
                    None => key.push(part),
                }
            }
        }
        // Each key part's type: declared under `fields:`, else that of the event field
        // the first source carrying it maps (or has under the same name).
        let mut key_fields = Vec::new();
        for part in &key {
            let mut ty = fields
                .iter()
                .find(|f| f.name == part.value)
                .map(|f| f.ty.clone());
            let declared = ty.is_some();
            for (event_id, source) in from.iter().zip(&source_asts) {
                let event_field = source
                    .key
                    .iter()
                    .find(|(row, _)| row.value == part.value)
                    .map_or(part.value.as_str(), |(_, e)| e.value.as_str());
                let event = &self.model.events[event_id.index()];
                if let Some(field) = event.fields.iter().find(|f| f.name == event_field) {
                    ty.get_or_insert_with(|| field.ty.clone());
                }
            }
            // A part nothing carries: SC047 names every source that lacks it when the
            // key is one field (the old rule); a composite key's part is SC098's.
            if ty.is_none() && ast.key.len() > 1 {
                let mut known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                for event_id in &from {
                    for f in &self.model.events[event_id.index()].fields {
                        if !known.contains(&f.name.as_str()) {
                            known.push(&f.name);
                        }
                    }
                }
                let finding =
                    sc098_bad_composite_key::unknown_part(&name, &part.value, &known, part.span);
                self.name_finding(finding);
            }
            key_fields.push(Field {
                name: part.value.clone(),
                ty: ty.unwrap_or(TypeRef::Primitive(Primitive::String)),
                description: None,
                implicit: !declared,
                computed: None,
                span: part.span,
            });
        }
        fields.retain(|f| !key_fields.iter().any(|k| k.name == f.name));
        key_fields.extend(fields);
        let fields = key_fields;
        let key_names: Vec<&str> = key.iter().map(|k| k.value.as_str()).collect();

        // Filters: row fields a query can compare.
        let mut filters = Vec::new();
        let mut filter_spans = Vec::new();
        for filter in &ast.filters {
            self.snake(filter, "filter field");
            match fields.iter().find(|f| f.name == filter.value) {
                None => {
                    let known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                    let finding = sc095_read_model_field_unknown::row_field(
                        &name,
                        "filters",
                        &filter.value,
                        &known,
                        filter.span,
                    );
                    self.name_finding(finding);
                }
                Some(field)
                    if !sc096_read_model_type_mismatch::is_filter_type(&self.model, &field.ty) =>
                {
                    let ty = self.model.type_name(&field.ty);
                    self.name_finding(sc096_read_model_type_mismatch::filter_type(
                        &name,
                        &filter.value,
                        &ty,
                        filter.span,
                    ));
                }
                Some(_) if filters.contains(&filter.value) => {}
                Some(_) => {
                    filters.push(filter.value.clone());
                    filter_spans.push(filter.span);
                }
            }
        }

        let mut sources = Vec::new();
        for ((event_id, source), span) in from.iter().zip(&source_asts).zip(&from_spans) {
            let lowered = self.source(
                &name, context, &fields, &key_names, history, *event_id, source,
            );
            sources.push(ReadModelSource {
                event: *event_id,
                span: *span,
                action: lowered.0,
                key: lowered.1,
                sets: lowered.2,
            });
        }
        if self.names.len() > before {
            // Its key or mappings are wrong: SC047 would only repeat that.
            self.tainted.insert(NodeRef::ReadModel(id));
        }
        self.taint_since(read_model_start, NodeRef::ReadModel(id));
        let read_model = &mut self.model.read_models[id.index()];
        read_model.key = key_names.iter().map(|k| (*k).to_owned()).collect();
        read_model.from = from;
        read_model.from_spans = from_spans;
        read_model.sources = sources;
        read_model.filters = filters;
        read_model.filter_spans = filter_spans;
        read_model.sources_span = ast.from_span;
        read_model.fields = fields;
    }

    /// One source event of a read model: what it does, which event field carries each
    /// key part, and which row fields it sets from which event fields (SC095–SC099).
    #[allow(clippy::too_many_arguments)]
    fn source(
        &mut self,
        read_model: &str,
        context: ContextId,
        fields: &[Field],
        key: &[&str],
        history: bool,
        event_id: EventId,
        ast: &SourceAst,
    ) -> (SourceAction, Vec<FieldMapping>, Vec<FieldMapping>) {
        let event = self.model.events[event_id.index()].clone();
        let foreign = event.context != context;
        let delete = ast.delete.as_ref().is_some_and(|d| d.value);
        if history {
            if let Some(d) = ast.delete.as_ref().filter(|d| d.value) {
                self.name_finding(sc097_bad_source_action::in_history(
                    read_model,
                    &event.name,
                    "delete",
                    d.span,
                ));
            }
            if let Some(span) = ast.where_span {
                self.name_finding(sc097_bad_source_action::in_history(
                    read_model,
                    &event.name,
                    "where",
                    span,
                ));
            }
            if let Some((row, _)) = ast.key.first() {
                self.name_finding(sc099_history_with_key::source_key(
                    read_model,
                    &event.name,
                    row.span,
                ));
            }
        } else if delete {
            if let Some((row, _)) = ast.set.first() {
                self.name_finding(sc097_bad_source_action::delete_with(
                    read_model,
                    &event.name,
                    "set",
                    row.span,
                ));
            }
            if let Some(span) = ast.where_span {
                self.name_finding(sc097_bad_source_action::delete_with(
                    read_model,
                    &event.name,
                    "where",
                    span,
                ));
            }
        } else if let (Some(span), false) = (ast.where_span, ast.key.is_empty()) {
            self.name_finding(sc097_bad_source_action::where_with_key(
                read_model,
                &event.name,
                span,
            ));
        }
        let event_names: Vec<&str> = event.fields.iter().map(|f| f.name.as_str()).collect();
        let row_names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        // Checks one written entry (row field <- event field) of `entry`; the pair when
        // both sides exist and the types fit.
        let pair = |this: &mut Self, entry: &str, allowed: &[&str], row: &Name, from: &Name| {
            if !allowed.contains(&row.value.as_str()) {
                let finding = sc095_read_model_field_unknown::row_field(
                    read_model, entry, &row.value, allowed, row.span,
                );
                this.name_finding(finding);
                return None;
            }
            let Some(event_field) = event.fields.iter().find(|f| f.name == from.value) else {
                let finding = sc095_read_model_field_unknown::event_field(
                    read_model,
                    entry,
                    &event.name,
                    &from.value,
                    &event_names,
                    from.span,
                );
                this.name_finding(finding);
                return None;
            };
            let row_field = fields.iter().find(|f| f.name == row.value)?;
            let named_foreign = foreign && mentions_named(&event_field.ty);
            if named_foreign || !fits(&event_field.ty, &row_field.ty) {
                let (from_ty, to_ty) = (
                    this.model.type_name(&event_field.ty),
                    this.model.type_name(&row_field.ty),
                );
                this.name_finding(sc096_read_model_type_mismatch::mismatch(
                    read_model,
                    &event.name,
                    (&row.value, &to_ty),
                    (&from.value, &from_ty),
                    named_foreign,
                    from.span,
                ));
                return None;
            }
            Some(FieldMapping {
                row: row.value.clone(),
                event: from.value.clone(),
                explicit: true,
                row_span: row.span,
                event_span: from.span,
            })
        };
        let mut explicit_key = Vec::new();
        if !history {
            for (row, from) in &ast.key {
                if let Some(m) = pair(self, "key", key, row, from) {
                    explicit_key.push(m);
                }
            }
        }
        let mut matching = Vec::new();
        for (row, from) in &ast.matching {
            if let Some(m) = pair(self, "where", &row_names, row, from) {
                matching.push(m);
            }
        }
        let settable: Vec<&str> = row_names
            .iter()
            .copied()
            .filter(|n| history || !key.contains(n))
            .collect();
        let mut sets = Vec::new();
        for (row, from) in &ast.set {
            if let Some(m) = pair(self, "set", &settable, row, from) {
                sets.push(m);
            }
        }
        let same_name = |row: &Field| {
            let event_field = event.fields.iter().find(|f| f.name == row.name)?;
            if (foreign && mentions_named(&event_field.ty)) || !fits(&event_field.ty, &row.ty) {
                return None;
            }
            Some(FieldMapping {
                row: row.name.clone(),
                event: event_field.name.clone(),
                explicit: false,
                row_span: ast.event.span,
                event_span: ast.event.span,
            })
        };
        let action = if history {
            SourceAction::Append
        } else if delete {
            SourceAction::Delete
        } else if ast.where_span.is_some() {
            SourceAction::UpdateWhere(matching)
        } else {
            SourceAction::Upsert
        };
        // The key, per part in key order: the written mapping or the same name.
        let key_mappings = match action {
            SourceAction::Upsert | SourceAction::Delete => key
                .iter()
                .filter_map(|part| {
                    explicit_key
                        .iter()
                        .find(|m| m.row == *part)
                        .cloned()
                        .or_else(|| {
                            // A key is compared as text, so its type may differ by event
                            // (SC074 keeps each a key type).
                            let field = event.fields.iter().find(|f| f.name == *part)?;
                            Some(FieldMapping {
                                row: field.name.clone(),
                                event: field.name.clone(),
                                explicit: false,
                                row_span: ast.event.span,
                                event_span: ast.event.span,
                            })
                        })
                })
                .collect(),
            _ => Vec::new(),
        };
        if action != SourceAction::Delete {
            for field in fields {
                let is_key = !history && key.contains(&field.name.as_str());
                if is_key || sets.iter().any(|m| m.row == field.name) {
                    continue;
                }
                if let Some(m) = same_name(field) {
                    sets.push(m);
                }
            }
        } else {
            sets.clear();
        }
        (action, key_mappings, sets)
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
            let [key] = read_model.key.as_slice() else {
                continue;
            };
            for source in &read_model.sources {
                if !source.key.is_empty() {
                    continue;
                }
                let event = &self.model.events[source.event.index()];
                let lacks_key = !event.fields.iter().any(|f| f.name == *key);
                // Another key is a field of its own, perhaps misspelt (SC047 says so).
                let names_the_id = *key
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

/// Whether a value of the event field type `from` can be copied into a row field of
/// type `to` by default: the same type, or `T` into `T?`.
pub(crate) fn fits(from: &TypeRef, to: &TypeRef) -> bool {
    from == to || matches!(to, TypeRef::Optional(inner) if **inner == *from)
}

/// Whether `ty` uses a named type (a foreign event's named types are copies in the
/// consuming crate, which never convert to its own).
pub(crate) fn mentions_named(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Primitive(_) => false,
        TypeRef::Named(_) => true,
        TypeRef::List(inner) | TypeRef::Optional(inner) | TypeRef::Map(inner) => {
            mentions_named(inner)
        }
    }
}
