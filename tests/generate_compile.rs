//! `stormcraft generate`: snapshots of the generated trees, and the generated workspaces
//! compiled, linted and tested with the real cargo.
//!
//! The compile test takes minutes (it builds axum, tokio and SQLite once, then every
//! example's crates). All examples share one target folder under the repository's
//! `target/`, so CI compiles the dependencies once. Set `STORMCRAFT_SKIP_COMPILE_TESTS=1`
//! to skip it locally.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use stormcraft::output::{OutputFile, Ownership};
use stormcraft::templates::Templates;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The models the generator is tested on: the fixtures first, then the examples.
fn models() -> Vec<(&'static str, PathBuf)> {
    let fixtures = repo().join("tests/fixtures/generate");
    let mut models = vec![
        ("mini", fixtures.join("mini.yaml")),
        // Keywords as field names, every field type, long names, string and integer
        // ids, state-stored aggregates, an aggregate without state, a bare context.
        ("edge", fixtures.join("edge.yaml")),
        // Format 2: outcomes, a condition, on_error (compensate, retry at once and after
        // a delay, park) and commands across contexts through the target's inbox.
        ("flows", fixtures.join("flows.yaml")),
        // Format 2 time: deadlines with unless and correlate (one started and cancelled by
        // another context's events), schedules daily and every 15 minutes over read models
        // (one with a pending default).
        ("time", fixtures.join("time.yaml")),
        // Format 2 `previous:`: a chain of two upcasting steps the defaults fill, a
        // pending step, and another context reading the versioned event through the
        // owner's step files.
        ("versions", fixtures.join("versions.yaml")),
        // Format 2 read-model shapes: keys mapped per source event, a composite key, a
        // delete, an update of every matching row, a history, list filters.
        ("read_models", fixtures.join("read_models.yaml")),
        // Format 2 processes: a saga across two contexts (a mapped string key, state read
        // into a command, a deadline, a compensation and a retry, a pending rule) and a
        // process that only records and completes.
        ("process", fixtures.join("process.yaml")),
        // The claims process of the diagram fixtures: a uuid key, a pending compensation
        // to another context, an `if:` condition.
        ("claims", repo().join("tests/fixtures/diagram/claims.yaml")),
        // A process whose start's command has several outcomes: its test is ignored.
        ("process_pending", fixtures.join("process_pending.yaml")),
        // Format 2 `record:` recoveries: from the cause event, the rejection and the
        // clock; pending ones; a deadline's; a process's; a state-stored aggregate's.
        ("recovery", fixtures.join("recovery.yaml")),
        // Format 2 `reads:`: policies filling their command from a read model's row (a
        // key mapped from another context's event, one under its own name), a schedule
        // from its rows and the clock, row fields `null` until a rule sets them.
        ("reads", fixtures.join("reads.yaml")),
        // Format 2 `on: { rejected }`: policies set off by their context's refusals, filled
        // from the refused command, the cause event, the rejection, the clock and a derived
        // id; an error parked by `on_error:`; a deadline's command; a pending reaction.
        ("rejections", fixtures.join("rejections.yaml")),
        // A deadline without `unless:`: no cancelling events, so no `cancel` function.
        ("reminder", fixtures.join("reminder.yaml")),
    ];
    for (name, path) in [
        ("shop", "examples/shop"),
        ("library", "examples/library.yaml"),
        ("split", "examples/split"),
    ] {
        let path = repo().join(path);
        if path.exists() {
            models.push((name, path));
        }
    }
    models
}

/// Loads, checks and generates a model, with the runtime crate (as `generate` writes it).
fn generate(path: &Path, shown_as: &str) -> Vec<OutputFile> {
    let loaded = stormcraft::model::load::load(path).expect("the model loads");
    let checked = stormcraft::check::check(&loaded);
    let model = checked
        .model
        .unwrap_or_else(|| panic!("`{shown_as}` has errors: {:?}", checked.diagnostics));
    stormcraft::generate::workspace_files(&model, shown_as, &Templates::builtin())
        .unwrap_or_else(|e| panic!("generating `{shown_as}`: {e}"))
}

fn file_list(files: &[OutputFile]) -> String {
    files
        .iter()
        .filter(|f| !f.path.starts_with("runtime/"))
        .map(|f| {
            let owner = match f.ownership {
                Ownership::Generated => "generated",
                Ownership::UserOwned => "user",
            };
            format!("{owner:9} {}\n", f.path)
        })
        .collect()
}

#[test]
fn generated_file_lists() {
    for (name, path) in models() {
        let files = generate(&path, name);
        insta::assert_snapshot!(format!("{name}_files"), file_list(&files));
    }
}

#[test]
fn generation_is_deterministic() {
    for (name, path) in models() {
        assert_eq!(generate(&path, name), generate(&path, name), "{name}");
    }
}

/// The full text of every generated file of one context of the shop (of the fixture,
/// until the shop example exists).
#[test]
fn one_context_in_full() {
    let (name, path, context) = match models().into_iter().find(|(n, _)| *n == "shop") {
        Some((name, path)) => (name, path, "ordering/"),
        None => ("mini", models()[0].1.clone(), "ordering/"),
    };
    in_full(name, &path, &[context]);
}

/// The full text of both contexts of the flows fixture: outcome tables and a pending
/// multi-outcome rule, `issue_` functions (local and through an inbox), a condition in
/// a rule's docs, compensation rules, the inboxes and the recovery workers.
#[test]
fn flows_in_full() {
    let path = repo().join("tests/fixtures/generate/flows.yaml");
    in_full("flows", &path, &["booking/", "billing/"]);
}

/// The full text of what deadlines and schedules add: `src/timers.rs` of both contexts,
/// the tests, the schedules' rules file, and the binaries that start the schedules.
#[test]
fn timers_in_full() {
    let path = repo().join("tests/fixtures/generate/time.yaml");
    in_full(
        "time",
        &path,
        &[
            "lending/src/timers.rs",
            "lending/src/rules/schedules.rs",
            "lending/src/lib.rs",
            "lending/tests/timers.rs",
            "fines/src/timers.rs",
            "fines/tests/timers.rs",
            "app/src/main.rs",
            "app/src/bin/lending.rs",
        ],
    );
}

/// The full text of what previous versions add: `src/versions.rs` of the owner and of
/// the reader, the step files (a filled one and a pending one), the chain test.
#[test]
fn versions_in_full() {
    let path = repo().join("tests/fixtures/generate/versions.yaml");
    in_full(
        "versions",
        &path,
        &[
            "claims_intake_and_settlement/src/versions.rs",
            "claims_intake_and_settlement/src/rules/upcast/",
            "claims_intake_and_settlement/src/lib.rs",
            "claims_intake_and_settlement/Cargo.toml",
            "claims_intake_and_settlement/tests/upcasters.rs",
            "fraud_screening/src/versions.rs",
        ],
    );
}

/// The full text of what read-model shapes generate: rows with composite keys and
/// filters, defaults copying mapped fields, handlers that delete, update every matching
/// row or append history rows, the routes (one path segment per key part), and the
/// generated test of each read model's shape.
#[test]
fn read_models_in_full() {
    let path = repo().join("tests/fixtures/generate/read_models.yaml");
    in_full(
        "read_models",
        &path,
        &[
            "consignment_planning_and_dispatch/src/projections.rs",
            "consignment_planning_and_dispatch/src/service.rs",
            "consignment_planning_and_dispatch/tests/projections.rs",
            "customs_clearance_brokerage/src/projections.rs",
        ],
    );
}

/// The full text of what `reads:` and honest rows generate: the policies that look up
/// their row (and refuse without one), the schedule filled from its rows and the clock,
/// rows whose unset fields are optional, the pending computed field in `lib.rs`, and
/// the `From` conversions between another context's records and enums of the same
/// shape (a near shape's rule pending, saying why).
#[test]
fn reads_in_full() {
    let path = repo().join("tests/fixtures/generate/reads.yaml");
    in_full(
        "reads",
        &path,
        &[
            "pharmacy/src/policies.rs",
            "pharmacy/src/projections.rs",
            "pharmacy/src/timers.rs",
            "pharmacy/src/lib.rs",
            "pharmacy/src/upstream.rs",
        ],
    );
}

/// The full text of what processes generate: `src/processes.rs` (state, rules trait,
/// workers), the rules file, the recovery of a process's `on_error:`, the wiring and
/// the test on the memory store.
#[test]
fn processes_in_full() {
    let path = repo().join("tests/fixtures/generate/process.yaml");
    in_full(
        "process",
        &path,
        &[
            "rental_desk/src/processes.rs",
            "rental_desk/src/rules/processes.rs",
            "rental_desk/src/rules/mod.rs",
            "rental_desk/src/recovery.rs",
            "rental_desk/src/lib.rs",
            "rental_desk/tests/processes.rs",
            "card_payments/src/inbox.rs",
        ],
    );
    let path = repo().join("tests/fixtures/diagram/claims.yaml");
    in_full(
        "claims",
        &path,
        &[
            "claims_handling/src/processes.rs",
            "claims_handling/src/recovery.rs",
            "claims_handling/src/upstream.rs",
            "claims_handling/tests/processes.rs",
        ],
    );
}

/// The full text of what `record:` recoveries generate: the recovery worker's arms
/// (from the cause event, pending, a deadline's, a process's, a state-stored
/// aggregate's), the `PolicyRules` and `ProcessRules` methods, and their tests.
#[test]
fn recoveries_that_record_in_full() {
    let path = repo().join("tests/fixtures/generate/recovery.yaml");
    in_full(
        "recovery",
        &path,
        &[
            "specimen_lab/src/recovery.rs",
            "specimen_lab/src/policies.rs",
            "specimen_lab/src/processes.rs",
            "specimen_lab/src/lib.rs",
            "specimen_lab/tests/recovery.rs",
        ],
    );
}

/// The full text of what policies set off by rejections (`on: { rejected }`) generate:
/// their workers' selectors (an error, any error but a parked one), their `PolicyRules`
/// methods (from the refused command, the cause event, the rejection, the clock and a
/// derived id; a pending one) and their tests.
#[test]
fn rejection_policies_in_full() {
    let path = repo().join("tests/fixtures/generate/rejections.yaml");
    in_full(
        "rejections",
        &path,
        &[
            "box_office/src/policies.rs",
            "box_office/tests/rejections.rs",
        ],
    );
}

/// Snapshots every file under the `contexts` folders of the generated `name`, as the
/// user gets them (through the rustfmt pass).
fn in_full(name: &str, path: &Path, contexts: &[&str]) {
    let Some(rustfmt) = support::rustfmt_or_skip() else {
        return;
    };
    let files = generate(path, name);
    let config = &files
        .iter()
        .find(|f| f.path == "rustfmt.toml")
        .unwrap()
        .contents;
    let mut texts: Vec<(String, String)> = files
        .iter()
        .filter(|f| contexts.iter().any(|c| f.path.starts_with(c)))
        .map(|f| (f.path.clone(), f.contents.clone()))
        .collect();
    let rust: Vec<usize> = (0..texts.len())
        .filter(|&i| texts[i].0.ends_with(".rs"))
        .collect();
    let mut rust_texts: Vec<(String, String)> = rust.iter().map(|&i| texts[i].clone()).collect();
    let report = rustfmt.format(config, &mut rust_texts);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    for (&i, formatted) in rust.iter().zip(rust_texts) {
        texts[i] = formatted;
    }
    for (path, text) in &texts {
        let snapshot = format!("{name}__{}", path.replace(['/', '.'], "_"));
        insta::assert_snapshot!(snapshot, text);
    }
}

/// Text replacements turning a model into a variant of itself: (old, new).
type Replacements = Vec<(&'static str, &'static str)>;

/// Copies the model at `from` (a file or a folder of `.yaml` files) to `to`, with every
/// `(old, new)` replacement applied to its text.
fn rewrite_model(from: &Path, to: &Path, replacements: &[(&str, &str)]) {
    let sources: Vec<PathBuf> = if from.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(from)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        files.sort();
        files
    } else {
        vec![from.to_owned()]
    };
    std::fs::create_dir_all(to).unwrap();
    for source in sources {
        let mut text = std::fs::read_to_string(&source).unwrap();
        for (old, new) in replacements {
            text = text.replace(old, new);
        }
        std::fs::write(to.join(source.file_name().unwrap()), text).unwrap();
    }
}

/// Check-clean models whose names make lines long: 60-character PascalCase names, long
/// field names, deep generic types. Each is (name, source model, replacements).
fn long_name_models() -> Vec<(&'static str, PathBuf, Replacements)> {
    let fixtures = repo().join("tests/fixtures/generate");
    vec![
        (
            "mini-long-types",
            fixtures.join("mini.yaml"),
            vec![
                ("Order", "OrderOfAnExtraordinarilyLongDescriptiveNameForWidthTesting"),
                ("Payment", "PaymentRequestedThroughAVeryLongAndWordyExternalGateway"),
                ("CancelOnFailure", "CancelTheOrderAutomaticallyWheneverThePaymentHasFailed"),
                ("Money", "MonetaryAmountWithCurrencyAndSomeMoreWordsToMakeItLong"),
            ],
        ),
        (
            "mini-long-fields",
            fixtures.join("mini.yaml"),
            vec![
                ("total", "total_amount_including_all_taxes_shipping_and_handling_fees"),
                (
                    "lines: [string]",
                    "lines: [string]\n              nested_lookup_of_optional_amounts_by_name: \"map<string, [Money?]>\"\n              deeply_nested_optional_lists: \"[[map<string, Money?>]]?\"",
                ),
                ("order_id", "identifier_of_the_order_that_this_is_all_about_today"),
            ],
        ),
        ("edge", fixtures.join("edge.yaml"), vec![]),
        (
            "shop-long",
            repo().join("examples/shop"),
            vec![
                ("Order", "CustomerOrderPlacedOnlineThroughTheShopWebsiteFrontend"),
                ("Payment", "CardPaymentAuthorisedAndCapturedByTheProvider"),
                ("Shipment", "ParcelShipmentHandedToTheCarrierForDeliveryToday"),
            ],
        ),
    ]
}

/// Every `.rs` file under `dir`, relative, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path.strip_prefix(dir).unwrap().to_owned());
            }
        }
    }
    files.sort();
    files
}

/// The generated Rust of every model above is exactly what rustfmt writes: the
/// generator's rustfmt pass ran, and nothing in the output depends on hand layout.
#[test]
fn generated_rust_is_rustfmt_clean_even_with_long_names() {
    let Some(rustfmt) = support::rustfmt_or_skip() else {
        return;
    };
    let temp = tempfile::tempdir().unwrap();
    let mut models_run = Vec::new();
    for (name, source, replacements) in long_name_models() {
        if !source.exists() {
            continue;
        }
        let model = temp.path().join(format!("{name}-model"));
        rewrite_model(&source, &model, &replacements);
        let out = temp.path().join(name);
        let output = Command::new(env!("CARGO_BIN_EXE_stormcraft"))
            .arg("generate")
            .arg(&model)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "`{name}`: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.stderr.is_empty(),
            "`{name}`: the rustfmt pass warned:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let files = rust_files(&out);
        assert!(
            files.len() > 10,
            "`{name}` generated {} Rust files",
            files.len()
        );
        let check = Command::new(rustfmt.program())
            .args([
                "--check",
                "--edition",
                "2021",
                "--config-path",
                "rustfmt.toml",
            ])
            .args(&files)
            .current_dir(&out)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "`{name}` is not rustfmt-clean:\n{}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        models_run.push(name);
    }
    assert!(models_run.len() >= 3, "only {models_run:?} were tried");
}

/// Generates the workspace with the real binary, as a user would.
fn write_workspace(model: &Path, dir: &Path) {
    let output = Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .arg("generate")
        .arg(model)
        .arg("-o")
        .arg(dir)
        .output()
        .expect("stormcraft runs");
    assert!(
        output.status.success(),
        "`stormcraft generate {}` failed:\n{}",
        model.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    // Start from the repository's lock file: the versions it pins (serde, serde_json,
    // uuid, rusqlite, tokio...) are already compiled in the shared target folder.
    std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// Runs cargo in `dir`: whether it succeeded, and what it printed (stdout, then stderr).
fn cargo_outcome(dir: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", repo().join("target/generated"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// A reaction scenario that expects the wrong thing fails in the generated workspace:
/// `tests/fixtures/generate/reaction_wrong.yaml` has one right scenario of a deadline
/// and three wrong ones (another value, too early, nothing when something is issued).
#[test]
fn wrong_reaction_scenarios_fail_in_the_generated_workspace() {
    if support::skip_compile_tests() {
        return;
    }
    let only = std::env::var("STORMCRAFT_COMPILE_ONLY").ok();
    if only.as_deref().is_some_and(|o| o != "reaction_wrong") {
        return;
    }
    let temporary = tempfile::tempdir().unwrap();
    let dir = temporary.path();
    write_workspace(
        &repo().join("tests/fixtures/generate/reaction_wrong.yaml"),
        dir,
    );
    let (passed, tested) = cargo_outcome(
        dir,
        &[
            "test",
            "-p",
            "neighbourhood-library-lending",
            "--test",
            "reactions",
        ],
    );
    assert!(!passed, "the wrong reaction scenarios passed:\n{tested}");
    for line in [
        "test reaction: a book kept for fifteen days brings a reminder ... ok",
        "test reaction: wrong: the reminder goes to another member ... FAILED",
        "test reaction: wrong: a reminder after thirteen days ... FAILED",
        "test reaction: wrong: nothing after fifteen days ... FAILED",
        "test result: FAILED. 1 passed; 3 failed",
        // What each failure says.
        "`lending.RemindMemberOfLateBook.member_id` is",
        "expected commands [\"lending.RemindMemberOfLateBook\"], got []",
        "expected commands [], got [\"lending.RemindMemberOfLateBook\"]",
    ] {
        let squeezed = tested.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(squeezed.contains(line), "missing `{line}` in:\n{tested}");
    }
}

/// Runs cargo in `dir` and returns what it printed (stdout, then stderr).
fn cargo(dir: &Path, args: &[&str]) -> String {
    let target = repo().join("target/generated");
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "`cargo {}` failed in {}:\n{}\n{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A behaviour crate of `tests/support`: rules written as a user would (their rules
/// files are theirs to edit) and a test of the app crate, which depends on every
/// context, copied over a generated workspace.
struct Behaviour {
    /// The folder under `tests/support`.
    folder: &'static str,
    /// Each file of the folder and where it goes in the workspace.
    files: &'static [(&'static str, &'static str)],
    /// The app crate's dev-dependencies beside the runtime's `testing` feature.
    dev_dependencies: &'static [&'static str],
}

/// The behaviour crate driven over the generated workspace of `model`, if any:
/// - flows: outcomes, recovery and commands across contexts on a memory store;
/// - process: the pending start rule, a refusing handover, on a manual clock;
/// - read_models: the read-model shapes with the default rules;
/// - recovery: `record:` recoveries, refusals and a pending recording;
/// - reads: `reads:` policies with the default rules.
fn behaviour(model: &str) -> Option<Behaviour> {
    Some(match model {
        "flows" => Behaviour {
            folder: "flows-behaviour",
            files: &[
                ("payment.rs", "billing/src/rules/payment.rs"),
                ("reservation.rs", "booking/src/rules/reservation.rs"),
                ("flows.rs", "app/tests/flows.rs"),
            ],
            dev_dependencies: &["uuid"],
        },
        "process" => Behaviour {
            folder: "process-behaviour",
            files: &[
                ("processes.rs", "rental_desk/src/rules/processes.rs"),
                (
                    "rental_agreement.rs",
                    "rental_desk/src/rules/rental_agreement.rs",
                ),
                ("process.rs", "app/tests/process.rs"),
            ],
            dev_dependencies: &[],
        },
        "read_models" => Behaviour {
            folder: "read-models-behaviour",
            files: &[("read_models.rs", "app/tests/read_models.rs")],
            dev_dependencies: &["uuid", "chrono", "serde_json"],
        },
        "recovery" => Behaviour {
            folder: "recovery-behaviour",
            files: &[
                ("blood_sample.rs", "specimen_lab/src/rules/blood_sample.rs"),
                (
                    "analyser_slot.rs",
                    "specimen_lab/src/rules/analyser_slot.rs",
                ),
                ("policies.rs", "specimen_lab/src/rules/policies.rs"),
                ("recovery.rs", "app/tests/recovery.rs"),
            ],
            dev_dependencies: &["uuid", "serde_json"],
        },
        "reads" => Behaviour {
            folder: "reads-behaviour",
            files: &[("reads.rs", "app/tests/reads.rs")],
            dev_dependencies: &["serde_json"],
        },
        _ => return None,
    })
}

/// Copies `behaviour` over the workspace `dir` and adds its dev-dependencies to the app.
fn add_behaviour(dir: &Path, behaviour: &Behaviour) {
    let folder = repo().join("tests/support").join(behaviour.folder);
    for (from, to) in behaviour.files {
        let to = dir.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(folder.join(from), to).unwrap();
    }
    let manifest = dir.join("app/Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str(
        "\n[dev-dependencies]\nstormcraft-runtime = { workspace = true, features = [\"testing\"] }\n",
    );
    for dependency in behaviour.dev_dependencies {
        text.push_str(&format!("{dependency}.workspace = true\n"));
    }
    std::fs::write(manifest, text).unwrap();
}

#[test]
fn generated_workspaces_compile_lint_and_pass_their_tests() {
    if support::skip_compile_tests() {
        return;
    }
    let only = std::env::var("STORMCRAFT_COMPILE_ONLY").ok();
    for (name, path) in models() {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        // STORMCRAFT_KEEP_GENERATED=DIR keeps the workspaces (DIR/<model>) to look into.
        let temporary = tempfile::tempdir().unwrap();
        let dir = match std::env::var_os("STORMCRAFT_KEEP_GENERATED") {
            Some(keep) => {
                let dir = PathBuf::from(keep).join(name);
                let _ = std::fs::remove_dir_all(&dir);
                dir
            }
            None => temporary.path().to_owned(),
        };
        let dir = dir.as_path();
        write_workspace(&path, dir);
        cargo(dir, &["fmt", "--all", "--check"]);
        // The process fixture's behaviour is added after its generated tests ran with
        // the default rules (below).
        if let Some(behaviour) = behaviour(name).filter(|_| name != "process") {
            add_behaviour(dir, &behaviour);
        }
        let generated_process_tests = name == "process"
            && {
                // The generated tests run with the default rules, before the behaviour's.
                let tested = cargo(
                    dir,
                    &[
                        "test",
                        "-p",
                        "city-car-rental-desk-rental-desk",
                        "--test",
                        "processes",
                    ],
                );
                for line in [
                "test deposit_collection_before_handover_starts_an_instance ... ok",
                "test deposit_collection_before_handover_deadline_issues_its_command_after_its_delay ... ok",
                "test deposit_collection_before_handover_ignores_events_after_completing ... ok",
                // The start's rule is still pending: the test checks that its event was
                // kept as a `NotImplemented` refusal and nothing was issued.
                "test deposit_collection_before_handover_start_issues_its_command ... ok",
                "test car_return_watch_ignores_events_after_completing ... ok",
            ] {
                assert!(tested.contains(line), "missing `{line}` in:\n{tested}");
            }
                // The reaction scenarios, with the start's rule still pending: every
                // scenario of the deposit process is ignored, naming it; the watch runs.
                let reactions = cargo(
                    dir,
                    &[
                        "test",
                        "-p",
                        "city-car-rental-desk-rental-desk",
                        "--test",
                        "reactions",
                    ],
                );
                let pending = "ignored (pending: not implemented: write `deposit_collection_before_handover_on_rental_agreement_opened` in src/rules/processes.rs)";
                assert_eq!(
                    reactions.matches(pending).count(),
                    5,
                    "the deposit's scenarios were not all ignored as pending:\n{reactions}"
                );
                for line in [
                    "test reaction: a returned car completes the watch and issues nothing ... ok",
                    "test reaction: a car not yet returned keeps the watch open ... ok",
                ] {
                    let squeezed = reactions.split_whitespace().collect::<Vec<_>>().join(" ");
                    assert!(squeezed.contains(line), "missing `{line}` in:\n{reactions}");
                }
                add_behaviour(dir, &behaviour("process").expect("the process behaviour"));
                true
            };
        // The whole workspace, the runtime copy and its tests included.
        cargo(
            dir,
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        );
        // Plain `cargo test` at the root, as the README says: every context's scenarios.
        let tested = cargo(dir, &["test"]);
        if name == "versions" {
            assert!(
                tested.contains("upcast: VehicleDamageClaimFiled from version 1 to 3 ... ok")
                    && tested.contains("upcast: ClaimSettled from version 1 to 2")
                    && tested.contains("ignored (pending: write `upcast` in claims_intake_and_settlement/src/rules/upcast/claim_settled_v1.rs"),
                "the upcasting chains did not run as expected:\n{tested}"
            );
        }
        if name == "process_pending" {
            assert!(
                tested.contains("test door_opening_runs_on_the_store ... ignored, pending: `OpenLockerDoor` has several outcomes; write its rule in src/rules/locker_booking.rs"),
                "the pending process test was not reported ignored:\n{tested}"
            );
        }
        // Reaction scenarios: with the rules written, the process's pass; the claims'
        // start rule and the shop's policy rules (freshly generated: the defaults, which
        // cannot know the cancellation's reason) are pending, so theirs are ignored. The
        // committed shop workspace, with its rules written, passes them (tests/e2e.rs).
        let expected_reactions = match name {
            "process" => Some("test result: ok. 7 passed; 0 failed; 0 ignored"),
            "shop" => Some("test result: ok. 0 passed; 0 failed; 6 ignored"),
            "claims" => Some("test result: ok. 0 passed; 0 failed; 4 ignored"),
            _ => None,
        };
        if let Some(result) = expected_reactions {
            assert!(
                tested.contains("Running tests/reactions.rs") && tested.contains(result),
                "the reaction scenarios of `{name}` did not end with `{result}`:\n{tested}"
            );
        }
        if name == "claims" {
            assert!(
                tested.contains("ignored (pending: not implemented: write `claim_settlement_saga_for_property_damage_on_insurance_claim_filed_with_photos` in src/rules/processes.rs)"),
                "the claims' reaction scenarios were not ignored as pending:\n{tested}"
            );
        }
        if generated_process_tests {
            assert!(
                tested.contains("Running tests/process.rs")
                    && tested.contains(
                        "test a_refused_handover_is_compensated_by_the_reactions_on_error ... ok"
                    ),
                "the process behaviour did not run:\n{tested}"
            );
        }
        if name == "flows" {
            assert!(
                tested.contains("test result: ok. 4 passed")
                    && tested.contains("Running tests/flows.rs"),
                "the flows behaviour did not run:\n{tested}"
            );
        }
        if name == "recovery" {
            assert!(
                tested.contains("Running tests/recovery.rs")
                    && tested.contains("a_refused_analysis_is_recorded_once_and_its_retest_refusal_completes_the_process ... ok")
                    && tested.contains("a_state_stored_slot_folds_its_recorded_refusal_into_its_row ... ok")
                    && tested.contains("a_pending_recording_records_nothing_and_keeps_the_rejection_listed ... ok"),
                "the recovery behaviour did not run:\n{tested}"
            );
        }
        if name == "read_models" {
            assert!(
                tested.contains("Running tests/read_models.rs")
                    && tested.contains("each_shape_of_read_model_is_projected ... ok")
                    // The generated per-shape tests: a mapped and a composite key, a
                    // delete, a history.
                    && tested.contains("Running tests/projections.rs")
                    && tested.contains("consignments_awaiting_dispatch_rows_follow_their_source_events ... ok")
                    && tested.contains("scans_per_terminal_and_consignment_rows_follow_their_source_events ... ok")
                    && tested.contains("consignment_journey_timeline_rows_follow_their_source_events ... ok")
                    && tested.contains("consignments_under_customs_review_rows_follow_their_source_events ... ok"),
                "the read-model behaviour did not run:\n{tested}"
            );
        }
        if name == "reads" {
            assert!(
                tested.contains("Running tests/reads.rs")
                    && tested.contains("a_policy_fills_its_command_from_the_row_it_reads_and_refuses_without_one ... ok"),
                "the reads behaviour did not run:\n{tested}"
            );
        }
        let scenario_runs = tested.matches("Running tests/scenarios.rs").count();
        let with_aggregates = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .join("tests/scenarios.rs")
                    .is_file()
            })
            .count();
        assert_eq!(
            scenario_runs, with_aggregates,
            "`cargo test` in `{name}` ran {scenario_runs} scenario suites:\n{tested}"
        );
        assert!(with_aggregates > 0, "`{name}` has no scenario suite");
    }
}
