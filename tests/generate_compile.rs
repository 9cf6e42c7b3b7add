//! `stormcraft generate`: snapshots of the generated trees, and the generated workspaces
//! compiled, linted and tested with the real cargo.
//!
//! The compile test takes minutes (it builds axum, tokio and SQLite once, then every
//! example's crates). All examples share one target folder under the repository's
//! `target/`, so CI compiles the dependencies once. Set `STORMCRAFT_SKIP_COMPILE_TESTS=1`
//! to skip it locally.

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
    let files = generate(&path, name);
    for file in files.iter().filter(|f| f.path.starts_with(context)) {
        let snapshot = format!("{name}__{}", file.path.replace(['/', '.'], "_"));
        insta::assert_snapshot!(snapshot, file.contents);
    }
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

fn cargo(dir: &Path, args: &[&str]) {
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
}

#[test]
fn generated_workspaces_compile_lint_and_pass_their_tests() {
    if std::env::var_os("STORMCRAFT_SKIP_COMPILE_TESTS").is_some_and(|v| v == "1") {
        eprintln!(
            "note: STORMCRAFT_SKIP_COMPILE_TESTS=1: the generated workspaces are not compiled"
        );
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
        cargo(
            dir,
            &[
                "clippy",
                "--workspace",
                "--exclude",
                "stormcraft-runtime",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        );
        cargo(
            dir,
            &["test", "--workspace", "--exclude", "stormcraft-runtime"],
        );
    }
}
