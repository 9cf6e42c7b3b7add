//! Trace tests: the causal tree of commands of the fixture board (one of them runs
//! into the payment-retry cycle), through the library and through the binary; and of
//! the format 2 hotel board, whose outcomes, recoveries and timers are traced.

use std::path::PathBuf;
use std::process::Command;
use stormcraft::check::check;
use stormcraft::ir::Model;
use stormcraft::model::load::load;
use stormcraft::render::trace::trace;

const FIXTURE: &str = "tests/fixtures/diagram/board.yaml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> Model {
    let loaded = load(&root().join(FIXTURE)).expect("the fixture loads");
    check(&loaded).model.expect("the fixture passes check")
}

fn trace_of(model: &Model, command: &str) -> String {
    let id = model
        .command_by_name(command)
        .unwrap_or_else(|c| panic!("`{command}` is not one command: {c:?}"));
    trace(model, id)
}

#[test]
fn place_order_crosses_every_context() {
    let model = fixture();
    let text = trace_of(&model, "PlaceOrder");
    assert_eq!(text, trace_of(&model, "PlaceOrder"), "not deterministic");
    insta::assert_snapshot!("place_order", text);
}

#[test]
fn retry_payment_runs_into_its_cycle() {
    let model = fixture();
    let text = trace_of(&model, "payments.RetryPayment");
    assert!(text.contains(
        "issues command payments.RetryPayment (aggregate Payment)  ↺ cycle back to command payments.RetryPayment"
    ));
    insta::assert_snapshot!("retry_payment_cycle", text);
}

#[test]
fn request_payment_prints_shared_subtrees_once() {
    let model = fixture();
    let text = trace_of(&model, "RequestPayment");
    assert_eq!(text.matches("(see above)").count(), 1, "{text}");
    insta::assert_snapshot!("request_payment", text);
}

#[test]
fn a_webhook_command_of_a_state_stored_aggregate() {
    let model = fixture();
    insta::assert_snapshot!("confirm_delivery", trace_of(&model, "ConfirmDelivery"));
}

fn stormcraft(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

#[test]
fn cli_prints_the_trace() {
    let output = stormcraft(&["trace", FIXTURE, "ordering.CancelOrder"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout, trace_of(&fixture(), "CancelOrder"));
    insta::assert_snapshot!("cli_cancel_order", stdout);
}

#[test]
fn cli_suggests_a_command_name() {
    let output = stormcraft(&["trace", FIXTURE, "PlaceOrdr"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("no command `PlaceOrdr` in the model; did you mean `PlaceOrder`?"),
        "{stderr}"
    );
}

#[test]
fn a_flawed_design_traces_with_its_findings_marked() {
    let loaded = load(&root().join("tests/fixtures/diagram/flawed.yaml")).unwrap();
    let checked = check(&loaded);
    assert!(checked.diagnostics.has_errors());
    let model = checked.model.as_ref().expect("the names resolve");
    let findings = stormcraft::render::findings::findings(&checked.diagnostics.sorted());
    let id = model.command_by_name("BookAppointment").unwrap();
    let text = stormcraft::render::trace::trace_marked(model, id, &findings);
    assert!(
        text.contains("findings marked (⚠):   1 of 4 in the model"),
        "{text}"
    );
    insta::assert_snapshot!("flawed_book_appointment", text);
}

const FLOWS: &str = "tests/fixtures/diagram/hotel.yaml";

fn hotel() -> Model {
    let loaded = load(&root().join(FLOWS)).expect("the hotel loads");
    let checked = check(&loaded);
    assert!(
        !checked.diagnostics.has_errors(),
        "the hotel passes check: {:?}",
        checked.diagnostics
    );
    checked.model.expect("the hotel resolves")
}

#[test]
fn each_outcome_is_its_own_branch() {
    let model = hotel();
    let text = trace_of(&model, "PlaceHold");
    assert_eq!(text, trace_of(&model, "PlaceHold"), "not deterministic");
    // Success and failure never happen together: one branch each.
    assert!(
        text.contains("├── outcome placed\n│   ├── emits event booking.HoldPlaced\n"),
        "{text}"
    );
    assert!(
        text.contains("│   └── emits event booking.LastFreeHoldUsed?\n"),
        "{text}"
    );
    assert!(
        text.contains("└── outcome refused (failure)\n    └── emits event booking.HoldRefused\n"),
        "{text}"
    );
    assert!(text.contains("outcome failed (failure)"), "{text}");
    // Recovery, conditions, time and inboxes, where they happen.
    for line in [
        "issues command payments.ChargeCard (aggregate Payment)  [cross-context, via payments inbox]",
        "issues command booking.ConfirmHold (aggregate Hold) if \"the hold has not expired\"",
        "on error HoldExpired: issues command payments.RefundPayment (aggregate Payment)  [cross-context, via payments inbox]",
        "on error HoldNotFound: retries the command up to 3 more times, 10s apart",
        "on error HoldAlreadyConfirmed: parked in the booking rejections",
        "starts the timer of deadline policy booking.ExpireUnpaidHold (after 20m per hold_id, unless payments.PaymentSucceeded or booking.HoldReleased)",
        "cancels the timer of deadline policy booking.ExpireUnpaidHold with the same hold_id  [cross-context]",
        "read by schedule policy booking.MarkNoShows (every day at 03:00 UTC, one command per row)",
        "failure outcomes:      2 (payments.ChargeCard failed, booking.PlaceHold refused)",
        "timers:                2 (booking.ExpireUnpaidHold after 20m, booking.MarkNoShows every day at 03:00 UTC)",
    ] {
        assert!(text.contains(line), "no `{line}` in:\n{text}");
    }
    insta::assert_snapshot!("hotel_place_hold", text);
}

#[test]
fn commands_issued_by_timers_and_recoveries_say_who_issues_them() {
    let model = hotel();
    let no_show = trace_of(&model, "MarkNoShow");
    assert!(
        no_show.starts_with("command booking.MarkNoShow (aggregate Hold; issued by schedule policy booking.MarkNoShows)\n"),
        "{no_show}"
    );
    let refund = trace_of(&model, "RefundPayment");
    assert!(
        refund.starts_with("command payments.RefundPayment (aggregate Payment; issued by policy booking.ConfirmWhenPaid on error HoldExpired)\n"),
        "{refund}"
    );
    let expire = trace_of(&model, "ExpireHold");
    assert!(
        expire.contains("issued by deadline policy booking.ExpireUnpaidHold"),
        "{expire}"
    );
    insta::assert_snapshot!("hotel_charge_card", trace_of(&model, "ChargeCard"));
}

const CLAIMS: &str = "tests/fixtures/diagram/claims.yaml";

fn claims() -> Model {
    let loaded = load(&root().join(CLAIMS)).expect("the claims office loads");
    let checked = check(&loaded);
    assert!(
        !checked.diagnostics.has_errors(),
        "the claims office passes check: {:?}",
        checked.diagnostics
    );
    checked.model.expect("the claims office resolves")
}

#[test]
fn a_trace_goes_through_a_process_with_its_key_its_deadline_and_its_end() {
    let model = claims();
    let text = trace_of(&model, "FileInsuranceClaimWithPhotos");
    assert_eq!(
        text,
        trace_of(&model, "FileInsuranceClaimWithPhotos"),
        "not deterministic"
    );
    // event → process (key) → command, and the deadline the start sets off.
    assert!(text.contains(
        "└── handled by process claims_handling.ClaimSettlementSagaForPropertyDamage (key claim_number), which it starts\n"
    ), "{text}");
    assert!(text.contains(
        "├── issues command loss_assessment.CommissionOnSiteDamageSurvey (aggregate OnSiteDamageSurvey)  [cross-context, via loss_assessment inbox]"
    ), "{text}");
    assert!(text.contains(
        "starts the timer of deadline DamageSurveyNeverArrived of process claims_handling.ClaimSettlementSagaForPropertyDamage (after 14d per claim_number"
    ), "{text}");
    assert!(
        text.contains("which it completes, cancelling its deadlines"),
        "{text}"
    );
    insta::assert_snapshot!("claims_file_claim", text);
}

#[test]
fn a_process_reacts_to_each_event_on_its_own_branch() {
    let model = claims();
    let text = trace_of(&model, "CompleteOnSiteDamageSurvey");
    // The agreed survey settles (with its compensation), the disputed one escalates:
    // each event reaches only its own reaction of the process.
    let agreed = text.find("outcome agreed").expect("an agreed branch");
    let disputed = text
        .find("outcome disputed (failure)")
        .expect("a disputed branch");
    let settle = text
        .find("issues command claims_handling.SettleInsuranceClaimPayout")
        .expect("a payout");
    let escalate = text
        .find("issues command claims_handling.EscalateInsuranceClaimToAdjuster")
        .expect("an escalation");
    assert!(
        agreed < settle && settle < disputed && disputed < escalate,
        "{text}"
    );
    assert!(
        text.contains("if \"the assessed damage is within the policy's cover\""),
        "{text}"
    );
    assert!(
        text.contains(
            "on error ClaimAlreadyClosed: issues command loss_assessment.RefundSurveyorFee"
        ),
        "{text}"
    );
    assert!(text.contains("cancels the timer of deadline DamageSurveyNeverArrived of process claims_handling.ClaimSettlementSagaForPropertyDamage with the same claim_number"), "{text}");
    let refund = trace_of(&model, "RefundSurveyorFee");
    assert!(refund.starts_with("command loss_assessment.RefundSurveyorFee (aggregate OnSiteDamageSurvey; issued by process claims_handling.ClaimSettlementSagaForPropertyDamage on error ClaimAlreadyClosed)\n"), "{refund}");
    insta::assert_snapshot!("claims_complete_survey", text);
}

const RECOVERY: &str = "tests/fixtures/generate/recovery.yaml";

#[test]
fn a_recovery_that_records_is_followed_to_what_hears_of_the_recorded_event() {
    let loaded = load(&root().join(RECOVERY)).expect("the pathology lab loads");
    let checked = check(&loaded);
    assert!(
        !checked.diagnostics.has_errors(),
        "{:?}",
        checked.diagnostics
    );
    let model = checked.model.expect("the pathology lab resolves");
    let text = trace_of(&model, "DeliverSampleToLab");
    assert!(
        text.contains(
            "on error SampleHaemolysed: records event specimen_lab.AnalysisRefused (aggregate BloodSample)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "on error SampleMislaid: records event specimen_lab.SampleMislaidReported (aggregate BloodSample)"
        ),
        "{text}"
    );
    // The recorded event starts the process, whose own refusal records again.
    let recorded = text
        .find("records event specimen_lab.AnalysisRefused")
        .unwrap();
    let process = text
        .find("handled by process specimen_lab.RetestAfterRefusal")
        .expect("the process hears of the recorded event");
    assert!(recorded < process, "{text}");
    assert!(
        text.contains(
            "on error RetestLimitReached: records event specimen_lab.RetestAbandoned (aggregate BloodSample)"
        ),
        "{text}"
    );
    insta::assert_snapshot!("recovery_deliver_sample", text);
}

/// A policy's `reads:` is traced under the policy (the row, by which field, what
/// happens without one) and under the read model (who reads it), without following the
/// read model into the reading policies.
#[test]
fn rows_read_by_policies_are_traced() {
    let loaded = load(&root().join("tests/fixtures/generate/reads.yaml")).expect("it loads");
    let model = check(&loaded).model.expect("it passes check");
    let prescribe = trace_of(&model, "PrescribeMedication");
    assert!(prescribe.contains("reads the row of `medication` as `drug_code` in read model pharmacy.MedicationShelves (no row: kept as RowMissing)"), "{prescribe}");
    let delivery = trace_of(&model, "ReceiveDelivery");
    assert!(
        delivery.contains(
            "read by policy pharmacy.KeepThePrescriber (the row of each event it handles)"
        ),
        "{delivery}"
    );
    assert!(
        !delivery.contains("issues command pharmacy.RecordPrescriber"),
        "{delivery}"
    );
    insta::assert_snapshot!("receive_delivery_reads", delivery);
}

const REJECTIONS: &str = "tests/fixtures/generate/rejections.yaml";

#[test]
fn a_refused_command_is_followed_to_the_policies_its_refusals_set_off() {
    let loaded = load(&root().join(REJECTIONS)).expect("the box office loads");
    let checked = check(&loaded);
    assert!(
        !checked.diagnostics.has_errors(),
        "{:?}",
        checked.diagnostics
    );
    let model = checked.model.expect("the box office resolves");
    let text = trace_of(&model, "RequestSeat");
    // Written for any error: no error in its line.
    let refused = text
        .find("when refused: triggers rejection policy box_office.WaitlistWhenSeatTaken")
        .unwrap_or_else(|| panic!("{text}"));
    let joined = text
        .find("issues command box_office.JoinWaitingList (aggregate WaitingListEntry)")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        refused < joined,
        "the reaction is not under the rejection:\n{text}"
    );
    // The deadline's command: the reaction narrowed to one error names it.
    assert!(
        text.contains(
            "when refused with SeatAlreadySold: triggers rejection policy box_office.CheckSeatWhenReleaseRefused"
        ),
        "{text}"
    );
    let issued = trace_of(&model, "JoinWaitingList");
    assert!(
        issued.contains("issued by rejection policy box_office.WaitlistWhenSeatTaken"),
        "{issued}"
    );
    insta::assert_snapshot!("rejections_request_seat", text);
}
