//! SC086 bad-schedule: a schedule's `every:` or `for_each:` is malformed or misplaced.
//!
//! Raised where policies are lowered (`src/check/resolve/lowering.rs`); its findings
//! are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC086",
    slug: "bad-schedule",
    severity: Severity::Error,
    summary: "a schedule's `every:` or `for_each:` is malformed or misplaced",
    explanation: Explanation {
        text: r#"A schedule is a policy set off by the clock, not by an event: `every:` is a duration (`15m`, `1h`, `1d`) or `day at HH:MM` (UTC, 24-hour clock). It has no `on:` and no `after:`.

With `for_each:`, a read model of the policy's own context, it issues its command once per row of that read model at each tick ("expire every stale hold"); `for_each:` needs `every:` and `issue:`."#,
        bad: r#"stormcraft: 2
system: Library
actors:
  Librarian: runs the desk
contexts:
  lending:
    aggregates:
      Hold:
        id: hold_id
        commands:
          PlaceHold:
            by: Librarian
            emits: [HoldPlaced]
          ExpireHold:
            emits: [HoldExpired]
        events:
          HoldPlaced: {}
          HoldExpired: {}
    read_models:
      OpenHolds:
        key: hold_id
        from: [HoldPlaced, HoldExpired]
    policies:
      ExpireStaleHolds:
        every: hourly
        for_each: OpenHolds
        issue: ExpireHold
"#,
        fixed: r#"stormcraft: 2
system: Library
actors:
  Librarian: runs the desk
contexts:
  lending:
    aggregates:
      Hold:
        id: hold_id
        commands:
          PlaceHold:
            by: Librarian
            emits: [HoldPlaced]
          ExpireHold:
            emits: [HoldExpired]
        events:
          HoldPlaced: {}
          HoldExpired: {}
    read_models:
      OpenHolds:
        key: hold_id
        from: [HoldPlaced, HoldExpired]
    policies:
      ExpireStaleHolds:
        every: 1h
        for_each: OpenHolds
        issue: ExpireHold
"#,
    },
};

/// `every:` that is neither a duration nor `day at HH:MM`.
pub fn bad_every(written: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadSchedule,
        span,
        format!("`{written}` is not a schedule"),
    )
    .label("expected a duration or `day at HH:MM`")
    .help("write a duration such as `15m`, `1h` or `1d`, or a daily UTC time such as `day at 03:00`")
}

/// `every:` together with `key` (`on` or `after`) at `span`; `every` is where `every:` is.
pub fn every_with(policy: &str, key: &str, span: Span, every: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadSchedule,
        span,
        format!("schedule policy `{policy}` also has `{key}:`"),
    )
    .label(format!("a schedule has no `{key}:`"))
    .secondary(every, "set off by the clock here")
    .help(format!(
        "remove `{key}:`, or remove `every:` to make it a policy on events (with `after:`, a deadline)"
    ))
}

/// `for_each:` on a policy without `every:`.
pub fn for_each_without_every(policy: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadSchedule,
        span,
        format!("policy `{policy}` has `for_each:` but no `every:`"),
    )
    .label("only a schedule goes over a read model")
    .help("add `every: 1h` (or `day at 03:00`), or remove `for_each:`")
}

/// `for_each:` on a schedule without `issue:`.
pub fn for_each_without_issue(policy: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadSchedule,
        span,
        format!("schedule policy `{policy}` has `for_each:` but issues no command"),
    )
    .label("one command per row, but which?")
    .help("add `issue: SomeCommand`: the command issued for each row")
}

/// `for_each:` names a read model of another context.
pub fn foreign_for_each(written: &str, context: &str, other: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadSchedule,
        span,
        format!("`{written}` is a read model of context `{other}`, not of `{context}`"),
    )
    .label(format!("not a read model of `{context}`"))
    .help(format!(
        "a schedule goes over its own context's rows: add a read model to `{context}` fed by `{other}`'s published events, or move the policy to `{other}`"
    ))
}
