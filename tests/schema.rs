//! The JSON Schema of the model format (`src/schema.json`) against real models:
//! it accepts every example and the starter model, rejects the common mistakes
//! that `check` also rejects, and is what `stormcraft schema` prints.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SCHEMA: &str = include_str!("../src/schema.json");

fn schema() -> Value {
    serde_json::from_str(SCHEMA).expect("src/schema.json is valid JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&schema())
        .expect("src/schema.json compiles as a draft 2020-12 schema")
}

/// A YAML model file as the JSON value a YAML editor validates.
fn yaml_to_json(text: &str) -> Value {
    serde_saphyr::from_str::<Value>(text).expect("the model is valid YAML")
}

/// Every model file under `examples/`: the single-file examples and each file
/// of the folder examples, in path order.
fn example_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<PathBuf> = walk(&root)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("examples/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// Each error as `instance path: message`, for readable assertion failures.
fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    if let Err(error) = jsonschema::meta::validate(&schema) {
        panic!("src/schema.json does not follow the draft 2020-12 meta-schema: {error}");
    }
}

#[test]
fn every_example_file_is_valid() {
    let validator = validator();
    let files = example_files();
    assert!(
        files.len() >= 10,
        "expected the shop, library, split and warnings examples, found {files:?}"
    );
    for file in files {
        let text = std::fs::read_to_string(&file).expect("example is readable");
        let errors = errors(&validator, &yaml_to_json(&text));
        assert!(
            errors.is_empty(),
            "{} does not match the schema:\n{}",
            file.display(),
            errors.join("\n")
        );
    }
}

#[test]
fn every_valid_fixture_file_is_valid() {
    // The format-2 fixtures use every key format 2 adds; a folder fixture mixes formats.
    let validator = validator();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
    let mut files: Vec<PathBuf> = walk(&root)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("fixture is readable");
        let errors = errors(&validator, &yaml_to_json(&text));
        assert!(
            errors.is_empty(),
            "{} does not match the schema:\n{}",
            file.display(),
            errors.join("\n")
        );
    }
}

/// A format-2 model valid for both the schema and `check`; each bad case below
/// changes one line of it.
const GOOD_2: &str = r#"stormcraft: 2
system: Cafe
actors:
  Barista: makes coffee
contexts:
  counter:
    aggregates:
      Order:
        id: order_id
        commands:
          TakeOrder:
            by: Barista
            outcomes:
              taken: [OrderTaken, LoyaltyStampGiven?]
              refused: { events: [OrderRefused], failure: true }
          AbandonOrder:
            emits: [OrderAbandoned]
            errors:
              OrderAlreadyServed: the order was served
          ServeOrder:
            by: Barista
            emits: [OrderServed]
        events:
          OrderTaken: {}
          LoyaltyStampGiven: {}
          OrderRefused: {}
          OrderAbandoned: {}
          OrderServed: {}
    read_models:
      OpenOrders:
        key: order_id
        from:
          OrderTaken: {}
          OrderRefused: { delete: true }
          OrderServed: { delete: true }
      OrderTimeline:
        history: true
        filters: [order_id]
        from:
          OrderTaken: {}
          OrderServed: { set: { served_order: order_id } }
        fields:
          order_id: uuid
          served_order: uuid?
    policies:
      AbandonUnservedOrder:
        on: OrderTaken
        after: 1h30m
        unless: [OrderServed]
        correlate: order_id
        issue: AbandonOrder
        if: the order was not paid for
        on_error:
          OrderAlreadyServed: park
      SweepOpenOrders:
        every: day at 03:00
        for_each: OpenOrders
        issue: AbandonOrder
        on_error:
          OrderAlreadyServed: { retry: { times: 2, after: 10s } }
    scenarios:
      - name: an order is taken
        when: TakeOrder
        then: [OrderTaken]
        outcome: taken
"#;

#[test]
fn format_2_mistakes_are_rejected_by_both() {
    let validator = validator();
    let good = yaml_to_json(GOOD_2);
    let errors_of_good = errors(&validator, &good);
    assert!(errors_of_good.is_empty(), "{}", errors_of_good.join("\n"));
    assert_eq!(check_exit_code(GOOD_2), 0);
    // A recovery that records is a recovery both accept.
    let recording = GOOD_2.replacen(
        "OrderAlreadyServed: park",
        "OrderAlreadyServed: { record: OrderRefused }",
        1,
    );
    let errors_of_recording = errors(&validator, &yaml_to_json(&recording));
    assert!(
        errors_of_recording.is_empty(),
        "{}",
        errors_of_recording.join("\n")
    );
    assert_eq!(check_exit_code(&recording), 0);
    // A policy set off by rejections, which handles what the deadline no longer parks
    // (written for any error: the schedule's retry keeps its own refusals).
    let reacting = GOOD_2
        .replacen(
            "        if: the order was not paid for\n        on_error:\n          OrderAlreadyServed: park\n",
            "        if: the order was not paid for\n",
            1,
        )
        .replacen(
            "    scenarios:\n",
            "      ServeWhenAbandoningIsRefused:\n        on: { rejected: AbandonOrder }\n        issue: ServeOrder\n    scenarios:\n",
            1,
        );
    let errors_of_reacting = errors(&validator, &yaml_to_json(&reacting));
    assert!(
        errors_of_reacting.is_empty(),
        "{}",
        errors_of_reacting.join("\n")
    );
    assert_eq!(check_exit_code(&reacting), 0);
    for (what, from, to) in [
        (
            "a rejection trigger with an unknown key",
            "on: { rejected: AbandonOrder }",
            "on: { rejected: AbandonOrder, because: late }",
        ),
        (
            "a rejection trigger without its command",
            "on: { rejected: AbandonOrder }",
            "on: { error: OrderAlreadyServed }",
        ),
    ] {
        let bad = reacting.replacen(from, to, 1);
        assert!(bad != reacting, "{what}: `{from}` is not in the model");
        assert!(
            !validator.is_valid(&yaml_to_json(&bad)),
            "{what}: the schema accepts it"
        );
        assert_ne!(check_exit_code(&bad), 0, "{what}: check accepts it");
    }
    // (what is wrong, text replaced, replacement)
    let cases: &[(&str, &str, &str)] = &[
        (
            "emits and outcomes",
            "            outcomes:\n",
            "            emits: [OrderTaken]\n            outcomes:\n",
        ),
        ("a PascalCase outcome", "taken: [", "Taken: ["),
        (
            "an empty outcome",
            "refused: { events: [OrderRefused], failure: true }",
            "refused: []",
        ),
        ("failure as text", "failure: true", "failure: \"yes\""),
        ("a bad delay", "after: 1h30m", "after: 90 minutes"),
        ("units out of order", "after: 1h30m", "after: 30m1h"),
        ("a bad schedule", "every: day at 03:00", "every: nightly"),
        (
            "a schedule on an event",
            "        every: day at 03:00",
            "        on: OrderTaken\n        every: day at 03:00",
        ),
        ("unless without after", "        after: 1h30m\n", ""),
        (
            "for_each without every",
            "        every: day at 03:00\n",
            "        on: OrderTaken\n",
        ),
        (
            "an unknown recovery",
            "OrderAlreadyServed: park",
            "OrderAlreadyServed: ignore",
        ),
        ("too many retries", "times: 2", "times: 101"),
        (
            "a recording with an unknown key",
            "OrderAlreadyServed: park",
            "OrderAlreadyServed: { record: OrderTaken, when: later }",
        ),
        (
            "a recording of nothing",
            "OrderAlreadyServed: park",
            "OrderAlreadyServed: { record: [] }",
        ),
        (
            "a history with a key",
            "        history: true\n",
            "        history: true\n        key: order_id\n",
        ),
        (
            "delete as text",
            "OrderRefused: { delete: true }",
            "OrderRefused: { delete: \"yes\" }",
        ),
        (
            "an unknown key of a source",
            "OrderRefused: { delete: true }",
            "OrderRefused: { remove: true }",
        ),
        (
            "an outcome with an error",
            "        then: [OrderTaken]\n        outcome: taken",
            "        error: OrderAlreadyServed\n        outcome: taken",
        ),
    ];
    for (what, from, to) in cases {
        assert!(
            GOOD_2.contains(from),
            "{what}: `{from}` is not in the model"
        );
        let bad = GOOD_2.replacen(from, to, 1);
        assert!(
            !validator.is_valid(&yaml_to_json(&bad)),
            "{what}: the schema accepts it"
        );
        assert_eq!(check_exit_code(&bad), 1, "{what}: `check` accepts it");
    }
}

#[test]
fn the_starter_model_is_valid() {
    let validator = validator();
    let errors = errors(
        &validator,
        &yaml_to_json(include_str!("../src/init/model.yaml")),
    );
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn empty_elements_and_short_forms_are_valid() {
    // Shapes the loader accepts that the examples do not all use: empty values
    // (`Name:` with nothing after it), single names instead of lists, errors as a
    // list, the flow list `[T]` as a field type, and the id's long form.
    let model = r#"
stormcraft: 1
system: Tiny
actors:
  User:
contexts:
  things:
    aggregates:
      Thing:
        id: {name: thing_id, type: string}
        commands:
          MakeThing:
            by: User
            fields:
              tags: [string]
              labels: "map<string, [string]>?"
            emits: ThingMade
            errors: [AlreadyMade]
        events:
          ThingMade:
          ThingLost: {}
    scenarios:
      - name: made once
        given: [ThingMade]
        when: {MakeThing: {tags: [a]}}
        error: AlreadyMade
"#;
    let errors = errors(&validator(), &yaml_to_json(model));
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// A small model that is valid for both the schema and `check`; each bad case
/// below changes one line of it.
const GOOD: &str = r#"stormcraft: 1
system: Cafe
actors:
  Barista: makes coffee
contexts:
  counter:
    aggregates:
      Order:
        id: order_id
        persistence: event-sourced
        commands:
          TakeOrder:
            by: Barista
            fields:
              drink: string
            emits: [OrderTaken]
            errors:
              UnknownDrink: we do not serve that
        events:
          OrderTaken:
            fields:
              drink: string
    read_models:
      OpenOrders:
        key: order_id
        from: [OrderTaken]
        fields:
          drink: string
    scenarios:
      - name: an order is taken
        when: TakeOrder
        then: [OrderTaken]
"#;

/// Runs `stormcraft check` on a model text; returns the exit code.
fn check_exit_code(text: &str) -> i32 {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("model.yaml");
    std::fs::write(&file, text).expect("the model is written");
    let output = Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .arg("check")
        .arg(&file)
        .env("NO_COLOR", "1")
        .output()
        .expect("stormcraft runs");
    output.status.code().expect("stormcraft exits normally")
}

#[test]
fn the_base_of_the_bad_cases_is_valid_for_both() {
    let errors = errors(&validator(), &yaml_to_json(GOOD));
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(check_exit_code(GOOD), 0);
}

#[test]
fn common_mistakes_are_rejected_where_they_are() {
    // (what is wrong, text replaced, replacement, the instance path reported)
    let cases: &[(&str, &str, &str, &str)] = &[
        ("a misspelt top-level key", "actors:", "actor:", ""),
        ("no format version", "stormcraft: 1\n", "", ""),
        (
            "another format version",
            "stormcraft: 1",
            "stormcraft: 3",
            "/stormcraft",
        ),
        (
            "an unknown persistence",
            "persistence: event-sourced",
            "persistence: event_sourced",
            "/contexts/counter/aggregates/Order/persistence",
        ),
        (
            "a misspelt command key",
            "emits: [OrderTaken]",
            "emit: [OrderTaken]",
            "/contexts/counter/aggregates/Order/commands/TakeOrder",
        ),
        (
            "a snake_case event name",
            "        events:\n          OrderTaken:",
            "        events:\n          order_taken:",
            "/contexts/counter/aggregates/Order/events",
        ),
        (
            "a PascalCase field name",
            "            fields:\n              drink: string\n            emits",
            "            fields:\n              Drink: string\n            emits",
            "/contexts/counter/aggregates/Order/commands/TakeOrder/fields",
        ),
        (
            "a PascalCase context name",
            "  counter:",
            "  Counter:",
            "/contexts",
        ),
        (
            "a read model without a key",
            "        key: order_id\n",
            "",
            "/contexts/counter/read_models/OpenOrders",
        ),
        (
            "a scenario expecting both events and an error",
            "        then: [OrderTaken]",
            "        then: [OrderTaken]\n        error: UnknownDrink",
            "/contexts/counter/scenarios/0",
        ),
        (
            "an event version below 1",
            "          OrderTaken:\n            fields:",
            "          OrderTaken:\n            version: 0\n            fields:",
            "/contexts/counter/aggregates/Order/events/OrderTaken/version",
        ),
        (
            "published written as text",
            "          OrderTaken:\n            fields:",
            "          OrderTaken:\n            published: yes please\n            fields:",
            "/contexts/counter/aggregates/Order/events/OrderTaken/published",
        ),
    ];
    let validator = validator();
    for (what, from, to, path) in cases {
        assert!(
            GOOD.contains(from),
            "{what}: the base model has no `{from}`"
        );
        let bad = GOOD.replacen(from, to, 1);
        let instance = yaml_to_json(&bad);
        let found: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.instance_path.to_string())
            .collect();
        assert!(
            found.iter().any(|p| p == path),
            "{what}: expected an error at `{path}`, found {found:?}"
        );
        assert_eq!(
            check_exit_code(&bad),
            1,
            "{what}: the schema rejects it, so `check` must too"
        );
    }
}

#[test]
fn a_policy_must_issue_or_call() {
    let bad = GOOD.replace(
        "    read_models:",
        "    policies:\n      Idle:\n        on: OrderTaken\n    read_models:",
    );
    assert!(!validator().is_valid(&yaml_to_json(&bad)));
    assert_eq!(check_exit_code(&bad), 1);
}

#[test]
fn a_type_is_a_record_or_an_enum_not_both() {
    let bad = GOOD.replace(
        "    aggregates:",
        "    types:\n      Size:\n        fields: {ml: u32}\n        enum: [Small, Large]\n    aggregates:",
    );
    assert!(!validator().is_valid(&yaml_to_json(&bad)));
    assert_eq!(check_exit_code(&bad), 1);
}

#[test]
fn the_schema_command_prints_the_file() {
    let output = Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .arg("schema")
        .output()
        .expect("stormcraft runs");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).expect("the schema is UTF-8");
    assert_eq!(printed, SCHEMA);
    let parsed: Value = serde_json::from_str(&printed).expect("`stormcraft schema` prints JSON");
    assert_eq!(parsed, schema());
}

/// Calls `visit` on every subschema of `value`, with its JSON pointer.
fn walk_schema(value: &Value, pointer: &str, visit: &mut dyn FnMut(&str, &Value)) {
    match value {
        Value::Object(map) => {
            visit(pointer, value);
            for (key, child) in map {
                walk_schema(child, &format!("{pointer}/{key}"), visit);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                walk_schema(child, &format!("{pointer}/{index}"), visit);
            }
        }
        _ => {}
    }
}

#[test]
fn every_property_is_described_for_editors() {
    // YAML editors show a property's description on hover and in completion.
    let schema = schema();
    let mut undescribed = Vec::new();
    walk_schema(&schema, "", &mut |pointer, node| {
        if let Some(Value::Object(properties)) = node.get("properties") {
            for (name, property) in properties {
                if property.get("description").is_none() {
                    undescribed.push(format!("{pointer}/properties/{name}"));
                }
            }
        }
    });
    assert!(undescribed.is_empty(), "no description: {undescribed:?}");
}

#[test]
fn every_object_with_fixed_keys_is_closed() {
    // A misspelt key must be flagged by the editor, as `check` flags it (SC002).
    let schema = schema();
    let mut open = Vec::new();
    walk_schema(&schema, "", &mut |pointer, node| {
        if node.get("properties").is_some()
            && node.get("additionalProperties") != Some(&Value::Bool(false))
        {
            open.push(pointer.to_owned());
        }
    });
    assert!(
        open.is_empty(),
        "objects that accept unknown keys: {open:?}"
    );
}

#[test]
fn processes_are_valid_and_their_mistakes_rejected_by_both() {
    let validator = validator();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diagram/claims.yaml");
    let good_text = std::fs::read_to_string(path).expect("the claims fixture");
    let good = yaml_to_json(&good_text);
    let errors_of_good = errors(&validator, &good);
    assert!(errors_of_good.is_empty(), "{}", errors_of_good.join("\n"));
    // (what is wrong, text replaced, replacement)
    let cases: &[(&str, &str, &str)] = &[
        ("no key", "        key: claim_number\n", ""),
        ("a bad delay", "after: 14d", "after: two weeks"),
        (
            "a deadline without a command",
            "            issue: RejectInsuranceClaimForMissingSurvey\n",
            "",
        ),
        ("start as text", "start: true", "start: \"yes\""),
        (
            "an unknown reaction key",
            "complete: true }",
            "done: true }",
        ),
        // Reaction scenarios of the process.
        ("a reaction scenario's bad delay", "after: 2d", "after: two days"),
        (
            "a reaction scenario with a command",
            "        after: 2d\n",
            "        after: 2d\n        when: SettleInsuranceClaimPayout\n",
        ),
        (
            "a reaction scenario that does not say what is issued",
            "        after: 14d\n        then:\n",
            "        after: 14d\n        completes: true\n        so:\n",
        ),
        (
            "a process named as a policy",
            "process: ClaimSettlementSagaForPropertyDamage\n        given:\n          - InsuranceClaimFiledWithPhotos: { claim_number: claim-3 }",
            "policy: ClaimSettlementSagaForPropertyDamage\n        completes: true\n        given:\n          - InsuranceClaimFiledWithPhotos: { claim_number: claim-3 }",
        ),
    ];
    for (what, from, to) in cases {
        assert!(
            good_text.contains(from),
            "{what}: `{from}` is not in the fixture"
        );
        let bad_text = good_text.replacen(from, to, 1);
        let found = errors(&validator, &yaml_to_json(&bad_text));
        assert!(!found.is_empty(), "the schema accepts {what}");
        assert_ne!(check_exit_code(&bad_text), 0, "check accepts {what}");
    }
}
