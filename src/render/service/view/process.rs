//! Processes: the state struct, the `ProcessRules` defaults and the worker of each
//! process manager (the plumbing is `stormcraft_runtime::process`).

use serde::Serialize;

use super::policy::{record_views, source_view, target_view, RecordView, SourceView, TargetView};
use super::timer::TestEventView;
use super::{docs, event_names_collide, mentions_named, param, AssignView};
use crate::ir::{
    CommandId, ContextId, EventId, Field, Model, Primitive, Process, ProcessId, RecoveryAction,
    Trigger, TypeRef,
};
use crate::render::service::names::{ident, snake, string_literal};
use crate::render::service::rust_types::{convert, is_copy, rust_type, Scope};

/// A state field of a process: `Option<T>`, unset until an event sets it.
#[derive(Debug, Clone, Serialize)]
pub struct StateFieldView {
    /// The Rust identifier.
    pub ident: String,
    /// The Rust type inside the `Option`.
    pub ty: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
}

/// One handled event, as the runtime's `process::Handles` and the `evolve` rule.
#[derive(Debug, Clone, Serialize)]
pub struct HandledView {
    /// The event.
    pub source: SourceView,
    /// The key field's name in the event, as a string literal.
    pub key_field: String,
    /// It starts an instance.
    pub start: bool,
    /// It completes the instance.
    pub complete: bool,
    /// The deadlines it cancels, as string literals.
    pub cancels: Vec<String>,
    /// The `evolve` method of `ProcessRules`.
    pub evolve: String,
    /// The event parameter of the default `evolve` (`_event` when unused).
    pub event_param: String,
    /// The state parameter of the default `evolve` (`_state` when unused).
    pub state_param: String,
    /// `state.<field> = <expr>;` of the default.
    pub copies: Vec<AssignView>,
    /// The command it issues, if any.
    pub reaction: Option<RuleView>,
}

/// A `ProcessRules` method that decides one command, and how it is issued.
#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    /// The method.
    pub method: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// The consumer its commands are issued as, `<context>.<Reaction>` (its
    /// rejections carry the reaction's name, which its `on_error:` matches).
    pub consumer: String,
    /// The command and how it is carried out.
    pub target: TargetView,
    /// The context of the command, as a string literal.
    pub context: String,
    /// The state parameter (`_state` when unused).
    pub state_param: String,
    /// The second parameter (the event, or the key for a deadline; `_` prefixed when
    /// unused).
    pub input_param: String,
    /// `let Some(x) = state.x.clone() else { .. };` lines, when the default reads state.
    pub lets: Vec<String>,
    /// The command's fields; empty with `pending`.
    pub fields: Vec<AssignView>,
    /// The default cannot build the command: it says which method to write.
    pub pending: bool,
    /// The stream category of the command's aggregate, for this context's command.
    pub category: Option<String>,
    /// Why carrying the command out here fails until a rule is written: this context's
    /// command of several outcomes, whose aggregate rule is pending.
    pub blocked: Option<String>,
}

/// A deadline of a process.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessDeadlineView {
    /// Its name, as a string literal.
    pub name: String,
    /// The delay in seconds.
    pub after_secs: u64,
    /// Its rule.
    pub rule: RuleView,
}

/// A compensation of a process's `on_error:`, a `ProcessRules` method.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessCompensateView {
    /// The method.
    pub method: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// The Rust path of the refused command.
    pub rejected: String,
    /// The refused-command parameter (`_rejected` when unused).
    pub rejected_param: String,
    /// The compensating command.
    pub target: TargetView,
    /// Its fields in the default; empty with `pending`.
    pub fields: Vec<AssignView>,
    /// The default cannot build the command.
    pub pending: bool,
}

/// A process manager: its state, rules and worker.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessView {
    /// PascalCase name.
    pub name: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// The state struct, `<Process>State`.
    pub state: String,
    /// Its fields.
    pub state_fields: Vec<StateFieldView>,
    /// The `process::Process` constant.
    pub konst: String,
    /// The process's snake_case name: the prefix of its rules and tests.
    pub function: String,
    /// The worker function, `<process>_worker` (a suffix, so no process name meets an
    /// imported module such as `policy`, or another process's function).
    pub worker_fn: String,
    /// The function that folds the state and decides, `<process>_react`.
    pub react_fn: String,
    /// The consumer, `<context>.<Process>`.
    pub consumer: String,
    /// The instances' category, `<context>-<Process>`.
    pub category: String,
    /// The key's name in the model.
    pub key: String,
    /// The key's Rust type.
    pub key_ty: String,
    /// The key parameter's type of a deadline's rule (`str` for a string).
    pub key_param: String,
    /// The handled events, in model order.
    pub handled: Vec<HandledView>,
    /// The deadlines, in model order.
    pub deadlines: Vec<ProcessDeadlineView>,
    /// The compensations of its `on_error:`.
    pub compensations: Vec<ProcessCompensateView>,
    /// The events its `on_error:` records (`record:`), in model order.
    pub records: Vec<RecordView>,
    /// Some handled event has a reaction (the event `match` of the worker).
    pub reacts: bool,
    /// Its generated test (`tests/processes.rs`).
    pub test: ProcessTestView,
}

/// What the generated test of a process drives on a memory store.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessTestView {
    /// Why the test cannot run (a string literal), when the key has no test value.
    pub pending: Option<String>,
    /// The first start event, with the key.
    pub start: TestEventView,
    /// Its key field, as a string literal.
    pub start_key_field: String,
    /// The command its reaction issues.
    pub start_issues: Option<IssueCheckView>,
    /// The first completing event (that is not a start), with the same key.
    pub complete: Option<TestEventView>,
    /// The first deadline: its name (a string literal), delay and command.
    pub deadline: Option<DeadlineCheckView>,
}

/// A deadline the test lets pass.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineCheckView {
    /// Its name, as a string literal.
    pub name: String,
    /// The delay in seconds.
    pub after_secs: u64,
    /// The command it issues.
    pub issues: IssueCheckView,
}

/// How the test sees that a command was issued.
#[derive(Debug, Clone, Serialize)]
pub struct IssueCheckView {
    /// The command's name, as a string literal.
    pub command: String,
    /// The command's own aggregate rule is pending: the check is reported ignored (a
    /// string literal).
    pub pending: Option<String>,
    /// The `ProcessRules` method that decides it, as a string literal.
    pub method: String,
    /// Its default is pending: the test asks `processes::pending` at run time and, while
    /// the method is not in `written()`, checks that the event was kept as a
    /// `NotImplemented` refusal instead of issued; once it is written, that the command
    /// was issued.
    pub rule_pending: bool,
    /// The reaction has an `if:`: a written rule may knowingly issue nothing.
    pub conditional: bool,
    /// The category of its aggregate's streams, for this context's command.
    pub category: Option<String>,
    /// The inbox category of its context, for another context's.
    pub inbox: Option<String>,
}

/// `src/processes.rs` of a context.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessesView {
    /// The processes, in model order.
    pub processes: Vec<ProcessView>,
    /// The `use stormcraft_runtime::{..};` line: exactly what the module needs.
    pub runtime_import: String,
    /// What the test file needs, so it has no unused helper or import.
    pub tests: TestsUseView,
    /// The `ProcessRules` methods whose default is pending, for `processes::PENDING`
    /// (the startup log lists them until they are listed in `written()`).
    pub pending: Vec<super::context::PendingView>,
}

/// Which helpers of `tests/processes.rs` some runnable test uses.
#[derive(Debug, Clone, Serialize)]
pub struct TestsUseView {
    /// Some process's test runs (its key has a test value, its start can be carried out).
    pub runnable: bool,
    /// Some runnable test lets a deadline pass.
    pub deadlines: bool,
    /// Some runnable test completes an instance.
    pub completes: bool,
    /// Some runnable test checks that a command was carried out.
    pub issues: bool,
}

/// The processes of `here`, when it has any.
pub fn processes_view(model: &Model, here: ContextId) -> Option<ProcessesView> {
    let ctx = model.context(here);
    if ctx.processes.is_empty() {
        return None;
    }
    let processes: Vec<ProcessView> = ctx
        .processes
        .iter()
        .map(|p| process_view(model, here, *p))
        .collect();
    let rules = processes.iter().flat_map(|p| {
        p.handled
            .iter()
            .filter_map(|h| h.reaction.as_ref())
            .chain(p.deadlines.iter().map(|d| &d.rule))
    });
    let mut local = false;
    let mut foreign = false;
    for rule in rules {
        local |= rule.target.aggregate.is_some();
        foreign |= rule.target.inbox.is_some();
    }
    let mut names = vec!["aggregate"];
    if foreign {
        names.push("inbox");
    }
    if local {
        names.push("policy");
    }
    names.extend(["process", "worker", "ProjectionTx", "Store"]);
    let runnable = || {
        processes
            .iter()
            .map(|p| &p.test)
            .filter(|t| t.pending.is_none())
    };
    let tests = TestsUseView {
        runnable: runnable().next().is_some(),
        deadlines: runnable().any(|t| t.deadline.is_some()),
        completes: runnable().any(|t| t.complete.is_some()),
        issues: runnable().any(|t| t.start_issues.is_some() || t.deadline.is_some()),
    };
    let mut pending = Vec::new();
    for p in &processes {
        let reactions = p.handled.iter().filter_map(|h| h.reaction.as_ref());
        let rules = reactions.chain(p.deadlines.iter().map(|d| &d.rule));
        let methods = rules
            .filter(|r| r.pending)
            .map(|r| &r.method)
            .chain(
                p.compensations
                    .iter()
                    .filter(|c| c.pending)
                    .map(|c| &c.method),
            )
            .chain(
                p.records
                    .iter()
                    .filter(|r| r.pending.is_some())
                    .map(|r| &r.method),
            );
        for method in methods {
            pending.push(super::context::PendingView {
                method: method.clone(),
                // As `process::Pending::not_implemented` words it.
                text: string_literal(&format!(
                    "not implemented: write `{method}` in src/rules/processes.rs"
                )),
            });
        }
    }
    Some(ProcessesView {
        pending,
        tests,
        processes,
        runtime_import: format!("use stormcraft_runtime::{{{}}};", names.join(", ")),
    })
}

fn process_view(model: &Model, here: ContextId, id: ProcessId) -> ProcessView {
    let ctx = model.context(here);
    let process = model.process(id);
    let function = snake(&process.name);
    let events: Vec<EventId> = process.handlers.iter().map(|h| h.event).collect();
    let handled = process
        .handlers
        .iter()
        .map(|h| {
            let event = model.event(h.event);
            let evolve = if event_names_collide(model, &events, h.event) {
                format!(
                    "evolve_{function}_on_{}_{}",
                    model.context(event.context).name,
                    snake(&event.name)
                )
            } else {
                format!("evolve_{function}_on_{}", snake(&event.name))
            };
            let copies = evolve_copies(model, process, h.event);
            let cancels = process
                .deadlines
                .iter()
                .filter(|d| match &model.policy(d.policy).trigger {
                    Trigger::Deadline(deadline) => deadline.unless.contains(&h.event),
                    _ => false,
                })
                .map(|d| string_literal(&d.name))
                .collect();
            let reaction = h.policy.and_then(|p| {
                let policy = model.policy(p);
                let command = policy.issues?;
                let mut rule = rule_view(
                    model,
                    here,
                    process,
                    &policy.name,
                    command,
                    Input::Event(h.event, &h.key_field),
                );
                if let Some(condition) = &policy.condition {
                    rule.docs.extend([
                        String::new(),
                        format!("Issues only if {}.", condition.trim_end_matches('.')),
                        "The default always issues: return `Ok(None)` when the condition does not hold."
                            .to_owned(),
                    ]);
                }
                Some(rule)
            });
            HandledView {
                source: source_view(model, here, &events, h.event),
                key_field: string_literal(&h.key_field),
                start: h.start,
                complete: h.complete,
                cancels,
                evolve,
                event_param: param("event", !copies.is_empty()),
                state_param: param("state", !copies.is_empty()),
                copies,
                reaction,
            }
        })
        .collect::<Vec<_>>();
    let deadlines = process
        .deadlines
        .iter()
        .filter_map(|d| {
            let policy = model.policy(d.policy);
            let Trigger::Deadline(deadline) = &policy.trigger else {
                return None;
            };
            let command = policy.issues?;
            let mut rule = rule_view(model, here, process, &policy.name, command, Input::Key);
            rule.docs[0] = format!(
                "The `{}` that `{}` issues when its deadline `{}` is up (the state as of then).",
                model.qualified_command(command),
                process.name,
                d.name
            );
            if !rule.pending {
                rule.docs[2] =
                    "The default copies same-name fields from the state, and the key.".to_owned();
            }
            Some(ProcessDeadlineView {
                name: string_literal(&d.name),
                after_secs: deadline.delay_secs,
                rule,
            })
        })
        .collect::<Vec<_>>();
    let rules = process
        .handlers
        .iter()
        .filter_map(|h| h.policy)
        .chain(process.deadlines.iter().map(|d| d.policy));
    let compensations = rules
        .clone()
        .flat_map(|p| compensation_views(model, here, p))
        .collect();
    let records = rules
        .flat_map(|p| record_views(model, here, p, "src/rules/processes.rs"))
        .collect();
    let test = test_view(model, here, process, &handled, &deadlines);
    ProcessView {
        test,
        name: process.name.clone(),
        docs: docs(&process.description),
        state: format!("{}State", process.name),
        state_fields: process
            .state
            .iter()
            .map(|f| StateFieldView {
                ident: ident(&f.name),
                ty: rust_type(model, bare(&f.ty), Scope::Own),
                docs: docs(&f.description),
            })
            .collect(),
        // Never `WORKERS`, the table beside it.
        konst: format!("{}_PROCESS", function.to_uppercase()),
        worker_fn: format!("{function}_worker"),
        react_fn: format!("{function}_react"),
        consumer: format!("{}.{}", ctx.name, process.name),
        category: process.category(ctx),
        key: process.key.clone(),
        key_ty: rust_type(model, bare(&process.key_ty), Scope::Own),
        key_param: match bare(&process.key_ty) {
            TypeRef::Primitive(Primitive::String) => "str".to_owned(),
            other => rust_type(model, other, Scope::Own),
        },
        reacts: handled.iter().any(|h| h.reaction.is_some()),
        handled,
        deadlines,
        compensations,
        records,
        function,
    }
}

/// A state field holds a value or nothing: an optional type's inner type.
fn bare(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Optional(inner) => inner,
        other => other,
    }
}

/// The default `evolve` of `process` for `e`: each state field set from the event's
/// field of the same name and type (a foreign event's named types are copies, which
/// never convert).
fn evolve_copies(model: &Model, process: &Process, e: EventId) -> Vec<AssignView> {
    let event = model.event(e);
    process
        .state
        .iter()
        .filter_map(|target| {
            let from = event.fields.iter().find(|f| f.name == target.name)?;
            let to = bare(&target.ty);
            if event.context != process.context && (mentions_named(&from.ty) || mentions_named(to))
            {
                return None;
            }
            let place = format!("event.{}", ident(&from.name));
            let expr = if from.ty == *to {
                format!(
                    "Some({})",
                    convert(model, &from.ty, to, &place).unwrap_or(place)
                )
            } else if from.ty == TypeRef::Optional(Box::new(to.clone())) {
                // An optional event field that is absent keeps what the state had.
                let value = if is_copy(model, to) {
                    format!("{place}.or(state.{})", ident(&target.name))
                } else {
                    format!("{place}.clone().or(state.{}.take())", ident(&target.name))
                };
                return Some(AssignView {
                    field: ident(&target.name),
                    expr: value,
                });
            } else {
                return None;
            };
            Some(AssignView {
                field: ident(&target.name),
                expr,
            })
        })
        .collect()
}

/// What a rule decides from, beside the state.
enum Input<'a> {
    /// A handled event, whose key field is the second.
    Event(EventId, &'a str),
    /// A deadline: the instance's key.
    Key,
}

/// A rule's default: each command field from the event's field of the same name, the
/// process key from the event's key field (or the key itself, for a deadline), or the
/// state's field of the same name (pending at run time while unset); when a field has
/// none of these, the whole default is pending.
fn rule_view(
    model: &Model,
    here: ContextId,
    process: &Process,
    reaction: &str,
    c: CommandId,
    input: Input<'_>,
) -> RuleView {
    let command = model.command(c);
    let method = snake(reaction);
    let foreign = |from: ContextId, a: &TypeRef, b: &TypeRef| {
        from != command.context && (mentions_named(a) || mentions_named(b))
    };
    let mut lets = Vec::new();
    let mut fields = Vec::new();
    let mut uses_state = false;
    let mut uses_input = false;
    let mut pending = false;
    for target in &command.fields {
        let from_input = match input {
            Input::Event(e, key_field) => {
                let event = model.event(e);
                let by_name = event.fields.iter().find(|f| f.name == target.name);
                let by_key = (target.name == process.key)
                    .then(|| event.fields.iter().find(|f| f.name == key_field))
                    .flatten();
                by_name.or(by_key).and_then(|f| {
                    if foreign(event.context, &f.ty, &target.ty) {
                        return None;
                    }
                    convert(
                        model,
                        &f.ty,
                        &target.ty,
                        &format!("event.{}", ident(&f.name)),
                    )
                })
            }
            Input::Key if target.name == process.key => {
                if foreign(process.context, &process.key_ty, &target.ty) {
                    None
                } else {
                    let key_ty = bare(&process.key_ty);
                    // `key` is a reference (`&str` for a string): a `Copy` key is read
                    // through it.
                    if *key_ty == TypeRef::Primitive(Primitive::String) {
                        let owned = "key.to_owned()";
                        if target.ty == *key_ty {
                            Some(owned.to_owned())
                        } else if target.ty == TypeRef::Optional(Box::new(key_ty.clone())) {
                            Some(format!("Some({owned})"))
                        } else {
                            None
                        }
                    } else {
                        let place = if is_copy(model, key_ty) {
                            "*key"
                        } else {
                            "key"
                        };
                        convert(model, key_ty, &target.ty, place)
                    }
                }
            }
            Input::Key => None,
        };
        if let Some(expr) = from_input {
            uses_input = true;
            fields.push(AssignView {
                field: ident(&target.name),
                expr,
            });
            continue;
        }
        let from_state = process
            .state
            .iter()
            .find(|f| f.name == target.name)
            .filter(|f| !foreign(process.context, &f.ty, &target.ty));
        let Some(state_field) = from_state else {
            pending = true;
            continue;
        };
        let state_ty = bare(&state_field.ty);
        let place = format!("state.{}", ident(&state_field.name));
        let optional = TypeRef::Optional(Box::new(state_ty.clone()));
        let expr = if target.ty == optional {
            Some(convert(model, &optional, &target.ty, &place).unwrap_or(place))
        } else if target.ty == *state_ty {
            // Read once the state has it; while unset the rule is pending.
            let name = ident(&state_field.name);
            let value = if is_copy(model, state_ty) {
                format!("state.{name}")
            } else {
                format!("state.{name}.clone()")
            };
            let var = format!("state_{}", state_field.name);
            lets.push(format!(
                "let Some({var}) = {value} else {{ return Err(Pending::unset({}, {})); }};",
                string_literal(&method),
                string_literal(&state_field.name)
            ));
            Some(var)
        } else {
            None
        };
        match expr {
            Some(expr) => {
                uses_state = true;
                fields.push(AssignView {
                    field: ident(&target.name),
                    expr,
                });
            }
            None => pending = true,
        }
    }
    if pending {
        lets.clear();
        fields.clear();
        uses_state = false;
        uses_input = false;
    }
    let target = target_view(model, here, c);
    let input_name = match input {
        Input::Event(..) => "event",
        Input::Key => "key",
    };
    let qualified = model.qualified_command(c);
    let first = format!(
        "The `{qualified}` that `{}` issues as `{reaction}`.",
        process.name
    );
    let default = if pending {
        format!("The default is pending: a field of `{qualified}` has no same-name source in the event or the state.")
    } else {
        "The default copies same-name fields from the event and the state (the key from the event's key field)."
            .to_owned()
    };
    // The command's own rule may be pending too: several outcomes, or an event field
    // the rule computes. Its test then waits for that rule, not for this one.
    let aggregate_pending = command.context == here
        && !pending
        && super::aggregate::aggregate_view(model, command.aggregate)
            .commands
            .iter()
            .any(|c| c.method == snake(&command.name) && c.pending);
    let blocked = aggregate_pending.then(|| {
        let file = snake(&model.aggregate(command.aggregate).name);
        if command.outcomes.len() > 1 {
            format!(
                "pending: `{}` has several outcomes; write its rule in src/rules/{file}.rs",
                command.name
            )
        } else {
            format!(
                "pending: `{}` records a field its rule computes; write its rule in src/rules/{file}.rs",
                command.name
            )
        }
    });
    RuleView {
        blocked,
        category: (command.context == here).then(|| {
            format!(
                "{}-{}",
                model.context(here).name,
                model.aggregate(command.aggregate).name
            )
        }),
        docs: vec![first, String::new(), default],
        consumer: format!("{}.{reaction}", model.context(here).name),
        context: string_literal(&model.context(command.context).name),
        state_param: param("state", uses_state),
        input_param: param(input_name, uses_input),
        method,
        target,
        lets,
        fields,
        pending,
    }
}

/// The compensations of the reaction `p`: a rule each, whose default copies the refused
/// command's fields by name, pending when one has no source.
fn compensation_views(
    model: &Model,
    here: ContextId,
    p: crate::ir::PolicyId,
) -> Vec<ProcessCompensateView> {
    let policy = model.policy(p);
    let Some(issued) = policy.issues else {
        return Vec::new();
    };
    let rejected_command = model.command(issued);
    policy
        .recovery
        .iter()
        .filter_map(|r| {
            let RecoveryAction::Issue(c) = r.action else {
                return None;
            };
            let error = rejected_command.errors.get(r.error)?;
            let compensating = model.command(c);
            let mut pending = false;
            let fields: Vec<AssignView> = compensating
                .fields
                .iter()
                .filter_map(|target| {
                    let expr = same_name(model, &rejected_command.fields, target, |f| {
                        rejected_command.context != compensating.context
                            && (mentions_named(&f.ty) || mentions_named(&target.ty))
                    });
                    if expr.is_none() {
                        pending = true;
                    }
                    Some(AssignView {
                        field: ident(&target.name),
                        expr: expr?,
                    })
                })
                .collect();
            Some(ProcessCompensateView {
                method: super::policy::compensate_method(&policy.name, &error.name),
                docs: vec![
                    format!(
                        "The compensation of `{}` when `{}` is refused",
                        policy.name, rejected_command.name
                    ),
                    format!(
                        "with `{}`: `{}`. The default copies the refused command's fields by",
                        error.name,
                        model.qualified_command(c)
                    ),
                    "name, pending when one has no source; `Ok(None)` issues nothing.".to_owned(),
                ],
                rejected: target_view(model, here, issued).command,
                rejected_param: param("rejected", !pending),
                target: target_view(model, here, c),
                fields: if pending { Vec::new() } else { fields },
                pending,
            })
        })
        .collect()
}

/// `target` from the field of the same name among `fields`, over `rejected`.
fn same_name(
    model: &Model,
    fields: &[Field],
    target: &Field,
    copies: impl Fn(&Field) -> bool,
) -> Option<String> {
    let from = fields.iter().find(|f| f.name == target.name)?;
    if copies(from) {
        return None;
    }
    convert(
        model,
        &from.ty,
        &target.ty,
        &format!("rejected.{}", ident(&from.name)),
    )
}

/// The test of a process: its first start event, the command its reaction issues, its
/// first deadline after the delay, and its first completing event.
fn test_view(
    model: &Model,
    here: ContextId,
    process: &Process,
    handled: &[HandledView],
    deadlines: &[ProcessDeadlineView],
) -> ProcessTestView {
    let key_ty = bare(&process.key_ty);
    // `testing::message` turns a symbolic name into a uuid (the same for every event).
    let value = match key_ty {
        TypeRef::Primitive(Primitive::Uuid | Primitive::String) => Some(serde_json::Value::String(
            format!("{}-1", snake(&process.name)),
        )),
        TypeRef::Primitive(Primitive::I32 | Primitive::I64 | Primitive::U32 | Primitive::U64) => {
            Some(serde_json::Value::from(1))
        }
        _ => None,
    };
    let pending = value.is_none().then(|| {
        string_literal(&format!(
            "pending: the model gives no test value for the key `{}` (a `{}`)",
            process.key,
            model.type_name(key_ty)
        ))
    });
    let event_view = |e: EventId, key_field: &str| {
        let source = source_view(model, here, &[e], e);
        let json = match &value {
            Some(v) => serde_json::json!({ key_field: v }).to_string(),
            None => "{}".to_owned(),
        };
        TestEventView {
            json: format!("r#\"{json}\"#"),
            event_type: string_literal(&source.event_type),
            version: model.event(e).version,
            stream: string_literal(&format!("{}-test-1", source.category)),
            rust: source.rust,
        }
    };
    let check = |rule: &RuleView, conditional: bool| {
        let command = &rule.target.name;
        IssueCheckView {
            command: string_literal(command),
            pending: rule.blocked.as_ref().map(|p| string_literal(p)),
            method: string_literal(&rule.method),
            rule_pending: rule.pending,
            conditional,
            category: rule.category.as_ref().map(|c| string_literal(c)),
            inbox: rule
                .target
                .inbox
                .as_ref()
                .map(|target| string_literal(&format!("{target}-Inbox"))),
        }
    };
    let start = process
        .handlers
        .iter()
        .zip(handled)
        .find(|(h, _)| h.start)
        .or_else(|| process.handlers.iter().zip(handled).next());
    let (start_handler, start_view) = start.expect("a checked process handles events");
    let complete = process
        .handlers
        .iter()
        .find(|h| h.complete && !h.start)
        .map(|h| event_view(h.event, &h.key_field));
    // The start's command failing fails every test of the process, which starts it.
    let blocked = start_view
        .reaction
        .as_ref()
        .and_then(|r| r.blocked.as_deref())
        .map(string_literal);
    ProcessTestView {
        pending: pending.or(blocked),
        start: event_view(start_handler.event, &start_handler.key_field),
        start_key_field: string_literal(&start_handler.key_field),
        start_issues: start_view.reaction.as_ref().map(|rule| {
            let conditional = start_handler
                .policy
                .is_some_and(|p| model.policy(p).condition.is_some());
            check(rule, conditional)
        }),
        complete,
        deadline: deadlines.first().map(|d| DeadlineCheckView {
            name: d.name.clone(),
            after_secs: d.after_secs,
            issues: check(
                &d.rule,
                process
                    .deadlines
                    .first()
                    .is_some_and(|ir| model.policy(ir.policy).condition.is_some()),
            ),
        }),
    }
}
