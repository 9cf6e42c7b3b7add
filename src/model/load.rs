//! Reads a model from disk: one YAML file, or every `*.yaml`/`*.yml` file of a
//! folder (walked in sorted order, so the merge is the same on every machine).

use crate::check::rules::sc001_yaml_syntax;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::ast::{FileAst, ModelAst};
use crate::model::decode::decode_file;
use crate::model::yaml::SpannedNode;
use crate::source::Span;
use crate::source::{SourceFile, SourceMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// A problem reading the model's files (not a problem *in* the model): exit code 2.
#[derive(Debug)]
pub enum LoadError {
    /// A file or folder could not be read.
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A folder holds no model files.
    NoModelFiles {
        /// The folder.
        path: PathBuf,
    },
    /// A model file is not UTF-8 text.
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, source } => {
                write!(f, "cannot read `{}`: {source}", path.display())
            }
            LoadError::NoModelFiles { path } => write!(
                f,
                "`{}` holds no model files (*.yaml or *.yml); run `stormcraft init {}` to start one",
                path.display(),
                path.display()
            ),
            LoadError::NotUtf8 { path } => write!(
                f,
                "`{}` is not UTF-8 text; save it as UTF-8",
                path.display()
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// The text and syntax tree of a model, with the YAML-level findings.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every file read.
    pub sources: SourceMap,
    /// What the files say, as far as it could be read.
    pub ast: ModelAst,
    /// Syntax and shape problems (codes SC001–SC005).
    pub diagnostics: Diagnostics,
}

/// Lists the model files at `path`: the file itself, or a folder's YAML files sorted
/// by path. Hidden files and folders (`.git`, editor swap files) are skipped, and so
/// are Cargo `target` folders: a generated workspace kept beside its model (like
/// `examples/shop/service`) may hold a large build that never contains a model.
pub fn model_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let metadata = std::fs::metadata(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(path)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0
                || !(name.starts_with('.') || (name == "target" && e.file_type().is_dir()))
        });
    for entry in walker {
        let entry = entry.map_err(|e| LoadError::Io {
            path: e.path().map_or_else(|| path.to_owned(), Path::to_owned),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("filesystem loop")),
        })?;
        let is_yaml = entry
            .path()
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml");
        if entry.file_type().is_file() && is_yaml {
            files.push(entry.into_path());
        }
    }
    if files.is_empty() {
        return Err(LoadError::NoModelFiles {
            path: path.to_owned(),
        });
    }
    Ok(files)
}

/// Reads and decodes the model at `path`.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let mut texts = Vec::new();
    for file in model_files(path)? {
        let bytes = std::fs::read(&file).map_err(|source| LoadError::Io {
            path: file.clone(),
            source,
        })?;
        let text =
            String::from_utf8(bytes).map_err(|_| LoadError::NotUtf8 { path: file.clone() })?;
        texts.push((display_name(&file), file, text));
    }
    let mut loaded = Loaded::default();
    loaded.add_texts(texts);
    Ok(loaded)
}

/// Parses and decodes a model held in memory (for tests, benchmarks and editors).
pub fn load_str(name: &str, text: &str) -> Loaded {
    let mut loaded = Loaded::default();
    loaded.add_text(name.to_owned(), PathBuf::from(name), text.to_owned());
    loaded
}

impl Loaded {
    /// Adds one file's text: parses it and decodes it into the model.
    pub fn add_text(&mut self, name: String, path: PathBuf, text: String) {
        self.add_texts(vec![(name, path, text)]);
    }

    /// Adds several files. YAML parsing, the costly part of loading, runs on every
    /// core (one file at a time per thread); decoding and all reporting stay in file
    /// order, so the result is the same as adding the files one by one.
    pub fn add_texts(&mut self, texts: Vec<(String, PathBuf, String)>) {
        let first = self.sources.files().len() as u32;
        for (name, path, text) in texts {
            self.sources.add(SourceFile::new(name, path, text));
        }
        let files: Vec<(u32, std::sync::Arc<str>)> = (first..self.sources.files().len() as u32)
            .map(|index| (index, self.sources.file(index).text.clone()))
            .collect();
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(files.len())
            .max(1);
        let parsed: Vec<Result<SpannedNode, Diagnostic>> = if threads == 1 {
            files.iter().map(|(i, text)| parse_yaml(*i, text)).collect()
        } else {
            let next = std::sync::atomic::AtomicUsize::new(0);
            let mut results: Vec<Option<Result<SpannedNode, Diagnostic>>> =
                (0..files.len()).map(|_| None).collect();
            let done = std::sync::Mutex::new(&mut results);
            std::thread::scope(|scope| {
                for _ in 0..threads {
                    scope.spawn(|| loop {
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((index, text)) = files.get(n) else {
                            break;
                        };
                        let result = parse_yaml(*index, text);
                        if let Ok(mut results) = done.lock() {
                            results[n] = Some(result);
                        }
                    });
                }
            });
            results
                .into_iter()
                .zip(&files)
                .map(|(result, (index, text))| {
                    // A parser thread that died leaves a gap: parse that file here.
                    result.unwrap_or_else(|| parse_yaml(*index, text))
                })
                .collect()
        };
        for ((index, _), result) in files.iter().zip(parsed) {
            match result {
                Ok(root) => {
                    let file = decode_file(*index, &root, &mut self.diagnostics);
                    self.ast.files.push(file);
                }
                Err(diagnostic) => {
                    self.diagnostics.push(diagnostic);
                    self.ast.files.push(FileAst {
                        file: *index,
                        ..FileAst::default()
                    });
                }
            }
        }
    }
}

/// Paths print relative to the working directory when they are inside it, with `/`.
fn display_name(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_owned))
        .unwrap_or_else(|| path.to_owned());
    relative.to_string_lossy().replace('\\', "/")
}

fn parse_yaml(file: u32, text: &str) -> Result<SpannedNode, Diagnostic> {
    // An empty file is a document with no content; the decoder reports it as such.
    if text.trim().is_empty() {
        return Ok(SpannedNode::new(
            crate::model::yaml::Node::Null,
            serde_saphyr::Location::UNKNOWN,
            serde_saphyr::Location::UNKNOWN,
        ));
    }
    // The default budget (250,000 nodes) refuses large single-file models; a node
    // takes at least a byte of text, so a budget scaled to the text still stops
    // alias expansion bombs while accepting any honest file.
    let scaled = text.len().saturating_mul(2).max(1_000_000);
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = scaled;
    budget.max_events = scaled;
    let options = serde_saphyr::options! {
        budget: Some(budget),
        // The format has no use for `<<` merges of unknown shape or duplicate keys
        // silently winning; both are reported as errors instead.
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::Error,
        // YAML 1.2 booleans only: the format's `on:` key must stay the word `on`.
        strict_booleans: true,
    };
    serde_saphyr::from_str_with_options::<SpannedNode>(text, options).map_err(|error| {
        // Syntax errors carry a line and column but not always a byte offset.
        let span = error
            .location()
            .map(|l| match l.span().byte_offset() {
                Some(_) => Span::from_location(file, &l),
                None => {
                    let start = offset_of(text, l.line(), l.column());
                    // One whole character, or nothing at the end of the file.
                    let len = text[start as usize..]
                        .chars()
                        .next()
                        .map_or(0, char::len_utf8);
                    Span {
                        file,
                        start,
                        len: len as u32,
                    }
                }
            })
            .unwrap_or(Span {
                file,
                start: 0,
                len: 0,
            });
        let message = error
            .without_snippet()
            .render_with_options(serde_saphyr::render_options! {
                snippets: serde_saphyr::SnippetMode::Off,
            });
        // saphyr appends " at line L column C"; our label shows the place already.
        let message = strip_location_suffix(&message);
        sc001_yaml_syntax::diagnostic(&message, span)
    })
}

fn strip_location_suffix(message: &str) -> String {
    let first_line = message.lines().next().unwrap_or("").trim();
    match first_line.rfind(" at line ") {
        Some(index) => first_line[..index].to_owned(),
        None => first_line.to_owned(),
    }
    .trim_end_matches('.')
    .to_lowercase()
}

/// Byte offset of a 1-based line and character column, clamped to the text.
fn offset_of(text: &str, line: u64, column: u64) -> u32 {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum();
    let line_start = line_start.min(text.len());
    let column_bytes: usize = text[line_start..]
        .chars()
        .take_while(|c| *c != '\n')
        .take(column.saturating_sub(1) as usize)
        .map(char::len_utf8)
        .sum();
    u32::try_from(line_start + column_bytes).unwrap_or(u32::MAX)
}
