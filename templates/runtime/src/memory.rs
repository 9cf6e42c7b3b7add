//! The in-memory backend: one mutex over plain collections. For tests and demos; nothing
//! survives the process.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use crate::timer::{micros, Timer};
use crate::{
    resolve_retry, time_from_micros, validate_append, validate_docs, validate_name, AppendResult,
    ConsumerCommit, DocOp, Error, EventStore, ExpectedVersion, NewEvent, RecordedEvent, Result,
    Snapshot, Value,
};

#[derive(Default)]
struct Inner {
    /// Index `i` holds position `i + 1`.
    events: Vec<RecordedEvent>,
    /// Stream name → indexes into `events`, in version order.
    streams: HashMap<String, Vec<usize>>,
    /// Event id → index into `events`.
    ids: HashMap<crate::Uuid, usize>,
    docs: BTreeMap<(String, String), Value>,
    checkpoints: HashMap<String, u64>,
    snapshots: HashMap<(String, u32), Snapshot>,
    /// Pending timers by id, their `due_at` cut to microseconds as the databases store it.
    timers: BTreeMap<String, Timer>,
    /// (due time in microseconds, id) of every pending timer: the firing order.
    due: BTreeSet<(i64, String)>,
    /// Consumer → its lease (see [`crate::lease`]).
    leases: BTreeMap<String, crate::lease::Row>,
}

/// The in-memory backend.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    appended: Condvar,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the collections half-updated
        // (every write path validates first), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    /// Applies validated ops; cannot fail (every check ran before the lock was taken).
    fn apply_docs(&mut self, ops: Vec<DocOp>) {
        for op in ops {
            match op {
                DocOp::Put { table, key, value } => {
                    self.docs.insert((table, key), value);
                }
                DocOp::Delete { table, key } => {
                    self.docs.remove(&(table, key));
                }
                DocOp::ScheduleTimer(mut timer) => {
                    // Validated: the due time converts.
                    let due = micros(timer.due_at).unwrap_or(i64::MAX);
                    timer.due_at = time_from_micros(due);
                    self.remove_timer(&timer.id);
                    self.due.insert((due, timer.id.clone()));
                    self.timers.insert(timer.id.clone(), timer);
                }
                DocOp::CancelTimer { id } => self.remove_timer(&id),
            }
        }
    }

    fn remove_timer(&mut self, id: &str) {
        if let Some(old) = self.timers.remove(id) {
            let due = micros(old.due_at).unwrap_or(i64::MAX);
            self.due.remove(&(due, old.id));
        }
    }

    /// Undoes the appends after the first `len` events (a firing that failed part-way).
    fn truncate(&mut self, len: usize) {
        while self.events.len() > len {
            let Some(e) = self.events.pop() else { break };
            self.ids.remove(&e.id);
            if let Some(indexes) = self.streams.get_mut(&e.stream) {
                indexes.pop();
                if indexes.is_empty() {
                    self.streams.remove(&e.stream);
                }
            }
        }
    }

    /// The append of [`EventStore::append_with_docs`] on the locked collections, for the
    /// firing of timers too. Fails only before it changes anything.
    fn append(
        &mut self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        docs: Vec<DocOp>,
    ) -> Result<AppendResult> {
        let inner = self;
        let found: Vec<_> = events
            .iter()
            .map(|e| {
                inner.ids.get(&e.id).map(|&i| {
                    let r = &inner.events[i];
                    (r.stream.clone(), r.version, r.position)
                })
            })
            .collect();
        if let Some(done) = resolve_retry(stream, &events, &found)? {
            return Ok(done);
        }
        let current = inner.streams.get(stream).map_or(0, |v| v.len() as u64);
        expected.check(stream, current)?;
        let now = time_from_micros(crate::now_micros());
        let mut positions = Vec::with_capacity(events.len());
        for (i, e) in events.into_iter().enumerate() {
            let index = inner.events.len();
            let position = index as u64 + 1;
            positions.push(position);
            inner.ids.insert(e.id, index);
            inner
                .streams
                .entry(stream.to_owned())
                .or_default()
                .push(index);
            inner.events.push(RecordedEvent {
                position,
                stream: stream.to_owned(),
                version: current + i as u64 + 1,
                id: e.id,
                event_type: e.event_type,
                schema_version: e.schema_version,
                payload: e.payload,
                metadata: e.metadata,
                recorded_at: now,
            });
        }
        inner.apply_docs(docs);
        let stream_version = inner.streams.get(stream).map_or(0, |v| v.len() as u64);
        Ok(AppendResult {
            stream_version,
            positions,
        })
    }
}

impl EventStore for MemoryStore {
    fn append_with_docs(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        docs: Vec<DocOp>,
    ) -> Result<AppendResult> {
        validate_append(stream, &events, &docs)?;
        let done = self.lock().append(stream, expected, events, docs)?;
        self.appended.notify_all();
        Ok(done)
    }

    fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>> {
        validate_name("stream name", stream)?;
        let inner = self.lock();
        let Some(indexes) = inner.streams.get(stream) else {
            return Ok(Vec::new());
        };
        let skip = usize::try_from(from_version.saturating_sub(1)).unwrap_or(usize::MAX);
        Ok(indexes
            .iter()
            .skip(skip)
            .take(limit)
            .map(|&i| inner.events[i].clone())
            .collect())
    }

    fn read_all(&self, after_position: u64, limit: usize) -> Result<Vec<RecordedEvent>> {
        let inner = self.lock();
        let skip = usize::try_from(after_position).unwrap_or(usize::MAX);
        Ok(inner
            .events
            .iter()
            .skip(skip)
            .take(limit)
            .cloned()
            .collect())
    }

    fn read_category(
        &self,
        category: &str,
        after_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>> {
        validate_name("category", category)?;
        let inner = self.lock();
        let skip = usize::try_from(after_position).unwrap_or(usize::MAX);
        Ok(inner
            .events
            .iter()
            .skip(skip)
            .filter(|e| crate::in_category(&e.stream, category))
            .take(limit)
            .cloned()
            .collect())
    }

    fn read_selected(
        &self,
        selectors: &[crate::EventSelector],
        after_position: u64,
        up_to: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>> {
        let inner = self.lock();
        let skip = usize::try_from(after_position).unwrap_or(usize::MAX);
        let end = usize::try_from(up_to).unwrap_or(usize::MAX);
        Ok(inner
            .events
            .iter()
            .take(end)
            .skip(skip)
            .filter(|e| selectors.iter().any(|s| s.matches(e)))
            .take(limit)
            .cloned()
            .collect())
    }

    fn stream_version(&self, stream: &str) -> Result<u64> {
        validate_name("stream name", stream)?;
        Ok(self
            .lock()
            .streams
            .get(stream)
            .map_or(0, |v| v.len() as u64))
    }

    fn head_position(&self) -> Result<u64> {
        Ok(self.lock().events.len() as u64)
    }

    fn save_snapshot(&self, snapshot: Snapshot) -> Result<()> {
        validate_name("stream name", &snapshot.stream)?;
        let mut inner = self.lock();
        let key = (snapshot.stream.clone(), snapshot.schema_version);
        // Never replace a newer snapshot with an older one (a slow writer).
        if inner
            .snapshots
            .get(&key)
            .is_none_or(|old| old.version <= snapshot.version)
        {
            inner.snapshots.insert(key, snapshot);
        }
        Ok(())
    }

    fn load_snapshot(&self, stream: &str, schema_version: u32) -> Result<Option<Snapshot>> {
        validate_name("stream name", stream)?;
        Ok(self
            .lock()
            .snapshots
            .get(&(stream.to_owned(), schema_version))
            .cloned())
    }

    fn load_doc(&self, table: &str, key: &str) -> Result<Option<Value>> {
        validate_name("document table", table)?;
        validate_name("document key", key)?;
        Ok(self
            .lock()
            .docs
            .get(&(table.to_owned(), key.to_owned()))
            .cloned())
    }

    fn list_docs(&self, table: &str) -> Result<Vec<(String, Value)>> {
        validate_name("document table", table)?;
        let inner = self.lock();
        Ok(inner
            .docs
            .range((table.to_owned(), String::new())..)
            .take_while(|((t, _), _)| t == table)
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect())
    }

    fn checkpoint(&self, consumer: &str) -> Result<u64> {
        validate_name("consumer name", consumer)?;
        Ok(self.lock().checkpoints.get(consumer).copied().unwrap_or(0))
    }

    fn commit_consumer(&self, commit: ConsumerCommit) -> Result<()> {
        validate_name("consumer name", &commit.consumer)?;
        validate_docs(&commit.ops)?;
        let mut inner = self.lock();
        if let Some(lease) = &commit.lease {
            crate::lease::fence(
                inner.leases.get(&commit.consumer),
                lease,
                crate::now_micros(),
            )?;
        }
        let actual = inner
            .checkpoints
            .get(&commit.consumer)
            .copied()
            .unwrap_or(0);
        if actual != commit.expected_checkpoint {
            return Err(Error::CheckpointConflict {
                consumer: commit.consumer,
                expected: commit.expected_checkpoint,
                actual,
            });
        }
        inner.apply_docs(commit.ops);
        inner
            .checkpoints
            .insert(commit.consumer, commit.new_checkpoint);
        Ok(())
    }

    fn wait_for_events(&self, after_position: u64, timeout: Duration) -> Result<()> {
        let inner = self.lock();
        let _ = self
            .appended
            .wait_timeout_while(inner, timeout, |i| i.events.len() as u64 <= after_position)
            .unwrap_or_else(|p| p.into_inner());
        Ok(())
    }

    fn schedule_timers(&self, ops: Vec<DocOp>) -> Result<()> {
        validate_docs(&ops)?;
        self.lock().apply_docs(ops);
        Ok(())
    }

    fn fire_due_timers(&self, now: SystemTime, limit: usize) -> Result<Vec<RecordedEvent>> {
        let now = crate::timer::due_cutoff(now);
        let mut inner = self.lock();
        let due: Vec<String> = inner
            .due
            .iter()
            .take_while(|(at, _)| *at <= now)
            .take(limit)
            .map(|(_, id)| id.clone())
            .collect();
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let len_before = inner.events.len();
        let mut fired = Vec::with_capacity(due.len());
        for id in &due {
            let Some(timer) = inner.timers.get(id).cloned() else {
                continue;
            };
            match inner.append(
                &timer.stream,
                ExpectedVersion::Any,
                vec![timer.event],
                Vec::new(),
            ) {
                Ok(done) => {
                    // One event, so one position (from 1); the event is stored there.
                    let stored = done
                        .positions
                        .first()
                        .and_then(|p| usize::try_from(p.checked_sub(1)?).ok())
                        .and_then(|i| inner.events.get(i).cloned());
                    fired.extend(stored);
                }
                Err(e) => {
                    // One transaction: the appends of the timers before this one go too.
                    inner.truncate(len_before);
                    return Err(crate::timer::firing_failed(id, e));
                }
            }
        }
        for id in &due {
            inner.remove_timer(id);
        }
        drop(inner);
        self.appended.notify_all();
        Ok(fired)
    }

    fn next_due(&self) -> Result<Option<SystemTime>> {
        Ok(self.lock().due.first().map(|(at, _)| time_from_micros(*at)))
    }

    fn pending_timers(&self) -> Result<Vec<Timer>> {
        let inner = self.lock();
        Ok(inner
            .due
            .iter()
            .filter_map(|(_, id)| inner.timers.get(id).cloned())
            .collect())
    }

    fn try_acquire_lease(
        &self,
        consumer: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<crate::lease::Lease>> {
        let ttl = crate::lease::validate(consumer, holder, ttl)?;
        let mut inner = self.lock();
        let now = crate::now_micros();
        let row = crate::lease::acquire(inner.leases.get(consumer), holder, now, ttl);
        Ok(row.map(|row| {
            let lease = row.to_lease(consumer);
            inner.leases.insert(consumer.to_owned(), row);
            lease
        }))
    }

    fn renew_lease(
        &self,
        lease: &crate::lease::Lease,
        ttl: Duration,
    ) -> Result<Option<crate::lease::Lease>> {
        let ttl = crate::lease::validate(&lease.consumer, &lease.holder, ttl)?;
        let mut inner = self.lock();
        let now = crate::now_micros();
        let row = crate::lease::renew(inner.leases.get(&lease.consumer), lease, now, ttl);
        Ok(row.map(|row| {
            let renewed = row.to_lease(&lease.consumer);
            inner.leases.insert(lease.consumer.clone(), row);
            renewed
        }))
    }

    fn release_lease(&self, lease: &crate::lease::Lease) -> Result<()> {
        let mut inner = self.lock();
        let now = crate::now_micros();
        if let Some(row) = inner.leases.get_mut(&lease.consumer) {
            if crate::lease::fence(Some(row), lease, now).is_ok() {
                row.expires_at = now;
            }
        }
        Ok(())
    }

    fn lease_holder(&self, consumer: &str) -> Result<Option<crate::lease::Lease>> {
        validate_name("consumer name", consumer)?;
        let row = self.lock().leases.get(consumer).cloned();
        Ok(crate::lease::current(row, consumer, crate::now_micros()))
    }
}
