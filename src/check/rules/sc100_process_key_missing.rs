//! SC100 process-key-missing: a process's key is not a field of an event it handles.
//!
//! Raised where processes are lowered (`src/check/resolve/processes.rs`); its finding
//! is built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC100",
    slug: "process-key-missing",
    severity: Severity::Error,
    summary: "a process's key is not a field of an event it handles",
    explanation: Explanation {
        text: r#"A process manager keeps one instance per value of its key (`key: booking_id`): every event it handles must carry that value, so the process knows which instance the event is about. When an event names it otherwise, map it with `key:` on the entry (`RentalPaid: { key: rental_ref, issue: ... }`); the mapped field must be a field of that event."#,
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
          DepositPaid: { key: booking_ref, issue: ConfirmBooking }
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

/// A handled event without the key field: `field` is the key's name in that event
/// (the key itself, or the entry's `key:` mapping when `mapped`); `span` is the
/// event's entry or its mapping, `fields` the event's fields.
pub fn diagnostic(
    process: &str,
    key: &str,
    field: &str,
    event: &str,
    span: Span,
    mapped: bool,
    fields: &[&str],
) -> Diagnostic {
    let (message, label) = if mapped {
        (
            format!("`{event}` has no field `{field}`, which process `{process}` maps its key `{key}` to"),
            format!("`{event}` lacks `{field}`"),
        )
    } else {
        (
            format!("`{event}` has no field `{key}`, the key of process `{process}`"),
            format!("this event lacks `{key}`"),
        )
    };
    let help = crate::suggest::did_you_mean(field, fields.iter().copied()).unwrap_or_else(|| {
        format!("add a field `{field}` to `{event}`, or name the field that holds the key with `{event}: {{ key: some_field }}`")
    });
    Diagnostic::new(Code::ProcessKeyMissing, span, message)
        .label(label)
        .help(help)
}
