//! SC120 bad-policy-read: a policy's `reads:` names no keyed read model of its own context, or is misplaced.
//!
//! Raised where a policy's `reads:` is resolved (`src/check/resolve/lowering.rs`,
//! `policy_reads`); its findings are built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC120",
    slug: "bad-policy-read",
    severity: Severity::Error,
    summary: "a policy's `reads:` names no keyed read model of its own context, or is misplaced",
    explanation: Explanation {
        text: r#"A policy that `reads:` a read model fills the command it issues from the row of that read model whose key its trigger event carries, as well as from the event: `reads: StockLevels` looks up the row of the event's `sku` when `sku` is the read model's key. When the event carries a key part under another name, `key:` maps it: `reads: { read_model: StockLevels, key: { sku: item_sku } }`.

The read model must be one of the policy's own context (another context's rows are not in this context's store: keep a local read model fed by its published events), and have a key (a history has none). Each entry of `key:` names a key part of the read model. The policy must issue a command (`issue:`), and be set off by events: a schedule goes over every row with `for_each:` instead. When the row is missing at run time, the generated policy refuses with a rejection that says so; it never invents the row's values."#,
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
          ReturnBike:
            by: Rider
            fields: { bike_number: u32 }
            emits: [BikeReturned]
          RequestRebalancing:
            fields: { capacity: u32 }
            emits: [RebalancingRequested]
        events:
          DockInstalled:
            fields: { capacity: u32 }
          BikeReturned:
            fields: { bike_number: u32 }
          RebalancingRequested:
            fields: { capacity: u32 }
    read_models:
      DockCapacity:
        key: dock_code
        from: [DockInstalled, BikeReturned]
        fields:
          capacity: u32
    policies:
      RebalanceWhenFull:
        on: BikeReturned
        reads: { read_model: DockCapacity, key: { dock: dock_code } }
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
          ReturnBike:
            by: Rider
            fields: { bike_number: u32 }
            emits: [BikeReturned]
          RequestRebalancing:
            fields: { capacity: u32 }
            emits: [RebalancingRequested]
        events:
          DockInstalled:
            fields: { capacity: u32 }
          BikeReturned:
            fields: { bike_number: u32 }
          RebalancingRequested:
            fields: { capacity: u32 }
    read_models:
      DockCapacity:
        key: dock_code
        from: [DockInstalled, BikeReturned]
        fields:
          capacity: u32
    policies:
      RebalanceWhenFull:
        on: BikeReturned
        reads: DockCapacity
        issue: RequestRebalancing
"#,
    },
};

/// `reads:` names a read model of another context.
pub fn foreign(written: &str, context: &str, other: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadPolicyRead,
        span,
        format!("`{written}` is a read model of context `{other}`, not of `{context}`"),
    )
    .label(format!("not a read model of `{context}`"))
    .help(format!(
        "a policy reads its own context's rows: add a read model to `{context}` fed by `{other}`'s published events, and read that"
    ))
}

/// `reads:` names a history read model, whose rows have no key to find one by.
pub fn history(read_model: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadPolicyRead,
        span,
        format!("`{read_model}` is a history read model: its rows have no key to look one up by"),
    )
    .label("one row per event, no key")
    .help(format!(
        "read a read model with a `key:` (one row per key), or read the rows of `{read_model}` in the policy's rule through `views`"
    ))
}

/// `reads:` on a schedule (`every:`), or on a policy that issues nothing.
pub fn misplaced(policy: &str, why: &str, help: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadPolicyRead,
        span,
        format!("policy `{policy}` has `reads:` but {why}"),
    )
    .label("`reads:` fills the command of a policy set off by an event, as it happens")
    .help(help.to_owned())
}

/// An entry of `key:` names a row field that is not a part of the read model's key.
pub fn not_a_key_part(part: &str, read_model: &str, key: &[String], span: Span) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::BadPolicyRead,
        span,
        format!("`{part}` is not a part of the key of `{read_model}`"),
    )
    .label(format!("the key of `{read_model}` is `{}`", key.join("`, `")));
    match crate::suggest::closest(part, key.iter().map(String::as_str)) {
        Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
        None => diagnostic.help(format!(
            "map each part of the key: `key: {{ {}: <event field> }}`",
            key.first().map_or("", String::as_str)
        )),
    }
}
