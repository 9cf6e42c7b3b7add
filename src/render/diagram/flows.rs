//! The flow constructs of format 2 as a view draws them: which commands fork into
//! named outcomes, the edges of recovery and time that the flow graph's causal edges
//! do not hold (compensations, `unless:` cancels, `for_each:` reads), and the text on
//! timers and edges (delays, periods, conditions, recoveries, the target's inbox).
//!
//! Everything here is read from the IR's own fields (`Command::outcomes`,
//! `Policy::{trigger, condition, recovery}`), so a view draws the same whether or not
//! the flow graph also carries these edges.

use super::{duration_text, Link};
use crate::ir::{
    CommandId, EdgeKind, EventId, Every, Model, NodeRef, PolicyId, ProcessId, RecoveryAction,
    Trigger, EMITTED,
};
use crate::render::wrap;
use std::collections::{BTreeMap, BTreeSet};

/// Width at which edge labels (conditions, recoveries) are wrapped.
const LABEL_WIDTH: usize = 32;

/// Whether a command is drawn as a fork into its named outcomes: when it has more
/// than one, or its only one is a failure. A command with one ordinary outcome
/// (`emits:`, or one named outcome) records its events directly, as before.
pub(crate) fn branched(model: &Model, command: CommandId) -> bool {
    let outcomes = &model.command(command).outcomes;
    outcomes.len() > 1 || outcomes.iter().any(|o| o.failure)
}

/// Whether `event` is marked optional (`Event?`) in the only outcome of an unbranched
/// command. Only a named outcome (written under `outcomes:`) marks it: the `emits:`
/// shorthand of a format-1 file lowers to optional events too, but there that is the
/// old "some of these" reading of `emits`, not a design choice worth a `?` on every
/// edge (and in a format-2 file its events are required).
pub(crate) fn optional_in_only_outcome(model: &Model, command: CommandId, event: EventId) -> bool {
    match model.command(command).outcomes.as_slice() {
        [only] if only.name != EMITTED => {
            only.events.iter().any(|e| e.event == event && e.optional)
        }
        _ => false,
    }
}

/// The causal edges of the model, as a view draws them before routing them through
/// outcomes and timers: the flow graph's edges, plus compensations, cancels and reads
/// from the IR. Sorted and without duplicates.
pub(super) fn semantic_edges(model: &Model) -> Vec<(NodeRef, NodeRef, Link)> {
    let mut edges: Vec<(NodeRef, NodeRef, Link)> = model
        .graph
        .edges()
        .into_iter()
        .filter_map(|(from, to, kind)| match kind {
            // Containment is drawn as clusters and aggregate bands, not edges.
            EdgeKind::Contains | EdgeKind::Handles => None,
            EdgeKind::Issues => Some((from, to, Link::Issues)),
            EdgeKind::Emits => Some((from, to, Link::Emits)),
            EdgeKind::Triggers => Some((from, to, Link::Triggers)),
            EdgeKind::Feeds => Some((from, to, Link::Feeds)),
            EdgeKind::Calls => Some((from, to, Link::Calls)),
            EdgeKind::Compensates => Some((from, to, Link::Compensates)),
            EdgeKind::Records => Some((from, to, Link::Records)),
            EdgeKind::Cancels => Some((from, to, Link::Cancels)),
            // A schedule goes over the rows; any other policy looks one up (`reads:`).
            EdgeKind::Reads => match to {
                NodeRef::Policy(p) if matches!(model.policy(p).trigger, Trigger::Schedule(_)) => {
                    Some((from, to, Link::Reads))
                }
                _ => Some((from, to, Link::ReadsRow)),
            },
            EdgeKind::Rejects => Some((from, to, Link::Rejects)),
        })
        .collect();
    // A process is one node of the flow graph; a view draws its commands leaving from
    // the process (a reaction's) or from a deadline's timer, so they are taken from the
    // process's policies below, each edge saying which reaction or deadline it is.
    edges.retain(|(from, to, link)| {
        !(matches!(from, NodeRef::Process(_))
            && matches!(link, Link::Issues | Link::Compensates | Link::Records)
            || matches!(to, NodeRef::Process(_)) && *link == Link::Cancels)
    });
    for (index, policy) in model.policies.iter().enumerate() {
        let node = NodeRef::Policy(PolicyId(index as u32));
        if policy.process.is_some() {
            // A process's reaction or deadline, set off by its events (a deadline by
            // the process's start events); `route` draws them as the process's edges.
            for event in &policy.on {
                edges.push((NodeRef::Event(*event), node, Link::Triggers));
            }
            if let Some(command) = policy.issues {
                edges.push((node, NodeRef::Command(command), Link::Issues));
            }
        }
        for recovery in &policy.recovery {
            match recovery.action {
                RecoveryAction::Issue(command) => {
                    edges.push((node, NodeRef::Command(command), Link::Compensates));
                }
                RecoveryAction::Record(event) => {
                    edges.push((node, NodeRef::Event(event), Link::Records));
                }
                RecoveryAction::Retry { .. } | RecoveryAction::Park => {}
            }
        }
        match &policy.trigger {
            Trigger::Events => {}
            Trigger::Rejection(rejected) => {
                edges.push((NodeRef::Command(rejected.command), node, Link::Rejects));
            }
            Trigger::Deadline(deadline) => {
                for event in &deadline.unless {
                    edges.push((NodeRef::Event(*event), node, Link::Cancels));
                }
            }
            Trigger::Schedule(schedule) => {
                if let Some(read_model) = schedule.for_each {
                    edges.push((NodeRef::ReadModel(read_model), node, Link::Reads));
                }
            }
        }
    }
    edges.sort();
    edges.dedup();
    edges
}

/// The label of an event's edge into a process: whether it starts or completes it.
pub(super) fn handler_label(model: &Model, process: ProcessId, event: EventId) -> Vec<String> {
    let Some(handler) = model.process(process).handler(event) else {
        return Vec::new();
    };
    match (handler.start, handler.complete) {
        (true, true) => vec!["starts, completes".to_owned()],
        (true, false) => vec!["starts".to_owned()],
        (false, true) => vec!["completes".to_owned()],
        (false, false) => Vec::new(),
    }
}

/// Everything that follows from `start` along `edges`: what is issued, emitted,
/// triggered, fed, called, compensated, and the schedules over a read model reached.
/// A cancel is not followed (a cancelled timer sets nothing off), nor a row a policy
/// reads (the row does not set the policy off); see
/// [`cancelled_by`].
pub(super) fn flow_reach(edges: &[(NodeRef, NodeRef, Link)], start: NodeRef) -> BTreeSet<NodeRef> {
    let mut next: BTreeMap<NodeRef, Vec<NodeRef>> = BTreeMap::new();
    for (from, to, link) in edges {
        if !matches!(link, Link::Cancels | Link::ReadsRow) {
            next.entry(*from).or_default().push(*to);
        }
    }
    let mut seen = BTreeSet::new();
    let mut stack = vec![start];
    while let Some(node) = stack.pop() {
        if seen.insert(node) {
            stack.extend(next.get(&node).into_iter().flatten().copied());
        }
    }
    seen
}

/// The deadline policies whose timers an event among `events` cancels.
pub(super) fn cancelled_by(
    edges: &[(NodeRef, NodeRef, Link)],
    events: &BTreeSet<NodeRef>,
) -> Vec<NodeRef> {
    edges
        .iter()
        .filter(|(from, _, link)| *link == Link::Cancels && events.contains(from))
        .map(|(_, to, _)| *to)
        .collect()
}

/// A schedule's period as a timer shows it: `every 15m`, `every day at 03:00 UTC`
/// (the model's `day at` is UTC; the diagram says so).
pub(crate) fn every_text(every: Every) -> String {
    match every {
        Every::Interval { .. } => format!("every {}", every.label()),
        Every::DailyAt { .. } => format!("every {} UTC", every.label()),
    }
}

/// Whether a policy is set off by a timer (a deadline) or a clock (a schedule).
pub(super) fn timed(model: &Model, policy: PolicyId) -> bool {
    !matches!(
        model.policy(policy).trigger,
        Trigger::Events | Trigger::Rejection(_)
    )
}

/// The label of a command's edge into the policy its refusals set off: `refused`, or
/// `refused with ERROR` when `error:` narrows it to one.
pub(super) fn rejection_label(model: &Model, policy: PolicyId) -> Vec<String> {
    let Trigger::Rejection(rejected) = &model.policy(policy).trigger else {
        return Vec::new();
    };
    let errors = &model.command(rejected.command).errors;
    match rejected.error.and_then(|e| errors.get(e)) {
        Some(error) => wrap(&format!("refused with {}", error.name), LABEL_WIDTH),
        None => vec!["refused".to_owned()],
    }
}

/// The text of a policy's timer or clock: `after 20m` / `per hold_id`, or the period.
pub(super) fn timer_lines(model: &Model, policy: PolicyId) -> Vec<String> {
    match &model.policy(policy).trigger {
        Trigger::Events | Trigger::Rejection(_) => Vec::new(),
        Trigger::Deadline(deadline) => {
            let mut lines = vec![format!("after {}", duration_text(deadline.delay_secs))];
            if !deadline.correlate.is_empty() {
                lines.push(format!("per {}", deadline.correlate));
            }
            lines
        }
        Trigger::Schedule(schedule) => wrap(&every_text(schedule.every), 14),
    }
}

/// The label of a policy's `issue:` edge: its condition, the recoveries that issue
/// no other command (retry, park), and the target's inbox when it is another context's.
pub(super) fn issue_label(model: &Model, policy: PolicyId, command: CommandId) -> Vec<String> {
    let p = model.policy(policy);
    let mut lines = Vec::new();
    if let Some(condition) = &p.condition {
        lines.extend(wrap(&format!("if {condition}"), LABEL_WIDTH));
    }
    let errors = &model.command(command).errors;
    for recovery in &p.recovery {
        let Some(error) = errors.get(recovery.error) else {
            continue;
        };
        let action = match recovery.action {
            RecoveryAction::Issue(_) | RecoveryAction::Record(_) => continue,
            RecoveryAction::Retry { times, after_secs } => match after_secs {
                Some(after) => format!("retry {times}× after {}", duration_text(after)),
                None => format!("retry {times}×"),
            },
            RecoveryAction::Park => "park".to_owned(),
        };
        // One line per recovery, unwrapped: it is short, and a break would split it.
        lines.push(format!("on {}: {action}", error.name));
    }
    lines.extend(inbox_line(model, p.context, command));
    lines
}

/// The label of a compensation edge: the errors it answers, and the target's inbox.
pub(super) fn compensation_label(
    model: &Model,
    policy: PolicyId,
    compensation: CommandId,
) -> Vec<String> {
    let p = model.policy(policy);
    let errors = p
        .issues
        .map(|c| model.command(c).errors.as_slice())
        .unwrap_or_default();
    let names: Vec<&str> = p
        .recovery
        .iter()
        .filter(|r| r.action == RecoveryAction::Issue(compensation))
        .filter_map(|r| errors.get(r.error).map(|e| e.name.as_str()))
        .collect();
    let mut lines = if names.is_empty() {
        vec!["on error".to_owned()]
    } else {
        wrap(&format!("on {}", names.join(", ")), LABEL_WIDTH)
    };
    lines.extend(inbox_line(model, p.context, compensation));
    lines
}

/// The label of a `record:` edge: the errors whose refusals record the event.
pub(super) fn record_label(model: &Model, policy: PolicyId, event: EventId) -> Vec<String> {
    let p = model.policy(policy);
    let errors = p
        .issues
        .map(|c| model.command(c).errors.as_slice())
        .unwrap_or_default();
    let names: Vec<&str> = p
        .recovery
        .iter()
        .filter(|r| r.action == RecoveryAction::Record(event))
        .filter_map(|r| errors.get(r.error).map(|e| e.name.as_str()))
        .collect();
    if names.is_empty() {
        return vec!["on error: record".to_owned()];
    }
    wrap(&format!("on {}: record", names.join(", ")), LABEL_WIDTH)
}

/// `via payments inbox` when `command` is not of the issuing `context`.
fn inbox_line(model: &Model, context: crate::ir::ContextId, command: CommandId) -> Option<String> {
    let target = model.command(command).context;
    (target != context).then(|| format!("via {} inbox", model.context(target).name))
}

/// The name of an outcome as its fork shows it.
pub(super) fn outcome_lines(model: &Model, command: CommandId, index: usize) -> Vec<String> {
    let Some(outcome) = model.command(command).outcomes.get(index) else {
        return vec![EMITTED.to_owned()];
    };
    let mut lines = vec![outcome.name.clone()];
    if outcome.failure {
        lines.push("(failure)".to_owned());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{CommandOutcome, Deadline, OutcomeEvent, Recovery};

    /// A format-1 model with the flow constructs set on its IR by hand: the rendering
    /// does not depend on how format 2 is decoded.
    fn model() -> Model {
        let loaded = crate::model::load::load_str(
            "m.yaml",
            "stormcraft: 1\nsystem: M\nactors:\n  Guest: a guest\ncontexts:\n  booking:\n    aggregates:\n      Hold:\n        commands:\n          PlaceHold:\n            by: Guest\n            emits: [HoldPlaced, HoldRefused]\n          ConfirmHold:\n            emits: [HoldConfirmed]\n            errors: {HoldExpired: too late, HoldNotFound: not yet}\n        events:\n          HoldPlaced: {}\n          HoldRefused: {}\n          HoldConfirmed: {}\n    policies:\n      Confirm:\n        on: payments.Paid\n        issue: ConfirmHold\n  payments:\n    aggregates:\n      Payment:\n        commands:\n          Pay:\n            by: Guest\n            emits: [Paid]\n          Refund:\n            by: Guest\n            emits: [Refunded]\n        events:\n          Paid: {published: true, fields: {hold_id: uuid}}\n          Refunded: {}\n",
        );
        let mut model = crate::check::check(&loaded)
            .model
            .expect("the names resolve");
        let event = |m: &Model, name: &str| {
            EventId(m.events.iter().position(|e| e.name == name).unwrap() as u32)
        };
        let outcome = |m: &Model, name: &str, event_name: &str, optional: bool, failure: bool| {
            CommandOutcome {
                name: name.to_owned(),
                events: vec![OutcomeEvent {
                    event: event(m, event_name),
                    optional,
                    span: Default::default(),
                }],
                failure,
                span: Default::default(),
            }
        };
        let place = model.command_by_name("PlaceHold").unwrap();
        model.commands[place.index()].outcomes = vec![
            outcome(&model, "placed", "HoldPlaced", false, false),
            outcome(&model, "refused", "HoldRefused", false, true),
        ];
        let pay = model.command_by_name("Pay").unwrap();
        model.commands[pay.index()].outcomes = vec![outcome(&model, "paid", "Paid", true, false)];
        let refund = model.command_by_name("Refund").unwrap();
        let policy = &mut model.policies[0];
        policy.condition = Some("the hold has not expired".to_owned());
        policy.recovery = vec![
            Recovery {
                error: 0,
                action: RecoveryAction::Issue(refund),
                span: Default::default(),
            },
            Recovery {
                error: 1,
                action: RecoveryAction::Retry {
                    times: 3,
                    after_secs: Some(10),
                },
                span: Default::default(),
            },
        ];
        model
    }

    #[test]
    fn periods_read_as_written() {
        assert_eq!(every_text(Every::Interval { secs: 5_400 }), "every 1h30m");
        assert_eq!(
            every_text(Every::DailyAt { hour: 3, minute: 5 }),
            "every day at 03:05 UTC"
        );
    }

    #[test]
    fn forks_only_commands_with_alternatives_or_a_failure() {
        let model = model();
        let id = |name: &str| model.command_by_name(name).unwrap();
        assert!(branched(&model, id("PlaceHold")));
        assert!(!branched(&model, id("Pay")), "one ordinary outcome");
        assert!(!branched(&model, id("ConfirmHold")), "the emits shorthand");
        let paid = EventId(model.events.iter().position(|e| e.name == "Paid").unwrap() as u32);
        assert!(optional_in_only_outcome(&model, id("Pay"), paid));
        assert_eq!(
            outcome_lines(&model, id("PlaceHold"), 1),
            ["refused", "(failure)"]
        );
    }

    #[test]
    fn issue_and_compensation_edges_say_when_and_how() {
        let model = model();
        let policy = PolicyId(0);
        let confirm = model.command_by_name("ConfirmHold").unwrap();
        let refund = model.command_by_name("Refund").unwrap();
        assert_eq!(
            issue_label(&model, policy, confirm),
            [
                "if the hold has not expired",
                "on HoldNotFound: retry 3× after 10s"
            ]
        );
        assert_eq!(
            compensation_label(&model, policy, refund),
            ["on HoldExpired", "via payments inbox"]
        );
        let edges = semantic_edges(&model);
        assert!(edges.contains(&(
            NodeRef::Policy(policy),
            NodeRef::Command(refund),
            Link::Compensates
        )));
        // The compensation is part of the flow of what set the policy off.
        let pay = NodeRef::Command(model.command_by_name("Pay").unwrap());
        assert!(flow_reach(&edges, pay).contains(&NodeRef::Command(refund)));
    }

    #[test]
    fn a_deadline_is_a_timer_that_unless_events_cancel_without_following_it() {
        let mut model = model();
        let refunded = EventId(
            model
                .events
                .iter()
                .position(|e| e.name == "Refunded")
                .unwrap() as u32,
        );
        model.policies[0].trigger = Trigger::Deadline(Deadline {
            delay_secs: 1_200,
            unless: vec![refunded],
            unless_spans: vec![Default::default()],
            correlate: "hold_id".to_owned(),
            span: Default::default(),
        });
        assert!(timed(&model, PolicyId(0)));
        assert_eq!(
            timer_lines(&model, PolicyId(0)),
            ["after 20m", "per hold_id"]
        );
        let edges = semantic_edges(&model);
        let cancel = (
            NodeRef::Event(refunded),
            NodeRef::Policy(PolicyId(0)),
            Link::Cancels,
        );
        assert!(edges.contains(&cancel));
        let refund = NodeRef::Command(model.command_by_name("Refund").unwrap());
        let reached = flow_reach(&edges, refund);
        assert!(
            !reached.contains(&NodeRef::Policy(PolicyId(0))),
            "a cancel is not followed"
        );
        assert_eq!(
            cancelled_by(&edges, &reached),
            [NodeRef::Policy(PolicyId(0))]
        );
    }
}
