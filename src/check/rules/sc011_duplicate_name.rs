//! SC011 duplicate-name: a name is defined twice in one namespace.
//!
//! Raised where names are declared (`src/check/resolve/scope.rs`); its findings are
//! built here. Enum variants and command errors are declared where they are lowered,
//! through the same helper of `scope.rs`.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC011",
    slug: "duplicate-name",
    severity: Severity::Error,
    summary: "a name is defined twice in one namespace",
    explanation: Explanation {
        text: r#"A name is defined twice in one namespace. All PascalCase elements of a context (types, aggregates, commands, events, policies, read models) share one namespace, because they become items of one generated crate; actors and external systems share the model-wide one; contexts are unique in the model, also across the files of a folder."#,
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
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
      Cart:
        commands:
          PlaceOrder:
            by: Customer
            emits: [CartCheckedOut]
        events:
          CartCheckedOut: {}
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
      Cart:
        commands:
          CheckOutCart:
            by: Customer
            emits: [CartCheckedOut]
        events:
          CartCheckedOut: {}
"#,
    },
};

/// The finding for `name`, defined again at `span` after its first definition at
/// `first`; `what` says where, e.g. "in context `ordering`".
pub fn diagnostic(name: &str, span: Span, first: Span, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateName,
        span,
        format!("`{name}` is defined twice {what}"),
    )
    .label("defined again here")
    .secondary(first, format!("`{name}` first defined here"))
    .help("rename one of them, or remove the second definition")
}

/// The finding for a second `system:` of a model.
pub fn system_twice(span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(Code::DuplicateName, span, "the model names its `system` twice")
        .label("second `system`")
        .secondary(first, "first `system` here")
        .help("keep `system:` in one file of the model only")
}
