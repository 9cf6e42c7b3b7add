//! SC085 bad-deadline: a deadline's `after:`, `unless:` or `correlate:` is malformed or misplaced.
//!
//! Raised where policies are lowered (`src/check/resolve/lowering.rs`); its findings
//! are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC085",
    slug: "bad-deadline",
    severity: Severity::Error,
    summary: "a deadline's `after:`, `unless:` or `correlate:` is malformed or misplaced",
    explanation: Explanation {
        text: r#"A deadline is a policy that issues its command a while after its `on` event, unless one of its `unless` events with the same value of the `correlate` field arrives first: "cancel an order not paid within 30 minutes".

`after:` is a duration — a number and a unit (`d`, `h`, `m`, `s`), largest first: `45s`, `30m`, `2h`, `1d`, `1h30m` — and needs `on:` and `issue:`. `unless:` and `correlate:` need `after:`; `unless:` may be empty (a plain delay). `correlate:` is a field of the `on` event and of every `unless` event; without it, the timer is tied to the `on` event's aggregate id field, which every `unless` event must then carry."#,
        bad: r#"stormcraft: 2
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        id: order_id
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
          PayOrder:
            by: Customer
            emits: [OrderPaid]
          CancelOrder:
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderPaid: {}
          OrderCancelled: {}
    policies:
      CancelUnpaidOrder:
        on: OrderPlaced
        after: 30 minutes
        unless: [OrderPaid]
        correlate: order_id
        issue: CancelOrder
"#,
        fixed: r#"stormcraft: 2
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        id: order_id
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
          PayOrder:
            by: Customer
            emits: [OrderPaid]
          CancelOrder:
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderPaid: {}
          OrderCancelled: {}
    policies:
      CancelUnpaidOrder:
        on: OrderPlaced
        after: 30m
        unless: [OrderPaid]
        correlate: order_id
        issue: CancelOrder
"#,
    },
};

/// `after:` that is not a duration.
pub fn bad_duration(written: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadDeadline,
        span,
        format!("`{written}` is not a duration"),
    )
    .label("expected a duration such as `30m`")
    .help("write a number and a unit (`d`, `h`, `m`, `s`), largest first: `45s`, `30m`, `2h`, `1d`, `1h30m`")
}

/// A deadline without `key` (`on` or `issue`); `span` is `after:`.
pub fn needs(policy: &str, key: &str, span: Span) -> Diagnostic {
    let help = match key {
        "on" => "add `on: SomeEvent`: the event that starts the timer",
        _ => "add `issue: SomeCommand`: the command issued when the time is up",
    };
    Diagnostic::new(
        Code::BadDeadline,
        span,
        format!("deadline policy `{policy}` has `after:` but no `{key}:`"),
    )
    .label(format!("a deadline needs `{key}:`"))
    .help(help)
}

/// `key` (`unless` or `correlate`) on a policy without `after:`; `span` is where it is written.
pub fn needs_after(policy: &str, key: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadDeadline,
        span,
        format!("policy `{policy}` has `{key}:` but no `after:`"),
    )
    .label("only a deadline has this")
    .help(format!(
        "add `after: 30m` (the delay after the `on` event), or remove `{key}:`"
    ))
}

/// The correlation field is not a field of an `on` or `unless` event; `span` is the
/// event's reference, `fields` the event's fields.
pub fn correlate_missing(
    policy: &str,
    field: &str,
    written: bool,
    event: &str,
    role: &str,
    span: Span,
    fields: &[&str],
) -> Diagnostic {
    let how = if written {
        "the correlation field"
    } else {
        "the correlation field (by default the `on` event's aggregate id)"
    };
    let help = if written {
        crate::suggest::did_you_mean(field, fields.iter().copied()).unwrap_or_else(|| {
            format!("add a field `{field}` to `{event}`, or correlate on a field every `on` and `unless` event carries")
        })
    } else {
        format!("add `correlate: some_field`, a field of the `on` event and of `{event}`, or add `{field}` to `{event}`")
    };
    Diagnostic::new(
        Code::BadDeadline,
        span,
        format!("`{event}` has no field `{field}`, {how} of deadline policy `{policy}`"),
    )
    .label(format!("this `{role}` event lacks `{field}`"))
    .help(help)
}
