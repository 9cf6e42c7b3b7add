//! SC003 wrong-type: a value of the wrong kind (e.g. a list where a mapping is expected).
//!
//! Raised by the decoder (`src/model/decode.rs`), where values are read; its
//! findings are built here.

use super::prelude::*;
use crate::model::yaml::Node;
use crate::suggest::did_you_mean;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC003",
    slug: "wrong-type",
    severity: Severity::Error,
    summary: "a value of the wrong kind (e.g. a list where a mapping is expected)",
    explanation: Explanation {
        text: r#"A value has the wrong kind: a list where a mapping is expected, text where `true`/`false` is expected, an unknown `persistence`. Only YAML 1.2 booleans count, so `yes` and `on` are text, not `true`."#,
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
          OrderPlaced:
            published: yes
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

/// The finding for `what` (at `span`), which must be `expected` but is `found`; the
/// common slips get their known fix as help.
pub fn diagnostic(what: &str, expected: &str, found: &Node, span: Span) -> Diagnostic {
    let help = match (expected, found) {
        ("a mapping", Node::Seq(_)) => {
            Some("write `Name: ...` entries here, without the leading `- `".to_owned())
        }
        ("`true` or `false`", _) => Some(
            "write `true` or `false`; in YAML 1.2 `yes`, `no`, `on` and `off` are text".to_owned(),
        ),
        ("an integer", _) => Some("write a whole number, like `1`".to_owned()),
        ("a name", Node::Seq(_)) => Some("name one element here, not a list".to_owned()),
        ("a description or a mapping with `description`", _) => Some(
            "write the description as text after the name, like `Customer: places orders`"
                .to_owned(),
        ),
        _ => None,
    };
    Diagnostic::new(
        Code::WrongType,
        span,
        format!("{what} must be {expected}, found {}", found.kind()),
    )
    .label(format!("expected {expected}"))
    .maybe_help(help)
}

/// The finding for a `persistence` (at `span`) that is neither choice; `written` is
/// its text when it is text, for a did-you-mean.
pub fn unknown_persistence(written: Option<&str>, span: Span) -> Diagnostic {
    let help = written.and_then(|s| did_you_mean(s, ["event-sourced", "state-stored"]));
    Diagnostic::new(
        Code::WrongType,
        span,
        "`persistence` must be `event-sourced` or `state-stored`",
    )
    .label("unknown persistence")
    .help(help.unwrap_or_else(|| {
        "write `event-sourced` (the default) or `state-stored`".to_owned()
    }))
}

/// The finding for an event `version` (at `span`) below 1.
pub fn version_below_one(span: Span) -> Diagnostic {
    Diagnostic::new(Code::WrongType, span, "an event's `version` starts at 1")
        .label("must be 1 or more")
        .help("write `version: 1` for the first schema of an event")
}

/// A key under an event's `previous:` that is not a version number.
pub fn previous_version_key(key: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::WrongType,
        span,
        format!("`{key}` under `previous` is not a version number"),
    )
    .label("expected an integer, the older schema version")
    .help("key each older shape by its version, e.g. `previous: { 1: { fields: { … } } }`")
}
