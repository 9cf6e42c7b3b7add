//! Where every field's value comes from: the one answer `check` (SC090–SC094, the
//! completeness summary) and the generator's default rules share, so that what the
//! checker calls traced is exactly what a default may fill, and nothing else.
//!
//! A field is filled from a source of the same name whose type [`fits`] it, or is
//! declared `computed:` (format 2). The sources of each kind of field:
//! - an event field, when a command records the event: the command's field, then the
//!   aggregate's state field (the aggregate id is the command's first field);
//! - a field of a command a policy issues: the trigger event's field (a schedule: the
//!   row's), the field of the row the policy `reads:`, and the id of a new aggregate
//!   derived from the trigger event; for a compensating command the refused command's
//!   field; for a policy set off by rejections (`on: { rejected }`) the refused
//!   command's field, the rejection's `error` and `message`, the cause event's field,
//!   and the derived id;
//! - a field of an event a recovery records (`record:`): the refused command's field,
//!   the rejection's `error` and `message`, and the cause event's field;
//! - a read-model field: a source event's field ([`read_model_source`], the one place
//!   to extend with explicit mappings per source event);
//! - a state field: some event of the aggregate that carries it.

use super::{
    CommandId, Computed, EventId, Field, Model, NamedTypeKind, PolicyId, Primitive, ReadModelId,
    Trigger, TypeRef,
};

/// Where one target field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The command's field at this index (of [`super::Command::fields`]).
    Command(usize),
    /// The aggregate's state field at this index.
    State(usize),
    /// The trigger event's field at this index.
    Trigger(EventId, usize),
    /// The field at this index of a row of a read model: the one a schedule runs over,
    /// or the row a policy `reads:` (found by its trigger event's key).
    Row(ReadModelId, usize),
    /// The refused command's field at this index (a compensation).
    Refused(CommandId, usize),
    /// A field of the rejection itself, for an event a recovery records.
    Rejection(RejectionField),
    /// The state field at this index of the process whose reaction issues the command.
    ProcessState(super::ProcessId, usize),
    /// The correlation key of the process whose reaction issues the command.
    ProcessKey(super::ProcessId),
    /// The id of the aggregate the command addresses, derived from the trigger event
    /// (a new aggregate per trigger: one payment per reservation).
    DerivedId,
    /// `computed: now`: the time the rule decides.
    Clock,
    /// `computed: <how>`: the rule computes it; a default cannot, so it is pending.
    Computed(String),
    /// A source of the same name exists, but its type does not fit the field's.
    Mismatch {
        /// Where the source is, in words (`command `PlaceOrder``).
        source: String,
        /// The source's type.
        ty: TypeRef,
    },
    /// Nothing gives it a value.
    Untraced {
        /// A source field with a near name (a likely typo).
        near: Option<String>,
    },
}

/// What a rejection says beside the refused command and its cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionField {
    /// `error`: the business error's name (`OutOfStock`).
    Error,
    /// `message`: the business error's message, for people.
    Message,
}

impl RejectionField {
    /// Both, in the order a field is looked up among them.
    pub const ALL: [RejectionField; 2] = [RejectionField::Error, RejectionField::Message];

    /// The field's name, which a recorded event's field of the same name is copied from.
    pub fn name(self) -> &'static str {
        match self {
            RejectionField::Error => "error",
            RejectionField::Message => "message",
        }
    }
}

impl Origin {
    /// Whether a value is traced to a source a default can read (a field, the clock
    /// or a derived id); `Computed` is declared but pending, the rest is untraced.
    pub fn is_filled(&self) -> bool {
        !matches!(
            self,
            Origin::Computed(_) | Origin::Mismatch { .. } | Origin::Untraced { .. }
        )
    }

    /// Whether the model says where the value comes from (a source or `computed:`).
    pub fn is_traced(&self) -> bool {
        !matches!(self, Origin::Mismatch { .. } | Origin::Untraced { .. })
    }
}

/// Whether a value of type `from` can fill a field of type `to`: the same type; a
/// value into an optional; an integer into a wider one (`u32` into `i64`); a uuid into
/// a string; lists, maps and optionals of fitting items; a record into a record whose
/// every field a field of the same name fits (or is optional and left out), and an
/// enum into one with all of its variants — so a published event's `Money` fits the
/// consuming context's own `Money`. `string` into `uuid` does not.
pub fn fits(model: &Model, from: &TypeRef, to: &TypeRef) -> bool {
    fits_within(model, from, to, &mut Vec::new())
}

fn fits_within(
    model: &Model,
    from: &TypeRef,
    to: &TypeRef,
    seen: &mut Vec<(TypeRef, TypeRef)>,
) -> bool {
    if from == to {
        return true;
    }
    match (from, to) {
        (TypeRef::Optional(f), TypeRef::Optional(t)) => fits_within(model, f, t, seen),
        (_, TypeRef::Optional(t)) => fits_within(model, from, t, seen),
        (TypeRef::List(f), TypeRef::List(t)) | (TypeRef::Map(f), TypeRef::Map(t)) => {
            fits_within(model, f, t, seen)
        }
        (TypeRef::Primitive(f), TypeRef::Primitive(t)) => widens(*f, *t),
        (TypeRef::Named(a), TypeRef::Named(b)) => {
            let pair = (from.clone(), to.clone());
            // A recursive record (through a list or optional) fits itself once the
            // walk comes back to a pair it is already comparing.
            if seen.contains(&pair) {
                return true;
            }
            seen.push(pair);
            let fit = match (&model.named_type(*a).kind, &model.named_type(*b).kind) {
                (NamedTypeKind::Record(from_fields), NamedTypeKind::Record(to_fields)) => to_fields
                    .iter()
                    .all(|t| match from_fields.iter().find(|f| f.name == t.name) {
                        Some(f) => fits_within(model, &f.ty, &t.ty, seen),
                        None => matches!(t.ty, TypeRef::Optional(_)),
                    }),
                (NamedTypeKind::Enum(from_variants), NamedTypeKind::Enum(to_variants)) => {
                    from_variants.iter().all(|v| to_variants.contains(v))
                }
                _ => false,
            };
            seen.pop();
            fit
        }
        _ => false,
    }
}

/// A primitive that converts into another without loss.
fn widens(from: Primitive, to: Primitive) -> bool {
    use Primitive::*;
    matches!(
        (from, to),
        (U32, U64 | I64 | F64) | (I32, I64 | F64) | (Uuid, String)
    )
}

/// The origin of a field declared `computed:`, if it is: the clock for `now` (on a
/// timestamp; on anything else the clock's type does not fit), else the rule.
fn declared(target: &Field) -> Option<Origin> {
    match target.computed.as_ref()? {
        Computed::Now => Some(
            if matches!(
                strip_optional(&target.ty),
                TypeRef::Primitive(Primitive::Timestamp)
            ) {
                Origin::Clock
            } else {
                Origin::Mismatch {
                    source: "the clock (`computed: now`)".to_owned(),
                    ty: TypeRef::Primitive(Primitive::Timestamp),
                }
            },
        ),
        Computed::Rule(how) => Some(Origin::Computed(how.clone())),
    }
}

fn strip_optional(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Optional(inner) => inner,
        other => other,
    }
}

/// One place to look for a field of the same name: its fields, how to name it in a
/// message, and the origin a hit at an index gives.
struct Place<'a> {
    fields: &'a [Field],
    what: String,
    origin: &'a dyn Fn(usize) -> Origin,
}

/// The first place with a field of `target`'s name that fits it; a mismatch when
/// only ill-fitting ones exist; else untraced, with a near name from every place.
fn search(model: &Model, target: &Field, places: &[Place<'_>]) -> Origin {
    let mut mismatch = None;
    for place in places {
        if let Some((index, from)) = place
            .fields
            .iter()
            .enumerate()
            .find(|(_, f)| f.name == target.name)
        {
            if fits(model, &from.ty, &target.ty) {
                return (place.origin)(index);
            }
            mismatch.get_or_insert_with(|| Origin::Mismatch {
                source: place.what.clone(),
                ty: from.ty.clone(),
            });
        }
    }
    mismatch.unwrap_or_else(|| Origin::Untraced {
        near: crate::suggest::closest(
            &target.name,
            places
                .iter()
                .flat_map(|p| p.fields.iter().map(|f| f.name.as_str())),
        )
        .map(str::to_owned),
    })
}

/// The origin of each field of event `e` when command `c` records it, in field order.
pub fn event_fields(model: &Model, c: CommandId, e: EventId) -> Vec<Origin> {
    let command = model.command(c);
    let aggregate = model.aggregate(command.aggregate);
    let from_command = Origin::Command;
    let from_state = Origin::State;
    let places = [
        Place {
            fields: &command.fields,
            what: format!("command `{}`", command.name),
            origin: &from_command,
        },
        Place {
            fields: &aggregate.state,
            what: format!("the state of `{}`", aggregate.name),
            origin: &from_state,
        },
    ];
    model
        .event(e)
        .fields
        .iter()
        .map(|target| declared(target).unwrap_or_else(|| search(model, target, &places)))
        .collect()
}

/// The origin of each field of the command policy `p` issues, when trigger event `e`
/// sets it off (an event policy or a deadline), in field order.
pub fn issued_fields(model: &Model, p: PolicyId, e: EventId) -> Vec<Origin> {
    let Some(c) = model.policy(p).issues else {
        return Vec::new();
    };
    let event = model.event(e);
    let from_event = |i| Origin::Trigger(e, i);
    let mut places = vec![Place {
        fields: &event.fields,
        what: format!("event `{}`", event.name),
        origin: &from_event,
    }];
    // A process's reaction also has the instance: its state, and its key (under the
    // process's own name for it, whatever the event calls it).
    let process = model.policy(p).process;
    let from_state = |i| Origin::ProcessState(process.unwrap_or(super::ProcessId(0)), i);
    if let Some(pid) = process {
        let process = &model.processes[pid.index()];
        places.push(Place {
            fields: &process.state,
            what: format!("the state of process `{}`", process.name),
            origin: &from_state,
        });
    }
    // A policy that `reads:` a read model also has the row of the event's key.
    let reads = model.policy(p).reads.as_ref().map(|read| read.read_model);
    let stored = reads
        .map(|r| stored_row_fields(model, r))
        .unwrap_or_default();
    let from_row = |i| Origin::Row(reads.unwrap_or(ReadModelId(0)), i);
    if let Some(r) = reads {
        places.push(Place {
            fields: &stored,
            what: format!("read model `{}`", model.read_model(r).name),
            origin: &from_row,
        });
    }
    let mut origins = with_derived_id(model, c, &places);
    if let Some(r) = reads {
        for (origin, target) in origins.iter_mut().zip(&model.command(c).fields) {
            if target.computed.is_none() {
                *origin = unset_is_untraced(model, r, target, origin.clone());
            }
        }
    }
    if let Some(pid) = process {
        let process = &model.processes[pid.index()];
        for (origin, target) in origins.iter_mut().zip(&model.command(c).fields) {
            if !origin.is_traced() && target.name == process.key && target.ty == process.key_ty {
                *origin = Origin::ProcessKey(pid);
            }
        }
    }
    origins
}

/// The origin of each field of the command a schedule issues per row of read model
/// `r`; without `for_each`, nothing but `computed:` fields gives a value.
pub fn scheduled_fields(model: &Model, p: PolicyId) -> Vec<Origin> {
    let policy = model.policy(p);
    let Some(c) = policy.issues else {
        return Vec::new();
    };
    let rows = match &policy.trigger {
        Trigger::Schedule(schedule) => schedule.for_each,
        _ => None,
    };
    let from_row = |i| Origin::Row(rows.unwrap_or(ReadModelId(0)), i);
    // A row as stored: a field only a projection rule sets may be unset.
    let stored = rows
        .map(|r| stored_row_fields(model, r))
        .unwrap_or_default();
    // Without `for_each` there is no place to look: `from_row` is never called.
    let places: Vec<Place<'_>> = rows
        .map(|r| Place {
            fields: &stored,
            what: format!("read model `{}`", model.read_model(r).name),
            origin: &from_row,
        })
        .into_iter()
        .collect();
    model
        .command(c)
        .fields
        .iter()
        .map(|target| {
            declared(target).unwrap_or_else(|| {
                rows.map_or_else(
                    || search(model, target, &places),
                    |r| unset_is_untraced(model, r, target, search(model, target, &places)),
                )
            })
        })
        .collect()
}

/// A row field that holds no value until a projection rule sets it
/// ([`row_field_unset`]) is no source for a field that needs one: what `search` found
/// as an ill-fitting optional is untraced instead, since the model declares the row
/// field with the type the target wants.
fn unset_is_untraced(model: &Model, r: ReadModelId, target: &Field, found: Origin) -> Origin {
    let read_model = model.read_model(r);
    let Some(index) = read_model.fields.iter().position(|f| f.name == target.name) else {
        return found;
    };
    let declared_ty = &read_model.fields[index].ty;
    match found {
        // Only the row's own mismatch: an ill-fitting event field stays what it is.
        Origin::Mismatch { source, .. }
            if row_field_unset(model, r, index)
                && source == format!("read model `{}`", read_model.name) =>
        {
            if fits(model, declared_ty, &target.ty) {
                Origin::Untraced { near: None }
            } else {
                // The model's own type, not the stored optional, is what to fix.
                Origin::Mismatch {
                    source,
                    ty: declared_ty.clone(),
                }
            }
        }
        other => other,
    }
}

/// The origin of each field of compensating command `c`, issued when `refused` is
/// refused: the refused command's fields.
pub fn compensation_fields(model: &Model, refused: CommandId, c: CommandId) -> Vec<Origin> {
    let refused_command = model.command(refused);
    let from_refused = |i| Origin::Refused(refused, i);
    let places = [Place {
        fields: &refused_command.fields,
        what: format!("the refused command `{}`", refused_command.name),
        origin: &from_refused,
    }];
    // No derived id: a compensation addresses an aggregate that exists (the payment to
    // refund), which an id made up from the rejection would never find.
    model
        .command(c)
        .fields
        .iter()
        .map(|target| declared(target).unwrap_or_else(|| search(model, target, &places)))
        .collect()
}

/// The event a rejection of the command of policy `p` has as its cause, when that is
/// always one event of the model: the `on` event of a policy (or a process's reaction)
/// set off by one event. A deadline's cause is its timer's event, a schedule's its tick.
pub fn cause_event(model: &Model, p: PolicyId) -> Option<EventId> {
    let policy = model.policy(p);
    match (&policy.trigger, policy.on.as_slice()) {
        (Trigger::Events, [e]) => Some(*e),
        _ => None,
    }
}

/// The origin of each field of event `e` that a recovery of policy `p` records when the
/// command it issues is refused, in field order: the refused command's fields, then the
/// rejection's `error` and `message` (text: this refusal's, so they win over the cause's
/// fields of those names), then the cause event's ([`cause_event`]).
/// The aggregate id is one of them: it names the stream the event is appended to.
pub fn recorded_fields(model: &Model, p: PolicyId, e: EventId) -> Vec<Origin> {
    let Some(refused) = model.policy(p).issues else {
        return Vec::new();
    };
    let refused_command = model.command(refused);
    let from_refused = |i| Origin::Refused(refused, i);
    let mut places = vec![Place {
        fields: &refused_command.fields,
        what: format!("the refused command `{}`", refused_command.name),
        origin: &from_refused,
    }];
    let text = |f: RejectionField| Field {
        name: f.name().to_owned(),
        ty: TypeRef::Primitive(Primitive::String),
        description: None,
        implicit: false,
        computed: None,
        span: model.event(e).span,
    };
    let rejection: Vec<Field> = RejectionField::ALL.into_iter().map(text).collect();
    let from_rejection = |i: usize| Origin::Rejection(RejectionField::ALL[i]);
    places.push(Place {
        fields: &rejection,
        what: "the rejection".to_owned(),
        origin: &from_rejection,
    });
    let cause = cause_event(model, p);
    let from_cause = |i| Origin::Trigger(cause.unwrap_or(e), i);
    if let Some(cause) = cause {
        places.push(Place {
            fields: &model.event(cause).fields,
            what: format!("the cause event `{}`", model.event(cause).name),
            origin: &from_cause,
        });
    }
    model
        .event(e)
        .fields
        .iter()
        .map(|target| declared(target).unwrap_or_else(|| search(model, target, &places)))
        .collect()
}

/// The event every refusal that sets off policy `p` (`on: { rejected }`) has as its
/// cause, when that is always one event of the model: the refused command is this
/// context's own (a refusal through another context's inbox has the sent command as its
/// cause), and every policy whose refusals of it land here issues it on the same one
/// event ([`cause_event`]) — no compensation issues it and no issuer retries (their
/// cause is the earlier rejection).
pub fn reaction_cause(model: &Model, p: PolicyId) -> Option<EventId> {
    let policy = model.policy(p);
    let Trigger::Rejection(rejected) = &policy.trigger else {
        return None;
    };
    if model.command(rejected.command).context != policy.context {
        return None;
    }
    let mut cause = None;
    for issuer in model.rejecting_policies(policy.context, rejected.command) {
        let issuing = model.policy(issuer);
        let retries = issuing
            .recovery
            .iter()
            .any(|r| matches!(r.action, super::RecoveryAction::Retry { .. }));
        let event = cause_event(model, issuer).filter(|_| issuing.issues == Some(rejected.command));
        match (event, retries) {
            (Some(e), false) if cause.is_none_or(|c| c == e) => cause = Some(e),
            _ => return None,
        }
    }
    cause
}

/// The origin of each field of the command that policy `p`, set off by the refusals
/// of a command (`on: { rejected }`), issues, in field order: the refused command's
/// fields, then the rejection's `error` and `message`, then the cause event's (when
/// [`reaction_cause`] knows it), and the id of a new aggregate derived from the
/// rejection when nothing carries it.
pub fn reaction_fields(model: &Model, p: PolicyId) -> Vec<Origin> {
    let policy = model.policy(p);
    let (Some(c), Trigger::Rejection(rejected)) = (policy.issues, &policy.trigger) else {
        return Vec::new();
    };
    let refused = rejected.command;
    let refused_command = model.command(refused);
    let from_refused = |i| Origin::Refused(refused, i);
    let mut places = vec![Place {
        fields: &refused_command.fields,
        what: format!("the refused command `{}`", refused_command.name),
        origin: &from_refused,
    }];
    let rejection = rejection_fields(model.command(c).span);
    let from_rejection = |i: usize| Origin::Rejection(RejectionField::ALL[i]);
    places.push(Place {
        fields: &rejection,
        what: "the rejection".to_owned(),
        origin: &from_rejection,
    });
    let cause = reaction_cause(model, p);
    let from_cause = |i| Origin::Trigger(cause.unwrap_or(EventId(0)), i);
    if let Some(cause) = cause {
        places.push(Place {
            fields: &model.event(cause).fields,
            what: format!("the cause event `{}`", model.event(cause).name),
            origin: &from_cause,
        });
    }
    with_derived_id(model, c, &places)
}

/// The rejection's `error` and `message` as fields (both `string`) for a search.
fn rejection_fields(span: crate::source::Span) -> Vec<Field> {
    RejectionField::ALL
        .into_iter()
        .map(|f| Field {
            name: f.name().to_owned(),
            ty: TypeRef::Primitive(Primitive::String),
            description: None,
            implicit: false,
            computed: None,
            span,
        })
        .collect()
}

/// The fields of command `c` from `places`; its aggregate's id, when nothing of that
/// name fits, derived from the trigger.
fn with_derived_id(model: &Model, c: CommandId, places: &[Place<'_>]) -> Vec<Origin> {
    let command = model.command(c);
    let id = &model.aggregate(command.aggregate).id;
    command
        .fields
        .iter()
        .map(|target| {
            declared(target).unwrap_or_else(|| match search(model, target, places) {
                Origin::Untraced { .. } | Origin::Mismatch { .. }
                    if target.name == id.name
                        && matches!(
                            target.ty,
                            TypeRef::Primitive(Primitive::Uuid | Primitive::String)
                        ) =>
                {
                    Origin::DerivedId
                }
                origin => origin,
            })
        })
        .collect()
}

/// The field of source event `e` that sets read-model field `field` of `r`: the event
/// field its source maps to it (`key:`, `set:`, or the same name, as lowered into
/// [`super::ReadModel::sources`]), else the field of the same name. A delete sets
/// nothing.
pub fn read_model_source<'m>(
    model: &'m Model,
    r: ReadModelId,
    e: EventId,
    field: &Field,
) -> Option<(usize, &'m Field)> {
    let event = model.event(e);
    let by_name = |name: &str| {
        event
            .fields
            .iter()
            .enumerate()
            .find(|(_, f)| f.name == name)
    };
    let read_model = model.read_model(r);
    let Some(source) = read_model.sources.iter().find(|s| s.event == e) else {
        return by_name(&field.name);
    };
    if source.action == super::SourceAction::Delete {
        return None;
    }
    // A mapping the model writes wins; else the field of the same name, also where the
    // lowering left it out of `sets` for its type (another context's record of the same
    // shape: traced here, judged by its type like every same-name source).
    match source
        .key
        .iter()
        .chain(&source.sets)
        .find(|m| m.row == field.name)
    {
        Some(mapping) => by_name(&mapping.event),
        None => by_name(&field.name),
    }
}

/// Which events set one field.
#[derive(Debug, Clone, Default)]
pub struct Setters {
    /// The events that set it, with the index of their field.
    pub events: Vec<(EventId, usize)>,
    /// Events whose field of that name does not fit, with its type.
    pub mismatches: Vec<(EventId, TypeRef)>,
    /// Events whose field fits but has no generated conversion (another context's
    /// record of a near shape: a field more or less, a wider number), with why. Only
    /// [`read_model_fields`] fills it: the projection's rule must copy such a field,
    /// so the generated projection lists it pending rather than copy nothing silently.
    pub unconverted: Vec<(EventId, String)>,
    /// `computed:` — the rule sets it.
    pub computed: Option<Computed>,
    /// A field of the events with a near name, when none sets it.
    pub near: Option<String>,
}

impl Setters {
    /// Whether the model says where it comes from (an event, or `computed:`), with no
    /// ill-fitting source.
    pub fn is_traced(&self) -> bool {
        (self.computed.is_some() || !self.events.is_empty() || !self.unconverted.is_empty())
            && self.mismatches.is_empty()
    }
}

fn setters(
    model: &Model,
    target: &Field,
    events: &[EventId],
    find: impl Fn(EventId) -> Option<(usize, TypeRef)>,
) -> Setters {
    let mut setters = Setters {
        computed: target.computed.clone(),
        ..Setters::default()
    };
    // Computed by the rule: no event is copied into it, so none can mismatch.
    if setters.computed.is_some() {
        return setters;
    }
    for e in events {
        if let Some((index, ty)) = find(*e) {
            if fits(model, &ty, &target.ty) {
                setters.events.push((*e, index));
            } else {
                setters.mismatches.push((*e, ty));
            }
        }
    }
    if setters.computed.is_none() && setters.events.is_empty() && setters.mismatches.is_empty() {
        setters.near = crate::suggest::closest(
            &target.name,
            events
                .iter()
                .flat_map(|e| model.event(*e).fields.iter().map(|f| f.name.as_str())),
        )
        .map(str::to_owned);
    }
    setters
}

/// For each field of read model `r` after its key, the source events that set it.
pub fn read_model_fields(model: &Model, r: ReadModelId) -> Vec<(usize, Setters)> {
    let read_model = model.read_model(r);
    read_model
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| !read_model.key.contains(&f.name))
        .map(|(index, target)| {
            let mut found = setters(model, target, &read_model.from, |e| {
                read_model_source(model, r, e, target).map(|(i, f)| (i, f.ty.clone()))
            });
            // The generated default copies a field only where the generator can write
            // the conversion; the others are the rule's to copy (`unconverted`).
            found.events.retain(|(e, i)| {
                let from = &model.event(*e).fields[*i].ty;
                let converts = crate::render::service::rust_types::convert_across(
                    model,
                    read_model.context,
                    from,
                    &target.ty,
                    "value",
                );
                match converts {
                    Ok(_) => true,
                    Err(why) => {
                        found.unconverted.push((*e, why));
                        false
                    }
                }
            });
            (index, found)
        })
        .collect()
}

/// Whether row field `index` of read model `r` holds no value until a projection rule
/// sets it: a field that is not optional and not a key part, and that no source event
/// sets (SC092), that is `computed:` (format 2), or that a source event creating rows
/// (see [`creates_rows`]) does not carry. Its generated row field is optional and its
/// JSON `null` until then, so a row never shows a value nothing gave it.
pub fn row_field_unset(model: &Model, r: ReadModelId, index: usize) -> bool {
    unset_row_fields(model, r)
        .get(index)
        .copied()
        .unwrap_or(false)
}

/// [`row_field_unset`] for every row field of `r`, in field order: the sources are
/// traced once for the whole read model rather than once per field.
pub fn unset_row_fields(model: &Model, r: ReadModelId) -> Vec<bool> {
    let read_model = model.read_model(r);
    let fields = read_model_fields(model, r);
    let creators = creators(read_model, &fields);
    read_model
        .fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            if matches!(field.ty, TypeRef::Optional(_)) || read_model.key.contains(&field.name) {
                return false;
            }
            if field.computed.is_some() {
                return true;
            }
            let Some((_, setters)) = fields.iter().find(|(i, _)| *i == index) else {
                return false;
            };
            setters.events.is_empty()
                || read_model
                    .sources
                    .iter()
                    .zip(&creators)
                    .any(|(source, creates)| {
                        *creates && !setters.events.iter().any(|(e, _)| *e == source.event)
                    })
        })
        .collect()
}

/// Per source of read model `r` (in `sources` order), whether it creates the row it
/// finds absent. A history source appends a row, so it always does; a `where:` or
/// deleting source never does. Of the sources that change the row of their key, those
/// that carry every required row field (not a key part, not optional, not computed,
/// set by some source) create rows and the others only change a row that is there —
/// an `OrderPaid` never makes an order row without its customer. When none carries
/// them all, each creates rows, and the fields some of them lack are optional (see
/// [`row_field_unset`]).
pub fn creates_rows(model: &Model, r: ReadModelId) -> Vec<bool> {
    creators(model.read_model(r), &read_model_fields(model, r))
}

fn creators(read_model: &super::ReadModel, fields: &[(usize, Setters)]) -> Vec<bool> {
    let required: Vec<&Setters> = fields
        .iter()
        .filter(|(index, setters)| {
            let field = &read_model.fields[*index];
            !matches!(field.ty, TypeRef::Optional(_))
                && field.computed.is_none()
                && !setters.events.is_empty()
        })
        .map(|(_, setters)| setters)
        .collect();
    let carries_all = |event: EventId| {
        required
            .iter()
            .all(|setters| setters.events.iter().any(|(e, _)| *e == event))
    };
    let complete: Vec<bool> = read_model
        .sources
        .iter()
        .map(|s| s.action == super::SourceAction::Upsert && carries_all(s.event))
        .collect();
    let any_complete = complete.iter().any(|c| *c);
    read_model
        .sources
        .iter()
        .zip(complete)
        .map(|(source, complete)| match source.action {
            super::SourceAction::Append => true,
            super::SourceAction::Upsert => complete || !any_complete,
            super::SourceAction::Delete | super::SourceAction::UpdateWhere(_) => false,
        })
        .collect()
}

/// The row fields of read model `r` as a stored row holds them: each field that
/// [`row_field_unset`] says holds no value until a rule sets it has the optional of its
/// type. A command filled from a row (a schedule's, a policy's `reads:`) reads these.
pub fn stored_row_fields(model: &Model, r: ReadModelId) -> Vec<Field> {
    let read_model = model.read_model(r);
    read_model
        .fields
        .iter()
        .zip(unset_row_fields(model, r))
        .map(|(field, unset)| {
            let mut stored = field.clone();
            if unset {
                stored.ty = TypeRef::Optional(Box::new(field.ty.clone()));
            }
            stored
        })
        .collect()
}

/// For each state field of the aggregate, the aggregate's events that set it.
pub fn state_fields(model: &Model, a: super::AggregateId) -> Vec<Setters> {
    let aggregate = model.aggregate(a);
    aggregate
        .state
        .iter()
        .map(|target| {
            setters(model, target, &aggregate.events, |e| {
                model
                    .event(e)
                    .fields
                    .iter()
                    .enumerate()
                    .find(|(_, f)| f.name == target.name)
                    .map(|(i, f)| (i, f.ty.clone()))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A library's loans desk: `Lent` carries the borrower and the due date, `Renewed`
    /// only a new due date, `Noted` only a note; the read model's sources are `from`.
    fn loans(from: &str, fields: &str) -> Model {
        let text = format!(
            "stormcraft: 2\nsystem: Library\nactors: {{Clerk: lends books}}\ncontexts:\n  lending:\n    aggregates:\n      Loan:\n        id: loan_id\n        commands:\n          Lend: {{by: Clerk, fields: {{borrower: string, due_on: date}}, emits: [Lent]}}\n          Renew: {{by: Clerk, fields: {{due_on: date}}, emits: [Renewed]}}\n          Note: {{by: Clerk, fields: {{note: string}}, emits: [Noted]}}\n        events:\n          Lent: {{fields: {{borrower: string, due_on: date}}}}\n          Renewed: {{fields: {{due_on: date}}}}\n          Noted: {{fields: {{note: string}}}}\n    read_models:\n      Desk:\n        key: loan_id\n        from: {from}\n        fields: {fields}\n"
        );
        let loaded = crate::model::load::load_str("loans.yaml", &text);
        let checked = crate::check::check(&loaded);
        checked
            .model
            .unwrap_or_else(|| panic!("the model checks: {:?}", checked.diagnostics))
    }

    fn unset(model: &Model) -> Vec<(String, bool)> {
        let r = ReadModelId(0);
        model
            .read_model(r)
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), row_field_unset(model, r, i)))
            .collect()
    }

    #[test]
    fn an_event_lacking_a_field_a_row_needs_changes_rows_and_makes_none() {
        let model = loans("[Lent, Renewed]", "{borrower: string, due_on: date}");
        assert_eq!(creates_rows(&model, ReadModelId(0)), [true, false]);
        // Every row is made by `Lent`, which carries both: neither is ever missing.
        assert!(unset(&model).iter().all(|(_, unset)| !unset));
    }

    #[test]
    fn when_no_event_carries_every_field_each_makes_rows_and_the_rest_is_optional() {
        let model = loans("[Renewed, Noted]", "{due_on: date, note: string}");
        assert_eq!(creates_rows(&model, ReadModelId(0)), [true, true]);
        assert_eq!(
            unset(&model),
            [
                ("loan_id".to_owned(), false),
                ("due_on".to_owned(), true),
                ("note".to_owned(), true)
            ]
        );
    }

    #[test]
    fn optional_and_computed_fields_do_not_decide_which_events_make_rows() {
        let model = loans(
            "[Renewed, Noted]",
            "{due_on: date, note: string?, late: {type: bool, computed: past its due date}}",
        );
        // `Renewed` carries the one required field; `Noted` only an optional one.
        assert_eq!(creates_rows(&model, ReadModelId(0)), [true, false]);
        assert_eq!(
            unset(&model)
                .into_iter()
                .map(|(_, u)| u)
                .collect::<Vec<_>>(),
            [false, false, false, true]
        );
    }

    /// A pharmacy publishes `Dispensed` with its `Dose`; the ward's copy of `Dose` has a
    /// note more, a near shape with no generated conversion.
    fn ward() -> Model {
        let text = "stormcraft: 2\nsystem: Hospital\nactors: {Nurse: gives doses}\ncontexts:\n  pharmacy:\n    types:\n      Dose: { fields: { amount: u32 } }\n    aggregates:\n      Prescription:\n        id: prescription_id\n        commands:\n          Dispense: {by: Nurse, fields: {dose: Dose}, emits: [Dispensed]}\n        events:\n          Dispensed: {published: true, fields: {dose: Dose}}\n  ward:\n    types:\n      Dose: { fields: { amount: u32, note: string? } }\n    read_models:\n      GivenDoses:\n        key: prescription_id\n        from: [pharmacy.Dispensed]\n        fields: {dose: Dose}\n";
        let loaded = crate::model::load::load_str("ward.yaml", text);
        let checked = crate::check::check(&loaded);
        checked
            .model
            .unwrap_or_else(|| panic!("the model checks: {:?}", checked.diagnostics))
    }

    #[test]
    fn a_near_shape_is_the_rules_to_copy_and_the_row_holds_null_until_then() {
        let model = ward();
        let r = ReadModelId(0);
        let fields = read_model_fields(&model, r);
        let (_, dose) = fields
            .iter()
            .find(|(i, _)| *i == 1)
            .expect("the dose field");
        assert!(dose.events.is_empty(), "no default copies it");
        assert_eq!(dose.unconverted.len(), 1);
        assert!(
            dose.unconverted[0].1.contains("note"),
            "{:?}",
            dose.unconverted
        );
        assert!(dose.is_traced(), "the model says where it comes from");
        assert!(row_field_unset(&model, r, 1));
    }
}
