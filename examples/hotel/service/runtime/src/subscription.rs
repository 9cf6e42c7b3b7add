//! Catch-up-then-live subscriptions whose checkpoint commits with the consumer's writes.
//!
//! A consumer (a projection or a policy) handles a batch of events against a
//! [`ProjectionTx`]: reads see the committed documents plus the batch's own writes; the
//! writes are buffered and committed with the new checkpoint in one backend transaction
//! ([`EventStore::commit_consumer`](crate::EventStore::commit_consumer)). A crash before the
//! commit loses both, so the batch is handled again and applied exactly once. Timers
//! scheduled or cancelled through the transaction commit with it the same way.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::{validate_name, ConsumerCommit, DocOp, RecordedEvent, Result, Store, Timer, Value};

/// Which events a subscription receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Every event, in global order.
    All,
    /// Events of streams `<category>-...`, in global order.
    Category(String),
    /// Only the events one of the selectors names, in global order. The backend filters
    /// in its query, so the events a consumer does not handle are never decoded, and the
    /// checkpoint still moves past them.
    Events(Vec<EventSelector>),
}

/// One kind of event a consumer handles: an event type in the streams of a category.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventSelector {
    /// The stream category, e.g. `ordering-Order` (streams `ordering-Order-<id>`).
    pub category: String,
    /// The event type name, e.g. `OrderPlaced`.
    pub event_type: String,
}

impl EventSelector {
    /// The events `event_type` of the streams `<category>-...`.
    pub fn new(category: impl Into<String>, event_type: impl Into<String>) -> Self {
        EventSelector {
            category: category.into(),
            event_type: event_type.into(),
        }
    }

    /// Whether `event` is one this selector names.
    pub fn matches(&self, event: &RecordedEvent) -> bool {
        event.event_type == self.event_type && crate::in_category(&event.stream, &self.category)
    }
}

/// How far a filtered subscription may get past events it does not handle before it
/// stores its checkpoint without a batch: a restart then rescans at most this many
/// positions, and an idle consumer does not write on every unrelated append.
const SKIP_COMMIT: u64 = 1024;

/// The document transaction a consumer's handler writes through. Backend-neutral:
/// generated projections only use this.
pub trait ProjectionTx {
    /// The document as this transaction sees it (its own writes included).
    fn get(&self, table: &str, key: &str) -> Result<Option<Value>>;
    /// Inserts or replaces a document.
    fn put(&mut self, table: &str, key: &str, value: Value) -> Result<()>;
    /// Removes a document (no error when absent).
    fn delete(&mut self, table: &str, key: &str) -> Result<()>;
    /// Every document of `table` as this transaction sees it, ordered by key.
    fn list(&self, table: &str) -> Result<Vec<(String, Value)>>;
    /// The documents of `table` whose top-level fields have these text forms (see
    /// [`crate::field_text`]), as this transaction sees them, ordered by key. The default
    /// filters [`ProjectionTx::list`]; the store's transaction asks the backend, which
    /// uses the fields' indexes.
    fn list_matching(
        &self,
        table: &str,
        filters: &[(String, String)],
    ) -> Result<Vec<(String, Value)>> {
        let docs = self.list(table)?;
        Ok(docs
            .into_iter()
            .filter(|(_, doc)| crate::doc_matches(doc, filters))
            .collect())
    }
    /// Schedules a durable timer when the batch commits, replacing a pending timer (or
    /// one scheduled earlier in this batch) with the same id.
    fn schedule_timer(&mut self, timer: Timer) -> Result<()>;
    /// Cancels a pending timer (or one scheduled earlier in this batch) when the batch
    /// commits; no error when there is none.
    fn cancel_timer(&mut self, id: &str) -> Result<()>;
}

/// Buffers a batch's writes; `None` marks a delete (of a document) or a cancel (of a
/// timer). Only the last write per document and per timer id matters.
struct BufferedTx<'a> {
    store: &'a Store,
    pending: BTreeMap<(String, String), Option<Value>>,
    timers: BTreeMap<String, Option<Timer>>,
}

impl BufferedTx<'_> {
    fn into_ops(self) -> Vec<DocOp> {
        let docs = self.pending.into_iter().map(|((table, key), v)| match v {
            Some(value) => DocOp::Put { table, key, value },
            None => DocOp::Delete { table, key },
        });
        let timers = self.timers.into_iter().map(|(id, t)| match t {
            Some(timer) => DocOp::ScheduleTimer(timer),
            None => DocOp::CancelTimer { id },
        });
        docs.chain(timers).collect()
    }
}

impl ProjectionTx for BufferedTx<'_> {
    fn get(&self, table: &str, key: &str) -> Result<Option<Value>> {
        match self.pending.get(&(table.to_owned(), key.to_owned())) {
            Some(v) => Ok(v.clone()),
            None => self.store.load_doc(table, key),
        }
    }

    fn put(&mut self, table: &str, key: &str, value: Value) -> Result<()> {
        validate_name("document table", table)?;
        validate_name("document key", key)?;
        self.pending
            .insert((table.to_owned(), key.to_owned()), Some(value));
        Ok(())
    }

    fn delete(&mut self, table: &str, key: &str) -> Result<()> {
        validate_name("document table", table)?;
        validate_name("document key", key)?;
        self.pending
            .insert((table.to_owned(), key.to_owned()), None);
        Ok(())
    }

    fn list(&self, table: &str) -> Result<Vec<(String, Value)>> {
        let mut docs: BTreeMap<String, Value> = self.store.list_docs(table)?.into_iter().collect();
        for ((t, k), v) in self
            .pending
            .range((table.to_owned(), String::new())..)
            .take_while(|((t, _), _)| t == table)
        {
            debug_assert_eq!(t, table);
            match v {
                Some(v) => docs.insert(k.clone(), v.clone()),
                None => docs.remove(k),
            };
        }
        Ok(docs.into_iter().collect())
    }

    fn list_matching(
        &self,
        table: &str,
        filters: &[(String, String)],
    ) -> Result<Vec<(String, Value)>> {
        let mut docs = BTreeMap::new();
        let mut query = crate::DocQuery {
            filters: filters.to_vec(),
            after: None,
            limit: 1000,
        };
        loop {
            let page = self.store.query_docs(table, &query)?;
            query.after = page.docs.last().map(|(key, _)| key.clone());
            docs.extend(page.docs);
            if !page.more {
                break;
            }
        }
        // The batch's own writes win over what is committed.
        for ((_, key), v) in self
            .pending
            .range((table.to_owned(), String::new())..)
            .take_while(|((t, _), _)| t == table)
        {
            match v {
                Some(doc) if crate::doc_matches(doc, filters) => {
                    docs.insert(key.clone(), doc.clone());
                }
                _ => {
                    docs.remove(key);
                }
            }
        }
        Ok(docs.into_iter().collect())
    }

    fn schedule_timer(&mut self, timer: Timer) -> Result<()> {
        // Refused here rather than at commit, so the handler sees which event caused it.
        crate::timer::validate_timer(&timer)?;
        self.timers.insert(timer.id.clone(), Some(timer));
        Ok(())
    }

    fn cancel_timer(&mut self, id: &str) -> Result<()> {
        validate_name("timer id", id)?;
        self.timers.insert(id.to_owned(), None);
        Ok(())
    }
}

/// A named consumer reading events from its checkpoint: first the backlog (catch-up),
/// then new events as they are appended (live). Events come in global order, none is
/// skipped and, for document writes, none is applied twice.
///
/// ```
/// use stormcraft_runtime::{open, ExpectedVersion, Filter, NewEvent};
/// let store = open("memory:").unwrap();
/// store
///     .append("shop-Cart-1", ExpectedVersion::Any, vec![NewEvent::new("ItemAdded", 1, serde_json::json!({"n": 2}))])
///     .unwrap();
/// let mut sub = store.subscribe("cart-totals", Filter::Category("shop-Cart".into()));
/// sub.catch_up(|event, tx| {
///     let old = tx.get("cart_totals", &event.stream)?.and_then(|v| v.as_i64()).unwrap_or(0);
///     let n = event.payload["n"].as_i64().unwrap_or(0);
///     tx.put("cart_totals", &event.stream, serde_json::json!(old + n))
/// })
/// .unwrap();
/// assert_eq!(store.load_doc("cart_totals", "shop-Cart-1").unwrap(), Some(serde_json::json!(2)));
/// ```
#[derive(Debug)]
pub struct Subscription {
    store: Store,
    consumer: String,
    filter: Filter,
    batch_size: usize,
    idle_wait: Duration,
    /// The checkpoint as last committed by this handle; re-read after a conflict.
    checkpoint: Option<u64>,
    /// The head position up to which the last poll found nothing for this filter.
    idle_from: u64,
    /// Polls in a row that handled nothing (see [`Subscription::wait`]).
    idle_polls: u32,
    /// The lease batches commit under (see [`crate::lease`]); `None`: no fencing.
    lease: Option<crate::lease::Lease>,
}

/// The longest a subscription that keeps finding nothing pauses before it looks again,
/// however often the head moves (see [`Subscription::wait`]).
const IDLE_PAUSE_MAX: Duration = Duration::from_millis(50);

impl Subscription {
    /// A subscription of `consumer`; see also [`Store::subscribe`].
    pub fn new(store: Store, consumer: &str, filter: Filter) -> Self {
        Subscription {
            store,
            consumer: consumer.to_owned(),
            filter,
            batch_size: 256,
            idle_wait: Duration::from_millis(100),
            checkpoint: None,
            idle_from: 0,
            idle_polls: 0,
            lease: None,
        }
    }

    /// Commits every batch under `lease` from now on: a commit fails with
    /// [`Error::LeaseLost`](crate::Error::LeaseLost) once it is no longer held. The
    /// worker sets it after each acquisition and renewal.
    pub fn set_lease(&mut self, lease: Option<crate::lease::Lease>) {
        self.lease = lease;
    }

    /// The most events handled per transaction (default 256; at least 1).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// How long [`Subscription::run`] waits for new events before checking its stop flag
    /// (default 100 ms). Appends in this process wake it at once.
    pub fn idle_wait(mut self, wait: Duration) -> Self {
        self.idle_wait = wait;
        self
    }

    /// The consumer's name.
    pub fn consumer(&self) -> &str {
        &self.consumer
    }

    /// Handles at most one batch after the checkpoint and commits it with its document
    /// writes. Returns how many events it handled (0: caught up).
    ///
    /// When `handler` fails, nothing of the batch is committed and the error is returned;
    /// the next poll handles the same events again.
    pub fn poll<H>(&mut self, mut handler: H) -> Result<usize>
    where
        H: FnMut(&RecordedEvent, &mut dyn ProjectionTx) -> Result<()>,
    {
        validate_name("consumer name", &self.consumer)?;
        let from = match self.checkpoint {
            Some(c) => c,
            None => self.store.checkpoint(&self.consumer)?,
        };
        self.checkpoint = Some(from);
        // `horizon`: the position up to which every event this filter matches has been
        // read, so the checkpoint may move there even past events it does not handle.
        let (events, head, horizon) = match &self.filter {
            Filter::All => {
                let events = self.store.read_all(from, self.batch_size)?;
                let last = events.last().map_or(from, |e| e.position);
                (events, from, last)
            }
            Filter::Category(c) => {
                // Read the head first: when nothing after `from` matches, every event up
                // to it has been looked at and the next wait can start there.
                let head = self.store.head_position()?;
                let events = self.store.read_category(c, from, self.batch_size)?;
                let last = events.last().map_or(from, |e| e.position);
                (events, head, last)
            }
            Filter::Events(selectors) => {
                let head = self.store.head_position()?;
                // Nothing it handles lies in (checkpoint, idle_from]: when the head has
                // not moved past that, there is nothing to ask the backend.
                let events = if head <= self.idle_from.max(from) {
                    Vec::new()
                } else {
                    self.store
                        .read_selected(selectors, from, head, self.batch_size)?
                };
                let horizon = match events.last() {
                    Some(last) if events.len() == self.batch_size => last.position,
                    _ => head.max(from),
                };
                (events, head, horizon)
            }
        };
        if events.is_empty() {
            self.idle_polls = self.idle_polls.saturating_add(1);
            self.idle_from = head.max(from);
            if horizon >= from + SKIP_COMMIT {
                self.commit(from, horizon, Vec::new())?;
            }
            return Ok(0);
        }
        let last = horizon;
        let mut tx = BufferedTx {
            store: &self.store,
            pending: BTreeMap::new(),
            timers: BTreeMap::new(),
        };
        for event in &events {
            handler(event, &mut tx)?;
        }
        let ops = tx.into_ops();
        self.commit(from, last, ops)?;
        self.idle_polls = 0;
        Ok(events.len())
    }

    /// Commits a batch's writes with the checkpoint `to`; forgets the checkpoint on
    /// failure so the next poll re-reads it (another instance may have moved it).
    fn commit(&mut self, from: u64, to: u64, ops: Vec<DocOp>) -> Result<()> {
        let result = self.store.backend().commit_consumer(ConsumerCommit {
            consumer: self.consumer.clone(),
            expected_checkpoint: from,
            new_checkpoint: to,
            ops,
            lease: self.lease.clone(),
        });
        match result {
            Ok(()) => {
                self.checkpoint = Some(to);
                self.idle_from = self.idle_from.max(to);
                Ok(())
            }
            Err(e) => {
                self.checkpoint = None;
                Err(e)
            }
        }
    }

    /// After a poll that handled nothing: waits until an event after what that poll
    /// looked at may exist, at most [`Subscription::idle_wait`] (appends in this process
    /// wake it at once). Returns whether it was woken before the timeout.
    ///
    /// A consumer that keeps finding nothing while the head moves (other consumers'
    /// events) first pauses, 1 ms after its second empty poll in a row, doubling up to
    /// 50 ms: a busy store would otherwise wake every idle consumer for every append
    /// (and on PostgreSQL make each of them read the head at every append). The
    /// first event a paused consumer handles is therefore up to 50 ms late; one that
    /// has just handled a batch waits without a pause.
    pub fn wait(&self) -> Result<bool> {
        let pause = match self.idle_polls {
            0 | 1 => Duration::ZERO,
            n => Duration::from_millis(1u64 << (n - 2).min(6)).min(IDLE_PAUSE_MAX),
        };
        if !pause.is_zero() {
            std::thread::sleep(pause.min(self.idle_wait));
        }
        self.store
            .wait_for_events(self.idle_from, self.idle_wait.saturating_sub(pause))
    }

    /// Polls until caught up with the head; returns how many events it handled.
    pub fn catch_up<H>(&mut self, mut handler: H) -> Result<usize>
    where
        H: FnMut(&RecordedEvent, &mut dyn ProjectionTx) -> Result<()>,
    {
        let mut total = 0;
        loop {
            let n = self.poll(&mut handler)?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Catches up, then waits for and handles new events until `stop` is set. Returns the
    /// first error (of the handler or the store); the caller decides whether to retry.
    pub fn run<H>(&mut self, stop: &AtomicBool, mut handler: H) -> Result<()>
    where
        H: FnMut(&RecordedEvent, &mut dyn ProjectionTx) -> Result<()>,
    {
        while !stop.load(Ordering::Acquire) {
            if self.poll(&mut handler)? == 0 {
                self.wait()?;
            }
        }
        Ok(())
    }
}
