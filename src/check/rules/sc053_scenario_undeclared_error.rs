//! SC053 scenario-undeclared-error: a scenario expects an error its command does not declare.
//!
//! Raised in the flow phase, where scenarios are lowered
//! (`src/check/resolve/scenarios.rs`); its finding is built here.

use super::prelude::*;
use super::scenario_finding;
use crate::suggest::did_you_mean;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC053",
    slug: "scenario-undeclared-error",
    severity: Severity::Error,
    summary: "a scenario expects an error its command does not declare",
    explanation: Explanation {
        text: r#"A scenario expects a business error that its `when` command does not declare under `errors`. Declared errors become the command's error type in generated code, so an undeclared one cannot be raised."#,
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
      - name: place an empty order
        when: PlaceOrder
        error: OutOfStock
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
      - name: place an empty order
        when: PlaceOrder
        error: NoLines
"#,
    },
};

/// The finding for an expected `error` that `command` does not declare; the help
/// suggests one of its `declared` errors or says where to declare it.
pub fn diagnostic(
    scenario: &str,
    error: &str,
    command: &str,
    span: Span,
    declared: &[&str],
    subject: NodeRef,
) -> Diagnostic {
    let help = did_you_mean(error, declared.iter().copied())
        .unwrap_or_else(|| format!("declare it under the `errors` of `{command}`"));
    scenario_finding(
        Code::ScenarioUndeclaredError,
        scenario,
        format_args!("expects error `{error}`, which `{command}` does not declare"),
        span,
        subject,
    )
    .label("undeclared error")
    .help(help)
}
