//! SC084 scenario-outcome: a scenario's `then` fits no outcome of its command, or more than one.
//!
//! Raised in the flow phase, where scenarios are lowered
//! (`src/check/resolve/scenarios.rs`); its findings are built here.

use super::prelude::*;
use super::scenario_finding;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC084",
    slug: "scenario-outcome",
    severity: Severity::Error,
    summary: "a scenario's `then` fits no outcome of its command, or more than one",
    explanation: Explanation {
        text: r#"The events a scenario expects must be exactly one outcome of its command: every required event of it, any of its optional (`Event?`) ones, nothing else. The generated aggregate refuses to record anything else, so such a scenario could never pass.

When `then` fits several outcomes (say, two that differ only in optional events), name the one meant with `outcome:`; an `outcome:` must name an outcome of the command that `then` fits. A command written with `emits:` has one outcome, `emitted`, with every event required."#,
        bad: r#"stormcraft: 2
system: Shop
externals:
  PaymentProvider: takes card payments
contexts:
  payments:
    aggregates:
      Payment:
        commands:
          ConfirmPayment:
            by: PaymentProvider
            outcomes:
              succeeded: [PaymentSucceeded, ReceiptIssued?]
              failed: [PaymentFailed]
        events:
          PaymentSucceeded: {}
          ReceiptIssued: {}
          PaymentFailed: {}
    scenarios:
      - name: a confirmed payment succeeds
        when: ConfirmPayment
        then: [PaymentSucceeded, PaymentFailed]
"#,
        fixed: r#"stormcraft: 2
system: Shop
externals:
  PaymentProvider: takes card payments
contexts:
  payments:
    aggregates:
      Payment:
        commands:
          ConfirmPayment:
            by: PaymentProvider
            outcomes:
              succeeded: [PaymentSucceeded, ReceiptIssued?]
              failed: [PaymentFailed]
        events:
          PaymentSucceeded: {}
          ReceiptIssued: {}
          PaymentFailed: {}
    scenarios:
      - name: a confirmed payment succeeds
        when: ConfirmPayment
        then: [PaymentSucceeded, ReceiptIssued]
        outcome: succeeded
"#,
    },
};

/// `then` fits none of `outcomes` (each written `name: [A, B?]`); `span` is its first event.
pub fn fits_none(
    scenario: &str,
    command: &str,
    span: Span,
    outcomes: &[String],
    subject: NodeRef,
) -> Diagnostic {
    scenario_finding(
        Code::ScenarioOutcome,
        scenario,
        format_args!("expects events that are no outcome of `{command}`"),
        span,
        subject,
    )
    .label("fits no outcome")
    .help(format!(
        "expect exactly the events of one outcome (`Event?` ones may be left out): {}",
        outcomes.join("; ")
    ))
}

/// `then` fits several outcomes and `outcome:` is missing.
pub fn ambiguous(
    scenario: &str,
    command: &str,
    span: Span,
    fitting: &[&str],
    subject: NodeRef,
) -> Diagnostic {
    let listed: Vec<String> = fitting.iter().map(|o| format!("`{o}`")).collect();
    scenario_finding(
        Code::ScenarioOutcome,
        scenario,
        format_args!(
            "expects events that fit several outcomes of `{command}`: {}",
            listed.join(", ")
        ),
        span,
        subject,
    )
    .label("which outcome is meant?")
    .help(format!("add `outcome: {}` (or another of them)", fitting[0]))
}

/// `outcome:` names no outcome of `command`.
pub fn unknown(
    scenario: &str,
    written: &str,
    command: &str,
    span: Span,
    outcomes: &[String],
    subject: NodeRef,
) -> Diagnostic {
    let help = crate::suggest::did_you_mean(written, outcomes.iter().map(String::as_str))
        .unwrap_or_else(|| {
            let listed: Vec<String> = outcomes.iter().map(|o| format!("`{o}`")).collect();
            format!("the outcomes of `{command}` are {}", listed.join(", "))
        });
    scenario_finding(
        Code::ScenarioOutcome,
        scenario,
        format_args!("names outcome `{written}`, which `{command}` does not have"),
        span,
        subject,
    )
    .label("no such outcome")
    .help(help)
}

/// `outcome:` names an outcome (`expected` is its events) that `then` does not fit.
pub fn does_not_fit(
    scenario: &str,
    written: &str,
    expected: &str,
    span: Span,
    fitting: &[&str],
    subject: NodeRef,
) -> Diagnostic {
    let help = match fitting {
        [] => format!("expect the events of `{written}`: {expected}"),
        _ => {
            let listed: Vec<String> = fitting.iter().map(|o| format!("`{o}`")).collect();
            format!(
                "expect the events of `{written}` ({expected}), or name the outcome they fit: {}",
                listed.join(", ")
            )
        }
    };
    scenario_finding(
        Code::ScenarioOutcome,
        scenario,
        format_args!("names outcome `{written}`, but `then` does not fit it"),
        span,
        subject,
    )
    .label(format!("`{written}` records {expected}"))
    .help(help)
}

/// `outcome:` on a scenario that expects an error.
pub fn with_error(scenario: &str, span: Span, subject: NodeRef) -> Diagnostic {
    scenario_finding(
        Code::ScenarioOutcome,
        scenario,
        "names an outcome but expects an error",
        span,
        subject,
    )
    .label("an error records no outcome")
    .help("remove `outcome:`, or expect events with `then:` instead of `error:`")
}
