//! Durable timers survive kill -9 (SQLite and PostgreSQL): a child process schedules,
//! cancels and fires timers from several threads and is killed at a random moment, again
//! and again on one store; after each restart, every timer the child saw fired has exactly
//! one event, no timer fired twice, and no acknowledged cancellation is lost. At the end
//! everything still pending fires, and then every acknowledged timer has fired exactly
//! once.

#![cfg(any(feature = "sqlite", feature = "postgres"))]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use stormcraft_runtime::clock::ManualClock;
use stormcraft_runtime::{DocOp, NewEvent, Store, Timer, Uuid};

/// Set in the child process to the store URL it works on.
const URL_ENV: &str = "STORMCRAFT_TIMERS_CRASH_URL";
/// Set in the child process to its round, so its timer ids are new.
const ROUND_ENV: &str = "STORMCRAFT_TIMERS_CRASH_ROUND";

/// Long past: the timers the child schedules to fire are due at once.
fn due_now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_000_000)
}

/// Far ahead: the timers the child schedules in order to cancel them. Only the final
/// firing (at [`the_end`]) reaches them, so a cancellation that was lost would show.
fn due_later() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(20_000_000_000)
}

fn the_end() -> SystemTime {
    due_later() + Duration::from_secs(1)
}

fn timer(id: &str, due_at: SystemTime, stream: String) -> Timer {
    Timer {
        id: id.to_owned(),
        due_at,
        stream,
        event: NewEvent::new("TimerFired", 1, json!({ "timer": id }))
            .with_id(Uuid::new_v5(&Uuid::NAMESPACE_OID, id.as_bytes())),
    }
}

/// Writes one line the parent can trust: the trailing `.` proves it was not cut short.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line} .").unwrap();
    out.flush().unwrap();
}

/// Not a test on its own: the body of the child process the crash tests kill, which run
/// it with `--ignored --exact`. One thread schedules timers (due now) in batches and
/// schedules-then-cancels one far-future timer per batch; two threads fire. Each line is
/// printed after the store acknowledged it. Run without its URL it fails rather than
/// passing having done nothing.
#[test]
#[ignore = "the child process of the timers kill -9 tests, which run it"]
fn timers_crash_child() {
    let url = std::env::var(URL_ENV).unwrap_or_else(|_| {
        panic!("`timers_crash_child` is run by the crash tests with {URL_ENV} set")
    });
    let round: u32 = std::env::var(ROUND_ENV).unwrap().parse().unwrap();
    let store = stormcraft_runtime::open(&url).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let firers: Vec<_> = (0..2)
        .map(|_| {
            let store = store.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                // Bounded so a child that is somehow not killed still ends.
                for _ in 0..200_000 {
                    if stop.load(Ordering::Acquire) {
                        break;
                    }
                    let fired = store
                        .backend()
                        .fire_due_timers(SystemTime::now(), 3)
                        .unwrap();
                    for e in &fired {
                        say(&format!(
                            "fired {} {}",
                            e.payload["timer"].as_str().unwrap(),
                            e.position
                        ));
                    }
                    if fired.is_empty() {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
            })
        })
        .collect();
    for batch in 0..20_000u32 {
        let ids: Vec<String> = (0..4).map(|k| format!("r{round}-{batch}-{k}")).collect();
        let ops = ids
            .iter()
            .enumerate()
            .map(|(k, id)| DocOp::ScheduleTimer(timer(id, due_now(), format!("crash-{k}"))))
            .collect();
        store.backend().schedule_timers(ops).unwrap();
        for id in &ids {
            say(&format!("scheduled {id}"));
        }
        let cancel = format!("r{round}-{batch}-cancel");
        store
            .schedule_timer(timer(&cancel, due_later(), "crash-cancel".into()))
            .unwrap();
        say(&format!("pending {cancel}"));
        store.cancel_timer(&cancel).unwrap();
        say(&format!("cancelled {cancel}"));
    }
    stop.store(true, Ordering::Release);
    for f in firers {
        f.join().unwrap();
    }
}

/// What the child acknowledged.
#[derive(Default)]
struct Acks {
    scheduled: BTreeSet<String>,
    /// Scheduled far ahead, then maybe cancelled.
    pending: BTreeSet<String>,
    cancelled: BTreeSet<String>,
    /// Timer id → every position it was reported fired at (more than one = fired twice).
    fired: BTreeMap<String, Vec<u64>>,
}

impl Acks {
    fn take(&mut self, line: &str) {
        let mut f = line.split(' ');
        let (Some(kind), Some(id)) = (f.next(), f.next()) else {
            return;
        };
        let rest: Vec<&str> = f.collect();
        match (kind, rest.as_slice()) {
            ("scheduled", ["."]) => {
                self.scheduled.insert(id.to_owned());
            }
            ("pending", ["."]) => {
                self.pending.insert(id.to_owned());
            }
            ("cancelled", ["."]) => {
                self.cancelled.insert(id.to_owned());
            }
            ("fired", [position, "."]) => {
                if let Ok(p) = position.parse() {
                    self.fired.entry(id.to_owned()).or_default().push(p);
                }
            }
            _ => {}
        }
    }
}

/// Timer id → the events in the store carrying it.
fn events_by_timer(store: &Store) -> BTreeMap<String, Vec<stormcraft_runtime::RecordedEvent>> {
    let mut by: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for e in store.read_all(0, usize::MAX).unwrap() {
        let id = e.payload["timer"].as_str().unwrap_or("?").to_owned();
        by.entry(id).or_default().push(e);
    }
    by
}

/// The invariants that hold after every restart.
fn check(store: &Store, acks: &Acks, round: usize) {
    let all = store.read_all(0, usize::MAX).unwrap();
    assert!(
        all.iter()
            .enumerate()
            .all(|(i, e)| e.position == i as u64 + 1),
        "round {round}: positions have gaps"
    );
    let by = events_by_timer(store);
    let ids: BTreeSet<Uuid> = all.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), all.len(), "round {round}: an event id twice");
    for (id, positions) in &acks.fired {
        assert_eq!(
            positions.len(),
            1,
            "round {round}: timer {id} fired at {positions:?}"
        );
        let events = by.get(id).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(
            events.len(),
            1,
            "round {round}: timer {id} has {} events",
            events.len()
        );
        assert_eq!(
            events[0].position, positions[0],
            "round {round}: timer {id}"
        );
    }
    for (id, events) in &by {
        assert_eq!(
            events.len(),
            1,
            "round {round}: timer {id} has {} events",
            events.len()
        );
    }
    let pending: BTreeSet<String> = store
        .pending_timers()
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    for id in &pending {
        assert!(
            !by.contains_key(id),
            "round {round}: timer {id} fired and is still pending"
        );
        assert!(
            !acks.cancelled.contains(id),
            "round {round}: cancelled {id} is pending"
        );
    }
    for id in &acks.scheduled {
        assert!(
            pending.contains(id) || by.contains_key(id),
            "round {round}: acknowledged timer {id} is neither pending nor fired"
        );
    }
}

/// A small deterministic generator for the kill delays.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

/// Kills the child `rounds` times on the store at `url`, then fires what is left.
fn kill_while_firing(url: &str, rounds: usize) {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut acks = Acks::default();
    for round in 0..rounds {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "timers_crash_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(URL_ENV, url)
            .env(ROUND_ENV, round.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Kill only once the child is firing, at a random moment after.
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("the child fired nothing");
            let firing = line.starts_with("fired ");
            acks.take(&line);
            if firing {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(1 + rng.next(60)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        for line in rx.try_iter() {
            acks.take(&line);
        }
        let store = stormcraft_runtime::open(url)
            .unwrap_or_else(|e| panic!("round {round}: reopen failed: {e}"));
        check(&store, &acks, round);
    }
    // The restart fires what every killed child left due, and, at the end of time,
    // the far-future timers whose cancel the kill cut off; never an acknowledged cancel.
    let store = stormcraft_runtime::open(url)
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(the_end())));
    store.fire_due().unwrap();
    check(&store, &acks, rounds);
    assert!(store.pending_timers().unwrap().is_empty());
    let by = events_by_timer(&store);
    for id in &acks.scheduled {
        assert_eq!(by.get(id).map_or(0, Vec::len), 1, "timer {id}");
    }
    for id in &acks.cancelled {
        assert!(!by.contains_key(id), "cancelled timer {id} fired");
    }
    let uncancelled = acks.pending.difference(&acks.cancelled).count();
    assert!(
        acks.fired.len() > rounds && acks.cancelled.len() > rounds,
        "too little happened: {} fired, {} cancelled",
        acks.fired.len(),
        acks.cancelled.len()
    );
    eprintln!(
        "{rounds} kills: {} timers acknowledged, {} seen fired by the children, {} cancelled, {} cut off before their cancel; all fired exactly once",
        acks.scheduled.len(),
        acks.fired.len(),
        acks.cancelled.len(),
        uncancelled
    );
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_due_timers_fire_exactly_once_across_kill_9() {
    let dir = common::TempDir::new("timers-crash");
    let url = format!("sqlite:{}", dir.path().join("events.db").display());
    kill_while_firing(&url, 16);
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_due_timers_fire_exactly_once_across_kill_9() {
    let Some(server) = common::pg_server() else {
        return;
    };
    kill_while_firing(&server.fresh_database(), 10);
}
