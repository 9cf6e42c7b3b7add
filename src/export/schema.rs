//! The model's field types as JSON Schema, matching what the generated services put on
//! the wire.
//!
//! Every message of a generated workspace is a serde-derived struct written with
//! `serde_json`, so the schema follows serde's encoding of each Rust type (see
//! `render::service`'s type mapping): `rust_decimal::Decimal` is written as a string
//! (numbers are accepted on input, strings come out); `chrono` timestamps and dates as
//! RFC 3339 strings; `Vec<u8>` as an array of numbers 0–255 (no base64: the generated
//! structs carry no `serde_bytes`/`base64` attribute); `Option<T>` as the value or
//! `null`, and a missing optional field reads as `None`, so optional fields are not
//! `required`; enums as their variant's name as written in the model. Unknown fields
//! are ignored by serde, so objects do not forbid additional properties.
//!
//! The same mapping serves the JSON Schema files (2020-12, named types under `$defs`)
//! and AsyncAPI (draft-07 based, named types under `components/schemas`); [`Refs`]
//! says which. A `$ref` never carries siblings (draft-07 ignores them): a described
//! reference is wrapped in `allOf`.

use crate::ir::{Field, Model, NamedTypeKind, Primitive, TypeId, TypeRef};
use serde_json::{json, Map, Value};

/// The decimal strings `rust_decimal` writes: an optional minus, digits, and an
/// optional fraction (never an exponent).
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";

/// Where the schemas of named types live, which decides how a field refers to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refs {
    /// `#/$defs/<Name>`: a stand-alone JSON Schema file of one message; all its named
    /// types belong to the message's context, so the bare name is unique.
    Defs,
    /// `#/components/schemas/<context>.<Name>`: an AsyncAPI document of several contexts.
    Components,
}

impl Refs {
    /// The key of a named type in its container (`$defs` or `components/schemas`).
    pub fn key(self, model: &Model, id: TypeId) -> String {
        let t = model.named_type(id);
        match self {
            Refs::Defs => t.name.clone(),
            Refs::Components => format!("{}.{}", model.context(t.context).name, t.name),
        }
    }

    /// The `$ref` to a named type.
    fn reference(self, model: &Model, id: TypeId) -> String {
        match self {
            Refs::Defs => format!("#/$defs/{}", self.key(model, id)),
            Refs::Components => format!("#/components/schemas/{}", self.key(model, id)),
        }
    }
}

/// A model description as schema text: folded YAML leaves a trailing newline.
pub fn description(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// The schema of a value of type `ty`.
pub fn type_schema(model: &Model, ty: &TypeRef, refs: Refs) -> Value {
    match ty {
        TypeRef::Primitive(p) => primitive_schema(*p),
        TypeRef::Named(id) => json!({ "$ref": refs.reference(model, *id) }),
        TypeRef::List(inner) => {
            json!({ "type": "array", "items": type_schema(model, inner, refs) })
        }
        TypeRef::Map(inner) => json!({
            "type": "object",
            "additionalProperties": type_schema(model, inner, refs),
        }),
        TypeRef::Optional(inner) => nullable(type_schema(model, inner, refs)),
    }
}

/// `schema` or `null`: a plain typed schema gets `null` added to its `type`, anything
/// else (a reference, an enum, any JSON) is wrapped in `anyOf`.
fn nullable(schema: Value) -> Value {
    let Value::Object(mut map) = schema else {
        return schema;
    };
    if map.is_empty() {
        // Any JSON value already includes `null`.
        return Value::Object(map);
    }
    let plain = matches!(map.get("type"), Some(Value::String(_)))
        && !map.contains_key("enum")
        && !map.contains_key("$ref");
    if plain {
        if let Some(Value::String(t)) = map.remove("type") {
            let mut typed = Map::new();
            typed.insert("type".into(), json!([t, "null"]));
            typed.extend(map);
            return Value::Object(typed);
        }
    }
    json!({ "anyOf": [Value::Object(map), { "type": "null" }] })
}

fn primitive_schema(p: Primitive) -> Value {
    match p {
        Primitive::String => json!({ "type": "string" }),
        Primitive::Bool => json!({ "type": "boolean" }),
        Primitive::I32 => json!({ "type": "integer", "minimum": i32::MIN, "maximum": i32::MAX }),
        Primitive::I64 => json!({ "type": "integer", "minimum": i64::MIN, "maximum": i64::MAX }),
        Primitive::U32 => json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX }),
        Primitive::U64 => json!({ "type": "integer", "minimum": 0, "maximum": u64::MAX }),
        Primitive::F64 => json!({ "type": "number" }),
        Primitive::Decimal => json!({
            "type": "string",
            "pattern": DECIMAL_PATTERN,
            "description": "an exact decimal number as a string: digits, optionally a fraction",
        }),
        Primitive::Uuid => json!({ "type": "string", "format": "uuid" }),
        Primitive::Timestamp => json!({ "type": "string", "format": "date-time" }),
        Primitive::Date => json!({ "type": "string", "format": "date" }),
        Primitive::Bytes => json!({
            "type": "array",
            "items": { "type": "integer", "minimum": 0, "maximum": 255 },
            "description": "bytes, as serde writes them in JSON: an array of numbers 0-255",
        }),
        Primitive::Json => json!({}),
    }
}

/// A field's schema with its description. A described reference becomes
/// `allOf: [ref]` beside the description, since draft-07 ignores a `$ref`'s siblings.
fn field_schema(model: &Model, field: &Field, refs: Refs) -> Value {
    let schema = type_schema(model, &field.ty, refs);
    let Some(text) = description(&field.description) else {
        return schema;
    };
    let Value::Object(mut map) = schema else {
        return schema;
    };
    if map.contains_key("$ref") {
        return json!({ "description": text, "allOf": [Value::Object(map)] });
    }
    // A field's own words replace the type's generic ones (e.g. decimal's).
    map.insert("description".into(), Value::String(text));
    Value::Object(map)
}

/// The object schema of a record of `fields`: `type`, `properties` in field order and
/// `required` (every field that is not optional), after the given leading keywords.
pub fn object_schema(
    model: &Model,
    fields: &[Field],
    refs: Refs,
    lead: Map<String, Value>,
) -> Value {
    let mut schema = lead;
    schema.insert("type".into(), json!("object"));
    let properties: Map<String, Value> = fields
        .iter()
        .map(|f| (f.name.clone(), field_schema(model, f, refs)))
        .collect();
    let required: Vec<Value> = fields
        .iter()
        .filter(|f| !matches!(f.ty, TypeRef::Optional(_)))
        .map(|f| Value::String(f.name.clone()))
        .collect();
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    Value::Object(schema)
}

/// The schema of a named type: an object for a record, a string enum for an enum.
pub fn named_type_schema(model: &Model, id: TypeId, refs: Refs) -> Value {
    let t = model.named_type(id);
    let mut lead = Map::new();
    lead.insert("title".into(), Value::String(t.name.clone()));
    if let Some(text) = description(&t.description) {
        lead.insert("description".into(), Value::String(text));
    }
    match &t.kind {
        NamedTypeKind::Record(fields) => object_schema(model, fields, refs, lead),
        NamedTypeKind::Enum(variants) => {
            let mut schema = lead;
            schema.insert("type".into(), json!("string"));
            schema.insert("enum".into(), json!(variants));
            Value::Object(schema)
        }
    }
}

/// The named types that `fields` use, directly or through other named types, in
/// first-use order (so the output follows the model).
pub fn named_types_used<'a>(
    model: &Model,
    fields: impl IntoIterator<Item = &'a Field>,
) -> Vec<TypeId> {
    let mut out = Vec::new();
    for field in fields {
        collect_named(model, &field.ty, &mut out);
    }
    out
}

fn collect_named(model: &Model, ty: &TypeRef, out: &mut Vec<TypeId>) {
    match ty {
        TypeRef::Primitive(_) => {}
        TypeRef::Named(id) => {
            if out.contains(id) {
                return;
            }
            out.push(*id);
            if let NamedTypeKind::Record(fields) = &model.named_type(*id).kind {
                for f in fields {
                    collect_named(model, &f.ty, out);
                }
            }
        }
        TypeRef::List(inner) | TypeRef::Optional(inner) | TypeRef::Map(inner) => {
            collect_named(model, inner, out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_adds_null_or_wraps() {
        assert_eq!(
            nullable(json!({ "type": "string", "format": "uuid" })),
            json!({ "type": ["string", "null"], "format": "uuid" })
        );
        assert_eq!(
            nullable(json!({ "$ref": "#/$defs/Money" })),
            json!({ "anyOf": [{ "$ref": "#/$defs/Money" }, { "type": "null" }] })
        );
        assert_eq!(nullable(json!({})), json!({}));
    }
}
