//! SC070 reserved-word: a name the generated Rust code cannot spell.
//!
//! Raised where names are declared (`src/check/resolve/scope.rs`); its findings
//! are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC070",
    slug: "reserved-word",
    severity: Severity::Error,
    summary: "a name is a Rust keyword the generated code cannot use",
    explanation: Explanation {
    text: r#"A name is a Rust keyword where the generated code needs an identifier. Most keywords can be written as raw identifiers (`r#type`), and the generator does so for fields, but `self`, `Self`, `super` and `crate` cannot be raw identifiers at all, so a field, id or key with one of those names, or an element named `Self`, cannot be generated.

Aggregates, commands, policies, read models and external systems also become modules and functions named by their snake_case form (`Match` becomes `fn match`), which cannot be keywords either. Rename the element; the help line suggests a longer name."#,
    bad: r#"stormcraft: 1
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
            fields:
              self: string
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
            fields:
              self_service: string
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
    },
};

/// A name that is a keyword which cannot even be a raw identifier.
pub fn not_an_identifier(kind: &str, name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ReservedWord,
        span,
        format!("{kind} name `{name}` is a Rust keyword that generated code cannot use"),
    )
    .label("not even `r#` makes this an identifier")
    .help(format!(
        "rename it, e.g. `{}`: `self`, `Self`, `super` and `crate` cannot name anything in Rust",
        suggestion(name)
    ))
}

/// An element whose snake_case form (a module or function name) is a keyword.
pub fn keyword_module(kind: &str, name: &str, snake: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ReservedWord,
        span,
        format!("{kind} `{name}` would generate the Rust name `{snake}`, which is a keyword"),
    )
    .label(format!("becomes `{snake}`"))
    .help(format!(
        "rename it with a second word, e.g. `{}`",
        suggestion(name)
    ))
}

/// A longer name that is no keyword: the name with a noun after it.
fn suggestion(name: &str) -> String {
    if name.starts_with(|c: char| c.is_ascii_uppercase()) {
        format!("{name}Item")
    } else {
        format!("{name}_value")
    }
}

/// Whether a name of this spelling can be an identifier at all.
pub fn is_not_raw_keyword(name: &str) -> bool {
    NOT_RAW_KEYWORDS.contains(&name)
}
