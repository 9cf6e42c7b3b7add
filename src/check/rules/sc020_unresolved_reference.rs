//! SC020 unresolved-reference: a reference names nothing of the expected kind.
//!
//! Raised where references are resolved: `src/check/resolve/references.rs` (actors,
//! external systems, contexts and elements), `src/check/resolve/types.rs` (named
//! types), `src/check/resolve/lowering.rs` (a policy calling an actor) and
//! `src/check/resolve/scenarios.rs` (a scenario's aggregate, a hotspot's element);
//! its findings are built here.

use super::prelude::*;
use crate::suggest::{closest, did_you_mean};

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC020",
    slug: "unresolved-reference",
    severity: Severity::Error,
    summary: "a reference names nothing of the expected kind",
    explanation: Explanation {
        text: r#"A reference names nothing of the kind expected there: an event in `emits`, `on`, `from`, `given` or `then`; a command in `issue` or `when`; an actor or external system in `by` or `call`; a type in a field; a context in `context.Name`. A bare name refers to the current context; another context's element is written `context.Name`. The help line suggests the closest existing name."#,
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
            emits: [OrderPlacd]
        events:
          OrderPlaced: {}
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

/// The finding for `name` (at `span`) in `what` (e.g. "`by`"), which is neither an
/// actor nor an external system; `participants` are the declared ones, for a
/// did-you-mean.
pub fn unknown_participant(what: &str, name: &str, span: Span, participants: &[&str]) -> Diagnostic {
    let help = did_you_mean(name, participants.iter().copied()).unwrap_or_else(|| {
        format!(
            "declare `{name}` under `actors:` (a person or role) or `externals:` (another system)"
        )
    });
    Diagnostic::new(
        Code::UnresolvedReference,
        span,
        format!("{what} names `{name}`, which is not an actor or external system"),
    )
    .label("unknown actor or external system")
    .help(help)
}

/// The finding for a policy's `call` of `name` (at `span`), which is an actor.
pub fn actor_called(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnresolvedReference,
        span,
        format!("`{name}` is an actor; a policy can only call an external system"),
    )
    .label("not an external system")
    .help("move it under `externals:`, or have the policy issue a command instead")
}

/// The finding for `reference` (at `span`), which is neither `Name` nor
/// `context.Name`.
pub fn malformed_reference(reference: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnresolvedReference,
        span,
        format!("`{reference}` is not a reference"),
    )
    .label("malformed reference")
    .help("write `Name` for an element of this context, or `context.Name` for another context's")
}

/// The finding for `reference`, written `context.element`, whose `context` (at
/// `span`) is not one of the model's `contexts`.
pub fn unknown_context(
    reference: &str,
    context: &str,
    element: &str,
    span: Span,
    contexts: &[&str],
) -> Diagnostic {
    let help = closest(context, contexts.iter().copied())
        .map(|s| format!("did you mean `{s}.{element}`?"))
        .unwrap_or_else(|| {
            format!(
                "the contexts are: {}",
                contexts
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
    Diagnostic::new(
        Code::UnresolvedReference,
        span,
        format!("unknown context `{context}` in `{reference}`"),
    )
    .label("no such context")
    .help(help)
}

/// The finding for `reference` (at `span`), which names `found` (e.g. "an event")
/// of context `context` where `kind` (e.g. "a command") is expected.
pub fn wrong_kind(reference: &str, found: &str, kind: &str, context: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnresolvedReference,
        span,
        format!("`{reference}` is {found}, not {kind}"),
    )
    .label(format!("expected {kind}"))
    .help(format!("name {kind} of context `{context}` here"))
}

/// The finding for `name` (at `span`), which names no `kind` (e.g. "an event") of
/// context `context`. `candidates` are the names of that kind the context has, for a
/// did-you-mean or a list; `elsewhere` the other contexts that have `name`, when the
/// reference was bare.
pub fn unknown_element(
    kind: &str,
    name: &str,
    context: &str,
    span: Span,
    candidates: &[String],
    elsewhere: &[&str],
) -> Diagnostic {
    let mut help = did_you_mean(name, candidates.iter().map(String::as_str));
    if help.is_none() && !elsewhere.is_empty() {
        help = Some(format!(
            "another context has it: write {}",
            elsewhere
                .iter()
                .map(|c| format!("`{c}.{name}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    let noun = kind.trim_start_matches("an ").trim_start_matches("a ");
    let help = help.unwrap_or_else(|| {
        if candidates.is_empty() {
            format!("context `{context}` has no {noun} yet; declare `{name}` there")
        } else {
            format!(
                "declare `{name}` in context `{context}`, or name one it has: {}{}",
                candidates
                    .iter()
                    .take(6)
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if candidates.len() > 6 { ", …" } else { "" }
            )
        }
    });
    Diagnostic::new(
        Code::UnresolvedReference,
        span,
        format!("unknown {noun} `{name}` in context `{context}`"),
    )
    .label(format!("no such {noun}"))
    .help(help)
}

/// The finding for type `name` (the part at `span`), written `other.Name`: types are
/// private to their context.
pub fn foreign_type(name: &str, other: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnresolvedReference,
        span,
        format!("type `{name}` names a type of context `{other}`; types are private to their context"),
    )
    .label("not visible here")
    .help("define the value type in this context too: bounded contexts do not share a model, they exchange events")
}

/// The finding for a field type `name` (at `span`) that names `found` (e.g. "an
/// event"), not a type.
pub fn not_a_type(name: &str, found: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnresolvedReference,
        span,
        format!("`{name}` is {found}, not a type"),
    )
    .label("not a type")
    .help(format!(
        "a field's type is a primitive or a type under `types:`; to carry {found}'s data, define a record type"
    ))
}

/// The finding for a field type `name` (at `span`) that is no primitive and no type
/// of context `context`, whose `types` are given for a did-you-mean.
pub fn unknown_type(name: &str, context: &str, span: Span, types: &[String]) -> Diagnostic {
    let candidates = Primitive::ALL
        .iter()
        .map(|(n, _)| *n)
        .chain(types.iter().map(String::as_str));
    let help = did_you_mean(name, candidates).unwrap_or_else(|| {
        format!(
            "define `{name}` under this context's `types:`, or use a primitive: {}",
            Primitive::ALL
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    Diagnostic::new(
        Code::UnresolvedReference,
        span,
        format!("unknown type `{name}` in context `{context}`"),
    )
    .label("no such type")
    .help(help)
}

/// The finding for scenario `scenario` of context `context`, whose `aggregate:`
/// (`aggregate`, at `span`) is an aggregate of another context.
pub fn foreign_scenario_aggregate(
    scenario: &str,
    aggregate: &str,
    context: &str,
    span: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::UnresolvedReference,
        span,
        format!("scenario \"{scenario}\" names aggregate `{aggregate}` of another context"),
    )
    .label(format!("not an aggregate of `{context}`"))
    .help("a scenario belongs to the context of its aggregate: move it there")
}

/// The finding for a model-level hotspot `on: name` (at `span`) that names nothing;
/// `candidates` are the actors, external systems and contexts, for a did-you-mean.
pub fn unknown_hotspot_target(name: &str, span: Span, candidates: &[String]) -> Diagnostic {
    Diagnostic::new(
        Code::UnresolvedReference,
        span,
        format!("hotspot is on `{name}`, which names nothing"),
    )
    .label("unknown element")
    .help(
        did_you_mean(name, candidates.iter().map(String::as_str)).unwrap_or_else(|| {
            "outside a context, name an actor, an external system, a context, or `context.Element`"
                .to_owned()
        }),
    )
}
