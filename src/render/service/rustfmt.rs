//! The one formatting pass over generated Rust: the user's own `rustfmt`, run over all
//! files that are about to be written, so the output is exactly what `cargo fmt` gives
//! and templates stay plain Rust (the approach of uniffi, cargo-progenitor and
//! cargo-typify).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Files handed to one `rustfmt` process: few processes (start-up costs ~20 ms each),
/// yet short enough command lines for every platform.
const FILES_PER_PROCESS: usize = 200;

/// The `rustfmt` program, found like cargo finds it.
#[derive(Debug, Clone)]
pub struct Rustfmt {
    program: PathBuf,
}

/// What a formatting pass could not do: each message names the files concerned.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FormatReport {
    /// rustfmt failures on generated text (a bug of stormcraft's; those files keep the
    /// unformatted text).
    pub errors: Vec<String>,
    /// Indices of the files that may not be formatted: those of a failed rustfmt run
    /// that came back unchanged.
    pub unformatted: Vec<usize>,
}

impl Rustfmt {
    /// `$RUSTFMT` when set, else `rustfmt` on `PATH`; `None` when there is none.
    /// Nothing is run here (a regenerate with nothing to format must stay cheap): a
    /// program that is found but cannot format (a rustup proxy without the component)
    /// is reported by [`Rustfmt::format`], with its own message.
    pub fn find() -> Option<Rustfmt> {
        if let Some(path) = std::env::var_os("RUSTFMT").filter(|p| !p.is_empty()) {
            let path = PathBuf::from(path);
            return path.is_file().then_some(Rustfmt { program: path });
        }
        let name = format!("rustfmt{}", std::env::consts::EXE_SUFFIX);
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join(&name))
            .find(|candidate| candidate.is_file())
            .map(|program| Rustfmt { program })
    }

    /// The program that is run.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// Formats `files` (relative path, text) in place with the workspace's
    /// `rustfmt.toml` text `config`. The files are written to a private temporary
    /// folder and formatted there by a few `rustfmt` processes (one per
    /// [`FILES_PER_PROCESS`] files, as many at a time as there are cores), then read
    /// back. A file rustfmt rejects keeps its text and is named in the report.
    pub fn format(&self, config: &str, files: &mut [(String, String)]) -> FormatReport {
        let mut report = FormatReport::default();
        if files.is_empty() {
            return report;
        }
        let root = std::env::temp_dir().join(format!(
            "stormcraft-rustfmt-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        if let Err(e) = self.format_in(&root, config, files, &mut report) {
            report.unformatted = (0..files.len()).collect();
            report.errors.push(format!(
                "cannot run `{}` in `{}`: {e}",
                self.program.display(),
                root.display()
            ));
        }
        let _ = std::fs::remove_dir_all(&root);
        report
    }

    fn format_in(
        &self,
        root: &Path,
        config: &str,
        files: &mut [(String, String)],
        report: &mut FormatReport,
    ) -> std::io::Result<()> {
        std::fs::create_dir_all(root)?;
        let config_path = root.join("rustfmt.toml");
        std::fs::write(&config_path, config)?;
        for (path, text) in files.iter() {
            let target = root.join(path);
            if let Some(folder) = target.parent() {
                std::fs::create_dir_all(folder)?;
            }
            std::fs::write(&target, text)?;
        }
        let chunks: Vec<Vec<&str>> = files
            .chunks(FILES_PER_PROCESS)
            .map(|chunk| chunk.iter().map(|(path, _)| path.as_str()).collect())
            .collect();
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(chunks.len());
        let next = std::sync::atomic::AtomicUsize::new(0);
        let errors = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(chunk) = chunks.get(index) else {
                        break;
                    };
                    if let Some(error) = self.run(root, &config_path, chunk) {
                        // Index of the chunk, to find its files and to sort the errors.
                        errors
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .push((index, error));
                    }
                });
            }
        });
        let mut errors = errors
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Threads finish in any order; the report must not.
        errors.sort();
        let failed: std::collections::BTreeSet<usize> = errors.iter().map(|(i, _)| *i).collect();
        report.errors.extend(errors.into_iter().map(|(_, e)| e));
        for (index, (path, text)) in files.iter_mut().enumerate() {
            // rustfmt leaves a file it rejects as it was, so reading back is right
            // for every file.
            let back = std::fs::read_to_string(root.join(&*path))?;
            if failed.contains(&(index / FILES_PER_PROCESS)) && back == *text {
                report.unformatted.push(index);
            }
            *text = back;
        }
        Ok(())
    }

    /// One rustfmt process over `paths` (relative to `root`); the error, if any.
    fn run(&self, root: &Path, config: &Path, paths: &[&str]) -> Option<String> {
        // `skip_children`: each file is formatted on its own, so a `mod x;` whose file
        // is not part of this pass (unchanged, or user-owned) is not looked for.
        let output = Command::new(&self.program)
            .current_dir(root)
            .args(["--edition", "2021", "--config", "skip_children=true"])
            .arg("--config-path")
            .arg(config)
            .args(paths)
            .output();
        match output {
            Err(e) => Some(format!("cannot run `{}`: {e}", self.program.display())),
            Ok(out) if out.status.success() && out.stderr.is_empty() => None,
            Ok(out) => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let root_text = format!("{}/", root.display());
                Some(format!(
                    "rustfmt failed ({}) on one of: {}\n{}",
                    out.status,
                    paths.join(", "),
                    stderr.replace(&root_text, "").trim_end()
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_files_in_place_and_reports_broken_ones() {
        let Some(rustfmt) = Rustfmt::find() else {
            eprintln!("skipped: rustfmt is not installed");
            return;
        };
        let mut files = vec![
            ("a/src/lib.rs".to_owned(), "mod x;\nfn  f( ){}\n".to_owned()),
            ("b/src/lib.rs".to_owned(), "fn broken( {\n".to_owned()),
        ];
        let report = rustfmt.format("edition = \"2021\"\n", &mut files);
        assert_eq!(files[0].1, "mod x;\nfn f() {}\n");
        assert_eq!(
            files[1].1, "fn broken( {\n",
            "a rejected file keeps its text"
        );
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
        assert_eq!(report.unformatted, vec![1]);
        assert!(
            report.errors[0].contains("b/src/lib.rs"),
            "{:?}",
            report.errors
        );
    }

    #[test]
    fn a_program_that_cannot_run_is_reported() {
        let missing = Rustfmt {
            program: PathBuf::from("/nonexistent/rustfmt"),
        };
        let report = missing.format("", &mut [("x.rs".to_owned(), "fn f() {}".to_owned())]);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.unformatted, vec![0]);
    }
}
