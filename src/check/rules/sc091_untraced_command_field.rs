//! SC091 untraced-command-field: a field of a command that a policy issues, which
//! nothing the policy has fills and which is not declared `computed:`.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`), over the traces of
//! `crate::check::completeness`.

use super::prelude::*;
use crate::check::completeness::{traces, Path};
use crate::ir::sources::{self, Origin};

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC091",
    slug: "untraced-command-field",
    severity: Severity::Warning,
    summary: "a field of a command a policy issues comes from nothing the policy has",
    explanation: Explanation {
        text: r#"A policy issues its command from what it has: the event that set it off (a field of the same name), the row of the read model a schedule runs over or a policy `reads:`, the refused command a compensation answers, and the id of the aggregate the command addresses (derived from the trigger when the event does not carry it). A field that none of these has must be declared computed by the policy's rule, with `computed: <how>` on the long form of the command's field (format 2; `computed: now` for the time of the decision).

Otherwise the generated default would have to invent the value; it never does. Often the event carries the value under another name, and the help names it. `check --deny-warnings` turns this warning into an error; fields of format-1 files are not judged."#,
        bad: r#"stormcraft: 2
system: Library
actors:
  Member: borrows books
contexts:
  lending:
    aggregates:
      Loan:
        commands:
          LendBook:
            by: Member
            fields:
              isbn: string
            emits: [BookLent]
          SendReminder:
            fields:
              isbn: string
              due_on: date
            emits: [ReminderSent]
        events:
          BookLent:
            fields:
              isbn: string
          ReminderSent:
            fields:
              isbn: string
              due_on: date
    policies:
      RemindWhenLent:
        on: BookLent
        issue: SendReminder
"#,
        fixed: r#"stormcraft: 2
system: Library
actors:
  Member: borrows books
contexts:
  lending:
    aggregates:
      Loan:
        commands:
          LendBook:
            by: Member
            fields:
              isbn: string
            emits: [BookLent]
          SendReminder:
            fields:
              isbn: string
              due_on: { type: date, computed: three weeks after the loan }
            emits: [ReminderSent]
        events:
          BookLent:
            fields:
              isbn: string
          ReminderSent:
            fields:
              isbn: string
              due_on: date
    policies:
      RemindWhenLent:
        on: BookLent
        issue: SendReminder
"#,
    },
};

/// Reports every field of a format-2 file's command that a policy issues without a
/// source for it.
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    for trace in traces(model) {
        let Path::Issued {
            policy,
            trigger,
            event,
            command,
            origin: Origin::Untraced { near },
        } = &trace.path
        else {
            continue;
        };
        let mut subjects = vec![NodeRef::Policy(*policy), NodeRef::Command(*command)];
        subjects.extend(event.map(NodeRef::Event));
        if !flow.judges_field(trace.field, &subjects) {
            continue;
        }
        let policy_name = &model.policy(*policy).name;
        let command = model.command(*command);
        let field = &trace.field.name;
        let computed_there = |message: String| {
            format!(
                "{message}, or declare it computed by the policy's rule: `{field}: {{ type: {}, computed: <how> }}`",
                model.type_name(&trace.field.ty)
            )
        };
        // A schedule's row: the field it lacks, or one a projection rule computes.
        let rows = match &model.policy(*policy).trigger {
            crate::ir::Trigger::Schedule(schedule) => schedule.for_each,
            _ => model.policy(*policy).reads.as_ref().map(|r| r.read_model),
        };
        let row_field = rows.map(|r| {
            let fields = &model.read_model(r).fields;
            let index = fields.iter().position(|f| f.name == *field);
            (r, index.filter(|i| sources::row_field_unset(model, r, *i)))
        });
        let (has, help) = match (event, row_field) {
            (Some(e), None) => (
                format!("event `{}` has no field `{field}`", model.event(*e).name),
                None,
            ),
            (Some(e), Some((r, None))) => (
                format!(
                    "neither event `{}` nor the row of `{}` it reads has a field `{field}`",
                    model.event(*e).name,
                    model.read_model(r).name
                ),
                None,
            ),
            (_, Some((r, Some(_)))) => {
                let read_model = &model.read_model(r).name;
                (
                    format!("`{field}` of read model `{read_model}` holds no value until its projection rules set it"),
                    Some(computed_there(format!(
                        "a row of `{read_model}` may hold no `{field}` (it is computed there, or no event sets it): make this field optional (`{field}: {}?`) and skip the rows without one in the rule",
                        model.type_name(&trace.field.ty)
                    ))),
                )
            }
            (None, Some((r, None))) => {
                let read_model = &model.read_model(r).name;
                (
                    format!("read model `{read_model}` has no field `{field}`"),
                    Some(computed_there(format!(
                        "add `{field}` to the fields of `{read_model}` (set by an event it reads)"
                    ))),
                )
            }
            (None, None) => (
                format!("`{policy_name}` has no value for `{field}` {trigger}"),
                None,
            ),
        };
        let help = match (near, help) {
            (Some(near), _) => format!(
                "did you mean `{near}`? name the fields alike, so `{field}` is copied from it"
            ),
            (None, Some(help)) => help,
            (None, None) => computed_there(format!("add `{field}` to what sets `{policy_name}` off")),
        };
        out.push(
            Diagnostic::new(
                Code::UntracedCommandField,
                trace.field.span,
                format!(
                    "field `{field}` of command `{}` comes from nowhere when policy `{policy_name}` issues it {trigger}",
                    command.name
                ),
            )
            .label(has)
            .help(help)
            .about(NodeRef::Policy(*policy)),
        );
    }
}
