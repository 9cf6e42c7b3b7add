//! The flow graph.
//!
//! It answers one question: *what follows from what* — who issues a command, which
//! events a command emits, which policies and read models an event sets off, and
//! whom a policy calls. Structure (what contains what) lives in the arenas of
//! [`super::Model`]; only causal edges and context membership are here.

use super::{
    ActorId, AggregateId, CommandId, ContextId, EventId, ExternalId, Issuer, Model, PolicyId,
    ProcessId, ReadModelId, RecoveryAction, Trigger,
};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use std::collections::{BTreeMap, BTreeSet};

/// A model element as a graph node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeRef {
    /// A person or role.
    Actor(ActorId),
    /// An external system.
    External(ExternalId),
    /// A bounded context.
    Context(ContextId),
    /// An aggregate.
    Aggregate(AggregateId),
    /// A command.
    Command(CommandId),
    /// An event.
    Event(EventId),
    /// A policy.
    Policy(PolicyId),
    /// A process manager, with its reactions and deadlines.
    Process(ProcessId),
    /// A read model.
    ReadModel(ReadModelId),
}

/// What an edge means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// Context → aggregate, policy, process or read model it holds.
    Contains,
    /// Actor, external or policy → command.
    Issues,
    /// Aggregate → command it handles.
    Handles,
    /// Command → event.
    Emits,
    /// Event → policy or process.
    Triggers,
    /// Event → read model.
    Feeds,
    /// Policy → external system.
    Calls,
    /// Policy → the compensating command of an `on_error:` recovery.
    Compensates,
    /// Policy → the event an `on_error:` recovery records (`record:`).
    Records,
    /// Event → deadline policy whose timer it cancels (`unless:`).
    Cancels,
    /// Read model → schedule policy that issues a command per row (`for_each:`).
    Reads,
    /// Command → policy set off by its refusals (`on: { rejected }`).
    Rejects,
}

/// The flow graph of a model. Nodes and edges are added in model order, and every
/// query returns its results sorted, so nothing depends on hash order.
#[derive(Debug, Clone, Default)]
pub struct FlowGraph {
    graph: DiGraph<NodeRef, EdgeKind>,
    index: BTreeMap<NodeRef, NodeIndex>,
    /// The causal edges of processes' reactions and deadlines, each as its own policy
    /// (event → policy, policy → command): a process is one node of the graph, but
    /// which of its events leads to which command decides whether a loop is real.
    reactions: Vec<(NodeRef, NodeRef, EdgeKind)>,
}

impl FlowGraph {
    /// The graph of a resolved model: every element a node, every causal link an
    /// edge, in model order (so the graph is the same for the same model).
    pub fn build(model: &Model) -> FlowGraph {
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
            for process in &context.processes {
                graph.add_edge(id, NodeRef::Process(*process), EdgeKind::Contains);
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
        for (index, process) in model.processes.iter().enumerate() {
            let id = NodeRef::Process(ProcessId(index as u32));
            for handler in &process.handlers {
                graph.add_edge(NodeRef::Event(handler.event), id, EdgeKind::Triggers);
            }
        }
        for (index, policy) in model.policies.iter().enumerate() {
            // A process's reactions and deadlines are edges of the process's one node;
            // its deadlines start with the instance, on the start events drawn above.
            let id = model.policy_node(PolicyId(index as u32));
            if policy.process.is_none() {
                for event in &policy.on {
                    graph.add_edge(NodeRef::Event(*event), id, EdgeKind::Triggers);
                }
            } else {
                let own = NodeRef::Policy(PolicyId(index as u32));
                for event in &policy.on {
                    graph
                        .reactions
                        .push((NodeRef::Event(*event), own, EdgeKind::Triggers));
                }
                if let Some(command) = policy.issues {
                    graph
                        .reactions
                        .push((own, NodeRef::Command(command), EdgeKind::Issues));
                }
            }
            if let Some(command) = policy.issues {
                graph.add_edge(id, NodeRef::Command(command), EdgeKind::Issues);
            }
            if let Some(external) = policy.calls {
                graph.add_edge(id, NodeRef::External(external), EdgeKind::Calls);
            }
            for recovery in &policy.recovery {
                match recovery.action {
                    RecoveryAction::Issue(command) => {
                        graph.add_edge(id, NodeRef::Command(command), EdgeKind::Compensates);
                    }
                    RecoveryAction::Record(event) => {
                        graph.add_edge(id, NodeRef::Event(event), EdgeKind::Records);
                    }
                    RecoveryAction::Retry { .. } | RecoveryAction::Park => {}
                }
            }
            match &policy.trigger {
                Trigger::Events => {}
                Trigger::Rejection(rejected) => {
                    graph.add_edge(NodeRef::Command(rejected.command), id, EdgeKind::Rejects);
                }
                Trigger::Deadline(deadline) => {
                    for event in &deadline.unless {
                        graph.add_edge(NodeRef::Event(*event), id, EdgeKind::Cancels);
                    }
                }
                Trigger::Schedule(schedule) => {
                    if let Some(read_model) = schedule.for_each {
                        graph.add_edge(NodeRef::ReadModel(read_model), id, EdgeKind::Reads);
                    }
                }
            }
            // `reads:` looks up a row when the policy's own event sets it off; not a
            // causal edge (the row does not start the policy).
            if let Some(reads) = &policy.reads {
                graph.add_edge(NodeRef::ReadModel(reads.read_model), id, EdgeKind::Reads);
            }
        }
        for (index, read_model) in model.read_models.iter().enumerate() {
            let id = NodeRef::ReadModel(ReadModelId(index as u32));
            for event in &read_model.from {
                graph.add_edge(NodeRef::Event(*event), id, EdgeKind::Feeds);
            }
        }
        graph
    }

    /// Adds a node (once).
    pub fn add_node(&mut self, node: NodeRef) -> NodeIndex {
        if let Some(index) = self.index.get(&node) {
            return *index;
        }
        let index = self.graph.add_node(node);
        self.index.insert(node, index);
        index
    }

    /// Adds an edge (once) between two nodes, adding them as needed.
    pub fn add_edge(&mut self, from: NodeRef, to: NodeRef, kind: EdgeKind) {
        let a = self.add_node(from);
        let b = self.add_node(to);
        let exists = self
            .graph
            .edges_connecting(a, b)
            .any(|edge| *edge.weight() == kind);
        if !exists {
            self.graph.add_edge(a, b, kind);
        }
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Targets of `from`'s outgoing edges of one kind, sorted.
    pub fn successors(&self, from: NodeRef, kind: EdgeKind) -> Vec<NodeRef> {
        self.neighbours(from, kind, Direction::Outgoing)
    }

    /// Sources of `to`'s incoming edges of one kind, sorted.
    pub fn predecessors(&self, to: NodeRef, kind: EdgeKind) -> Vec<NodeRef> {
        self.neighbours(to, kind, Direction::Incoming)
    }

    fn neighbours(&self, node: NodeRef, kind: EdgeKind, direction: Direction) -> Vec<NodeRef> {
        let Some(index) = self.index.get(&node) else {
            return Vec::new();
        };
        let mut found: Vec<NodeRef> = self
            .graph
            .edges_directed(*index, direction)
            .filter(|edge| *edge.weight() == kind)
            .map(|edge| {
                let other = match direction {
                    Direction::Outgoing => edge.target(),
                    Direction::Incoming => edge.source(),
                };
                self.graph[other]
            })
            .collect();
        found.sort();
        found.dedup();
        found
    }

    /// Every edge as (from, to, kind), sorted.
    pub fn edges(&self) -> Vec<(NodeRef, NodeRef, EdgeKind)> {
        let mut edges: Vec<_> = self
            .graph
            .edge_references()
            .map(|e| (self.graph[e.source()], self.graph[e.target()], *e.weight()))
            .collect();
        edges.sort();
        edges
    }

    /// The causal successors of a node: what it issues, emits, triggers, feeds or calls.
    pub fn causal_successors(&self, from: NodeRef) -> Vec<NodeRef> {
        let mut found = Vec::new();
        for kind in [
            EdgeKind::Issues,
            EdgeKind::Emits,
            EdgeKind::Triggers,
            EdgeKind::Feeds,
            EdgeKind::Calls,
        ] {
            found.extend(self.successors(from, kind));
        }
        found.sort();
        found.dedup();
        found
    }

    /// Everything reachable from `start` along causal edges, `start` included, sorted.
    pub fn reachable(&self, start: NodeRef) -> BTreeSet<NodeRef> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            if seen.insert(node) {
                stack.extend(self.causal_successors(node));
            }
        }
        seen
    }

    /// The policy cycles: each is a closed walk command → event → policy → command …,
    /// starting at its smallest command. One cycle is reported per strongly connected
    /// component, so a tangle of loops produces one warning, not dozens. A process's
    /// reactions and deadlines take part as the policies they are lowered to.
    pub fn policy_cycles(&self) -> Vec<Vec<NodeRef>> {
        // The cycle subgraph: only command/event/policy nodes and the edges between them.
        let mut flow: DiGraph<NodeRef, ()> = DiGraph::new();
        let mut nodes: BTreeMap<NodeRef, NodeIndex> = BTreeMap::new();
        let mut next: BTreeMap<NodeRef, BTreeSet<NodeRef>> = BTreeMap::new();
        let plain = self.edges().into_iter().filter(|(from, to, kind)| {
            let in_flow = |n: &NodeRef| {
                matches!(
                    n,
                    NodeRef::Command(_) | NodeRef::Event(_) | NodeRef::Policy(_)
                )
            };
            in_flow(from)
                && in_flow(to)
                && matches!(
                    kind,
                    EdgeKind::Emits | EdgeKind::Triggers | EdgeKind::Issues
                )
        });
        let mut edges: Vec<(NodeRef, NodeRef, EdgeKind)> = plain.collect();
        edges.extend(self.reactions.iter().copied());
        edges.sort();
        edges.dedup();
        for (from, to, _) in &edges {
            let a = *nodes.entry(*from).or_insert_with(|| flow.add_node(*from));
            let b = *nodes.entry(*to).or_insert_with(|| flow.add_node(*to));
            flow.add_edge(a, b, ());
            next.entry(*from).or_default().insert(*to);
        }
        let mut cycles = Vec::new();
        for component in petgraph::algo::tarjan_scc(&flow) {
            let members: BTreeSet<NodeRef> = component.iter().map(|i| flow[*i]).collect();
            let is_cycle = members.len() > 1
                || component
                    .iter()
                    .any(|i| flow.edges_connecting(*i, *i).next().is_some());
            if !is_cycle {
                continue;
            }
            let Some(start) = members
                .iter()
                .find(|n| matches!(n, NodeRef::Command(_)))
                .or_else(|| members.iter().next())
                .copied()
            else {
                continue;
            };
            if let Some(path) = cycle_through(&next, start, &members) {
                cycles.push(path);
            }
        }
        cycles.sort();
        cycles
    }
}

/// The shortest closed walk from `start` back to itself inside `members`, along `next`.
fn cycle_through(
    next: &BTreeMap<NodeRef, BTreeSet<NodeRef>>,
    start: NodeRef,
    members: &BTreeSet<NodeRef>,
) -> Option<Vec<NodeRef>> {
    let mut previous: BTreeMap<NodeRef, NodeRef> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for next in next.get(&node).into_iter().flatten().copied() {
            if !members.contains(&next) {
                continue;
            }
            if next == start {
                // Walk the BFS tree back from `node` to `start`, then turn it round.
                let mut back = Vec::new();
                let mut cursor = node;
                while cursor != start {
                    back.push(cursor);
                    cursor = previous[&cursor];
                }
                back.reverse();
                let mut path = vec![start];
                path.extend(back);
                path.push(start);
                return Some(path);
            }
            if let std::collections::btree_map::Entry::Vacant(entry) = previous.entry(next) {
                entry.insert(node);
                queue.push_back(next);
            }
        }
    }
    None
}
