//! The rules of the checker, one file per rule, and the registry of them all.
//!
//! A rule file holds the rule's [`Rule`] — code, slug, severity, summary, and the
//! explanation `stormcraft explain` prints with a bad and a fixed example model — next
//! to the code that finds it: a `check` over the resolved model for rules about the
//! flow, or the constructors of its findings (message, label and help) for rules
//! raised while a file is loaded and decoded or names are resolved; the raising
//! site passes names, spans and candidates, and the rule file's module doc names
//! it. The registry below lists every rule once; [`Code`], [`Code::ALL`],
//! `explain --list` and the code table of MODEL.md all come from it.
//!
//! To add a rule: write `scNNN_slug.rs` beside the others (copy one of the same kind;
//! its module doc names the files that raise it), add one line to the registry, call
//! its `check` from [`check_model`] or its constructor where the problem is found,
//! and add `tests/fixtures/invalid/SCNNN-slug.yaml` with its `# expect:` lines; the
//! diagnostics test then writes its snapshot for review.

use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{Model, NodeRef};
use crate::source::Span;
use std::collections::BTreeSet;
use std::fmt;

/// What every rule file uses.
mod prelude {
    pub use super::{Explanation, Flow, Rule};
    pub use crate::check::names::{is_rust_keyword, NOT_RAW_KEYWORDS};
    pub use crate::diagnostic::{Code, Diagnostic, Severity};
    pub use crate::ir::{
        AggregateId, CommandId, EdgeKind, EventId, Model, NodeRef, PolicyId, Primitive,
        ReadModelId, SourceAction, TypeRef,
    };
    pub use crate::source::Span;
}

/// What `stormcraft explain` says about one rule.
#[derive(Clone, Copy, Debug)]
pub struct Explanation {
    /// What the rule checks and why it matters (paragraphs separated by blank lines).
    pub text: &'static str,
    /// A complete model that triggers the rule.
    pub bad: &'static str,
    /// The same model, fixed: it passes `check` without any finding.
    pub fixed: &'static str,
}

/// One rule of the checker, as its file declares it.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// The stable code, e.g. `SC020`.
    pub code: &'static str,
    /// A short kebab-case name.
    pub slug: &'static str,
    /// The severity of its findings.
    pub severity: Severity,
    /// One line saying what the rule checks.
    pub summary: &'static str,
    /// The long explanation with its examples.
    pub explanation: Explanation,
}

macro_rules! registry {
    ($( $variant:ident => $module:ident, )*) => {
        $( pub mod $module; )*

        /// A rule of the checker. The code string is stable: it is documented,
        /// explained by `stormcraft explain`, and matched on by users' CI.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(
                #[doc = concat!("The rule of [`", stringify!($module), "`].")]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The rule's declaration in its file.
            pub fn rule(self) -> &'static Rule {
                match self { $( Code::$variant => &$module::RULE, )* }
            }

            /// The rule file's module name, e.g. `sc020_unresolved_reference`.
            pub fn module(self) -> &'static str {
                match self { $( Code::$variant => stringify!($module), )* }
            }
        }
    };
}

registry! {
    YamlSyntax => sc001_yaml_syntax,
    UnknownKey => sc002_unknown_key,
    WrongType => sc003_wrong_type,
    MissingKey => sc004_missing_key,
    FormatVersion => sc005_format_version,
    InvalidName => sc010_invalid_name,
    DuplicateName => sc011_duplicate_name,
    UnresolvedReference => sc020_unresolved_reference,
    UnpublishedEvent => sc021_unpublished_event,
    BadTypeExpression => sc030_bad_type_expression,
    RecursiveType => sc031_recursive_type,
    IdFieldConflict => sc032_id_field_conflict,
    EmptyEnum => sc033_empty_enum,
    ImplicitId => sc034_implicit_id,
    CommandEmitsNothing => sc040_command_emits_nothing,
    EventNeverEmitted => sc041_event_never_emitted,
    ForeignEventEmitted => sc042_foreign_event_emitted,
    CommandNeverIssued => sc043_command_never_issued,
    CrossContextCommand => sc044_cross_context_command,
    UnusedPublishedEvent => sc045_unused_published_event,
    ReadModelWithoutSource => sc046_read_model_without_source,
    ReadModelKeyMissing => sc047_read_model_key_missing,
    PolicyCycle => sc048_policy_cycle,
    PolicyWithoutAction => sc049_policy_without_action,
    ScenarioForeignGiven => sc050_scenario_foreign_given,
    ScenarioForeignWhen => sc051_scenario_foreign_when,
    ScenarioUnexpectedThen => sc052_scenario_unexpected_then,
    ScenarioUndeclaredError => sc053_scenario_undeclared_error,
    ScenarioShape => sc054_scenario_shape,
    UnknownField => sc055_unknown_field,
    ScenarioValueType => sc056_scenario_value_type,
    UncoveredOutcome => sc057_uncovered_outcome,
    Hotspot => sc060_hotspot,
    ReservedWord => sc070_reserved_word,
    ReservedCrateName => sc071_reserved_crate_name,
    GeneratedNameClash => sc072_generated_name_clash,
    CaseCollision => sc073_case_collision,
    UnsupportedKeyType => sc074_unsupported_key_type,
    UnsupportedIdType => sc075_unsupported_id_type,
    OutcomeShape => sc080_outcome_shape,
    UnheardFailure => sc081_unheard_failure,
    UnhandledRejection => sc082_unhandled_rejection,
    BadRecovery => sc083_bad_recovery,
    ScenarioOutcome => sc084_scenario_outcome,
    BadDeadline => sc085_bad_deadline,
    BadSchedule => sc086_bad_schedule,
    StateChangeUnrecorded => sc087_state_change_unrecorded,
    BadPreviousVersion => sc088_bad_previous_version,
    UntracedEventField => sc090_untraced_event_field,
    UntracedCommandField => sc091_untraced_command_field,
    UntracedReadModelField => sc092_untraced_read_model_field,
    StateFieldNeverSet => sc093_state_field_never_set,
    FieldTypeMismatch => sc094_field_type_mismatch,
    ReadModelFieldUnknown => sc095_read_model_field_unknown,
    ReadModelTypeMismatch => sc096_read_model_type_mismatch,
    BadSourceAction => sc097_bad_source_action,
    BadCompositeKey => sc098_bad_composite_key,
    HistoryWithKey => sc099_history_with_key,
    ProcessKeyMissing => sc100_process_key_missing,
    ProcessKeyType => sc101_process_key_type,
    ProcessWithoutStart => sc102_process_without_start,
    ProcessRecordsOnly => sc103_process_records_only,
    BadProcessDeadline => sc104_bad_process_deadline,
    ProcessStateClash => sc105_process_state_clash,
    ProcessNeverCompletes => sc106_process_never_completes,
    ReactionScenarioSubject => sc110_reaction_scenario_subject,
    ReactionForeignGiven => sc111_reaction_foreign_given,
    ReactionUnexpectedCommand => sc112_reaction_unexpected_command,
    ReactionScenarioTime => sc113_reaction_scenario_time,
    ReactionScenarioShape => sc114_reaction_scenario_shape,
    ForeignRecordedEvent => sc115_foreign_recorded_event,
    UntracedRecordedField => sc116_untraced_recorded_field,
    BadRejectionTrigger => sc117_bad_rejection_trigger,
    RejectionNeverRecorded => sc118_rejection_never_recorded,
    RejectionRecoveredAndReacted => sc119_rejection_recovered_and_reacted,
    BadPolicyRead => sc120_bad_policy_read,
    ReadKeyMissing => sc121_read_key_missing,
    ReadKeyType => sc122_read_key_type,
}

impl Code {
    /// The stable code, e.g. `SC020`.
    pub fn as_str(self) -> &'static str {
        self.rule().code
    }

    /// A short kebab-case name of the rule.
    pub fn slug(self) -> &'static str {
        self.rule().slug
    }

    /// The severity findings of this rule have.
    pub fn severity(self) -> Severity {
        self.rule().severity
    }

    /// One line saying what the rule checks.
    pub fn summary(self) -> &'static str {
        self.rule().summary
    }

    /// Finds a code by its string (`SC020`, case-insensitive) or its slug.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(text) || c.slug() == text)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The code table of MODEL.md's "Diagnostics" section, one row per rule.
pub fn markdown_table() -> String {
    let severity = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    let mut out = String::from("| Code | Severity | Name | Meaning |\n|---|---|---|---|\n");
    for code in Code::ALL {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            code.as_str(),
            severity(code.severity()),
            code.slug(),
            code.summary()
        ));
    }
    out
}

/// What the flow rules read: the resolved model, and which of its elements lost a
/// reference to a name error (a rule skips those rather than report the consequence
/// of a misspelt name as a design flaw).
pub struct Flow<'a> {
    /// The resolved model, its graph built.
    pub model: &'a Model,
    /// Elements with a reference or field type that did not resolve.
    pub tainted: &'a BTreeSet<NodeRef>,
    /// Some `by` or `issue` did not resolve.
    pub issuers_unresolved: bool,
    /// Some `on` or `from` did not resolve.
    pub consumers_unresolved: bool,
    /// Whether to note what no scenario covers (SC057, `check --coverage`).
    pub coverage: bool,
    /// The files (source map indexes) written in format 2: rules about keys only
    /// format 2 can write (SC082's `on_error:`) judge only their elements.
    pub format_2_files: &'a BTreeSet<u32>,
}

impl Flow<'_> {
    /// Whether the completeness rules (SC090–SC094) judge `field`: it is written in a
    /// format-2 file (a format-1 file cannot write `computed:`, so it could not say
    /// where a value comes from) and none of `subjects` lost a reference.
    pub fn judges_field(&self, field: &crate::ir::Field, subjects: &[NodeRef]) -> bool {
        self.format_2_files.contains(&field.span.file)
            && subjects.iter().all(|s| !self.tainted.contains(s))
    }
}

/// The start of every scenario rule's finding (SC050–SC054): the message names the
/// scenario in quotes, then says what is wrong with it (`problem`, e.g. "expects
/// `X`, which `Y` does not emit"); the finding is about `subject`, the aggregate or
/// command a diagram marks. Each rule adds its own label and help.
fn scenario_finding(
    code: Code,
    scenario: &str,
    problem: impl fmt::Display,
    span: Span,
    subject: NodeRef,
) -> Diagnostic {
    Diagnostic::new(code, span, format!("scenario \"{scenario}\" {problem}")).about(subject)
}

/// Runs every rule that is a check over the resolved model, in code order.
pub(crate) fn check_model(flow: &Flow<'_>, out: &mut Vec<Diagnostic>) {
    sc040_command_emits_nothing::check(flow, out);
    sc041_event_never_emitted::check(flow, out);
    sc042_foreign_event_emitted::check(flow, out);
    sc043_command_never_issued::check(flow, out);
    sc044_cross_context_command::check(flow, out);
    sc045_unused_published_event::check(flow, out);
    sc046_read_model_without_source::check(flow, out);
    sc047_read_model_key_missing::check(flow, out);
    sc048_policy_cycle::check(flow, out);
    sc049_policy_without_action::check(flow, out);
    sc072_generated_name_clash::check(flow.model, out);
    if flow.coverage {
        sc057_uncovered_outcome::check(flow, out);
    }
    sc074_unsupported_key_type::check(flow.model, out);
    sc075_unsupported_id_type::check(flow.model, out);
    sc081_unheard_failure::check(flow, out);
    sc082_unhandled_rejection::check(flow, out);
    sc087_state_change_unrecorded::check(flow, out);
    sc088_bad_previous_version::check(flow, out);
    sc090_untraced_event_field::check(flow, out);
    sc091_untraced_command_field::check(flow, out);
    sc092_untraced_read_model_field::check(flow, out);
    sc093_state_field_never_set::check(flow, out);
    sc094_field_type_mismatch::check(flow, out);
    sc116_untraced_recorded_field::check(flow, out);
    sc118_rejection_never_recorded::check(flow, out);
    sc119_rejection_recovered_and_reacted::check(flow, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::explain::{explain, explanation};
    use crate::check::{check_with, Options};
    use crate::model::load::load_str;

    /// The model printed after `title:` in an explanation, without its indentation.
    fn example(text: &str, title: &str) -> String {
        let start = text
            .find(&format!("\n{title}:\n\n"))
            .unwrap_or_else(|| panic!("no `{title}:` section in:\n{text}"));
        let mut model = String::new();
        for line in text[start..].lines().skip(3) {
            if !line.is_empty() && !line.starts_with("    ") {
                break;
            }
            model.push_str(line.strip_prefix("    ").unwrap_or(line));
            model.push('\n');
        }
        model
    }

    /// The codes `check` finds in `model`; with `coverage`, as `check --coverage`.
    fn codes_found(name: &str, model: &str, coverage: bool) -> Vec<Code> {
        let loaded = load_str(name, model);
        check_with(&loaded, &Options { coverage })
            .diagnostics
            .sorted()
            .iter()
            .map(|d| d.code)
            .collect()
    }

    #[test]
    fn bad_examples_trigger_their_code_and_fixed_ones_are_clean() {
        for code in Code::ALL {
            let text = explain(*code);
            let bad = example(&text, "Bad");
            let fixed = example(&text, "Fixed");
            assert_eq!(bad.trim_end(), explanation(*code).bad.trim_end(), "{code}");
            // Coverage notes (SC057) are only asked for by `check --coverage`; the
            // fixed model of that rule must be clean with them.
            let coverage = *code == Code::UncoveredOutcome;
            let found = codes_found("bad.yaml", &bad, coverage);
            assert!(
                found.contains(code),
                "the bad example of {code} gives {found:?}, not {code}:\n{bad}"
            );
            let found = codes_found("fixed.yaml", &fixed, coverage);
            assert!(
                found.is_empty(),
                "the fixed example of {code} is not clean: {found:?}\n{fixed}"
            );
        }
    }

    #[test]
    fn the_registry_is_in_numeric_order_and_files_are_named_by_code_and_slug() {
        for pair in Code::ALL.windows(2) {
            assert!(
                pair[0].as_str() < pair[1].as_str(),
                "{} before {}",
                pair[0],
                pair[1]
            );
        }
        for code in Code::ALL {
            let rule = code.rule();
            assert!(
                rule.code.len() == 5 && rule.code.starts_with("SC"),
                "{}",
                rule.code
            );
            assert_eq!(
                code.module(),
                format!(
                    "{}_{}",
                    rule.code.to_lowercase(),
                    rule.slug.replace('-', "_")
                )
            );
            assert!(
                rule.summary.starts_with(|c: char| c.is_lowercase()),
                "{code}"
            );
        }
    }

    /// Every `.rs` file under `dir`, with its path relative to the crate root.
    fn sources(root: &std::path::Path, dir: &str, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let relative = format!("{dir}/{name}");
            if path.is_dir() {
                sources(root, &relative, out);
            } else if name.ends_with(".rs") {
                out.push((relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }

    #[test]
    fn each_rule_file_names_exactly_the_files_that_raise_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(root, "src", &mut files);
        for code in Code::ALL {
            let module = code.module();
            let own = format!("src/check/rules/{module}.rs");
            let text = &files.iter().find(|(path, _)| *path == own).unwrap().1;
            let doc: Vec<&str> = text.lines().map_while(|l| l.strip_prefix("//!")).collect();
            let doc = doc.join(" ");
            let mut named: Vec<&str> = doc
                .split('`')
                .skip(1)
                .step_by(2)
                .filter(|s| s.starts_with("src/"))
                .collect();
            named.sort();
            named.dedup();
            // Another rule file using a helper of this one does not raise it.
            let use_ = format!("{module}::");
            let raising: Vec<&str> = files
                .iter()
                .filter(|(path, text)| {
                    (path == "src/check/rules/mod.rs" || !path.starts_with("src/check/rules/"))
                        && text.contains(&use_)
                })
                .map(|(path, _)| path.as_str())
                .collect();
            assert_eq!(named, raising, "the files {own}'s module doc names");
        }
    }

    #[test]
    fn findings_are_built_in_rule_files_only() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(root, "src", &mut files);
        for (path, text) in &files {
            if path.starts_with("src/check/rules/") || path == "src/diagnostic.rs" {
                continue;
            }
            // Unit tests may make up findings to feed what renders them.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            assert!(
                !code.contains("Diagnostic::new("),
                "{path} builds a finding; add a constructor to its rule file instead"
            );
        }
    }

    #[test]
    fn model_md_lists_every_rule_as_the_registry_does() {
        let model_md = include_str!("../../../MODEL.md");
        let table = markdown_table();
        assert!(
            model_md.contains(&table),
            "MODEL.md's code table differs from the registry; replace it with:\n{table}"
        );
    }
}
