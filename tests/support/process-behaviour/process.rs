//! The generated processes driven across both contexts on a memory store: the deposit
//! saga asks card payments through its inbox, hands the keys over on the authorisation
//! and completes; a refused handover reaches the reaction's `on_error:` compensation;
//! the deadline cancels an agreement whose deposit never came (manual clock).

use city_car_rental_desk_rental_desk::rental_agreement as desk;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use stormcraft_runtime::clock::ManualClock;
use stormcraft_runtime::{aggregate, rejections, testing, Store};

const INSTANCE: &str = "rental_desk-DepositCollectionBeforeHandover";

fn store_at(clock: &ManualClock) -> Store {
    stormcraft_runtime::open("memory:")
        .expect("a memory store")
        .with_clock(Arc::new(clock.clone()))
}

fn workers() -> Vec<stormcraft_runtime::worker::Worker> {
    [
        city_car_rental_desk_rental_desk::workers(),
        city_car_rental_desk_card_payments::workers(),
    ]
    .concat()
}

fn open(store: &Store, code: &str, deposit_cents: i64) {
    let command = desk::OpenRentalAgreement {
        agreement_code: code.to_owned(),
        deposit_cents,
        renter_email: "ada@example.com".to_owned(),
        promo_code: Some("SPRING".to_owned()),
    };
    aggregate::handle::<desk::RentalAgreement>(store, command.into(), None).expect("opened");
}

fn types(store: &Store, stream: &str) -> Vec<String> {
    let events = store.read_stream(stream, 1, 100).expect("readable");
    events.into_iter().map(|e| e.event_type).collect()
}

#[test]
fn an_authorised_deposit_hands_the_keys_over_and_completes() {
    let store = store_at(&ManualClock::new(SystemTime::now()));
    open(&store, "AGR-7", 25_000);
    testing::drive(&store, &workers()).expect("the flow settles");
    assert_eq!(
        types(&store, "rental_desk-RentalAgreement-AGR-7"),
        ["RentalAgreementOpened", "CarKeysHandedOver"]
    );
    assert_eq!(
        types(&store, &format!("{INSTANCE}-AGR-7")),
        ["EventHandled", "EventHandled", "EventHandled", "ProcessCompleted"]
    );
    // The deadline was cancelled by the authorisation; nothing refused, nothing pending.
    assert!(store.pending_timers().unwrap().is_empty());
    assert_eq!(rejections::count(&store, "rental_desk").unwrap(), 0);
    // Handling everything again changes nothing.
    let before = store.read_all(0, 10_000).unwrap().len();
    testing::drive(&store, &workers()).expect("settled");
    assert_eq!(store.read_all(0, 10_000).unwrap().len(), before);
}

#[test]
fn a_refused_handover_is_compensated_by_the_reactions_on_error() {
    let store = store_at(&ManualClock::new(SystemTime::now()));
    open(&store, "AGR-8", 50);
    testing::drive(&store, &workers()).expect("the flow settles");
    let listed = rejections::list(&store, "rental_desk", 10).unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        listed[0]["policy"],
        "DepositCollectionBeforeHandoverOnCardDepositAuthorised"
    );
    assert_eq!(listed[0]["command"], "HandOverCarKeys");
    assert_eq!(listed[0]["error"], "AgreementCancelled");
    // The compensation's default copied the refused command's fields.
    assert_eq!(
        types(&store, "rental_desk-RentalAgreement-AGR-8"),
        ["RentalAgreementOpened", "AgreementFlaggedForReview"]
    );
}

#[test]
fn a_deposit_never_authorised_cancels_the_agreement_after_30_minutes() {
    let clock = ManualClock::new(SystemTime::now());
    let store = store_at(&clock);
    // Card payments does not run: the deposit is never authorised.
    let desk_only = city_car_rental_desk_rental_desk::workers();
    open(&store, "AGR-9", 25_000);
    testing::drive(&store, &desk_only).expect("settles");
    clock.advance(Duration::from_secs(29 * 60));
    testing::drive(&store, &desk_only).expect("settles");
    assert_eq!(
        types(&store, "rental_desk-RentalAgreement-AGR-9"),
        ["RentalAgreementOpened"]
    );
    clock.advance(Duration::from_secs(2 * 60));
    testing::drive(&store, &desk_only).expect("settles");
    // The default built the cancellation from the state the opening set.
    let agreement = store
        .read_stream("rental_desk-RentalAgreement-AGR-9", 1, 10)
        .unwrap();
    let kinds: Vec<&str> = agreement.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(kinds, ["RentalAgreementOpened", "RentalAgreementCancelled"]);
    assert_eq!(agreement[1].payload["deposit_cents"], 25_000);
    assert_eq!(agreement[1].payload["promo_code"], "SPRING");
    assert_eq!(
        types(&store, &format!("{INSTANCE}-AGR-9")),
        ["EventHandled", "DeadlineDue", "EventHandled", "ProcessCompleted"]
    );
}

#[test]
fn a_written_process_rule_leaves_the_startup_log() {
    let method = "deposit_collection_before_handover_on_rental_agreement_opened";
    let text = format!("not implemented: write `{method}` in src/rules/processes.rs");
    // Pending by default (the generated table says so), written here.
    assert!(city_car_rental_desk_rental_desk::processes::PENDING
        .iter()
        .any(|(m, t)| *m == method && *t == text));
    assert_eq!(city_car_rental_desk_rental_desk::processes::pending(method), None);
    let logged = city_car_rental_desk_rental_desk::pending_rules();
    assert!(!logged.iter().any(|t| *t == text), "{logged:?}");
}
