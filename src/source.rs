//! The files a model was read from, and the conversion of byte offsets to lines.

use std::path::PathBuf;
use std::sync::Arc;

/// A byte range in one source file. Lines and columns come from the
/// [`crate::source::SourceMap`], so every span is reported the same way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Index of the file in the [`crate::source::SourceMap`].
    pub file: u32,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Length in bytes.
    pub len: u32,
}

impl Span {
    /// The span of a node as serde-saphyr located it, in file `file`.
    ///
    /// Containers get a zero or one byte span at their start; scalars cover their text.
    pub fn from_location(file: u32, location: &serde_saphyr::Location) -> Span {
        let span = location.span();
        Span {
            file,
            start: span.byte_offset().unwrap_or(0).min(u64::from(u32::MAX)) as u32,
            len: span.byte_len().unwrap_or(0).min(u64::from(u32::MAX)) as u32,
        }
    }
}

/// One model file held in memory for diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user should see it (relative to where they pointed us).
    pub name: String,
    /// The path on disk.
    pub path: PathBuf,
    /// The whole text of the file.
    pub text: Arc<str>,
    /// Byte offset of the start of every line, for line/column lookups.
    line_starts: Vec<u32>,
}

impl SourceFile {
    /// Wraps a file's text; `name` is what diagnostics print.
    pub fn new(name: String, path: PathBuf, text: String) -> SourceFile {
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        SourceFile {
            name,
            path,
            text: Arc::from(text),
            line_starts,
        }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_column(&self, offset: u32) -> (u32, u32) {
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = self.line_starts[line_index] as usize;
        let end = (offset as usize).min(self.text.len());
        let column = self
            .text
            .get(line_start..end)
            .map_or(end.saturating_sub(line_start), |s| s.chars().count());
        (line_index as u32 + 1, column as u32 + 1)
    }

    /// Byte offset of the start of a 1-based line (clamped to the file).
    pub fn line_offset(&self, line: u32) -> u32 {
        let index = (line.max(1) - 1) as usize;
        self.line_starts
            .get(index)
            .copied()
            .unwrap_or(self.text.len() as u32)
    }
}

/// Every file of one model, indexed by the `file` field of [`Span`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its index.
    pub fn add(&mut self, file: SourceFile) -> u32 {
        self.files.push(file);
        (self.files.len() - 1) as u32
    }

    /// The file a span points into.
    pub fn file(&self, index: u32) -> &SourceFile {
        &self.files[index as usize]
    }

    /// All files in the order they were read.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// 1-based line and column of the start of a span.
    pub fn line_column(&self, span: Span) -> (u32, u32) {
        self.file(span.file).line_column(span.start)
    }
}
