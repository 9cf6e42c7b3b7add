//! `stormcraft init` writes a starter model that passes `check` with no warnings,
//! and never overwrites an existing model.

use std::path::Path;
use std::process::{Command, Output};

fn stormcraft(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("stormcraft runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

#[test]
fn init_writes_a_model_that_checks_cleanly() {
    let temp = tempfile::tempdir().expect("a temporary folder");
    let output = stormcraft(&["init", "my-model"], temp.path());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        format!(
            "wrote {}\nnext: stormcraft check my-model\n",
            Path::new("my-model").join("model.yaml").display()
        )
    );
    let written = std::fs::read_to_string(temp.path().join("my-model/model.yaml"))
        .expect("init wrote my-model/model.yaml");
    assert_eq!(written, include_str!("../src/init/model.yaml"));

    let check = stormcraft(&["check", "my-model", "--deny-warnings"], temp.path());
    assert_eq!(
        check.status.code(),
        Some(0),
        "the starter model fails `check --deny-warnings`:\n{}",
        text(&check.stderr)
    );
    insta::assert_snapshot!(text(&check.stdout), @r"
    my-model: CoffeeShop — 1 context, 1 aggregate, 2 commands, 2 events, 1 policy, 1 read model: 0 errors, 0 warnings, 1 note
      counter: event sourcing, CQRS
    scenarios cover 1 of 2 events and 1 of 2 business errors (`check --coverage` lists them)
    information completeness:
      counter: all 6 fields traced
    ");
}

#[test]
fn init_defaults_to_the_current_folder() {
    let temp = tempfile::tempdir().expect("a temporary folder");
    let output = stormcraft(&["init"], temp.path());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(temp.path().join("model.yaml").is_file());
    let check = stormcraft(&["check", ".", "--deny-warnings"], temp.path());
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
}

#[test]
fn init_refuses_to_overwrite() {
    let temp = tempfile::tempdir().expect("a temporary folder");
    let first = stormcraft(&["init", "model"], temp.path());
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let file = temp.path().join("model/model.yaml");
    std::fs::write(&file, "stormcraft: 1\nsystem: Mine\n").expect("the user edits the model");

    let second = stormcraft(&["init", "model"], temp.path());
    assert_eq!(
        second.status.code(),
        Some(2),
        "a second init is a usage error"
    );
    assert!(second.stdout.is_empty());
    let stderr = text(&second.stderr);
    assert!(
        stderr.contains("already exists") && stderr.contains("never overwrites"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).expect("the model is still there"),
        "stormcraft: 1\nsystem: Mine\n",
        "the user's model is untouched"
    );
}
