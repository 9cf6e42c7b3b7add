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
//! - `GET /<read-model>/{key}`: the row, or 404 `{"error": "not_found"}`;
//!   `GET /<read-model>`: every row, ordered by key.
//! - `GET /health`: 200 `{"status": "ok"}` for the app; a context's
//!   ([`context_health`]) adds `"rejections": n` (see [`crate::rejections`]) and
//!   `"timers_pending": n`.
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
use crate::worker::{spawn_workers, Worker};
use crate::{Store, Upcasters};

/// `GET /health` of the app: 200 `{"status": "ok"}`.
pub async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /health` of the context `context`: 200 `{"status": "ok", "rejections": n,
/// "timers_pending": n}` (its recorded rejections, its pending timers), or 500 when the
/// store cannot answer. Route it as `.route("/health", context_health("ordering"))`.
pub fn context_health(context: &'static str) -> MethodRouter<Store> {
    get(move |State(store): State<Store>| async move {
        let counted = tokio::task::spawn_blocking(move || -> crate::Result<(u64, u64)> {
            let rejections = rejections::count(&store, context)?;
            Ok((rejections, pending_timer_count(&store, context)?))
        })
        .await;
        match counted {
            Ok(Ok((rejections, timers))) => Json(json!({
                "status": "ok",
                "rejections": rejections,
                "timers_pending": timers,
            }))
            .into_response(),
            Ok(Err(error)) => internal(&error),
            Err(error) => internal(&error),
        }
    })
}

/// The timers of `context` waiting to fire: those whose id starts with `<context>.`
/// (timer ids are `<ctx>.<Policy>/...`), so each context of the app counts its own.
fn pending_timer_count(store: &Store, context: &str) -> crate::Result<u64> {
    let prefix = format!("{context}.");
    let pending = store.pending_timers()?;
    Ok(pending.iter().filter(|t| t.id.starts_with(&prefix)).count() as u64)
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
        Ok(Err(HandleError::Store(error))) => internal(&error),
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

/// `GET /<read-model>/{key}`: one row of `R`, or 404.
pub async fn row<R: Row>(State(store): State<Store>, Path(key): Path<String>) -> Response {
    match tokio::task::spawn_blocking(move || store.load_doc(R::TABLE, &key)).await {
        Ok(Ok(Some(row))) => Json(row).into_response(),
        Ok(Ok(None)) => {
            let body = json!({ "error": "not_found" });
            (StatusCode::NOT_FOUND, Json(body)).into_response()
        }
        Ok(Err(error)) => internal(&error),
        Err(error) => internal(&error),
    }
}

/// `GET /<read-model>`: every row of `R`, ordered by key.
pub async fn rows<R: Row>(State(store): State<Store>) -> Response {
    match tokio::task::spawn_blocking(move || store.list_docs(R::TABLE)).await {
        Ok(Ok(rows)) => {
            let rows: Vec<serde_json::Value> = rows.into_iter().map(|(_, row)| row).collect();
            Json(rows).into_response()
        }
        Ok(Err(error)) => internal(&error),
        Err(error) => internal(&error),
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
            "no route `{method} {path}`: commands are `POST /commands/<Name>`, read models `GET /<read-model>` and `GET /<read-model>/<key>`, health `GET /health`, rejected commands `GET /rejections` (under `/<context>` in the app)"
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
