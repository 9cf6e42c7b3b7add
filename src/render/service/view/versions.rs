//! Older schema versions of events (`previous:` in the model) and their upcasters: the
//! old shapes as types, one user-owned step file per version bump, the wiring that
//! registers every step, and a test per event that reads its oldest stored shape
//! through the whole chain.
//!
//! A step file belongs to the event's own context (`src/rules/upcast/<event>_v<N>.rs`).
//! A context that reads another context's versioned published event mounts the owner's
//! step files with `#[path]`, so the rule is written once and no crate depends on
//! another: the file only names `super::<event>::{V1, V2, …}` and the value types the
//! versions use, which both crates provide under the same names.

use serde::Serialize;

use super::{derives_for, fields_view, FieldView};
use crate::ir::{ContextId, EventId, Field, Model, NamedTypeKind, Primitive, TypeRef};
use crate::render::service::names::{ident, raw_string_literal, snake, string_literal};
use crate::render::service::rust_types::{collect_named, Scope};

/// The versions of the events one context reads, for `src/versions.rs`.
#[derive(Debug, Clone, Serialize)]
pub struct VersionsView {
    /// One module per versioned event, in model order.
    pub events: Vec<VersionedEventView>,
}

/// One versioned event: its shapes and its upcasting steps.
#[derive(Debug, Clone, Serialize)]
pub struct VersionedEventView {
    /// The module, the event's snake_case name.
    pub module: String,
    /// The event type, as a string literal.
    pub event_type: String,
    /// The owning context, whose streams hold the event, as a string literal.
    pub context: String,
    /// The event's name.
    pub name: String,
    /// The owning context, when it is another one.
    pub publisher: Option<String>,
    /// `pub use` line of the value types the versions use, if any.
    pub types_use: Option<String>,
    /// The older shapes, oldest first.
    pub old: Vec<OldShapeView>,
    /// `V<current>`.
    pub current_name: String,
    /// The event's current type.
    pub current_path: String,
    /// The upcasting steps, oldest first.
    pub steps: Vec<StepView>,
    /// The test of the chain, in the owning context only.
    pub test: Option<ChainTestView>,
}

/// An older shape of an event.
#[derive(Debug, Clone, Serialize)]
pub struct OldShapeView {
    /// `V<version>`.
    pub name: String,
    /// The version.
    pub version: u32,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// Its fields.
    pub fields: Vec<FieldView>,
    /// The derive list.
    pub derives: String,
}

/// One upcasting step, from a version to the next.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    /// From this version.
    pub from: u32,
    /// To this one.
    pub to: u32,
    /// `V<from>`.
    pub from_name: String,
    /// `V<to>`.
    pub to_name: String,
    /// The module the step file is mounted as, `<event>_v<from>`.
    pub module: String,
    /// The `#[path]` of the step file, from this crate's `src/versions.rs` (a string
    /// literal).
    pub path: String,
    /// The step file's path inside the owning crate, `src/rules/upcast/<event>_v<N>.rs`.
    pub file: String,
    /// The default's assignments, when every field of the next version can be filled.
    pub assigns: Vec<StepAssignView>,
    /// The fields of the next version the default cannot fill; the default is pending.
    pub unfilled: Vec<String>,
    /// The pending text of the default, as a string literal.
    pub pending: String,
    /// Whether the default reads the old payload.
    pub uses_old: bool,
}

/// `field: expression` in the default of a step.
#[derive(Debug, Clone, Serialize)]
pub struct StepAssignView {
    /// The field identifier.
    pub field: String,
    /// The expression over `old`.
    pub expr: String,
}

/// The test that reads the oldest stored shape through the chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainTestView {
    /// The oldest version kept.
    pub stored: u32,
    /// The current version.
    pub current: u32,
    /// The current type, from the crate's root (`order::OrderPlaced`).
    pub current_type: String,
    /// A payload of the oldest shape, as a raw string literal of JSON.
    pub payload: String,
}

/// The versioned events context `here` reads: its own (with their tests) and the
/// published ones of other contexts it consumes (`consumed`, from the upstream copies).
pub fn versions_view(
    model: &Model,
    here: ContextId,
    consumed: impl IntoIterator<Item = EventId>,
) -> Option<VersionsView> {
    let ctx = model.context(here);
    let mut events = Vec::new();
    for a in &ctx.aggregates {
        let aggregate = model.aggregate(*a);
        for e in &aggregate.events {
            if let Some(view) = versioned_event(model, here, *e) {
                events.push(view);
            }
        }
    }
    for e in consumed {
        if let Some(view) = versioned_event(model, here, e) {
            events.push(view);
        }
    }
    (!events.is_empty()).then_some(VersionsView { events })
}

fn versioned_event(model: &Model, here: ContextId, e: EventId) -> Option<VersionedEventView> {
    let event = model.event(e);
    let steps = event.upcast_steps();
    if steps.is_empty() {
        return None;
    }
    let own = event.context == here;
    let module = snake(&event.name);
    let mut named = Vec::new();
    for f in all_fields(event) {
        collect_named(model, &f.ty, &mut named);
    }
    named.sort();
    let types_use = (!named.is_empty()).then(|| {
        let names: Vec<&str> = named
            .iter()
            .map(|t| model.named_type(*t).name.as_str())
            .collect();
        let from = if own {
            "crate::types".to_owned()
        } else {
            format!("crate::upstream::{}", model.context(event.context).name)
        };
        match names.as_slice() {
            [one] => format!("pub use {from}::{one};"),
            many => format!("pub use {from}::{{{}}};", many.join(", ")),
        }
    });
    let mut previous: Vec<_> = event.previous.iter().collect();
    previous.sort_by_key(|p| p.version);
    let old = previous
        .iter()
        .map(|p| OldShapeView {
            name: format!("V{}", p.version),
            version: p.version,
            docs: vec![format!(
                "`{}` as it was stored at schema version {}.",
                event.name, p.version
            )],
            fields: fields_view(model, &p.fields, Scope::Local),
            derives: derives_for(model, p.fields.iter().map(|f| &f.ty)).replace(", Default", ""),
        })
        .collect();
    let current_path = if own {
        format!(
            "crate::{}::{}",
            snake(&model.aggregate(event.aggregate).name),
            event.name
        )
    } else {
        format!(
            "crate::upstream::{}::{}",
            model.context(event.context).name,
            event.name
        )
    };
    // Context crates sit side by side in the workspace, each in the folder of its name.
    let owner_dir = model.context(event.context).name.clone();
    let steps = steps
        .iter()
        .map(|(from, to)| {
            let old_fields = event.shape(*from).unwrap_or_default();
            let new_fields = event.shape(*to).unwrap_or_default();
            let step_module = format!("{module}_v{from}");
            let file = format!("src/rules/upcast/{step_module}.rs");
            let path = if own {
                format!("rules/upcast/{step_module}.rs")
            } else {
                format!("../../{owner_dir}/{file}")
            };
            let StepDefault {
                assigns,
                unfilled,
                uses_old,
            } = default_step(old_fields, new_fields);
            let pending = format!(
                "write `upcast` in {owner_dir}/{file}: version {to} of `{}` needs {}",
                event.name,
                unfilled
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            StepView {
                from: *from,
                to: *to,
                from_name: format!("V{from}"),
                to_name: format!("V{to}"),
                module: step_module,
                path: string_literal(&path),
                file,
                uses_old,
                assigns,
                unfilled,
                pending: string_literal(&pending),
            }
        })
        .collect();
    let oldest = previous.first().map(|p| p.version)?;
    let test = own.then(|| ChainTestView {
        stored: oldest,
        current: event.version,
        current_type: current_path.trim_start_matches("crate::").to_owned(),
        payload: raw_string_literal(
            &sample_object(model, event.shape(oldest).unwrap_or_default()).to_string(),
        ),
    });
    Some(VersionedEventView {
        module,
        event_type: string_literal(&event.name),
        context: string_literal(&model.context(event.context).name),
        name: event.name.clone(),
        publisher: (!own).then(|| model.context(event.context).name.clone()),
        types_use,
        old,
        current_name: format!("V{}", event.version),
        current_path,
        steps,
        test,
    })
}

/// Every field of every shape of `event`, current first.
fn all_fields(event: &crate::ir::Event) -> impl Iterator<Item = &Field> {
    event
        .fields
        .iter()
        .chain(event.previous.iter().flat_map(|p| p.fields.iter()))
}

/// The default of one step (see [`default_step`]).
struct StepDefault {
    assigns: Vec<StepAssignView>,
    unfilled: Vec<String>,
    /// Some assignment reads a field of the old payload.
    uses_old: bool,
}

/// The default of one step: each field of the new shape from the old field of the same
/// name and type (or wrapped in `Some`), a new optional field left empty; every other
/// field is unfilled, which makes the default pending rather than invent a value.
fn default_step(old: &[Field], new: &[Field]) -> StepDefault {
    let mut step = StepDefault {
        assigns: Vec::new(),
        unfilled: Vec::new(),
        uses_old: false,
    };
    for target in new {
        let source = old.iter().find(|f| f.name == target.name);
        let place = |f: &Field| format!("old.{}", ident(&f.name));
        let expr = match (source, &target.ty) {
            (Some(from), to) if from.ty == *to => Some(place(from)),
            (Some(from), TypeRef::Optional(inner)) if **inner == from.ty => {
                Some(format!("Some({})", place(from)))
            }
            (None, TypeRef::Optional(_)) => Some("None".to_owned()),
            _ => None,
        };
        step.uses_old |= source.is_some() && expr.is_some();
        match expr {
            Some(expr) => step.assigns.push(StepAssignView {
                field: ident(&target.name),
                expr,
            }),
            None => step.unfilled.push(target.name.clone()),
        }
    }
    step
}

/// A payload of `fields` with one plain value per type, for the chain's test: the test
/// shows that a stored payload of that shape reads, whatever its values.
fn sample_object(model: &Model, fields: &[Field]) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    for f in fields {
        object.insert(f.name.clone(), sample(model, &f.ty, &mut Vec::new()));
    }
    serde_json::Value::Object(object)
}

fn sample(model: &Model, ty: &TypeRef, seen: &mut Vec<crate::ir::TypeId>) -> serde_json::Value {
    use serde_json::json;
    match ty {
        TypeRef::Primitive(p) => match p {
            Primitive::String => json!("text"),
            Primitive::Bool => json!(true),
            Primitive::I32 | Primitive::I64 | Primitive::U32 | Primitive::U64 => json!(1),
            Primitive::F64 => json!(1.5),
            Primitive::Decimal => json!("1.50"),
            Primitive::Uuid => json!("00000000-0000-4000-8000-000000000001"),
            Primitive::Timestamp => json!("2026-01-01T00:00:00Z"),
            Primitive::Date => json!("2026-01-01"),
            Primitive::Bytes => json!([1, 2]),
            Primitive::Json => json!({"any": "json"}),
        },
        TypeRef::Named(id) => match &model.named_type(*id).kind {
            NamedTypeKind::Enum(variants) => {
                json!(variants.first().cloned().unwrap_or_default())
            }
            NamedTypeKind::Record(fields) => {
                if seen.contains(id) {
                    return serde_json::Value::Null;
                }
                seen.push(*id);
                let mut object = serde_json::Map::new();
                for f in fields {
                    object.insert(f.name.clone(), sample(model, &f.ty, seen));
                }
                seen.pop();
                serde_json::Value::Object(object)
            }
        },
        TypeRef::List(inner) => json!([sample(model, inner, seen)]),
        TypeRef::Map(inner) => json!({ "key": sample(model, inner, seen) }),
        TypeRef::Optional(inner) => sample(model, inner, seen),
    }
}
