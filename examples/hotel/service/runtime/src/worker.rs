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
use crate::{EventSelector, Filter, ProjectionTx, Result, Store, Subscription};

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
/// for a clean stop (each finishes its batch, releases its lease and returns within
/// about 200 ms). Each worker runs only while it holds its consumer's lease, so several
/// instances of one context share its consumers instead of racing for them (see
/// [`crate::lease`]).
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

/// Runs one worker until `stop` is set, a batch at a time while it holds its consumer's
/// lease: the events after its checkpoint (up to the subscription's batch size, whatever
/// is there: a batch never waits to fill), handled in global order, then its document
/// writes and checkpoint in one commit. The handler gets a handle with deferred
/// durability ([`Store::with_deferred_durability`]): on SQLite what it appends
/// (commands, rejections, inbox sends, process entries) is visible at once but flushed
/// by the batch's checkpoint commit, so a batch costs one flush instead of one per
/// effect (PostgreSQL keeps every append durable before visible). A failed batch (a store
/// error, an external system that is down) is logged and handled again after
/// [`RETRY_PAUSE`]: events are delayed, never lost or skipped; a checkpoint conflict
/// (another instance moved the checkpoint) is retried at once from the new checkpoint.
///
/// The worker runs its subscription only while it holds its consumer's lease (see
/// [`crate::lease`]): it takes the lease, renews it every
/// [`RENEW_EVERY`](crate::lease::RENEW_EVERY) on a helper thread, commits every batch
/// under it, and goes back to waiting when it is lost. While another instance holds
/// it, the worker asks again every [`ACQUIRE_EVERY`](crate::lease::ACQUIRE_EVERY),
/// logging once per holder, so a second instance is quiet and takes over within
/// [`TTL`](crate::lease::TTL) plus one second of the holder's death. On a clean stop it
/// releases the lease, so another instance takes over at once.
fn spawn_worker(
    store: &Store,
    stop: &Arc<AtomicBool>,
    worker: Worker,
) -> std::thread::JoinHandle<()> {
    let store = store.clone();
    let stop = Arc::clone(stop);
    let holder = worker_holder();
    std::thread::spawn(move || {
        let consumer = worker.consumer;
        for field in worker.indexes {
            // An index only makes list queries faster: without it they still answer.
            if let Err(error) = store.ensure_doc_index(consumer, field) {
                log(consumer, None, &format!("no index on `{field}`: {error}"));
            }
        }
        // The holder last logged as holding the lease, so waiting is logged once.
        let mut waiting_for: Option<String> = None;
        while !stop.load(Ordering::Acquire) {
            let lease = match store.try_acquire_lease(consumer, &holder, crate::lease::TTL) {
                Ok(Some(lease)) => lease,
                Ok(None) => {
                    let other = store.lease_holder(consumer).ok().flatten();
                    let other = other.map_or_else(|| "another instance".into(), |l| l.holder);
                    if waiting_for.as_ref() != Some(&other) {
                        log(
                            consumer,
                            None,
                            &format!("waiting: `{other}` holds the lease"),
                        );
                        waiting_for = Some(other);
                    }
                    pause(&stop, crate::lease::ACQUIRE_EVERY);
                    continue;
                }
                Err(error) => {
                    log(
                        consumer,
                        None,
                        &format!("cannot take the lease: {error}; retrying in 1 s"),
                    );
                    pause(&stop, RETRY_PAUSE);
                    continue;
                }
            };
            waiting_for = None;
            log(
                consumer,
                None,
                &format!("took the lease as `{holder}` (token {})", lease.token),
            );
            // A fresh subscription per tenure: the checkpoint is read again, since the
            // previous holder moved it.
            let mut subscription = store.subscribe(consumer, worker.filter());
            subscription.set_lease(Some(lease.clone()));
            let lost = hold(&store, &stop, &lease, |tenure_end| {
                run_held(&store, tenure_end, &mut subscription, worker)
            });
            if lost {
                log(consumer, None, "lost the lease; waiting to take it again");
            } else if let Err(error) = store.release_lease(&lease) {
                log(
                    consumer,
                    None,
                    &format!("could not release the lease: {error}"),
                );
            }
        }
    })
}

/// The holder name of one worker: the instance id (see
/// [`instance_id`](crate::lease::instance_id)) and the worker's number in this process,
/// so two workers of one consumer in one process are two holders too. Workers are
/// spawned in table order, so a restarted instance with a fixed
/// [`INSTANCE_ENV`](crate::lease::INSTANCE_ENV) gets its own leases back at once.
fn worker_holder() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{}#{n}", crate::lease::instance_id())
}

/// Runs `work` while a helper thread renews `lease`; returns whether the lease was lost.
/// `work` gets the flag that ends the tenure: set when `stop` is, when a renewal finds
/// the lease lost, or when renewals failed (the database unreachable) until the lease
/// would have expired — the holder then stops before another instance may start. `work`
/// returns whether it found the lease lost itself (a commit refused by the fence).
fn hold(
    store: &Store,
    stop: &AtomicBool,
    lease: &crate::lease::Lease,
    work: impl FnOnce(&AtomicBool) -> bool,
) -> bool {
    let tenure_end = AtomicBool::new(false);
    let lost = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    let lost_in_work = std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut valid_until = Instant::now() + crate::lease::TTL;
            loop {
                pause_any(&[stop, &done], crate::lease::RENEW_EVERY);
                if done.load(Ordering::Acquire) {
                    return;
                }
                if stop.load(Ordering::Acquire) {
                    break;
                }
                let asked = Instant::now();
                match store.renew_lease(lease, crate::lease::TTL) {
                    Ok(Some(_)) => valid_until = asked + crate::lease::TTL,
                    Ok(None) => {
                        lost.store(true, Ordering::Release);
                        break;
                    }
                    Err(error) => {
                        log(
                            &lease.consumer,
                            None,
                            &format!("cannot renew the lease: {error}"),
                        );
                        if Instant::now() >= valid_until {
                            lost.store(true, Ordering::Release);
                            break;
                        }
                    }
                }
            }
            tenure_end.store(true, Ordering::Release);
        });
        let lost_in_work = work(&tenure_end);
        done.store(true, Ordering::Release);
        lost_in_work
    });
    lost_in_work || lost.load(Ordering::Acquire)
}

/// Runs the subscription until `tenure_end` is set, or a commit is refused because the
/// lease was lost (returns `true` then). A failed batch is logged with the event it
/// failed on and handled again after [`RETRY_PAUSE`].
fn run_held(
    store: &Store,
    tenure_end: &AtomicBool,
    subscription: &mut Subscription,
    worker: Worker,
) -> bool {
    let consumer = worker.consumer;
    // The handler's appends defer their durability to the batch's checkpoint commit.
    let effects = store.with_deferred_durability();
    while !tenure_end.load(Ordering::Acquire) {
        // The event being handled, for the log line of a failure.
        let mut current: Option<(crate::Uuid, u64)> = None;
        let started = Instant::now();
        let result = subscription.poll(|event, tx| {
            current = Some((event.id, event.position));
            (worker.handler)(&effects, Cause { consumer, event }, tx)
        });
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
            Err(crate::Error::LeaseLost { .. }) => return true,
            // Another handle moved the checkpoint: go on from it at once.
            Err(crate::Error::CheckpointConflict { .. }) => {}
            Err(error) => {
                log(consumer, current, &format!("{error}; retrying in 1 s"));
                pause(tenure_end, RETRY_PAUSE);
            }
        }
    }
    false
}

/// Writes one worker log line to stderr, `key=value` pairs in a fixed order:
/// `worker consumer=<name> [event=<id> position=<n>] msg="<text>"` (the message quoted
/// with `\"` and `\\` escaped, newlines as `\n`), so a log search for one event id
/// finds every line about it.
pub fn log(consumer: &str, event: Option<(crate::Uuid, u64)>, message: &str) {
    eprintln!("{}", log_line(consumer, event, message));
}

fn log_line(consumer: &str, event: Option<(crate::Uuid, u64)>, message: &str) -> String {
    let quoted = message
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    match event {
        Some((id, position)) => {
            format!("worker consumer={consumer} event={id} position={position} msg=\"{quoted}\"")
        }
        None => format!("worker consumer={consumer} msg=\"{quoted}\""),
    }
}

/// Sleeps for `total`, in slices, returning early once one of `flags` is set.
fn pause_any(flags: &[&AtomicBool], total: Duration) {
    let slice = Duration::from_millis(50);
    let start = Instant::now();
    while start.elapsed() < total && !flags.iter().any(|f| f.load(Ordering::Acquire)) {
        std::thread::sleep(slice.min(total.saturating_sub(start.elapsed())));
    }
}

/// Sleeps for `total`, in slices, returning early once `stop` is set.
fn pause(stop: &AtomicBool, total: Duration) {
    pause_any(&[stop], total);
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
    /// The head position minus the checkpoint: how many positions of the global order
    /// (of any kind) the checkpoint trails the head by.
    pub behind: u64,
    /// The instance whose worker holds the consumer's lease now (see [`crate::lease`]);
    /// `None` when no instance holds it (none running, or the holder died and its lease
    /// expired).
    pub holder: Option<String>,
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
        behind: head.saturating_sub(checkpoint),
        holder: store.lease_holder(worker.consumer)?.map(|l| l.holder),
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
    fn a_log_line_is_key_value_with_the_message_quoted() {
        let id = crate::Uuid::nil();
        assert_eq!(
            log_line("shop.Mail", Some((id, 7)), "smtp said \"no\"\nbye \\o"),
            format!(
                "worker consumer=shop.Mail event={id} position=7 msg=\"smtp said \\\"no\\\"\\nbye \\\\o\""
            )
        );
        assert_eq!(
            log_line("shop.Mail", None, "waiting"),
            "worker consumer=shop.Mail msg=\"waiting\""
        );
    }

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
