//! The real binary, driven as a user would: exit codes, stdout, stderr.
//!
//! Every run happens in the repository root with `NO_COLOR=1`, so file names in the
//! output are relative and stable, and the output has no colour.

use clap::CommandFactory;
use std::path::Path;
use std::process::{Command, Output};

const VALID: &str = "tests/fixtures/valid/shop-mini.yaml";
const INVALID: &str = "tests/fixtures/invalid/SC020-unresolved-reference.yaml";
const WARNINGS_ONLY: &str = "tests/fixtures/invalid/SC043-command-never-issued.yaml";

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stormcraft"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    command
}

fn run(args: &[&str]) -> Output {
    command(args).output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 stderr")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited, not killed")
}

#[test]
fn check_a_valid_model() {
    let output = run(&["check", VALID]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    insta::assert_snapshot!("check_valid_stdout", stdout(&output));
    // The hotspot is a note: shown, but it does not fail the check.
    insta::assert_snapshot!("check_valid_stderr", stderr(&output));
}

#[test]
fn check_an_invalid_model() {
    let output = run(&["check", INVALID]);
    assert_eq!(code(&output), 1);
    insta::assert_snapshot!("check_invalid_stderr", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("{INVALID}: 7 errors, 0 warnings, 0 notes\n")
    );
}

#[test]
fn warnings_fail_only_when_denied() {
    let output = run(&["check", WARNINGS_ONLY]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("SC043"), "{}", stderr(&output));
    assert!(stdout(&output).contains("0 errors, 1 warning, 0 notes"));

    let output = run(&["check", WARNINGS_ONLY, "--deny-warnings"]);
    assert_eq!(code(&output), 1);
    assert!(stderr(&output).contains("SC043"), "{}", stderr(&output));
}

#[test]
fn check_coverage_prints_the_table_and_notes_what_no_scenario_covers() {
    let plain = run(&["check", "examples/shop"]);
    assert_eq!(code(&plain), 0, "{}", stderr(&plain));
    // Plain `check` gives the totals in one line, without a note per outcome.
    assert!(!stderr(&plain).contains("SC057"), "{}", stderr(&plain));
    assert!(
        stdout(&plain).contains("\nscenarios cover 8 of 19 events and 17 of 31 business errors (`check --coverage` lists them)\n"),
        "{}",
        stdout(&plain)
    );

    let output = run(&["check", "examples/shop", "--coverage"]);
    // Notes never fail `check`.
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    insta::assert_snapshot!("check_shop_coverage_stdout", stdout(&output));
    let notes = stderr(&output).matches("SC057(uncovered-outcome)").count();
    assert_eq!(notes, (19 - 8) + (31 - 17), "{}", stderr(&output));

    let json = run(&["check", "examples/shop", "--coverage", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let coverage = &report["coverage"];
    assert_eq!(
        [
            &coverage["events"],
            &coverage["events_covered"],
            &coverage["errors"],
            &coverage["errors_covered"]
        ],
        [19, 8, 31, 17]
    );
    let ordering = &coverage["contexts"][1];
    assert_eq!(ordering["context"], "ordering");
    assert_eq!(
        ordering["commands"][0]["events"][0],
        serde_json::json!({"event": "OrderPlaced", "scenarios": ["a customer places an order"]})
    );
    // Without the flag, the JSON report has no coverage (and no SC057 notes).
    let json = run(&["check", "examples/shop", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert!(report.get("coverage").is_none());
}

#[test]
fn check_as_json() {
    let output = run(&["check", INVALID, "--format", "json"]);
    assert_eq!(code(&output), 1);
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("stdout is one JSON document");
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"], 7);
    let diagnostics = report["diagnostics"].as_array().expect("a list");
    assert_eq!(diagnostics.len(), 7);
    for diagnostic in diagnostics {
        for key in [
            "code",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "byte_range",
        ] {
            assert!(
                !diagnostic[key].is_null(),
                "`{key}` missing in {diagnostic}"
            );
        }
        assert_eq!(diagnostic["file"], INVALID);
    }
    insta::assert_snapshot!("check_invalid_json", stdout(&output));

    let output = run(&["check", VALID, "--format", "json"]);
    assert_eq!(code(&output), 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(report["ok"], true);
    assert_eq!(report["contexts"][0]["name"], "ordering");
}

#[test]
fn explain_a_code_and_a_rule_name() {
    let output = run(&["explain", "SC020"]);
    assert_eq!(code(&output), 0);
    insta::assert_snapshot!("explain_sc020", stdout(&output));

    let output = run(&["explain", "policy-cycle"]);
    assert_eq!(code(&output), 0);
    assert!(stdout(&output).starts_with("SC048 policy-cycle (warning)\n"));
    insta::assert_snapshot!("explain_policy_cycle", stdout(&output));

    let lower = run(&["explain", "sc048"]);
    assert_eq!(stdout(&lower), stdout(&output));
}

#[test]
fn explain_list() {
    let output = run(&["explain", "--list"]);
    assert_eq!(code(&output), 0);
    let text = stdout(&output);
    // The check rules, then the diff rules.
    assert_eq!(
        text.lines().count(),
        stormcraft::diagnostic::Code::ALL.len() + stormcraft::diff::rules::DiffCode::ALL.len()
    );
    insta::assert_snapshot!("explain_list", text);
}

#[test]
fn explain_an_unknown_code() {
    let output = run(&["explain", "NOPE"]);
    assert_eq!(code(&output), 2);
    assert!(stdout(&output).is_empty());
    assert!(
        stderr(&output).contains("unknown diagnostic code `NOPE`"),
        "{}",
        stderr(&output)
    );

    let output = run(&["explain", "policy-cycel"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("did you mean `policy-cycle`?"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_missing_file_names_the_file_and_the_reason() {
    let output = run(&["check", "tests/fixtures/no-such-model.yaml"]);
    assert_eq!(code(&output), 2);
    let text = stderr(&output);
    assert!(
        text.contains("`tests/fixtures/no-such-model.yaml`"),
        "{text}"
    );
    let reason = std::io::Error::from(std::io::ErrorKind::NotFound).to_string();
    assert!(
        text.to_lowercase().contains("no such file") || text.contains(&reason),
        "{text}"
    );
}

#[test]
fn an_empty_folder_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().to_string_lossy().into_owned();
    let output = run(&["check", &path]);
    assert_eq!(code(&output), 2);
    let text = stderr(&output);
    assert!(text.contains("holds no model files"), "{text}");
    assert!(text.contains(&path), "{text}");
}

#[test]
fn version() {
    let output = run(&["--version"]);
    assert_eq!(code(&output), 0);
    assert_eq!(
        stdout(&output),
        format!("stormcraft {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn every_subcommand_help_has_an_example() {
    let cli = stormcraft::cli::Cli::command();
    let names: Vec<String> = cli
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .filter(|n| n != "help")
        .collect();
    assert!(names.len() >= 7, "{names:?}");
    for name in names {
        let output = run(&[&name, "--help"]);
        assert_eq!(code(&output), 0, "{name}");
        assert!(
            stdout(&output).contains("Example"),
            "`stormcraft {name} --help` shows no example:\n{}",
            stdout(&output)
        );
    }
}

#[test]
fn completions_for_bash() {
    let output = run(&["completions", "bash"]);
    assert_eq!(code(&output), 0);
    let script = stdout(&output);
    assert!(script.contains("complete -F"), "{script}");
    assert!(script.contains("stormcraft"));
    assert!(script.contains("explain"));
}

fn has_ansi(text: &str) -> bool {
    text.contains('\u{1b}')
}

#[test]
fn no_colour_with_no_color_or_when_piped() {
    let output = run(&["check", INVALID]);
    assert!(!has_ansi(&stderr(&output)) && !has_ansi(&stdout(&output)));

    // Without NO_COLOR, output that is not a terminal (a pipe here) is plain too.
    let output = command(&["check", INVALID])
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs");
    assert_eq!(code(&output), 1);
    assert!(!has_ansi(&stderr(&output)) && !has_ansi(&stdout(&output)));
}

#[test]
fn the_fixtures_named_here_exist() {
    for path in [VALID, INVALID, WARNINGS_ONLY] {
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(path).is_file(),
            "{path}"
        );
    }
}

#[test]
fn every_valid_fixture_checks_clean() {
    let mut names: Vec<_> = std::fs::read_dir("tests/fixtures/valid")
        .expect("tests/fixtures/valid")
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert!(names.len() >= 2);
    for path in names {
        let path = path.to_string_lossy().into_owned();
        let output = run(&["check", &path, "--deny-warnings"]);
        assert_eq!(code(&output), 0, "{path}:\n{}", stderr(&output));
    }
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = command(&["explain", "--list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close our end of stdout at once, like `| head -0`.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.code().is_some(), "killed by a signal: {status:?}");
}
