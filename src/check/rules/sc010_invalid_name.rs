//! SC010 invalid-name: a name does not follow the naming convention of its kind.
//!
//! Raised where names are declared (`src/check/resolve/scope.rs`); its findings
//! are built here.

use super::prelude::*;
use crate::check::names::{is_pascal_case, is_snake_case, to_pascal_case, to_snake_case};

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

/// The finding for a `kind` name that is not PascalCase; the help gives its
/// PascalCase spelling when there is one.
pub fn not_pascal_case(kind: &str, name: &str, span: Span) -> Diagnostic {
    let fixed = to_pascal_case(name);
    let help = if fixed.is_empty() || !is_pascal_case(&fixed) {
        format!("{kind} names start with a capital letter and hold only letters and digits")
    } else {
        format!("write `{fixed}`")
    };
    Diagnostic::new(
        Code::InvalidName,
        span,
        format!("{kind} name `{name}` is not PascalCase"),
    )
    .label("expected PascalCase, like `OrderPlaced`")
    .help(help)
}

/// The finding for a `kind` name that is not snake_case; the help gives its
/// snake_case spelling when there is one.
pub fn not_snake_case(kind: &str, name: &str, span: Span) -> Diagnostic {
    let fixed = to_snake_case(name);
    let help = if fixed.is_empty() || !is_snake_case(&fixed) {
        format!("{kind} names are lowercase ASCII words joined by `_`, starting with a letter")
    } else {
        format!("write `{fixed}`")
    };
    Diagnostic::new(
        Code::InvalidName,
        span,
        format!("{kind} name `{name}` is not snake_case"),
    )
    .label("expected snake_case, like `order_lines`")
    .help(help)
}
