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

/// The Rust path of named type `id` as the code of context `here` names it: its own
/// `crate::types::Name`, or the copy of another context's, `crate::upstream::<ctx>::Name`.
pub fn type_path(model: &Model, here: crate::ir::ContextId, id: crate::ir::TypeId) -> String {
    let t = model.named_type(id);
    if t.context == here {
        format!("crate::types::{}", t.name)
    } else {
        format!(
            "crate::upstream::{}::{}",
            model.context(t.context).name,
            t.name
        )
    }
}

/// Why two named types of different contexts are not the same shape, or `None` when
/// they are: the same name, and records with the same field names whose types are the
/// same shape (primitives identical; lists, maps and optionals of the same shape), or
/// enums with the same variants. Only such a pair has a generated `From` conversion
/// (see [`shape_pairs`]); a near shape (a field more or less, a wider number) does not.
pub fn shape_difference(
    model: &Model,
    a: crate::ir::TypeId,
    b: crate::ir::TypeId,
) -> Option<String> {
    shape_difference_within(model, a, b, &mut Vec::new())
}

fn shape_difference_within(
    model: &Model,
    a: crate::ir::TypeId,
    b: crate::ir::TypeId,
    seen: &mut Vec<(crate::ir::TypeId, crate::ir::TypeId)>,
) -> Option<String> {
    if a == b || seen.contains(&(a, b)) {
        return None;
    }
    let (ta, tb) = (model.named_type(a), model.named_type(b));
    let name = |t: &crate::ir::NamedType| format!("{}.{}", model.context(t.context).name, t.name);
    if ta.name != tb.name {
        return Some(format!(
            "`{}` and `{}` have different names",
            name(ta),
            name(tb)
        ));
    }
    seen.push((a, b));
    let found = match (&ta.kind, &tb.kind) {
        (NamedTypeKind::Record(fa), NamedTypeKind::Record(fb)) => {
            let missing = fa
                .iter()
                .find(|f| !fb.iter().any(|g| g.name == f.name))
                .map(|f| (f, ta, tb))
                .or_else(|| {
                    fb.iter()
                        .find(|g| !fa.iter().any(|f| f.name == g.name))
                        .map(|g| (g, tb, ta))
                });
            match missing {
                Some((f, has, lacks)) => Some(format!(
                    "`{}` has a field `{}` that `{}` lacks",
                    name(has),
                    f.name,
                    name(lacks)
                )),
                None => fa.iter().find_map(|f| {
                    let g = fb.iter().find(|g| g.name == f.name)?;
                    type_difference(model, &f.ty, &g.ty, seen)
                        .map(|why| format!("field `{}` of `{}`: {why}", f.name, name(ta)))
                }),
            }
        }
        (NamedTypeKind::Enum(va), NamedTypeKind::Enum(vb)) => {
            let mut sa = va.clone();
            let mut sb = vb.clone();
            sa.sort();
            sb.sort();
            (sa != sb).then(|| format!("`{}` and `{}` have different variants", name(ta), name(tb)))
        }
        _ => Some(format!(
            "`{}` and `{}` are not both records or both enums",
            name(ta),
            name(tb)
        )),
    };
    seen.pop();
    found
}

fn type_difference(
    model: &Model,
    from: &TypeRef,
    to: &TypeRef,
    seen: &mut Vec<(crate::ir::TypeId, crate::ir::TypeId)>,
) -> Option<String> {
    // What `convert_across` converts: the same type, a pair of named types, or one
    // list, map or optional of a pair; deeper nestings of another context's types
    // are the rule's to convert.
    match (from, to) {
        _ if from == to => None,
        (TypeRef::Named(a), TypeRef::Named(b)) => shape_difference_within(model, *a, *b, seen),
        (TypeRef::List(a), TypeRef::List(b))
        | (TypeRef::Optional(a), TypeRef::Optional(b))
        | (TypeRef::Map(a), TypeRef::Map(b)) => match (&**a, &**b) {
            (TypeRef::Named(a), TypeRef::Named(b)) => shape_difference_within(model, *a, *b, seen),
            _ => Some(format!(
                "`{}` and `{}` nest another context's types too deep for a default",
                model.type_name(from),
                model.type_name(to)
            )),
        },
        _ => Some(format!(
            "`{}` is not `{}`",
            model.type_name(from),
            model.type_name(to)
        )),
    }
}

/// A value of `from` as a value of `to` in the code of context `here`, over `place`,
/// also when named types of different contexts are involved: a pair of the same shape
/// converts with its generated `From` impl (directly, inside an optional, a list or a
/// map); other types as [`convert`] does. `Err` says why no default can convert it.
pub fn convert_across(
    model: &Model,
    here: crate::ir::ContextId,
    from: &TypeRef,
    to: &TypeRef,
    place: &str,
) -> Result<String, String> {
    let foreign = |ty: &TypeRef| {
        let mut named = Vec::new();
        collect_named(model, ty, &mut named);
        named.iter().any(|id| model.named_type(*id).context != here)
    };
    let cannot = || {
        format!(
            "a `{}` does not convert into a `{}`",
            model.type_name(from),
            model.type_name(to)
        )
    };
    // Without another context's types, or the very same type (one Rust type), as ever.
    if from == to || (!foreign(from) && !foreign(to)) {
        return convert(model, from, to, place).ok_or_else(cannot);
    }
    let from_pair = |a: crate::ir::TypeId, b: crate::ir::TypeId| match shape_difference(model, a, b)
    {
        None => Ok(type_path(model, here, b)),
        Some(why) => Err(why),
    };
    match (from, to) {
        (TypeRef::Named(a), TypeRef::Named(b)) => {
            from_pair(*a, *b).map(|path| format!("{path}::from(&{place})"))
        }
        (TypeRef::Named(a), TypeRef::Optional(inner)) => match &**inner {
            TypeRef::Named(b) => {
                from_pair(*a, *b).map(|path| format!("Some({path}::from(&{place}))"))
            }
            _ => Err(cannot()),
        },
        (TypeRef::Optional(fa), TypeRef::Optional(tb)) => match (&**fa, &**tb) {
            (TypeRef::Named(a), TypeRef::Named(b)) => {
                from_pair(*a, *b).map(|path| format!("{place}.as_ref().map({path}::from)"))
            }
            _ => Err(cannot()),
        },
        (TypeRef::List(fa), TypeRef::List(tb)) => match (&**fa, &**tb) {
            (TypeRef::Named(a), TypeRef::Named(b)) => {
                from_pair(*a, *b).map(|path| format!("{place}.iter().map({path}::from).collect()"))
            }
            _ => Err(cannot()),
        },
        (TypeRef::Map(fa), TypeRef::Map(tb)) => match (&**fa, &**tb) {
            (TypeRef::Named(a), TypeRef::Named(b)) => from_pair(*a, *b).map(|path| {
                format!("{place}.iter().map(|(k, v)| (k.clone(), {path}::from(v))).collect()")
            }),
            _ => Err(cannot()),
        },
        _ => Err(cannot()),
    }
}

/// A generated `impl From<&From> for To` between two types of the same shape.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConversionView {
    /// The Rust path of the source type.
    pub from: String,
    /// The Rust path of the target type.
    pub to: String,
    /// For a record: `field: expr` over `value`, one per field.
    pub fields: Vec<(String, String)>,
    /// For an enum: the variant identifiers (the same on both sides).
    pub variants: Vec<String>,
    /// Whether it is an enum.
    pub is_enum: bool,
}

/// The `From` conversions of context `here` between named types of the same name and
/// shape ([`shape_difference`]) that its code names: its own types and the copies of
/// other contexts' types in `upstream` (`types`: per module, the copied type ids),
/// both ways, sorted by target then source path. A default converts a value of one
/// into the other with them; every pair a default may use is here, since
/// [`convert_across`] asks the same question.
pub fn shape_pairs(
    model: &Model,
    here: crate::ir::ContextId,
    copied: &[crate::ir::TypeId],
) -> Vec<ConversionView> {
    let mut all: Vec<crate::ir::TypeId> = model.context(here).types.clone();
    all.extend(copied.iter().copied());
    let mut out = Vec::new();
    for a in &all {
        for b in &all {
            let (ta, tb) = (model.named_type(*a), model.named_type(*b));
            if a == b || ta.context == tb.context || ta.name != tb.name {
                continue;
            }
            if shape_difference(model, *a, *b).is_some() {
                continue;
            }
            let (fields, variants, is_enum) = match (&ta.kind, &tb.kind) {
                (NamedTypeKind::Record(fa), NamedTypeKind::Record(fb)) => {
                    let fields = fb
                        .iter()
                        .filter_map(|g| {
                            let f = fa.iter().find(|f| f.name == g.name)?;
                            let place = format!("value.{}", super::names::ident(&f.name));
                            let expr = convert_across(model, here, &f.ty, &g.ty, &place).ok()?;
                            Some((super::names::ident(&g.name), expr))
                        })
                        .collect::<Vec<_>>();
                    // `shape_difference` said every field converts; a pair whose body
                    // could not be written is left out rather than half written.
                    if fields.len() != fb.len() {
                        continue;
                    }
                    (fields, Vec::new(), false)
                }
                (NamedTypeKind::Enum(_), NamedTypeKind::Enum(vb)) => (
                    Vec::new(),
                    vb.iter()
                        .map(|v| super::names::ident(&super::names::pascal(v)))
                        .collect(),
                    true,
                ),
                _ => continue,
            };
            out.push(ConversionView {
                from: type_path(model, here, *a),
                to: type_path(model, here, *b),
                fields,
                variants,
                is_enum,
            });
        }
    }
    out.sort_by(|x, y| (&x.to, &x.from).cmp(&(&y.to, &y.from)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ContextId, TypeId};

    /// Two contexts, `a` and `b`, each with the types given (YAML of `types:`), and a
    /// published event of `a` that `b` consumes so `b` holds copies of `a`'s types.
    fn model(a_types: &str, b_types: &str) -> Model {
        let text = format!(
            "stormcraft: 2\nsystem: S\nactors: {{U: someone}}\ncontexts:\n  a:\n    types:\n{a_types}    aggregates:\n      X:\n        commands:\n          Finish: {{by: U, emits: [Done]}}\n        events:\n          Done: {{published: true}}\n  b:\n    types:\n{b_types}    policies:\n      P: {{on: a.Done, call: Ext}}\nexternals:\n  Ext: somewhere\n"
        );
        let loaded = crate::model::load::load_str("model.yaml", &text);
        let checked = crate::check::check(&loaded);
        checked
            .model
            .unwrap_or_else(|| panic!("the model checks: {:?}", checked.diagnostics))
    }

    fn named(model: &Model, context: &str, name: &str) -> TypeId {
        let index = model
            .types
            .iter()
            .position(|t| t.name == name && model.context(t.context).name == context)
            .expect("the type");
        TypeId(index as u32)
    }

    const UNIT: &str = "      Unit: { enum: [Tablet, Drop] }\n";

    #[test]
    fn records_of_the_same_shape_convert_with_their_nested_enums() {
        let record = "      Dose: { fields: { amount: u32, unit: Unit, times: \"[u32]?\" } }\n";
        let m = model(&format!("{UNIT}{record}"), &format!("{UNIT}{record}"));
        let (from, to) = (named(&m, "a", "Dose"), named(&m, "b", "Dose"));
        assert_eq!(shape_difference(&m, from, to), None);
        let here = ContextId(1);
        let expr = convert_across(
            &m,
            here,
            &TypeRef::List(Box::new(TypeRef::Named(from))),
            &TypeRef::List(Box::new(TypeRef::Named(to))),
            "event.doses",
        );
        assert_eq!(
            expr.as_deref(),
            Ok("event.doses.iter().map(crate::types::Dose::from).collect()")
        );
        let pairs = shape_pairs(&m, here, &[from, named(&m, "a", "Unit")]);
        let shown: Vec<(String, String)> = pairs
            .iter()
            .map(|p| (p.from.clone(), p.to.clone()))
            .collect();
        assert_eq!(
            shown,
            // Both ways, sorted by the target's path.
            [
                (
                    "crate::upstream::a::Dose".into(),
                    "crate::types::Dose".into()
                ),
                (
                    "crate::upstream::a::Unit".into(),
                    "crate::types::Unit".into()
                ),
                (
                    "crate::types::Dose".into(),
                    "crate::upstream::a::Dose".into()
                ),
                (
                    "crate::types::Unit".into(),
                    "crate::upstream::a::Unit".into()
                ),
            ]
        );
    }

    #[test]
    fn a_near_shape_says_why_it_does_not_convert() {
        let ours = "      Dose: { fields: { amount: u32, unit: Unit, note: string? } }\n";
        let theirs = "      Dose: { fields: { amount: u32, unit: Unit } }\n";
        let m = model(&format!("{UNIT}{theirs}"), &format!("{UNIT}{ours}"));
        let (from, to) = (named(&m, "a", "Dose"), named(&m, "b", "Dose"));
        assert_eq!(
            shape_difference(&m, from, to).as_deref(),
            Some("`b.Dose` has a field `note` that `a.Dose` lacks")
        );
        let other_units = "      Unit: { enum: [Tablet, Drop, Spray] }\n";
        let m = model(
            &format!("{UNIT}{theirs}"),
            &format!("{other_units}{theirs}"),
        );
        let (from, to) = (named(&m, "a", "Dose"), named(&m, "b", "Dose"));
        assert_eq!(
            shape_difference(&m, from, to).as_deref(),
            Some("field `unit` of `a.Dose`: `a.Unit` and `b.Unit` have different variants")
        );
        let wider = "      Dose: { fields: { amount: u64, unit: Unit } }\n";
        let m = model(&format!("{UNIT}{theirs}"), &format!("{UNIT}{wider}"));
        let (from, to) = (named(&m, "a", "Dose"), named(&m, "b", "Dose"));
        assert!(shape_difference(&m, from, to).is_some());
        assert!(convert_across(
            &m,
            ContextId(1),
            &TypeRef::Named(from),
            &TypeRef::Named(to),
            "event.dose"
        )
        .is_err());
    }
}
