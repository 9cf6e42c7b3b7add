//! SC045 unused-published-event: a published event that no other context uses.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC045",
    slug: "unused-published-event",
    severity: Severity::Warning,
    summary: "a published event that no other context uses",
    explanation: Explanation {
        text: r#"An event is published but no other context reacts to it or projects it. Every published event is a contract other teams may build on and that has to be versioned from then on; publish it when a consumer needs it. A warning."#,
        bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            published: true
"#,
        fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
    },
};

/// Reports every published event no other context uses, unless some consumer
/// failed to resolve (it might be the one meant).
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    // Which events are used outside their own context, in one pass over the
    // consumers (scanning them per event is quadratic on large models).
    let mut used_elsewhere_set = vec![false; model.events.len()];
    // A deadline's `unless` events are used as much as its `on` ones.
    let consumers = model
        .policies
        .iter()
        .map(|p| (p.context, &p.on))
        .chain(model.policies.iter().filter_map(|p| match &p.trigger {
            crate::ir::Trigger::Deadline(d) => Some((p.context, &d.unless)),
            _ => None,
        }))
        .chain(model.read_models.iter().map(|r| (r.context, &r.from)));
    for (context, events) in consumers {
        for event in events {
            if model.event(*event).context != context {
                used_elsewhere_set[event.index()] = true;
            }
        }
    }
    // A process hears of every event it handles, even one it only records.
    for process in &model.processes {
        for handler in &process.handlers {
            if model.event(handler.event).context != process.context {
                used_elsewhere_set[handler.event.index()] = true;
            }
        }
    }
    for (index, event) in model.events.iter().enumerate() {
        let id = EventId(index as u32);
        if !event.published || flow.consumers_unresolved {
            continue;
        }
        let used_elsewhere = used_elsewhere_set[index];
        if !used_elsewhere {
            let span = event.published_span;
            out.push(
                Diagnostic::new(
                    Code::UnusedPublishedEvent,
                    span,
                    format!(
                        "event `{}` is published, but no other context uses it",
                        model.qualified_event(id)
                    ),
                )
                .label("published to nobody")
                .help("remove `published: true` until a consumer needs it: every published event is a contract to keep")
                .about(NodeRef::Event(id)),
            );
        }
    }
}
