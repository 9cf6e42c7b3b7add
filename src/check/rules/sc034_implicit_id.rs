//! SC034 implicit-id: an aggregate has no `id:`, but the model looks for its id
//! under another name.
//!
//! Raised in the flow phase, once the read models and scenarios are lowered
//! (`src/check/resolve/lowering.rs`, with the scenario values that scenario lowering
//! collected); its finding is built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC034",
    slug: "implicit-id",
    severity: Severity::Warning,
    summary: "an aggregate has no `id:`, but the model looks for its id under another name",
    explanation: Explanation {
        text: r#"An aggregate without an `id:` key is identified by a `uuid` field named `id`, which every one of its commands and events carries. When the model looks for the id under the name ids have by convention — `order_id` for `Order` — as the key of a read model fed by its events, or as a scenario value for one of its messages, the model most likely meant that name as the aggregate's id: the findings about the read model or the scenario are then consequences of the missing `id:`. This warning, at the aggregate, says which default it fell back to and which name the model uses instead.

Write `id: order_id` (a `uuid` named `order_id`), or `id: {name: sku, type: string}` for another type."#,
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
      OpenOrders:
        key: order_id
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
        id: order_id
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
    read_models:
      OpenOrders:
        key: order_id
        from: [OrderPlaced]
"#,
    },
};

/// The finding for `aggregate`, written at `span` without `id:`, whose id fell back
/// to `field: ty`, while the model looks for it by the name `wanted`, at the places
/// `uses` (each with what looks there, e.g. "the key of `OpenOrders`"; the first is
/// shown).
pub fn diagnostic(
    aggregate: &str,
    field: &str,
    ty: &str,
    span: Span,
    wanted: &str,
    uses: &[(Span, String)],
    subject: NodeRef,
) -> Diagnostic {
    let mut finding = Diagnostic::new(
        Code::ImplicitId,
        span,
        format!("aggregate `{aggregate}` has no `id:`, so its id is `{field}: {ty}`"),
    )
    .label(format!("no `id:`: identified by `{field}`"))
    .help(format!(
        "if `{wanted}` is its id, write `id: {wanted}` under `{aggregate}` (a `uuid`; \
         `id: {{name: {wanted}, type: string}}` for another type)"
    ))
    .about(subject);
    // The first place is enough to see the mismatch; more labels far apart in one
    // file would draw every line between them.
    if let Some((used, by)) = uses.first() {
        let more = match uses.len() - 1 {
            0 => String::new(),
            1 => " (and 1 more place)".to_owned(),
            n => format!(" (and {n} more places)"),
        };
        finding = finding.secondary(*used, format!("{by} looks for `{wanted}`{more}"));
    }
    finding
}
