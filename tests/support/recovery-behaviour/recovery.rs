//! The generated `record:` recoveries driven on a memory store: a refused analysis
//! records `AnalysisRefused` in the sample's stream, filled from the cause event (the
//! patient), the rejection (error and message) and the clock; the process that starts
//! on it has its own refusal recorded as `RetestAbandoned`, which completes it; a
//! state-stored slot folds its recorded refusal into its state row; handling every
//! rejection again (a crash before the recovery's checkpoint) records nothing twice;
//! the pending recording of a mislaid sample keeps its rejection listed, recording
//! nothing.

use pathology_lab_specimen_lab::{analyser_slot as slot, blood_sample as sample};
use stormcraft_runtime::aggregate::{self, Cause};
use stormcraft_runtime::{rejections, testing, Store};

fn workers() -> Vec<stormcraft_runtime::worker::Worker> {
    pathology_lab_specimen_lab::workers()
}

fn types(store: &Store, stream: &str) -> Vec<String> {
    let events = store.read_stream(stream, 1, 100).expect("readable");
    events.into_iter().map(|e| e.event_type).collect()
}

/// Hands every rejection to the recovery worker again, under its own consumer name
/// (so the ids it derives are the ones of the first handling) but another checkpoint:
/// what a crash between its appends and its checkpoint amounts to.
fn recover_everything_again(store: &Store) -> usize {
    let recovery = workers()
        .into_iter()
        .find(|w| w.consumer == "specimen_lab.recovery")
        .expect("a recovery worker");
    let mut handled = 0;
    let mut replay = store.subscribe("replay.recovery", recovery.filter());
    replay
        .catch_up(|event, tx| {
            handled += 1;
            (recovery.handler)(
                store,
                Cause {
                    consumer: recovery.consumer,
                    event,
                },
                tx,
            )
        })
        .expect("handled again");
    handled
}

#[test]
fn a_refused_analysis_is_recorded_once_and_its_retest_refusal_completes_the_process() {
    let store = stormcraft_runtime::open("memory:").expect("a memory store");
    let sample_id = uuid::Uuid::new_v4();
    let patient_id = uuid::Uuid::new_v4();
    let draw = sample::DrawBloodSample {
        sample_id,
        patient_id,
        tube_colour: "lavender".into(),
    };
    aggregate::handle::<sample::BloodSample>(&store, draw.into(), None).expect("drawn");
    let deliver = sample::DeliverSampleToLab {
        sample_id,
        patient_id,
    };
    aggregate::handle::<sample::BloodSample>(&store, deliver.into(), None).expect("delivered");
    testing::drive(&store, &workers()).expect("the flow settles");

    let stream = format!("specimen_lab-BloodSample-{sample_id}");
    let expected = [
        "BloodSampleDrawn",
        "SampleDeliveredToLab",
        "AnalysisRefused",
        "RetestAbandoned",
    ];
    assert_eq!(types(&store, &stream), expected);
    let events = store.read_stream(&stream, 1, 10).expect("readable");
    let refused: sample::AnalysisRefused =
        aggregate::decode(&events[2]).expect("an AnalysisRefused");
    assert_eq!(refused.sample_id, sample_id);
    assert_eq!(
        refused.patient_id, patient_id,
        "not the cause event's patient"
    );
    assert_eq!(refused.error, "SampleHaemolysed");
    assert_eq!(refused.message, "the red cells burst before analysis");
    let abandoned: sample::RetestAbandoned =
        aggregate::decode(&events[3]).expect("a RetestAbandoned");
    assert_eq!(
        abandoned.patient_id, patient_id,
        "not the refused RequestRetest's patient"
    );
    assert_eq!(abandoned.message, "this patient was retested too often");
    // `evolve` folded the recorded events: the state has the patient (from both).
    let (state, version) =
        aggregate::load::<sample::BloodSample>(&store, &sample_id.to_string()).expect("loads");
    assert_eq!((state.patient_id, version), (patient_id, 4));
    // The process started on the recorded event and completed on the one it recorded.
    let instance = types(
        &store,
        &format!("specimen_lab-RetestAfterRefusal-{sample_id}"),
    );
    assert_eq!(
        instance.last().map(String::as_str),
        Some("ProcessCompleted"),
        "{instance:?}"
    );
    let listed = rejections::list(&store, "specimen_lab", 10).expect("listed");
    let errors: Vec<_> = listed.iter().rev().map(|r| r["error"].clone()).collect();
    assert_eq!(
        errors,
        [
            serde_json::json!("SampleHaemolysed"),
            serde_json::json!("RetestLimitReached")
        ]
    );

    // Handled again after a crash, or driven again: nothing is recorded twice.
    assert_eq!(recover_everything_again(&store), 2);
    assert_eq!(types(&store, &stream), expected);
    assert_eq!(testing::drive(&store, &workers()).expect("settled"), 0);
}

#[test]
fn a_state_stored_slot_folds_its_recorded_refusal_into_its_row() {
    let store = stormcraft_runtime::open("memory:").expect("a memory store");
    let book = slot::BookAnalyserSlot {
        slot_code: "RACK-7".into(),
    };
    aggregate::handle::<slot::AnalyserSlot>(&store, book.into(), None).expect("booked");
    testing::drive(&store, &workers()).expect("the flow settles");
    assert_eq!(
        types(&store, "specimen_lab-AnalyserSlot-RACK-7"),
        ["AnalyserSlotBooked", "AnalyserRunRefused"]
    );
    let (state, version) = aggregate::load::<slot::AnalyserSlot>(&store, "RACK-7").expect("loads");
    assert_eq!((state.refusals, version), (1, 2));
    assert_eq!(recover_everything_again(&store), 1);
    let (state, version) = aggregate::load::<slot::AnalyserSlot>(&store, "RACK-7").expect("loads");
    assert_eq!(
        (state.refusals, version),
        (1, 2),
        "the refusal was folded twice"
    );
}

#[test]
fn a_pending_recording_records_nothing_and_keeps_the_rejection_listed() {
    let store = stormcraft_runtime::open("memory:").expect("a memory store");
    let sample_id = uuid::Uuid::new_v4();
    let nobody = uuid::Uuid::nil();
    let deliver = sample::DeliverSampleToLab {
        sample_id,
        patient_id: nobody,
    };
    aggregate::handle::<sample::BloodSample>(&store, deliver.into(), None).expect("delivered");
    testing::drive(&store, &workers()).expect("the flow settles");
    let stream = format!("specimen_lab-BloodSample-{sample_id}");
    assert_eq!(
        types(&store, &stream),
        ["SampleDeliveredToLab"],
        "a pending rule recorded"
    );
    let listed = rejections::list(&store, "specimen_lab", 10).expect("listed");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["error"], "SampleMislaid");
    let text = pathology_lab_specimen_lab::policies::pending(
        "record_analyse_delivered_samples_on_sample_mislaid",
    );
    assert_eq!(
        text,
        Some("not implemented: write `record_analyse_delivered_samples_on_sample_mislaid` in src/rules/policies.rs")
    );
    assert!(pathology_lab_specimen_lab::pending_rules().contains(&text.unwrap()));
}
