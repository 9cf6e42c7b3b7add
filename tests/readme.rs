//! The README's demo, run as a reader would: its first command (generate the shop's
//! services and run them) and then its `curl` lines, exactly as written, against the
//! app listening where the README says. The chain must show real values — the total of
//! the lines, the customer, the payment requested — and placing the same order again
//! must be refused, never a second order.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::{cargo, generated_target_dir, in_ci, repo_root, skip_compile_tests, Service};

/// The first command of the README, and the `curl` lines of the block after it.
fn demo(readme: &str) -> (String, Vec<String>) {
    let blocks: Vec<&str> = readme
        .split("```sh\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or_default())
        .collect();
    let first = blocks.first().expect("the README has a first sh block");
    let curls = blocks
        .iter()
        .find(|block| block.trim_start().starts_with("curl"))
        .expect("the README has a block of curl lines");
    // A line that does not start with `curl` continues the one before it.
    let mut lines: Vec<String> = Vec::new();
    for line in curls.lines() {
        match lines.last_mut() {
            Some(last) if !line.starts_with("curl") => {
                last.push('\n');
                last.push_str(line);
            }
            _ => lines.push(line.to_owned()),
        }
    }
    (first.trim().to_owned(), lines)
}

fn bash(line: &str) -> String {
    let output = Command::new("bash")
        .args(["-c", line])
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "`{line}` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Runs `line` until its JSON output satisfies `done` (the chain is asynchronous: the
/// README's reader types the next line a moment later), for at most 30 s.
fn until(line: &str, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let text = bash(line);
        let value: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("`{line}` did not print JSON ({e}): {text}"));
        if done(&value) {
            return value;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "`{line}` still prints {value}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_readme_demo_shows_the_chain_with_real_values() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let (first, curls) = demo(&readme);
    assert_eq!(
        first,
        "cargo run --release -- generate examples/shop -o examples/shop/service && cd examples/shop/service && cargo run",
        "the README's first command changed; keep this test running it"
    );
    assert_eq!(curls.len(), 3, "{curls:?}");
    if skip_compile_tests() {
        return;
    }
    if Command::new("curl").arg("--version").output().is_err() {
        assert!(!in_ci(), "curl is required under CI for the README demo");
        eprintln!("notice: curl is not installed; skipping the README demo");
        return;
    }
    if std::net::TcpListener::bind("127.0.0.1:3000").is_err() {
        assert!(!in_ci(), "port 3000 is taken under CI");
        eprintln!("notice: port 3000 is taken; skipping the README demo");
        return;
    }

    // `cargo run --release -- generate examples/shop -o examples/shop/service`: the
    // committed workspace is up to date, so generating keeps every file as it is.
    let root = repo_root();
    let generated = Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .args(["generate", "examples/shop", "-o", "examples/shop/service"])
        .current_dir(&root)
        .output()
        .expect("stormcraft runs");
    let said = String::from_utf8_lossy(&generated.stdout);
    assert!(generated.status.success(), "{said}");
    assert!(said.contains(": 0 file(s) written"), "{said}");
    // `cd examples/shop/service && cargo run`, its store in a folder of its own.
    let service = root.join("examples/shop/service");
    cargo(&service, &["build", "-p", "shop-app", "--bin", "shop-app"]);
    let data = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", data.path().join("shop.db").display());
    let app = Service::start(
        &generated_target_dir().join("debug/shop-app"),
        &[],
        &[("STORE_URL", &store)],
    );
    assert_eq!(app.address, "127.0.0.1:3000", "{}", app.stderr());

    let placed: serde_json::Value =
        serde_json::from_str(&bash(&curls[0])).expect("PlaceOrder prints JSON");
    let event = &placed["events"][0];
    assert_eq!(event["type"], "OrderPlaced", "{placed}");
    assert_eq!(event["data"]["total"]["amount"], "19.00", "{placed}");
    assert_eq!(event["data"]["total"]["currency"], "EUR", "{placed}");

    let payment = until(&curls[1], |row| row["status"] == "Requested");
    assert_eq!(payment["total"]["amount"], "19.00", "{payment}");
    assert_eq!(
        payment["customer_id"], "0b7e2c1a-4f33-4a8e-b6a1-93c2d5e8f004",
        "{payment}"
    );
    assert!(payment["payment_id"].is_string(), "{payment}");

    let order = until(&curls[2], |row| row["status"] == "Placed");
    assert_eq!(order["total"]["amount"], "19.00", "{order}");
    assert_eq!(order["line_count"], 1, "{order}");
    assert_eq!(
        order["customer_id"], "0b7e2c1a-4f33-4a8e-b6a1-93c2d5e8f004",
        "{order}"
    );

    // The same order placed again is refused: one order, one charge.
    let again: serde_json::Value =
        serde_json::from_str(&bash(&curls[0])).expect("PlaceOrder prints JSON");
    assert_eq!(again["error"], "OrderAlreadyPlaced", "{again}");
    std::thread::sleep(Duration::from_millis(500));
    let payment_again = until(&curls[1], |_| true);
    assert_eq!(payment_again["payment_id"], payment["payment_id"]);
    app.stop();
}
