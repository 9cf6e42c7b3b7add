//! SC105 process-state-clash: a process's state field is its key, or a handled event's field of another type.
//!
//! Raised where processes are lowered (`src/check/resolve/processes.rs`); its findings
//! are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC105",
    slug: "process-state-clash",
    severity: Severity::Error,
    summary: "a process's state field is its key, or a handled event's field of another type",
    explanation: Explanation {
        text: r#"A process's state is the fold of the events it handled: by default its `evolve` copies each event's fields into the state fields of the same name. A state field with the name of a handled event's field must have that field's type (the state being unset until set, `T` and `T?` agree). The key is not state: it is the id of the instance's stream, which the runtime keeps."#,
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
              amount: decimal
          BookingConfirmed: {}
          BookingCancelled: {}
    processes:
      DepositCollection:
        key: booking_id
        state:
          booking_id: uuid
          amount: string
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
          DepositPaid:
            fields:
              amount: decimal
          BookingConfirmed: {}
          BookingCancelled: {}
    processes:
      DepositCollection:
        key: booking_id
        state:
          amount: decimal
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

/// A state field named like the key; `span` is the field's name.
pub fn is_key(process: &str, key: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ProcessStateClash,
        span,
        format!("state field `{key}` of process `{process}` is its key"),
    )
    .label("the key is not state")
    .help("remove it: the key is the id of the instance's stream, and the runtime passes it to every rule")
}

/// A state field with another type than the same-name field of a handled event;
/// `span` is the state field's type.
pub fn other_type(
    process: &str,
    field: &str,
    ty: &str,
    event: &str,
    event_ty: &str,
    span: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::ProcessStateClash,
        span,
        format!("state field `{field}` of process `{process}` is `{ty}`, but `{event}` carries `{field}` as `{event_ty}`"),
    )
    .label(format!("`{ty}` here"))
    .help(format!("give the state field the type `{event_ty}`, or another name: the default `evolve` copies `{event}`'s `{field}` into it"))
}

/// A state field whose named type has the name of the handled event's field's type,
/// but is another context's type (`box_office.Money` and `card_billing.Money`); `ty`
/// and `event_ty` are qualified. Another context's types are private, so the fix is a
/// name.
pub fn other_context_type(
    process: &str,
    field: &str,
    ty: &str,
    event: &str,
    event_ty: &str,
    span: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::ProcessStateClash,
        span,
        format!("state field `{field}` of process `{process}` is `{ty}`, but `{event}` carries `{field}` as `{event_ty}`"),
    )
    .label(format!("`{ty}` here"))
    .help(format!("give the state field another name (the default `evolve` copies `{event}`'s `{field}` into a state field of its name, and `{event_ty}` is private to its context), and set it in the `evolve` rule"))
}
