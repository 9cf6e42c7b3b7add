//! SC104 bad-process-deadline: a process's deadline has a bad `after:` or an `unless:` event it does not handle.
//!
//! Raised where processes are lowered (`src/check/resolve/processes.rs`); its findings
//! are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC104",
    slug: "bad-process-deadline",
    severity: Severity::Error,
    summary: "a process's deadline has a bad `after:` or an `unless:` event it does not handle",
    explanation: Explanation {
        text: r#"A process's deadline starts when an instance starts and is cancelled when the instance completes or one of its `unless` events arrives first; when it is up, it issues its command. `after:` is a duration — numbers and units (`d`, `h`, `m`, `s`), largest first: `45s`, `20m`, `1d`, `1h30m`. An `unless` event must be one the process handles (listed under its `on:`): the process only hears of those, keyed by its key."#,
        bad: r#"stormcraft: 2
system: Rentals
actors:
  Customer: rents cars
contexts:
  rental:
    aggregates:
      Booking:
        id: booking_id
        commands:
          BookCar:
            by: Customer
            emits: [CarBooked]
          PayDeposit:
            by: Customer
            fields:
              amount: decimal
            emits: [DepositPaid]
          ConfirmBooking:
            emits: [BookingConfirmed]
          CancelBooking:
            emits: [BookingCancelled]
        events:
          CarBooked: {}
          DepositPaid: {}
          BookingConfirmed: {}
          BookingCancelled: {}
    processes:
      DepositCollection:
        key: booking_id
        on:
          CarBooked: { start: true }
          DepositPaid: { issue: ConfirmBooking }
          BookingCancelled: { complete: true }
        deadlines:
          DepositOverdue:
            after: one day
            unless: [BookingConfirmed, DepositPaid]
            issue: CancelBooking
"#,
        fixed: r#"stormcraft: 2
system: Rentals
actors:
  Customer: rents cars
contexts:
  rental:
    aggregates:
      Booking:
        id: booking_id
        commands:
          BookCar:
            by: Customer
            emits: [CarBooked]
          PayDeposit:
            by: Customer
            fields:
              amount: decimal
            emits: [DepositPaid]
          ConfirmBooking:
            emits: [BookingConfirmed]
          CancelBooking:
            emits: [BookingCancelled]
        events:
          CarBooked: {}
          DepositPaid: {}
          BookingConfirmed: {}
          BookingCancelled: {}
    processes:
      DepositCollection:
        key: booking_id
        on:
          CarBooked: { start: true }
          DepositPaid: { issue: ConfirmBooking }
          BookingConfirmed: { complete: true }
          BookingCancelled: { complete: true }
        deadlines:
          DepositOverdue:
            after: 1d
            unless: [DepositPaid]
            issue: CancelBooking
"#,
    },
};

/// `after:` that is not a duration.
pub fn bad_duration(deadline: &str, written: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadProcessDeadline,
        span,
        format!("`{written}`, the `after:` of deadline `{deadline}`, is not a duration"),
    )
    .label("expected a duration such as `20m`")
    .help("write a number and a unit (`d`, `h`, `m`, `s`), largest first: `45s`, `20m`, `2h`, `1d`, `1h30m`")
}

/// An `unless` event the process does not handle; `handled` are the events of its `on:`.
pub fn unless_not_handled(
    deadline: &str,
    process: &str,
    event: &str,
    span: Span,
    handled: &[String],
) -> Diagnostic {
    let help = crate::suggest::did_you_mean(event, handled.iter().map(String::as_str))
        .unwrap_or_else(|| {
            format!("add `{event}` under the `on:` of `{process}` (it may only record it), or remove it from `unless:`")
        });
    Diagnostic::new(
        Code::BadProcessDeadline,
        span,
        format!("deadline `{deadline}` of process `{process}` is cancelled by `{event}`, which the process does not handle"),
    )
    .label("not under the process's `on:`")
    .help(help)
}
