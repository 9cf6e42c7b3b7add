//! Embeds everything under `templates/` in the binary, so `stormcraft generate` needs
//! no files at run time: the `*.jinja` templates, and the runtime crate's source,
//! which generated workspaces get verbatim.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    println!("cargo:rerun-if-changed=templates");
    let mut templates = Vec::new();
    let mut runtime = Vec::new();
    let walker = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            // Build output and editor/OS litter are not part of the templates.
            e.depth() == 0 || !(name.starts_with('.') || name == "target" || name == "Cargo.lock")
        });
    for entry in walker {
        let entry = entry.expect("templates/ is readable");
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        println!("cargo:rerun-if-changed={}", path.display());
        let relative = path
            .strip_prefix(&root)
            .expect("walked under templates/")
            .to_string_lossy()
            .replace('\\', "/");
        if let Some(inside) = relative.strip_prefix("runtime/") {
            runtime.push((inside.to_owned(), path.to_owned()));
        } else if relative.ends_with(".jinja") {
            templates.push((relative, path.to_owned()));
        }
    }
    let mut out = String::new();
    for (name, list) in [("BUILTIN", &templates), ("RUNTIME_FILES", &runtime)] {
        writeln!(out, "pub static {name}: &[(&str, &str)] = &[").unwrap();
        for (relative, path) in list {
            writeln!(
                out,
                "    ({relative:?}, include_str!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    writeln!(
        out,
        "/// A hash of the generator's own sources (src/, templates/, Cargo.toml, Cargo.lock):\n/// part of a generate run's fingerprint, so a new stormcraft never takes an old tree\n/// for up to date.\npub const GENERATOR_FINGERPRINT: u64 = {:#x};",
        generator_fingerprint()
    )
    .unwrap();
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("templates.rs"), out).expect("OUT_DIR is writable");
}

/// FNV-1a over the paths and bytes of every file the generator is built from.
fn generator_fingerprint() -> u64 {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for top in ["src", "templates", "Cargo.toml", "Cargo.lock"] {
        let walker = walkdir::WalkDir::new(root.join(top))
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                e.depth() == 0 || !(name.starts_with('.') || name == "target")
            });
        for entry in walker.flatten() {
            if entry.file_type().is_file() {
                let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
                eat(relative.to_string_lossy().as_bytes());
                eat(&std::fs::read(entry.path()).unwrap_or_default());
            }
        }
    }
    hash
}
