//! `export asyncapi`: every example's document (the whole system, and each context
//! alone, in YAML and JSON) passes the official AsyncAPI parser under node without an
//! error or a warning; the YAML reads back as the JSON; the shop's document is
//! snapshotted; the CLI's errors explain themselves.

mod node;

use std::path::{Path, PathBuf};
use std::process::Command;
use stormcraft::check::check;
use stormcraft::export::asyncapi::{asyncapi, AsyncApiOptions};
use stormcraft::export::yaml::to_yaml;
use stormcraft::ir::{ContextId, Model};
use stormcraft::model::load::load;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every model under `examples/`: a YAML file, or a folder with YAML files in it.
fn examples() -> Vec<(String, PathBuf)> {
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
            found.push((name.to_owned(), path.clone()));
        }
    }
    found.sort();
    assert!(found.len() >= 3, "the examples are missing");
    found
}

fn checked(path: &Path) -> Model {
    let loaded = load(path).unwrap_or_else(|e| panic!("cannot load `{}`: {e:?}", path.display()));
    check(&loaded)
        .clean_model()
        .cloned()
        .unwrap_or_else(|| panic!("`{}` does not pass check", path.display()))
}

fn options(context: Option<ContextId>) -> AsyncApiOptions {
    AsyncApiOptions {
        context,
        api_version: "unversioned".to_owned(),
    }
}

#[test]
fn every_example_passes_the_asyncapi_parser() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, path) in examples() {
        let model = checked(&path);
        let mut documents = vec![(format!("{name}.yaml"), None)];
        documents.push((format!("{name}.json"), None));
        for (i, context) in model.contexts.iter().enumerate() {
            documents.push((
                format!("{name}-{}.yaml", context.name),
                Some(ContextId(i as u32)),
            ));
        }
        for (file, context) in documents {
            let document = asyncapi(&model, &options(context));
            assert_eq!(
                document,
                asyncapi(&model, &options(context)),
                "{file}: not deterministic"
            );
            let text = if file.ends_with(".json") {
                serde_json::to_string_pretty(&document).unwrap()
            } else {
                let yaml = to_yaml(&document);
                let back: serde_json::Value = serde_saphyr::from_str(&yaml)
                    .unwrap_or_else(|e| panic!("{file}: the YAML does not parse: {e}"));
                assert_eq!(
                    back, document,
                    "{file}: the YAML does not read back as written"
                );
                yaml
            };
            let target = dir.path().join(&file);
            std::fs::write(&target, text).unwrap();
            files.push(target);
        }
    }
    if !node::node_ready(&["@asyncapi/parser"], "AsyncAPI output") {
        return;
    }
    let args: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let output = node::run_script(
        "validate-asyncapi.mjs",
        &args,
        &[("STORMCRAFT_ASYNCAPI_STRICT", "1")],
    );
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the AsyncAPI parser rejects an export:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        report.lines().filter(|l| l.contains(": ok, ")).count(),
        files.len(),
        "not every document was parsed:\n{report}"
    );
}

#[test]
fn the_shop_document_is_stable() {
    let model = checked(&root().join("examples/shop"));
    insta::assert_snapshot!(
        "shop_asyncapi_yaml",
        to_yaml(&asyncapi(&model, &options(None)))
    );
}

#[test]
fn a_context_document_holds_its_part_and_the_events_it_uses() {
    let model = checked(&root().join("examples/shop"));
    let shipping = model.context_by_name("shipping").unwrap();
    let doc = asyncapi(&model, &options(Some(shipping)));
    let operations = doc["operations"].as_object().unwrap();
    assert!(
        operations.keys().all(|k| k.starts_with("shipping.")),
        "{operations:?}"
    );
    // What shipping publishes is sent; the foreign events it uses are received, and
    // their channel lists only those.
    assert_eq!(
        operations["shipping.publish.ShipmentDispatched"]["action"],
        "send"
    );
    let consumed: Vec<&String> = operations
        .keys()
        .filter(|k| k.starts_with("shipping.consume."))
        .collect();
    assert!(!consumed.is_empty());
    for key in consumed {
        assert_eq!(operations[key.as_str()]["action"], "receive");
    }
    let channels = doc["channels"].as_object().unwrap();
    assert!(!channels.contains_key("inventory.commands.ReceiveStock"));
    let order = &channels["ordering-Order"];
    assert_eq!(order["address"], "ordering-Order-{order_id}");
    let listed: Vec<&String> = order["messages"].as_object().unwrap().keys().collect();
    for event in &listed {
        assert!(
            operations.contains_key(&format!("shipping.consume.ordering.{event}")),
            "`ordering-Order` lists `{event}`, which shipping does not use"
        );
    }
    // Commands: received over HTTP.
    let command = operations
        .iter()
        .find(|(k, _)| k.starts_with("shipping.command."))
        .map(|(_, v)| v)
        .unwrap();
    assert_eq!(command["action"], "receive");
    assert_eq!(command["bindings"]["http"]["method"], "POST");
}

#[test]
fn payloads_follow_the_wire_format() {
    let model = checked(&root().join("examples/shop"));
    let doc = asyncapi(&model, &options(None));
    let placed = &doc["components"]["messages"]["ordering.OrderPlaced"]["payload"];
    assert_eq!(placed["properties"]["order_id"]["format"], "uuid");
    assert_eq!(placed["properties"]["placed_at"]["format"], "date-time");
    assert_eq!(
        placed["properties"]["total"]["$ref"],
        "#/components/schemas/ordering.Money"
    );
    let required: Vec<&str> = placed["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        !required.contains(&"coupon_code"),
        "an optional field is not required"
    );
    assert_eq!(
        placed["properties"]["coupon_code"]["type"],
        serde_json::json!(["string", "null"])
    );
    let money = &doc["components"]["schemas"]["ordering.Money"];
    assert_eq!(money["properties"]["amount"]["type"], "string");
    assert!(money["properties"]["amount"]["pattern"].is_string());
}

fn stormcraft(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run stormcraft")
}

#[test]
fn cli_writes_yaml_or_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shop.json");
    let output = stormcraft(&[
        "export",
        "asyncapi",
        "examples/shop",
        "--format",
        "json",
        "--api-version",
        "2.1.0",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["asyncapi"], "3.0.0");
    assert_eq!(doc["info"]["version"], "2.1.0");

    let output = stormcraft(&[
        "export",
        "asyncapi",
        "examples/shop",
        "--context",
        "ordering",
    ]);
    assert!(output.status.success(), "{output:?}");
    let yaml = String::from_utf8(output.stdout).unwrap();
    assert!(yaml.starts_with("asyncapi: \"3.0.0\"\n"), "{yaml}");
}

#[test]
fn cli_names_the_closest_context() {
    let output = stormcraft(&[
        "export",
        "asyncapi",
        "examples/shop",
        "--context",
        "shiping",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no context `shiping` in the model") && stderr.contains("`shipping`"),
        "{stderr}"
    );
}

#[test]
fn cli_exports_nothing_from_a_model_with_errors() {
    let output = stormcraft(&[
        "export",
        "asyncapi",
        "tests/fixtures/invalid/SC020-unresolved-reference.yaml",
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty());
}

#[test]
fn a_process_receives_the_events_it_handles_and_issues_its_commands() {
    let model = checked(&root().join("tests/fixtures/diagram/claims.yaml"));
    let claims = model
        .context_by_name("claims_handling")
        .expect("the context");
    let text = to_yaml(&asyncapi(&model, &options(Some(claims))));
    // The foreign events the process handles are received by its context.
    assert!(text.contains("OnSiteDamageSurveyCompleted"), "{text}");
    assert!(
        text.contains("process `ClaimSettlementSagaForPropertyDamage` (key `claim_number`), which issues `SettleInsuranceClaimPayout`"),
        "{text}"
    );
    let loss = model
        .context_by_name("loss_assessment")
        .expect("the context");
    let text = to_yaml(&asyncapi(&model, &options(Some(loss))));
    assert!(
        text.contains("the process `ClaimSettlementSagaForPropertyDamage` (a background worker, not over HTTP)"),
        "{text}"
    );
    assert!(
        !text.contains("OnOnSiteDamageSurvey"),
        "a reaction is not a policy: {text}"
    );
}
