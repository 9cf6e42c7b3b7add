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
        text: r#"A read model's rows are found by its `key`, so every event in its `from` must carry each part of the key: a field of that name (the aggregate's id field counts) or, in format 2, the event field named for it under the source, `from: { PaymentRequested: { key: { order_id: source_id } } }`. An event without it could not say which row it updates or deletes. (A `where:` source finds its rows by its `where:` fields instead.)"#,
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

/// Reports every source event of a read model that carries a part of its key under
/// neither its name nor a `key:` mapping (skipping events that lost a field to a type
/// error: the key may be that field, and read models whose key or mappings are wrong,
/// which SC095–SC099 report).
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for (index, read_model) in model.read_models.iter().enumerate() {
        let id = NodeRef::ReadModel(ReadModelId(index as u32));
        if read_model.key.is_empty() || flow.tainted.contains(&id) {
            continue;
        }
        for source in &read_model.sources {
            if flow.tainted.contains(&NodeRef::Event(source.event))
                || matches!(source.action, SourceAction::UpdateWhere(_))
            {
                continue;
            }
            let event = model.event(source.event);
            for (part, key_span) in read_model.key.iter().zip(&read_model.key_spans) {
                if source.key.iter().any(|m| m.row == *part) {
                    continue;
                }
                let purpose = if source.action == SourceAction::Delete {
                    "deletes"
                } else {
                    "updates"
                };
                let mapping = format!(
                    "or say which field of `{}` carries it, under the source: `key: {{ {part}: <field> }}` (format 2)",
                    event.name
                );
                let help = did_you_mean(part, event.fields.iter().map(|f| f.name.as_str()))
                    .map(|s| format!("{s} otherwise add a field `{part}` to `{}`, {mapping}", event.name))
                    .unwrap_or_else(|| {
                        format!(
                            "a row is found by its key, so every source event must carry `{part}`: add it to `{}`, {mapping}",
                            event.name
                        )
                    });
                out.push(
                    Diagnostic::new(
                        Code::ReadModelKeyMissing,
                        source.span,
                        format!(
                            "read model `{}` is keyed by `{part}`, but its source event `{}` has no such field, so it cannot say which row it {purpose}",
                            read_model.name, event.name
                        ),
                    )
                    .label(format!("has no `{part}`"))
                    .secondary(*key_span, "the key")
                    .help(help)
                    .about(id),
                );
            }
        }
    }
}
