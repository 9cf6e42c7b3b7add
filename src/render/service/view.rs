//! View models: everything a template prints, computed from the checked model.
//!
//! Templates receive these serde structs and only lay them out. Every identifier, Rust
//! type, JSON key, default field mapping and flag that decides whether an item exists
//! (so that no model produces dead code or an unused import) is decided here.

use std::collections::BTreeSet;

use serde::Serialize;

use super::names::{ident, kebab, pascal, raw_string_literal, snake, string_literal, words};
use super::rust_types::{collect_named, collect_primitives, convert, has_float, rust_type, Scope};
use super::GenerateError;
use crate::ir::{
    AggregateId, CommandId, ContextId, EventId, Field, Model, NamedTypeKind, Outcome, Primitive,
    TypeId, TypeRef,
};
use crate::model::ast::Persistence;

/// A field of a struct.
#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    /// The Rust identifier (`r#type` for a keyword).
    pub ident: String,
    /// The Rust type.
    pub ty: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
}

/// One variant of an enum.
#[derive(Debug, Clone, Serialize)]
pub struct VariantView {
    /// The Rust identifier.
    pub ident: String,
    /// The JSON spelling, when it differs from the identifier.
    pub rename: Option<String>,
}

/// A value type: a record or an enum.
#[derive(Debug, Clone, Serialize)]
pub struct TypeView {
    /// PascalCase name.
    pub name: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// `true` for an enum.
    pub is_enum: bool,
    /// Record fields.
    pub fields: Vec<FieldView>,
    /// Enum variants (the first is the default).
    pub variants: Vec<VariantView>,
    /// The derive list.
    pub derives: String,
}

/// `target = expression` in a default rule.
#[derive(Debug, Clone, Serialize)]
pub struct AssignView {
    /// The field identifier.
    pub field: String,
    /// The Rust expression.
    pub expr: String,
}

/// A message struct (command or event) of an aggregate.
#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    /// PascalCase name (also the JSON `type`).
    pub name: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// The fields, aggregate id first.
    pub fields: Vec<FieldView>,
    /// The derive list.
    pub derives: String,
    /// Events only: the schema version.
    pub version: u32,
    /// Commands: the expression of the aggregate id as a string, over `self`.
    pub id_string: String,
    /// The default rule: `Rules` method (decide a command, apply an event).
    pub rule: String,
    /// The arm of `decide` (commands) or `evolve` (events).
    pub arm: String,
    /// Events: the arm of `Event::from_recorded`.
    pub decode_arm: String,
    /// The variant of the `Command` or `Event` enum.
    pub variant: String,
    /// Arms of the enum's methods: commands `name` and `aggregate_id`;
    /// events `type_name`, `schema_version` and `to_payload`.
    pub arms: MessageArms,
}

/// The arms of the `Command` or `Event` enum's methods for one message.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MessageArms {
    /// `Command::name`.
    pub name: String,
    /// `Command::aggregate_id`.
    pub aggregate_id: String,
    /// `Event::type_name`.
    pub type_name: String,
    /// `Event::schema_version`.
    pub schema_version: String,
    /// `Event::to_payload`.
    pub to_payload: String,
}

/// A business error of an aggregate.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorView {
    /// PascalCase variant name.
    pub name: String,
    /// The arm of `Error::name`.
    pub name_arm: String,
    /// The `Display` arm.
    pub arm: String,
}

/// An aggregate: one module of the context crate.
#[derive(Debug, Clone, Serialize)]
pub struct AggregateView {
    /// PascalCase name.
    pub name: String,
    /// The module (snake_case).
    pub module: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// The stream category, `<context>-<Aggregate>`.
    pub category: String,
    /// State-stored (with an outbox) rather than event-sourced.
    pub state_stored: bool,
    /// The state document table of a state-stored aggregate.
    pub table: String,
    /// State fields.
    pub state: Vec<FieldView>,
    /// The derive list of the state.
    pub state_derives: String,
    /// Commands.
    pub commands: Vec<MessageView>,
    /// Events.
    pub events: Vec<MessageView>,
    /// Business errors of all its commands, deduplicated by name.
    pub errors: Vec<ErrorView>,
    /// The user's rules struct, `<Aggregate>Rules`.
    pub rules: String,
    /// Where the user writes the rules.
    pub rules_file: String,
    /// The `let rules = ...;` line of `decide` and `evolve`.
    pub rules_path: String,
    /// The `CATEGORY` constant.
    pub category_const: String,
    /// The `TABLE` constant (state-stored).
    pub table_const: String,
    /// A rule override for the docs of the rules file: lines of the first command's
    /// method (empty without commands).
    pub example: Vec<String>,
}

/// Copies of another context's published events.
#[derive(Debug, Clone, Serialize)]
pub struct UpstreamView {
    /// The publishing context (module name).
    pub module: String,
    /// Value types the events use, transitively.
    pub types: Vec<TypeView>,
    /// The events.
    pub events: Vec<MessageView>,
}

/// The event a handler of a consumer reacts to.
#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    /// The event type name.
    pub event_type: String,
    /// The stream prefix of its category, `<context>-<Aggregate>-`.
    pub stream_prefix: String,
    /// The Rust path of its struct.
    pub rust: String,
}

/// The command a policy issues for one source event.
#[derive(Debug, Clone, Serialize)]
pub struct IssueView {
    /// The trait method of `PolicyRules`.
    pub method: String,
    /// The default method.
    pub rule: String,
    /// The `if let Some(command) = rules.…(…) {` line of the handler.
    pub call: String,
}

/// The handler's `if let` over a policy rule's command.
fn issue_call(method: &str, views: bool) -> String {
    let args = if views {
        "&event, recorded, &views"
    } else {
        "&event, recorded"
    };
    format!("if let Some(command) = rules.{method}({args}) {{")
}

/// One (policy, source event) pair.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyHandlerView {
    /// The source event.
    pub source: SourceView,
    /// The `if` line that matches the source event.
    pub condition: String,
    /// The `let event = ...` line.
    pub decode: String,
    /// The command issued, if any.
    pub issue: Option<IssueView>,
    /// The external system's trait method called, if any.
    pub call: Option<String>,
}

/// A policy: one worker.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyView {
    /// PascalCase name.
    pub name: String,
    /// The worker's handler signature.
    pub signature: String,
    /// Worker function name.
    pub function: String,
    /// Consumer name, `<context>.<Policy>`.
    pub consumer: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// The external system called (its view), if any.
    pub external: Option<ExternalRefView>,
    /// Whether it issues a command (and so uses the store).
    pub issues: bool,
    /// One handler per source event.
    pub handlers: Vec<PolicyHandlerView>,
}

/// How a policy reaches an external system.
#[derive(Debug, Clone, Serialize)]
pub struct ExternalRefView {
    /// The trait.
    pub trait_name: String,
    /// The adapter constructor in `adapters.rs`.
    pub constructor: String,
}

/// One method of an external system's trait.
#[derive(Debug, Clone, Serialize)]
pub struct ExternalMethodView {
    /// Method name.
    pub name: String,
    /// The trait method's signature (ends with `;`).
    pub declaration: String,
    /// The adapter's method signature (ends with `{`).
    pub signature: String,
    /// The adapter's `let call = "...";` line naming the call in its log.
    pub log: String,
    /// The event's Rust path.
    pub event: String,
    /// Policy name (for docs).
    pub policy: String,
    /// Event type name (for logs).
    pub event_type: String,
}

/// An external system this context calls.
#[derive(Debug, Clone, Serialize)]
pub struct ExternalView {
    /// The trait (PascalCase name of the external).
    pub trait_name: String,
    /// The adapter constructor.
    pub constructor: String,
    /// The logging adapter struct.
    pub adapter: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// Methods.
    pub methods: Vec<ExternalMethodView>,
}

/// One source event of a read model.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectionHandlerView {
    /// The source event.
    pub source: SourceView,
    /// The `ProjectionRules` method.
    pub method: String,
    /// The default method.
    pub rule: String,
    /// The `if` line that matches the source event.
    pub condition: String,
    /// The `let event = ...` line.
    pub decode: String,
    /// The `let key = ...` line.
    pub key: String,
    /// The call of the rule.
    pub apply: String,
}

/// A read model: row struct, worker, endpoints.
#[derive(Debug, Clone, Serialize)]
pub struct ReadModelView {
    /// PascalCase name.
    pub name: String,
    /// The `TABLE` constant of its `Row` impl.
    pub table_const: String,
    /// The projection handler's signature.
    pub signature: String,
    /// Worker function.
    pub function: String,
    /// Consumer name and document table, `<context>.<ReadModel>`.
    pub table: String,
    /// URL path segment.
    pub path: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// Row fields, the key first.
    pub fields: Vec<FieldView>,
    /// The derive list.
    pub derives: String,
    /// Key field name.
    pub key: String,
    /// Handlers.
    pub handlers: Vec<ProjectionHandlerView>,
}

/// A generated scenario test.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioView {
    /// The test function.
    pub function: String,
    /// The body's lines.
    pub body: Vec<String>,
}

/// The test helpers of an aggregate that has scenarios.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioAggregateView {
    /// The aggregate module.
    pub module: String,
    /// PascalCase name.
    pub name: String,
    /// Whether some scenario has given events (so `<module>_event` is used).
    pub has_given: bool,
    /// Arms building an event from (name, JSON).
    pub event_arms: Vec<String>,
    /// Arms building a command from (name, JSON).
    pub command_arms: Vec<String>,
    /// Arms building an expected event from (name, JSON); empty when no
    /// scenario of the aggregate expects events.
    pub expected_arms: Vec<String>,
    /// The signature of `<module>_outcome`.
    pub outcome_signature: String,
    /// The signatures of `<module>_event`, `<module>_command` and `<module>_expected`.
    pub event_signature: String,
    /// See `event_signature`.
    pub command_signature: String,
    /// See `event_signature`.
    pub expected_signature: String,
}

/// A dependency line of a crate's Cargo.toml.
#[derive(Debug, Clone, Serialize)]
pub struct DepView {
    /// Crate name.
    pub name: String,
    /// What follows `name = ` in `[workspace.dependencies]`.
    pub spec: String,
    /// Why the generated code needs it (a TOML comment).
    pub why: String,
}

/// Everything the templates of one context crate print.
#[derive(Debug, Clone, Serialize)]
pub struct ContextView {
    /// The crate and context name.
    pub name: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// Value types.
    pub types: Vec<TypeView>,
    /// Aggregates.
    pub aggregates: Vec<AggregateView>,
    /// Copies of consumed published events, per publisher.
    pub upstream: Vec<UpstreamView>,
    /// Policies.
    pub policies: Vec<PolicyView>,
    /// External systems called.
    pub externals: Vec<ExternalView>,
    /// Read models.
    pub read_models: Vec<ReadModelView>,
    /// Scenarios.
    pub scenarios: Vec<ScenarioView>,
    /// The aggregate modules, sorted (the imports of the scenario tests).
    pub test_imports: Vec<String>,
    /// The aggregates that have scenarios, with their test helpers.
    pub scenario_aggregates: Vec<ScenarioAggregateView>,
    /// `pub mod` lines of lib.rs, sorted as rustfmt sorts them.
    pub modules: Vec<String>,
    /// Modules of `src/rules/mod.rs`, sorted.
    pub rule_modules: Vec<String>,
    /// Workspace dependencies the crate uses, sorted.
    pub deps: Vec<String>,
    /// The `use` lines of `service.rs`: exactly what its handlers need, in rustfmt order.
    pub service_imports: Vec<String>,
    /// The `.route(...)` lines of the router.
    pub routes: Vec<String>,
    /// The methods of `PolicyRules` with their docs.
    pub policy_rules: Vec<String>,
    /// The methods of `ProjectionRules` with their docs.
    pub projection_rules: Vec<String>,
    /// The `WORKERS` table of `policies.rs`.
    pub policy_workers: String,
    /// The `WORKERS` table of `projections.rs`.
    pub projection_workers: String,
    /// Any aggregate has commands (the service has command endpoints).
    pub has_commands: bool,
    /// Any policy issues a command (`PolicyRules` exists).
    pub has_policy_rules: bool,
    /// Policies or projections exist (background workers).
    pub has_workers: bool,
    /// Some scenario expects events.
    pub has_event_scenarios: bool,
    /// Some scenario expects an error.
    pub has_error_scenarios: bool,
}

/// The workspace: root files and the app.
#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceView {
    /// The system's name.
    pub system: String,
    /// Doc lines of the system description.
    pub docs: Vec<String>,
    /// Context crates, in model order.
    pub contexts: Vec<ContextView>,
    /// Workspace members, sorted.
    pub members: Vec<String>,
    /// `[workspace.dependencies]`, sorted by name.
    pub deps: Vec<DepView>,
    /// Dependencies of the app crate (external ones), sorted.
    pub app_deps: Vec<String>,
    /// The README's example request: the app path of the first command, if any.
    pub example_command: Option<String>,
    /// Per context, the app's `let spawned = ...;` line.
    pub app_spawns: Vec<String>,
    /// Per context, the app's `.nest(...)` line (the last with `;`).
    pub app_nests: Vec<String>,
}

const DERIVE_DATA: &str = "Debug, Clone, PartialEq, Default, Serialize, Deserialize";
const DERIVE_DATA_EQ: &str = "Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize";

/// Builds the view of the whole workspace.
pub fn workspace(model: &Model) -> Result<WorkspaceView, GenerateError> {
    let mut contexts = Vec::new();
    let mut primitives = BTreeSet::new();
    for (i, _) in model.contexts.iter().enumerate() {
        let id = ContextId(i as u32);
        let (view, used) = context(model, id)?;
        primitives.extend(used);
        contexts.push(view);
    }
    let mut members: Vec<String> = contexts.iter().map(|c| c.name.clone()).collect();
    members.push("app".into());
    members.push("runtime".into());
    members.sort();
    let mut deps = vec![
        dep(
            "axum",
            r#"{ version = "0.8", default-features = false, features = ["http1", "json", "tokio"] }"#,
            "HTTP: each context's router and the servers (HTTP/1 only; JSON bodies).",
        ),
        dep(
            "serde",
            r#"{ version = "1", features = ["derive"] }"#,
            "Commands, events, states and rows are serde types.",
        ),
        dep(
            "serde_json",
            r#""1""#,
            "Event payloads, documents and HTTP bodies are JSON.",
        ),
        dep(
            "stormcraft-runtime",
            r#"{ path = "runtime" }"#,
            "The event store: streams, subscriptions, documents.",
        ),
        dep(
            "tokio",
            r#"{ version = "1", features = ["rt-multi-thread", "macros", "net", "signal"] }"#,
            "The async runtime of the servers; store calls run in `spawn_blocking`.",
        ),
        dep(
            "uuid",
            r#"{ version = "1", features = ["serde", "v5"] }"#,
            "Ids; v5 derives a command's id from the event that caused it.",
        ),
    ];
    if primitives.contains(&Primitive::Decimal) {
        deps.push(dep(
            "rust_decimal",
            r#"{ version = "1", default-features = false, features = ["std", "serde"] }"#,
            "Exact decimals for money: JSON numbers or strings in, strings out.",
        ));
    }
    if primitives.contains(&Primitive::Timestamp) || primitives.contains(&Primitive::Date) {
        deps.push(dep(
            "chrono",
            r#"{ version = "0.4", default-features = false, features = ["clock", "serde", "std"] }"#,
            "Timestamps and dates, RFC 3339 in JSON.",
        ));
    }
    deps.sort_by(|a, b| a.name.cmp(&b.name));
    let app_spawns = contexts
        .iter()
        .map(|c| {
            code::assign_call(
                "let spawned",
                &format!("{}::spawn_workers", c.name),
                &["&store".to_owned(), "&stop".to_owned()],
            )
        })
        .collect();
    let app_nests = contexts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            code::list(
                ".nest",
                "(",
                &[
                    string_literal(&format!("/{}", c.name)),
                    format!("{}::router(store.clone())", c.name),
                ],
                ")",
                if i + 1 == contexts.len() { ";" } else { "" },
            )
        })
        .collect();
    let example_command = contexts.iter().find_map(|c| {
        let command = c.aggregates.iter().find_map(|a| a.commands.first())?;
        Some(format!("{}/commands/{}", c.name, command.name))
    });
    Ok(WorkspaceView {
        example_command,
        app_spawns,
        app_nests,
        system: model.system.clone(),
        docs: docs(&model.description),
        contexts,
        members,
        deps,
        app_deps: ["axum", "serde_json", "stormcraft-runtime", "tokio"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    })
}

fn dep(name: &str, spec: &str, why: &str) -> DepView {
    DepView {
        name: name.into(),
        spec: spec.into(),
        why: why.into(),
    }
}

fn docs(text: &Option<String>) -> Vec<String> {
    text.as_deref()
        .map(|t| t.lines().map(|l| l.trim_end().to_owned()).collect())
        .unwrap_or_default()
}

/// Names that a context crate cannot have: the other members and the dependencies.
const RESERVED_CRATES: &[&str] = &[
    "app",
    "runtime",
    "axum",
    "serde",
    "serde_json",
    "tokio",
    "uuid",
    "chrono",
    "rust_decimal",
    "stormcraft_runtime",
    "std",
    "core",
    "alloc",
    "test",
    "proc_macro",
];

fn context(
    model: &Model,
    id: ContextId,
) -> Result<(ContextView, BTreeSet<Primitive>), GenerateError> {
    let ctx = model.context(id);
    if RESERVED_CRATES.contains(&ctx.name.as_str()) || super::names::is_keyword(&ctx.name) {
        return Err(GenerateError::Unsupported(format!(
            "context `{}` cannot be a crate of the generated workspace: the name is taken by Rust or by a dependency; rename the context",
            ctx.name
        )));
    }
    let mut used = BTreeSet::new();
    let mut note = |ty: &TypeRef| collect_primitives(model, ty, &mut used, &mut Vec::new());

    let types: Vec<TypeView> = ctx
        .types
        .iter()
        .map(|t| type_view(model, *t, Scope::Own))
        .collect();
    for t in &ctx.types {
        if let NamedTypeKind::Record(fields) = &model.named_type(*t).kind {
            fields.iter().for_each(|f| note(&f.ty));
        }
    }

    let mut aggregates = Vec::new();
    for a in &ctx.aggregates {
        let agg = model.aggregate(*a);
        note(&agg.id.ty);
        agg.state.iter().for_each(|f| note(&f.ty));
        for c in &agg.commands {
            model.command(*c).fields.iter().for_each(|f| note(&f.ty));
        }
        for e in &agg.events {
            model.event(*e).fields.iter().for_each(|f| note(&f.ty));
        }
        aggregates.push(aggregate_view(model, *a)?);
    }

    // Published events of other contexts this one consumes, grouped by publisher.
    let mut foreign: BTreeSet<EventId> = BTreeSet::new();
    for p in &ctx.policies {
        foreign.extend(
            model
                .policy(*p)
                .on
                .iter()
                .filter(|e| model.event(**e).context != id),
        );
    }
    for r in &ctx.read_models {
        foreign.extend(
            model
                .read_model(*r)
                .from
                .iter()
                .filter(|e| model.event(**e).context != id),
        );
    }
    let mut upstream = Vec::new();
    for (pi, publisher) in model.contexts.iter().enumerate() {
        let events: Vec<EventId> = foreign
            .iter()
            .copied()
            .filter(|e| model.event(*e).context == ContextId(pi as u32))
            .collect();
        if events.is_empty() {
            continue;
        }
        let mut named = Vec::new();
        for e in &events {
            for f in &model.event(*e).fields {
                collect_named(model, &f.ty, &mut named);
                note(&f.ty);
            }
        }
        // Model order, not first-use order, so a new event does not reorder the copies.
        named.sort();
        upstream.push(UpstreamView {
            module: publisher.name.clone(),
            types: named
                .iter()
                .map(|t| type_view(model, *t, Scope::Local))
                .collect(),
            events: events
                .iter()
                .map(|e| event_view(model, *e, Scope::Local, &[]))
                .collect(),
        });
    }

    // Policies.
    let mut policies = Vec::new();
    let mut externals: Vec<ExternalView> = Vec::new();
    for p in &ctx.policies {
        let policy = model.policy(*p);
        let policy_snake = snake(&policy.name);
        let external = policy.calls.map(|x| {
            let name = &model.externals[x.index()].name;
            ExternalRefView {
                trait_name: name.clone(),
                constructor: snake(name),
            }
        });
        let mut handlers = Vec::new();
        let event_names: Vec<&str> = policy
            .on
            .iter()
            .map(|e| model.event(*e).name.as_str())
            .collect();
        for e in &policy.on {
            let event = model.event(*e);
            let method = if policy.on.len() == 1 {
                policy_snake.clone()
            } else if event_names.iter().filter(|n| **n == event.name).count() > 1 {
                format!(
                    "{policy_snake}_on_{}_{}",
                    model.context(event.context).name,
                    snake(&event.name)
                )
            } else {
                format!("{policy_snake}_on_{}", snake(&event.name))
            };
            let source = source_view(model, id, *e);
            let issue = match policy.issues {
                Some(c) => {
                    let command = model.command(c);
                    if command.context != id {
                        return Err(GenerateError::Unsupported(format!(
                            "policy `{}.{}` issues `{}` of another context; a generated context cannot send commands to another one (that would make the crates depend on each other in a cycle); let `{}` react to a published event in its own context instead",
                            ctx.name,
                            policy.name,
                            model.qualified_command(c),
                            model.context(command.context).name
                        )));
                    }
                    Some(issue_view(model, id, *e, c, &method))
                }
                None => None,
            };
            let call = external.as_ref().map(|_| method.clone());
            if let Some(x) = &external {
                let entry = match externals.iter().position(|v| v.trait_name == x.trait_name) {
                    Some(i) => &mut externals[i],
                    None => {
                        let ext = &model.externals[policy.calls.map_or(0, |c| c.index())];
                        externals.push(ExternalView {
                            trait_name: x.trait_name.clone(),
                            constructor: x.constructor.clone(),
                            adapter: format!("Logging{}", x.trait_name),
                            docs: docs(&ext.description),
                            methods: Vec::new(),
                        });
                        externals.last_mut().expect("just pushed")
                    }
                };
                let params = ["&self".to_owned(), format!("event: &{}", source.rust)];
                entry.methods.push(ExternalMethodView {
                    declaration: code::signature(
                        &format!("fn {method}"),
                        &params,
                        " -> Result<(), String>;",
                    ),
                    signature: code::signature(
                        &format!("fn {method}"),
                        &params,
                        " -> Result<(), String> {",
                    ),
                    log: code::let_statement(
                        "call",
                        &string_literal(&format!(
                            "{}: {} on {}",
                            x.trait_name, policy.name, event.name
                        )),
                    ),
                    name: method.clone(),
                    event: source.rust.clone(),
                    policy: policy.name.clone(),
                    event_type: event.name.clone(),
                });
            }
            handlers.push(PolicyHandlerView {
                condition: condition(&source),
                decode: decode(&source),
                source,
                issue,
                call,
            });
        }
        let mut params = vec![
            format!(
                "{}store: &Store",
                if policy.issues.is_some() { "" } else { "_" }
            ),
            "recorded: &RecordedEvent".to_owned(),
        ];
        params.push("_: &mut dyn ProjectionTx".to_owned());
        policies.push(PolicyView {
            signature: code::signature(
                &format!("fn {policy_snake}"),
                &params,
                " -> stormcraft_runtime::Result<()> {",
            ),
            name: policy.name.clone(),
            function: policy_snake,
            consumer: format!("{}.{}", ctx.name, policy.name),
            docs: docs(&policy.description),
            external,
            issues: policy.issues.is_some(),
            handlers,
        });
    }
    externals.sort_by(|a, b| a.trait_name.cmp(&b.trait_name));

    // Read models.
    let mut read_models = Vec::new();
    for r in &ctx.read_models {
        let rm = model.read_model(*r);
        rm.fields.iter().for_each(|f| note(&f.ty));
        let rm_snake = snake(&rm.name);
        let mut handlers = Vec::new();
        for e in &rm.from {
            let event = model.event(*e);
            let key_field = event
                .fields
                .iter()
                .find(|f| f.name == rm.key)
                .ok_or_else(|| {
                    GenerateError::Unsupported(format!(
                        "read model `{}` is keyed by `{}`, which event `{}` lacks",
                        rm.name, rm.key, event.name
                    ))
                })?;
            let key = key_string(&key_field.ty, &format!("event.{}", ident(&key_field.name)))
                .ok_or_else(|| {
                    GenerateError::Unsupported(format!(
                        "read model `{}` is keyed by `{}` of type `{}`; a key must be a string, a uuid or an integer",
                        rm.name,
                        rm.key,
                        type_name(model, &key_field.ty)
                    ))
                })?;
            let assigns: Vec<AssignView> = rm
                .fields
                .iter()
                .filter_map(|target| {
                    let from = event.fields.iter().find(|f| f.name == target.name)?;
                    // A foreign event's named types are copies: they never convert to ours.
                    if event.context != id && mentions_named(&from.ty) {
                        return None;
                    }
                    let expr = convert(
                        model,
                        &from.ty,
                        &target.ty,
                        &format!("event.{}", ident(&from.name)),
                    )?;
                    Some(AssignView {
                        field: ident(&target.name),
                        expr,
                    })
                })
                .collect();
            let method = if event_names_collide(model, &rm.from, *e) {
                format!(
                    "{rm_snake}_on_{}_{}",
                    model.context(event.context).name,
                    snake(&event.name)
                )
            } else {
                format!("{rm_snake}_on_{}", snake(&event.name))
            };
            let source = source_view(model, id, *e);
            let unused = if assigns.is_empty() { "_" } else { "" };
            let rule = rule_method(
                &method,
                &[
                    format!("{unused}row: &mut {}", rm.name),
                    format!("{unused}event: &{}", source.rust),
                ],
                "",
                assigns
                    .iter()
                    .map(|a| format!("        row.{} = {};", a.field, a.expr))
                    .collect(),
            );
            handlers.push(ProjectionHandlerView {
                condition: condition(&source),
                decode: decode(&source),
                key: code::let_statement("key", &key),
                apply: code::list(
                    &format!("rules.{method}"),
                    "(",
                    &["&mut row".to_owned(), "&event".to_owned()],
                    ")",
                    ";",
                ),
                source,
                method,
                rule,
            });
        }
        let derives = derives_for(model, rm.fields.iter().map(|f| &f.ty));
        read_models.push(ReadModelView {
            table_const: code::assign(
                "const TABLE: &'static str",
                &string_literal(&format!("{}.{}", ctx.name, rm.name)),
            ),
            signature: code::signature(
                &format!("fn {rm_snake}"),
                &[
                    "_: &Store".to_owned(),
                    "recorded: &RecordedEvent".to_owned(),
                    "tx: &mut dyn ProjectionTx".to_owned(),
                ],
                " -> stormcraft_runtime::Result<()> {",
            ),
            name: rm.name.clone(),
            function: rm_snake,
            table: format!("{}.{}", ctx.name, rm.name),
            path: kebab(&rm.name),
            docs: docs(&rm.description),
            fields: fields_view(model, &rm.fields, Scope::Own),
            derives,
            key: rm.key.clone(),
            handlers,
        });
    }

    let (scenarios, scenario_aggregates) = scenario_views(model, id, &aggregates);

    let has_commands = aggregates.iter().any(|a| !a.commands.is_empty());
    let mut test_imports: Vec<String> = aggregates.iter().map(|a| a.module.clone()).collect();
    test_imports.sort();
    let has_policy_rules = policies
        .iter()
        .any(|p| p.handlers.iter().any(|h| h.issue.is_some()));
    let has_workers = !policies.is_empty() || !read_models.is_empty();

    let mut modules: Vec<String> = aggregates.iter().map(|a| a.module.clone()).collect();
    modules.push("rules".into());
    modules.push("service".into());
    if !types.is_empty() {
        modules.push("types".into());
    }
    if !upstream.is_empty() {
        modules.push("upstream".into());
    }
    if !policies.is_empty() {
        modules.push("policies".into());
    }
    if !externals.is_empty() {
        modules.push("externals".into());
        modules.push("adapters".into());
    }
    if !read_models.is_empty() {
        modules.push("projections".into());
    }
    modules.sort();
    for m in &modules {
        if aggregates.iter().filter(|a| &a.module == m).count() > 0
            && [
                "rules",
                "service",
                "types",
                "upstream",
                "policies",
                "externals",
                "adapters",
                "projections",
            ]
            .contains(&m.as_str())
        {
            return Err(GenerateError::Unsupported(format!(
                "aggregate module `{m}` of context `{}` clashes with a generated module of the same name; rename the aggregate",
                ctx.name
            )));
        }
    }
    let mut rule_modules: Vec<String> = aggregates.iter().map(|a| a.module.clone()).collect();
    if has_policy_rules {
        rule_modules.push("policies".into());
    }
    if !read_models.is_empty() {
        rule_modules.push("projections".into());
    }
    rule_modules.sort();

    let mut deps: Vec<String> = [
        "axum",
        "serde",
        "serde_json",
        "stormcraft-runtime",
        "tokio",
        "uuid",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if used.contains(&Primitive::Decimal) {
        deps.push("rust_decimal".into());
    }
    if used.contains(&Primitive::Timestamp) || used.contains(&Primitive::Date) {
        deps.push("chrono".into());
    }
    deps.sort();

    let service_imports = service_imports(has_commands, !read_models.is_empty());
    let mut routes = vec![code::list(
        ".route",
        "(",
        &["\"/health\"".to_owned(), "get(health)".to_owned()],
        ")",
        "",
    )];
    for a in &aggregates {
        for m in &a.commands {
            routes.push(code::list(
                ".route",
                "(",
                &[
                    format!("\"/commands/{}\"", m.name),
                    format!("post(command::<crate::{}::{}>)", a.module, m.name),
                ],
                ")",
                "",
            ));
        }
    }
    for r in &read_models {
        let row = format!("crate::projections::{}", r.name);
        for (path, handler) in [
            (format!("\"/{}\"", r.path), format!("get(rows::<{row}>)")),
            (
                format!("\"/{}/{{key}}\"", r.path),
                format!("get(row::<{row}>)"),
            ),
        ] {
            routes.push(code::list(".route", "(", &[path, handler], ")", ""));
        }
    }
    let policy_rules = policies
        .iter()
        .flat_map(|p| {
            p.handlers.iter().filter_map(|h| {
                let issue = h.issue.as_ref()?;
                Some(format!(
                    "    /// `{}`: the command to issue on `{}` (`None`: nothing).\n{}",
                    p.name, h.source.event_type, issue.rule
                ))
            })
        })
        .collect();
    let projection_rules = read_models
        .iter()
        .flat_map(|r| {
            r.handlers.iter().map(|h| {
                format!(
                    "    /// `{}` on `{}`.\n{}",
                    r.name, h.source.event_type, h.rule
                )
            })
        })
        .collect();
    let policy_workers = workers(
        policies
            .iter()
            .map(|p| (string_literal(&p.consumer), p.function.clone())),
    );
    let projection_workers = workers(
        read_models
            .iter()
            .map(|r| (format!("{}::TABLE", r.name), r.function.clone())),
    );
    let outcomes = || ctx.scenarios.iter().map(|s| &model.scenarios[*s].then);
    let has_event_scenarios = outcomes().any(|o| matches!(o, Outcome::Events(_)));
    let has_error_scenarios = outcomes().any(|o| matches!(o, Outcome::Error(_)));
    Ok((
        ContextView {
            name: ctx.name.clone(),
            docs: docs(&ctx.description),
            types,
            aggregates,
            upstream,
            policies,
            externals,
            read_models,
            scenarios,
            scenario_aggregates,
            test_imports,
            modules,
            rule_modules,
            deps,
            service_imports,
            routes,
            policy_rules,
            projection_rules,
            policy_workers,
            projection_workers,
            has_commands,
            has_policy_rules,
            has_workers,
            has_event_scenarios,
            has_error_scenarios,
        },
        used,
    ))
}

/// The imports of `service.rs`, so that a context without commands or read models has
/// no unused one.
fn service_imports(commands: bool, read_models: bool) -> Vec<String> {
    let handlers = commands || read_models;
    let mut extract = Vec::new();
    if read_models {
        extract.push("Path");
    }
    if handlers {
        extract.push("State");
    }
    let mut routing = vec!["get"];
    if commands {
        routing.push("post");
    }
    let mut lines = vec![use_line("axum::extract", &extract)];
    if handlers {
        lines.push(use_line("axum::http", &["StatusCode"]));
        lines.push(use_line("axum::response", &["IntoResponse", "Response"]));
    }
    lines.push(use_line("axum::routing", &routing));
    lines.push(use_line("axum", &["Json", "Router"]));
    lines.push(use_line("serde_json", &["json"]));
    lines.push(use_line("stormcraft_runtime", &["Store"]));
    lines.retain(|l| !l.is_empty());
    lines
}

/// `use path::Name;` or `use path::{A, B};`; empty for no names.
fn use_line(path: &str, names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("use {path}::{one};"),
        many => format!("use {path}::{{{}}};", many.join(", ")),
    }
}

/// The table of a module's workers: (consumer name, handler function).
fn workers(entries: impl Iterator<Item = (String, String)>) -> String {
    let items: Vec<Vec<String>> = entries.map(|(c, f)| vec![c, f]).collect();
    code::assignment(
        "pub(crate) const WORKERS: &[(&str, crate::Handler)] =",
        "&[",
        &items,
        "];",
    )
}

/// The `if` line that picks a source event by type and stream category.
fn condition(source: &SourceView) -> String {
    code::if_both(
        &format!(
            "recorded.event_type == {}",
            string_literal(&source.event_type)
        ),
        "recorded.stream.starts_with",
        &string_literal(&source.stream_prefix),
    )
}

/// The line that reads the source event's payload.
fn decode(source: &SourceView) -> String {
    code::let_statement(
        &format!("event: {}", source.rust),
        "crate::decode(recorded)?",
    )
}

/// A trait method with a default body: `fn {name}(&self, params) {ret}` and the lines.
fn rule_method(name: &str, params: &[String], ret: &str, body: Vec<String>) -> String {
    let mut all = vec!["&self".to_owned()];
    all.extend_from_slice(params);
    if body.is_empty() {
        return code::signature(&format!("fn {name}"), &all, &format!("{ret} {{}}"));
    }
    let mut out = code::signature(&format!("fn {name}"), &all, &format!("{ret} {{"));
    for line in body {
        out.push('\n');
        out.push_str(&line);
    }
    out.push_str("\n    }");
    out
}

fn event_names_collide(model: &Model, events: &[EventId], event: EventId) -> bool {
    let name = &model.event(event).name;
    events
        .iter()
        .filter(|e| &model.event(**e).name == name)
        .count()
        > 1
}

/// The model's spelling of a type, for messages.
fn type_name(model: &Model, ty: &TypeRef) -> String {
    match ty {
        TypeRef::Primitive(p) => p.name().to_owned(),
        TypeRef::Named(id) => model.named_type(*id).name.clone(),
        TypeRef::List(inner) => format!("[{}]", type_name(model, inner)),
        TypeRef::Optional(inner) => format!("{}?", type_name(model, inner)),
        TypeRef::Map(inner) => format!("map<string, {}>", type_name(model, inner)),
    }
}

/// A key or id as a string: uuids hyphenated, integers in decimal, strings as they are.
fn key_string(ty: &TypeRef, place: &str) -> Option<String> {
    match ty {
        TypeRef::Primitive(Primitive::String) => Some(format!("{place}.clone()")),
        TypeRef::Primitive(
            Primitive::Uuid | Primitive::I32 | Primitive::I64 | Primitive::U32 | Primitive::U64,
        ) => Some(format!("{place}.to_string()")),
        _ => None,
    }
}

fn source_view(model: &Model, here: ContextId, e: EventId) -> SourceView {
    let event = model.event(e);
    let agg = model.aggregate(event.aggregate);
    let publisher = &model.context(event.context).name;
    let rust = if event.context == here {
        format!("crate::{}::{}", snake(&agg.name), event.name)
    } else {
        format!("crate::upstream::{publisher}::{}", event.name)
    };
    SourceView {
        event_type: event.name.clone(),
        stream_prefix: format!("{publisher}-{}-", agg.name),
        rust,
    }
}

fn issue_view(model: &Model, here: ContextId, e: EventId, c: CommandId, method: &str) -> IssueView {
    let event = model.event(e);
    let command = model.command(c);
    let agg = model.aggregate(command.aggregate);
    let mut uses_source = false;
    let mut uses_event = false;
    let fields = command
        .fields
        .iter()
        .map(|target| {
            let from = event.fields.iter().find(|f| f.name == target.name);
            // A foreign event's named types are copies: they never convert to ours.
            let converted = from.and_then(|f| {
                if event.context != here && mentions_named(&f.ty) {
                    None
                } else {
                    convert(
                        model,
                        &f.ty,
                        &target.ty,
                        &format!("event.{}", ident(&f.name)),
                    )
                }
            });
            let expr = match converted {
                Some(expr) => {
                    uses_event = true;
                    expr
                }
                None if target.name == agg.id.name => match &target.ty {
                    TypeRef::Primitive(Primitive::Uuid) => {
                        uses_source = true;
                        "crate::derived_id(source)".into()
                    }
                    TypeRef::Primitive(Primitive::String) => {
                        uses_source = true;
                        "crate::derived_id(source).to_string()".into()
                    }
                    _ => "Default::default()".into(),
                },
                None => "Default::default()".into(),
            };
            (ident(&target.name), expr)
        })
        .collect::<Vec<_>>();
    let command_path = format!("crate::{}::{}", snake(&agg.name), command.name);
    let source_param = format!(
        "{}source: &RecordedEvent",
        if uses_source { "" } else { "_" }
    );
    let event_param = format!(
        "{}event: &{}",
        if uses_event { "" } else { "_" },
        source_view(model, here, e).rust
    );
    let literal = code::struct_literal("Some(", &command_path, &fields, ")");
    // A context with read models hands its policies read access to them (the point of
    // event-carried state transfer: look data up locally instead of calling its owner).
    let mut params = vec![event_param, source_param];
    if !model.context(here).read_models.is_empty() {
        params.push("_views: &Views<'_>".to_owned());
    }
    IssueView {
        call: issue_call(method, params.len() == 3),
        rule: rule_method(
            method,
            &params,
            &format!(" -> Option<{command_path}>"),
            vec![literal],
        ),
        method: method.to_owned(),
    }
}

fn mentions_named(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Primitive(_) => false,
        TypeRef::Named(_) => true,
        TypeRef::List(inner) | TypeRef::Optional(inner) | TypeRef::Map(inner) => {
            mentions_named(inner)
        }
    }
}

fn fields_view(model: &Model, fields: &[Field], scope: Scope) -> Vec<FieldView> {
    fields
        .iter()
        .map(|f| FieldView {
            ident: ident(&f.name),
            ty: rust_type(model, &f.ty, scope),
            docs: docs(&f.description),
        })
        .collect()
}

/// Records derive `Eq` unless a float is inside (clippy asks for `Eq` where it can be).
fn derives_for<'a>(model: &Model, types: impl Iterator<Item = &'a TypeRef>) -> String {
    let mut float = false;
    for ty in types {
        float |= has_float(model, ty, &mut Vec::new());
    }
    if float { DERIVE_DATA } else { DERIVE_DATA_EQ }.to_owned()
}

fn type_view(model: &Model, id: TypeId, scope: Scope) -> TypeView {
    let t = model.named_type(id);
    match &t.kind {
        NamedTypeKind::Record(fields) => TypeView {
            name: t.name.clone(),
            docs: docs(&t.description),
            is_enum: false,
            fields: fields_view(model, fields, scope),
            variants: Vec::new(),
            derives: derives_for(model, fields.iter().map(|f| &f.ty)),
        },
        NamedTypeKind::Enum(variants) => TypeView {
            name: t.name.clone(),
            docs: docs(&t.description),
            is_enum: true,
            fields: Vec::new(),
            variants: variants
                .iter()
                .map(|v| {
                    let id = ident(&pascal(v));
                    VariantView {
                        rename: (id != *v).then(|| string_literal(v)),
                        ident: id,
                    }
                })
                .collect(),
            derives: if variants.is_empty() {
                "Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize"
            } else {
                "Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize"
            }
            .to_owned(),
        },
    }
}

fn event_view(model: &Model, e: EventId, scope: Scope, state: &[Field]) -> MessageView {
    let event = model.event(e);
    let applies: Vec<String> = state
        .iter()
        .filter_map(|target| {
            let from = event.fields.iter().find(|f| f.name == target.name)?;
            let expr = convert(
                model,
                &from.ty,
                &target.ty,
                &format!("event.{}", ident(&from.name)),
            )?;
            Some(format!("        state.{} = {expr};", ident(&target.name)))
        })
        .collect();
    let unused = if applies.is_empty() { "_" } else { "" };
    let method = format!("apply_{}", snake(&event.name));
    let variant = format!("Event::{}", event.name);
    MessageView {
        name: event.name.clone(),
        docs: docs(&event.description),
        fields: fields_view(model, &event.fields, scope),
        derives: derives_for(model, event.fields.iter().map(|f| &f.ty)),
        version: event.version,
        id_string: String::new(),
        rule: rule_method(
            &method,
            &[
                format!("{unused}state: &mut State"),
                format!("{unused}event: &{}", event.name),
            ],
            "",
            applies,
        ),
        arm: code::match_arm(
            &format!("{variant}(event)"),
            &format!("rules.{method}(&mut state, event)"),
        ),
        decode_arm: code::match_arm(
            &format!("{}::TYPE", event.name),
            &format!("{variant}(crate::decode(recorded)?)"),
        ),
        variant: code::tuple_variant(&event.name, &event.name),
        arms: MessageArms {
            type_name: code::match_arm(&format!("{variant}(_)"), &format!("{}::TYPE", event.name)),
            schema_version: code::match_arm(
                &format!("{variant}(_)"),
                &format!("{}::SCHEMA_VERSION", event.name),
            ),
            to_payload: code::match_arm(
                &format!("{variant}(event)"),
                "serde_json::to_value(event)",
            ),
            ..MessageArms::default()
        },
    }
}

fn aggregate_view(model: &Model, a: AggregateId) -> Result<AggregateView, GenerateError> {
    let agg = model.aggregate(a);
    let ctx = model.context(agg.context);
    let module = snake(&agg.name);
    let mut errors: Vec<ErrorView> = Vec::new();
    let mut commands = Vec::new();
    let id_string = key_string(&agg.id.ty, &format!("self.{}", ident(&agg.id.name))).ok_or_else(|| {
        GenerateError::Unsupported(format!(
            "aggregate `{}` has an id of type `{}`; an aggregate id must be a uuid, a string or an integer",
            agg.name,
            type_name(model, &agg.id.ty)
        ))
    })?;
    for c in &agg.commands {
        let command = model.command(*c);
        let mut uses_state = false;
        let mut uses_command = false;
        let mut body = Vec::new();
        let mut emitted = Vec::new();
        for (i, e) in command.emits.iter().enumerate() {
            let event = model.event(*e);
            let fields: Vec<(String, String)> = event
                .fields
                .iter()
                .map(|target| {
                    let from_command = command
                        .fields
                        .iter()
                        .find(|f| f.name == target.name)
                        .and_then(|f| {
                            convert(
                                model,
                                &f.ty,
                                &target.ty,
                                &format!("command.{}", ident(&f.name)),
                            )
                        });
                    let from_state = || {
                        agg.state
                            .iter()
                            .find(|f| f.name == target.name)
                            .and_then(|f| {
                                convert(
                                    model,
                                    &f.ty,
                                    &target.ty,
                                    &format!("state.{}", ident(&f.name)),
                                )
                            })
                    };
                    let expr = if let Some(expr) = from_command {
                        uses_command = true;
                        expr
                    } else if let Some(expr) = from_state() {
                        uses_state = true;
                        expr
                    } else if target.ty == TypeRef::Primitive(Primitive::Timestamp) {
                        // An event records when it happened: `placed_at` is now, not 1970.
                        "chrono::Utc::now()".to_owned()
                    } else {
                        "Default::default()".to_owned()
                    };
                    (ident(&target.name), expr)
                })
                .collect();
            let binding = format!("event_{}", i + 1);
            body.push(code::struct_literal(
                &format!("let {binding} = "),
                &event.name,
                &fields,
                ";",
            ));
            emitted.push(format!("Event::{}({binding})", event.name));
        }
        body.push(code::nested_list("Ok", &emitted, ""));
        for error in &command.errors {
            if errors.iter().any(|e| e.name == error.name) {
                continue;
            }
            let message = error
                .message
                .clone()
                .unwrap_or_else(|| sentence(&words(&error.name)));
            errors.push(ErrorView {
                name_arm: code::match_arm(
                    &format!("Error::{}", error.name),
                    &string_literal(&error.name),
                ),
                name: error.name.clone(),
                arm: code::match_arm(&format!("Error::{}", error.name), &string_literal(&message)),
            });
        }
        let method = snake(&command.name);
        commands.push(MessageView {
            name: command.name.clone(),
            docs: docs(&command.description),
            fields: fields_view(model, &command.fields, Scope::Own),
            derives: derives_for(model, command.fields.iter().map(|f| &f.ty)),
            version: 0,
            id_string: id_string.clone(),
            rule: rule_method(
                &method,
                &[
                    format!("{}state: &State", if uses_state { "" } else { "_" }),
                    format!(
                        "{}command: &{}",
                        if uses_command { "" } else { "_" },
                        command.name
                    ),
                ],
                " -> Result<Vec<Event>, Error>",
                body,
            ),
            arm: code::match_arm(
                &format!("Command::{}(command)", command.name),
                &format!("rules.{method}(state, command)"),
            ),
            decode_arm: String::new(),
            variant: code::tuple_variant(&command.name, &command.name),
            arms: MessageArms {
                name: code::match_arm(
                    &format!("Command::{}(_)", command.name),
                    &string_literal(&command.name),
                ),
                aggregate_id: code::match_arm(
                    &format!("Command::{}(command)", command.name),
                    "command.aggregate_id()",
                ),
                ..MessageArms::default()
            },
        });
    }
    let events = agg
        .events
        .iter()
        .map(|e| event_view(model, *e, Scope::Own, &agg.state))
        .collect();
    Ok(AggregateView {
        name: agg.name.clone(),
        module: module.clone(),
        docs: docs(&agg.description),
        category: format!("{}-{}", ctx.name, agg.name),
        state_stored: agg.persistence == Persistence::StateStored,
        table: format!("{}.{}", ctx.name, agg.name),
        state: fields_view(model, &agg.state, Scope::Own),
        state_derives: derives_for(model, agg.state.iter().map(|f| &f.ty)),
        commands,
        events,
        errors,
        rules: format!("{}Rules", agg.name),
        rules_file: format!("src/rules/{module}.rs"),
        example: agg
            .commands
            .first()
            .map(|c| {
                let command = model.command(*c);
                let mut lines: Vec<String> = code::signature(
                    &format!("fn {}", snake(&command.name)),
                    &[
                        "&self".to_owned(),
                        "state: &State".to_owned(),
                        format!("command: &{}", command.name),
                    ],
                    " -> Result<Vec<Event>, Error> {",
                )
                .lines()
                .map(str::to_owned)
                .collect();
                lines.push(
                    "    // check the state; return `Err(Error::...)` or the events".to_owned(),
                );
                lines.push("}".to_owned());
                lines
            })
            .unwrap_or_default(),
        category_const: code::assign(
            "pub const CATEGORY: &str",
            &string_literal(&format!("{}-{}", ctx.name, agg.name)),
        ),
        table_const: code::assign(
            "pub const TABLE: &str",
            &string_literal(&format!("{}.{}", ctx.name, agg.name)),
        ),
        rules_path: code::let_statement(
            "rules",
            &format!("crate::rules::{module}::{}Rules", agg.name),
        ),
    })
}

/// `already shipped` → `Already shipped.`
fn sentence(words: &str) -> String {
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => format!("{}{}", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

fn scenario_views(
    model: &Model,
    id: ContextId,
    aggregates: &[AggregateView],
) -> (Vec<ScenarioView>, Vec<ScenarioAggregateView>) {
    let ctx = model.context(id);
    let mut used_names: Vec<String> = Vec::new();
    let mut views = Vec::new();
    let mut helpers: Vec<ScenarioAggregateView> = Vec::new();
    for s in &ctx.scenarios {
        let scenario = &model.scenarios[*s];
        let agg = model.aggregate(scenario.aggregate);
        let module = snake(&agg.name);
        let Some(view) = aggregates.iter().find(|a| a.module == module) else {
            continue;
        };
        let expects_events = matches!(scenario.then, Outcome::Events(_));
        let has_given = !scenario.given.is_empty();
        match helpers.iter_mut().find(|h| h.module == module) {
            Some(h) => {
                if expects_events && h.expected_arms.is_empty() {
                    h.expected_arms = expected_arms(view);
                }
                h.has_given |= has_given;
            }
            None => helpers.push(ScenarioAggregateView {
                module: module.clone(),
                name: agg.name.clone(),
                has_given,
                event_arms: view
                    .events
                    .iter()
                    .map(|e| {
                        code::match_arm(
                            &string_literal(&e.name),
                            &format!("{module}::Event::{}(message(json))", e.name),
                        )
                    })
                    .collect(),
                command_arms: view
                    .commands
                    .iter()
                    .map(|c| {
                        code::match_arm(
                            &string_literal(&c.name),
                            &format!("{module}::Command::{}(message(json))", c.name),
                        )
                    })
                    .collect(),
                event_signature: helper_signature(&module, "event", &format!("{module}::Event")),
                command_signature: helper_signature(
                    &module,
                    "command",
                    &format!("{module}::Command"),
                ),
                expected_signature: helper_signature(&module, "expected", "(String, Fields)"),
                outcome_signature: outcome_signature(&module),
                expected_arms: if expects_events {
                    expected_arms(view)
                } else {
                    Vec::new()
                },
            }),
        }

        let mut function = test_name(&scenario.name);
        if used_names.contains(&function) {
            let mut n = 2;
            while used_names.contains(&format!("{function}_{n}")) {
                n += 1;
            }
            function = format!("{function}_{n}");
        }
        used_names.push(function.clone());

        let json = |values: &[(String, serde_json::Value)]| {
            let object: serde_json::Map<String, serde_json::Value> =
                values.iter().cloned().collect();
            raw_string_literal(&serde_json::Value::Object(object).to_string())
        };
        let mut body = vec![code::let_statement(
            "state",
            &format!("{module}::State::default()"),
        )];
        for (i, step) in scenario.given.iter().enumerate() {
            let name = &model.event(step.id).name;
            let binding = format!("given_{}", i + 1);
            body.push(code::let_statement(&binding, &json(&step.values)));
            body.push(code::assign_call(
                "let event",
                &format!("{module}_event"),
                &[string_literal(name), binding],
            ));
            body.push(code::assign_call(
                "let state",
                &format!("{module}::evolve"),
                &["state".to_owned(), "&event".to_owned()],
            ));
        }
        let command = model.command(scenario.when.id);
        body.push(code::let_statement("when", &json(&scenario.when.values)));
        body.push(code::assign_call(
            "let command",
            &format!("{module}_command"),
            &[string_literal(&command.name), "when".to_owned()],
        ));
        body.push(code::assign_call(
            "let outcome",
            &format!("{module}_outcome"),
            &[format!("{module}::decide(&state, &command)")],
        ));
        match &scenario.then {
            Outcome::Events(steps) => {
                let mut expected = Vec::new();
                for (i, step) in steps.iter().enumerate() {
                    let name = &model.event(step.id).name;
                    let binding = format!("then_{}", i + 1);
                    body.push(code::let_statement(&binding, &json(&step.values)));
                    body.push(code::assign_call(
                        &format!("let {binding}"),
                        &format!("{module}_expected"),
                        &[string_literal(name), binding.clone()],
                    ));
                    expected.push(binding);
                }
                body.push(code::nested_list(
                    "let expected = Expected::Events",
                    &expected,
                    ";",
                ));
            }
            Outcome::Error(i) => {
                let name = command.errors.get(*i).map_or("", |e| e.name.as_str());
                body.push(code::assign_call(
                    "let expected",
                    "Expected::Error",
                    &[string_literal(name)],
                ));
            }
        }
        body.push(code::let_statement(
            "written",
            &format!(
                "{module}::Rules::written(&::{}::rules::{module}::{})",
                ctx.name, view.rules
            ),
        ));
        body.push(code::let_statement(
            "title",
            &string_literal(&scenario.name),
        ));
        body.push(code::let_statement(
            "rules",
            &string_literal(&view.rules_file),
        ));
        body.push("    let result = compare(outcome, &expected);".to_owned());
        body.push("    enforce(title, command.name(), rules, written, result);".to_owned());
        views.push(ScenarioView { function, body });
    }
    (views, helpers)
}

/// `fn <module>_outcome(decided: Result<Vec<<module>::Event>, <module>::Error>)`.
fn outcome_signature(module: &str) -> String {
    let param = format!("decided: Result<Vec<{module}::Event>, {module}::Error>");
    code::signature(&format!("fn {module}_outcome"), &[param], " -> Outcome {")
}

fn helper_signature(module: &str, what: &str, ret: &str) -> String {
    code::signature(
        &format!("fn {module}_{what}"),
        &["name: &str".to_owned(), "json: &str".to_owned()],
        &format!(" -> {ret} {{"),
    )
}

fn expected_arms(view: &AggregateView) -> Vec<String> {
    view.events
        .iter()
        .map(|e| {
            code::match_arm(
                &string_literal(&e.name),
                &format!("expect_event::<{}::{}>(name, json)", view.module, e.name),
            )
        })
        .collect()
}

/// A scenario title as a test function name: `scenario_` and the title in snake_case
/// (the prefix keeps it apart from the round-trip tests and from keywords).
fn test_name(title: &str) -> String {
    let mut words = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            words.push(c.to_ascii_lowercase());
        } else if !words.is_empty() && !words.ends_with('_') {
            words.push('_');
        }
    }
    let words = words.trim_end_matches('_');
    if words.is_empty() {
        "scenario".to_owned()
    } else {
        format!("scenario_{words}")
    }
}

/// Rust constructs whose parts come from the model, written on one line: the
/// generator's rustfmt pass lays them out (line width, breaking, indentation), so
/// nothing here knows about columns.
mod code {
    /// `{head}({params}){tail}`, e.g. a function signature; `tail` is ` -> T {`, `;`...
    pub fn signature(head: &str, params: &[String], tail: &str) -> String {
        format!("{head}({}){tail}", params.join(", "))
    }

    /// A call, macro or array: `{head}{open}{items}{close}{tail}`.
    pub fn list(head: &str, open: &str, items: &[String], close: &str, tail: &str) -> String {
        format!("{head}{open}{}{close}{tail}", items.join(", "))
    }

    /// `{head}(vec![{items}]){tail}`.
    pub fn nested_list(head: &str, items: &[String], tail: &str) -> String {
        list(head, "(vec![", items, "])", tail)
    }

    /// `{lhs} = {callee}({args});` (a `let` or a `const`).
    pub fn assign_call(lhs: &str, callee: &str, args: &[String]) -> String {
        format!("{lhs} = {callee}({});", args.join(", "))
    }

    /// `{lhs} = {rhs};`.
    pub fn assign(lhs: &str, rhs: &str) -> String {
        format!("{lhs} = {rhs};")
    }

    /// A tuple variant `{name}({ty}),` of an enum.
    pub fn tuple_variant(name: &str, ty: &str) -> String {
        format!("{name}({ty}),")
    }

    /// `{lhs} {open}{items}{close}` where the items are tuples, given as their elements.
    pub fn assignment(lhs: &str, open: &str, items: &[Vec<String>], close: &str) -> String {
        let tuples: Vec<String> = items
            .iter()
            .map(|t| format!("({})", t.join(", ")))
            .collect();
        format!("{lhs} {open}{}{close}", tuples.join(", "))
    }

    /// A struct literal `{head}{name} { field: expr, ... }{tail}`.
    pub fn struct_literal(
        head: &str,
        name: &str,
        fields: &[(String, String)],
        tail: &str,
    ) -> String {
        if fields.is_empty() {
            return format!("{head}{name} {{}}{tail}");
        }
        let body: Vec<String> = fields.iter().map(|(f, e)| format!("{f}: {e}")).collect();
        format!("{head}{name} {{ {} }}{tail}", body.join(", "))
    }

    /// A match arm `{pattern} => {body},`.
    pub fn match_arm(pattern: &str, body: &str) -> String {
        format!("{pattern} => {body},")
    }

    /// `let {lhs} = {rhs};`.
    pub fn let_statement(lhs: &str, rhs: &str) -> String {
        format!("let {lhs} = {rhs};")
    }

    /// `if {a} && {b}({arg}) {`.
    pub fn if_both(a: &str, b: &str, arg: &str) -> String {
        format!("if {a} && {b}({arg}) {{")
    }
}
