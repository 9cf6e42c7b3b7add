//! The second half of "what `check` accepts, `generate` builds": `check_generate.rs`
//! shows every accepted model generates; here a sample of accepted models — names at
//! the limits, and valid models mutated as the no-panic tests mutate them — is
//! generated with the real binary and must pass `cargo fmt --check`,
//! `cargo clippy --all-targets -D warnings` and `cargo test` (the scenarios) as the
//! user would run them.
//!
//! Slow (each sample is a workspace to compile; the dependencies are shared through
//! one target folder): skipped with `STORMCRAFT_SKIP_COMPILE_TESTS=1` outside CI.

mod support;

#[path = "support/random_models.rs"]
mod random_models;

use std::path::Path;
use stormcraft::check::check;
use stormcraft::model::load::load_str;

/// How many mutated models the sample takes.
const MUTATED_SAMPLE: usize = 3;

/// Mutated models of the no-panic tests (a valid base model, one to three random line
/// edits, from a fixed seed) that still check clean, differ from their base and hold
/// at least one command and one policy or read model, so the sample exercises handlers
/// and workers, not only types. (The pure random grammar almost never yields an
/// accepted model with commands, so it is not sampled here; `check_generate.rs`
/// covers it in memory.)
fn accepted_mutated_models() -> Vec<(usize, String)> {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let bases = random_models::bases();
    let seed = [7u8; 32];
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
    );
    let edits = proptest::collection::vec(random_models::mutation(), 1..4);
    let mut found = Vec::new();
    for case in 0..5_000usize {
        let base = &bases[case % bases.len()];
        let mutations = edits.new_tree(&mut runner).expect("a value").current();
        let mut text = base.clone();
        for mutation in &mutations {
            text = random_models::apply(&text, mutation);
        }
        if text == *base {
            continue;
        }
        let checked = check(&load_str("model.yaml", &text));
        let Some(model) = checked.clean_model() else {
            continue;
        };
        let reactions = !model.policies.is_empty() || !model.read_models.is_empty();
        if !model.commands.is_empty() && reactions {
            found.push((case, text));
            if found.len() == MUTATED_SAMPLE {
                break;
            }
        }
    }
    found
}

fn build_lint_and_test(model: &Path, dir: &Path) {
    support::stormcraft(
        &[
            "generate",
            &model.to_string_lossy(),
            "-o",
            &dir.to_string_lossy(),
        ],
        dir.parent().expect("a parent folder"),
    );
    // The versions the repository pins are the ones already built in the shared target.
    std::fs::copy(
        support::repo_root().join("Cargo.lock"),
        dir.join("Cargo.lock"),
    )
    .unwrap();
    support::cargo(dir, &["fmt", "--all", "--check"]);
    support::cargo(
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
    support::cargo(
        dir,
        &["test", "--workspace", "--exclude", "stormcraft-runtime"],
    );
}

#[test]
fn a_sample_of_accepted_models_formats_lints_and_tests_clean() {
    let mutated = accepted_mutated_models();
    // Found before any compiling, so mutations that stop yielding accepted models fail
    // here, not by testing less.
    assert_eq!(
        mutated.len(),
        MUTATED_SAMPLE,
        "the mutations no longer yield {MUTATED_SAMPLE} accepted models with commands and reactions"
    );
    if support::skip_compile_tests() {
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let limits = support::repo_root().join("tests/fixtures/generate/limits.yaml");
    build_lint_and_test(&limits, &temp.path().join("limits"));
    for (case, text) in mutated {
        let model = temp.path().join(format!("mutated-{case}.yaml"));
        std::fs::write(&model, &text).unwrap();
        eprintln!("mutated model, case {case}:\n{text}");
        build_lint_and_test(&model, &temp.path().join(format!("mutated-{case}")));
    }
}
