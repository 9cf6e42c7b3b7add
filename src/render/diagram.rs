//! Diagrams (placeholder until the renderer lands).

use crate::ir::Model;

/// Which part of the model to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// Everything.
    Board,
}

impl View {
    /// Parses `--view`.
    pub fn parse(text: &str, _model: &Model) -> Result<View, String> {
        match text {
            "board" => Ok(View::Board),
            other => Err(format!("unknown view `{other}`")),
        }
    }
}

/// DOT source of a view.
pub fn dot(_model: &Model, _view: &View) -> String {
    String::from("digraph board {}\n")
}

/// Mermaid source of a view.
pub fn mermaid(_model: &Model, _view: &View) -> String {
    String::from("flowchart LR\n")
}
