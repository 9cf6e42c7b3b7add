//! The old model read from a git revision, for `diff MODEL --against REV`.
//!
//! git runs as a subprocess (`git rev-parse`, `cat-file`, `ls-tree`, `show`): no git
//! library, and the user's git configuration (worktrees, alternates, shallow clones)
//! is honoured because git itself reads it. A folder model at the revision is the
//! same set of files `load` would read on disk: its `*.yaml`/`*.yml` files in path
//! order, without hidden files and folders or `target` folders.

use crate::model::load::Loaded;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why the model could not be read at the revision.
#[derive(Debug)]
pub enum GitError {
    /// `git` could not be started.
    NotInstalled(std::io::Error),
    /// The model's path could not be resolved on disk.
    BadPath {
        /// The path as given.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The model is not inside a git work tree.
    NotARepository {
        /// The path as given.
        path: PathBuf,
        /// What git said.
        message: String,
    },
    /// The revision names no commit.
    UnknownRevision {
        /// The revision as given.
        revision: String,
    },
    /// The model's path did not exist at the revision.
    MissingAtRevision {
        /// The path inside the repository.
        path: String,
        /// The revision.
        revision: String,
    },
    /// The folder held no model files at the revision.
    NoModelFiles {
        /// The path inside the repository.
        path: String,
        /// The revision.
        revision: String,
    },
    /// A git command failed unexpectedly.
    Failed {
        /// The command line.
        command: String,
        /// What git said.
        message: String,
    },
    /// A file at the revision is not UTF-8.
    NotUtf8 {
        /// `REV:path`.
        name: String,
    },
}

impl fmt::Display for GitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GitError::NotInstalled(error) => write!(
                f,
                "cannot run `git` ({error}); `diff --against` needs git on the PATH, or compare two paths: `stormcraft diff OLD NEW`"
            ),
            GitError::BadPath { path, source } => {
                write!(f, "cannot read `{}`: {source}", path.display())
            }
            GitError::NotARepository { path, message } => write!(
                f,
                "`{}` is not in a git checkout ({message}); `diff --against` compares with a git revision, so compare two paths instead: `stormcraft diff OLD NEW`",
                path.display()
            ),
            GitError::UnknownRevision { revision } => write!(
                f,
                "`{revision}` is not a revision of this repository; name a commit, branch or tag (fetch it first if it is remote, e.g. `git fetch origin main`)"
            ),
            GitError::MissingAtRevision { path, revision } => write!(
                f,
                "`{path}` did not exist at `{revision}`; nothing to compare with (a new model has no breaking changes), or name an older revision"
            ),
            GitError::NoModelFiles { path, revision } => write!(
                f,
                "`{path}` held no model files (*.yaml or *.yml) at `{revision}`"
            ),
            GitError::Failed { command, message } => write!(f, "`{command}` failed: {message}"),
            GitError::NotUtf8 { name } => write!(f, "`{name}` is not UTF-8 text"),
        }
    }
}

impl std::error::Error for GitError {}

/// Runs git in `dir`; returns its stdout, or its stderr's first line as the error.
fn git(dir: &Path, args: &[&str]) -> Result<Result<Vec<u8>, String>, GitError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        // The user's pager, colour and locale settings must not change what we parse.
        .env("GIT_PAGER", "cat")
        .env("LC_ALL", "C")
        .output()
        .map_err(GitError::NotInstalled)?;
    if output.status.success() {
        Ok(Ok(output.stdout))
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message")
            .trim()
            .trim_start_matches("fatal: ")
            .to_owned();
        Ok(Err(message))
    }
}

fn failed(args: &[&str], message: String) -> GitError {
    GitError::Failed {
        command: format!("git {}", args.join(" ")),
        message,
    }
}

/// Whether a model file of a folder at `relative` (components below the folder) is
/// read: what [`crate::model::load::model_files`] keeps on disk.
fn is_model_file(relative: &[&str]) -> bool {
    let Some((file, folders)) = relative.split_last() else {
        return false;
    };
    let hidden = |name: &&str| name.starts_with('.');
    !folders.iter().any(|f| hidden(f) || *f == "target")
        && !hidden(file)
        && (file.ends_with(".yaml") || file.ends_with(".yml"))
}

/// Reads the model at `path` (a file or folder in a git work tree) as it was at
/// `revision`. Files are named `REV:path`, the path relative to the working directory
/// as on disk, so diagnostics point at the old version unmistakably.
pub fn load_at_revision(path: &Path, revision: &str) -> Result<Loaded, GitError> {
    let absolute = path.canonicalize().map_err(|source| GitError::BadPath {
        path: path.to_owned(),
        source,
    })?;
    let dir = if absolute.is_dir() {
        absolute.clone()
    } else {
        absolute
            .parent()
            .map_or_else(|| absolute.clone(), Path::to_owned)
    };
    let toplevel = git(&dir, &["rev-parse", "--show-toplevel"])?.map_err(|message| {
        GitError::NotARepository {
            path: path.to_owned(),
            message,
        }
    })?;
    let root = PathBuf::from(String::from_utf8_lossy(&toplevel).trim_end_matches(['\n', '\r']));
    let root = root.canonicalize().unwrap_or(root);
    let inside = absolute
        .strip_prefix(&root)
        .map_err(|_| GitError::NotARepository {
            path: path.to_owned(),
            message: format!("it is outside the work tree at `{}`", root.display()),
        })?;
    let inside: Vec<String> = inside
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let inside = inside.join("/");

    let commit = format!("{revision}^{{commit}}");
    git(&root, &["rev-parse", "--verify", "--quiet", &commit])?.map_err(|_| {
        GitError::UnknownRevision {
            revision: revision.to_owned(),
        }
    })?;
    let object = format!("{revision}:{inside}");
    let kind =
        git(&root, &["cat-file", "-t", &object])?.map_err(|_| GitError::MissingAtRevision {
            path: display_path(&inside),
            revision: revision.to_owned(),
        })?;
    let files: Vec<String> = match String::from_utf8_lossy(&kind).trim() {
        "blob" => vec![inside.clone()],
        "tree" => {
            let pathspec = if inside.is_empty() {
                ".".to_owned()
            } else {
                inside.clone()
            };
            let args = [
                "ls-tree",
                "-r",
                "-z",
                "--name-only",
                revision,
                "--",
                &pathspec,
            ];
            let listing = git(&root, &args)?.map_err(|m| failed(&args, m))?;
            let prefix = if inside.is_empty() {
                String::new()
            } else {
                format!("{inside}/")
            };
            let mut files: Vec<String> = String::from_utf8_lossy(&listing)
                .split('\0')
                .filter(|name| !name.is_empty())
                .filter(|name| {
                    name.strip_prefix(&prefix)
                        .is_some_and(|rest| is_model_file(&rest.split('/').collect::<Vec<_>>()))
                })
                .map(str::to_owned)
                .collect();
            // Depth-first in name order, as the folder is walked on disk.
            files.sort_by(|a, b| a.split('/').cmp(b.split('/')));
            files
        }
        other => {
            return Err(failed(
                &["cat-file", "-t", &object],
                format!("`{object}` is a {other}, not a file or folder"),
            ))
        }
    };
    if files.is_empty() {
        return Err(GitError::NoModelFiles {
            path: display_path(&inside),
            revision: revision.to_owned(),
        });
    }
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok());
    let mut texts = Vec::new();
    for file in files {
        let spec = format!("{revision}:{file}");
        let args = ["show", &spec];
        let bytes = git(&root, &args)?.map_err(|m| failed(&args, m))?;
        let on_disk = root.join(&file);
        let shown = cwd
            .as_ref()
            .and_then(|cwd| on_disk.strip_prefix(cwd).ok())
            .map_or_else(|| on_disk.clone(), Path::to_owned);
        let name = format!("{revision}:{}", shown.to_string_lossy().replace('\\', "/"));
        let text =
            String::from_utf8(bytes).map_err(|_| GitError::NotUtf8 { name: name.clone() })?;
        texts.push((name, on_disk, text));
    }
    let mut loaded = Loaded::default();
    loaded.add_texts(texts);
    Ok(loaded)
}

fn display_path(inside: &str) -> String {
    if inside.is_empty() {
        ".".to_owned()
    } else {
        inside.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_files_are_filtered_as_on_disk() {
        assert!(is_model_file(&["ordering.yaml"]));
        assert!(is_model_file(&["contexts", "billing.yml"]));
        assert!(!is_model_file(&["README.md"]));
        assert!(!is_model_file(&[".hidden.yaml"]));
        assert!(!is_model_file(&[".git", "x.yaml"]));
        assert!(!is_model_file(&["service", "target", "x.yaml"]));
        assert!(!is_model_file(&[]));
    }
}
