//! Where each element, field and variant of a model is written.
//!
//! The checked model keeps spans on elements but not on fields or enum variants, and
//! a diff points at those. So the syntax tree (which has every span) is indexed once
//! per model by [`Place`], the way a change names what it is about.

use crate::model::ast::{FieldAst, TypeKindAst};
use crate::model::load::Loaded;
use crate::source::Span;
use std::collections::BTreeMap;

/// The kinds of named elements inside a context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemKind {
    /// A value object or enum.
    Type,
    /// An aggregate.
    Aggregate,
    /// A command.
    Command,
    /// An event.
    Event,
    /// A policy.
    Policy,
    /// A read model.
    ReadModel,
}

/// What part of an element a place is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Member {
    /// The element's name.
    Name,
    /// Its `description:` value.
    Description,
    /// A field's name.
    Field(String),
    /// A field's type expression.
    FieldType(String),
    /// A field's description.
    FieldDescription(String),
    /// An enum's variant.
    Variant(String),
    /// An enum's `enum:` list.
    Variants,
    /// An aggregate's id field.
    Id,
    /// An aggregate's `persistence:`.
    Persistence,
    /// An event's `published:`.
    Published,
    /// An event's `version:`.
    Version,
    /// A read model's `key:`.
    Key,
    /// A read model's `from:`.
    Sources,
    /// A business error of a command, by name.
    Error(String),
}

/// A place in a model: a context, optionally an element of it, and a part of that.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// The context's name; empty for the top level (system, actors, externals).
    pub context: String,
    /// The element of the context, if any: its kind and name.
    pub item: Option<(ItemKind, String)>,
    /// Which part of it.
    pub member: Member,
}

impl Place {
    /// A context's name.
    pub fn context(context: &str) -> Place {
        Place {
            context: context.to_owned(),
            item: None,
            member: Member::Name,
        }
    }

    /// A part of an element of a context.
    pub fn item(context: &str, kind: ItemKind, name: &str, member: Member) -> Place {
        Place {
            context: context.to_owned(),
            item: Some((kind, name.to_owned())),
            member,
        }
    }

    /// The same element's name.
    fn name(&self) -> Place {
        Place {
            member: Member::Name,
            ..self.clone()
        }
    }
}

/// A top-level element: the system, an actor or an external system.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TopPlace {
    /// The system's description.
    SystemDescription,
    /// An actor's name.
    Actor(String),
    /// An actor's description.
    ActorDescription(String),
    /// An external system's name.
    External(String),
    /// An external system's description.
    ExternalDescription(String),
}

/// Every place of one model with its span.
#[derive(Debug, Default)]
pub struct SpanIndex {
    places: BTreeMap<Place, Span>,
    top: BTreeMap<TopPlace, Span>,
}

impl SpanIndex {
    /// Indexes the syntax tree of a loaded model.
    pub fn build(loaded: &Loaded) -> SpanIndex {
        let mut index = SpanIndex::default();
        for file in &loaded.ast.files {
            if let Some(description) = &file.description {
                index.top(TopPlace::SystemDescription, description.span);
            }
            for actor in &file.actors {
                index.top(TopPlace::Actor(actor.name.value.clone()), actor.name.span);
                if let Some(d) = &actor.description {
                    index.top(TopPlace::ActorDescription(actor.name.value.clone()), d.span);
                }
            }
            for external in &file.externals {
                let name = &external.name.value;
                index.top(TopPlace::External(name.clone()), external.name.span);
                if let Some(d) = &external.description {
                    index.top(TopPlace::ExternalDescription(name.clone()), d.span);
                }
            }
            for context in &file.contexts {
                let c = context.name.value.as_str();
                index.add(Place::context(c), context.name.span);
                if let Some(d) = &context.description {
                    index.add(
                        Place {
                            member: Member::Description,
                            ..Place::context(c)
                        },
                        d.span,
                    );
                }
                for ty in &context.types {
                    let at = |member| Place::item(c, ItemKind::Type, &ty.name.value, member);
                    index.add(at(Member::Name), ty.name.span);
                    index.maybe(at(Member::Description), ty.description.as_ref());
                    match &ty.kind {
                        TypeKindAst::Record(fields) => index.fields(fields, at),
                        TypeKindAst::Enum(variants, span) => {
                            index.add(at(Member::Variants), *span);
                            for v in variants {
                                index.add(at(Member::Variant(v.value.clone())), v.span);
                            }
                        }
                    }
                }
                for aggregate in &context.aggregates {
                    let name = &aggregate.name.value;
                    let at = |member| Place::item(c, ItemKind::Aggregate, name, member);
                    index.add(at(Member::Name), aggregate.name.span);
                    index.maybe(at(Member::Description), aggregate.description.as_ref());
                    index.add(at(Member::Id), aggregate.id.name.span);
                    index.add(at(Member::Persistence), aggregate.persistence.span);
                    for command in &aggregate.commands {
                        let at =
                            |member| Place::item(c, ItemKind::Command, &command.name.value, member);
                        index.add(at(Member::Name), command.name.span);
                        index.maybe(at(Member::Description), command.description.as_ref());
                        index.fields(&command.fields, at);
                        for error in &command.errors {
                            index.add(at(Member::Error(error.name.value.clone())), error.name.span);
                        }
                    }
                    for event in &aggregate.events {
                        let at =
                            |member| Place::item(c, ItemKind::Event, &event.name.value, member);
                        index.add(at(Member::Name), event.name.span);
                        index.maybe(at(Member::Description), event.description.as_ref());
                        index.add(at(Member::Published), event.published.span);
                        index.add(at(Member::Version), event.version.span);
                        index.fields(&event.fields, at);
                    }
                }
                for policy in &context.policies {
                    let at = |member| Place::item(c, ItemKind::Policy, &policy.name.value, member);
                    index.add(at(Member::Name), policy.name.span);
                    index.maybe(at(Member::Description), policy.description.as_ref());
                }
                for read_model in &context.read_models {
                    let at = |member| {
                        Place::item(c, ItemKind::ReadModel, &read_model.name.value, member)
                    };
                    index.add(at(Member::Name), read_model.name.span);
                    index.maybe(at(Member::Description), read_model.description.as_ref());
                    // One key: its name; a composite key: where `key:` is written.
                    let key = match read_model.key.as_slice() {
                        [one] => Some(one.span),
                        _ => read_model.key_span,
                    };
                    if let Some(key) = key {
                        index.add(at(Member::Key), key);
                    }
                    index.add(at(Member::Sources), read_model.from_span);
                    index.fields(&read_model.fields, at);
                }
            }
        }
        index
    }

    fn add(&mut self, place: Place, span: Span) {
        // The first definition wins, as it does for the checked model.
        self.places.entry(place).or_insert(span);
    }

    fn maybe<T>(&mut self, place: Place, value: Option<&crate::model::ast::Sp<T>>) {
        if let Some(value) = value {
            self.add(place, value.span);
        }
    }

    fn top(&mut self, place: TopPlace, span: Span) {
        self.top.entry(place).or_insert(span);
    }

    fn fields(&mut self, fields: &[FieldAst], at: impl Fn(Member) -> Place) {
        for field in fields {
            let name = &field.name.value;
            self.add(at(Member::Field(name.clone())), field.name.span);
            self.add(at(Member::FieldType(name.clone())), field.ty.span);
            if let Some(d) = &field.description {
                self.add(at(Member::FieldDescription(name.clone())), d.span);
            }
        }
    }

    /// The span of a place, or of the nearest enclosing thing that is written: a
    /// field's name when its type has no span of its own, the element's name, then
    /// the context's name.
    pub fn find(&self, place: &Place) -> Option<Span> {
        if let Some(span) = self.places.get(place) {
            return Some(*span);
        }
        if let Member::FieldType(field) | Member::FieldDescription(field) = &place.member {
            let field = Place {
                member: Member::Field(field.clone()),
                ..place.clone()
            };
            if let Some(span) = self.places.get(&field) {
                return Some(*span);
            }
        }
        self.places
            .get(&place.name())
            .or_else(|| self.places.get(&Place::context(&place.context)))
            .copied()
    }

    /// The span of a top-level place.
    pub fn find_top(&self, place: &TopPlace) -> Option<Span> {
        self.top.get(place).copied()
    }
}
