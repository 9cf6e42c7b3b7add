//! The PostgreSQL backend (feature `postgres`).
//!
//! # Global order without gaps seen by readers
//!
//! A sequence hands out numbers before commit, so with `position = nextval(...)` a
//! transaction holding position 10 can commit after one holding 11; a reader that has
//! already moved its cursor past 11 never sees 10. This backend instead allocates
//! positions at the *end* of the append transaction, under a transaction-scoped advisory
//! lock (`pg_advisory_xact_lock`) that is held until commit:
//!
//! 1. the per-stream work runs concurrently: lock the stream's row in
//!    `stormcraft_streams` (`FOR UPDATE`, so only writers of the *same* stream wait for
//!    each other), check the expected version and retries, write documents;
//! 2. then take the position lock, read `MAX(position)`, insert the events with the next
//!    positions, and commit. PostgreSQL makes a commit visible before it releases the
//!    transaction's locks, so the next transaction to get the lock allocates higher
//!    positions and becomes visible later. Positions are thus gapless (a rolled-back
//!    transaction gives its numbers back) and visible in position order, so a plain
//!    `position > cursor` reader misses nothing.
//!
//! The lock is not held through the WAL flush: the append commits with
//! `synchronous_commit = off`, and after the lock is released a tiny WAL-writing
//! transaction with the session's normal setting flushes the WAL past the append's commit
//! record before the append is acknowledged (concurrent flushes merge in PostgreSQL's group
//! commit). Readers may see an event a few milliseconds before it is durable; a consumer's
//! checkpoint commit is durable only if the events before it are, because the WAL is
//! sequential.
//!
//! The alternative — a transaction-id horizon (`xid8` column, readers stop at
//! `pg_snapshot_xmin(pg_current_snapshot())`) — keeps inserts parallel but needs an
//! (xid, position) cursor instead of one number and lets one long transaction stall
//! every reader; one plain integer position, identical on every backend, was preferred.
//! Only transaction-scoped locks are used, so a crashed client never leaves one behind.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use postgres::error::SqlState;
use postgres::{Client, NoTls, Row, Statement, Transaction};

use crate::checksum::{doc_checksum, EventRow};
use crate::timer::{due_cutoff, firing_failed, payload_json, Timer, TimerRow};
use crate::{
    doc_matches, from_i64, resolve_retry, to_i64, validate_append, validate_docs, validate_field,
    validate_name, AppendResult, ConsumerCommit, DocOp, DocPage, DocQuery, Error, EventStore,
    ExpectedVersion, NewEvent, RecordedEvent, Result, Snapshot, Value,
};

/// The advisory lock key that serialises position allocation ("stormcrf" in ASCII).
const POSITION_LOCK: i64 = 0x73746f_726d6372;
/// The advisory lock key that serialises schema creation.
const SCHEMA_LOCK: i64 = POSITION_LOCK + 1;
/// Idle connections kept for reuse.
const MAX_IDLE: usize = 64;

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
CREATE TABLE IF NOT EXISTS stormcraft_flush (
    id INTEGER PRIMARY KEY,
    n  BIGINT  NOT NULL
);
INSERT INTO stormcraft_flush (id, n) SELECT g, 0 FROM generate_series(0, 63) AS g
    ON CONFLICT (id) DO NOTHING;
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
}

/// A callback run at each [`PgHookPoint`] of every append (on the appending thread).
pub type PgHook = Arc<dyn Fn(PgHookPoint) + Send + Sync>;

/// Statements prepared once per connection.
struct Stmts {
    async_commit: Statement,
    flush: Statement,
    find_id: Statement,
    ensure_stream: Statement,
    lock_stream: Statement,
    set_stream: Statement,
    lock_positions: Statement,
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

/// The PostgreSQL backend: a small pool of synchronous connections.
pub struct PgStore {
    config: postgres::Config,
    pool: Mutex<Vec<Conn>>,
    hook: RwLock<Option<PgHook>>,
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
            config,
            pool: Mutex::new(Vec::new()),
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
            async_commit: p("SET LOCAL synchronous_commit = off")?,
            // One of 64 rows per connection, so concurrent flushes rarely wait on a row lock.
            flush: p("UPDATE stormcraft_flush SET n = n + 1 WHERE id = pg_backend_pid() % 64")?,
            find_id: p("SELECT stream, version, position FROM stormcraft_events WHERE id = $1")?,
            ensure_stream: p(
                "INSERT INTO stormcraft_streams (name, version) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING",
            )?,
            lock_stream: p("SELECT version FROM stormcraft_streams WHERE name = $1 FOR UPDATE")?,
            set_stream: p("UPDATE stormcraft_streams SET version = $2 WHERE name = $1")?,
            lock_positions: p("SELECT pg_advisory_xact_lock($1)")?,
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

    fn append_tx(
        &self,
        conn: &mut Conn,
        stream: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
        docs: &[DocOp],
    ) -> Result<AppendResult> {
        let s = &conn.s;
        let mut tx = conn.client.transaction()?;
        // Commit without waiting for the WAL flush, so the position lock is not held
        // through an fsync; durability is waited for after the lock is released.
        tx.execute(&s.async_commit, &[])?;
        let current = match stream_work(&mut tx, s, stream, expected, events, docs)? {
            StreamWork::Retry(done) => return Ok(done),
            StreamWork::New { current } => current,
        };
        let mut positions = Vec::with_capacity(events.len());
        if !events.is_empty() {
            self.run_hook(PgHookPoint::BeforePositionLock);
            tx.execute(&s.lock_positions, &[&POSITION_LOCK])?;
            let mut head: i64 = tx.query_one(&s.max_position, &[])?.get(0);
            positions = insert_events(&mut tx, s, stream, current, events, &mut head)?;
            self.run_hook(PgHookPoint::BeforeCommit);
        }
        tx.commit()?;
        Ok(AppendResult {
            stream_version: current + events.len() as u64,
            positions,
        })
    }

    /// Fires due timers in one transaction, with the append's two phases: first the
    /// stream work of every timer (stream rows locked in name order, so two firings
    /// never wait on each other in a cycle), then, under the position lock, the inserts;
    /// no row lock is ever waited for while the position lock is held.
    fn fire_tx(&self, conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<RecordedEvent>> {
        let s = &conn.s;
        let mut tx = conn.client.transaction()?;
        tx.execute(&s.async_commit, &[])?;
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
            tx.execute(&s.lock_positions, &[&POSITION_LOCK])?;
            let mut head: i64 = tx.query_one(&s.max_position, &[])?.get(0);
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
        Ok(fired)
    }
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
        self.with(|c| {
            let done = self.append_tx(c, stream, expected, &events, &docs)?;
            // Durable before acknowledged (a retry too: the original may have committed but
            // not been flushed): a transaction that writes WAL and commits with the
            // session's `synchronous_commit` flushes the WAL up to its own commit record,
            // which lies after ours. Concurrent flushes are merged by PostgreSQL.
            c.client.execute(&c.s.flush, &[])?;
            Ok(done)
        })
    }

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
        self.with(|c| {
            from_i64(
                c.client.query_one(&c.s.max_position, &[])?.get(0),
                "position",
            )
        })
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
        self.with(|c| {
            let fired = self.fire_tx(c, now, limit_param(limit))?;
            if !fired.is_empty() {
                // Durable before acknowledged, as for an append (see `append_with_docs`).
                c.client.execute(&c.s.flush, &[])?;
            }
            Ok(fired)
        })
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
