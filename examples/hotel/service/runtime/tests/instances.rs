//! Two instances of one context on PostgreSQL, as separate OS processes running the same
//! workers: a policy that makes an external call per event (recorded durably, outside
//! its batch's commit, with its idempotency key) and a projection. Each consumer is held
//! by one instance at a time through its lease.
//!
//! * Without a kill: every event is handled once, and every external call is made
//!   exactly once.
//! * With the policy's holder killed -9 mid-flow: the other instance takes over within a
//!   few seconds; nothing is lost, the projection still applies every event exactly
//!   once, and the only repeated calls are the ones the killed instance made for its
//!   last, uncommitted batch.

#![cfg(feature = "postgres")]

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;
use stormcraft_runtime::aggregate::Cause;
use stormcraft_runtime::policy::IdempotencyKey;
use stormcraft_runtime::worker::{lag, spawn_workers, Worker};
use stormcraft_runtime::{ExpectedVersion, NewEvent, ProjectionTx, Result, Store};

/// Set in the child process to the store URL it works on.
const URL_ENV: &str = "STORMCRAFT_INSTANCES_URL";
const MAIL: &str = "shop.MailCancellation";
const HANDLED: &str = "shop_handled";

fn micros_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64
}

/// The "external system": each call is an event in the stream of its idempotency key,
/// appended before the batch commits, as a real call would be made. A second event in
/// one stream is a duplicate call.
fn mail(store: &Store, cause: Cause<'_>, _: &mut dyn ProjectionTx) -> Result<()> {
    let key = IdempotencyKey::of(cause);
    store.append(
        &format!("mailer-Call-{key}"),
        ExpectedVersion::Any,
        vec![NewEvent::new(
            "EmailSent",
            1,
            json!({
                "instance": stormcraft_runtime::lease::instance_id(),
                "at": micros_now(),
                "order": cause.event.stream,
            }),
        )],
    )?;
    // A call takes a while, so a kill lands in the middle of a batch.
    std::thread::sleep(Duration::from_millis(3));
    Ok(())
}

/// The projection: how often each event was applied (exactly once, committed with the
/// checkpoint under the lease).
fn handled(_: &Store, cause: Cause<'_>, tx: &mut dyn ProjectionTx) -> Result<()> {
    let key = cause.event.id.to_string();
    let seen = tx.get(HANDLED, &key)?.and_then(|v| v.as_u64()).unwrap_or(0);
    tx.put(HANDLED, &key, json!(seen + 1))
}

const WORKERS: &[Worker] = &[
    Worker::new(MAIL, &[("shop-Order", "OrderCancelled")], mail),
    Worker::new(HANDLED, &[("shop-Order", "OrderCancelled")], handled),
];

/// Not a test on its own: one instance, run by the tests below with `--ignored --exact`.
/// Runs the workers until killed (bounded, so a child that is never killed still ends).
#[test]
#[ignore = "one instance of the two-instance tests, which run it"]
fn instance_child() {
    let url = std::env::var(URL_ENV).unwrap_or_else(|_| {
        panic!("`instance_child` is run by the instance tests with {URL_ENV} set")
    });
    let store = stormcraft_runtime::open(&url).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let threads = spawn_workers(&store, &stop, WORKERS);
    println!("ready {}", stormcraft_runtime::lease::instance_id());
    std::thread::sleep(Duration::from_secs(120));
    stop.store(true, Ordering::Release);
    for t in threads {
        t.join().unwrap();
    }
}

fn start(url: &str, name: &str) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "instance_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(URL_ENV, url)
        .env(stormcraft_runtime::lease::INSTANCE_ENV, name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines
            .next()
            .expect("the instance ended before it was ready")
            .unwrap();
        // The harness may have written `test instance_child ... ` before it on the line.
        if line.contains("ready ") {
            break;
        }
    }
    child
}

fn cancel_orders(store: &Store, from: usize, to: usize) {
    for n in from..to {
        store
            .append(
                &format!("shop-Order-{n}"),
                ExpectedVersion::Any,
                vec![NewEvent::new("OrderCancelled", 1, json!({ "n": n }))],
            )
            .unwrap();
    }
}

fn wait_caught_up(store: &Store) {
    let deadline = Instant::now() + Duration::from_secs(30);
    for w in WORKERS {
        while lag(store, w).unwrap().pending > 0 {
            assert!(
                Instant::now() < deadline,
                "`{}` did not catch up",
                w.consumer
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Every order's calls: (instance, time) per call, by order stream.
fn calls(store: &Store) -> BTreeMap<String, Vec<(String, i64)>> {
    let mut by_order: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    let mut after = 0;
    loop {
        let page = store.read_category("mailer-Call", after, 1000).unwrap();
        let Some(last) = page.last() else { break };
        after = last.position;
        for e in page {
            by_order
                .entry(e.payload["order"].as_str().unwrap().to_owned())
                .or_default()
                .push((
                    e.payload["instance"].as_str().unwrap().to_owned(),
                    e.payload["at"].as_i64().unwrap(),
                ));
        }
    }
    by_order
}

fn check_projection(store: &Store, orders: usize) {
    let handled = store.list_docs(HANDLED).unwrap();
    assert_eq!(handled.len(), orders, "an event was lost");
    for (event, count) in handled {
        assert_eq!(count, json!(1), "event {event} was applied {count} times");
    }
}

#[test]
fn two_instances_make_each_call_once() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let url = server.fresh_database();
    let store = stormcraft_runtime::open(&url).unwrap();
    let mut a = start(&url, "A");
    let mut b = start(&url, "B");
    let orders = 200;
    for chunk in 0..10 {
        cancel_orders(&store, chunk * 20, chunk * 20 + 20);
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_caught_up(&store);
    let holder = store.lease_holder(MAIL).unwrap().expect("a holder").holder;
    a.kill().unwrap();
    b.kill().unwrap();
    a.wait().unwrap();
    b.wait().unwrap();
    check_projection(&store, orders);
    let calls = calls(&store);
    assert_eq!(calls.len(), orders, "an order got no e-mail");
    for (order, made) in &calls {
        assert_eq!(
            made.len(),
            1,
            "{order} got {} e-mails without a crash",
            made.len()
        );
        assert_eq!(format!("{}#0", made[0].0), holder, "only the holder calls");
    }
}

#[test]
fn killing_the_holder_loses_nothing_and_repeats_only_its_last_batch() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let url = server.fresh_database();
    let store = stormcraft_runtime::open(&url).unwrap();
    let mut children = BTreeMap::from([("A", start(&url, "A")), ("B", start(&url, "B"))]);
    let orders = 300;
    cancel_orders(&store, 0, 100);
    // Kill the policy's holder while it works through the backlog.
    let deadline = Instant::now() + Duration::from_secs(20);
    while calls(&store).len() < 30 {
        assert!(Instant::now() < deadline, "no calls were made");
        std::thread::sleep(Duration::from_millis(10));
    }
    let holder = store.lease_holder(MAIL).unwrap().expect("a holder").holder;
    let victim = holder.split('#').next().unwrap().to_owned();
    let survivor = if victim == "A" { "B" } else { "A" };
    let mut killed = children.remove(victim.as_str()).unwrap();
    killed.kill().unwrap(); // SIGKILL
    killed.wait().unwrap();
    let killed_at = micros_now();
    cancel_orders(&store, 100, orders);
    wait_caught_up(&store);
    let calls = calls(&store);
    let mut survivor_first = i64::MAX;
    let mut repeated = 0;
    for (order, made) in &calls {
        for (instance, at) in made {
            if instance == survivor {
                survivor_first = survivor_first.min(*at);
            }
        }
        if made.len() > 1 {
            repeated += 1;
            // A repeat is the killed holder's call that never committed, made again once.
            assert_eq!(made.len(), 2, "{order}: {made:?}");
            assert_eq!(
                (made[0].0.as_str(), made[1].0.as_str()),
                (victim.as_str(), survivor),
                "{order}: {made:?}"
            );
        }
    }
    let takeover = Duration::from_micros((survivor_first - killed_at).max(0) as u64);
    for (_, mut child) in children {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    check_projection(&store, orders);
    assert_eq!(calls.len(), orders, "an order got no e-mail");
    // At most the one batch in flight at the kill (the default batch of 256).
    assert!(repeated <= 256, "{repeated} repeated calls");
    assert!(
        takeover < stormcraft_runtime::lease::TTL + Duration::from_secs(3),
        "takeover took {takeover:?}"
    );
    eprintln!(
        "killed `{victim}`: `{survivor}` took over after {:.1} s; {} orders, {repeated} e-mails repeated (the killed batch), none lost",
        takeover.as_secs_f64(),
        calls.len()
    );
}
