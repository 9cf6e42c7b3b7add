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
mod flows;
mod limits;
mod mermaid;
mod select;

pub(crate) use crate::ir::time::format_duration as duration_text;
pub(crate) use flows::every_text;
pub(crate) use flows::{branched, optional_in_only_outcome};
pub use limits::{MERMAID_MAX_EDGES, MERMAID_MAX_TEXT_SIZE};

use crate::ir::{CommandId, ContextId, Model, NodeRef, PolicyId};
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
///
/// The variants after `Hotspot` are drawn only for the flow constructs of format 2;
/// they come last so that the order of everything else (and so the output for a model
/// without them) does not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Node(NodeRef),
    /// Index into [`Model::hotspots`].
    Hotspot(usize),
    /// One named outcome of a command with alternative outcomes: index into
    /// [`crate::ir::Command::outcomes`]. Drawn as the fork between the command and
    /// the events that outcome records.
    Outcome(CommandId, usize),
    /// The timer of a deadline policy, or the clock of a schedule policy: what sets
    /// the policy off, with the delay or the period on it.
    Timer(PolicyId),
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
    /// A named outcome of a command (a fork, not a sticky).
    Outcome,
    /// A deadline's timer or a schedule's clock.
    Timer,
    /// A process manager (lilac like a policy, double-bordered).
    Process,
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
            Kind::Outcome => "#ffffff",
            Kind::Timer => "#dee2e6",
            Kind::Process => "#d0bfff",
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
            Kind::Outcome => "outcome",
            Kind::Timer => "timer / clock",
            Kind::Process => "process",
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
            Kind::Outcome => "outcome",
            Kind::Timer => "timer",
            Kind::Process => "process",
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
    /// Command → one of its named outcomes (the fork).
    Outcome,
    /// Command or outcome → an event it may record or not (`Event?`).
    MayEmit,
    /// Event → the timer it starts (a deadline's `on:`).
    Starts,
    /// Timer or clock → the policy it sets off.
    Fires,
    /// Event → the timer it cancels (`unless:`).
    Cancels,
    /// Policy → the compensating command of an `on_error:` recovery.
    Compensates,
    /// Policy → the event an `on_error:` recovery records (`record:`).
    Records,
    /// Read model → the schedule policy that issues a command per row (`for_each:`).
    Reads,
    /// Read model → a policy that looks up the row of its event's key (`reads:`). Not
    /// followed by a flow: the row does not set the policy off, its event does.
    ReadsRow,
    /// Command → the policy its refusals set off (`on: { rejected }`).
    Rejects,
}

impl Link {
    /// An edge inside one drawn construct (a command and its outcomes, a timer and its
    /// policy): drawn whenever both ends are, even between two faded neighbours, since
    /// either end alone would be a fragment.
    fn internal(self) -> bool {
        matches!(self, Link::Outcome | Link::Fires)
    }
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
    /// A failure outcome: drawn in red.
    failure: bool,
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
    /// A command sent to another context: it travels through that context's inbox.
    via_inbox: bool,
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
    /// The legend, on the board only.
    legend: Option<Legend>,
}

/// What the legend explains: the stickies and line styles of the board. The flow
/// constructs of format 2 are explained only on a board that has them, so a board
/// without them keeps its legend.
#[derive(Debug, Clone)]
struct Legend {
    kinds: Vec<Kind>,
    lines: Vec<&'static str>,
}

impl Legend {
    /// The legend of a board drawn with `edges` and `nodes`.
    fn of(nodes: &BTreeMap<Item, Node>, edges: &[Edge]) -> Legend {
        let mut kinds = Kind::STICKIES.to_vec();
        let mut lines = EDGE_LEGEND.to_vec();
        let has_kind = |kind: Kind| nodes.values().any(|n| n.kind == kind);
        let has_link = |link: Link| edges.iter().any(|e| e.link == link);
        if has_kind(Kind::Outcome) {
            kinds.push(Kind::Outcome);
            lines.push("fork: a command's alternative outcomes (red: a failure)");
        }
        if has_link(Link::MayEmit) {
            lines.push("dashed ?: an event the outcome may record or not");
        }
        if has_kind(Kind::Process) {
            kinds.push(Kind::Process);
            lines.push("double border: a process, one instance per key, with its own state");
        }
        if has_kind(Kind::Timer) {
            kinds.push(Kind::Timer);
            lines.push("grey hexagon: a deadline's timer or a schedule's clock");
        }
        if has_link(Link::Cancels) {
            lines.push("grey dashed unless (flat head): an event that cancels the timer");
        }
        if has_link(Link::Reads) {
            lines.push("green dotted for each row: a schedule over a read model");
        }
        if has_link(Link::ReadsRow) {
            lines.push("green dotted reads row: the row a policy fills its command from");
        }
        if has_link(Link::Compensates) {
            lines.push("orange dashed on ERROR: the compensating command");
        }
        if has_link(Link::Records) {
            lines.push("orange dashed on ERROR: record: the event the refusal records");
        }
        if has_link(Link::Rejects) {
            lines.push("orange dashed refused: a policy set off by the command's refusals");
        }
        if edges.iter().any(|e| e.via_inbox) {
            lines.push("via inbox: a command sent to another context through the store");
        }
        Legend { kinds, lines }
    }
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
