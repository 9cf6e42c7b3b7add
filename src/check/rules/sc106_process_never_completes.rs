//! SC106 process-never-completes: no event completes a process.
//!
//! Raised where processes are lowered (`src/check/resolve/processes.rs`); its finding
//! is built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC106",
    slug: "process-never-completes",
    severity: Severity::Warning,
    summary: "no event completes a process",
    explanation: Explanation {
        text: r#"An instance of a process is done when an event with `complete: true` arrives: its deadlines are cancelled and later events for its key are ignored. A process none of whose events completes it keeps every instance open for ever, with its deadlines still pending."#,
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
          BookingConfirmed: {}
          BookingCancelled: {}
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

/// No handled event of `process` has `complete: true`; `span` is its name.
pub fn diagnostic(process: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ProcessNeverCompletes,
        span,
        format!("no event completes process `{process}`"),
    )
    .label("never completed")
    .help("add `complete: true` to the entry of each event that ends it under `on:`, e.g. `HoldConfirmed: { complete: true }`")
}
