//! Background workers: one checkpointed, filtered subscription per policy and per
//! projection, each on its own thread.
//!
//! A generated context lists its workers as a `const` table and hands it to
//! [`spawn_workers`]:
//!
//! ```
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::sync::Arc;
//! use stormcraft_runtime::worker::{spawn_workers, Worker};
//! use stormcraft_runtime::{aggregate::Cause, ProjectionTx, Store};
//!
//! fn count(_: &Store, cause: Cause<'_>, tx: &mut dyn ProjectionTx) -> stormcraft_runtime::Result<()> {
//!     tx.put("counts", &cause.event.stream, serde_json::json!(cause.event.version))
//! }
//! const WORKERS: &[Worker] = &[Worker::new("counts", &[("shop-Cart", "ItemAdded")], count)];
//!
//! let store = stormcraft_runtime::open("memory:").unwrap();
//! let stop = Arc::new(AtomicBool::new(false));
//! let threads = spawn_workers(&store, &stop, WORKERS);
//! stop.store(true, Ordering::Release);
//! for thread in threads {
//!     thread.join().unwrap();
//! }
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::aggregate::Cause;
use crate::{EventSelector, Filter, ProjectionTx, Result, Store};

/// A worker's event handler. Policies use the store (to issue commands and read views)
/// and ignore the transaction; projections write their rows through the transaction,
/// which commits with the checkpoint.
pub type Handler = fn(&Store, Cause<'_>, &mut dyn ProjectionTx) -> Result<()>;

/// One background consumer: its name (the checkpoint's key), the events it handles, and
/// its handler. `const`-constructible, so a context's workers are a static table.
#[derive(Debug, Clone, Copy)]
pub struct Worker {
    /// The consumer name, e.g. `ordering.CancelOrderWhenPaymentFails`; a projection's is
    /// its row table.
    pub consumer: &'static str,
    /// The (stream category, event type) pairs it handles; the subscription reads only
    /// these (see [`Filter::Events`]).
    pub events: &'static [(&'static str, &'static str)],
    /// Called for each of those events, in global order.
    pub handler: Handler,
    /// Fields of its document table to index before it starts (a projection's
    /// [`Row::INDEXES`](crate::projection::Row::INDEXES)).
    pub indexes: &'static [&'static str],
}

impl Worker {
    /// A worker of `consumer` for `events`.
    pub const fn new(
        consumer: &'static str,
        events: &'static [(&'static str, &'static str)],
        handler: Handler,
    ) -> Self {
        Worker {
            consumer,
            events,
            handler,
            indexes: &[],
        }
    }

    /// The projection of the read model `R`: its consumer is `R::TABLE`, its events
    /// `R::EVENTS`.
    pub const fn projection<R: crate::projection::Row>(handler: Handler) -> Self {
        Worker {
            consumer: R::TABLE,
            events: R::EVENTS,
            handler,
            indexes: R::INDEXES,
        }
    }

    /// The subscription filter of [`Worker::events`].
    pub fn filter(&self) -> Filter {
        Filter::Events(selectors(self.events))
    }
}

/// Selectors from (category, event type) pairs.
pub fn selectors(events: &[(&str, &str)]) -> Vec<EventSelector> {
    events
        .iter()
        .map(|(category, event_type)| EventSelector::new(*category, *event_type))
        .collect()
}

/// How long a worker waits after a failed batch before it handles the batch again.
pub const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// Starts every worker on its own thread, until `stop` is set; join the handles to wait
/// for a clean stop (each finishes its batch and returns within about 100 ms).
pub fn spawn_workers(
    store: &Store,
    stop: &Arc<AtomicBool>,
    workers: &[Worker],
) -> Vec<std::thread::JoinHandle<()>> {
    workers
        .iter()
        .map(|worker| spawn_worker(store, stop, *worker))
        .collect()
}

/// Runs one worker until `stop` is set. A failed batch (a store error, an external
/// system that is down, a conflict) is logged and handled again after [`RETRY_PAUSE`]:
/// events are delayed, never lost or skipped.
fn spawn_worker(
    store: &Store,
    stop: &Arc<AtomicBool>,
    worker: Worker,
) -> std::thread::JoinHandle<()> {
    let store = store.clone();
    let stop = Arc::clone(stop);
    std::thread::spawn(move || {
        let consumer = worker.consumer;
        for field in worker.indexes {
            // An index only makes list queries faster: without it they still answer.
            if let Err(error) = store.ensure_doc_index(consumer, field) {
                eprintln!("worker `{consumer}`: no index on `{field}`: {error}");
            }
        }
        let mut subscription = store.subscribe(consumer, worker.filter());
        while !stop.load(Ordering::Acquire) {
            let result = subscription.run(&stop, |event, tx| {
                (worker.handler)(&store, Cause { consumer, event }, tx)
            });
            if let Err(error) = result {
                eprintln!("worker `{consumer}`: {error}; retrying in 1 s");
                pause(&stop, RETRY_PAUSE);
            }
        }
    })
}

/// Sleeps for `total`, in slices, returning early once `stop` is set.
fn pause(stop: &AtomicBool, total: Duration) {
    let slice = Duration::from_millis(100);
    let mut waited = Duration::ZERO;
    while waited < total && !stop.load(Ordering::Acquire) {
        std::thread::sleep(slice);
        waited += slice;
    }
}

/// The most events [`lag`] counts for one worker; past it the lag is reported as "at
/// least" this many, so a health check stays cheap however far a worker is behind.
pub const LAG_CAP: usize = 1000;

/// How far one worker is behind the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lag {
    /// The worker's consumer name.
    pub consumer: &'static str,
    /// The position of the last event it handled (0: none yet).
    pub checkpoint: u64,
    /// How many events it handles are after its checkpoint (at most [`LAG_CAP`]).
    pub pending: usize,
    /// `pending` reached [`LAG_CAP`]: there may be more.
    pub at_least: bool,
}

/// How far `worker` is behind: the events of its kinds after its checkpoint, up to the
/// head position read now. Events of other kinds do not count (a policy that handles
/// one event type is not behind because other events were recorded). Payloads are not
/// upcast: a count needs none.
pub fn lag(store: &Store, worker: &Worker) -> Result<Lag> {
    let checkpoint = store.checkpoint(worker.consumer)?;
    let head = store.head_position()?;
    let pending = if head <= checkpoint {
        0
    } else {
        store
            .backend()
            .read_selected(&selectors(worker.events), checkpoint, head, LAG_CAP)?
            .len()
    };
    Ok(Lag {
        consumer: worker.consumer,
        checkpoint,
        pending,
        at_least: pending >= LAG_CAP,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ExpectedVersion, NewEvent};

    fn noop(_: &Store, _: Cause<'_>, _: &mut dyn ProjectionTx) -> Result<()> {
        Ok(())
    }

    const ADDED: &[Worker] = &[Worker::new(
        "carts.Count",
        &[("carts-Cart", "ItemAdded")],
        noop,
    )];

    #[test]
    fn lag_counts_only_the_events_a_worker_handles_after_its_checkpoint() {
        let store = crate::open("memory:").unwrap();
        let event = |kind: &str| NewEvent::new(kind, 1, serde_json::json!({}));
        store
            .append(
                "carts-Cart-1",
                ExpectedVersion::Any,
                vec![event("ItemAdded"), event("ItemRemoved"), event("ItemAdded")],
            )
            .unwrap();
        let lag = lag(&store, &ADDED[0]).unwrap();
        assert_eq!((lag.checkpoint, lag.pending, lag.at_least), (0, 2, false));
        let stop = Arc::new(AtomicBool::new(false));
        let threads = spawn_workers(&store, &stop, ADDED);
        let start = std::time::Instant::now();
        while super::lag(&store, &ADDED[0]).unwrap().pending > 0 {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the worker never caught up"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        stop.store(true, Ordering::Release);
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(super::lag(&store, &ADDED[0]).unwrap().pending, 0);
    }
}
