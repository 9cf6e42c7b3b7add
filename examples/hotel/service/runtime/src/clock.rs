//! The store's notion of "now", injectable so tests can move time.
//!
//! Durable timers fire when their due time has passed by the [`Store`](crate::Store)'s
//! clock ([`Store::now`](crate::Store::now)). Production uses [`SystemClock`]; a test
//! gives its store a [`ManualClock`] with [`Store::with_clock`](crate::Store::with_clock)
//! and advances it, so "30 minutes later" takes no time at all:
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, UNIX_EPOCH};
//! use stormcraft_runtime::clock::ManualClock;
//!
//! let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_000));
//! let store = stormcraft_runtime::open("memory:").unwrap().with_clock(Arc::new(clock.clone()));
//! clock.advance(Duration::from_secs(1_800));
//! assert_eq!(store.now(), UNIX_EPOCH + Duration::from_secs(2_800));
//! ```
//!
//! Only timers read the clock. Events keep the backend's wall-clock `recorded_at`
//! (backends are shared by stores with different clocks, and a stored time must not
//! depend on which handle appended it).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The operating system's wall clock; the default of every [`Store`](crate::Store).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to. Clones share one time, so a test keeps a clone
/// and advances the clock its store (and the store's timer loop) reads.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<SystemTime>>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: SystemTime) -> Self {
        ManualClock {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Moves the clock forward by `by` (it stays put if that would overflow `SystemTime`).
    pub fn advance(&self, by: Duration) {
        let mut now = self.lock();
        if let Some(next) = now.checked_add(by) {
            *now = next;
        }
    }

    /// Sets the clock to `to`; backwards is allowed (timers then wait longer).
    pub fn set(&self, to: SystemTime) {
        *self.lock() = to;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SystemTime> {
        // A `SystemTime` cannot be left half-written by a panic: a poisoned lock is fine.
        self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn clones_share_the_time() {
        let a = ManualClock::new(UNIX_EPOCH);
        let b = a.clone();
        a.advance(Duration::from_secs(5));
        assert_eq!(b.now(), UNIX_EPOCH + Duration::from_secs(5));
        b.set(UNIX_EPOCH + Duration::from_secs(2));
        assert_eq!(a.now(), UNIX_EPOCH + Duration::from_secs(2));
    }

    #[test]
    fn advancing_past_the_end_of_time_keeps_the_clock() {
        let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 4);
        let c = ManualClock::new(far);
        c.advance(Duration::MAX);
        assert_eq!(c.now(), far);
    }

    #[test]
    fn the_system_clock_moves() {
        let before = SystemTime::now();
        assert!(SystemClock.now() >= before);
    }
}
