//! Durable timers: an event to append to a stream once a time has passed.
//!
//! A [`Timer`] is stored by the backend (in a table of its own), so it survives restarts
//! and crashes. When it is due by the store's clock ([`Store::now`]), firing appends its
//! event and deletes the timer in one transaction
//! ([`EventStore::fire_due_timers`](crate::EventStore::fire_due_timers)): a due timer
//! fires exactly once, also when the process is killed mid-firing, and on PostgreSQL also
//! when several processes fire at the same time (row locks with `SKIP LOCKED`).
//!
//! Schedule a timer from a consumer, atomically with its checkpoint
//! ([`ProjectionTx::schedule_timer`](crate::ProjectionTx::schedule_timer)), or directly
//! ([`Store::schedule_timer`]). Scheduling a timer id that is pending replaces it;
//! cancelling one that is not pending does nothing.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, UNIX_EPOCH};
//! use stormcraft_runtime::clock::ManualClock;
//! use stormcraft_runtime::timer::Timer;
//! use stormcraft_runtime::{NewEvent, Uuid};
//!
//! let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_000_000));
//! let store = stormcraft_runtime::open("memory:").unwrap().with_clock(Arc::new(clock.clone()));
//! let id = "ordering.CancelUnpaidOrder/order-1";
//! store
//!     .schedule_timer(Timer {
//!         id: id.into(),
//!         due_at: store.now() + Duration::from_secs(30 * 60),
//!         stream: "ordering-Deadline-1".into(),
//!         // A deterministic id: a retried firing appends the event once.
//!         event: NewEvent::new("DeadlinePassed", 1, serde_json::json!({}))
//!             .with_id(Uuid::new_v5(&Uuid::NAMESPACE_OID, id.as_bytes())),
//!     })
//!     .unwrap();
//! assert_eq!(store.fire_due().unwrap(), 0);
//! clock.advance(Duration::from_secs(30 * 60));
//! assert_eq!(store.fire_due().unwrap(), 1);
//! assert_eq!(store.read_stream("ordering-Deadline-1", 1, 10).unwrap().len(), 1);
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::{validate_name, Error, NewEvent, Result, Store};

/// A pending timer: when `due_at` has passed, `event` is appended to `stream` (with
/// [`ExpectedVersion::Any`](crate::ExpectedVersion::Any)).
///
/// `event.id` is the caller's: derive it from the timer id (and, for a timer id that is
/// scheduled again after it fired, from the due time), so a firing that is retried
/// appends the event once, and a second timer never collides with the first's event.
#[derive(Debug, Clone, PartialEq)]
pub struct Timer {
    /// Unique among pending timers; scheduling an id that is pending replaces that timer.
    pub id: String,
    /// When the timer fires (stored with microsecond precision).
    pub due_at: SystemTime,
    /// The stream the event is appended to.
    pub stream: String,
    /// The event appended when the timer fires.
    pub event: NewEvent,
}

/// The most timers one [`Store::fire_due`] transaction fires; it repeats until nothing is
/// due, so this only bounds the length of one transaction.
pub const FIRE_BATCH: usize = 256;

/// The longest the timer loop sleeps before it looks at the clock again, so a timer
/// scheduled by another process, or a [`ManualClock`](crate::clock::ManualClock) that was
/// advanced, is seen within this delay.
pub const MAX_SLEEP: Duration = Duration::from_millis(200);

/// How long the timer loop waits after a failed firing before it tries again.
pub const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// Microseconds since the Unix epoch, the form every backend stores `due_at` in.
pub(crate) fn micros(t: SystemTime) -> Result<i64> {
    let out_of_range = || Error::InvalidInput("a timer's due time is out of range".into());
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_micros()).map_err(|_| out_of_range()),
        Err(before) => i64::try_from(before.duration().as_micros())
            .map(|us| -us)
            .map_err(|_| out_of_range()),
    }
}

/// The `due_at` microseconds up to which timers are due at `now`: a time outside the
/// stored range makes nothing (before) or everything (after) due.
pub(crate) fn due_cutoff(now: SystemTime) -> i64 {
    micros(now).unwrap_or(if now < UNIX_EPOCH { i64::MIN } else { i64::MAX })
}

/// Names the timer whose event could not be appended, so the message says which one.
pub(crate) fn firing_failed(id: &str, error: Error) -> Error {
    match error {
        Error::IdempotencyConflict { event_id, detail } => Error::IdempotencyConflict {
            event_id,
            detail: format!("the event of timer `{id}`: {detail}"),
        },
        Error::InvalidInput(m) => Error::InvalidInput(format!("timer `{id}`: {m}")),
        other => other,
    }
}

/// Checks what a backend needs of a timer before storing it, so that firing it can only
/// fail for reasons of the store, never of the timer's shape.
pub(crate) fn validate_timer(timer: &Timer) -> Result<()> {
    validate_name("timer id", &timer.id)?;
    validate_name("stream name", &timer.stream)?;
    validate_name("event type", &timer.event.event_type)?;
    micros(timer.due_at)?;
    Ok(())
}

/// The stored columns of one timer (both databases store the same ones), as the checksum
/// sees them; verified on every read like an event row.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) struct TimerRow<'a> {
    pub id: &'a str,
    pub due_at: i64,
    pub stream: &'a str,
    pub event_id: &'a [u8],
    pub event_type: &'a str,
    pub schema_version: i64,
    pub payload: &'a str,
    pub correlation_id: Option<&'a [u8]>,
    pub causation_id: Option<&'a [u8]>,
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl<'a> TimerRow<'a> {
    /// The row of a validated `timer` whose payload serialises to `payload`.
    pub(crate) fn of(timer: &'a Timer, payload: &'a str) -> Result<Self> {
        let meta = &timer.event.metadata;
        Ok(TimerRow {
            id: &timer.id,
            due_at: micros(timer.due_at)?,
            stream: &timer.stream,
            event_id: timer.event.id.as_bytes(),
            event_type: &timer.event.event_type,
            schema_version: i64::from(timer.event.schema_version),
            payload,
            correlation_id: meta.correlation_id.as_ref().map(|u| &u.as_bytes()[..]),
            causation_id: meta.causation_id.as_ref().map(|u| &u.as_bytes()[..]),
        })
    }

    pub(crate) fn checksum(&self) -> i64 {
        crate::checksum::Crc::new()
            .bytes(self.id.as_bytes())
            .int(self.due_at)
            .bytes(self.stream.as_bytes())
            .bytes(self.event_id)
            .bytes(self.event_type.as_bytes())
            .int(self.schema_version)
            .bytes(self.payload.as_bytes())
            .opt(self.correlation_id)
            .opt(self.causation_id)
            .finish()
    }

    /// Checks the stored checksum and turns the row into a timer.
    pub(crate) fn verify(&self, stored: i64) -> Result<Timer> {
        let corrupt =
            |what: &str| Error::Corruption(format!("timer `{}` {what}", self.id.escape_debug()));
        if self.checksum() != stored {
            return Err(corrupt("fails its checksum"));
        }
        let uuid = |b: &[u8]| crate::Uuid::from_slice(b).map_err(|_| corrupt("has a malformed id"));
        Ok(Timer {
            id: self.id.to_owned(),
            due_at: crate::time_from_micros(self.due_at),
            stream: self.stream.to_owned(),
            event: NewEvent {
                id: uuid(self.event_id)?,
                event_type: self.event_type.to_owned(),
                schema_version: u32::try_from(self.schema_version)
                    .map_err(|_| corrupt("has a schema version out of range"))?,
                payload: serde_json::from_str(self.payload)
                    .map_err(|e| crate::corrupt_json("timer payload", e))?,
                metadata: crate::Metadata {
                    correlation_id: self.correlation_id.map(uuid).transpose()?,
                    causation_id: self.causation_id.map(uuid).transpose()?,
                },
            },
        })
    }
}

/// The payload of a timer's event as stored.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn payload_json(timer: &Timer) -> Result<String> {
    serde_json::to_string(&timer.event.payload).map_err(|e| {
        Error::InvalidInput(format!(
            "timer `{}`: payload is not serialisable: {e}",
            timer.id
        ))
    })
}

/// Starts a thread that fires due timers until `stop` is set: it fires everything due by
/// the store's clock, then sleeps until the next timer is due, at most [`MAX_SLEEP`] at a
/// time. A failed firing (the database is down) is logged and retried after
/// [`RETRY_PAUSE`]; nothing of a failed firing was applied, so no timer is lost. Join the
/// handle to wait for a clean stop (within about [`MAX_SLEEP`]).
///
/// Several loops (in several processes) may run on one store: on PostgreSQL each timer is
/// fired by exactly one of them; on SQLite the single writer serialises them.
pub fn spawn_timer_loop(store: &Store, stop: &Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    let store = store.clone();
    let stop = Arc::clone(stop);
    std::thread::spawn(move || {
        while !stop.load(Ordering::Acquire) {
            let wait = match fire_and_plan(&store) {
                Ok(wait) => wait,
                Err(error) => {
                    eprintln!("timer loop: {error}; retrying in 1 s");
                    RETRY_PAUSE
                }
            };
            sleep(&stop, wait);
        }
    })
}

/// One round of the timer loop: fires what is due and says how long to sleep.
fn fire_and_plan(store: &Store) -> Result<Duration> {
    let fired = store.fire_due()?;
    let Some(next) = store.backend().next_due()? else {
        return Ok(MAX_SLEEP);
    };
    let wait = next
        .duration_since(store.now())
        .unwrap_or(Duration::ZERO)
        .min(MAX_SLEEP);
    // A timer that is due yet was not fired is being fired by another process (its row is
    // locked); give that process a moment instead of spinning.
    Ok(if wait.is_zero() && fired == 0 {
        Duration::from_millis(10)
    } else {
        wait
    })
}

/// Sleeps for `total` in short slices, returning early once `stop` is set.
fn sleep(stop: &AtomicBool, total: Duration) {
    let slice = Duration::from_millis(50);
    let mut left = total;
    while !left.is_zero() && !stop.load(Ordering::Acquire) {
        let step = left.min(slice);
        std::thread::sleep(step);
        left -= step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::Uuid;

    fn timer(id: &str, due_at: SystemTime) -> Timer {
        Timer {
            id: id.into(),
            due_at,
            stream: "t-1".into(),
            event: NewEvent::new("Fired", 1, serde_json::json!({ "timer": id }))
                .with_id(Uuid::new_v5(&Uuid::NAMESPACE_OID, id.as_bytes())),
        }
    }

    #[test]
    fn micros_round_trip_both_sides_of_the_epoch() {
        let after = UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
        assert_eq!(micros(after).unwrap(), 1_700_000_000_123_456);
        let before = UNIX_EPOCH - Duration::from_micros(5);
        assert_eq!(micros(before).unwrap(), -5);
        assert_eq!(crate::time_from_micros(-5), before);
    }

    #[test]
    fn bad_timers_are_refused_before_they_are_stored() {
        let store = crate::open("memory:").unwrap();
        let mut t = timer("a", UNIX_EPOCH);
        t.stream.clear();
        assert!(matches!(
            store.schedule_timer(t),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            store.schedule_timer(timer("", UNIX_EPOCH)),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            store.cancel_timer(""),
            Err(Error::InvalidInput(_))
        ));
        assert!(store.pending_timers().unwrap().is_empty());
    }

    #[test]
    fn the_loop_fires_when_a_manual_clock_is_advanced() {
        let start = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let clock = ManualClock::new(start);
        let store = crate::open("memory:")
            .unwrap()
            .with_clock(Arc::new(clock.clone()));
        store
            .schedule_timer(timer("later", start + Duration::from_secs(3600)))
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let handle = spawn_timer_loop(&store, &stop);
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(store.head_position().unwrap(), 0, "fired before it was due");
        clock.advance(Duration::from_secs(3600));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while store.head_position().unwrap() == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the loop did not see the advanced clock"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        stop.store(true, Ordering::Release);
        handle.join().unwrap();
        assert!(store.pending_timers().unwrap().is_empty());
        assert_eq!(store.read_stream("t-1", 1, 10).unwrap().len(), 1);
    }
}
