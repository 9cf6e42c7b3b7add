//! One conformance suite, instantiated for every backend by `conformance!`.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;
use stormcraft_runtime::{
    ConsumerCommit, DocOp, Error, EventSelector, ExpectedVersion, Filter, Metadata, NewEvent,
    Store, Upcasters, Uuid,
};

use common::Fixture;

fn ev(t: &str, n: i64) -> NewEvent {
    NewEvent::new(t, 1, json!({ "n": n }))
}

/// Waits (bounded) until `consumer` has handled everything up to the head.
fn wait_caught_up(store: &Store, consumer: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let head = store.head_position().unwrap();
    while store.checkpoint(consumer).unwrap() < head {
        assert!(Instant::now() < deadline, "subscriber did not catch up");
        std::thread::sleep(Duration::from_millis(5));
    }
}

mod suite {
    use super::*;

    pub fn append_and_read(f: &Fixture) {
        let s = &f.store;
        let cause = Uuid::new_v4();
        let mut first = ev("OrderPlaced", 1);
        first.metadata = Metadata {
            correlation_id: Some(cause),
            causation_id: Some(cause),
        };
        let second = NewEvent::new(
            "OrderPaid",
            2,
            json!({"text": "ünïcødé \u{0} \"q\"", "list": [1, 2.5, null]}),
        );
        let r = s
            .append(
                "ordering-Order-1",
                ExpectedVersion::NoStream,
                vec![first.clone(), second.clone()],
            )
            .unwrap();
        assert_eq!(r.stream_version, 2);
        assert_eq!(r.positions, vec![1, 2]);
        let r = s
            .append(
                "ordering-Order-2",
                ExpectedVersion::Any,
                vec![ev("OrderPlaced", 3)],
            )
            .unwrap();
        assert_eq!((r.stream_version, r.positions), (1, vec![3]));

        let read = s.read_stream("ordering-Order-1", 1, 100).unwrap();
        assert_eq!(read.len(), 2);
        for (got, want) in read.iter().zip([&first, &second]) {
            assert_eq!(got.id, want.id);
            assert_eq!(got.event_type, want.event_type);
            assert_eq!(got.schema_version, want.schema_version);
            assert_eq!(got.payload, want.payload);
            assert_eq!(got.metadata, want.metadata);
            assert_eq!(got.stream, "ordering-Order-1");
            let age = SystemTime::now()
                .duration_since(got.recorded_at)
                .unwrap_or_default();
            assert!(age < Duration::from_secs(60));
        }
        assert_eq!((read[0].version, read[0].position), (1, 1));
        assert_eq!((read[1].version, read[1].position), (2, 2));
        assert_eq!(s.read_stream("ordering-Order-1", 2, 100).unwrap().len(), 1);
        assert_eq!(
            s.read_stream("ordering-Order-1", 1, 1).unwrap()[0].version,
            1
        );
        assert_eq!(s.read_stream("ordering-Order-1", 3, 100).unwrap().len(), 0);
        assert!(s.read_stream("missing-X-1", 1, 100).unwrap().is_empty());

        let all = s.read_all(0, 100).unwrap();
        assert_eq!(
            all.iter().map(|e| e.position).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        let page = s.read_all(1, 1).unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].position, 2);
        assert!(s.read_all(3, 10).unwrap().is_empty());
        assert_eq!(s.stream_version("ordering-Order-1").unwrap(), 2);
        assert_eq!(s.stream_version("missing-X-1").unwrap(), 0);
        assert_eq!(s.head_position().unwrap(), 3);
    }

    pub fn expected_versions(f: &Fixture) {
        let s = &f.store;
        let wrong = |r: Result<_, Error>, want_actual: u64| match r {
            Err(Error::WrongExpectedVersion { actual, .. }) => assert_eq!(actual, want_actual),
            other => panic!("expected a version conflict, got {other:?}"),
        };
        wrong(
            s.append("a-1", ExpectedVersion::StreamExists, vec![ev("E", 0)]),
            0,
        );
        wrong(
            s.append("a-1", ExpectedVersion::Exact(1), vec![ev("E", 0)]),
            0,
        );
        s.append("a-1", ExpectedVersion::Exact(0), vec![ev("E", 1)])
            .unwrap();
        wrong(
            s.append("a-1", ExpectedVersion::NoStream, vec![ev("E", 0)]),
            1,
        );
        wrong(
            s.append("a-1", ExpectedVersion::Exact(0), vec![ev("E", 0)]),
            1,
        );
        wrong(
            s.append("a-1", ExpectedVersion::Exact(5), vec![ev("E", 0)]),
            1,
        );
        s.append("a-1", ExpectedVersion::Exact(1), vec![ev("E", 2)])
            .unwrap();
        s.append("a-1", ExpectedVersion::StreamExists, vec![ev("E", 3)])
            .unwrap();
        let r = s
            .append("a-1", ExpectedVersion::Any, vec![ev("E", 4)])
            .unwrap();
        assert_eq!(r.stream_version, 4);
        // Failed appends used no positions: the global order has no gaps.
        assert_eq!(r.positions, vec![4]);
        let e = s
            .append("a-1", ExpectedVersion::Exact(3), vec![ev("E", 0)])
            .unwrap_err();
        assert!(e.to_string().contains("`a-1` is at version 4"), "{e}");
    }

    pub fn rejects_bad_input(f: &Fixture) {
        let s = &f.store;
        assert!(matches!(
            s.append("a-1", ExpectedVersion::Any, vec![]),
            Err(Error::EmptyAppend)
        ));
        assert!(matches!(
            s.append("", ExpectedVersion::Any, vec![ev("E", 0)]),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            s.append("a\0b", ExpectedVersion::Any, vec![ev("E", 0)]),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            s.append("a-1", ExpectedVersion::Any, vec![ev("", 0)]),
            Err(Error::InvalidInput(_))
        ));
        let e = ev("E", 0);
        assert!(matches!(
            s.append("a-1", ExpectedVersion::Any, vec![e.clone(), e]),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(s.load_doc("", "k"), Err(Error::InvalidInput(_))));
        assert!(matches!(
            s.read_category("", 0, 1),
            Err(Error::InvalidInput(_))
        ));
        assert_eq!(s.head_position().unwrap(), 0);
        assert!(s.read_all(u64::MAX, usize::MAX).unwrap().is_empty());
        assert!(s
            .read_stream("a-1", u64::MAX, usize::MAX)
            .unwrap()
            .is_empty());
    }

    pub fn idempotent_retry(f: &Fixture) {
        let s = &f.store;
        let batch = vec![ev("E", 1), ev("E", 2)];
        let first = s
            .append("a-1", ExpectedVersion::NoStream, batch.clone())
            .unwrap();
        s.append("b-1", ExpectedVersion::Any, vec![ev("E", 3)])
            .unwrap();
        // The retry's expected version no longer holds; it is still the same append.
        let again = s
            .append("a-1", ExpectedVersion::NoStream, batch.clone())
            .unwrap();
        assert_eq!(first, again);
        assert_eq!(s.read_stream("a-1", 1, 10).unwrap().len(), 2);
        assert_eq!(s.head_position().unwrap(), 3);
        let conflict = |r: Result<_, Error>| {
            assert!(matches!(r, Err(Error::IdempotencyConflict { .. })), "{r:?}")
        };
        conflict(s.append(
            "a-1",
            ExpectedVersion::Any,
            vec![batch[0].clone(), ev("E", 9)],
        ));
        conflict(s.append(
            "a-1",
            ExpectedVersion::Any,
            vec![ev("E", 9), batch[0].clone()],
        ));
        conflict(s.append(
            "a-1",
            ExpectedVersion::Any,
            vec![batch[1].clone(), batch[0].clone()],
        ));
        conflict(s.append("c-1", ExpectedVersion::Any, batch.clone()));
        // A single-event retry of the second event alone is not the original append either.
        let single = s
            .append("a-1", ExpectedVersion::Any, vec![batch[1].clone()])
            .unwrap();
        assert_eq!(single.stream_version, 2);
        assert_eq!(single.positions, vec![2]);
        assert_eq!(s.head_position().unwrap(), 3);
    }

    pub fn categories(f: &Fixture) {
        let s = &f.store;
        for stream in [
            "ordering-Order-1",
            "ordering-OrderLine-1",
            "ordering-Order-2",
            "billing-Invoice-1",
            "ordering-Order-1",
        ] {
            s.append(stream, ExpectedVersion::Any, vec![ev("E", 0)])
                .unwrap();
        }
        let got: Vec<(u64, String)> = s
            .read_category("ordering-Order", 0, 100)
            .unwrap()
            .into_iter()
            .map(|e| (e.position, e.stream))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "ordering-Order-1".to_string()),
                (3, "ordering-Order-2".to_string()),
                (5, "ordering-Order-1".to_string())
            ]
        );
        let page: Vec<u64> = s
            .read_category("ordering-Order", 1, 1)
            .unwrap()
            .iter()
            .map(|e| e.position)
            .collect();
        assert_eq!(page, vec![3]);
        assert_eq!(s.read_category("billing-Invoice", 0, 10).unwrap().len(), 1);
        assert_eq!(s.read_category("ordering", 0, 10).unwrap().len(), 4);
        assert!(s
            .read_category("ordering-Order-1", 0, 10)
            .unwrap()
            .is_empty());
    }

    pub fn snapshots(f: &Fixture) {
        let s = &f.store;
        assert_eq!(s.load_snapshot("a-1", 1).unwrap(), None);
        s.save_snapshot("a-1", 3, 1, json!({"total": 3})).unwrap();
        let snap = s.load_snapshot("a-1", 1).unwrap().unwrap();
        assert_eq!((snap.version, snap.state), (3, json!({"total": 3})));
        assert_eq!(
            s.load_snapshot("a-1", 2).unwrap(),
            None,
            "another schema version is ignored"
        );
        s.save_snapshot("a-1", 2, 1, json!({"total": 2})).unwrap();
        assert_eq!(
            s.load_snapshot("a-1", 1).unwrap().unwrap().version,
            3,
            "older snapshot does not win"
        );
        s.save_snapshot("a-1", 5, 1, json!({"total": 5})).unwrap();
        assert_eq!(
            s.load_snapshot("a-1", 1).unwrap().unwrap().state,
            json!({"total": 5})
        );
        s.save_snapshot("a-1", 1, 2, json!("v2")).unwrap();
        assert_eq!(
            s.load_snapshot("a-1", 2).unwrap().unwrap().state,
            json!("v2")
        );
        assert_eq!(s.load_snapshot("a-2", 1).unwrap(), None);
    }

    pub fn upcasting(f: &Fixture) {
        f.store
            .append(
                "a-1",
                ExpectedVersion::Any,
                vec![NewEvent::new("Placed", 1, json!({"qty": 2}))],
            )
            .unwrap();
        f.store
            .append(
                "a-1",
                ExpectedVersion::Any,
                vec![NewEvent::new(
                    "Placed",
                    3,
                    json!({"quantity": 7, "unit": "kg"}),
                )],
            )
            .unwrap();
        let up = Upcasters::new()
            .register("Placed", 1, |mut p| {
                p["unit"] = json!("pcs");
                Ok((2, p))
            })
            .register("Placed", 2, |p| {
                Ok((3, json!({"quantity": p["qty"], "unit": p["unit"]})))
            });
        let s = f.store.clone().with_upcasters(up);
        let read = s.read_stream("a-1", 1, 10).unwrap();
        assert_eq!(read[0].schema_version, 3);
        assert_eq!(read[0].payload, json!({"quantity": 2, "unit": "pcs"}));
        assert_eq!(read[1].payload, json!({"quantity": 7, "unit": "kg"}));
        assert_eq!(s.read_all(0, 10).unwrap()[0].schema_version, 3);
        assert_eq!(s.read_category("a", 0, 10).unwrap()[0].schema_version, 3);
        // Stored events are never rewritten.
        let raw = f.store.backend().read_stream("a-1", 1, 10).unwrap();
        assert_eq!(
            (raw[0].schema_version, &raw[0].payload),
            (1, &json!({"qty": 2}))
        );

        let failing =
            f.store
                .clone()
                .with_upcasters(Upcasters::new().register("Placed", 1, |_| Err("no".into())));
        assert!(matches!(
            failing.read_all(0, 10),
            Err(Error::Upcast {
                schema_version: 1,
                ..
            })
        ));
        let looping = f
            .store
            .clone()
            .with_upcasters(Upcasters::new().register("Placed", 1, |p| Ok((1, p))));
        assert!(matches!(looping.read_all(0, 10), Err(Error::Upcast { .. })));
    }

    fn cart_projection(
        event: &stormcraft_runtime::RecordedEvent,
        tx: &mut dyn stormcraft_runtime::ProjectionTx,
    ) -> Result<(), Error> {
        match event.event_type.as_str() {
            "ItemAdded" => {
                let old = tx
                    .get("carts", &event.stream)?
                    .and_then(|v| v["items"].as_i64())
                    .unwrap_or(0);
                tx.put(
                    "carts",
                    &event.stream,
                    json!({"items": old + event.payload["n"].as_i64().unwrap_or(0)}),
                )
            }
            "CartCleared" => tx.delete("carts", &event.stream),
            _ => Ok(()),
        }
    }

    pub fn selected_reads(f: &Fixture) {
        let s = &f.store;
        s.append(
            "shop-Cart-1",
            ExpectedVersion::Any,
            vec![ev("ItemAdded", 1), ev("CartCleared", 0)],
        )
        .unwrap();
        // A category that only shares a prefix, and another type in the same streams.
        s.append(
            "shop-CartLine-1",
            ExpectedVersion::Any,
            vec![ev("ItemAdded", 2)],
        )
        .unwrap();
        s.append(
            "billing-Invoice-1",
            ExpectedVersion::Any,
            vec![ev("InvoiceSent", 3)],
        )
        .unwrap();
        s.append(
            "shop-Cart-2",
            ExpectedVersion::Any,
            vec![ev("ItemAdded", 4)],
        )
        .unwrap();
        let selectors = [
            EventSelector::new("shop-Cart", "ItemAdded"),
            EventSelector::new("billing-Invoice", "InvoiceSent"),
        ];
        let head = s.head_position().unwrap();
        assert_eq!(head, 5);
        let got = |after, up_to, limit| -> Vec<u64> {
            s.read_selected(&selectors, after, up_to, limit)
                .unwrap()
                .iter()
                .map(|e| e.position)
                .collect()
        };
        assert_eq!(got(0, head, 100), vec![1, 4, 5]);
        assert_eq!(got(0, head, 2), vec![1, 4]);
        assert_eq!(got(1, head, 100), vec![4, 5]);
        // `up_to` bounds the read: a later event is left for the next one.
        assert_eq!(got(0, 4, 100), vec![1, 4]);
        assert_eq!(got(5, head, 100), Vec::<u64>::new());
        assert!(s.read_selected(&[], 0, head, 10).unwrap().is_empty());
        let read = s.read_selected(&selectors[1..], 0, head, 10).unwrap();
        assert_eq!(read[0].payload, json!({"n": 3}));
        assert_eq!(read[0].stream, "billing-Invoice-1");
        assert!(matches!(
            s.read_selected(&[EventSelector::new("", "X")], 0, head, 10),
            Err(Error::InvalidInput(_))
        ));
    }

    /// The raw reads return what the typed reads return, with the payload as JSON text:
    /// the same events in the same order, decodable into the reader's own type, upcast.
    pub fn raw_reads(f: &Fixture) {
        let s = &f.store;
        s.append(
            "shop-Cart-1",
            ExpectedVersion::Any,
            vec![
                ev("ItemAdded", 1),
                NewEvent::new(
                    "Noted",
                    1,
                    json!({"text": "ünï \"quoted\"", "list": [1, 2.5, null]}),
                ),
            ],
        )
        .unwrap();
        s.append(
            "shop-CartLine-1",
            ExpectedVersion::Any,
            vec![ev("ItemAdded", 2)],
        )
        .unwrap();
        s.append(
            "billing-Invoice-1",
            ExpectedVersion::Any,
            vec![ev("InvoiceSent", 3)],
        )
        .unwrap();
        let typed = |events: Vec<stormcraft_runtime::RawEvent>| {
            events
                .into_iter()
                .map(|e| e.into_recorded().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            typed(s.read_all_raw(0, 100).unwrap()),
            s.read_all(0, 100).unwrap()
        );
        assert_eq!(
            typed(s.read_all_raw(1, 2).unwrap()),
            s.read_all(1, 2).unwrap()
        );
        assert_eq!(
            typed(s.read_category_raw("shop-Cart", 0, 100).unwrap()),
            s.read_category("shop-Cart", 0, 100).unwrap()
        );
        let selectors = [EventSelector::new("billing-Invoice", "InvoiceSent")];
        let head = s.head_position().unwrap();
        assert_eq!(
            typed(s.read_selected_raw(&selectors, 0, head, 10).unwrap()),
            s.read_selected(&selectors, 0, head, 10).unwrap()
        );
        assert!(s.read_selected_raw(&[], 0, head, 10).unwrap().is_empty());
        assert!(matches!(
            s.read_category_raw("", 0, 10),
            Err(Error::InvalidInput(_))
        ));

        // Typed code decodes the text once, into its own type.
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct ItemAdded {
            n: i64,
        }
        let first = &s.read_all_raw(0, 1).unwrap()[0];
        assert_eq!(first.decode::<ItemAdded>().unwrap(), ItemAdded { n: 1 });
        let noted = &s.read_all_raw(1, 1).unwrap()[0];
        assert!(matches!(
            noted.decode::<ItemAdded>(),
            Err(Error::InvalidInput(_))
        ));

        // Upcasters apply to raw reads too; events they do not concern pass as stored.
        let up = s
            .clone()
            .with_upcasters(Upcasters::new().register("ItemAdded", 1, |p| {
                Ok((2, json!({"n": p["n"], "unit": "pcs"})))
            }));
        let raw = up.read_all_raw(0, 100).unwrap();
        assert_eq!(typed(raw.clone()), up.read_all(0, 100).unwrap());
        assert_eq!(raw[0].schema_version, 2);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&raw[0].payload_json).unwrap(),
            json!({"n": 1, "unit": "pcs"})
        );
        assert_eq!(raw[1].schema_version, 1);
    }

    pub fn filtered_subscription(f: &Fixture) {
        let s = &f.store;
        let filter = Filter::Events(vec![EventSelector::new("shop-Cart", "ItemAdded")]);
        s.append(
            "shop-Cart-1",
            ExpectedVersion::Any,
            vec![ev("ItemAdded", 2)],
        )
        .unwrap();
        s.append(
            "shop-Cart-1",
            ExpectedVersion::Any,
            vec![ev("CartCleared", 0)],
        )
        .unwrap();
        s.append("other-X-1", ExpectedVersion::Any, vec![ev("ItemAdded", 9)])
            .unwrap();
        let mut seen = Vec::new();
        let mut sub = s.subscribe("adds", filter.clone()).batch_size(1);
        let n = sub
            .catch_up(|e, _| {
                seen.push(e.position);
                Ok(())
            })
            .unwrap();
        assert_eq!((n, seen.clone()), (1, vec![1]));
        // A full batch stops at its last event; the next (empty) poll saw up to the head.
        assert_eq!(s.checkpoint("adds").unwrap(), 1);
        // A batch that is not full moves the checkpoint past the events it skipped.
        s.append(
            "shop-Cart-2",
            ExpectedVersion::Any,
            vec![ev("ItemAdded", 1)],
        )
        .unwrap();
        s.append("other-X-1", ExpectedVersion::Any, vec![ev("Noise", 0)])
            .unwrap();
        let mut sub = s.subscribe("adds", filter.clone()).batch_size(10);
        let n = sub
            .catch_up(|e, _| {
                seen.push(e.position);
                Ok(())
            })
            .unwrap();
        assert_eq!((n, seen.clone()), (1, vec![1, 4]));
        assert_eq!(s.checkpoint("adds").unwrap(), 5);
        // Many unrelated events: the idle consumer stores its checkpoint past them, in
        // one commit, without a handler call.
        let noise: Vec<NewEvent> = (0..1100).map(|i| ev("Noise", i)).collect();
        s.append("other-X-2", ExpectedVersion::Any, noise).unwrap();
        let mut sub = s.subscribe("adds", filter).batch_size(10);
        let n = sub
            .catch_up(|_, _| panic!("no event of the filter was appended"))
            .unwrap();
        assert_eq!(n, 0);
        assert_eq!(s.checkpoint("adds").unwrap(), s.head_position().unwrap());
    }

    pub fn subscription_projection(f: &Fixture) {
        let s = &f.store;
        s.append(
            "shop-Cart-1",
            ExpectedVersion::Any,
            vec![ev("ItemAdded", 2), ev("ItemAdded", 3)],
        )
        .unwrap();
        s.append(
            "other-X-1",
            ExpectedVersion::Any,
            vec![ev("ItemAdded", 100)],
        )
        .unwrap();
        s.append(
            "shop-Cart-2",
            ExpectedVersion::Any,
            vec![ev("ItemAdded", 1)],
        )
        .unwrap();
        let mut sub = s
            .subscribe("carts", Filter::Category("shop-Cart".into()))
            .batch_size(2);
        assert_eq!(sub.catch_up(cart_projection).unwrap(), 3);
        assert_eq!(s.checkpoint("carts").unwrap(), 4);
        assert_eq!(
            s.load_doc("carts", "shop-Cart-1").unwrap(),
            Some(json!({"items": 5}))
        );
        assert_eq!(
            s.list_docs("carts").unwrap(),
            vec![
                ("shop-Cart-1".to_string(), json!({"items": 5})),
                ("shop-Cart-2".to_string(), json!({"items": 1}))
            ]
        );
        assert_eq!(sub.catch_up(cart_projection).unwrap(), 0);
        s.append(
            "shop-Cart-1",
            ExpectedVersion::Any,
            vec![ev("CartCleared", 0)],
        )
        .unwrap();
        s.append(
            "shop-Cart-2",
            ExpectedVersion::Any,
            vec![ev("ItemAdded", 4)],
        )
        .unwrap();
        // A new handle resumes from the stored checkpoint.
        let mut sub = s.subscribe("carts", Filter::Category("shop-Cart".into()));
        assert_eq!(sub.catch_up(cart_projection).unwrap(), 2);
        assert_eq!(s.load_doc("carts", "shop-Cart-1").unwrap(), None);
        assert_eq!(
            s.list_docs("carts").unwrap(),
            vec![("shop-Cart-2".to_string(), json!({"items": 5}))]
        );
        assert!(s.list_docs("nothing").unwrap().is_empty());

        // Reads inside the transaction see its own writes, including in `list`.
        let mut all = s.subscribe("audit", Filter::All);
        all.catch_up(|e, tx| {
            tx.put("audit", &format!("{:04}", e.position), json!(e.event_type))?;
            let listed = tx.list("audit")?;
            assert_eq!(listed.last().unwrap().0, format!("{:04}", e.position));
            assert!(tx.get("audit", &format!("{:04}", e.position))?.is_some());
            Ok(())
        })
        .unwrap();
        assert_eq!(s.list_docs("audit").unwrap().len(), 6);
    }

    /// A read-model row as projections write it: serde, `Default`, a `Row`.
    #[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Parcel {
        depot: String,
        status: String,
        weight: i64,
        express: bool,
        note: Option<String>,
    }

    impl stormcraft_runtime::projection::Row for Parcel {
        const TABLE: &'static str = "logistics.Parcels";
        const EVENTS: &'static [(&'static str, &'static str)] = &[];
        const KEY: &'static [&'static str] = &["depot", "parcel"];
        const FILTERS: &'static [&'static str] = &["status", "weight", "express"];
    }

    /// Composite keys, deletes, update-where over many rows and appended history rows,
    /// through a subscription (the checkpoint commits with the rows), then list queries
    /// with filters, a limit and a cursor, with and without the filter fields' indexes.
    pub fn read_model_shapes(f: &Fixture) {
        use stormcraft_runtime::projection::{
            append_row, composite_key, delete_row, field_value, position_key, update_row,
            update_where,
        };
        use stormcraft_runtime::DocQuery;
        let s = &f.store;
        // Parts that a separator would confuse keep distinct keys.
        assert_ne!(composite_key(&["a,b", "c"]), composite_key(&["a", "b,c"]));
        assert_ne!(composite_key(&["a\"", "b"]), composite_key(&["a", "\"b"]));
        for (depot, parcel, weight) in [
            ("north", "p1", 5),
            ("north", "p2", 5),
            ("south", "p1", 5),
            ("south,x", "p3", 5),
        ] {
            let payload = json!({"depot": depot, "parcel": parcel, "weight": weight});
            s.append(
                &format!("logistics-Parcel-{depot}-{parcel}"),
                ExpectedVersion::Any,
                vec![NewEvent::new("ParcelBooked", 1, payload)],
            )
            .unwrap();
        }
        let closed = json!({"depot": "north", "parcel": "p2"});
        let express = json!({"weight": 5});
        s.append(
            "logistics-Parcel-north-p2",
            ExpectedVersion::Any,
            vec![NewEvent::new("ParcelCollected", 1, closed)],
        )
        .unwrap();
        s.append(
            "logistics-Depot-1",
            ExpectedVersion::Any,
            vec![NewEvent::new("LightParcelsExpressed", 1, express)],
        )
        .unwrap();
        let mut changed = Vec::new();
        let mut sub = s.subscribe("logistics.Parcels", Filter::All).batch_size(3);
        let handled = sub
            .catch_up(|e, tx| {
                let p = &e.payload;
                let key = || {
                    composite_key(&[
                        p["depot"].as_str().unwrap_or_default(),
                        p["parcel"].as_str().unwrap_or_default(),
                    ])
                };
                // Every event also appends a history row, in global order.
                append_row::<Parcel>(tx, e.position, |row| {
                    row.status = e.event_type.clone();
                })
                .map_err(|err| Error::InvalidInput(err.to_string()))?;
                match e.event_type.as_str() {
                    "ParcelBooked" => update_row::<Parcel>(tx, &key(), |row| {
                        row.depot = p["depot"].as_str().unwrap_or_default().to_owned();
                        row.status = "Booked".into();
                        row.weight = p["weight"].as_i64().unwrap_or_default();
                    }),
                    "ParcelCollected" => delete_row::<Parcel>(tx, &key()),
                    "LightParcelsExpressed" => {
                        let weight = field_value(&p["weight"].as_i64())?;
                        let n = update_where::<Parcel>(tx, &[("weight", weight)], |row| {
                            row.express = true;
                            row.note = Some("upgraded".into());
                        })?;
                        changed.push(n);
                        Ok(())
                    }
                    _ => Ok(()),
                }
            })
            .unwrap();
        assert_eq!(handled, 6);
        // Every parcel weighs 5. The update sees the committed rows (north/p1, south/p1)
        // and its own batch's writes: south,x/p3 booked in it, north/p2 deleted in it
        // (committed, still matching in the store, but gone for the batch).
        assert_eq!(changed, vec![3]);
        assert_eq!(s.checkpoint("logistics.Parcels").unwrap(), 6);
        let table = "logistics.Parcels";
        assert_eq!(
            s.load_doc(table, &composite_key(&["north", "p2"])).unwrap(),
            None
        );
        let south = s
            .load_doc(table, &composite_key(&["south", "p1"]))
            .unwrap()
            .unwrap();
        assert_eq!(south["express"], json!(true));
        assert_eq!(south["note"], json!("upgraded"));

        for indexed in [false, true] {
            if indexed {
                for field in ["status", "weight", "express"] {
                    s.ensure_doc_index(table, field).unwrap();
                }
                // Idempotent.
                s.ensure_doc_index(table, "status").unwrap();
            }
            let query = |filters: &[(&str, &str)], after: Option<String>, limit| {
                s.query_docs(
                    table,
                    &DocQuery {
                        filters: filters
                            .iter()
                            .map(|(f, v)| ((*f).to_owned(), (*v).to_owned()))
                            .collect(),
                        after,
                        limit,
                    },
                )
                .unwrap()
            };
            let keys = |page: &stormcraft_runtime::DocPage| {
                page.docs.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()
            };
            // History rows: keyed by position, listed in the order of the events.
            let history: Vec<String> = (1..=6).map(position_key).collect();
            let all = query(&[], None, 100);
            assert_eq!(all.docs.len(), 9, "3 rows left + 6 history rows");
            assert!(!all.more);
            assert_eq!(keys(&all)[..6], history[..]);
            // Filters on a string, a number and a boolean, by their text form.
            let booked = query(&[("status", "Booked")], None, 100);
            assert_eq!(booked.docs.len(), 3);
            let light = query(&[("weight", "5"), ("express", "true")], None, 100);
            assert_eq!(
                keys(&light),
                vec![
                    composite_key(&["north", "p1"]),
                    composite_key(&["south", "p1"]),
                    composite_key(&["south,x", "p3"])
                ]
            );
            // A number is not the text of a boolean, nor a string of other digits.
            assert!(query(&[("express", "1")], None, 100).docs.is_empty());
            assert!(query(&[("weight", "5.0")], None, 100).docs.is_empty());
            assert!(query(&[("status", "booked")], None, 100).docs.is_empty());
            // Pages: the limit, `more`, and the last key as the cursor; no row twice.
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let page = query(&[("status", "Booked")], after.clone(), 2);
                assert!(page.docs.len() <= 2);
                seen.extend(keys(&page));
                if !page.more {
                    break;
                }
                after = page.docs.last().map(|(k, _)| k.clone());
            }
            assert_eq!(seen, keys(&booked));
            let one = query(&[("status", "Booked")], None, 0);
            assert_eq!((one.docs.len(), one.more), (1, true));
        }
        // Field names that are no plain identifiers never reach SQL.
        let bad = DocQuery {
            filters: vec![("status') OR 1=1 --".into(), "x".into())],
            after: None,
            limit: 10,
        };
        assert!(matches!(
            s.query_docs(table, &bad),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            s.ensure_doc_index(table, "a.b"),
            Err(Error::InvalidInput(_))
        ));
    }

    pub fn handler_error_commits_nothing(f: &Fixture) {
        let s = &f.store;
        for i in 0..5 {
            s.append("a-1", ExpectedVersion::Any, vec![ev("E", i)])
                .unwrap();
        }
        let mut sub = s.subscribe("p", Filter::All).batch_size(10);
        let err = sub
            .poll(|e, tx| {
                tx.put("seen", &e.position.to_string(), json!(true))?;
                if e.position == 3 {
                    return Err(Error::InvalidInput("boom".into()));
                }
                Ok(())
            })
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)));
        assert_eq!(s.checkpoint("p").unwrap(), 0);
        assert!(s.list_docs("seen").unwrap().is_empty());
        let mut count = 0;
        sub.catch_up(|e, tx| {
            count += 1;
            tx.put("seen", &e.position.to_string(), json!(true))
        })
        .unwrap();
        assert_eq!(count, 5);
        assert_eq!(s.list_docs("seen").unwrap().len(), 5);
    }

    pub fn checkpoint_conflict(f: &Fixture) {
        let s = &f.store;
        s.append("a-1", ExpectedVersion::Any, vec![ev("E", 1), ev("E", 2)])
            .unwrap();
        let commit = |expected, new, value: i64| {
            s.backend().commit_consumer(ConsumerCommit {
                consumer: "c".into(),
                expected_checkpoint: expected,
                new_checkpoint: new,
                ops: vec![DocOp::Put {
                    table: "t".into(),
                    key: "k".into(),
                    value: json!(value),
                }],
                lease: None,
            })
        };
        commit(0, 1, 1).unwrap();
        assert!(matches!(
            commit(0, 2, 2),
            Err(Error::CheckpointConflict { actual: 1, .. })
        ));
        assert_eq!(s.load_doc("t", "k").unwrap(), Some(json!(1)));
        assert_eq!(s.checkpoint("c").unwrap(), 1);
        // Two handles of one consumer: the stale one fails instead of applying twice.
        let mut a = s.subscribe("d", Filter::All).batch_size(1);
        let mut b = s.subscribe("d", Filter::All).batch_size(1);
        assert_eq!(a.poll(|_, _| Ok(())).unwrap(), 1);
        assert_eq!(b.poll(|_, _| Ok(())).unwrap(), 1);
        // `b` read checkpoint 1 from the store (it had none cached); now `a` is stale.
        assert!(matches!(
            a.poll(|_, _| Ok(())),
            Err(Error::CheckpointConflict { .. })
        ));
        assert_eq!(
            a.poll(|_, _| Ok(())).unwrap(),
            0,
            "after a conflict the handle reloads its checkpoint"
        );
    }

    pub fn append_with_state(f: &Fixture) {
        let s = &f.store;
        let put = |v: i64| {
            vec![DocOp::Put {
                table: "orders".into(),
                key: "1".into(),
                value: json!({"v": v}),
            }]
        };
        let r = s
            .append_with_state(
                "ordering-Order-1",
                ExpectedVersion::NoStream,
                vec![ev("Placed", 1)],
                put(1),
            )
            .unwrap();
        assert_eq!((r.stream_version, r.positions), (1, vec![1]));
        assert_eq!(s.load_doc("orders", "1").unwrap(), Some(json!({"v": 1})));
        let e = s.append_with_state(
            "ordering-Order-1",
            ExpectedVersion::NoStream,
            vec![ev("Placed", 2)],
            put(2),
        );
        assert!(matches!(e, Err(Error::WrongExpectedVersion { .. })));
        assert_eq!(
            s.load_doc("orders", "1").unwrap(),
            Some(json!({"v": 1})),
            "the failed append wrote no state"
        );
        assert_eq!(s.head_position().unwrap(), 1);
        let r = s
            .append_with_state(
                "ordering-Order-1",
                ExpectedVersion::Exact(1),
                vec![],
                put(3),
            )
            .unwrap();
        assert_eq!((r.stream_version, r.positions), (1, vec![]));
        assert_eq!(s.load_doc("orders", "1").unwrap(), Some(json!({"v": 3})));
        let del = vec![DocOp::Delete {
            table: "orders".into(),
            key: "1".into(),
        }];
        s.append_with_state(
            "ordering-Order-1",
            ExpectedVersion::Exact(1),
            vec![ev("Cancelled", 0)],
            del,
        )
        .unwrap();
        assert_eq!(s.load_doc("orders", "1").unwrap(), None);
        assert_eq!(s.stream_version("ordering-Order-1").unwrap(), 2);
        assert!(matches!(
            s.append_with_state("x-1", ExpectedVersion::Any, vec![], vec![]),
            Err(Error::EmptyAppend)
        ));
    }

    pub fn live_subscription(f: &Fixture) {
        let s = f.store.clone();
        s.append("a-1", ExpectedVersion::Any, vec![ev("E", 0)])
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let worker = {
            let (s, stop) = (s.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut sub = s
                    .subscribe("live", Filter::All)
                    .idle_wait(Duration::from_millis(20));
                sub.run(&stop, |e, tx| {
                    tx.put("live", &format!("{:06}", e.position), json!(e.version))
                })
            })
        };
        for i in 0..40 {
            s.append("a-1", ExpectedVersion::Any, vec![ev("E", i)])
                .unwrap();
            if i % 10 == 0 {
                std::thread::sleep(Duration::from_millis(15));
            }
        }
        wait_caught_up(&s, "live");
        stop.store(true, Ordering::Release);
        worker.join().unwrap().unwrap();
        let docs = s.list_docs("live").unwrap();
        assert_eq!(docs.len(), 41);
        assert_eq!(docs[40], ("000041".to_string(), json!(41)));
    }

    pub fn racing_exact_writers(f: &Fixture) {
        const THREADS: usize = 8;
        const VERSIONS: u64 = 15;
        let barrier = Arc::new(Barrier::new(THREADS));
        let wins = Arc::new(Mutex::new(BTreeMap::<u64, usize>::new()));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (s, barrier, wins) = (f.store.clone(), Arc::clone(&barrier), Arc::clone(&wins));
                std::thread::spawn(move || {
                    for v in 0..VERSIONS {
                        barrier.wait();
                        match s.append("race-1", ExpectedVersion::Exact(v), vec![ev("E", t as i64)])
                        {
                            Ok(r) => {
                                assert_eq!(r.stream_version, v + 1);
                                *wins.lock().unwrap().entry(v).or_default() += 1;
                            }
                            Err(Error::WrongExpectedVersion { actual, .. }) => {
                                assert_eq!(actual, v + 1)
                            }
                            Err(e) => panic!("unexpected error: {e}"),
                        }
                        barrier.wait();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let wins = wins.lock().unwrap();
        assert_eq!(wins.len() as u64, VERSIONS);
        assert!(wins.values().all(|&n| n == 1), "{wins:?}");
        let events = f.store.read_stream("race-1", 1, 100).unwrap();
        assert_eq!(
            events.iter().map(|e| e.version).collect::<Vec<_>>(),
            (1..=VERSIONS).collect::<Vec<_>>()
        );
        assert_eq!(f.store.head_position().unwrap(), VERSIONS);
    }

    pub fn many_writers_with_subscriber(f: &Fixture) {
        const WRITERS: usize = 8;
        const STREAMS: usize = 6;
        const APPENDS: usize = 5;
        let s = f.store.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let delivered = Arc::new(Mutex::new(Vec::<(u64, String, u64)>::new()));
        let subscriber = {
            let (s, stop, delivered) = (s.clone(), Arc::clone(&stop), Arc::clone(&delivered));
            std::thread::spawn(move || {
                let mut sub = s
                    .subscribe("all", Filter::All)
                    .batch_size(7)
                    .idle_wait(Duration::from_millis(10));
                sub.run(&stop, |e, tx| {
                    delivered
                        .lock()
                        .unwrap()
                        .push((e.position, e.stream.clone(), e.version));
                    tx.put("count", &e.stream, json!(e.version))
                })
            })
        };
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let s = s.clone();
                std::thread::spawn(move || {
                    for a in 0..APPENDS {
                        for st in 0..STREAMS {
                            let stream = format!("w{w}-s{st}");
                            s.append(
                                &stream,
                                ExpectedVersion::Exact(2 * a as u64),
                                vec![ev("E", 0), ev("E", 1)],
                            )
                            .unwrap();
                        }
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let total = (WRITERS * STREAMS * APPENDS * 2) as u64;
        assert_eq!(s.head_position().unwrap(), total);
        wait_caught_up(&s, "all");
        stop.store(true, Ordering::Release);
        subscriber.join().unwrap().unwrap();
        let delivered = delivered.lock().unwrap();
        let positions: Vec<u64> = delivered.iter().map(|d| d.0).collect();
        assert_eq!(
            positions,
            (1..=total).collect::<Vec<_>>(),
            "every event exactly once, in global order"
        );
        let mut last: BTreeMap<&str, u64> = BTreeMap::new();
        for (_, stream, version) in delivered.iter() {
            let prev = last.insert(stream, *version).unwrap_or(0);
            assert_eq!(*version, prev + 1, "stream order");
        }
        assert_eq!(s.list_docs("count").unwrap().len(), WRITERS * STREAMS);
        assert!(s
            .list_docs("count")
            .unwrap()
            .iter()
            .all(|(_, v)| *v == json!(2 * APPENDS)));
    }

    // ---- property test: random operations against a model ----

    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

    const STREAMS: [&str; 3] = ["a-1", "a-2", "b-1"];
    const CATEGORIES: [&str; 2] = ["a", "b"];

    #[derive(Debug, Clone)]
    enum Op {
        Append {
            stream: usize,
            expected: u8,
            exact: u64,
            n: usize,
        },
        Retry,
        ReadStream {
            stream: usize,
            from: u64,
            limit: usize,
        },
        ReadAll {
            after: u64,
            limit: usize,
        },
        ReadCategory {
            cat: usize,
            after: u64,
            limit: usize,
        },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..3usize, 0..4u8, 0..4u64, 1..4usize).prop_map(|(stream, expected, exact, n)| Op::Append { stream, expected, exact, n }),
            1 => Just(Op::Retry),
            1 => (0..3usize, 0..6u64, 0..5usize).prop_map(|(stream, from, limit)| Op::ReadStream { stream, from, limit }),
            1 => (0..12u64, 0..6usize).prop_map(|(after, limit)| Op::ReadAll { after, limit }),
            1 => (0..2usize, 0..12u64, 0..6usize).prop_map(|(cat, after, limit)| Op::ReadCategory { cat, after, limit }),
        ]
    }

    /// The model: the global log as (stream, version, id).
    fn run_model(store: &Store, ops: &[Op]) -> Result<(), TestCaseError> {
        let mut log: Vec<(usize, u64, Uuid)> = Vec::new();
        let mut last_ok: Option<(
            usize,
            ExpectedVersion,
            Vec<NewEvent>,
            stormcraft_runtime::AppendResult,
        )> = None;
        let view =
            |e: &stormcraft_runtime::RecordedEvent| (e.position, e.stream.clone(), e.version, e.id);
        let model_view = |log: &[(usize, u64, Uuid)], i: usize| {
            (
                i as u64 + 1,
                STREAMS[log[i].0].to_string(),
                log[i].1,
                log[i].2,
            )
        };
        for op in ops {
            match op {
                Op::Append {
                    stream,
                    expected,
                    exact,
                    n,
                } => {
                    let expected = match expected {
                        0 => ExpectedVersion::Any,
                        1 => ExpectedVersion::NoStream,
                        2 => ExpectedVersion::StreamExists,
                        _ => ExpectedVersion::Exact(*exact),
                    };
                    let events: Vec<NewEvent> = (0..*n).map(|i| ev("E", i as i64)).collect();
                    let current = log.iter().filter(|e| e.0 == *stream).count() as u64;
                    let ok = match expected {
                        ExpectedVersion::Any => true,
                        ExpectedVersion::NoStream => current == 0,
                        ExpectedVersion::StreamExists => current > 0,
                        ExpectedVersion::Exact(v) => v == current,
                    };
                    let got = store.append(STREAMS[*stream], expected, events.clone());
                    if ok {
                        let got =
                            got.map_err(|e| TestCaseError::fail(format!("append failed: {e}")))?;
                        let start = log.len() as u64;
                        for (i, e) in events.iter().enumerate() {
                            log.push((*stream, current + 1 + i as u64, e.id));
                        }
                        prop_assert_eq!(got.stream_version, current + *n as u64);
                        prop_assert_eq!(
                            &got.positions,
                            &(start + 1..=start + *n as u64).collect::<Vec<_>>()
                        );
                        last_ok = Some((*stream, expected, events, got));
                    } else {
                        match got {
                            Err(Error::WrongExpectedVersion { actual, .. }) => {
                                prop_assert_eq!(actual, current)
                            }
                            other => {
                                return Err(TestCaseError::fail(format!(
                                    "expected a conflict, got {other:?}"
                                )))
                            }
                        }
                    }
                }
                Op::Retry => {
                    if let Some((stream, expected, events, result)) = &last_ok {
                        let got = store.append(STREAMS[*stream], *expected, events.clone());
                        let got = got.ok();
                        prop_assert_eq!(got.as_ref(), Some(result));
                    }
                }
                Op::ReadStream {
                    stream,
                    from,
                    limit,
                } => {
                    let got: Vec<_> = store
                        .read_stream(STREAMS[*stream], *from, *limit)
                        .unwrap()
                        .iter()
                        .map(view)
                        .collect();
                    let want: Vec<_> = (0..log.len())
                        .filter(|&i| log[i].0 == *stream && log[i].1 >= *from)
                        .take(*limit)
                        .map(|i| model_view(&log, i))
                        .collect();
                    prop_assert_eq!(got, want);
                }
                Op::ReadAll { after, limit } => {
                    let got: Vec<_> = store
                        .read_all(*after, *limit)
                        .unwrap()
                        .iter()
                        .map(view)
                        .collect();
                    let want: Vec<_> = (0..log.len())
                        .filter(|&i| i as u64 >= *after)
                        .take(*limit)
                        .map(|i| model_view(&log, i))
                        .collect();
                    prop_assert_eq!(got, want);
                }
                Op::ReadCategory { cat, after, limit } => {
                    let got: Vec<_> = store
                        .read_category(CATEGORIES[*cat], *after, *limit)
                        .unwrap()
                        .iter()
                        .map(view)
                        .collect();
                    let want: Vec<_> = (0..log.len())
                        .filter(|&i| {
                            i as u64 >= *after
                                && STREAMS[log[i].0].starts_with(&format!("{}-", CATEGORIES[*cat]))
                        })
                        .take(*limit)
                        .map(|i| model_view(&log, i))
                        .collect();
                    prop_assert_eq!(got, want);
                }
            }
        }
        prop_assert_eq!(store.head_position().unwrap(), log.len() as u64);
        Ok(())
    }

    pub fn matches_model(factory: fn() -> Option<Fixture>, cases: u32) {
        if factory().is_none() {
            return;
        }
        let config = Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
        runner
            .run(&proptest::collection::vec(op(), 1..25), |ops| {
                let f = factory().expect("backend available");
                run_model(&f.store, &ops)
            })
            .unwrap();
    }
}

/// Durable timers and the clock (contract section "3. Runtime API — Time"): a due timer
/// fires exactly once, in (due time, id) order, through the append path; a cancelled one
/// never fires; rescheduling replaces; consumer-scheduled timers commit with the
/// checkpoint. The kill -9 guarantee is in `tests/timers_crash.rs`.
mod timers {
    use super::*;
    use stormcraft_runtime::clock::ManualClock;
    use stormcraft_runtime::{ProjectionTx, RecordedEvent, Timer};

    /// A point in time with whole microseconds, as every backend stores due times.
    pub fn t0() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    pub fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    /// The event id of timer `id` scheduled for `due` (deterministic, as callers must).
    pub fn event_id(id: &str, due: SystemTime) -> Uuid {
        // Before the epoch too (a valid due time): the signed distance to it.
        let us = match due.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(d) => d.as_micros() as i128,
            Err(e) => -(e.duration().as_micros() as i128),
        };
        Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{id}@{us}").as_bytes())
    }

    pub fn timer(id: &str, due: SystemTime, stream: &str, n: i64) -> Timer {
        let cause = Uuid::new_v5(&Uuid::NAMESPACE_OID, b"cause");
        Timer {
            id: id.into(),
            due_at: due,
            stream: stream.into(),
            event: NewEvent {
                id: event_id(id, due),
                event_type: "DeadlinePassed".into(),
                schema_version: 2,
                payload: json!({ "timer": id, "n": n }),
                metadata: Metadata {
                    correlation_id: Some(cause),
                    causation_id: Some(cause),
                },
            },
        }
    }

    fn timers_of(events: &[RecordedEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| e.payload["timer"].as_str().unwrap_or("?").to_owned())
            .collect()
    }

    fn pending_ids(s: &Store) -> Vec<String> {
        s.pending_timers()
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect()
    }

    pub fn fire_in_due_order_once(f: &Fixture) {
        let s = &f.store;
        s.append("other-1", ExpectedVersion::Any, vec![ev("E", 0)])
            .unwrap();
        let a = timer("a", t0() + secs(30), "shop-Deadline-1", 1);
        s.schedule_timer(a.clone()).unwrap();
        s.schedule_timer(timer("c", t0() + secs(10), "shop-Deadline-2", 3))
            .unwrap();
        s.schedule_timer(timer("b", t0() + secs(10), "shop-Deadline-1", 2))
            .unwrap();
        s.schedule_timer(timer("d", t0() + secs(60), "shop-Deadline-3", 4))
            .unwrap();
        // Pending timers come back exactly as scheduled, in (due, id) order.
        let pending = s.pending_timers().unwrap();
        assert_eq!(pending_ids(s), ["b", "c", "a", "d"]);
        assert_eq!(pending[2], a);
        assert_eq!(s.next_due().unwrap(), Some(t0() + secs(10)));

        let b = s.backend();
        assert!(b.fire_due_timers(t0() + secs(9), 100).unwrap().is_empty());
        // `limit` bounds one firing; the rest stays pending.
        let first = b.fire_due_timers(t0() + secs(10), 1).unwrap();
        assert_eq!(timers_of(&first), ["b"]);
        let second = b.fire_due_timers(t0() + secs(10), 100).unwrap();
        assert_eq!(timers_of(&second), ["c"]);
        assert!(b.fire_due_timers(t0() + secs(29), 100).unwrap().is_empty());
        let third = b.fire_due_timers(t0() + secs(3600), 100).unwrap();
        assert_eq!(timers_of(&third), ["a", "d"]);
        assert!(b
            .fire_due_timers(t0() + secs(7200), 100)
            .unwrap()
            .is_empty());
        assert!(s.pending_timers().unwrap().is_empty());
        assert_eq!(s.next_due().unwrap(), None);

        // Appended like any event: consecutive positions after the head, versions per
        // stream, the scheduled id, type, schema, payload and metadata.
        let fired: Vec<RecordedEvent> = [first, second, third].concat();
        assert_eq!(
            fired.iter().map(|e| e.position).collect::<Vec<_>>(),
            vec![2, 3, 4, 5]
        );
        let all = s.read_all(0, 100).unwrap();
        assert_eq!(all.len(), 5);
        assert_eq!(&all[1..], &fired[..]);
        let on_1 = s.read_stream("shop-Deadline-1", 1, 10).unwrap();
        assert_eq!(timers_of(&on_1), ["b", "a"]);
        assert_eq!((on_1[0].version, on_1[1].version), (1, 2));
        let got_a = &on_1[1];
        assert_eq!(got_a.id, a.event.id);
        assert_eq!(got_a.event_type, "DeadlinePassed");
        assert_eq!(got_a.schema_version, 2);
        assert_eq!(got_a.payload, a.event.payload);
        assert_eq!(got_a.metadata, a.event.metadata);
    }

    pub fn store_fires_by_its_clock(f: &Fixture) {
        let clock = ManualClock::new(t0());
        let s = f.store.clone().with_clock(Arc::new(clock.clone()));
        assert_eq!(s.now(), t0());
        // The default clock of another handle on the same backend is the system's.
        assert!(f.store.now() > t0());
        for i in 0..300u64 {
            let id = format!("t{i:03}");
            s.schedule_timer(timer(&id, t0() + secs(60 + i % 7), "shop-Deadline-1", 0))
                .unwrap();
        }
        assert_eq!(s.fire_due().unwrap(), 0);
        clock.advance(secs(30 * 60));
        // More than one firing batch: `fire_due` repeats until nothing is due.
        assert_eq!(s.fire_due().unwrap(), 300);
        assert_eq!(s.fire_due().unwrap(), 0);
        let events = s.read_stream("shop-Deadline-1", 1, 1000).unwrap();
        assert_eq!(events.len(), 300);
        let mut order: Vec<(u64, String)> = (0..300u64)
            .map(|i| (60 + i % 7, format!("t{i:03}")))
            .collect();
        order.sort();
        let want: Vec<String> = order.into_iter().map(|(_, id)| id).collect();
        assert_eq!(timers_of(&events), want);
    }

    pub fn cancelled_never_fires(f: &Fixture) {
        let s = &f.store;
        s.schedule_timer(timer("x", t0(), "shop-Deadline-1", 1))
            .unwrap();
        s.schedule_timer(timer("y", t0(), "shop-Deadline-1", 2))
            .unwrap();
        s.cancel_timer("x").unwrap();
        // Cancelling what is not pending is no error.
        s.cancel_timer("never-scheduled").unwrap();
        s.cancel_timer("x").unwrap();
        assert_eq!(pending_ids(s), ["y"]);
        let fired = s
            .backend()
            .fire_due_timers(t0() + secs(1_000_000), 100)
            .unwrap();
        assert_eq!(timers_of(&fired), ["y"]);
        // After it fired, cancelling it changes nothing.
        s.cancel_timer("y").unwrap();
        assert_eq!(timers_of(&s.read_all(0, 10).unwrap()), ["y"]);
    }

    pub fn rescheduling_replaces(f: &Fixture) {
        let s = &f.store;
        s.schedule_timer(timer("x", t0() + secs(10), "shop-Deadline-1", 1))
            .unwrap();
        let later = timer("x", t0() + secs(100), "shop-Deadline-2", 2);
        s.schedule_timer(later.clone()).unwrap();
        assert_eq!(s.pending_timers().unwrap(), vec![later.clone()]);
        let b = s.backend();
        assert!(b.fire_due_timers(t0() + secs(50), 10).unwrap().is_empty());
        let fired = b.fire_due_timers(t0() + secs(100), 10).unwrap();
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].stream, "shop-Deadline-2");
        assert_eq!(fired[0].payload["n"], 2);
        assert_eq!(fired[0].id, later.event.id);
        assert_eq!(s.head_position().unwrap(), 1);
        // Ops of one `schedule_timers` call apply in order: the last one wins.
        b.schedule_timers(vec![
            DocOp::ScheduleTimer(timer("z", t0(), "shop-Deadline-1", 3)),
            DocOp::CancelTimer { id: "z".into() },
            DocOp::ScheduleTimer(timer("w", t0(), "shop-Deadline-1", 4)),
        ])
        .unwrap();
        assert_eq!(pending_ids(s), ["w"]);
    }

    pub fn retried_firing_appends_once(f: &Fixture) {
        let s = &f.store;
        let t = timer("x", t0(), "shop-Deadline-1", 1);
        // The event is already stored in its stream (a firing committed, then the timer
        // was scheduled again with the same event): it stands for the timer.
        let stored = s
            .append(
                "shop-Deadline-1",
                ExpectedVersion::Any,
                vec![t.event.clone()],
            )
            .unwrap();
        s.schedule_timer(t.clone()).unwrap();
        let fired = s.backend().fire_due_timers(t0(), 10).unwrap();
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].position, stored.positions[0]);
        assert_eq!(s.head_position().unwrap(), 1);
        assert!(s.pending_timers().unwrap().is_empty());

        // An event id stored in ANOTHER stream cannot be appended: the firing fails as a
        // whole (the other due timer stays pending too) and names the timer.
        s.append(
            "elsewhere-1",
            ExpectedVersion::Any,
            vec![timer("bad", t0(), "x-1", 0).event],
        )
        .unwrap();
        s.schedule_timer(timer("bad", t0(), "shop-Deadline-9", 0))
            .unwrap();
        s.schedule_timer(timer("a-good", t0(), "shop-Deadline-8", 0))
            .unwrap();
        let head = s.head_position().unwrap();
        match s.backend().fire_due_timers(t0(), 10) {
            Err(Error::IdempotencyConflict { detail, .. }) => {
                assert!(detail.contains("timer `bad`"), "{detail}")
            }
            other => panic!("expected an idempotency conflict, got {other:?}"),
        }
        assert_eq!(s.head_position().unwrap(), head);
        assert_eq!(pending_ids(s), ["a-good", "bad"]);
        assert!(s.read_stream("shop-Deadline-8", 1, 10).unwrap().is_empty());
        // Once the bad timer is cancelled the rest fires.
        s.cancel_timer("bad").unwrap();
        assert_eq!(s.backend().fire_due_timers(t0(), 10).unwrap().len(), 1);
        let all = s.read_all(0, 100).unwrap();
        assert!(all
            .iter()
            .enumerate()
            .all(|(i, e)| e.position == i as u64 + 1));
    }

    pub fn rejects_bad_timers(f: &Fixture) {
        let s = &f.store;
        let mut no_stream = timer("x", t0(), "", 0);
        assert!(matches!(
            s.schedule_timer(no_stream.clone()),
            Err(Error::InvalidInput(_))
        ));
        no_stream.stream = "s-1".into();
        no_stream.event.event_type.clear();
        assert!(matches!(
            s.schedule_timer(no_stream),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            s.schedule_timer(timer("nul\0id", t0(), "s-1", 0)),
            Err(Error::InvalidInput(_))
        ));
        let far = timer("far", SystemTime::UNIX_EPOCH + secs(u64::MAX / 4), "s-1", 0);
        assert!(matches!(s.schedule_timer(far), Err(Error::InvalidInput(_))));
        assert!(s.pending_timers().unwrap().is_empty());
        // A time before the epoch is a valid due time (and fires at any later time).
        let old = timer("old", SystemTime::UNIX_EPOCH - secs(5), "s-1", 0);
        s.schedule_timer(old.clone()).unwrap();
        assert_eq!(s.pending_timers().unwrap(), vec![old]);
        assert_eq!(s.backend().fire_due_timers(t0(), 0).unwrap().len(), 0);
        assert_eq!(s.fire_due().unwrap(), 1);
    }

    /// A consumer that schedules a timer per `OrderPlaced` and cancels it on `OrderPaid`.
    fn deadlines(event: &RecordedEvent, tx: &mut dyn ProjectionTx) -> Result<(), Error> {
        let id = format!("shop.CancelUnpaid/{}", event.stream);
        match event.event_type.as_str() {
            "OrderPlaced" => tx.schedule_timer(timer(&id, t0() + secs(1800), "shop-Deadline-1", 0)),
            "OrderPaid" => tx.cancel_timer(&id),
            "Boom" => {
                // Scheduled, then the handler fails: nothing of the batch commits.
                tx.schedule_timer(timer("boom", t0(), "shop-Deadline-1", 0))?;
                Err(Error::InvalidInput("boom".into()))
            }
            _ => Ok(()),
        }
    }

    pub fn scheduled_with_the_checkpoint(f: &Fixture) {
        let s = &f.store;
        s.append(
            "shop-Order-1",
            ExpectedVersion::Any,
            vec![ev("OrderPlaced", 0)],
        )
        .unwrap();
        s.append(
            "shop-Order-2",
            ExpectedVersion::Any,
            vec![ev("OrderPlaced", 0)],
        )
        .unwrap();
        s.append(
            "shop-Order-1",
            ExpectedVersion::Any,
            vec![ev("OrderPaid", 0)],
        )
        .unwrap();
        let mut sub = s.subscribe("deadlines", Filter::Category("shop-Order".into()));
        assert_eq!(sub.catch_up(deadlines).unwrap(), 3);
        // Order 1 was paid in the same batch that scheduled its timer: only order 2's.
        assert_eq!(pending_ids(s), ["shop.CancelUnpaid/shop-Order-2"]);

        s.append("shop-Order-3", ExpectedVersion::Any, vec![ev("Boom", 0)])
            .unwrap();
        assert!(sub.catch_up(deadlines).is_err());
        assert_eq!(pending_ids(s), ["shop.CancelUnpaid/shop-Order-2"]);
        assert_eq!(s.checkpoint("deadlines").unwrap(), 3);

        // A commit that loses the checkpoint race schedules nothing.
        let stale = s.backend().commit_consumer(ConsumerCommit {
            consumer: "deadlines".into(),
            expected_checkpoint: 0,
            new_checkpoint: 9,
            ops: vec![DocOp::ScheduleTimer(timer("stale", t0(), "s-1", 0))],
            lease: None,
        });
        assert!(matches!(stale, Err(Error::CheckpointConflict { .. })));
        s.backend()
            .commit_consumer(ConsumerCommit {
                consumer: "deadlines".into(),
                expected_checkpoint: 3,
                new_checkpoint: 4,
                ops: vec![
                    DocOp::CancelTimer {
                        id: "shop.CancelUnpaid/shop-Order-2".into(),
                    },
                    DocOp::ScheduleTimer(timer("fresh", t0(), "s-1", 0)),
                ],
                lease: None,
            })
            .unwrap();
        assert_eq!(pending_ids(s), ["fresh"]);
    }

    pub fn fired_events_reach_subscribers(f: &Fixture) {
        let s = f.store.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let live = {
            let (s, stop, seen) = (s.clone(), stop.clone(), seen.clone());
            std::thread::spawn(move || {
                let mut sub = s
                    .subscribe("watch", Filter::Category("shop-Deadline".into()))
                    .idle_wait(Duration::from_millis(20));
                sub.run(&stop, |e, _| {
                    seen.lock().unwrap().push(e.id);
                    Ok(())
                })
                .unwrap();
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        let t = timer("x", t0(), "shop-Deadline-1", 0);
        s.schedule_timer(t.clone()).unwrap();
        assert_eq!(s.fire_due().unwrap(), 1);
        let deadline = Instant::now() + Duration::from_secs(10);
        while seen.lock().unwrap().is_empty() {
            assert!(
                Instant::now() < deadline,
                "the subscriber never saw the fired event"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        stop.store(true, Ordering::Release);
        live.join().unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![t.event.id]);
    }

    /// `testing::drive`: given OrderPlaced, 30 minutes pass, then the deadline's command
    /// was handled.
    #[cfg(feature = "testing")]
    pub fn drive_runs_workers_and_timers(f: &Fixture) {
        use stormcraft_runtime::aggregate::Cause;
        use stormcraft_runtime::worker::Worker;

        fn start(s: &Store, cause: Cause<'_>, tx: &mut dyn ProjectionTx) -> Result<(), Error> {
            let id = format!("shop.CancelUnpaid/{}", cause.event.stream);
            let mut t = timer(&id, s.now() + secs(1800), "shop-Deadline-1", 0);
            t.event.payload = json!({ "order": cause.event.stream });
            tx.schedule_timer(t)
        }
        fn cancel(s: &Store, cause: Cause<'_>, _: &mut dyn ProjectionTx) -> Result<(), Error> {
            let order = cause.event.payload["order"].as_str().unwrap_or("?");
            let event = NewEvent::new("OrderCancelled", 1, json!({}))
                .with_id(stormcraft_runtime::derived_event_id(
                    cause.consumer,
                    cause.event,
                    0,
                ))
                .caused_by(cause.event);
            s.append(order, ExpectedVersion::Any, vec![event])
                .map(|_| ())
        }
        const WORKERS: &[Worker] = &[
            Worker::new(
                "shop.CancelUnpaid.timer",
                &[("shop-Order", "OrderPlaced")],
                start,
            ),
            Worker::new(
                "shop.CancelUnpaid",
                &[("shop-Deadline", "DeadlinePassed")],
                cancel,
            ),
        ];

        let clock = ManualClock::new(t0());
        let s = f.store.clone().with_clock(Arc::new(clock.clone()));
        s.append(
            "shop-Order-1",
            ExpectedVersion::Any,
            vec![ev("OrderPlaced", 0)],
        )
        .unwrap();
        assert_eq!(stormcraft_runtime::testing::drive(&s, WORKERS).unwrap(), 1);
        assert_eq!(s.stream_version("shop-Order-1").unwrap(), 1);
        clock.advance(secs(29 * 60));
        assert_eq!(stormcraft_runtime::testing::drive(&s, WORKERS).unwrap(), 0);
        clock.advance(secs(60));
        // The timer fires, the firing worker handles its event and cancels the order.
        assert_eq!(stormcraft_runtime::testing::drive(&s, WORKERS).unwrap(), 1);
        let order = s.read_stream("shop-Order-1", 1, 10).unwrap();
        assert_eq!(order.len(), 2);
        assert_eq!(order[1].event_type, "OrderCancelled");
        assert!(s.pending_timers().unwrap().is_empty());
        assert_eq!(stormcraft_runtime::testing::drive(&s, WORKERS).unwrap(), 0);
    }
}

/// Batched consumers: a worker's effects are appended through a handle whose appends
/// defer their durability to the batch's checkpoint commit.
mod batching {
    use super::*;
    use std::collections::BTreeSet;
    use stormcraft_runtime::aggregate::Cause;
    use stormcraft_runtime::worker::{activity, spawn_workers, Worker};
    use stormcraft_runtime::{ProjectionTx, RecordedEvent};

    const ORDERS: i64 = 50;

    /// Places `n` orders, one stream each, positions 1..=n.
    fn place(s: &Store, n: i64) {
        for i in 0..n {
            s.append(
                &format!("shop-Order-{i}"),
                ExpectedVersion::NoStream,
                vec![ev("OrderPlaced", i)],
            )
            .unwrap();
        }
    }

    /// The effect of one order: its reservation, with an id derived from the order's
    /// event, so handling the event again appends nothing.
    fn reserve(s: &Store, consumer: &str, event: &RecordedEvent) -> Result<(), Error> {
        let n = event.payload["n"].as_i64().unwrap_or(-1);
        let reserved = NewEvent::new("StockReserved", 1, json!({ "n": n }))
            .with_id(stormcraft_runtime::derived_event_id(consumer, event, 0))
            .caused_by(event);
        s.append(
            &format!("shop-Reservation-{n}"),
            ExpectedVersion::NoStream,
            vec![reserved],
        )
        .map(drop)
    }

    /// Every order has exactly one reservation, appended in the orders' global order,
    /// and nothing else was appended; also through a fresh handle on the same database
    /// (what a restarted process sees).
    fn assert_reserved_once_in_order(f: &Fixture, n: i64) {
        let check = |s: &Store| {
            let all = s.read_all(0, 10_000).unwrap();
            assert_eq!(
                all.len() as i64,
                2 * n,
                "an effect was appended twice or lost"
            );
            let reservations: Vec<i64> = all
                .iter()
                .filter(|e| e.event_type == "StockReserved")
                .map(|e| e.payload["n"].as_i64().unwrap())
                .collect();
            assert_eq!(
                reservations,
                (0..n).collect::<Vec<_>>(),
                "not in event order"
            );
            for i in 0..n {
                assert_eq!(
                    s.stream_version(&format!("shop-Reservation-{i}")).unwrap(),
                    1
                );
            }
        };
        check(&f.store);
        if f.url != "memory:" {
            check(&stormcraft_runtime::open(&f.url).unwrap());
        }
    }

    /// A batch fails midway after some of its effects were appended (deferred): no
    /// checkpoint, no document; handled again, each effect and document lands once and
    /// the effects stay in event order.
    pub fn deferred_effects_survive_a_failure_mid_batch(f: &Fixture) {
        let s = &f.store;
        let effects = s.with_deferred_durability();
        assert!(effects.defers_durability());
        assert!(!s.defers_durability(), "the original handle stays durable");
        place(s, 20);
        let handler = |failing: Option<i64>| {
            let effects = effects.clone();
            move |e: &RecordedEvent, tx: &mut dyn ProjectionTx| -> Result<(), Error> {
                let n = e.payload["n"].as_i64().unwrap_or(-1);
                if Some(n) == failing {
                    return Err(Error::InvalidInput("the external system is down".into()));
                }
                reserve(&effects, "shop.Reserve", e)?;
                tx.put("reserved", &n.to_string(), json!(true))
            }
        };
        let filter = Filter::Category("shop-Order".into());
        let mut sub = s.subscribe("shop.Reserve", filter).batch_size(8);
        assert_eq!(sub.poll(handler(None)).unwrap(), 8);
        assert_eq!(s.checkpoint("shop.Reserve").unwrap(), 8);
        // Orders 8..=11 reserved, 12 fails: the batch commits nothing of its own.
        let err = sub.poll(handler(Some(12))).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err}");
        assert_eq!(s.checkpoint("shop.Reserve").unwrap(), 8);
        assert_eq!(s.list_docs("reserved").unwrap().len(), 8);
        assert_eq!(
            s.stream_version("shop-Reservation-11").unwrap(),
            1,
            "visible at once"
        );
        assert_eq!(s.stream_version("shop-Reservation-12").unwrap(), 0);
        // Handled again: 8..=11 are retries of stored appends, the rest is new.
        assert_eq!(sub.catch_up(handler(None)).unwrap(), 12);
        assert!(s.checkpoint("shop.Reserve").unwrap() >= 20);
        assert_eq!(s.list_docs("reserved").unwrap().len(), 20);
        assert_reserved_once_in_order(f, 20);
    }

    /// Consumers whose first attempt at the batch failed (once each).
    static FAILED_ONCE: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

    fn flaky_reserve(s: &Store, cause: Cause<'_>, _: &mut dyn ProjectionTx) -> Result<(), Error> {
        if !s.defers_durability() {
            return Err(Error::InvalidInput(
                "a worker's handle defers durability".into(),
            ));
        }
        if cause.event.payload["n"] == 30
            && FAILED_ONCE
                .lock()
                .unwrap()
                .insert(cause.consumer.to_owned())
        {
            return Err(Error::InvalidInput("fails once, mid-batch".into()));
        }
        reserve(s, cause.consumer, cause.event)
    }

    /// The worker takes the backlog as one batch (it was all there when it started),
    /// fails at the 31st event, handles the batch again after the pause, and commits it
    /// once: 50 events in 1 batch, each effect once and in order.
    pub fn a_worker_commits_its_backlog_as_one_batch(f: &Fixture) {
        let s = &f.store;
        place(s, ORDERS);
        // A name per test: the activity counters are per process.
        let consumer: &'static str =
            Box::leak(format!("shop.Reserve{}", Uuid::new_v4().simple()).into_boxed_str());
        let workers = [Worker::new(
            consumer,
            &[("shop-Order", "OrderPlaced")],
            flaky_reserve,
        )];
        let stop = Arc::new(AtomicBool::new(false));
        let threads = spawn_workers(s, &stop, &workers);
        let deadline = Instant::now() + Duration::from_secs(30);
        while s.checkpoint(consumer).unwrap() < ORDERS as u64 {
            assert!(Instant::now() < deadline, "the worker never caught up");
            std::thread::sleep(Duration::from_millis(5));
        }
        stop.store(true, Ordering::Release);
        for thread in threads {
            thread.join().unwrap();
        }
        let done = activity(consumer);
        assert_eq!((done.handled, done.batches), (ORDERS as u64, 1), "{done:?}");
        assert!(FAILED_ONCE.lock().unwrap().contains(consumer));
        assert_reserved_once_in_order(f, ORDERS);
    }
}

/// Leases (see `stormcraft_runtime::lease`): one holder at a time, taken over after expiry,
/// and a commit under a lost lease refused.
mod leases {
    use super::*;
    use stormcraft_runtime::lease::Lease;
    use stormcraft_runtime::worker::{lag, spawn_workers, Worker};
    use stormcraft_runtime::{aggregate::Cause, ProjectionTx};

    const LONG: Duration = Duration::from_secs(30);

    fn commit(s: &Store, lease: &Lease, from: u64, to: u64) -> stormcraft_runtime::Result<()> {
        s.backend().commit_consumer(ConsumerCommit {
            consumer: lease.consumer.clone(),
            expected_checkpoint: from,
            new_checkpoint: to,
            ops: vec![DocOp::Put {
                table: "fenced".into(),
                key: format!("{}-{to}", lease.holder),
                value: json!(lease.token),
            }],
            lease: Some(lease.clone()),
        })
    }

    pub fn acquire_renew_release(f: &Fixture) {
        let s = &f.store;
        let a = s
            .try_acquire_lease("ordering.Ship", "a", LONG)
            .unwrap()
            .unwrap();
        assert_eq!((a.holder.as_str(), a.token), ("a", 1));
        assert!(a.expires_at > SystemTime::now() + Duration::from_secs(20));
        assert_eq!(
            s.try_acquire_lease("ordering.Ship", "b", LONG).unwrap(),
            None
        );
        // Another consumer's lease is its own.
        let other = s
            .try_acquire_lease("ordering.Bill", "b", LONG)
            .unwrap()
            .unwrap();
        assert_eq!(other.token, 1);
        assert_eq!(
            s.lease_holder("ordering.Ship").unwrap().unwrap().holder,
            "a"
        );
        // The holder asking again extends its lease and keeps its token.
        let again = s
            .try_acquire_lease("ordering.Ship", "a", LONG)
            .unwrap()
            .unwrap();
        assert_eq!(again.token, 1);
        let renewed = s.renew_lease(&a, LONG).unwrap().unwrap();
        assert_eq!(renewed.token, 1);
        assert!(renewed.expires_at >= a.expires_at);
        // Someone else's release changes nothing.
        let forged = Lease {
            holder: "b".into(),
            ..a.clone()
        };
        s.release_lease(&forged).unwrap();
        assert_eq!(
            s.lease_holder("ordering.Ship").unwrap().unwrap().holder,
            "a"
        );
        s.release_lease(&a).unwrap();
        assert_eq!(s.lease_holder("ordering.Ship").unwrap(), None);
        assert_eq!(
            s.renew_lease(&a, LONG).unwrap(),
            None,
            "a released lease is gone"
        );
        let b = s
            .try_acquire_lease("ordering.Ship", "b", LONG)
            .unwrap()
            .unwrap();
        assert_eq!((b.holder.as_str(), b.token), ("b", 2));
        assert!(matches!(
            s.try_acquire_lease("", "b", LONG),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            s.try_acquire_lease("c", "b", Duration::ZERO),
            Err(Error::InvalidInput(_))
        ));
    }

    pub fn expiry_takeover_and_fencing(f: &Fixture) {
        let s = &f.store;
        let ttl = Duration::from_millis(400);
        let a = s.try_acquire_lease("c", "a", ttl).unwrap().unwrap();
        commit(s, &a, 0, 1).unwrap();
        // `a` pauses past its expiry: nobody holds the lease, and `a` may not commit.
        std::thread::sleep(ttl + Duration::from_millis(100));
        assert_eq!(s.lease_holder("c").unwrap(), None);
        let expired = commit(s, &a, 1, 2);
        assert!(
            matches!(&expired, Err(Error::LeaseLost { detail, .. }) if detail.contains("expired")),
            "{expired:?}"
        );
        assert_eq!(s.renew_lease(&a, ttl).unwrap(), None);
        let b = s.try_acquire_lease("c", "b", LONG).unwrap().unwrap();
        assert_eq!(b.token, 2);
        // The old holder's batch, arriving after the takeover, is refused and writes nothing.
        let late = commit(s, &a, 1, 2);
        assert!(
            matches!(&late, Err(Error::LeaseLost { detail, .. }) if detail.contains("`b` holds it")),
            "{late:?}"
        );
        assert!(late
            .unwrap_err()
            .to_string()
            .contains("no longer holds the lease"));
        assert_eq!(s.load_doc("fenced", "a-2").unwrap(), None);
        assert_eq!(s.checkpoint("c").unwrap(), 1);
        commit(s, &b, 1, 2).unwrap();
        assert_eq!(s.load_doc("fenced", "b-2").unwrap(), Some(json!(2)));
        // Taken again by `a` once `b` released it: a newer token than both.
        s.release_lease(&b).unwrap();
        let a2 = s.try_acquire_lease("c", "a", LONG).unwrap().unwrap();
        assert_eq!(a2.token, 3);
        assert!(matches!(commit(s, &b, 2, 3), Err(Error::LeaseLost { .. })));
        commit(s, &a2, 2, 3).unwrap();
    }

    /// Two handles on one database (two processes would open it so); the memory store
    /// has no second handle to open.
    pub fn two_handles_share_leases(f: &Fixture) {
        if f.url == "memory:" {
            return;
        }
        let one = &f.store;
        let two = stormcraft_runtime::open(&f.url).unwrap();
        let ttl = Duration::from_millis(500);
        let a = one.try_acquire_lease("c", "a", ttl).unwrap().unwrap();
        assert_eq!(two.try_acquire_lease("c", "b", ttl).unwrap(), None);
        assert_eq!(two.lease_holder("c").unwrap().unwrap().holder, "a");
        std::thread::sleep(ttl + Duration::from_millis(100));
        let b = two.try_acquire_lease("c", "b", LONG).unwrap().unwrap();
        assert_eq!(b.token, a.token + 1);
        assert!(matches!(
            commit(one, &a, 0, 1),
            Err(Error::LeaseLost { .. })
        ));
        commit(one, &b, 0, 1).unwrap();
        // Racing takers: exactly one wins.
        two.release_lease(&b).unwrap();
        let winners: Vec<bool> = std::thread::scope(|scope| {
            let takers: Vec<_> = (0..4)
                .map(|i| {
                    let store = if i % 2 == 0 { one.clone() } else { two.clone() };
                    scope.spawn(move || {
                        store
                            .try_acquire_lease("c", &format!("t{i}"), LONG)
                            .unwrap()
                            .is_some()
                    })
                })
                .collect();
            takers.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert_eq!(winners.iter().filter(|w| **w).count(), 1, "{winners:?}");
    }

    fn count(
        _: &Store,
        cause: Cause<'_>,
        tx: &mut dyn ProjectionTx,
    ) -> stormcraft_runtime::Result<()> {
        let key = cause.event.id.to_string();
        let seen = tx
            .get("handled", &key)?
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        tx.put("handled", &key, json!(seen + 1))
    }

    const COUNT: &[Worker] = &[Worker::new(
        "shop.Count",
        &[("shop-Cart", "ItemAdded")],
        count,
    )];

    /// Two sets of the same workers on one store, as two instances run them: one holds
    /// the consumer, the other waits; when the holder stops, the other takes over. Every
    /// event is handled exactly once.
    pub fn workers_of_one_consumer_take_turns(f: &Fixture) {
        let s = &f.store;
        let add = |n: i64| {
            s.append(
                &format!("shop-Cart-{n}"),
                ExpectedVersion::Any,
                vec![ev("ItemAdded", n)],
            )
            .unwrap();
        };
        for n in 0..20 {
            add(n);
        }
        let first_stop = Arc::new(AtomicBool::new(false));
        let first = spawn_workers(s, &first_stop, COUNT);
        wait_caught_up(s, "shop.Count");
        let second_stop = Arc::new(AtomicBool::new(false));
        let second = spawn_workers(s, &second_stop, COUNT);
        for n in 20..40 {
            add(n);
        }
        wait_caught_up(s, "shop.Count");
        let holder = lag(s, &COUNT[0]).unwrap().holder.expect("a holder");
        // The first set took the lease first and keeps it while it runs.
        std::thread::sleep(Duration::from_millis(1500));
        assert_eq!(
            lag(s, &COUNT[0]).unwrap().holder.as_deref(),
            Some(holder.as_str())
        );
        first_stop.store(true, Ordering::Release);
        for t in first {
            t.join().unwrap();
        }
        let stopped = Instant::now();
        for n in 40..60 {
            add(n);
        }
        wait_caught_up(s, "shop.Count");
        // A released lease is taken within one acquisition interval (plus the batch).
        assert!(
            stopped.elapsed() < Duration::from_secs(5),
            "{:?}",
            stopped.elapsed()
        );
        let now = lag(s, &COUNT[0]).unwrap();
        assert_ne!(now.holder.as_deref(), Some(holder.as_str()));
        assert!(now.holder.is_some());
        assert_eq!((now.pending, now.behind), (0, 0));
        second_stop.store(true, Ordering::Release);
        for t in second {
            t.join().unwrap();
        }
        let handled = s.list_docs("handled").unwrap();
        assert_eq!(handled.len(), 60);
        assert!(handled.iter().all(|(_, n)| *n == json!(1)), "{handled:?}");
        assert_eq!(
            lag(s, &COUNT[0]).unwrap().holder,
            None,
            "a clean stop releases it"
        );
    }
}

macro_rules! conformance {
    ($backend:ident, $factory:path, $cases:expr) => {
        mod $backend {
            use super::*;
            conformance!(@tests $factory;
                append_and_read, expected_versions, rejects_bad_input, idempotent_retry,
                categories, snapshots, upcasting, subscription_projection, selected_reads,
                raw_reads, read_model_shapes,
                filtered_subscription,
                handler_error_commits_nothing, checkpoint_conflict, append_with_state,
                live_subscription, racing_exact_writers, many_writers_with_subscriber);
            conformance!(@timers $factory;
                fire_in_due_order_once, store_fires_by_its_clock, cancelled_never_fires,
                rescheduling_replaces, retried_firing_appends_once, rejects_bad_timers,
                scheduled_with_the_checkpoint, fired_events_reach_subscribers);
            #[cfg(feature = "testing")]
            conformance!(@timers $factory; drive_runs_workers_and_timers);
            conformance!(@leases $factory;
                acquire_renew_release, expiry_takeover_and_fencing, two_handles_share_leases,
                workers_of_one_consumer_take_turns);
            conformance!(@batching $factory;
                deferred_effects_survive_a_failure_mid_batch,
                a_worker_commits_its_backlog_as_one_batch);

            #[test]
            fn matches_model() {
                suite::matches_model($factory, $cases);
            }
        }
    };
    (@batching $factory:path; $($test:ident),*) => {
        $(
            #[test]
            fn $test() {
                if let Some(f) = $factory() {
                    batching::$test(&f);
                }
            }
        )*
    };
    (@leases $factory:path; $($test:ident),*) => {
        $(
            #[test]
            fn $test() {
                if let Some(f) = $factory() {
                    leases::$test(&f);
                }
            }
        )*
    };
    (@timers $factory:path; $($test:ident),*) => {
        $(
            #[test]
            fn $test() {
                if let Some(f) = $factory() {
                    timers::$test(&f);
                }
            }
        )*
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

conformance!(memory, common::memory, 64);
#[cfg(feature = "sqlite")]
conformance!(sqlite, common::sqlite, 32);
#[cfg(feature = "postgres")]
conformance!(postgres, common::postgres, 12);

/// The PostgreSQL case a naive `position > cursor` reader gets wrong: a transaction that
/// started first commits last. Appends of one store are group-committed, so the
/// interleaving happens between two stores on one database (two processes); it is forced
/// with the stores' test hooks, no timing involved.
#[cfg(feature = "postgres")]
mod postgres_ordering {
    use super::*;
    use std::sync::mpsc;
    use stormcraft_runtime::{PgHookPoint, PgStore};

    /// Pauses the append running on the thread named `who` at `point` until told to go.
    struct Gate {
        reached: mpsc::Receiver<()>,
        go: mpsc::SyncSender<()>,
    }

    fn gate(pg: &PgStore, who: &'static str, point: PgHookPoint) -> Gate {
        let (reached_tx, reached) = mpsc::sync_channel(1);
        let (go, go_rx) = mpsc::sync_channel(1);
        let go_rx = Mutex::new(go_rx);
        pg.set_hook(Some(Arc::new(move |p| {
            if p == point && std::thread::current().name() == Some(who) {
                reached_tx.send(()).unwrap();
                go_rx.lock().unwrap().recv().unwrap();
            }
        })));
        Gate { reached, go }
    }

    /// Two stores ("processes") on one fresh database: the first with its hookable
    /// backend, and the database's URL.
    fn setup() -> Option<(Arc<PgStore>, Store, Store, String)> {
        let url = common::pg_server()?.fresh_database();
        let pg = Arc::new(PgStore::connect(&url).unwrap());
        let store = Store::from_arc(pg.clone());
        let other = Store::new(PgStore::connect(&url).unwrap());
        Some((pg, store, other, url))
    }

    fn spawn_append(
        store: &Store,
        name: &'static str,
        stream: &'static str,
    ) -> std::thread::JoinHandle<u64> {
        let s = store.clone();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                s.append(stream, ExpectedVersion::Any, vec![ev("E", 0)])
                    .unwrap()
                    .positions[0]
            })
            .unwrap()
    }

    fn positions(store: &Store) -> Vec<u64> {
        store
            .read_all(0, usize::MAX)
            .unwrap()
            .iter()
            .map(|e| e.position)
            .collect()
    }

    #[test]
    fn first_started_commits_last_and_nothing_is_skipped() {
        let Some((pg, store, other, _)) = setup() else {
            return;
        };
        let mut sub = store.subscribe("reader", Filter::All);
        let mut seen = Vec::new();
        // A does all its stream work, then stops before taking a position.
        let g = gate(&pg, "A", PgHookPoint::BeforePositionLock);
        let a = spawn_append(&store, "A", "a-1");
        g.reached.recv().unwrap();
        // B, in the other process, starts after A and commits first.
        let b = spawn_append(&other, "B", "b-1");
        assert_eq!(b.join().unwrap(), 1);
        sub.catch_up(|e, _| {
            seen.push(e.position);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![1]);
        g.go.send(()).unwrap();
        assert_eq!(
            a.join().unwrap(),
            2,
            "A gets the next position when it commits"
        );
        sub.catch_up(|e, _| {
            seen.push(e.position);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![1, 2]);
    }

    #[test]
    fn a_position_holder_blocks_later_positions_until_it_commits() {
        let Some((pg, store, other, _)) = setup() else {
            return;
        };
        // A holds position 1, uncommitted.
        let g = gate(&pg, "A", PgHookPoint::BeforeCommit);
        let a = spawn_append(&store, "A", "a-1");
        g.reached.recv().unwrap();
        // B (another process, another stream) does its stream work, then waits for the
        // position lock.
        let b = spawn_append(&other, "B", "b-1");
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            !b.is_finished(),
            "B must not commit a position above an uncommitted one"
        );
        assert!(store.read_all(0, 10).unwrap().is_empty());
        assert_eq!(store.head_position().unwrap(), 0);
        g.go.send(()).unwrap();
        assert_eq!(a.join().unwrap(), 1);
        // B read the head after A's commit, although it asked for the lock before.
        assert_eq!(b.join().unwrap(), 2);
        assert_eq!(positions(&store), vec![1, 2]);
    }

    #[test]
    fn writers_of_different_streams_do_not_wait_for_each_other_before_the_position_lock() {
        let Some((pg, store, other, _)) = setup() else {
            return;
        };
        // A pauses after locking its stream row; B, on another stream, completes.
        let g = gate(&pg, "A", PgHookPoint::BeforePositionLock);
        let a = spawn_append(&store, "A", "a-1");
        g.reached.recv().unwrap();
        let b = spawn_append(&other, "B", "b-1");
        assert_eq!(b.join().unwrap(), 1);
        g.go.send(()).unwrap();
        assert_eq!(a.join().unwrap(), 2);
    }

    /// The transaction id that wrote each event row, by position.
    fn writers_xids(url: &str) -> Vec<(i64, String)> {
        let mut c = ::postgres::Client::connect(url, ::postgres::NoTls).unwrap();
        c.query(
            "SELECT position, xmin::text FROM stormcraft_events ORDER BY position",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
    }

    #[test]
    fn appends_queued_behind_a_batch_commit_together() {
        let Some((pg, store, _, url)) = setup() else {
            return;
        };
        // A's batch is in its stream work: the next batch cannot start yet.
        let g = gate(&pg, "A", PgHookPoint::BeforePositionLock);
        let a = spawn_append(&store, "A", "a-1");
        g.reached.recv().unwrap();
        // Meanwhile three appends of this process queue behind it.
        let queued: Vec<_> = ["B", "C", "D"]
            .into_iter()
            .zip(["b-1", "c-1", "b-1"])
            .map(|(who, stream)| spawn_append(&store, who, stream))
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        assert!(queued.iter().all(|t| !t.is_finished()));
        g.go.send(()).unwrap();
        assert_eq!(a.join().unwrap(), 1);
        let mut got: Vec<u64> = queued.into_iter().map(|t| t.join().unwrap()).collect();
        got.sort();
        assert_eq!(got, vec![2, 3, 4]);
        let xids = writers_xids(&url);
        assert_ne!(xids[0].1, xids[1].1, "A committed alone");
        assert!(
            xids[1..].iter().all(|(_, x)| *x == xids[1].1),
            "the queued appends share one transaction (one commit, one flush): {xids:?}"
        );
        let b = store.read_stream("b-1", 1, 10).unwrap();
        assert_eq!(b.iter().map(|e| e.version).collect::<Vec<_>>(), vec![1, 2]);
    }

    /// A batch that holds the position lock has released the front: the next batch of the
    /// same store does its stream work meanwhile on another connection, then waits for the
    /// lock, and commits the next position after the first batch's commit.
    #[test]
    fn the_next_batch_of_a_store_overlaps_the_commit_in_flight() {
        let Some((pg, store, _, url)) = setup() else {
            return;
        };
        // B's stream row exists (committed, version 0), so another connection can see
        // when B's batch locks it.
        store
            .append_with_state(
                "b-1",
                ExpectedVersion::NoStream,
                vec![],
                vec![DocOp::Put {
                    table: "t".into(),
                    key: "k".into(),
                    value: json!(1),
                }],
            )
            .unwrap();
        let g = gate(&pg, "A", PgHookPoint::BeforeCommit);
        let a = spawn_append(&store, "A", "a-1");
        g.reached.recv().unwrap();
        let b = spawn_append(&store, "B", "b-1");
        // B's stream row gets locked by B's batch while A still holds the position lock.
        let mut c = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let free = |c: &mut ::postgres::Client| {
            c.query(
                "SELECT 1 FROM stormcraft_streams WHERE name = 'b-1' FOR UPDATE SKIP LOCKED",
                &[],
            )
            .unwrap()
            .len()
        };
        assert_eq!(free(&mut c), 1);
        while free(&mut c) == 1 {
            assert!(Instant::now() < deadline, "B's batch did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!b.is_finished());
        assert!(store.read_all(0, 10).unwrap().is_empty());
        g.go.send(()).unwrap();
        assert_eq!(a.join().unwrap(), 1);
        assert_eq!(b.join().unwrap(), 2);
        assert_eq!(positions(&store), vec![1, 2]);
    }

    /// One request of a batch failing (a version conflict, an idempotency conflict) fails
    /// alone; the others of the batch commit, and the stream of the failed request is
    /// left as it was.
    #[test]
    fn a_failing_request_fails_alone_in_its_batch() {
        let Some((pg, store, _, url)) = setup() else {
            return;
        };
        store
            .append("taken-1", ExpectedVersion::Any, vec![ev("E", 0)])
            .unwrap();
        let stored = store.read_stream("taken-1", 1, 1).unwrap()[0].id;
        let g = gate(&pg, "A", PgHookPoint::BeforePositionLock);
        let a = spawn_append(&store, "A", "a-1");
        g.reached.recv().unwrap();
        let run = |name: &str, stream: &'static str, expected, event: NewEvent| {
            let s = store.clone();
            std::thread::Builder::new()
                .name(name.into())
                .spawn(move || s.append(stream, expected, vec![event]))
                .unwrap()
        };
        let ok1 = run("B", "b-1", ExpectedVersion::Any, ev("E", 1));
        let stale = run("C", "c-1", ExpectedVersion::Exact(3), ev("E", 2));
        let elsewhere = run("D", "d-1", ExpectedVersion::Any, ev("E", 3).with_id(stored));
        let ok2 = run("E", "b-1", ExpectedVersion::Any, ev("E", 4));
        std::thread::sleep(Duration::from_millis(200));
        g.go.send(()).unwrap();
        a.join().unwrap();
        let ok1 = ok1.join().unwrap().unwrap();
        assert!(matches!(
            stale.join().unwrap(),
            Err(Error::WrongExpectedVersion { actual: 0, .. })
        ));
        assert!(matches!(
            elsewhere.join().unwrap(),
            Err(Error::IdempotencyConflict { .. })
        ));
        let ok2 = ok2.join().unwrap().unwrap();
        let mut versions = [ok1.stream_version, ok2.stream_version];
        versions.sort();
        assert_eq!(versions, [1, 2]);
        assert_eq!(positions(&store), vec![1, 2, 3, 4]);
        let xids = writers_xids(&url);
        assert_eq!(
            xids[2].1, xids[3].1,
            "B and E committed in one batch: {xids:?}"
        );
        assert_eq!(store.stream_version("c-1").unwrap(), 0);
        assert_eq!(store.stream_version("d-1").unwrap(), 0);
    }

    /// The same append sent by many threads of two processes at once: one stores it,
    /// every other gets the original result back (in one process the copies go to
    /// separate batches; across processes the loser meets the winner's id).
    #[test]
    fn concurrent_retries_of_one_append_store_it_once() {
        let Some((_, store, other, _)) = setup() else {
            return;
        };
        for round in 0..10 {
            let stream = format!("retry-{round}");
            let events = vec![ev("E", 1), ev("E", 2)];
            let barrier = Arc::new(Barrier::new(8));
            let results: Vec<_> = (0..8)
                .map(|t| {
                    let s = if t % 2 == 0 {
                        store.clone()
                    } else {
                        other.clone()
                    };
                    let (stream, events, barrier) =
                        (stream.clone(), events.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        s.append(&stream, ExpectedVersion::NoStream, events)
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap().unwrap())
                .collect();
            assert!(results.iter().all(|r| *r == results[0]), "{results:?}");
            assert_eq!(results[0].stream_version, 2);
            let stored = store.read_stream(&stream, 1, 10).unwrap();
            assert_eq!(stored.len(), 2);
            assert_eq!(
                stored.iter().map(|e| e.position).collect::<Vec<_>>(),
                results[0].positions
            );
        }
        assert_eq!(positions(&store), (1..=20).collect::<Vec<_>>());
    }

    /// An `X/Y` LSN as one number.
    fn lsn(text: &str) -> u64 {
        let (hi, lo) = text.split_once('/').expect("an LSN");
        (u64::from_str_radix(hi, 16).unwrap() << 32) | u64::from_str_radix(lo, 16).unwrap()
    }

    /// The test server runs with `synchronous_commit = off`; durability needs it on, so
    /// the database of this test gets the server default of production.
    fn durable_database(url: &str) -> ::postgres::Client {
        let name = url.rsplit('/').next().unwrap();
        let mut admin = ::postgres::Client::connect(url, ::postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "ALTER DATABASE {name} SET synchronous_commit = on"
            ))
            .unwrap();
        admin
    }

    /// Whether `pg_walinspect` (PostgreSQL's contrib) could be installed, to read commit
    /// records back; without it the WAL checks are skipped with a notice.
    fn walinspect(c: &mut ::postgres::Client) -> bool {
        match c.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect") {
            Ok(()) => true,
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("pg_walinspect is not available ({e}); CI=true, so this fails")
            }
            Err(e) => {
                eprintln!("notice: pg_walinspect is not available ({e}); WAL checks skipped");
                false
            }
        }
    }

    /// Commit records written since `from`: the end of each one's record, by xid.
    fn commit_ends(c: &mut ::postgres::Client, from: &str) -> BTreeMap<String, u64> {
        // A transaction that writes WAL, committed synchronously, flushes everything
        // before it: every commit record of the test is then readable. (One that only
        // takes an xid writes no WAL of its own, and PostgreSQL commits it asynchronously.)
        c.batch_execute(
            "SET synchronous_commit = on; CREATE TABLE IF NOT EXISTS wal_probe (n INT);
             INSERT INTO wal_probe VALUES (1);",
        )
        .unwrap();
        c.query(
            "SELECT xid::text, end_lsn::text FROM pg_get_wal_records_info($1::text::pg_lsn, pg_current_wal_flush_lsn())
             WHERE resource_manager = 'Transaction' AND record_type = 'COMMIT'",
            &[&from],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), lsn(r.get::<_, &str>(1))))
        .collect()
    }

    /// What a reader on its own connection sees: each event's writing transaction and the
    /// WAL flush position read while reading it.
    fn read_with_flush(c: &mut ::postgres::Client, after: i64) -> Vec<(i64, String, u64)> {
        c.query(
            "SELECT position, xmin::text, pg_current_wal_flush_lsn()::text FROM stormcraft_events
             WHERE position > $1 ORDER BY position",
            &[&after],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), lsn(r.get::<_, &str>(2))))
        .collect()
    }

    /// Durable before visible: while an append's batch has not committed, a reader on
    /// another connection sees nothing of it; once a reader sees it, the WAL is flushed
    /// past its commit record (checked with `pg_walinspect`). The old design (commit with
    /// `synchronous_commit = off`, flush afterwards) fails the second part.
    #[test]
    fn no_reader_sees_an_event_before_it_is_durable() {
        let Some(server) = common::pg_server() else {
            return;
        };
        let url = server.fresh_database();
        let mut admin = durable_database(&url);
        let wal = walinspect(&mut admin);
        let start: String = admin
            .query_one("SELECT pg_current_wal_insert_lsn()::text", &[])
            .unwrap()
            .get(0);
        let pg = Arc::new(PgStore::connect(&url).unwrap());
        let store = Store::from_arc(pg.clone());
        let reader = Store::new(PgStore::connect(&url).unwrap());
        let mut raw = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();

        let g = gate(&pg, "A", PgHookPoint::BeforeCommit);
        let a = spawn_append(&store, "A", "a-1");
        g.reached.recv().unwrap();
        assert!(reader.read_all(0, 10).unwrap().is_empty());
        assert_eq!(reader.head_position().unwrap(), 0);
        assert!(read_with_flush(&mut raw, 0).is_empty());
        // Paused after the commit, before A is told: visible now, and durable.
        let g = {
            let after = gate(&pg, "A", PgHookPoint::AfterCommit);
            g.go.send(()).unwrap();
            after
        };
        g.reached.recv().unwrap();
        let seen = read_with_flush(&mut raw, 0);
        assert_eq!(seen.len(), 1);
        g.go.send(()).unwrap();
        assert_eq!(a.join().unwrap(), 1);
        pg.set_hook(None);
        if wal {
            let ends = commit_ends(&mut admin, &start);
            let (_, xid, flushed) = &seen[0];
            let end = ends.get(xid).expect("a commit record for the append");
            assert!(
                flushed >= end,
                "event visible at flush {flushed:X}, its commit record ends at {end:X}"
            );
        }
    }

    /// Two stores (two processes) appending concurrently into one database, on their own
    /// streams and on shared ones with racing `Exact` versions, while a reader follows:
    /// positions gapless and in order, every acknowledged event stored where it was
    /// acknowledged, the reader never skipping one, and never seeing an event whose
    /// commit record was not flushed yet.
    #[test]
    fn two_stores_append_concurrently_gapless_in_order_durable() {
        let Some(server) = common::pg_server() else {
            return;
        };
        let url = server.fresh_database();
        let mut admin = durable_database(&url);
        let wal = walinspect(&mut admin);
        let start: String = admin
            .query_one("SELECT pg_current_wal_insert_lsn()::text", &[])
            .unwrap()
            .get(0);
        let stores: Vec<Store> = (0..2)
            .map(|_| Store::new(PgStore::connect(&url).unwrap()))
            .collect();
        const THREADS: usize = 8;
        const APPENDS: usize = 60;
        let done = Arc::new(AtomicBool::new(false));
        let reader = {
            let (url, done) = (url.clone(), done.clone());
            std::thread::spawn(move || {
                let mut c = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
                let mut seen = Vec::new();
                let mut after = 0;
                loop {
                    let last = done.load(Ordering::SeqCst);
                    let batch = read_with_flush(&mut c, after);
                    if let Some((p, _, _)) = batch.last() {
                        after = *p;
                    }
                    seen.extend(batch);
                    if last {
                        return seen;
                    }
                }
            })
        };
        let barrier = Arc::new(Barrier::new(THREADS));
        let writers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (store, barrier) = (stores[t % 2].clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut acked = Vec::new();
                    for i in 0..APPENDS {
                        // Half to the thread's own stream, half racing on 3 shared ones.
                        let (stream, expected) = if i % 2 == 0 {
                            (format!("own-T{t}"), ExpectedVersion::Exact(i as u64 / 2))
                        } else {
                            let stream = format!("shared-S{}", i % 3);
                            let v = store.stream_version(&stream).unwrap();
                            (stream, ExpectedVersion::Exact(v))
                        };
                        let events = vec![ev("E", (t * 1000 + i) as i64), ev("F", i as i64)];
                        let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
                        match store.append(&stream, expected, events) {
                            Ok(r) => acked.push((stream, ids, r)),
                            Err(Error::WrongExpectedVersion { .. }) => {}
                            Err(e) => panic!("unexpected error: {e}"),
                        }
                    }
                    acked
                })
            })
            .collect();
        let acked: Vec<_> = writers
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        done.store(true, Ordering::SeqCst);
        let seen = reader.join().unwrap();

        let all = stores[1].read_all(0, usize::MAX).unwrap();
        assert_eq!(
            all.iter().map(|e| e.position).collect::<Vec<_>>(),
            (1..=all.len() as u64).collect::<Vec<_>>(),
            "gapless, in order"
        );
        assert_eq!(
            all.len(),
            acked.len() * 2,
            "only acknowledged events are stored"
        );
        let by_id: BTreeMap<Uuid, &stormcraft_runtime::RecordedEvent> =
            all.iter().map(|e| (e.id, e)).collect();
        for (stream, ids, r) in &acked {
            for (i, id) in ids.iter().enumerate() {
                let e = by_id.get(id).expect("an acknowledged event is stored");
                assert_eq!(&e.stream, stream);
                assert_eq!(e.position, r.positions[i]);
                assert_eq!(e.version, r.stream_version - 1 + i as u64);
            }
        }
        let mut streams: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for e in &all {
            streams
                .entry(e.stream.as_str())
                .or_default()
                .push(e.version);
        }
        for (stream, versions) in &streams {
            assert_eq!(
                *versions,
                (1..=versions.len() as u64).collect::<Vec<_>>(),
                "{stream}"
            );
        }
        assert_eq!(
            seen.iter().map(|(p, _, _)| *p as u64).collect::<Vec<_>>(),
            all.iter().map(|e| e.position).collect::<Vec<_>>(),
            "the following reader saw every event once, in order"
        );
        if wal {
            let ends = commit_ends(&mut admin, &start);
            for (position, xid, flushed) in &seen {
                let end = ends.get(xid).expect("a commit record for every writer");
                assert!(
                    flushed >= end,
                    "event {position} seen at flush {flushed:X}, its commit ends at {end:X}"
                );
            }
        }
        eprintln!(
            "{} appends acknowledged, {} transactions",
            acked.len(),
            seen.iter()
                .map(|(_, x, _)| x)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        );
    }
}

/// Two processes' stores on one PostgreSQL database firing at once: `FOR UPDATE SKIP
/// LOCKED` on the timer rows means each timer is fired by exactly one of them. Each
/// firing returns one event per timer it fired (a retried firing would return the stored
/// event again), so a timer fired twice would show up twice in the returned lists even
/// though its event id makes the second append a no-op.
#[cfg(feature = "postgres")]
mod postgres_timers {
    use super::timers::{t0, timer};
    use super::*;
    use stormcraft_runtime::PgStore;

    #[test]
    fn two_stores_firing_concurrently_fire_each_timer_once() {
        let Some(server) = common::pg_server() else {
            return;
        };
        let url = server.fresh_database();
        let stores: Vec<Store> = (0..2)
            .map(|_| Store::new(PgStore::connect(&url).unwrap()))
            .collect();
        const TIMERS: usize = 400;
        let ops = (0..TIMERS)
            .map(|i| {
                // Few streams, so firings also contend for the same stream rows.
                let stream = format!("shop-Deadline-{}", i % 5);
                let due = t0() + Duration::from_micros(i as u64 % 13);
                DocOp::ScheduleTimer(timer(&format!("t{i:04}"), due, &stream, i as i64))
            })
            .collect();
        stores[0].backend().schedule_timers(ops).unwrap();
        let barrier = Arc::new(Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let store = stores[t % 2].clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut fired = Vec::new();
                    loop {
                        let batch = store
                            .backend()
                            .fire_due_timers(t0() + Duration::from_secs(1), 7)
                            .unwrap();
                        if batch.is_empty() && store.pending_timers().unwrap().is_empty() {
                            return fired;
                        }
                        fired.extend(batch.into_iter().map(|e| e.id));
                    }
                })
            })
            .collect();
        let mut counts: BTreeMap<Uuid, usize> = BTreeMap::new();
        let mut per_thread = Vec::new();
        for t in threads {
            let fired = t.join().unwrap();
            per_thread.push(fired.len());
            for id in fired {
                *counts.entry(id).or_default() += 1;
            }
        }
        assert_eq!(counts.len(), TIMERS, "fired per thread: {per_thread:?}");
        assert!(
            counts.values().all(|&n| n == 1),
            "a timer fired more than once"
        );
        let all = stores[1].read_all(0, usize::MAX).unwrap();
        assert_eq!(all.len(), TIMERS);
        assert!(all
            .iter()
            .enumerate()
            .all(|(i, e)| e.position == i as u64 + 1));
        eprintln!("fired per thread: {per_thread:?}");
    }
}

/// Cross-process wake-ups on PostgreSQL (`LISTEN`/`NOTIFY`): a consumer waiting in one
/// process blocks while nothing is appended — it does not poll — and wakes when another
/// process appends or fires a timer; when its listening connection dies it falls back to
/// polling, then listens again.
#[cfg(feature = "postgres")]
mod postgres_wakeups {
    use super::timers::{t0, timer};
    use super::*;
    use std::time::Instant;
    use stormcraft_runtime::{EventStore, PgStore};

    /// A writer store and a waiting store ("two processes") on one fresh database.
    fn setup() -> Option<(Store, Arc<PgStore>, String)> {
        let url = common::pg_server()?.fresh_database();
        let writer = Store::new(PgStore::connect(&url).unwrap());
        let waiter = Arc::new(PgStore::connect(&url).unwrap());
        Some((writer, waiter, url))
    }

    /// How long one backend wait past `after` lasted.
    fn wait(waiter: &PgStore, after: u64, timeout: Duration) -> Duration {
        let started = Instant::now();
        waiter.wait_for_events(after, timeout).unwrap();
        started.elapsed()
    }

    /// Waits until a wait blocks for (nearly) its whole timeout: the listener is up.
    fn until_listening(waiter: &PgStore, after: u64) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while wait(waiter, after, Duration::from_millis(300)) < Duration::from_millis(250) {
            assert!(Instant::now() < deadline, "the listener never connected");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs `act` on another thread 300 ms from now and returns how long a wait past
    /// `after` (timeout 20 s) took to return.
    fn woken_by(waiter: &PgStore, after: u64, act: impl FnOnce() + Send + 'static) -> Duration {
        let acting = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            act();
        });
        let took = wait(waiter, after, Duration::from_secs(20));
        acting.join().unwrap();
        took
    }

    #[test]
    fn a_waiting_consumer_blocks_until_another_process_appends() {
        let Some((writer, waiter, _)) = setup() else {
            return;
        };
        until_listening(&waiter, 0);
        let idle = wait(&waiter, 0, Duration::from_millis(1500));
        assert!(
            idle >= Duration::from_millis(1400),
            "with nothing appended the wait blocks (it returned after {idle:?})"
        );
        let w = writer.clone();
        let took = woken_by(&waiter, 0, move || {
            w.append("a-1", ExpectedVersion::Any, vec![ev("E", 0)])
                .unwrap();
        });
        assert!(
            took < Duration::from_secs(3),
            "woke {took:?} after it started, not at the append (300 ms)"
        );
        // Already past its cursor: returns at once; past the new head: blocks again.
        assert!(wait(&waiter, 0, Duration::from_secs(5)) < Duration::from_secs(1));
        let idle = wait(&waiter, 1, Duration::from_millis(800));
        assert!(
            idle >= Duration::from_millis(700),
            "returned after {idle:?}"
        );
    }

    #[test]
    fn a_timer_fired_by_another_process_wakes_a_waiting_consumer() {
        let Some((writer, waiter, _)) = setup() else {
            return;
        };
        writer
            .schedule_timer(timer("t", t0(), "shop-Deadline-1", 1))
            .unwrap();
        until_listening(&waiter, 0);
        let w = writer.clone();
        let took = woken_by(&waiter, 0, move || {
            assert_eq!(w.backend().fire_due_timers(t0(), 10).unwrap().len(), 1);
        });
        assert!(took < Duration::from_secs(3), "woke after {took:?}");
    }

    #[test]
    fn a_killed_listening_connection_falls_back_to_polling_and_listens_again() {
        let Some((writer, waiter, url)) = setup() else {
            return;
        };
        until_listening(&waiter, 0);
        let mut admin = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
        let killed: i64 = admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE datname = current_database() AND query LIKE 'LISTEN%'",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(killed, 1, "one listening connection");
        writer
            .append("a-1", ExpectedVersion::Any, vec![ev("E", 0)])
            .unwrap();
        // Whether the listener has noticed yet or not, the appended event is seen: a
        // wait either returns (polling) or is woken.
        let store = Store::from_arc(waiter.clone());
        assert!(store.wait_for_events(0, Duration::from_secs(10)).unwrap());
        // It reconnects and blocks again, and is woken again.
        until_listening(&waiter, 1);
        let w = writer.clone();
        let took = woken_by(&waiter, 1, move || {
            w.append("a-1", ExpectedVersion::Any, vec![ev("E", 1)])
                .unwrap();
        });
        assert!(took < Duration::from_secs(3), "woke after {took:?}");
    }
}
