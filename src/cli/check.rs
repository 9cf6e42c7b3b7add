//! `stormcraft check`: every diagnostic, then a summary, each context's patterns and
//! the scenarios' coverage (with `--coverage`, a table of it).

use super::{out, plural, CheckFormat, CliError, Terminal, EXIT_MODEL_ERRORS};
use crate::check::coverage::Coverage;
use crate::check::{check_with, Options};
use crate::diagnostic::{render_human, to_json, Severity};
use crate::ir::{ContextId, Model, ReactionSubject, Trigger};
use crate::model::load::load;
use std::io::Write;
use std::path::Path;

/// Checks a model and prints its diagnostics; exit code 1 when it has errors (or
/// warnings, with `deny_warnings`). With `coverage`, the scenarios' coverage is
/// printed as a table and every outcome no scenario covers is a note.
pub(super) fn run_check(
    path: &Path,
    deny_warnings: bool,
    coverage: bool,
    format: CheckFormat,
    terminal: &Terminal,
) -> Result<u8, CliError> {
    let loaded = load(path)?;
    let checked = check_with(&loaded, &Options { coverage });
    let diagnostics = checked.diagnostics.sorted();
    let errors = checked.diagnostics.count(Severity::Error);
    let warnings = checked.diagnostics.count(Severity::Warning);
    let notes = checked.diagnostics.count(Severity::Note);
    let failed = errors > 0 || (deny_warnings && warnings > 0);
    let model = checked.clean_model();
    match format {
        CheckFormat::Json => {
            let mut report = serde_json::json!({
                "model": path.to_string_lossy().replace('\\', "/"),
                "ok": !failed,
                "errors": errors,
                "warnings": warnings,
                "notes": notes,
                "diagnostics": diagnostics
                    .iter()
                    .map(|d| to_json(d, &loaded.sources))
                    .collect::<Vec<_>>(),
                "contexts": model.map(|model| {
                    let completeness = crate::check::completeness::summary(model);
                    model
                        .contexts
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            let fields = completeness[i];
                            serde_json::json!({
                                "name": c.name,
                                "patterns": model
                                    .patterns(crate::ir::ContextId(i as u32))
                                    .iter()
                                    .map(|p| p.label())
                                    .collect::<Vec<_>>(),
                                "fields": {
                                    "total": fields.fields,
                                    "traced": fields.traced,
                                    "untraced": fields.untraced(),
                                },
                            })
                        })
                        .collect::<Vec<_>>()
                }),
            });
            if coverage {
                report["coverage"] = model.map_or(serde_json::Value::Null, coverage_json);
            }
            let text = serde_json::to_string_pretty(&report)?;
            out(&format!("{text}\n"));
        }
        CheckFormat::Human => {
            let mut stderr = std::io::stderr().lock();
            for (index, diagnostic) in diagnostics.iter().enumerate() {
                if index > 0 {
                    let _ = writeln!(stderr);
                }
                let _ = write!(
                    stderr,
                    "{}",
                    render_human(diagnostic, &loaded.sources, terminal.color, terminal.width)
                );
            }
            drop(stderr);
            let mut text = summary_text(path, model, [errors, warnings, notes], !coverage);
            if let (true, Some(model)) = (coverage, model) {
                text.push('\n');
                text.push_str(&coverage_table(model));
            }
            out(&text);
        }
    }
    Ok(if failed { EXIT_MODEL_ERRORS } else { 0 })
}

/// The summary line, the per-context pattern list and the scenarios' coverage printed
/// after `check`.
pub fn summary(
    path: &Path,
    model: Option<&Model>,
    errors: usize,
    warnings: usize,
    notes: usize,
) -> String {
    summary_text(path, model, [errors, warnings, notes], true)
}

/// [`summary`], the coverage line pointing to `--coverage` when `hint` is set.
fn summary_text(path: &Path, model: Option<&Model>, counts: [usize; 3], hint: bool) -> String {
    let [errors, warnings, notes] = counts;
    let mut out = String::new();
    let findings = format!(
        "{}, {}, {}",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(notes, "note")
    );
    // A process's reactions are not policies of their own; a model without processes
    // keeps the summary it always had.
    let policies = |model: &crate::ir::Model| {
        let own = model
            .policies
            .iter()
            .filter(|p| p.process.is_none())
            .count();
        match model.processes.len() {
            0 => plural(own, "policy"),
            n => format!("{}, {}", plural(own, "policy"), plural(n, "process")),
        }
    };
    match model {
        Some(model) => {
            out.push_str(&format!(
                "{}: {} — {}, {}, {}, {}, {}, {}: {findings}\n",
                path.display(),
                model.system,
                plural(model.contexts.len(), "context"),
                plural(model.aggregates.len(), "aggregate"),
                plural(model.commands.len(), "command"),
                plural(model.events.len(), "event"),
                policies(model),
                plural(model.read_models.len(), "read model"),
            ));
            for (index, context) in model.contexts.iter().enumerate() {
                let patterns: Vec<&str> = model
                    .patterns(crate::ir::ContextId(index as u32))
                    .iter()
                    .map(|p| p.label())
                    .collect();
                let patterns = if patterns.is_empty() {
                    "no event-driven pattern yet".to_owned()
                } else {
                    patterns.join(", ")
                };
                out.push_str(&format!("  {}: {patterns}\n", context.name));
            }
            out.push_str(&coverage_line(&Coverage::of(model), hint));
            out.push_str(&completeness_lines(model));
        }
        None => out.push_str(&format!("{}: {findings}\n", path.display())),
    }
    out
}

/// One line with the coverage totals (none for a model without commands): a plain
/// `check` shows how far the scenarios reach without a note per outcome.
/// One line per context: how many of the fields its rules and projections fill the
/// model traces to a source (SC090–SC094).
fn completeness_lines(model: &Model) -> String {
    let mut out = String::from("information completeness:\n");
    for fields in crate::check::completeness::summary(model) {
        let name = &model
            .context(fields.context.unwrap_or(crate::ir::ContextId(0)))
            .name;
        let line = match (fields.fields, fields.untraced()) {
            (0, _) => "no field to trace".to_owned(),
            (1, 0) => "its one field traced".to_owned(),
            (total, 0) => format!("all {} traced", plural(total, "field")),
            (total, untraced) => format!(
                "{} of {} traced, {untraced} untraced",
                fields.traced,
                plural(total, "field")
            ),
        };
        out.push_str(&format!("  {name}: {line}\n"));
    }
    out
}

fn coverage_line(coverage: &Coverage, hint: bool) -> String {
    if coverage.events == 0 && coverage.errors == 0 {
        return String::new();
    }
    if coverage.events_covered == coverage.events && coverage.errors_covered == coverage.errors {
        return if coverage.errors == 0 {
            "scenarios cover every event\n".to_owned()
        } else {
            "scenarios cover every event and business error\n".to_owned()
        };
    }
    let mut parts = Vec::new();
    for (covered, total, what) in [
        (coverage.events_covered, coverage.events, "event"),
        (coverage.errors_covered, coverage.errors, "business error"),
    ] {
        if total > 0 {
            parts.push(format!("{covered} of {}", plural(total, what)));
        }
    }
    format!(
        "scenarios cover {}{}\n",
        parts.join(" and "),
        if hint {
            " (`check --coverage` lists them)"
        } else {
            ""
        }
    )
}

/// What a table row says of the scenarios that cover an outcome.
fn covered_by(model: &Model, scenarios: &[usize]) -> String {
    if scenarios.is_empty() {
        return "no scenario".to_owned();
    }
    scenarios
        .iter()
        .map(|s| format!("\"{}\"", model.scenarios[*s].name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table of `check --coverage`: per context, each command with its events and
/// business errors and the scenarios that show each.
fn coverage_table(model: &Model) -> String {
    let coverage = Coverage::of(model);
    let mut out = String::from("coverage by scenarios:\n");
    let width = coverage
        .contexts
        .iter()
        .flat_map(|c| &c.commands)
        .flat_map(|c| {
            let command = model.command(c.command);
            let events = c.events.iter().map(|(e, _)| model.event(*e).name.len());
            let errors = c.errors.iter().map(|(i, _)| command.errors[*i].name.len());
            events.chain(errors).collect::<Vec<_>>()
        })
        .max()
        .unwrap_or(0);
    for context in &coverage.contexts {
        let mut events = std::collections::BTreeSet::new();
        let (mut errors, mut covered_errors) = (0, 0);
        for command in &context.commands {
            events.extend(command.events.iter().map(|(event, _)| *event));
            errors += command.errors.len();
            covered_errors += command.errors.iter().filter(|(_, s)| !s.is_empty()).count();
        }
        out.push_str(&format!(
            "{}: {} of {}, {} of {}\n",
            model.context(context.context).name,
            events.iter().filter(|e| coverage.is_recorded(**e)).count(),
            plural(events.len(), "event"),
            covered_errors,
            plural(errors, "business error"),
        ));
        for command in &context.commands {
            let declared = model.command(command.command);
            out.push_str(&format!("  {}\n", declared.name));
            for (event, scenarios) in &command.events {
                out.push_str(&format!(
                    "    event {:width$}  {}\n",
                    model.event(*event).name,
                    covered_by(model, scenarios)
                ));
            }
            for (error, scenarios) in &command.errors {
                out.push_str(&format!(
                    "    error {:width$}  {}\n",
                    declared.errors[*error].name,
                    covered_by(model, scenarios)
                ));
            }
        }
        out.push_str(&reaction_rows(model, context.context));
    }
    out
}

/// The rows of `check --coverage` for the reactions of `context` a reaction scenario
/// can test (its policies set off by events, its deadlines and its processes), each
/// with the scenarios that test it.
fn reaction_rows(model: &Model, context: ContextId) -> String {
    let ctx = model.context(context);
    let mut rows: Vec<(&str, &str, ReactionSubject)> = Vec::new();
    for p in &ctx.policies {
        let policy = model.policy(*p);
        if !matches!(policy.trigger, Trigger::Schedule(_)) {
            rows.push(("policy", &policy.name, ReactionSubject::Policy(*p)));
        }
    }
    for p in &ctx.processes {
        rows.push((
            "process",
            &model.process(*p).name,
            ReactionSubject::Process(*p),
        ));
    }
    if rows.is_empty() {
        return String::new();
    }
    let width = rows
        .iter()
        .map(|(_, name, _)| name.len())
        .max()
        .unwrap_or(0);
    let mut out = String::from("  reactions\n");
    for (kind, name, subject) in rows {
        let names: Vec<String> = ctx
            .reaction_scenarios
            .iter()
            .map(|s| &model.reaction_scenarios[*s])
            .filter(|s| s.subject == subject)
            .map(|s| format!("\"{}\"", s.name))
            .collect();
        let covered = if names.is_empty() {
            "no scenario".to_owned()
        } else {
            names.join(", ")
        };
        out.push_str(&format!("    {kind:7} {name:width$}  {covered}\n"));
    }
    out
}

/// The coverage as `check --format json --coverage` reports it.
fn coverage_json(model: &Model) -> serde_json::Value {
    let names = |scenarios: &[usize]| -> Vec<String> {
        scenarios
            .iter()
            .map(|s| model.scenarios[*s].name.clone())
            .collect()
    };
    let coverage = Coverage::of(model);
    let contexts: Vec<serde_json::Value> = coverage
        .contexts
        .iter()
        .map(|context| {
            let commands: Vec<serde_json::Value> = context
                .commands
                .iter()
                .map(|command| {
                    let declared = model.command(command.command);
                    serde_json::json!({
                        "command": declared.name,
                        "events": command.events.iter().map(|(event, scenarios)| {
                            serde_json::json!({
                                "event": model.event(*event).name,
                                "scenarios": names(scenarios),
                            })
                        }).collect::<Vec<_>>(),
                        "errors": command.errors.iter().map(|(error, scenarios)| {
                            serde_json::json!({
                                "error": declared.errors[*error].name,
                                "scenarios": names(scenarios),
                            })
                        }).collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::json!({
                "context": model.context(context.context).name,
                "commands": commands,
            })
        })
        .collect();
    serde_json::json!({
        "events": coverage.events,
        "events_covered": coverage.events_covered,
        "errors": coverage.errors,
        "errors_covered": coverage.errors_covered,
        "contexts": contexts,
    })
}
