//! SC057 uncovered-outcome: no scenario shows an event being recorded, or expects a
//! business error.
//!
//! A check over the resolved model in the flow phase: `check` below, run by
//! `check_model` (`src/check/rules/mod.rs`) when coverage is asked for
//! (`check --coverage`); it reads the coverage that the `coverage` module computes.

use super::prelude::*;
use crate::check::coverage::Coverage;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC057",
    slug: "uncovered-outcome",
    severity: Severity::Note,
    summary: "no scenario shows an event being recorded, or expects a business error",
    explanation: Explanation {
        text: r#"Scenarios are the model's executable specification: each becomes a generated test of the aggregate's rules. An event that no scenario's `then` lists, or a business error that no scenario's `error` names, is an outcome whose rule nothing tests, and whose meaning the board does not show by example.

These notes are listed by `stormcraft check --coverage`, which also prints a table per context: every command, its events and errors, and the scenarios that cover each. Plain `check` prints one line with the totals instead, so a model still being written is not buried in notes. Notes never fail `check`."#,
        bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            errors: [EmptyOrder]
        events:
          OrderPlaced: {}
    scenarios:
      - name: a customer places an order
        when: PlaceOrder
        then: [OrderPlaced]
"#,
        fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            errors: [EmptyOrder]
        events:
          OrderPlaced: {}
    scenarios:
      - name: a customer places an order
        when: PlaceOrder
        then: [OrderPlaced]
      - name: an order needs a line
        when: PlaceOrder
        error: EmptyOrder
"#,
    },
};

/// Notes every emitted event that no scenario shows being recorded and every business
/// error that no scenario expects, skipping elements that lost a reference (their
/// scenarios may have been dropped with it).
pub fn check(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    let model = flow.model;
    let coverage = Coverage::of(model);
    let mut noted = std::collections::BTreeSet::new();
    for command in coverage.contexts.iter().flat_map(|c| &c.commands) {
        let command_id = command.command;
        if flow.tainted.contains(&NodeRef::Command(command_id)) {
            continue;
        }
        let name = &model.command(command_id).name;
        for (event, _) in &command.events {
            let tainted = flow.tainted.contains(&NodeRef::Event(*event));
            // An event emitted by two commands is noted once, for the first.
            if tainted || coverage.is_recorded(*event) || !noted.insert(*event) {
                continue;
            }
            let event_name = &model.event(*event).name;
            out.push(
                Diagnostic::new(
                    Code::UncoveredOutcome,
                    model.event(*event).span,
                    format!("no scenario shows `{event_name}` being recorded"),
                )
                .label("in no scenario's `then`")
                .help(format!(
                    "add a scenario with `when: {name}` and `then: [{event_name}]`"
                ))
                .about(NodeRef::Event(*event)),
            );
        }
        for (index, scenarios) in &command.errors {
            if !scenarios.is_empty() {
                continue;
            }
            let error = &model.command(command_id).errors[*index];
            out.push(
                Diagnostic::new(
                    Code::UncoveredOutcome,
                    error.span,
                    format!("no scenario expects `{name}` to fail with `{}`", error.name),
                )
                .label("in no scenario's `error`")
                .help(format!(
                    "add a scenario with `when: {name}` and `error: {}`",
                    error.name
                ))
                .about(NodeRef::Command(command_id)),
            );
        }
    }
}
