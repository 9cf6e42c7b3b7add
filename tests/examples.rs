//! Every model under `examples/` passes `stormcraft check` (the real binary), with
//! no warnings except in `examples/warnings`, which exists to show them. The
//! summary each example prints (counts and patterns per context) is snapshotted.

use std::path::Path;
use std::process::{Command, Output};

/// The models of `examples/`: each `.yaml` file and each folder, by name, sorted.
fn examples() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .expect("examples/ is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_dir() || path.extension().is_some_and(|e| e == "yaml"))
        .map(|path| {
            path.file_name()
                .expect("an entry has a name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Runs `stormcraft check examples/NAME ARGS…` from the crate root, so the paths
/// in the output are the same on every machine.
fn check(name: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("check")
        .arg(format!("examples/{name}"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("stormcraft runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

/// The example that exists to show warnings.
const WARNINGS: &str = "warnings";

#[test]
fn the_examples_are_all_there() {
    let names = examples();
    for expected in ["hotel", "library.yaml", "shop", "split", WARNINGS] {
        assert!(
            names.iter().any(|n| n == expected),
            "examples/{expected} is missing; found {names:?}"
        );
    }
}

#[test]
fn every_example_passes_check_without_warnings() {
    for name in examples().iter().filter(|n| n.as_str() != WARNINGS) {
        let output = check(name, &["--deny-warnings"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "examples/{name} fails `check --deny-warnings`:\n{}",
            text(&output.stderr)
        );
        let summary = text(&output.stdout);
        assert!(
            summary.contains(" 0 errors, 0 warnings,"),
            "examples/{name}: {summary}"
        );
        let stem = name.trim_end_matches(".yaml");
        insta::assert_snapshot!(format!("check_{stem}"), summary);
    }
}

#[test]
fn the_shop_uses_every_pattern() {
    // The shop is the reference for the four event-driven patterns: each of its
    // contexts reacts to another (event notification) and keeps a projection
    // (CQRS), and between them they use every pattern.
    let output = check("shop", &["--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("`check --format json` prints JSON");
    let contexts = report["contexts"].as_array().expect("contexts are listed");
    let names: Vec<&str> = contexts.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, ["inventory", "ordering", "payments", "shipping"]);
    let mut all: Vec<&str> = Vec::new();
    for context in contexts {
        let patterns: Vec<&str> = context["patterns"]
            .as_array()
            .expect("patterns are listed")
            .iter()
            .filter_map(|p| p.as_str())
            .collect();
        for must in ["event notification", "event sourcing", "CQRS"] {
            assert!(
                patterns.contains(&must),
                "shop context `{}` lacks {must}: {patterns:?}",
                context["name"]
            );
        }
        all.extend(patterns);
    }
    assert!(all.contains(&"event-carried state transfer"), "{all:?}");
}

#[test]
fn the_warnings_example_shows_each_warning_and_nothing_worse() {
    let output = check(WARNINGS, &[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "warnings do not fail `check`:\n{}",
        text(&output.stderr)
    );
    let summary = text(&output.stdout);
    assert!(summary.contains(" 0 errors, 3 warnings,"), "{summary}");
    insta::assert_snapshot!("check_warnings", summary);
    insta::assert_snapshot!("check_warnings_diagnostics", text(&output.stderr));

    let report = check(WARNINGS, &["--format", "json"]);
    let report: serde_json::Value =
        serde_json::from_slice(&report.stdout).expect("`check --format json` prints JSON");
    let mut codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics are listed")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    codes.sort_unstable();
    assert_eq!(codes, ["SC043", "SC045", "SC048"]);

    let denied = check(WARNINGS, &["--deny-warnings"]);
    assert_eq!(
        denied.status.code(),
        Some(1),
        "--deny-warnings fails on warnings"
    );
}

#[test]
fn the_complete_models_in_model_md_check_cleanly() {
    // MODEL.md teaches the format; a complete model it shows (a `yaml` block that
    // starts with the format version) must pass `check` as printed.
    let doc = include_str!("../MODEL.md");
    let mut models = Vec::new();
    let mut block: Option<String> = None;
    for line in doc.lines() {
        match &mut block {
            None if line == "```yaml" => block = Some(String::new()),
            None => {}
            Some(text) if line == "```" => {
                if text.starts_with("stormcraft: 1") {
                    models.push(std::mem::take(text));
                }
                block = None;
            }
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    assert!(!models.is_empty(), "MODEL.md shows no complete model");
    for model in models {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let file = dir.path().join("model.yaml");
        std::fs::write(&file, &model).expect("the model is written");
        let output = Command::new(env!("CARGO_BIN_EXE_stormcraft"))
            .arg("check")
            .arg(&file)
            .arg("--deny-warnings")
            .env("NO_COLOR", "1")
            .output()
            .expect("stormcraft runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "a model in MODEL.md fails `check`:\n{model}\n{}",
            text(&output.stderr)
        );
    }
}
