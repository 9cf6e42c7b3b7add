//! The workspace: its manifest, README and the app, over the context views.

use std::collections::BTreeSet;

use serde::Serialize;

use super::context::{context_view, ContextView};
use super::docs;
use crate::ir::{ContextId, Model, Primitive};
use crate::render::service::names::snake;

/// A dependency of `[workspace.dependencies]`.
#[derive(Debug, Clone, Serialize)]
pub struct DepView {
    /// Crate name.
    pub name: String,
    /// What follows `name = `.
    pub spec: String,
    /// Why the generated code needs it (a TOML comment).
    pub why: String,
}

/// The workspace: root files and the app.
#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceView {
    /// The system's name.
    pub system: String,
    /// Doc lines of the system description.
    pub docs: Vec<String>,
    /// The app's package (and binary) name, `<system>-app`.
    pub app: String,
    /// Context crates, in model order.
    pub contexts: Vec<ContextView>,
    /// Workspace members, sorted.
    pub members: Vec<String>,
    /// The members `cargo test` and `cargo build` at the root take: all but the
    /// runtime, whose own suite runs where it is developed.
    pub default_members: Vec<String>,
    /// `[workspace.dependencies]`, sorted by name.
    pub deps: Vec<DepView>,
    /// The README's example request: the app path of the first command, if any.
    pub example_command: Option<String>,
    /// The app's upcasters: every context's, merged.
    pub upcasters: String,
    /// The app's workers: every context's.
    pub workers: String,
    /// The app's pending rules: every context's.
    pub pending: String,
    /// The store parameter of the app's router (`_store` without contexts).
    pub store_param: String,
}

/// Builds the view of the whole workspace.
pub fn workspace(model: &Model) -> WorkspaceView {
    let prefix = package_prefix(&model.system);
    let mut contexts = Vec::new();
    let mut primitives = BTreeSet::new();
    for index in 0..model.contexts.len() {
        let (view, used) = context_view(model, ContextId(index as u32), &prefix);
        primitives.extend(used);
        contexts.push(view);
    }
    let mut default_members: Vec<String> = contexts.iter().map(|c| c.name.clone()).collect();
    default_members.push("app".into());
    default_members.sort();
    let mut members = default_members.clone();
    members.push("runtime".into());
    members.sort();
    let mut deps = vec![
        dep(
            "axum",
            r#"{ version = "0.8", default-features = false, features = ["http1", "json", "tokio"] }"#,
            "HTTP: each context's router (HTTP/1 only; JSON bodies).",
        ),
        dep(
            "serde",
            r#"{ version = "1", features = ["derive"] }"#,
            "Commands, events, states and rows are serde types.",
        ),
        dep(
            "serde_json",
            r#""1""#,
            "Event payloads, documents and HTTP bodies are JSON.",
        ),
        dep(
            "stormcraft-runtime",
            r#"{ path = "runtime" }"#,
            "The event store, and what every context shares: the command handler, workers, HTTP, tests.",
        ),
        dep(
            "tokio",
            r#"{ version = "1", features = ["rt-multi-thread", "macros"] }"#,
            "The async runtime of the binaries.",
        ),
        dep(
            "uuid",
            r#"{ version = "1", features = ["serde", "v5"] }"#,
            "Ids; v5 derives a command's id from the event that caused it.",
        ),
    ];
    if primitives.contains(&Primitive::Decimal) {
        deps.push(dep(
            "rust_decimal",
            r#"{ version = "1", default-features = false, features = ["std", "serde"] }"#,
            "Exact decimals for money: JSON numbers or strings in, strings out.",
        ));
    }
    if primitives.contains(&Primitive::Timestamp) || primitives.contains(&Primitive::Date) {
        deps.push(dep(
            "chrono",
            r#"{ version = "0.4", default-features = false, features = ["clock", "serde", "std"] }"#,
            "Timestamps and dates, RFC 3339 in JSON.",
        ));
    }
    deps.sort_by(|a, b| a.name.cmp(&b.name));
    let example_command = contexts.iter().find_map(|c| {
        let command = c.aggregates.iter().find_map(|a| a.commands.first())?;
        Some(format!("{}/commands/{}", c.name, command.name))
    });
    let upcasters = contexts.iter().fold(
        "stormcraft_runtime::Upcasters::new()".to_owned(),
        |chain, c| format!("{chain}.merge({}::upcasters())", c.krate),
    );
    let workers = match contexts.as_slice() {
        [] => "Vec::new()".to_owned(),
        [one] => format!("{}::workers()", one.krate),
        many => format!(
            "[{}].concat()",
            many.iter()
                .map(|c| format!("{}::workers()", c.krate))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let pending = match contexts.as_slice() {
        [] => "Vec::new()".to_owned(),
        [one] => format!("{}::pending_rules()", one.krate),
        many => format!(
            "[{}].concat()",
            many.iter()
                .map(|c| format!("{}::pending_rules()", c.krate))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    WorkspaceView {
        pending,
        system: model.system.clone(),
        docs: docs(&model.description),
        app: format!("{prefix}-app"),
        store_param: if contexts.is_empty() {
            "_store"
        } else {
            "store"
        }
        .to_owned(),
        contexts,
        members,
        default_members,
        deps,
        example_command,
        upcasters,
        workers,
    }
}

fn dep(name: &str, spec: &str, why: &str) -> DepView {
    DepView {
        name: name.into(),
        spec: spec.into(),
        why: why.into(),
    }
}

/// The system's name as the first part of every package name: kebab case, ASCII
/// letters and digits only (Cargo's and rustc's rules for names), starting with a
/// letter. `My Shop` → `my-shop`, `42` → `system-42`, `Café` → `caf`.
pub fn package_prefix(system: &str) -> String {
    let words: Vec<String> = snake(system)
        .split('_')
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let kebab = words.join("-");
    if kebab.starts_with(|c: char| c.is_ascii_alphabetic()) {
        kebab
    } else if kebab.is_empty() {
        "system".to_owned()
    } else {
        format!("system-{kebab}")
    }
}

#[cfg(test)]
mod tests {
    use super::package_prefix;

    #[test]
    fn package_names_start_with_the_system_in_kebab_case() {
        assert_eq!(package_prefix("Shop"), "shop");
        assert_eq!(package_prefix("EdgeCases"), "edge-cases");
        assert_eq!(package_prefix("My Shop"), "my-shop");
        assert_eq!(package_prefix("HTTPGateway 2"), "http-gateway-2");
        assert_eq!(package_prefix("42"), "system-42");
        assert_eq!(package_prefix("Café Crème"), "caf-crme");
        assert_eq!(package_prefix("  "), "system");
    }
}
