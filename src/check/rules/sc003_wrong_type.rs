//! SC003 wrong-type: a value of the wrong kind (e.g. a list where a mapping is expected).
//!
//! Raised by the decoder (`src/model/decode.rs`), where values are read.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC003",
    slug: "wrong-type",
    severity: Severity::Error,
    summary: "a value of the wrong kind (e.g. a list where a mapping is expected)",
    explanation: Explanation {
        text: r#"A value has the wrong kind: a list where a mapping is expected, text where `true`/`false` is expected, an unknown `persistence`. Only YAML 1.2 booleans count, so `yes` and `on` are text, not `true`."#,
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
            published: yes
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
