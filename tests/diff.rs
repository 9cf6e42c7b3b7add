//! `stormcraft diff`, driven as a user would: one fixture pair per diff rule under
//! `tests/fixtures/diff/<rule>/{old,new}.yaml`, each snapshotted as the human report
//! and as JSON; modes; exit codes; and `--against` in a real git repository.
//!
//! Every run happens in the repository root with `NO_COLOR=1`, so file names in the
//! output are relative and stable, and the output has no colour.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use stormcraft::diff::rules::DiffCode;

const FIXTURES: &str = "tests/fixtures/diff";

fn stormcraft(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn run(args: &[&str]) -> Output {
    stormcraft(args, Path::new(env!("CARGO_MANIFEST_DIR")))
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

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(output)).expect("stdout is one JSON document")
}

fn codes(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("a list of findings")
        .iter()
        .map(|f| f["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn pair(slug: &str) -> (String, String) {
    (
        format!("{FIXTURES}/{slug}/old.yaml"),
        format!("{FIXTURES}/{slug}/new.yaml"),
    )
}

#[test]
fn every_rule_has_a_fixture_pair_that_triggers_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for rule in DiffCode::ALL {
        let slug = rule.slug();
        let (old, new) = pair(slug);
        assert!(
            root.join(&old).is_file() && root.join(&new).is_file(),
            "{rule} {slug}: add {FIXTURES}/{slug}/old.yaml and new.yaml"
        );
        for model in [&old, &new] {
            let checked = run(&["check", model]);
            assert_eq!(
                code(&checked),
                0,
                "{model} must check:\n{}",
                stderr(&checked)
            );
        }

        let output = run(&["diff", &old, &new, "--format", "json"]);
        let report = json(&output);
        assert!(
            codes(&report).iter().any(|c| c == rule.as_str()),
            "{slug}: {} not among {:?}",
            rule.as_str(),
            codes(&report)
        );
        let breaking = report["breaking"].as_u64().expect("a count") > 0;
        assert_eq!(code(&output), i32::from(breaking), "{slug}: exit code");
        assert_eq!(report["ok"], !breaking);
        insta::assert_json_snapshot!(format!("{slug}_json"), report);

        let human = run(&["diff", &old, &new]);
        assert_eq!(code(&human), code(&output), "{slug}: human and JSON agree");
        assert_eq!(stderr(&human), "", "{slug}: nothing on stderr");
        insta::assert_snapshot!(format!("{slug}_human"), stdout(&human));
    }
}

#[test]
fn every_fixture_pair_is_a_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES);
    for entry in std::fs::read_dir(&root).expect("the fixtures folder") {
        let name = entry.expect("an entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            DiffCode::parse(&name).is_some(),
            "{FIXTURES}/{name} is named after no diff rule"
        );
    }
}

#[test]
fn consumers_are_named_with_the_fields_they_map() {
    let (old, new) = pair("field-removed");
    let report = json(&run(&["diff", &old, &new, "--format", "json"]));
    let finding = &report["findings"][0];
    assert_eq!(finding["path"], "quantity");
    assert_eq!(finding["breaks"], serde_json::json!(["consumers"]));
    assert_eq!(
        finding["consumers"],
        serde_json::json!([
            {"kind": "policy", "name": "shipping.ShipPlacedOrders", "maps_field": false},
            {"kind": "read-model", "name": "shipping.ShipmentQueue", "maps_field": true},
        ])
    );
    // The removed field is pointed at in the old model, the event in the new one.
    assert_eq!(finding["old"]["line"], 41);
    assert_eq!(finding["new"]["line"], 35);
}

#[test]
fn the_mode_decides_what_breaks() {
    let (old, new) = pair("field-removed");
    // Removing a required field is backward compatible: new readers ignore it.
    let backward = run(&["diff", &old, &new, "--mode", "backward", "--format", "json"]);
    assert_eq!(code(&backward), 0, "{}", stdout(&backward));
    let report = json(&backward);
    assert_eq!(report["mode"], "backward");
    assert_eq!(report["findings"][0]["mode_reason"], "--mode");
    for mode in ["forward", "full"] {
        let output = run(&["diff", &old, &new, "--mode", mode]);
        assert_eq!(code(&output), 1, "--mode {mode}");
        assert!(stdout(&output).ends_with(&format!("(--mode {mode})\n")));
    }

    // A required field added breaks stored events, unless only forward matters.
    let (old, new) = pair("field-added-required");
    assert_eq!(code(&run(&["diff", &old, &new, "--mode", "forward"])), 0);
    assert_eq!(code(&run(&["diff", &old, &new, "--mode", "backward"])), 1);
}

#[test]
fn a_raised_version_with_its_old_shape_kept_reads_stored_events_through_the_upcaster() {
    let (old, _) = pair("previous-version-not-kept");
    let kept = format!("{FIXTURES}/previous-version-not-kept/kept.yaml");
    let output = run(&["diff", &old, &kept, "--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    let report = json(&output);
    assert_eq!(codes(&report), ["D028", "D005"]);
    let added = &report["findings"][1];
    assert_eq!(added["breaks"], serde_json::json!([]));
    assert!(
        added["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("(stored events of version 1 are upcast)")),
        "{added}"
    );
    // The same change without the version raised asks for it, with the block to paste.
    let (old, new) = pair("version-not-raised");
    let report = json(&run(&["diff", &old, &new, "--format", "json"]));
    assert_eq!(codes(&report), ["D005", "D018"]);
    let help = report["findings"][1]["help"].as_str().unwrap_or_default();
    assert!(
        help.contains("raise `version` to 2")
            && help.contains(
                "previous:\n      1:\n        fields:\n          cancelled_at: timestamp"
            ),
        "{help}"
    );
}

#[test]
fn transitive_compares_with_every_kept_version() {
    let old = "tests/fixtures/diff-transitive/old.yaml";
    let new = "tests/fixtures/diff-transitive/new.yaml";
    // Against the old model (version 2) only the widened `quantity` breaks its readers.
    let latest = json(&run(&["diff", old, new, "--format", "json"]));
    assert_eq!(codes(&latest), ["D028", "D009"]);
    // Against version 1 too: `legacy_zone`, which version 1 had, is gone, and
    // `quantity` widened since then as well. Stored events of version 1 are upcast, so
    // only readers still on version 1 break.
    let output = run(&["diff", old, new, "--transitive", "--format", "json"]);
    assert_eq!(code(&output), 1);
    let report = json(&output);
    assert_eq!(codes(&report), ["D028", "D009", "D004", "D009"]);
    for finding in &report["findings"].as_array().unwrap()[2..] {
        assert!(
            finding["message"]
                .as_str()
                .is_some_and(|m| m.ends_with("(against version 1)")),
            "{finding}"
        );
        assert_eq!(
            finding["breaks"],
            serde_json::json!(["consumers"]),
            "{finding}"
        );
    }
    // Without older versions kept, `--transitive` adds nothing.
    let (old, new) = pair("field-removed");
    let plain = json(&run(&["diff", &old, &new, "--format", "json"]));
    let transitive = json(&run(&[
        "diff",
        &old,
        &new,
        "--transitive",
        "--format",
        "json",
    ]));
    assert_eq!(codes(&plain), codes(&transitive));
}

#[test]
fn a_model_compared_with_itself_has_no_changes() {
    let output = run(&["diff", "examples/shop", "examples/shop"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "examples/shop → examples/shop: no changes\n"
    );
    let report = json(&run(&[
        "diff",
        "examples/shop",
        "examples/shop",
        "--format",
        "json",
    ]));
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(report["ok"], true);
}

#[test]
fn a_model_whose_names_do_not_resolve_is_a_usage_error() {
    let broken = "tests/fixtures/invalid/SC020-unresolved-reference.yaml";
    let (_, new) = pair("field-removed");
    let output = run(&["diff", broken, &new]);
    assert_eq!(code(&output), 2, "exit 1 would mean breaking changes");
    let text = stderr(&output);
    assert!(text.contains("SC020"), "{text}");
    assert!(
        text.contains(&format!(
            "error: the old model `{broken}` has 7 error(s); run `stormcraft check {broken}` for the full report"
        )),
        "{text}"
    );
    assert_eq!(code(&run(&["diff", &new, "no/such/model.yaml"])), 2);
}

#[test]
fn usage_needs_two_models_or_a_revision() {
    let (old, new) = pair("field-removed");
    assert_eq!(code(&run(&["diff", &old])), 2);
    assert_eq!(code(&run(&["diff", &old, &new, "--against", "HEAD"])), 2);
}

#[test]
fn diff_rules_are_explained() {
    let output = run(&["explain", "D005"]);
    assert_eq!(code(&output), 0);
    insta::assert_snapshot!("explain_d005", stdout(&output));
    let by_name = run(&["explain", "enum-variant-added"]);
    assert!(stdout(&by_name).starts_with("D012 enum-variant-added (diff: shape)\n"));
    let misspelt = run(&["explain", "feild-removed"]);
    assert_eq!(code(&misspelt), 2);
    assert!(
        stderr(&misspelt).contains("field-removed"),
        "{}",
        stderr(&misspelt)
    );
}

#[test]
fn the_readme_lists_every_diff_rule() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let table = stormcraft::diff::rules::markdown_table();
    assert!(
        readme.contains(&table),
        "README's diff rule table differs from the registry; replace it with:\n{table}"
    );
}

/// A git repository in a temporary folder, with a committed model.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    /// `None` (with a notice) when git is not installed, outside CI.
    fn new() -> Option<Repo> {
        let git = Command::new("git").arg("--version").output();
        if !git.is_ok_and(|o| o.status.success()) {
            assert!(
                std::env::var("CI").is_err(),
                "git is required under CI for the `diff --against` tests"
            );
            eprintln!("notice: git is not installed; skipping a `diff --against` test");
            return None;
        }
        let repo = Repo {
            dir: tempfile::tempdir().expect("a temporary folder"),
        };
        repo.git(&["init", "--quiet"]);
        Some(repo)
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn git(&self, args: &[&str]) {
        let output = Command::new("git")
            .args(args)
            .current_dir(self.dir.path())
            .env("GIT_AUTHOR_NAME", "test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    fn commit_all(&self) {
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "--message", "model"]);
    }
}

fn fixture(slug: &str, side: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("{FIXTURES}/{slug}/{side}.yaml")),
    )
    .expect("a fixture")
}

#[test]
fn against_head_compares_a_file_with_its_committed_version() {
    let Some(repo) = Repo::new() else { return };
    repo.write("model.yaml", &fixture("field-removed", "old"));
    repo.commit_all();
    repo.write("model.yaml", &fixture("field-removed", "new"));

    let output = stormcraft(
        &["diff", "model.yaml", "--against", "HEAD"],
        repo.dir.path(),
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("D004(field-removed)"), "{text}");
    assert!(
        text.contains("= in the old model at HEAD:model.yaml:41:15"),
        "{text}"
    );
    assert!(text.ends_with("HEAD:model.yaml → model.yaml: 1 breaking change (1 for consumers), 0 compatible changes\n"), "{text}");

    // Unchanged since HEAD: nothing to report.
    repo.commit_all();
    let output = stormcraft(
        &["diff", "model.yaml", "--against", "HEAD"],
        repo.dir.path(),
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let output = stormcraft(
        &["diff", "model.yaml", "--against", "HEAD~1"],
        repo.dir.path(),
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
}

#[test]
fn against_head_reads_every_model_file_of_a_folder() {
    let Some(repo) = Repo::new() else { return };
    // The model split in two files, plus files `load` skips: they must be skipped at
    // the revision too.
    let old = fixture("field-removed", "old");
    let (head, contexts) = old.split_at(old.find("contexts:").expect("contexts"));
    repo.write("model/a-system.yaml", head);
    repo.write(
        "model/contexts/ordering.yaml",
        &format!("stormcraft: 1\n{contexts}"),
    );
    repo.write("model/.hidden.yaml", "not: a model");
    repo.write("model/service/target/junk.yaml", "not: a model");
    repo.write("model/notes.md", "# notes");
    repo.commit_all();
    let new = fixture("field-removed", "new");
    let contexts = &new[new.find("contexts:").expect("contexts")..];
    repo.write(
        "model/contexts/ordering.yaml",
        &format!("stormcraft: 1\n{contexts}"),
    );

    let output = stormcraft(
        &["diff", "model", "--against", "HEAD", "--format", "json"],
        repo.dir.path(),
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(report["old"], "HEAD:model");
    assert_eq!(codes(&report), ["D004"]);
    assert_eq!(
        report["findings"][0]["old"]["file"],
        "HEAD:model/contexts/ordering.yaml"
    );
    assert_eq!(
        report["findings"][0]["new"]["file"],
        "model/contexts/ordering.yaml"
    );
}

#[test]
fn against_explains_what_git_cannot_show() {
    let Some(repo) = Repo::new() else { return };
    repo.write("model.yaml", &fixture("field-removed", "old"));
    repo.commit_all();
    repo.write("later.yaml", &fixture("field-removed", "new"));

    let missing = stormcraft(
        &["diff", "later.yaml", "--against", "HEAD"],
        repo.dir.path(),
    );
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("error: `later.yaml` did not exist at `HEAD`"),
        "{}",
        stderr(&missing)
    );

    let unknown = stormcraft(
        &["diff", "model.yaml", "--against", "no-such-branch"],
        repo.dir.path(),
    );
    assert_eq!(code(&unknown), 2);
    assert!(
        stderr(&unknown).contains("`no-such-branch` is not a revision of this repository"),
        "{}",
        stderr(&unknown)
    );

    let outside = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        outside.path().join("model.yaml"),
        fixture("field-removed", "old"),
    )
    .expect("write");
    // GIT_CEILING_DIRECTORIES keeps git from finding a repository above the folder.
    let output = Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .args(["diff", "model.yaml", "--against", "HEAD"])
        .current_dir(outside.path())
        .env("NO_COLOR", "1")
        .env(
            "GIT_CEILING_DIRECTORIES",
            outside.path().parent().expect("a parent"),
        )
        .output()
        .expect("the binary runs");
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("is not in a git checkout"),
        "{}",
        stderr(&output)
    );
}

/// Loads and checks a model in-process; its names must resolve.
fn checked(loaded: &stormcraft::model::load::Loaded) -> stormcraft::ir::Model {
    stormcraft::check::check(loaded)
        .model
        .expect("the model's names resolve")
}

fn render_both(
    old: &stormcraft::model::load::Loaded,
    new: &stormcraft::model::load::Loaded,
    report: &stormcraft::diff::Report,
) -> String {
    let sources = stormcraft::diff::render::Sources {
        old: &old.sources,
        new: &new.sources,
        old_name: "old",
        new_name: "new",
    };
    let json = stormcraft::diff::render::json(report, &sources);
    assert_eq!(
        json["findings"].as_array().map(Vec::len),
        Some(report.findings.len())
    );
    stormcraft::diff::render::human(report, &sources, false, 100)
}

#[test]
fn every_model_diffs_against_every_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = [
        "examples/shop",
        "examples/split",
        "examples/library.yaml",
        "examples/warnings",
    ]
    .iter()
    .map(|p| root.join(p))
    .collect();
    for folder in ["tests/fixtures/valid", "tests/fixtures/generate"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(folder))
            .expect("a fixtures folder")
            .map(|e| e.expect("an entry").path())
            .collect();
        files.sort();
        paths.extend(files);
    }
    paths.push(root.join(FIXTURES).join("enum-variant-added/new.yaml"));
    let models: Vec<_> = paths
        .iter()
        .map(|path| {
            let loaded = stormcraft::model::load::load(path).expect("loads");
            let model = checked(&loaded);
            (path, loaded, model)
        })
        .collect();
    for (old_path, old_loaded, old_model) in &models {
        for (new_path, new_loaded, new_model) in &models {
            let report = stormcraft::diff::diff(
                stormcraft::diff::Side {
                    model: old_model,
                    loaded: old_loaded,
                },
                stormcraft::diff::Side {
                    model: new_model,
                    loaded: new_loaded,
                },
                None,
            );
            let text = render_both(old_loaded, new_loaded, &report);
            if old_path == new_path {
                assert!(
                    report.findings.is_empty(),
                    "{} differs from itself:\n{text}",
                    old_path.display()
                );
            }
            for finding in &report.findings {
                assert!(
                    finding.new.is_some() || finding.old.is_some(),
                    "{}: every finding points somewhere",
                    finding.message
                );
            }
        }
    }
}

#[test]
fn a_large_model_diffs_field_by_field() {
    use stormcraft::synth::{synth_model, SynthSpec};
    let spec = SynthSpec::new(10, 3, 4);
    let old = stormcraft::model::load::load_str("old.yaml", &synth_model(&spec));
    let wider = SynthSpec {
        extra_fields: 1,
        ..spec
    };
    let new = stormcraft::model::load::load_str("new.yaml", &synth_model(&wider));
    let (old_model, new_model) = (checked(&old), checked(&new));
    let report = stormcraft::diff::diff(
        stormcraft::diff::Side {
            model: &old_model,
            loaded: &old,
        },
        stormcraft::diff::Side {
            model: &new_model,
            loaded: &new,
        },
        None,
    );
    // One required field more on every command and event: each is a finding, and
    // each one on an event breaks its stored events — and asks for the event's version
    // to be raised (D018), which breaks them too.
    let added = report
        .findings
        .iter()
        .filter(|f| f.code == DiffCode::FieldAddedRequired)
        .count();
    assert_eq!(added, 2 * spec.events());
    let not_raised = report
        .findings
        .iter()
        .filter(|f| f.code == DiffCode::VersionNotRaised)
        .count();
    assert_eq!(not_raised, spec.events());
    assert_eq!(
        report.breaking_for(stormcraft::diff::Impact::StoredEvents),
        2 * spec.events()
    );
    render_both(&old, &new, &report);
}

#[test]
fn a_process_is_a_consumer_of_the_events_it_handles() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let old = std::fs::read_to_string("tests/fixtures/diagram/claims.yaml").expect("the fixture");
    let new = old.replace(
        "fields: { claim_reference_number: uuid }\n          SurveyorFeeRefunded",
        "fields: { claim_reference: uuid }\n          SurveyorFeeRefunded",
    );
    assert_ne!(old, new);
    std::fs::write(dir.path().join("old.yaml"), &old).unwrap();
    std::fs::write(dir.path().join("new.yaml"), &new).unwrap();
    let output = stormcraft(&["diff", "old.yaml", "new.yaml"], dir.path());
    let text = stderr(&output) + &stdout(&output);
    assert!(
        text.contains("affects `claims_handling.ClaimSettlementSagaForPropertyDamage`"),
        "{text}"
    );
    // Compared with itself, a model with a process has no changes (its reactions are
    // not compared as policies).
    let same = stormcraft(&["diff", "old.yaml", "old.yaml"], dir.path());
    assert_eq!(code(&same), 0, "{}", stderr(&same));
}
