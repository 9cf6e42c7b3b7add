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

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// What the workers of this process have done since it started, per consumer: batches
/// committed, the events in them, and the time spent handling and committing them.
/// Failed batches do not count (they are handled again).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    /// Events in committed batches.
    pub handled: u64,
    /// Committed batches.
    pub batches: u64,
    /// Time spent in those batches: reading, handling, committing.
    pub busy: Duration,
}

/// Every worker's [`Activity`] in this process, by consumer name (a `BTreeMap`, so any
/// listing of it is in name order).
static ACTIVITY: Mutex<BTreeMap<&'static str, Activity>> = Mutex::new(BTreeMap::new());

/// The [`Activity`] of `consumer`'s worker in this process (all zero when it runs in
/// another process, or has not committed a batch yet).
pub fn activity(consumer: &str) -> Activity {
    ACTIVITY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(consumer)
        .copied()
        .unwrap_or_default()
}

fn note_batch(consumer: &'static str, handled: usize, busy: Duration) {
    let mut all = ACTIVITY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let entry = all.entry(consumer).or_default();
    entry.handled += handled as u64;
    entry.batches += 1;
    entry.busy += busy;
}

/// Runs one worker until `stop` is set, a batch at a time: the events after its
/// checkpoint (up to the subscription's batch size, whatever is there: a batch never
/// waits to fill), handled in global order, then its document writes and checkpoint in
/// one commit. The handler gets a handle with deferred durability
/// ([`Store::with_deferred_durability`]): what it appends (commands, rejections, inbox
/// sends, process entries) is visible at once but flushed by the batch's checkpoint
/// commit, so a batch costs one flush instead of one per effect. A failed batch (a store
/// error, an external system that is down) is logged and handled again after
/// [`RETRY_PAUSE`]: events are delayed, never lost or skipped; a checkpoint conflict
/// (another instance moved the checkpoint) is retried at once from the new checkpoint.
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
        let effects = store.with_deferred_durability();
        while !stop.load(Ordering::Acquire) {
            let started = Instant::now();
            let result = subscription
                .poll(|event, tx| (worker.handler)(&effects, Cause { consumer, event }, tx));
            let result = match result {
                Ok(0) => subscription.wait().map(drop),
                Ok(handled) => {
                    note_batch(consumer, handled, started.elapsed());
                    Ok(())
                }
                Err(error) => Err(error),
            };
            match result {
                Ok(()) => {}
                Err(crate::Error::CheckpointConflict { .. }) => {}
                Err(error) => {
                    eprintln!("worker `{consumer}`: {error}; retrying in 1 s");
                    pause(&stop, RETRY_PAUSE);
                }
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
    /// What its worker did in this process (zero when it runs in another).
    pub activity: Activity,
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
        activity: activity(worker.consumer),
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
