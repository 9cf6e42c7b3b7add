//! SC030 bad-type-expression: a field type is not a valid type expression.
//!
//! Raised by the decoder (`src/model/decode.rs`: a field without a type) and
//! where types are resolved (`src/check/resolve/types.rs`); its findings are built
//! here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC030",
    slug: "bad-type-expression",
    severity: Severity::Error,
    summary: "a field type is not a valid type expression",
    explanation: Explanation {
        text: r#"A field type is not a valid type expression. Types are a primitive (`string bool i32 i64 u32 u64 f64 decimal uuid timestamp date bytes json`), a type of the context, `T?` (optional), `[T]` (a list) or `map<string, T>`. Map keys are always `string`, as in JSON."#,
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
          OrderPlaced:
            fields:
              lines: list<string>
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
          OrderPlaced:
            fields:
              lines: "[string]"
"#,
    },
};

/// The finding for the type expression `text`, which does not parse: `problem` says
/// why, `span` is the place inside it; the help gives the likely fix.
pub fn diagnostic(text: &str, problem: &str, span: Span) -> Diagnostic {
    // Other languages' list types are the common slip.
    let lowered = text.trim().to_ascii_lowercase();
    let help = match ["list<", "vec<", "array<", "set<"]
        .iter()
        .find(|prefix| lowered.starts_with(*prefix))
    {
        Some(_) => "a list is written `[T]`, e.g. `[string]`",
        None => "types are `string`, `uuid`, …, a type name, `T?`, `[T]` or `map<string, T>`",
    };
    Diagnostic::new(
        Code::BadTypeExpression,
        span,
        format!("invalid type `{text}`: {problem}"),
    )
    .label("here")
    .help(help)
}

/// The finding for a field (at `span`) written without a type.
pub fn no_type(span: Span) -> Diagnostic {
    Diagnostic::new(Code::BadTypeExpression, span, "a field has no type")
        .label("type missing")
        .help("write a type such as `string`, `uuid`, `[OrderLine]` or `Money?`")
}
