//! Read models: row types, the `ProjectionRules` defaults and one handler per read model.

use serde::Serialize;

use super::policy::{source_view, SourceView};
use super::{
    derives_for, docs, event_names_collide, fields_view, key_str, mentions_named, param,
    AssignView, FieldView,
};
use crate::ir::{ContextId, FieldMapping, Model, ReadModelId};
use crate::render::service::names::{ident, kebab, snake};
use crate::render::service::rust_types::{convert, Scope};

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
    /// The row key as a `&str`, over `event`.
    pub key: String,
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
    /// Key field name.
    pub key: String,
    /// The projection's handler function.
    pub function: String,
    /// One per source event.
    pub handlers: Vec<ProjectionHandlerView>,
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
    let handlers = rm
        .from
        .iter()
        .map(|e| {
            let event = model.event(*e);
            let source = rm.source(*e).expect("every source event has its entry");
            let key = key_expr(model, event, &source.key);
            // The row's key fields come from the event too (a new row has them set).
            let assigns: Vec<AssignView> = source
                .key
                .iter()
                .chain(&source.sets)
                .filter_map(|m| {
                    let target = rm.fields.iter().find(|f| f.name == m.row)?;
                    let from = event.fields.iter().find(|f| f.name == m.event)?;
                    // A foreign event's named types are copies: they never convert to ours.
                    if event.context != here && mentions_named(&from.ty) {
                        return None;
                    }
                    let expr = convert(
                        model,
                        &from.ty,
                        &target.ty,
                        &format!("event.{}", ident(&from.name)),
                    )?;
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
            ProjectionHandlerView {
                source: source_view(model, here, &rm.from, *e),
                method,
                row_param: param("row", used),
                event_param: param("event", used),
                assigns,
                key,
            }
        })
        .collect();
    ReadModelView {
        name: rm.name.clone(),
        docs: docs(&rm.description),
        table: format!("{}.{}", ctx.name, rm.name),
        path: kebab(&rm.name),
        fields: fields_view(model, &rm.fields, Scope::Own),
        derives: derives_for(model, rm.fields.iter().map(|f| &f.ty)),
        key: rm.key_text(),
        function,
        handlers,
    }
}

/// The row key of `event` as a `&str` expression over `event`: the one key field's text,
/// or the runtime's encoding of a composite key's parts (`check` makes sure the event
/// carries every part, SC047, SC074).
fn key_expr(model: &Model, event: &crate::ir::Event, key: &[FieldMapping]) -> String {
    let part = |m: &FieldMapping| {
        let ty = event
            .fields
            .iter()
            .find(|f| f.name == m.event)
            .map(|f| f.ty.clone())
            .unwrap_or(crate::ir::TypeRef::Primitive(crate::ir::Primitive::String));
        key_str(&ty, &format!("event.{}", ident(&m.event)))
    };
    let _ = model;
    match key {
        [one] => part(one),
        parts => format!(
            "&projection::composite_key(&[{}])",
            parts.iter().map(part).collect::<Vec<_>>().join(", ")
        ),
    }
}
