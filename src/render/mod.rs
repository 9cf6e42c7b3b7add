//! Renderers: one module per kind of output. They take the checked [`crate::ir::Model`]
//! and return text; writing files is [`crate::output`]'s job.

pub mod diagram;
pub mod findings;
pub mod graphviz;
pub mod service;
pub mod trace;

/// Wraps text into lines of at most `width` characters, at spaces; each line of `text`
/// starts a new one, and empty text is one empty line.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}
