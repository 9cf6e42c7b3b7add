//! Which items a view shows: the selection of elements (and which of them are faded),
//! the edges between them, and their grouping into context clusters and aggregate
//! bands. The result is a [`Diagram`], which the format writers only lay out.

use super::flows::{self, semantic_edges};
use super::{Band, Cluster, Diagram, Edge, Item, Kind, Legend, Link, Node, View};
use crate::ir::{
    AggregateId, CommandId, ContextId, EdgeKind, HotspotTarget, Issuer, Model, NodeRef, Pattern,
};
use crate::model::ast::Persistence;
use crate::render::wrap;
use std::collections::{BTreeMap, BTreeSet};

/// Which items a view includes, and which of them are faded.
struct Selection<'m> {
    model: &'m Model,
    items: BTreeMap<Item, bool>,
}

impl<'m> Selection<'m> {
    /// An empty selection.
    fn new(model: &'m Model) -> Self {
        Selection {
            model,
            items: BTreeMap::new(),
        }
    }

    /// Adds an item; an item added both faded and not faded is not faded.
    fn add(&mut self, item: Item, faded: bool) {
        let entry = self.items.entry(item).or_insert(faded);
        *entry = *entry && faded;
    }

    /// Adds a model element; see [`Selection::add`]. A process's deadline is drawn
    /// as its timer (beside the process), never as a policy of its own.
    fn node(&mut self, node: NodeRef, faded: bool) {
        if let NodeRef::Policy(id) = node {
            if let Some(process) = self.model.policy(id).process {
                self.add(Item::Node(NodeRef::Process(process)), faded);
                if flows::timed(self.model, id) {
                    self.add(Item::Timer(id), faded);
                }
                return;
            }
        }
        self.add(Item::Node(node), faded);
    }

    /// Adds the aggregate of every included command and event, so each can be drawn
    /// in its band.
    fn aggregates(&mut self) {
        let owners: Vec<(NodeRef, bool)> = self
            .items
            .iter()
            .filter_map(|(item, faded)| {
                let aggregate = match item {
                    Item::Node(NodeRef::Command(id)) => self.model.command(*id).aggregate,
                    Item::Node(NodeRef::Event(id)) => self.model.event(*id).aggregate,
                    _ => return None,
                };
                Some((NodeRef::Aggregate(aggregate), *faded))
            })
            .collect();
        for (aggregate, faded) in owners {
            self.node(aggregate, faded);
        }
    }

    /// Adds what the flow constructs draw beside the elements: the outcome forks of
    /// every included command that branches (not of a faded neighbour's: its events
    /// are not this view's), and the timer or clock of every included timed policy.
    fn flow_constructs(&mut self) {
        let mut derived = Vec::new();
        for (item, faded) in &self.items {
            match item {
                Item::Node(NodeRef::Command(id)) if !faded && flows::branched(self.model, *id) => {
                    let outcomes = self.model.command(*id).outcomes.len();
                    derived.extend((0..outcomes).map(|i| (Item::Outcome(*id, i), false)));
                }
                Item::Node(NodeRef::Policy(id)) if flows::timed(self.model, *id) => {
                    derived.push((Item::Timer(*id), *faded));
                }
                Item::Node(NodeRef::Process(id)) => {
                    for deadline in &self.model.process(*id).deadlines {
                        if flows::timed(self.model, deadline.policy) {
                            derived.push((Item::Timer(deadline.policy), *faded));
                        }
                    }
                }
                _ => {}
            }
        }
        for (item, faded) in derived {
            self.add(item, faded);
        }
    }

    /// Whether a model element is in the view.
    fn contains(&self, node: NodeRef) -> bool {
        self.items.contains_key(&Item::Node(node))
    }

    /// Whether an item is in the view, and faded.
    fn faded(&self, item: Item) -> Option<bool> {
        self.items.get(&item).copied()
    }

    /// Every hotspot about an included element, or written in one of `contexts`
    /// without a particular element (or, on the `board`, anywhere).
    fn hotspots(&mut self, contexts: &BTreeSet<ContextId>, board: bool) {
        for (index, hotspot) in self.model.hotspots.iter().enumerate() {
            match hotspot.target {
                HotspotTarget::Node(NodeRef::Context(id)) if contexts.contains(&id) => {
                    self.add(Item::Hotspot(index), false);
                }
                HotspotTarget::Node(target) => {
                    // A neighbour's open questions belong to its own context's view.
                    if self.items.get(&Item::Node(target)) == Some(&false) {
                        self.add(Item::Hotspot(index), false);
                    }
                }
                HotspotTarget::None => {
                    let shown = match hotspot.context {
                        Some(context) => contexts.contains(&context),
                        None => board,
                    };
                    if shown {
                        self.add(Item::Hotspot(index), false);
                    }
                }
            }
        }
    }
}

/// The bounded context an element belongs to, if any.
fn context_of(model: &Model, node: NodeRef) -> Option<ContextId> {
    match node {
        NodeRef::Actor(_) | NodeRef::External(_) | NodeRef::Context(_) => None,
        NodeRef::Aggregate(id) => Some(model.aggregate(id).context),
        NodeRef::Command(id) => Some(model.command(id).context),
        NodeRef::Event(id) => Some(model.event(id).context),
        NodeRef::Policy(id) => Some(model.policy(id).context),
        NodeRef::Process(id) => Some(model.process(id).context),
        NodeRef::ReadModel(id) => Some(model.read_model(id).context),
    }
}

/// The context a hotspot is drawn in: its target's, else the one it is written in.
fn hotspot_context(model: &Model, index: usize) -> Option<ContextId> {
    let hotspot = &model.hotspots[index];
    match hotspot.target {
        HotspotTarget::Node(NodeRef::Context(id)) => Some(id),
        HotspotTarget::Node(node) => context_of(model, node),
        HotspotTarget::None => hotspot.context,
    }
}

/// The context an item is drawn in, if any.
fn item_context(model: &Model, item: Item) -> Option<ContextId> {
    match item {
        Item::Node(node) => context_of(model, node),
        Item::Hotspot(index) => hotspot_context(model, index),
        Item::Outcome(command, _) => Some(model.command(command).context),
        Item::Timer(policy) => Some(model.policy(policy).context),
    }
}

impl Diagram {
    /// Builds the diagram of a view.
    pub(super) fn build(model: &Model, view: &View) -> Diagram {
        match view {
            View::ContextMap => Diagram::context_map(model, view),
            _ => Diagram::flow_view(model, view),
        }
    }

    /// The board, one context, or one command's flow: stickies and causal edges.
    fn flow_view(model: &Model, view: &View) -> Diagram {
        let mut selection = Selection::new(model);
        let all_edges = semantic_edges(model);
        let mut shown_contexts = BTreeSet::new();
        let mut emphasised = None;
        let mut reach = None;
        match view {
            // The context map is drawn by `context_map`; should it get here, the
            // whole board is the honest answer.
            View::Board | View::ContextMap => {
                for node in board_nodes(model) {
                    selection.node(node, false);
                }
                shown_contexts.extend((0..model.contexts.len()).map(|i| ContextId(i as u32)));
            }
            View::Context(id) => {
                select_context(model, *id, &all_edges, &mut selection);
                shown_contexts.insert(*id);
            }
            View::Flow(command) => {
                let start = NodeRef::Command(*command);
                emphasised = Some(Item::Node(start));
                let reached = flows::flow_reach(&all_edges, start);
                for node in &reached {
                    selection.node(*node, false);
                }
                // A timer an event of the flow cancels is drawn (that is what the
                // event does), but what the timer would set off is not followed.
                for policy in flows::cancelled_by(&all_edges, &reached) {
                    selection.node(policy, false);
                }
                for issuer in &model.command(*command).issued_by {
                    selection.node(issuer_node(*issuer), false);
                }
                reach = Some(reached);
            }
        }
        selection.aggregates();
        selection.flow_constructs();
        selection.hotspots(&shown_contexts, *view == View::Board);

        let mut drawn: BTreeMap<(Item, Item, Link), Edge> = BTreeMap::new();
        for (from, to, link) in &all_edges {
            if let (Some(reach), View::Flow(start)) = (&reach, view) {
                // In a flow, draw what follows from the start, plus who issues the start
                // command.
                let causal = reach.contains(from);
                let issues_start = *link == Link::Issues && *to == NodeRef::Command(*start);
                if !causal && !issues_start {
                    continue;
                }
            }
            for (a, b, link, label) in route(model, *from, *to, *link) {
                let via_inbox =
                    matches!(link, Link::Issues | Link::Compensates) && is_cross(model, *from, *to);
                add_edge(&mut drawn, &selection, model, a, b, link, label, via_inbox);
            }
        }
        // The fork of each drawn outcome, and the timer setting off each timed policy.
        for item in selection.items.keys() {
            match *item {
                Item::Outcome(command, _) => {
                    let from = Item::Node(NodeRef::Command(command));
                    add_edge(
                        &mut drawn,
                        &selection,
                        model,
                        from,
                        *item,
                        Link::Outcome,
                        Vec::new(),
                        false,
                    );
                }
                // A process's deadline timer issues its command itself (drawn by
                // `route`): the process is drawn once, not set off by its own timers.
                Item::Timer(policy) if model.policy(policy).process.is_none() => {
                    let to = Item::Node(NodeRef::Policy(policy));
                    add_edge(
                        &mut drawn,
                        &selection,
                        model,
                        *item,
                        to,
                        Link::Fires,
                        Vec::new(),
                        false,
                    );
                }
                _ => {}
            }
        }
        let mut edges: Vec<Edge> = drawn.into_values().collect();
        for item in selection.items.keys() {
            if let Item::Hotspot(index) = item {
                if let HotspotTarget::Node(target) = model.hotspots[*index].target {
                    if selection.contains(target) {
                        edges.push(Edge {
                            from: *item,
                            to: Item::Node(target),
                            link: Link::Hotspot,
                            label: Vec::new(),
                            cross: false,
                            faded: selection.items[item],
                            via_inbox: false,
                        });
                    }
                }
            }
        }

        let mut nodes = BTreeMap::new();
        for (item, faded) in &selection.items {
            let mut node = make_node(model, *item, *faded);
            node.emphasised = emphasised == Some(*item);
            nodes.insert(*item, node);
        }
        let (loose, clusters) = group(model, &selection.items, view);
        let legend = (*view == View::Board).then(|| Legend::of(&nodes, &edges));
        Diagram {
            title: view.title(model),
            nodes,
            loose,
            clusters,
            edges,
            legend,
        }
    }

    /// Contexts as nodes; one edge per relation kind between two contexts.
    fn context_map(model: &Model, view: &View) -> Diagram {
        let mut nodes = BTreeMap::new();
        let mut loose = Vec::new();
        for (index, context) in model.contexts.iter().enumerate() {
            let id = ContextId(index as u32);
            let item = Item::Node(NodeRef::Context(id));
            let mut lines = vec![context.name.clone()];
            // One pattern a line, so no pattern name is broken in two.
            lines.extend(model.patterns(id).iter().map(|p| p.label().to_owned()));
            nodes.insert(
                item,
                Node {
                    kind: Kind::Context,
                    key: format!("context:{}", context.name),
                    lines,
                    faded: false,
                    emphasised: false,
                    published: false,
                    failure: false,
                },
            );
            loose.push(item);
        }
        let mut edges = Vec::new();
        let mut couplings = couplings(model);
        let mut pairs: BTreeSet<(ContextId, ContextId)> = couplings.keys().copied().collect();
        let relations: BTreeMap<(ContextId, ContextId), _> = model
            .context_relations()
            .into_iter()
            .map(|r| ((r.upstream, r.downstream), r))
            .collect();
        pairs.extend(relations.keys().copied());
        for pair in pairs {
            let from = Item::Node(NodeRef::Context(pair.0));
            let to = Item::Node(NodeRef::Context(pair.1));
            if let Some(relation) = relations.get(&pair).filter(|r| !r.events.is_empty()) {
                let mut by_pattern: BTreeMap<Pattern, Vec<String>> = BTreeMap::new();
                for (event, pattern) in &relation.events {
                    by_pattern
                        .entry(*pattern)
                        .or_default()
                        .push(model.event(*event).name.clone());
                }
                let label = by_pattern
                    .into_iter()
                    .flat_map(|(pattern, events)| {
                        wrap(&format!("{}: {}", pattern.label(), events.join(", ")), 40)
                    })
                    .collect();
                edges.push(Edge {
                    from,
                    to,
                    link: Link::Publishes,
                    label,
                    cross: true,
                    faded: false,
                    via_inbox: false,
                });
            }
            if let Some(coupling) = couplings.remove(&pair) {
                let names = |commands: &[CommandId]| {
                    commands
                        .iter()
                        .map(|c| model.command(*c).name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let mut label = Vec::new();
                if !coupling.issues.is_empty() {
                    label.extend(wrap(&format!("issues {}", names(&coupling.issues)), 40));
                }
                if !coupling.compensates.is_empty() {
                    label.extend(wrap(
                        &format!("compensates with {}", names(&coupling.compensates)),
                        40,
                    ));
                }
                label.push("via inbox".to_owned());
                edges.push(Edge {
                    from,
                    to,
                    link: Link::Couples,
                    label,
                    cross: true,
                    faded: false,
                    via_inbox: true,
                });
            }
        }
        for (index, hotspot) in model.hotspots.iter().enumerate() {
            let target = match hotspot.target {
                HotspotTarget::Node(NodeRef::Context(id)) => id,
                HotspotTarget::None => match hotspot.context {
                    Some(id) => id,
                    None => continue,
                },
                HotspotTarget::Node(_) => continue,
            };
            let item = Item::Hotspot(index);
            nodes.insert(item, make_node(model, item, false));
            loose.push(item);
            edges.push(Edge {
                from: item,
                to: Item::Node(NodeRef::Context(target)),
                link: Link::Hotspot,
                label: Vec::new(),
                cross: false,
                faded: false,
                via_inbox: false,
            });
        }
        Diagram {
            title: view.title(model),
            nodes,
            loose,
            clusters: Vec::new(),
            edges,
            legend: None,
        }
    }
}

/// The commands one context's policies send to another: issued, and compensating.
#[derive(Default)]
struct Coupling {
    issues: Vec<CommandId>,
    compensates: Vec<CommandId>,
}

/// The command couplings of the context map, by (issuing context, target context).
/// The IR's relations hold the issued commands; the compensating ones of `on_error:`
/// couple the two contexts just as much.
fn couplings(model: &Model) -> BTreeMap<(ContextId, ContextId), Coupling> {
    let mut couplings: BTreeMap<(ContextId, ContextId), Coupling> = BTreeMap::new();
    let mut add = |from: ContextId, command: CommandId, compensates: bool| {
        let to = model.command(command).context;
        if from == to {
            return;
        }
        let coupling = couplings.entry((from, to)).or_default();
        let list = if compensates {
            &mut coupling.compensates
        } else {
            &mut coupling.issues
        };
        if !list.contains(&command) {
            list.push(command);
        }
    };
    for policy in &model.policies {
        if let Some(command) = policy.issues {
            add(policy.context, command, false);
        }
        for recovery in &policy.recovery {
            if let crate::ir::RecoveryAction::Issue(command) = recovery.action {
                add(policy.context, command, true);
            }
        }
    }
    couplings
}

/// The drawn edges of one causal edge: an event a branching command records comes
/// out of the outcome(s) holding it; an event that starts or cancels a deadline
/// points at its timer; the rest is drawn as it is, with its label.
fn route(
    model: &Model,
    from: NodeRef,
    to: NodeRef,
    link: Link,
) -> Vec<(Item, Item, Link, Vec<String>)> {
    let plain =
        |link: Link, label: Vec<String>| vec![(Item::Node(from), Item::Node(to), link, label)];
    match (from, to, link) {
        (NodeRef::Command(command), NodeRef::Event(event), Link::Emits) => {
            if flows::branched(model, command) {
                let outcomes = &model.command(command).outcomes;
                outcomes
                    .iter()
                    .enumerate()
                    .filter_map(|(index, outcome)| {
                        let found = outcome.events.iter().find(|e| e.event == event)?;
                        let (link, label) = if found.optional {
                            (Link::MayEmit, vec!["?".to_owned()])
                        } else {
                            (Link::Emits, Vec::new())
                        };
                        Some((Item::Outcome(command, index), Item::Node(to), link, label))
                    })
                    .collect()
            } else if flows::optional_in_only_outcome(model, command, event) {
                plain(Link::MayEmit, vec!["?".to_owned()])
            } else {
                plain(Link::Emits, Vec::new())
            }
        }
        (NodeRef::Event(event), NodeRef::Process(process), Link::Triggers) => {
            plain(Link::Triggers, flows::handler_label(model, process, event))
        }
        // A process's reaction is drawn as the event's edge into the process, its
        // deadline as the process starting the deadline's timer.
        (NodeRef::Event(event), NodeRef::Policy(policy), Link::Triggers)
            if model.policy(policy).process.is_some() =>
        {
            let Some(process) = model.policy(policy).process else {
                return Vec::new();
            };
            let node = Item::Node(NodeRef::Process(process));
            if flows::timed(model, policy) {
                vec![(node, Item::Timer(policy), Link::Starts, Vec::new())]
            } else {
                let label = flows::handler_label(model, process, event);
                vec![(Item::Node(from), node, Link::Triggers, label)]
            }
        }
        (NodeRef::Event(_), NodeRef::Policy(policy), Link::Triggers)
            if flows::timed(model, policy) =>
        {
            vec![(
                Item::Node(from),
                Item::Timer(policy),
                Link::Starts,
                Vec::new(),
            )]
        }
        (NodeRef::Event(_), NodeRef::Policy(policy), Link::Cancels) => vec![(
            Item::Node(from),
            Item::Timer(policy),
            Link::Cancels,
            vec!["unless".to_owned()],
        )],
        // A process's deadline issues from its timer; its reactions from the process.
        (NodeRef::Policy(policy), NodeRef::Event(event), Link::Records) => {
            let label = flows::record_label(model, policy, event);
            let from = match model.policy(policy).process {
                Some(_) if flows::timed(model, policy) => Item::Timer(policy),
                Some(process) => Item::Node(NodeRef::Process(process)),
                None => Item::Node(from),
            };
            vec![(from, Item::Node(to), Link::Records, label)]
        }
        (NodeRef::Policy(policy), NodeRef::Command(command), Link::Issues | Link::Compensates)
            if model.policy(policy).process.is_some() =>
        {
            let label = if link == Link::Issues {
                flows::issue_label(model, policy, command)
            } else {
                flows::compensation_label(model, policy, command)
            };
            let from = match model.policy(policy).process {
                Some(_) if flows::timed(model, policy) => Item::Timer(policy),
                Some(process) => Item::Node(NodeRef::Process(process)),
                None => Item::Node(from),
            };
            vec![(from, Item::Node(to), link, label)]
        }
        (NodeRef::Policy(policy), NodeRef::Command(command), Link::Issues) => {
            plain(Link::Issues, flows::issue_label(model, policy, command))
        }
        (NodeRef::Policy(policy), NodeRef::Command(command), Link::Compensates) => plain(
            Link::Compensates,
            flows::compensation_label(model, policy, command),
        ),
        (_, _, Link::Reads) => plain(Link::Reads, vec!["for each row".to_owned()]),
        (_, _, Link::ReadsRow) => plain(Link::ReadsRow, vec!["reads row".to_owned()]),
        (NodeRef::Command(_), NodeRef::Policy(policy), Link::Rejects) => {
            plain(Link::Rejects, flows::rejection_label(model, policy))
        }
        _ => plain(link, Vec::new()),
    }
}

/// Adds a drawn edge when both its ends are in the view and at least one is not a
/// faded neighbour (edges inside one construct are drawn whenever both ends are).
#[allow(clippy::too_many_arguments)]
fn add_edge(
    drawn: &mut BTreeMap<(Item, Item, Link), Edge>,
    selection: &Selection,
    model: &Model,
    from: Item,
    to: Item,
    link: Link,
    label: Vec<String>,
    via_inbox: bool,
) {
    let (Some(from_faded), Some(to_faded)) = (selection.faded(from), selection.faded(to)) else {
        return;
    };
    if from_faded && to_faded && !link.internal() {
        // Two neighbours of the drawn context: not this view's business.
        return;
    }
    let cross = match (item_context(model, from), item_context(model, to)) {
        (Some(a), Some(b)) => a != b,
        _ => false,
    };
    drawn.entry((from, to, link)).or_insert(Edge {
        from,
        to,
        link,
        label,
        cross,
        faded: from_faded || to_faded,
        via_inbox,
    });
}

/// One context and its direct neighbours (faded).
fn select_context(
    model: &Model,
    id: ContextId,
    edges: &[(NodeRef, NodeRef, Link)],
    selection: &mut Selection,
) {
    let context = model.context(id);
    let foreign = |node: NodeRef| context_of(model, node).is_some_and(|c| c != id);
    for aggregate in &context.aggregates {
        selection.node(NodeRef::Aggregate(*aggregate), false);
        let aggregate = model.aggregate(*aggregate);
        for command in &aggregate.commands {
            let node = NodeRef::Command(*command);
            selection.node(node, false);
            for issuer in &model.command(*command).issued_by {
                selection.node(issuer_node(*issuer), false);
            }
            // Foreign policies that issue this context's commands.
            for policy in model.graph.predecessors(node, EdgeKind::Issues) {
                if foreign(policy) {
                    selection.node(policy, true);
                }
            }
        }
        for event in &aggregate.events {
            let node = NodeRef::Event(*event);
            selection.node(node, false);
            // Foreign policies and read models that use this context's published events.
            for kind in [EdgeKind::Triggers, EdgeKind::Feeds] {
                for consumer in model.graph.successors(node, kind) {
                    if foreign(consumer) {
                        selection.node(consumer, true);
                    }
                }
            }
        }
    }
    for policy in &context.policies {
        let node = NodeRef::Policy(*policy);
        selection.node(node, false);
        for event in model.graph.predecessors(node, EdgeKind::Triggers) {
            selection.node(event, foreign(event));
        }
        for command in model.graph.successors(node, EdgeKind::Issues) {
            selection.node(command, foreign(command));
        }
        for external in model.graph.successors(node, EdgeKind::Calls) {
            selection.node(external, false);
        }
    }
    for process in &context.processes {
        let node = NodeRef::Process(*process);
        selection.node(node, false);
        for event in model.graph.predecessors(node, EdgeKind::Triggers) {
            selection.node(event, foreign(event));
        }
        for command in model.graph.successors(node, EdgeKind::Issues) {
            selection.node(command, foreign(command));
        }
    }
    for read_model in &context.read_models {
        let node = NodeRef::ReadModel(*read_model);
        selection.node(node, false);
        for event in model.graph.predecessors(node, EdgeKind::Feeds) {
            selection.node(event, foreign(event));
        }
    }
    // Recovery and time: the compensating commands of this context's policies, the
    // events cancelling its deadlines and the read models its schedules go over and its
    // policies read (each
    // faded when foreign), and the foreign policies compensating with this context's
    // commands or timing out on its events.
    let mine = |node: NodeRef| context_of(model, node) == Some(id);
    for (from, to, link) in edges {
        if !matches!(
            link,
            Link::Compensates
                | Link::Records
                | Link::Cancels
                | Link::Reads
                | Link::ReadsRow
                | Link::Rejects
        ) {
            continue;
        }
        let (policy, other) = match link {
            Link::Compensates | Link::Records => (*from, *to),
            _ => (*to, *from),
        };
        if mine(policy) {
            selection.node(other, foreign(other));
        } else if mine(other) {
            selection.node(policy, true);
        }
    }
}

/// Every element of the board, in model order.
fn board_nodes(model: &Model) -> Vec<NodeRef> {
    use crate::ir::{ActorId, EventId, ExternalId, PolicyId, ProcessId, ReadModelId};
    let mut nodes = Vec::new();
    nodes.extend((0..model.actors.len()).map(|i| NodeRef::Actor(ActorId(i as u32))));
    nodes.extend((0..model.externals.len()).map(|i| NodeRef::External(ExternalId(i as u32))));
    nodes.extend((0..model.aggregates.len()).map(|i| NodeRef::Aggregate(AggregateId(i as u32))));
    nodes.extend((0..model.commands.len()).map(|i| NodeRef::Command(CommandId(i as u32))));
    nodes.extend((0..model.events.len()).map(|i| NodeRef::Event(EventId(i as u32))));
    // A process's reactions and deadlines are drawn as the process and its timers.
    nodes.extend(
        (0..model.policies.len())
            .filter(|i| model.policies[*i].process.is_none())
            .map(|i| NodeRef::Policy(PolicyId(i as u32))),
    );
    nodes.extend((0..model.processes.len()).map(|i| NodeRef::Process(ProcessId(i as u32))));
    nodes.extend((0..model.read_models.len()).map(|i| NodeRef::ReadModel(ReadModelId(i as u32))));
    nodes
}

/// The board element that issues a command.
fn issuer_node(issuer: Issuer) -> NodeRef {
    match issuer {
        Issuer::Actor(id) => NodeRef::Actor(id),
        Issuer::External(id) => NodeRef::External(id),
    }
}

/// Whether an edge joins two different bounded contexts.
fn is_cross(model: &Model, from: NodeRef, to: NodeRef) -> bool {
    matches!(
        (context_of(model, from), context_of(model, to)),
        (Some(a), Some(b)) if a != b
    )
}

/// Splits the selected items into loose ones and one cluster per context, in model
/// order; a cluster is faded when it holds only faded items.
fn group(model: &Model, items: &BTreeMap<Item, bool>, view: &View) -> (Vec<Item>, Vec<Cluster>) {
    let mut loose = Vec::new();
    let mut by_context: BTreeMap<ContextId, Vec<Item>> = BTreeMap::new();
    let mut bands: BTreeMap<AggregateId, Vec<Item>> = BTreeMap::new();
    if *view == View::Board {
        // One cluster per context on the board, even for a context with nothing in it yet.
        by_context.extend((0..model.contexts.len()).map(|i| (ContextId(i as u32), Vec::new())));
    }
    for item in items.keys() {
        let aggregate = match item {
            Item::Node(NodeRef::Command(id)) | Item::Outcome(id, _) => {
                Some(model.command(*id).aggregate)
            }
            Item::Node(NodeRef::Event(id)) => Some(model.event(*id).aggregate),
            _ => None,
        };
        if let Some(aggregate) = aggregate {
            bands.entry(aggregate).or_default().push(*item);
            continue;
        }
        match item_context(model, *item) {
            Some(context) => by_context.entry(context).or_default().push(*item),
            None => loose.push(*item),
        }
    }
    let clusters = by_context
        .into_iter()
        .map(|(context, members)| {
            let (banded, items_in): (Vec<Item>, Vec<Item>) =
                members.into_iter().partition(|item| match item {
                    Item::Node(NodeRef::Aggregate(id)) => bands.contains_key(id),
                    _ => false,
                });
            let bands = banded
                .into_iter()
                .filter_map(|item| match item {
                    Item::Node(NodeRef::Aggregate(id)) => Some(Band {
                        aggregate: item,
                        items: bands[&id].clone(),
                    }),
                    _ => None,
                })
                .collect();
            Cluster {
                name: model.context(context).name.clone(),
                faded: matches!(view, View::Context(id) if *id != context),
                items: items_in,
                bands,
            }
        })
        .collect();
    (loose, clusters)
}

/// The sticky note of an item: kind, stable key and text.
fn make_node(model: &Model, item: Item, faded: bool) -> Node {
    let (kind, key, lines) = match item {
        Item::Outcome(command, index) => {
            let c = model.command(command);
            let name = c.outcomes.get(index).map_or("", |o| o.name.as_str());
            (
                Kind::Outcome,
                format!(
                    "outcome:{}.{}/{name}",
                    model.context(c.context).name,
                    c.name
                ),
                flows::outcome_lines(model, command, index),
            )
        }
        Item::Timer(policy) => {
            let p = model.policy(policy);
            (
                Kind::Timer,
                format!("timer:{}.{}", model.context(p.context).name, p.name),
                flows::timer_lines(model, policy),
            )
        }
        Item::Hotspot(index) => (
            Kind::Hotspot,
            format!("hotspot:{index}"),
            wrap(&model.hotspots[index].text, 28),
        ),
        Item::Node(node) => {
            let qualified = |context: ContextId, name: &str| {
                format!("{}.{}", model.context(context).name, name)
            };
            match node {
                NodeRef::Actor(id) => {
                    let name = &model.actors[id.index()].name;
                    (Kind::Actor, format!("actor:{name}"), vec![name.clone()])
                }
                NodeRef::External(id) => {
                    let name = &model.externals[id.index()].name;
                    (
                        Kind::External,
                        format!("external:{name}"),
                        vec![name.clone()],
                    )
                }
                NodeRef::Context(id) => {
                    let name = &model.context(id).name;
                    (Kind::Context, format!("context:{name}"), vec![name.clone()])
                }
                NodeRef::Aggregate(id) => {
                    let a = model.aggregate(id);
                    let lines = vec![match a.persistence {
                        Persistence::StateStored => format!("{} (state-stored)", a.name),
                        Persistence::EventSourced => a.name.clone(),
                    }];
                    (
                        Kind::Aggregate,
                        format!("aggregate:{}", qualified(a.context, &a.name)),
                        lines,
                    )
                }
                NodeRef::Command(id) => {
                    let c = model.command(id);
                    (
                        Kind::Command,
                        format!("command:{}", qualified(c.context, &c.name)),
                        vec![c.name.clone()],
                    )
                }
                NodeRef::Event(id) => {
                    let e = model.event(id);
                    (
                        Kind::Event,
                        format!("event:{}", qualified(e.context, &e.name)),
                        vec![e.name.clone()],
                    )
                }
                NodeRef::Policy(id) => {
                    let p = model.policy(id);
                    (
                        Kind::Policy,
                        format!("policy:{}", qualified(p.context, &p.name)),
                        vec![p.name.clone()],
                    )
                }
                NodeRef::Process(id) => {
                    let p = model.process(id);
                    (
                        Kind::Process,
                        format!("process:{}", qualified(p.context, &p.name)),
                        vec![
                            "«process»".to_owned(),
                            p.name.clone(),
                            format!("key: {}", p.key),
                        ],
                    )
                }
                NodeRef::ReadModel(id) => {
                    let r = model.read_model(id);
                    (
                        Kind::ReadModel,
                        format!("readmodel:{}", qualified(r.context, &r.name)),
                        vec![r.name.clone()],
                    )
                }
            }
        }
    };
    let published = matches!(item, Item::Node(NodeRef::Event(id)) if model.event(id).published);
    let failure = matches!(item, Item::Outcome(command, index)
        if model.command(command).outcomes.get(index).is_some_and(|o| o.failure));
    Node {
        kind,
        key,
        lines,
        faded,
        emphasised: false,
        published,
        failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("what about refunds?", 10), ["what about", "refunds?"]);
        assert_eq!(wrap("", 10), [""]);
    }
}
