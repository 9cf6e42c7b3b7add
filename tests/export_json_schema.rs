//! `export json-schema`: every example's schemas are valid JSON Schema 2020-12 (checked
//! against the meta-schema by the `jsonschema` crate), and the payloads of the
//! examples' scenarios validate against them, formats included; wrong payloads do not.
//! One schema of the shop is snapshotted.

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use stormcraft::check::check;
use stormcraft::export::json_schema::{json_schemas, SchemaFile, DIALECT};
use stormcraft::ir::{Field, Model, NamedTypeKind, Outcome, Primitive, Step, TypeRef};
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

/// A validator of a schema file, with formats (uuid, date-time, date) checked too.
/// Building it also validates the schema against the 2020-12 meta-schema.
fn validator(file: &SchemaFile) -> jsonschema::Validator {
    assert_eq!(file.schema["$schema"], DIALECT, "{}", file.path);
    jsonschema::draft202012::meta::validate(&file.schema)
        .unwrap_or_else(|e| panic!("{} is not a valid 2020-12 schema: {e}", file.path));
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&file.schema)
        .unwrap_or_else(|e| panic!("{} does not compile: {e}", file.path))
}

/// The JSON a generated message's `Default` serialises to: what the generated
/// scenario tests start from before they set the scenario's values.
fn default_value(model: &Model, ty: &TypeRef) -> Value {
    match ty {
        TypeRef::Primitive(p) => match p {
            Primitive::String => json!(""),
            Primitive::Bool => json!(false),
            Primitive::I32 | Primitive::I64 | Primitive::U32 | Primitive::U64 => json!(0),
            Primitive::F64 => json!(0.0),
            Primitive::Decimal => json!("0"),
            Primitive::Uuid => json!("00000000-0000-0000-0000-000000000000"),
            Primitive::Timestamp => json!("1970-01-01T00:00:00Z"),
            Primitive::Date => json!("1970-01-01"),
            Primitive::Bytes => json!([]),
            Primitive::Json => Value::Null,
        },
        TypeRef::Named(id) => match &model.named_type(*id).kind {
            NamedTypeKind::Record(fields) => default_object(model, fields),
            NamedTypeKind::Enum(variants) => json!(variants[0]),
        },
        TypeRef::List(_) => json!([]),
        TypeRef::Map(_) => json!({}),
        TypeRef::Optional(_) => Value::Null,
    }
}

fn default_object(model: &Model, fields: &[Field]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|f| (f.name.clone(), default_value(model, &f.ty)))
            .collect(),
    )
}

/// A scenario step as the generated test builds it: the message's default with the
/// step's values set. A uuid field given a symbolic name (`order-1`) gets a UUID
/// there (a v5 one; any UUID does for the schema).
fn sample<T>(model: &Model, fields: &[Field], step: &Step<T>) -> Value {
    let mut object = default_object(model, fields);
    let map: &mut Map<String, Value> = object.as_object_mut().unwrap();
    for (name, value) in &step.values {
        let is_uuid = fields
            .iter()
            .any(|f| &f.name == name && f.ty == TypeRef::Primitive(Primitive::Uuid));
        let symbolic = value.as_str().is_some_and(|s| s.len() != 36);
        let value = if is_uuid && symbolic {
            json!("6ba7b812-9dad-11d1-80b4-00c04fd430c8")
        } else {
            value.clone()
        };
        map.insert(name.clone(), value);
    }
    object
}

/// The schema file of a command or event.
fn find<'f>(files: &'f [SchemaFile], path: &str) -> &'f SchemaFile {
    files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no schema `{path}`"))
}

#[test]
fn every_schema_is_valid_and_every_scenario_payload_fits() {
    let mut checked_payloads = 0;
    for (name, path) in examples() {
        let model = checked(&path);
        let files = json_schemas(&model);
        assert_eq!(files, json_schemas(&model), "{name}: not deterministic");
        let expected = model.commands.len() + model.events.len() + model.read_models.len();
        assert_eq!(files.len(), expected, "{name}: one file per message");
        let mut paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(
            paths.len(),
            files.len(),
            "{name}: two messages share a path"
        );
        for file in &files {
            validator(file);
        }
        for scenario in &model.scenarios {
            let ctx = &model.context(scenario.context).name;
            let mut steps: Vec<(String, Value)> = Vec::new();
            let command = model.command(scenario.when.id);
            steps.push((
                format!("{ctx}/commands/{}.schema.json", command.name),
                sample(&model, &command.fields, &scenario.when),
            ));
            let mut events: Vec<&Step<_>> = scenario.given.iter().collect();
            if let Outcome::Events(then) = &scenario.then {
                events.extend(then);
            }
            for step in events {
                let event = model.event(step.id);
                let publisher = &model.context(event.context).name;
                steps.push((
                    format!("{publisher}/events/{}.schema.json", event.name),
                    sample(&model, &event.fields, step),
                ));
            }
            for (schema, payload) in steps {
                let validator = validator(find(&files, &schema));
                let errors: Vec<String> = validator
                    .iter_errors(&payload)
                    .map(|e| format!("{e} at {}", e.instance_path))
                    .collect();
                assert!(
                    errors.is_empty(),
                    "{name}, scenario `{}`: {payload} does not fit {schema}: {errors:?}",
                    scenario.name
                );
                checked_payloads += 1;
            }
        }
    }
    assert!(
        checked_payloads > 20,
        "too few scenario payloads: {checked_payloads}"
    );
}

#[test]
fn wrong_payloads_are_refused() {
    let model = checked(&root().join("examples/shop"));
    let files = json_schemas(&model);
    let place_order = validator(find(&files, "ordering/commands/PlaceOrder.schema.json"));
    let good = json!({
        "order_id": "5f0c6a4e-8d2b-4c51-9a57-2f1f0e3d9b11",
        "customer_id": "0b7e2c1a-4f33-4a8e-b6a1-93c2d5e8f004",
        "lines": [{
            "sku": "MUG-01", "product_name": "Storm mug", "quantity": 2,
            "unit_price": { "amount": "9.50", "currency": "EUR" },
        }],
        "shipping_address": {
            "recipient": "Ada", "street": "1 Road", "postal_code": "1",
            "city": "London", "country": "GB",
        },
    });
    assert!(
        place_order.is_valid(&good),
        "the optional coupon may be left out"
    );
    let mut with_null = good.clone();
    with_null["coupon_code"] = Value::Null;
    assert!(
        place_order.is_valid(&with_null),
        "an optional field may be null"
    );

    let wrong = |pointer: &str, value: Value| {
        let mut payload = good.clone();
        *payload.pointer_mut(pointer).unwrap() = value;
        payload
    };
    for (what, payload) in [
        ("a list given as a string", wrong("/lines", json!("MUG-01"))),
        (
            "a u32 given as text",
            wrong("/lines/0/quantity", json!("two")),
        ),
        ("a negative u32", wrong("/lines/0/quantity", json!(-1))),
        (
            "a malformed uuid",
            wrong("/customer_id", json!("customer-7")),
        ),
        (
            "a decimal that is no number",
            wrong("/lines/0/unit_price/amount", json!("9,50")),
        ),
        (
            "a record given as a number",
            wrong("/shipping_address", json!(3)),
        ),
    ] {
        assert!(
            !place_order.is_valid(&payload),
            "{what} must be refused: {payload}"
        );
    }
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("customer_id");
    assert!(
        !place_order.is_valid(&missing),
        "a required field is missing"
    );

    let cancel = validator(find(&files, "ordering/commands/CancelOrder.schema.json"));
    let order_id = "5f0c6a4e-8d2b-4c51-9a57-2f1f0e3d9b11";
    assert!(cancel.is_valid(&json!({ "order_id": order_id, "reason": "OutOfStock" })));
    assert!(!cancel.is_valid(&json!({ "order_id": order_id, "reason": "Bored" })));

    let placed = validator(find(&files, "ordering/events/OrderPlaced.schema.json"));
    let mut event = good.clone();
    event["total"] = json!({ "amount": "19.00", "currency": "EUR" });
    event["placed_at"] = json!("2026-03-01T10:00:00Z");
    assert!(placed.is_valid(&event), "{event}");
    event["placed_at"] = json!("yesterday");
    assert!(!placed.is_valid(&event), "a timestamp must be RFC 3339");
}

#[test]
fn the_shop_order_placed_schema_is_stable() {
    let model = checked(&root().join("examples/shop"));
    let files = json_schemas(&model);
    insta::assert_snapshot!(
        "shop_ordering_events_OrderPlaced",
        find(&files, "ordering/events/OrderPlaced.schema.json").contents()
    );
}

#[test]
fn cli_writes_one_file_per_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .args(["export", "json-schema", "examples/shop", "-o"])
        .arg(dir.path())
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run stormcraft");
    assert!(output.status.success(), "{output:?}");
    let model = checked(&root().join("examples/shop"));
    let files = json_schemas(&model);
    for file in &files {
        let written = std::fs::read_to_string(dir.path().join(&file.path))
            .unwrap_or_else(|e| panic!("{} not written: {e}", file.path));
        assert_eq!(written, file.contents());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("wrote {} JSON Schema files", files.len())),
        "{stderr}"
    );
}
