//! Processes: the syntax tree of a process manager into the resolved model. Each
//! reaction that issues a command and each deadline is lowered to a [`Policy`] of the
//! process (so recovery, cross-context commands and cycles are judged as a policy's),
//! while the process keeps its key, state, handled events and deadlines.

use super::*;
use crate::check::rules::{
    sc072_generated_name_clash, sc100_process_key_missing, sc101_process_key_type,
    sc102_process_without_start, sc103_process_records_only, sc104_bad_process_deadline,
    sc105_process_state_clash, sc106_process_never_completes,
};
use crate::ir::time::parse_duration;

/// The optional marker of a type, which a process's state (always unset until set)
/// does not care about.
fn bare(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Optional(inner) => bare(inner),
        other => other,
    }
}

impl Resolver<'_> {
    /// Lowers the processes of a context; runs after every context's aggregates, since
    /// a process handles events of other contexts.
    pub(super) fn resolve_processes(&mut self, context: ContextId, ast: &ContextAst) {
        // The names the lowered reactions and deadlines take, to find clashes between
        // the processes of one context.
        let mut generated: BTreeMap<String, String> = BTreeMap::new();
        for process in &ast.processes {
            let Some(Element::Process(id)) = self.declared(context, &process.name) else {
                continue;
            };
            self.process(context, id, process, &mut generated);
        }
    }

    fn process(
        &mut self,
        context: ContextId,
        id: ProcessId,
        ast: &ProcessAst,
        generated: &mut BTreeMap<String, String>,
    ) {
        let process_start = self.unresolved;
        let node = NodeRef::Process(id);
        let name = ast.name.value.clone();
        if let Some(key) = &ast.key {
            self.snake(key, "key field");
        }
        let key = ast
            .key
            .as_ref()
            .map_or_else(String::new, |k| k.value.clone());
        let state = self.fields(context, &ast.state);
        let state_tainted = self.unresolved > process_start;

        let mut handlers: Vec<ProcessHandler> = Vec::new();
        let mut handler_keys: Vec<Option<Span>> = Vec::new();
        // Entries with no `start`, `issue` or `complete`: SC103, unless they stop a deadline.
        let mut records_only = Vec::new();
        for reaction in &ast.on {
            let before = self.unresolved;
            let Some(event) = self.event_ref(context, &reaction.event, true) else {
                self.consumers_unresolved = true;
                continue;
            };
            if let Some(first) = handlers.iter().find(|h| h.event == event) {
                let first = first.span;
                self.duplicate(
                    &reaction.event,
                    first,
                    &format!("in the `on` of process `{name}`"),
                );
                continue;
            }
            if let Some(field) = &reaction.key {
                self.snake(field, "key field");
            }
            let key_field = reaction
                .key
                .as_ref()
                .map_or_else(|| key.clone(), |k| k.value.clone());
            let policy = if reaction.issue.is_some() || reaction.on_error_key.is_some() {
                let event_name = self.model.events[event.index()].name.clone();
                let policy_name = Sp::new(format!("{name}On{event_name}"), reaction.event.span);
                let owner = format!("process `{name}` on `{}`", reaction.event.value);
                let policy_ast = PolicyAst {
                    name: policy_name,
                    description: None,
                    on: vec![reaction.event.clone()],
                    on_key: None,
                    rejected: None,
                    issue: reaction.issue.clone(),
                    call: None,
                    condition: reaction.condition.clone(),
                    on_error: reaction.on_error.clone(),
                    on_error_key: reaction.on_error_key,
                    after: None,
                    unless: Vec::new(),
                    unless_key: None,
                    correlate: None,
                    every: None,
                    for_each: None,
                    reads: None,
                };
                self.process_policy(
                    context,
                    id,
                    &policy_ast,
                    &owner,
                    vec![event],
                    generated,
                    before,
                )
            } else {
                None
            };
            let start = reaction.start.as_ref().is_some_and(|s| s.value);
            let complete = reaction.complete.as_ref().is_some_and(|c| c.value);
            // An `if:` without `issue:` conditions nothing: the entry still only records
            // (unless a deadline's `unless:` names it, which the deadlines below decide).
            if !start && !complete && policy.is_none() {
                records_only.push((event, reaction.event.value.clone(), reaction.event.span));
            }
            handlers.push(ProcessHandler {
                event,
                key_field,
                start,
                complete,
                policy,
                span: reaction.event.span,
            });
            handler_keys.push(reaction.key.as_ref().map(|k| k.span));
        }

        let key_ty = self.process_key(&name, &key, ast, &handlers, &handler_keys, node);
        if !state_tainted {
            self.process_state(&name, &key, ast, &state, &handlers, node);
        }
        // A handled event that did not resolve may be the start or the end (SC020).
        if handlers.len() == ast.on.len() && !handlers.iter().any(|h| h.start) {
            self.flow
                .push(sc102_process_without_start::diagnostic(&name, ast.name.span).about(node));
        }
        if handlers.len() == ast.on.len() && !handlers.iter().any(|h| h.complete) {
            self.flow
                .push(sc106_process_never_completes::diagnostic(&name, ast.name.span).about(node));
        }

        let starts: Vec<EventId> = handlers
            .iter()
            .filter(|h| h.start)
            .map(|h| h.event)
            .collect();
        let mut deadlines = Vec::new();
        // The handled events some deadline's `unless:` names.
        let mut stopping: Vec<EventId> = Vec::new();
        for deadline in &ast.deadlines {
            self.pascal(&deadline.name, "deadline");
            let before = self.unresolved;
            let policy_ast = PolicyAst {
                name: Sp::new(format!("{name}{}", deadline.name.value), deadline.name.span),
                description: None,
                on: Vec::new(),
                on_key: None,
                rejected: None,
                issue: deadline.issue.clone(),
                call: None,
                condition: deadline.condition.clone(),
                on_error: deadline.on_error.clone(),
                on_error_key: deadline.on_error_key,
                after: None,
                unless: Vec::new(),
                unless_key: None,
                correlate: None,
                every: None,
                for_each: None,
                reads: None,
            };
            let owner = format!("deadline `{}` of process `{name}`", deadline.name.value);
            let delay = match &deadline.after {
                Some(after) => {
                    let parsed = parse_duration(&after.value);
                    if parsed.is_none() {
                        self.name_finding(
                            sc104_bad_process_deadline::bad_duration(
                                &deadline.name.value,
                                &after.value,
                                after.span,
                            )
                            .about(node),
                        );
                    }
                    parsed
                }
                // The decoder reported the missing `after:`.
                None => None,
            };
            let mut unless = Vec::new();
            let mut unless_spans = Vec::new();
            for event in &deadline.unless {
                let unless_start = self.unresolved;
                let Some(event_id) = self.event_ref(context, event, true) else {
                    if self.unresolved > unless_start {
                        self.consumers_unresolved = true;
                    }
                    continue;
                };
                if handlers.iter().any(|h| h.event == event_id) {
                    if !unless.contains(&event_id) {
                        unless.push(event_id);
                        unless_spans.push(event.span);
                    }
                } else if handlers.len() == ast.on.len() {
                    let handled: Vec<String> =
                        ast.on.iter().map(|r| r.event.value.clone()).collect();
                    self.flow.push(
                        sc104_bad_process_deadline::unless_not_handled(
                            &deadline.name.value,
                            &name,
                            &event.value,
                            event.span,
                            &handled,
                        )
                        .about(node),
                    );
                }
            }
            stopping.extend(unless.iter().copied());
            let Some(policy) = self.process_policy(
                context,
                id,
                &policy_ast,
                &owner,
                starts.clone(),
                generated,
                before,
            ) else {
                continue;
            };
            if let Some(delay_secs) = delay {
                self.model.policies[policy.index()].trigger = Trigger::Deadline(Deadline {
                    delay_secs,
                    unless,
                    unless_spans,
                    correlate: key.clone(),
                    span: deadline
                        .after
                        .as_ref()
                        .map_or(deadline.name.span, |a| a.span),
                });
            }
            deadlines.push(ProcessDeadline {
                name: deadline.name.value.clone(),
                policy,
                span: deadline.name.span,
            });
        }

        // An entry a deadline's `unless:` names does something: it stops that deadline.
        for (_, event_name, span) in records_only
            .into_iter()
            .filter(|(event, _, _)| !stopping.contains(event))
        {
            self.flow
                .push(sc103_process_records_only::diagnostic(&name, &event_name, span).about(node));
        }

        self.taint_since(process_start, node);
        let process = &mut self.model.processes[id.index()];
        process.key = key;
        if let Some(ty) = key_ty {
            process.key_ty = ty;
        }
        process.state = state;
        process.handlers = handlers;
        process.deadlines = deadlines;
    }

    /// Lowers one reaction or deadline of a process to a policy of its own (not listed
    /// in its context), set off by `on`; reports a generated name that is taken.
    #[allow(clippy::too_many_arguments)]
    fn process_policy(
        &mut self,
        context: ContextId,
        process: ProcessId,
        ast: &PolicyAst,
        owner: &str,
        on: Vec<EventId>,
        generated: &mut BTreeMap<String, String>,
        start: usize,
    ) -> Option<PolicyId> {
        let process_name = self.model.processes[process.index()].name.clone();
        let policy_name = ast.name.value.clone();
        let taken = match self.scopes[context.index()].names.get(&policy_name) {
            Some((element, _)) => Some(format!(
                "{} `{policy_name}`",
                element
                    .kind()
                    .trim_start_matches("an ")
                    .trim_start_matches("a ")
            )),
            None => generated.get(&policy_name).cloned(),
        };
        if let Some(other) = taken {
            self.name_finding(
                sc072_generated_name_clash::process_item(
                    &process_name,
                    &policy_name,
                    &other,
                    ast.name.span,
                )
                .about(NodeRef::Process(process)),
            );
            return None;
        }
        generated.insert(policy_name.clone(), owner.to_owned());
        let id = PolicyId(self.model.policies.len() as u32);
        self.model.policies.push(Policy {
            name: policy_name,
            context,
            description: None,
            on: Vec::new(),
            issues: None,
            issue_span: ast.name.span,
            calls: None,
            trigger: Trigger::Events,
            condition: None,
            condition_span: None,
            recovery: Vec::new(),
            process: Some(process),
            reads: None,
            span: ast.name.span,
        });
        let spans = vec![ast.name.span; on.len()];
        self.reaction(context, id, ast, owner, (on, spans), start);
        if self.tainted.contains(&NodeRef::Policy(id)) {
            self.tainted.insert(NodeRef::Process(process));
        }
        Some(id)
    }

    /// The key's type: the type of the key field of the first handled event that has
    /// it; reports events that lack it (SC100) or give it another type (SC101).
    fn process_key(
        &mut self,
        name: &str,
        key: &str,
        ast: &ProcessAst,
        handlers: &[ProcessHandler],
        handler_keys: &[Option<Span>],
        node: NodeRef,
    ) -> Option<TypeRef> {
        if key.is_empty() {
            return None;
        }
        let mut first: Option<(TypeRef, String)> = None;
        for (handler, mapped) in handlers.iter().zip(handler_keys) {
            if self.tainted.contains(&NodeRef::Event(handler.event)) {
                continue;
            }
            let event = &self.model.events[handler.event.index()];
            let written = ast
                .on
                .iter()
                .find(|r| r.event.span == handler.span)
                .map_or_else(|| event.name.clone(), |r| r.event.value.clone());
            let Some(field) = event.fields.iter().find(|f| f.name == handler.key_field) else {
                let fields: Vec<&str> = event.fields.iter().map(|f| f.name.as_str()).collect();
                self.flow.push(
                    sc100_process_key_missing::diagnostic(
                        name,
                        key,
                        &handler.key_field,
                        &written,
                        mapped.unwrap_or(handler.span),
                        mapped.is_some(),
                        &fields,
                    )
                    .about(node),
                );
                continue;
            };
            let ty = bare(&field.ty).clone();
            match &first {
                None => first = Some((ty, written)),
                Some((first_ty, first_event)) if *first_ty != ty => {
                    let finding = sc101_process_key_type::diagnostic(
                        name,
                        key,
                        (&written, &self.model.type_name(&ty)),
                        (first_event, &self.model.type_name(first_ty)),
                        mapped.unwrap_or(handler.span),
                    )
                    .about(node);
                    self.flow.push(finding);
                }
                Some(_) => {}
            }
        }
        first.map(|(ty, _)| ty)
    }

    /// SC105: a state field named like the key (the stream id, which the runtime
    /// keeps), or like a field of a handled event of another type (the default
    /// `evolve` copies same-name fields).
    fn process_state(
        &mut self,
        name: &str,
        key: &str,
        ast: &ProcessAst,
        state: &[Field],
        handlers: &[ProcessHandler],
        node: NodeRef,
    ) {
        for (field, written) in state.iter().zip(&ast.state) {
            if field.name == key {
                self.flow.push(
                    sc105_process_state_clash::is_key(name, key, written.name.span).about(node),
                );
                continue;
            }
            for handler in handlers {
                if self.tainted.contains(&NodeRef::Event(handler.event)) {
                    continue;
                }
                let event = &self.model.events[handler.event.index()];
                let Some(other) = event.fields.iter().find(|f| f.name == field.name) else {
                    continue;
                };
                if bare(&other.ty) != bare(&field.ty) {
                    let (ty, event_ty) = (
                        self.model.type_name(&field.ty),
                        self.model.type_name(&other.ty),
                    );
                    // Two contexts' `Money`: say which is which.
                    let finding = if ty == event_ty {
                        sc105_process_state_clash::other_context_type(
                            name,
                            &field.name,
                            &self.model.qualified_type_name(&field.ty),
                            &event.name,
                            &self.model.qualified_type_name(&other.ty),
                            written.ty.span,
                        )
                    } else {
                        sc105_process_state_clash::other_type(
                            name,
                            &field.name,
                            &ty,
                            &event.name,
                            &event_ty,
                            written.ty.span,
                        )
                    }
                    .about(node);
                    self.flow.push(finding);
                    break;
                }
            }
        }
    }
}
