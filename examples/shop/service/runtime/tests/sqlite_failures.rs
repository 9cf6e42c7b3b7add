//! Failure behaviour of the SQLite store: kill -9 while appending, and damaged files.

#![cfg(feature = "sqlite")]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::json;
use stormcraft_runtime::{Error, ExpectedVersion, NewEvent, SqliteStore, Store, Uuid};

use common::TempDir;

/// Set in the child process to the database path it must append to.
const CHILD_ENV: &str = "STORMCRAFT_RUNTIME_CRASH_CHILD";

/// Not a test on its own: the body of the child process the crash test kills, which runs
/// it with `--ignored --exact`. It appends from four threads (so group commit is
/// exercised) and prints each acknowledged event. Run without its database path it fails
/// instead of passing having done nothing.
#[test]
#[ignore = "the child process of `acknowledged_appends_survive_kill_9`, which runs it"]
fn crash_child() {
    let path = std::env::var_os(CHILD_ENV).unwrap_or_else(|| {
        panic!("`crash_child` is run by `acknowledged_appends_survive_kill_9` with {CHILD_ENV} set")
    });
    let store = Store::new(SqliteStore::open(&path).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                let stream = format!("crash-{t}");
                let mut version = store.stream_version(&stream).unwrap();
                // Bounded so a child that is somehow not killed still ends.
                for _ in 0..100_000 {
                    let event = NewEvent::new("Tick", 1, json!({"thread": t, "after": version}));
                    let id = event.id;
                    let r = store
                        .append(&stream, ExpectedVersion::Exact(version), vec![event])
                        .unwrap();
                    version = r.stream_version;
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "ack {} {stream} {version} {id}", r.positions[0]).unwrap();
                    out.flush().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
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

struct Ack {
    position: u64,
    stream: String,
    version: u64,
    id: Uuid,
}

fn parse_ack(line: &str) -> Option<Ack> {
    let mut f = line.strip_prefix("ack ")?.split(' ');
    let ack = Ack {
        position: f.next()?.parse().ok()?,
        stream: f.next()?.to_owned(),
        version: f.next()?.parse().ok()?,
        // Last on the line: a line cut short by the kill fails here and is not counted.
        id: f.next()?.parse().ok()?,
    };
    f.next().is_none().then_some(ack)
}

#[test]
fn acknowledged_appends_survive_kill_9() {
    let dir = TempDir::new("crash");
    let path = dir.path().join("events.db");
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut acked: Vec<Ack> = Vec::new();
    const ROUNDS: usize = 24;
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "crash_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(ack) = parse_ack(&line) {
                    if tx.send(ack).is_err() {
                        break;
                    }
                }
            }
        });
        let first = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the child acknowledged nothing");
        acked.push(first);
        std::thread::sleep(Duration::from_millis(1 + rng.next(40)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        acked.extend(rx.try_iter());

        let store = Store::new(
            SqliteStore::open(&path)
                .unwrap_or_else(|e| panic!("round {round}: reopen failed: {e}")),
        );
        for ack in &acked {
            let got = store.read_stream(&ack.stream, ack.version, 1).unwrap();
            assert_eq!(
                got.len(),
                1,
                "round {round}: acknowledged {} v{} is missing",
                ack.stream,
                ack.version
            );
            assert_eq!(
                (got[0].position, got[0].id),
                (ack.position, ack.id),
                "round {round}"
            );
        }
        let all = store.read_all(0, usize::MAX).unwrap();
        assert!(
            all.iter()
                .enumerate()
                .all(|(i, e)| e.position == i as u64 + 1),
            "round {round}: positions have gaps"
        );
        let r = store
            .append(
                &format!("after-{round}"),
                ExpectedVersion::NoStream,
                vec![NewEvent::new("Ok", 1, json!(round))],
            )
            .unwrap();
        assert_eq!(r.positions, vec![all.len() as u64 + 1]);
    }
    assert!(
        acked.len() > ROUNDS * 2,
        "only {} acknowledged appends",
        acked.len()
    );
    eprintln!(
        "{ROUNDS} kills, {} acknowledged appends, all intact",
        acked.len()
    );
}

fn fill(path: &Path, events: usize) {
    let store = SqliteStore::open(path).unwrap();
    let s = Store::new(store);
    for i in 0..events {
        let text = format!("payload-{i:05}-{}", "x".repeat(200));
        s.append(
            &format!("c-{}", i % 10),
            ExpectedVersion::Any,
            vec![NewEvent::new("E", 1, json!({ "text": text }))],
        )
        .unwrap();
    }
    // Dropping the last handle closes the write connection and checkpoints the WAL into the file.
}

/// Opens and reads everything: must be an error, and that error must say corruption.
fn assert_detected(path: &Path) -> Error {
    let err = match SqliteStore::open(path) {
        Err(e) => e,
        Ok(store) => {
            let s = Store::new(store);
            // The raw read (payload text handed out unparsed) verifies the same checksums.
            match s.read_all_raw(0, usize::MAX) {
                Err(e) => assert!(matches!(e, Error::Corruption(_)), "raw read: {e:?}"),
                Ok(events) => panic!(
                    "damaged file read back {} raw events without an error",
                    events.len()
                ),
            }
            match s.read_all(0, usize::MAX) {
                Err(e) => e,
                Ok(events) => panic!(
                    "damaged file read back {} events without an error",
                    events.len()
                ),
            }
        }
    };
    assert!(
        matches!(err, Error::Corruption(_)),
        "not reported as corruption: {err:?}"
    );
    assert!(err.to_string().contains("corrupted"), "{err}");
    eprintln!("detected: {err}");
    err
}

#[test]
fn a_changed_payload_byte_fails_its_checksum() {
    let dir = TempDir::new("flip");
    let path = dir.path().join("events.db");
    fill(&path, 200);
    let mut bytes = std::fs::read(&path).unwrap();
    // A change SQLite cannot see: still a valid page, still valid JSON.
    let needle = b"payload-00100-";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("payload on disk");
    bytes[at + needle.len()] = b'y';
    std::fs::write(&path, &bytes).unwrap();
    let err = assert_detected(&path);
    assert!(err.to_string().contains("checksum"), "{err}");
}

#[test]
fn an_overwritten_page_is_detected() {
    let dir = TempDir::new("page");
    let path = dir.path().join("events.db");
    fill(&path, 400);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2 / 4096 * 4096;
    for (i, b) in bytes[mid + 100..mid + 1100].iter_mut().enumerate() {
        *b = (i * 7 % 251) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();
    assert_detected(&path);
}

#[test]
fn a_truncated_file_is_detected() {
    let dir = TempDir::new("trunc");
    let path = dir.path().join("events.db");
    fill(&path, 400);
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    assert_detected(&path);
}

#[test]
fn a_file_that_is_not_a_database_is_rejected() {
    let dir = TempDir::new("garbage");
    let path = dir.path().join("events.db");
    std::fs::write(&path, vec![0x5Au8; 8192]).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(err, Error::Corruption(_)), "{err:?}");
}

#[test]
fn a_file_of_another_format_version_is_refused() {
    let dir = TempDir::new("format");
    let path = dir.path().join("events.db");
    fill(&path, 1);
    set_user_version(&path, 99);
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(err.to_string().contains("format 99"), "{err}");
}

/// Sets `PRAGMA user_version` by patching the header (offset 60, big-endian), so the test
/// needs no SQLite handle of its own.
fn set_user_version(path: &Path, v: u32) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[60..64].copy_from_slice(&v.to_be_bytes());
    std::fs::write(path, &bytes).unwrap();
}
