//! Which items a view shows: the selection of elements (and which of them are faded),
//! the edges between them, and their grouping into context clusters and aggregate
//! bands. The result is a [`Diagram`], which the format writers only lay out.

use super::{Band, Cluster, Diagram, Edge, Item, Kind, Link, Node, View};
use crate::ir::{
    AggregateId, CommandId, ContextId, EdgeKind, HotspotTarget, Issuer, Model, NodeRef, Pattern,
};
use crate::model::ast::Persistence;
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

    /// Adds a model element; see [`Selection::add`].
    fn node(&mut self, node: NodeRef, faded: bool) {
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

    /// Whether a model element is in the view.
    fn contains(&self, node: NodeRef) -> bool {
        self.items.contains_key(&Item::Node(node))
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
    }
}

/// The causal edges of the graph, as drawn.
fn flow_edges(model: &Model) -> Vec<(NodeRef, NodeRef, Link)> {
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
            // Recovery and time edges are not drawn yet.
            EdgeKind::Compensates | EdgeKind::Cancels | EdgeKind::Reads => None,
        })
        .collect();
    edges.sort();
    edges.dedup();
    edges
}

/// Wraps text into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
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
        let all_edges = flow_edges(model);
        let mut shown_contexts = BTreeSet::new();
        let mut emphasised = None;
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
                select_context(model, *id, &mut selection);
                shown_contexts.insert(*id);
            }
            View::Flow(command) => {
                let start = NodeRef::Command(*command);
                emphasised = Some(Item::Node(start));
                for node in model.graph.reachable(start) {
                    selection.node(node, false);
                }
                for issuer in &model.command(*command).issued_by {
                    selection.node(issuer_node(*issuer), false);
                }
            }
        }
        selection.aggregates();
        selection.hotspots(&shown_contexts, *view == View::Board);

        let reachable = match view {
            View::Flow(command) => Some(model.graph.reachable(NodeRef::Command(*command))),
            _ => None,
        };
        let mut edges = Vec::new();
        for (from, to, link) in all_edges {
            if !selection.contains(from) || !selection.contains(to) {
                continue;
            }
            let from_faded = selection.items[&Item::Node(from)];
            let to_faded = selection.items[&Item::Node(to)];
            if from_faded && to_faded {
                // Two neighbours of the drawn context: not this view's business.
                continue;
            }
            if let (Some(reachable), View::Flow(start)) = (&reachable, view) {
                // In a flow, draw what follows from the start, plus who issues the start
                // command.
                let causal = reachable.contains(&from);
                let issues_start = link == Link::Issues && to == NodeRef::Command(*start);
                if !causal && !issues_start {
                    continue;
                }
            }
            edges.push(Edge {
                from: Item::Node(from),
                to: Item::Node(to),
                link,
                label: Vec::new(),
                cross: is_cross(model, from, to),
                faded: from_faded || to_faded,
            });
        }
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
        Diagram {
            title: view.title(model),
            nodes,
            loose,
            clusters,
            edges,
            legend: *view == View::Board,
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
                },
            );
            loose.push(item);
        }
        let mut edges = Vec::new();
        for relation in model.context_relations() {
            let from = Item::Node(NodeRef::Context(relation.upstream));
            let to = Item::Node(NodeRef::Context(relation.downstream));
            if !relation.events.is_empty() {
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
                });
            }
            if !relation.commands.is_empty() {
                let names: Vec<&str> = relation
                    .commands
                    .iter()
                    .map(|c| model.command(*c).name.as_str())
                    .collect();
                edges.push(Edge {
                    from,
                    to,
                    link: Link::Couples,
                    label: wrap(&format!("issues {}", names.join(", ")), 40),
                    cross: true,
                    faded: false,
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
            });
        }
        Diagram {
            title: view.title(model),
            nodes,
            loose,
            clusters: Vec::new(),
            edges,
            legend: false,
        }
    }
}

/// One context and its direct neighbours (faded).
fn select_context(model: &Model, id: ContextId, selection: &mut Selection) {
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
    for read_model in &context.read_models {
        let node = NodeRef::ReadModel(*read_model);
        selection.node(node, false);
        for event in model.graph.predecessors(node, EdgeKind::Feeds) {
            selection.node(event, foreign(event));
        }
    }
}

/// Every element of the board, in model order.
fn board_nodes(model: &Model) -> Vec<NodeRef> {
    use crate::ir::{ActorId, EventId, ExternalId, PolicyId, ReadModelId};
    let mut nodes = Vec::new();
    nodes.extend((0..model.actors.len()).map(|i| NodeRef::Actor(ActorId(i as u32))));
    nodes.extend((0..model.externals.len()).map(|i| NodeRef::External(ExternalId(i as u32))));
    nodes.extend((0..model.aggregates.len()).map(|i| NodeRef::Aggregate(AggregateId(i as u32))));
    nodes.extend((0..model.commands.len()).map(|i| NodeRef::Command(CommandId(i as u32))));
    nodes.extend((0..model.events.len()).map(|i| NodeRef::Event(EventId(i as u32))));
    nodes.extend((0..model.policies.len()).map(|i| NodeRef::Policy(PolicyId(i as u32))));
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
            Item::Node(NodeRef::Command(id)) => Some(model.command(*id).aggregate),
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
    Node {
        kind,
        key,
        lines,
        faded,
        emphasised: false,
        published,
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
