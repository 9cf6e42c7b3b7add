//! References: `Name` and `context.Name` resolved to elements of the expected kind,
//! actors and external systems, with did-you-mean help when they do not resolve.

use super::*;
use crate::check::rules::{sc020_unresolved_reference, sc021_unpublished_event};

impl Resolver<'_> {
    pub(super) fn participant(&mut self, name: &Name, what: &str) -> Option<Participant> {
        if let Some((participant, _)) = self.participants.get(&name.value) {
            return Some(*participant);
        }
        let participants: Vec<&str> = self.participants.keys().map(String::as_str).collect();
        let finding = sc020_unresolved_reference::unknown_participant(
            what,
            &name.value,
            name.span,
            &participants,
        );
        self.name_finding(finding);
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
            self.name_finding(sc020_unresolved_reference::malformed_reference(
                &name.value,
                name.span,
            ));
            return None;
        }
        match name.value.split_once('.') {
            None => Some((context, name.value.clone())),
            Some((context_name, element)) => match self.context_ids.get(context_name) {
                Some(id) => Some((*id, element.to_owned())),
                None => {
                    // Point at the context part only; skip an opening quote.
                    let start = self.expression_base(name);
                    let span = Span {
                        start,
                        len: context_name.len() as u32,
                        ..name.span
                    };
                    let contexts: Vec<&str> = self.context_ids.keys().map(String::as_str).collect();
                    let finding = sc020_unresolved_reference::unknown_context(
                        &name.value,
                        context_name,
                        element,
                        span,
                        &contexts,
                    );
                    self.name_finding(finding);
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
                let found = element.kind();
                self.name_finding(sc020_unresolved_reference::wrong_kind(
                    &name.value,
                    found,
                    kind,
                    &target_name,
                    name.span,
                ));
                None
            }
            None => {
                let candidates: Vec<String> = self.scopes[target.index()]
                    .names
                    .iter()
                    .filter(|(_, (e, _))| want(*e))
                    .map(|(n, _)| n.clone())
                    .collect();
                // A bare name may live in another context and only lack the prefix.
                let elsewhere: Vec<&str> = if target == context {
                    self.scopes
                        .iter()
                        .enumerate()
                        .filter(|(i, scope)| {
                            *i != target.index()
                                && scope.names.get(&bare).is_some_and(|(e, _)| want(*e))
                        })
                        .map(|(i, _)| self.model.contexts[i].name.as_str())
                        .collect()
                } else {
                    Vec::new()
                };
                let finding = sc020_unresolved_reference::unknown_element(
                    kind,
                    &bare,
                    &target_name,
                    name.span,
                    &candidates,
                    &elsewhere,
                );
                self.name_finding(finding);
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
