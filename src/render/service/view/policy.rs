//! Policies: the `PolicyRules` defaults and one thin handler per policy.

use serde::Serialize;

use super::external::{external_entry, ExternalView};
use super::{docs, event_names_collide, param, AssignView};
use crate::ir::sources::{self, Origin};
use crate::ir::{
    CommandId, ContextId, EventId, Field, Model, PolicyId, Primitive, Trigger, TypeRef,
};
use crate::render::service::names::{ident, snake, string_literal};
use crate::render::service::rust_types::convert_across;

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
    /// Doc comment lines of the method: the policy's condition, when it has one.
    pub docs: Vec<String>,
    /// The Rust path of the command struct (an upstream copy for another context's).
    pub command: String,
    /// The event parameter of the default (`_event` when unused).
    pub event_param: String,
    /// The source-record parameter of the default (`_source` when unused).
    pub source_param: String,
    /// The command's fields in the default.
    pub fields: Vec<AssignView>,
    /// The refusal while the rule is pending, as a string literal (its default then
    /// issues nothing, and the handler records a rejection with this text).
    pub pending: Option<String>,
    /// The row the policy `reads:`, which the handler looks up before the rule runs.
    pub reads: Option<ReadView>,
}

/// The row of a read model a policy `reads:`, looked up by the trigger event's key.
#[derive(Debug, Clone, Serialize)]
pub struct ReadView {
    /// The Rust path of the row struct.
    pub rust: String,
    /// The row's key as a `&str` expression over `event`.
    pub key: String,
    /// The row parameter of the rule (`_row` when the default does not read it).
    pub row_param: String,
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

/// How a command is carried out: by a local aggregate, or through another context's
/// inbox in the store.
#[derive(Debug, Clone, Serialize)]
pub struct TargetView {
    /// The command's name in the model.
    pub name: String,
    /// The Rust path of the command struct (an upstream copy for another context's).
    pub command: String,
    /// The Rust path of the aggregate that handles it, when it is this context's.
    pub aggregate: Option<String>,
    /// The context whose inbox receives it, when it is another context's.
    pub inbox: Option<String>,
}

/// `issue_<policy>`: carries out the command a policy decided on (contract: every
/// policy with `issue:`, whatever sets it off).
#[derive(Debug, Clone, Serialize)]
pub struct IssueFnView {
    /// The function's name.
    pub name: String,
    /// The command and how it is carried out.
    pub target: TargetView,
}

/// A `PolicyRules` method that builds the compensating command for a rejection.
#[derive(Debug, Clone, Serialize)]
pub struct CompensateView {
    /// The method.
    pub method: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// The Rust path of the rejected command (decoded from the rejection's body).
    pub rejected: String,
    /// The rejected-command parameter (`_rejected` when unused).
    pub rejected_param: String,
    /// The compensating command and how it is carried out.
    pub target: TargetView,
    /// Its fields in the default.
    pub fields: Vec<AssignView>,
    /// The text while the rule is pending (a field no default can fill): its default
    /// issues nothing and the recovery leaves the rejection listed, saying so.
    pub pending: Option<String>,
}

/// A rules method that builds the event a recovery records (`record:`) for a rejection.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    /// The method, `record_<policy>_on_<error>`.
    pub method: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// The Rust path of the rejected command (decoded from the rejection's body).
    pub rejected: String,
    /// The rejected-command parameter (`_rejected` when unused).
    pub rejected_param: String,
    /// The Rust path of the cause event, when the rejection's cause is always one event
    /// of the model (read back from the store by the recovery worker).
    pub cause: Option<String>,
    /// The cause parameter (`_cause` when unused).
    pub cause_param: String,
    /// The rejection parameter (`_rejection` when unused).
    pub rejection_param: String,
    /// The event's name in the model (what a pending process rule is listed under).
    pub name: String,
    /// The Rust path of the recorded event's struct.
    pub event: String,
    /// The Rust path of the aggregate whose stream it is appended to.
    pub aggregate: String,
    /// The event's aggregate id field, which names the stream.
    pub id: String,
    /// Its fields in the default.
    pub fields: Vec<AssignView>,
    /// The text while the rule is pending (a field no default can fill): its default
    /// records nothing and the rejection stays listed, saying so.
    pub pending: Option<String>,
}

/// A policy set off by its context's rejections of a command (`on: { rejected }`):
/// its worker's selector, and the `PolicyRules` method building its command.
#[derive(Debug, Clone, Serialize)]
pub struct RejectionView {
    /// The rejections' stream category, `<context>-Rejection`.
    pub category: String,
    /// The refused command's name and context, as string literals (what the rejection
    /// record's `command` and `context` say).
    pub command_name: String,
    /// See `command_name`.
    pub command_context: String,
    /// The errors it reacts to, as string literals: the one `error:` names, or every
    /// declared error of the command.
    pub errors: Vec<String>,
    /// The (policy, error) pairs, as string literals, whose refusals an `on_error:`
    /// recovers: those have their one path there, so they never set this policy off.
    pub recovered: Vec<(String, String)>,
    /// The `PolicyRules` method.
    pub method: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// The Rust path of the refused command (decoded from the rejection's body).
    pub rejected: String,
    /// The rejected-command parameter (`_rejected` when unused).
    pub rejected_param: String,
    /// The Rust path of the cause event, when every refusal of the command has the
    /// same one event as its cause (read back from the store by the handler).
    pub cause: Option<String>,
    /// The cause parameter (`_cause` when unused).
    pub cause_param: String,
    /// The rejection parameter (`_rejection` when unused).
    pub rejection_param: String,
    /// The rejection record's parameter, which a derived id is made from (`_source`
    /// when unused).
    pub source_param: String,
    /// The Rust path of the issued command's struct.
    pub command: String,
    /// Its fields in the default.
    pub fields: Vec<AssignView>,
    /// The refusal while the rule is pending, as a string literal (its default then
    /// issues nothing, and the handler records a rejection with this text).
    pub pending: Option<String>,
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
    /// Set off by its events: it has a handler function and an entry in `WORKERS`
    /// (deadline and schedule policies are run by `timers.rs`).
    pub worker: bool,
    /// `issue_<policy>`, when it issues a command.
    pub issue_fn: Option<IssueFnView>,
    /// The compensations of its `on_error:`, in model order.
    pub compensations: Vec<CompensateView>,
    /// The events its `on_error:` records, in model order.
    pub records: Vec<RecordView>,
    /// Set off by rejections: its selector and rule (its worker reads the rejections).
    pub rejection: Option<RejectionView>,
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
        let issue = policy.issues.map(|c| {
            let mut view = issue_view(model, here, p, *e, c, &method);
            if let Some(condition) = &policy.condition {
                let pending = std::mem::take(&mut view.docs);
                view.docs = vec![
                    format!("Issues only if {}.", condition.trim_end_matches('.')),
                    String::new(),
                    "The default always issues: return `None` when the condition does not hold."
                        .to_owned(),
                ];
                if !pending.is_empty() {
                    view.docs.push(String::new());
                    view.docs.extend(pending);
                }
            }
            view
        });
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
    let worker = matches!(policy.trigger, Trigger::Events);
    let issue_fn = policy.issues.map(|c| IssueFnView {
        name: format!("issue_{function}"),
        target: target_view(model, here, c),
    });
    let compensations = compensation_views(model, here, p);
    let records = record_views(model, here, p, "src/rules/policies.rs");
    let rejection = rejection_view(model, here, p, &function);
    PolicyView {
        rejection,
        worker,
        issue_fn,
        compensations,
        records,
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

/// The default command of a policy rule: each field from its traced source (the event's
/// field of the same name, or the aggregate id derived from the source event when the
/// event lacks it, see `crate::ir::sources::issued_fields`). A field the rule computes
/// or no default can fill makes the rule pending: its default issues nothing, and the
/// handler records the rejection `not implemented: ...` until the rule is written.
fn issue_view(
    model: &Model,
    here: ContextId,
    p: PolicyId,
    e: EventId,
    c: CommandId,
    method: &str,
) -> IssueView {
    let event = model.event(e);
    let command = model.command(c);
    let origins = sources::issued_fields(model, p, e);
    let read = model.policy(p).reads.as_ref();
    let stored = read
        .map(|r| sources::stored_row_fields(model, r.read_model))
        .unwrap_or_default();
    let mut uses_source = false;
    let mut uses_event = false;
    let mut uses_row = false;
    // Why a traced field still cannot be copied (another context's type of another shape).
    let mut reasons = Vec::new();
    let mut unfilled = Vec::new();
    let fields = fill_fields(
        &command.fields,
        &origins,
        &mut unfilled,
        |target, origin| {
            match origin {
                // Another context's record or enum converts when it has the same shape.
                Origin::Trigger(_, i) => {
                    let from = &event.fields[*i];
                    let place = format!("event.{}", ident(&from.name));
                    convert_across(model, here, &from.ty, &target.ty, &place)
                        .map_err(|why| reasons.push(format!("`{}`: {why}", target.name)))
                        .ok()
                        .inspect(|_| uses_event = true)
                }
                Origin::Row(_, i) => {
                    let from = &stored[*i];
                    let place = format!("row.{}", ident(&from.name));
                    convert_across(model, here, &from.ty, &target.ty, &place)
                        .map_err(|why| reasons.push(format!("`{}`: {why}", target.name)))
                        .ok()
                        .inspect(|_| uses_row = true)
                }
                Origin::DerivedId => derived_id(&target.ty, &mut uses_source),
                _ => None,
            }
        },
    );
    let pending = !unfilled.is_empty();
    let mut docs = Vec::new();
    if pending {
        docs.push(format!(
            "Pending: the rule computes {} of `{}`, which a default cannot; so the default",
            unfilled.join(", "),
            command.name
        ));
        docs.push(
            "issues nothing, and each event is kept in the rejections as not implemented."
                .to_owned(),
        );
        for why in &reasons {
            docs.push(format!("({why}.)"));
        }
    }
    IssueView {
        method: method.to_owned(),
        docs,
        command: target_view(model, here, c).command,
        event_param: param("event", uses_event && !pending),
        source_param: param("source", uses_source && !pending),
        fields: if pending { Vec::new() } else { fields },
        reads: read.map(|r| {
            let rm = model.read_model(r.read_model);
            ReadView {
                rust: format!("crate::projections::{}", rm.name),
                key: read_key(event, &r.key),
                row_param: param("row", uses_row && !pending),
            }
        }),
        pending: pending.then(|| {
            string_literal(&format!(
                "not implemented: write `{method}` in src/rules/policies.rs"
            ))
        }),
    }
}

/// The key of the row a policy reads as a `&str` over `event`: the field carrying the
/// one key part, or the runtime's encoding of a composite key (as the projection
/// writes it; `check` makes sure the event carries every part, SC121).
fn read_key(event: &crate::ir::Event, key: &[(String, String)]) -> String {
    let part = |(_, field): &(String, String)| {
        let ty = event
            .fields
            .iter()
            .find(|f| f.name == *field)
            .map_or(TypeRef::Primitive(Primitive::String), |f| f.ty.clone());
        super::key_str(&ty, &format!("event.{}", ident(field)))
    };
    match key {
        [one] => part(one),
        parts => format!(
            "&stormcraft_runtime::projection::composite_key(&[{}])",
            parts.iter().map(part).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Whether the rule of policy `p` for trigger event `e` is pending (its default cannot
/// fill the command `c`), as its `PolicyRules` default says.
pub fn issue_pending(
    model: &Model,
    here: ContextId,
    p: PolicyId,
    e: EventId,
    c: CommandId,
) -> bool {
    issue_view(model, here, p, e, c, "").pending.is_some()
}

/// The command `c` as `here` carries it out: its own aggregate's, or through the
/// inbox of the context that owns it (the struct is then an upstream copy).
pub fn target_view(model: &Model, here: ContextId, c: CommandId) -> TargetView {
    let command = model.command(c);
    if command.context == here {
        let agg = model.aggregate(command.aggregate);
        let module = snake(&agg.name);
        TargetView {
            name: command.name.clone(),
            command: format!("crate::{module}::{}", command.name),
            aggregate: Some(format!("crate::{module}::{}", agg.name)),
            inbox: None,
        }
    } else {
        let target = &model.context(command.context).name;
        TargetView {
            name: command.name.clone(),
            command: format!("crate::upstream::{target}::{}", command.name),
            aggregate: None,
            inbox: Some(target.clone()),
        }
    }
}

/// The rejection view of policy `p` when rejections set it off (and it issues a
/// command): the default fills the command from its traced sources
/// ([`sources::reaction_fields`]: the refused command, the rejection, the cause event,
/// a derived id), pending when a field has none.
fn rejection_view(
    model: &Model,
    here: ContextId,
    p: PolicyId,
    method: &str,
) -> Option<RejectionView> {
    let policy = model.policy(p);
    let (Some(c), Trigger::Rejection(rejected)) = (policy.issues, &policy.trigger) else {
        return None;
    };
    let refused = model.command(rejected.command);
    let command = model.command(c);
    let cause = sources::reaction_cause(model, p);
    let origins = sources::reaction_fields(model, p);
    let (mut uses_rejected, mut uses_cause, mut uses_rejection, mut uses_source) =
        (false, false, false, false);
    let mut reasons = Vec::new();
    let mut unfilled = Vec::new();
    let fields = fill_fields(
        &command.fields,
        &origins,
        &mut unfilled,
        |target, origin| {
            let mut across = |ty: &TypeRef, place: String, used: &mut bool| {
                convert_across(model, here, ty, &target.ty, &place)
                    .map_err(|why| reasons.push(format!("`{}`: {why}", target.name)))
                    .ok()
                    .inspect(|_| *used = true)
            };
            match origin {
                Origin::Refused(_, i) => {
                    let from = &refused.fields[*i];
                    across(
                        &from.ty,
                        format!("rejected.{}", ident(&from.name)),
                        &mut uses_rejected,
                    )
                }
                Origin::Trigger(e, i) => {
                    let from = &model.event(*e).fields[*i];
                    across(
                        &from.ty,
                        format!("cause.{}", ident(&from.name)),
                        &mut uses_cause,
                    )
                }
                Origin::Rejection(field) => across(
                    &TypeRef::Primitive(Primitive::String),
                    format!("rejection.{}", field.name()),
                    &mut uses_rejection,
                ),
                Origin::DerivedId => derived_id(&target.ty, &mut uses_source),
                _ => None,
            }
        },
    );
    let pending = !unfilled.is_empty();
    let errors: Vec<usize> = match rejected.error {
        Some(error) => vec![error],
        None => (0..refused.errors.len()).collect(),
    };
    let mut recovered = Vec::new();
    for issuer in model.rejecting_policies(policy.context, rejected.command) {
        for error in &errors {
            if model.recovers(issuer, rejected.command, *error) {
                recovered.push((
                    string_literal(&model.policy(issuer).name),
                    string_literal(&refused.errors[*error].name),
                ));
            }
        }
    }
    let which = match rejected.error.and_then(|e| refused.errors.get(e)) {
        Some(error) => format!("refused with `{}`", error.name),
        None => "refused with any of its errors that no `on_error:` recovers".to_owned(),
    };
    let mut docs = vec![
        format!(
            "The command `{}` issues when `{}` is {which}.",
            policy.name, refused.name
        ),
        "The default copies fields by name from the refused command, the rejection (`error`,"
            .to_owned(),
        "`message`) and the cause event; `None` issues nothing.".to_owned(),
    ];
    if let Some(condition) = &policy.condition {
        docs.push(String::new());
        docs.push(format!(
            "Issues only if {}: the default always issues; return `None` when it does not hold.",
            condition.trim_end_matches('.')
        ));
    }
    if pending {
        docs.push(String::new());
        docs.push(format!(
            "Pending: the rule computes {} of `{}`, which a default cannot; so the default",
            unfilled.join(", "),
            command.name
        ));
        docs.push(
            "issues nothing, and each rejection is kept in the rejections as not implemented."
                .to_owned(),
        );
        for why in &reasons {
            docs.push(format!("({why}.)"));
        }
    }
    let filled = !pending;
    Some(RejectionView {
        category: format!("{}-Rejection", model.context(here).name),
        command_name: string_literal(&refused.name),
        command_context: string_literal(&model.context(refused.context).name),
        errors: errors
            .iter()
            .map(|e| string_literal(&refused.errors[*e].name))
            .collect(),
        recovered,
        method: method.to_owned(),
        docs,
        rejected: target_view(model, here, rejected.command).command,
        rejected_param: param("rejected", uses_rejected && filled),
        cause: cause.map(|e| source_view(model, here, &[e], e).rust),
        cause_param: param("cause", uses_cause && filled),
        rejection_param: param("rejection", uses_rejection && filled),
        source_param: param("source", uses_source && filled),
        command: target_view(model, here, c).command,
        fields: if filled { fields } else { Vec::new() },
        pending: pending.then(|| {
            string_literal(&format!(
                "not implemented: write `{method}` in src/rules/policies.rs"
            ))
        }),
    })
}

/// The `PolicyRules` method name of the compensation of policy `policy` for `error`.
pub fn compensate_method(policy: &str, error: &str) -> String {
    format!("compensate_{}_on_{}", snake(policy), snake(error))
}

/// The compensations of the policy `p`: one rule each, whose default copies the
/// rejected command's fields by name into the compensating command.
pub fn compensation_views(model: &Model, here: ContextId, p: PolicyId) -> Vec<CompensateView> {
    let policy = model.policy(p);
    let Some(issued) = policy.issues else {
        return Vec::new();
    };
    let rejected_command = model.command(issued);
    policy
        .recovery
        .iter()
        .filter_map(|r| {
            let crate::ir::RecoveryAction::Issue(c) = r.action else {
                return None;
            };
            let error = rejected_command.errors.get(r.error)?;
            let compensating = model.command(c);
            let origins = sources::compensation_fields(model, issued, c);
            let mut used = false;
            let mut unfilled = Vec::new();
            let fields = fill_fields(
                &compensating.fields,
                &origins,
                &mut unfilled,
                |target, origin| match origin {
                    Origin::Refused(_, i) => {
                        let from = &rejected_command.fields[*i];
                        let place = format!("rejected.{}", ident(&from.name));
                        convert_across(model, here, &from.ty, &target.ty, &place)
                            .ok()
                            .inspect(|_| used = true)
                    }
                    _ => None,
                },
            );
            let method = compensate_method(&policy.name, &error.name);
            let pending = (!unfilled.is_empty()).then(|| {
                string_literal(&format!(
                    "not implemented: write `{method}` in src/rules/policies.rs"
                ))
            });
            let mut docs = vec![
                format!(
                    "The compensation of `{}` when `{}` is refused",
                    policy.name, rejected_command.name
                ),
                format!(
                    "with `{}`: `{}`. The default copies the refused command's",
                    error.name,
                    model.qualified_command(c)
                ),
                "fields by name; `None` issues nothing.".to_owned(),
            ];
            if pending.is_some() {
                docs.push(String::new());
                docs.push(format!(
                    "Pending: the rule computes {}, which a default cannot; so the default",
                    unfilled.join(", ")
                ));
                docs.push(
                    "issues nothing, and the rejection stays listed, uncompensated.".to_owned(),
                );
            }
            let fields = if pending.is_some() {
                Vec::new()
            } else {
                fields
            };
            Some(CompensateView {
                method,
                docs,
                rejected: target_view(model, here, issued).command,
                rejected_param: param("rejected", used && pending.is_none()),
                target: target_view(model, here, c),
                fields,
                pending,
            })
        })
        .collect()
}

/// The `PolicyRules` (or `ProcessRules`) method name of the recording of `error` by
/// policy `policy`.
pub fn record_method(policy: &str, error: &str) -> String {
    format!("record_{}_on_{}", snake(policy), snake(error))
}

/// The events the `on_error:` of policy `p` records: one rule each, whose default fills
/// the event from its traced sources ([`sources::recorded_fields`]: the refused
/// command, the cause event, the rejection), pending when a field has none. `file` is
/// the rules file the pending text names.
pub fn record_views(model: &Model, here: ContextId, p: PolicyId, file: &str) -> Vec<RecordView> {
    let policy = model.policy(p);
    let Some(issued) = policy.issues else {
        return Vec::new();
    };
    let rejected_command = model.command(issued);
    let cause = sources::cause_event(model, p);
    policy
        .recovery
        .iter()
        .filter_map(|r| {
            let crate::ir::RecoveryAction::Record(e) = r.action else {
                return None;
            };
            let error = rejected_command.errors.get(r.error)?;
            let event = model.event(e);
            let origins = sources::recorded_fields(model, p, e);
            let (mut uses_rejected, mut uses_cause, mut uses_rejection) = (false, false, false);
            let mut unfilled = Vec::new();
            let fields = fill_fields(&event.fields, &origins, &mut unfilled, |target, origin| {
                // Another context's named types convert only when of the same
                // shape (`convert_across`); otherwise the field is unfilled.
                match origin {
                    Origin::Refused(_, i) => {
                        let from = &rejected_command.fields[*i];
                        let path = format!("rejected.{}", ident(&from.name));
                        convert_across(model, event.context, &from.ty, &target.ty, &path)
                            .ok()
                            .inspect(|_| uses_rejected = true)
                    }
                    Origin::Trigger(c, i) => {
                        let from = &model.event(*c).fields[*i];
                        let path = format!("cause.{}", ident(&from.name));
                        convert_across(model, event.context, &from.ty, &target.ty, &path)
                            .ok()
                            .inspect(|_| uses_cause = true)
                    }
                    Origin::Rejection(field) => {
                        let text = TypeRef::Primitive(Primitive::String);
                        let path = format!("rejection.{}", field.name());
                        convert_across(model, event.context, &text, &target.ty, &path)
                            .ok()
                            .inspect(|_| uses_rejection = true)
                    }
                    _ => None,
                }
            });
            let method = record_method(&policy.name, &error.name);
            let pending = (!unfilled.is_empty())
                .then(|| string_literal(&format!("not implemented: write `{method}` in {file}")));
            let aggregate = model.aggregate(event.aggregate);
            let module = snake(&aggregate.name);
            let mut docs = vec![
                format!(
                    "The event recorded when `{}` of `{}` is refused with `{}`: `{}`,",
                    rejected_command.name, policy.name, error.name, event.name
                ),
                format!(
                    "appended to the `{}` its `{}` names, once per rejection. The default",
                    aggregate.name, aggregate.id.name
                ),
                "copies fields by name from the refused command, the rejection (`error`,"
                    .to_owned(),
                "`message`) and the cause event; `None` records nothing.".to_owned(),
            ];
            if pending.is_some() {
                docs.push(String::new());
                docs.push(format!(
                    "Pending: the rule computes {}, which a default cannot; so the default",
                    unfilled.join(", ")
                ));
                docs.push("records nothing, and the rejection stays listed.".to_owned());
            }
            let filled = pending.is_none();
            Some(RecordView {
                docs,
                rejected: target_view(model, here, issued).command,
                rejected_param: param("rejected", uses_rejected && filled),
                cause: cause.map(|c| source_view(model, here, &[c], c).rust),
                cause_param: param("cause", uses_cause && filled),
                rejection_param: param("rejection", uses_rejection && filled),
                name: event.name.clone(),
                event: format!("crate::{module}::{}", event.name),
                aggregate: format!("crate::{module}::{}", aggregate.name),
                id: ident(&aggregate.id.name),
                fields: if filled { fields } else { Vec::new() },
                pending,
                method,
            })
        })
        .collect()
}

/// The generated test of one policy set off by rejections (`tests/rejections.rs`): a
/// rejection it reacts to, on a memory store, issues its command once, also when the
/// rejection is handled again; one of another error issues nothing.
#[derive(Debug, Clone, Serialize)]
pub struct RejectionTestView {
    /// The test functions' stem (the policy's snake_case name).
    pub function: String,
    /// Why it is reported ignored (a string literal): its rule is pending.
    pub pending: Option<String>,
    /// The policy's consumer name, a string literal: which of `policies::WORKERS` runs.
    pub consumer: String,
    /// The issuing policy whose refusal the test records, a string literal.
    pub issuer: String,
    /// The refused command's name and context, string literals.
    pub command: String,
    /// See `command`.
    pub context: String,
    /// An error it reacts to, a string literal.
    pub error: String,
    /// The Rust path of the refused command (the test's crate path).
    pub rejected: String,
    /// The cause event the rule reads, appended first.
    pub cause: Option<super::timer::TestEventView>,
    /// A (policy, error) pair, string literals, whose refusal an `on_error:` recovers:
    /// the policy must leave it alone.
    pub recovered: Option<(String, String)>,
}

/// The tests of the policies of `here` set off by rejections, in model order; one whose
/// every refusal an `on_error:` recovers has none (nothing sets it off; SC119 reports a
/// named error).
pub fn rejection_tests(
    model: &Model,
    here: ContextId,
    policies: &[PolicyView],
) -> Vec<RejectionTestView> {
    let mut tests = Vec::new();
    for p in &model.context(here).policies {
        let policy = model.policy(*p);
        let Trigger::Rejection(rejected) = &policy.trigger else {
            continue;
        };
        let Some(view) = policies.iter().find(|v| v.name == policy.name) else {
            continue;
        };
        let Some(rejection) = &view.rejection else {
            continue;
        };
        let refused = model.command(rejected.command);
        let errors: Vec<usize> = match rejected.error {
            Some(error) => vec![error],
            None => (0..refused.errors.len()).collect(),
        };
        let issuers = model.rejecting_policies(here, rejected.command);
        let Some((issuer, error)) = issuers.iter().find_map(|i| {
            errors
                .iter()
                .find(|e| !model.recovers(*i, rejected.command, **e))
                .map(|e| (*i, *e))
        }) else {
            continue;
        };
        let cause = rejection.cause.as_ref().and_then(|_| {
            let c = sources::reaction_cause(model, *p)?;
            let source = source_view(model, here, &[c], c);
            Some(super::timer::TestEventView {
                json: "r#\"{}\"#".to_owned(),
                event_type: string_literal(&source.event_type),
                version: model.event(c).version,
                stream: string_literal(&format!("{}-test-1", source.category)),
                rust: source.rust,
            })
        });
        tests.push(RejectionTestView {
            function: snake(&policy.name),
            pending: rejection.pending.as_ref().map(|_| {
                string_literal(&format!(
                    "pending: write `{}` in src/rules/policies.rs",
                    rejection.method
                ))
            }),
            consumer: string_literal(&view.consumer),
            issuer: string_literal(&model.policy(issuer).name),
            command: rejection.command_name.clone(),
            context: rejection.command_context.clone(),
            error: string_literal(&refused.errors[error].name),
            rejected: rejection.rejected.clone(),
            recovered: rejection.recovered.first().cloned(),
            cause,
        });
    }
    tests
}

/// The assignments of a command's or an event's fields, in field order: `fill` gives the
/// expression of each traced field (the clock is filled here, for every kind); a field
/// it cannot fill is left out and named in `unfilled`, for the pending note.
fn fill_fields(
    targets: &[Field],
    origins: &[Origin],
    unfilled: &mut Vec<String>,
    mut fill: impl FnMut(&Field, &Origin) -> Option<String>,
) -> Vec<AssignView> {
    targets
        .iter()
        .zip(origins)
        .filter_map(|(target, origin)| {
            let expr = match origin {
                Origin::Clock => Some(super::clock(&target.ty)),
                _ => fill(target, origin),
            };
            if expr.is_none() {
                unfilled.push(format!("`{}`", target.name));
            }
            Some(AssignView {
                field: ident(&target.name),
                expr: expr?,
            })
        })
        .collect()
}

/// The id derived from the cause (`aggregate::derived_id(source)`) as a field of type
/// `ty`, when it is a UUID or a string; marks `source` as used.
fn derived_id(ty: &TypeRef, uses_source: &mut bool) -> Option<String> {
    let expr = match ty {
        TypeRef::Primitive(Primitive::Uuid) => "aggregate::derived_id(source)",
        TypeRef::Primitive(Primitive::String) => "aggregate::derived_id(source).to_string()",
        _ => return None,
    };
    *uses_source = true;
    Some(expr.into())
}
