//! View models: everything a template prints, computed from the checked model.
//!
//! Templates receive these serde structs and only lay them out. Every identifier, Rust
//! type and path, JSON key, default field mapping and flag that decides whether an item
//! exists (so that no model produces dead code or an unused import) is decided here,
//! one module per kind of item. The generated code stands on the runtime crate, so the
//! views hold types, rules and wiring, never plumbing.
//!
//! Names of runtime items that could clash with a model's element (an external system
//! called `Worker`, an event called `Aggregate`) are written through their snake_case
//! module (`aggregate::Aggregate`): model elements are PascalCase, so a module import
//! never clashes with one, and `check` reserves the few PascalCase names a generated
//! module does import (SC072).

mod aggregate;
mod context;
mod external;
mod policy;
mod process;
mod projection;
mod projection_test;
mod reaction;
mod recovery;
mod scenario;
mod timer;
mod upstream;
mod versions;
mod workspace;

use serde::Serialize;

pub use aggregate::{
    AggregateView, CommandView, EmitView, ErrorView, EventView, OutcomeEventView, OutcomeView,
};
pub use context::{ContextView, RouteView};
pub use external::{ExternalMethodView, ExternalView};
pub use policy::{
    CallView, CompensateView, IssueFnView, IssueView, PolicyHandlerView, PolicyView, SourceView,
    TargetView,
};
pub use process::{
    HandledView, ProcessCompensateView, ProcessDeadlineView, ProcessView, ProcessesView, RuleView,
    StateFieldView,
};
pub use projection::{ProjectionHandlerView, ReadModelView};
pub use recovery::{
    CompensateArmView, InboxCommandView, InboxView, RecoveryArmView, RecoveryView, RetryArmView,
};
pub use scenario::{RoundTripView, ScenarioView, StepView, WrittenView};
pub use timer::{DeadlineView, ScheduleView, TimersView};
pub use upstream::{UpstreamCommandView, UpstreamView};
pub use versions::{
    ChainTestView, OldShapeView, StepAssignView, StepView as UpcastStepView, VersionedEventView,
    VersionsView,
};
pub use workspace::{workspace, DepView, WorkspaceView};

use super::names::{ident, pascal, string_literal};
use super::rust_types::{has_float, rust_type, Scope};
use crate::ir::{EventId, Field, Model, NamedTypeKind, Primitive, TypeId, TypeRef};

/// A field of a struct.
#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    /// The Rust identifier (`r#type` for a keyword).
    pub ident: String,
    /// The Rust type.
    pub ty: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
}

/// One variant of an enum.
#[derive(Debug, Clone, Serialize)]
pub struct VariantView {
    /// The Rust identifier.
    pub ident: String,
    /// The JSON spelling (a string literal), when it differs from the identifier.
    pub rename: Option<String>,
}

/// A value type: a record or an enum.
#[derive(Debug, Clone, Serialize)]
pub struct TypeView {
    /// PascalCase name.
    pub name: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// `true` for an enum.
    pub is_enum: bool,
    /// Record fields.
    pub fields: Vec<FieldView>,
    /// Enum variants (the first is the default).
    pub variants: Vec<VariantView>,
    /// The derive list.
    pub derives: String,
}

/// `field: expression` of a struct literal, or `target.field = expression;` of a rule.
#[derive(Debug, Clone, Serialize)]
pub struct AssignView {
    /// The field identifier.
    pub field: String,
    /// The Rust expression.
    pub expr: String,
}

const DERIVE_DATA: &str = "Debug, Clone, PartialEq, Default, Serialize, Deserialize";
const DERIVE_DATA_EQ: &str = "Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize";

/// The lines of a description, for doc comments.
fn docs(text: &Option<String>) -> Vec<String> {
    text.as_deref()
        .map(|t| t.lines().map(|l| l.trim_end().to_owned()).collect())
        .unwrap_or_default()
}

fn fields_view(model: &Model, fields: &[Field], scope: Scope) -> Vec<FieldView> {
    fields
        .iter()
        .map(|f| FieldView {
            ident: ident(&f.name),
            ty: rust_type(model, &f.ty, scope),
            docs: docs(&f.description),
        })
        .collect()
}

/// Records derive `Eq` unless a float is inside (clippy asks for `Eq` where it can be).
fn derives_for<'a>(model: &Model, types: impl Iterator<Item = &'a TypeRef>) -> String {
    let mut float = false;
    for ty in types {
        float |= has_float(model, ty, &mut Vec::new());
    }
    if float { DERIVE_DATA } else { DERIVE_DATA_EQ }.to_owned()
}

fn type_view(model: &Model, id: TypeId, scope: Scope) -> TypeView {
    let t = model.named_type(id);
    match &t.kind {
        NamedTypeKind::Record(fields) => TypeView {
            name: t.name.clone(),
            docs: docs(&t.description),
            is_enum: false,
            fields: fields_view(model, fields, scope),
            variants: Vec::new(),
            derives: derives_for(model, fields.iter().map(|f| &f.ty)),
        },
        NamedTypeKind::Enum(variants) => TypeView {
            name: t.name.clone(),
            docs: docs(&t.description),
            is_enum: true,
            fields: Vec::new(),
            variants: variants
                .iter()
                .map(|v| {
                    let id = ident(&pascal(v));
                    VariantView {
                        rename: (id != *v).then(|| string_literal(v)),
                        ident: id,
                    }
                })
                .collect(),
            derives: if variants.is_empty() {
                "Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize"
            } else {
                "Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize"
            }
            .to_owned(),
        },
    }
}

/// A key or id as a `String` expression over `place`: uuids hyphenated, integers in
/// decimal, strings cloned. `check` accepts no other key or id type (SC074, SC075);
/// for one it rejected, the text form is still `to_string()`, which never panics here.
fn key_string(ty: &TypeRef, place: &str) -> String {
    match ty {
        TypeRef::Primitive(Primitive::String) => format!("{place}.clone()"),
        _ => format!("{place}.to_string()"),
    }
}

/// A key as a `&str` expression over `place` (no clone for a string).
fn key_str(ty: &TypeRef, place: &str) -> String {
    match ty {
        TypeRef::Primitive(Primitive::String) => format!("&{place}"),
        _ => format!("&{place}.to_string()"),
    }
}

/// The time of the decision (`computed: now`), for a timestamp or an optional one: the
/// one expression every default fills a clock field with. Inside `aggregate::handle` it
/// is the store's clock (a manual one in tests and with `--manual-clock`), elsewhere the
/// system's (`stormcraft_runtime::aggregate::decision_time`).
fn clock(ty: &TypeRef) -> String {
    let now = "chrono::DateTime::from(stormcraft_runtime::aggregate::decision_time())";
    match ty {
        TypeRef::Optional(_) => format!("Some({now})"),
        _ => now.to_owned(),
    }
}

/// Whether `ty` mentions a named type (a foreign event's named types are copies, which
/// never convert to this context's own).
fn mentions_named(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Primitive(_) => false,
        TypeRef::Named(_) => true,
        TypeRef::List(inner) | TypeRef::Optional(inner) | TypeRef::Map(inner) => {
            mentions_named(inner)
        }
    }
}

/// Whether another event of `events` has `event`'s name (from another context): then
/// method names say the context, and handlers tell the two apart by stream.
fn event_names_collide(model: &Model, events: &[EventId], event: EventId) -> bool {
    let name = &model.event(event).name;
    events
        .iter()
        .filter(|e| &model.event(**e).name == name)
        .count()
        > 1
}

/// `_name` when the parameter is unused, so defaults compile without warnings.
fn param(name: &str, used: bool) -> String {
    if used {
        name.to_owned()
    } else {
        format!("_{name}")
    }
}
