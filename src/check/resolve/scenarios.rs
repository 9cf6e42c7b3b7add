//! Scenarios and hotspots: given/when/then lowered into executable specifications,
//! and open questions attached to the element they are about.

use super::*;
use crate::check::rules::{
    sc020_unresolved_reference, sc050_scenario_foreign_given, sc051_scenario_foreign_when,
    sc052_scenario_unexpected_then, sc053_scenario_undeclared_error, sc054_scenario_shape,
    sc055_unknown_field, sc060_hotspot, sc084_scenario_outcome, sc113_reaction_scenario_time,
    sc114_reaction_scenario_shape,
};

impl Resolver<'_> {
    /// The values of one step of `scenario`, each checked against its field's type.
    pub(super) fn step_values(
        &mut self,
        scenario: &str,
        step: &StepAst,
        fields: &[Field],
        what: &str,
        subject: NodeRef,
    ) -> Vec<(String, serde_json::Value)> {
        let mut values = Vec::new();
        // A message that lost a field to a type error would report its value as unknown.
        let tainted = self.tainted.contains(&subject);
        let place = super::values::Place { scenario, subject };
        for (field, value) in &step.values {
            let Some(declared) = fields.iter().find(|f| f.name == field.value) else {
                if tainted {
                    continue;
                }
                self.wanted_id(subject, &field.value, field.span, &step.name.value);
                let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                self.flow.push(sc055_unknown_field::diagnostic(
                    what,
                    &step.name.value,
                    &field.value,
                    field.span,
                    &names,
                    subject,
                ));
                continue;
            };
            let path = format!("{}.{}", step.name.value, field.value);
            self.check_field_value(&place, &path, &declared.ty, &value.value, value.span);
            values.push((field.value.clone(), node_to_json(&value.value)));
        }
        values
    }

    /// Notes, for SC034, a scenario value for `field`, which the message `subject`
    /// lacks, when its aggregate was written without `id:` and `field` is named as
    /// ids are (`order_id` for `Order`): other unknown fields are only typos.
    fn wanted_id(&mut self, subject: NodeRef, field: &str, span: Span, message: &str) {
        let aggregate = match subject {
            NodeRef::Command(c) => self.model.commands[c.index()].aggregate,
            NodeRef::Event(e) => self.model.events[e.index()].aggregate,
            _ => return,
        };
        let conventional = format!(
            "{}_id",
            to_snake_case(&self.model.aggregates[aggregate.index()].name)
        );
        if field != conventional {
            return;
        }
        if let Some(wanted) = self.implicit_ids.get_mut(&aggregate) {
            wanted.push((span, format!("a scenario's `{message}`")));
        }
    }

    pub(super) fn scenario(&mut self, context: ContextId, ast: &ScenarioAst) {
        if ast.policy.is_some() || ast.process.is_some() {
            self.reaction_scenario(context, ast);
            return;
        }
        // Time and completion belong to reactions; an aggregate decides at once.
        let afters = ast.timeline.iter().filter_map(|item| match item {
            TimelineAst::After(after) => Some(after),
            TimelineAst::Event(_) => None,
        });
        if let Some(after) = afters.chain(&ast.after).next() {
            self.flow
                .push(sc113_reaction_scenario_time::in_aggregate_scenario(
                    &ast.name.value,
                    after.span,
                ));
        }
        if let Some(completes) = &ast.completes {
            self.flow.push(sc114_reaction_scenario_shape::misplaced(
                &ast.name.value,
                "completes",
                "an aggregate",
                completes.span,
            ));
        }
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
                        self.name_finding(sc020_unresolved_reference::foreign_scenario_aggregate(
                            &ast.name.value,
                            &name.value,
                            &context_name,
                            name.span,
                        ));
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
                self.flow.push(sc050_scenario_foreign_given::diagnostic(
                    &ast.name.value,
                    &aggregate_name,
                    &step.name.value,
                    step.name.span,
                    NodeRef::Aggregate(aggregate),
                ));
                continue;
            }
            let fields = self.model.events[event.index()].fields.clone();
            let values = self.step_values(
                &ast.name.value,
                step,
                &fields,
                "event",
                NodeRef::Event(*event),
            );
            given_steps.push(Step { id: *event, values });
        }
        let Some((command, when_step)) = when else {
            return;
        };
        if self.model.commands[command.index()].aggregate != aggregate {
            self.flow.push(sc051_scenario_foreign_when::diagnostic(
                &ast.name.value,
                &aggregate_name,
                &when_step.name.value,
                when_step.name.span,
                NodeRef::Aggregate(aggregate),
            ));
            return;
        }
        let command_fields = self.model.commands[command.index()].fields.clone();
        let when_values = self.step_values(
            &ast.name.value,
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
                self.flow.push(sc054_scenario_shape::diagnostic(
                    &ast.name.value,
                    error.is_some(),
                    span,
                    NodeRef::Command(command),
                ));
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
                        self.flow.push(sc052_scenario_unexpected_then::diagnostic(
                            &ast.name.value,
                            &step.name.value,
                            &command_name,
                            step.name.span,
                            NodeRef::Command(command),
                        ));
                        continue;
                    }
                    let fields = self.model.events[event.index()].fields.clone();
                    let values = self.step_values(
                        &ast.name.value,
                        step,
                        &fields,
                        "event",
                        NodeRef::Event(*event),
                    );
                    steps.push(Step { id: *event, values });
                }
                Outcome::Events(steps)
            }
            (None, Some(error)) => {
                let errors = &self.model.commands[command.index()].errors;
                match errors.iter().position(|e| e.name == error.value) {
                    Some(index) => Outcome::Error(index),
                    None => {
                        let declared: Vec<&str> = errors.iter().map(|e| e.name.as_str()).collect();
                        let finding = sc053_scenario_undeclared_error::diagnostic(
                            &ast.name.value,
                            &error.value,
                            &command_name,
                            error.span,
                            &declared,
                            NodeRef::Command(command),
                        );
                        self.flow.push(finding);
                        return;
                    }
                }
            }
        };
        if !ok {
            return;
        }
        let outcome_index = match &outcome {
            Outcome::Events(steps) => {
                match self.scenario_outcome(&ast.name.value, ast, command, steps) {
                    Ok(index) => index,
                    Err(()) => return,
                }
            }
            Outcome::Error(_) => {
                if let Some(written) = &ast.outcome {
                    self.flow.push(sc084_scenario_outcome::with_error(
                        &ast.name.value,
                        written.span,
                        NodeRef::Command(command),
                    ));
                    return;
                }
                None
            }
        };
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
            outcome: outcome_index,
        });
        self.model.contexts[context.index()].scenarios.push(index);
    }

    /// The outcome of `command` a scenario's `then` fits: its required events all
    /// there, nothing that is not one of its events. `outcome:` picks one when
    /// several fit; `Err` when the scenario is reported (SC084). A command that lost
    /// an event reference is not judged (`Ok(None)`).
    fn scenario_outcome(
        &mut self,
        scenario: &str,
        ast: &ScenarioAst,
        command: CommandId,
        steps: &[Step<EventId>],
    ) -> Result<Option<usize>, ()> {
        if self.tainted.contains(&NodeRef::Command(command)) {
            return Ok(None);
        }
        let subject = NodeRef::Command(command);
        let then: Vec<EventId> = steps.iter().map(|s| s.id).collect();
        let the_command = &self.model.commands[command.index()];
        let fits = |outcome: &CommandOutcome| {
            then.iter()
                .all(|e| outcome.events.iter().any(|o| o.event == *e))
                && outcome
                    .events
                    .iter()
                    .all(|o| o.optional || then.contains(&o.event))
        };
        let fitting: Vec<usize> = the_command
            .outcomes
            .iter()
            .enumerate()
            .filter(|(_, o)| fits(o))
            .map(|(i, _)| i)
            .collect();
        let names: Vec<String> = the_command
            .outcomes
            .iter()
            .map(|o| o.name.clone())
            .collect();
        let command_name = the_command.name.clone();
        let then_span = ast
            .then
            .as_ref()
            .and_then(|t| t.first())
            .map_or(ast.span, |s| s.name.span);
        let finding = match &ast.outcome {
            Some(written) => match names.iter().position(|n| *n == written.value) {
                None => sc084_scenario_outcome::unknown(
                    scenario,
                    &written.value,
                    &command_name,
                    written.span,
                    &names,
                    subject,
                ),
                Some(index) if fitting.contains(&index) => return Ok(Some(index)),
                Some(index) => {
                    let fitting_names: Vec<&str> =
                        fitting.iter().map(|i| names[*i].as_str()).collect();
                    let outcome = &self.model.commands[command.index()].outcomes[index];
                    let expected = self.outcome_text(outcome);
                    sc084_scenario_outcome::does_not_fit(
                        scenario,
                        &written.value,
                        &expected,
                        written.span,
                        &fitting_names,
                        subject,
                    )
                }
            },
            None => match fitting.as_slice() {
                [one] => return Ok(Some(*one)),
                [] => {
                    let outcomes: Vec<String> = self.model.commands[command.index()]
                        .outcomes
                        .iter()
                        .map(|o| format!("{}: {}", o.name, self.outcome_text(o)))
                        .collect();
                    sc084_scenario_outcome::fits_none(
                        scenario,
                        &command_name,
                        then_span,
                        &outcomes,
                        subject,
                    )
                }
                several => {
                    let fitting_names: Vec<&str> =
                        several.iter().map(|i| names[*i].as_str()).collect();
                    sc084_scenario_outcome::ambiguous(
                        scenario,
                        &command_name,
                        then_span,
                        &fitting_names,
                        subject,
                    )
                }
            },
        };
        self.flow.push(finding);
        Err(())
    }

    /// An outcome's events as the model writes them: `[A, B?]`.
    fn outcome_text(&self, outcome: &CommandOutcome) -> String {
        let events: Vec<String> = outcome
            .events
            .iter()
            .map(|o| {
                let name = &self.model.events[o.event.index()].name;
                if o.optional {
                    format!("{name}?")
                } else {
                    name.clone()
                }
            })
            .collect();
        format!("[{}]", events.join(", "))
    }

    pub(super) fn hotspot(&mut self, context: Option<ContextId>, ast: &HotspotAst) {
        let target = match &ast.on {
            None => HotspotTarget::None,
            Some(name) => match self.hotspot_target(context, name) {
                Some(target) => target,
                None => return,
            },
        };
        self.name_finding(sc060_hotspot::diagnostic(
            ast.on.as_ref().map(|on| on.value.as_str()),
            &ast.text.value,
            ast.text.span,
        ));
        self.model.hotspots.push(Hotspot {
            text: ast.text.value.clone(),
            context,
            target,
            span: ast.text.span,
        });
    }

    pub(super) fn hotspot_target(
        &mut self,
        context: Option<ContextId>,
        name: &Name,
    ) -> Option<HotspotTarget> {
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
            self.name_finding(sc020_unresolved_reference::unknown_hotspot_target(
                &name.value,
                name.span,
                &candidates,
            ));
            return None;
        };
        let (_, element) = self.element_ref(in_context, name, "an element", |_| true)?;
        Some(HotspotTarget::Node(match element {
            Element::Type(_) => NodeRef::Context(in_context),
            Element::Aggregate(id) => NodeRef::Aggregate(id),
            Element::Command(id) => NodeRef::Command(id),
            Element::Event(id) => NodeRef::Event(id),
            Element::Policy(id) => NodeRef::Policy(id),
            Element::Process(id) => NodeRef::Process(id),
            Element::ReadModel(id) => NodeRef::ReadModel(id),
            Element::Dropped => return None,
        }))
    }
}
