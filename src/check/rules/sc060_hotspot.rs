//! SC060 hotspot: an open question (a red sticky) on the board.
//!
//! Raised where scenarios and hotspots are lowered (`src/check/resolve/scenarios.rs`);
//! its finding is built here.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC060",
    slug: "hotspot",
    severity: Severity::Note,
    summary: "an open question (a red sticky) on the board",
    explanation: Explanation {
        text: r#"A hotspot is an open question from the workshop, the red sticky on the board, written under `hotspots:` of the model or of a context, optionally `on:` an element. `check` lists every hotspot as a note, so open questions stay visible until someone answers them and removes the hotspot; notes never fail a command."#,
        bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
    hotspots:
      - text: can an order be placed without a cart?
        on: PlaceOrder
"#,
        fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
    },
};

/// The note for a hotspot with `text` (at `span`), `on` an element when it names one.
pub fn diagnostic(on: Option<&str>, text: &str, span: Span) -> Diagnostic {
    let about = on.map(|on| format!(" (on `{on}`)")).unwrap_or_default();
    Diagnostic::new(Code::Hotspot, span, format!("hotspot{about}: {text}")).label("open question")
}
