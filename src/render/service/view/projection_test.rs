//! `tests/projections.rs` of a context with read models: per read model, its source
//! events recorded on a memory store and run through the generated projection, and
//! the rows checked for the read model's shape — the row of the key each source event
//! carries (under its own name or mapped), an event that lacks fields a new row needs
//! changing only a row that is there, a deleting event removing it, a history
//! keeping one row per event — and read back as the row type.
//!
//! The checks hold whatever the user's projection rules compute: they look at which
//! rows exist under which document key (the key an event carries is its traced key
//! field, whatever the rules do with the row), not inside them; the event values are
//! made up by the test itself, from each field's type.

use serde::Serialize;
use serde_json::{json, Value};

use crate::ir::{
    EventId, FieldMapping, Model, NamedTypeKind, Primitive, ReadModelId, SourceAction, TypeRef,
};
use crate::render::service::names::{snake, string_literal};

/// The projection tests of one context.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectionTestsView {
    /// One test per read model, in model order.
    pub tests: Vec<ProjectionTestView>,
    /// Whether a read model has list filters (the file then has the filter check).
    pub filtered: bool,
}

/// The test of one read model.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectionTestView {
    /// The read model's name.
    pub name: String,
    /// The test function.
    pub function: String,
    /// The row struct, as the test crate names it.
    pub row: String,
    /// What the test does, one doc line each.
    pub docs: Vec<String>,
    /// The steps: events to record, then what the rows must be.
    pub steps: Vec<StepView>,
    /// Whether it has list filters: every row it checks must be found by each of them.
    pub filtered: bool,
}

/// One step of a projection test.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    /// `append`, `row` (the row of `key` exists, with these key fields), `gone` (the
    /// row of `key` was deleted), `none` (no row of `key` was made) or `count` (the
    /// table holds `count` rows).
    pub kind: &'static str,
    /// For `append`: the stream, event type, schema version and payload (a `json!`).
    pub stream: String,
    /// The event type.
    pub event_type: String,
    /// The schema version.
    pub version: u32,
    /// The payload, as the text of a `serde_json::json!` argument.
    pub payload: String,
    /// For `row` and `gone`: the document key expression (a `&str`).
    pub key: String,
    /// For `row`: the key fields and the JSON they hold (as `json!` text), for the
    /// message when the row is missing.
    pub fields: Vec<(String, String)>,
    /// For `count`: how many rows.
    pub count: usize,
    /// A comment above the step.
    pub comment: String,
}

impl StepView {
    /// The step "the row of the key made of `parts` (in `key` order) exists".
    fn row(parts: &[(String, Value)], key: &[String]) -> Self {
        let mut row = StepView::new("row");
        row.key = doc_key(parts, key);
        row.fields = parts
            .iter()
            .map(|(p, v)| (p.clone(), v.to_string()))
            .collect();
        row
    }

    fn new(kind: &'static str) -> Self {
        StepView {
            kind,
            stream: String::new(),
            event_type: String::new(),
            version: 1,
            payload: String::new(),
            key: String::new(),
            fields: Vec::new(),
            count: 0,
            comment: String::new(),
        }
    }
}

/// The tests of the read models of context `here`, named in the test crate as `krate`.
pub fn projection_tests(
    model: &Model,
    here: crate::ir::ContextId,
    krate: &str,
) -> ProjectionTestsView {
    let tests: Vec<ProjectionTestView> = model
        .context(here)
        .read_models
        .iter()
        .map(|r| test_view(model, *r, krate))
        // A read model fed only by `where:` events makes no row of its own to check.
        .filter(|t| t.steps.iter().any(|s| s.kind != "append"))
        .collect();
    ProjectionTestsView {
        filtered: tests.iter().any(|t| t.filtered),
        tests,
    }
}

/// A made-up JSON value of `ty`, distinct per `seed` where the type allows.
fn sample(model: &Model, ty: &TypeRef, seed: usize, seen: &mut Vec<crate::ir::TypeId>) -> Value {
    match ty {
        TypeRef::Primitive(p) => match p {
            Primitive::String => json!(format!("value-{seed}")),
            Primitive::Bool => json!(true),
            Primitive::I32 | Primitive::I64 | Primitive::U32 | Primitive::U64 => json!(seed + 1),
            Primitive::F64 => json!(1.5),
            Primitive::Decimal => json!("12.50"),
            Primitive::Uuid => json!(uuid_text(seed)),
            Primitive::Timestamp => json!("2026-01-02T03:04:05Z"),
            Primitive::Date => json!("2026-01-02"),
            Primitive::Bytes => json!([1, 2, 3]),
            Primitive::Json => json!({ "sample": seed }),
        },
        TypeRef::Optional(inner) => match &**inner {
            // A recursive record ends in `null`.
            TypeRef::Named(id) if seen.contains(id) => Value::Null,
            _ => sample(model, inner, seed, seen),
        },
        TypeRef::List(inner) => match &**inner {
            TypeRef::Named(id) if seen.contains(id) => json!([]),
            _ => json!([sample(model, inner, seed, seen)]),
        },
        TypeRef::Map(inner) => match &**inner {
            TypeRef::Named(id) if seen.contains(id) => json!({}),
            _ => json!({ "key": sample(model, inner, seed, seen) }),
        },
        TypeRef::Named(id) => match &model.named_type(*id).kind {
            NamedTypeKind::Enum(variants) => {
                json!(variants.first().cloned().unwrap_or_default())
            }
            NamedTypeKind::Record(fields) => {
                seen.push(*id);
                let object: serde_json::Map<String, Value> = fields
                    .iter()
                    .map(|f| (f.name.clone(), sample(model, &f.ty, seed, seen)))
                    .collect();
                seen.pop();
                Value::Object(object)
            }
        },
    }
}

fn uuid_text(seed: usize) -> String {
    format!("00000000-0000-4000-8000-{seed:012x}")
}

/// The text a key part of value `value` has in a document key (as the projection's
/// `key_str` writes it).
fn key_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An event of `e` whose key parts (`key`: row part -> event field) hold the values
/// made for key number `n`: its stream, payload and the values of the parts.
fn event_with_key(
    model: &Model,
    e: EventId,
    key: &[FieldMapping],
    n: usize,
) -> (StepView, Vec<(String, Value)>) {
    let event = model.event(e);
    let mut payload = serde_json::Map::new();
    let mut parts = Vec::new();
    for (index, field) in event.fields.iter().enumerate() {
        let part = key.iter().find(|m| m.event == field.name);
        let value = match part {
            // Key parts are distinct per key number, whatever the event calls them; a
            // string part reads like a uuid part, so both find the same row.
            Some(_) => match &field.ty {
                TypeRef::Primitive(Primitive::String) => json!(uuid_text(1000 * (n + 1))),
                ty => sample(model, ty, 1000 * (n + 1), &mut Vec::new()),
            },
            None => sample(
                model,
                &field.ty,
                1000 * (n + 1) + index + 1,
                &mut Vec::new(),
            ),
        };
        if let Some(m) = part {
            parts.push((m.row.clone(), value.clone()));
        }
        payload.insert(field.name.clone(), value);
    }
    let aggregate = model.aggregate(event.aggregate);
    let id = payload
        .get(&aggregate.id.name)
        .map(key_text)
        .unwrap_or_else(|| uuid_text(n));
    let mut step = StepView::new("append");
    step.stream = format!(
        "{}-{}-{id}",
        model.context(event.context).name,
        aggregate.name
    );
    step.event_type = event.name.clone();
    step.version = event.version;
    step.payload = Value::Object(payload).to_string();
    // Key parts in key order, as the projection composes them.
    (step, parts)
}

fn doc_key(parts: &[(String, Value)], order: &[String]) -> String {
    let texts: Vec<String> = order
        .iter()
        .filter_map(|k| parts.iter().find(|(p, _)| p == k).map(|(_, v)| key_text(v)))
        .collect();
    match texts.as_slice() {
        [one] => string_literal(one),
        many => format!(
            "&stormcraft_runtime::projection::composite_key(&[{}])",
            many.iter()
                .map(|t| string_literal(t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn test_view(model: &Model, r: ReadModelId, krate: &str) -> ProjectionTestView {
    let rm = model.read_model(r);
    let mut steps = Vec::new();
    let mut docs = Vec::new();
    let mut n = 0;
    if rm.history {
        docs.push("Every source event appends one row, in the order recorded.".to_owned());
        for source in &rm.sources {
            let (mut step, _) = event_with_key(model, source.event, &[], n);
            step.comment = format!("`{}` appends a row.", model.event(source.event).name);
            steps.push(step);
            n += 1;
        }
        let mut count = StepView::new("count");
        count.count = rm.sources.len();
        steps.push(count);
    } else {
        let creates = crate::ir::sources::creates_rows(model, r);
        let keyed = |s: &crate::ir::ReadModelSource| {
            s.action == SourceAction::Upsert && s.key.len() == rm.key.len()
        };
        let upserts: Vec<_> = rm
            .sources
            .iter()
            .zip(&creates)
            .filter(|(s, creates)| keyed(s) && **creates)
            .map(|(s, _)| s)
            .collect();
        let updates: Vec<_> = rm
            .sources
            .iter()
            .zip(&creates)
            .filter(|(s, creates)| keyed(s) && !**creates)
            .map(|(s, _)| s)
            .collect();
        if !upserts.is_empty() {
            docs.push(if updates.is_empty() {
                "Each event that changes the row of its key makes the row of that key.".to_owned()
            } else {
                "Each event that carries every field a row needs makes the row of its key."
                    .to_owned()
            });
        }
        for source in &upserts {
            let (mut step, parts) = event_with_key(model, source.event, &source.key, n);
            step.comment = format!(
                "`{}` carries the key{}.",
                model.event(source.event).name,
                mapped(&source.key)
            );
            steps.push(step);
            steps.push(StepView::row(&parts, &rm.key));
            n += 1;
        }
        if let (Some(first), false) = (upserts.first(), updates.is_empty()) {
            docs.push(
                "An event that lacks fields a new row needs changes the row of its key when there is one and makes none."
                    .to_owned(),
            );
            for source in &updates {
                let name = &model.event(source.event).name;
                let (mut made, parts) = event_with_key(model, first.event, &first.key, n);
                made.comment = format!("A row for `{name}` to change.");
                steps.push(made);
                let (mut changed, _) = event_with_key(model, source.event, &source.key, n);
                changed.comment = format!("`{name}` changes it.");
                steps.push(changed);
                steps.push(StepView::row(&parts, &rm.key));
                n += 1;
                let (mut alone, parts) = event_with_key(model, source.event, &source.key, n);
                alone.comment = format!("`{name}` of a key without a row makes none.");
                steps.push(alone);
                let mut gone = StepView::new("none");
                gone.key = doc_key(&parts, &rm.key);
                steps.push(gone);
                n += 1;
            }
        }
        for source in rm
            .sources
            .iter()
            .filter(|s| s.action == SourceAction::Delete)
        {
            let Some(first) = upserts.first() else {
                continue;
            };
            if source.key.len() != rm.key.len() {
                continue;
            }
            if docs.iter().all(|d| !d.contains("removes")) {
                docs.push("An event with `delete: true` removes the row of its key.".to_owned());
            }
            let (mut made, parts) = event_with_key(model, first.event, &first.key, n);
            made.comment = format!("A row for `{}` to remove.", model.event(source.event).name);
            steps.push(made);
            let (mut removed, _) = event_with_key(model, source.event, &source.key, n);
            removed.comment = format!("`{}` removes it.", model.event(source.event).name);
            steps.push(removed);
            let mut gone = StepView::new("gone");
            gone.key = doc_key(&parts, &rm.key);
            steps.push(gone);
            n += 1;
        }
    }
    ProjectionTestView {
        name: rm.name.clone(),
        function: format!("{}_rows_follow_their_source_events", snake(&rm.name)),
        row: format!("{krate}::projections::{}", rm.name),
        docs,
        steps,
        filtered: !rm.filters.is_empty(),
    }
}

/// `, as `order_id` <- `source_id`` for the parts an event carries under another name.
fn mapped(key: &[FieldMapping]) -> String {
    let renamed: Vec<String> = key
        .iter()
        .filter(|m| m.row != m.event)
        .map(|m| format!("`{}` as its `{}`", m.row, m.event))
        .collect();
    if renamed.is_empty() {
        String::new()
    } else {
        format!(": {}", renamed.join(", "))
    }
}
