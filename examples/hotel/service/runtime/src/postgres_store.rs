//! The PostgreSQL backend (feature `postgres`).
//!
//! # Durable before visible, one gapless global order
//!
//! A sequence hands out numbers before commit, so with `position = nextval(...)` a
//! transaction holding position 10 can commit after one holding 11; a reader that has
//! already moved its cursor past 11 never sees 10. This backend instead allocates
//! positions at the *end* of the append transaction, under a transaction-scoped advisory
//! lock (`pg_advisory_xact_lock`) held until the transaction has committed
//! **synchronously**: PostgreSQL flushes the commit record before it makes the
//! transaction visible, and releases the transaction's locks after that, so the next
//! holder of the lock allocates higher positions, and no reader ever sees an event that
//! a crash could still take back. Positions are gapless (a rolled-back transaction gives
//! its numbers back) and visible in position order, so a plain `position > cursor`
//! reader misses nothing.
//!
//! Holding one lock through a flush would allow one fsync per append. So appends of one
//! process are **group-committed** (leader/follower, as in the SQLite store): a thread
//! queues its request; if no batch is being started it becomes the leader, takes the
//! queued requests and commits them all in *one* transaction — one lock, one flush:
//!
//! 1. lock the batch's stream rows in `stormcraft_streams` (one statement, in byte order
//!    of the names, so two processes' batches never wait on each other in a cycle) and
//!    look up every event id of the batch (one statement);
//! 2. decide each request in memory, in queue order: an idempotent retry, a version
//!    conflict (that request fails alone), or a new append at the stream's version as the
//!    earlier requests of the batch left it;
//! 3. write the accepted requests' documents (before the position lock: their row locks
//!    may wait on other transactions, which must never happen while holding it);
//! 4. take the position lock and read the head (one call), insert every event and move
//!    every stream's version (one statement), commit.
//!
//! Once only its commit is left, the next leader may start the next batch on a second
//! connection (see `Front`), so its first round trips overlap this batch's flush.
//!
//! A batch whose transaction fails (a database error, an event id stored concurrently by
//! another process) is rolled back and its requests are run again one by one, so a
//! failure is reported to the request that caused it. Several processes on one database
//! stay correct: their leaders meet on the same row locks and position lock.
//!
//! The alternative — a transaction-id horizon (`xid8` column, readers stop at
//! `pg_snapshot_xmin(pg_current_snapshot())`) — keeps inserts parallel but needs an
//! (xid, position) cursor instead of one number and lets one long transaction anywhere in
//! the database stall every reader; one plain integer position, identical on every
//! backend, was preferred. Only transaction-scoped locks are used, so a crashed client
//! never leaves one behind.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::{Duration, SystemTime};

use postgres::error::SqlState;
use postgres::{Client, NoTls, Row, Statement, Transaction};

use crate::checksum::{doc_checksum, EventRow};
use crate::postgres_wake::Wakeups;
use crate::timer::{due_cutoff, firing_failed, payload_json, Timer, TimerRow};
use crate::{
    doc_matches, from_i64, resolve_retry, to_i64, validate_append, validate_docs, validate_field,
    validate_name, AppendResult, ConsumerCommit, DocOp, DocPage, DocQuery, Error, EventStore,
    ExpectedVersion, NewEvent, RecordedEvent, Result, Snapshot, StoredAt, Uuid, Value,
};

/// The advisory lock key that serialises position allocation ("stormcrf" in ASCII).
const POSITION_LOCK: i64 = 0x73746f_726d6372;
/// The advisory lock key that serialises schema creation.
const SCHEMA_LOCK: i64 = POSITION_LOCK + 1;
/// Idle connections kept for reuse.
const MAX_IDLE: usize = 64;
/// Most appends one leader commits in one transaction; the rest wait for the next batch.
const MAX_BATCH: usize = 1024;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS stormcraft_events (
    position       BIGINT PRIMARY KEY,
    stream         TEXT   NOT NULL,
    version        BIGINT NOT NULL,
    id             BYTEA  NOT NULL UNIQUE,
    event_type     TEXT   NOT NULL,
    schema_version BIGINT NOT NULL,
    payload        TEXT   NOT NULL,
    correlation_id BYTEA,
    causation_id   BYTEA,
    recorded_at    BIGINT NOT NULL,
    checksum       BIGINT NOT NULL,
    UNIQUE (stream, version)
);
CREATE TABLE IF NOT EXISTS stormcraft_streams (
    name    TEXT   PRIMARY KEY,
    version BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS stormcraft_docs (
    tbl      TEXT   NOT NULL,
    key      TEXT   NOT NULL,
    value    TEXT   NOT NULL,
    checksum BIGINT NOT NULL,
    PRIMARY KEY (tbl, key)
);
CREATE TABLE IF NOT EXISTS stormcraft_checkpoints (
    consumer TEXT   PRIMARY KEY,
    position BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS stormcraft_snapshots (
    stream         TEXT   NOT NULL,
    schema_version BIGINT NOT NULL,
    version        BIGINT NOT NULL,
    state          TEXT   NOT NULL,
    checksum       BIGINT NOT NULL,
    PRIMARY KEY (stream, schema_version)
);
CREATE TABLE IF NOT EXISTS stormcraft_timers (
    id             TEXT   PRIMARY KEY,
    due_at         BIGINT NOT NULL,
    stream         TEXT   NOT NULL,
    event_id       BYTEA  NOT NULL,
    event_type     TEXT   NOT NULL,
    schema_version BIGINT NOT NULL,
    payload        TEXT   NOT NULL,
    correlation_id BYTEA,
    causation_id   BYTEA,
    checksum       BIGINT NOT NULL
);
-- COLLATE \"C\": timers due at the same time fire in byte order of their ids, as on
-- every backend.
CREATE INDEX IF NOT EXISTS stormcraft_timers_due ON stormcraft_timers (due_at, id COLLATE \"C\");
-- Takes the position lock, then reads the head: in one round trip, and still correct,
-- because a VOLATILE function's later queries get a fresh snapshot, taken after the lock
-- was granted (a single statement would read the head as of before the wait).
CREATE OR REPLACE FUNCTION stormcraft_lock_positions(lock_key BIGINT) RETURNS BIGINT
LANGUAGE sql VOLATILE AS $$
    SELECT pg_advisory_xact_lock(lock_key);
    SELECT COALESCE(MAX(position), 0)::BIGINT FROM stormcraft_events;
$$;
-- One row per consumer run under a lease (see the runtime's `lease` module); expiry in
-- microseconds of the server's clock, so instances on hosts with skewed clocks agree.
CREATE TABLE IF NOT EXISTS stormcraft_leases (
    consumer   TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL,
    token      BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
";

const TIMER_COLS: &str = "id, due_at, stream, event_id, event_type, schema_version, payload, correlation_id, causation_id, checksum";

const COLS: &str = "position, stream, version, id, event_type, schema_version, payload, correlation_id, causation_id, recorded_at, checksum";

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        match e.code() {
            Some(c) if *c == SqlState::DATA_CORRUPTED || *c == SqlState::INDEX_CORRUPTED => {
                Error::Corruption(format!("PostgreSQL reports: {e}"))
            }
            _ => Error::Backend(Box::new(e)),
        }
    }
}

/// Where a paused append is, for tests that force an interleaving of transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgHookPoint {
    /// The stream work is done; the position lock is not taken yet.
    BeforePositionLock,
    /// Positions are allocated and the events inserted; the commit is next.
    BeforeCommit,
    /// The append's transaction has committed; its caller is not told yet.
    AfterCommit,
}

/// A callback run at each [`PgHookPoint`] of every append (on the appending thread).
pub type PgHook = Arc<dyn Fn(PgHookPoint) + Send + Sync>;

/// Statements prepared once per connection.
struct Stmts {
    lock_streams: Statement,
    find_ids: Statement,
    lock_head: Statement,
    insert_batch: Statement,
    find_id: Statement,
    ensure_stream: Statement,
    lock_stream: Statement,
    set_stream: Statement,
    max_position: Statement,
    insert: Statement,
    put_doc: Statement,
    delete_doc: Statement,
    put_timer: Statement,
    delete_timer: Statement,
    lock_due_timers: Statement,
    read_position: Statement,
    read_stream: Statement,
    read_all: Statement,
    read_category: Statement,
    read_selected: Statement,
}

struct Conn {
    client: Client,
    s: Stmts,
}

/// An append waiting for a leader.
struct AppendReq {
    stream: String,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
    docs: Vec<DocOp>,
}

/// A queued append: its ticket, the request, and the condition variable its thread waits
/// on, so a leader wakes exactly the threads it has news for.
struct Pending {
    ticket: u64,
    req: AppendReq,
    wake: Arc<Condvar>,
}

thread_local! {
    /// The condition variable this thread waits on while its append is pending.
    static WAKE: Arc<Condvar> = Arc::new(Condvar::new());
}

/// The state shared by appending threads (leader/follower group commit).
#[derive(Default)]
struct WriteState {
    /// Appends waiting for a leader, oldest first.
    queue: Vec<Pending>,
    /// Outcomes of finished appends, until their thread collects them.
    results: HashMap<u64, Result<AppendResult>>,
    next_ticket: u64,
    /// A leader is taking a batch and doing its stream work (see `Front`).
    front_busy: bool,
    /// Idle connections of the leaders (at most two batches are in flight at once).
    conns: Vec<Conn>,
}

/// The front of a batch — taking the queued requests, the stream work, the documents, the
/// position lock, the inserts — is led by one thread at a time. When only its commit is
/// left, the front is released: the next leader takes the requests that queued meanwhile
/// and does their stream work on another connection while this batch waits for its
/// flush. So the next batch's first round trips and the hand-off to its leader overlap
/// the flush, and at most two batches are in flight (the second waits for the position
/// lock until the first has committed).
struct Front<'a> {
    store: &'a PgStore,
    held: Cell<bool>,
}

impl Front<'_> {
    /// Lets the next leader start (once; later calls do nothing).
    fn release(&self) {
        if self.held.replace(false) {
            let mut state = self.store.lock_writes();
            state.front_busy = false;
            if let Some(next) = state.queue.first() {
                next.wake.notify_one();
            }
        }
    }
}

/// The PostgreSQL backend: a small pool of synchronous connections for reads and
/// consumers, and one connection for group-committed appends.
pub struct PgStore {
    config: postgres::Config,
    pool: Mutex<Vec<Conn>>,
    writes: Mutex<WriteState>,
    hook: RwLock<Option<PgHook>>,
    /// The head as this process knows it, and the threads that announce this process's
    /// appends and listen for the others'.
    wakeups: Arc<Wakeups>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (a `postgres://` URL or a `key=value` string) and creates the
    /// `stormcraft_*` tables when missing.
    pub fn connect(url: &str) -> Result<Self> {
        let config: postgres::Config = url
            .parse()
            .map_err(|e| Error::InvalidInput(format!("bad PostgreSQL URL: {e}")))?;
        let mut client = config.connect(NoTls)?;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
        tx.batch_execute(SCHEMA)?;
        tx.commit()?;
        let store = PgStore {
            wakeups: Arc::new(Wakeups::new(config.clone())),
            config,
            pool: Mutex::new(Vec::new()),
            writes: Mutex::new(WriteState::default()),
            hook: RwLock::new(None),
        };
        let conn = Self::prepare(client)?;
        store.release(conn);
        Ok(store)
    }

    /// Installs (or removes) a callback run at fixed points of every append; for tests
    /// that make transactions interleave deterministically.
    #[doc(hidden)]
    pub fn set_hook(&self, hook: Option<PgHook>) {
        *self.hook.write().unwrap_or_else(|p| p.into_inner()) = hook;
    }

    fn run_hook(&self, point: PgHookPoint) {
        let hook = self.hook.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(h) = hook {
            h(point);
        }
    }

    fn prepare(mut client: Client) -> Result<Conn> {
        let mut p = |sql: &str| client.prepare(sql);
        let s = Stmts {
            // Creates missing stream rows and locks all of them, in the order of the
            // array (the caller sorts it), returning each stream's current version. The
            // no-op update is what takes the row lock of an existing row.
            lock_streams: p(
                "INSERT INTO stormcraft_streams (name, version) SELECT n, 0 FROM unnest($1::text[]) AS u(n)
                 ON CONFLICT (name) DO UPDATE SET version = stormcraft_streams.version
                 RETURNING name, version",
            )?,
            find_ids: p(
                "SELECT id, stream, version, position FROM stormcraft_events WHERE id = ANY($1::bytea[])",
            )?,
            lock_head: p("SELECT stormcraft_lock_positions($1)")?,
            // Every event of a batch, and the new versions of its streams (rows this
            // transaction has locked already), in one statement.
            insert_batch: p(&format!(
                "WITH moved AS (
                     UPDATE stormcraft_streams AS s SET version = u.v
                     FROM unnest($12::text[], $13::bigint[]) AS u(n, v) WHERE s.name = u.n
                 )
                 INSERT INTO stormcraft_events ({COLS})
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bytea[], $5::text[],
                     $6::bigint[], $7::text[], $8::bytea[], $9::bytea[], $10::bigint[], $11::bigint[])"
            ))?,
            find_id: p("SELECT stream, version, position FROM stormcraft_events WHERE id = $1")?,
            ensure_stream: p(
                "INSERT INTO stormcraft_streams (name, version) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING",
            )?,
            lock_stream: p("SELECT version FROM stormcraft_streams WHERE name = $1 FOR UPDATE")?,
            set_stream: p("UPDATE stormcraft_streams SET version = $2 WHERE name = $1")?,
            max_position: p("SELECT COALESCE(MAX(position), 0)::BIGINT FROM stormcraft_events")?,
            insert: p(&format!(
                "INSERT INTO stormcraft_events ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ))?,
            put_doc: p(
                "INSERT INTO stormcraft_docs (tbl, key, value, checksum) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value, checksum = excluded.checksum",
            )?,
            delete_doc: p("DELETE FROM stormcraft_docs WHERE tbl = $1 AND key = $2")?,
            put_timer: p(&format!(
                "INSERT INTO stormcraft_timers ({TIMER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, stream = excluded.stream,
                 event_id = excluded.event_id, event_type = excluded.event_type,
                 schema_version = excluded.schema_version, payload = excluded.payload,
                 correlation_id = excluded.correlation_id, causation_id = excluded.causation_id,
                 checksum = excluded.checksum"
            ))?,
            delete_timer: p("DELETE FROM stormcraft_timers WHERE id = $1")?,
            // A timer another firing has locked is skipped, not waited for: it is being
            // fired, and waiting would only find it deleted.
            lock_due_timers: p(&format!(
                "SELECT {TIMER_COLS} FROM stormcraft_timers WHERE due_at <= $1
                 ORDER BY due_at, id COLLATE \"C\" LIMIT $2 FOR UPDATE SKIP LOCKED"
            ))?,
            read_position: p(&format!("SELECT {COLS} FROM stormcraft_events WHERE position = $1"))?,
            read_stream: p(&format!(
                "SELECT {COLS} FROM stormcraft_events WHERE stream = $1 AND version >= $2 ORDER BY version LIMIT $3"
            ))?,
            read_all: p(&format!(
                "SELECT {COLS} FROM stormcraft_events WHERE position > $1 ORDER BY position LIMIT $2"
            ))?,
            read_category: p(&format!(
                "SELECT {COLS} FROM stormcraft_events WHERE position > $1 AND starts_with(stream, $2) ORDER BY position LIMIT $3"
            ))?,
            // The selectors as two parallel arrays, so one prepared statement serves every
            // consumer: the rows a consumer does not handle are skipped by the server.
            read_selected: p(&format!(
                "SELECT {COLS} FROM stormcraft_events WHERE position > $1 AND position <= $2
                 AND EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[]) AS s(t, p)
                             WHERE event_type = s.t AND starts_with(stream, s.p))
                 ORDER BY position LIMIT $5"
            ))?,
        };
        Ok(Conn { client, s })
    }

    fn acquire(&self) -> Result<Conn> {
        loop {
            let idle = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
            match idle {
                Some(c) if !c.client.is_closed() => return Ok(c),
                Some(_) => continue,
                None => return Self::prepare(self.config.connect(NoTls)?),
            }
        }
    }

    fn release(&self, conn: Conn) {
        let mut idle = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE && !conn.client.is_closed() {
            idle.push(conn);
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        let mut conn = self.acquire()?;
        let out = f(&mut conn);
        self.release(conn);
        out
    }

    fn read_events(
        &self,
        which: fn(&Stmts) -> &Statement,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<RecordedEvent>> {
        self.with(|c| {
            let rows = c.client.query(which(&c.s), params)?;
            rows.iter().map(row_to_event).collect()
        })
    }

    /// Leader/follower group commit. The append is queued; the thread then either finds
    /// its result (a leader committed it), or finds no leader at work and leads: it takes
    /// the queued appends, commits them in one transaction, posts each result and wakes
    /// the oldest append still queued, which leads the next batch. A single writer commits
    /// on its own thread with no hand-off.
    fn append_grouped(&self, req: AppendReq) -> Result<AppendResult> {
        let wake = WAKE.with(Arc::clone);
        let mut state = self.lock_writes();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.queue.push(Pending {
            ticket,
            req,
            wake: Arc::clone(&wake),
        });
        loop {
            if let Some(outcome) = state.results.remove(&ticket) {
                return outcome;
            }
            if state.front_busy {
                state = wake.wait(state).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            state.front_busy = true;
            let batch = take_batch(&mut state.queue);
            let conn = state.conns.pop();
            drop(state);
            let front = Front {
                store: self,
                held: Cell::new(true),
            };
            let run = catch_unwind(AssertUnwindSafe(|| self.commit_batch(conn, &batch, &front)));
            state = self.lock_writes();
            if front.held.replace(false) {
                state.front_busy = false;
            }
            let outcomes = match run {
                Ok((conn, outcomes)) => {
                    if let Some(conn) = conn {
                        state.conns.push(conn);
                    }
                    outcomes
                }
                Err(panic) => {
                    // The connection is gone with the unwound frame (an open transaction
                    // rolls back when it closes); nothing of the batch was acknowledged.
                    // The next leader connects again.
                    for p in batch {
                        state.results.insert(p.ticket, Err(leader_panicked()));
                        p.wake.notify_one();
                    }
                    if let Some(next) = state.queue.first() {
                        next.wake.notify_one();
                    }
                    drop(state);
                    resume_unwind(panic);
                }
            };
            for (p, outcome) in batch.into_iter().zip(outcomes) {
                state.results.insert(p.ticket, outcome);
                p.wake.notify_one();
            }
            // Appends that queued during the commit: the oldest leads the next batch.
            if let Some(next) = state.queue.first() {
                next.wake.notify_one();
            }
        }
    }

    fn lock_writes(&self) -> MutexGuard<'_, WriteState> {
        self.writes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Commits `batch` on an idle leaders' connection (connecting when there is none) and
    /// returns the connection, unless it broke, with one outcome per request.
    fn commit_batch(
        &self,
        conn: Option<Conn>,
        batch: &[Pending],
        front: &Front<'_>,
    ) -> (Option<Conn>, Vec<Result<AppendResult>>) {
        let mut conn = match conn {
            Some(c) if !c.client.is_closed() => c,
            _ => match self.acquire() {
                Ok(c) => c,
                Err(e) => {
                    let message = e.to_string();
                    let outcomes = batch
                        .iter()
                        .map(|_| {
                            Err(Error::Backend(
                                format!("connecting to PostgreSQL failed: {message}").into(),
                            ))
                        })
                        .collect();
                    return (None, outcomes);
                }
            },
        };
        let reqs: Vec<&AppendReq> = batch.iter().map(|p| &p.req).collect();
        let outcomes = match self.try_batch(&mut conn, &reqs, front) {
            Ok(outcomes) => outcomes,
            Err(e) if reqs.len() == 1 => vec![self.again_alone(&mut conn, reqs[0], e, front)],
            // Which request failed the transaction is unknown: each runs again alone, so
            // only that one gets the error. Nothing of the batch was acknowledged, and
            // event ids make running an append again safe even if the failure was a lost
            // reply to a commit that happened.
            Err(_) => reqs
                .iter()
                .map(|req| match self.try_batch(&mut conn, &[req], front) {
                    Ok(outcomes) => one(outcomes),
                    Err(e) => self.again_alone(&mut conn, req, e, front),
                })
                .collect(),
        };
        let conn = (!conn.client.is_closed()).then_some(conn);
        (conn, outcomes)
    }

    /// The outcome of a request whose own transaction failed with `error`. An event id
    /// stored by another process between our lookup and our insert (a unique violation)
    /// is decided by running the append once more: it now finds the stored id, so it is
    /// either that append's retry or an idempotency conflict naming where the id is.
    fn again_alone(
        &self,
        conn: &mut Conn,
        req: &AppendReq,
        error: Error,
        front: &Front<'_>,
    ) -> Result<AppendResult> {
        if !is_unique_violation(&error) {
            return Err(error);
        }
        match self.try_batch(conn, &[req], front) {
            Ok(outcomes) => one(outcomes),
            Err(e) if is_unique_violation(&e) => Err(Error::IdempotencyConflict {
                event_id: req.events.first().map_or_else(Uuid::nil, |e| e.id),
                detail: "an event id of this append was stored concurrently by another append"
                    .into(),
            }),
            Err(e) => Err(e),
        }
    }

    /// One transaction for the requests of a batch. `Err`: the transaction failed as a
    /// whole and nothing of it is stored; `Ok`: one outcome per request, the accepted
    /// ones committed (durably, before this returns) and the others failed alone.
    fn try_batch(
        &self,
        conn: &mut Conn,
        reqs: &[&AppendReq],
        front: &Front<'_>,
    ) -> Result<Vec<Result<AppendResult>>> {
        let s = &conn.s;
        let mut tx = conn.client.transaction()?;
        // 1. Lock the streams, in byte order of their names (`BTreeSet`), as every batch
        //    and every timer firing of every process does.
        let names: Vec<&str> = reqs
            .iter()
            .map(|r| r.stream.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut versions: BTreeMap<String, u64> = BTreeMap::new();
        for row in tx.query(&s.lock_streams, &[&names])? {
            versions.insert(row.try_get(0)?, from_i64(row.try_get(1)?, "version")?);
        }
        // Under the stream locks: a concurrent append of the same ids to these streams
        // has either committed (and is found) or not taken its stream lock yet.
        let ids: Vec<&[u8]> = reqs
            .iter()
            .flat_map(|r| r.events.iter().map(|e| &e.id.as_bytes()[..]))
            .collect();
        let mut stored: HashMap<Uuid, StoredAt> = HashMap::new();
        if !ids.is_empty() {
            for row in tx.query(&s.find_ids, &[&ids])? {
                let id: &[u8] = row.try_get(0)?;
                let id = Uuid::from_slice(id)
                    .map_err(|_| Error::Corruption("a stored event id is not 16 bytes".into()))?;
                let at = (
                    row.try_get::<_, String>(1)?,
                    from_i64(row.try_get(2)?, "version")?,
                    from_i64(row.try_get(3)?, "position")?,
                );
                stored.insert(id, at);
            }
        }
        // 2. Decide each request in queue order, as if they ran one after another.
        let mut plans = Vec::with_capacity(reqs.len());
        for req in reqs {
            let current = versions.get(&req.stream).copied().ok_or_else(|| {
                Error::Corruption(format!("the row of stream `{}` was not locked", req.stream))
            })?;
            let plan = decide(req, current, &stored);
            if let Plan::New { current, .. } = &plan {
                versions.insert(req.stream.clone(), current + req.events.len() as u64);
            }
            plans.push(plan);
        }
        if !plans.iter().any(|p| matches!(p, Plan::New { .. })) {
            // Nothing to write: every request is a retry or failed. Rolled back, which
            // also removes the stream rows created for failed appends.
            drop(tx);
            return Ok(plans.into_iter().map(Plan::into_done).collect());
        }
        // 3. Documents, before the position lock.
        for (req, plan) in reqs.iter().zip(&plans) {
            if matches!(plan, Plan::New { .. }) {
                apply_docs(&mut tx, s, &req.docs)?;
            }
        }
        // 4. Positions, events, stream versions.
        let mut outcomes = Vec::with_capacity(reqs.len());
        if plans
            .iter()
            .zip(reqs)
            .any(|(p, r)| matches!(p, Plan::New { .. }) && !r.events.is_empty())
        {
            self.run_hook(PgHookPoint::BeforePositionLock);
            let head: i64 = tx.query_one(&s.lock_head, &[&POSITION_LOCK])?.try_get(0)?;
            let mut rows = BatchRows::default();
            let recorded_at = crate::now_micros();
            let mut position = head;
            for (req, plan) in reqs.iter().zip(plans) {
                let Plan::New { current, payloads } = plan else {
                    outcomes.push(plan.into_done());
                    continue;
                };
                let mut positions = Vec::with_capacity(req.events.len());
                for (i, (e, payload)) in req.events.iter().zip(payloads).enumerate() {
                    position += 1;
                    let version = to_i64(current + 1 + i as u64, "version")?;
                    let checksum = EventRow {
                        position,
                        stream: &req.stream,
                        version,
                        id: e.id.as_bytes(),
                        event_type: &e.event_type,
                        schema_version: i64::from(e.schema_version),
                        payload: &payload,
                        correlation_id: e
                            .metadata
                            .correlation_id
                            .as_ref()
                            .map(|u| &u.as_bytes()[..]),
                        causation_id: e.metadata.causation_id.as_ref().map(|u| &u.as_bytes()[..]),
                        recorded_at,
                    }
                    .checksum();
                    rows.push(
                        position,
                        &req.stream,
                        version,
                        e,
                        payload,
                        recorded_at,
                        checksum,
                    );
                    positions.push(from_i64(position, "position")?);
                }
                let stream_version = current + req.events.len() as u64;
                if !req.events.is_empty() {
                    rows.moved
                        .insert(req.stream.as_str(), to_i64(stream_version, "version")?);
                }
                outcomes.push(Ok(AppendResult {
                    stream_version,
                    positions,
                }));
            }
            let (names, new_versions): (Vec<&str>, Vec<i64>) = rows.moved.into_iter().unzip();
            tx.execute(
                &s.insert_batch,
                &[
                    &rows.position,
                    &rows.stream,
                    &rows.version,
                    &rows.id,
                    &rows.event_type,
                    &rows.schema_version,
                    &rows.payload,
                    &rows.correlation_id,
                    &rows.causation_id,
                    &rows.recorded_at,
                    &rows.checksum,
                    &names,
                    &new_versions,
                ],
            )?;
            // Only the commit and its flush are left: the next batch may start its stream
            // work meanwhile. (Not earlier: the appends that this batch's predecessor
            // acknowledged have had the time to queue again, so the next batch is larger.)
            front.release();
            self.run_hook(PgHookPoint::BeforeCommit);
        } else {
            // Documents only: no position, no version moves.
            for (req, plan) in reqs.iter().zip(plans) {
                outcomes.push(match plan {
                    Plan::New { current, .. } => Ok(AppendResult {
                        stream_version: current + req.events.len() as u64,
                        positions: Vec::new(),
                    }),
                    done => done.into_done(),
                });
            }
        }
        // A synchronous commit (the session's `synchronous_commit`, `on` by default): the
        // commit record is flushed before the transaction becomes visible, and the
        // position lock is released after that.
        tx.commit()?;
        self.run_hook(PgHookPoint::AfterCommit);
        let top = outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok()?.positions.last().copied())
            .max();
        if let Some(top) = top {
            self.wakeups.appended(top);
        }
        Ok(outcomes)
    }

    /// Fires due timers in one transaction, with the append's two phases: first the
    /// stream work of every timer (stream rows locked in name order, so two firings
    /// never wait on each other in a cycle), then, under the position lock, the inserts;
    /// no row lock is ever waited for while the position lock is held. The commit is
    /// synchronous, like an append's: the fired events are durable before visible.
    fn fire_tx(&self, conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<RecordedEvent>> {
        let s = &conn.s;
        let mut tx = conn.client.transaction()?;
        let due: Vec<Timer> = tx
            .query(&s.lock_due_timers, &[&now, &limit])?
            .iter()
            .map(row_to_timer)
            .collect::<Result<_>>()?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let streams: std::collections::BTreeSet<&str> =
            due.iter().map(|t| t.stream.as_str()).collect();
        for stream in streams {
            tx.execute(&s.ensure_stream, &[&stream])?;
            tx.query_one(&s.lock_stream, &[&stream])?;
        }
        // Phase 1: versions and retries, in firing order (a stream's version moves with
        // each of its timers).
        let mut plans = Vec::with_capacity(due.len());
        for timer in &due {
            let events = std::slice::from_ref(&timer.event);
            let work = stream_work(&mut tx, s, &timer.stream, ExpectedVersion::Any, events, &[])
                .map_err(|e| firing_failed(&timer.id, e))?;
            plans.push(work);
        }
        // Phase 2: positions. An event id twice among these timers would be a unique
        // violation, reported as an idempotency conflict naming the timer.
        let mut positions = Vec::with_capacity(due.len());
        if plans.iter().any(|p| matches!(p, StreamWork::New { .. })) {
            self.run_hook(PgHookPoint::BeforePositionLock);
            let mut head: i64 = tx.query_one(&s.lock_head, &[&POSITION_LOCK])?.try_get(0)?;
            for (timer, plan) in due.iter().zip(&plans) {
                let position = match plan {
                    StreamWork::Retry(done) => done.positions.first().copied().unwrap_or(0),
                    StreamWork::New { current } => {
                        let events = std::slice::from_ref(&timer.event);
                        insert_events(&mut tx, s, &timer.stream, *current, events, &mut head)
                            .map_err(|e| firing_failed(&timer.id, e))?
                            .first()
                            .copied()
                            .unwrap_or(0)
                    }
                };
                positions.push(position);
            }
            self.run_hook(PgHookPoint::BeforeCommit);
        } else {
            for plan in &plans {
                if let StreamWork::Retry(done) = plan {
                    positions.push(done.positions.first().copied().unwrap_or(0));
                }
            }
        }
        let mut fired = Vec::with_capacity(due.len());
        for (timer, position) in due.iter().zip(positions) {
            let row = tx
                .query_opt(&s.read_position, &[&to_i64(position, "position")?])?
                .ok_or_else(|| {
                    Error::Corruption(format!(
                        "the event of timer `{}` is not at position {position}",
                        timer.id
                    ))
                })?;
            fired.push(row_to_event(&row)?);
            tx.execute(&s.delete_timer, &[&timer.id])?;
        }
        tx.commit()?;
        if let Some(top) = fired.iter().map(|e| e.position).max() {
            self.wakeups.appended(top);
        }
        Ok(fired)
    }
}

/// The requests a leader commits together: the oldest queued ones, up to `MAX_BATCH`,
/// stopping before the first that shares an event id with an earlier one (a retry racing
/// its original): it waits for the next batch, where it finds the original stored.
fn take_batch(queue: &mut Vec<Pending>) -> Vec<Pending> {
    let mut ids = BTreeSet::new();
    let mut take = 0;
    for p in queue.iter().take(MAX_BATCH) {
        let fresh = p.req.events.iter().all(|e| !ids.contains(&e.id));
        if take > 0 && !fresh {
            break;
        }
        ids.extend(p.req.events.iter().map(|e| e.id));
        take += 1;
    }
    queue.drain(..take).collect()
}

/// What a leader decided for one request of its batch.
enum Plan {
    /// A retry or a failure: nothing to write.
    Done(Result<AppendResult>),
    /// A new append to a stream at version `current`, with its payloads as JSON text.
    New { current: u64, payloads: Vec<String> },
}

impl Plan {
    fn into_done(self) -> Result<AppendResult> {
        match self {
            Plan::Done(outcome) => outcome,
            // Only called for requests that were not accepted.
            Plan::New { .. } => Err(Error::Backend(
                "an accepted append was not written (a bug in the batch)".into(),
            )),
        }
    }
}

/// Decides `req` against its stream's version `current` and the batch's stored event ids.
fn decide(req: &AppendReq, current: u64, stored: &HashMap<Uuid, StoredAt>) -> Plan {
    let found: Vec<Option<StoredAt>> = req
        .events
        .iter()
        .map(|e| stored.get(&e.id).cloned())
        .collect();
    match resolve_retry(&req.stream, &req.events, &found) {
        Err(e) => return Plan::Done(Err(e)),
        Ok(Some(done)) => return Plan::Done(Ok(done)),
        Ok(None) => {}
    }
    if let Err(e) = req.expected.check(&req.stream, current) {
        return Plan::Done(Err(e));
    }
    let payloads: Result<Vec<String>> = req
        .events
        .iter()
        .map(|e| {
            serde_json::to_string(&e.payload)
                .map_err(|err| Error::InvalidInput(format!("payload is not serialisable: {err}")))
        })
        .collect();
    match payloads {
        Ok(payloads) => Plan::New { current, payloads },
        Err(e) => Plan::Done(Err(e)),
    }
}

/// The columns of a batch's event rows, as the arrays `insert_batch` unnests.
#[derive(Default)]
struct BatchRows<'a> {
    position: Vec<i64>,
    stream: Vec<&'a str>,
    version: Vec<i64>,
    id: Vec<&'a [u8]>,
    event_type: Vec<&'a str>,
    schema_version: Vec<i64>,
    payload: Vec<String>,
    correlation_id: Vec<Option<&'a [u8]>>,
    causation_id: Vec<Option<&'a [u8]>>,
    recorded_at: Vec<i64>,
    checksum: Vec<i64>,
    /// Each stream's version after the batch.
    moved: BTreeMap<&'a str, i64>,
}

impl<'a> BatchRows<'a> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        position: i64,
        stream: &'a str,
        version: i64,
        e: &'a NewEvent,
        payload: String,
        recorded_at: i64,
        checksum: i64,
    ) {
        self.position.push(position);
        self.stream.push(stream);
        self.version.push(version);
        self.id.push(e.id.as_bytes());
        self.event_type.push(&e.event_type);
        self.schema_version.push(i64::from(e.schema_version));
        self.payload.push(payload);
        self.correlation_id.push(
            e.metadata
                .correlation_id
                .as_ref()
                .map(|u| &u.as_bytes()[..]),
        );
        self.causation_id
            .push(e.metadata.causation_id.as_ref().map(|u| &u.as_bytes()[..]));
        self.recorded_at.push(recorded_at);
        self.checksum.push(checksum);
    }
}

/// The single outcome of a one-request batch.
fn one(outcomes: Vec<Result<AppendResult>>) -> Result<AppendResult> {
    outcomes.into_iter().next().unwrap_or_else(|| {
        Err(Error::Backend(
            "a batch of one returned no outcome (a bug in the batch)".into(),
        ))
    })
}

/// Whether `e` is PostgreSQL's unique violation (an event id stored concurrently).
fn is_unique_violation(e: &Error) -> bool {
    match e {
        Error::Backend(b) => b
            .downcast_ref::<postgres::Error>()
            .and_then(postgres::Error::code)
            .is_some_and(|c| *c == SqlState::UNIQUE_VIOLATION),
        _ => false,
    }
}

/// The outcome of an append whose leader panicked: it was not acknowledged.
fn leader_panicked() -> Error {
    Error::Backend("the thread committing this append panicked; it was not acknowledged".into())
}

/// What the stream part of an append found.
enum StreamWork {
    /// Every event id is stored as exactly this batch: the original result.
    Retry(AppendResult),
    /// A new append to a stream at version `current` (its row updated, still locked).
    New { current: u64 },
}

/// The per-stream part of an append, which runs concurrently with other streams' appends:
/// lock the stream's row, recognise a retry, check the expected version, write the
/// documents and the stream's new version.
fn stream_work(
    tx: &mut Transaction<'_>,
    s: &Stmts,
    stream: &str,
    expected: ExpectedVersion,
    events: &[NewEvent],
    docs: &[DocOp],
) -> Result<StreamWork> {
    tx.execute(&s.ensure_stream, &[&stream])?;
    let current: i64 = tx.query_one(&s.lock_stream, &[&stream])?.get(0);
    // Checked under the stream lock: a concurrent retry of the same batch has either
    // committed (and is found) or not started its insert.
    let mut found = Vec::with_capacity(events.len());
    for e in events {
        let at = tx.query_opt(&s.find_id, &[&&e.id.as_bytes()[..]])?;
        found.push(match at {
            Some(r) => Some((
                r.get::<_, String>(0),
                from_i64(r.get(1), "version")?,
                from_i64(r.get(2), "position")?,
            )),
            None => None,
        });
    }
    if let Some(done) = resolve_retry(stream, events, &found)? {
        return Ok(StreamWork::Retry(done));
    }
    let current = from_i64(current, "version")?;
    expected.check(stream, current)?;
    let new_version = current + events.len() as u64;
    // Documents before the position lock: their row locks may wait on other
    // transactions, which must never happen while holding the global lock.
    apply_docs(tx, s, docs)?;
    tx.execute(&s.set_stream, &[&stream, &to_i64(new_version, "version")?])?;
    Ok(StreamWork::New { current })
}

/// Inserts `events` of `stream` (at version `current` before them) after position
/// `head`, which the caller holds the position lock for; moves `head` past them.
fn insert_events(
    tx: &mut Transaction<'_>,
    s: &Stmts,
    stream: &str,
    current: u64,
    events: &[NewEvent],
    head: &mut i64,
) -> Result<Vec<u64>> {
    let recorded_at = crate::now_micros();
    let mut positions = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let payload = serde_json::to_string(&e.payload)
            .map_err(|err| Error::InvalidInput(format!("payload is not serialisable: {err}")))?;
        let row = EventRow {
            position: *head + 1,
            stream,
            version: to_i64(current + 1 + i as u64, "version")?,
            id: e.id.as_bytes(),
            event_type: &e.event_type,
            schema_version: i64::from(e.schema_version),
            payload: &payload,
            correlation_id: e
                .metadata
                .correlation_id
                .as_ref()
                .map(|u| &u.as_bytes()[..]),
            causation_id: e.metadata.causation_id.as_ref().map(|u| &u.as_bytes()[..]),
            recorded_at,
        };
        let sum = row.checksum();
        let inserted = tx.execute(
            &s.insert,
            &[
                &row.position,
                &row.stream,
                &row.version,
                &row.id,
                &row.event_type,
                &row.schema_version,
                &row.payload,
                &row.correlation_id,
                &row.causation_id,
                &row.recorded_at,
                &sum,
            ],
        );
        if let Err(err) = inserted {
            if err.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                // The id is stored in another stream, committed after our check.
                return Err(Error::IdempotencyConflict {
                    event_id: e.id,
                    detail: "it was stored concurrently by another append".into(),
                });
            }
            return Err(err.into());
        }
        *head = row.position;
        positions.push(from_i64(row.position, "position")?);
    }
    Ok(positions)
}

fn apply_docs(tx: &mut Transaction<'_>, s: &Stmts, docs: &[DocOp]) -> Result<()> {
    for op in docs {
        match op {
            DocOp::Put { table, key, value } => {
                let json = serde_json::to_string(value).map_err(|err| {
                    Error::InvalidInput(format!("document is not serialisable: {err}"))
                })?;
                let sum = doc_checksum(table, key, 0, &json);
                tx.execute(&s.put_doc, &[table, key, &json, &sum])?;
            }
            DocOp::Delete { table, key } => {
                tx.execute(&s.delete_doc, &[table, key])?;
            }
            DocOp::ScheduleTimer(timer) => {
                let payload = payload_json(timer)?;
                let row = TimerRow::of(timer, &payload)?;
                tx.execute(
                    &s.put_timer,
                    &[
                        &row.id,
                        &row.due_at,
                        &row.stream,
                        &row.event_id,
                        &row.event_type,
                        &row.schema_version,
                        &row.payload,
                        &row.correlation_id,
                        &row.causation_id,
                        &row.checksum(),
                    ],
                )?;
            }
            DocOp::CancelTimer { id } => {
                tx.execute(&s.delete_timer, &[id])?;
            }
        }
    }
    Ok(())
}

/// The server's clock in microseconds since the epoch: every instance's leases are timed
/// by the one database server, whatever the skew between the instances' hosts.
const NOW_US: &str = "(extract(epoch from clock_timestamp()) * 1000000)::bigint";

fn lease_from_row(consumer: &str, row: &Row) -> Result<crate::lease::Lease> {
    Ok(crate::lease::Row {
        holder: row.get(0),
        token: from_i64(row.get(1), "lease token")?,
        expires_at: row.get(2),
    }
    .to_lease(consumer))
}

/// Refuses a consumer commit whose lease is no longer held, inside its transaction. The
/// row is locked `FOR SHARE` until the commit, so a takeover (an update of the row) waits
/// for this commit and cannot slip in between the check and it.
fn fence(tx: &mut Transaction<'_>, lease: &crate::lease::Lease) -> Result<()> {
    let row = tx.query_opt(
        &format!(
            "SELECT holder, token, expires_at, {NOW_US} FROM stormcraft_leases
             WHERE consumer = $1 FOR SHARE"
        ),
        &[&lease.consumer],
    )?;
    let (row, now) = match row {
        Some(r) => (
            Some(crate::lease::Row {
                holder: r.get(0),
                token: from_i64(r.get(1), "lease token")?,
                expires_at: r.get(2),
            }),
            r.get(3),
        ),
        None => (None, 0),
    };
    crate::lease::fence(row.as_ref(), lease, now)
}

fn row_to_timer(row: &Row) -> Result<Timer> {
    TimerRow {
        id: row.try_get(0)?,
        due_at: row.try_get(1)?,
        stream: row.try_get(2)?,
        event_id: row.try_get(3)?,
        event_type: row.try_get(4)?,
        schema_version: row.try_get(5)?,
        payload: row.try_get(6)?,
        correlation_id: row.try_get(7)?,
        causation_id: row.try_get(8)?,
    }
    .verify(row.try_get(9)?)
}

fn row_to_event(row: &Row) -> Result<RecordedEvent> {
    let event = EventRow {
        position: row.try_get(0)?,
        stream: row.try_get(1)?,
        version: row.try_get(2)?,
        id: row.try_get(3)?,
        event_type: row.try_get(4)?,
        schema_version: row.try_get(5)?,
        payload: row.try_get(6)?,
        correlation_id: row.try_get(7)?,
        causation_id: row.try_get(8)?,
        recorded_at: row.try_get(9)?,
    };
    event.verify(row.try_get(10)?)
}

/// The SQL expression of a top-level document field as text, the same in the index and
/// in queries; `field` is letters, digits and `_` (`validate_field`).
fn field_expression(field: &str) -> String {
    format!("(value::jsonb ->> '{field}')")
}

fn parse_doc(table: &str, key: &str, json: &str, stored: i64) -> Result<Value> {
    if doc_checksum(table, key, 0, json) != stored {
        return Err(Error::Corruption(format!(
            "document `{table}`/`{key}` fails its checksum"
        )));
    }
    serde_json::from_str(json).map_err(|e| crate::corrupt_json("document", e))
}

fn snapshot_checksum(stream: &str, schema_version: i64, version: i64, json: &str) -> i64 {
    doc_checksum(stream, "", schema_version ^ (version << 32), json)
}

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl EventStore for PgStore {
    fn append_with_docs(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        docs: Vec<DocOp>,
    ) -> Result<AppendResult> {
        validate_append(stream, &events, &docs)?;
        self.append_grouped(AppendReq {
            stream: stream.to_owned(),
            expected,
            events,
            docs,
        })
    }

    // No `append_with_docs_deferred`: the trait's default, the durable group commit, is
    // the only append here, since no reader may see an event before it is durable (a
    // consumer in another process could act on it and a crash then lose it).

    fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>> {
        validate_name("stream name", stream)?;
        let from = i64::try_from(from_version).unwrap_or(i64::MAX);
        self.read_events(|s| &s.read_stream, &[&stream, &from, &limit_param(limit)])
    }

    fn read_all(&self, after_position: u64, limit: usize) -> Result<Vec<RecordedEvent>> {
        let after = i64::try_from(after_position).unwrap_or(i64::MAX);
        self.read_events(|s| &s.read_all, &[&after, &limit_param(limit)])
    }

    fn read_category(
        &self,
        category: &str,
        after_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>> {
        validate_name("category", category)?;
        let after = i64::try_from(after_position).unwrap_or(i64::MAX);
        let prefix = format!("{category}-");
        self.read_events(
            |s| &s.read_category,
            &[&after, &prefix, &limit_param(limit)],
        )
    }

    fn read_selected(
        &self,
        selectors: &[crate::EventSelector],
        after_position: u64,
        up_to: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>> {
        if selectors.is_empty() {
            return Ok(Vec::new());
        }
        let after = i64::try_from(after_position).unwrap_or(i64::MAX);
        let up_to = i64::try_from(up_to).unwrap_or(i64::MAX);
        let types: Vec<&str> = selectors.iter().map(|s| s.event_type.as_str()).collect();
        let prefixes: Vec<String> = selectors
            .iter()
            .map(|s| format!("{}-", s.category))
            .collect();
        self.read_events(
            |s| &s.read_selected,
            &[&after, &up_to, &types, &prefixes, &limit_param(limit)],
        )
    }

    fn stream_version(&self, stream: &str) -> Result<u64> {
        validate_name("stream name", stream)?;
        self.with(|c| {
            let row = c.client.query_opt(
                "SELECT version FROM stormcraft_streams WHERE name = $1",
                &[&stream],
            )?;
            from_i64(row.map_or(0, |r| r.get(0)), "version")
        })
    }

    fn head_position(&self) -> Result<u64> {
        let head = self.with(|c| {
            from_i64(
                c.client.query_one(&c.s.max_position, &[])?.get(0),
                "position",
            )
        })?;
        self.wakeups.reached(head);
        Ok(head)
    }

    fn save_snapshot(&self, snapshot: Snapshot) -> Result<()> {
        validate_name("stream name", &snapshot.stream)?;
        let json = serde_json::to_string(&snapshot.state)
            .map_err(|err| Error::InvalidInput(format!("snapshot is not serialisable: {err}")))?;
        let version = to_i64(snapshot.version, "snapshot version")?;
        let schema = i64::from(snapshot.schema_version);
        let sum = snapshot_checksum(&snapshot.stream, schema, version, &json);
        self.with(|c| {
            // A slower writer must not replace a newer snapshot with an older one.
            c.client.execute(
                "INSERT INTO stormcraft_snapshots (stream, schema_version, version, state, checksum)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (stream, schema_version) DO UPDATE
                 SET version = excluded.version, state = excluded.state, checksum = excluded.checksum
                 WHERE excluded.version >= stormcraft_snapshots.version",
                &[&snapshot.stream, &schema, &version, &json, &sum],
            )?;
            Ok(())
        })
    }

    fn load_snapshot(&self, stream: &str, schema_version: u32) -> Result<Option<Snapshot>> {
        validate_name("stream name", stream)?;
        let schema = i64::from(schema_version);
        self.with(|c| {
            let Some(row) = c.client.query_opt(
                "SELECT version, state, checksum FROM stormcraft_snapshots WHERE stream = $1 AND schema_version = $2",
                &[&stream, &schema],
            )?
            else {
                return Ok(None);
            };
            let version: i64 = row.try_get(0)?;
            let state: &str = row.try_get(1)?;
            if snapshot_checksum(stream, schema, version, state) != row.try_get::<_, i64>(2)? {
                return Err(Error::Corruption(format!(
                    "snapshot of `{stream}` fails its checksum"
                )));
            }
            Ok(Some(Snapshot {
                stream: stream.to_owned(),
                version: from_i64(version, "snapshot version")?,
                schema_version,
                state: serde_json::from_str(state)
                    .map_err(|e| crate::corrupt_json("snapshot", e))?,
            }))
        })
    }

    fn load_doc(&self, table: &str, key: &str) -> Result<Option<Value>> {
        validate_name("document table", table)?;
        validate_name("document key", key)?;
        self.with(|c| {
            let row = c.client.query_opt(
                "SELECT value, checksum FROM stormcraft_docs WHERE tbl = $1 AND key = $2",
                &[&table, &key],
            )?;
            row.map(|r| parse_doc(table, key, r.try_get(0)?, r.try_get(1)?))
                .transpose()
        })
    }

    fn list_docs(&self, table: &str) -> Result<Vec<(String, Value)>> {
        validate_name("document table", table)?;
        self.with(|c| {
            // COLLATE "C": key order is byte order on every backend.
            let rows = c.client.query(
                "SELECT key, value, checksum FROM stormcraft_docs WHERE tbl = $1 ORDER BY key COLLATE \"C\"",
                &[&table],
            )?;
            rows.iter()
                .map(|r| {
                    let key: String = r.try_get(0)?;
                    let value = parse_doc(table, &key, r.try_get(1)?, r.try_get(2)?)?;
                    Ok((key, value))
                })
                .collect()
        })
    }

    fn query_docs(&self, table: &str, query: &DocQuery) -> Result<DocPage> {
        validate_name("document table", table)?;
        let mut sql = String::from(
            "SELECT key, value, checksum FROM stormcraft_docs WHERE tbl = $1 AND key COLLATE \"C\" > $2",
        );
        for (i, (field, _)) in query.filters.iter().enumerate() {
            validate_field(field)?;
            sql.push_str(&format!(" AND {} = ${}", field_expression(field), i + 3));
        }
        let limit = query.limit.max(1);
        sql.push_str(&format!(" ORDER BY key COLLATE \"C\" LIMIT {}", limit + 1));
        let after = query.after.clone().unwrap_or_default();
        self.with(|c| {
            let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&table, &after];
            params.extend(
                query
                    .filters
                    .iter()
                    .map(|(_, text)| text as &(dyn postgres::types::ToSql + Sync)),
            );
            let rows = c.client.query(sql.as_str(), &params)?;
            let mut docs = Vec::new();
            for r in &rows {
                let key: String = r.try_get(0)?;
                let value = parse_doc(table, &key, r.try_get(1)?, r.try_get(2)?)?;
                // `->>` writes numbers as PostgreSQL normalises them; the document's own
                // text form decides.
                if doc_matches(&value, &query.filters) {
                    docs.push((key, value));
                }
            }
            let more = rows.len() > limit;
            docs.truncate(limit);
            Ok(DocPage { docs, more })
        })
    }

    fn ensure_doc_index(&self, table: &str, field: &str) -> Result<()> {
        validate_name("document table", table)?;
        validate_field(field)?;
        self.with(|c| {
            c.client.batch_execute(&format!(
                "CREATE INDEX IF NOT EXISTS stormcraft_docs_field_{field} ON stormcraft_docs (tbl, ({}), key COLLATE \"C\")",
                field_expression(field)
            ))?;
            Ok(())
        })
    }

    fn checkpoint(&self, consumer: &str) -> Result<u64> {
        validate_name("consumer name", consumer)?;
        self.with(|c| {
            let row = c.client.query_opt(
                "SELECT position FROM stormcraft_checkpoints WHERE consumer = $1",
                &[&consumer],
            )?;
            from_i64(row.map_or(0, |r| r.get(0)), "checkpoint")
        })
    }

    fn commit_consumer(&self, commit: ConsumerCommit) -> Result<()> {
        validate_name("consumer name", &commit.consumer)?;
        validate_docs(&commit.ops)?;
        let new = to_i64(commit.new_checkpoint, "checkpoint")?;
        self.with(|c| {
            let s = &c.s;
            let mut tx = c.client.transaction()?;
            if let Some(lease) = &commit.lease {
                fence(&mut tx, lease)?;
            }
            tx.execute(
                "INSERT INTO stormcraft_checkpoints (consumer, position) VALUES ($1, 0) ON CONFLICT (consumer) DO NOTHING",
                &[&commit.consumer],
            )?;
            let actual: i64 = tx
                .query_one(
                    "SELECT position FROM stormcraft_checkpoints WHERE consumer = $1 FOR UPDATE",
                    &[&commit.consumer],
                )?
                .get(0);
            let actual = from_i64(actual, "checkpoint")?;
            if actual != commit.expected_checkpoint {
                return Err(Error::CheckpointConflict {
                    consumer: commit.consumer.clone(),
                    expected: commit.expected_checkpoint,
                    actual,
                });
            }
            apply_docs(&mut tx, s, &commit.ops)?;
            tx.execute(
                "UPDATE stormcraft_checkpoints SET position = $2 WHERE consumer = $1",
                &[&commit.consumer, &new],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Blocks until an append of any process moves the head past `after_position`
    /// (`LISTEN`/`NOTIFY`, see `postgres_wake`), or polls briefly while the listener is
    /// not connected.
    fn wait_for_events(&self, after_position: u64, timeout: Duration) -> Result<()> {
        self.wakeups.wait(after_position, timeout);
        Ok(())
    }

    fn schedule_timers(&self, ops: Vec<DocOp>) -> Result<()> {
        validate_docs(&ops)?;
        if ops.is_empty() {
            return Ok(());
        }
        self.with(|c| {
            let mut tx = c.client.transaction()?;
            apply_docs(&mut tx, &c.s, &ops)?;
            tx.commit()?;
            Ok(())
        })
    }

    fn fire_due_timers(&self, now: SystemTime, limit: usize) -> Result<Vec<RecordedEvent>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let now = due_cutoff(now);
        self.with(|c| self.fire_tx(c, now, limit_param(limit)))
    }

    fn next_due(&self) -> Result<Option<SystemTime>> {
        self.with(|c| {
            let due: Option<i64> = c
                .client
                .query_one("SELECT MIN(due_at) FROM stormcraft_timers", &[])?
                .try_get(0)?;
            Ok(due.map(crate::time_from_micros))
        })
    }

    fn pending_timers(&self) -> Result<Vec<Timer>> {
        self.with(|c| {
            let rows = c.client.query(
                &format!(
                    "SELECT {TIMER_COLS} FROM stormcraft_timers ORDER BY due_at, id COLLATE \"C\""
                ),
                &[],
            )?;
            rows.iter().map(row_to_timer).collect()
        })
    }

    fn try_acquire_lease(
        &self,
        consumer: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<crate::lease::Lease>> {
        let ttl = crate::lease::validate(consumer, holder, ttl)?;
        // One statement: a free or expired lease is taken with the next token, the
        // holder's own is extended with the same one, another holder's running lease is
        // left alone (no row comes back). Concurrent takers serialise on the row.
        let sql = format!(
            "INSERT INTO stormcraft_leases AS l (consumer, holder, token, expires_at)
             VALUES ($1, $2, 1, {NOW_US} + $3)
             ON CONFLICT (consumer) DO UPDATE SET
                 token = CASE WHEN l.holder = excluded.holder AND l.expires_at > {NOW_US}
                              THEN l.token ELSE l.token + 1 END,
                 holder = excluded.holder, expires_at = excluded.expires_at
             WHERE l.expires_at <= {NOW_US} OR l.holder = excluded.holder
             RETURNING holder, token, expires_at"
        );
        self.with(|c| {
            let row = c.client.query_opt(&sql, &[&consumer, &holder, &ttl])?;
            row.map(|r| lease_from_row(consumer, &r)).transpose()
        })
    }

    fn renew_lease(
        &self,
        lease: &crate::lease::Lease,
        ttl: Duration,
    ) -> Result<Option<crate::lease::Lease>> {
        let ttl = crate::lease::validate(&lease.consumer, &lease.holder, ttl)?;
        let token = to_i64(lease.token, "lease token")?;
        let sql = format!(
            "UPDATE stormcraft_leases SET expires_at = {NOW_US} + $4
             WHERE consumer = $1 AND holder = $2 AND token = $3 AND expires_at > {NOW_US}
             RETURNING holder, token, expires_at"
        );
        self.with(|c| {
            let row = c
                .client
                .query_opt(&sql, &[&lease.consumer, &lease.holder, &token, &ttl])?;
            row.map(|r| lease_from_row(&lease.consumer, &r)).transpose()
        })
    }

    fn release_lease(&self, lease: &crate::lease::Lease) -> Result<()> {
        let token = to_i64(lease.token, "lease token")?;
        let sql = format!(
            "UPDATE stormcraft_leases SET expires_at = {NOW_US}
             WHERE consumer = $1 AND holder = $2 AND token = $3 AND expires_at > {NOW_US}"
        );
        self.with(|c| {
            c.client
                .execute(&sql, &[&lease.consumer, &lease.holder, &token])?;
            Ok(())
        })
    }

    fn lease_holder(&self, consumer: &str) -> Result<Option<crate::lease::Lease>> {
        validate_name("consumer name", consumer)?;
        let sql = format!(
            "SELECT holder, token, expires_at FROM stormcraft_leases
             WHERE consumer = $1 AND expires_at > {NOW_US}"
        );
        self.with(|c| {
            let row = c.client.query_opt(&sql, &[&consumer])?;
            row.map(|r| lease_from_row(consumer, &r)).transpose()
        })
    }
}
