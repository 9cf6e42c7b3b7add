//! SC103 process-records-only: a process's reaction neither starts it, issues a command nor completes it.
//!
//! An entry a deadline's `unless:` names is not reported: it stops that deadline.
//!
//! Raised where processes are lowered (`src/check/resolve/processes.rs`); its finding
//! is built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC103",
    slug: "process-records-only",
    severity: Severity::Warning,
    summary: "a process's reaction neither starts it, issues a command nor completes it",
    explanation: Explanation {
        text: r#"An entry under a process's `on:` with no `start`, `issue` or `complete` only records the event in the process's state (its `evolve` copies the event's fields). That may be what you meant — a payment's amount kept for a later refund — but more often a reaction was forgotten. An entry that a deadline's `unless:` names is not reported: it stops that deadline, which is something."#,
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
          InspectCar:
            by: Customer
            emits: [CarInspected]
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
          CarInspected: {}
          DepositPaid: {}
          BookingConfirmed: {}
          BookingCancelled: {}
    processes:
      DepositCollection:
        key: booking_id
        on:
          CarBooked: { start: true }
          DepositPaid: { issue: ConfirmBooking }
          CarInspected: {}
          BookingConfirmed: { complete: true }
          BookingCancelled: { complete: true }
        deadlines:
          DepositOverdue:
            after: 1d
            unless: [DepositPaid]
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
          InspectCar:
            by: Customer
            emits: [CarInspected]
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
          CarInspected: {}
          DepositPaid: {}
          BookingConfirmed: {}
          BookingCancelled: {}
    processes:
      DepositCollection:
        key: booking_id
        on:
          CarBooked: { start: true }
          DepositPaid: { issue: ConfirmBooking }
          CarInspected: { complete: true }
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

/// The entry of `event` neither starts, issues nor completes; `span` is the entry.
pub fn diagnostic(process: &str, event: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ProcessRecordsOnly,
        span,
        format!("process `{process}` only records `{event}`: it neither starts, issues a command nor completes"),
    )
    .label("only recorded in the process's state")
    .help(format!("add `issue: SomeCommand` or `complete: true` to `{event}`, name it in a deadline's `unless:` if it stops one, or keep it if the event only feeds the process's state"))
}
