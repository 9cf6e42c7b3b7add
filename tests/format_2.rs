//! Format 2 as the checked model holds it: outcomes, conditions, recovery,
//! deadlines, schedules and scenario outcomes of the valid format-2 fixtures, read
//! back from the IR and its graph, and format 1's meaning kept beside them.

use std::path::Path;
use stormcraft::check::check;
use stormcraft::ir::{
    CommandId, EdgeKind, Every, Model, NodeRef, PolicyId, RecoveryAction, Trigger, EMITTED,
};
use stormcraft::model::load::{load, load_str};

fn model_of(path: &str) -> Model {
    let loaded = load(Path::new(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let checked = check(&loaded);
    assert!(
        checked.diagnostics.is_empty(),
        "{path}: {:?}",
        checked.diagnostics.sorted()
    );
    checked.clean_model().expect("the fixture checks").clone()
}

const LIBRARY: &str = "tests/fixtures/valid/library-loans-format-2.yaml";
const CONFERENCE: &str = "tests/fixtures/valid/conference-registration-mixed-formats";

fn command(model: &Model, name: &str) -> CommandId {
    model
        .command_by_name(name)
        .unwrap_or_else(|_| panic!("no command {name}"))
}

fn policy_named(model: &Model, name: &str) -> PolicyId {
    let index = model
        .policies
        .iter()
        .position(|p| p.name == name)
        .unwrap_or_else(|| panic!("no policy {name}"));
    PolicyId(index as u32)
}

fn event_names(model: &Model, events: &[stormcraft::ir::EventId]) -> Vec<String> {
    events
        .iter()
        .map(|e| model.event(*e).name.clone())
        .collect()
}

/// An outcome as the model writes it: name, (event, optional) pairs, failure.
type Written<'a> = (&'a str, Vec<(String, bool)>, bool);

#[test]
fn outcomes_keep_their_names_events_optional_marks_and_failure() {
    let model = model_of(LIBRARY);
    let lend = model.command(command(&model, "LendBookCopyToMember"));
    let outcomes: Vec<Written> = lend
        .outcomes
        .iter()
        .map(|o| {
            (
                o.name.as_str(),
                o.events
                    .iter()
                    .map(|e| (model.event(e.event).name.clone(), e.optional))
                    .collect(),
                o.failure,
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (
                "lent",
                vec![
                    ("BookCopyLent".to_owned(), false),
                    ("FirstLoanOfMembershipRecorded".to_owned(), true)
                ],
                false
            ),
            (
                "refused_for_outstanding_fines",
                vec![("BookCopyLoanRefused".to_owned(), false)],
                true
            ),
        ]
    );
    // `emits` stays the union, first seen first, so every older consumer works.
    assert_eq!(
        event_names(&model, &lend.emits),
        [
            "BookCopyLent",
            "FirstLoanOfMembershipRecorded",
            "BookCopyLoanRefused"
        ]
    );
    assert_eq!(lend.emit_spans.len(), lend.emits.len());
    let id = NodeRef::Command(command(&model, "LendBookCopyToMember"));
    assert_eq!(model.graph.successors(id, EdgeKind::Emits).len(), 3);
}

#[test]
fn emits_is_one_outcome_all_required_in_format_2_and_optional_in_format_1() {
    let library = model_of(LIBRARY);
    let returned = library.command(command(&library, "ReturnBookCopy"));
    assert_eq!(returned.outcomes.len(), 1);
    assert_eq!(returned.outcomes[0].name, EMITTED);
    assert!(returned.outcomes[0].events.iter().all(|e| !e.optional));

    let conference = model_of(CONFERENCE);
    let print = conference.command(command(&conference, "PrintAttendeeBadge"));
    assert_eq!(print.outcomes.len(), 1);
    assert_eq!(print.outcomes[0].name, EMITTED);
    assert_eq!(print.outcomes[0].events.len(), 2);
    assert!(print.outcomes[0].events.iter().all(|e| e.optional));
}

#[test]
fn deadlines_hold_delay_cancelling_events_and_correlation() {
    let model = model_of(LIBRARY);
    let id = policy_named(&model, "MarkLoanOverdueWhenNotReturnedInTime");
    let Trigger::Deadline(deadline) = &model.policy(id).trigger else {
        panic!("not a deadline: {:?}", model.policy(id).trigger);
    };
    assert_eq!(deadline.delay_secs, 21 * 86_400);
    assert_eq!(event_names(&model, &deadline.unless), ["BookCopyReturned"]);
    assert_eq!(deadline.correlate, "loan_id");
    let returned = NodeRef::Event(deadline.unless[0]);
    assert_eq!(
        model.graph.successors(returned, EdgeKind::Cancels),
        [NodeRef::Policy(id)]
    );

    // Without `correlate:` the timer is tied to the `on` event's aggregate id, and
    // `unless: []` is a plain delay.
    let reminder = policy_named(&model, "RemindMemberAfterTheFeeIsCharged");
    let Trigger::Deadline(deadline) = &model.policy(reminder).trigger else {
        panic!("not a deadline");
    };
    assert_eq!(deadline.delay_secs, 2 * 86_400);
    assert!(deadline.unless.is_empty());
    assert_eq!(deadline.correlate, "member_id");
}

#[test]
fn schedules_hold_their_period_and_read_model() {
    let model = model_of(LIBRARY);
    let nightly = policy_named(&model, "ExpireHoldShelfCopiesEveryNight");
    let Trigger::Schedule(schedule) = &model.policy(nightly).trigger else {
        panic!("not a schedule");
    };
    assert_eq!(schedule.every, Every::DailyAt { hour: 3, minute: 0 });
    let read_model = schedule.for_each.expect("for_each resolves");
    assert_eq!(
        model.read_model(read_model).name,
        "CopiesWaitingOnTheHoldShelf"
    );
    assert_eq!(
        model
            .graph
            .successors(NodeRef::ReadModel(read_model), EdgeKind::Reads),
        [NodeRef::Policy(nightly)]
    );
    assert!(model.policy(nightly).on.is_empty());

    let weekly = policy_named(&model, "RemindMembersOfUnpaidFeesWeekly");
    let Trigger::Schedule(schedule) = &model.policy(weekly).trigger else {
        panic!("not a schedule");
    };
    assert_eq!(schedule.every, Every::Interval { secs: 7 * 86_400 });
    assert_eq!(schedule.for_each, None);
    assert_eq!(schedule.every.label(), "7d");
}

#[test]
fn recovery_resolves_errors_and_compensating_commands_of_any_context() {
    let model = model_of(LIBRARY);
    let id = policy_named(&model, "ChargeLateReturnFeeWhenLoanBecomesOverdue");
    let policy = model.policy(id);
    assert_eq!(
        policy.condition.as_deref(),
        Some("the member is not exempt from late fees (staff, school classes)")
    );
    assert!(policy.condition_span.is_some());
    let issued = model.command(policy.issues.expect("issues a command"));
    let recovery: Vec<(&str, RecoveryAction)> = policy
        .recovery
        .iter()
        .map(|r| (issued.errors[r.error].name.as_str(), r.action.clone()))
        .collect();
    let flag = command(&model, "circulation.FlagLoanForDeskReview");
    assert_eq!(
        recovery,
        [
            ("MemberFineAccountClosed", RecoveryAction::Issue(flag)),
            ("LateReturnFeeAlreadyCharged", RecoveryAction::Park),
            (
                "FineLedgerLocked",
                RecoveryAction::Retry {
                    times: 5,
                    after_secs: Some(5_400)
                }
            ),
        ]
    );
    assert_eq!(
        model
            .graph
            .predecessors(NodeRef::Command(flag), EdgeKind::Compensates),
        [NodeRef::Policy(id)]
    );
    // A bare `retry` is three more attempts, at once.
    let overdue = model.policy(policy_named(&model, "MarkLoanOverdueWhenNotReturnedInTime"));
    assert!(overdue.recovery.iter().any(|r| r.action
        == RecoveryAction::Retry {
            times: 3,
            after_secs: None
        }));
}

#[test]
fn scenarios_know_the_outcome_their_events_fit() {
    let model = model_of(CONFERENCE);
    let outcome_of = |name: &str| {
        let scenario = model
            .scenarios
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no scenario {name}"));
        scenario
            .outcome
            .map(|i| model.command(scenario.when.id).outcomes[i].name.clone())
    };
    assert_eq!(outcome_of("an early bird pays").as_deref(), Some("paid"));
    assert_eq!(
        outcome_of("a regular attendee pays").as_deref(),
        Some("paid")
    );
    assert_eq!(
        outcome_of("a full conference puts the attendee on the waitlist").as_deref(),
        Some("waitlisted")
    );
    assert_eq!(outcome_of("a cancelled registration cannot be paid"), None);
    assert_eq!(
        outcome_of("the printer jams").as_deref(),
        Some(EMITTED),
        "a format-1 scenario fits its command's one outcome with one of its events"
    );
}

#[test]
fn a_format_2_key_in_a_format_1_file_needs_format_2() {
    let text = std::fs::read_to_string(LIBRARY).expect("the fixture");
    let loaded = load_str(
        "library.yaml",
        &text.replace("stormcraft: 2", "stormcraft: 1"),
    );
    let format: Vec<String> = loaded
        .diagnostics
        .sorted()
        .iter()
        .filter(|d| d.code.as_str() == "SC005")
        .map(|d| d.message.clone())
        .collect();
    // Each kind of format-2 key the fixture uses is reported, each at its key.
    assert!(
        format.iter().any(|m| m.contains("`outcomes:`"))
            && format.iter().any(|m| m.contains("`after:`"))
            && format.iter().any(|m| m.contains("`every:`"))
            && format.iter().any(|m| m.contains("`on_error:`"))
            && format.iter().any(|m| m.contains("`if:`"))
            && format.iter().any(|m| m.contains("`outcome:`")),
        "{format:#?}"
    );
    assert!(format.iter().all(|m| m.ends_with("needs `stormcraft: 2`")));
}

#[test]
fn a_process_holds_its_key_state_handlers_and_deadlines_and_lowers_its_reactions() {
    let loaded = load(Path::new("tests/fixtures/diagram/claims.yaml")).expect("loads");
    let checked = check(&loaded);
    assert!(
        !checked.diagnostics.has_errors(),
        "{:?}",
        checked.diagnostics
    );
    let model = checked.clean_model().expect("the fixture checks");
    let [process] = model.processes.as_slice() else {
        panic!("one process");
    };
    let context = model.context(process.context);
    assert_eq!(context.name, "claims_handling");
    assert_eq!(process.key, "claim_number");
    assert_eq!(model.type_name(&process.key_ty), "uuid");
    assert_eq!(
        process.category(context),
        "claims_handling-ClaimSettlementSagaForPropertyDamage"
    );
    let state: Vec<&str> = process.state.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(state, ["estimated_damage_amount", "assessed_damage_amount"]);
    let handlers: Vec<(String, &str, bool, bool, bool)> = process
        .handlers
        .iter()
        .map(|h| {
            (
                model.qualified_event(h.event),
                h.key_field.as_str(),
                h.start,
                h.complete,
                h.policy.is_some(),
            )
        })
        .collect();
    assert_eq!(
        handlers,
        [
            (
                "claims_handling.InsuranceClaimFiledWithPhotos".to_owned(),
                "claim_number",
                true,
                false,
                true
            ),
            (
                "loss_assessment.OnSiteDamageSurveyCompleted".to_owned(),
                "claim_reference_number",
                false,
                false,
                true
            ),
            (
                "loss_assessment.OnSiteDamageSurveyDisputed".to_owned(),
                "claim_reference_number",
                false,
                false,
                true
            ),
            (
                "claims_handling.InsuranceClaimPayoutSettled".to_owned(),
                "claim_number",
                false,
                true,
                false
            ),
            (
                "claims_handling.InsuranceClaimRejected".to_owned(),
                "claim_number",
                false,
                true,
                false
            ),
            (
                "claims_handling.InsuranceClaimEscalated".to_owned(),
                "claim_number",
                false,
                true,
                false
            ),
        ]
    );
    // A reaction is a policy of the process, not of its context.
    let settle = policy_named(
        model,
        "ClaimSettlementSagaForPropertyDamageOnOnSiteDamageSurveyCompleted",
    );
    let p = model.policy(settle);
    assert_eq!(p.process, Some(stormcraft::ir::ProcessId(0)));
    assert!(!context.policies.contains(&settle));
    assert_eq!(
        p.condition.as_deref(),
        Some("the assessed damage is within the policy's cover")
    );
    assert!(
        matches!(p.recovery[0].action, RecoveryAction::Issue(c) if model.command(c).name == "RefundSurveyorFee")
    );
    // The deadline starts with the instance, is keyed by the process key and is
    // cancelled by the survey's events.
    let [deadline] = process.deadlines.as_slice() else {
        panic!("one deadline");
    };
    assert_eq!(deadline.name, "DamageSurveyNeverArrived");
    let d = model.policy(deadline.policy);
    let Trigger::Deadline(timer) = &d.trigger else {
        panic!("a deadline");
    };
    assert_eq!(timer.delay_secs, 14 * 24 * 3600);
    assert_eq!(timer.correlate, "claim_number");
    assert_eq!(timer.unless.len(), 2);
    assert_eq!(d.on, [process.handlers[0].event]);
    // The process is one node of the flow graph, with an edge from each handled event.
    let node = NodeRef::Process(stormcraft::ir::ProcessId(0));
    assert_eq!(model.graph.predecessors(node, EdgeKind::Triggers).len(), 6);
    assert_eq!(model.graph.successors(node, EdgeKind::Issues).len(), 4);
}

#[test]
fn generate_builds_a_process_whose_defaults_never_invent_a_value() {
    let loaded = load(Path::new("tests/fixtures/diagram/claims.yaml")).expect("loads");
    let checked = check(&loaded);
    // Warnings only (SC044: a command of another context).
    let model = checked.model.expect("the fixture checks without errors");
    let files = stormcraft::generate::workspace_files(
        &model,
        "claims.yaml",
        &stormcraft::templates::Templates::builtin(),
    )
    .expect("a model with a process generates");
    let file = |path: &str| {
        &files
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("`{path}` is generated"))
            .contents
    };
    let processes = file("claims_handling/src/processes.rs");
    // No field of a command is made up: a field without a same-name source makes the
    // whole rule pending, and says which method to write.
    assert!(!processes.contains("Default::default()"), "{processes}");
    assert!(processes.contains(
        "Err(Pending::not_implemented(\"claim_settlement_saga_for_property_damage_on_insurance_claim_filed_with_photos\"))"
    ), "{processes}");
    // The key comes from the event's mapped key field, the deadline's from the instance.
    assert!(
        processes.contains("claim_number: event.claim_reference_number,"),
        "{processes}"
    );
    assert!(processes.contains("claim_number: *key,"), "{processes}");
    // One worker per process, reading its own and the other context's events.
    assert!(
        processes.contains(
            "(\"loss_assessment-OnSiteDamageSurvey\", \"OnSiteDamageSurveyCompleted\"), "
        ),
        "{processes}"
    );
    assert!(file("claims_handling/src/lib.rs").contains("processes::WORKERS"));
    assert!(file("claims_handling/src/rules/mod.rs").contains("pub mod processes;"));
    // What only the process uses is copied: the foreign events and commands.
    let upstream = file("claims_handling/src/upstream.rs");
    assert!(
        upstream.contains("pub struct OnSiteDamageSurveyDisputed"),
        "{upstream}"
    );
    assert!(
        upstream.contains("pub struct RefundSurveyorFee"),
        "{upstream}"
    );
    // loss_assessment's inbox takes the commands the process sends it.
    let inbox = file("loss_assessment/src/inbox.rs");
    assert!(
        inbox.contains("CommissionOnSiteDamageSurvey") && inbox.contains("RefundSurveyorFee"),
        "{inbox}"
    );
    // A refusal of a reaction's command reaches that reaction's recovery.
    let recovery = file("claims_handling/src/recovery.rs");
    assert!(
        recovery.contains("\"ClaimSettlementSagaForPropertyDamageOnOnSiteDamageSurveyCompleted\""),
        "{recovery}"
    );
}
