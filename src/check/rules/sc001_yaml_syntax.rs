//! SC001 yaml-syntax: the file is not valid YAML.
//!
//! Raised by the loader (`src/model/load.rs`), where the YAML is parsed; its
//! finding is built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC001",
    slug: "yaml-syntax",
    severity: Severity::Error,
    summary: "the file is not valid YAML",
    explanation: Explanation {
        text: r#"The file could not be parsed as YAML at all, so nothing else in it can be checked. Common causes are an unclosed `[` or `{`, a tab used for indentation, or a key and its value at inconsistent indentation.

The label points at the place where the parser gave up; the real mistake is often just before it."#,
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
            emits: [OrderPlaced
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

/// The finding for a file the YAML parser rejects: `message` is the parser's reason
/// without its location, `span` the place it stopped at.
pub fn diagnostic(message: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::YamlSyntax, span, format!("invalid YAML: {message}"))
        .label("here")
        .help("fix the YAML syntax; a YAML linter or your editor's YAML mode shows the structure")
}
