//! Running the node scripts of `tests/node/` (the AsyncAPI parser, Mermaid): where their
//! npm packages are, and the skip-or-fail rule when node or a package is missing.
//!
//! The packages live outside the checkout, in the folder named by the env
//! `STORMCRAFT_NODE_MODULES` (default `$HOME/.cache/stormcraft-node/node_modules`);
//! `.ci/run` installs them there. Outside CI a missing tool skips the test with a
//! notice; under CI it fails it, so the real validators always run there.

#![allow(dead_code)] // each test file uses a different part of this module

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The folder the npm packages are loaded from.
pub fn node_modules() -> PathBuf {
    if let Some(dir) = std::env::var_os("STORMCRAFT_NODE_MODULES") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache/stormcraft-node/node_modules")
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// True when `node` runs and every package is installed in [`node_modules`]. When not:
/// under CI the test fails with what to install; otherwise it prints a notice and the
/// caller skips.
pub fn node_ready(packages: &[&str], what: &str) -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let dir = node_modules();
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !dir.join(p).join("package.json").is_file())
        .collect();
    if node && missing.is_empty() {
        return true;
    }
    let problem = if node {
        format!(
            "npm packages missing from {}: {}",
            dir.display(),
            missing.join(", ")
        )
    } else {
        "`node` is not installed".to_owned()
    };
    let install = format!(
        "npm install --prefix {} {}",
        dir.parent().unwrap_or(&dir).display(),
        packages.join(" ")
    );
    assert!(
        !in_ci(),
        "CI=true but {problem}, so {what} cannot be checked: run `{install}` (`.ci/run` does)"
    );
    eprintln!("notice: {problem}; {what} is not checked (install with `{install}`)");
    false
}

/// Runs `node tests/node/<script> args…` with the packages' folder in the env.
pub fn run_script(script: &str, args: &[&Path], envs: &[(&str, &str)]) -> Output {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/node")
        .join(script);
    let mut command = Command::new("node");
    command
        .arg(path)
        .args(args)
        .env("STORMCRAFT_NODE_MODULES", node_modules());
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("run node")
}
