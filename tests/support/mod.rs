//! Helpers for tests that build and run generated workspaces: a tiny HTTP/1.1
//! client on std (no dependency for one request at a time), a child-process guard
//! that kills on drop, and the shared target folder for generated code.

#![allow(dead_code)] // each test file uses a different part of this module

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One target folder for every generated workspace the tests compile, so their
/// shared dependencies (tokio, axum, rusqlite, …) are compiled once per machine.
pub fn generated_target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
        .join("generated")
}

/// True when this run must not skip tests that need tools or services.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// True when the slow tests that compile generated workspaces are turned off.
pub fn skip_compile_tests() -> bool {
    if std::env::var_os("STORMCRAFT_SKIP_COMPILE_TESTS").is_some() {
        assert!(
            !in_ci(),
            "STORMCRAFT_SKIP_COMPILE_TESTS must not be set under CI"
        );
        eprintln!("notice: STORMCRAFT_SKIP_COMPILE_TESTS is set; skipping a compile test");
        return true;
    }
    false
}

/// The `rustfmt` the generator would use, or `None` (with a notice) when it is missing
/// outside CI; under CI a missing rustfmt fails the test.
pub fn rustfmt_or_skip() -> Option<stormcraft::render::service::rustfmt::Rustfmt> {
    let found = stormcraft::render::service::rustfmt::Rustfmt::find();
    if found.is_none() {
        assert!(!in_ci(), "rustfmt is required under CI");
        eprintln!("notice: rustfmt is not installed; skipping a formatting test");
    }
    found
}

/// Runs `stormcraft` with arguments; panics with its output when it fails.
pub fn stormcraft(args: &[&str], dir: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run stormcraft");
    assert!(
        output.status.success(),
        "stormcraft {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `cargo` in `dir` with the shared target folder; panics with its output on failure.
pub fn cargo(dir: &Path, args: &[&str]) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", generated_target_dir())
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("run cargo");
    eprintln!(
        "cargo {} in {} took {:.1}s",
        args.join(" "),
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        output.status.success(),
        "cargo {args:?} failed in {}:\n{}\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A running service; killed when dropped so a failing test leaves nothing behind.
pub struct Service {
    child: Child,
    /// `host:port` it listens on.
    pub address: String,
    /// What it printed on stderr, collected by a thread.
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Service {
    /// Starts `program args…`, waits for its `listening on http://ADDR` line.
    pub fn start(program: &Path, args: &[&str], envs: &[(&str, &str)]) -> Service {
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in envs {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", program.display()));
        let stderr_text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("piped stderr");
        let sink = stderr_text.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(address) = line.split("listening on http://").nth(1) {
                    let _ = sender.send(address.trim().to_owned());
                }
            }
        });
        let address = match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "{} did not print `listening on http://…` within 60 s; stderr:\n{}",
                    program.display(),
                    stderr_text.lock().unwrap()
                );
            }
        };
        Service {
            child,
            address,
            stderr: stderr_text,
        }
    }

    /// What the service wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Stops the service with SIGTERM and waits for it (SIGKILL after 10 s).
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Service {
    /// Kills the service with SIGKILL, as a crash would, and waits for it: no graceful
    /// shutdown, whatever was in flight is cut off.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response: status and body.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

impl Response {
    /// The body as JSON (panics when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One HTTP/1.1 request with `Connection: close`.
pub fn http(address: &str, method: &str, path: &str, body: Option<&str>) -> Response {
    let mut stream = TcpStream::connect(address).expect("connect to the service");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("malformed response: {text}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in: {head}"));
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    Response { status, body }
}

fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    body
}

/// Polls `GET path` until `done(response)` or `timeout`; returns the last response.
pub fn poll_until(
    address: &str,
    path: &str,
    timeout: Duration,
    done: impl Fn(&Response) -> bool,
) -> Response {
    let deadline = Instant::now() + timeout;
    loop {
        let response = http(address, "GET", path, None);
        if done(&response) || Instant::now() >= deadline {
            return response;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
