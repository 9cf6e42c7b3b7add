//! SC047 read-model-key-missing: a read model's key is not a field of one of its source events.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;
use crate::suggest::did_you_mean;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC047",
    slug: "read-model-key-missing",
    severity: Severity::Error,
    summary: "a read model's key is not a field of one of its source events",
    explanation: Explanation {
        text: r#"A read model's rows are found by its `key`, so every event in its `from` must carry a field of that name (the aggregate's id field counts). An event without it could not say which row it updates."#,
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
          OrderPlaced: {}
    read_models:
      OrdersByCustomer:
        key: customer_id
        from: [OrderPlaced]
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
          OrderPlaced:
            fields: {customer_id: uuid}
    read_models:
      OrdersByCustomer:
        key: customer_id
        from: [OrderPlaced]
"#,
    },
};

/// Reports every source event of a read model that lacks the read model's key
/// (skipping events that lost a field to a type error: the key may be that field).
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for (index, read_model) in model.read_models.iter().enumerate() {
        let key = &read_model.key;
        if key.is_empty() {
            continue;
        }
        for (event_id, span) in read_model.from.iter().zip(&read_model.from_spans) {
            if flow.tainted.contains(&NodeRef::Event(*event_id)) {
                continue;
            }
            let event = model.event(*event_id);
            if event.fields.iter().any(|f| f.name == *key) {
                continue;
            }
            let help = did_you_mean(key, event.fields.iter().map(|f| f.name.as_str()))
                .map(|s| format!("{s} otherwise add a field `{key}` to `{}`", event.name))
                .unwrap_or_else(|| {
                    format!(
                        "a row is found by its key, so every source event must carry `{key}`; add it to `{}` or feed the read model from another event",
                        event.name
                    )
                });
            out.push(
                Diagnostic::new(
                    Code::ReadModelKeyMissing,
                    *span,
                    format!(
                        "read model `{}` is keyed by `{key}`, but its source event `{}` has no such field",
                        read_model.name, event.name
                    ),
                )
                .label(format!("has no `{key}`"))
                .secondary(read_model.key_span, "the key")
                .help(help)
                .about(NodeRef::ReadModel(ReadModelId(index as u32))),
            );
        }
    }
}
