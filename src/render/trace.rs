//! The causal chain of one command, as an indented tree for a reviewer.
//!
//! command → the events it emits → for each event, the read models it updates and
//! the policies it triggers → the command each policy issues (in any context) or the
//! external system it calls → … A command, event or policy that is already on the
//! current path closes a cycle and is marked `↺`; one that was expanded earlier in
//! the tree says `(see above)`, so shared subtrees are printed once.
//!
//! On a flawed design ([`trace_marked`]), each finding of `check` is printed once,
//! as a `⚠` line under the element it is about.

use crate::ir::{CommandId, ContextId, EdgeKind, EventId, Model, NodeRef, PolicyId};
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
    tracer.mark(NodeRef::Command(command), "");
    tracer.path.push(NodeRef::Command(command));
    tracer.expanded.insert(NodeRef::Command(command));
    tracer.visit_command(command, "");
    tracer.summary()
}

/// One line of the tree: its text, the element it names (for findings), and the node
/// to expand under it (if any).
struct Line {
    text: String,
    subject: NodeRef,
    node: Option<NodeRef>,
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
    cycles: usize,
}

const CROSS: &str = "  [cross-context]";

impl Tracer<'_> {
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
                NodeRef::Policy(id) => Some(format!("policy {}", self.qualified_policy(id))),
                _ => None,
            })
            .collect();
        if who.is_empty() {
            who.push("nobody".to_owned());
        }
        who.join(", ")
    }

    fn qualified_policy(&self, id: PolicyId) -> String {
        let p = self.model.policy(id);
        format!("{}.{}", self.model.context(p.context).name, p.name)
    }

    fn visit_command(&mut self, command: CommandId, prefix: &str) {
        let model = self.model;
        let c = model.command(command);
        self.commands.insert(command);
        self.contexts.insert(c.context);
        let lines = c
            .emits
            .iter()
            .map(|event| {
                let e = model.event(*event);
                let published = if e.published { " (published)" } else { "" };
                Line {
                    text: format!("emits event {}{published}", model.qualified_event(*event)),
                    subject: NodeRef::Event(*event),
                    node: Some(NodeRef::Event(*event)),
                }
            })
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
                lines.push(Line {
                    text: format!(
                        "updates read model {}.{}{cross}",
                        model.context(r.context).name,
                        r.name
                    ),
                    subject: target,
                    node: None,
                });
            }
        }
        for target in model.graph.successors(node, EdgeKind::Triggers) {
            if let NodeRef::Policy(id) = target {
                let cross = if model.policy(id).context != e.context {
                    CROSS
                } else {
                    ""
                };
                lines.push(Line {
                    text: format!("triggers policy {}{cross}", self.qualified_policy(id)),
                    subject: target,
                    node: Some(target),
                });
            }
        }
        self.children(lines, prefix);
    }

    fn visit_policy(&mut self, policy: PolicyId, prefix: &str) {
        let model = self.model;
        let p = model.policy(policy);
        self.contexts.insert(p.context);
        let mut lines = Vec::new();
        if let Some(command) = p.issues {
            let c = model.command(command);
            let cross = if c.context != p.context { CROSS } else { "" };
            lines.push(Line {
                text: format!(
                    "issues command {} (aggregate {}){cross}",
                    model.qualified_command(command),
                    model.aggregate(c.aggregate).name
                ),
                subject: NodeRef::Command(command),
                node: Some(NodeRef::Command(command)),
            });
        }
        if let Some(external) = p.calls {
            self.externals.insert(external);
            lines.push(Line {
                text: format!("calls external {}", model.externals[external.index()].name),
                subject: NodeRef::External(external),
                node: None,
            });
        }
        self.children(lines, prefix);
    }

    /// Prints `lines` under `prefix`, expanding each line's node unless it closes a
    /// cycle or was expanded before.
    fn children(&mut self, lines: Vec<Line>, prefix: &str) {
        let count = lines.len();
        for (index, line) in lines.into_iter().enumerate() {
            let last = index + 1 == count;
            let branch = if last { "└── " } else { "├── " };
            let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
            let Some(node) = line.node else {
                let _ = writeln!(self.out, "{prefix}{branch}{}", line.text);
                self.mark(line.subject, &deeper);
                continue;
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
                _ => {}
            }
            self.path.pop();
        }
    }

    /// Prints the findings about `subject` (once: a subject seen again is not marked
    /// again, because the tree prints an element's subtree once too).
    fn mark(&mut self, subject: NodeRef, prefix: &str) {
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
            NodeRef::Policy(id) => format!("policy {}", self.qualified_policy(id)),
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
