//! Mermaid's default limits, and which smaller views to draw when a view exceeds them.
//!
//! Mermaid refuses a flowchart with more than `maxEdges` links (its parser throws) and
//! a source longer than `maxTextSize` characters (its renderer draws an error image
//! instead). A page can raise both, but GitHub's and GitLab's Markdown cannot, so a
//! big board drawn as Mermaid is an error where it is most likely to be read. The
//! warning names the views that stay small: the context map, one context, one flow.

use super::View;
use crate::ir::Model;

/// Mermaid's default `maxEdges` (flowchart links).
pub const MERMAID_MAX_EDGES: usize = 500;
/// Mermaid's default `maxTextSize` (characters of source, as JavaScript counts them).
pub const MERMAID_MAX_TEXT_SIZE: usize = 50_000;

/// How many names a suggestion lists before it says how many more there are.
const LISTED: usize = 5;

/// A warning when a Mermaid `source` with `edges` links exceeds Mermaid's defaults,
/// naming smaller views of `model` to draw instead of `view`.
pub fn mermaid_limit_warning(
    model: &Model,
    view: &View,
    source: &str,
    edges: usize,
) -> Option<String> {
    // JavaScript's `length` counts UTF-16 code units.
    let size = source.encode_utf16().count();
    let mut over = Vec::new();
    if edges > MERMAID_MAX_EDGES {
        over.push(format!(
            "{} edges (at most {MERMAID_MAX_EDGES})",
            thousands(edges)
        ));
    }
    if size > MERMAID_MAX_TEXT_SIZE {
        over.push(format!(
            "{} characters (at most {})",
            thousands(size),
            thousands(MERMAID_MAX_TEXT_SIZE)
        ));
    }
    if over.is_empty() {
        return None;
    }
    let smaller = match view {
        View::Board => {
            let names = listed(model.contexts.iter().map(|c| c.name.clone()));
            Some(format!(
                "draw `--view context-map` for the overview, or one context at a time with `--view context:NAME` ({names})"
            ))
        }
        View::ContextMap => {
            let names = listed(model.contexts.iter().map(|c| c.name.clone()));
            Some(format!(
                "draw one context at a time with `--view context:NAME` ({names})"
            ))
        }
        View::Context(id) => {
            let context = model.context(*id);
            let commands: Vec<String> = context
                .aggregates
                .iter()
                .flat_map(|a| &model.aggregate(*a).commands)
                .map(|c| model.qualified_command(*c))
                .collect();
            (!commands.is_empty()).then(|| {
                format!(
                    "draw the flow of one command with `--view flow:COMMAND` ({})",
                    listed(commands.into_iter())
                )
            })
        }
        View::Flow(_) => None,
    };
    let instead = match smaller {
        Some(views) => format!("{views}, or draw this view with Graphviz (`--format svg`)"),
        None => "draw it with Graphviz (`--format svg`)".to_owned(),
    };
    Some(format!(
        "this Mermaid diagram is over Mermaid's default limits with {}, so Mermaid shows an error instead (unless the page raises `maxEdges`/`maxTextSize`); instead, {instead}",
        over.join(" and ")
    ))
}

/// Up to [`LISTED`] names in backticks, then how many more.
fn listed(names: impl Iterator<Item = String>) -> String {
    let names: Vec<String> = names.collect();
    let mut shown: Vec<String> = names
        .iter()
        .take(LISTED)
        .map(|n| format!("`{n}`"))
        .collect();
    if names.len() > LISTED {
        shown.push(format!("and {} more", names.len() - LISTED));
    }
    shown.join(", ")
}

/// `1234567` as `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_lists_read_well() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(50_000), "50,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        let names = (1..=7).map(|i| format!("c{i}"));
        assert_eq!(listed(names), "`c1`, `c2`, `c3`, `c4`, `c5`, and 2 more");
        assert_eq!(listed(["a".to_owned()].into_iter()), "`a`");
    }
}
