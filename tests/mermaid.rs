//! Mermaid checked by Mermaid: every view `diagram --format mermaid` offers (the board,
//! the context map, each context, the flow of each command) of every example and
//! diagram fixture is parsed by Mermaid 11 itself under node and jsdom, and stays under
//! Mermaid's default limits. A view over them (the board of a synthetic 100-context
//! model) is still written, with a warning that names smaller views, and those views
//! are small enough.

mod node;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use stormcraft::check::check;
use stormcraft::ir::Model;
use stormcraft::model::load::load;
use stormcraft::synth::{synth_files, SynthSpec};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The examples (a YAML file or a folder of them under `examples/`) and the diagram
/// fixtures (a rich board, a flawed design drawn with its findings, and a format 2
/// board with outcomes, recovery, deadlines and schedules).
fn models() -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root().join("examples"))
        .expect("examples/")
        .flatten()
    {
        let path = entry.path();
        let yaml = |p: &Path| p.extension().is_some_and(|e| e == "yaml" || e == "yml");
        let is_model = yaml(&path)
            || (path.is_dir()
                && std::fs::read_dir(&path)
                    .is_ok_and(|mut files| files.any(|f| f.is_ok_and(|f| yaml(&f.path())))));
        if let (true, Some(name)) = (is_model, path.file_stem().and_then(|s| s.to_str())) {
            found.push((format!("example_{name}"), path.clone()));
        }
    }
    found.sort();
    assert!(found.len() >= 3, "the examples are missing");
    for fixture in ["board", "flawed", "hotel", "claims"] {
        found.push((
            format!("fixture_{fixture}"),
            root().join(format!("tests/fixtures/diagram/{fixture}.yaml")),
        ));
    }
    found.push((
        "fixture_recovery".to_owned(),
        root().join("tests/fixtures/generate/recovery.yaml"),
    ));
    found.push((
        "fixture_rejections".to_owned(),
        root().join("tests/fixtures/generate/rejections.yaml"),
    ));
    found
}

/// The resolved model (a flawed one too: `diagram` draws it).
fn resolved(path: &Path) -> Model {
    let loaded = load(path).unwrap_or_else(|e| panic!("cannot load `{}`: {e:?}", path.display()));
    check(&loaded)
        .model
        .unwrap_or_else(|| panic!("`{}` does not resolve", path.display()))
}

/// Every view the CLI offers for `model`: `board`, `context-map`, `context:NAME` for
/// each context and `flow:COMMAND` for each command.
fn views(model: &Model) -> Vec<String> {
    let mut views = vec!["board".to_owned(), "context-map".to_owned()];
    views.extend(model.contexts.iter().map(|c| format!("context:{}", c.name)));
    views.extend((0..model.commands.len()).map(|i| {
        format!(
            "flow:{}",
            model.qualified_command(stormcraft::ir::CommandId(i as u32))
        )
    }));
    views
}

fn diagram(model: &Path, view: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .args(["diagram"])
        .arg(model)
        .args(["--view", view, "--format", "mermaid"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run stormcraft")
}

/// Parses `files` with Mermaid; returns each file's result line, or `None` when node
/// or the packages are missing outside CI.
fn parse_with_mermaid(files: &[PathBuf]) -> Option<Vec<String>> {
    if !node::node_ready(&["mermaid", "jsdom"], "Mermaid output") {
        return None;
    }
    let args: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let output = node::run_script("parse-mermaid.mjs", &args, &[]);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "parse-mermaid.mjs could not run: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), files.len(), "one result per file: {lines:?}");
    Some(lines)
}

#[test]
fn every_mermaid_view_parses_in_mermaid() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, path) in models() {
        let model = resolved(&path);
        for view in views(&model) {
            let output = diagram(&path, &view);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "{name} {view}: {stderr}");
            assert!(
                !stderr.contains("warning:"),
                "{name} {view} is over Mermaid's limits: {stderr}"
            );
            let safe: String = view
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let file = dir.path().join(format!("{name}__{safe}.mmd"));
            std::fs::write(&file, &output.stdout).unwrap();
            files.push(file);
        }
    }
    assert!(files.len() > 50, "too few views: {}", files.len());
    let Some(results) = parse_with_mermaid(&files) else {
        return;
    };
    let failures: Vec<&String> = results.iter().filter(|l| !l.contains(": ok ")).collect();
    assert!(failures.is_empty(), "Mermaid rejects:\n{failures:#?}");
}

#[test]
fn a_board_over_mermaids_limits_warns_and_names_smaller_views() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SynthSpec::new(100, 2, 3);
    for (file, text) in synth_files(&spec) {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let board = diagram(dir.path(), "board");
    let stderr = String::from_utf8_lossy(&board.stderr);
    assert_eq!(
        board.status.code(),
        Some(0),
        "the exit code is unchanged: {stderr}"
    );
    assert!(!board.stdout.is_empty(), "the diagram is still written");
    assert!(
        stderr.contains("warning: this Mermaid diagram is over Mermaid's default limits")
            && stderr.contains("edges (at most 500)")
            && stderr.contains("characters (at most 50,000)")
            && stderr.contains("`--view context-map`")
            && stderr.contains("`--view context:NAME`")
            && stderr.contains("and 95 more"),
        "{stderr}"
    );

    // The views it suggests fit.
    let model = resolved(dir.path());
    let mut files = vec![dir.path().join("board.mmd")];
    std::fs::write(&files[0], &board.stdout).unwrap();
    let first = &model.contexts[0].name;
    for (file, view) in [
        ("map.mmd", "context-map".to_owned()),
        ("context.mmd", format!("context:{first}")),
    ] {
        let output = diagram(dir.path(), &view);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{view}: {stderr}");
        assert!(
            !stderr.contains("warning:"),
            "{view} is over the limits too: {stderr}"
        );
        let path = dir.path().join(file);
        std::fs::write(&path, &output.stdout).unwrap();
        files.push(path);
    }
    let Some(results) = parse_with_mermaid(&files) else {
        return;
    };
    // Mermaid itself refuses the board (its parser counts the edges): the warning
    // tells the truth.
    assert!(
        results[0].contains(": error: ") && results[0].contains("limit"),
        "{results:?}"
    );
    assert!(
        results[1..].iter().all(|l| l.contains(": ok ")),
        "{results:?}"
    );
}
