//! SC122 read-key-type: the event field that finds a policy's row has a type that does not fit the key.
//!
//! Raised where a policy's `reads:` is resolved (`src/check/resolve/lowering.rs`,
//! `policy_reads`); its findings are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC122",
    slug: "read-key-type",
    severity: Severity::Error,
    summary: "the event field that finds a policy's row has a type that does not fit the key",
    explanation: Explanation {
        text: r#"The row of a read model a policy `reads:` is found by its key: each key part is compared with the trigger event's field that carries it. That field's type must fit the key part's type (the same type, or one that converts without loss, such as a uuid into a string key); a number does not find a string key.

Map the key part to a field of the key's type, or change the type of one of them."#,
        bad: r#"stormcraft: 2
system: BikeShare
actors:
  Rider: rents bikes
  Technician: installs docks
contexts:
  fleet:
    aggregates:
      Dock:
        id: { name: dock_code, type: string }
        commands:
          InstallDock:
            by: Technician
            fields: { capacity: u32 }
            emits: [DockInstalled]
          RequestRebalancing:
            fields: { capacity: u32 }
            emits: [RebalancingRequested]
        events:
          DockInstalled:
            fields: { capacity: u32 }
          RebalancingRequested:
            fields: { capacity: u32 }
      Bike:
        id: bike_id
        commands:
          ReturnBike:
            by: Rider
            fields: { returned_at_dock: u32 }
            emits: [BikeReturned]
        events:
          BikeReturned:
            fields: { returned_at_dock: u32 }
    read_models:
      DockCapacity:
        key: dock_code
        from: [DockInstalled]
        fields:
          capacity: u32
    policies:
      RebalanceWhenFull:
        on: BikeReturned
        reads: { read_model: DockCapacity, key: { dock_code: returned_at_dock } }
        issue: RequestRebalancing
"#,
        fixed: r#"stormcraft: 2
system: BikeShare
actors:
  Rider: rents bikes
  Technician: installs docks
contexts:
  fleet:
    aggregates:
      Dock:
        id: { name: dock_code, type: string }
        commands:
          InstallDock:
            by: Technician
            fields: { capacity: u32 }
            emits: [DockInstalled]
          RequestRebalancing:
            fields: { capacity: u32 }
            emits: [RebalancingRequested]
        events:
          DockInstalled:
            fields: { capacity: u32 }
          RebalancingRequested:
            fields: { capacity: u32 }
      Bike:
        id: bike_id
        commands:
          ReturnBike:
            by: Rider
            fields: { returned_at_dock: string }
            emits: [BikeReturned]
        events:
          BikeReturned:
            fields: { returned_at_dock: string }
    read_models:
      DockCapacity:
        key: dock_code
        from: [DockInstalled]
        fields:
          capacity: u32
    policies:
      RebalanceWhenFull:
        on: BikeReturned
        reads: { read_model: DockCapacity, key: { dock_code: returned_at_dock } }
        issue: RequestRebalancing
"#,
    },
};

/// The field `field` of trigger event `event` has type `found`, which does not fit key
/// part `part` (of type `wanted`) of `read_model`.
pub fn mismatch(
    event: &str,
    field: &str,
    (read_model, part): (&str, &str),
    (found, wanted): (&str, &str),
    span: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::ReadKeyType,
        span,
        format!(
            "field `{field}` of event `{event}` is a `{found}`, which cannot find a row of `{read_model}` by its key part `{part}` (a `{wanted}`)"
        ),
    )
    .label(format!("a `{found}`, not a `{wanted}`"))
    .help(format!(
        "map `{part}` to a field of type `{wanted}`, or change the type of `{field}` or of `{part}`"
    ))
}
