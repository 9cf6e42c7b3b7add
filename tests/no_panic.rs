//! No input makes stormcraft panic: a bounded, deterministic property run over
//! random bytes, random text, random models built from the format's own grammar,
//! and mutations of valid models.
//!
//! Every input goes through the whole in-process pipeline — load, check, render
//! every diagnostic (human and JSON), and when a model comes out, the diagrams and a
//! trace — and must end in a model or in diagnostics. A failed check must carry at
//! least one error, and every label must point inside its file on character
//! boundaries, or the human renderer would draw the wrong place.
//!
//! The runs are bounded (a few hundred cases per strategy) and seeded, so the file
//! takes seconds in debug builds and fails the same way on every machine.

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed};
use stormcraft::check::check;
use stormcraft::diagnostic::{render_human, to_json, Code, Severity};
use stormcraft::ir::CommandId;
use stormcraft::model::load::load_str;
use stormcraft::render::diagram::{dot, mermaid, View};
use stormcraft::render::trace::trace;

fn config(cases: u32, seed: u64) -> Config {
    Config {
        cases,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        // Failures are reproduced from the fixed seed; no files are written.
        failure_persistence: None,
        // Shrinking a text input is cheap; keep it bounded so a failure reports fast.
        max_shrink_iters: 2048,
        ..Config::default()
    }
}

/// Runs the whole pipeline on `text` and checks what must hold for any input.
fn pipeline(text: &str) -> Result<(), TestCaseError> {
    let loaded = load_str("fuzz.yaml", text);
    let checked = check(&loaded);
    let sources = &loaded.sources;
    for diagnostic in checked.diagnostics.sorted() {
        for label in &diagnostic.labels {
            prop_assert!((label.span.file as usize) < sources.files().len());
            let file_text = &sources.file(label.span.file).text;
            let start = label.span.start as usize;
            let end = start + label.span.len as usize;
            prop_assert!(
                end <= file_text.len(),
                "{}: span {start}..{end} of `{}` is outside the file ({} bytes)",
                diagnostic.code,
                diagnostic.message,
                file_text.len()
            );
            prop_assert!(
                file_text.is_char_boundary(start) && file_text.is_char_boundary(end),
                "{}: span {start}..{end} of `{}` splits a character",
                diagnostic.code,
                diagnostic.message
            );
        }
        let human = render_human(&diagnostic, sources, false, 100);
        // miette wraps the message, so only the code is sure to appear verbatim.
        prop_assert!(human.contains(diagnostic.code.as_str()));
        let json = serde_json::to_string(&to_json(&diagnostic, sources))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(json.contains(diagnostic.code.as_str()));
    }
    match checked.clean_model() {
        None => {
            prop_assert!(
                checked
                    .diagnostics
                    .iter()
                    .any(|d| d.severity == Severity::Error),
                "check produced no model and no error"
            );
            // A flawed design whose names resolve is still drawn, findings marked.
            if let Some(model) = &checked.model {
                let found = stormcraft::render::findings::findings(&checked.diagnostics.sorted());
                let marked = stormcraft::render::findings::with_findings(model, &found);
                let mut views = vec!["board".to_owned(), "context-map".to_owned()];
                if let Some(context) = marked.contexts.first() {
                    views.push(format!("context:{}", context.name));
                }
                for text in views {
                    let view = View::parse(&text, &marked)
                        .map_err(|e| TestCaseError::fail(format!("view `{text}`: {e}")))?;
                    prop_assert!(!dot(&marked, &view).is_empty());
                    prop_assert!(!mermaid(&marked, &view).is_empty());
                }
                if !marked.commands.is_empty() {
                    let id = stormcraft::ir::CommandId(0);
                    prop_assert!(
                        !stormcraft::render::trace::trace_marked(&marked, id, &found).is_empty()
                    );
                }
            }
        }
        Some(model) => {
            prop_assert!(!checked.diagnostics.has_errors());
            let board = View::parse("board", model)
                .map_err(|e| TestCaseError::fail(format!("view `board`: {e}")))?;
            prop_assert!(!dot(model, &board).is_empty());
            prop_assert!(!mermaid(model, &board).is_empty());
            // The other views are drawn when this build knows them.
            let mut views = vec!["context-map".to_owned()];
            if let Some(context) = model.contexts.first() {
                views.push(format!("context:{}", context.name));
            }
            if !model.commands.is_empty() {
                views.push(format!("flow:{}", model.qualified_command(CommandId(0))));
                prop_assert!(!trace(model, CommandId(0)).is_empty());
            }
            for name in &views {
                if let Ok(view) = View::parse(name, model) {
                    prop_assert!(!dot(model, &view).is_empty());
                    prop_assert!(!mermaid(model, &view).is_empty());
                }
            }
        }
    }
    Ok(())
}

#[path = "support/random_models.rs"]
mod random_models;

use random_models::{apply, bases, mutation, random_model};

/// Found by `mutated_models_never_panic` (a truncated model). Fails until the SC030
/// span is kept inside the file.
#[test]
fn type_error_at_end_of_file_stays_inside_the_file() {
    let text = "stormcraft: 1\nsystem: Shop\ncontexts:\n  ordering:\n    types:\n      Money:\n        fields:\n          amount: map<string";
    pipeline(text).expect("every span inside the file");
}

/// Found by `random_text_never_panics` and `yaml_like_text_never_panics`: a YAML
/// syntax error located by line and column gets a one-byte span, which splits `é`
/// or, at the end of the file, lies outside it.
#[test]
fn yaml_error_spans_whole_characters() {
    pipeline("stormcraft: 1\néA  ").expect("span on whole characters");
    pipeline("%").expect("span inside the file");
}

/// Found by `random_models_never_panic` with more cases: a field type written as
/// YAML's flow list `[T]` is read back as the string `[T]` but keeps the span of
/// `T` (`type_expression` in src/model/decode.rs), so every offset into it is off by
/// one byte per bracket: the label lands one byte late and, for a non-ASCII name,
/// splits a character (or runs past the end of the file).
#[test]
fn flow_list_type_span_points_at_the_name() {
    let text = "stormcraft: 1\nsystem: Shop\ncontexts:\n  ordering:\n    types:\n      Money:\n        fields:\n          lines: [Öl]\n";
    let loaded = load_str("fuzz.yaml", text);
    let checked = check(&loaded);
    let unknown = checked
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnresolvedReference)
        .expect("`Öl` is an unknown type");
    let span = unknown.span();
    let start = span.start as usize;
    assert_eq!(text.get(start..start + span.len as usize), Some("Öl"));
    pipeline(text).expect("every span inside the file");
}

#[test]
fn the_mutation_bases_are_valid() {
    for base in bases() {
        let checked = check(&load_str("base.yaml", &base));
        assert!(
            checked.clean_model().is_some(),
            "{:?}",
            checked.diagnostics.sorted()
        );
        pipeline(&base).expect("a valid model renders");
    }
}

proptest! {
    #![proptest_config(config(256, 0x5ca1_ab1e))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        pipeline(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn random_text_never_panics(text in any::<String>()) {
        pipeline(&text)?;
    }

    /// Text made of YAML's structural characters and a few words of the format,
    /// which reaches far more of the parser than uniformly random text.
    #[test]
    fn yaml_like_text_never_panics(
        text in "([a-zA-Z_.]{1,8}|[ \n\t:\\-\\[\\]{},#&*!|>'\"%@`?~]|stormcraft: 1\n|contexts:\n|  |é|😀){0,80}"
    ) {
        pipeline(&text)?;
    }
}

proptest! {
    #![proptest_config(config(384, 0xfeed_5eed))]

    #[test]
    fn random_models_never_panic(seed in any::<u64>()) {
        pipeline(&random_model(seed))?;
    }
}

/// A process across two contexts (key mapping, a deadline, a compensation). Not among
/// `bases()`, which the property test of "check accepts, generate builds" shares:
/// `generate` does not build processes yet (and says so).
const PROCESS_BASE: &str = include_str!("fixtures/diagram/claims.yaml");

#[test]
fn the_process_base_is_valid() {
    let checked = check(&load_str("base.yaml", PROCESS_BASE));
    assert!(
        checked.clean_model().is_some(),
        "{:?}",
        checked.diagnostics.sorted()
    );
    pipeline(PROCESS_BASE).expect("a valid model renders");
}

proptest! {
    #![proptest_config(config(256, 0x9a6a_5afe))]

    #[test]
    fn mutated_process_models_never_panic(
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let mut text = PROCESS_BASE.to_owned();
        for mutation in &mutations {
            text = apply(&text, mutation);
        }
        pipeline(&text)?;
    }
}

proptest! {
    #![proptest_config(config(384, 0x0dd_ba11))]

    #[test]
    fn mutated_models_never_panic(
        base in any::<Index>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let bases = bases();
        let mut text = bases[base.index(bases.len())].clone();
        for mutation in &mutations {
            text = apply(&text, mutation);
        }
        pipeline(&text)?;
    }
}

/// The random model generator must produce models that get past the shape phase
/// sometimes, or it would test the loader only.
#[test]
fn random_models_reach_the_checker() {
    let mut reached = 0;
    for seed in 0..200 {
        let loaded = load_str("fuzz.yaml", &random_model(seed));
        if !loaded.diagnostics.has_errors() {
            reached += 1;
        }
    }
    assert!(
        reached >= 20,
        "only {reached} of 200 random models load cleanly"
    );
}
