//! SC101 process-key-type: the events of a process carry its key with different types.
//!
//! Raised where processes are lowered (`src/check/resolve/processes.rs`); its finding
//! is built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC101",
    slug: "process-key-type",
    severity: Severity::Error,
    summary: "the events of a process carry its key with different types",
    explanation: Explanation {
        text: r#"Every event a process handles carries its key, and the key is the id of the process's stream: an instance is found by the key's value in each event, so the field must have one type in all of them (`uuid` in one and `string` in another can never match)."#,
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
          DepositPaid:
            fields:
              deposit_booking: string
          BookingConfirmed: {}
          BookingCancelled: {}
    processes:
      DepositCollection:
        key: booking_id
        on:
          CarBooked: { start: true }
          DepositPaid: { key: deposit_booking, issue: ConfirmBooking }
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

/// The key of `event` has another type than in `first`, the first handled event
/// that carries it; each is (event, type); `span` is the later event's entry.
pub fn diagnostic(
    process: &str,
    key: &str,
    (event, ty): (&str, &str),
    (first, first_ty): (&str, &str),
    span: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::ProcessKeyType,
        span,
        format!("the key `{key}` of process `{process}` is `{ty}` in `{event}` but `{first_ty}` in `{first}`"),
    )
    .label(format!("`{ty}` here"))
    .help(format!("give the key field of `{event}` the type `{first_ty}`, as in `{first}`: an instance is found by the key's value"))
}
