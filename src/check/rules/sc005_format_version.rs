//! SC005 format-version: the model's format version is missing or not supported.
//!
//! Raised by the decoder (`src/model/decode.rs`).

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC005",
    slug: "format-version",
    severity: Severity::Error,
    summary: "the model's format version is missing or not supported",
    explanation: Explanation {
        text: r#"Every model file starts with `stormcraft: 1`, the version of the model format it is written in. A file without it, an empty file, or a version this build does not read is rejected, so that a future format change can never be misread silently."#,
        bad: r#"stormcraft: 2
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
