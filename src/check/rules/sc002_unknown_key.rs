//! SC002 unknown-key: a key the format does not define.
//!
//! Raised by the decoder (`src/model/decode.rs`), where keys are read.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC002",
    slug: "unknown-key",
    severity: Severity::Error,
    summary: "a key the format does not define",
    explanation: Explanation {
        text: r#"A mapping holds a key that the model format does not define. Usually it is a typo (`emit` for `emits`), and the help line names the closest key. Unknown keys are errors rather than being ignored, because an ignored `emit:` would silently drop the events a command emits."#,
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
            emit: [OrderPlaced]
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
