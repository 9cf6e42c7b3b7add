//! The generated read-model shapes of `tests/fixtures/generate/read_models.yaml`, driven
//! on a memory store with the default rules: a key mapped from another field name
//! (`tracked_consignment`), a composite key, a row deleted by an event, one event
//! changing every row that matches a field, a history of every event in order, and list
//! queries with the declared filters, a limit and a cursor.

use freight_forwarding_network_consignment_planning_and_dispatch as dispatch;
use freight_forwarding_network_customs_clearance_brokerage as customs;

use dispatch::consignment_booking_with_a_very_long_aggregate_name as booking;
use dispatch::projections::{
    ConsignmentJourneyTimeline, ConsignmentsAwaitingDispatch, ScansPerTerminalAndConsignment,
};
use dispatch::terminal_roster as roster;
use stormcraft_runtime::projection::{composite_key, Row};
use stormcraft_runtime::{aggregate, testing, DocQuery, Store};

fn store() -> Store {
    stormcraft_runtime::open("memory:").expect("a memory store")
}

fn workers() -> Vec<stormcraft_runtime::worker::Worker> {
    [dispatch::workers(), customs::workers()].concat()
}

fn book(store: &Store, id: uuid::Uuid, terminal: &str, grams: i64) {
    let command = booking::BookConsignmentForInternationalCarriage {
        consignment_reference: id,
        shipper_account_number: format!("ACC-{grams}"),
        destination_terminal_code: terminal.to_owned(),
        declared_weight_grams: grams,
    };
    aggregate::handle::<booking::ConsignmentBookingWithAVeryLongAggregateName>(
        store,
        command.into(),
        None,
    )
    .expect("booked");
}

fn scan(store: &Store, id: uuid::Uuid, terminal: &str) {
    let command = booking::RecordCheckpointScanAtTerminal {
        consignment_reference: id,
        terminal_code: terminal.to_owned(),
        scanned_at: chrono::DateTime::from_timestamp(1_767_000_000, 0).unwrap(),
    };
    aggregate::handle::<booking::ConsignmentBookingWithAVeryLongAggregateName>(
        store,
        command.into(),
        None,
    )
    .expect("scanned");
}

fn row<R: Row>(store: &Store, key: &str) -> Option<R> {
    let doc = store.load_doc(R::TABLE, key).expect("readable")?;
    Some(serde_json::from_value(doc).expect("a row"))
}

fn rows<R: Row>(store: &Store, filters: &[(&str, &str)]) -> Vec<R> {
    let query = DocQuery {
        filters: filters
            .iter()
            .map(|(f, v)| ((*f).to_owned(), (*v).to_owned()))
            .collect(),
        after: None,
        limit: 1000,
    };
    let page = store.query_docs(R::TABLE, &query).expect("a page");
    page.docs
        .into_iter()
        .map(|(_, doc)| serde_json::from_value(doc).expect("a row"))
        .collect()
}

#[test]
fn each_shape_of_read_model_is_projected() {
    let store = store();
    let first = testing::symbolic_uuid("consignment-1");
    let second = testing::symbolic_uuid("consignment-2");
    let third = testing::symbolic_uuid("consignment-3");
    book(&store, first, "AMS", 1200);
    book(&store, second, "AMS", 800);
    book(&store, third, "RTM", 500);
    scan(&store, first, "FRA");
    scan(&store, first, "AMS");
    let cancel = booking::CancelConsignmentBooking {
        consignment_reference: second,
    };
    aggregate::handle::<booking::ConsignmentBookingWithAVeryLongAggregateName>(
        &store,
        cancel.into(),
        None,
    )
    .expect("cancelled");
    let rename = roster::RenameTerminal {
        terminal_code: "AMS".to_owned(),
        display_name: "Amsterdam Schiphol".to_owned(),
    };
    aggregate::handle::<roster::TerminalRoster>(&store, rename.into(), None).expect("renamed");
    let declaration = customs::customs_declaration::FileCustomsDeclaration {
        declaration_id: testing::symbolic_uuid("declaration-1"),
        tracked_consignment: third,
    };
    aggregate::handle::<customs::customs_declaration::CustomsDeclaration>(
        &store,
        declaration.into(),
        None,
    )
    .expect("filed");
    testing::drive(&store, &workers()).expect("the projections settle");

    // Mapped fields (`set:`), the delete, and the `where:` over every AMS row.
    let awaiting = row::<ConsignmentsAwaitingDispatch>(&store, &first.to_string()).unwrap();
    assert_eq!(awaiting.weight_grams, 1200);
    assert_eq!(awaiting.last_terminal_code.as_deref(), Some("AMS"));
    assert_eq!(
        awaiting.destination_terminal_name.as_deref(),
        Some("Amsterdam Schiphol")
    );
    assert!(row::<ConsignmentsAwaitingDispatch>(&store, &second.to_string()).is_none());
    let rotterdam = row::<ConsignmentsAwaitingDispatch>(&store, &third.to_string()).unwrap();
    assert_eq!(rotterdam.destination_terminal_name, None, "not an AMS row");
    // No source sets `stage`: it stays unset, never a made-up value.
    assert_eq!(awaiting.stage, None);
    let at_ams = rows::<ConsignmentsAwaitingDispatch>(&store, &[("destination_terminal_code", "AMS")]);
    assert_eq!(at_ams.len(), 1);
    assert_eq!(ConsignmentsAwaitingDispatch::FILTERS, ["stage"]);
    // The `where:` field is indexed too, though no list query filters on it.
    assert_eq!(
        ConsignmentsAwaitingDispatch::INDEXES,
        ["stage", "destination_terminal_code"]
    );

    // A composite key: one row per (terminal, consignment).
    assert_eq!(
        ScansPerTerminalAndConsignment::KEY,
        ["terminal_code", "consignment_reference"]
    );
    for terminal in ["FRA", "AMS"] {
        let key = composite_key(&[terminal, &first.to_string()]);
        let scans = row::<ScansPerTerminalAndConsignment>(&store, &key).unwrap();
        assert_eq!(scans.terminal_code, terminal);
        assert_eq!(scans.consignment_reference, first);
    }
    assert_eq!(rows::<ScansPerTerminalAndConsignment>(&store, &[]).len(), 2);

    // A history: one row per event, in the order recorded, also for the cancelled one.
    let timeline = rows::<ConsignmentJourneyTimeline>(&store, &[]);
    let order: Vec<uuid::Uuid> = timeline.iter().map(|r| r.consignment_reference).collect();
    assert_eq!(order, [first, second, third, first, first, second]);
    assert_eq!(
        timeline[3].terminal_code.as_deref(),
        Some("FRA"),
        "the first scan"
    );
    let of_first = rows::<ConsignmentJourneyTimeline>(
        &store,
        &[("consignment_reference", &first.to_string())],
    );
    assert_eq!(of_first.len(), 3);

    // A key mapped from a differently named field of another context's reader.
    let reviewed = row::<customs::projections::ConsignmentsUnderCustomsReview>(
        &store,
        &third.to_string(),
    )
    .unwrap();
    assert_eq!(reviewed.consignment_reference, third);
    assert_eq!(
        reviewed.declaration_id,
        Some(testing::symbolic_uuid("declaration-1"))
    );
    assert_eq!(reviewed.declared_weight_grams, Some(500));
    // Deleted by the other context's cancellation.
    assert!(row::<customs::projections::ConsignmentsUnderCustomsReview>(
        &store,
        &second.to_string()
    )
    .is_none());

    // Handling everything again changes nothing: no history row twice.
    testing::drive(&store, &workers()).expect("settled");
    assert_eq!(rows::<ConsignmentJourneyTimeline>(&store, &[]).len(), 6);
}
