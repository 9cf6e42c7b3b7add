//! SC102 process-without-start: no event starts a process.
//!
//! Raised where processes are lowered (`src/check/resolve/processes.rs`); its finding
//! is built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC102",
    slug: "process-without-start",
    severity: Severity::Error,
    summary: "no event starts a process",
    explanation: Explanation {
        text: r#"An instance of a process exists from the event that starts it (`start: true` on its entry under `on:`); an event that is not a start, arriving for a key without an instance, is ignored. A process none of whose events starts it never does anything."#,
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
          CarBooked: {}
          DepositPaid: { issue: ConfirmBooking }
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

/// No handled event of `process` has `start: true`; `span` is its name.
pub fn diagnostic(process: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ProcessWithoutStart,
        span,
        format!("no event starts process `{process}`"),
    )
    .label("never started")
    .help("add `start: true` to the entry of the event that begins it under `on:`, e.g. `HoldPlaced: { start: true }`")
}
