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
//!
//! The files: this one holds the public API ([`View`], [`dot`], [`mermaid`]) and the
//! view model both writers share; `select.rs` decides which items a view shows and how
//! they are grouped; `dot.rs` and `mermaid.rs` write a [`Diagram`] in their format;
//! `limits.rs` warns when a Mermaid view is over Mermaid's default size limits.

mod dot;
mod limits;
mod mermaid;
mod select;

pub use limits::{MERMAID_MAX_EDGES, MERMAID_MAX_TEXT_SIZE};

use crate::ir::{CommandId, ContextId, Model, NodeRef};
use crate::suggest::did_you_mean;
use std::collections::BTreeMap;

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

/// The views `--view` accepts, for error messages.
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
    dot::write_dot(&Diagram::build(model, view))
}

/// Mermaid source of a view.
pub fn mermaid(model: &Model, view: &View) -> String {
    mermaid::write_mermaid(&Diagram::build(model, view))
}

/// Mermaid source of a view, with a warning when it exceeds Mermaid's default limits
/// ([`MERMAID_MAX_EDGES`], [`MERMAID_MAX_TEXT_SIZE`]) that names smaller views to draw.
pub fn mermaid_checked(model: &Model, view: &View) -> (String, Option<String>) {
    let diagram = Diagram::build(model, view);
    let source = mermaid::write_mermaid(&diagram);
    let warning = limits::mermaid_limit_warning(model, view, &source, diagram.edges.len());
    (source, warning)
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

    /// The sticky's fill colour.
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

/// A sticky note as drawn: its kind, id and text, and how it stands out.
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

/// An arrow between two drawn items.
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

/// A bounded context drawn as a box around its items.
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

impl Diagram {
    /// The aggregates drawn as bands, by item.
    fn bands(&self) -> BTreeMap<Item, &Band> {
        self.clusters
            .iter()
            .flat_map(|c| &c.bands)
            .map(|b| (b.aggregate, b))
            .collect()
    }
}

/// Outline and text colour of everything not faded.
const INK: &str = "#495057";
/// Outline colour of a faded neighbour.
const FADED_INK: &str = "#adb5bd";

/// What line styles, outlines and bands mean, for the legend.
const EDGE_LEGEND: [&str; 6] = [
    "arrow: causes (issues, emits, triggers, calls)",
    "green dashed: updates a read model",
    "bold: crosses bounded contexts",
    "thick outline: a published event",
    "red dashed: an open question about an element",
    "yellow band: the aggregate handling its commands",
];
