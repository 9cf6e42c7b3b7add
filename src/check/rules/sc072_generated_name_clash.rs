//! SC072 generated-name-clash: a name the generator already uses for its own item.
//!
//! Raised where names are declared (`src/check/resolve/scope.rs`) for items and
//! modules, where processes are lowered (`src/check/resolve/processes.rs`) for the
//! names of their reactions and deadlines, and over the resolved model by `check` below, run by `check_model`
//! (`src/check/rules/mod.rs`), for the methods of an aggregate's `Rules` trait and its
//! commands' typed outcomes (`<Command>Outcome` and its variants); its findings are
//! built here.

use super::prelude::*;

/// Module names of a context crate (the files under `src/`): an aggregate's module
/// is its snake_case name and must not be one of them.
pub const GENERATED_MODULES: &[&str] = &[
    "adapters",
    "externals",
    // `src/inbox.rs`: the commands other contexts send to this one.
    "inbox",
    "lib",
    "main",
    "policies",
    // `src/processes.rs`: the state and wiring of the context's processes.
    "processes",
    "projections",
    // `src/recovery.rs`: the `on_error:` of the context's policies.
    "recovery",
    "rules",
    // `src/rules/schedules.rs` sits beside the aggregates' rule files.
    "schedules",
    "service",
    // `src/timers.rs`: deadlines and schedules.
    "timers",
    "types",
    // `src/rules/upcasters.rs` sits beside the aggregates' rule files.
    "upcasters",
    "upstream",
    // `src/versions.rs`: the older shapes of versioned events and their upcasters.
    "versions",
];

/// Stream categories the runtime writes in every context (`<context>-<Name>-<id>`): an
/// aggregate of one of these names would share its streams with the runtime's
/// rejections, command inbox, deadlines or schedule ticks.
pub const RUNTIME_CATEGORIES: &[&str] = &["Deadline", "Inbox", "Rejection", "Schedule"];

/// The method of an aggregate's `Rules` trait that lists the written rules.
pub const WRITTEN_METHOD: &str = "written";

/// Items every aggregate module defines or imports, beside one struct per command
/// and event: a command or event of the same name would clash with them.
pub const AGGREGATE_ITEMS: &[&str] = &[
    "Command",
    "Deserialize",
    "Error",
    "Event",
    "RecordedEvent",
    "Rules",
    "Serialize",
    "State",
];

/// Items the types module (and the copies of other contexts' types) imports.
pub const TYPE_ITEMS: &[&str] = &["Deserialize", "Serialize"];

/// Items of the projections module, beside one struct per read model.
pub const READ_MODEL_ITEMS: &[&str] = &[
    "Deserialize",
    "ProjectionRules",
    "ProjectionTx",
    "Row",
    "Serialize",
    "Store",
];

/// Items of the policies module, which imports every external system's trait, and of
/// the externals module beside the traits.
pub const EXTERNAL_ITEMS: &[&str] = &[
    // `src/externals.rs` re-exports the runtime's key of each call.
    "IdempotencyKey",
    "PolicyRules",
    "ProjectionTx",
    "RecordedEvent",
    "Store",
    "Views",
];

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC072",
    slug: "generated-name-clash",
    severity: Severity::Error,
    summary: "an element has the name of an item or module the generator writes beside it",
    explanation: Explanation {
    text: r#"An element is named like an item the generator writes next to it. Each aggregate becomes a module holding one struct per command and event beside the generated `Command`, `Event`, `State`, `Error` and `Rules` (and a few imports such as `Store` and `Serialize`) and one typed outcome per command, `<Command>Outcome`, whose variants are its outcomes' PascalCase names beside `Nothing` (so no two outcomes of a command may share one, nor be `nothing` or `self`); read models sit beside `Row` and `ProjectionRules`; external systems beside `PolicyRules`, `Views` and `IdempotencyKey`; an aggregate's module sits beside the modules `types`, `service`, `rules`, `policies`, `projections`, `upstream`, `externals`, `adapters`, `inbox`, `recovery`, `processes`, `timers` and `versions` (and its rules file beside `rules/schedules.rs`), and its streams (like a process's) beside the runtime's categories `Rejection`, `Inbox`, `Deadline` and `Schedule` of its context. Two items of one name in one module do not compile.

Rename the element with a word from the business: `OrderState` rather than `State`, `OrderError` rather than `Error`."#,
    bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          Command:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
    fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
    },
};

/// The generated items an element of `kind` (as the resolver names kinds) sits beside.
pub fn clashes(kind: &str) -> &'static [&'static str] {
    match kind {
        "command" | "event" => AGGREGATE_ITEMS,
        "type" => TYPE_ITEMS,
        "read model" => READ_MODEL_ITEMS,
        "external system" => EXTERNAL_ITEMS,
        _ => &[],
    }
}

/// The finding for an element named like a generated item of its module.
pub fn item(kind: &str, name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::GeneratedNameClash,
        span,
        format!("{kind} `{name}` has the name of an item the generated code defines beside it"),
    )
    .label(format!("clashes with the generated `{name}`"))
    .help(format!(
        "give it a more specific name from the business; beside a {kind} the generator reserves {}",
        clashes(kind)
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The finding for an aggregate or a process (`kind`) named like a stream category of
/// the runtime.
pub fn category(kind: &str, name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::GeneratedNameClash,
        span,
        format!(
            "{kind} `{name}` would write the streams `<context>-{name}-<id>`, which the runtime uses itself"
        ),
    )
    .label(format!("clashes with the runtime's `<context>-{name}` streams"))
    .help(format!(
        "rename the {kind}, e.g. `{name}Record`; the runtime keeps each context's rejections, command inbox, deadlines and schedule ticks in the stream categories {}",
        RUNTIME_CATEGORIES
            .iter()
            .map(|n| format!("`<context>-{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The finding for a process's reaction or deadline whose generated name (`generated`,
/// e.g. `StayPaymentOnHoldPlaced`) is taken by another element of its context (`other`,
/// "policy `StayPaymentOnHoldPlaced`"); `span` is the reaction's event or the deadline.
pub fn process_item(process: &str, generated: &str, other: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::GeneratedNameClash,
        span,
        format!(
            "process `{process}` generates the rule `{generated}` here, the name of {other}"
        ),
    )
    .label(format!("generated as `{generated}`"))
    .help(format!(
        "rename the process, the deadline, or {other}: the generator names a process's reactions `<Process>On<Event>` and its deadlines `<Process><Deadline>`"
    ))
}

/// The finding for an aggregate whose module is one of the generated modules.
pub fn module(name: &str, module: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::GeneratedNameClash,
        span,
        format!(
            "aggregate `{name}` would be the module `{module}`, which the generator writes itself"
        ),
    )
    .label(format!("clashes with the generated module `{module}`"))
    .help(format!("rename the aggregate, e.g. `{name}Record`"))
}

/// The methods of one aggregate's `Rules` trait: one per command (its snake_case name),
/// one per event (`apply_` and its snake_case name) and `written`. A command `ApplyX`
/// beside an event `X`, or a command `Written`, would define one method twice: each
/// later holder of a method name is a finding.
pub fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    use crate::check::names::to_snake_case;
    process_method_clashes(model, out);
    outcome_clashes(model, out);
    for aggregate in &model.aggregates {
        let mut taken: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
        taken.insert(WRITTEN_METHOD.to_owned(), "the generator's (the list of written rules)".to_owned());
        let commands = aggregate.commands.iter().map(|&id| {
            let command = &model.commands[id.0 as usize];
            (
                to_snake_case(&command.name),
                format!("command `{}`", command.name),
                command.span,
                NodeRef::Command(id),
            )
        });
        let events = aggregate.events.iter().map(|&id| {
            let event = &model.events[id.0 as usize];
            (
                format!("apply_{}", to_snake_case(&event.name)),
                format!("event `{}`", event.name),
                event.span,
                NodeRef::Event(id),
            )
        });
        for (method, holder, span, subject) in commands.chain(events) {
            match taken.get(&method) {
                Some(first) => out.push(method_clash(&aggregate.name, &holder, &method, first, span).about(subject)),
                None => {
                    taken.insert(method, format!("{holder}'s"));
                }
            }
        }
    }
}

/// The typed outcomes of an aggregate's commands (`<Command>Outcome`, in the aggregate's
/// module): an enum named like a command, an event or the aggregate itself there would
/// be defined twice, and within one enum two outcomes may not become one variant (`a_1`
/// and `a1` are both `A1`), nor the generator's `Nothing`, nor the keyword `Self`.
fn outcome_clashes(model: &Model, out: &mut Vec<Diagnostic>) {
    use crate::check::names::{outcome_enum, outcome_variant, NOTHING_VARIANT};
    for aggregate in &model.aggregates {
        // Every name the aggregate's module defines, with what defines it.
        let mut items: Vec<(String, String, Span, NodeRef)> = Vec::new();
        for &id in &aggregate.commands {
            let command = &model.commands[id.0 as usize];
            items.push((command.name.clone(), format!("command `{}`", command.name), command.span, NodeRef::Command(id)));
        }
        for &id in &aggregate.events {
            let event = &model.events[id.0 as usize];
            items.push((event.name.clone(), format!("event `{}`", event.name), event.span, NodeRef::Event(id)));
        }
        for &id in &aggregate.commands {
            let command = &model.commands[id.0 as usize];
            let typed = outcome_enum(&command.name);
            if let Some((_, holder, span, subject)) = items.iter().find(|(name, ..)| *name == typed) {
                out.push(
                    Diagnostic::new(
                        Code::GeneratedNameClash,
                        *span,
                        format!("{holder} has the name of the typed outcome of command `{}`", command.name),
                    )
                    .label(format!("clashes with the generated enum `{typed}`"))
                    .help(format!(
                        "rename it (or the command): the rule of each command returns `<Command>Outcome`, here `{typed}`, defined beside the commands and events of `{}`",
                        aggregate.name
                    ))
                    .about(*subject),
                );
            } else if typed == aggregate.name {
                out.push(
                    Diagnostic::new(
                        Code::GeneratedNameClash,
                        command.span,
                        format!("the typed outcome of command `{}` would be `{typed}`, the name of its aggregate", command.name),
                    )
                    .label(format!("generates the enum `{typed}`"))
                    .help("rename the command or the aggregate: the rule of each command returns `<Command>Outcome`, defined in the aggregate's module beside its unit struct")
                    .about(NodeRef::Command(id)),
                );
            }
            let mut variants: Vec<(String, &str)> = Vec::new();
            for outcome in &command.outcomes {
                let variant = outcome_variant(&outcome.name);
                let taken = if variant == NOTHING_VARIANT {
                    Some("which the generator keeps for a rule that decides nothing".to_owned())
                } else if variant == "Self" {
                    Some("which is a Rust keyword".to_owned())
                } else {
                    variants
                        .iter()
                        .find(|(v, _)| *v == variant)
                        .map(|(_, first)| format!("as outcome `{first}` is"))
                };
                match taken {
                    Some(first) => out.push(
                        Diagnostic::new(
                            Code::GeneratedNameClash,
                            outcome.span,
                            format!(
                                "outcome `{}` of command `{}` would be the variant `{variant}` of `{typed}`, {first}",
                                outcome.name, command.name
                            ),
                        )
                        .label(format!("`{variant}` is taken"))
                        .help("rename the outcome: each becomes the variant of its PascalCase name, beside the generator's `Nothing`")
                        .about(NodeRef::Command(id)),
                    ),
                    None => variants.push((variant, &outcome.name)),
                }
            }
        }
    }
}

/// The methods of one context's `ProcessRules` (the generated `src/processes.rs`), each
/// with what it is for and where: per process, an `evolve_<process>_on_<event>` per
/// handled event (with the event's context when two handled events share a name), the
/// reaction and deadline rules (their lowered policies' snake_case names) and
/// `compensate_<rule>_on_<error>` per compensation. The names follow
/// `src/render/service/view/process.rs`.
fn process_rule_methods(
    model: &Model,
    context: crate::ir::ContextId,
) -> Vec<(String, String, Span, NodeRef)> {
    use crate::check::names::to_snake_case;
    let mut methods = Vec::new();
    for (index, process) in model.processes.iter().enumerate() {
        if process.context != context {
            continue;
        }
        let subject = NodeRef::Process(crate::ir::ProcessId(index as u32));
        let function = to_snake_case(&process.name);
        for handler in &process.handlers {
            let event = model.event(handler.event);
            let same_name = process
                .handlers
                .iter()
                .filter(|h| model.event(h.event).name == event.name)
                .count();
            let method = if same_name > 1 {
                format!(
                    "evolve_{function}_on_{}_{}",
                    model.context(event.context).name,
                    to_snake_case(&event.name)
                )
            } else {
                format!("evolve_{function}_on_{}", to_snake_case(&event.name))
            };
            let what = format!("process `{}`'s rule for how `{}` changes its state", process.name, event.name);
            methods.push((method, what, handler.span, subject));
        }
        let rules = process
            .handlers
            .iter()
            .filter_map(|h| h.policy.map(|p| (p, h.span)))
            .chain(process.deadlines.iter().map(|d| (d.policy, d.span)));
        for (p, span) in rules {
            let policy = model.policy(p);
            let rule = to_snake_case(&policy.name);
            let what = format!("process `{}`'s rule `{}`", process.name, policy.name);
            methods.push((rule.clone(), what, span, subject));
            for recovery in &policy.recovery {
                let (prefix, kind) = match recovery.action {
                    crate::ir::RecoveryAction::Issue(_) => ("compensate", "compensation"),
                    crate::ir::RecoveryAction::Record(_) => ("record", "recording"),
                    _ => continue,
                };
                let Some(command) = policy.issues else { continue };
                let error = &model.command(command).errors[recovery.error].name;
                let what = format!(
                    "process `{}`'s {kind} of `{error}` in `{}`",
                    process.name, policy.name
                );
                methods.push((
                    format!("{prefix}_{rule}_on_{}", to_snake_case(error)),
                    what,
                    recovery.span,
                    subject,
                ));
            }
        }
    }
    methods
}

/// Two processes of one context whose `ProcessRules` methods would have one name, e.g.
/// process `EvolveStay`'s reaction on `Paid` and process `Stay`'s state rule on it.
fn process_method_clashes(model: &Model, out: &mut Vec<Diagnostic>) {
    for index in 0..model.contexts.len() {
        let context = crate::ir::ContextId(index as u32);
        let mut taken: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
        for (method, what, span, subject) in process_rule_methods(model, context) {
            match taken.get(&method) {
                Some(first) => out.push(
                    Diagnostic::new(
                        Code::GeneratedNameClash,
                        span,
                        format!("{what} would be the method `{method}` of `ProcessRules`, which is already {first}"),
                    )
                    .label(format!("`{method}` is taken"))
                    .help("rename one of the processes (or the deadline): the rules of a context's processes share one trait")
                    .about(subject),
                ),
                None => {
                    taken.insert(method, what);
                }
            }
        }
    }
}

/// The finding for an element whose rule method another element (or the generator)
/// already has.
pub fn method_clash(aggregate: &str, holder: &str, method: &str, first: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::GeneratedNameClash,
        span,
        format!(
            "{holder} would be the rule method `{method}` of `{aggregate}`, which is already {first}"
        ),
    )
    .label(format!("`{method}` is taken"))
    .help("rename one of them: commands become methods by their snake_case name, events by `apply_` and theirs")
}
