//! SC071 reserved-crate-name: a context whose crate name is taken.
//!
//! Raised where contexts are declared (`src/check/resolve/scope.rs`); its finding
//! is built here.

use super::prelude::*;

/// Names a context crate of the generated workspace cannot have: the workspace's own
/// members (`app`, `runtime`), the crates generated code depends on, and the crates
/// every Rust program sees (`std`, `core`, …). A crate of that name would shadow or
/// clash with the real one.
pub const RESERVED_CRATES: &[&str] = &[
    "app",
    "runtime",
    "axum",
    "serde",
    "serde_json",
    "tokio",
    "uuid",
    "chrono",
    "rust_decimal",
    "stormcraft_runtime",
    "std",
    "core",
    "alloc",
    "test",
    "proc_macro",
];

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC071",
    slug: "reserved-crate-name",
    severity: Severity::Error,
    summary: "a context's crate name is taken by Rust or a dependency",
    explanation: Explanation {
    text: r#"Every bounded context becomes a crate of the generated workspace, named like the context. Some names are taken: the workspace's own `app` and `runtime` crates, the crates the generated code depends on (`serde`, `tokio`, `axum`, `uuid`, …), the crates of Rust itself (`std`, `core`, `alloc`, `test`, `proc_macro`), and Rust keywords. A context with one of those names cannot be generated.

Give the context a name from the business: `billing`, not `core`."#,
    bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  core:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
    fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
    },
};

/// Whether a context of this name cannot be a crate of the workspace.
pub fn is_reserved(name: &str) -> bool {
    RESERVED_CRATES.contains(&name) || is_rust_keyword(name)
}

/// The finding for a context whose crate name is taken.
pub fn diagnostic(name: &str, span: Span) -> Diagnostic {
    let why = if is_rust_keyword(name) {
        "a Rust keyword"
    } else {
        "taken by Rust or by a crate the generated code uses"
    };
    Diagnostic::new(
        Code::ReservedCrateName,
        span,
        format!("context `{name}` cannot be a crate of the generated workspace: the name is {why}"),
    )
    .label("reserved crate name")
    .help(format!(
        "rename the context after its part of the business, e.g. `{name}_context`"
    ))
}
