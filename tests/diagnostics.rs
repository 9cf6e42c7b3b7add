//! Every fixture under `tests/fixtures/invalid/` is checked here: its rendered
//! diagnostics are snapshotted, and the code and position of each one is pinned by
//! the fixture's own `# expect: CODE at LINE:COLUMN` header lines — all of them,
//! exactly, so a lost or an extra finding fails the test. A fixture with the line
//! `# check: --coverage` is checked as `check --coverage` checks.
//!
//! A fixture is one file, or a folder whose files form one model (each file lists
//! the findings located in it).

use std::path::{Path, PathBuf};
use stormcraft::check::{check, check_with, Options};
use stormcraft::diagnostic::{render_human, to_json, Code, Diagnostic, Severity};
use stormcraft::model::load::{load, Loaded};

const FIXTURES: &str = "tests/fixtures/invalid";

/// One finding as the fixtures pin it: code, file name, line, column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    file: String,
    line: u32,
    column: u32,
    code: String,
}

fn fixtures() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(FIXTURES)
        .expect("the fixtures folder exists")
        .map(|entry| entry.expect("a readable fixture").path())
        .filter(|path| path.is_dir() || path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
}

fn name_of(path: &Path) -> String {
    path.file_stem()
        .expect("a fixture has a name")
        .to_string_lossy()
        .into_owned()
}

/// Checks a fixture; one whose file has the line `# check: --coverage` is checked as
/// `check --coverage` checks (for SC057).
fn checked(path: &Path) -> (Loaded, Vec<Diagnostic>) {
    let loaded = load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let coverage = loaded
        .sources
        .files()
        .iter()
        .any(|file| file.text.lines().any(|line| line == "# check: --coverage"));
    let diagnostics = check_with(&loaded, &Options { coverage })
        .diagnostics
        .sorted();
    (loaded, diagnostics)
}

/// The `# expect:` lines of every file of the model.
fn expected(loaded: &Loaded) -> Vec<Expected> {
    let mut all = Vec::new();
    for file in loaded.sources.files() {
        for line in file.text.lines() {
            let Some(rest) = line.strip_prefix("# expect: ") else {
                continue;
            };
            let (code, position) = rest
                .split_once(" at ")
                .unwrap_or_else(|| panic!("{}: bad expect line `{line}`", file.name));
            let (line_number, column) = position
                .split_once(':')
                .unwrap_or_else(|| panic!("{}: bad position in `{line}`", file.name));
            all.push(Expected {
                file: file.name.clone(),
                line: line_number.parse().expect("a line number"),
                column: column.parse().expect("a column number"),
                code: code.to_owned(),
            });
        }
    }
    all.sort();
    all
}

fn found(loaded: &Loaded, diagnostics: &[Diagnostic]) -> Vec<Expected> {
    let mut all: Vec<Expected> = diagnostics
        .iter()
        .map(|d| {
            let (line, column) = loaded.sources.line_column(d.span());
            Expected {
                file: loaded.sources.file(d.span().file).name.clone(),
                line,
                column,
                code: d.code.as_str().to_owned(),
            }
        })
        .collect();
    all.sort();
    all
}

fn rendered(loaded: &Loaded, diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| render_human(d, &loaded.sources, false, 100))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_fixture_reports_exactly_its_expected_findings() {
    let mut failures = Vec::new();
    for path in fixtures() {
        let (loaded, diagnostics) = checked(&path);
        let expected = expected(&loaded);
        let found = found(&loaded, &diagnostics);
        assert!(
            !expected.is_empty(),
            "{} has no `# expect:` lines",
            path.display()
        );
        if expected != found {
            failures.push(format!(
                "{}:\n  expected {expected:?}\n  found    {found:?}",
                path.display()
            ));
        }
        let name = name_of(&path);
        if let Some(code) = name.split('-').next().and_then(Code::parse) {
            assert!(
                name.starts_with(&format!("{}-{}", code.as_str(), code.slug())),
                "fixture `{name}` should be named `{}-{}…`",
                code.as_str(),
                code.slug()
            );
            assert!(
                diagnostics.iter().any(|d| d.code == code),
                "fixture `{name}` does not trigger {code}"
            );
        }
        insta::assert_snapshot!(name, rendered(&loaded, &diagnostics));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_code_has_a_fixture() {
    let names: Vec<String> = fixtures().iter().map(|p| name_of(p)).collect();
    for code in Code::ALL {
        let prefix = format!("{}-{}", code.as_str(), code.slug());
        assert!(
            names.iter().any(|n| n.starts_with(&prefix)),
            "no fixture `{FIXTURES}/{prefix}.yaml`"
        );
    }
}

#[test]
fn a_duplicate_across_files_points_at_both_files() {
    let (loaded, diagnostics) = checked(Path::new(
        "tests/fixtures/invalid/SC011-duplicate-name-across-files",
    ));
    let context = diagnostics
        .iter()
        .find(|d| d.message.contains("`ordering`"))
        .expect("the duplicate context is reported");
    let files: Vec<&str> = context
        .labels
        .iter()
        .map(|l| loaded.sources.file(l.span.file).name.as_str())
        .collect();
    assert_eq!(
        files,
        [
            "tests/fixtures/invalid/SC011-duplicate-name-across-files/shipping.yaml",
            "tests/fixtures/invalid/SC011-duplicate-name-across-files/ordering.yaml",
        ]
    );
}

#[test]
fn several_problems_in_one_file_are_reported_together() {
    let (_, diagnostics) = checked(Path::new("tests/fixtures/invalid/multiple-problems.yaml"));
    let mut codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(diagnostics.len(), 7, "{diagnostics:#?}");
    codes.dedup();
    for code in [
        Code::InvalidName,
        Code::UnresolvedReference,
        Code::BadTypeExpression,
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    assert!(diagnostics.iter().all(|d| d.severity == Severity::Error));
}

#[test]
fn messages_start_lowercase_without_a_full_stop() {
    for path in fixtures() {
        let (_, diagnostics) = checked(&path);
        for d in &diagnostics {
            let first = d.message.chars().next().expect("a message");
            assert!(
                !first.is_uppercase(),
                "{}: message starts in uppercase: {}",
                path.display(),
                d.message
            );
            assert!(
                !d.message.ends_with('.'),
                "{}: message ends with a full stop: {}",
                path.display(),
                d.message
            );
        }
    }
}

#[test]
fn diagnostics_are_sorted_by_file_and_position() {
    for path in fixtures() {
        let (_, diagnostics) = checked(&path);
        let keys: Vec<(u32, u32)> = diagnostics
            .iter()
            .map(|d| (d.span().file, d.span().start))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{}", path.display());
        let (_, again) = checked(&path);
        assert_eq!(
            diagnostics,
            again,
            "{} is not deterministic",
            path.display()
        );
    }
}

#[test]
fn json_form_of_a_multi_file_fixture() {
    let (loaded, diagnostics) = checked(Path::new(
        "tests/fixtures/invalid/SC011-duplicate-name-across-files",
    ));
    let json: Vec<_> = diagnostics
        .iter()
        .map(|d| to_json(d, &loaded.sources))
        .collect();
    insta::assert_snapshot!(
        "json_duplicate_across_files",
        serde_json::to_string_pretty(&json).expect("serialisable")
    );
}

#[test]
fn the_valid_fixture_is_clean_but_for_its_hotspot() {
    let (_, diagnostics) = checked(Path::new("tests/fixtures/valid/shop-mini.yaml"));
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::Hotspot]);
}

/// The codes `check` reports for a model text, sorted, with the diagnostics.
fn codes_of(text: &str) -> (Vec<Code>, Vec<Diagnostic>) {
    let loaded = stormcraft::model::load::load_str("model.yaml", text);
    let diagnostics = check(&loaded).diagnostics.sorted();
    let mut codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    codes.sort();
    (codes, diagnostics)
}

/// A name error in one context (an unpublished event, SC021) does not hide the flow
/// findings of another: its never-emitted event (SC041), its policy that does nothing
/// (SC049) and its command nobody issues (SC043) are still reported.
#[test]
fn a_name_error_in_one_context_does_not_hide_flow_findings_in_another() {
    let (codes, diagnostics) = codes_of(
        r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
    read_models:
      Shipments:
        key: id
        from: [shipping.ParcelShipped]
  shipping:
    aggregates:
      Parcel:
        commands:
          ShipParcel:
            emits: [ParcelShipped]
        events:
          ParcelShipped: {}
          ParcelLost: {}
    policies:
      Idle:
        on: ParcelShipped
"#,
    );
    assert_eq!(
        codes,
        [
            Code::UnpublishedEvent,
            Code::EventNeverEmitted,
            Code::CommandNeverIssued,
            Code::PolicyWithoutAction
        ],
        "{diagnostics:#?}"
    );
}

/// A duplicate keeps its first definition (here the type `Invoice`, so the aggregate
/// `Invoice` is dropped); the dropped aggregate's commands and events are declared
/// names, so nothing that refers to them is "unknown", and the duplicate causes no
/// flow findings of its own: only SC011.
#[test]
fn a_duplicate_gives_only_the_duplicate_finding() {
    let (codes, diagnostics) = codes_of(
        r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
  billing:
    types:
      Invoice:
        fields:
          amount: decimal
    aggregates:
      Invoice:
        commands:
          IssueInvoice:
            by: Customer
            emits: [InvoiceIssued]
          CancelInvoice:
            emits: [InvoiceCancelled]
        events:
          InvoiceIssued: {}
          InvoiceCancelled:
            published: true
    policies:
      CancelWhenIssued:
        on: InvoiceIssued
        issue: CancelInvoice
    scenarios:
      - name: cancelling
        given: [InvoiceCancelled]
        when: CancelInvoice
        then: [InvoiceCancelled]
  ordering_view:
    read_models:
      Cancelled:
        key: id
        from: [billing.InvoiceCancelled]
"#,
    );
    assert_eq!(codes, [Code::DuplicateName], "{diagnostics:#?}");
}

/// Flow findings (and the generator's name rules, which are about one element) name
/// the element they are about, so diagrams can draw them on it.
#[test]
fn flow_findings_name_their_subject() {
    let flow_codes = [
        "SC034", "SC040", "SC041", "SC042", "SC043", "SC044", "SC045", "SC046", "SC047", "SC048",
        "SC049", "SC050", "SC051", "SC052", "SC053", "SC054", "SC055", "SC056", "SC057", "SC071",
        "SC072", "SC073", "SC074", "SC075", "SC090", "SC091", "SC092", "SC093", "SC094", "SC100",
        "SC101", "SC102", "SC103", "SC104", "SC105", "SC106",
    ];
    let mut seen = 0;
    for path in fixtures() {
        let (_, diagnostics) = checked(&path);
        for d in diagnostics
            .iter()
            .filter(|d| flow_codes.contains(&d.code.as_str()))
        {
            seen += 1;
            assert!(
                d.subject.is_some(),
                "{}: {} `{}` has no subject",
                path.display(),
                d.code,
                d.message
            );
        }
    }
    assert!(seen >= flow_codes.len(), "only {seen} flow findings seen");
}

#[test]
fn the_shop_without_its_order_id_is_told_so_at_the_aggregate() {
    // Removing `id: order_id` from the shop's `Order` used to give errors only
    // elsewhere (read models keyed by `order_id`, a scenario's `order_id`).
    let dir = tempfile::tempdir().expect("a temporary folder");
    for entry in std::fs::read_dir("examples/shop").expect("examples/shop") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).expect("readable");
            let text = text.replace("        id: order_id\n", "");
            std::fs::write(dir.path().join(path.file_name().unwrap()), text).unwrap();
        }
    }
    let loaded = load(dir.path()).expect("the model loads");
    let diagnostics = check(&loaded).diagnostics.sorted();
    let at_order: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.code == Code::ImplicitId)
        .collect();
    assert_eq!(at_order.len(), 1, "{diagnostics:#?}");
    let finding = at_order[0];
    let file = loaded.sources.file(finding.span().file);
    assert!(file.name.ends_with("ordering.yaml"), "{}", file.name);
    let start = finding.span().start as usize;
    assert!(file.text[start..].starts_with("Order:"));
    assert_eq!(
        finding.message,
        "aggregate `Order` has no `id:`, so its id is `id: uuid`"
    );
    assert!(
        finding
            .help
            .as_deref()
            .unwrap_or_default()
            .contains("write `id: order_id`"),
        "{:?}",
        finding.help
    );
    // The consequences are still reported where they are.
    assert!(diagnostics
        .iter()
        .any(|d| d.code == Code::ReadModelKeyMissing));
}
