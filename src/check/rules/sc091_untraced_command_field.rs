//! SC091 untraced-command-field: a field of a command that a policy issues, which
//! nothing the policy has fills and which is not declared `computed:`.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`), over the traces of
//! `crate::check::completeness`.

use super::prelude::*;
use crate::check::completeness::{traces, Path};
use crate::ir::sources::Origin;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC091",
    slug: "untraced-command-field",
    severity: Severity::Warning,
    summary: "a field of a command a policy issues comes from nothing the policy has",
    explanation: Explanation {
        text: r#"A policy issues its command from what it has: the event that set it off (a field of the same name), the row of the read model a schedule runs over, the refused command a compensation answers, and the id of the aggregate the command addresses (derived from the trigger when the event does not carry it). A field that none of these has must be declared computed by the policy's rule, with `computed: <how>` on the long form of the command's field (format 2; `computed: now` for the time of the decision).

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
        let has = match event {
            Some(e) => format!("event `{}` has no field `{field}`", model.event(*e).name),
            None => format!("`{policy_name}` has no value for `{field}` {trigger}"),
        };
        let help = match near {
            Some(near) => format!(
                "did you mean `{near}`? name the fields alike, so `{field}` is copied from it"
            ),
            None => format!(
                "add `{field}` to what sets `{policy_name}` off, or declare it computed by the policy's rule: `{field}: {{ type: {}, computed: <how> }}`",
                model.type_name(&trace.field.ty)
            ),
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
