//! Policies: the `PolicyRules` defaults and one thin handler per policy.

use serde::Serialize;

use super::external::{external_entry, ExternalView};
use super::{docs, event_names_collide, mentions_named, param, AssignView};
use crate::ir::{CommandId, ContextId, EventId, Model, PolicyId, Primitive, TypeRef};
use crate::render::service::names::{ident, snake, string_literal};
use crate::render::service::rust_types::convert;

/// An event a consumer (policy or projection) handles.
#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    /// The event type name.
    pub event_type: String,
    /// Its stream category, `<context>-<Aggregate>`.
    pub category: String,
    /// The Rust path of its struct.
    pub rust: String,
    /// When another handled event has the same type name (from another context): the
    /// match guard that tells them apart by stream.
    pub guard: Option<String>,
}

/// The command a policy issues for one source event, and its default.
#[derive(Debug, Clone, Serialize)]
pub struct IssueView {
    /// The `PolicyRules` method.
    pub method: String,
    /// The Rust path of the aggregate that carries the command out.
    pub aggregate: String,
    /// The Rust path of the command struct.
    pub command: String,
    /// The event parameter of the default (`_event` when unused).
    pub event_param: String,
    /// The source-record parameter of the default (`_source` when unused).
    pub source_param: String,
    /// The command's fields in the default.
    pub fields: Vec<AssignView>,
}

/// The external call a policy makes for one source event.
#[derive(Debug, Clone, Serialize)]
pub struct CallView {
    /// The adapter constructor in `adapters.rs`.
    pub constructor: String,
    /// The external system's trait method.
    pub method: String,
}

/// What a policy does with one source event.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyHandlerView {
    /// The source event.
    pub source: SourceView,
    /// The command issued, if any.
    pub issue: Option<IssueView>,
    /// The external call, if any (made before the command is issued).
    pub call: Option<CallView>,
}

/// A policy: one worker.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyView {
    /// PascalCase name.
    pub name: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// The handler function.
    pub function: String,
    /// Consumer name (the checkpoint's key), `<context>.<Policy>`.
    pub consumer: String,
    /// The store parameter of the handler (`_` when unused).
    pub store_param: String,
    /// One handler per source event; several are matched by event type.
    pub handlers: Vec<PolicyHandlerView>,
}

/// The views of the policies of `here`; external systems they call are added to
/// `externals`.
pub fn policy_views(
    model: &Model,
    here: ContextId,
    externals: &mut Vec<ExternalView>,
) -> Vec<PolicyView> {
    let ctx = model.context(here);
    ctx.policies
        .iter()
        .map(|p| policy_view(model, here, *p, externals))
        .collect()
}

fn policy_view(
    model: &Model,
    here: ContextId,
    p: PolicyId,
    externals: &mut Vec<ExternalView>,
) -> PolicyView {
    let ctx = model.context(here);
    let policy = model.policy(p);
    let function = snake(&policy.name);
    let mut handlers = Vec::new();
    for e in &policy.on {
        let event = model.event(*e);
        let method = if policy.on.len() == 1 {
            function.clone()
        } else if event_names_collide(model, &policy.on, *e) {
            format!(
                "{function}_on_{}_{}",
                model.context(event.context).name,
                snake(&event.name)
            )
        } else {
            format!("{function}_on_{}", snake(&event.name))
        };
        let source = source_view(model, here, &policy.on, *e);
        let issue = policy
            .issues
            .map(|c| issue_view(model, here, *e, c, &method));
        let call = policy.calls.map(|x| {
            let entry = external_entry(model, x, externals);
            entry.add_method(&method, &source.rust, &policy.name, &event.name);
            CallView {
                constructor: entry.constructor.clone(),
                method: method.clone(),
            }
        });
        handlers.push(PolicyHandlerView {
            source,
            issue,
            call,
        });
    }
    PolicyView {
        name: policy.name.clone(),
        docs: docs(&policy.description),
        consumer: format!("{}.{}", ctx.name, policy.name),
        store_param: if policy.issues.is_some() {
            "store"
        } else {
            "_"
        }
        .to_owned(),
        handlers,
        function,
    }
}

/// The event `e` as `here` handles it; `among` are the events of the same handler.
pub fn source_view(model: &Model, here: ContextId, among: &[EventId], e: EventId) -> SourceView {
    let event = model.event(e);
    let agg = model.aggregate(event.aggregate);
    let publisher = &model.context(event.context).name;
    let rust = if event.context == here {
        format!("crate::{}::{}", snake(&agg.name), event.name)
    } else {
        format!("crate::upstream::{publisher}::{}", event.name)
    };
    let category = format!("{publisher}-{}", agg.name);
    SourceView {
        event_type: event.name.clone(),
        guard: event_names_collide(model, among, e).then(|| {
            format!(
                "cause.event.stream.starts_with({})",
                string_literal(&format!("{category}-"))
            )
        }),
        category,
        rust,
    }
}

/// The default command of a policy rule: fields copied by name from the event, the
/// aggregate id derived from the source event when the event lacks it, and the
/// type's default for the rest.
fn issue_view(model: &Model, here: ContextId, e: EventId, c: CommandId, method: &str) -> IssueView {
    let event = model.event(e);
    let command = model.command(c);
    let agg = model.aggregate(command.aggregate);
    let mut uses_source = false;
    let mut uses_event = false;
    let fields = command
        .fields
        .iter()
        .map(|target| {
            let from = event.fields.iter().find(|f| f.name == target.name);
            let converted = from.and_then(|f| {
                if event.context != here && mentions_named(&f.ty) {
                    None
                } else {
                    convert(
                        model,
                        &f.ty,
                        &target.ty,
                        &format!("event.{}", ident(&f.name)),
                    )
                }
            });
            let expr = match converted {
                Some(expr) => {
                    uses_event = true;
                    expr
                }
                None if target.name == agg.id.name => match &target.ty {
                    TypeRef::Primitive(Primitive::Uuid) => {
                        uses_source = true;
                        "aggregate::derived_id(source)".into()
                    }
                    TypeRef::Primitive(Primitive::String) => {
                        uses_source = true;
                        "aggregate::derived_id(source).to_string()".into()
                    }
                    _ => "Default::default()".into(),
                },
                None => "Default::default()".into(),
            };
            AssignView {
                field: ident(&target.name),
                expr,
            }
        })
        .collect();
    let module = snake(&agg.name);
    IssueView {
        method: method.to_owned(),
        aggregate: format!("crate::{module}::{}", agg.name),
        command: format!("crate::{module}::{}", command.name),
        event_param: param("event", uses_event),
        source_param: param("source", uses_source),
        fields,
    }
}
