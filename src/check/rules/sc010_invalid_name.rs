//! SC010 invalid-name: a name does not follow the naming convention of its kind.
//!
//! Raised where names are declared and resolved (`src/check/resolve/`); its
//! findings are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC010",
    slug: "invalid-name",
    severity: Severity::Error,
    summary: "a name does not follow the naming convention of its kind",
    explanation: Explanation {
        text: r#"Names follow one convention per kind, because they become code: contexts and fields are snake_case (`order_lines`), everything else (actors, externals, types, aggregates, commands, events, policies, read models, errors, enum variants) is PascalCase (`OrderPlaced`). The help line gives the converted spelling."#,
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
            emits: [order_placed]
        events:
          order_placed: {}
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

/// The finding for a `kind` name that is not PascalCase; `help` gives the fix.
pub fn not_pascal_case(kind: &str, name: &str, span: Span, help: String) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidName,
        span,
        format!("{kind} name `{name}` is not PascalCase"),
    )
    .label("expected PascalCase, like `OrderPlaced`")
    .help(help)
}

/// The finding for a `kind` name that is not snake_case; `help` gives the fix.
pub fn not_snake_case(kind: &str, name: &str, span: Span, help: String) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidName,
        span,
        format!("{kind} name `{name}` is not snake_case"),
    )
    .label("expected snake_case, like `order_lines`")
    .help(help)
}
