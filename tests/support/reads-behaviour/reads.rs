//! The generated policies of `tests/fixtures/generate/reads.yaml` that read a read
//! model, driven on a memory store with the default rules: the command is filled from
//! the row of the trigger event's key (mapped from another context's published event,
//! or under its own name), a missing row refuses the command with a `RowMissing`
//! rejection instead of inventing its values, and the row fields nothing sets (one
//! computed by the projection rules, one no event carries) stay `null`; another
//! context's record of the same shape (`Dosage`, its enum inside) is converted by the
//! defaults, and one of a near shape (`Prescriber`) leaves its rule pending.

use veterinary_clinic_network_consultations as consultations;
use veterinary_clinic_network_pharmacy as pharmacy;

use consultations::consultation;
use pharmacy::medication_stock as stock;
use pharmacy::projections::MedicationShelves;
use stormcraft_runtime::projection::Row;
use stormcraft_runtime::{aggregate, rejections, testing, Store};

fn store() -> Store {
    stormcraft_runtime::open("memory:").expect("a memory store")
}

fn workers() -> Vec<stormcraft_runtime::worker::Worker> {
    [consultations::workers(), pharmacy::workers()].concat()
}

fn prescribe(store: &Store, consultation: &str, medication: &str, doses: u32) {
    let command = consultation::PrescribeMedication {
        consultation_id: testing::symbolic_uuid(consultation),
        patient_chip_number: "CHIP-900215000123456".to_owned(),
        medication: medication.to_owned(),
        doses,
        dosage: consultations::types::Dosage {
            amount: 1,
            unit: consultations::types::DoseUnit::Tablet,
            per_day: Some(vec![8, 20]),
        },
        prescriber: consultations::types::Prescriber {
            name: "Dr. Ingrid Solberg".to_owned(),
            licence_number: "NO-VET-4711".to_owned(),
        },
    };
    aggregate::handle::<consultation::Consultation>(store, command.into(), None)
        .expect("prescribed");
}

/// The payloads of the events of type `event_type`, in global order.
fn recorded(store: &Store, event_type: &str) -> Vec<serde_json::Value> {
    store
        .read_all(0, 10_000)
        .expect("readable")
        .into_iter()
        .filter(|e| e.event_type == event_type)
        .map(|e| e.payload)
        .collect()
}

#[test]
fn a_policy_fills_its_command_from_the_row_it_reads_and_refuses_without_one() {
    let store = store();
    let delivery = stock::ReceiveDelivery {
        drug_code: "AMOXICILLIN-250MG".to_owned(),
        supplier_code: "VETSUPPLY-NORD".to_owned(),
        quantity: 100,
        shelf: "B-3".to_owned(),
    };
    aggregate::handle::<stock::MedicationStock>(&store, delivery.into(), None)
        .expect("delivered");
    testing::drive(&store, &workers()).expect("the projection settles");
    prescribe(&store, "consultation-1", "AMOXICILLIN-250MG", 14);
    prescribe(&store, "consultation-2", "NOT-STOCKED-9", 3);
    testing::drive(&store, &workers()).expect("the policies settle");

    // `ReserveDoses` of the stocked medication: its id and shelf from the row (found by
    // the event's `medication`), the patient and the doses from the event.
    let reserved = recorded(&store, "DosesReserved");
    assert_eq!(reserved.len(), 1, "{reserved:?}");
    assert_eq!(reserved[0]["drug_code"], "AMOXICILLIN-250MG");
    assert_eq!(reserved[0]["shelf"], "B-3");
    assert_eq!(reserved[0]["doses"], 14);
    assert_eq!(reserved[0]["patient_chip_number"], "CHIP-900215000123456");
    // Consultations' `Dosage` converted into pharmacy's own, its nested enum too.
    assert_eq!(
        reserved[0]["dosage"],
        serde_json::json!({"amount": 1, "unit": "Tablet", "per_day": [8, 20]})
    );

    // `ReorderFromSupplier`, from the row of the event's own `drug_code`: the supplier
    // from the row; the units on hand are computed by a projection rule nobody wrote,
    // so the row holds none and neither does the command.
    let reordered = recorded(&store, "ReorderPlaced");
    assert_eq!(reordered.len(), 1, "{reordered:?}");
    assert_eq!(reordered[0]["supplier_code"], "VETSUPPLY-NORD");
    assert_eq!(reordered[0]["units_on_hand"], serde_json::Value::Null);

    // No row for the other medication: refused, not issued with made-up values.
    let listed = rejections::list(&store, "pharmacy", 100).expect("the rejections");
    let of = |command: &str, error: &str| -> Vec<&serde_json::Value> {
        listed
            .iter()
            .filter(|r| r["command"] == command && r["error"] == error)
            .collect()
    };
    let refused = of("ReserveDoses", stormcraft_runtime::policy::ROW_MISSING);
    assert_eq!(refused.len(), 1, "{listed:?}");
    assert_eq!(of("ReserveDoses", "NotImplemented").len(), 0, "{listed:?}");
    // The near shape: the stocked medication's prescriber waits for its rule.
    assert_eq!(of("RecordPrescriber", "NotImplemented").len(), 1, "{listed:?}");
    assert!(recorded(&store, "PrescriberRecorded").is_empty());
    let message = refused[0]["message"].as_str().unwrap();
    assert!(
        message.contains("no row `NOT-STOCKED-9` in read model `pharmacy.MedicationShelves`"),
        "{message}"
    );

    // The row shows `null` where nothing gave a value, never a zero.
    let doc = store
        .load_doc(MedicationShelves::TABLE, "AMOXICILLIN-250MG")
        .expect("readable")
        .expect("the row");
    assert_eq!(doc["units_on_hand"], serde_json::Value::Null);
    assert_eq!(doc["storage_temperature_celsius"], serde_json::Value::Null);
    assert_eq!(doc["shelf"], "B-3");

    // The projection copies consultations' `Dosage` into its row.
    let consultation = testing::symbolic_uuid("consultation-1").to_string();
    let dosage = store
        .load_doc(pharmacy::projections::DosagesByConsultation::TABLE, &consultation)
        .expect("readable")
        .expect("the dosage row");
    assert_eq!(dosage["dosage"]["unit"], "Tablet");

    // The computed field is a pending projection rule, reported at startup.
    let pending = pharmacy::pending_rules();
    assert!(
        pending
            .iter()
            .any(|p| p.contains("`units_on_hand` of `MedicationShelves` is computed")),
        "{pending:?}"
    );
}
