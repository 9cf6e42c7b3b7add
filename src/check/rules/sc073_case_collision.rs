//! SC073 case-collision: two names that differ only in case or acronym spelling.
//!
//! Raised where names are declared (`src/check/resolve/scope.rs`); its findings
//! are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC073",
    slug: "case-collision",
    severity: Severity::Error,
    summary: "two names differ only in case, so generated code names them the same",
    explanation: Explanation {
    text: r#"Two elements of one context (or two actors and external systems) have different names with the same snake_case form, such as `HTTPCall` and `HttpCall` (both `http_call`). The generator names modules, files, functions and URL paths by that form, so the two would become one module file, one function or one route.

Names that differ only in case also read as the same word on the board. Rename one of them, or spell the acronym the same way in both."#,
    bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      HTTPCall:
        commands:
          MakeCall:
            by: Customer
            emits: [CallMade]
        events:
          CallMade: {}
      HttpCall:
        commands:
          MakeOtherCall:
            by: Customer
            emits: [OtherCallMade]
        events:
          OtherCallMade: {}
"#,
    fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      HttpCall:
        commands:
          MakeCall:
            by: Customer
            emits: [CallMade]
        events:
          CallMade: {}
      HttpCallback:
        commands:
          MakeOtherCall:
            by: Customer
            emits: [OtherCallMade]
        events:
          OtherCallMade: {}
"#,
    },
};

/// The finding for `name`, whose snake_case form `snake` is also that of `first`.
pub fn diagnostic(
    kind: &str,
    name: &str,
    span: Span,
    first: &str,
    first_span: Span,
    snake: &str,
) -> Diagnostic {
    Diagnostic::new(
        Code::CaseCollision,
        span,
        format!("{kind} `{name}` and `{first}` differ only in case: both become `{snake}` in generated code"),
    )
    .label(format!("`{snake}`, like `{first}`"))
    .secondary(first_span, format!("`{first}` defined here"))
    .help(format!(
        "rename one of them, or spell both the same way (`{first}`) if they are one thing"
    ))
}
