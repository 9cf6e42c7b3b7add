//! Process managers (`stormcraft_runtime::process`) on every backend: instances per key,
//! state as the fold of the instance's own stream, starting, ignoring, completing,
//! handling an event once also when it is handled again, and deadlines on durable
//! timers that an `unless` event or the completion cancels.

mod common;

use std::sync::{Arc, Barrier};
use std::time::{Duration, SystemTime};

use serde_json::json;
use stormcraft_runtime::aggregate::Cause;
use stormcraft_runtime::clock::ManualClock;
use stormcraft_runtime::process::{
    self, Deadline, Handled, Handles, Process, Step, DEADLINE_DUE, EVENT_HANDLED, PROCESS_COMPLETED,
};
use stormcraft_runtime::{ExpectedVersion, NewEvent, RecordedEvent, Store};

use common::Fixture;

/// A rental car's deposit: the rental starts it, the payment (another context's event,
/// whose key field is named otherwise) confirms, the return or a cancellation ends it,
/// and an unpaid deposit times out after 20 minutes unless the payment came.
const DEPOSIT: Process = Process {
    consumer: "rentals.DepositCollection",
    category: "rentals-DepositCollection",
    handles: &[
        Handles {
            category: "rentals-CarRental",
            event_type: "CarRented",
            key_field: "rental_id",
            start: true,
            complete: false,
            cancels: &[],
        },
        Handles {
            category: "billing-Payment",
            event_type: "DepositPaid",
            key_field: "rental_ref",
            start: false,
            complete: false,
            cancels: &["DepositOverdue"],
        },
        Handles {
            category: "rentals-CarRental",
            event_type: "CarReturned",
            key_field: "rental_id",
            start: false,
            complete: true,
            cancels: &[],
        },
    ],
    deadlines: &[Deadline {
        name: "DepositOverdue",
        after: Duration::from_secs(20 * 60),
    }],
};

/// What `react` saw, one line per call: the event (or deadline) and the history's
/// event types, so a test can compare what the rules were asked.
#[derive(Default)]
struct Seen(Vec<String>);

impl Seen {
    fn react(&mut self) -> impl FnMut(Step<'_>) -> stormcraft_runtime::Result<()> + '_ {
        move |step: Step<'_>| {
            let history: Vec<&str> = step.history.iter().map(|e| e.event_type).collect();
            let what = match step.deadline {
                Some(name) => format!("deadline {name}"),
                None => step.cause.event.event_type.clone(),
            };
            self.0.push(format!(
                "{} {what} after [{}]",
                step.key,
                history.join(", ")
            ));
            Ok(())
        }
    }
}

fn append(
    store: &Store,
    stream: &str,
    event_type: &str,
    payload: serde_json::Value,
) -> RecordedEvent {
    store
        .append(
            stream,
            ExpectedVersion::Any,
            vec![NewEvent::new(event_type, 1, payload)],
        )
        .unwrap();
    let version = store.stream_version(stream).unwrap();
    store.read_stream(stream, version, 1).unwrap().remove(0)
}

fn handle(store: &Store, event: &RecordedEvent, seen: &mut Seen) -> Handled {
    let cause = Cause {
        consumer: DEPOSIT.consumer,
        event,
    };
    process::handle(store, cause, &DEPOSIT, &mut seen.react()).unwrap()
}

fn types(store: &Store, stream: &str) -> Vec<String> {
    store
        .read_stream(stream, 1, 100)
        .unwrap()
        .into_iter()
        .map(|r| r.event_type)
        .collect()
}

mod suite {
    use super::*;

    pub fn starts_records_ignores_and_completes(f: &Fixture) {
        let s = &f.store;
        let mut seen = Seen::default();
        // Not a start, and no instance of its key: ignored, nothing written.
        let early = append(
            s,
            "billing-Payment-9",
            "DepositPaid",
            json!({"rental_ref": "r-1"}),
        );
        assert_eq!(handle(s, &early, &mut seen), Handled::NoInstance);
        assert!(types(s, "rentals-DepositCollection-r-1").is_empty());
        // Not an event of the process at all.
        let other = append(
            s,
            "rentals-CarRental-r-1",
            "CarWashed",
            json!({"rental_id": "r-1"}),
        );
        assert_eq!(handle(s, &other, &mut seen), Handled::NotHandled);

        let rented = append(
            s,
            "rentals-CarRental-r-1",
            "CarRented",
            json!({"rental_id": "r-1", "amount": 300}),
        );
        assert_eq!(handle(s, &rented, &mut seen), Handled::Recorded);
        let paid = append(
            s,
            "billing-Payment-9",
            "DepositPaid",
            json!({"rental_ref": "r-1"}),
        );
        assert_eq!(handle(s, &paid, &mut seen), Handled::Recorded);
        let returned = append(
            s,
            "rentals-CarRental-r-1",
            "CarReturned",
            json!({"rental_id": "r-1"}),
        );
        assert_eq!(handle(s, &returned, &mut seen), Handled::Recorded);
        let stream = "rentals-DepositCollection-r-1";
        assert_eq!(
            types(s, stream),
            [
                EVENT_HANDLED,
                EVENT_HANDLED,
                EVENT_HANDLED,
                PROCESS_COMPLETED
            ]
        );
        // The entry names the handled event, with its payload.
        let first = &s.read_stream(stream, 1, 1).unwrap()[0];
        assert_eq!(first.payload["event_type"], "CarRented");
        assert_eq!(first.payload["event_id"], rented.id.to_string());
        assert_eq!(first.payload["stream"], "rentals-CarRental-r-1");
        assert_eq!(first.payload["payload"]["amount"], 300);
        assert_eq!(first.metadata.causation_id, Some(rented.id));
        // Completed: a later event of its key is ignored.
        let late = append(
            s,
            "billing-Payment-9",
            "DepositPaid",
            json!({"rental_ref": "r-1"}),
        );
        assert_eq!(handle(s, &late, &mut seen), Handled::Completed);
        assert_eq!(types(s, stream).len(), 4);
        assert_eq!(
            seen.0,
            [
                "r-1 CarRented after [CarRented]",
                "r-1 DepositPaid after [CarRented, DepositPaid]",
                "r-1 CarReturned after [CarRented, DepositPaid, CarReturned]",
            ]
        );
    }

    pub fn an_event_handled_again_is_recorded_once(f: &Fixture) {
        let s = &f.store;
        let mut seen = Seen::default();
        let rented = append(
            s,
            "rentals-CarRental-r-2",
            "CarRented",
            json!({"rental_id": "r-2"}),
        );
        assert_eq!(handle(s, &rented, &mut seen), Handled::Recorded);
        let paid = append(
            s,
            "billing-Payment-1",
            "DepositPaid",
            json!({"rental_ref": "r-2"}),
        );
        assert_eq!(handle(s, &paid, &mut seen), Handled::Recorded);
        // As after a crash between the append and the checkpoint: both again.
        assert_eq!(handle(s, &rented, &mut seen), Handled::Replayed);
        assert_eq!(handle(s, &paid, &mut seen), Handled::Replayed);
        assert_eq!(
            types(s, "rentals-DepositCollection-r-2"),
            [EVENT_HANDLED, EVENT_HANDLED]
        );
        // Acted on again with the history it had the first time.
        assert_eq!(
            seen.0,
            [
                "r-2 CarRented after [CarRented]",
                "r-2 DepositPaid after [CarRented, DepositPaid]",
                "r-2 CarRented after [CarRented]",
                "r-2 DepositPaid after [CarRented, DepositPaid]",
            ]
        );
        // The start again schedules the same one timer, not a second one.
        assert_eq!(
            s.pending_timers().unwrap().len(),
            0,
            "the payment cancelled it"
        );
    }

    pub fn keys_are_independent_instances(f: &Fixture) {
        let s = &f.store;
        let mut seen = Seen::default();
        for key in ["a", "b"] {
            let rented = append(
                s,
                &format!("rentals-CarRental-{key}"),
                "CarRented",
                json!({"rental_id": key}),
            );
            assert_eq!(handle(s, &rented, &mut seen), Handled::Recorded);
        }
        let returned = append(
            s,
            "rentals-CarRental-a",
            "CarReturned",
            json!({"rental_id": "a"}),
        );
        assert_eq!(handle(s, &returned, &mut seen), Handled::Recorded);
        let paid = append(
            s,
            "billing-Payment-2",
            "DepositPaid",
            json!({"rental_ref": "b"}),
        );
        assert_eq!(
            handle(s, &paid, &mut seen),
            Handled::Recorded,
            "b is not completed"
        );
        assert_eq!(
            types(s, "rentals-DepositCollection-a").last().unwrap(),
            PROCESS_COMPLETED
        );
        assert_eq!(
            types(s, "rentals-DepositCollection-b"),
            [EVENT_HANDLED, EVENT_HANDLED]
        );
        // Numbers are keys too; a missing key is not handled.
        let numbered = append(
            s,
            "rentals-CarRental-7",
            "CarRented",
            json!({"rental_id": 7}),
        );
        assert_eq!(handle(s, &numbered, &mut seen), Handled::Recorded);
        assert_eq!(types(s, "rentals-DepositCollection-7"), [EVENT_HANDLED]);
        let keyless = append(
            s,
            "rentals-CarRental-x",
            "CarRented",
            json!({"rental_id": null}),
        );
        assert_eq!(handle(s, &keyless, &mut seen), Handled::NotHandled);
    }

    pub fn concurrent_events_of_one_key_are_all_recorded(f: &Fixture) {
        let s = &f.store;
        let mut seen = Seen::default();
        let rented = append(
            s,
            "rentals-CarRental-c",
            "CarRented",
            json!({"rental_id": "c"}),
        );
        handle(s, &rented, &mut seen);
        let events: Vec<RecordedEvent> = (0..4)
            .map(|i| {
                append(
                    s,
                    &format!("billing-Payment-c{i}"),
                    "DepositPaid",
                    json!({"rental_ref": "c"}),
                )
            })
            .collect();
        let barrier = Arc::new(Barrier::new(events.len()));
        let threads: Vec<_> = events
            .into_iter()
            .map(|event| {
                let store = s.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut seen = Seen::default();
                    handle(&store, &event, &mut seen)
                })
            })
            .collect();
        for thread in threads {
            assert_eq!(thread.join().unwrap(), Handled::Recorded);
        }
        assert_eq!(types(s, "rentals-DepositCollection-c").len(), 5);
    }

    pub fn a_deadline_fires_once_unless_cancelled(f: &Fixture) {
        let clock = ManualClock::new(SystemTime::now());
        let s = &f.store.clone().with_clock(Arc::new(clock.clone()));
        let mut seen = Seen::default();
        // d-1: nobody pays; d-2: paid in time; d-3: returned (completed) in time.
        for key in ["d-1", "d-2", "d-3"] {
            let rented = append(
                s,
                &format!("rentals-CarRental-{key}"),
                "CarRented",
                json!({"rental_id": key}),
            );
            assert_eq!(handle(s, &rented, &mut seen), Handled::Recorded);
        }
        assert_eq!(s.pending_timers().unwrap().len(), 3);
        let paid = append(
            s,
            "billing-Payment-3",
            "DepositPaid",
            json!({"rental_ref": "d-2"}),
        );
        handle(s, &paid, &mut seen);
        let returned = append(
            s,
            "rentals-CarRental-d-3",
            "CarReturned",
            json!({"rental_id": "d-3"}),
        );
        handle(s, &returned, &mut seen);
        let pending: Vec<String> = s
            .pending_timers()
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(pending, ["rentals.DepositCollection/d-1/DepositOverdue"]);
        assert_eq!(s.fire_due().unwrap(), 0, "not due yet");
        clock.advance(Duration::from_secs(20 * 60 + 1));
        assert_eq!(s.fire_due().unwrap(), 1);
        let stream = "rentals-DepositCollection-d-1";
        assert_eq!(types(s, stream), [EVENT_HANDLED, DEADLINE_DUE]);
        let due = s.read_stream(stream, 2, 1).unwrap().remove(0);
        seen.0.clear();
        assert_eq!(handle(s, &due, &mut seen), Handled::DeadlineFired);
        assert_eq!(seen.0, ["d-1 deadline DepositOverdue after [CarRented]"]);
        // Handled again (a crash before the checkpoint): acted on again, idempotently;
        // nothing is appended.
        assert_eq!(handle(s, &due, &mut seen), Handled::DeadlineFired);
        assert_eq!(types(s, stream).len(), 2);
        assert_eq!(s.fire_due().unwrap(), 0, "fired once");
    }

    pub fn a_deadline_that_fires_after_its_cancel_is_ignored(f: &Fixture) {
        let s = &f.store;
        let mut seen = Seen::default();
        let rented = append(
            s,
            "rentals-CarRental-e",
            "CarRented",
            json!({"rental_id": "e"}),
        );
        handle(s, &rented, &mut seen);
        let paid = append(
            s,
            "billing-Payment-4",
            "DepositPaid",
            json!({"rental_ref": "e"}),
        );
        handle(s, &paid, &mut seen);
        // The timer fired before its cancel took: the deadline's event is in the stream
        // after the payment's entry, and the process knows better.
        let stream = "rentals-DepositCollection-e";
        s.append(
            stream,
            ExpectedVersion::Any,
            vec![NewEvent::new(
                DEADLINE_DUE,
                1,
                json!({"deadline": "DepositOverdue", "key": "e"}),
            )],
        )
        .unwrap();
        let due = s.read_stream(stream, 3, 1).unwrap().remove(0);
        seen.0.clear();
        assert_eq!(handle(s, &due, &mut seen), Handled::Completed);
        assert!(seen.0.is_empty());
    }
}

macro_rules! processes {
    ($backend:ident, $factory:path) => {
        mod $backend {
            use super::*;
            processes!(@tests $factory;
                starts_records_ignores_and_completes, an_event_handled_again_is_recorded_once,
                keys_are_independent_instances, concurrent_events_of_one_key_are_all_recorded,
                a_deadline_fires_once_unless_cancelled,
                a_deadline_that_fires_after_its_cancel_is_ignored);
        }
    };
    (@tests $factory:path; $($test:ident),*) => {
        $(
            #[test]
            fn $test() {
                // `None`: the backend is unavailable here and the fixture said why.
                if let Some(f) = $factory() {
                    suite::$test(&f);
                }
            }
        )*
    };
}

processes!(memory, common::memory);
#[cfg(feature = "sqlite")]
processes!(sqlite, common::sqlite);
#[cfg(feature = "postgres")]
processes!(postgres, common::postgres);

#[test]
fn the_worker_reads_the_handled_events_and_its_own_deadlines() {
    let selectors = DEPOSIT.selectors();
    assert_eq!(selectors.len(), 4);
    assert_eq!(DEPOSIT.stream("r-1"), "rentals-DepositCollection-r-1");
    assert_eq!(
        DEPOSIT.timer_id("r-1", "DepositOverdue"),
        "rentals.DepositCollection/r-1/DepositOverdue"
    );
}
