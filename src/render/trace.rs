//! The causal chain of one command, as an indented tree for a reviewer.
//!
//! command → the events it emits → for each event, the read models it updates and
//! the policies it triggers → the command each policy issues (in any context) or the
//! external system it calls → … A command, event or policy that is already on the
//! current path closes a cycle and is marked `↺`; one that was expanded earlier in
//! the tree says `(see above)`, so shared subtrees are printed once.
//!
//! The flow constructs of format 2 are traced where they happen. A command with
//! alternative outcomes branches into one `outcome NAME` line per outcome (a failure
//! one says so), each holding its own events, so success and failure are never shown
//! happening together; an optional event is written `Event?`. A policy's condition
//! is on its `issues` line, its `on_error:` recoveries are lines beside it (a
//! compensating command is followed like any other). An event that starts a deadline
//! says so with the delay, one that cancels a timer says which; a read model a
//! schedule goes over leads to that schedule. A command for another context says it
//! goes through that context's inbox.
//!
//! On a flawed design ([`trace_marked`]), each finding of `check` is printed once,
//! as a `⚠` line under the element it is about.

use crate::ir::{
    CommandId, ContextId, EdgeKind, EventId, Model, NodeRef, PolicyId, ProcessId, ReadModelId,
    RecoveryAction, Trigger,
};
use crate::render::diagram::{branched, duration_text, every_text, optional_in_only_outcome};
use crate::render::findings::Finding;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Renders the trace of `command`, ending with a summary.
pub fn trace(model: &Model, command: CommandId) -> String {
    trace_marked(model, command, &[])
}

/// Renders the trace of `command` with `findings` marked under the elements they are
/// about, and counted in the summary.
pub fn trace_marked(model: &Model, command: CommandId, findings: &[Finding]) -> String {
    let mut tracer = Tracer {
        model,
        findings,
        marked: 0,
        seen: BTreeSet::new(),
        out: String::new(),
        path: Vec::new(),
        expanded: BTreeSet::new(),
        contexts: BTreeSet::new(),
        events: BTreeSet::new(),
        read_models: BTreeSet::new(),
        externals: BTreeSet::new(),
        commands: BTreeSet::new(),
        timers: BTreeSet::new(),
        failures: Vec::new(),
        compensations: 0,
        cycles: 0,
    };
    let root = model.command(command);
    let mut details = vec![format!(
        "aggregate {}",
        model.aggregate(root.aggregate).name
    )];
    details.push(format!("issued by {}", tracer.issuers(command)));
    let _ = writeln!(
        tracer.out,
        "command {} ({})",
        model.qualified_command(command),
        details.join("; ")
    );
    tracer.mark(Some(NodeRef::Command(command)), "");
    tracer.path.push(NodeRef::Command(command));
    tracer.expanded.insert(NodeRef::Command(command));
    tracer.visit_command(command, "");
    tracer.summary()
}

/// One line of the tree: its text, the element it names (for findings), and what to
/// expand under it.
struct Line {
    text: String,
    subject: Option<NodeRef>,
    expand: Expand,
}

/// What a line of the tree leads to.
enum Expand {
    /// Nothing: a leaf.
    Leaf,
    /// An element, expanded once (a cycle or a repeat is marked instead).
    Node(NodeRef),
    /// One outcome of a command (index into its outcomes), expanded under its command.
    Outcome(CommandId, usize),
    /// What a process does with one event it handles: its reaction, and the deadlines
    /// the event starts. Each event reaches a process's reaction of its own, so this is
    /// not a repeat when the same process is reached again by another event.
    Handler(ProcessId, EventId),
}

struct Tracer<'m> {
    model: &'m Model,
    /// Findings to mark; each is printed under the first line naming its subject.
    findings: &'m [Finding],
    /// How many findings have been printed.
    marked: usize,
    /// Elements whose findings have been printed.
    seen: BTreeSet<NodeRef>,
    out: String,
    /// Commands, events and policies from the root down to the line being printed.
    path: Vec<NodeRef>,
    /// Everything whose subtree has been printed.
    expanded: BTreeSet<NodeRef>,
    contexts: BTreeSet<ContextId>,
    events: BTreeSet<EventId>,
    read_models: BTreeSet<crate::ir::ReadModelId>,
    externals: BTreeSet<crate::ir::ExternalId>,
    commands: BTreeSet<CommandId>,
    /// Deadline and schedule policies reached.
    timers: BTreeSet<PolicyId>,
    /// `context.Command outcome` of each failure outcome reached, in tree order.
    failures: Vec<String>,
    /// Compensating commands issued by recoveries, counted per line.
    compensations: usize,
    cycles: usize,
}

const CROSS: &str = "  [cross-context]";

impl<'m> Tracer<'m> {
    /// Who issues a command: actors, externals (webhooks) and policies.
    fn issuers(&self, command: CommandId) -> String {
        let model = self.model;
        let mut who: Vec<String> = model
            .graph
            .predecessors(NodeRef::Command(command), EdgeKind::Issues)
            .into_iter()
            .filter_map(|node| match node {
                NodeRef::Actor(id) => Some(format!("actor {}", model.actors[id.index()].name)),
                NodeRef::External(id) => {
                    Some(format!("external {}", model.externals[id.index()].name))
                }
                NodeRef::Policy(id) => {
                    let kind = match model.policy(id).trigger {
                        Trigger::Events => "policy",
                        Trigger::Rejection(_) => "rejection policy",
                        Trigger::Deadline(_) => "deadline policy",
                        Trigger::Schedule(_) => "schedule policy",
                    };
                    Some(format!("{kind} {}", self.qualified_policy(id)))
                }
                NodeRef::Process(id) => Some(format!("process {}", self.qualified_process(id))),
                _ => None,
            })
            .collect();
        // Policies that issue it to compensate for a rejection of their own command.
        for (index, policy) in model.policies.iter().enumerate() {
            let errors: Vec<&str> = policy
                .recovery
                .iter()
                .filter(|r| r.action == RecoveryAction::Issue(command))
                .filter_map(|r| self.error_name(policy.issues, r.error))
                .collect();
            if !errors.is_empty() {
                let by = match policy.process {
                    Some(process) => format!("process {}", self.qualified_process(process)),
                    None => format!("policy {}", self.qualified_policy(PolicyId(index as u32))),
                };
                who.push(format!("{by} on error {}", errors.join(", ")));
            }
        }
        if who.is_empty() {
            who.push("nobody".to_owned());
        }
        who.join(", ")
    }

    fn qualified_process(&self, id: ProcessId) -> String {
        let p = self.model.process(id);
        format!("{}.{}", self.model.context(p.context).name, p.name)
    }

    /// How a deadline policy is named: `deadline policy ctx.Name`, or, for a process's,
    /// `deadline Name of process ctx.Process`.
    fn deadline_title(&self, id: PolicyId) -> String {
        let p = self.model.policy(id);
        match p.process {
            Some(process) => {
                let deadline = self
                    .model
                    .process(process)
                    .deadlines
                    .iter()
                    .find(|d| d.policy == id)
                    .map_or(p.name.as_str(), |d| d.name.as_str());
                format!(
                    "deadline {deadline} of process {}",
                    self.qualified_process(process)
                )
            }
            None => format!("deadline policy {}", self.qualified_policy(id)),
        }
    }

    /// The timer of a deadline as a trace shows it: `after 20m per hold_id, unless X`.
    fn timer_text(&self, id: PolicyId) -> String {
        let Trigger::Deadline(deadline) = &self.model.policy(id).trigger else {
            return String::new();
        };
        let mut timer = format!("after {}", duration_text(deadline.delay_secs));
        if !deadline.correlate.is_empty() {
            timer.push_str(&format!(" per {}", deadline.correlate));
        }
        if !deadline.unless.is_empty() {
            let unless: Vec<String> = deadline
                .unless
                .iter()
                .map(|u| self.model.qualified_event(*u))
                .collect();
            timer.push_str(&format!(", unless {}", unless.join(" or ")));
        }
        timer
    }

    fn qualified_policy(&self, id: PolicyId) -> String {
        let p = self.model.policy(id);
        format!("{}.{}", self.model.context(p.context).name, p.name)
    }

    /// The name of error `index` of the command a policy issues.
    fn error_name(&self, issued: Option<CommandId>, index: usize) -> Option<&'m str> {
        let model: &'m Model = self.model;
        let command = model.command(issued?);
        command.errors.get(index).map(|e| e.name.as_str())
    }

    /// `  [cross-context, via payments inbox]` when `command` is not of `context`.
    fn inbox_marker(&self, context: ContextId, command: CommandId) -> String {
        let target = self.model.command(command).context;
        if target == context {
            String::new()
        } else {
            format!(
                "  [cross-context, via {} inbox]",
                self.model.context(target).name
            )
        }
    }

    /// The line of an event a command (or one of its outcomes) records.
    fn emits_line(&self, event: EventId, optional: bool) -> Line {
        let e = self.model.event(event);
        let published = if e.published { " (published)" } else { "" };
        let optional = if optional { "?" } else { "" };
        Line {
            text: format!(
                "emits event {}{optional}{published}",
                self.model.qualified_event(event)
            ),
            subject: Some(NodeRef::Event(event)),
            expand: Expand::Node(NodeRef::Event(event)),
        }
    }

    fn visit_command(&mut self, command: CommandId, prefix: &str) {
        let model = self.model;
        let c = model.command(command);
        self.commands.insert(command);
        self.contexts.insert(c.context);
        let lines = if branched(model, command) {
            // One branch per alternative outcome: never all events together.
            c.outcomes
                .iter()
                .enumerate()
                .map(|(index, outcome)| Line {
                    text: if outcome.failure {
                        format!("outcome {} (failure)", outcome.name)
                    } else {
                        format!("outcome {}", outcome.name)
                    },
                    subject: None,
                    expand: Expand::Outcome(command, index),
                })
                .collect()
        } else {
            c.emits
                .iter()
                .map(|event| {
                    self.emits_line(*event, optional_in_only_outcome(model, command, *event))
                })
                .collect()
        };
        let mut lines: Vec<Line> = lines;
        // The policies its refusals set off (`on: { rejected }`), in model order.
        for target in model
            .graph
            .successors(NodeRef::Command(command), EdgeKind::Rejects)
        {
            let NodeRef::Policy(id) = target else {
                continue;
            };
            let Trigger::Rejection(rejected) = &model.policy(id).trigger else {
                continue;
            };
            let when = match rejected.error.and_then(|e| c.errors.get(e)) {
                Some(error) => format!("when refused with {}", error.name),
                None => "when refused".to_owned(),
            };
            lines.push(Line {
                text: format!(
                    "{when}: triggers rejection policy {}",
                    self.qualified_policy(id)
                ),
                subject: Some(target),
                expand: Expand::Node(target),
            });
        }
        self.children(lines, prefix);
    }

    fn visit_outcome(&mut self, command: CommandId, index: usize, prefix: &str) {
        let model = self.model;
        let Some(outcome) = model.command(command).outcomes.get(index) else {
            return;
        };
        if outcome.failure {
            self.failures.push(format!(
                "{} {}",
                model.qualified_command(command),
                outcome.name
            ));
        }
        let lines = outcome
            .events
            .iter()
            .map(|e| self.emits_line(e.event, e.optional))
            .collect();
        self.children(lines, prefix);
    }

    fn visit_event(&mut self, event: EventId, prefix: &str) {
        let model = self.model;
        let e = model.event(event);
        self.events.insert(event);
        self.contexts.insert(e.context);
        let node = NodeRef::Event(event);
        let mut lines = Vec::new();
        for target in model.graph.successors(node, EdgeKind::Feeds) {
            if let NodeRef::ReadModel(id) = target {
                let r = model.read_model(id);
                self.read_models.insert(id);
                self.contexts.insert(r.context);
                let cross = if r.context != e.context { CROSS } else { "" };
                // A read model a schedule goes over leads on to that schedule.
                let expand = if self.schedules_over(id).next().is_some() {
                    Expand::Node(target)
                } else {
                    Expand::Leaf
                };
                lines.push(Line {
                    text: format!(
                        "updates read model {}.{}{cross}",
                        model.context(r.context).name,
                        r.name
                    ),
                    subject: Some(target),
                    expand,
                });
            }
        }
        for target in model.graph.successors(node, EdgeKind::Triggers) {
            if let NodeRef::Process(id) = target {
                let p = model.process(id);
                let cross = if p.context != e.context { CROSS } else { "" };
                let Some(handler) = p.handler(event) else {
                    continue;
                };
                let role = match (handler.start, handler.complete) {
                    (true, true) => ", which it starts and completes",
                    (true, false) => ", which it starts",
                    (false, true) if p.deadlines.is_empty() => ", which it completes",
                    (false, true) => ", which it completes, cancelling its deadlines",
                    (false, false) => "",
                };
                lines.push(Line {
                    text: format!(
                        "handled by process {} (key {}){role}{cross}",
                        self.qualified_process(id),
                        p.key
                    ),
                    subject: Some(target),
                    expand: Expand::Handler(id, event),
                });
                continue;
            }
            if let NodeRef::Policy(id) = target {
                let p = model.policy(id);
                let cross = if p.context != e.context { CROSS } else { "" };
                let text = match &p.trigger {
                    Trigger::Deadline(_) => format!(
                        "starts the timer of {} ({}){cross}",
                        self.deadline_title(id),
                        self.timer_text(id)
                    ),
                    _ => format!("triggers policy {}{cross}", self.qualified_policy(id)),
                };
                lines.push(Line {
                    text,
                    subject: Some(target),
                    expand: Expand::Node(target),
                });
            }
        }
        // The deadlines this event stops: a leaf, since a cancelled timer sets nothing off.
        for (index, policy) in model.policies.iter().enumerate() {
            let Trigger::Deadline(deadline) = &policy.trigger else {
                continue;
            };
            if !deadline.unless.contains(&event) {
                continue;
            }
            let id = PolicyId(index as u32);
            let cross = if policy.context != e.context {
                CROSS
            } else {
                ""
            };
            let same = if deadline.correlate.is_empty() {
                String::new()
            } else {
                format!(" with the same {}", deadline.correlate)
            };
            lines.push(Line {
                text: format!(
                    "cancels the timer of {}{same}{cross}",
                    self.deadline_title(id)
                ),
                subject: Some(model.policy_node(id)),
                expand: Expand::Leaf,
            });
        }
        self.children(lines, prefix);
    }

    /// The schedule policies that issue a command per row of `read_model`.
    fn schedules_over(&self, read_model: ReadModelId) -> impl Iterator<Item = PolicyId> + '_ {
        self.model
            .policies
            .iter()
            .enumerate()
            .filter(move |(_, p)| {
                matches!(&p.trigger, Trigger::Schedule(s) if s.for_each == Some(read_model))
            })
            .map(|(index, _)| PolicyId(index as u32))
    }

    fn visit_read_model(&mut self, read_model: ReadModelId, prefix: &str) {
        let model = self.model;
        let lines = self
            .schedules_over(read_model)
            .map(|id| {
                let every = match &model.policy(id).trigger {
                    Trigger::Schedule(schedule) => every_text(schedule.every),
                    _ => String::new(),
                };
                Line {
                    text: format!(
                        "read by schedule policy {} ({every}, one command per row)",
                        self.qualified_policy(id)
                    ),
                    subject: Some(NodeRef::Policy(id)),
                    expand: Expand::Node(NodeRef::Policy(id)),
                }
            })
            .collect::<Vec<_>>();
        // A policy's `reads:` looks a row up when its own event sets it off: a leaf
        // here, since the row does not start the policy (its trigger does).
        let readers = model
            .policies
            .iter()
            .enumerate()
            .filter(|(_, p)| p.reads.as_ref().is_some_and(|r| r.read_model == read_model))
            .map(|(index, _)| {
                let id = PolicyId(index as u32);
                Line {
                    text: format!(
                        "read by policy {} (the row of each event it handles)",
                        self.qualified_policy(id)
                    ),
                    subject: Some(NodeRef::Policy(id)),
                    expand: Expand::Leaf,
                }
            });
        let lines = lines.into_iter().chain(readers).collect();
        self.children(lines, prefix);
    }

    fn visit_policy(&mut self, policy: PolicyId, prefix: &str) {
        let lines = self.policy_lines(policy);
        self.children(lines, prefix);
    }

    /// What a process does with `event`: its reaction's command and recoveries, and
    /// the timers of its deadlines when the event starts an instance.
    fn visit_handler(&mut self, process: ProcessId, event: EventId, prefix: &str) {
        let model = self.model;
        let p = model.process(process);
        self.contexts.insert(p.context);
        let Some(handler) = p.handler(event) else {
            return;
        };
        let mut lines = match handler.policy {
            Some(policy) => self.policy_lines(policy),
            None => Vec::new(),
        };
        if handler.start {
            for deadline in &p.deadlines {
                if !matches!(model.policy(deadline.policy).trigger, Trigger::Deadline(_)) {
                    continue;
                }
                lines.push(Line {
                    text: format!(
                        "starts the timer of {} ({})",
                        self.deadline_title(deadline.policy),
                        self.timer_text(deadline.policy)
                    ),
                    subject: None,
                    expand: Expand::Node(NodeRef::Policy(deadline.policy)),
                });
            }
        }
        self.children(lines, prefix);
    }

    /// The lines under a policy: the command it issues, its recoveries, its call.
    fn policy_lines(&mut self, policy: PolicyId) -> Vec<Line> {
        let model = self.model;
        let p = model.policy(policy);
        self.contexts.insert(p.context);
        if !matches!(p.trigger, Trigger::Events | Trigger::Rejection(_)) {
            self.timers.insert(policy);
        }
        let mut lines = Vec::new();
        if let Some(reads) = &p.reads {
            let key: Vec<String> = reads
                .key
                .iter()
                .map(|(part, field)| {
                    if part == field {
                        format!("`{field}`")
                    } else {
                        format!("`{field}` as `{part}`")
                    }
                })
                .collect();
            let rm = model.read_model(reads.read_model);
            lines.push(Line {
                text: format!(
                    "reads the row of {} in read model {}.{} (no row: kept as RowMissing)",
                    key.join(", "),
                    model.context(rm.context).name,
                    rm.name
                ),
                subject: Some(NodeRef::ReadModel(reads.read_model)),
                expand: Expand::Leaf,
            });
        }
        if let Some(command) = p.issues {
            let c = model.command(command);
            let condition = match &p.condition {
                Some(condition) => format!(" if \"{condition}\""),
                None => String::new(),
            };
            lines.push(Line {
                text: format!(
                    "issues command {} (aggregate {}){condition}{}",
                    model.qualified_command(command),
                    model.aggregate(c.aggregate).name,
                    self.inbox_marker(p.context, command)
                ),
                subject: Some(NodeRef::Command(command)),
                expand: Expand::Node(NodeRef::Command(command)),
            });
        }
        for recovery in &p.recovery {
            let Some(error) = self.error_name(p.issues, recovery.error) else {
                continue;
            };
            let line = match recovery.action {
                RecoveryAction::Issue(command) => {
                    self.compensations += 1;
                    Line {
                        text: format!(
                            "on error {error}: issues command {} (aggregate {}){}",
                            model.qualified_command(command),
                            model.aggregate(model.command(command).aggregate).name,
                            self.inbox_marker(p.context, command)
                        ),
                        subject: Some(NodeRef::Command(command)),
                        expand: Expand::Node(NodeRef::Command(command)),
                    }
                }
                RecoveryAction::Retry { times, after_secs } => {
                    let after = match after_secs {
                        Some(secs) => format!(", {} apart", duration_text(secs)),
                        None => String::new(),
                    };
                    let attempts = if times == 1 { "time" } else { "times" };
                    Line {
                        text: format!(
                            "on error {error}: retries the command up to {times} more {attempts}{after}"
                        ),
                        subject: None,
                        expand: Expand::Leaf,
                    }
                }
                RecoveryAction::Record(event) => Line {
                    text: format!(
                        "on error {error}: records event {} (aggregate {})",
                        model.qualified_event(event),
                        model.aggregate(model.event(event).aggregate).name
                    ),
                    subject: Some(NodeRef::Event(event)),
                    expand: Expand::Node(NodeRef::Event(event)),
                },
                RecoveryAction::Park => Line {
                    text: format!(
                        "on error {error}: parked in the {} rejections",
                        model.context(p.context).name
                    ),
                    subject: None,
                    expand: Expand::Leaf,
                },
            };
            lines.push(line);
        }
        if let Some(external) = p.calls {
            self.externals.insert(external);
            lines.push(Line {
                text: format!("calls external {}", model.externals[external.index()].name),
                subject: Some(NodeRef::External(external)),
                expand: Expand::Leaf,
            });
        }
        lines
    }

    /// Prints `lines` under `prefix`, expanding each line's node unless it closes a
    /// cycle or was expanded before.
    fn children(&mut self, lines: Vec<Line>, prefix: &str) {
        let count = lines.len();
        for (index, line) in lines.into_iter().enumerate() {
            let last = index + 1 == count;
            let branch = if last { "└── " } else { "├── " };
            let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
            let node = match line.expand {
                Expand::Leaf => {
                    let _ = writeln!(self.out, "{prefix}{branch}{}", line.text);
                    self.mark(line.subject, &deeper);
                    continue;
                }
                Expand::Outcome(command, index) => {
                    // An outcome belongs to its command, which is expanded once: no
                    // cycle or repeat can reach it twice.
                    let _ = writeln!(self.out, "{prefix}{branch}{}", line.text);
                    self.visit_outcome(command, index, &deeper);
                    continue;
                }
                Expand::Handler(process, event) => {
                    // Under its event, which is expanded once; the commands below it
                    // are on the path, so a loop through the process is still caught.
                    let _ = writeln!(self.out, "{prefix}{branch}{}", line.text);
                    self.mark(line.subject, &deeper);
                    self.visit_handler(process, event, &deeper);
                    continue;
                }
                Expand::Node(node) => node,
            };
            if self.path.contains(&node) {
                self.cycles += 1;
                let _ = writeln!(
                    self.out,
                    "{prefix}{branch}{}  ↺ cycle back to {}",
                    line.text,
                    self.name(node)
                );
                continue;
            }
            if !self.expanded.insert(node) {
                let _ = writeln!(self.out, "{prefix}{branch}{}  (see above)", line.text);
                continue;
            }
            let _ = writeln!(self.out, "{prefix}{branch}{}", line.text);
            self.mark(line.subject, &deeper);
            self.path.push(node);
            match node {
                NodeRef::Command(id) => self.visit_command(id, &deeper),
                NodeRef::Event(id) => self.visit_event(id, &deeper),
                NodeRef::Policy(id) => self.visit_policy(id, &deeper),
                NodeRef::ReadModel(id) => self.visit_read_model(id, &deeper),
                _ => {}
            }
            self.path.pop();
        }
    }

    /// Prints the findings about `subject` (once: a subject seen again is not marked
    /// again, because the tree prints an element's subtree once too).
    fn mark(&mut self, subject: Option<NodeRef>, prefix: &str) {
        let Some(subject) = subject else {
            return;
        };
        if !self.seen.insert(subject) {
            return;
        }
        let findings = self.findings;
        for finding in findings.iter().filter(|f| f.subject == Some(subject)) {
            let _ = writeln!(self.out, "{prefix}⚠ {}", finding.text);
            self.marked += 1;
        }
    }

    fn name(&self, node: NodeRef) -> String {
        match node {
            NodeRef::Command(id) => format!("command {}", self.model.qualified_command(id)),
            NodeRef::Event(id) => format!("event {}", self.model.qualified_event(id)),
            NodeRef::Policy(id) => match self.model.policy(id).process {
                Some(_) => self.deadline_title(id),
                None => format!("policy {}", self.qualified_policy(id)),
            },
            NodeRef::ReadModel(id) => {
                let r = self.model.read_model(id);
                format!(
                    "read model {}.{}",
                    self.model.context(r.context).name,
                    r.name
                )
            }
            _ => String::new(),
        }
    }

    fn summary(mut self) -> String {
        let model = self.model;
        let contexts: Vec<&str> = self
            .contexts
            .iter()
            .map(|c| model.context(*c).name.as_str())
            .collect();
        let read_models: Vec<String> = self
            .read_models
            .iter()
            .map(|r| {
                let r = model.read_model(*r);
                format!("{}.{}", model.context(r.context).name, r.name)
            })
            .collect();
        let externals: Vec<&str> = self
            .externals
            .iter()
            .map(|e| model.externals[e.index()].name.as_str())
            .collect();
        let list = |items: &[String]| {
            if items.is_empty() {
                String::new()
            } else {
                format!(" ({})", items.join(", "))
            }
        };
        let out = &mut self.out;
        out.push_str("\nsummary\n");
        let _ = writeln!(
            out,
            "  contexts touched:      {}{}",
            contexts.len(),
            list(&contexts.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>())
        );
        let _ = writeln!(out, "  commands:              {}", self.commands.len());
        let _ = writeln!(out, "  events:                {}", self.events.len());
        let _ = writeln!(
            out,
            "  read models updated:   {}{}",
            read_models.len(),
            list(&read_models)
        );
        let _ = writeln!(
            out,
            "  external systems:      {}{}",
            externals.len(),
            list(
                &externals
                    .iter()
                    .map(|e| (*e).to_owned())
                    .collect::<Vec<_>>()
            )
        );
        // The lines of the flow constructs appear only when the trace reached them, so
        // the summary of a model without them is as before.
        if !self.failures.is_empty() {
            let _ = writeln!(
                out,
                "  failure outcomes:      {} ({})",
                self.failures.len(),
                self.failures.join(", ")
            );
        }
        if !self.timers.is_empty() {
            let timers: Vec<String> = self
                .timers
                .iter()
                .map(|id| {
                    let p = model.policy(*id);
                    let when = match &p.trigger {
                        Trigger::Deadline(d) => format!("after {}", duration_text(d.delay_secs)),
                        Trigger::Schedule(s) => every_text(s.every),
                        Trigger::Events | Trigger::Rejection(_) => String::new(),
                    };
                    // A process's deadline is named under its process.
                    let name = match p.process {
                        Some(process) => {
                            let process = model.process(process);
                            let deadline = process
                                .deadlines
                                .iter()
                                .find(|d| d.policy == *id)
                                .map_or(p.name.as_str(), |d| d.name.as_str());
                            format!("{}.{deadline}", process.name)
                        }
                        None => p.name.clone(),
                    };
                    format!("{}.{name} {when}", model.context(p.context).name)
                })
                .collect();
            let _ = writeln!(
                out,
                "  timers:                {} ({})",
                timers.len(),
                timers.join(", ")
            );
        }
        if self.compensations > 0 {
            let _ = writeln!(out, "  compensations:         {}", self.compensations);
        }
        let _ = writeln!(out, "  cycles:                {}", self.cycles);
        if !self.findings.is_empty() {
            let _ = writeln!(
                out,
                "  findings marked (⚠):   {} of {} in the model",
                self.marked,
                self.findings.len()
            );
        }
        self.out
    }
}
