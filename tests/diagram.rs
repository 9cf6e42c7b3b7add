//! Diagram tests: every view of every example (and of the rich fixture boards) in DOT
//! and Mermaid is snapshotted, rendered twice to prove determinism, and — under CI,
//! or whenever Graphviz is installed — fed to the real `dot`.

use std::path::{Path, PathBuf};
use std::process::Command;
use stormcraft::check::check;
use stormcraft::ir::{CommandId, Model};
use stormcraft::model::load::load;
use stormcraft::render::diagram::{dot, mermaid, View};
use stormcraft::render::graphviz::{dot_available, run_dot};

const FIXTURE: &str = "tests/fixtures/diagram/board.yaml";
/// A format 2 board with every flow construct: outcomes, a condition, recoveries, a
/// deadline, a schedule over a read model, commands across contexts.
const FLOWS: &str = "tests/fixtures/diagram/hotel.yaml";
/// A process across two contexts, with a deadline and a compensation.
const CLAIMS: &str = "tests/fixtures/diagram/claims.yaml";
/// The pathology lab: recoveries that record (`record:`) events.
const RECOVERY: &str = "tests/fixtures/generate/recovery.yaml";
/// The concert box office: policies set off by rejections (`on: { rejected }`).
const REJECTIONS: &str = "tests/fixtures/generate/rejections.yaml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Loads and checks a model; every model used here must pass `check`.
fn checked(path: &Path) -> Model {
    let loaded = load(path).unwrap_or_else(|e| panic!("cannot load `{}`: {e:?}", path.display()));
    let checked = check(&loaded);
    checked.clean_model().cloned().unwrap_or_else(|| {
        panic!(
            "`{}` does not pass `stormcraft check`: {:?}",
            path.display(),
            checked.diagnostics
        )
    })
}

/// The models to draw, with a stable name each: the fixture, then every model under
/// `examples/` (a folder of YAML files, or a YAML file directly in `examples/`).
fn models() -> Vec<(String, PathBuf)> {
    let mut models = vec![
        ("fixture_board".to_owned(), root().join(FIXTURE)),
        ("fixture_hotel".to_owned(), root().join(FLOWS)),
        ("fixture_claims".to_owned(), root().join(CLAIMS)),
        // `record:` recoveries: a policy's, a deadline's and a process's.
        ("fixture_recovery".to_owned(), root().join(RECOVERY)),
        // Rejection edges: from a refused command to the policies its refusals set off.
        ("fixture_rejections".to_owned(), root().join(REJECTIONS)),
    ];
    let examples = root().join("examples");
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&examples) {
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned);
            let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
            let is_model_dir = path.is_dir()
                && std::fs::read_dir(&path).is_ok_and(|mut files| {
                    files.any(|f| {
                        f.is_ok_and(|f| {
                            f.path()
                                .extension()
                                .is_some_and(|e| e == "yaml" || e == "yml")
                        })
                    })
                });
            if let Some(name) = name {
                if is_yaml || is_model_dir {
                    found.push((format!("example_{name}"), path));
                }
            }
        }
    }
    found.sort();
    models.extend(found);
    models
}

/// Every view worth drawing: the board, the context map, each context, and the flow
/// of the first command of each context.
fn views(model: &Model) -> Vec<String> {
    let mut views = vec!["board".to_owned(), "context-map".to_owned()];
    for context in &model.contexts {
        views.push(format!("context:{}", context.name));
    }
    for context in &model.contexts {
        let first = context
            .aggregates
            .iter()
            .flat_map(|a| &model.aggregate(*a).commands)
            .next();
        if let Some(command) = first {
            views.push(format!("flow:{}", model.qualified_command(*command)));
        }
    }
    views
}

/// A snapshot name that is a safe file name on every platform.
fn snapshot_name(model: &str, view: &str, format: &str) -> String {
    let view: String = view
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{model}__{view}__{format}")
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

#[test]
fn every_view_of_every_model() {
    let graphviz = dot_available();
    if !graphviz {
        assert!(
            !in_ci(),
            "CI=true but Graphviz `dot` is not installed: install it (`apt-get install graphviz`) so the DOT output is checked"
        );
        eprintln!("notice: Graphviz `dot` is not installed; DOT output is not fed to it");
    }
    for (name, path) in models() {
        let model = checked(&path);
        for text in views(&model) {
            let view = View::parse(&text, &model)
                .unwrap_or_else(|e| panic!("{name}: view `{text}` does not parse: {e}"));
            let dot_source = dot(&model, &view);
            let mermaid_source = mermaid(&model, &view);
            assert_eq!(
                dot_source,
                dot(&model, &view),
                "{name} {text}: DOT is not deterministic"
            );
            assert_eq!(
                mermaid_source,
                mermaid(&model, &view),
                "{name} {text}: Mermaid is not deterministic"
            );
            assert_nodes_defined_once(&dot_source, &format!("{name} {text}"));
            insta::assert_snapshot!(snapshot_name(&name, &text, "dot"), dot_source);
            insta::assert_snapshot!(snapshot_name(&name, &text, "mermaid"), mermaid_source);
            if graphviz {
                let svg = run_dot(&dot_source, "svg")
                    .unwrap_or_else(|e| panic!("{name} {text}: Graphviz rejects the DOT: {e}"));
                assert!(
                    String::from_utf8_lossy(&svg).contains("<svg"),
                    "{name} {text}: `dot -Tsvg` did not produce SVG"
                );
            }
        }
    }
}

/// Every node is defined exactly once: a node statement is a quoted id followed by
/// attributes, at the start of a line.
fn assert_nodes_defined_once(source: &str, what: &str) {
    let mut seen = std::collections::BTreeSet::new();
    for line in source.lines() {
        let line = line.trim_start();
        if let Some(rest) = line.strip_prefix('"') {
            if let Some((id, tail)) = rest.split_once("\" [") {
                if !tail.is_empty() && !id.contains("\" -> \"") {
                    assert!(
                        seen.insert(id.to_owned()),
                        "{what}: node `{id}` drawn twice"
                    );
                }
            }
        }
    }
}

#[test]
fn the_board_shows_every_element_and_hotspot() {
    let model = checked(&root().join(FIXTURE));
    let board = dot(&model, &View::Board);
    for index in 0..model.commands.len() {
        let id = model.qualified_command(CommandId(index as u32));
        assert!(board.contains(&format!("\"command:{id}\" [")), "no `{id}`");
    }
    for index in 0..model.events.len() {
        let id = model.qualified_event(stormcraft::ir::EventId(index as u32));
        assert!(board.contains(&format!("\"event:{id}\" [")), "no `{id}`");
    }
    for index in 0..model.hotspots.len() {
        assert!(board.contains(&format!("\"hotspot:{index}\" [")));
    }
    assert!(board.contains("rankdir=LR"));
    assert!(board.contains("subgraph \"cluster_ordering\""));
    assert!(board.contains("subgraph \"cluster_legend\""));
    // The hotspot text holds quotes and a backslash; DOT and Mermaid escape them.
    assert!(board.contains(r#"quotes \"and\" back\\slashes"#));
    assert!(mermaid(&model, &View::Board).contains("quotes #quot;and#quot; back\\slashes"));
}

#[test]
fn a_context_view_fades_its_neighbours() {
    let model = checked(&root().join(FIXTURE));
    let view = View::parse("context:payments", &model).unwrap();
    let source = dot(&model, &view);
    // `ordering.OrderPlaced` is a foreign event payments consumes; `ordering.MarkPaid`
    // a foreign policy that consumes a payments event. Both are drawn, dashed.
    for key in ["event:ordering.OrderPlaced", "policy:ordering.MarkPaid"] {
        let line = source
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("\"{key}\" [")))
            .unwrap_or_else(|| panic!("`{key}` missing"));
        assert!(line.contains("dashed"), "`{key}` is not faded: {line}");
    }
    // Shipping is not a direct neighbour of payments.
    assert!(!source.contains("cluster_shipping"));
    assert!(source.contains("\"external:PaymentGateway\" ["));
}

#[test]
fn the_context_map_labels_relations_with_their_patterns() {
    let model = checked(&root().join(FIXTURE));
    let source = dot(&model, &View::ContextMap);
    assert!(source.contains(
        "\"context:ordering\" -> \"context:shipping\" [penwidth=1.6, label=\"event notification: OrderCancelled,\\nOrderPaid\\nevent-carried state transfer:\\nOrderPlaced, OrderPaid\"];"
    ));
    // A policy issuing another context's command: the command travels through the
    // target's inbox, and the coupling says so.
    let loaded = stormcraft::model::load::load_str(
        "coupled.yaml",
        "stormcraft: 1\nsystem: Coupled\nactors:\n  Clerk: a person\ncontexts:\n  ordering:\n    aggregates:\n      Order:\n        commands:\n          PayOrder:\n            by: Clerk\n            emits: [OrderPaid]\n        events:\n          OrderPaid: {}\n    policies:\n      ShipWhenPaid:\n        on: OrderPaid\n        issue: shipping.CreateShipment\n  shipping:\n    aggregates:\n      Shipment:\n        commands:\n          CreateShipment:\n            emits: [ShipmentCreated]\n        events:\n          ShipmentCreated: {}\n",
    );
    let coupled = check(&loaded);
    let model = coupled
        .model
        .expect("the names of the coupled model resolve");
    assert!(dot(&model, &View::ContextMap).contains("label=\"issues CreateShipment\\nvia inbox\""));
}

#[test]
fn a_flow_holds_only_what_follows_from_its_command() {
    let model = checked(&root().join(FIXTURE));
    let view = View::parse("flow:DispatchShipment", &model).unwrap();
    let source = dot(&model, &view);
    assert!(source.contains("\"command:shipping.DispatchShipment\" [label=\"DispatchShipment\", fillcolor=\"#74c0fc\", penwidth=2.5];"));
    assert!(source.contains("\"actor:Clerk\" -> \"command:shipping.DispatchShipment\""));
    assert!(source.contains("\"external:Mailer\""));
    assert!(!source.contains("PlaceOrder"));
    assert!(!source.contains("cluster_ordering"));
}

#[test]
fn bad_views_explain_themselves() {
    let model = checked(&root().join(FIXTURE));
    let error = |text: &str| View::parse(text, &model).unwrap_err();
    assert_eq!(
        error("bord"),
        "unknown view `bord`; did you mean `board`? the views are `board`, `context-map`, `context:NAME`, `flow:COMMAND`"
    );
    assert_eq!(
        error("everything"),
        "unknown view `everything`; the views are `board`, `context-map`, `context:NAME`, `flow:COMMAND`"
    );
    assert_eq!(
        error("context:paymnets"),
        "no context `paymnets` in the model; did you mean `payments`?"
    );
    assert_eq!(
        error("context:zzz"),
        "no context `zzz` in the model; the contexts are: ordering, payments, shipping"
    );
    assert_eq!(
        error("flow:PlaceOrdr"),
        "no command `PlaceOrdr` in the model; did you mean `PlaceOrder`?"
    );
    assert_eq!(
        error("flow:payments.PlaceOrder"),
        "no command `payments.PlaceOrder` in the model; did you mean `ordering.PlaceOrder`?"
    );
    assert_eq!(
        View::parse("flow:ordering.PlaceOrder", &model),
        View::parse("flow:PlaceOrder", &model)
    );
}

#[test]
fn a_name_shared_by_two_contexts_must_be_qualified() {
    let loaded = stormcraft::model::load::load_str(
        "twins.yaml",
        "stormcraft: 1\nsystem: Twins\ncontexts:\n  left:\n    aggregates:\n      A:\n        commands:\n          Go: {emits: [Went]}\n        events:\n          Went: {}\n  right:\n    aggregates:\n      B:\n        commands:\n          Go: {emits: [Went]}\n        events:\n          Went: {}\n",
    );
    let model = check(&loaded).model.expect("the twins model checks");
    assert_eq!(
        View::parse("flow:Go", &model).unwrap_err(),
        "command `Go` is ambiguous; write one of: left.Go, right.Go"
    );
    assert!(matches!(
        View::parse("flow:right.Go", &model),
        Ok(View::Flow(_))
    ));
}

#[test]
fn an_empty_context_keeps_its_cluster_on_the_board() {
    let loaded = stormcraft::model::load::load_str(
        "tiny.yaml",
        "stormcraft: 1\nsystem: Tiny\ncontexts:\n  empty_one: {}\n  full:\n    aggregates:\n      A:\n        commands:\n          Go: {emits: [Went]}\n        events:\n          Went: {}\n",
    );
    let model = check(&loaded).model.expect("the tiny model checks");
    let source = dot(&model, &View::Board);
    assert!(
        source.contains("subgraph \"cluster_empty_one\" {"),
        "{source}"
    );
    assert!(
        source.contains("\"empty:empty_one\" [label=\"(empty)\""),
        "{source}"
    );
    let source = mermaid(&model, &View::Board);
    assert!(
        source.contains("  subgraph context_empty__one[\"empty_one\"]\n    empty_empty__one[\"(empty)\"]\n  end\n"),
        "{source}"
    );
    if dot_available() {
        run_dot(&dot(&model, &View::Board), "svg").expect("Graphviz accepts the board");
    }
}

fn stormcraft(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

#[test]
fn cli_writes_the_diagram_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("board.dot");
    let output = stormcraft(&[
        "diagram",
        FIXTURE,
        "--view",
        "context:ordering",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stdout.is_empty());
    let model = checked(&root().join(FIXTURE));
    let view = View::parse("context:ordering", &model).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), dot(&model, &view));
}

#[test]
fn cli_takes_the_format_from_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let model = checked(&root().join(FIXTURE));
    for (name, expected) in [
        ("board.mmd", mermaid(&model, &View::Board)),
        ("board.mermaid", mermaid(&model, &View::Board)),
        ("board.gv", dot(&model, &View::Board)),
    ] {
        let file = dir.path().join(name);
        let output = stormcraft(&["diagram", FIXTURE, "-o", file.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(0), "{name}: {output:?}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), expected, "{name}");
    }
}

#[test]
fn cli_never_writes_dot_text_into_an_image_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("board.png");
    let path = file.to_str().unwrap();
    // A format that disagrees with the name is refused before anything is drawn.
    let output = stormcraft(&["diagram", FIXTURE, "--format", "dot", "-o", path]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("`--format dot` writes Graphviz DOT text, but the name")
            && stderr.contains("says a PNG image; drop `--format`, or name the file"),
        "{stderr}"
    );
    assert!(!file.exists());
    // Without `--format`, the name asks for the PNG render: Graphviz draws it, or the
    // command fails saying how to install it, and the file is not written.
    let output = stormcraft(&["diagram", FIXTURE, "-o", path]);
    if dot_available() {
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        assert!(std::fs::read(&file).unwrap().starts_with(b"\x89PNG"));
    } else {
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        assert!(String::from_utf8(output.stderr)
            .unwrap()
            .contains("Graphviz"));
        assert!(!file.exists());
    }
    // A name that says no format needs `--format`.
    let file = dir.path().join("board.txt");
    let output = stormcraft(&["diagram", FIXTURE, "-o", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("cannot tell the diagram format from the name"));
    assert!(!file.exists());
}

#[test]
fn cli_prints_mermaid() {
    let output = stormcraft(&[
        "diagram",
        FIXTURE,
        "--view",
        "context-map",
        "--format",
        "mermaid",
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let model = checked(&root().join(FIXTURE));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        mermaid(&model, &View::ContextMap)
    );
}

#[test]
fn cli_rejects_a_bad_view_with_exit_code_2() {
    let output = stormcraft(&["diagram", FIXTURE, "--view", "contxt-map"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("error: unknown view `contxt-map`; did you mean `context-map`?"),
        "{stderr}"
    );
}

#[test]
fn cli_draws_svg_when_graphviz_is_installed() {
    if !dot_available() {
        assert!(!in_ci(), "CI=true but Graphviz `dot` is not installed");
        eprintln!("notice: Graphviz `dot` is not installed; SVG output is not tested");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flow.svg");
    let output = stormcraft(&[
        "diagram",
        FIXTURE,
        "--view",
        "flow:PlaceOrder",
        "--format",
        "svg",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(std::fs::read_to_string(&file).unwrap().contains("<svg"));
}

const FLAWED: &str = "tests/fixtures/diagram/flawed.yaml";

/// The flawed fixture as `diagram` draws it: the resolved model with every error and
/// warning added as a hotspot on the element it is about.
fn flawed() -> Model {
    let loaded = load(&root().join(FLAWED)).expect("the flawed fixture loads");
    let checked = check(&loaded);
    assert!(
        checked.diagnostics.has_errors(),
        "the flawed fixture must have errors"
    );
    let model = checked
        .model
        .as_ref()
        .expect("the flawed fixture's names resolve");
    let findings = stormcraft::render::findings::findings(&checked.diagnostics.sorted());
    assert!(
        findings.iter().all(|f| f.subject.is_some()),
        "every flow finding names its element: {findings:?}"
    );
    stormcraft::render::findings::with_findings(model, &findings)
}

#[test]
fn a_flawed_design_is_drawn_with_its_findings_as_hotspots() {
    let model = flawed();
    let graphviz = dot_available();
    assert!(
        graphviz || !in_ci(),
        "CI=true but Graphviz `dot` is not installed"
    );
    for text in views(&model) {
        let view = View::parse(&text, &model).unwrap();
        let dot_source = dot(&model, &view);
        let mermaid_source = mermaid(&model, &view);
        assert_nodes_defined_once(&dot_source, &format!("flawed {text}"));
        insta::assert_snapshot!(snapshot_name("flawed", &text, "dot"), dot_source);
        insta::assert_snapshot!(snapshot_name("flawed", &text, "mermaid"), mermaid_source);
        if graphviz {
            run_dot(&dot_source, "svg")
                .unwrap_or_else(|e| panic!("flawed {text}: Graphviz rejects the DOT: {e}"));
        }
    }
    let board = dot(&model, &View::Board);
    for code in ["SC040", "SC041", "SC046", "SC049"] {
        assert!(board.contains(code), "the board shows {code}:\n{board}");
    }
    let context = dot(&model, &View::parse("context:billing", &model).unwrap());
    assert!(context.contains("SC049") && !context.contains("SC040"));
}

#[test]
fn cli_draws_a_flawed_design_and_says_so() {
    let output = stormcraft(&["diagram", FLAWED, "--view", "board"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SC040"), "{stderr}");
    assert!(
        stderr.contains("drawn anyway with 4 finding(s) marked as hotspots"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("SC049 policy-without-action"));
    let traced = stormcraft(&["trace", FLAWED, "BookAppointment"]);
    assert_eq!(traced.status.code(), Some(0), "{traced:?}");
    let text = String::from_utf8_lossy(&traced.stdout);
    assert!(
        text.contains("⚠ SC049 policy-without-action: policy `RemindPatient` does nothing"),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gen");
    let generated = stormcraft(&["generate", FLAWED, "-o", out.to_str().unwrap()]);
    assert_eq!(generated.status.code(), Some(1), "{generated:?}");
    assert!(
        !out.exists(),
        "generate writes nothing for a model with errors"
    );
}

/// The line of the DOT source that starts with `start`.
fn line_of<'s>(source: &'s str, start: &str) -> &'s str {
    source
        .lines()
        .find(|l| l.trim_start().starts_with(start))
        .unwrap_or_else(|| panic!("no line `{start}` in:\n{source}"))
}

#[test]
fn outcomes_fork_and_each_leads_to_its_own_events() {
    let model = checked(&root().join(FLOWS));
    let source = dot(&model, &View::Board);
    // The command forks into its outcomes; no edge goes from it to an event.
    assert!(source.contains(
        "\"command:payments.ChargeCard\" -> \"outcome:payments.ChargeCard/succeeded\" [arrowhead=none];"
    ));
    assert!(!source.contains("\"command:payments.ChargeCard\" -> \"event:"));
    assert!(source
        .contains("\"outcome:payments.ChargeCard/failed\" -> \"event:payments.PaymentFailed\";"));
    // The failure outcome is red; an optional event is a dashed `?` edge.
    let failed = line_of(&source, "\"outcome:payments.ChargeCard/failed\" [");
    assert!(
        failed.contains("failed\\n(failure)") && failed.contains("#c92a2a"),
        "{failed}"
    );
    assert!(source.contains(
        "\"outcome:payments.ChargeCard/succeeded\" -> \"event:payments.ReceiptIssued\" [style=dashed, label=\"?\"];"
    ));
    // `emits:` in a format 2 file draws as before: straight to the event.
    assert!(source.contains("\"command:booking.ReleaseHold\" -> \"event:booking.HoldReleased\";"));
    assert!(
        source.contains("fork: a command's alternative outcomes"),
        "legend"
    );
}

#[test]
fn recovery_time_and_inboxes_are_on_the_edges() {
    let model = checked(&root().join(FLOWS));
    let source = dot(&model, &View::Board);
    // The condition and the retry on the issue edge; the compensation its own edge.
    let issue = line_of(
        &source,
        "\"policy:booking.ConfirmWhenPaid\" -> \"command:booking.ConfirmHold\"",
    );
    assert!(
        issue.contains(
            "label=\"if the hold has not expired\\non HoldNotFound: retry 3× after 10s\""
        ),
        "{issue}"
    );
    let compensation = line_of(
        &source,
        "\"policy:booking.ConfirmWhenPaid\" -> \"command:payments.RefundPayment\"",
    );
    assert!(
        compensation.contains("#e8590c")
            && compensation.contains("label=\"on HoldExpired\\nvia payments inbox\""),
        "{compensation}"
    );
    assert!(line_of(
        &source,
        "\"policy:booking.ChargeForHold\" -> \"command:payments.ChargeCard\""
    )
    .contains("label=\"via payments inbox\""));
    // The deadline: started by its event, cancelled by the `unless` ones, firing the policy.
    let timer = line_of(&source, "\"timer:booking.ExpireUnpaidHold\" [");
    assert!(
        timer.contains("after 20m\\nper hold_id") && timer.contains("shape=hexagon"),
        "{timer}"
    );
    assert!(source.contains("\"event:booking.HoldPlaced\" -> \"timer:booking.ExpireUnpaidHold\";"));
    assert!(!source.contains("\"event:booking.HoldPlaced\" -> \"policy:booking.ExpireUnpaidHold\""));
    assert!(source
        .contains("\"timer:booking.ExpireUnpaidHold\" -> \"policy:booking.ExpireUnpaidHold\";"));
    for event in ["payments.PaymentSucceeded", "booking.HoldReleased"] {
        let cancel = line_of(
            &source,
            &format!("\"event:{event}\" -> \"timer:booking.ExpireUnpaidHold\""),
        );
        assert!(
            cancel.contains("arrowhead=tee") && cancel.contains("label=\"unless\""),
            "{cancel}"
        );
    }
    // The schedule: a clock on its policy, fed the rows of its read model.
    assert!(
        line_of(&source, "\"timer:booking.MarkNoShows\" [").contains("every day at\\n03:00 UTC")
    );
    assert!(line_of(
        &source,
        "\"readmodel:booking.ArrivalsDue\" -> \"policy:booking.MarkNoShows\""
    )
    .contains("label=\"for each row\""));
}

#[test]
fn a_flow_follows_compensations_and_schedules_but_not_cancelled_timers() {
    let model = checked(&root().join(FLOWS));
    let view = View::parse("flow:payments.ChargeCard", &model).unwrap();
    let source = dot(&model, &view);
    // What follows from the charge: the refund of a late payment, the nightly no-show run.
    assert!(source.contains("\"command:payments.RefundPayment\" ["));
    assert!(source.contains("\"command:booking.MarkNoShow\" ["));
    // The paid hold's timer is drawn being cancelled, but what it would issue is not.
    assert!(source
        .contains("\"event:payments.PaymentSucceeded\" -> \"timer:booking.ExpireUnpaidHold\""));
    assert!(source.contains("\"policy:booking.ExpireUnpaidHold\" ["));
    assert!(!source.contains("\"command:booking.ExpireHold\" ["));
    // The context map counts the compensation among the couplings.
    let map = dot(&model, &View::ContextMap);
    assert!(
        map.contains("label=\"issues ChargeCard\\ncompensates with RefundPayment\\nvia inbox\""),
        "{map}"
    );
}

#[test]
fn a_process_is_one_element_with_its_edges_and_its_deadline_timer() {
    let model = checked(&root().join(CLAIMS));
    let process = "\"process:claims_handling.ClaimSettlementSagaForPropertyDamage\"";
    for view in [
        View::Board,
        View::Context(
            model
                .context_by_name("claims_handling")
                .expect("the context"),
        ),
    ] {
        let source = dot(&model, &view);
        let node = line_of(&source, &format!("{process} ["));
        assert!(
            node.contains("«process»\\nClaimSettlementSagaForPropertyDamage\\nkey: claim_number")
                && node.contains("peripheries=2")
                && node.contains("#d0bfff"),
            "{node}"
        );
        let definitions = source
            .lines()
            .filter(|l| l.trim_start().starts_with(&format!("{process} [")))
            .count();
        assert_eq!(definitions, 1, "one element for the process");
        // From each handled event, labelled when it starts or completes the process.
        let start = line_of(
            &source,
            &format!("\"event:claims_handling.InsuranceClaimFiledWithPhotos\" -> {process}"),
        );
        assert!(start.contains("label=\"starts\""), "{start}");
        line_of(
            &source,
            &format!("\"event:loss_assessment.OnSiteDamageSurveyCompleted\" -> {process}"),
        );
        // To each command it issues, with the condition and the compensation.
        let settle = line_of(
            &source,
            &format!("{process} -> \"command:claims_handling.SettleInsuranceClaimPayout\""),
        );
        assert!(
            settle.contains("if the assessed damage is within"),
            "{settle}"
        );
        let refund = line_of(
            &source,
            &format!("{process} -> \"command:loss_assessment.RefundSurveyorFee\""),
        );
        assert!(refund.contains("on ClaimAlreadyClosed"), "{refund}");
        // The deadline: a timer the process starts, cancelled by the survey's events,
        // which issues the rejection itself.
        let timer = "\"timer:claims_handling.ClaimSettlementSagaForPropertyDamageDamageSurveyNeverArrived\"";
        line_of(&source, &format!("{process} -> {timer}"));
        line_of(
            &source,
            &format!("\"event:loss_assessment.OnSiteDamageSurveyDisputed\" -> {timer}"),
        );
        line_of(
            &source,
            &format!("{timer} -> \"command:claims_handling.RejectInsuranceClaimForMissingSurvey\""),
        );
        assert!(
            !source.contains(&format!(
                "{process} -> \"command:claims_handling.RejectInsuranceClaimForMissingSurvey\""
            )),
            "the deadline's command leaves from its timer"
        );
        assert!(
            !source.contains("\"policy:"),
            "no policy of the process is drawn"
        );
    }
    let mermaid_source = mermaid(&model, &View::Board);
    assert!(
        mermaid_source.contains(
            "[[\"«process»<br/>ClaimSettlementSagaForPropertyDamage<br/>key: claim_number\"]]"
        ),
        "{mermaid_source}"
    );
}

/// `reads:` is drawn as a dotted green "reads row" edge from the read model to each
/// policy that fills its command from a row, in DOT and Mermaid; a flow does not follow
/// it (the row does not set the policy off), so the flow of the command that fills the
/// read model holds none of the reading policies.
#[test]
fn a_policy_reading_a_row_is_drawn_and_not_followed_by_a_flow() {
    let model = checked(&root().join("tests/fixtures/generate/reads.yaml"));
    let board = dot(&model, &View::Board);
    for policy in [
        "ReserveDosesOnPrescription",
        "ReorderAfterReservation",
        "KeepThePrescriber",
    ] {
        assert!(
            board.contains(&format!("\"readmodel:pharmacy.MedicationShelves\" -> \"policy:pharmacy.{policy}\" [style=dotted, color=\"#2b8a3e\", fontcolor=\"#2b8a3e\", label=\"reads row\"];")),
            "{policy} reads no row in:\n{board}"
        );
    }
    assert!(board.contains("green dotted reads row: the row a policy fills its command from"));
    let chart = mermaid(&model, &View::Board);
    assert!(chart.contains("-.->|\"reads row\"|"), "{chart}");
    let flow = dot(
        &model,
        &View::parse("flow:ReceiveDelivery", &model).unwrap(),
    );
    assert!(
        flow.contains("AuditShelvesNightly"),
        "a schedule goes over the rows"
    );
    assert!(!flow.contains("KeepThePrescriber"), "{flow}");
}
