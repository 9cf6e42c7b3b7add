//! Rejections and the command inbox, on every backend, with the `shop` shape context
//! (tests/shape/mod.rs) as the generator writes it: a refused command is recorded once in
//! the issuer's rejections, also when its event is handled again after a crash before the
//! checkpoint; an inbox command is sent once and carried out once per command id; every
//! kind of refusal (business error, unknown command, body that does not fit) reaches the
//! issuer with its cause; the recovery worker compensates and retries; a recovery's
//! `record:` appends its event once per rejection, also across a crash and a restart.

#![cfg(feature = "http")]

mod common;
mod shape;

use serde_json::{json, Value};
use stormcraft_runtime::aggregate::{self, Cause};
use stormcraft_runtime::inbox::{self, Refusal};
use stormcraft_runtime::rejections::{self, Rejection};
use stormcraft_runtime::testing::drive;
use stormcraft_runtime::worker::Worker;
use stormcraft_runtime::{policy, Error, ExpectedVersion, NewEvent, RecordedEvent, Store};

use common::Fixture;
use shape::stock::{self, Stock};

/// Appends `event_type` with `payload` to `stream` and returns it as stored.
fn given(store: &Store, stream: &str, event_type: &str, payload: Value) -> RecordedEvent {
    let done = store
        .append(
            stream,
            ExpectedVersion::Any,
            vec![NewEvent::new(event_type, 2, payload)],
        )
        .unwrap();
    store.read_all(done.positions[0] - 1, 1).unwrap().remove(0)
}

/// Runs `worker` over what it has not handled, then fails the batch, so its effects are
/// stored but its checkpoint is not: a crash between the two. Returns the events handled.
fn crash_before_checkpoint(store: &Store, worker: Worker) -> usize {
    let consumer = worker.consumer;
    let mut handled = 0;
    let mut subscription = store.subscribe(consumer, worker.filter());
    let result = subscription.catch_up(|event, tx| {
        (worker.handler)(store, Cause { consumer, event }, tx)?;
        handled += 1;
        Err(Error::Backend("crash before the checkpoint".into()))
    });
    assert!(result.is_err(), "the batch must fail");
    assert_eq!(store.checkpoint(consumer).unwrap(), 0);
    handled
}

fn worker(consumer: &str) -> Worker {
    shape::workers()
        .into_iter()
        .find(|w| w.consumer == consumer)
        .unwrap_or_else(|| panic!("no worker `{consumer}`"))
}

/// An order placed with the given quantity of `MUG`, as its event.
fn placed(store: &Store, order_id: uuid::Uuid, quantity: u32) -> RecordedEvent {
    let payload =
        json!({"order_id": order_id, "customer": "ada", "sku": "MUG", "quantity": quantity});
    given(
        store,
        &format!("shop-Order-{order_id}"),
        "OrderPlaced",
        payload,
    )
}

/// A stand-in for billing's issuing policy: the cause `billing.<policy>` sends from.
fn billing_event(store: &Store) -> RecordedEvent {
    let stream = format!("billing-Payment-{}", uuid::Uuid::new_v4());
    given(store, &stream, "PaymentFailed", json!({}))
}

/// billing's inbox: every `RefundOrder` is refused, the provider being down.
fn billing_dispatch(
    _: &Store,
    _: Cause<'_>,
    command: &str,
    body: &Value,
) -> stormcraft_runtime::Result<Result<(), Refusal>> {
    Ok(Err(Refusal {
        error: "PaymentProviderDown".into(),
        message: format!("cannot refund now ({command})"),
        target: format!(
            "billing-Refund-{}",
            body["order_id"].as_str().unwrap_or("?")
        ),
    }))
}

fn billing_inbox(
    store: &Store,
    cause: Cause<'_>,
    _: &mut dyn stormcraft_runtime::ProjectionTx,
) -> stormcraft_runtime::Result<()> {
    inbox::handle(store, cause, "billing", billing_dispatch)
}

mod suite {
    use super::*;

    /// The policy's `ReserveStock` is refused (more than the stock); the policy crashes
    /// after recording the rejection, before its checkpoint, and handles the event again.
    pub fn rejection_recorded_once(f: &Fixture) {
        let store = &f.store;
        let order_id = uuid::Uuid::new_v4();
        let source = placed(store, order_id, 11);
        let policy = worker("shop.ReserveStockWhenOrderPlaced");
        assert_eq!(crash_before_checkpoint(store, policy), 1);
        assert_eq!(rejections::count(store, "shop").unwrap(), 1);
        assert_eq!(drive(store, &[policy]).unwrap(), 1);
        assert!(store.checkpoint(policy.consumer).unwrap() >= source.position);
        assert_eq!(rejections::count(store, "shop").unwrap(), 1);

        let events = store.read_category("shop-Rejection", 0, 10).unwrap();
        assert_eq!(events.len(), 1);
        let event = &events[0];
        assert_eq!(event.event_type, rejections::EVENT_TYPE);
        assert_eq!(event.schema_version, rejections::SCHEMA_VERSION);
        assert_eq!(event.metadata.causation_id, Some(source.id));
        assert_eq!(
            rejections::decode(event).unwrap(),
            Rejection {
                policy: "ReserveStockWhenOrderPlaced".into(),
                command: "ReserveStock".into(),
                context: "shop".into(),
                target: "shop-Stock-MUG".into(),
                body: json!({"sku": "MUG", "order_id": order_id, "quantity": 11}),
                error: "OutOfStock".into(),
                message: "not enough stock left for this order".into(),
                cause: rejections::EventRef::of(&source),
                attempt: 1,
            }
        );
        // Nothing reached the aggregate.
        assert_eq!(store.stream_version("shop-Stock-MUG").unwrap(), 0);
        // Recording it again by hand is a retry too: the same event comes back.
        let cause = Cause {
            consumer: policy.consumer,
            event: &source,
        };
        let again =
            rejections::record(store, cause, "shop", &rejections::decode(event).unwrap()).unwrap();
        assert_eq!((again.id, again.position), (event.id, event.position));
        assert!(matches!(
            rejections::decode(&source),
            Err(Error::InvalidInput(_))
        ));
    }

    /// A command refused the first time is settled: when its event is handled again and
    /// the rule would now accept it, it is still not carried out (and recorded once).
    pub fn a_refused_command_stays_refused(f: &Fixture) {
        let store = &f.store;
        let order_id = uuid::Uuid::new_v4();
        let cause_event = billing_event(store);
        let cause = Cause {
            consumer: "billing.CancelOrderWhenPaymentFails",
            event: &cause_event,
        };
        let body = json!({"order_id": order_id, "reason": "payment failed"});
        inbox::send(store, cause, "shop", "CancelOrder", body, 1).unwrap();
        let inbox_worker = worker("shop.inbox");
        crash_before_checkpoint(store, inbox_worker);
        assert_eq!(rejections::count(store, "billing").unwrap(), 1);
        // Now the order exists: cancelling would succeed, but the command was refused.
        placed(store, order_id, 1);
        drive(store, &[inbox_worker]).unwrap();
        let order = store
            .read_stream(&format!("shop-Order-{order_id}"), 1, 10)
            .unwrap();
        assert_eq!(
            order.len(),
            1,
            "the refused command must not be carried out"
        );
        let listed = rejections::list(store, "billing", 10).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["error"], "OrderNotPlaced");
    }

    /// The same cause sends the same command once; another attempt is another command.
    pub fn inbox_send_is_idempotent(f: &Fixture) {
        let store = &f.store;
        let cause_event = billing_event(store);
        let cause = Cause {
            consumer: "billing.CancelOrderWhenPaymentFails",
            event: &cause_event,
        };
        let body = json!({"order_id": uuid::Uuid::new_v4(), "reason": "r"});
        let first = inbox::send(store, cause, "shop", "CancelOrder", body.clone(), 1).unwrap();
        let again = inbox::send(store, cause, "shop", "CancelOrder", body.clone(), 1).unwrap();
        assert_eq!(first, again);
        let sent = store.read_category("shop-Inbox", 0, 10).unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].stream, format!("shop-Inbox-{first}"));
        assert_eq!(sent[0].id, first);
        assert_eq!(sent[0].event_type, inbox::EVENT_TYPE);
        assert_eq!(sent[0].metadata.causation_id, Some(cause_event.id));
        let payload: inbox::CommandSent = aggregate::decode(&sent[0]).unwrap();
        assert_eq!(
            payload,
            inbox::CommandSent {
                command_id: first,
                command: "CancelOrder".into(),
                body: body.clone(),
                issuer: "billing".into(),
                policy: "CancelOrderWhenPaymentFails".into(),
                attempt: 1,
            }
        );
        // `sent` is what `send` appends: a timer firing it lands on the same command.
        let (stream, event) = inbox::sent(cause, "shop", "CancelOrder", body.clone(), 1);
        assert_eq!((stream, event.id), (sent[0].stream.clone(), first));
        let retry = inbox::send(store, cause, "shop", "CancelOrder", body, 2).unwrap();
        assert_ne!(retry, first);
        assert_eq!(store.read_category("shop-Inbox", 0, 10).unwrap().len(), 2);
    }

    /// A `CommandSent` handled twice (a crash before the inbox's checkpoint) cancels the
    /// order once, and the second handling, which the rule refuses (already cancelled),
    /// records no rejection.
    pub fn inbox_handles_each_command_once(f: &Fixture) {
        let store = &f.store;
        let order_id = uuid::Uuid::new_v4();
        placed(store, order_id, 1);
        let cause_event = billing_event(store);
        let cause = Cause {
            consumer: "billing.CancelOrderWhenPaymentFails",
            event: &cause_event,
        };
        let body = json!({"order_id": order_id, "reason": "payment failed"});
        inbox::send(store, cause, "shop", "CancelOrder", body, 1).unwrap();
        let inbox_worker = worker("shop.inbox");
        assert_eq!(crash_before_checkpoint(store, inbox_worker), 1);
        assert_eq!(drive(store, &[inbox_worker]).unwrap(), 1);
        let order = store
            .read_stream(&format!("shop-Order-{order_id}"), 1, 10)
            .unwrap();
        let types: Vec<_> = order.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, ["OrderPlaced", "OrderCancelled"]);
        let sent = store.read_category("shop-Inbox", 0, 1).unwrap().remove(0);
        assert_eq!(order[1].metadata.causation_id, Some(sent.id));
        assert_eq!(rejections::count(store, "billing").unwrap(), 0);
        assert_eq!(rejections::count(store, "shop").unwrap(), 0);
    }

    /// Each kind of refusal lands in the issuer's rejections with its cause; the target's
    /// rejections stay empty. `list` is newest first and honours its limit.
    pub fn refusals_land_in_the_issuers_rejections(f: &Fixture) {
        let store = &f.store;
        let cause_event = billing_event(store);
        let cause = Cause {
            consumer: "billing.CancelOrderWhenPaymentFails",
            event: &cause_event,
        };
        let unknown_order = uuid::Uuid::new_v4();
        let sends = [
            (
                "CancelOrder",
                json!({"order_id": unknown_order, "reason": "r"}),
            ),
            ("ShipOrder", json!({"order_id": unknown_order})),
            ("PlaceOrder", json!({"order_id": 5})),
        ];
        let mut ids = Vec::new();
        for (command, body) in sends.clone() {
            ids.push(inbox::send(store, cause, "shop", command, body, 1).unwrap());
        }
        assert_eq!(drive(store, &[worker("shop.inbox")]).unwrap(), 3);
        assert_eq!(rejections::count(store, "billing").unwrap(), 3);
        assert_eq!(rejections::count(store, "shop").unwrap(), 0);

        let listed = rejections::list(store, "billing", 10).unwrap();
        let errors: Vec<_> = listed.iter().map(|r| r["error"].clone()).collect();
        assert_eq!(
            errors,
            [
                json!("InvalidCommand"),
                json!("InvalidCommand"),
                json!("OrderNotPlaced")
            ]
        );
        let positions: Vec<_> = listed.iter().map(|r| r["position"].as_u64()).collect();
        assert!(positions.windows(2).all(|w| w[0] > w[1]), "{positions:?}");
        for (rejection, ((command, body), id)) in listed.iter().rev().zip(sends.iter().zip(&ids)) {
            assert_eq!(rejection["command"], *command);
            assert_eq!(rejection["body"], *body);
            assert_eq!(rejection["policy"], "CancelOrderWhenPaymentFails");
            assert_eq!(rejection["context"], "shop");
            assert_eq!(rejection["attempt"], 1);
            assert_eq!(rejection["cause"]["event_type"], inbox::EVENT_TYPE);
            assert_eq!(rejection["cause"]["event_id"], id.to_string());
            assert_eq!(rejection["cause"]["stream"], format!("shop-Inbox-{id}"));
            assert!(rejection["stream"]
                .as_str()
                .unwrap()
                .starts_with("billing-Rejection-"));
            assert!(rejection["recorded_at"].as_str().unwrap().ends_with('Z'));
        }
        let (business, unknown, misfit) = (&listed[2], &listed[1], &listed[0]);
        assert_eq!(business["target"], format!("shop-Order-{unknown_order}"));
        assert_eq!(business["message"], "there is no such order");
        assert_eq!(unknown["target"], "shop");
        assert_eq!(
            unknown["message"],
            "context `shop` has no command `ShipOrder`"
        );
        assert_eq!(misfit["target"], "shop-Order");
        let message = misfit["message"].as_str().unwrap();
        assert!(
            message.starts_with("the body does not fit `PlaceOrder`: "),
            "{message}"
        );

        let newest = rejections::list(store, "billing", 2).unwrap();
        assert_eq!(newest, listed[..2]);
        assert!(rejections::list(store, "shipping", 10).unwrap().is_empty());
    }

    /// A retry issues the rejected body again as attempt 2 of the same policy, once per
    /// rejection; a body that does not fit is recorded as refused.
    pub fn reissue_records_the_next_attempt(f: &Fixture) {
        let store = &f.store;
        let order_id = uuid::Uuid::new_v4();
        placed(store, order_id, 11);
        drive(store, &[worker("shop.ReserveStockWhenOrderPlaced")]).unwrap();
        let first = store
            .read_category("shop-Rejection", 0, 10)
            .unwrap()
            .remove(0);
        let recovery = Cause {
            consumer: "shop.recovery",
            event: &first,
        };
        let body = rejections::decode(&first).unwrap().body;
        for _ in 0..2 {
            policy::reissue::<Stock, stock::ReserveStock>(store, recovery, &body).unwrap();
        }
        let all = store.read_category("shop-Rejection", 0, 10).unwrap();
        assert_eq!(all.len(), 2, "one retry per rejection");
        let second = rejections::decode(&all[1]).unwrap();
        assert_eq!(second.attempt, 2);
        assert_eq!(second.policy, "ReserveStockWhenOrderPlaced");
        assert_eq!(second.error, "OutOfStock");
        assert_eq!(second.cause, rejections::EventRef::of(&first));

        // From the second rejection: a body that does not fit, then one that does.
        let retry = Cause {
            consumer: "shop.recovery",
            event: &all[1],
        };
        let misfit = json!({"sku": 3});
        policy::reissue::<Stock, stock::ReserveStock>(store, retry, &misfit).unwrap();
        let third = rejections::list(store, "shop", 1).unwrap().remove(0);
        assert_eq!(
            (third["error"].clone(), third["attempt"].clone()),
            (json!("InvalidCommand"), json!(3))
        );
        assert_eq!(third["body"], misfit);
        assert_eq!(third["target"], "shop-Stock");
        let misfit_event = store
            .read_category("shop-Rejection", 0, 10)
            .unwrap()
            .remove(2);
        let from_misfit = Cause {
            consumer: "shop.recovery",
            event: &misfit_event,
        };
        let fitting = json!({"sku": "MUG", "order_id": order_id, "quantity": 1});
        policy::reissue::<Stock, stock::ReserveStock>(store, from_misfit, &fitting).unwrap();
        assert_eq!(store.stream_version("shop-Stock-MUG").unwrap(), 1);
        assert_eq!(rejections::count(store, "shop").unwrap(), 3);
        // Only a rejection can be reissued.
        let noise = given(store, "shop-Other-1", "Noise", json!({}));
        let not_a_rejection = Cause {
            consumer: "shop.recovery",
            event: &noise,
        };
        assert!(matches!(
            policy::reissue::<Stock, stock::ReserveStock>(store, not_a_rejection, &fitting),
            Err(Error::InvalidInput(_))
        ));
    }

    /// The whole loop: an out-of-stock order is cancelled by the recovery worker; the
    /// refund it causes goes to billing's inbox, billing refuses it, and shop's recovery
    /// retries it 3 times (`retry: { times: 3 }`), then parks it.
    pub fn recovery_compensates_and_retries(f: &Fixture) {
        let store = &f.store;
        let order_id = uuid::Uuid::new_v4();
        placed(store, order_id, 11);
        let mut workers = shape::workers();
        workers.push(Worker::new(
            "billing.inbox",
            &[("billing-Inbox", "CommandSent")],
            billing_inbox,
        ));
        drive(store, &workers).unwrap();
        let order = store
            .read_stream(&format!("shop-Order-{order_id}"), 1, 10)
            .unwrap();
        let types: Vec<_> = order.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, ["OrderPlaced", "OrderCancelled"]);

        let refunds = store.read_category("billing-Inbox", 0, 10).unwrap();
        let attempts: Vec<_> = refunds
            .iter()
            .map(|e| e.payload["attempt"].clone())
            .collect();
        assert_eq!(attempts, [json!(1), json!(2), json!(3), json!(4)]);
        assert!(refunds
            .iter()
            .all(|e| e.payload["policy"] == "RefundWhenOrderCancelled"));
        let listed = rejections::list(store, "shop", 10).unwrap();
        let seen: Vec<_> = listed
            .iter()
            .rev()
            .map(|r| (r["error"].clone(), r["attempt"].clone()))
            .collect();
        assert_eq!(
            seen,
            [
                (json!("OutOfStock"), json!(1)),
                (json!("PaymentProviderDown"), json!(1)),
                (json!("PaymentProviderDown"), json!(2)),
                (json!("PaymentProviderDown"), json!(3)),
                (json!("PaymentProviderDown"), json!(4)),
            ]
        );
        assert_eq!(rejections::count(store, "billing").unwrap(), 0);
        // Settled: driving again does nothing.
        assert_eq!(drive(store, &workers).unwrap(), 0);
    }

    /// A recovery's `record:`: the event is appended to the aggregate once per rejection,
    /// however often the rejection is handled — again after a crash before the
    /// checkpoint, and by a store opened anew on the same database (a restart) — and
    /// the aggregate's `evolve` folds it; another rejection records it again.
    pub fn recorded_once_per_rejection(f: &Fixture) {
        use shape::order::{self, Order};
        let store = &f.store;
        let order_id = uuid::Uuid::new_v4();
        let source = placed(store, order_id, 11);
        let rejection = |n: u32| {
            let payload = json!({
                "policy": "ReserveWhenPlaced", "command": "ReserveStock", "context": "shop",
                "target": "shop-Stock-MUG", "body": {}, "error": "OutOfStock",
                "message": "only 10 left", "attempt": n,
                "cause": {"event_id": uuid::Uuid::new_v4().to_string(), "event_type": "OrderPlaced",
                          "stream": format!("shop-Order-{order_id}"), "position": 1},
            });
            given(
                store,
                &format!("shop-Rejection-{}", uuid::Uuid::new_v4()),
                rejections::EVENT_TYPE,
                payload,
            )
        };
        let first = rejection(1);
        let cancelled = |reason: &str| -> order::Event {
            order::OrderCancelled {
                order_id,
                reason: reason.into(),
            }
            .into()
        };
        let cause = Cause {
            consumer: "shop.recovery",
            event: &first,
        };
        let id = order_id.to_string();
        let appended =
            aggregate::record::<Order>(store, cause, &id, cancelled("out of stock")).unwrap();
        assert_eq!(
            (appended.event_type.as_str(), appended.version),
            ("OrderCancelled", 2)
        );
        // Handled again (a crash before the checkpoint): the same append, nothing new.
        let again =
            aggregate::record::<Order>(store, cause, &id, cancelled("out of stock")).unwrap();
        assert_eq!(again.position, appended.position);
        if f.url != "memory:" {
            let restarted = stormcraft_runtime::open(&f.url).unwrap();
            let after =
                aggregate::record::<Order>(&restarted, cause, &id, cancelled("out of stock"))
                    .unwrap();
            assert_eq!(after.position, appended.position);
        }
        let stream = format!("shop-Order-{order_id}");
        let types = |store: &Store| -> Vec<String> {
            store
                .read_stream(&stream, 1, 10)
                .unwrap()
                .into_iter()
                .map(|e| e.event_type)
                .collect()
        };
        assert_eq!(types(store), ["OrderPlaced", "OrderCancelled"]);
        let recorded = store.read_stream(&stream, 2, 1).unwrap().remove(0);
        assert_eq!(recorded.metadata.causation_id, Some(first.id));
        let (state, version) = aggregate::load::<Order>(store, &id).unwrap();
        assert!(state.cancelled, "evolve did not fold the recorded event");
        assert_eq!(version, 2);
        // Another rejection is another fact.
        let second = rejection(2);
        let cause = Cause {
            consumer: "shop.recovery",
            event: &second,
        };
        aggregate::record::<Order>(store, cause, &id, cancelled("still out of stock")).unwrap();
        assert_eq!(
            types(store),
            ["OrderPlaced", "OrderCancelled", "OrderCancelled"]
        );
        // The cause of a rejection is read back as it was stored.
        let mut decoded = rejections::decode(&first).unwrap();
        assert!(
            rejections::cause_event(store, &decoded).is_err(),
            "a made-up cause was found"
        );
        decoded.cause = rejections::EventRef::of(&source);
        assert_eq!(
            rejections::cause_event(store, &decoded).unwrap().id,
            source.id
        );
    }
}

macro_rules! backends {
    ($backend:ident, $factory:path) => {
        mod $backend {
            use super::*;
            backends!(@tests $factory;
                rejection_recorded_once, a_refused_command_stays_refused,
                inbox_send_is_idempotent, inbox_handles_each_command_once,
                refusals_land_in_the_issuers_rejections, reissue_records_the_next_attempt,
                recovery_compensates_and_retries, recorded_once_per_rejection);
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

backends!(memory, common::memory);
#[cfg(feature = "sqlite")]
backends!(sqlite, common::sqlite);
#[cfg(feature = "postgres")]
backends!(postgres, common::postgres);
