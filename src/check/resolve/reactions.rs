//! Reaction scenarios: a scenario whose subject is a policy (`policy:`) or a process
//! (`process:`) lowered into given events, time steps and the commands expected, each
//! checked against what the subject handles and issues.

use super::*;
use crate::check::rules::{
    sc110_reaction_scenario_subject, sc111_reaction_foreign_given,
    sc112_reaction_unexpected_command, sc113_reaction_scenario_time, sc114_reaction_scenario_shape,
};
use crate::ir::time::parse_duration;

/// What a reaction scenario's subject handles, issues, and whether time matters to it.
struct Subject {
    subject: ReactionSubject,
    name: String,
    /// "a policy" or "a process", for messages.
    kind: &'static str,
    handles: Vec<EventId>,
    /// Events a given step may also hold without reaching the subject: the sources of
    /// its context's read models, which a policy's rule reads (its views) and which the
    /// generated test projects before the subject runs.
    feeds_views: Vec<EventId>,
    issues: Vec<CommandId>,
    timed: bool,
    tainted: bool,
}

impl Resolver<'_> {
    /// Lowers a scenario with `policy:` or `process:` (see MODEL.md "Reaction
    /// scenarios").
    pub(super) fn reaction_scenario(&mut self, context: ContextId, ast: &ScenarioAst) {
        let title = ast.name.value.clone();
        let Some(subject) = self.reaction_subject(context, ast) else {
            return;
        };
        let mut ok = true;
        let misplaced = [
            ("when", ast.when.as_ref().map(|w| w.name.span)),
            ("error", ast.error.as_ref().map(|e| e.span)),
            ("outcome", ast.outcome.as_ref().map(|o| o.span)),
            ("aggregate", ast.aggregate.as_ref().map(|a| a.span)),
            (
                "completes",
                ast.completes
                    .as_ref()
                    .filter(|_| matches!(subject.subject, ReactionSubject::Policy(_)))
                    .map(|c| c.span),
            ),
        ];
        for (key, span) in misplaced {
            if let Some(span) = span {
                ok = false;
                self.flow.push(sc114_reaction_scenario_shape::misplaced(
                    &title,
                    key,
                    subject.kind,
                    span,
                ));
            }
        }
        if ast.then.is_none() {
            ok = false;
            self.flow
                .push(sc114_reaction_scenario_shape::no_then(&title, ast.span));
        }
        let node = match subject.subject {
            ReactionSubject::Policy(p) => NodeRef::Policy(p),
            ReactionSubject::Process(p) => NodeRef::Process(p),
        };
        let handled: Vec<String> = subject
            .handles
            .iter()
            .map(|e| self.event_name_from(context, *e))
            .collect();
        let mut given = Vec::new();
        let mut timeless_reported = false;
        let afters = ast.timeline.iter().filter_map(|item| match item {
            TimelineAst::After(after) => Some(after),
            TimelineAst::Event(_) => None,
        });
        let mut time_steps = BTreeMap::new();
        for after in afters.chain(&ast.after) {
            match parse_duration(&after.value) {
                Some(secs) => {
                    time_steps.insert(after.span.start, secs);
                }
                None => {
                    ok = false;
                    self.flow.push(sc113_reaction_scenario_time::bad_duration(
                        &title,
                        &after.value,
                        after.span,
                    ));
                }
            }
            if !subject.timed && !timeless_reported {
                timeless_reported = true;
                ok = false;
                self.flow.push(sc113_reaction_scenario_time::timeless(
                    &title,
                    &subject.name,
                    after.span,
                ));
            }
        }
        for item in &ast.timeline {
            match item {
                TimelineAst::After(after) => {
                    if let Some(secs) = time_steps.get(&after.span.start) {
                        given.push(ReactionStep::After(*secs));
                    }
                }
                TimelineAst::Event(step) => {
                    let Some(event) = self.event_ref(context, &step.name, false) else {
                        ok = false;
                        continue;
                    };
                    if !subject.handles.contains(&event) && !subject.feeds_views.contains(&event) {
                        ok = false;
                        if !subject.tainted {
                            self.flow.push(
                                sc111_reaction_foreign_given::diagnostic(
                                    &title,
                                    &subject.name,
                                    &step.name.value,
                                    step.name.span,
                                    &handled,
                                )
                                .about(node),
                            );
                        }
                        continue;
                    }
                    let fields = self.model.events[event.index()].fields.clone();
                    let values =
                        self.step_values(&title, step, &fields, "event", NodeRef::Event(event));
                    given.push(ReactionStep::Event(Step { id: event, values }));
                }
            }
        }
        if let Some(after) = &ast.after {
            if let Some(secs) = time_steps.get(&after.span.start) {
                given.push(ReactionStep::After(*secs));
            }
        }
        let issued: Vec<String> = subject
            .issues
            .iter()
            .map(|c| self.command_name_from(context, *c))
            .collect();
        let mut then = Vec::new();
        for step in ast.then.iter().flatten() {
            let resolved = self.element_ref(context, &step.name, "a command", |e| {
                matches!(e, Element::Command(_))
            });
            let Some((_, Element::Command(command))) = resolved else {
                ok = false;
                continue;
            };
            if !subject.issues.contains(&command) {
                ok = false;
                if !subject.tainted {
                    self.flow.push(
                        sc112_reaction_unexpected_command::diagnostic(
                            &title,
                            &subject.name,
                            &step.name.value,
                            step.name.span,
                            &issued,
                        )
                        .about(node),
                    );
                }
                continue;
            }
            let fields = self.model.commands[command.index()].fields.clone();
            let values =
                self.step_values(&title, step, &fields, "command", NodeRef::Command(command));
            then.push(Step {
                id: command,
                values,
            });
        }
        if !ok {
            return;
        }
        let index = self.model.reaction_scenarios.len();
        self.model.reaction_scenarios.push(ReactionScenario {
            name: title,
            context,
            subject: subject.subject,
            given,
            then,
            completes: ast.completes.as_ref().map(|c| c.value),
            span: ast.span,
        });
        self.model.contexts[context.index()]
            .reaction_scenarios
            .push(index);
    }

    /// The policy or process a reaction scenario names, with what it handles and
    /// issues; `None` when it names none (SC110) or one of a dropped duplicate.
    fn reaction_subject(&mut self, context: ContextId, ast: &ScenarioAst) -> Option<Subject> {
        let title = &ast.name.value;
        if let (Some(_), Some(process)) = (&ast.policy, &ast.process) {
            self.names
                .push(sc110_reaction_scenario_subject::both(title, process.span));
            return None;
        }
        let context_name = self.model.contexts[context.index()].name.clone();
        if let Some(name) = &ast.policy {
            let found = self.scopes[context.index()].names.get(&name.value);
            let id = match found {
                Some((Element::Policy(id), _))
                    if self.model.policies[id.index()].process.is_none() =>
                {
                    *id
                }
                Some((Element::Dropped, _)) => return None,
                other => {
                    let other_kind =
                        matches!(other, Some((Element::Process(_), _))).then_some("process");
                    let candidates: Vec<String> = self.model.contexts[context.index()]
                        .policies
                        .iter()
                        .map(|p| self.model.policies[p.index()].name.clone())
                        .collect();
                    self.names.push(sc110_reaction_scenario_subject::unknown(
                        title,
                        "policy",
                        &name.value,
                        &context_name,
                        name.span,
                        &candidates,
                        other_kind,
                    ));
                    return None;
                }
            };
            let policy = &self.model.policies[id.index()];
            let (handles, timed) = match &policy.trigger {
                Trigger::Events => (policy.on.clone(), false),
                Trigger::Deadline(deadline) => {
                    let mut handles = policy.on.clone();
                    for event in &deadline.unless {
                        if !handles.contains(event) {
                            handles.push(*event);
                        }
                    }
                    (handles, true)
                }
                Trigger::Rejection(_) => {
                    self.names.push(sc110_reaction_scenario_subject::rejection(
                        title,
                        &name.value,
                        name.span,
                    ));
                    return None;
                }
                Trigger::Schedule(_) => {
                    self.names.push(sc110_reaction_scenario_subject::schedule(
                        title,
                        &name.value,
                        name.span,
                    ));
                    return None;
                }
            };
            let mut feeds_views: Vec<EventId> = Vec::new();
            for read_model in &self.model.read_models {
                if read_model.context != context {
                    continue;
                }
                for event in &read_model.from {
                    if !handles.contains(event) && !feeds_views.contains(event) {
                        feeds_views.push(*event);
                    }
                }
            }
            return Some(Subject {
                subject: ReactionSubject::Policy(id),
                name: policy.name.clone(),
                kind: "a policy",
                handles,
                feeds_views,
                issues: policy.issues.into_iter().collect(),
                timed,
                tainted: self.tainted.contains(&NodeRef::Policy(id)),
            });
        }
        let name = ast.process.as_ref()?;
        let id = match self.scopes[context.index()].names.get(&name.value) {
            Some((Element::Process(id), _)) => *id,
            Some((Element::Dropped, _)) => return None,
            other => {
                let is_policy = |p: &PolicyId| self.model.policies[p.index()].process.is_none();
                let other_kind = matches!(other, Some((Element::Policy(p), _)) if is_policy(p))
                    .then_some("policy");
                let candidates: Vec<String> = self.model.contexts[context.index()]
                    .processes
                    .iter()
                    .map(|p| self.model.processes[p.index()].name.clone())
                    .collect();
                self.names.push(sc110_reaction_scenario_subject::unknown(
                    title,
                    "process",
                    &name.value,
                    &context_name,
                    name.span,
                    &candidates,
                    other_kind,
                ));
                return None;
            }
        };
        let process = &self.model.processes[id.index()];
        let mut issues = Vec::new();
        let lowered = process
            .handlers
            .iter()
            .filter_map(|h| h.policy)
            .chain(process.deadlines.iter().map(|d| d.policy));
        for policy in lowered {
            if let Some(command) = self.model.policies[policy.index()].issues {
                if !issues.contains(&command) {
                    issues.push(command);
                }
            }
        }
        Some(Subject {
            subject: ReactionSubject::Process(id),
            name: process.name.clone(),
            kind: "a process",
            handles: process.handlers.iter().map(|h| h.event).collect(),
            // A process's rules see its state, not the read models.
            feeds_views: Vec::new(),
            issues,
            timed: !process.deadlines.is_empty(),
            tainted: self.tainted.contains(&NodeRef::Process(id)),
        })
    }

    /// How the context `here` writes the event `e`: `Name`, or `context.Name`.
    fn event_name_from(&self, here: ContextId, e: EventId) -> String {
        let event = &self.model.events[e.index()];
        self.qualified_name(here, event.context, &event.name)
    }

    /// How the context `here` writes the command `c`: `Name`, or `context.Name`.
    fn command_name_from(&self, here: ContextId, c: CommandId) -> String {
        let command = &self.model.commands[c.index()];
        self.qualified_name(here, command.context, &command.name)
    }

    fn qualified_name(&self, here: ContextId, owner: ContextId, name: &str) -> String {
        if owner == here {
            name.to_owned()
        } else {
            format!("{}.{name}", self.model.contexts[owner.index()].name)
        }
    }
}
