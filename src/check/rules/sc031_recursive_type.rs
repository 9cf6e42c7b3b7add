//! SC031 recursive-type: a record contains itself with no list, optional or map in between.
//!
//! Raised where types are resolved (`src/check/resolve/types.rs`); its finding is
//! built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC031",
    slug: "recursive-type",
    severity: Severity::Error,
    summary: "a record contains itself with no list, optional or map in between",
    explanation: Explanation {
        text: r#"A record contains itself by value, directly or through other records, so a value of it would be infinitely large (and the generated Rust struct would not compile). Put an optional, a list or a map on the way; they can be empty and end the recursion."#,
        bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    types:
      Category:
        fields:
          name: string
          parent: Category
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
    types:
      Category:
        fields:
          name: string
          parent: Category?
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

/// The finding for record `name` (defined at `span`), which contains itself through
/// `chain`, the fields of the loop as (type, field) pairs.
pub fn diagnostic(name: &str, chain: &[(&str, &str)], span: Span) -> Diagnostic {
    let chain: Vec<String> = chain
        .iter()
        .map(|(ty, field)| format!("`{ty}.{field}`"))
        .collect();
    Diagnostic::new(
        Code::RecursiveType,
        span,
        format!(
            "record `{name}` contains itself: {} → `{name}`",
            chain.join(" → ")
        ),
    )
    .label("infinitely large")
    .help("break the loop with an optional `T?`, a list `[T]` or a map `map<string, T>`")
}
