//! SC098 bad-composite-key: a part of a read model's key is listed twice, or is no
//! field of the row nor of any source event.
//!
//! Raised where read models are lowered (`src/check/resolve/lowering.rs`); its findings
//! are built here.

use super::prelude::*;
use crate::suggest::did_you_mean;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC098",
    slug: "bad-composite-key",
    severity: Severity::Error,
    summary: "a key part is listed twice, or is no field of the row or a source event",
    explanation: Explanation {
        text: r#"In format 2 a read model may be keyed by several fields, `key: [warehouse_id, sku]`: a row per pair. Each part is a field of the row: declared under `fields:`, or a field of its source events (its type comes from the first source that carries it). A part named by nothing has no type, and a part listed twice keys nothing more. An empty list is no key."#,
        bad: r#"stormcraft: 2
system: Logistics
actors:
  Clerk: counts stock
contexts:
  warehousing:
    aggregates:
      StockCount:
        id: count_id
        commands:
          RecordCount:
            by: Clerk
            fields: { warehouse_id: uuid, sku: string, quantity: i64 }
            emits: [CountRecorded]
        events:
          CountRecorded:
            fields: { warehouse_id: uuid, sku: string, quantity: i64 }
    read_models:
      StockLevels:
        key: [warehouse_id, stock_keeping_unit]
        from: [CountRecorded]
        fields:
          quantity: i64
"#,
        fixed: r#"stormcraft: 2
system: Logistics
actors:
  Clerk: counts stock
contexts:
  warehousing:
    aggregates:
      StockCount:
        id: count_id
        commands:
          RecordCount:
            by: Clerk
            fields: { warehouse_id: uuid, sku: string, quantity: i64 }
            emits: [CountRecorded]
        events:
          CountRecorded:
            fields: { warehouse_id: uuid, sku: string, quantity: i64 }
    read_models:
      StockLevels:
        key: [warehouse_id, sku]
        from: [CountRecorded]
        fields:
          quantity: i64
"#,
    },
};

/// The key part `part` names no row field and no field of a source event; `known` are
/// the fields it could be.
pub fn unknown_part(read_model: &str, part: &str, known: &[&str], span: Span) -> Diagnostic {
    let help = did_you_mean(part, known.iter().copied()).unwrap_or_else(|| {
        format!("declare `{part}` under `fields:` and map it in each source with `key: {{ {part}: <event field> }}`")
    });
    Diagnostic::new(
        Code::BadCompositeKey,
        span,
        format!(
            "key part `{part}` of read model `{read_model}` is a field of neither the row nor any source event"
        ),
    )
    .label("no such field")
    .help(help)
}

/// The key part `part` is listed twice; `first` is where it is first.
pub fn duplicate_part(read_model: &str, part: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadCompositeKey,
        span,
        format!("key part `{part}` of read model `{read_model}` is listed twice"),
    )
    .label("listed again")
    .secondary(first, "first here")
    .help(format!("remove the second `{part}`"))
}

/// `key: []`.
pub fn empty(read_model: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadCompositeKey,
        span,
        format!("read model `{read_model}` has an empty key"),
    )
    .label("no key part")
    .help("list the fields rows are found by, `key: [warehouse_id, sku]`, or write `history: true` for one row per event")
}
