//! The findings of `check` on a flawed design, as diagrams and traces show them.
//!
//! A team must be able to look at its board before it is right: a command that records
//! nothing or an event nobody emits is exactly what a reviewer wants to see, in place.
//! So the errors and warnings of a model whose names resolved become red hotspot
//! stickies on the element each finding is about, drawn by the same code as the
//! model's own `hotspots:` in every view and format, and marks under that element in
//! `trace`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{Hotspot, HotspotTarget, Model, NodeRef};

/// One finding to show: the element it is about (or none: the whole board) and the
/// text of its sticky, `CODE slug: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The element the finding is about, when it names one.
    pub subject: Option<NodeRef>,
    /// `SC040 command-emits-nothing: command `X` emits no event`.
    pub text: String,
}

/// The errors and warnings among `diagnostics`, in the order `sorted()` gives them.
/// Notes are left out: the only note is an open hotspot, which the board already draws
/// from the model itself.
pub fn findings(diagnostics: &[Diagnostic]) -> Vec<Finding> {
    diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Warning)
        .map(|d| Finding {
            subject: d.subject,
            text: format!("{} {}: {}", d.code.as_str(), d.code.slug(), d.message),
        })
        .collect()
}

/// A copy of `model` with every finding added as a hotspot on its subject (a finding
/// without a subject is a board-wide sticky). The copy is only drawn, never generated.
pub fn with_findings(model: &Model, findings: &[Finding]) -> Model {
    let mut marked = model.clone();
    for finding in findings {
        let (target, context) = match finding.subject {
            Some(NodeRef::Context(id)) => (HotspotTarget::Node(NodeRef::Context(id)), Some(id)),
            Some(node) => (HotspotTarget::Node(node), None),
            None => (HotspotTarget::None, None),
        };
        marked.hotspots.push(Hotspot {
            text: finding.text.clone(),
            context,
            target,
            span: Default::default(),
        });
    }
    marked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use crate::ir::CommandId;
    use crate::source::Span;

    #[test]
    fn a_finding_with_a_subject_becomes_a_hotspot_on_it() {
        let diagnostic = Diagnostic::new(
            Code::CommandEmitsNothing,
            Span::default(),
            "command `a.X` emits no event",
        )
        .about(NodeRef::Command(CommandId(0)));
        let found = findings(&[diagnostic]);
        assert_eq!(
            found,
            vec![Finding {
                subject: Some(NodeRef::Command(CommandId(0))),
                text: "SC040 command-emits-nothing: command `a.X` emits no event".to_owned(),
            }]
        );
        let model = crate::ir::Model::default();
        let marked = with_findings(&model, &found);
        assert_eq!(marked.hotspots.len(), 1);
        assert_eq!(
            marked.hotspots[0].target,
            HotspotTarget::Node(NodeRef::Command(CommandId(0)))
        );
    }

    #[test]
    fn notes_are_not_findings_and_subjectless_ones_go_on_the_board() {
        let note = Diagnostic::new(Code::Hotspot, Span::default(), "open question");
        assert!(findings(&[note]).is_empty());
        let warning = Diagnostic::new(Code::PolicyCycle, Span::default(), "a cycle");
        let found = findings(&[warning]);
        let marked = with_findings(&crate::ir::Model::default(), &found);
        assert_eq!(marked.hotspots[0].target, HotspotTarget::None);
        assert_eq!(marked.hotspots[0].context, None);
    }
}
