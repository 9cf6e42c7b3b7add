//! The shop's order flow, end to end: how long downstream takes to catch up.
//!
//! Run with `cargo bench --bench flow` (release build of the committed shop workspace
//! `examples/shop/service` into `$CARGO_TARGET_DIR/generated`, shared with the tests).
//! Two set-ups:
//!
//! - `sqlite`: the app binary, every context in one process on one SQLite file;
//! - `postgres`: each context's own binary as a separate process, all on one throwaway
//!   PostgreSQL server with fsync on (the runtime's `tests/common/pg.rs`; skipped with
//!   a notice when the binaries are missing).
//!
//! Each places `FLOW_ORDERS` orders (default 2,000) over HTTP from `FLOW_CLIENTS`
//! concurrent clients (default 4), then waits until every downstream effect is there:
//! every order's `customer-orders` row is `Placed` and its `order-payments` row is
//! `Requested` (inventory reserved its stock, payments requested the payment), and every
//! consumer of every context reports no pending events on `/health`. It prints, per
//! set-up, the load time, the time from the last acknowledged command until downstream
//! was complete ("tail"), and the end-to-end rate; then, per consumer, the events it
//! handled, its batches and its rate while busy (from `/health`'s `handled`, `batches`
//! and `busy_ms` where the runtime reports them), and when it was last seen behind. For
//! PostgreSQL it also prints the CPU the services and the server use in the 5 s after
//! the flow, with nothing sent (what idle consumers cost).
//!
//! `FLOW_ONLY=sqlite` or `FLOW_ONLY=postgres` runs one set-up; `FLOW_SKIP_BUILD=1` uses
//! the binaries already built; `FLOW_TIMEOUT` (seconds, default 600) bounds the wait.

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "../templates/runtime/tests/common/pg.rs"]
mod pg;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{cargo, generated_target_dir, http, repo_root, Service};

const CONTEXTS: [&str; 4] = ["inventory", "ordering", "payments", "shipping"];

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

fn binary(name: &str) -> PathBuf {
    generated_target_dir().join("release").join(name)
}

/// Where each context answers: its address and its path prefix.
#[derive(Clone)]
struct Place {
    address: String,
    prefix: String,
}

/// A deterministic order id per index: every run places the same orders.
fn order_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012x}")
}

fn place(ordering: &Place, i: usize) {
    let body = format!(
        r#"{{"order_id":"{}","customer_id":"0b7e2c1a-4f33-4a8e-b6a1-93c2d5e8f004",
            "lines":[{{"sku":"MUG-01","product_name":"Storm mug","quantity":1,
                       "unit_price":{{"amount":"9.50","currency":"EUR"}}}}],
            "shipping_address":{{"recipient":"Ada","street":"1 Way","postal_code":"1","city":"L","country":"GB"}}}}"#,
        order_id(i)
    );
    let path = format!("{}/commands/PlaceOrder", ordering.prefix);
    let response = http(&ordering.address, "POST", &path, Some(&body));
    assert_eq!(response.status, 200, "PlaceOrder: {}", response.body);
}

/// How many rows of a read model have `status == wanted`, paging through all of them.
fn count_status(place: &Place, read_model: &str, wanted: &str) -> usize {
    let mut count = 0;
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            None => format!("{}/{read_model}?limit=1000", place.prefix),
            Some(cursor) => format!("{}/{read_model}?limit=1000&after={cursor}", place.prefix),
        };
        let page = http(&place.address, "GET", &path, None);
        if page.status != 200 {
            return count;
        }
        let page = page.json();
        count += page["rows"].as_array().map_or(0, |rows| {
            rows.iter().filter(|r| r["status"] == wanted).count()
        });
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return count,
        }
    }
}

/// One consumer as `/health` last reported it.
#[derive(Default, Clone)]
struct Consumer {
    pending: u64,
    handled: Option<u64>,
    batches: Option<u64>,
    busy_ms: Option<u64>,
    /// Seconds after the last acknowledged command it was last seen behind.
    last_behind: Option<f64>,
}

/// Samples every context's `/health`; true when no consumer has pending events.
fn sample(
    places: &BTreeMap<&str, Place>,
    consumers: &mut BTreeMap<String, Consumer>,
    since: Option<Instant>,
) -> bool {
    let mut idle = true;
    for place in places.values() {
        let health = http(
            &place.address,
            "GET",
            &format!("{}/health", place.prefix),
            None,
        );
        if health.status != 200 {
            idle = false;
            continue;
        }
        let health = health.json();
        for c in health["consumers"].as_array().into_iter().flatten() {
            let name = c["consumer"].as_str().unwrap_or("?").to_owned();
            let entry = consumers.entry(name).or_default();
            entry.pending = c["pending"].as_u64().unwrap_or(0);
            entry.handled = c["handled"].as_u64();
            entry.batches = c["batches"].as_u64();
            entry.busy_ms = c["busy_ms"].as_u64();
            if entry.pending > 0 || c["at_least"] == true {
                idle = false;
                if let Some(since) = since {
                    entry.last_behind = Some(since.elapsed().as_secs_f64());
                }
            }
        }
    }
    idle
}

struct Outcome {
    setup: &'static str,
    orders: usize,
    load: Duration,
    tail: Option<Duration>,
    consumers: BTreeMap<String, Consumer>,
    /// CPU-seconds per second used by the services and the database server while the
    /// flow is done and nothing is sent (PostgreSQL set-up only).
    idle_cpu: Option<f64>,
}

/// CPU time (user + system) of every `postgres` and `shop-*` process, in clock ticks.
fn cpu_ticks() -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("stat")).ok())
        .filter_map(|stat| {
            // `pid (comm) state ...`: comm may hold spaces, so split after its `)`.
            let (head, rest) = stat.rsplit_once(')')?;
            let comm = head.split_once('(')?.1;
            if !(comm.starts_with("postgres") || comm.starts_with("shop-")) {
                return None;
            }
            let fields: Vec<&str> = rest.split_whitespace().collect();
            // utime and stime are fields 14 and 15 of the line, 12 and 13 after comm.
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .sum()
}

/// CPU-seconds per second of the services and the server over `span` (100 ticks/s, the
/// Linux default `CLK_TCK`).
fn idle_cpu(span: Duration) -> f64 {
    let before = cpu_ticks();
    std::thread::sleep(span);
    cpu_ticks().saturating_sub(before) as f64 / 100.0 / span.as_secs_f64()
}

fn run_flow(setup: &'static str, places: BTreeMap<&str, Place>) -> Outcome {
    let orders = env_number("FLOW_ORDERS", 2000);
    let clients = env_number("FLOW_CLIENTS", 4);
    let timeout = Duration::from_secs(env_number("FLOW_TIMEOUT", 600) as u64);
    let ordering = places["ordering"].clone();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let next = Arc::clone(&next);
            let ordering = ordering.clone();
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= orders {
                    break;
                }
                place(&ordering, i);
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("a client failed");
    }
    // Every command has been acknowledged now: the clock of the tail starts here.
    let last_ack = Instant::now();
    let load = last_ack - started;
    let mut consumers = BTreeMap::new();
    let tail = loop {
        let idle = sample(&places, &mut consumers, Some(last_ack));
        if idle
            && count_status(&places["ordering"], "customer-orders", "Placed") >= orders
            && count_status(&places["payments"], "order-payments", "Requested") >= orders
            // Read last, so the sample and the rows are of one moment: still idle.
            && sample(&places, &mut consumers, Some(last_ack))
        {
            break Some(last_ack.elapsed());
        }
        if last_ack.elapsed() > timeout {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Outcome {
        setup,
        orders,
        load,
        tail,
        consumers,
        idle_cpu: None,
    }
}

fn sqlite_flow() -> Outcome {
    let data = tempfile::tempdir().expect("a temporary directory");
    let store = format!("sqlite:{}", data.path().join("shop.db").display());
    let app = Service::start(
        &binary("shop-app"),
        &["--store", &store, "--listen", "127.0.0.1:0"],
        &[],
    );
    let places = CONTEXTS
        .iter()
        .map(|c| {
            (
                *c,
                Place {
                    address: app.address.clone(),
                    prefix: format!("/{c}"),
                },
            )
        })
        .collect();
    let outcome = run_flow("SQLite, one process", places);
    app.stop();
    outcome
}

fn postgres_flow() -> Option<Outcome> {
    // fsync on: the durability a deployment has.
    let server = pg::PgServer::start(true)?;
    let url = server.url("postgres");
    let services: Vec<(&str, Service)> = CONTEXTS
        .iter()
        .map(|c| {
            let service = Service::start(
                &binary(&format!("shop-{c}")),
                &["--store", &url, "--listen", "127.0.0.1:0"],
                &[],
            );
            (*c, service)
        })
        .collect();
    let places = services
        .iter()
        .map(|(c, s)| {
            (
                *c,
                Place {
                    address: s.address.clone(),
                    prefix: String::new(),
                },
            )
        })
        .collect();
    let mut outcome = run_flow("PostgreSQL, a process per context", places);
    // Settle after the last /health sample, then measure the idle cost.
    std::thread::sleep(Duration::from_secs(1));
    outcome.idle_cpu = Some(idle_cpu(Duration::from_secs(5)));
    for (_, service) in services {
        service.stop();
    }
    Some(outcome)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}

fn print(outcome: &Outcome) {
    let secs = |d: Duration| format!("{:.2}", d.as_secs_f64());
    println!(
        "\n### {} — {} orders (load average {})\n",
        outcome.setup,
        outcome.orders,
        loadavg()
    );
    println!("| load s | commands/s | tail after last ack s | orders/s end to end |");
    println!("|---:|---:|---:|---:|");
    let rate = |d: Duration| outcome.orders as f64 / d.as_secs_f64();
    match outcome.tail {
        Some(tail) => println!(
            "| {} | {:.0} | {} | {:.0} |",
            secs(outcome.load),
            rate(outcome.load),
            secs(tail),
            rate(outcome.load + tail)
        ),
        None => println!(
            "| {} | {:.0} | did not complete | — |",
            secs(outcome.load),
            rate(outcome.load)
        ),
    }
    if let Some(cpu) = outcome.idle_cpu {
        println!("\nidle afterwards (5 s, nothing sent): services + server used {cpu:.3} CPU-s/s");
    }
    println!(
        "\n| consumer | events handled | batches | busy s | events/s busy | last behind at s |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let opt = |v: Option<u64>| v.map_or("—".to_owned(), |v| v.to_string());
    for (name, c) in &outcome.consumers {
        let busy = c.busy_ms.map(|ms| ms as f64 / 1000.0);
        let per_s = match (c.handled, busy) {
            (Some(h), Some(b)) if b > 0.0 => format!("{:.0}", h as f64 / b),
            _ => "—".to_owned(),
        };
        println!(
            "| {name} | {} | {} | {} | {per_s} | {} |",
            opt(c.handled),
            opt(c.batches),
            busy.map_or("—".to_owned(), |b| format!("{b:.2}")),
            c.last_behind.map_or("—".to_owned(), |t| format!("{t:.2}"))
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter is not meaningful here.
    let only = std::env::var("FLOW_ONLY").ok();
    if std::env::var_os("FLOW_SKIP_BUILD").is_none() {
        cargo(
            &repo_root().join("examples/shop/service"),
            &[
                "build",
                "--release",
                "-p",
                "shop-app",
                "--bins",
                "--features",
                "postgres",
            ],
        );
    }
    println!(
        "flow benchmark, {} UTC-epoch s, load average {}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        loadavg()
    );
    if only.as_deref() != Some("postgres") {
        print(&sqlite_flow());
    }
    if only.as_deref() != Some("sqlite") {
        match postgres_flow() {
            Some(outcome) => print(&outcome),
            None => println!("\nPostgreSQL: no server binaries; skipped"),
        }
    }
}
