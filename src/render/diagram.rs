//! Diagrams of a checked model: Graphviz DOT and Mermaid, in Event Storming colours.
//!
//! Every view is first built as one [`Diagram`] (nodes, clusters, edges — all in model
//! order, every element once, edges merged); the DOT and Mermaid writers only lay that
//! out as text. So both formats always show the same thing, and ids and escaping are
//! decided in one place per format.
//!
//! An aggregate is drawn as a yellow band around its commands and events, as on a
//! workshop wall: that shows who handles what without one edge per command, which
//! on a large board would cross everything else.

use crate::ir::{
    AggregateId, CommandId, ContextId, EdgeKind, HotspotTarget, Issuer, Model, NodeRef, Pattern,
};
use crate::model::ast::Persistence;
use crate::suggest::did_you_mean;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Which part of the model to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// The whole Event Storming board, one cluster per bounded context.
    Board,
    /// Contexts and the published events and command couplings between them.
    ContextMap,
    /// One context, with its direct neighbours from other contexts drawn faded.
    Context(ContextId),
    /// Everything that follows from one command, across contexts.
    Flow(CommandId),
}

const VIEWS: &str = "`board`, `context-map`, `context:NAME`, `flow:COMMAND`";

impl View {
    /// Parses `--view`: `board`, `context-map`, `context:NAME` or `flow:COMMAND`
    /// (`Name`, or `context.Name` when the name is not unique).
    pub fn parse(text: &str, model: &Model) -> Result<View, String> {
        if let Some(name) = text.strip_prefix("context:") {
            return match model.context_by_name(name) {
                Some(id) => Ok(View::Context(id)),
                None => {
                    let names: Vec<&str> = model.contexts.iter().map(|c| c.name.as_str()).collect();
                    Err(match did_you_mean(name, names.iter().copied()) {
                        Some(help) => format!("no context `{name}` in the model; {help}"),
                        None => format!(
                            "no context `{name}` in the model; the contexts are: {}",
                            names.join(", ")
                        ),
                    })
                }
            };
        }
        if let Some(name) = text.strip_prefix("flow:") {
            return match model.command_by_name(name) {
                Ok(id) => Ok(View::Flow(id)),
                Err(candidates) if candidates.is_empty() => Err(unknown_command(name, model)),
                Err(candidates) => Err(format!(
                    "command `{name}` is ambiguous; write one of: {}",
                    candidates.join(", ")
                )),
            };
        }
        match text {
            "board" => Ok(View::Board),
            "context-map" => Ok(View::ContextMap),
            other => {
                let help = did_you_mean(other, ["board", "context-map"])
                    .map(|h| format!("{h} "))
                    .unwrap_or_default();
                Err(format!(
                    "unknown view `{other}`; {help}the views are {VIEWS}"
                ))
            }
        }
    }

    /// A short title for the diagram.
    fn title(&self, model: &Model) -> String {
        match self {
            View::Board => format!("{} — board", model.system),
            View::ContextMap => format!("{} — context map", model.system),
            View::Context(id) => format!("{} — context {}", model.system, model.context(*id).name),
            View::Flow(id) => format!(
                "{} — flow of {}",
                model.system,
                model.qualified_command(*id)
            ),
        }
    }
}

/// The error for a `flow:` view naming no command, with the closest name: a typo in
/// the full name, the same command in another context, or a typo in the bare name.
fn unknown_command(name: &str, model: &Model) -> String {
    let qualified: Vec<String> = (0..model.commands.len())
        .map(|i| model.qualified_command(CommandId(i as u32)))
        .collect();
    let bare = name.rsplit('.').next().unwrap_or(name);
    let elsewhere: Vec<&str> = qualified
        .iter()
        .zip(&model.commands)
        .filter(|(_, c)| name.contains('.') && c.name == bare)
        .map(|(q, _)| q.as_str())
        .collect();
    let help = if elsewhere.is_empty() {
        did_you_mean(name, qualified.iter().map(String::as_str))
            .or_else(|| did_you_mean(bare, model.commands.iter().map(|c| c.name.as_str())))
    } else {
        Some(format!("did you mean `{}`?", elsewhere.join("` or `")))
    };
    match help {
        Some(help) => format!("no command `{name}` in the model; {help}"),
        None => format!(
            "no command `{name}` in the model; the commands are: {}",
            qualified.join(", ")
        ),
    }
}

/// DOT source of a view.
pub fn dot(model: &Model, view: &View) -> String {
    write_dot(&Diagram::build(model, view))
}

/// Mermaid source of a view.
pub fn mermaid(model: &Model, view: &View) -> String {
    write_mermaid(&Diagram::build(model, view))
}

// ---------------------------------------------------------------------------------
// The view model.

/// Something drawn as a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Node(NodeRef),
    /// Index into [`Model::hotspots`].
    Hotspot(usize),
}

/// The kind of sticky note, which decides colour and shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Actor,
    Command,
    Aggregate,
    Event,
    Policy,
    ReadModel,
    External,
    Hotspot,
    Context,
}

impl Kind {
    /// Every kind that has a sticky on the board, in legend order.
    const STICKIES: [Kind; 8] = [
        Kind::Actor,
        Kind::Command,
        Kind::Aggregate,
        Kind::Event,
        Kind::Policy,
        Kind::ReadModel,
        Kind::External,
        Kind::Hotspot,
    ];

    fn colour(self) -> &'static str {
        match self {
            Kind::Actor => "#fff3bf",
            Kind::Command => "#74c0fc",
            Kind::Aggregate => "#ffe066",
            Kind::Event => "#ffa94d",
            Kind::Policy => "#d0bfff",
            Kind::ReadModel => "#8ce99a",
            Kind::External => "#f783ac",
            Kind::Hotspot => "#ff6b6b",
            Kind::Context => "#f1f3f5",
        }
    }

    /// Legend text, and the class name in Mermaid.
    fn label(self) -> &'static str {
        match self {
            Kind::Actor => "actor",
            Kind::Command => "command",
            Kind::Aggregate => "aggregate",
            Kind::Event => "event",
            Kind::Policy => "policy",
            Kind::ReadModel => "read model",
            Kind::External => "external system",
            Kind::Hotspot => "hotspot",
            Kind::Context => "bounded context",
        }
    }

    /// Prefix of node ids, so elements of different kinds never share an id.
    fn id_prefix(self) -> &'static str {
        match self {
            Kind::Actor => "actor",
            Kind::Command => "command",
            Kind::Aggregate => "aggregate",
            Kind::Event => "event",
            Kind::Policy => "policy",
            Kind::ReadModel => "readmodel",
            Kind::External => "external",
            Kind::Hotspot => "hotspot",
            Kind::Context => "context",
        }
    }
}

/// What an edge means, which decides its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Link {
    Issues,
    Emits,
    Triggers,
    Feeds,
    Calls,
    Hotspot,
    /// Context map: published events used downstream.
    Publishes,
    /// Context map: a policy issues a command of another context.
    Couples,
}

#[derive(Debug, Clone)]
struct Node {
    kind: Kind,
    /// Stable id before format-specific escaping, e.g. `command:ordering.PlaceOrder`.
    key: String,
    lines: Vec<String>,
    /// Drawn faded: a neighbour from another context.
    faded: bool,
    /// Drawn with a heavy border: the command a flow starts from.
    emphasised: bool,
    /// A published event: part of its context's contract with the others.
    published: bool,
}

#[derive(Debug, Clone)]
struct Edge {
    from: Item,
    to: Item,
    link: Link,
    label: Vec<String>,
    /// Between two different bounded contexts.
    cross: bool,
    /// Touches a faded node.
    faded: bool,
}

#[derive(Debug, Clone)]
struct Cluster {
    name: String,
    faded: bool,
    /// Items outside every aggregate band: policies, read models, hotspots, and
    /// aggregates that have no command or event in the view.
    items: Vec<Item>,
    bands: Vec<Band>,
}

/// An aggregate drawn around its commands and events.
#[derive(Debug, Clone)]
struct Band {
    aggregate: Item,
    /// Its commands and events in the view; never empty.
    items: Vec<Item>,
}

/// One view, ready to be written in any format.
#[derive(Debug, Clone)]
struct Diagram {
    title: String,
    nodes: BTreeMap<Item, Node>,
    /// Items outside every cluster (actors, externals, board-wide hotspots, contexts).
    loose: Vec<Item>,
    clusters: Vec<Cluster>,
    edges: Vec<Edge>,
    legend: bool,
}

/// Which items a view includes, and which of them are faded.
struct Selection<'m> {
    model: &'m Model,
    items: BTreeMap<Item, bool>,
}

impl<'m> Selection<'m> {
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
    /// The aggregates drawn as bands, by item.
    fn bands(&self) -> BTreeMap<Item, &Band> {
        self.clusters
            .iter()
            .flat_map(|c| &c.bands)
            .map(|b| (b.aggregate, b))
            .collect()
    }

    fn build(model: &Model, view: &View) -> Diagram {
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

fn issuer_node(issuer: Issuer) -> NodeRef {
    match issuer {
        Issuer::Actor(id) => NodeRef::Actor(id),
        Issuer::External(id) => NodeRef::External(id),
    }
}

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

// ---------------------------------------------------------------------------------
// Graphviz DOT.

/// Escapes text for a double-quoted DOT string; `\n` is a centred line break there.
fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

fn dot_label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| dot_escape(l))
        .collect::<Vec<_>>()
        .join("\\n")
}

const INK: &str = "#495057";
const FADED_INK: &str = "#adb5bd";

fn write_dot(diagram: &Diagram) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", dot_escape(&diagram.title));
    let _ = writeln!(
        out,
        "  graph [rankdir=LR, newrank=true, compound=true, nodesep=0.25, ranksep=0.45, \
         fontname=\"Helvetica\", fontsize=16, labelloc=t, label=\"{}\"];",
        dot_escape(&diagram.title)
    );
    let _ = writeln!(
        out,
        "  node [shape=box, style=\"filled,rounded\", fontname=\"Helvetica\", fontsize=11, \
         margin=\"0.14,0.07\", penwidth=0.8, color=\"{INK}\"];"
    );
    let _ = writeln!(
        out,
        "  edge [fontname=\"Helvetica\", fontsize=9, color=\"{INK}\", arrowsize=0.7];"
    );
    if diagram.legend {
        write_dot_legend(&mut out);
    }
    for item in &diagram.loose {
        write_dot_node(&mut out, &diagram.nodes[item], "  ");
    }
    for cluster in &diagram.clusters {
        let _ = writeln!(
            out,
            "  subgraph \"cluster_{}\" {{",
            dot_escape(&cluster.name)
        );
        let (style, fill, border, font) = if cluster.faded {
            ("rounded,dashed", "#ffffff", FADED_INK, "#868e96")
        } else {
            ("rounded,filled", "#f8f9fa", "#868e96", "#212529")
        };
        let _ = writeln!(
            out,
            "    graph [label=\"{}\", style=\"{style}\", fillcolor=\"{fill}\", color=\"{border}\", \
             fontcolor=\"{font}\", fontsize=14, labeljust=l];",
            dot_escape(&cluster.name)
        );
        if cluster.items.is_empty() && cluster.bands.is_empty() {
            // Graphviz drops an empty cluster; a placeholder keeps the context on the board.
            let _ = writeln!(
                out,
                "    \"empty:{}\" [label=\"(empty)\", shape=plaintext, style=\"\", fontcolor=\"#868e96\"];",
                dot_escape(&cluster.name)
            );
        }
        for item in &cluster.items {
            write_dot_node(&mut out, &diagram.nodes[item], "    ");
        }
        for band in &cluster.bands {
            let aggregate = &diagram.nodes[&band.aggregate];
            let _ = writeln!(
                out,
                "    subgraph \"cluster_{}\" {{",
                dot_escape(&aggregate.key)
            );
            let (style, fill, border, font) = if aggregate.faded {
                ("rounded,filled,dashed", "#ffe06666", FADED_INK, "#868e96")
            } else {
                ("rounded,filled", Kind::Aggregate.colour(), INK, "#212529")
            };
            let _ = writeln!(
                out,
                "      graph [label=\"{}\", style=\"{style}\", fillcolor=\"{fill}\", color=\"{border}\", \
                 fontcolor=\"{font}\", fontsize=11, labeljust=l];",
                dot_label(&aggregate.lines)
            );
            for item in &band.items {
                write_dot_node(&mut out, &diagram.nodes[item], "      ");
            }
            let _ = writeln!(out, "    }}");
        }
        let _ = writeln!(out, "  }}");
    }
    let bands = diagram.bands();
    for edge in &diagram.edges {
        let from = &diagram.nodes[&edge.from];
        let mut to = &diagram.nodes[&edge.to];
        let mut lhead = None;
        if let Some(band) = bands.get(&edge.to) {
            // An edge to an aggregate ends at its band: Graphviz clips it there when
            // it points at a member and names the cluster as `lhead`.
            lhead = Some(format!("lhead=\"cluster_{}\"", dot_escape(&to.key)));
            to = &diagram.nodes[&band.items[0]];
        }
        let (mut style, mut colour, arrowhead) = match edge.link {
            Link::Issues | Link::Emits | Link::Triggers | Link::Publishes => (None, None, None),
            Link::Feeds => (Some("dashed"), Some("#2b8a3e"), None),
            Link::Calls => (None, Some("#c2255c"), None),
            Link::Hotspot => (Some("dashed"), Some("#e03131"), Some("none")),
            Link::Couples => (Some("dashed"), Some("#1971c2"), None),
        };
        if edge.faded {
            colour = Some(FADED_INK);
            style = style.or(Some("dashed"));
        }
        let heavy = edge.link == Link::Publishes
            || (edge.cross && matches!(edge.link, Link::Issues | Link::Triggers | Link::Feeds));
        let mut attrs: Vec<String> = lhead.into_iter().collect();
        if let Some(style) = style {
            attrs.push(format!("style={style}"));
        }
        if let Some(colour) = colour {
            attrs.push(format!("color=\"{colour}\""));
            if edge.link == Link::Couples {
                attrs.push(format!("fontcolor=\"{colour}\""));
            }
        }
        if let Some(arrowhead) = arrowhead {
            attrs.push(format!("arrowhead={arrowhead}"));
        }
        if heavy {
            attrs.push("penwidth=1.6".into());
        }
        if !edge.label.is_empty() {
            attrs.push(format!("label=\"{}\"", dot_label(&edge.label)));
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\"{attrs};",
            dot_escape(&from.key),
            dot_escape(&to.key)
        );
    }
    out.push_str("}\n");
    out
}

/// Escapes text for a Graphviz HTML-like label.
fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn write_dot_node(out: &mut String, node: &Node, indent: &str) {
    let label = match (node.kind, node.lines.split_first()) {
        // A context's name in bold over its patterns in small print.
        (Kind::Context, Some((name, patterns))) if !patterns.is_empty() => {
            let patterns: Vec<String> = patterns.iter().map(|p| html_escape(p)).collect();
            format!(
                "label=<<b>{}</b><br/><font point-size=\"9\">{}</font>>",
                html_escape(name),
                patterns.join("<br/>")
            )
        }
        _ => format!("label=\"{}\"", dot_label(&node.lines)),
    };
    let mut attrs = vec![label];
    let colour = node.kind.colour();
    match node.kind {
        Kind::Hotspot => {
            attrs.push("shape=note".into());
            attrs.push("style=filled".into());
        }
        Kind::Context => {
            attrs.push("fontsize=13".into());
            attrs.push("margin=\"0.25,0.12\"".into());
        }
        _ => {}
    }
    if node.faded {
        // Half-transparent fill and a dashed outline: a neighbour, not a member.
        attrs.push(format!("fillcolor=\"{colour}66\""));
        attrs.push(format!("color=\"{FADED_INK}\""));
        attrs.push("fontcolor=\"#868e96\"".into());
        let style = if node.kind == Kind::Hotspot {
            "filled,dashed"
        } else {
            "filled,rounded,dashed"
        };
        attrs.retain(|a| !a.starts_with("style="));
        attrs.push(format!("style=\"{style}\""));
    } else {
        attrs.push(format!("fillcolor=\"{colour}\""));
    }
    if node.emphasised {
        attrs.push("penwidth=2.5".into());
    } else if node.published {
        attrs.push("penwidth=2".into());
    }
    let _ = writeln!(
        out,
        "{indent}\"{}\" [{}];",
        dot_escape(&node.key),
        attrs.join(", ")
    );
}

/// What line styles, outlines and bands mean, for the legend.
const EDGE_LEGEND: [&str; 6] = [
    "arrow: causes (issues, emits, triggers, calls)",
    "green dashed: updates a read model",
    "bold: crosses bounded contexts",
    "thick outline: a published event",
    "red dashed: an open question about an element",
    "yellow band: the aggregate handling its commands",
];

fn write_dot_legend(out: &mut String) {
    out.push_str("  subgraph \"cluster_legend\" {\n");
    out.push_str(
        "    graph [label=\"Legend\", style=\"rounded\", color=\"#ced4da\", fontcolor=\"#495057\", fontsize=12, labeljust=l];\n",
    );
    out.push_str("    node [fontsize=9, margin=\"0.08,0.04\"];\n");
    for kind in Kind::STICKIES {
        let shape = if kind == Kind::Hotspot {
            ", shape=note, style=filled"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "    \"legend:{}\" [label=\"{}\", fillcolor=\"{}\"{shape}];",
            kind.id_prefix(),
            kind.label(),
            kind.colour()
        );
    }
    let lines: Vec<String> = EDGE_LEGEND.iter().map(|l| dot_escape(l)).collect();
    let _ = writeln!(
        out,
        "    \"legend:edges\" [shape=plaintext, style=\"\", label=\"{}\\l\"];",
        lines.join("\\l")
    );
    // An invisible chain keeps the legend a tidy row of stickies in kind order.
    let chain: Vec<String> = Kind::STICKIES
        .iter()
        .map(|k| format!("\"legend:{}\"", k.id_prefix()))
        .chain(std::iter::once("\"legend:edges\"".to_owned()))
        .collect();
    let _ = writeln!(out, "    {} [style=invis];", chain.join(" -> "));
    out.push_str("  }\n");
}

// ---------------------------------------------------------------------------------
// Mermaid.

/// A Mermaid node id: the kind, `_`, then the key with every character that is not
/// an ASCII letter or digit escaped (`_` as `__`, others as `_<hex>_`), so distinct
/// keys never share an id.
fn mermaid_id(node: &Node) -> String {
    let mut id = String::from(node.kind.id_prefix());
    id.push('_');
    let name = node
        .key
        .split_once(':')
        .map_or(node.key.as_str(), |(_, n)| n);
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if c == '_' {
            id.push_str("__");
        } else {
            let _ = write!(id, "_{:x}_", c as u32);
        }
    }
    id
}

fn mermaid_cluster_id(name: &str) -> String {
    let mut id = String::from("context_");
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if c == '_' {
            id.push_str("__");
        } else {
            let _ = write!(id, "_{:x}_", c as u32);
        }
    }
    id
}

/// Escapes text for a double-quoted Mermaid label.
fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn mermaid_label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| mermaid_escape(l))
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// A node's Mermaid class and that class's style.
fn mermaid_class(node: &Node) -> (String, String) {
    let kind = node.kind;
    if node.faded {
        (
            format!("{}Faded", kind.id_prefix()),
            format!(
                "fill:{}66,stroke:{FADED_INK},stroke-dasharray:4 3,color:#868e96",
                kind.colour()
            ),
        )
    } else if node.published {
        (
            format!("{}Published", kind.id_prefix()),
            format!(
                "fill:{},stroke:{INK},stroke-width:2px,color:#212529",
                kind.colour()
            ),
        )
    } else {
        (
            kind.id_prefix().to_owned(),
            format!("fill:{},stroke:{INK},color:#212529", kind.colour()),
        )
    }
}

fn write_mermaid(diagram: &Diagram) -> String {
    let mut out = String::from("flowchart LR\n");
    let _ = writeln!(out, "  %% {}", diagram.title.replace('\n', " "));
    let write_node = |out: &mut String, node: &Node, indent: &str| {
        let (open, close) = match node.kind {
            Kind::Hotspot => ("[/", "/]"),
            Kind::Context => ("([", "])"),
            _ => ("(", ")"),
        };
        let _ = writeln!(
            out,
            "{indent}{}{open}\"{}\"{close}:::{}",
            mermaid_id(node),
            mermaid_label(&node.lines),
            mermaid_class(node).0
        );
    };
    for item in &diagram.loose {
        write_node(&mut out, &diagram.nodes[item], "  ");
    }
    for cluster in &diagram.clusters {
        let _ = writeln!(
            out,
            "  subgraph {}[\"{}\"]",
            mermaid_cluster_id(&cluster.name),
            mermaid_escape(&cluster.name)
        );
        if cluster.items.is_empty() && cluster.bands.is_empty() {
            let _ = writeln!(
                out,
                "    empty_{}[\"(empty)\"]",
                &mermaid_cluster_id(&cluster.name)["context_".len()..]
            );
        }
        for item in &cluster.items {
            write_node(&mut out, &diagram.nodes[item], "    ");
        }
        for band in &cluster.bands {
            let aggregate = &diagram.nodes[&band.aggregate];
            let _ = writeln!(
                out,
                "    subgraph {}[\"{}\"]",
                mermaid_id(aggregate),
                mermaid_label(&aggregate.lines)
            );
            for item in &band.items {
                write_node(&mut out, &diagram.nodes[item], "      ");
            }
            out.push_str("    end\n");
        }
        out.push_str("  end\n");
    }
    if diagram.legend {
        out.push_str("  subgraph legend[\"Legend\"]\n");
        for kind in Kind::STICKIES {
            let _ = writeln!(
                out,
                "    legend_{}(\"{}\"):::{}",
                kind.id_prefix(),
                kind.label(),
                kind.id_prefix()
            );
        }
        let lines: Vec<String> = EDGE_LEGEND.iter().map(|l| mermaid_escape(l)).collect();
        let _ = writeln!(out, "    legend_edges[\"{}\"]", lines.join("<br/>"));
        out.push_str("  end\n");
        out.push_str("  style legend fill:#ffffff,stroke:#ced4da,color:#495057\n");
    }
    let mut link_styles: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, edge) in diagram.edges.iter().enumerate() {
        let from = mermaid_id(&diagram.nodes[&edge.from]);
        let to = mermaid_id(&diagram.nodes[&edge.to]);
        let dotted = edge.faded || matches!(edge.link, Link::Feeds | Link::Hotspot | Link::Couples);
        let headless = edge.link == Link::Hotspot;
        let arrow = match (dotted, headless, edge.cross && !edge.faded) {
            (true, true, _) => "-.-",
            (true, false, _) => "-.->",
            (false, _, true) => "==>",
            (false, _, false) => "-->",
        };
        let label = if edge.label.is_empty() {
            String::new()
        } else {
            format!("|\"{}\"|", mermaid_label(&edge.label))
        };
        let _ = writeln!(out, "  {from} {arrow}{label} {to}");
        let style = if edge.faded {
            Some("stroke:#adb5bd")
        } else {
            match edge.link {
                Link::Feeds => Some("stroke:#2b8a3e"),
                Link::Calls => Some("stroke:#c2255c"),
                Link::Hotspot => Some("stroke:#e03131"),
                Link::Couples => Some("stroke:#1971c2"),
                _ => None,
            }
        };
        if let Some(style) = style {
            link_styles.entry(style).or_default().push(index);
        }
    }
    for (style, indexes) in &link_styles {
        let indexes: Vec<String> = indexes.iter().map(usize::to_string).collect();
        let _ = writeln!(out, "  linkStyle {} {style}", indexes.join(","));
    }
    let bands = diagram.bands();
    let mut classes: BTreeMap<String, String> = diagram
        .nodes
        .iter()
        .filter(|(item, _)| !bands.contains_key(item))
        .map(|(_, n)| mermaid_class(n))
        .collect();
    if diagram.legend {
        classes.extend(Kind::STICKIES.iter().map(|k| {
            (
                k.id_prefix().to_owned(),
                format!("fill:{},stroke:{INK},color:#212529", k.colour()),
            )
        }));
    }
    for (class, style) in classes {
        let _ = writeln!(out, "  classDef {class} {style}");
    }
    for cluster in &diagram.clusters {
        let style = if cluster.faded {
            "fill:#ffffff,stroke:#adb5bd,stroke-dasharray:4 3,color:#868e96"
        } else {
            "fill:#f8f9fa,stroke:#868e96,color:#212529"
        };
        let _ = writeln!(out, "  style {} {style}", mermaid_cluster_id(&cluster.name));
        for band in &cluster.bands {
            let aggregate = &diagram.nodes[&band.aggregate];
            let style = if aggregate.faded {
                format!("fill:#ffe06666,stroke:{FADED_INK},stroke-dasharray:4 3,color:#868e96")
            } else {
                format!(
                    "fill:{},stroke:{INK},color:#212529",
                    Kind::Aggregate.colour()
                )
            };
            let _ = writeln!(out, "  style {} {style}", mermaid_id(aggregate));
        }
    }
    if let Some(start) = diagram.nodes.values().find(|n| n.emphasised) {
        let _ = writeln!(out, "  style {} stroke-width:3px", mermaid_id(start));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("what about refunds?", 10), ["what about", "refunds?"]);
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn escapes_dot_strings() {
        assert_eq!(dot_escape(r#"a "b" \ c"#), r#"a \"b\" \\ c"#);
        assert_eq!(dot_escape("a\nb"), "a\\nb");
    }

    #[test]
    fn mermaid_ids_are_distinct_for_distinct_keys() {
        let node = |key: &str| Node {
            kind: Kind::Command,
            key: key.to_owned(),
            lines: Vec::new(),
            faded: false,
            emphasised: false,
            published: false,
        };
        let a = mermaid_id(&node("command:a_b.C"));
        let b = mermaid_id(&node("command:a.b_C"));
        assert_ne!(a, b);
        assert_eq!(a, "command_a__b_2e_C");
        assert_eq!(
            mermaid_escape(r#"say "hi" <b>"#),
            "say #quot;hi#quot; #lt;b#gt;"
        );
    }
}
