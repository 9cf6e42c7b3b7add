//! SC090 untraced-event-field: an event field that no source of the recording command
//! fills and that is not declared `computed:`.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`), over the traces of
//! `crate::check::completeness`.

use super::prelude::*;
use crate::check::completeness::{traces, Path};
use crate::ir::sources::Origin;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC090",
    slug: "untraced-event-field",
    severity: Severity::Warning,
    summary: "an event field comes from no field of the command or state, and is not `computed:`",
    explanation: Explanation {
        text: r#"Every field of an event must come from somewhere when a command records it: a field of the command of the same name, a field of the aggregate's state of the same name (the aggregate id is the command's own), or the rule itself — then say so with `computed:` on the long form of the field (format 2): `computed: now` for the time of the decision, which the generated default takes from the clock, or `computed: <how>` in words (`computed: sum of the lines' prices`), which leaves the rule pending until you write it.

A field that comes from nowhere is a value the generated default would have to invent; it never does, so the model must say where it comes from. Often the name is only misspelt, and the help names the near field. `check --deny-warnings` turns this warning into an error; a format-1 file cannot write `computed:`, so only fields of format-2 files are judged."#,
        bad: r#"stormcraft: 2
system: Clinic
actors:
  Receptionist: books visits
contexts:
  front_desk:
    aggregates:
      Appointment:
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
              booked_at: timestamp
"#,
        fixed: r#"stormcraft: 2
system: Clinic
actors:
  Receptionist: books visits
contexts:
  front_desk:
    aggregates:
      Appointment:
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
              booked_at: { type: timestamp, computed: now }
"#,
    },
};

/// Reports every event field of a format-2 file that a recording command leaves
/// untraced.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for trace in traces(model) {
        let Path::Event {
            command,
            event,
            origin: Origin::Untraced { near },
        } = &trace.path
        else {
            continue;
        };
        if !flow.judges_field(trace.field, &[NodeRef::Command(*command), NodeRef::Event(*event)]) {
            continue;
        }
        let command = model.command(*command);
        let aggregate = model.aggregate(command.aggregate);
        let field = &trace.field.name;
        let help = match near {
            Some(near) => format!(
                "did you mean `{near}`? name the fields alike, so `{field}` is copied from it"
            ),
            None => format!(
                "add `{field}` to `{}` or to the state of `{}`, or declare it computed by the rule: `{field}: {{ type: {}, computed: now }}` for the time of the decision, or `computed: <how>`",
                command.name,
                aggregate.name,
                model.type_name(&trace.field.ty)
            ),
        };
        out.push(
            Diagnostic::new(
                Code::UntracedEventField,
                trace.field.span,
                format!(
                    "field `{field}` of event `{}` comes from nowhere when `{}` records it",
                    model.event(*event).name,
                    command.name
                ),
            )
            .label(format!(
                "neither `{}` nor the state of `{}` has a field `{field}`",
                command.name, aggregate.name
            ))
            .help(help)
            .about(NodeRef::Event(*event)),
        );
    }
}
