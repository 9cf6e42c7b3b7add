//! References: `Name` and `context.Name` resolved to elements of the expected kind,
//! actors and external systems, with did-you-mean help when they do not resolve.

use super::*;
use crate::check::rules::sc021_unpublished_event;

impl Resolver<'_> {
    pub(super) fn participant(&mut self, name: &Name, what: &str) -> Option<Participant> {
        if let Some((participant, _)) = self.participants.get(&name.value) {
            return Some(*participant);
        }
        let help = did_you_mean(&name.value, self.participants.keys().map(String::as_str))
            .unwrap_or_else(|| {
                format!(
                    "declare `{}` under `actors:` (a person or role) or `externals:` (another system)",
                    name.value
                )
            });
        self.name_finding(
            Diagnostic::new(
                Code::UnresolvedReference,
                name.span,
                format!(
                    "{what} names `{}`, which is not an actor or external system",
                    name.value
                ),
            )
            .label("unknown actor or external system")
            .help(help),
        );
        None
    }

    /// Splits `context.Name` and finds the context; reports an unknown context.
    pub(super) fn qualified(
        &mut self,
        context: ContextId,
        name: &Name,
    ) -> Option<(ContextId, String)> {
        let malformed = name.value.is_empty()
            || name
                .value
                .split_once('.')
                .is_some_and(|(c, e)| c.is_empty() || e.is_empty() || e.contains('.'));
        if malformed {
            self.name_finding(
                Diagnostic::new(
                    Code::UnresolvedReference,
                    name.span,
                    format!("`{}` is not a reference", name.value),
                )
                .label("malformed reference")
                .help("write `Name` for an element of this context, or `context.Name` for another context's"),
            );
            return None;
        }
        match name.value.split_once('.') {
            None => Some((context, name.value.clone())),
            Some((context_name, element)) => match self.context_ids.get(context_name) {
                Some(id) => Some((*id, element.to_owned())),
                None => {
                    let help = closest(context_name, self.context_ids.keys().map(String::as_str))
                        .map(|s| format!("did you mean `{s}.{element}`?"))
                        .unwrap_or_else(|| {
                            format!(
                                "the contexts are: {}",
                                self.context_ids
                                    .keys()
                                    .map(|c| format!("`{c}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        });
                    // Point at the context part only; skip an opening quote.
                    let start = self.expression_base(name);
                    self.name_finding(
                        Diagnostic::new(
                            Code::UnresolvedReference,
                            Span {
                                start,
                                len: context_name.len() as u32,
                                ..name.span
                            },
                            format!("unknown context `{context_name}` in `{}`", name.value),
                        )
                        .label("no such context")
                        .help(help),
                    );
                    None
                }
            },
        }
    }

    /// Resolves a reference to an element of a kind; `want` picks the kind.
    pub(super) fn element_ref(
        &mut self,
        context: ContextId,
        name: &Name,
        kind: &str,
        want: fn(Element) -> bool,
    ) -> Option<(ContextId, Element)> {
        let (target, bare) = self.qualified(context, name)?;
        let target_name = self.model.contexts[target.index()].name.clone();
        match self.scopes[target.index()].names.get(&bare) {
            Some((Element::Dropped, _)) => {
                // Declared in a duplicate definition, which SC011 reports.
                self.unresolved += 1;
                None
            }
            Some((element, _)) if want(*element) => Some((target, *element)),
            Some((element, _)) => {
                let element = *element;
                self.name_finding(
                    Diagnostic::new(
                        Code::UnresolvedReference,
                        name.span,
                        format!("`{}` is {}, not {kind}", name.value, element.kind()),
                    )
                    .label(format!("expected {kind}"))
                    .help(format!("name {kind} of context `{target_name}` here")),
                );
                None
            }
            None => {
                let candidates: Vec<String> = self.scopes[target.index()]
                    .names
                    .iter()
                    .filter(|(_, (e, _))| want(*e))
                    .map(|(n, _)| n.clone())
                    .collect();
                let mut help = did_you_mean(&bare, candidates.iter().map(String::as_str));
                if help.is_none() && target == context {
                    // Maybe it lives in another context and only lacks the prefix.
                    let elsewhere: Vec<String> = self
                        .scopes
                        .iter()
                        .enumerate()
                        .filter(|(i, scope)| {
                            *i != target.index()
                                && scope.names.get(&bare).is_some_and(|(e, _)| want(*e))
                        })
                        .map(|(i, _)| format!("`{}.{bare}`", self.model.contexts[i].name))
                        .collect();
                    if !elsewhere.is_empty() {
                        help = Some(format!(
                            "another context has it: write {}",
                            elsewhere.join(" or ")
                        ));
                    }
                }
                let noun = kind.trim_start_matches("an ").trim_start_matches("a ");
                let help = help.unwrap_or_else(|| {
                    if candidates.is_empty() {
                        format!("context `{target_name}` has no {noun} yet; declare `{bare}` there")
                    } else {
                        format!(
                            "declare `{bare}` in context `{target_name}`, or name one it has: {}{}",
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
                self.name_finding(
                    Diagnostic::new(
                        Code::UnresolvedReference,
                        name.span,
                        format!("unknown {noun} `{bare}` in context `{target_name}`"),
                    )
                    .label(format!("no such {noun}"))
                    .help(help),
                );
                None
            }
        }
    }

    /// An event reference; `across` allows other contexts' published events.
    pub(super) fn event_ref(
        &mut self,
        context: ContextId,
        name: &Name,
        across: bool,
    ) -> Option<EventId> {
        let (target, element) = self.element_ref(context, name, "an event", |e| {
            matches!(e, Element::Event(_))
        })?;
        let Element::Event(id) = element else {
            return None;
        };
        if across && target != context && !self.model.events[id.index()].published {
            let event = &self.model.events[id.index()];
            let target_name = &self.model.contexts[target.index()].name;
            self.name_finding(sc021_unpublished_event::diagnostic(
                &event.name,
                target_name,
                name.span,
                event.span,
            ));
        }
        Some(id)
    }
}
