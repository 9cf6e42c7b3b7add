//! One context crate: everything its templates print, assembled from the item views.

use std::collections::BTreeSet;

use serde::Serialize;

use super::aggregate::{aggregate_view, AggregateView};
use super::external::ExternalView;
use super::policy::{policy_views, PolicyView};
use super::process::{processes_view, ProcessesView};
use super::projection::{read_model_views, ReadModelView};
use super::projection_test::{projection_tests, ProjectionTestsView};
use super::recovery::{inbox_view, recovery_view, InboxView, RecoveryView};
use super::scenario::{scenario_views, RoundTripView, ScenarioView, WrittenView};
use super::timer::{timers_view, TimersView};
use super::upstream::{
    consumed_events, copied_types, foreign_commands, upstream_views, UpstreamView,
};
use super::versions::{versions_view, VersionsView};
use super::{docs, type_view, TypeView};
use crate::ir::{ContextId, Model, NamedTypeKind, Primitive};
use crate::render::service::names::string_literal;
use crate::render::service::rust_types::{collect_primitives, shape_pairs, ConversionView, Scope};

/// A route of the context's router.
#[derive(Debug, Clone, Serialize)]
pub struct RouteView {
    /// The path, as a string literal.
    pub path: String,
    /// The method router, e.g. `get(health)`.
    pub handler: String,
}

/// Everything the templates of one context crate print.
#[derive(Debug, Clone, Serialize)]
pub struct ContextView {
    /// The context name: its folder, its URL prefix in the app.
    pub name: String,
    /// The package name, `<system>-<context>` (kebab case); also its binary's name.
    pub package: String,
    /// The lib crate name, `<system>_<context>`.
    pub krate: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// Value types.
    pub types: Vec<TypeView>,
    /// Aggregates.
    pub aggregates: Vec<AggregateView>,
    /// Copies of consumed published events, per publisher.
    pub upstream: Vec<UpstreamView>,
    /// The `From` conversions between its own and the copied types of the same shape.
    pub conversions: Vec<ConversionView>,
    /// Policies.
    pub policies: Vec<PolicyView>,
    /// Process managers (`src/processes.rs`), when it has any.
    pub processes: Option<ProcessesView>,
    /// External systems called, sorted by name.
    pub externals: Vec<ExternalView>,
    /// Read models.
    pub read_models: Vec<ReadModelView>,
    /// The tests of its read models (`tests/projections.rs`).
    pub projection_tests: ProjectionTestsView,
    /// Scenarios.
    pub scenarios: Vec<ScenarioView>,
    /// Reaction scenarios (`tests/reactions.rs`).
    pub reactions: Vec<super::reaction::ReactionView>,
    /// The projections' worker table the reaction scenarios drive beside their subject
    /// (so a rule's views are current), or an empty one.
    pub read_model_workers: String,
    /// Deadlines and schedules (`src/timers.rs`), when it has any.
    pub timers: Option<TimersView>,
    /// The `written()` lists the scenarios need.
    pub written: Vec<WrittenView>,
    /// One JSON round trip per aggregate.
    pub round_trips: Vec<RoundTripView>,
    /// `pub mod` names of lib.rs, sorted as rustfmt sorts them.
    pub modules: Vec<String>,
    /// Modules of `src/rules/mod.rs`, sorted.
    pub rule_modules: Vec<String>,
    /// Workspace dependencies the crate uses beside the runtime, sorted.
    pub deps: Vec<String>,
    /// The `use` lines of `service.rs`: exactly what its routes need.
    pub service_imports: Vec<String>,
    /// The routes of the router.
    pub routes: Vec<RouteView>,
    /// The body of `workers()`.
    pub workers: String,
    /// The modules of the aggregates with a pending default rule, for `pending_rules()`.
    pub pending_modules: Vec<String>,
    /// The policy rules whose default is pending, for `policies::PENDING`.
    pub policy_pending: Vec<PendingView>,
    /// Some read model has a computed field (`projections::PENDING` exists).
    pub projection_pending: bool,
    /// The inbox: the commands other contexts send this one through the store.
    pub inbox: Option<InboxView>,
    /// The recovery worker: what the policies do when their commands are refused.
    pub recovery: Option<RecoveryView>,
    /// The tests of its policies set off by rejections (`tests/rejections.rs`).
    pub rejection_tests: Vec<super::policy::RejectionTestView>,
    /// The `use` lines of `policies.rs`: exactly what it needs.
    pub policies_imports: Vec<String>,
    /// Some aggregate has commands (the service has command endpoints).
    pub has_commands: bool,
    /// Some policy issues a command (`PolicyRules` exists).
    pub has_policy_rules: bool,
    /// The crate has `tests/scenarios.rs` (it has aggregates).
    pub has_tests: bool,
    /// Lines for the docs of `src/rules/upcasters.rs`: the events the context reads
    /// whose schema version is above 1.
    pub versioned_events: Vec<String>,
    /// The older shapes and upcasting steps of the events it reads (`src/versions.rs`).
    pub versions: Option<VersionsView>,
}

/// The view of the context `id`, whose crate names start with `prefix` (the system's
/// name), and the primitives its code uses (they decide the crate's dependencies).
pub fn context_view(
    model: &Model,
    id: ContextId,
    prefix: &str,
) -> (ContextView, BTreeSet<Primitive>) {
    let ctx = model.context(id);
    let mut used = BTreeSet::new();
    let mut note =
        |ty: &crate::ir::TypeRef| collect_primitives(model, ty, &mut used, &mut Vec::new());
    for t in &ctx.types {
        if let NamedTypeKind::Record(fields) = &model.named_type(*t).kind {
            fields.iter().for_each(|f| note(&f.ty));
        }
    }
    for a in &ctx.aggregates {
        let agg = model.aggregate(*a);
        note(&agg.id.ty);
        agg.state.iter().for_each(|f| note(&f.ty));
        for c in &agg.commands {
            model.command(*c).fields.iter().for_each(|f| note(&f.ty));
        }
        for e in &agg.events {
            let event = model.event(*e);
            event.fields.iter().for_each(|f| note(&f.ty));
            for p in &event.previous {
                p.fields.iter().for_each(|f| note(&f.ty));
            }
        }
    }
    for r in &ctx.read_models {
        model.read_model(*r).fields.iter().for_each(|f| note(&f.ty));
        for e in &model.read_model(*r).from {
            model.event(*e).fields.iter().for_each(|f| note(&f.ty));
        }
    }
    for p in &ctx.policies {
        for e in &model.policy(*p).on {
            model.event(*e).fields.iter().for_each(|f| note(&f.ty));
        }
    }
    for p in &ctx.processes {
        let process = model.process(*p);
        note(&process.key_ty);
        process.state.iter().for_each(|f| note(&f.ty));
        for h in &process.handlers {
            model.event(h.event).fields.iter().for_each(|f| note(&f.ty));
        }
    }
    for c in foreign_commands(model, id) {
        model.command(c).fields.iter().for_each(|f| note(&f.ty));
    }
    let consumed = consumed_events(model, id);
    for e in &consumed {
        for p in &model.event(*e).previous {
            p.fields.iter().for_each(|f| note(&f.ty));
        }
    }
    let versions = versions_view(model, id, consumed.iter().copied());

    let types: Vec<TypeView> = ctx
        .types
        .iter()
        .map(|t| type_view(model, *t, Scope::Own))
        .collect();
    let aggregates: Vec<AggregateView> = ctx
        .aggregates
        .iter()
        .map(|a| aggregate_view(model, *a))
        .collect();
    let upstream = upstream_views(model, id);
    let conversions = if upstream.is_empty() {
        Vec::new()
    } else {
        shape_pairs(model, id, &copied_types(model, id))
    };
    let mut externals = Vec::new();
    let policies = policy_views(model, id, &mut externals);
    externals.sort_by(|a, b| a.trait_name.cmp(&b.trait_name));
    let read_models = read_model_views(model, id);
    let processes = processes_view(model, id);
    let package = format!("{prefix}-{}", ctx.name.replace('_', "-"));
    let krate = package.replace('-', "_");
    let (scenarios, written, round_trips) = scenario_views(model, id, &aggregates);
    let timers = timers_view(model, id, !aggregates.is_empty());
    let read_model_workers = if read_models.is_empty() {
        "&[]".to_owned()
    } else {
        format!("{krate}::projections::WORKERS")
    };

    let has_policy_rules = policies.iter().any(|p| {
        p.handlers.iter().any(|h| h.issue.is_some())
            || !p.compensations.is_empty()
            || p.rejection.is_some()
    });
    let inbox = inbox_view(model, id);
    let recovery = recovery_view(model, id);
    let policies_imports = policies_imports(&policies, has_policy_rules);
    let mut modules: Vec<String> = aggregates.iter().map(|a| a.module.clone()).collect();
    modules.extend(["rules".to_owned(), "service".to_owned()]);
    let optional = [
        (!types.is_empty(), "types"),
        (!upstream.is_empty(), "upstream"),
        (!policies.is_empty(), "policies"),
        (processes.is_some(), "processes"),
        (!externals.is_empty(), "externals"),
        (!externals.is_empty(), "adapters"),
        (!read_models.is_empty(), "projections"),
        (inbox.is_some(), "inbox"),
        (recovery.is_some(), "recovery"),
        (timers.is_some(), "timers"),
        (versions.is_some(), "versions"),
    ];
    modules.extend(
        optional
            .iter()
            .filter(|(present, _)| *present)
            .map(|(_, m)| (*m).to_owned()),
    );
    modules.sort();
    let mut rule_modules: Vec<String> = aggregates.iter().map(|a| a.module.clone()).collect();
    if has_policy_rules {
        rule_modules.push("policies".into());
    }
    if processes.is_some() {
        rule_modules.push("processes".into());
    }
    if !read_models.is_empty() {
        rule_modules.push("projections".into());
    }
    if timers.as_ref().is_some_and(|t| !t.schedules.is_empty()) {
        rule_modules.push("schedules".into());
    }
    rule_modules.push("upcasters".into());
    rule_modules.sort();

    let mut deps: Vec<String> = ["axum", "serde", "serde_json", "uuid"]
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

    let has_commands = aggregates.iter().any(|a| !a.commands.is_empty());
    let mut routes = vec![
        RouteView {
            path: string_literal("/health"),
            handler: format!(
                "context_health({}, crate::workers)",
                string_literal(&ctx.name)
            ),
        },
        RouteView {
            path: string_literal("/metrics"),
            handler: format!("metrics({}, crate::workers)", string_literal(&ctx.name)),
        },
        RouteView {
            path: string_literal("/rejections"),
            handler: format!("rejections({})", string_literal(&ctx.name)),
        },
    ];
    for a in &aggregates {
        for c in &a.commands {
            routes.push(RouteView {
                path: string_literal(&format!("/commands/{}", c.name)),
                handler: format!(
                    "post(command::<crate::{m}::{}, crate::{m}::{}>)",
                    a.name,
                    c.name,
                    m = a.module
                ),
            });
        }
    }
    for r in &read_models {
        let row = format!("crate::projections::{}", r.name);
        routes.push(RouteView {
            path: string_literal(&format!("/{}", r.path)),
            handler: format!("get(rows::<{row}>)"),
        });
        // A history's rows have no key: it is listed only. A composite key has one
        // path segment per part, in key order.
        if r.history {
            continue;
        }
        let segments = if r.key_parts.is_empty() {
            "{key}".to_owned()
        } else {
            r.key_parts
                .iter()
                .map(|k| format!("{{{k}}}"))
                .collect::<Vec<_>>()
                .join("/")
        };
        routes.push(RouteView {
            path: string_literal(&format!("/{}/{segments}", r.path)),
            handler: format!("get(row::<{row}>)"),
        });
    }
    let mut http = vec!["context_health", "metrics", "rejections"];
    if has_commands {
        http.insert(0, "command");
    }
    if read_models.iter().any(|r| !r.history) {
        http.push("row");
    }
    if !read_models.is_empty() {
        http.push("rows");
    }
    let mut routing = Vec::new();
    if !read_models.is_empty() {
        routing.push("get");
    }
    if has_commands {
        routing.push("post");
    }
    let mut service_imports = Vec::new();
    if !routing.is_empty() {
        service_imports.push(use_line("axum::routing", &routing));
    }
    service_imports.push(use_line("stormcraft_runtime::http", &http));
    service_imports.push(use_line("stormcraft_runtime", &["Store"]));
    let mut tables = Vec::new();
    if policies.iter().any(|p| p.worker) {
        tables.push("policies::WORKERS");
    }
    if processes.is_some() {
        tables.push("processes::WORKERS");
    }
    if !read_models.is_empty() {
        tables.push("projections::WORKERS");
    }
    if inbox.is_some() {
        tables.push("inbox::WORKERS");
    }
    if recovery.is_some() {
        tables.push("recovery::WORKERS");
    }
    if timers.is_some() {
        tables.push("timers::WORKERS");
    }
    let workers = match tables.as_slice() {
        [] => "Vec::new()".to_owned(),
        [one] => format!("{one}.to_vec()"),
        many => format!("[{}].concat()", many.join(", ")),
    };

    let mut versioned_events = Vec::new();
    for a in &ctx.aggregates {
        for e in &model.aggregate(*a).events {
            let event = model.event(*e);
            if event.version > 1 {
                versioned_events.push(format!(
                    "`{}`: schema version {}",
                    event.name, event.version
                ));
            }
        }
    }
    for u in &upstream {
        for e in &u.events {
            if e.version > 1 {
                versioned_events.push(format!(
                    "`{}` of `{}`: schema version {}",
                    e.name, u.module, e.version
                ));
            }
        }
    }

    let pending_modules = aggregates
        .iter()
        .filter(|a| a.pending)
        .map(|a| a.module.clone())
        .collect();
    let mut policy_pending = Vec::new();
    for p in &policies {
        for h in &p.handlers {
            if let Some(issue) = &h.issue {
                if let Some(text) = &issue.pending {
                    policy_pending.push(PendingView {
                        method: issue.method.clone(),
                        text: text.clone(),
                    });
                }
            }
        }
        for c in &p.compensations {
            if let Some(text) = &c.pending {
                policy_pending.push(PendingView {
                    method: c.method.clone(),
                    text: text.clone(),
                });
            }
        }
        for r in &p.records {
            if let Some(text) = &r.pending {
                policy_pending.push(PendingView {
                    method: r.method.clone(),
                    text: text.clone(),
                });
            }
        }
        if let Some(r) = &p.rejection {
            if let Some(text) = &r.pending {
                policy_pending.push(PendingView {
                    method: r.method.clone(),
                    text: text.clone(),
                });
            }
        }
    }
    let pending_methods: Vec<String> = policy_pending.iter().map(|p| p.method.clone()).collect();
    let reactions = super::reaction::reaction_views(model, id, &krate, &pending_methods);
    let projection_pending = read_models.iter().any(|r| !r.pending.is_empty());
    let projection_tests = projection_tests(model, id, &krate);
    let rejection_tests = super::policy::rejection_tests(model, id, &policies);
    let view = ContextView {
        rejection_tests,
        policy_pending,
        projection_pending,
        pending_modules,
        name: ctx.name.clone(),
        package,
        krate,
        docs: docs(&ctx.description),
        has_tests: !aggregates.is_empty(),
        types,
        aggregates,
        upstream,
        conversions,
        policies,
        processes,
        externals,
        projection_tests,
        read_models,
        scenarios,
        reactions,
        read_model_workers,
        timers,
        written,
        round_trips,
        modules,
        rule_modules,
        deps,
        service_imports,
        routes,
        workers,
        inbox,
        recovery,
        policies_imports,
        has_commands,
        has_policy_rules,
        versioned_events,
        versions,
    };
    (view, used)
}

/// A rule whose default is pending.
#[derive(Debug, Clone, Serialize)]
pub struct PendingView {
    /// The rule's method.
    pub method: String,
    /// Its refusal, as a string literal.
    pub text: String,
}

/// The `use` lines of `policies.rs`: the runtime modules its handlers, `issue_`
/// functions and rules name, and the re-exports a rule's signature needs.
fn policies_imports(policies: &[PolicyView], has_policy_rules: bool) -> Vec<String> {
    // A policy set off by rejections has a worker too, which decodes them.
    let reacts = policies.iter().any(|p| p.rejection.is_some());
    let workers = reacts || policies.iter().any(|p| p.worker);
    let targets = || policies.iter().filter_map(|p| p.issue_fn.as_ref());
    let local = targets().any(|f| f.target.aggregate.is_some());
    let foreign = targets().any(|f| f.target.inbox.is_some());
    let calls = policies
        .iter()
        .any(|p| p.worker && p.handlers.iter().any(|h| h.call.is_some()));
    let mut runtime = vec!["aggregate"];
    if foreign {
        runtime.push("inbox");
    }
    let pending = policies.iter().any(|p| {
        p.worker
            && p.handlers.iter().any(|h| {
                h.issue
                    .as_ref()
                    .is_some_and(|i| i.pending.is_some() || i.reads.is_some())
            })
            || p.rejection.as_ref().is_some_and(|r| r.pending.is_some())
    });
    if local || calls || pending {
        runtime.push("policy");
    }
    if reacts {
        runtime.push("rejections");
    }
    runtime.push("worker");
    if workers {
        runtime.push("ProjectionTx");
    }
    runtime.push("Store");
    let mut lines = vec![use_line("stormcraft_runtime", &runtime)];
    if has_policy_rules {
        let mut names = vec!["policy::Views"];
        if policies
            .iter()
            .any(|p| !p.compensations.is_empty() || !p.records.is_empty() || p.rejection.is_some())
        {
            names.push("rejections::Rejection");
        }
        names.push("RecordedEvent");
        lines.push(
            "// Public, so the rules file's `use crate::policies::*` has what a rule's signature names."
                .to_owned(),
        );
        lines.push(format!("pub {}", use_line("stormcraft_runtime", &names)));
    }
    lines
}

/// `use path::Name;` or `use path::{A, B};`.
fn use_line(path: &str, names: &[&str]) -> String {
    match names {
        [one] => format!("use {path}::{one};"),
        many => format!("use {path}::{{{}}};", many.join(", ")),
    }
}
