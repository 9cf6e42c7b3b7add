//! Commands across contexts and recovery: a context's inbox (the commands others send
//! it through the store) and its recovery worker (each policy's `on_error:` applied to
//! the rejections of the commands it issued).

use serde::Serialize;

use super::policy::{
    compensate_method, compensation_views, record_method, record_views, target_view, TargetView,
};
use crate::ir::{CommandId, ContextId, Model, RecoveryAction};
use crate::render::service::names::string_literal;

/// A command the inbox carries out.
#[derive(Debug, Clone, Serialize)]
pub struct InboxCommandView {
    /// Its name (what the sender writes in `CommandSent.command`).
    pub name: String,
    /// The Rust path of its aggregate.
    pub aggregate: String,
    /// The Rust path of its struct.
    pub command: String,
}

/// The context's inbox worker and its `dispatch`.
#[derive(Debug, Clone, Serialize)]
pub struct InboxView {
    /// The consumer name, `<context>.inbox`.
    pub consumer: String,
    /// The inbox's stream category, `<context>-Inbox`.
    pub category: String,
    /// The commands it takes, in model order.
    pub commands: Vec<InboxCommandView>,
}

/// What the recovery worker does with one (policy, command, error).
#[derive(Debug, Clone, Serialize)]
pub struct RecoveryArmView {
    /// The policy's name, as a string literal.
    pub policy: String,
    /// The issued command's name, as a string literal.
    pub command: String,
    /// The business error's name, as a string literal.
    pub error: String,
    /// Compensate: the rule building the command, and where it goes.
    pub compensate: Option<CompensateArmView>,
    /// Retry: how often, after how long, and as which consumer.
    pub retry: Option<RetryArmView>,
    /// Record: the rule building the event, and the aggregate it is appended to.
    pub record: Option<RecordArmView>,
}

/// A `record:` in the recovery worker.
#[derive(Debug, Clone, Serialize)]
pub struct RecordArmView {
    /// A process's recording: its rule is in `ProcessRules` and may be pending.
    pub process: bool,
    /// The rules method.
    pub method: String,
    /// The Rust path of the refused command, decoded from the rejection's body.
    pub rejected: String,
    /// The Rust path of the cause event, read back from the store, when the rule has it.
    pub cause: Option<String>,
    /// The event's name (a pending process rule is listed as not recording it).
    pub name: String,
    /// The Rust path of the aggregate whose stream it is appended to.
    pub aggregate: String,
    /// The event's aggregate id field, which names the stream.
    pub id: String,
    /// Its rule is pending (a policy's: `crate::policies::pending` then leaves the
    /// rejection listed).
    pub pending: bool,
}

/// A compensation in the recovery worker.
#[derive(Debug, Clone, Serialize)]
pub struct CompensateArmView {
    /// A process's compensation: its rule is in `ProcessRules` and may be pending.
    pub process: bool,
    /// The compensating command's context, as a string literal.
    pub context: String,
    /// The `PolicyRules` method.
    pub method: String,
    /// The Rust path of the refused command, decoded from the rejection's body.
    pub rejected: String,
    /// The compensating command and how it is carried out.
    pub target: TargetView,
    /// Its rule is pending (`crate::policies::pending` then leaves the rejection listed).
    pub pending: bool,
}

/// A retry in the recovery worker.
#[derive(Debug, Clone, Serialize)]
pub struct RetryArmView {
    /// How many more attempts.
    pub times: u32,
    /// Seconds to wait before each, when the model says.
    pub after_secs: Option<u64>,
    /// The refused command and how it is carried out again: this context's at once
    /// (`policy::reissue`), another's through its inbox; after a delay, through the
    /// inbox of the command's context (the timer's event is the inbox's `CommandSent`).
    pub target: TargetView,
    /// The context whose inbox receives a delayed retry.
    pub inbox: String,
}

/// The generated test of one `record:` (`tests/recovery.rs`): a rejection of the
/// refused command (and its cause event) on a memory store, handled by the recovery
/// worker, records the event once, also when it is handled again.
#[derive(Debug, Clone, Serialize)]
pub struct RecordTestView {
    /// The test function's name.
    pub function: String,
    /// Why it is reported ignored (a string literal): its rule is pending.
    pub pending: Option<String>,
    /// The policy (or reaction) name, the refused command and the error, as string
    /// literals.
    pub policy: String,
    /// See `policy`.
    pub command: String,
    /// See `policy`.
    pub error: String,
    /// The refused command's context, as a string literal.
    pub context: String,
    /// The Rust path of the refused command (the test's crate path).
    pub rejected: String,
    /// The cause event the rule reads, appended first.
    pub cause: Option<super::timer::TestEventView>,
    /// The recorded event's aggregate category, as a string literal.
    pub category: String,
    /// The recorded event's type, as a string literal.
    pub event_type: String,
}

/// The context's recovery worker.
#[derive(Debug, Clone, Serialize)]
pub struct RecoveryView {
    /// The consumer name, `<context>.recovery`.
    pub consumer: String,
    /// The rejections' stream category, `<context>-Rejection`.
    pub category: String,
    /// Compensations and retries, in model order.
    pub arms: Vec<RecoveryArmView>,
    /// Doc lines: the rejections it knowingly leaves (park, and errors `on_error:` does
    /// not name).
    pub parked: Vec<String>,
    /// Some arm retries after a delay (the `retry_after` helper is generated).
    pub has_delayed_retry: bool,
    /// Some arm compensates or records (the `rejected` helper is generated).
    pub has_compensate: bool,
    /// Some record arm reads the cause event (the `cause_of` helper is generated).
    pub has_cause: bool,
    /// The `use` lines of the rules traits the compensations call.
    pub rules_imports: Vec<String>,
    /// The `use stormcraft_runtime::{..};` line: exactly what the arms need.
    pub runtime_import: String,
    /// The tests of its `record:` arms, in model order.
    pub tests: Vec<RecordTestView>,
}

/// The commands of `id` that its inbox takes: those policies of other contexts issue or
/// compensate with, and its own commands its policies retry after a delay (the timer's
/// event is a `CommandSent` to the command's context), in model order.
fn inbox_commands(model: &Model, id: ContextId) -> Vec<CommandId> {
    let mut commands = Vec::new();
    for policy in &model.policies {
        let mut sent: Vec<CommandId> = Vec::new();
        if let Some(issued) = policy.issues {
            let retried = policy.recovery.iter().any(|r| {
                matches!(
                    r.action,
                    RecoveryAction::Retry {
                        after_secs: Some(_),
                        ..
                    }
                )
            });
            if policy.context != model.command(issued).context || retried {
                sent.push(issued);
            }
        }
        for r in &policy.recovery {
            if let RecoveryAction::Issue(c) = r.action {
                if model.command(c).context != policy.context {
                    sent.push(c);
                }
            }
        }
        for c in sent {
            if model.command(c).context == id && !commands.contains(&c) {
                commands.push(c);
            }
        }
    }
    commands.sort();
    commands
}

/// The inbox of `id`, when some command is sent to it.
pub fn inbox_view(model: &Model, id: ContextId) -> Option<InboxView> {
    let commands = inbox_commands(model, id);
    if commands.is_empty() {
        return None;
    }
    let name = &model.context(id).name;
    Some(InboxView {
        consumer: format!("{name}.inbox"),
        category: format!("{name}-Inbox"),
        commands: commands
            .iter()
            .map(|c| {
                let target = target_view(model, id, *c);
                InboxCommandView {
                    name: target.name,
                    aggregate: target.aggregate.unwrap_or_default(),
                    command: target.command,
                }
            })
            .collect(),
    })
}

/// The recovery worker of `id`, when some policy of it compensates, records or retries.
pub fn recovery_view(model: &Model, id: ContextId) -> Option<RecoveryView> {
    let ctx = model.context(id);
    let mut arms = Vec::new();
    let mut parked = Vec::new();
    let mut tests = Vec::new();
    // A process's reactions and deadlines issue as `<context>.<Reaction>`: their
    // rejections carry the reaction's name, which their arms match.
    for p in &super::upstream::issuing_policies(model, id) {
        let policy = model.policy(*p);
        let Some(issued) = policy.issues else {
            continue;
        };
        let command = model.command(issued);
        for (index, error) in command.errors.iter().enumerate() {
            let recovery = policy.recovery.iter().find(|r| r.error == index);
            let action = recovery.map(|r| &r.action);
            let mut arm = RecoveryArmView {
                policy: string_literal(&policy.name),
                command: string_literal(&command.name),
                error: string_literal(&error.name),
                compensate: None,
                retry: None,
                record: None,
            };
            match action {
                Some(RecoveryAction::Issue(c)) => {
                    let method = compensate_method(&policy.name, &error.name);
                    let pending = compensation_views(model, id, *p)
                        .iter()
                        .any(|v| v.method == method && v.pending.is_some());
                    arm.compensate = Some(CompensateArmView {
                        process: policy.process.is_some(),
                        context: string_literal(&model.context(model.command(*c).context).name),
                        pending: pending && policy.process.is_none(),
                        method,
                        rejected: target_view(model, id, issued).command,
                        target: target_view(model, id, *c),
                    });
                }
                Some(RecoveryAction::Retry { times, after_secs }) => {
                    arm.retry = Some(RetryArmView {
                        times: *times,
                        after_secs: *after_secs,
                        target: target_view(model, id, issued),
                        inbox: model.context(command.context).name.clone(),
                    });
                }
                Some(RecoveryAction::Record(_)) => {
                    let method = record_method(&policy.name, &error.name);
                    let file = if policy.process.is_some() {
                        "src/rules/processes.rs"
                    } else {
                        "src/rules/policies.rs"
                    };
                    let Some(view) = record_views(model, id, *p, file)
                        .into_iter()
                        .find(|v| v.method == method)
                    else {
                        continue;
                    };
                    let event = model.event(match recovery.map(|r| &r.action) {
                        Some(RecoveryAction::Record(e)) => *e,
                        _ => continue,
                    });
                    let cause = crate::ir::sources::cause_event(model, *p).map(|c| {
                        let source = super::policy::source_view(model, id, &[c], c);
                        super::timer::TestEventView {
                            json: "r#\"{}\"#".to_owned(),
                            event_type: string_literal(&source.event_type),
                            version: model.event(c).version,
                            stream: string_literal(&format!("{}-test-1", source.category)),
                            rust: source.rust,
                        }
                    });
                    tests.push(RecordTestView {
                        function: format!("{method}_appends_its_event_once"),
                        pending: view.pending.as_ref().map(|_| {
                            string_literal(&format!("pending: write `{method}` in {file}"))
                        }),
                        policy: string_literal(&policy.name),
                        command: string_literal(&command.name),
                        error: string_literal(&error.name),
                        context: string_literal(&model.context(command.context).name),
                        rejected: view.rejected.clone(),
                        cause,
                        category: string_literal(&format!(
                            "{}-{}",
                            ctx.name,
                            model.aggregate(event.aggregate).name
                        )),
                        event_type: string_literal(&event.name),
                    });
                    arm.record = Some(RecordArmView {
                        process: policy.process.is_some(),
                        pending: view.pending.is_some() && policy.process.is_none(),
                        method,
                        rejected: view.rejected,
                        cause: view.cause,
                        name: view.name,
                        aggregate: view.aggregate,
                        id: view.id,
                    });
                }
                Some(RecoveryAction::Park) => {
                    parked.push(format!(
                        "`{}`: `{}` refused with `{}` (park)",
                        policy.name, command.name, error.name
                    ));
                    continue;
                }
                None => {
                    parked.push(format!(
                        "`{}`: `{}` refused with `{}` (`on_error:` says nothing)",
                        policy.name, command.name, error.name
                    ));
                    continue;
                }
            }
            arms.push(arm);
        }
    }
    if arms.is_empty() {
        return None;
    }
    let retry = |delayed: bool| {
        arms.iter().any(|a| {
            a.retry
                .as_ref()
                .is_some_and(|r| r.after_secs.is_some() == delayed)
        })
    };
    let compensates = |local: bool| {
        arms.iter().any(|a| {
            a.compensate
                .as_ref()
                .is_some_and(|c| c.target.aggregate.is_some() == local)
        })
    };
    let retries = |local: bool| {
        arms.iter().any(|a| {
            a.retry
                .as_ref()
                .is_some_and(|r| r.after_secs.is_none() && r.target.aggregate.is_some() == local)
        })
    };
    let mut names = vec!["aggregate"];
    if retry(true) || retries(false) || compensates(false) {
        names.push("inbox");
    }
    if compensates(true) || retries(true) {
        names.push("policy");
    }
    let of_process = |process: bool| {
        arms.iter().any(|a| {
            a.compensate.as_ref().is_some_and(|c| c.process == process)
                || a.record.as_ref().is_some_and(|r| r.process == process)
        })
    };
    if of_process(true) {
        names.push("process");
    }
    names.extend(["rejections", "worker", "ProjectionTx", "Store"]);
    let mut rules_imports = Vec::new();
    if of_process(false) {
        rules_imports.push("use crate::policies::PolicyRules;".to_owned());
    }
    if of_process(true) {
        rules_imports.push("use crate::processes::ProcessRules;".to_owned());
    }
    Some(RecoveryView {
        runtime_import: format!("use stormcraft_runtime::{{{}}};", names.join(", ")),
        consumer: format!("{}.recovery", ctx.name),
        category: format!("{}-Rejection", ctx.name),
        has_delayed_retry: retry(true),
        has_compensate: arms
            .iter()
            .any(|a| a.compensate.is_some() || a.record.is_some()),
        has_cause: arms
            .iter()
            .any(|a| a.record.as_ref().is_some_and(|r| r.cause.is_some())),
        rules_imports,
        arms,
        parked,
        tests,
    })
}
