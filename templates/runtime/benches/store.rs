//! Append and read throughput of the stores, against baselines measured in the same run.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-runtime cargo bench -p stormcraft-runtime --all-features --bench store
//! ```
//!
//! Workload: `STREAMS` streams × `EVENTS` events of ~256 bytes, one event per append, with
//! 1, 4, 16 and 64 concurrent writers (writer `w` owns streams `s % W == w` and appends
//! round-robin with `Exact` versions). Then `read_all` from zero and reading every stream.
//! Baselines: the disk's fsync limit (4 KiB append + fdatasync in a loop) and plain
//! rusqlite, one transaction per append, WAL + `synchronous=FULL`, UNIQUE(stream, version).
//! PostgreSQL (1, 4, 8, 16 and 64 writers) runs beside a plain per-aggregate store on the
//! same server: one transaction per append, PRIMARY KEY (stream, version), no global
//! position (the shape of cqrs-es + postgres-es).
//! Set `BENCH_STREAMS` to scale the workload down.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use stormcraft_runtime::{ExpectedVersion, NewEvent, Store};

#[cfg(feature = "postgres")]
#[path = "../tests/common/pg.rs"]
mod pg;

const EVENTS: u64 = 10;
const WRITERS: [usize; 4] = [1, 4, 16, 64];
/// PostgreSQL also at 8 writers: the point the issue compares with the plain baseline.
#[cfg(feature = "postgres")]
const PG_WRITERS: [usize; 5] = [1, 4, 8, 16, 64];

struct Stats {
    events_per_sec: f64,
    p50: Duration,
    p99: Duration,
}

fn stats(total: usize, elapsed: Duration, mut latencies: Vec<Duration>) -> Stats {
    latencies.sort();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or_default()
    };
    Stats {
        events_per_sec: total as f64 / elapsed.as_secs_f64(),
        p50: pick(0.50),
        p99: pick(0.99),
    }
}

fn payload(stream: usize, seq: u64) -> serde_json::Value {
    // ~256 bytes of JSON.
    json!({ "stream": stream, "seq": seq, "data": "x".repeat(210) })
}

/// Latencies and elapsed time of one configuration, summed over the rounds.
#[derive(Default)]
struct Sample {
    latencies: Vec<Duration>,
    elapsed: Duration,
    /// Bytes this process wrote meanwhile (`wchar` of /proc/self/io): for SQLite, mostly
    /// WAL frames, so it shows how many pages a commit dirties.
    written: u64,
}

/// Bytes written by this process so far (write-like system calls), if /proc says.
fn process_written() -> Option<u64> {
    let io = std::fs::read_to_string("/proc/self/io").ok()?;
    io.lines()
        .find_map(|l| l.strip_prefix("wchar: "))?
        .trim()
        .parse()
        .ok()
}

impl Sample {
    fn stats(&self) -> Stats {
        stats(self.latencies.len(), self.elapsed, self.latencies.clone())
    }
}

type AppendFn = Arc<dyn Fn(usize, &str, u64) + Send + Sync>;

/// Appends `EVENTS` events to each stream of `range` with `writers` threads calling
/// `append(stream_index, stream, seq)`; writer `w` owns the streams `s % writers == w`.
fn run_writers(
    range: std::ops::Range<usize>,
    writers: usize,
    append: &AppendFn,
    into: &mut Sample,
) {
    let written = process_written();
    let start = Instant::now();
    let threads: Vec<_> = (0..writers)
        .map(|w| {
            let append = Arc::clone(append);
            let range = range.clone();
            std::thread::spawn(move || {
                let mine: Vec<(usize, String)> = range
                    .filter(|s| s % writers == w)
                    .map(|s| (s, format!("bench-Stream-{s}")))
                    .collect();
                let mut latencies = Vec::with_capacity(mine.len() * EVENTS as usize);
                for seq in 0..EVENTS {
                    for (s, name) in &mine {
                        let t = Instant::now();
                        append(*s, name, seq);
                        latencies.push(t.elapsed());
                    }
                }
                latencies
            })
        })
        .collect();
    for t in threads {
        into.latencies.extend(t.join().unwrap());
    }
    into.elapsed += start.elapsed();
    if let (Some(a), Some(b)) = (written, process_written()) {
        into.written += b.saturating_sub(a);
    }
}

/// The store as it appended before time-ordered ids: a random v4 id per event, so the
/// same run shows what the ids cost (see `sqlite_write_table`).
fn store_append_v4(store: Store) -> AppendFn {
    Arc::new(move |s, stream, seq| {
        store
            .append(
                stream,
                ExpectedVersion::Exact(seq),
                vec![NewEvent::new("Benchmarked", 1, payload(s, seq)).with_id(uuid::Uuid::new_v4())],
            )
            .unwrap();
    })
}

fn store_append(store: Store) -> AppendFn {
    Arc::new(move |s, stream, seq| {
        store
            .append(
                stream,
                ExpectedVersion::Exact(seq),
                vec![NewEvent::new("Benchmarked", 1, payload(s, seq))],
            )
            .unwrap();
    })
}

/// `n` appends of 4 KiB, each followed by fdatasync: the disk's durable-write limit.
fn disk_limit(dir: &Path, n: usize, into: &mut Sample) {
    let path = dir.join("fsync-probe");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap();
    let block = vec![0xA5u8; 4096];
    let start = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        f.write_all(&block).unwrap();
        f.sync_data().unwrap();
        into.latencies.push(t.elapsed());
    }
    into.elapsed += start.elapsed();
}

/// Plain rusqlite: one connection, one transaction per append, WAL + synchronous=FULL.
fn plain_rusqlite(path: &Path) -> AppendFn {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL,
                              id BLOB NOT NULL UNIQUE, payload TEXT NOT NULL, UNIQUE (stream, version));",
    )
    .unwrap();
    let conn = std::sync::Mutex::new(conn);
    Arc::new(move |s, stream, seq| {
        let conn = conn.lock().unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        conn.prepare_cached(
            "INSERT INTO events (stream, version, id, payload) VALUES (?1, ?2, ?3, ?4)",
        )
        .unwrap()
        .execute(rusqlite::params![
            stream,
            seq as i64 + 1,
            // The store's own id scheme (time-ordered v7), so the two differ only in
            // what the store does around the insert.
            &uuid::Uuid::now_v7().as_bytes()[..],
            payload(s, seq).to_string()
        ])
        .unwrap();
        conn.execute_batch("COMMIT").unwrap();
    })
}

/// A plain per-aggregate PostgreSQL store without global order, as cqrs-es + postgres-es
/// writes one: each append is one transaction (`BEGIN`, one `INSERT` per event, `COMMIT`,
/// synchronous) on the writer's own connection, and the primary key (stream, version) is
/// its only concurrency check. Nothing serialises writers of different streams; PostgreSQL
/// merges their commits' flushes.
#[cfg(feature = "postgres")]
fn plain_postgres(url: &str) -> AppendFn {
    let mut setup = postgres::Client::connect(url, postgres::NoTls).unwrap();
    setup
        .batch_execute(
            "CREATE TABLE plain_events (stream TEXT NOT NULL, version BIGINT NOT NULL,
                 event_type TEXT NOT NULL, event_version TEXT NOT NULL, payload JSONB NOT NULL,
                 metadata JSONB NOT NULL, PRIMARY KEY (stream, version))",
        )
        .unwrap();
    let connect = move |url: &str| {
        let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
        let insert = client
            .prepare(
                "INSERT INTO plain_events (stream, version, event_type, event_version, payload, metadata)
                 VALUES ($1, $2, 'Benchmarked', '1', $3::text::jsonb, '{}'::jsonb)",
            )
            .unwrap();
        (client, insert)
    };
    drop(setup);
    // One connection per writer thread: idle connections are reused, never shared.
    let idle = std::sync::Mutex::new(Vec::new());
    let url = url.to_owned();
    Arc::new(move |s, stream, seq| {
        let popped = idle.lock().unwrap().pop();
        let (mut client, insert) = popped.unwrap_or_else(|| connect(&url));
        let mut tx = client.transaction().unwrap();
        tx.execute(
            &insert,
            &[&stream, &(seq as i64 + 1), &payload(s, seq).to_string()],
        )
        .unwrap();
        tx.commit().unwrap();
        idle.lock().unwrap().push((client, insert));
    })
}

/// This thread's CPU time (user + system) from /proc, so read throughput can also be given
/// per CPU-second, which does not depend on what else the machine is running. Clock ticks
/// are 10 ms on Linux, so the measured span must be long (seconds).
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    // Fields 14 and 15 of stat(5); `rest` starts at field 3.
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

struct ReadStats {
    read_all: f64,
    read_all_cpu: Option<f64>,
    per_stream: f64,
}

fn reads(store: &Store, streams: usize) -> ReadStats {
    let total = store.head_position().unwrap();
    let rounds = std::env::var("BENCH_READ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let cpu = thread_cpu();
    let start = Instant::now();
    for _ in 0..rounds {
        let mut after = 0;
        loop {
            let page = store.read_all(after, 1000).unwrap();
            let Some(last) = page.last() else { break };
            after = last.position;
        }
        assert_eq!(after, total);
    }
    let events = (total * rounds) as f64;
    let read_all = events / start.elapsed().as_secs_f64();
    let read_all_cpu = match (cpu, thread_cpu()) {
        (Some(a), Some(b)) if b > a => Some(events / (b - a).as_secs_f64()),
        _ => None,
    };
    let start = Instant::now();
    let mut n = 0;
    for s in 0..streams {
        n += store
            .read_stream(&format!("bench-Stream-{s}"), 1, 1000)
            .unwrap()
            .len();
    }
    assert_eq!(n as u64, total);
    let per_stream = n as f64 / start.elapsed().as_secs_f64();
    ReadStats {
        read_all,
        read_all_cpu,
        per_stream,
    }
}

/// `read_all` of a SQLite store three ways, in the same run: typed (`Value` payloads),
/// raw (the stored JSON text, checksum verified), and raw decoded once into the payload's
/// own type, as typed consumer code would. Events per second, wall clock.
struct RawReadStats {
    typed: f64,
    raw: f64,
    raw_cpu: Option<f64>,
    raw_decoded: f64,
}

/// The benchmark payload as typed code declares it.
#[derive(serde::Deserialize)]
#[allow(dead_code)] // read by serde only: decoding is what is measured
struct Benchmarked {
    stream: usize,
    seq: u64,
    data: String,
}

fn sqlite_raw_reads(store: &Store) -> RawReadStats {
    let total = store.head_position().unwrap();
    let rounds: u64 = std::env::var("BENCH_READ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let events = (total * rounds) as f64;
    // Each pass reads every event in pages of 1,000 and hands each page to `visit`.
    let pass = |visit: &dyn Fn(u64) -> u64| -> f64 {
        let start = Instant::now();
        for _ in 0..rounds {
            let mut after = 0;
            loop {
                let next = visit(after);
                if next == after {
                    break;
                }
                after = next;
            }
            assert_eq!(after, total);
        }
        events / start.elapsed().as_secs_f64()
    };
    let typed = pass(&|after| {
        store
            .read_all(after, 1000)
            .unwrap()
            .last()
            .map_or(after, |e| e.position)
    });
    let cpu = thread_cpu();
    let raw = pass(&|after| {
        store
            .read_all_raw(after, 1000)
            .unwrap()
            .last()
            .map_or(after, |e| e.position)
    });
    let raw_cpu = match (cpu, thread_cpu()) {
        (Some(a), Some(b)) if b > a => Some(events / (b - a).as_secs_f64()),
        _ => None,
    };
    let raw_decoded = pass(&|after| {
        let page = store.read_all_raw(after, 1000).unwrap();
        for e in &page {
            let p: Benchmarked = e.decode().unwrap();
            assert_eq!(p.data.len(), 210);
        }
        page.last().map_or(after, |e| e.position)
    });
    RawReadStats {
        typed,
        raw,
        raw_cpu,
        raw_decoded,
    }
}

fn print_sqlite_raw_reads(r: &RawReadStats) {
    println!("\n| SQLite read_all (same store, same run) | events/s (wall) |");
    println!("|---|---:|");
    println!(
        "| typed (`read_all`, payload parsed into a `Value`) | {:.0} |",
        r.typed
    );
    println!(
        "| raw (`read_all_raw`, JSON text, checksum verified) | {:.0} ({} per CPU-second) |",
        r.raw,
        r.raw_cpu.map_or("n/a".to_string(), |c| format!("{c:.0}"))
    );
    println!(
        "| raw, decoded once into the payload's struct | {:.0} |",
        r.raw_decoded
    );
}

const SQLITE_V4: &str = "stormcraft SQLite, random v4 ids (before)";

/// The SQLite targets, from this run: one writer against plain rusqlite, 16 and 64
/// writers against one, and the bytes written per event (WAL pages per commit).
fn sqlite_write_table(configs: &[(&str, usize, &Sample)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let find = |name: &str, writers: usize| {
        configs
            .iter()
            .find(|(n, w, _)| n.starts_with(name) && *w == writers)
            .map(|(_, _, s)| *s)
    };
    let rate = |s: &Sample| s.latencies.len() as f64 / s.elapsed.as_secs_f64();
    let per_event = |s: &Sample| s.written as f64 / s.latencies.len().max(1) as f64 / 1024.0;
    let plain = find("plain rusqlite", 1);
    writeln!(
        out,
        "\n| SQLite configuration | writers | events/s | KiB written per event | ratio |"
    )
    .unwrap();
    writeln!(out, "|---|---:|---:|---:|---|").unwrap();
    if let Some(p) = plain {
        writeln!(
            out,
            "| plain rusqlite | 1 | {:.0} | {:.2} | |",
            rate(p),
            per_event(p)
        )
        .unwrap();
    }
    for name in ["stormcraft SQLite (group commit)", SQLITE_V4] {
        let Some(one) = find(name, 1) else { continue };
        for (_, w, s) in configs.iter().filter(|(n, _, _)| *n == name) {
            let ratio = if *w == 1 {
                plain.map_or(String::new(), |p| {
                    format!("{:.2}x plain rusqlite", rate(s) / rate(p))
                })
            } else {
                format!("{:.1}x one writer", rate(s) / rate(one))
            };
            writeln!(
                out,
                "| {name} | {w} | {:.0} | {:.2} | {ratio} |",
                rate(s),
                per_event(s)
            )
            .unwrap();
        }
    }
    out
}

fn row(name: &str, writers: &str, s: &Stats) {
    println!(
        "| {name} | {writers} | {:>9.0} | {:>8.3} | {:>8.3} |",
        s.events_per_sec,
        s.p50.as_secs_f64() * 1e3,
        s.p99.as_secs_f64() * 1e3
    );
}

fn main() {
    // `cargo bench` passes `--bench`; anything else (e.g. a test filter) is ignored.
    let streams: usize = std::env::var("BENCH_STREAMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let dir: PathBuf =
        std::env::temp_dir().join(format!("stormcraft-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    if std::env::var_os("BENCH_READS_ONLY").is_some() {
        // For profiling the read path: fill with one 10-event append per stream.
        let store = stormcraft_runtime::open(&format!("sqlite:{}", dir.join("reads.db").display()))
            .unwrap();
        for s in 0..streams {
            let events = (0..EVENTS)
                .map(|seq| NewEvent::new("Benchmarked", 1, payload(s, seq)))
                .collect();
            store
                .append(
                    &format!("bench-Stream-{s}"),
                    ExpectedVersion::NoStream,
                    events,
                )
                .unwrap();
        }
        let r = reads(&store, streams);
        println!(
            "read_all {:.0} events/s ({:.0} per CPU-second), read every stream {:.0} events/s",
            r.read_all,
            r.read_all_cpu.unwrap_or(0.0),
            r.per_stream
        );
        print_sqlite_raw_reads(&sqlite_raw_reads(&store));
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    // The disk's speed drifts over minutes on shared machines, so every configuration runs
    // a slice of its workload in every round: all of them see the same conditions.
    let rounds = 5.min(streams.max(1));
    println!(
        "workload: {streams} streams x {EVENTS} events of ~256 bytes, one event per append; \
         configurations interleaved in {rounds} rounds\n"
    );
    struct Config {
        name: &'static str,
        writers: usize,
        append: AppendFn,
        store: Option<Store>,
        sample: Sample,
    }
    let mut configs = vec![Config {
        name: "plain rusqlite, 1 tx per append (WAL, FULL)",
        writers: 1,
        append: plain_rusqlite(&dir.join("plain.db")),
        store: None,
        sample: Sample::default(),
    }];
    for w in WRITERS {
        let path = dir.join(format!("store-{w}.db"));
        let store = stormcraft_runtime::open(&format!("sqlite:{}", path.display())).unwrap();
        configs.push(Config {
            name: "stormcraft SQLite (group commit)",
            writers: w,
            append: store_append(store.clone()),
            store: Some(store),
            sample: Sample::default(),
        });
    }
    for w in [1, 16] {
        let path = dir.join(format!("store-v4-{w}.db"));
        let store = stormcraft_runtime::open(&format!("sqlite:{}", path.display())).unwrap();
        configs.push(Config {
            name: SQLITE_V4,
            writers: w,
            append: store_append_v4(store.clone()),
            store: None,
            sample: Sample::default(),
        });
    }
    // `BENCH_SQLITE_ONLY=1` leaves PostgreSQL out (its configurations take most of the time).
    #[cfg(feature = "postgres")]
    let server = if std::env::var_os("BENCH_SQLITE_ONLY").is_some() {
        None
    } else {
        pg::PgServer::start(true)
    };
    #[cfg(feature = "postgres")]
    if let Some(server) = &server {
        for w in PG_WRITERS {
            configs.push(Config {
                name: "plain PostgreSQL, 1 tx per append, no global order",
                writers: w,
                append: plain_postgres(&server.fresh_database()),
                store: None,
                sample: Sample::default(),
            });
        }
        for w in PG_WRITERS {
            let store =
                Store::new(stormcraft_runtime::PgStore::connect(&server.fresh_database()).unwrap());
            configs.push(Config {
                name: "stormcraft PostgreSQL (fsync on)",
                writers: w,
                append: store_append(store.clone()),
                store: Some(store),
                sample: Sample::default(),
            });
        }
    }
    let mut disk = Sample::default();
    let pg_only = std::env::var_os("BENCH_PG_ONLY").is_some();
    for round in 0..rounds {
        let range = streams * round / rounds..streams * (round + 1) / rounds;
        disk_limit(&dir, 300, &mut disk);
        for c in &mut configs {
            // `BENCH_PG_ONLY=1` runs only the PostgreSQL configurations.
            if pg_only && !c.name.contains("PostgreSQL") {
                continue;
            }
            run_writers(range.clone(), c.writers, &c.append, &mut c.sample);
        }
    }
    println!("| store | writers | events/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|");
    row("disk limit: 4 KiB write + fdatasync", "1", &disk.stats());
    let mut read_rows = Vec::new();
    let mut sqlite_raw = None;
    let sqlite_writes = sqlite_write_table(
        &configs
            .iter()
            .map(|c| (c.name, c.writers, &c.sample))
            .collect::<Vec<_>>(),
    );
    for c in configs {
        if let (Some(store), true) = (&c.store, c.writers == *WRITERS.last().unwrap()) {
            if c.name.starts_with("stormcraft SQLite") {
                sqlite_raw = Some(sqlite_raw_reads(store));
            }
            read_rows.push((
                c.name.split(' ').take(2).collect::<Vec<_>>().join(" "),
                reads(store, streams),
            ));
        }
        row(c.name, &c.writers.to_string(), &c.sample.stats());
    }
    println!("\n| store | read_all events/s (wall) | read_all events per CPU-second | read every stream, events/s |");
    println!("|---|---:|---:|---:|");
    for (name, r) in read_rows {
        let cpu = r
            .read_all_cpu
            .map_or("n/a".to_string(), |c| format!("{c:.0}"));
        println!(
            "| {name} | {:.0} | {cpu} | {:.0} |",
            r.read_all, r.per_stream
        );
    }
    print!("{sqlite_writes}");
    if let Some(r) = &sqlite_raw {
        print_sqlite_raw_reads(r);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
