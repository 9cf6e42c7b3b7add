//! [`CliError`]: every way a command can stop early, with its message and exit code.

use super::{EXIT_MODEL_ERRORS, EXIT_USAGE};
use crate::model::load::LoadError;
use crate::templates::TemplateError;
use std::path::PathBuf;

/// Why a command stopped. [`crate::cli::run`] prints it as one `error: …` line (the
/// diagnostics it refers to are printed already) and exits with [`CliError::exit_code`].
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The model's files could not be read.
    #[error(transparent)]
    UnreadableModel(#[from] LoadError),
    /// The model has errors, so the command cannot use it.
    #[error(
        "the model has {errors} error(s); run `stormcraft check {}` for the full report",
        .path.display()
    )]
    ModelHasErrors {
        /// The model file or folder, as given.
        path: PathBuf,
        /// How many errors `check` found.
        errors: usize,
    },
    /// A model given to `diff` does not load or its names do not resolve: exit 2, since
    /// exit 1 means "breaking changes".
    #[error("the {side} model `{name}` has {errors} error(s); {hint}")]
    DiffModelHasErrors {
        /// `old` or `new`.
        side: &'static str,
        /// The model as given (a path, or `REV:path`).
        name: String,
        /// How many errors `check` found.
        errors: usize,
        /// Where to see them: the `check` command to run.
        hint: String,
    },
    /// `diff --against` could not read the model at the revision.
    #[error(transparent)]
    Git(#[from] crate::diff::git::GitError),
    /// `diagram --view` names no view, context or command of the model; the message
    /// says which and suggests the closest name.
    #[error("{0}")]
    BadView(String),
    /// `export asyncapi --context` names no context of the model.
    #[error("no context `{name}` in the model; {help}")]
    UnknownContext {
        /// The name as given.
        name: String,
        /// The closest name, or the list of contexts.
        help: String,
    },
    /// `diagram`'s `--format` and `-o` file name disagree, or the file name says no
    /// format; the message says which and what to write instead.
    #[error("{0}")]
    DiagramFormat(String),
    /// `trace` names no command of the model.
    #[error("no command `{name}` in the model; {help}")]
    UnknownCommand {
        /// The name as given.
        name: String,
        /// The closest name, or the list of commands.
        help: String,
    },
    /// `trace` names a command that more than one context has.
    #[error("`{name}` is ambiguous; write one of: {}", .candidates.join(", "))]
    AmbiguousCommand {
        /// The name as given.
        name: String,
        /// Its qualified names, `context.Name`.
        candidates: Vec<String>,
    },
    /// `explain` names no diagnostic code or rule.
    #[error("unknown diagnostic code `{code}`; {help}")]
    UnknownCode {
        /// The code as given.
        code: String,
        /// The closest rule name, or where to find the list.
        help: String,
    },
    /// `init` would overwrite a model.
    #[error(
        "`{}` already exists; stormcraft init never overwrites a file — pick another folder",
        .0.display()
    )]
    ModelExists(PathBuf),
    /// `templates export` would overwrite template files.
    #[error(
        "{} template file(s) already exist in `{}` ({}); export never overwrites — pick an empty folder",
        .existing.len(),
        .dir.display(),
        .existing.join(", ")
    )]
    TemplatesExist {
        /// The target folder.
        dir: PathBuf,
        /// The template names already there.
        existing: Vec<String>,
    },
    /// A folder could not be created.
    #[error("cannot create `{}`: {source}", .path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// An output file could not be written.
    #[error("cannot write `{}`: {source}", .path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Standard output could not be written (other than a reader that went away).
    #[error("cannot write to standard output: {0}")]
    WriteStdout(std::io::Error),
    /// The `check --format json` report could not be serialised.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A template override is broken.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// Graphviz `dot` is missing or failed; the message says which.
    #[error("{0}")]
    Graphviz(String),
    /// The generator could not render or write the workspace.
    #[error("{0}")]
    Generate(String),
    /// `generate --check`: the output on disk differs from what would be generated.
    #[error(
        "{} is stale; run `stormcraft generate {} -o {}`:\n{}",
        .output.display(),
        .model.display(),
        .output.display(),
        .lines.join("\n")
    )]
    Stale {
        /// The generated workspace's folder.
        output: PathBuf,
        /// The model file or folder.
        model: PathBuf,
        /// One line per file that differs, is missing, obsolete or edited by hand.
        lines: Vec<String>,
    },
}

impl CliError {
    /// The process exit code: 1 when the model is at fault (it has errors, or the
    /// generated output is stale), 2 for bad usage and I/O.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::ModelHasErrors { .. } | CliError::Stale { .. } => EXIT_MODEL_ERRORS,
            CliError::UnreadableModel(_)
            | CliError::DiffModelHasErrors { .. }
            | CliError::Git(_)
            | CliError::BadView(_)
            | CliError::UnknownContext { .. }
            | CliError::DiagramFormat(_)
            | CliError::UnknownCommand { .. }
            | CliError::AmbiguousCommand { .. }
            | CliError::UnknownCode { .. }
            | CliError::ModelExists(_)
            | CliError::TemplatesExist { .. }
            | CliError::CreateDir { .. }
            | CliError::WriteFile { .. }
            | CliError::WriteStdout(_)
            | CliError::Json(_)
            | CliError::Template(_)
            | CliError::Graphviz(_)
            | CliError::Generate(_) => EXIT_USAGE,
        }
    }
}
