//! SC088 bad-previous-version: the older versions under an event's `previous:` are not a
//! gapless run below its current `version`.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`).

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC088",
    slug: "bad-previous-version",
    severity: Severity::Error,
    summary: "an event's previous versions are not a gapless run below its version",
    explanation: Explanation {
        text: r#"`previous:` keeps the shapes of an event's older schema versions, because the store keeps every event ever recorded. A stored payload is upcast one version at a time — 1 to 2, 2 to 3 — up to the current `version`, and the generator writes one upcaster per step with a test that reads an old payload through the whole chain.

So each version under `previous:` must be below the event's `version`, written once, and the versions must run without a gap up to `version - 1`. (They need not start at 1: versions nobody has stored any more may be left out, from the oldest up.)"#,
        bad: r#"stormcraft: 2
system: Shop
actors:
  Customer: buys things
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            fields:
              channel: string
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            version: 3
            fields:
              channel: string
            previous:
              1:
                fields: {}
"#,
        fixed: r#"stormcraft: 2
system: Shop
actors:
  Customer: buys things
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            fields:
              channel: string
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            version: 3
            fields:
              channel: string
            previous:
              1:
                fields: {}
              2:
                fields:
                  channel: string?
"#,
    },
};

/// Reports, per event, each previous version at or above the current one, each written
/// twice, and the first version missing from the run below the current one.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for (index, event) in model.events.iter().enumerate() {
        let id = NodeRef::Event(EventId(index as u32));
        let mut seen: Vec<u32> = Vec::new();
        for previous in &event.previous {
            let problem = if previous.version == 0 {
                Some((
                    format!("event `{}` has no version {}", event.name, previous.version),
                    "versions start at 1".to_owned(),
                    "key the older shapes by their version, from 1 up".to_owned(),
                ))
            } else if previous.version >= event.version {
                Some((
                    format!(
                        "version {} of event `{}` is not older than its current version {}",
                        previous.version, event.name, event.version
                    ),
                    "not an older version".to_owned(),
                    format!(
                        "raise `version` above {} when this is the shape before the current one",
                        previous.version
                    ),
                ))
            } else if seen.contains(&previous.version) {
                Some((
                    format!(
                        "version {} of event `{}` is written twice under `previous`",
                        previous.version, event.name
                    ),
                    "written again".to_owned(),
                    "keep one shape per version".to_owned(),
                ))
            } else {
                None
            };
            seen.push(previous.version);
            if let Some((message, label, help)) = problem {
                out.push(
                    Diagnostic::new(Code::BadPreviousVersion, previous.span, message)
                        .label(label)
                        .help(help)
                        .about(id),
                );
            }
        }
        let Some(oldest) = event
            .previous
            .iter()
            .map(|p| p.version)
            .filter(|v| *v >= 1 && *v < event.version)
            .min()
        else {
            continue;
        };
        if let Some(missing) = (oldest..event.version).find(|v| !seen.contains(v)) {
            let at = event
                .previous
                .iter()
                .find(|p| p.version == oldest)
                .map_or(event.span, |p| p.span);
            out.push(
                Diagnostic::new(
                    Code::BadPreviousVersion,
                    at,
                    format!(
                        "event `{}` keeps version {oldest} but not version {missing}, so stored payloads of version {oldest} cannot be upcast to {}",
                        event.name, event.version
                    ),
                )
                .label(format!("the chain from here stops at version {missing}"))
                .help(format!(
                    "add the shape of version {missing} under `previous:`, or drop the versions below it if none is stored"
                ))
                .about(id),
            );
        }
    }
}
