//! SC033 empty-enum: an enum has no variants.
//!
//! Raised where types are lowered (`src/check/resolve/lowering.rs`); its finding
//! is built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC033",
    slug: "empty-enum",
    severity: Severity::Error,
    summary: "an enum has no variants",
    explanation: Explanation {
        text: r#"An enum lists no variants, so no value of it can exist. List its variants, or use another type until they are known."#,
        bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    types:
      Status:
        enum: []
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
      Status:
        enum: [Open, Closed]
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

/// The finding for enum `name`, whose `enum:` list at `span` is empty.
pub fn diagnostic(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::EmptyEnum, span, format!("enum `{name}` has no variants"))
        .label("no variants")
        .help("list its variants, like `enum: [Pending, Paid]`")
}
