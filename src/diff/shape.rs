//! The shape of a message, compared between two models: which fields and variants
//! were added or removed, which types changed, and in which direction each change
//! still reads.
//!
//! Shapes are compared structurally, as the generated services put them on the wire
//! (serde + `serde_json`): a record is an object whose unknown fields are ignored and
//! whose optional fields may be missing, an enum is the string of its variant, and a
//! named type's name is not part of the payload. So renaming a record type changes
//! nothing, and a change inside a record is reported at its path in every message
//! that holds it (`lines[].unit_price.amount`).

use super::spans::{ItemKind, Member, Place};
use super::Compat;
use crate::ir::{Field, Model, NamedTypeKind, Primitive, TypeId, TypeRef};

/// One difference between the old and the new shape of a message.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// What changed.
    pub kind: ChangeKind,
    /// Where in the message: field names joined by `.`, `[]` for a list's items and
    /// `{}` for a map's values (`lines[].unit_price.amount`).
    pub path: String,
    /// Whether data of the other side still reads.
    pub compat: Compat,
    /// Where the changed thing is written in the old model.
    pub old: Place,
    /// Where the changed thing is written in the new model.
    pub new: Place,
}

/// The kinds of shape changes.
#[derive(Clone, Debug, PartialEq)]
pub enum ChangeKind {
    /// A field is gone; it was optional, or not.
    FieldRemoved {
        /// Its old type.
        ty: String,
        /// Whether it was optional.
        optional: bool,
    },
    /// A field is new.
    FieldAdded {
        /// Its type.
        ty: String,
        /// Whether it is optional.
        optional: bool,
    },
    /// `T?` became `T`.
    MadeRequired {
        /// The old type.
        old: String,
        /// The new type.
        new: String,
    },
    /// `T` became `T?`.
    MadeOptional {
        /// The old type.
        old: String,
        /// The new type.
        new: String,
    },
    /// The new type holds fewer values.
    Narrowed {
        /// The old type.
        old: String,
        /// The new type.
        new: String,
    },
    /// The new type holds more values.
    Widened {
        /// The old type.
        old: String,
        /// The new type.
        new: String,
    },
    /// Neither type reads the other.
    Changed {
        /// The old type.
        old: String,
        /// The new type.
        new: String,
    },
    /// An enum lost a variant.
    VariantRemoved {
        /// The enum (in the old model).
        ty: String,
        /// The variant.
        variant: String,
    },
    /// An enum gained a variant.
    VariantAdded {
        /// The enum (in the new model).
        ty: String,
        /// The variant.
        variant: String,
    },
}

/// Where a list of fields is written: the element (message or record type) that holds
/// them, and where its implicit field (an aggregate id, a read-model key) is written.
#[derive(Clone, Debug)]
pub struct Owner {
    /// The context.
    pub context: String,
    /// The element's kind.
    pub kind: ItemKind,
    /// The element's name.
    pub name: String,
    /// Where the implicit field is written, when the fields have one.
    pub implicit: Option<Place>,
}

impl Owner {
    fn place(&self, field: &Field, member: Member) -> Place {
        match (&self.implicit, field.implicit) {
            (Some(place), true) => place.clone(),
            _ => Place::item(&self.context, self.kind, &self.name, member),
        }
    }

    fn own(&self, member: Member) -> Place {
        Place::item(&self.context, self.kind, &self.name, member)
    }
}

/// Compares the fields of one message in two models.
pub fn compare_fields(
    old_model: &Model,
    new_model: &Model,
    old: (&[Field], &Owner),
    new: (&[Field], &Owner),
) -> Vec<Change> {
    let mut shapes = Shapes {
        old: old_model,
        new: new_model,
        changes: Vec::new(),
        stack: Vec::new(),
    };
    shapes.fields(old, new, "");
    shapes.changes
}

struct Shapes<'m> {
    old: &'m Model,
    new: &'m Model,
    changes: Vec<Change>,
    /// The pairs of record types being compared, against recursion (which `check`
    /// refuses, but a diff must not hang on it either).
    stack: Vec<(TypeId, TypeId)>,
}

/// Where the type being compared is written, on both sides, and its path.
struct At<'p> {
    path: &'p str,
    old: &'p Place,
    new: &'p Place,
}

impl Shapes<'_> {
    fn push(&mut self, kind: ChangeKind, at: &At<'_>, backward: bool, forward: bool) {
        self.changes.push(Change {
            kind,
            path: at.path.to_owned(),
            compat: Compat { backward, forward },
            old: at.old.clone(),
            new: at.new.clone(),
        });
    }

    fn fields(&mut self, old: (&[Field], &Owner), new: (&[Field], &Owner), prefix: &str) {
        let (old_fields, old_owner) = old;
        let (new_fields, new_owner) = new;
        let path = |name: &str| {
            if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}.{name}")
            }
        };
        for field in old_fields {
            if new_fields.iter().any(|f| f.name == field.name) {
                continue;
            }
            let optional = matches!(field.ty, TypeRef::Optional(_));
            let path = path(&field.name);
            let old_place = old_owner.place(field, Member::Field(field.name.clone()));
            let new_place = new_owner.own(Member::Name);
            let at = At {
                path: &path,
                old: &old_place,
                new: &new_place,
            };
            let kind = ChangeKind::FieldRemoved {
                ty: self.old.type_name(&field.ty),
                optional,
            };
            // New readers ignore the extra field in old data; old readers miss it in
            // new data unless it was optional.
            self.push(kind, &at, true, optional);
        }
        for field in new_fields {
            let path = path(&field.name);
            let new_place = new_owner.place(field, Member::FieldType(field.name.clone()));
            match old_fields.iter().find(|f| f.name == field.name) {
                Some(before) => {
                    let old_place = old_owner.place(before, Member::FieldType(field.name.clone()));
                    let at = At {
                        path: &path,
                        old: &old_place,
                        new: &new_place,
                    };
                    self.types(&before.ty, &field.ty, &at);
                }
                None => {
                    let optional = matches!(field.ty, TypeRef::Optional(_));
                    let new_place = new_owner.place(field, Member::Field(field.name.clone()));
                    let old_place = old_owner.own(Member::Name);
                    let at = At {
                        path: &path,
                        old: &old_place,
                        new: &new_place,
                    };
                    let kind = ChangeKind::FieldAdded {
                        ty: self.new.type_name(&field.ty),
                        optional,
                    };
                    self.push(kind, &at, optional, true);
                }
            }
        }
    }

    fn types(&mut self, old: &TypeRef, new: &TypeRef, at: &At<'_>) {
        let names = |s: &Self| (s.old.type_name(old), s.new.type_name(new));
        match (old, new) {
            (TypeRef::Optional(o), TypeRef::Optional(n)) => self.types(o, n, at),
            // `json` holds `null` too, so `T?` to `json` is only a widening.
            (TypeRef::Optional(o), n) if !matches!(n, TypeRef::Primitive(Primitive::Json)) => {
                let (old_name, new_name) = names(self);
                let kind = ChangeKind::MadeRequired {
                    old: old_name,
                    new: new_name,
                };
                self.push(kind, at, false, true);
                self.types(o, n, at);
            }
            (o, TypeRef::Optional(n)) => {
                let (old_name, new_name) = names(self);
                let kind = ChangeKind::MadeOptional {
                    old: old_name,
                    new: new_name,
                };
                self.push(kind, at, true, false);
                self.types(o, n, at);
            }
            (TypeRef::List(o), TypeRef::List(n)) => {
                let path = format!("{}[]", at.path);
                self.types(o, n, &At { path: &path, ..*at });
            }
            (TypeRef::Map(o), TypeRef::Map(n)) => {
                let path = format!("{}{{}}", at.path);
                self.types(o, n, &At { path: &path, ..*at });
            }
            (TypeRef::Named(o), TypeRef::Named(n)) => self.named(*o, *n, at),
            (o, n) => {
                let backward = reads(self.new, n, self.old, o);
                let forward = reads(self.old, o, self.new, n);
                let (old_name, new_name) = names(self);
                let kind = match (backward, forward) {
                    (true, true) => return,
                    (true, false) => ChangeKind::Widened {
                        old: old_name,
                        new: new_name,
                    },
                    (false, true) => ChangeKind::Narrowed {
                        old: old_name,
                        new: new_name,
                    },
                    (false, false) => ChangeKind::Changed {
                        old: old_name,
                        new: new_name,
                    },
                };
                self.push(kind, at, backward, forward);
            }
        }
    }

    fn named(&mut self, old: TypeId, new: TypeId, at: &At<'_>) {
        let old_type = self.old.named_type(old);
        let new_type = self.new.named_type(new);
        let old_owner = Owner {
            context: self.old.context(old_type.context).name.clone(),
            kind: ItemKind::Type,
            name: old_type.name.clone(),
            implicit: None,
        };
        let new_owner = Owner {
            context: self.new.context(new_type.context).name.clone(),
            kind: ItemKind::Type,
            name: new_type.name.clone(),
            implicit: None,
        };
        match (&old_type.kind, &new_type.kind) {
            (NamedTypeKind::Record(o), NamedTypeKind::Record(n)) => {
                if self.stack.contains(&(old, new)) {
                    return;
                }
                self.stack.push((old, new));
                self.fields((o, &old_owner), (n, &new_owner), at.path);
                self.stack.pop();
            }
            (NamedTypeKind::Enum(o), NamedTypeKind::Enum(n)) => {
                for variant in o.iter().filter(|v| !n.contains(v)) {
                    let old_place = old_owner.own(Member::Variant(variant.clone()));
                    let new_place = new_owner.own(Member::Variants);
                    let kind = ChangeKind::VariantRemoved {
                        ty: old_type.name.clone(),
                        variant: variant.clone(),
                    };
                    let here = At {
                        path: at.path,
                        old: &old_place,
                        new: &new_place,
                    };
                    self.push(kind, &here, false, true);
                }
                for variant in n.iter().filter(|v| !o.contains(v)) {
                    let old_place = old_owner.own(Member::Variants);
                    let new_place = new_owner.own(Member::Variant(variant.clone()));
                    let kind = ChangeKind::VariantAdded {
                        ty: new_type.name.clone(),
                        variant: variant.clone(),
                    };
                    let here = At {
                        path: at.path,
                        old: &old_place,
                        new: &new_place,
                    };
                    self.push(kind, &here, true, false);
                }
            }
            _ => {
                let kind = ChangeKind::Changed {
                    old: old_type.name.clone(),
                    new: new_type.name.clone(),
                };
                self.push(kind, at, false, false);
            }
        }
    }
}

/// What a type is at its top, for the readings between types of different kinds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Top {
    Primitive(Primitive),
    Enum,
    Record,
    List,
    Map,
    Optional,
}

fn top(model: &Model, ty: &TypeRef) -> Top {
    match ty {
        TypeRef::Primitive(p) => Top::Primitive(*p),
        TypeRef::Named(id) => match model.named_type(*id).kind {
            NamedTypeKind::Record(_) => Top::Record,
            NamedTypeKind::Enum(_) => Top::Enum,
        },
        TypeRef::List(_) => Top::List,
        TypeRef::Map(_) => Top::Map,
        TypeRef::Optional(_) => Top::Optional,
    }
}

/// Whether a reader of type `reader` (of `reader_model`) reads every JSON value
/// written as `writer` (of `writer_model`). Only asked about types of different
/// kinds or different primitives; same-kind composites are compared structurally.
fn reads(reader_model: &Model, reader: &TypeRef, writer_model: &Model, writer: &TypeRef) -> bool {
    use Primitive as P;
    match (top(reader_model, reader), top(writer_model, writer)) {
        (Top::Primitive(P::Json), _) => true,
        // Enums, decimals, uuids, timestamps and dates are all JSON strings.
        (Top::Primitive(P::String), Top::Enum) => true,
        (Top::Primitive(r), Top::Primitive(w)) => primitive_reads(r, w),
        _ => false,
    }
}

/// Whether primitive `reader` reads every value written as `writer`.
pub fn primitive_reads(reader: Primitive, writer: Primitive) -> bool {
    use Primitive as P;
    reader == writer
        || matches!(
            (reader, writer),
            (P::Json, _)
                | (P::String, P::Decimal | P::Uuid | P::Timestamp | P::Date)
                | (P::I64, P::I32 | P::U32)
                | (P::U64, P::U32)
                // Exact in a double: 32-bit integers only (a large i64 would round).
                | (P::F64, P::I32 | P::U32)
                // The services' decimal accepts JSON integers as well as strings.
                | (P::Decimal, P::I32 | P::I64 | P::U32 | P::U64)
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use Primitive as P;

    #[test]
    fn primitive_readings_go_one_way() {
        assert!(primitive_reads(P::I64, P::I32));
        assert!(!primitive_reads(P::I32, P::I64));
        assert!(primitive_reads(P::String, P::Uuid));
        assert!(!primitive_reads(P::Uuid, P::String));
        assert!(primitive_reads(P::Json, P::Bytes));
        assert!(!primitive_reads(P::Timestamp, P::Date));
        assert!(!primitive_reads(P::Date, P::Timestamp));
        assert!(!primitive_reads(P::U32, P::I32));
        assert!(!primitive_reads(P::I32, P::U32));
    }
}
