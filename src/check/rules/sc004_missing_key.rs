//! SC004 missing-key: a required key is missing.
//!
//! Raised by the decoder (`src/model/decode.rs`) and the scope phase (a model without `system`, a policy on nothing).

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC004",
    slug: "missing-key",
    severity: Severity::Error,
    summary: "a required key is missing",
    explanation: Explanation {
        text: r#"A required key is absent: the model's `system` name, a read model's `key`, a policy's `on`, a field's `type`, or whether a type is a record (`fields`) or an enum (`enum`). The label points at the element that needs it."#,
        bad: r#"stormcraft: 1
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
