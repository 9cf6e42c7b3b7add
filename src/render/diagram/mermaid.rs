//! Mermaid: node and cluster ids, label escaping, and the classes that colour nodes.

use super::{Diagram, Kind, Link, Node, FADED_INK, INK};
use std::collections::BTreeMap;
use std::fmt::Write as _;

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

/// A context subgraph's id, escaped like [`mermaid_id`]'s.
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

/// A multi-line label as one Mermaid string.
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
    } else if node.failure {
        (
            format!("{}Failure", kind.id_prefix()),
            format!("fill:{},stroke:#c92a2a,color:#c92a2a", kind.colour()),
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

/// The opening and closing brackets of a node of `kind`: stickies are rounded boxes,
/// hotspots slanted, contexts and outcomes stadiums, timers hexagons, processes
/// double-sided boxes.
fn node_shape(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Hotspot => ("[/", "/]"),
        Kind::Context | Kind::Outcome => ("([", "])"),
        Kind::Timer => ("{{", "}}"),
        Kind::Process => ("[[", "]]"),
        _ => ("(", ")"),
    }
}

/// The Mermaid source of a diagram.
pub(super) fn write_mermaid(diagram: &Diagram) -> String {
    let mut out = String::from("flowchart LR\n");
    let _ = writeln!(out, "  %% {}", diagram.title.replace('\n', " "));
    let write_node = |out: &mut String, node: &Node, indent: &str| {
        let (open, close) = node_shape(node.kind);
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
    if let Some(legend) = &diagram.legend {
        out.push_str("  subgraph legend[\"Legend\"]\n");
        for kind in legend.kinds.iter().copied() {
            let (open, close) = match kind {
                Kind::Outcome | Kind::Timer | Kind::Process => node_shape(kind),
                _ => ("(", ")"),
            };
            let _ = writeln!(
                out,
                "    legend_{}{open}\"{}\"{close}:::{}",
                kind.id_prefix(),
                kind.label(),
                kind.id_prefix()
            );
        }
        let lines: Vec<String> = legend.lines.iter().map(|l| mermaid_escape(l)).collect();
        let _ = writeln!(out, "    legend_edges[\"{}\"]", lines.join("<br/>"));
        out.push_str("  end\n");
        out.push_str("  style legend fill:#ffffff,stroke:#ced4da,color:#495057\n");
    }
    let mut link_styles: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, edge) in diagram.edges.iter().enumerate() {
        let from = mermaid_id(&diagram.nodes[&edge.from]);
        let to = mermaid_id(&diagram.nodes[&edge.to]);
        let dotted = edge.faded
            || matches!(
                edge.link,
                Link::Feeds
                    | Link::Hotspot
                    | Link::Couples
                    | Link::MayEmit
                    | Link::Cancels
                    | Link::Compensates
                    | Link::Records
                    | Link::Rejects
                    | Link::Reads
                    | Link::ReadsRow
            );
        let headless = matches!(edge.link, Link::Hotspot | Link::Outcome);
        let arrow = match (dotted, headless, edge.cross && !edge.faded) {
            // A cancel ends in a cross: the timer it reaches is stopped.
            _ if edge.link == Link::Cancels => "-.-x",
            (true, true, _) => "-.-",
            (true, false, _) => "-.->",
            (false, true, _) => "---",
            (false, false, true) => "==>",
            (false, false, false) => "-->",
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
                Link::Cancels => Some("stroke:#868e96"),
                Link::Compensates | Link::Records | Link::Rejects => Some("stroke:#e8590c"),
                Link::Reads | Link::ReadsRow => Some("stroke:#2b8a3e"),
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
    if let Some(legend) = &diagram.legend {
        classes.extend(legend.kinds.iter().map(|k| {
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
    fn mermaid_ids_are_distinct_for_distinct_keys() {
        let node = |key: &str| Node {
            kind: Kind::Command,
            key: key.to_owned(),
            lines: Vec::new(),
            faded: false,
            emphasised: false,
            published: false,
            failure: false,
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
