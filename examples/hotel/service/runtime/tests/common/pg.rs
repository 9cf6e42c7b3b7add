//! A throwaway PostgreSQL server for the tests and the benchmark.
//!
//! `initdb` into a fresh temporary directory, then `postgres` listening only on a Unix
//! socket inside it. PostgreSQL refuses to run as root, so as root both run as the
//! `postgres` user. The server is started by a small shell wrapper that waits for its
//! stdin to close and then stops the server and removes the directory: the pipe closes
//! when this process exits for any reason, so no server outlives its tests, even when
//! the handle lives in a `static` that is never dropped.

#![allow(dead_code)]

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A running server; dropping it stops the server and deletes its files.
pub struct PgServer {
    root: PathBuf,
    socket_dir: PathBuf,
    wrapper: Mutex<Option<(Child, ChildStdin)>>,
    next_db: AtomicU32,
}

/// Where the PostgreSQL binaries are: `$PG_BIN`, or the Debian path of version 15.
pub fn bin_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PG_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"));
    (dir.join("initdb").is_file() && dir.join("postgres").is_file()).then_some(dir)
}

/// The (uid, gid) to run PostgreSQL as: the `postgres` user when we are root.
fn run_as() -> Option<(u32, u32)> {
    let me = std::fs::metadata("/proc/self").map(|m| m.uid()).ok()?;
    if me != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() > 3 && f[0] == "postgres")
            .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
    })
}

fn command(program: &Path, user: Option<(u32, u32)>) -> Command {
    let mut c = Command::new(program);
    if let Some((uid, gid)) = user {
        c.uid(uid).gid(gid);
    }
    c
}

impl PgServer {
    /// Starts a server. Without the binaries: panics when `CI=true` (the run must not pass
    /// silently), otherwise prints a notice and returns `None` so the caller skips.
    /// `durable: false` turns fsync off, which only tests may do.
    pub fn start(durable: bool) -> Option<PgServer> {
        let Some(bin) = bin_dir() else {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("PostgreSQL binaries not found (set PG_BIN or install postgresql-15); CI=true, so the PostgreSQL tests fail instead of skipping");
            }
            eprintln!(
                "notice: PostgreSQL binaries not found (set PG_BIN); skipping PostgreSQL tests"
            );
            return None;
        };
        let user = run_as();
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let root = std::env::temp_dir().join(format!(
            "stormcraft-pg-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create the PostgreSQL temp dir");
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(&root, Some(uid), Some(gid))
                .expect("chown the PostgreSQL temp dir");
        }
        let data = root.join("data");
        let socket_dir = root.clone();
        let out = command(&bin.join("initdb"), user)
            .args(["-D"])
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
            .stdin(Stdio::null())
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let flag = if durable { "on" } else { "off" };
        let script = r#"
"$1/postgres" -D "$2" -k "$3" -c listen_addresses= -c fsync=$5 -c synchronous_commit=$5 \
  -c full_page_writes=$5 -c max_connections=300 </dev/null >"$4/server.log" 2>&1 &
pid=$!
cat >/dev/null
kill -QUIT "$pid" 2>/dev/null
wait "$pid"
rm -rf "$4"
"#;
        let mut child = command(Path::new("/bin/sh"), user)
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(&bin)
            .arg(&data)
            .arg(&socket_dir)
            .arg(&root)
            .arg(flag)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start postgres");
        let stdin = child.stdin.take().expect("piped stdin");
        let server = PgServer {
            root,
            socket_dir,
            wrapper: Mutex::new(Some((child, stdin))),
            next_db: AtomicU32::new(0),
        };
        server.wait_ready();
        Some(server)
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if postgres::Client::connect(&self.url("postgres"), postgres::NoTls).is_ok() {
                return;
            }
            let exited = self
                .wrapper
                .lock()
                .unwrap()
                .as_mut()
                .is_some_and(|(c, _)| matches!(c.try_wait(), Ok(Some(_))));
            if exited || Instant::now() > deadline {
                let mut log = String::new();
                if let Ok(mut f) = std::fs::File::open(self.root.join("server.log")) {
                    let _ = f.read_to_string(&mut log);
                }
                panic!("PostgreSQL did not start:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A `postgres://` URL for `database` over the Unix socket.
    pub fn url(&self, database: &str) -> String {
        let host: String = self
            .socket_dir
            .to_string_lossy()
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!("postgresql://postgres@{host}/{database}")
    }

    /// Creates an empty database and returns its URL.
    pub fn fresh_database(&self) -> String {
        let name = format!("t{}", self.next_db.fetch_add(1, Ordering::Relaxed));
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .expect("connect to the test server");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        self.url(&name)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some((mut child, stdin)) = self.wrapper.lock().unwrap().take() {
            drop(stdin);
            let _ = child.wait();
        }
    }
}
