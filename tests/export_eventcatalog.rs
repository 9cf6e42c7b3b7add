//! `export eventcatalog`: the tree of a small model is snapshotted, the shop's file
//! list too, and every example's catalog passes EventCatalog's own linter
//! (`@eventcatalog/linter`, from npm: frontmatter schemas, semver versions, and that
//! every `sends`/`receives`/`services` reference names a resource that exists).

mod node;

use std::path::{Path, PathBuf};
use std::process::Command;
use stormcraft::check::check;
use stormcraft::export::eventcatalog::{eventcatalog, CatalogFile};
use stormcraft::model::load::load;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn catalog(model: &Path) -> Vec<CatalogFile> {
    let loaded = load(model).expect("the model loads");
    let checked = check(&loaded);
    let model = checked.clean_model().expect("the model checks");
    eventcatalog(model)
}

fn models() -> Vec<PathBuf> {
    let mut found = vec![
        root().join("examples/shop"),
        root().join("examples/split"),
        root().join("examples/library.yaml"),
        root().join("examples/warnings"),
    ];
    found.push(root().join("tests/fixtures/valid/shop-mini.yaml"));
    found
}

#[test]
fn a_small_model_as_a_catalog_tree() {
    let files = catalog(&root().join("tests/fixtures/valid/shop-mini.yaml"));
    let mut text = String::new();
    for file in &files {
        // The schemas are `export json-schema`'s files, snapshotted there.
        if file.path.ends_with("/schema.json") {
            assert!(file.contents.starts_with("{\n"), "{}", file.path);
            text.push_str(&format!("=== {} (the JSON Schema)\n", file.path));
        } else {
            text.push_str(&format!("=== {}\n{}", file.path, file.contents));
        }
    }
    insta::assert_snapshot!("shop_mini_tree", text);
}

#[test]
fn the_shop_catalog_has_a_folder_per_message() {
    let files = catalog(&root().join("examples/shop"));
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), paths.len(), "no path is written twice");
    insta::assert_snapshot!("shop_paths", paths.join("\n"));
}

#[test]
fn every_example_passes_the_eventcatalog_linter() {
    if !node::node_ready(&["@eventcatalog/linter"], "the EventCatalog export") {
        return;
    }
    let package = node::node_modules().join("@eventcatalog/linter");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(package.join("package.json")).expect("package.json"),
    )
    .expect("package.json is JSON");
    let bin = manifest["bin"]["eventcatalog-linter"]
        .as_str()
        .expect("the linter's bin");
    for model in models() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        for file in catalog(&model) {
            let target = dir.path().join(&file.path);
            std::fs::create_dir_all(target.parent().expect("a parent")).expect("mkdir");
            std::fs::write(&target, &file.contents).expect("write");
        }
        // The model names no owners, and the export invents none; every other rule,
        // warnings included, must pass.
        std::fs::write(
            dir.path().join(".eventcatalogrc.js"),
            "module.exports = { rules: { 'best-practices/owner-required': 'off' } };\n",
        )
        .expect("write the linter's config");
        let output = Command::new("node")
            .arg(package.join(bin))
            .arg("--fail-on-warning")
            .arg(dir.path())
            .env("NO_COLOR", "1")
            .env("FORCE_COLOR", "0")
            .output()
            .expect("run the linter");
        assert!(
            output.status.success(),
            "{}: the linter refuses the catalog:\n{}\n{}",
            model.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        // A catalog with a broken reference must fail, or the test proves nothing.
        let service = dir.path().join("domains");
        let first = std::fs::read_dir(&service)
            .expect("domains/")
            .flatten()
            .map(|e| e.path())
            .min()
            .expect("a domain");
        let domain = first.join("index.mdx");
        let text = std::fs::read_to_string(&domain).expect("a domain page");
        std::fs::write(&domain, text.replace("-service\n", "-nothing\n")).expect("write");
        let broken = Command::new("node")
            .arg(package.join(bin))
            .arg(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("run the linter");
        assert!(
            !broken.status.success(),
            "{}: a broken reference passes",
            model.display()
        );
    }
}

#[test]
fn the_command_writes_the_tree() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let output = Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .args([
            "export",
            "eventcatalog",
            "tests/fixtures/valid/shop-mini.yaml",
            "-o",
        ])
        .arg(dir.path())
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let files = catalog(&root().join("tests/fixtures/valid/shop-mini.yaml"));
    for file in &files {
        let written = std::fs::read_to_string(dir.path().join(&file.path)).expect("written");
        assert_eq!(written, file.contents, "{}", file.path);
    }
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "wrote {} files of EventCatalog content to {}\n",
            files.len(),
            dir.path().display()
        )
    );
}
