//! SC121 read-key-missing: a trigger event of a policy that `reads:` a read model does not carry the row's key.
//!
//! Raised where a policy's `reads:` is resolved (`src/check/resolve/lowering.rs`,
//! `policy_reads`); its findings are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC121",
    slug: "read-key-missing",
    severity: Severity::Error,
    summary: "a trigger event of a policy that `reads:` a read model does not carry the row's key",
    explanation: Explanation {
        text: r#"A policy that `reads:` a read model finds the row by the key its trigger event carries: the field of each key part's name, or the field `key:` maps the part to. Every event of the policy's `on:` must carry it, or the row cannot be found.

Map the part to the field that carries it (`key: { dock_code: returned_at_dock }`), or add the field to the event."#,
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
        reads: DockCapacity
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

/// Trigger event `event` of `policy` has no field `field` for key part `part` of
/// `read_model`; `span` is where the event is named under `on:` (or the mapping).
pub fn missing(
    policy: &str,
    event: &str,
    (read_model, part, field): (&str, &str, &str),
    near: Option<&str>,
    span: Span,
) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::ReadKeyMissing,
        span,
        format!(
            "event `{event}` has no field `{field}` to find the row of `{read_model}` that policy `{policy}` reads"
        ),
    )
    .label(format!("`{event}` does not carry `{field}`"));
    match near {
        Some(near) if part == field => diagnostic.help(format!(
            "did you mean `{near}`? map the key part to it: `reads: {{ read_model: {read_model}, key: {{ {part}: {near} }} }}`"
        )),
        Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
        None => diagnostic.help(format!(
            "add `{field}` to `{event}`, or map `{part}` to the field of `{event}` that carries it: `key: {{ {part}: <field> }}`"
        )),
    }
}
