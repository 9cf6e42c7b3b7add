//! The HTTP side of a generated service (feature `http`): generic axum handlers and the
//! binary's plumbing, so a context's `service.rs` is a route table and its `main.rs` a
//! few lines.
//!
//! The API, the same for every context:
//!
//! - `POST /commands/<Command>` with the command as JSON: 200 `{"events": [...]}` (see
//!   [`Appended`]); 400 `{"error": "bad_request", ...}` on a body that is not the command;
//!   409 `{"error": "conflict", ...}` when other writers kept changing the aggregate; 422
//!   `{"error": "<Error>", "message": ...}` when a business rule refuses; 501
//!   `{"error": "not_implemented", "message": "not implemented: write `<rule>` in
//!   src/rules/<file>.rs"}` while the command's rule is pending (a default that would
//!   have to invent a value); 500 `{"error": "internal", ...}` (logged) when the store
//!   fails.
//! - `GET /<read-model>/{key}` (a composite key: one segment per part, in key order):
//!   the row, or 404 `{"error": "not_found"}`; `GET /<read-model>`: a page of rows in key
//!   order (a history's in the order of its events), `{"rows": [...], "next": cursor or
//!   null}`, with `?field=value` per filter the read model declares, `?limit=n` (1 to
//!   [`MAX_ROWS`], default [`DEFAULT_ROWS`]) and `?after=<next>` for the next page; 400
//!   `{"error": "bad_request", "message": ..., "filters": [...]}` on another parameter,
//!   limit or cursor.
//! - `GET /health`: 200 `{"status": "ok"}` for the app; a context's
//!   ([`context_health`]) adds `"rejections": n` (see [`crate::rejections`]),
//!   `"timers_pending": n` and per consumer its lag and lease holder.
//! - `GET /rejections` (`/<context>/rejections` in the app, [`rejections`]): the
//!   context's rejected commands, newest first, `?limit=n` (1 to
//!   [`rejections::MAX_LIMIT`], default [`rejections::DEFAULT_LIMIT`]); 400
//!   `{"error": "bad_request", ...}` on another limit or parameter.
//!
//! - With `--manual-clock` only (tests and demos, never production): `GET /clock` and
//!   `POST /clock/advance` with `{"seconds": n}` read and move the store's clock, so a
//!   test over HTTP can let a 30-minute deadline pass without waiting 30 minutes.
//!
//! The store is synchronous, so every store call runs in `spawn_blocking`.

use std::future::Future;
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::aggregate::{self, Aggregate, Appended, BusinessError, HandleError};
use crate::projection::Row;
use crate::rejections;
use crate::worker::{self, spawn_workers, Worker};
use crate::{Store, Upcasters};

/// `GET /health` of the app: 200 `{"status": "ok"}`.
pub async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /health` of the context `context`: 200 `{"status": "ok", "rejections": n,
/// "timers_pending": n, "consumers": [{"consumer", "checkpoint", "pending",
/// "at_least", "behind", "holder", "handled", "batches", "busy_ms"}]}` — its recorded
/// rejections, its pending timers, how far each of its `workers` is behind (see
/// [`worker::lag`]: `behind` is head minus checkpoint), which instance holds its lease
/// (`holder`, `null` when none does; see [`crate::lease`]) and what its worker did in this
/// process (see [`worker::Activity`]) — or 500 when the store cannot answer.
/// Route it as `.route("/health", context_health("ordering", crate::workers))`.
pub fn context_health(
    context: &'static str,
    workers: fn() -> Vec<worker::Worker>,
) -> MethodRouter<Store> {
    get(move |State(store): State<Store>| async move {
        let counted = tokio::task::spawn_blocking(move || status(&store, context, workers)).await;
        match counted {
            Ok(Ok(status)) => Json(json!({
                "status": "ok",
                "rejections": status.rejections,
                "timers_pending": status.timers_pending,
                "consumers": status
                    .lags
                    .iter()
                    .map(|lag| json!({
                        "consumer": lag.consumer,
                        "checkpoint": lag.checkpoint,
                        "pending": lag.pending,
                        "at_least": lag.at_least,
                        "behind": lag.behind,
                        "holder": lag.holder,
                        "handled": lag.activity.handled,
                        "batches": lag.activity.batches,
                        "busy_ms": lag.activity.busy.as_millis() as u64,
                    }))
                    .collect::<Vec<_>>(),
            }))
            .into_response(),
            Ok(Err(error)) => internal(&error),
            Err(error) => internal(&error),
        }
    })
}

/// `GET /metrics` of the context `context`, in the Prometheus text format (0.0.4): the
/// store's head position (every event appended), and the context's rejections,
/// pending timers, timers already due, and each worker's checkpoint and pending events.
/// Route it as `.route("/metrics", metrics("ordering", crate::workers))`.
pub fn metrics(context: &'static str, workers: fn() -> Vec<worker::Worker>) -> MethodRouter<Store> {
    get(move |State(store): State<Store>| async move {
        let counted = tokio::task::spawn_blocking(move || {
            let head = store.head_position()?;
            Ok::<_, crate::Error>((head, status(&store, context, workers)?))
        })
        .await;
        match counted {
            Ok(Ok((head, status))) => (
                [(
                    axum::http::header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )],
                prometheus_text(context, head, &status),
            )
                .into_response(),
            Ok(Err(error)) => internal(&error),
            Err(error) => internal(&error),
        }
    })
}

/// What `/health` and `/metrics` report of one context.
struct ContextStatus {
    rejections: u64,
    timers_pending: u64,
    timers_due: u64,
    lags: Vec<worker::Lag>,
}

fn status(
    store: &Store,
    context: &str,
    workers: fn() -> Vec<worker::Worker>,
) -> crate::Result<ContextStatus> {
    let prefix = format!("{context}.");
    let now = store.now();
    let timers: Vec<_> = store
        .pending_timers()?
        .into_iter()
        .filter(|t| t.id.starts_with(&prefix))
        .collect();
    let lags = workers()
        .iter()
        .map(|w| worker::lag(store, w))
        .collect::<crate::Result<Vec<_>>>()?;
    Ok(ContextStatus {
        rejections: rejections::count(store, context)?,
        timers_pending: timers.len() as u64,
        timers_due: timers.iter().filter(|t| t.due_at <= now).count() as u64,
        lags,
    })
}

/// The metrics as Prometheus text: one `# HELP` and `# TYPE` per metric, label values
/// escaped as the format asks.
fn prometheus_text(context: &str, head: u64, status: &ContextStatus) -> String {
    let label = |value: &str| {
        value
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    };
    let ctx = label(context);
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, samples: Vec<(String, String)>| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for (labels, value) in samples {
            out.push_str(&format!("{name}{{{labels}}} {value}\n"));
        }
    };
    let one = |value: u64| vec![(format!("context=\"{ctx}\""), value.to_string())];
    metric(
        "stormcraft_store_head_position",
        "counter",
        "Global position of the newest event in the store: every event appended so far.",
        one(head),
    );
    metric(
        "stormcraft_rejections",
        "gauge",
        "Commands of the context's policies that were refused, in its rejections stream.",
        one(status.rejections),
    );
    metric(
        "stormcraft_timers_pending",
        "gauge",
        "Durable timers of the context waiting to fire.",
        one(status.timers_pending),
    );
    metric(
        "stormcraft_timers_due",
        "gauge",
        "Durable timers of the context whose due time has passed and that have not fired yet.",
        one(status.timers_due),
    );
    let per_consumer = |value: fn(&worker::Lag) -> u64| {
        status
            .lags
            .iter()
            .map(|lag| {
                (
                    format!("context=\"{ctx}\",consumer=\"{}\"", label(lag.consumer)),
                    value(lag).to_string(),
                )
            })
            .collect()
    };
    metric(
        "stormcraft_consumer_checkpoint",
        "gauge",
        "Global position of the last event the consumer handled.",
        per_consumer(|lag| lag.checkpoint),
    );
    metric(
        "stormcraft_consumer_pending_events",
        "gauge",
        "Events the consumer handles that are after its checkpoint (counted up to 1000).",
        per_consumer(|lag| lag.pending as u64),
    );
    metric(
        "stormcraft_consumer_handled_events_total",
        "counter",
        "Events in the batches the consumer's worker committed in this process.",
        per_consumer(|lag| lag.activity.handled),
    );
    metric(
        "stormcraft_consumer_batches_total",
        "counter",
        "Batches the consumer's worker committed in this process.",
        per_consumer(|lag| lag.activity.batches),
    );
    metric(
        "stormcraft_consumer_lag_positions",
        "gauge",
        "The store's head position minus the consumer's checkpoint.",
        per_consumer(|lag| lag.behind),
    );
    // One sample per consumer whose lease is held, labelled with the holder: an info
    // metric, as Prometheus spells a text value.
    metric(
        "stormcraft_consumer_lease_held",
        "gauge",
        "1 for the instance that holds the consumer's lease (label `holder`); no sample while none does.",
        status
            .lags
            .iter()
            .filter_map(|lag| {
                let holder = lag.holder.as_deref()?;
                Some((
                    format!(
                        "context=\"{ctx}\",consumer=\"{}\",holder=\"{}\"",
                        label(lag.consumer),
                        label(holder)
                    ),
                    "1".to_owned(),
                ))
            })
            .collect(),
    );
    out
}

/// `GET /rejections` of the context `context`: its rejected commands as a JSON list,
/// newest first (see [`rejections::list`]), at most `?limit=` of them. A limit that is not
/// a number from 1 to [`rejections::MAX_LIMIT`], or another parameter, is a 400. Route it
/// as `.route("/rejections", http::rejections("ordering"))`.
pub fn rejections(context: &'static str) -> MethodRouter<Store> {
    get(move |State(store): State<Store>, uri: Uri| async move {
        let limit = match rejection_limit(uri.query()) {
            Ok(limit) => limit,
            Err(message) => {
                let body = json!({ "error": "bad_request", "message": message });
                return (StatusCode::BAD_REQUEST, Json(body)).into_response();
            }
        };
        let listed =
            tokio::task::spawn_blocking(move || rejections::list(&store, context, limit)).await;
        match listed {
            Ok(Ok(list)) => Json(list).into_response(),
            Ok(Err(error)) => internal(&error),
            Err(error) => internal(&error),
        }
    })
}

/// The `limit` of a `GET /rejections` query string.
fn rejection_limit(query: Option<&str>) -> Result<usize, String> {
    let max = rejections::MAX_LIMIT;
    let mut limit = None;
    for pair in query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != "limit" {
            return Err(format!(
                "unknown query parameter `{key}`: `GET /rejections` takes only `?limit=` (1 to {max})"
            ));
        }
        if limit.is_some() {
            return Err("`limit` is given twice; give it once".to_owned());
        }
        match value.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => limit = Some(n),
            _ => {
                return Err(format!(
                    "`limit={value}` is not a number from 1 to {max}; e.g. `?limit=20`"
                ))
            }
        }
    }
    Ok(limit.unwrap_or(rejections::DEFAULT_LIMIT))
}

/// `POST /commands/<C>`: decodes the body as `C` and carries it out on the aggregate `A`.
/// Route it as `post(command::<Order, PlaceOrder>)`.
pub async fn command<A, C>(State(store): State<Store>, body: axum::body::Bytes) -> Response
where
    A: Aggregate + 'static,
    A::Command: Send + 'static,
    A::Error: Send + 'static,
    C: DeserializeOwned + Into<A::Command>,
{
    let command: C = match serde_json::from_slice(&body) {
        Ok(command) => command,
        Err(error) => {
            let body = json!({ "error": "bad_request", "message": error.to_string() });
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
    };
    let command = command.into();
    let handled =
        tokio::task::spawn_blocking(move || aggregate::handle::<A>(&store, command, None)).await;
    match handled {
        Ok(Ok(events)) => Json(Events { events }).into_response(),
        Ok(Err(HandleError::Rejected(error))) => {
            let body = json!({ "error": error.name(), "message": error.to_string() });
            (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
        }
        Ok(Err(HandleError::Conflict)) => {
            let message = "the aggregate kept changing; retry the command";
            let body = json!({ "error": "conflict", "message": message });
            (StatusCode::CONFLICT, Json(body)).into_response()
        }
        Ok(Err(HandleError::Store(error))) => store_error(&error),
        Ok(Err(HandleError::Pending(text))) => {
            // The service is not finished, not broken: 501, naming the rule to write.
            let body = json!({ "error": "not_implemented", "message": text });
            (StatusCode::NOT_IMPLEMENTED, Json(body)).into_response()
        }
        Err(error) => internal(&error),
    }
}

/// The body of a carried-out command.
#[derive(serde::Serialize)]
struct Events {
    events: Vec<Appended>,
}

/// `GET /<read-model>/{key}` (or `/{part}/{part}` for a composite key): one row of `R`,
/// or 404.
pub async fn row<R: Row>(
    State(store): State<Store>,
    Path(segments): Path<Vec<(String, String)>>,
) -> Response {
    let key = match segments.as_slice() {
        [(_, one)] => one.clone(),
        parts => {
            // In key order, whatever order the route names them in.
            let mut ordered = Vec::with_capacity(R::KEY.len());
            for field in R::KEY {
                match parts.iter().find(|(name, _)| name == field) {
                    Some((_, value)) => ordered.push(value.as_str()),
                    None => return row_not_found(),
                }
            }
            crate::projection::composite_key(&ordered)
        }
    };
    match tokio::task::spawn_blocking(move || store.load_doc(R::TABLE, &key)).await {
        Ok(Ok(Some(row))) => Json(row).into_response(),
        Ok(Ok(None)) => row_not_found(),
        Ok(Err(error)) => store_error(&error),
        Err(error) => internal(&error),
    }
}

fn row_not_found() -> Response {
    let body = json!({ "error": "not_found" });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

/// The most rows one `GET /<read-model>` returns.
pub const MAX_ROWS: usize = 1000;
/// The rows `GET /<read-model>` returns without `?limit=`.
pub const DEFAULT_ROWS: usize = 100;

/// `GET /<read-model>`: a page of the rows of `R` matching the query's filters, in key
/// order, with the cursor of the next page (see the module docs).
pub async fn rows<R: Row>(State(store): State<Store>, uri: Uri) -> Response {
    let query = match rows_query::<R>(uri.query()) {
        Ok(query) => query,
        Err(message) => {
            let body = json!({
                "error": "bad_request",
                "message": message,
                "filters": R::FILTERS,
            });
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
    };
    match tokio::task::spawn_blocking(move || store.query_docs(R::TABLE, &query)).await {
        Ok(Ok(page)) => {
            let next = match (page.more, page.docs.last()) {
                (true, Some((key, _))) => serde_json::Value::from(cursor(key)),
                _ => serde_json::Value::Null,
            };
            let rows: Vec<serde_json::Value> = page.docs.into_iter().map(|(_, row)| row).collect();
            Json(json!({ "rows": rows, "next": next })).into_response()
        }
        Ok(Err(error)) => store_error(&error),
        Err(error) => internal(&error),
    }
}

/// The document query of a `GET /<read-model>` query string, or what is wrong with it.
pub fn rows_query<R: Row>(query: Option<&str>) -> Result<crate::DocQuery, String> {
    let mut out = crate::DocQuery {
        limit: DEFAULT_ROWS,
        ..crate::DocQuery::default()
    };
    let known = || {
        if R::FILTERS.is_empty() {
            format!(
                "`{}` has no filters; the parameters are `limit` and `after`",
                R::TABLE
            )
        } else {
            format!(
                "the filters of `{}` are {}; the other parameters are `limit` and `after`",
                R::TABLE,
                R::FILTERS
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(name).ok_or("the query string is not valid UTF-8")?;
        let value = percent_decode(value).ok_or("the query string is not valid UTF-8")?;
        match name.as_str() {
            "limit" => {
                out.limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_ROWS).contains(n))
                    .ok_or_else(|| {
                        format!("`limit` must be a number from 1 to {MAX_ROWS}, not `{value}`")
                    })?;
            }
            "after" => {
                out.after = Some(from_cursor(&value).ok_or_else(|| {
                    format!("`after` is not a cursor this read model gave: `{value}`")
                })?);
            }
            field if R::FILTERS.contains(&field) => {
                if out.filters.iter().any(|(f, _)| f == field) {
                    return Err(format!("the filter `{field}` is given twice"));
                }
                out.filters.push((field.to_owned(), value));
            }
            other => return Err(format!("`{other}` is not a filter: {}", known())),
        }
    }
    Ok(out)
}

/// The opaque cursor of a row key: its bytes in hex, so a key with any characters
/// survives a query string.
fn cursor(key: &str) -> String {
    key.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The key of a cursor, `None` when it is not one.
fn from_cursor(cursor: &str) -> Option<String> {
    if cursor.is_empty() || !cursor.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Decodes `%XX` escapes and `+` (a space) of a query string part.
fn percent_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        match b {
            b'+' => {
                bytes.push(b' ');
                rest = tail;
            }
            b'%' if tail.len() >= 2 => {
                let hex = std::str::from_utf8(&tail[..2]).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                rest = &tail[2..];
            }
            b'%' => return None,
            _ => {
                bytes.push(b);
                rest = tail;
            }
        }
    }
    String::from_utf8(bytes).ok()
}

/// A store error answered to a client: what the store refused as input (a key or an id
/// over the length limit, a NUL character in one) is the client's mistake, 400 with
/// the reason; anything else is the server's, 500.
fn store_error(error: &crate::Error) -> Response {
    match error {
        crate::Error::InvalidInput(message) => {
            let body = json!({ "error": "bad_request", "message": message });
            (StatusCode::BAD_REQUEST, Json(body)).into_response()
        }
        other => internal(other),
    }
}

/// 500, with the error logged.
fn internal(error: &dyn std::fmt::Display) -> Response {
    eprintln!("internal error: {error}");
    let body = json!({ "error": "internal", "message": error.to_string() });
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}

/// A service binary: a context alone, or the app with every context.
pub struct Service {
    /// The program name, for the usage text (e.g. `ordering`).
    pub name: &'static str,
    /// The store when neither `--store` nor `STORE_URL` says, e.g. `sqlite:ordering.db`.
    pub default_store: &'static str,
    /// The upcasters every read applies (generated crates build them in `upcasters()`).
    pub upcasters: Upcasters,
    /// The background workers (policies and projections) of every context served.
    pub workers: Vec<Worker>,
    /// The refusals of the rules still pending (`not implemented: write ...`), logged at
    /// startup: those commands answer 501 until their rules are written.
    pub pending: Vec<&'static str>,
    /// What the service does once the store is open, before it serves: a context with
    /// schedules makes sure each schedule's next tick is pending
    /// (`timers::ensure_schedules`); `|_| Ok(())` when there is nothing to do.
    pub start: fn(&Store) -> crate::Result<()>,
    /// The routes, over the opened store.
    pub router: fn(Store) -> Router,
}

/// The address a service listens on when neither `--listen` nor `LISTEN` says.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// Serve: the store URL and the address.
    Run {
        /// The store URL (see [`crate::open`]).
        store: String,
        /// The address to listen on.
        listen: String,
        /// `--manual-clock`: the store's clock stands still until `POST /clock/advance`.
        manual_clock: bool,
    },
    /// Print this usage text and exit successfully.
    Help(String),
}

/// Parses `--store URL`, `--listen ADDR`, `--manual-clock` and `--help`; `store` and `listen` are the
/// defaults (the environment's `STORE_URL` and `LISTEN`, or the service's defaults).
pub fn parse_args(
    name: &str,
    mut store: String,
    mut listen: String,
    default_store: &str,
    args: impl IntoIterator<Item = String>,
) -> Result<Invocation, String> {
    let usage = format!(
        "usage: {name} [--store URL] [--listen ADDR] [--manual-clock]
  --store URL     sqlite:<file>, postgres://... or memory: (env STORE_URL; default {default_store})
  --listen ADDR   the address to serve on (env LISTEN; default {DEFAULT_LISTEN})
  --manual-clock  for tests: timers see a clock that moves only on POST /clock/advance"
    );
    let mut manual_clock = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--store" => store = args.next().ok_or("`--store` needs a URL")?,
            "--listen" => listen = args.next().ok_or("`--listen` needs an address")?,
            "--manual-clock" => manual_clock = true,
            "-h" | "--help" => return Ok(Invocation::Help(usage)),
            other => return Err(format!("unknown argument `{other}`\n{usage}")),
        }
    }
    Ok(Invocation::Run {
        store,
        listen,
        manual_clock,
    })
}

/// The routes of `--manual-clock`: `GET /clock` and `POST /clock/advance`.
fn clock_routes(clock: crate::clock::ManualClock) -> Router {
    let read = clock.clone();
    Router::new()
        .route(
            "/clock",
            get(move || async move { Json(clock_json(&read)) }),
        )
        .route(
            "/clock/advance",
            axum::routing::post(move |body: axum::body::Bytes| async move {
                match clock_advance(&body) {
                    Ok(by) => {
                        clock.advance(by);
                        Json(clock_json(&clock)).into_response()
                    }
                    Err(message) => {
                        let body = json!({ "error": "bad_request", "message": message });
                        (StatusCode::BAD_REQUEST, Json(body)).into_response()
                    }
                }
            }),
        )
}

/// The clock's reading: milliseconds since the Unix epoch.
fn clock_json(clock: &crate::clock::ManualClock) -> serde_json::Value {
    use crate::clock::Clock;
    let now = clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    json!({ "manual": true, "now_unix_ms": now.as_millis() as u64 })
}

/// The duration of a `POST /clock/advance` body, `{"seconds": n}` (n a whole number).
fn clock_advance(body: &[u8]) -> Result<std::time::Duration, String> {
    let usage = "send {\"seconds\": n} with n a whole number of seconds";
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|error| format!("not JSON ({error}); {usage}"))?;
    value
        .get("seconds")
        .and_then(serde_json::Value::as_u64)
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| usage.to_owned())
}

/// Opens the store on a blocking thread (PostgreSQL's client runs its own small runtime)
/// and applies `upcasters`.
pub async fn open_store(url: &str, upcasters: Upcasters) -> Result<Store, String> {
    let owned = url.to_owned();
    tokio::task::spawn_blocking(move || crate::open(&owned))
        .await
        .map_err(|error| format!("cannot open the store `{url}`: {error}"))?
        .map(|store| store.with_upcasters(upcasters))
        .map_err(|error| format!("cannot open the store `{url}`: {error}"))
}

/// `router` with JSON answers for a client's mistakes about routes: an unknown path is a
/// 404 and a known path with another method a 405, each with a body that says what was
/// asked and what to do (an HTML or empty body tells a client nothing it can act on).
pub fn json_errors(router: Router) -> Router {
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    let message = match path.rsplit_once("/commands/") {
        Some((_, command)) => format!(
            "no command `{command}` here: commands are posted to `/commands/<Name>` (of their context, under `/<context>` in the app), with the exact name of the model"
        ),
        None => format!(
            "no route `{method} {path}`: commands are `POST /commands/<Name>`, read models `GET /<read-model>` (`?field=value&limit=n&after=cursor`) and `GET /<read-model>/<key>`, health `GET /health`, rejected commands `GET /rejections` (under `/<context>` in the app)"
        ),
    };
    let body = json!({ "error": "not_found", "message": message });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    let allowed = if path.contains("/commands/") {
        "POST"
    } else {
        "GET"
    };
    let body = json!({
        "error": "method_not_allowed",
        "message": format!("`{path}` does not answer {method}; use {allowed}"),
    });
    let mut response = (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response();
    response.headers_mut().insert(
        axum::http::header::ALLOW,
        axum::http::HeaderValue::from_static(allowed),
    );
    response
}

/// Serves `router` on `listener` with `workers` and the timer loop running (durable
/// timers: deadlines, schedules, delayed retries), until `shutdown` resolves; then stops
/// them and waits for them (each finishes its batch).
pub async fn serve(
    store: &Store,
    listener: tokio::net::TcpListener,
    router: Router,
    workers: &[Worker],
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = spawn_workers(store, &stop, workers);
    threads.push(crate::timer::spawn_timer_loop(store, &stop));
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await;
    stop.store(true, Ordering::Release);
    // Joining blocks, and the workers may still be finishing a store call.
    let joined = tokio::task::spawn_blocking(move || {
        for thread in threads {
            let _ = thread.join();
        }
    })
    .await;
    served.map_err(|error| format!("the server failed: {error}"))?;
    joined.map_err(|error| format!("a worker did not stop: {error}"))
}

/// The whole `main` of a service binary: reads the command line and the environment,
/// opens the store, serves until Ctrl-C or SIGTERM, and returns the exit code (errors
/// printed as `error: ...`).
pub async fn main(service: Service) -> ExitCode {
    match run(service).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(service: Service) -> Result<(), String> {
    let store = std::env::var("STORE_URL").unwrap_or_else(|_| service.default_store.to_owned());
    let listen = std::env::var("LISTEN").unwrap_or_else(|_| DEFAULT_LISTEN.to_owned());
    let args = std::env::args().skip(1);
    let (url, listen, manual_clock) =
        match parse_args(service.name, store, listen, service.default_store, args)? {
            Invocation::Help(usage) => {
                println!("{usage}");
                return Ok(());
            }
            Invocation::Run {
                store,
                listen,
                manual_clock,
            } => (store, listen, manual_clock),
        };
    let mut store = open_store(&url, service.upcasters).await?;
    // A manual clock starts at the wall clock's time, so timers scheduled from events
    // (due at their `recorded_at` plus a delay) become due after the same advance.
    let manual_clock = manual_clock.then(|| {
        let clock = crate::clock::ManualClock::new(std::time::SystemTime::now());
        store = store.clone().with_clock(Arc::new(clock.clone()));
        clock
    });
    let start = service.start;
    let starting = store.clone();
    tokio::task::spawn_blocking(move || start(&starting))
        .await
        .map_err(|error| format!("the service did not start: {error}"))?
        .map_err(|error| format!("the service did not start: {error}"))?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|error| format!("cannot listen on `{listen}`: {error}"))?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    for text in &service.pending {
        eprintln!("pending rule (its command answers 501): {text}");
    }
    println!("listening on http://{address}");
    let _ = std::io::stdout().flush();
    let mut router = (service.router)(store.clone());
    if let Some(clock) = manual_clock {
        router = router.merge(clock_routes(clock));
    }
    let router = json_errors(router);
    serve(
        &store,
        listener,
        router,
        &service.workers,
        shutdown_signal(),
    )
    .await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Invocation, String> {
        let args = args.iter().map(|a| (*a).to_owned());
        parse_args(
            "svc",
            "sqlite:svc.db".into(),
            DEFAULT_LISTEN.into(),
            "sqlite:svc.db",
            args,
        )
    }

    #[test]
    fn arguments_override_the_defaults() {
        assert_eq!(
            parse(&[]).unwrap(),
            Invocation::Run {
                store: "sqlite:svc.db".into(),
                listen: DEFAULT_LISTEN.into(),
                manual_clock: false,
            }
        );
        assert_eq!(
            parse(&["--listen", "0.0.0.0:8080", "--store", "memory:"]).unwrap(),
            Invocation::Run {
                store: "memory:".into(),
                listen: "0.0.0.0:8080".into(),
                manual_clock: false,
            }
        );
        assert!(matches!(
            parse(&["--manual-clock"]).unwrap(),
            Invocation::Run {
                manual_clock: true,
                ..
            }
        ));
        let Invocation::Help(usage) = parse(&["--help"]).unwrap() else {
            panic!("--help is help");
        };
        assert!(usage.starts_with("usage: svc [--store URL]"), "{usage}");
        assert!(usage.contains("default sqlite:svc.db"), "{usage}");
    }

    #[test]
    fn a_clock_advance_says_how_far() {
        assert_eq!(
            clock_advance(br#"{"seconds": 1800}"#),
            Ok(std::time::Duration::from_secs(1800))
        );
        for bad in [
            &b"{}"[..],
            b"{\"seconds\": -1}",
            b"{\"seconds\": 1.5}",
            b"soon",
        ] {
            let error = clock_advance(bad).unwrap_err();
            assert!(error.contains("whole number of seconds"), "{error}");
        }
    }

    #[test]
    fn the_rejection_limit_is_checked() {
        assert_eq!(rejection_limit(None), Ok(rejections::DEFAULT_LIMIT));
        assert_eq!(rejection_limit(Some("")), Ok(rejections::DEFAULT_LIMIT));
        assert_eq!(rejection_limit(Some("limit=7")), Ok(7));
        assert_eq!(rejection_limit(Some("limit=1000")), Ok(1000));
        for bad in [
            "limit=0",
            "limit=1001",
            "limit=x",
            "limit=",
            "limit",
            "limit=-1",
        ] {
            let error = rejection_limit(Some(bad)).unwrap_err();
            assert!(
                error.contains("is not a number from 1 to 1000"),
                "{bad}: {error}"
            );
        }
        assert_eq!(
            rejection_limit(Some("limit=1&limit=2")).unwrap_err(),
            "`limit` is given twice; give it once"
        );
        assert!(rejection_limit(Some("page=2"))
            .unwrap_err()
            .starts_with("unknown query parameter `page`"));
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        assert_eq!(parse(&["--store"]).unwrap_err(), "`--store` needs a URL");
        assert_eq!(
            parse(&["--listen"]).unwrap_err(),
            "`--listen` needs an address"
        );
        let error = parse(&["--port", "1"]).unwrap_err();
        assert!(
            error.starts_with("unknown argument `--port`\nusage: svc"),
            "{error}"
        );
    }
}
