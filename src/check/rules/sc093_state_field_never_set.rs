//! SC093 state-field-never-set: a state field that none of the aggregate's events
//! sets and that is not declared `computed:`.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`), over the traces of
//! `crate::check::completeness`.

use super::prelude::*;
use crate::check::completeness::{traces, Path};

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC093",
    slug: "state-field-never-set",
    severity: Severity::Warning,
    summary: "no event of its aggregate sets a state field",
    explanation: Explanation {
        text: r#"An aggregate's state is what its events leave behind: the generated default of each event's `apply` rule sets the state fields the event carries under the same name. A state field that no event carries keeps its initial value forever — unless the `apply` rules compute it, which the field says with `computed: <how>` on its long form (format 2), such as `computed: Paid once the order is paid`.

Let an event carry it, rename it after the event's field (the help names a near one), declare it computed, or remove it. `check --deny-warnings` turns this warning into an error; fields of format-1 files are not judged."#,
        bad: r#"stormcraft: 2
system: Clinic
actors:
  Receptionist: books visits
contexts:
  front_desk:
    aggregates:
      Appointment:
        state:
          patient_name: string
          cancelled: bool
        commands:
          BookAppointment:
            by: Receptionist
            fields:
              patient_name: string
            emits: [AppointmentBooked]
        events:
          AppointmentBooked:
            fields:
              patient_name: string
"#,
        fixed: r#"stormcraft: 2
system: Clinic
actors:
  Receptionist: books visits
contexts:
  front_desk:
    aggregates:
      Appointment:
        state:
          patient_name: string
          cancelled: { type: bool, computed: true once the appointment is cancelled }
        commands:
          BookAppointment:
            by: Receptionist
            fields:
              patient_name: string
            emits: [AppointmentBooked]
        events:
          AppointmentBooked:
            fields:
              patient_name: string
"#,
    },
};

/// Reports every state field of a format-2 file's aggregate that no event sets.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for trace in traces(model) {
        let Path::State { aggregate, setters } = &trace.path else {
            continue;
        };
        if setters.computed.is_some() || !setters.events.is_empty() || !setters.mismatches.is_empty() {
            continue;
        }
        let id = NodeRef::Aggregate(*aggregate);
        if !flow.judges_field(trace.field, &[id]) {
            continue;
        }
        let aggregate = model.aggregate(*aggregate);
        let field = &trace.field.name;
        let help = match &setters.near {
            Some(near) => format!(
                "did you mean `{near}`? name the state field after the event's, so `apply` copies it"
            ),
            None => format!(
                "let an event of `{}` carry `{field}`, or declare it computed by the `apply` rules: `{field}: {{ type: {}, computed: <how> }}`",
                aggregate.name,
                model.type_name(&trace.field.ty)
            ),
        };
        out.push(
            Diagnostic::new(
                Code::StateFieldNeverSet,
                trace.field.span,
                format!(
                    "no event of `{}` sets its state field `{field}`",
                    aggregate.name
                ),
            )
            .label(format!("no event of `{}` carries `{field}`", aggregate.name))
            .help(help)
            .about(id),
        );
    }
}
