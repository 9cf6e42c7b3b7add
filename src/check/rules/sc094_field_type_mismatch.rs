//! SC094 field-type-mismatch: a field's value comes from a source whose type does
//! not fit the field's (`string` into `uuid`), on any path SC090–SC093 trace.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`), over the traces of
//! `crate::check::completeness`.

use super::prelude::*;
use crate::check::completeness::{traces, Path};
use crate::ir::sources::Origin;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC094",
    slug: "field-type-mismatch",
    severity: Severity::Error,
    summary: "a field is filled from a source of the same name whose type does not fit",
    explanation: Explanation {
        text: r#"A field is filled from the source of the same name (a command's field into its event's, an event's into a read model's or a state field, a trigger event's into the command a policy issues), so the two types must fit: the same type; a value into an optional (`u32` into `u32?`); an integer into a wider one (`u32` into `i64`, `i32` into `i64`, `u32` into `u64`); a uuid into a string; lists, maps and optionals of fitting items; a record into a record each of whose fields a field of the same name fits (or is optional), and an enum into one with all of its variants — so another context's `Money` fits yours when it has the same fields. `string` into `uuid`, `i64` into `u32`, or `T?` into `T` do not: the value may not fit.

Change one of the two types, or rename the field whose value comes from elsewhere (then say where with `computed:`). `computed: now` gives a timestamp; on another type it is this error too. Only fields of format-2 files are judged."#,
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
              patient_id: string
            emits: [AppointmentBooked]
        events:
          AppointmentBooked:
            fields:
              patient_id: uuid
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
              patient_id: uuid
            emits: [AppointmentBooked]
        events:
          AppointmentBooked:
            fields:
              patient_id: uuid
"#,
    },
};

/// Reports every path on which a format-2 file's field is filled from a source whose
/// type does not fit.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for trace in traces(model) {
        let owner = trace.owner;
        let mut found: Vec<(String, TypeRef, Vec<NodeRef>)> = Vec::new();
        match &trace.path {
            Path::Event {
                command,
                event,
                origin: Origin::Mismatch { source, ty },
            } => found.push((
                match origin_is_command(source) {
                    true => format!("{source} gives it as `{}`", model.type_name(ty)),
                    false => format!(
                        "{source} gives it as `{}` when `{}` records `{}`",
                        model.type_name(ty),
                        model.command(*command).name,
                        model.event(*event).name
                    ),
                },
                ty.clone(),
                vec![NodeRef::Command(*command), NodeRef::Event(*event)],
            )),
            Path::Issued {
                policy,
                trigger,
                command,
                event,
                origin: Origin::Mismatch { source, ty },
            } => {
                let mut subjects = vec![NodeRef::Policy(*policy), NodeRef::Command(*command)];
                subjects.extend(event.map(NodeRef::Event));
                found.push((
                    format!(
                        "{source} gives it as `{}` when policy `{}` issues it {trigger}",
                        model.type_name(ty),
                        model.policy(*policy).name
                    ),
                    ty.clone(),
                    subjects,
                ))
            }
            Path::Recorded {
                policy,
                command,
                event,
                origin: Origin::Mismatch { source, ty },
                ..
            } => found.push((
                format!(
                    "{source} gives it as `{}` when policy `{}` records `{}`",
                    model.type_name(ty),
                    model.policy(*policy).name,
                    model.event(*event).name
                ),
                ty.clone(),
                vec![
                    NodeRef::Policy(*policy),
                    NodeRef::Command(*command),
                    NodeRef::Event(*event),
                ],
            )),
            Path::ReadModel { setters, .. } | Path::State { setters, .. } => {
                for (event, ty) in &setters.mismatches {
                    found.push((
                        format!(
                            "event `{}` gives it as `{}`",
                            model.event(*event).name,
                            model.type_name(ty)
                        ),
                        ty.clone(),
                        vec![NodeRef::Event(*event)],
                    ));
                }
            }
            _ => {}
        }
        for (source, ty, mut subjects) in found {
            subjects.push(owner);
            if !flow.judges_field(trace.field, &subjects) {
                continue;
            }
            let field = &trace.field.name;
            let wanted = model.type_name(&trace.field.ty);
            let given = model.type_name(&ty);
            out.push(
                Diagnostic::new(
                    Code::FieldTypeMismatch,
                    trace.field.span,
                    format!("field `{field}` is `{wanted}`, but {source}"),
                )
                .label(format!("a `{given}` does not fit a `{wanted}`"))
                .help(format!(
                    "make both `{field}` the same type (or `{given}` one that fits into `{wanted}`), or rename the one whose value comes from elsewhere"
                ))
                .about(owner),
            );
        }
    }
}

/// Whether a mismatch's source is the recording command itself, which then needs no
/// "when it records" clause.
fn origin_is_command(source: &str) -> bool {
    source.starts_with("command `")
}
