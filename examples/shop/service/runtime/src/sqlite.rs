//! The SQLite backend: the embedded default.
//!
//! Durability: WAL with `synchronous=FULL`, so a commit returns only after the WAL is
//! fsynced. Throughput: leader/follower group commit. A writing thread queues its request
//! under a mutex; if no other thread holds the only write connection, it takes it (it is
//! the leader), commits everything queued in one `BEGIN IMMEDIATE` transaction (many
//! appends, one fsync) on its own thread, publishes each result and hands the connection
//! back; the others (followers) wait for their result or for the connection to be free.
//! Each request runs inside its own SAVEPOINT so a request that fails (wrong expected
//! version) is rolled back alone; a one-event append needs none, since it fails before
//! or in its only write. Global positions are allocated by the holder of the
//! single write connection inside the transaction, so they are gapless and commit in
//! order. Readers use a small pool of separate connections and
//! never block the writer (WAL).

use std::collections::HashMap;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension, Row};

use crate::checksum::{doc_checksum, EventRow};
use crate::timer::{due_cutoff, firing_failed, payload_json, Timer, TimerRow};
use crate::{
    doc_matches, from_i64, resolve_retry, to_i64, validate_append, validate_docs, validate_field,
    validate_name, AppendResult, ConsumerCommit, DocOp, DocPage, DocQuery, Error, EventStore,
    ExpectedVersion, NewEvent, RawEvent, RecordedEvent, Result, Snapshot, Value,
};

/// The most requests committed in one transaction; bounds the latency of the last one.
const MAX_BATCH: usize = 1024;
/// Idle reader connections kept for reuse.
const MAX_IDLE_READERS: usize = 64;
/// The schema this code writes (`PRAGMA user_version`). Format 1 had no timers; it is
/// migrated on open by adding the table ([`TIMERS_SCHEMA`]).
const FORMAT: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    position       INTEGER PRIMARY KEY,
    stream         TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    id             BLOB    NOT NULL UNIQUE,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL,
    correlation_id BLOB,
    causation_id   BLOB,
    recorded_at    INTEGER NOT NULL,
    checksum       INTEGER NOT NULL,
    UNIQUE (stream, version)
);
CREATE TABLE IF NOT EXISTS docs (
    tbl      TEXT    NOT NULL,
    key      TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    checksum INTEGER NOT NULL,
    PRIMARY KEY (tbl, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
    consumer TEXT    PRIMARY KEY,
    position INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
    stream         TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    state          TEXT    NOT NULL,
    checksum       INTEGER NOT NULL,
    PRIMARY KEY (stream, schema_version)
) WITHOUT ROWID;
";

/// Format 2: durable timers, fired in (due_at, id) order.
const TIMERS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS timers (
    id             TEXT    PRIMARY KEY,
    due_at         INTEGER NOT NULL,
    stream         TEXT    NOT NULL,
    event_id       BLOB    NOT NULL,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL,
    correlation_id BLOB,
    causation_id   BLOB,
    checksum       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS timers_due ON timers (due_at, id);
";

const TIMER_COLUMNS: &str = "id, due_at, stream, event_id, event_type, schema_version, payload, correlation_id, causation_id, checksum";

/// The columns of every event query, in the order [`row_to_event`] reads them. The
/// statements below spell them out rather than `format!` them, so the hot paths look a
/// cached statement up without building its text first.
const EVENT_COLUMNS: &str = "position, stream, version, id, event_type, schema_version, payload, correlation_id, causation_id, recorded_at, checksum";
const READ_STREAM: &str = "SELECT position, stream, version, id, event_type, schema_version, payload, correlation_id, causation_id, recorded_at, checksum FROM events WHERE stream = ?1 AND version >= ?2 ORDER BY version LIMIT ?3";
const READ_ALL: &str = "SELECT position, stream, version, id, event_type, schema_version, payload, correlation_id, causation_id, recorded_at, checksum FROM events WHERE position > ?1 ORDER BY position LIMIT ?2";
const READ_CATEGORY: &str = "SELECT position, stream, version, id, event_type, schema_version, payload, correlation_id, causation_id, recorded_at, checksum FROM events WHERE position > ?1 AND stream >= ?2 AND stream < ?3 ORDER BY position LIMIT ?4";
const INSERT_EVENT: &str = "INSERT INTO events (position, stream, version, id, event_type, schema_version, payload, correlation_id, causation_id, recorded_at, checksum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(f.code, ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) =>
            {
                Error::Corruption(format!("SQLite reports: {e}"))
            }
            // A column of an unexpected type means the row was damaged.
            rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::IntegralValueOutOfRange(..) => {
                Error::Corruption(format!("unexpected stored value: {e}"))
            }
            _ => Error::Backend(Box::new(e)),
        }
    }
}

impl From<rusqlite::types::FromSqlError> for Error {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        Error::Corruption(format!("unexpected stored value: {e}"))
    }
}

enum WriteOp {
    Append {
        stream: String,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        docs: Vec<DocOp>,
    },
    Consumer(ConsumerCommit),
    Snapshot(Snapshot),
    /// Timer (and document) ops outside a consumer.
    Timers(Vec<DocOp>),
    /// Fire the timers due at `now` (microseconds), at most `limit`.
    Fire {
        now: i64,
        limit: i64,
    },
    /// Create the expression index of a document field (validated by `validate_field`).
    Index(String),
}

/// What a committed write did.
enum Done {
    Appended(AppendResult),
    Fired(Vec<RecordedEvent>),
    Nothing,
}

type WriteOutcome = Result<Done>;

/// The state shared by the writing threads (leader/follower group commit).
struct WriteState {
    /// Requests waiting for a leader.
    queue: Vec<Pending>,
    /// Outcomes of committed (or failed) requests, until their thread collects them.
    results: HashMap<u64, WriteOutcome>,
    next_ticket: u64,
    /// The write connection; `None` while a leader holds it (or after a leader panicked).
    writer: Option<Writer>,
    /// A leader panicked: the write connection is gone.
    broken: bool,
}

/// A queued request: its ticket, the write, and the condition variable its thread waits
/// on (used only with `Writes::state`), so a leader wakes exactly the threads it has news
/// for rather than every waiting thread.
struct Pending {
    ticket: u64,
    op: WriteOp,
    /// Acknowledged only once durable (`synchronous=FULL`); `false` for a consumer's
    /// deferred appends (see `EventStore::append_with_docs_deferred`).
    durable: bool,
    wake: Arc<Condvar>,
}

thread_local! {
    /// The condition variable this thread waits on while its write is pending.
    static WAKE: Arc<Condvar> = Arc::new(Condvar::new());
}

struct Writes {
    state: Mutex<WriteState>,
}

impl Writes {
    fn lock(&self) -> MutexGuard<'_, WriteState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The committed head position, for waking live subscribers in this process.
#[derive(Default)]
struct Head {
    position: Mutex<u64>,
    changed: Condvar,
}

impl Head {
    fn lock(&self) -> MutexGuard<'_, u64> {
        self.position.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The SQLite backend.
pub struct SqliteStore {
    path: PathBuf,
    writes: Writes,
    readers: Mutex<Vec<Connection>>,
    head: Arc<Head>,
    /// The document fields with an expression index (`docs_field_<field>`): a filtered
    /// query names its index, since SQLite's planner, without statistics, prefers the
    /// primary key's order to an expression index and would scan the whole table.
    indexed: Mutex<std::collections::BTreeSet<String>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Backend(
            format!("SQLite refused WAL mode (got `{mode}`); is the file on a network filesystem?")
                .into(),
        ));
    }
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;")?;
    Ok(())
}

/// `PRAGMA quick_check`: the b-tree structure and page checks that SQLite can do without
/// reading every index in full. Row contents are covered by the per-row checksums.
fn quick_check(conn: &Connection) -> Result<()> {
    let mut stmt = conn.prepare("PRAGMA quick_check")?;
    let problems: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    if problems.len() == 1 && problems[0] == "ok" {
        Ok(())
    } else {
        Err(Error::Corruption(format!(
            "integrity check failed: {}",
            problems.join("; ")
        )))
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and checks its integrity.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open(&path)?;
        configure(&conn)?;
        quick_check(&conn)?;
        let format: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        match format {
            0 => {
                conn.execute_batch(&format!(
                    "BEGIN IMMEDIATE; {SCHEMA} {TIMERS_SCHEMA} PRAGMA user_version = {FORMAT}; COMMIT;"
                ))?;
            }
            // A store written before timers existed: add their table, keep everything else.
            // `IF NOT EXISTS` and the transaction make two processes opening it at once safe.
            1 => {
                conn.execute_batch(&format!(
                    "BEGIN IMMEDIATE; {TIMERS_SCHEMA} PRAGMA user_version = {FORMAT}; COMMIT;"
                ))?;
            }
            FORMAT => {}
            other => {
                return Err(Error::Backend(
                    format!("{} has store format {other}, this runtime reads format {FORMAT}; upgrade the runtime", path.display()).into(),
                ))
            }
        }
        // Checkpoints: SQLite's autocheckpoint (PASSIVE, after the commit that takes the WAL
        // past 1,000 pages), run by the leader while it holds the write connection, so no
        // commit races it, it completes, and the next transaction restarts the WAL from its
        // start. (A checkpoint thread, which this store had, never completes while appends
        // keep coming: the WAL then grows without bound, every commit extends the file and
        // its fdatasync is costlier.)
        let head_position: i64 =
            conn.query_row("SELECT COALESCE(MAX(position), 0) FROM events", [], |r| {
                r.get(0)
            })?;
        let head = Arc::new(Head::default());
        *head.lock() = from_i64(head_position, "position")?;
        let indexed = {
            let mut stmt = conn.prepare(
                "SELECT substr(name, 12) FROM sqlite_master WHERE type = 'index' AND name LIKE 'docs_field_%'",
            )?;
            let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
            names.collect::<rusqlite::Result<std::collections::BTreeSet<_>>>()?
        };
        let writer = Writer {
            conn,
            head: from_i64(head_position, "position")?,
            shared: Arc::clone(&head),
            full_sync: true,
        };
        Ok(SqliteStore {
            path,
            writes: Writes {
                state: Mutex::new(WriteState {
                    queue: Vec::new(),
                    results: HashMap::new(),
                    next_ticket: 0,
                    writer: Some(writer),
                    broken: false,
                }),
            },
            readers: Mutex::new(Vec::new()),
            head,
            indexed: Mutex::new(indexed),
        })
    }

    fn append_op(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        docs: Vec<DocOp>,
        durable: bool,
    ) -> Result<AppendResult> {
        validate_append(stream, &events, &docs)?;
        let op = WriteOp::Append {
            stream: stream.to_owned(),
            expected,
            events,
            docs,
        };
        match self.write_with(op, durable)? {
            Done::Appended(done) => Ok(done),
            _ => Err(Error::Backend(
                "the writer answered an append without a result".into(),
            )),
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Leader/follower group commit. The request is queued; the thread then either finds
    /// its result (a leader committed it), or finds the write connection free and becomes
    /// the leader: it commits everything queued in one transaction, publishes the results
    /// and hands the connection back, waking the waiting threads (one of them leads the
    /// next batch if requests queued meanwhile). With one writer there is no hand-off to
    /// another thread at all.
    fn write(&self, op: WriteOp) -> WriteOutcome {
        self.write_with(op, true)
    }

    /// [`SqliteStore::write`]; `durable: false` lets the request commit without a WAL
    /// fsync when nothing durable shares its batch.
    fn write_with(&self, op: WriteOp, durable: bool) -> WriteOutcome {
        let wake = WAKE.with(Arc::clone);
        let mut state = self.writes.lock();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.queue.push(Pending {
            ticket,
            op,
            durable,
            wake: Arc::clone(&wake),
        });
        loop {
            if let Some(outcome) = state.results.remove(&ticket) {
                return outcome;
            }
            if state.broken {
                return Err(Error::Closed);
            }
            let Some(mut writer) = state.writer.take() else {
                state = wake.wait(state).unwrap_or_else(|p| p.into_inner());
                continue;
            };
            // The connection was free and our request is still queued: lead. Requests
            // beyond MAX_BATCH stay queued for the next leader.
            let take = state.queue.len().min(MAX_BATCH);
            let batch: Vec<Pending> = state.queue.drain(..take).collect();
            drop(state);
            let committed = catch_unwind(AssertUnwindSafe(|| {
                let outcomes = writer.commit_batch(&batch);
                writer.publish_head();
                outcomes
            }));
            state = self.writes.lock();
            let outcomes = match committed {
                Ok(outcomes) => {
                    state.writer = Some(writer);
                    outcomes
                }
                Err(panic) => {
                    // The connection is dropped (rolling back the open transaction); no
                    // request of this batch was acknowledged, and no more will be.
                    drop(writer);
                    state.broken = true;
                    for p in batch {
                        state.results.insert(p.ticket, Err(Error::Closed));
                        p.wake.notify_one();
                    }
                    for p in &state.queue {
                        p.wake.notify_one();
                    }
                    drop(state);
                    resume_unwind(panic);
                }
            };
            // The leader's own outcome goes straight back (no map entry, no wake-up of
            // itself): with one writer, that is every append.
            let mut own = None;
            for (p, outcome) in batch.into_iter().zip(outcomes) {
                if p.ticket == ticket {
                    own = Some(outcome);
                } else {
                    state.results.insert(p.ticket, outcome);
                    p.wake.notify_one();
                }
            }
            // Requests that queued during the commit: hand the connection to the oldest.
            if let Some(next) = state.queue.first() {
                next.wake.notify_one();
            }
            if let Some(outcome) = own {
                return outcome;
            }
        }
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let idle = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(Duration::from_secs(10))?;
                // An 8 MiB page cache (the default is 2 MiB) keeps catch-up reads of a
                // recent region in memory rather than re-reading pages through the OS.
                c.execute_batch("PRAGMA query_only=1; PRAGMA cache_size=-8192;")?;
                c
            }
        };
        let result = f(&conn);
        let mut idle = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        result
    }

    /// Runs an event query, turning each row into an event with `convert`
    /// ([`row_to_event`] or [`row_to_raw`]; both verify the row's checksum).
    fn read_events<E>(
        &self,
        sql: &str,
        params: &[&dyn rusqlite::ToSql],
        limit: usize,
        convert: fn(&Row<'_>) -> Result<E>,
    ) -> Result<Vec<E>> {
        let capacity = limit.min(1024);
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(sql)?;
            let mut rows = stmt.query(params)?;
            let mut out = Vec::with_capacity(capacity);
            while let Some(row) = rows.next()? {
                out.push(convert(row)?);
            }
            Ok(out)
        })
    }

    fn all_events<E>(
        &self,
        after_position: u64,
        limit: usize,
        convert: fn(&Row<'_>) -> Result<E>,
    ) -> Result<Vec<E>> {
        let after = i64::try_from(after_position).unwrap_or(i64::MAX);
        self.read_events(READ_ALL, &[&after, &limit_param(limit)], limit, convert)
    }

    fn category_events<E>(
        &self,
        category: &str,
        after_position: u64,
        limit: usize,
        convert: fn(&Row<'_>) -> Result<E>,
    ) -> Result<Vec<E>> {
        validate_name("category", category)?;
        let after = i64::try_from(after_position).unwrap_or(i64::MAX);
        // Streams `<category>-...` are exactly those in ["<category>-", "<category>.")
        // because '.' follows '-' in byte order (BINARY collation compares bytes).
        let low = format!("{category}-");
        let high = format!("{category}.");
        self.read_events(
            READ_CATEGORY,
            &[&after, &low, &high, &limit_param(limit)],
            limit,
            convert,
        )
    }

    fn selected_events<E>(
        &self,
        selectors: &[crate::EventSelector],
        after_position: u64,
        up_to: u64,
        limit: usize,
        convert: fn(&Row<'_>) -> Result<E>,
    ) -> Result<Vec<E>> {
        if selectors.is_empty() {
            return Ok(Vec::new());
        }
        let after = i64::try_from(after_position).unwrap_or(i64::MAX);
        let up_to = i64::try_from(up_to).unwrap_or(i64::MAX);
        // One (type, stream range) term per selector, so SQLite skips the rows a consumer
        // does not handle before their payload is parsed or checksummed. The statement is
        // cached per selector count (a consumer's list does not change).
        let mut terms = Vec::with_capacity(selectors.len());
        let mut bounds = Vec::with_capacity(selectors.len() * 3);
        for (i, s) in selectors.iter().enumerate() {
            let n = 4 + i * 3;
            terms.push(format!(
                "(event_type = ?{} AND stream >= ?{} AND stream < ?{})",
                n,
                n + 1,
                n + 2
            ));
            bounds.push(s.event_type.clone());
            bounds.push(format!("{}-", s.category));
            bounds.push(format!("{}.", s.category));
        }
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE position > ?1 AND position <= ?2 AND ({}) ORDER BY position LIMIT ?3",
            terms.join(" OR ")
        );
        let limit_value = limit_param(limit);
        let mut params: Vec<&dyn rusqlite::ToSql> = vec![&after, &up_to, &limit_value];
        params.extend(bounds.iter().map(|b| b as &dyn rusqlite::ToSql));
        self.read_events(&sql, &params, limit, convert)
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // No write is in flight (they borrow the store). The last connection to close
        // checkpoints the WAL into the database file.
        drop(self.writes.lock().writer.take());
    }
}

/// An event row (the columns of [`EVENT_COLUMNS`]) as an event, checksum verified.
fn row_to_event(row: &Row<'_>) -> Result<RecordedEvent> {
    with_event_row(row, |event, sum| event.verify(sum))
}

/// An event row as a [`RawEvent`] (payload as stored), checksum verified.
fn row_to_raw(row: &Row<'_>) -> Result<RawEvent> {
    with_event_row(row, |event, sum| event.verify_raw(sum))
}

/// Borrows an event row's columns (no copies) and hands them to `f` with the checksum.
fn with_event_row<T>(row: &Row<'_>, f: impl FnOnce(&EventRow<'_>, i64) -> Result<T>) -> Result<T> {
    let bytes = |i: usize| -> Result<Option<&[u8]>> { Ok(row.get_ref(i)?.as_blob_or_null()?) };
    let text = |i: usize| -> Result<&str> { Ok(row.get_ref(i)?.as_str()?) };
    let event = EventRow {
        position: row.get(0)?,
        stream: text(1)?,
        version: row.get(2)?,
        id: row.get_ref(3)?.as_blob()?,
        event_type: text(4)?,
        schema_version: row.get(5)?,
        payload: text(6)?,
        correlation_id: bytes(7)?,
        causation_id: bytes(8)?,
        recorded_at: row.get(9)?,
    };
    f(&event, row.get(10)?)
}

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// The SQL expression of a top-level document field, the same in the index and in
/// queries (SQLite uses an expression index only for the identical expression); `field`
/// is letters, digits and `_` (`validate_field`).
fn field_expression(field: &str) -> String {
    format!("CAST(json_extract(value, '$.{field}') AS TEXT)")
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

impl EventStore for SqliteStore {
    fn append_with_docs(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        docs: Vec<DocOp>,
    ) -> Result<AppendResult> {
        self.append_op(stream, expected, events, docs, true)
    }

    fn append_with_docs_deferred(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        docs: Vec<DocOp>,
    ) -> Result<AppendResult> {
        self.append_op(stream, expected, events, docs, false)
    }

    fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>> {
        validate_name("stream name", stream)?;
        let from = i64::try_from(from_version).unwrap_or(i64::MAX);
        self.read_events(
            READ_STREAM,
            &[&stream, &from, &limit_param(limit)],
            limit,
            row_to_event,
        )
    }

    fn read_all(&self, after_position: u64, limit: usize) -> Result<Vec<RecordedEvent>> {
        self.all_events(after_position, limit, row_to_event)
    }

    fn read_category(
        &self,
        category: &str,
        after_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>> {
        self.category_events(category, after_position, limit, row_to_event)
    }

    fn read_selected(
        &self,
        selectors: &[crate::EventSelector],
        after_position: u64,
        up_to: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>> {
        self.selected_events(selectors, after_position, up_to, limit, row_to_event)
    }

    fn read_all_raw(&self, after_position: u64, limit: usize) -> Result<Vec<RawEvent>> {
        self.all_events(after_position, limit, row_to_raw)
    }

    fn read_category_raw(
        &self,
        category: &str,
        after_position: u64,
        limit: usize,
    ) -> Result<Vec<RawEvent>> {
        self.category_events(category, after_position, limit, row_to_raw)
    }

    fn read_selected_raw(
        &self,
        selectors: &[crate::EventSelector],
        after_position: u64,
        up_to: u64,
        limit: usize,
    ) -> Result<Vec<RawEvent>> {
        self.selected_events(selectors, after_position, up_to, limit, row_to_raw)
    }

    fn stream_version(&self, stream: &str) -> Result<u64> {
        validate_name("stream name", stream)?;
        self.read(|conn| {
            let v: i64 = conn
                .prepare_cached("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?1")?
                .query_row([stream], |r| r.get(0))?;
            from_i64(v, "version")
        })
    }

    fn head_position(&self) -> Result<u64> {
        self.read(|conn| {
            let v: i64 = conn
                .prepare_cached("SELECT COALESCE(MAX(position), 0) FROM events")?
                .query_row([], |r| r.get(0))?;
            from_i64(v, "position")
        })
    }

    fn save_snapshot(&self, snapshot: Snapshot) -> Result<()> {
        validate_name("stream name", &snapshot.stream)?;
        to_i64(snapshot.version, "snapshot version")?;
        self.write(WriteOp::Snapshot(snapshot)).map(|_| ())
    }

    fn load_snapshot(&self, stream: &str, schema_version: u32) -> Result<Option<Snapshot>> {
        validate_name("stream name", stream)?;
        self.read(|conn| {
            let row: Option<(i64, String, i64)> = conn
                .prepare_cached(
                    "SELECT version, state, checksum FROM snapshots WHERE stream = ?1 AND schema_version = ?2",
                )?
                .query_row(params![stream, schema_version], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            let Some((version, state, sum)) = row else {
                return Ok(None);
            };
            if snapshot_checksum(stream, i64::from(schema_version), version, &state) != sum {
                return Err(Error::Corruption(format!(
                    "snapshot of `{stream}` fails its checksum"
                )));
            }
            Ok(Some(Snapshot {
                stream: stream.to_owned(),
                version: from_i64(version, "snapshot version")?,
                schema_version,
                state: serde_json::from_str(&state)
                    .map_err(|e| crate::corrupt_json("snapshot", e))?,
            }))
        })
    }

    fn load_doc(&self, table: &str, key: &str) -> Result<Option<Value>> {
        validate_name("document table", table)?;
        validate_name("document key", key)?;
        self.read(|conn| {
            let row: Option<(String, i64)> = conn
                .prepare_cached("SELECT value, checksum FROM docs WHERE tbl = ?1 AND key = ?2")?
                .query_row([table, key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            row.map(|(json, sum)| parse_doc(table, key, &json, sum))
                .transpose()
        })
    }

    fn list_docs(&self, table: &str) -> Result<Vec<(String, Value)>> {
        validate_name("document table", table)?;
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT key, value, checksum FROM docs WHERE tbl = ?1 ORDER BY key",
            )?;
            let mut rows = stmt.query([table])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let key: String = row.get(0)?;
                let value = parse_doc(table, &key, row.get_ref(1)?.as_str()?, row.get(2)?)?;
                out.push((key, value));
            }
            Ok(out)
        })
    }

    fn query_docs(&self, table: &str, query: &DocQuery) -> Result<DocPage> {
        validate_name("document table", table)?;
        let index = {
            let indexed = self.indexed.lock().unwrap_or_else(|p| p.into_inner());
            query
                .filters
                .iter()
                .find(|(field, _)| indexed.contains(field))
                .map(|(field, _)| format!(" INDEXED BY docs_field_{field}"))
                .unwrap_or_default()
        };
        let mut sql =
            format!("SELECT key, value, checksum FROM docs{index} WHERE tbl = ?1 AND key > ?2");
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        for (field, text) in &query.filters {
            validate_field(field)?;
            // The expression is a field's SQL text: a JSON string as it is, a number as
            // SQLite writes it, a boolean as `1` or `0`; so `true` is looked up as `1`, and
            // the exact match (a `1` is not `true`) is checked on the parsed document below.
            let sql_text = match text.as_str() {
                "true" => "1".to_owned(),
                "false" => "0".to_owned(),
                t => t.to_owned(),
            };
            sql.push_str(&format!(
                " AND {} = ?{}",
                field_expression(field),
                values.len() + 3
            ));
            values.push(rusqlite::types::Value::Text(sql_text));
        }
        let limit = query.limit.max(1);
        sql.push_str(&format!(" ORDER BY key LIMIT {}", limit + 1));
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut after = query.after.clone().unwrap_or_default();
            let mut docs = Vec::new();
            loop {
                let mut params: Vec<&dyn rusqlite::ToSql> = vec![&table, &after];
                params.extend(values.iter().map(|v| v as &dyn rusqlite::ToSql));
                let mut rows = stmt.query(params.as_slice())?;
                let mut fetched = 0;
                let mut last = None;
                while let Some(row) = rows.next()? {
                    fetched += 1;
                    let key: String = row.get(0)?;
                    let value = parse_doc(table, &key, row.get_ref(1)?.as_str()?, row.get(2)?)?;
                    if doc_matches(&value, &query.filters) {
                        docs.push((key.clone(), value));
                    }
                    last = Some(key);
                }
                drop(rows);
                if docs.len() > limit || fetched <= limit {
                    break;
                }
                after = last.unwrap_or_default();
            }
            let more = docs.len() > limit;
            docs.truncate(limit);
            Ok(DocPage { docs, more })
        })
    }

    fn ensure_doc_index(&self, table: &str, field: &str) -> Result<()> {
        validate_name("document table", table)?;
        validate_field(field)?;
        self.write(WriteOp::Index(field.to_owned()))?;
        self.indexed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(field.to_owned());
        Ok(())
    }

    fn checkpoint(&self, consumer: &str) -> Result<u64> {
        validate_name("consumer name", consumer)?;
        self.read(|conn| {
            let v: Option<i64> = conn
                .prepare_cached("SELECT position FROM checkpoints WHERE consumer = ?1")?
                .query_row([consumer], |r| r.get(0))
                .optional()?;
            from_i64(v.unwrap_or(0), "checkpoint")
        })
    }

    fn commit_consumer(&self, commit: ConsumerCommit) -> Result<()> {
        validate_name("consumer name", &commit.consumer)?;
        validate_docs(&commit.ops)?;
        to_i64(commit.new_checkpoint, "checkpoint")?;
        self.write(WriteOp::Consumer(commit)).map(|_| ())
    }

    fn wait_for_events(&self, after_position: u64, timeout: Duration) -> Result<()> {
        let guard = self.head.lock();
        let _ = self
            .head
            .changed
            .wait_timeout_while(guard, timeout, |head| *head <= after_position)
            .unwrap_or_else(|p| p.into_inner());
        Ok(())
    }

    fn schedule_timers(&self, ops: Vec<DocOp>) -> Result<()> {
        validate_docs(&ops)?;
        if ops.is_empty() {
            return Ok(());
        }
        self.write(WriteOp::Timers(ops)).map(|_| ())
    }

    fn fire_due_timers(&self, now: SystemTime, limit: usize) -> Result<Vec<RecordedEvent>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let op = WriteOp::Fire {
            now: due_cutoff(now),
            limit: limit_param(limit),
        };
        match self.write(op)? {
            Done::Fired(events) => Ok(events),
            _ => Err(Error::Backend(
                "the writer answered a firing without its events".into(),
            )),
        }
    }

    fn next_due(&self) -> Result<Option<SystemTime>> {
        self.read(|conn| {
            let due: Option<i64> = conn
                .prepare_cached("SELECT MIN(due_at) FROM timers")?
                .query_row([], |r| r.get(0))?;
            Ok(due.map(crate::time_from_micros))
        })
    }

    fn pending_timers(&self) -> Result<Vec<Timer>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {TIMER_COLUMNS} FROM timers ORDER BY due_at, id"
            ))?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(row_to_timer(row)?);
            }
            Ok(out)
        })
    }

    fn try_acquire_lease(
        &self,
        consumer: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<crate::lease::Lease>> {
        let ttl = crate::lease::validate(consumer, holder, ttl)?;
        self.lease_write(consumer, |row, now| {
            crate::lease::acquire(row, holder, now, ttl)
        })
    }

    fn renew_lease(
        &self,
        lease: &crate::lease::Lease,
        ttl: Duration,
    ) -> Result<Option<crate::lease::Lease>> {
        let ttl = crate::lease::validate(&lease.consumer, &lease.holder, ttl)?;
        self.lease_write(&lease.consumer, |row, now| {
            crate::lease::renew(row, lease, now, ttl)
        })
    }

    fn release_lease(&self, lease: &crate::lease::Lease) -> Result<()> {
        self.lease_write(&lease.consumer, |row, now| {
            let row = row?;
            crate::lease::fence(Some(row), lease, now).ok()?;
            Some(crate::lease::Row {
                expires_at: now,
                ..row.clone()
            })
        })
        .map(|_| ())
    }

    fn lease_holder(&self, consumer: &str) -> Result<Option<crate::lease::Lease>> {
        validate_name("consumer name", consumer)?;
        let row = self.read(|conn| {
            let exists: bool = conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'leases')",
                )?
                .query_row([], |r| r.get(0))?;
            if exists {
                lease_row(conn, consumer)
            } else {
                Ok(None)
            }
        })?;
        Ok(crate::lease::current(row, consumer, crate::now_micros()))
    }
}

fn row_to_timer(row: &Row<'_>) -> Result<Timer> {
    let bytes = |i: usize| -> Result<Option<&[u8]>> { Ok(row.get_ref(i)?.as_blob_or_null()?) };
    let text = |i: usize| -> Result<&str> { Ok(row.get_ref(i)?.as_str()?) };
    TimerRow {
        id: text(0)?,
        due_at: row.get(1)?,
        stream: text(2)?,
        event_id: row.get_ref(3)?.as_blob()?,
        event_type: text(4)?,
        schema_version: row.get(5)?,
        payload: text(6)?,
        correlation_id: bytes(7)?,
        causation_id: bytes(8)?,
    }
    .verify(row.get(9)?)
}

/// The lease table (see [`crate::lease`]), created by the first lease operation: a store
/// whose consumers never run under leases keeps its format-2 schema untouched.
const LEASES_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS leases (
    consumer   TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    token      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID";

fn lease_row(conn: &Connection, consumer: &str) -> Result<Option<crate::lease::Row>> {
    let row = conn
        .prepare_cached("SELECT holder, token, expires_at FROM leases WHERE consumer = ?1")?
        .query_row([consumer], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .optional()?;
    row.map(|(holder, token, expires_at)| {
        Ok(crate::lease::Row {
            holder,
            token: from_i64(token, "lease token")?,
            expires_at,
        })
    })
    .transpose()
}

impl SqliteStore {
    /// Runs one lease decision in its own `BEGIN IMMEDIATE` transaction on a connection
    /// of its own: SQLite's write lock serialises it with every other process using the
    /// file, and the group-commit writer is not held up by lease traffic. `decide` gets
    /// the stored row and the time; the row it returns is stored and returned as a lease.
    fn lease_write(
        &self,
        consumer: &str,
        decide: impl FnOnce(Option<&crate::lease::Row>, i64) -> Option<crate::lease::Row>,
    ) -> Result<Option<crate::lease::Lease>> {
        let mut conn = Connection::open(&self.path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(LEASES_SCHEMA)?;
        let current = lease_row(&tx, consumer)?;
        let Some(row) = decide(current.as_ref(), crate::now_micros()) else {
            return Ok(None);
        };
        tx.execute(
            "INSERT INTO leases (consumer, holder, token, expires_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (consumer) DO UPDATE SET holder = excluded.holder,
             token = excluded.token, expires_at = excluded.expires_at",
            params![
                consumer,
                row.holder,
                to_i64(row.token, "lease token")?,
                row.expires_at
            ],
        )?;
        tx.commit()?;
        Ok(Some(row.to_lease(consumer)))
    }
}

/// The only write connection and the next position; held by one leader at a time.
struct Writer {
    conn: Connection,
    /// The highest position written in this connection (committed or in the open batch).
    head: u64,
    shared: Arc<Head>,
    /// The connection's `synchronous` setting: `FULL` (fsync at every commit) unless
    /// the last batch held only deferred appends (`NORMAL`: no fsync at commit; still
    /// atomic and consistent, and the next `FULL` commit's fsync covers it, the WAL being
    /// one sequential file).
    full_sync: bool,
}

impl Writer {
    /// Tells live subscribers in this process about the committed head.
    fn publish_head(&self) {
        {
            let mut head = self.shared.lock();
            *head = self.head;
        }
        self.shared.changed.notify_all();
    }

    fn commit_batch(&mut self, batch: &[Pending]) -> Vec<WriteOutcome> {
        let head_before = self.head;
        let fail_all = |what: &str, e: &rusqlite::Error| -> Vec<WriteOutcome> {
            batch
                .iter()
                .map(|_| Err(Error::from(clone_error(what, e))))
                .collect()
        };
        let durable = batch.iter().any(|p| p.durable);
        if durable != self.full_sync {
            let pragma = if durable {
                "PRAGMA synchronous=FULL"
            } else {
                "PRAGMA synchronous=NORMAL"
            };
            match self.conn.execute_batch(pragma) {
                Ok(()) => self.full_sync = durable,
                // A durable request is never committed without its fsync.
                Err(e) if durable => return fail_all("synchronous", &e),
                // Deferred requests may be committed durably: FULL stays.
                Err(_) => {}
            }
        }
        if let Err(e) = self.run_cached("BEGIN IMMEDIATE") {
            return fail_all("begin", &e);
        }
        if let [Pending { op, .. }] = batch {
            // A batch of one needs no savepoint: if the request fails, the whole
            // transaction is rolled back instead.
            let outcome = self.apply(op);
            if outcome.is_err() {
                return self.abort(head_before, vec![outcome]);
            }
            return match self.run_cached("COMMIT") {
                Ok(()) => vec![outcome],
                Err(e) => self.abort(head_before, fail_all("commit", &e)),
            };
        }
        let mut outcomes = Vec::with_capacity(batch.len());
        for Pending { op, .. } in batch {
            let head_op = self.head;
            if writes_nothing_on_failure(op) {
                // No savepoint needed (two statements fewer per request): a failure
                // happened before the only write or in it, and SQLite undid that one
                // statement. Unless SQLite rolled the whole transaction back (an I/O
                // error, a full disk): then nothing of the batch may be acknowledged, and
                // later requests must not run outside a transaction.
                let outcome = self.apply(op);
                if outcome.is_err() {
                    self.head = head_op;
                    if self.conn.is_autocommit() {
                        let lost = rusqlite::Error::SqliteFailure(
                            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
                            Some("SQLite rolled the transaction back".into()),
                        );
                        return self.abort(head_before, fail_all("batch", &lost));
                    }
                }
                outcomes.push(outcome);
                continue;
            }
            if let Err(e) = self.run_cached("SAVEPOINT op") {
                return self.abort(head_before, fail_all("savepoint", &e));
            }
            let outcome = self.apply(op);
            let end = if outcome.is_ok() {
                self.run_cached("RELEASE op")
            } else {
                self.head = head_op;
                self.run_cached("ROLLBACK TO op")
                    .and_then(|()| self.run_cached("RELEASE op"))
            };
            if let Err(e) = end {
                return self.abort(head_before, fail_all("savepoint", &e));
            }
            outcomes.push(outcome);
        }
        match self.run_cached("COMMIT") {
            Ok(()) => outcomes,
            Err(e) => self.abort(head_before, fail_all("commit", &e)),
        }
    }

    /// Runs a statement without parameters from the statement cache: the transaction and
    /// savepoint statements run for every batch or request, so they are parsed once.
    fn run_cached(&self, sql: &str) -> rusqlite::Result<()> {
        self.conn.prepare_cached(sql)?.execute([]).map(|_| ())
    }

    fn abort(&mut self, head_before: u64, outcomes: Vec<WriteOutcome>) -> Vec<WriteOutcome> {
        // Nothing of the batch is acknowledged; whatever state the connection is in, roll
        // back so the next batch starts clean.
        let _ = self.conn.execute_batch("ROLLBACK");
        self.head = head_before;
        outcomes
    }

    fn apply(&mut self, op: &WriteOp) -> WriteOutcome {
        match op {
            WriteOp::Append {
                stream,
                expected,
                events,
                docs,
            } => self
                .append(stream, *expected, events, docs)
                .map(Done::Appended),
            WriteOp::Consumer(c) => self.consumer(c).map(|()| Done::Nothing),
            WriteOp::Snapshot(s) => self.snapshot(s).map(|()| Done::Nothing),
            WriteOp::Timers(ops) => self.docs(ops).map(|()| Done::Nothing),
            WriteOp::Fire { now, limit } => self.fire(*now, *limit).map(Done::Fired),
            WriteOp::Index(field) => {
                self.conn.execute_batch(&format!(
                    "CREATE INDEX IF NOT EXISTS docs_field_{field} ON docs (tbl, {}, key)",
                    field_expression(field)
                ))?;
                Ok(Done::Nothing)
            }
        }
    }

    /// Fires due timers inside the batch's transaction: each event goes through
    /// [`Writer::append`] (the code path of every append, so positions stay gapless and
    /// the head is published after the commit), then the timer is deleted. An error rolls
    /// the whole firing back (the request's savepoint, or the transaction).
    fn fire(&mut self, now: i64, limit: i64) -> Result<Vec<RecordedEvent>> {
        let due: Vec<Timer> = {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {TIMER_COLUMNS} FROM timers WHERE due_at <= ?1 ORDER BY due_at, id LIMIT ?2"
            ))?;
            let mut rows = stmt.query(params![now, limit])?;
            let mut due = Vec::new();
            while let Some(row) = rows.next()? {
                due.push(row_to_timer(row)?);
            }
            due
        };
        let mut fired = Vec::with_capacity(due.len());
        for timer in due {
            let done = self
                .append(
                    &timer.stream,
                    ExpectedVersion::Any,
                    std::slice::from_ref(&timer.event),
                    &[],
                )
                .map_err(|e| firing_failed(&timer.id, e))?;
            // A retried firing finds its event stored: that event stands for the timer.
            let position = done.positions.first().copied().unwrap_or(0);
            let event = self
                .conn
                .prepare_cached(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events WHERE position = ?1"
                ))?
                .query_row([to_i64(position, "position")?], |row| Ok(row_to_event(row)))
                .optional()?
                .transpose()?
                .ok_or_else(|| {
                    Error::Corruption(format!(
                        "the event of timer `{}` is not at position {position}",
                        timer.id
                    ))
                })?;
            fired.push(event);
            self.conn
                .prepare_cached("DELETE FROM timers WHERE id = ?1")?
                .execute([&timer.id])?;
        }
        Ok(fired)
    }

    fn append(
        &mut self,
        stream: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
        docs: &[DocOp],
    ) -> Result<AppendResult> {
        // A retry is recognised by its event ids. With one event (the common case) the ids
        // are looked up only when the append cannot go through as a new one: its version
        // check fails, or its insert violates the unique id (a failed statement leaves
        // nothing behind). With several events they are looked up first, as a partly
        // inserted append would otherwise have to be undone.
        let single = events.len() == 1;
        if !single {
            if let Some(done) = self.find_retry(stream, events)? {
                return Ok(done);
            }
        }
        let current: i64 = self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?1")?
            .query_row([stream], |r| r.get(0))?;
        let current = from_i64(current, "version")?;
        if let Err(conflict) = expected.check(stream, current) {
            if single {
                if let Some(done) = self.find_retry(stream, events)? {
                    return Ok(done);
                }
            }
            return Err(conflict);
        }
        let recorded_at = crate::now_micros();
        let mut insert = self.conn.prepare_cached(INSERT_EVENT)?;
        let mut positions = Vec::with_capacity(events.len());
        let mut version = current;
        for e in events {
            let position = self.head + 1;
            version += 1;
            let payload = serde_json::to_string(&e.payload).map_err(|err| {
                Error::InvalidInput(format!("payload is not serialisable: {err}"))
            })?;
            let row = EventRow {
                position: to_i64(position, "position")?,
                stream,
                version: to_i64(version, "version")?,
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
            let inserted = insert.execute(params![
                row.position,
                row.stream,
                row.version,
                row.id,
                row.event_type,
                row.schema_version,
                row.payload,
                row.correlation_id,
                row.causation_id,
                row.recorded_at,
                row.checksum(),
            ]);
            if let Err(err) = inserted {
                if single && err.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) {
                    drop(insert);
                    if let Some(done) = self.find_retry(stream, events)? {
                        return Ok(done);
                    }
                }
                return Err(err.into());
            }
            self.head = position;
            positions.push(position);
        }
        drop(insert);
        self.docs(docs)?;
        Ok(AppendResult {
            stream_version: version,
            positions,
        })
    }

    /// Looks the event ids up: `Some` when the append is a retry of one that committed.
    fn find_retry(&self, stream: &str, events: &[NewEvent]) -> Result<Option<AppendResult>> {
        if events.is_empty() {
            return Ok(None);
        }
        let mut find = self
            .conn
            .prepare_cached("SELECT stream, version, position FROM events WHERE id = ?1")?;
        let mut found = Vec::with_capacity(events.len());
        for e in events {
            let at: Option<(String, i64, i64)> = find
                .query_row([e.id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            found.push(match at {
                Some((s, v, p)) => Some((s, from_i64(v, "version")?, from_i64(p, "position")?)),
                None => None,
            });
        }
        resolve_retry(stream, events, &found)
    }

    fn docs(&self, docs: &[DocOp]) -> Result<()> {
        for op in docs {
            match op {
                DocOp::Put { table, key, value } => {
                    let json = serde_json::to_string(value).map_err(|err| {
                        Error::InvalidInput(format!("document is not serialisable: {err}"))
                    })?;
                    self.conn
                        .prepare_cached(
                            "INSERT INTO docs (tbl, key, value, checksum) VALUES (?1, ?2, ?3, ?4)
                             ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value, checksum = excluded.checksum",
                        )?
                        .execute(params![table, key, json, doc_checksum(table, key, 0, &json)])?;
                }
                DocOp::Delete { table, key } => {
                    self.conn
                        .prepare_cached("DELETE FROM docs WHERE tbl = ?1 AND key = ?2")?
                        .execute([table, key])?;
                }
                DocOp::ScheduleTimer(timer) => {
                    let payload = payload_json(timer)?;
                    let row = TimerRow::of(timer, &payload)?;
                    self.conn
                        .prepare_cached(&format!(
                            "INSERT OR REPLACE INTO timers ({TIMER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                        ))?
                        .execute(params![
                            row.id,
                            row.due_at,
                            row.stream,
                            row.event_id,
                            row.event_type,
                            row.schema_version,
                            row.payload,
                            row.correlation_id,
                            row.causation_id,
                            row.checksum(),
                        ])?;
                }
                DocOp::CancelTimer { id } => {
                    self.conn
                        .prepare_cached("DELETE FROM timers WHERE id = ?1")?
                        .execute([id])?;
                }
            }
        }
        Ok(())
    }

    fn consumer(&self, c: &ConsumerCommit) -> Result<()> {
        if let Some(lease) = &c.lease {
            // In the commit's transaction, under SQLite's write lock, so no takeover can
            // slip in between the check and the commit.
            let row = lease_row(&self.conn, &c.consumer)?;
            crate::lease::fence(row.as_ref(), lease, crate::now_micros())?;
        }
        let actual: Option<i64> = self
            .conn
            .prepare_cached("SELECT position FROM checkpoints WHERE consumer = ?1")?
            .query_row([&c.consumer], |r| r.get(0))
            .optional()?;
        let actual = from_i64(actual.unwrap_or(0), "checkpoint")?;
        if actual != c.expected_checkpoint {
            return Err(Error::CheckpointConflict {
                consumer: c.consumer.clone(),
                expected: c.expected_checkpoint,
                actual,
            });
        }
        self.docs(&c.ops)?;
        self.conn
            .prepare_cached(
                "INSERT INTO checkpoints (consumer, position) VALUES (?1, ?2)
                 ON CONFLICT (consumer) DO UPDATE SET position = excluded.position",
            )?
            .execute(params![c.consumer, to_i64(c.new_checkpoint, "checkpoint")?])?;
        Ok(())
    }

    fn snapshot(&self, s: &Snapshot) -> Result<()> {
        let json = serde_json::to_string(&s.state)
            .map_err(|err| Error::InvalidInput(format!("snapshot is not serialisable: {err}")))?;
        let version = to_i64(s.version, "snapshot version")?;
        let schema = i64::from(s.schema_version);
        // A slower writer must not replace a newer snapshot with an older one.
        self.conn
            .prepare_cached(
                "INSERT INTO snapshots (stream, schema_version, version, state, checksum)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (stream, schema_version) DO UPDATE
                 SET version = excluded.version, state = excluded.state, checksum = excluded.checksum
                 WHERE excluded.version >= snapshots.version",
            )?
            .execute(params![
                s.stream,
                schema,
                version,
                json,
                snapshot_checksum(&s.stream, schema, version, &json)
            ])?;
        Ok(())
    }
}

/// Whether `op` leaves the transaction as it found it when it fails, so it needs no
/// savepoint inside a batch: an append of one event without documents checks the version
/// (a read) and then runs one INSERT, which SQLite undoes as a whole when it fails; its
/// retry lookup after a unique-id violation only reads. Everything else may fail after a
/// first write (a second event, a document, a consumer's checkpoint after its documents).
fn writes_nothing_on_failure(op: &WriteOp) -> bool {
    matches!(op, WriteOp::Append { events, docs, .. } if events.len() == 1 && docs.is_empty())
}

/// `rusqlite::Error` is not `Clone`; a failed batch reports the same failure to every
/// request, keeping the SQLite error code so corruption is still recognised.
fn clone_error(what: &str, e: &rusqlite::Error) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(f, msg) => rusqlite::Error::SqliteFailure(
            *f,
            Some(format!("{what} failed: {}", msg.as_deref().unwrap_or(""))),
        ),
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(format!("{what} failed: {other}")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, Uuid};

    /// One batch mixing requests with and without savepoints: each failure is undone
    /// alone, a retry inside the batch is recognised, and the positions stay gapless.
    #[test]
    fn failures_inside_a_batch_are_undone_alone() {
        let dir = std::env::temp_dir().join(format!("stormcraft-batch-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = SqliteStore::open(dir.join("store.db")).unwrap();
        let mut writer = store.writes.lock().writer.take().unwrap();
        let e = |n: i64| NewEvent::new("E", 1, serde_json::json!({ "n": n }));
        let first = e(1);
        let dup = e(3);
        let append = |stream: &str, expected, events: Vec<NewEvent>, docs: Vec<DocOp>| Pending {
            ticket: 0,
            op: WriteOp::Append {
                stream: stream.into(),
                expected,
                events,
                docs,
            },
            durable: true,
            wake: Arc::new(Condvar::new()),
        };
        let put = |key: &str| DocOp::Put {
            table: "t".into(),
            key: key.into(),
            value: serde_json::json!(1),
        };
        let batch = vec![
            append(
                "a-1",
                ExpectedVersion::NoStream,
                vec![first.clone()],
                vec![],
            ),
            // Wrong version, one event: fails in its check, no savepoint.
            append("a-1", ExpectedVersion::NoStream, vec![e(2)], vec![]),
            // The first request again: a retry, answered with its result.
            append(
                "a-1",
                ExpectedVersion::NoStream,
                vec![first.clone()],
                vec![],
            ),
            // Its id in another stream: fails in the INSERT, no savepoint.
            append("b-1", ExpectedVersion::Any, vec![first.clone()], vec![]),
            // Two events with one id (the store's API refuses that earlier; the writer
            // meets it here): the second INSERT fails, the savepoint undoes the first.
            append(
                "c-1",
                ExpectedVersion::Any,
                vec![dup.clone(), dup],
                vec![put("c")],
            ),
            append("a-1", ExpectedVersion::Exact(1), vec![e(4)], vec![]),
        ];
        let outcomes = writer.commit_batch(&batch);
        let versions: Vec<_> = outcomes
            .iter()
            .map(|o| match o {
                Ok(Done::Appended(done)) => Ok(done.positions.clone()),
                Ok(_) => panic!("not an append result"),
                Err(e) => Err(format!("{e:?}")),
            })
            .collect();
        assert_eq!(versions[0], Ok(vec![1]));
        assert!(versions[1]
            .as_ref()
            .unwrap_err()
            .contains("WrongExpectedVersion"));
        assert_eq!(versions[2], Ok(vec![1]));
        assert!(versions[3]
            .as_ref()
            .unwrap_err()
            .contains("IdempotencyConflict"));
        assert!(
            versions[4].as_ref().unwrap_err().contains("Backend"),
            "{:?}",
            versions[4]
        );
        assert_eq!(versions[5], Ok(vec![2]));
        store.writes.lock().writer = Some(writer);
        let all = store.read_all(0, 100).unwrap();
        let stored: Vec<_> = all
            .iter()
            .map(|e| (e.position, e.stream.as_str()))
            .collect();
        assert_eq!(stored, vec![(1, "a-1"), (2, "a-1")]);
        assert_eq!(store.load_doc("t", "c").unwrap(), None);
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The spelled-out event statements read and write exactly [`EVENT_COLUMNS`].
    #[test]
    fn event_statements_name_the_event_columns() {
        for sql in [READ_STREAM, READ_ALL, READ_CATEGORY] {
            assert!(
                sql.starts_with(&format!("SELECT {EVENT_COLUMNS} FROM events ")),
                "{sql}"
            );
        }
        assert!(INSERT_EVENT.starts_with(&format!("INSERT INTO events ({EVENT_COLUMNS}) VALUES ")));
    }

    /// A filtered list query reads the filter field's expression index, once the
    /// projection's worker created it, rather than every document of the table.
    #[test]
    fn a_filter_query_uses_the_field_index() {
        let dir = std::env::temp_dir().join(format!("stormcraft-index-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = SqliteStore::open(dir.join("store.db")).unwrap();
        store.ensure_doc_index("t.Rows", "status").unwrap();
        let ops = (0..2000)
            .map(|i| DocOp::Put {
                table: "t.Rows".into(),
                key: format!("{i:05}"),
                value: serde_json::json!({"status": if i % 100 == 0 { "Paid" } else { "Open" }}),
            })
            .collect();
        store.schedule_timers(ops).unwrap();
        // The query `query_docs` runs, planned: it reads the index.
        let index = " INDEXED BY docs_field_status";
        assert!(store.indexed.lock().unwrap().contains("status"));
        let plan: Vec<String> = store
            .read(|conn| {
                let sql = format!(
                    "EXPLAIN QUERY PLAN SELECT key, value, checksum FROM docs{index} WHERE tbl = ?1 AND key > ?2 AND {} = ?3 ORDER BY key LIMIT 3",
                    field_expression("status")
                );
                let mut stmt = conn.prepare(&sql)?;
                let rows = stmt.query_map(params!["t.Rows", "", "Paid"], |r| r.get::<_, String>(3))?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .unwrap();
        assert!(
            plan.iter()
                .any(|line| line.contains("USING INDEX docs_field_status")),
            "{plan:?}"
        );
        let page = store
            .query_docs(
                "t.Rows",
                &DocQuery {
                    filters: vec![("status".into(), "Paid".into())],
                    after: None,
                    limit: 100,
                },
            )
            .unwrap();
        assert_eq!(page.docs.len(), 20);
        // A store opened again knows its indexes.
        drop(store);
        let again = SqliteStore::open(dir.join("store.db")).unwrap();
        assert!(again.indexed.lock().unwrap().contains("status"));
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A store written by a runtime from before timers (format 1: no `timers` table) is
    /// migrated on open, keeping its events, and then schedules and fires timers.
    #[test]
    fn a_format_1_store_gains_the_timers_table() {
        let dir = std::env::temp_dir().join(format!(
            "stormcraft-rt-migrate-{}-{}",
            std::process::id(),
            Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.db");
        {
            // Exactly what format 1 created.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(&format!("{SCHEMA} PRAGMA user_version = 1;"))
                .unwrap();
        }
        {
            let store = Store::new(SqliteStore::open(&path).unwrap());
            store
                .append(
                    "old-1",
                    ExpectedVersion::NoStream,
                    vec![NewEvent::new("Old", 1, serde_json::json!({}))],
                )
                .unwrap();
        }
        let conn = Connection::open(&path).unwrap();
        let format: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(format, FORMAT);
        drop(conn);
        let store = Store::new(SqliteStore::open(&path).unwrap());
        let due = std::time::UNIX_EPOCH + Duration::from_secs(5);
        store
            .schedule_timer(Timer {
                id: "t".into(),
                due_at: due,
                stream: "old-1".into(),
                event: NewEvent::new("Later", 1, serde_json::json!({})),
            })
            .unwrap();
        assert_eq!(store.next_due().unwrap(), Some(due));
        assert_eq!(store.fire_due().unwrap(), 1);
        let events = store.read_stream("old-1", 1, 10).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(
            (events[1].event_type.as_str(), events[1].position),
            ("Later", 2)
        );
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A timer row changed behind the store's back is reported, never fired.
    #[test]
    fn a_damaged_timer_row_is_detected() {
        let dir = std::env::temp_dir().join(format!(
            "stormcraft-rt-timer-sum-{}-{}",
            std::process::id(),
            Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.db");
        let store = Store::new(SqliteStore::open(&path).unwrap());
        store
            .schedule_timer(Timer {
                id: "t".into(),
                due_at: std::time::UNIX_EPOCH,
                stream: "s-1".into(),
                event: NewEvent::new("Later", 1, serde_json::json!({"amount": 1})),
            })
            .unwrap();
        Connection::open(&path)
            .unwrap()
            .execute_batch(r#"UPDATE timers SET payload = '{"amount":1000}'"#)
            .unwrap();
        assert!(matches!(store.pending_timers(), Err(Error::Corruption(_))));
        assert!(matches!(store.fire_due(), Err(Error::Corruption(_))));
        assert_eq!(store.head_position().unwrap(), 0);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
