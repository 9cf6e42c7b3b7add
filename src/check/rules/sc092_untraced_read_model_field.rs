//! SC092 untraced-read-model-field: a read-model field that none of its source
//! events sets and that is not declared `computed:`.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`), over the traces of
//! `crate::check::completeness`.

use super::prelude::*;
use crate::check::completeness::{traces, Path};

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC092",
    slug: "untraced-read-model-field",
    severity: Severity::Warning,
    summary: "no source event of a read model sets one of its fields",
    explanation: Explanation {
        text: r#"A read model's row is kept up to date from its source events: a field is set by each source event that carries a field of the same name. A field that no source event carries is never set by the generated projection — unless the projection's rule computes it, which the field says with `computed: <how>` on its long form (format 2), such as `computed: the number of lines` or `computed: Paid when the payment succeeds`.

Add the event that carries it to `from:`, rename the field after the event's (the help names a near one), or declare it computed. `check --deny-warnings` turns this warning into an error; fields of format-1 files are not judged."#,
        bad: r#"stormcraft: 2
system: Clinic
actors:
  Receptionist: books visits
contexts:
  front_desk:
    aggregates:
      Appointment:
        id: appointment_id
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
    read_models:
      DailyAgenda:
        key: appointment_id
        from: [AppointmentBooked]
        fields:
          patient_name: string
          room: string
"#,
        fixed: r#"stormcraft: 2
system: Clinic
actors:
  Receptionist: books visits
contexts:
  front_desk:
    aggregates:
      Appointment:
        id: appointment_id
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
    read_models:
      DailyAgenda:
        key: appointment_id
        from: [AppointmentBooked]
        fields:
          patient_name: string
          room: { type: string, computed: the room of the doctor on duty }
"#,
    },
};

/// Reports every field of a format-2 file's read model that no source event sets.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for trace in traces(model) {
        let Path::ReadModel {
            read_model,
            setters,
        } = &trace.path
        else {
            continue;
        };
        // A source whose field has no generated conversion still traces it: the
        // generated projection lists that rule pending, with why.
        if setters.computed.is_some()
            || !setters.events.is_empty()
            || !setters.mismatches.is_empty()
            || !setters.unconverted.is_empty()
        {
            continue;
        }
        let id = NodeRef::ReadModel(*read_model);
        if !flow.judges_field(trace.field, &[id]) {
            continue;
        }
        let read_model = model.read_model(*read_model);
        let field = &trace.field.name;
        let help = match &setters.near {
            Some(near) => format!(
                "did you mean `{near}`? name the field after the event's, so the projection copies it"
            ),
            None => format!(
                "add an event that carries `{field}` to `from:`, or declare it computed by the projection: `{field}: {{ type: {}, computed: <how> }}`",
                model.type_name(&trace.field.ty)
            ),
        };
        out.push(
            Diagnostic::new(
                Code::UntracedReadModelField,
                trace.field.span,
                format!(
                    "no source event of read model `{}` sets its field `{field}`",
                    read_model.name
                ),
            )
            .label(format!("none of the {} carries `{field}`", plural_events(read_model.from.len())))
            .help(help)
            .about(id),
        );
    }
}

fn plural_events(n: usize) -> String {
    if n == 1 {
        "source event".to_owned()
    } else {
        format!("{n} source events")
    }
}
