//! SC074 unsupported-key-type: a read model keyed by a value that is no row key.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) after the name phase.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC074",
    slug: "unsupported-key-type",
    severity: Severity::Error,
    summary: "a read model's key is not a string, uuid or integer",
    explanation: Explanation {
    text: r#"A read model's rows are found by their key, which is stored as text. The generator can turn a `string`, a `uuid` or an integer (`i32`, `i64`, `u32`, `u64`) into a row key; a key of another type (a decimal, a timestamp, a list, a record, an optional value, …) has no exact, stable text form, so the read model cannot be generated.

Key the read model by an identifier instead: the id of the thing each row describes."#,
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
            fields:
              total: decimal
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            fields:
              total: decimal
    read_models:
      OrdersByTotal:
        key: total
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
            fields:
              total: decimal
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            fields:
              total: decimal
    read_models:
      OrderTotals:
        key: order_id
        from: [OrderPlaced]
        fields:
          total: decimal
"#,
    },
};

/// Whether values of `ty` can be a row key or a stream id: they have an exact text form.
pub fn is_key_type(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::Primitive(
            Primitive::String
                | Primitive::Uuid
                | Primitive::I32
                | Primitive::I64
                | Primitive::U32
                | Primitive::U64
        )
    )
}

/// Reports every part of a read model's key whose type is not a key type.
pub fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    for (index, read_model) in model.read_models.iter().enumerate() {
        for (part, span) in read_model.key.iter().zip(&read_model.key_spans) {
            let Some(key) = read_model.fields.iter().find(|f| f.name == *part) else {
                continue;
            };
            if is_key_type(&key.ty) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    Code::UnsupportedKeyType,
                    *span,
                    format!(
                        "read model `{}` is keyed by `{part}` of type `{}`; a key must be a string, a uuid or an integer",
                        read_model.name,
                        model.type_name(&key.ty)
                    ),
                )
                .label(format!("a `{}`", model.type_name(&key.ty)))
                .help("key the read model by an identifier (string, uuid or integer) of the thing each row describes")
                .about(NodeRef::ReadModel(ReadModelId(index as u32))),
            );
        }
    }
}
