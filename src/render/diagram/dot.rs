//! Graphviz DOT: escaping, node and cluster attributes, and the legend.

use super::{Diagram, Kind, Legend, Link, Node, FADED_INK, INK};
use std::fmt::Write as _;

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

/// A multi-line label as one DOT string.
fn dot_label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| dot_escape(l))
        .collect::<Vec<_>>()
        .join("\\n")
}

/// The DOT source of a diagram.
pub(super) fn write_dot(diagram: &Diagram) -> String {
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
    if let Some(legend) = &diagram.legend {
        write_dot_legend(&mut out, legend);
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
            Link::Issues
            | Link::Emits
            | Link::Triggers
            | Link::Publishes
            | Link::Starts
            | Link::Fires => (None, None, None),
            Link::Feeds => (Some("dashed"), Some("#2b8a3e"), None),
            Link::Calls => (None, Some("#c2255c"), None),
            Link::Hotspot => (Some("dashed"), Some("#e03131"), Some("none")),
            Link::Couples => (Some("dashed"), Some("#1971c2"), None),
            // The fork: one line from the command splitting into its outcomes.
            Link::Outcome => (None, None, Some("none")),
            Link::MayEmit => (Some("dashed"), None, None),
            Link::Cancels => (Some("dashed"), Some(CANCEL), Some("tee")),
            Link::Compensates | Link::Records | Link::Rejects => {
                (Some("dashed"), Some(COMPENSATE), None)
            }
            Link::Reads | Link::ReadsRow => (Some("dotted"), Some("#2b8a3e"), None),
        };
        if edge.faded {
            colour = Some(FADED_INK);
            style = style.or(Some("dashed"));
        }
        let heavy = edge.link == Link::Publishes
            || (edge.cross
                && matches!(
                    edge.link,
                    Link::Issues
                        | Link::Triggers
                        | Link::Feeds
                        | Link::Starts
                        | Link::Cancels
                        | Link::Compensates
                ));
        let mut attrs: Vec<String> = lhead.into_iter().collect();
        if let Some(style) = style {
            attrs.push(format!("style={style}"));
        }
        if let Some(colour) = colour {
            attrs.push(format!("color=\"{colour}\""));
            if matches!(
                edge.link,
                Link::Couples
                    | Link::Cancels
                    | Link::Compensates
                    | Link::Records
                    | Link::Rejects
                    | Link::Reads
                    | Link::ReadsRow
            ) {
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

/// Colour of an `unless:` edge that cancels a timer.
const CANCEL: &str = "#868e96";
/// Colour of a compensation edge (and of its label).
const COMPENSATE: &str = "#e8590c";
/// Outline and text of a failure outcome.
const FAILURE: &str = "#c92a2a";

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

/// Writes one node statement.
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
        Kind::Outcome => {
            // A small oval on the line from the command: a fork, not a sticky.
            attrs.push("shape=ellipse".into());
            attrs.push("style=filled".into());
            attrs.push("fontsize=9".into());
            attrs.push("margin=\"0.04,0.02\"".into());
            attrs.push("height=0.3".into());
            if node.failure {
                attrs.push(format!("color=\"{FAILURE}\""));
                attrs.push(format!("fontcolor=\"{FAILURE}\""));
            }
        }
        Kind::Timer => {
            attrs.push("shape=hexagon".into());
            attrs.push("style=filled".into());
            attrs.push("fontsize=10".into());
        }
        Kind::Process => {
            // A double border tells a process from a policy of the same lilac.
            attrs.push("peripheries=2".into());
        }
        _ => {}
    }
    if node.faded {
        // Half-transparent fill and a dashed outline: a neighbour, not a member.
        attrs.push(format!("fillcolor=\"{colour}66\""));
        attrs.push(format!("color=\"{FADED_INK}\""));
        attrs.push("fontcolor=\"#868e96\"".into());
        let style = if matches!(node.kind, Kind::Hotspot | Kind::Outcome | Kind::Timer) {
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

/// Writes the legend: one sticky per kind and the meaning of lines and bands.
fn write_dot_legend(out: &mut String, legend: &Legend) {
    out.push_str("  subgraph \"cluster_legend\" {\n");
    out.push_str(
        "    graph [label=\"Legend\", style=\"rounded\", color=\"#ced4da\", fontcolor=\"#495057\", fontsize=12, labeljust=l];\n",
    );
    out.push_str("    node [fontsize=9, margin=\"0.08,0.04\"];\n");
    for kind in legend.kinds.iter().copied() {
        let shape = match kind {
            Kind::Hotspot => ", shape=note, style=filled",
            Kind::Outcome => ", shape=ellipse, style=filled",
            Kind::Timer => ", shape=hexagon, style=filled",
            Kind::Process => ", peripheries=2",
            _ => "",
        };
        let _ = writeln!(
            out,
            "    \"legend:{}\" [label=\"{}\", fillcolor=\"{}\"{shape}];",
            kind.id_prefix(),
            kind.label(),
            kind.colour()
        );
    }
    let lines: Vec<String> = legend.lines.iter().map(|l| dot_escape(l)).collect();
    let _ = writeln!(
        out,
        "    \"legend:edges\" [shape=plaintext, style=\"\", label=\"{}\\l\"];",
        lines.join("\\l")
    );
    // An invisible chain keeps the legend a tidy row of stickies in kind order.
    let chain: Vec<String> = legend
        .kinds
        .iter()
        .map(|k| format!("\"legend:{}\"", k.id_prefix()))
        .chain(std::iter::once("\"legend:edges\"".to_owned()))
        .collect();
    let _ = writeln!(out, "    {} [style=invis];", chain.join(" -> "));
    out.push_str("  }\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_dot_strings() {
        assert_eq!(dot_escape(r#"a "b" \ c"#), r#"a \"b\" \\ c"#);
        assert_eq!(dot_escape("a\nb"), "a\\nb");
    }
}
