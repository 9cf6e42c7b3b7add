//! SC116 untraced-recorded-field: a field of an event a recovery records (`record:`),
//! which nothing the rejection has fills and which is not declared `computed:`.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`), over the traces of
//! `crate::check::completeness`.

use super::prelude::*;
use crate::check::completeness::{traces, Path};
use crate::ir::sources::{cause_event, Origin};

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC116",
    slug: "untraced-recorded-field",
    severity: Severity::Warning,
    summary: "a field of an event a recovery records comes from nothing the rejection has",
    explanation: Explanation {
        text: r#"A recovery's `record:` builds its event from the rejection, taking each field from the first of these with a field of the same name: the refused command, the rejection's own `error` (the business error's name) and `message` (its text), both strings, and the event that set the policy off (the cause; only when one event sets it off — a deadline's cause is its timer, a schedule's its tick). The aggregate id is a field like the others: it names the stream the event is appended to, so it must come from one of them too.

A field none of these has must be declared computed by the recovery's rule, with `computed: <how>` on the long form of the event's field (`computed: now` for the time of the recording). Such a rule is pending until written: the generated default records nothing and the rejection stays listed, saying which method to write. It never records a made-up value. `check --deny-warnings` turns this warning into an error."#,
        bad: r#"stormcraft: 2
system: Clinic
actors:
  Receptionist: books visits
contexts:
  scheduling:
    aggregates:
      Visit:
        id: visit_id
        commands:
          BookVisit:
            by: Receptionist
            emits: [VisitBooked]
          ConfirmVisit:
            emits: [VisitConfirmed]
            errors: { VisitCancelled: the visit was cancelled }
        events:
          VisitBooked: {}
          VisitConfirmed: {}
          ConfirmationRefused:
            fields:
              why: string
    policies:
      ConfirmBookedVisits:
        on: VisitBooked
        issue: ConfirmVisit
        on_error:
          VisitCancelled: { record: ConfirmationRefused }
"#,
        fixed: r#"stormcraft: 2
system: Clinic
actors:
  Receptionist: books visits
contexts:
  scheduling:
    aggregates:
      Visit:
        id: visit_id
        commands:
          BookVisit:
            by: Receptionist
            emits: [VisitBooked]
          ConfirmVisit:
            emits: [VisitConfirmed]
            errors: { VisitCancelled: the visit was cancelled }
        events:
          VisitBooked: {}
          VisitConfirmed: {}
          ConfirmationRefused:
            fields:
              message: string
              refused_at: { type: timestamp, computed: now }
    policies:
      ConfirmBookedVisits:
        on: VisitBooked
        issue: ConfirmVisit
        on_error:
          VisitCancelled: { record: ConfirmationRefused }
"#,
    },
};

/// Reports every field of a format-2 file's event that a recovery records without a
/// source for it.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for trace in traces(model) {
        let Path::Recorded {
            policy,
            command,
            error,
            event,
            origin: Origin::Untraced { near },
        } = &trace.path
        else {
            continue;
        };
        let subjects = [
            NodeRef::Policy(*policy),
            NodeRef::Command(*command),
            NodeRef::Event(*event),
        ];
        if !flow.judges_field(trace.field, &subjects) {
            continue;
        }
        let p = model.policy(*policy);
        let refused = model.command(*command);
        let error_name = refused.errors.get(*error).map_or("", |e| e.name.as_str());
        let field = &trace.field.name;
        let mut sources = vec![
            format!("`{}`", refused.name),
            "the rejection (`error`, `message`)".to_owned(),
        ];
        if let Some(cause) = cause_event(model, *policy) {
            sources.push(format!("`{}`", model.event(cause).name));
        }
        let help = match near {
            Some(near) => format!(
                "did you mean `{near}`? name the fields alike, so `{field}` is copied from it"
            ),
            None if trace.field.implicit => format!(
                "the id names the stream to append to: add `{field}` to `{}`, or record an event of an aggregate whose id the refused command carries",
                refused.name
            ),
            None => format!(
                "add `{field}` to `{}`, or declare it computed by the recovery's rule: `{field}: {{ type: {}, computed: <how> }}`",
                refused.name,
                model.type_name(&trace.field.ty)
            ),
        };
        let diagnostic = Diagnostic::new(
            Code::UntracedRecordedField,
            trace.field.span,
            format!(
                "field `{field}` of event `{}` comes from nowhere when `{}` records it for `{error_name}`",
                model.event(*event).name,
                p.name
            ),
        )
        .label(format!("none of {} has a field `{field}`", sources.join(", ")));
        out.push(diagnostic.help(help).about(NodeRef::Policy(*policy)));
    }
}
