//! Runs the real Graphviz `dot` program to turn DOT into SVG or PNG.

use std::io::Write;
use std::process::{Command, Stdio};

/// The program to run: `$STORMCRAFT_DOT` when set (tests use it), else `dot`.
fn dot_program() -> String {
    std::env::var("STORMCRAFT_DOT").unwrap_or_else(|_| "dot".to_owned())
}

const INSTALL_HELP: &str = "install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`, Windows: `winget install graphviz`), or use `--format dot` or `--format mermaid`, which need nothing";

/// Feeds `source` to `dot -T<format>` and returns its output.
pub fn run_dot(source: &str, format: &str) -> Result<Vec<u8>, String> {
    let program = dot_program();
    let mut child = Command::new(&program)
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                format!("Graphviz `{program}` was not found on the PATH; {INSTALL_HELP}")
            } else {
                format!("cannot run Graphviz `{program}`: {e}")
            }
        })?;
    let mut stdin = child.stdin.take().ok_or("cannot write to `dot`")?;
    let source = source.to_owned();
    // Write on another thread: `dot` may fill its stdout pipe before reading all input.
    let writer = std::thread::spawn(move || stdin.write_all(source.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("cannot run Graphviz `{program}`: {e}"))?;
    let _ = writer.join();
    if !output.status.success() {
        return Err(format!(
            "Graphviz `{program}` rejected the diagram: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout)
}

/// True when `dot` can be run.
pub fn dot_available() -> bool {
    Command::new(dot_program())
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
