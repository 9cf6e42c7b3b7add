//! Drives the `shop` shape context (tests/shape/mod.rs, written as the generator emits
//! it) end to end on the memory and SQLite stores: HTTP command → events → policy →
//! command on a state-stored aggregate → projection row, an external call, upcasting,
//! snapshots, idempotent policy retries, conflicts, and the scenario runner's verdicts;
//! a refused policy command recorded and compensated by the recovery worker, and a
//! command sent to another context's inbox (tests/rejections_inbox.rs has the rest).

mod common;
mod shape;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use stormcraft_runtime::aggregate::{self, Cause, HandleError};
use stormcraft_runtime::projection::Row;
use stormcraft_runtime::testing::{verdict, AggregateScenario, Completion};
use stormcraft_runtime::worker::spawn_workers;
use stormcraft_runtime::{ExpectedVersion, NewEvent, RecordedEvent, Store, Timer};
use tower::ServiceExt;

use shape::order::{self, Order};
use shape::projections::OrderSummary;
use shape::stock::{self, Stock};

fn memory() -> (Store, Option<common::TempDir>) {
    let store = stormcraft_runtime::open("memory:").unwrap();
    (store.with_upcasters(shape::upcasters()), None)
}

fn sqlite() -> (Store, Option<common::TempDir>) {
    let dir = common::TempDir::new("shape");
    let url = format!("sqlite:{}", dir.path().join("shop.db").display());
    let store = stormcraft_runtime::open(&url).unwrap();
    (store.with_upcasters(shape::upcasters()), Some(dir))
}

async fn call(store: &Store, method: &str, path: &str, body: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = shape::service::router(store.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

/// Polls `GET path` until `done` holds of its body (bounded).
async fn eventually(store: &Store, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = call(store, "GET", path, "").await;
        if status == StatusCode::OK && done(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "`{path}` never got there: {body}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn end_to_end(store: Store) {
    let stop = Arc::new(AtomicBool::new(false));
    let workers = spawn_workers(&store, &stop, &shape::workers());
    let id = uuid::Uuid::new_v4();

    let (status, body) = call(&store, "GET", "/health", "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        [
            &body["status"],
            &body["rejections"],
            &body["timers_pending"]
        ],
        [&json!("ok"), &json!(0), &json!(0)],
        "{body}"
    );
    // Every worker is listed, none behind yet.
    let consumers = body["consumers"].as_array().expect("consumers");
    assert_eq!(consumers.len(), shape::workers().len(), "{body}");
    assert!(consumers.iter().all(|c| c["pending"] == 0), "{body}");

    let place = json!({"order_id": id, "customer": "ada", "sku": "MUG", "quantity": 2});
    let (status, body) = call(&store, "POST", "/commands/PlaceOrder", &place.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["events"][0]["type"], "OrderPlaced");
    assert_eq!(body["events"][0]["version"], 1);
    assert_eq!(body["events"][0]["data"]["customer"], "ada");

    // The policy reserved the stock on the state-stored aggregate; the projection saw
    // both aggregates' events.
    let path = format!("/order-summaries/{id}");
    let row = eventually(&store, &path, |row| row["reserved"] == true).await;
    assert_eq!(row["customer"], "ada");
    assert_eq!(row["quantity"], 2);
    let state = store.load_doc("shop.Stock", "MUG").unwrap().unwrap();
    assert_eq!(state, json!({"version": 1, "state": {"reserved": 2}}));
    let outbox = store.read_stream("shop-Stock-MUG", 1, 10).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].event_type, "StockReserved");
    // Its event records the cause: the OrderPlaced it reacts to.
    let placed = store
        .read_stream(&format!("shop-Order-{id}"), 1, 1)
        .unwrap();
    assert_eq!(outbox[0].metadata.causation_id, Some(placed[0].id));

    let cancel = json!({"order_id": id, "reason": "changed my mind"}).to_string();
    let (status, _) = call(&store, "POST", "/commands/CancelOrder", &cancel).await;
    assert_eq!(status, StatusCode::OK);
    eventually(&store, &path, |row| row["cancelled"] == true).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !shape::adapters::SENT.lock().unwrap().contains(&id) {
        assert!(Instant::now() < deadline, "the e-mail was never sent");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The policy on `OrderCancelled` sent billing's `RefundOrder` to billing's inbox.
    let sent = eventually_in(&store, "billing-Inbox", 1).await;
    assert_eq!(sent[0].event_type, "CommandSent");
    assert_eq!(sent[0].payload["command"], "RefundOrder");
    assert_eq!(sent[0].payload["issuer"], "shop");
    assert_eq!(sent[0].payload["policy"], "RefundWhenOrderCancelled");
    assert_eq!(sent[0].payload["body"]["order_id"], json!(id));
    assert_eq!(sent[0].payload["attempt"], 1);

    let (status, body) = call(&store, "POST", "/commands/CancelOrder", &cancel).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        json!({"error": "OrderAlreadyCancelled", "message": "the order is already cancelled"})
    );
    let (status, body) = call(&store, "POST", "/commands/PlaceOrder", "{\"quantity\": -1}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_request");
    let (status, body) = call(&store, "GET", "/order-summaries/nope", "").await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"error": "not_found"}))
    );
    let (status, body) = call(&store, "GET", "/order-summaries", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|row| row["order_id"] == json!(id)));
    assert_eq!(body["next"], json!(null));
    // A list query: filters the row declares, a limit, the next page's cursor.
    let customer = body["rows"][0]["customer"].as_str().unwrap().to_owned();
    let (status, body) = call(
        &store,
        "GET",
        &format!(
            "/order-summaries?customer={}&cancelled=false&limit=1",
            customer.replace(' ', "+")
        ),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["rows"].as_array().unwrap().len() <= 1);
    for row in body["rows"].as_array().unwrap() {
        assert_eq!(row["customer"], json!(customer));
    }
    // A client's mistakes are 400s naming what is allowed, never 500s.
    for query in [
        "status=Placed",
        "limit=0",
        "limit=1001",
        "limit=many",
        "after=zz",
        "customer=a&customer=b",
    ] {
        let (status, body) = call(&store, "GET", &format!("/order-summaries?{query}"), "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"], "bad_request", "{query}");
        assert_eq!(body["filters"], json!(["customer", "cancelled"]), "{query}");
    }

    // More than the stock: the policy's `ReserveStock` is refused, the refusal is
    // recorded in shop's rejections, and the recovery worker compensates (`on_error:
    // OutOfStock: { issue: CancelOrder }`).
    let big = uuid::Uuid::new_v4();
    let place = json!({"order_id": big, "customer": "bob", "sku": "MUG", "quantity": 11});
    let (status, _) = call(&store, "POST", "/commands/PlaceOrder", &place.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/order-summaries/{big}");
    let row = eventually(&store, &path, |row| row["cancelled"] == true).await;
    assert_eq!(row["reserved"], false);
    let listed = eventually(&store, "/rejections", |list| {
        list.as_array().unwrap().len() == 1
    })
    .await;
    let rejection = &listed[0];
    assert_eq!(rejection["policy"], "ReserveStockWhenOrderPlaced");
    assert_eq!(rejection["command"], "ReserveStock");
    assert_eq!(rejection["context"], "shop");
    assert_eq!(rejection["target"], "shop-Stock-MUG");
    assert_eq!(rejection["error"], "OutOfStock");
    assert_eq!(rejection["message"], "not enough stock left for this order");
    assert_eq!(
        rejection["body"],
        json!({"sku": "MUG", "order_id": big, "quantity": 11})
    );
    assert_eq!(rejection["cause"]["event_type"], "OrderPlaced");
    assert_eq!(rejection["attempt"], 1);
    assert!(rejection["recorded_at"].as_str().unwrap().ends_with('Z'));
    let cancelled = store
        .read_stream(&format!("shop-Order-{big}"), 1, 10)
        .unwrap();
    assert_eq!(cancelled[1].event_type, "OrderCancelled");
    assert_eq!(
        cancelled[1].payload["reason"],
        "out of stock: not enough stock left for this order"
    );
    // A pending timer of shop counts; another context's does not.
    for id in ["shop.CancelUnpaidOrder/1", "billing.Remind/1"] {
        store
            .schedule_timer(Timer {
                id: id.into(),
                due_at: std::time::SystemTime::now() + Duration::from_secs(3600),
                stream: "shop-Deadline-1".into(),
                event: NewEvent::new("DeadlinePassed", 1, json!({})),
            })
            .unwrap();
    }
    let (status, body) = call(&store, "GET", "/health", "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        [&body["rejections"], &body["timers_pending"]],
        [&json!(1), &json!(1)],
        "{body}"
    );
    // The workers are running: each holds its consumer's lease as this instance.
    let consumers = body["consumers"].as_array().unwrap();
    assert_eq!(consumers.len(), shape::workers().len(), "{body}");
    let me = format!("{}#", stormcraft_runtime::lease::instance_id());
    for consumer in consumers {
        assert!(consumer["behind"].is_u64(), "{consumer}");
        let holder = consumer["holder"].as_str().unwrap_or_default();
        assert!(holder.starts_with(&me), "{consumer} is not held by {me}");
    }
    // The same in Prometheus text, with each worker's checkpoint and pending events.
    let request = Request::builder()
        .uri("/metrics")
        .body(Body::empty())
        .unwrap();
    let response = shape::service::router(store.clone())
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    for line in [
        "# TYPE stormcraft_store_head_position counter",
        "stormcraft_rejections{context=\"shop\"} 1",
        "stormcraft_timers_pending{context=\"shop\"} 1",
        "stormcraft_timers_due{context=\"shop\"} 0",
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
    for worker in shape::workers() {
        let pending = format!(
            "stormcraft_consumer_pending_events{{context=\"shop\",consumer=\"{}\"}} ",
            worker.consumer
        );
        assert!(text.contains(&pending), "no `{pending}` in:\n{text}");
        let held = format!(
            "stormcraft_consumer_lease_held{{context=\"shop\",consumer=\"{}\",holder=\"{me}",
            worker.consumer
        );
        assert!(text.contains(&held), "no `{held}` in:\n{text}");
        let lag = format!(
            "stormcraft_consumer_lag_positions{{context=\"shop\",consumer=\"{}\"}} ",
            worker.consumer
        );
        assert!(text.contains(&lag), "no `{lag}` in:\n{text}");
    }
    let (status, body) = call(&store, "GET", "/rejections?limit=many", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_request");
    assert_eq!(
        body["message"],
        "`limit=many` is not a number from 1 to 1000; e.g. `?limit=20`"
    );

    stop.store(true, Ordering::Release);
    for worker in workers {
        worker.join().unwrap();
    }
}

/// Waits (bounded) until `category` holds `n` events; returns them.
async fn eventually_in(store: &Store, category: &str, n: usize) -> Vec<RecordedEvent> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let events = store.read_category(category, 0, 100).unwrap();
        if events.len() >= n {
            return events;
        }
        assert!(
            Instant::now() < deadline,
            "`{category}` never got {n} events"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_to_end_on_memory() {
    let (store, _dir) = memory();
    end_to_end(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_to_end_on_sqlite() {
    let (store, _dir) = sqlite();
    end_to_end(store).await;
}

/// A policy that handles its event again (a crash before its checkpoint) appends once.
#[test]
fn a_policy_retry_appends_once() {
    for (store, _dir) in [memory(), sqlite()] {
        let source = store
            .append(
                "shop-Order-1",
                ExpectedVersion::NoStream,
                vec![NewEvent::new("OrderPlaced", 2, json!({}))],
            )
            .unwrap();
        let source = &store.read_all(source.positions[0] - 1, 1).unwrap()[0];
        let cause = Cause {
            consumer: "shop.ReserveStockWhenOrderPlaced",
            event: source,
        };
        let reserve = || stock::ReserveStock {
            sku: "MUG".into(),
            order_id: uuid::Uuid::nil(),
            quantity: 1,
        };
        let first = aggregate::handle::<Stock>(&store, reserve().into(), Some(cause)).unwrap();
        // The retry decides again and gets the same derived ids, which the store
        // recognises: it answers with the first append and writes neither events nor state.
        let again = aggregate::handle::<Stock>(&store, reserve().into(), Some(cause)).unwrap();
        assert_eq!(again[0].position, first[0].position);
        assert_eq!(again[0].version, 1);
        assert_eq!(store.stream_version("shop-Stock-MUG").unwrap(), 1);
        let (state, version) = aggregate::load::<Stock>(&store, "MUG").unwrap();
        assert_eq!((state.reserved, version), (1, 1));
        // Without a cause, the same command is a new reservation.
        aggregate::handle::<Stock>(&store, reserve().into(), None).unwrap();
        assert_eq!(store.stream_version("shop-Stock-MUG").unwrap(), 2);
    }
}

/// Writers racing on one state-stored aggregate: each command is decided again on a
/// conflict, so no reservation is lost and the limit holds.
#[test]
fn racing_commands_are_decided_again() {
    let (store, _dir) = sqlite();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                let command = stock::ReserveStock {
                    sku: "MUG".into(),
                    order_id: uuid::Uuid::new_v4(),
                    quantity: 2,
                };
                aggregate::handle::<Stock>(&store, command.into(), None)
            })
        })
        .collect();
    let mut reserved = 0;
    for thread in threads {
        match thread.join().unwrap() {
            Ok(events) => reserved += 2 * events.len() as u32,
            Err(HandleError::Rejected(stock::Error::OutOfStock)) => {}
            Err(HandleError::Conflict) => {}
            Err(other) => panic!("{other}"),
        }
    }
    let (state, version) = aggregate::load::<Stock>(&store, "MUG").unwrap();
    assert_eq!(state.reserved, reserved);
    assert!((2..=10).contains(&reserved), "{reserved}");
    assert_eq!(version, u64::from(reserved / 2));
}

/// `Order` snapshots every 2 events; a load from the snapshot equals the full fold, and
/// a snapshot of another state version is ignored.
#[test]
fn snapshots_are_saved_and_used() {
    let (store, _dir) = sqlite();
    let id = uuid::Uuid::new_v4();
    let place = order::PlaceOrder {
        order_id: id,
        quantity: 1,
        ..Default::default()
    };
    aggregate::handle::<Order>(&store, place.into(), None).unwrap();
    let stream = format!("shop-Order-{id}");
    assert!(store.load_snapshot(&stream, 1).unwrap().is_none());
    let cancel = order::CancelOrder {
        order_id: id,
        reason: "r".into(),
    };
    aggregate::handle::<Order>(&store, cancel.into(), None).unwrap();
    let snapshot = store.load_snapshot(&stream, 1).unwrap().unwrap();
    assert_eq!(snapshot.version, 2);
    assert_eq!(snapshot.state, json!({"placed": true, "cancelled": true}));
    // A snapshot is trusted: overwrite it and the load starts from it.
    store
        .save_snapshot(&stream, 2, 1, json!({"placed": true, "cancelled": false}))
        .unwrap();
    let (state, version) = aggregate::load::<Order>(&store, &id.to_string()).unwrap();
    assert_eq!((state.cancelled, version), (false, 2));
}

/// An event stored in an older schema version reaches the projection upcast.
#[test]
fn upcasters_registered_by_the_context_apply_to_its_workers() {
    let (store, _dir) = sqlite();
    let id = uuid::Uuid::new_v4();
    let old = json!({"order_id": id, "sku": "MUG", "quantity": 3});
    store
        .append(
            &format!("shop-Order-{id}"),
            ExpectedVersion::NoStream,
            vec![NewEvent::new("OrderPlaced", 1, old)],
        )
        .unwrap();
    let worker = shape::projections::WORKERS[0];
    let mut projection = store.subscribe(worker.consumer, worker.filter());
    projection
        .catch_up(|event, tx| {
            (worker.handler)(
                &store,
                Cause {
                    consumer: worker.consumer,
                    event,
                },
                tx,
            )
        })
        .unwrap();
    let row = store
        .load_doc(OrderSummary::TABLE, &id.to_string())
        .unwrap()
        .unwrap();
    assert_eq!(row["customer"], "unknown");
    assert_eq!(row["quantity"], 3);
}

/// The real binary plumbing: a listener on 127.0.0.1:0, workers running, a clean stop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_a_real_socket_and_stops_cleanly() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (store, _dir) = sqlite();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = shape::service::router(store.clone());
    let workers = shape::workers();
    let served = tokio::spawn({
        let store = store.clone();
        async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            stormcraft_runtime::http::serve(&store, listener, router, &workers, shutdown).await
        }
    });
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    socket
        .write_all(b"GET /health HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    let (_, body) = answer.split_once("\r\n\r\n").unwrap();
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        [
            &body["status"],
            &body["rejections"],
            &body["timers_pending"]
        ],
        [&json!("ok"), &json!(0), &json!(0)],
        "{answer}"
    );
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), served)
        .await
        .expect("the server and its workers stop")
        .unwrap()
        .unwrap();
}

/// The runner's verdicts: written and right passes, written and wrong fails, not
/// written is ignored whatever it decides.
#[test]
fn the_scenario_runner_ignores_pending_scenarios_and_fails_wrong_written_ones() {
    let wrong = || {
        AggregateScenario::<Order>::new("wrong on purpose")
            .when::<order::PlaceOrder>(r#"{"quantity":1}"#)
            .then_error("EmptyOrder")
    };
    assert_eq!(
        wrong().run().unwrap_err(),
        "scenario `wrong on purpose`: expected the error `EmptyOrder`, got events [\"OrderPlaced\"]"
    );
    let right = AggregateScenario::<Order>::new("right")
        .when::<order::PlaceOrder>(r#"{"order_id":"order-9","quantity":1}"#)
        .then::<order::OrderPlaced>(r#"{"order_id":"order-9"}"#);
    assert_eq!(right.run(), Ok(()));
    let pending = AggregateScenario::<Stock>::new("pending and fitting")
        .when::<stock::ReserveStock>(r#"{"quantity":1}"#)
        .then::<stock::StockReserved>(r#"{"quantity":1}"#);
    let file = "src/rules/order.rs";
    let written = &["PlaceOrder"];
    assert!(matches!(
        verdict("PlaceOrder", file, written, right.run()),
        Ok(Completion::Completed)
    ));
    let Err(failed) = verdict("PlaceOrder", file, written, wrong().run()) else {
        panic!("a written rule that decides otherwise fails its scenario");
    };
    assert_eq!(failed.message(), wrong().run().err().as_deref());
    let Ok(Completion::Ignored {
        reason: Some(reason),
    }) = verdict("PlaceOrder", file, &[], wrong().run())
    else {
        panic!("a scenario of a rule not written is ignored");
    };
    assert!(
        reason.starts_with("pending: write rule `PlaceOrder` in src/rules/order.rs and list it in written() (with the default rule: scenario `wrong on purpose`: expected"),
        "{reason}"
    );
    let Ok(Completion::Ignored {
        reason: Some(reason),
    }) = verdict("ReserveStock", "src/rules/stock.rs", &[], pending.run())
    else {
        panic!("a fitting scenario of a rule not written is still ignored");
    };
    assert!(
        reason.ends_with("(the default rule happens to fit)"),
        "{reason}"
    );
}

/// A policy's views see a row as of the event it handles, and do not wait for a
/// filtered projection that has nothing to handle before that event.
#[test]
fn views_read_rows_as_of_the_event() {
    let (store, _dir) = sqlite();
    let id = uuid::Uuid::new_v4();
    let placed = json!({"order_id": id, "customer": "ada", "sku": "MUG", "quantity": 1});
    store
        .append(
            &format!("shop-Order-{id}"),
            ExpectedVersion::NoStream,
            vec![NewEvent::new("OrderPlaced", 2, placed)],
        )
        .unwrap();
    let worker = shape::projections::WORKERS[0];
    let mut projection = store.subscribe(worker.consumer, worker.filter());
    projection
        .catch_up(|event, tx| {
            (worker.handler)(
                &store,
                Cause {
                    consumer: worker.consumer,
                    event,
                },
                tx,
            )
        })
        .unwrap();
    // An event the projection does not handle: its checkpoint stays behind it.
    store
        .append(
            "shop-Other-1",
            ExpectedVersion::Any,
            vec![NewEvent::new("Noise", 1, json!({}))],
        )
        .unwrap();
    let noise = store.read_all(1, 1).unwrap().remove(0);
    assert!(store.checkpoint(OrderSummary::TABLE).unwrap() < noise.position);
    let cause = Cause {
        consumer: "shop.SomePolicy",
        event: &noise,
    };
    let started = Instant::now();
    let row: OrderSummary = stormcraft_runtime::policy::Views::new(&store, cause)
        .get(&id.to_string())
        .unwrap()
        .unwrap();
    assert_eq!(row.customer, "ada");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the view waited for nothing"
    );
}

/// A row with a composite key, as a generated read model with `key: [warehouse, sku]`
/// declares it.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
struct StockLevel {
    warehouse: String,
    sku: String,
    on_hand: i64,
}

impl Row for StockLevel {
    const TABLE: &'static str = "shop.StockLevel";
    const EVENTS: &'static [(&'static str, &'static str)] = &[];
    const KEY: &'static [&'static str] = &["warehouse", "sku"];
    const FILTERS: &'static [&'static str] = &["warehouse"];
}

/// `GET /<read-model>/<part>/<part>` finds the row of a composite key (a part with a
/// `/` or a `,` in it too), and a list query pages through the rows with the cursor.
#[tokio::test(flavor = "multi_thread")]
async fn composite_keys_and_pages_over_http() {
    use axum::routing::get;
    use stormcraft_runtime::http::{row, rows};
    use stormcraft_runtime::projection::composite_key;
    let (store, _dir) = sqlite();
    let mut ops = Vec::new();
    for (warehouse, sku, on_hand) in [
        ("ams", "MUG/01", 3),
        ("ams", "MUG,02", 5),
        ("rtm", "MUG/01", 7),
    ] {
        ops.push(stormcraft_runtime::DocOp::Put {
            table: StockLevel::TABLE.into(),
            key: composite_key(&[warehouse, sku]),
            value: json!({"warehouse": warehouse, "sku": sku, "on_hand": on_hand}),
        });
    }
    store.backend().schedule_timers(ops).unwrap();
    let router = axum::Router::new()
        .route("/stock-levels", get(rows::<StockLevel>))
        .route("/stock-levels/{warehouse}/{sku}", get(row::<StockLevel>))
        .with_state(store.clone());
    let get_json = |path: String| {
        let router = router.clone();
        async move {
            let request = Request::builder().uri(path).body(Body::empty()).unwrap();
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    let (status, body) = get_json("/stock-levels/ams/MUG%2F01".into()).await;
    assert_eq!(
        (status, &body["on_hand"]),
        (StatusCode::OK, &json!(3)),
        "{body}"
    );
    let (status, body) = get_json("/stock-levels/ams/MUG,02".into()).await;
    assert_eq!(
        (status, &body["on_hand"]),
        (StatusCode::OK, &json!(5)),
        "{body}"
    );
    let (status, _) = get_json("/stock-levels/ams/MUG".into()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Two pages of one row of `ams`, then no cursor.
    let (status, first) = get_json("/stock-levels?warehouse=ams&limit=1".into()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let next = first["next"].as_str().expect("a cursor").to_owned();
    let (_, second) = get_json(format!("/stock-levels?warehouse=ams&limit=1&after={next}")).await;
    assert_eq!(second["next"], Value::Null, "{second}");
    let skus: Vec<&Value> = [&first, &second]
        .iter()
        .map(|p| &p["rows"][0]["sku"])
        .collect();
    assert_eq!(skus, [&json!("MUG,02"), &json!("MUG/01")]);
    let (status, body) = get_json("/stock-levels?warehouse=a%ZZ".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
