//! SC075 unsupported-id-type: an aggregate identified by a value that is no stream id.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;
use super::sc074_unsupported_key_type::is_key_type;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC075",
    slug: "unsupported-id-type",
    severity: Severity::Error,
    summary: "an aggregate's id is not a uuid, string or integer",
    explanation: Explanation {
    text: r#"An aggregate's events are stored in one stream per instance, named after its id, so the id needs an exact text form. The generator supports ids of type `uuid` (the default), `string` and the integers `i32`, `i64`, `u32` and `u64`. An id of another type (a decimal, a timestamp, a record, a list, an optional value, …) cannot name a stream.

Use a `uuid`, or the business identifier as a `string`."#,
    bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        id: {name: order_id, type: timestamp}
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
    fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        id: {name: order_id, type: string}
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
    },
};

/// Reports every aggregate whose id type cannot name a stream.
pub fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    for (index, aggregate) in model.aggregates.iter().enumerate() {
        if is_key_type(&aggregate.id.ty) {
            continue;
        }
        let ty = model.type_name(&aggregate.id.ty);
        out.push(
            Diagnostic::new(
                Code::UnsupportedIdType,
                aggregate.id_span,
                format!(
                    "aggregate `{}` has an id of type `{ty}`; an aggregate id must be a uuid, a string or an integer",
                    aggregate.name
                ),
            )
            .label(format!("a `{ty}`"))
            .help("use `uuid` (the default) or the business identifier as a `string` or an integer")
            .about(NodeRef::Aggregate(AggregateId(index as u32))),
        );
    }
}
