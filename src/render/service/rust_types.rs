//! The model's field types as Rust types, and the questions defaults ask about them.

use crate::ir::{Model, NamedTypeKind, Primitive, TypeRef};

/// Where named types live, as seen from the code being rendered.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// The context's own code: named types are `crate::types::Name`.
    Own,
    /// A module that holds copies of the types next to the code (`upstream::<context>`).
    Local,
}

/// The Rust spelling of `ty`.
pub fn rust_type(model: &Model, ty: &TypeRef, scope: Scope) -> String {
    match ty {
        TypeRef::Primitive(p) => primitive(*p).to_owned(),
        TypeRef::Named(id) => {
            let name = &model.named_type(*id).name;
            match scope {
                Scope::Own => format!("crate::types::{name}"),
                Scope::Local => name.clone(),
            }
        }
        TypeRef::List(inner) => format!("Vec<{}>", rust_type(model, inner, scope)),
        TypeRef::Optional(inner) => format!("Option<{}>", rust_type(model, inner, scope)),
        TypeRef::Map(inner) => format!(
            "std::collections::BTreeMap<String, {}>",
            rust_type(model, inner, scope)
        ),
    }
}

fn primitive(p: Primitive) -> &'static str {
    match p {
        Primitive::String => "String",
        Primitive::Bool => "bool",
        Primitive::I32 => "i32",
        Primitive::I64 => "i64",
        Primitive::U32 => "u32",
        Primitive::U64 => "u64",
        Primitive::F64 => "f64",
        Primitive::Decimal => "rust_decimal::Decimal",
        Primitive::Uuid => "uuid::Uuid",
        Primitive::Timestamp => "chrono::DateTime<chrono::Utc>",
        Primitive::Date => "chrono::NaiveDate",
        Primitive::Bytes => "Vec<u8>",
        Primitive::Json => "serde_json::Value",
    }
}

/// Whether values of `ty` are `Copy` in the generated code (enums derive `Copy`), so a
/// default copies them without `.clone()` (clippy's `clone_on_copy`).
pub fn is_copy(model: &Model, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Primitive(p) => {
            !matches!(p, Primitive::String | Primitive::Bytes | Primitive::Json)
        }
        TypeRef::Named(id) => matches!(model.named_type(*id).kind, NamedTypeKind::Enum(_)),
        TypeRef::Optional(inner) => is_copy(model, inner),
        TypeRef::List(_) | TypeRef::Map(_) => false,
    }
}

/// Whether `ty` contains floating point numbers, which rule out deriving `Eq`.
pub fn has_float(model: &Model, ty: &TypeRef, seen: &mut Vec<crate::ir::TypeId>) -> bool {
    match ty {
        TypeRef::Primitive(p) => *p == Primitive::F64,
        TypeRef::Named(id) => {
            if seen.contains(id) {
                return false;
            }
            seen.push(*id);
            match &model.named_type(*id).kind {
                NamedTypeKind::Record(fields) => {
                    fields.iter().any(|f| has_float(model, &f.ty, seen))
                }
                NamedTypeKind::Enum(_) => false,
            }
        }
        TypeRef::List(inner) | TypeRef::Optional(inner) | TypeRef::Map(inner) => {
            has_float(model, inner, seen)
        }
    }
}

/// How a value of type `from` becomes a value of type `to` in a default rule, as an
/// expression over `place` (e.g. `command.total`); `None` when it cannot.
///
/// Identical types copy (or clone), and `T` into `T?` wraps in `Some`.
pub fn convert(model: &Model, from: &TypeRef, to: &TypeRef, place: &str) -> Option<String> {
    let copy = |ty: &TypeRef| {
        if is_copy(model, ty) {
            place.to_owned()
        } else {
            format!("{place}.clone()")
        }
    };
    if from == to {
        return Some(copy(from));
    }
    match to {
        TypeRef::Optional(inner) if **inner == *from => Some(format!("Some({})", copy(from))),
        TypeRef::Optional(inner) if !matches!(from, TypeRef::Optional(_)) => {
            widen(from, inner, place).map(|e| format!("Some({e})"))
        }
        _ => widen(from, to, place),
    }
}

/// A primitive widened without loss, as `crate::ir::sources::fits` allows: a wider
/// integer (or float) `From` the narrower one, a uuid as its text. Lists, maps and
/// records of other types have no expression: a default with such a field is pending.
fn widen(from: &TypeRef, to: &TypeRef, place: &str) -> Option<String> {
    use Primitive::*;
    let (TypeRef::Primitive(f), TypeRef::Primitive(t)) = (from, to) else {
        return None;
    };
    match (f, t) {
        (U32, U64 | I64 | F64) | (I32, I64 | F64) => {
            Some(format!("{}::from({place})", primitive(*t)))
        }
        (Uuid, String) => Some(format!("{place}.to_string()")),
        _ => None,
    }
}

/// Which primitives (and hence crates) a type uses, transitively through named types.
pub fn collect_primitives(
    model: &Model,
    ty: &TypeRef,
    out: &mut std::collections::BTreeSet<Primitive>,
    seen: &mut Vec<crate::ir::TypeId>,
) {
    match ty {
        TypeRef::Primitive(p) => {
            out.insert(*p);
        }
        TypeRef::Named(id) => {
            if seen.contains(id) {
                return;
            }
            seen.push(*id);
            if let NamedTypeKind::Record(fields) = &model.named_type(*id).kind {
                for f in fields {
                    collect_primitives(model, &f.ty, out, seen);
                }
            }
        }
        TypeRef::List(inner) | TypeRef::Optional(inner) | TypeRef::Map(inner) => {
            collect_primitives(model, inner, out, seen)
        }
    }
}

/// The named types `ty` uses, transitively, in first-use order.
pub fn collect_named(model: &Model, ty: &TypeRef, out: &mut Vec<crate::ir::TypeId>) {
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
