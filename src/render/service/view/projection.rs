//! Read models: row types, the `ProjectionRules` defaults and one handler per read model.

use serde::Serialize;

use super::policy::{source_view, SourceView};
use super::{
    derives_for, docs, event_names_collide, fields_view, key_str, param, AssignView, FieldView,
};
use crate::ir::sources;
use crate::ir::{Computed, ContextId, FieldMapping, Model, ReadModelId, SourceAction};
use crate::render::service::names::{ident, kebab, snake, string_literal};
use crate::render::service::rust_types::{convert_across, Scope};

/// One source event of a read model.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectionHandlerView {
    /// The source event.
    pub source: SourceView,
    /// The `ProjectionRules` method.
    pub method: String,
    /// The row parameter of the default (`_row` when unused).
    pub row_param: String,
    /// The event parameter of the default (`_event` when unused).
    pub event_param: String,
    /// The row fields the default copies from the event.
    pub assigns: Vec<AssignView>,
    /// The row key as a `&str`, over `event` (empty for `where` and `append`).
    pub key: String,
    /// What the event does: `upsert` (the row of its key, made when absent), `update`
    /// (the row of its key when there is one: the event lacks fields a new row needs,
    /// see [`sources::creates_rows`]), `delete`, `where` (every matching row) or
    /// `append` (a history row).
    pub action: &'static str,
    /// For `where`: the row fields and the values (over `event`) they must equal.
    pub matching: Vec<MatchView>,
    /// Whether the event has a `ProjectionRules` method (a delete has none).
    pub has_rule: bool,
}

/// One `where:` entry of a source: a row field and the event's value it must equal.
#[derive(Debug, Clone, Serialize)]
pub struct MatchView {
    /// The row field's name, as stored in the row's JSON.
    pub field: String,
    /// The event field, as an expression over `event`.
    pub value: String,
}

/// A computed row field: a projection rule the defaults cannot write.
#[derive(Debug, Clone, Serialize)]
pub struct PendingFieldView {
    /// `<ReadModel>.<field>`, the name `written()` lists once the rules set it.
    pub name: String,
    /// The refusal `pending_rules()` reports (a string literal).
    pub text: String,
}

/// A read model: row struct, projection, endpoints.
#[derive(Debug, Clone, Serialize)]
pub struct ReadModelView {
    /// PascalCase name (the row struct).
    pub name: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// Document table and consumer name, `<context>.<ReadModel>`.
    pub table: String,
    /// URL path segment.
    pub path: String,
    /// Row fields, the key first.
    pub fields: Vec<FieldView>,
    /// The derive list.
    pub derives: String,
    /// The key as the model writes it (`order_id`, `[a, b]`, `history`).
    pub key: String,
    /// The key fields of a composite key, for `Row::KEY` (empty otherwise).
    pub key_parts: Vec<String>,
    /// The row fields a list query may filter on, for `Row::FILTERS`.
    pub filters: Vec<String>,
    /// The filters and the fields `where:` sources find rows by, for `Row::INDEXES`;
    /// empty when that is just the filters.
    pub indexes: Vec<String>,
    /// One row per event (`history: true`).
    pub history: bool,
    /// Whether a handler calls a rule (not when every source deletes).
    pub uses_rules: bool,
    /// The doc comment of the projection's handler, one line per entry.
    pub function_docs: Vec<String>,
    /// The projection's handler function.
    pub function: String,
    /// One per source event.
    pub handlers: Vec<ProjectionHandlerView>,
    /// Its computed fields, each pending until the rules set it.
    pub pending: Vec<PendingFieldView>,
}

/// The views of the read models of `here`.
pub fn read_model_views(model: &Model, here: ContextId) -> Vec<ReadModelView> {
    model
        .context(here)
        .read_models
        .iter()
        .map(|r| read_model_view(model, here, *r))
        .collect()
}

fn read_model_view(model: &Model, here: ContextId, r: ReadModelId) -> ReadModelView {
    let ctx = model.context(here);
    let rm = model.read_model(r);
    let function = snake(&rm.name);
    let creates = sources::creates_rows(model, r);
    let handlers: Vec<ProjectionHandlerView> = rm
        .from
        .iter()
        .map(|e| {
            let event = model.event(*e);
            let source = rm.source(*e).expect("every source event has its entry");
            let key = key_expr(event, &source.key);
            // The row's key fields come from the event too (a new row has them set);
            // then the mapped and same-name fields, and those the lowering left out for
            // their type (another context's record), as `sources` traces them.
            let mut pairs: Vec<(String, String)> = source
                .key
                .iter()
                .chain(&source.sets)
                .map(|m| (m.row.clone(), m.event.clone()))
                .collect();
            if source.action != SourceAction::Delete {
                for field in &rm.fields {
                    if pairs.iter().any(|(row, _)| *row == field.name) {
                        continue;
                    }
                    if let Some((_, from)) = sources::read_model_source(model, r, *e, field) {
                        pairs.push((field.name.clone(), from.name.clone()));
                    }
                }
            }
            let assigns: Vec<AssignView> = pairs
                .iter()
                .filter_map(|(row, from)| {
                    let target = rm.fields.iter().find(|f| f.name == *row)?;
                    // A computed field is the rule's to set, never copied by the default
                    // (`crate::ir::sources` counts no event as its source either).
                    if target.computed.is_some() {
                        return None;
                    }
                    let from = event.fields.iter().find(|f| f.name == *from)?;
                    // A foreign event's named types are copies: they convert to ours when
                    // they have the same shape.
                    let place = format!("event.{}", ident(&from.name));
                    let expr = convert_across(model, here, &from.ty, &target.ty, &place).ok()?;
                    Some(AssignView {
                        field: ident(&target.name),
                        expr,
                    })
                })
                .collect();
            let method = if event_names_collide(model, &rm.from, *e) {
                format!(
                    "{function}_on_{}_{}",
                    model.context(event.context).name,
                    snake(&event.name)
                )
            } else {
                format!("{function}_on_{}", snake(&event.name))
            };
            let used = !assigns.is_empty();
            let creates_rows = rm
                .sources
                .iter()
                .position(|s| s.event == *e)
                .is_some_and(|i| creates[i]);
            let (action, key, matching) = match &source.action {
                SourceAction::Upsert if creates_rows => ("upsert", key, Vec::new()),
                SourceAction::Upsert => ("update", key, Vec::new()),
                SourceAction::Delete => ("delete", key, Vec::new()),
                SourceAction::Append => ("append", String::new(), Vec::new()),
                SourceAction::UpdateWhere(pairs) => (
                    "where",
                    String::new(),
                    pairs
                        .iter()
                        .map(|m| MatchView {
                            field: m.row.clone(),
                            value: format!("projection::field_value(&event.{})?", ident(&m.event)),
                        })
                        .collect(),
                ),
            };
            ProjectionHandlerView {
                source: source_view(model, here, &rm.from, *e),
                method,
                row_param: param("row", used),
                event_param: param("event", used),
                assigns,
                key,
                action,
                matching,
                has_rule: action != "delete",
            }
        })
        .collect();
    ReadModelView {
        name: rm.name.clone(),
        docs: docs(&rm.description),
        table: format!("{}.{}", ctx.name, rm.name),
        path: kebab(&rm.name),
        fields: row_fields_view(model, r),
        derives: derives_for(model, rm.fields.iter().map(|f| &f.ty)),
        key: rm.key_text(),
        key_parts: if rm.key.len() > 1 {
            rm.key.clone()
        } else {
            Vec::new()
        },
        filters: rm.filters.clone(),
        indexes: indexes(rm),
        history: rm.history,
        uses_rules: handlers.iter().any(|h| h.has_rule),
        function_docs: function_docs(&rm.name, &handlers),
        pending: pending_fields(model, r, &function, &handlers),
        function,
        handlers,
    }
}

/// The row fields of `r` as the row struct declares them: a field that holds no value
/// until a projection rule sets it is optional, and its docs say why.
fn row_fields_view(model: &Model, r: ReadModelId) -> Vec<FieldView> {
    let rm = model.read_model(r);
    let stored = sources::stored_row_fields(model, r);
    let mut views = fields_view(model, &stored, Scope::Own);
    let copies = sources::read_model_fields(model, r);
    let unset = sources::unset_row_fields(model, r);
    for (index, (field, view)) in rm.fields.iter().zip(&mut views).enumerate() {
        if !unset[index] {
            continue;
        }
        if !view.docs.is_empty() {
            view.docs.push(String::new());
        }
        view.docs.push(match &field.computed {
            Some(Computed::Rule(how)) => {
                format!("`null` until the projection rules set it (computed: {how}).")
            }
            Some(Computed::Now) => {
                "`null` until the projection rules set it (computed: now).".to_owned()
            }
            None => match copies.iter().find(|(i, _)| *i == index) {
                Some((_, setters)) if !setters.events.is_empty() => {
                    "`null` in a row made by an event that does not carry it, until one that \
                     does changes the row."
                        .to_owned()
                }
                Some((_, setters)) if !setters.unconverted.is_empty() => {
                    "`null` until the projection rules copy it: its source events carry it as \
                     a value with no generated conversion."
                        .to_owned()
                }
                _ => "`null` until the projection rules set it: no source event carries it."
                    .to_owned(),
            },
        });
    }
    views
}

/// The fields of `r` no default can fill, each a pending projection rule until
/// `written()` lists it, with the refusal `pending_rules()` reports: the computed ones,
/// and those an event carries as a value the generator cannot convert (`handlers`: the
/// read model's, in `from:` order, for the method to write).
fn pending_fields(
    model: &Model,
    r: ReadModelId,
    function: &str,
    handlers: &[ProjectionHandlerView],
) -> Vec<PendingFieldView> {
    let rm = model.read_model(r);
    let copies = sources::read_model_fields(model, r);
    rm.fields
        .iter()
        .enumerate()
        .filter_map(|(index, f)| {
            let name = format!("{}.{}", rm.name, f.name);
            let unconverted = copies
                .iter()
                .find(|(i, _)| *i == index)
                .map(|(_, setters)| setters.unconverted.as_slice())
                .unwrap_or_default();
            let text = if f.computed.is_some() {
                format!(
                    "not implemented: `{}` of `{}` is computed; set it in the `{function}_on_*` methods of src/rules/projections.rs and list \"{name}\" in `written()`",
                    f.name, rm.name
                )
            } else if let Some((event, why)) = unconverted.first() {
                format!(
                    "not implemented: `{}` of `{}` comes from `{}`, whose value has no generated conversion ({why}); copy it in `{}` of src/rules/projections.rs and list \"{name}\" in `written()`",
                    f.name,
                    rm.name,
                    model.event(*event).name,
                    rm.from
                        .iter()
                        .position(|e| e == event)
                        .and_then(|i| handlers.get(i))
                        .map_or(function, |h| h.method.as_str())
                )
            } else {
                return None;
            };
            Some(PendingFieldView {
                text: string_literal(&text),
                name,
            })
        })
        .collect()
}

/// The row key of `event` as a `&str` expression over `event`: the one key field's text,
/// or the runtime's encoding of a composite key's parts (`check` makes sure the event
/// carries every part, SC047, SC074).
fn key_expr(event: &crate::ir::Event, key: &[FieldMapping]) -> String {
    let part = |m: &FieldMapping| {
        let ty = event
            .fields
            .iter()
            .find(|f| f.name == m.event)
            .map(|f| f.ty.clone())
            .unwrap_or(crate::ir::TypeRef::Primitive(crate::ir::Primitive::String));
        key_str(&ty, &format!("event.{}", ident(&m.event)))
    };
    match key {
        [] => String::new(),
        [one] => part(one),
        parts => format!(
            "&projection::composite_key(&[{}])",
            parts.iter().map(part).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// What the projection of `name` does with its events, for its doc comment.
fn function_docs(name: &str, handlers: &[ProjectionHandlerView]) -> Vec<String> {
    let has = |action: &str| handlers.iter().any(|h| h.action == action);
    let line = if has("append") {
        format!("The projection of `{name}`: a new row per event, filled by its rule.")
    } else {
        let mut what = format!("The projection of `{name}`: the row of the event's key");
        if has("where") {
            what.push_str(" (or, for a `where:` event, every matching row)");
        }
        what.push_str(", changed by its rule");
        if has("delete") {
            what.push_str(" or deleted");
        }
        what.push('.');
        what
    };
    let mut lines = vec![line];
    let named = |action: &str| {
        handlers
            .iter()
            .filter(|h| h.action == action)
            .map(|h| format!("`{}`", h.source.event_type))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if has("update") {
        let text = format!(
            "Rows are made by {} (the events that carry every field a row needs); {} only \
             change the row of their key when there is one, so no row holds a value no \
             event gave it.",
            named("upsert"),
            named("update")
        );
        lines.push(String::new());
        lines.extend(crate::render::wrap(&text, 88));
    }
    lines
}

/// The fields to index for `rm`: its filters, then the row fields its `where:` sources
/// match on; empty when there are no more than the filters.
fn indexes(rm: &crate::ir::ReadModel) -> Vec<String> {
    let mut fields = rm.filters.clone();
    for source in &rm.sources {
        if let SourceAction::UpdateWhere(pairs) = &source.action {
            for pair in pairs {
                if !fields.contains(&pair.row) {
                    fields.push(pair.row.clone());
                }
            }
        }
    }
    if fields.len() == rm.filters.len() {
        Vec::new()
    } else {
        fields
    }
}
