//! Deadlines and schedules: what `src/timers.rs` of a context prints, and its tests.
//!
//! A deadline policy (`on:` + `after:`, maybe `unless:` and `correlate:`) is one worker
//! that sees its start events, its cancelling events and its own `DeadlinePassed` events
//! in global order, so a cancelling event recorded before the timer fired always wins.
//! A schedule policy (`every:`, maybe `for_each:`) is one worker on its own ticks, which
//! issues the command (per row) and schedules the next tick in its transaction.
//! The commands go out through `crate::policies::issue_<policy>`, which the policies
//! generator writes for every policy that issues one.

use serde::Serialize;

use super::policy::{source_view, target_view, SourceView};
use super::{docs, event_names_collide, param, AssignView};
use crate::ir::sources::{self, Origin};
use crate::ir::{
    CommandId, ContextId, EventId, Every, Model, PolicyId, Primitive, ReadModelId, Trigger, TypeRef,
};
use crate::render::service::names::{ident, snake, string_literal};
use crate::render::service::rust_types::convert_across;

/// The timers of one context.
#[derive(Debug, Clone, Serialize)]
pub struct TimersView {
    /// The deadline policies, in model order.
    pub deadlines: Vec<DeadlineView>,
    /// The schedule policies, in model order.
    pub schedules: Vec<ScheduleView>,
    /// The stream category of the context's `DeadlinePassed` events, `<context>-Deadline`.
    pub deadline_category: String,
    /// The stream category of the context's `ScheduleTicked` events, `<context>-Schedule`.
    pub schedule_category: String,
    /// Some deadline's test runs (is not pending).
    pub runnable_deadline_tests: bool,
    /// Some test runs (a deadline's or a schedule's).
    pub runnable_tests: bool,
    /// Some schedule goes over a read model.
    pub has_for_each: bool,
    /// Some deadline has cancelling (`unless:`) events, so `timers.rs` needs `cancel`.
    pub has_cancels: bool,
    /// The `use` lines of `timers.rs`: exactly what its items need.
    pub imports: Vec<String>,
    /// Whether `tests/timers.rs` is written (the context has deadlines or schedules and
    /// its crate has the runtime's testing feature as a dev-dependency).
    pub has_tests: bool,
}

/// An event that starts a deadline.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineStartView {
    /// The event.
    pub source: SourceView,
    /// The `PolicyRules` method that builds the command from it (the policies
    /// generator's name for it).
    pub method: String,
    /// When another start event has the same type name: the guard over the start
    /// event's record `start` that tells them apart by stream.
    pub start_guard: Option<String>,
    /// Whether its rule is pending (`crate::policies::pending` then refuses it).
    pub pending: bool,
}

/// A deadline policy.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineView {
    /// PascalCase name.
    pub name: String,
    /// Doc comment lines (the description, or a sentence saying what it does).
    pub docs: Vec<String>,
    /// The handler function (snake_case name).
    pub function: String,
    /// The `Deadline` constant describing it.
    pub constant: String,
    /// Consumer name, `<context>.<Policy>` (also the issuer of its command's rejections).
    pub consumer: String,
    /// The document table of its state per correlation value.
    pub table: String,
    /// The delay in seconds.
    pub delay_secs: u64,
    /// The delay as the model writes it (`30m`).
    pub delay: String,
    /// The correlation field (its JSON key).
    pub correlate: String,
    /// The start events.
    pub starts: Vec<DeadlineStartView>,
    /// The cancelling events.
    pub cancels: Vec<SourceView>,
    /// The `match` pattern of the cancelling events' types (`"A" | "B"`), with the
    /// guard when names collide; empty without `unless:`.
    pub cancel_arms: Vec<String>,
    /// The function that carries the command out, `crate::policies::issue_<policy>`.
    pub issue: String,
    /// The command name (docs).
    pub command: String,
    /// The context of the command (where a pending rule's rejection says it was for).
    pub target_context: String,
    /// Its generated test.
    pub test: DeadlineTestView,
}

/// The test of one deadline.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineTestView {
    /// Why the test is pending (reported as ignored; a string literal), when the model
    /// gives no value to correlate the test's events with.
    pub pending: Option<String>,
    /// The start event as `testing::message` builds it: its Rust type, JSON values, type
    /// name, schema version and stream.
    pub start: TestEventView,
    /// The first cancelling event, built the same way (none without `unless:`).
    pub cancel: Option<TestEventView>,
}

/// An event a generated test appends.
#[derive(Debug, Clone, Serialize)]
pub struct TestEventView {
    /// Rust path of its struct.
    pub rust: String,
    /// The values `testing::message` starts from, a Rust raw string literal of JSON.
    pub json: String,
    /// The event type name (a string literal).
    pub event_type: String,
    /// Its schema version.
    pub version: u32,
    /// The stream it is appended to (a string literal).
    pub stream: String,
}

/// A schedule policy.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleView {
    /// PascalCase name.
    pub name: String,
    /// Doc comment lines of the rule.
    pub docs: Vec<String>,
    /// The handler function and `ScheduleRules` method (snake_case name).
    pub function: String,
    /// The `Schedule` constant describing it.
    pub constant: String,
    /// Consumer name, `<context>.<Policy>`.
    pub consumer: String,
    /// The `Every` expression of its constant.
    pub every: String,
    /// When it fires, as the model writes it (`15m`, `day at 03:00`).
    pub every_label: String,
    /// The longest wait for a tick, in seconds (a test advances the clock by it).
    pub period_secs: u64,
    /// Seconds from a tick to the next one after the test's clock moved 1 s past it.
    pub next_secs: u64,
    /// The read model it goes over, if any.
    pub for_each: Option<ForEachView>,
    /// The `ScheduleRules` method's command: the Rust path of its struct.
    pub command: String,
    /// The command name (docs).
    pub command_name: String,
    /// The default: the command's fields copied from the row, when every one can be;
    /// `None`: the default issues nothing (pending).
    pub fields: Option<Vec<AssignView>>,
    /// The row parameter of the default (`_row` when unused).
    pub row_param: String,
    /// The function that carries the command out, `crate::policies::issue_<policy>`.
    pub issue: String,
}

/// The read model a schedule goes over.
#[derive(Debug, Clone, Serialize)]
pub struct ForEachView {
    /// PascalCase name.
    pub name: String,
    /// The Rust path of its row struct.
    pub rust: String,
}

/// The timers of `here`, or `None` when it has no deadline or schedule policy.
/// `has_tests`: the crate has the runtime's testing feature (it has aggregates).
pub fn timers_view(model: &Model, here: ContextId, has_tests: bool) -> Option<TimersView> {
    let ctx = model.context(here);
    let mut deadlines = Vec::new();
    let mut schedules = Vec::new();
    for p in &ctx.policies {
        let policy = model.policy(*p);
        // Only policies that issue a command get a timer: the checker requires `issue:`
        // of a deadline and of a `for_each:` schedule.
        let Some(command) = policy.issues else {
            continue;
        };
        match &policy.trigger {
            Trigger::Events | Trigger::Rejection(_) => {}
            // The checker requires `on:` of a deadline; without one nothing starts it.
            Trigger::Deadline(_) if policy.on.is_empty() => {}
            Trigger::Deadline(_) => deadlines.push(deadline_view(model, here, *p, command)),
            Trigger::Schedule(_) => schedules.push(schedule_view(model, here, *p, command)),
        }
    }
    if deadlines.is_empty() && schedules.is_empty() {
        return None;
    }
    let mut imports = vec![
        "use std::time::Duration;".to_owned(),
        "use stormcraft_runtime::timer::Timer;".to_owned(),
        "use stormcraft_runtime::{worker, Error, NewEvent, ProjectionTx, RecordedEvent, Result, Store, Uuid, Value};".to_owned(),
        // Public, so the rules files' `use crate::timers::*` has what a rule's signature
        // names.
        "pub use stormcraft_runtime::policy::Views;".to_owned(),
    ];
    if deadlines.is_empty() {
        imports.push("use stormcraft_runtime::aggregate::Cause;".to_owned());
    } else {
        imports.push("use stormcraft_runtime::aggregate::{self, Cause};".to_owned());
        imports.push("use serde::{Deserialize, Serialize};".to_owned());
        imports.push("use crate::policies::PolicyRules;".to_owned());
    }
    if !schedules.is_empty() {
        imports.push("pub use std::time::SystemTime;".to_owned());
        imports.push("use std::time::UNIX_EPOCH;".to_owned());
    }
    imports.sort();
    let runnable_deadline_tests = deadlines.iter().any(|d| d.test.pending.is_none());
    Some(TimersView {
        runnable_deadline_tests,
        runnable_tests: runnable_deadline_tests || !schedules.is_empty(),
        has_for_each: schedules.iter().any(|s| s.for_each.is_some()),
        has_cancels: deadlines.iter().any(|d| !d.cancel_arms.is_empty()),
        deadlines,
        schedules,
        deadline_category: format!("{}-Deadline", ctx.name),
        schedule_category: format!("{}-Schedule", ctx.name),
        imports,
        has_tests,
    })
}

/// The name of the `PolicyRules` method for the start event `e` of `policy`, as the
/// policies generator names it (`policy.rs`): the policy's snake_case name when it has
/// one event, else `<policy>_on_<event>` (with the context when names collide).
pub(super) fn rule_method(model: &Model, on: &[EventId], function: &str, e: EventId) -> String {
    let event = model.event(e);
    if on.len() == 1 {
        function.to_owned()
    } else if event_names_collide(model, on, e) {
        format!(
            "{function}_on_{}_{}",
            model.context(event.context).name,
            snake(&event.name)
        )
    } else {
        format!("{function}_on_{}", snake(&event.name))
    }
}

fn deadline_view(model: &Model, here: ContextId, p: PolicyId, command: CommandId) -> DeadlineView {
    let ctx = model.context(here);
    let policy = model.policy(p);
    let Trigger::Deadline(deadline) = &policy.trigger else {
        unreachable!("deadline_view is called for deadline policies only")
    };
    let function = snake(&policy.name);
    let consumer = format!("{}.{}", ctx.name, policy.name);
    let starts: Vec<DeadlineStartView> = policy
        .on
        .iter()
        .map(|e| {
            let source = source_view(model, here, &policy.on, *e);
            let start_guard = source.guard.as_ref().map(|_| {
                format!(
                    "start.stream.starts_with({})",
                    string_literal(&format!("{}-", source.category))
                )
            });
            DeadlineStartView {
                pending: super::policy::issue_pending(model, here, p, *e, command),
                method: rule_method(model, &policy.on, &function, *e),
                source,
                start_guard,
            }
        })
        .collect();
    // A cancelling event that is also a start event is handled as a start (the checker
    // does not forbid it; the first match arm wins).
    let cancel_events: Vec<EventId> = deadline
        .unless
        .iter()
        .copied()
        .filter(|e| !policy.on.contains(e))
        .collect();
    let all: Vec<EventId> = policy.on.iter().chain(&cancel_events).copied().collect();
    let cancels: Vec<SourceView> = cancel_events
        .iter()
        .map(|e| source_view(model, here, &all, *e))
        .collect();
    let cancel_arms = cancel_arms(&cancels);
    let command_name = model.command(command).name.clone();
    let unless_words = deadline
        .unless
        .iter()
        .map(|e| format!("`{}`", model.event(*e).name))
        .collect::<Vec<_>>()
        .join(" or ");
    let on_words = policy
        .on
        .iter()
        .map(|e| format!("`{}`", model.event(*e).name))
        .collect::<Vec<_>>()
        .join(" or ");
    let mut lines = docs(&policy.description);
    if !lines.is_empty() {
        lines.push(String::new());
    }
    let delay = crate::ir::time::format_duration(deadline.delay_secs);
    lines.push(if unless_words.is_empty() {
        format!("The deadline `{}`: {delay} after {on_words}, issue `{command_name}`.", policy.name)
    } else {
        format!(
            "The deadline `{}`: {delay} after {on_words}, issue `{command_name}`, unless {unless_words} with the same `{}` came first.",
            policy.name, deadline.correlate
        )
    });
    let test = deadline_test(
        model,
        here,
        policy.on[0],
        cancel_events.first().copied(),
        &deadline.correlate,
        &policy.name,
    );
    DeadlineView {
        name: policy.name.clone(),
        docs: lines,
        constant: function.to_uppercase(),
        table: format!("{consumer}.deadlines"),
        consumer,
        delay_secs: deadline.delay_secs,
        delay,
        correlate: deadline.correlate.clone(),
        starts,
        cancels,
        cancel_arms,
        issue: format!("crate::policies::issue_{function}"),
        command: command_name,
        target_context: model.context(model.command(command).context).name.clone(),
        test,
        function,
    }
}

/// The match arms of the cancelling events: one `"A" | "B"` arm for the names that do
/// not collide, one guarded arm per name that does.
fn cancel_arms(cancels: &[SourceView]) -> Vec<String> {
    let plain: Vec<String> = cancels
        .iter()
        .filter(|c| c.guard.is_none())
        .map(|c| string_literal(&c.event_type))
        .collect();
    let mut arms = Vec::new();
    if !plain.is_empty() {
        arms.push(plain.join(" | "));
    }
    for c in cancels.iter().filter(|c| c.guard.is_some()) {
        arms.push(format!(
            "{} if {}",
            string_literal(&c.event_type),
            c.guard.as_deref().unwrap_or("true")
        ));
    }
    arms
}

/// The test of a deadline: its start event (and first cancelling event) with a test
/// value in the correlation field, or why no such value exists.
fn deadline_test(
    model: &Model,
    here: ContextId,
    start: EventId,
    cancel: Option<EventId>,
    correlate: &str,
    policy: &str,
) -> DeadlineTestView {
    let field_type = model
        .event(start)
        .fields
        .iter()
        .find(|f| f.name == correlate)
        .map(|f| f.ty.clone());
    // The value `testing::message` turns into a field value: a uuid field takes a
    // symbolic name (the same name is always the same uuid), as scenarios do.
    let value = match &field_type {
        Some(TypeRef::Primitive(Primitive::Uuid | Primitive::String)) => {
            Some(serde_json::Value::String(format!("{}-1", snake(policy))))
        }
        Some(TypeRef::Primitive(
            Primitive::I32 | Primitive::I64 | Primitive::U32 | Primitive::U64,
        )) => Some(serde_json::Value::from(1)),
        _ => None,
    };
    let pending = match (&value, &field_type) {
        (Some(_), _) => None,
        (None, Some(ty)) => Some(format!(
            "pending: the model gives no test value for the correlation field `{correlate}` (a `{}`); a test of this deadline needs one",
            model.type_name(ty)
        )),
        (None, None) => Some(format!(
            "pending: the start event has no correlation field `{correlate}`"
        )),
    };
    let json = match &value {
        Some(v) => serde_json::json!({ correlate: v }).to_string(),
        None => "{}".to_owned(),
    };
    let event_view = |e: EventId| {
        let source = source_view(model, here, &[e], e);
        TestEventView {
            json: format!("r#\"{json}\"#"),
            event_type: string_literal(&source.event_type),
            version: model.event(e).version,
            stream: string_literal(&format!("{}-test-1", source.category)),
            rust: source.rust,
        }
    };
    DeadlineTestView {
        pending: pending.map(|reason| string_literal(&reason)),
        start: event_view(start),
        cancel: cancel.map(event_view),
    }
}

fn schedule_view(model: &Model, here: ContextId, p: PolicyId, command: CommandId) -> ScheduleView {
    let ctx = model.context(here);
    let policy = model.policy(p);
    let Trigger::Schedule(schedule) = &policy.trigger else {
        unreachable!("schedule_view is called for schedule policies only")
    };
    let function = snake(&policy.name);
    let cmd = model.command(command);
    let command_rust = target_view(model, here, command).command;
    let (every, period_secs) = match schedule.every {
        Every::Interval { secs } => (format!("Every::Interval({secs})"), secs),
        Every::DailyAt { hour, minute } => (
            format!(
                "Every::DailyAt({})",
                u64::from(hour) * 3_600 + u64::from(minute) * 60
            ),
            86_400,
        ),
    };
    let for_each = schedule.for_each.map(|r| ForEachView {
        name: model.read_model(r).name.clone(),
        rust: format!("crate::projections::{}", model.read_model(r).name),
    });
    let fields = schedule
        .for_each
        .and_then(|r| row_fields(model, here, p, r, command));
    let mut lines = docs(&policy.description);
    if !lines.is_empty() {
        lines.push(String::new());
    }
    let every_label = schedule.every.label();
    let when = match schedule.every {
        Every::Interval { .. } => format!("every {every_label}"),
        Every::DailyAt { .. } => format!("every {every_label} (UTC)"),
    };
    lines.push(match &for_each {
        Some(r) => format!(
            "The schedule `{}`: {when}, the `{}` for each row of `{}` (`None`: nothing for that row).",
            policy.name, cmd.name, r.name
        ),
        None => format!(
            "The schedule `{}`: {when}, the `{}` to issue (`None`: nothing this time).",
            policy.name, cmd.name
        ),
    });
    if fields.is_none() {
        lines.push(String::new());
        lines.push(match &for_each {
            Some(r) => format!(
                "Pending: the default issues nothing, because a row of `{}` does not carry every field of `{}`; write this rule in `src/rules/schedules.rs`.",
                r.name, cmd.name
            ),
            None => format!(
                "Pending: the default issues nothing, because nothing gives the fields of `{}`; write this rule in `src/rules/schedules.rs`.",
                cmd.name
            ),
        });
    }
    ScheduleView {
        name: policy.name.clone(),
        docs: lines,
        constant: function.to_uppercase(),
        consumer: format!("{}.{}", ctx.name, policy.name),
        every,
        every_label,
        period_secs,
        next_secs: if period_secs > 1 { period_secs } else { 2 },
        // A default that reads the row (not only the clock) names it.
        row_param: param(
            "row",
            fields
                .as_ref()
                .is_some_and(|f| f.iter().any(|a| a.expr.contains("row."))),
        ),
        for_each,
        command: command_rust,
        command_name: cmd.name.clone(),
        fields,
        issue: format!("crate::policies::issue_{function}"),
        function,
    }
}

/// The command's fields, each from its traced source (`crate::ir::sources::scheduled_fields`,
/// as `check` traces them): a field of the row, or the clock for `computed: now`;
/// `None` when some field has no source a default can read (the rule is pending).
fn row_fields(
    model: &Model,
    here: ContextId,
    p: PolicyId,
    r: ReadModelId,
    command: CommandId,
) -> Option<Vec<AssignView>> {
    let stored = sources::stored_row_fields(model, r);
    let cmd = model.command(command);
    cmd.fields
        .iter()
        .zip(sources::scheduled_fields(model, p))
        .map(|(target, origin)| {
            let expr = match origin {
                Origin::Row(_, i) => {
                    let from = &stored[i];
                    // A foreign command's named types are copies: they convert from this
                    // context's own when they have the same shape.
                    let place = format!("row.{}", ident(&from.name));
                    convert_across(model, here, &from.ty, &target.ty, &place).ok()?
                }
                // As every default's clock: the time the rule decides.
                Origin::Clock => super::clock(&target.ty),
                _ => return None,
            };
            Some(AssignView {
                field: ident(&target.name),
                expr,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Model {
        let loaded = crate::model::load::load_str("model.yaml", text);
        let checked = crate::check::check(&loaded);
        checked
            .model
            .unwrap_or_else(|| panic!("the model checks: {:?}", checked.diagnostics))
    }

    const DEADLINE_ON: &str = "stormcraft: 2\nsystem: S\nactors: {A: someone}\ncontexts:\n  a:\n    aggregates:\n      X:\n        id: x_id\n        commands:\n          Open: {by: A, emits: [Opened], fields: {day: date}}\n          Close: {by: A, emits: [Closed], fields: {day: date}}\n          Lapse: {emits: [Lapsed]}\n        events:\n          Opened: {fields: {day: date}}\n          Closed: {fields: {day: date}}\n          Lapsed: {}\n    policies:\n      LapseUnclosed:\n        on: Opened\n        after: 1h30m\n        unless: [Closed]\n        correlate: CORRELATE\n        issue: Lapse\n";

    fn deadline(correlate: &str) -> DeadlineView {
        let model = model(&DEADLINE_ON.replace("CORRELATE", correlate));
        let timers = timers_view(&model, ContextId(0), true).expect("a deadline has timers");
        timers.deadlines.into_iter().next().expect("one deadline")
    }

    #[test]
    fn a_deadline_is_one_worker_on_its_start_cancel_and_passed_events() {
        let d = deadline("x_id");
        assert_eq!(d.consumer, "a.LapseUnclosed");
        assert_eq!(d.table, "a.LapseUnclosed.deadlines");
        assert_eq!((d.delay_secs, d.delay.as_str()), (5_400, "1h30m"));
        assert_eq!(d.starts[0].method, "lapse_unclosed");
        assert_eq!(d.cancel_arms, vec!["\"Closed\"".to_owned()]);
        assert_eq!(d.issue, "crate::policies::issue_lapse_unclosed");
        // The aggregate id is a uuid: the test names it symbolically, as scenarios do.
        assert_eq!(d.test.pending, None);
        assert_eq!(d.test.start.json, r##"r#"{"x_id":"lapse_unclosed-1"}"#"##);
    }

    #[test]
    fn a_deadline_on_a_field_without_a_test_value_has_a_pending_test() {
        let d = deadline("day");
        let reason = d.test.pending.expect("no test value for a date");
        assert!(
            reason.contains("pending: the model gives no test value"),
            "{reason}"
        );
        assert!(reason.contains("`day` (a `date`)"), "{reason}");
    }

    #[test]
    fn a_context_without_time_policies_has_no_timers() {
        let text = DEADLINE_ON.replace("CORRELATE", "x_id").replace(
            "        after: 1h30m\n        unless: [Closed]\n        correlate: x_id\n",
            "",
        );
        assert!(timers_view(&model(&text), ContextId(0), true).is_none());
    }
}
