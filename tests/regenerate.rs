//! Regeneration never loses work: user-owned files survive, generated files are
//! rewritten, hand-written files at generated paths stop the run, `--check` finds
//! stale output, bad input writes nothing, and templates can be overridden.
//! These run the real binary and compile nothing, so they are fast.

mod support;

use std::path::Path;
use std::process::{Command, Output};

const MODEL: &str = "tests/fixtures/generate/mini.yaml";

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A temporary folder holding a copy of the mini model, so tests can change it.
fn workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let model = temp.path().join("model.yaml");
    std::fs::copy(support::repo_root().join(MODEL), &model).unwrap();
    (temp, model)
}

#[test]
fn user_edits_survive_and_new_commands_appear() {
    let (temp, model) = workspace();
    let dir = temp.path();
    let first = run_in(dir, &["generate", "model.yaml", "-o", "out"]);
    assert_eq!(code(&first), 0, "{}", text(&first.stderr));
    let rules = dir.join("out/ordering/src/rules/order.rs");
    let mut edited = std::fs::read_to_string(&rules).unwrap();
    edited.push_str("\n// a business rule written by the user\n");
    std::fs::write(&rules, &edited).unwrap();

    // The model grows a command.
    let grown = std::fs::read_to_string(&model).unwrap().replace(
        "          CancelOrder:\n",
        "          ArchiveOrder:\n            by: Customer\n            emits: [OrderArchived]\n          CancelOrder:\n",
    )
    .replace(
        "          OrderCancelled: {}\n",
        "          OrderCancelled: {}\n          OrderArchived: {}\n",
    );
    std::fs::write(&model, grown).unwrap();
    let stale = run_in(dir, &["generate", "model.yaml", "-o", "out", "--check"]);
    assert_eq!(code(&stale), 1, "the model changed, so the output is stale");
    assert!(
        text(&stale.stderr).contains("ordering/src/order.rs"),
        "{}",
        text(&stale.stderr)
    );

    let second = run_in(dir, &["generate", "model.yaml", "-o", "out"]);
    assert_eq!(code(&second), 0, "{}", text(&second.stderr));
    assert_eq!(
        std::fs::read_to_string(&rules).unwrap(),
        edited,
        "the user's edit is kept"
    );
    let aggregate = std::fs::read_to_string(dir.join("out/ordering/src/order.rs")).unwrap();
    assert!(
        aggregate.contains("ArchiveOrder"),
        "the new command is generated"
    );
    assert!(aggregate.contains("OrderArchived"));
    let up_to_date = run_in(dir, &["generate", "model.yaml", "-o", "out", "--check"]);
    assert_eq!(code(&up_to_date), 0, "{}", text(&up_to_date.stderr));
}

#[test]
fn check_reports_a_generated_file_edited_by_hand() {
    let (temp, _) = workspace();
    let dir = temp.path();
    assert_eq!(
        code(&run_in(dir, &["generate", "model.yaml", "-o", "out"])),
        0
    );
    let service = dir.join("out/ordering/src/service.rs");
    let mut changed = std::fs::read_to_string(&service).unwrap();
    changed.push_str("// hand edit\n");
    std::fs::write(&service, changed).unwrap();
    let check = run_in(dir, &["generate", "model.yaml", "-o", "out", "--check"]);
    assert_eq!(code(&check), 1);
    assert!(text(&check.stderr).contains("differs:   ordering/src/service.rs"));
    // A regeneration puts the generated text back.
    assert_eq!(
        code(&run_in(dir, &["generate", "model.yaml", "-o", "out"])),
        0
    );
    assert_eq!(
        code(&run_in(
            dir,
            &["generate", "model.yaml", "-o", "out", "--check"]
        )),
        0
    );
}

#[test]
fn a_file_without_the_header_is_never_overwritten() {
    let (temp, _) = workspace();
    let dir = temp.path();
    assert_eq!(
        code(&run_in(dir, &["generate", "model.yaml", "-o", "out"])),
        0
    );
    let lib = dir.join("out/ordering/src/lib.rs");
    std::fs::write(&lib, "// my own lib.rs, no header\n").unwrap();
    let types = dir.join("out/ordering/src/types.rs");
    std::fs::remove_file(&types).unwrap();
    let refused = run_in(dir, &["generate", "model.yaml", "-o", "out"]);
    assert_eq!(code(&refused), 2);
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("ordering/src/lib.rs"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&lib).unwrap(),
        "// my own lib.rs, no header\n"
    );
    assert!(!types.exists(), "a refused run writes nothing at all");
    let check = run_in(dir, &["generate", "model.yaml", "-o", "out", "--check"]);
    assert_eq!(code(&check), 1);
    assert!(text(&check.stderr).contains("edited by hand (no header): ordering/src/lib.rs"));
}

#[test]
fn a_model_with_errors_generates_nothing() {
    let (temp, model) = workspace();
    let dir = temp.path();
    let broken = std::fs::read_to_string(&model)
        .unwrap()
        .replace("issue: CancelOrder", "issue: CancelOrdr");
    std::fs::write(&model, broken).unwrap();
    let output = run_in(dir, &["generate", "model.yaml", "-o", "out"]);
    assert_eq!(code(&output), 1);
    let stderr = text(&output.stderr);
    assert!(stderr.contains("SC020"), "{stderr}");
    assert!(stderr.contains("did you mean `CancelOrder`?"), "{stderr}");
    assert!(!dir.join("out").exists());
    // No staging folder is left behind either.
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["model.yaml"]);
}

#[test]
fn templates_can_be_exported_overridden_and_report_their_errors() {
    let (temp, _) = workspace();
    let dir = temp.path();
    let export = run_in(dir, &["templates", "export", "mine"]);
    assert_eq!(code(&export), 0, "{}", text(&export.stderr));
    let again = run_in(dir, &["templates", "export", "mine"]);
    assert_eq!(code(&again), 2, "export never overwrites");

    // Keep only the template we change; the others fall back to the built-in set.
    let readme = dir.join("mine/workspace/README.md.jinja");
    let original = std::fs::read_to_string(&readme).unwrap();
    let custom = dir.join("custom/workspace");
    std::fs::create_dir_all(&custom).unwrap();
    std::fs::write(
        custom.join("README.md.jinja"),
        format!("{original}\nCustomised by our team.\n"),
    )
    .unwrap();
    let output = run_in(
        dir,
        &[
            "generate",
            "model.yaml",
            "-o",
            "out",
            "--templates",
            "custom",
        ],
    );
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let generated = std::fs::read_to_string(dir.join("out/README.md")).unwrap();
    assert!(generated.contains("Customised by our team."));

    // A broken template names its file and line.
    std::fs::write(
        custom.join("README.md.jinja"),
        "line one\n{{ nothing_like_this | no_such_filter }}\n",
    )
    .unwrap();
    let broken = run_in(
        dir,
        &[
            "generate",
            "model.yaml",
            "-o",
            "out2",
            "--templates",
            "custom",
        ],
    );
    assert_eq!(code(&broken), 2);
    let stderr = text(&broken.stderr);
    assert!(stderr.contains("README.md.jinja"), "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(!dir.join("out2").exists());
}

#[test]
fn generation_is_deterministic() {
    let (temp, _) = workspace();
    let dir = temp.path();
    assert_eq!(
        code(&run_in(dir, &["generate", "model.yaml", "-o", "a"])),
        0
    );
    assert_eq!(
        code(&run_in(dir, &["generate", "model.yaml", "-o", "b"])),
        0
    );
    let list = |root: &Path| {
        let mut files: Vec<_> = walk(root)
            .into_iter()
            // The cache holds this machine's file stamps: machine-local by design, and
            // listed in the generated `.gitignore`.
            .filter(|p| !p.ends_with(".stormcraft-cache"))
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap();
                (p.strip_prefix(root).unwrap().to_owned(), bytes)
            })
            .collect();
        files.sort();
        files
    };
    assert_eq!(list(&dir.join("a")), list(&dir.join("b")));
}

fn walk(root: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// Identity of every file under `root` at this moment: a rewrite (write and rename)
/// changes the inode on unix and the modification time everywhere.
fn identities(root: &Path) -> std::collections::BTreeMap<String, String> {
    walk(root)
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).unwrap();
            #[cfg(unix)]
            let inode = std::os::unix::fs::MetadataExt::ino(&meta);
            #[cfg(not(unix))]
            let inode = 0;
            let relative = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            (relative, format!("{inode} {:?}", meta.modified().unwrap()))
        })
        .collect()
}

fn changed_files(
    before: &std::collections::BTreeMap<String, String>,
    after: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    after
        .iter()
        .filter(|(path, id)| before.get(*path) != Some(id))
        .map(|(path, _)| path.clone())
        .collect()
}

#[test]
fn regenerating_an_unchanged_model_writes_nothing() {
    let (temp, _) = workspace();
    let dir = temp.path();
    assert_eq!(
        code(&run_in(dir, &["generate", "model.yaml", "-o", "out"])),
        0
    );
    let before = identities(&dir.join("out"));
    let again = run_in(dir, &["generate", "model.yaml", "-o", "out"]);
    assert_eq!(code(&again), 0, "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).contains(": 0 file(s) written,"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(
        changed_files(&before, &identities(&dir.join("out"))),
        Vec::<String>::new(),
        "not even the manifest is rewritten"
    );
}

#[test]
fn a_change_in_one_context_rewrites_only_that_contexts_files() {
    let (temp, model) = workspace();
    let dir = temp.path();
    assert_eq!(
        code(&run_in(dir, &["generate", "model.yaml", "-o", "out"])),
        0
    );
    let before = identities(&dir.join("out"));
    // A new command of `payments` that nothing else refers to.
    let changed = std::fs::read_to_string(&model).unwrap().replace(
        "          RequestPayment:\n",
        "          VoidPayment:\n            emits: [PaymentVoided]\n          RequestPayment:\n",
    )
    .replace(
        "          PaymentFailed:\n",
        "          PaymentVoided: {}\n          PaymentFailed:\n",
    );
    std::fs::write(&model, changed).unwrap();
    let again = run_in(dir, &["generate", "model.yaml", "-o", "out"]);
    assert_eq!(code(&again), 0, "{}", text(&again.stderr));
    let rewritten = changed_files(&before, &identities(&dir.join("out")));
    assert!(
        rewritten.contains(&"payments/src/payment.rs".to_owned()),
        "{rewritten:?}"
    );
    // The workspace README lists every context's commands, so it changes too.
    let outside: Vec<&String> = rewritten
        .iter()
        .filter(|p| !p.starts_with("payments/"))
        .filter(|p| {
            !matches!(
                p.as_str(),
                ".stormcraft-manifest" | ".stormcraft-cache" | "README.md"
            )
        })
        .collect();
    assert!(
        outside.is_empty(),
        "rewritten outside `payments`: {outside:?}"
    );
    let payment = std::fs::read_to_string(dir.join("out/payments/src/payment.rs")).unwrap();
    assert!(payment.contains("pub struct VoidPayment"), "{payment}");
    let readme = std::fs::read_to_string(dir.join("out/README.md")).unwrap();
    assert!(readme.contains("VoidPayment"), "{readme}");
}

#[test]
fn check_needs_no_rustfmt_and_a_missing_rustfmt_warns_once() {
    let (temp, _) = workspace();
    let dir = temp.path();
    assert_eq!(
        code(&run_in(dir, &["generate", "model.yaml", "-o", "out"])),
        0
    );
    let no_rustfmt = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_stormcraft"))
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env("RUSTFMT", "/nonexistent/rustfmt")
            .output()
            .unwrap()
    };
    let check = no_rustfmt(&["generate", "model.yaml", "-o", "out", "--check"]);
    assert_eq!(code(&check), 0, "{}", text(&check.stderr));
    assert_eq!(text(&check.stderr), "");

    // Without rustfmt a fresh tree is written unformatted, with one warning that says
    // how to get rustfmt...
    let fresh = no_rustfmt(&["generate", "model.yaml", "-o", "raw"]);
    assert_eq!(code(&fresh), 0, "{}", text(&fresh.stderr));
    let warning = text(&fresh.stderr);
    assert_eq!(warning.matches("warning:").count(), 1, "{warning}");
    assert!(
        warning.contains("rustup component add rustfmt"),
        "{warning}"
    );
    let raw = std::fs::read(dir.join("raw/ordering/src/order.rs")).unwrap();
    let formatted = std::fs::read(dir.join("out/ordering/src/order.rs")).unwrap();
    if support::rustfmt_or_skip().is_none() {
        return;
    }
    assert_ne!(raw, formatted, "the render is not already formatted");
    // ...and `--check` still finds it up to date (same render)...
    let check_raw = run_in(dir, &["generate", "model.yaml", "-o", "raw", "--check"]);
    assert_eq!(code(&check_raw), 0, "{}", text(&check_raw.stderr));
    // ...and the next run that has rustfmt formats it.
    let later = run_in(dir, &["generate", "model.yaml", "-o", "raw"]);
    assert_eq!(code(&later), 0, "{}", text(&later.stderr));
    assert_eq!(
        std::fs::read(dir.join("raw/ordering/src/order.rs")).unwrap(),
        formatted
    );
}

#[test]
fn an_unchanged_rerun_still_sees_hand_edits_and_deleted_rule_files() {
    let (temp, _) = workspace();
    let dir = temp.path();
    let generate = |extra: &[&str]| {
        let mut args = vec!["generate", "model.yaml", "-o", "out"];
        args.extend_from_slice(extra);
        run_in(dir, &args)
    };
    assert_eq!(code(&generate(&[])), 0);
    // Same inputs, untouched tree: the fast path, which must report the same.
    let again = generate(&[]);
    assert_eq!(code(&again), 0, "{}", text(&again.stderr));
    assert!(text(&again.stdout).contains(": 0 file(s) written,"));
    assert!(text(&again.stdout).contains("rule file(s) created, "));
    // A hand edit to a generated file is still seen by `--check` and undone by a run.
    let service = dir.join("out/ordering/src/service.rs");
    let original = std::fs::read_to_string(&service).unwrap();
    std::fs::write(&service, original.replace("fn ", "fn  ")).unwrap();
    let check = generate(&["--check"]);
    assert_eq!(code(&check), 1, "{}", text(&check.stdout));
    assert!(text(&check.stderr).contains("differs:   ordering/src/service.rs"));
    assert_eq!(code(&generate(&[])), 0);
    assert_eq!(std::fs::read_to_string(&service).unwrap(), original);
    // A deleted rule file comes back, even though the inputs did not change.
    let rules = dir.join("out/ordering/src/rules/order.rs");
    std::fs::remove_file(&rules).unwrap();
    let rerun = generate(&[]);
    assert!(text(&rerun.stdout).contains("yours to edit: ordering/src/rules/order.rs"));
    assert!(rules.is_file());
    // Losing the cache only costs time.
    std::fs::remove_file(dir.join("out/.stormcraft-cache")).unwrap();
    let check = generate(&["--check"]);
    assert_eq!(code(&check), 0, "{}", text(&check.stderr));
}
