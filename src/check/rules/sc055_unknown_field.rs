//! SC055 unknown-field: a value is given for a field the message does not have.
//!
//! Raised in the flow phase, where scenarios are lowered
//! (`src/check/resolve/scenarios.rs`) and the values of nested records are checked
//! (`src/check/resolve/values.rs`); its finding is built here.

use super::prelude::*;
use crate::suggest::did_you_mean;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC055",
    slug: "unknown-field",
    severity: Severity::Error,
    summary: "a value is given for a field the message does not have",
    explanation: Explanation {
        text: r#"A scenario step gives a value for a field that its command or event does not have. Usually a typo; the help line suggests the closest field."#,
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
            fields: {total: decimal}
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: place an order
        when: {PlaceOrder: {totl: 10}}
        then: [OrderPlaced]
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
            fields: {total: decimal}
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: place an order
        when: {PlaceOrder: {total: 10}}
        then: [OrderPlaced]
"#,
    },
};

/// The finding for a value given for `field`, which the `what` (`event` or
/// `command`) `message` does not have; the help suggests or lists its `fields`.
pub fn diagnostic(
    what: &str,
    message: &str,
    field: &str,
    span: Span,
    fields: &[&str],
    subject: NodeRef,
) -> Diagnostic {
    let help = did_you_mean(field, fields.iter().copied())
        .unwrap_or_else(|| format!("the fields of `{message}` are: {}", fields.join(", ")));
    Diagnostic::new(
        Code::UnknownField,
        span,
        format!("{what} `{message}` has no field `{field}`"),
    )
    .label("unknown field")
    .help(help)
    .about(subject)
}
