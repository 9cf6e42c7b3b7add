//! SC046 read-model-without-source: a read model is fed by no event.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC046",
    slug: "read-model-without-source",
    severity: Severity::Error,
    summary: "a read model is fed by no event",
    explanation: Explanation {
        text: r#"A read model lists no events in `from`, so nothing ever writes a row of it. A read model is a projection of events: name the events (of this context, or published ones of others) that feed it."#,
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
      OrderList:
        key: id
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
    read_models:
      OrderList:
        key: id
        from: [OrderPlaced]
"#,
    },
};

/// Reports every read model fed by no event (one whose `from` lost its references
/// to name errors is skipped: it did name events).
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    for (index, read_model) in flow.model.read_models.iter().enumerate() {
        let id = NodeRef::ReadModel(ReadModelId(index as u32));
        if !read_model.from.is_empty() || flow.tainted.contains(&id) {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::ReadModelWithoutSource,
                read_model.sources_span,
                format!("read model `{}` is fed by no event", read_model.name),
            )
            .label("no `from` events")
            .help("add `from: [SomeEvent]`: a read model is a projection of events")
            .about(id),
        );
    }
}
