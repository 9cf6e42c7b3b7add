//! Cross-process wake-ups for the PostgreSQL backend: `LISTEN`/`NOTIFY`.
//!
//! Without them, a consumer in one process learns of another process's append only by
//! polling: a head query every 10 ms per idle consumer, and up to 10 ms of delay at every
//! hop of a flow. Every append transaction notifies [`CHANNEL`] from inside
//! `stormcraft_lock_positions` (see the schema): the transaction already holds the
//! position lock through its commit, so the lock PostgreSQL takes to order notifying
//! commits costs no extra round trip and serialises nothing that was not serialised
//! already. The payload is the head *before* the transaction's events, so a listener
//! knows the head is now above it. PostgreSQL delivers a notification only once its
//! transaction has committed and is visible, and drops it when the transaction rolls
//! back.
//!
//! One listener thread per store `LISTEN`s on a connection of its own and records the
//! highest head it was told of; waits block on a condition variable until the head
//! passes their cursor. While the listener is not connected (at start, or after its
//! connection broke), waits poll as before, so a lost notification costs at most the
//! caller's wait slice, never an event.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::NoTls;

/// The channel every append notifies (payload: the head before its events).
pub(crate) const CHANNEL: &str = "stormcraft_events";

/// How long a wait sleeps when no listener is connected (the polling fallback).
const POLL: Duration = Duration::from_millis(10);

/// How often the listener thread looks whether its store is still there.
const LISTEN_SLICE: Duration = Duration::from_millis(500);

/// What a store knows of the head of the log, shared with its listener thread.
#[derive(Default)]
pub(crate) struct Wakeups {
    state: Mutex<WakeState>,
    /// Notified whenever `head` moves or the listener connects or disconnects.
    moved: Condvar,
}

#[derive(Default)]
struct WakeState {
    /// A lower bound of the head: every event up to it is committed and visible.
    head: u64,
    /// The listener thread has been started (it runs until the store is dropped).
    listener_started: bool,
    /// The listener is connected and `LISTEN`ing, so a wait may block on `moved`.
    listening: bool,
}

impl Wakeups {
    fn lock(&self) -> MutexGuard<'_, WakeState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records that every event up to `head` is visible (an append of this process
    /// committed, or another process's notification arrived).
    pub(crate) fn reached(&self, head: u64) {
        let mut state = self.lock();
        if head > state.head {
            state.head = head;
            self.moved.notify_all();
        }
    }

    fn set_listening(&self, listening: bool) {
        self.lock().listening = listening;
        self.moved.notify_all();
    }

    /// Waits until the head is known to be above `after_position`, at most `timeout`;
    /// starts the listener on first use. Returns early, without news, while the
    /// listener is not connected: the caller reads the head and waits again.
    pub(crate) fn wait(
        self: &Arc<Self>,
        config: &postgres::Config,
        after_position: u64,
        timeout: Duration,
    ) {
        self.start_listener(config);
        let state = self.lock();
        if !state.listening {
            drop(state);
            std::thread::sleep(timeout.min(POLL));
            return;
        }
        let _unused = self
            .moved
            .wait_timeout_while(state, timeout, |s| s.listening && s.head <= after_position)
            .unwrap_or_else(|p| p.into_inner());
    }

    fn start_listener(self: &Arc<Self>, config: &postgres::Config) {
        {
            let mut state = self.lock();
            if state.listener_started {
                return;
            }
            state.listener_started = true;
        }
        // A weak handle: the thread must not keep a dropped store's state alive.
        let wakeups = Arc::downgrade(self);
        let config = config.clone();
        let spawned = std::thread::Builder::new()
            .name("stormcraft-pg-listen".into())
            .spawn(move || listen(&wakeups, &config));
        if spawned.is_err() {
            // No thread: waits keep polling, and the next wait tries again.
            self.lock().listener_started = false;
        }
    }
}

/// The listener thread: connects, `LISTEN`s, moves the head as notifications arrive,
/// reconnects after a pause when the connection breaks, and stops within
/// [`LISTEN_SLICE`] of its store being dropped.
fn listen(wakeups: &Weak<Wakeups>, config: &postgres::Config) {
    while wakeups.strong_count() > 0 {
        let connected = config.connect(NoTls).and_then(|mut client| {
            client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
            Ok(client)
        });
        let Ok(mut client) = connected else {
            std::thread::sleep(Duration::from_secs(1));
            continue;
        };
        match wakeups.upgrade() {
            Some(w) => w.set_listening(true),
            None => return,
        }
        loop {
            let broken = {
                let mut notifications = client.notifications();
                let mut arriving = notifications.timeout_iter(LISTEN_SLICE);
                loop {
                    match arriving.next() {
                        Ok(Some(note)) => {
                            let Some(w) = wakeups.upgrade() else {
                                return;
                            };
                            // The head before the notifying transaction's events: the
                            // head is now at least one above it.
                            if let Ok(before) = note.payload().parse::<u64>() {
                                w.reached(before.saturating_add(1));
                            }
                        }
                        // The slice is over: look whether the store is still there.
                        Ok(None) => break false,
                        Err(_) => break true,
                    }
                }
            };
            if wakeups.strong_count() == 0 {
                return;
            }
            if broken || client.is_closed() {
                break;
            }
        }
        // Broken: waits poll until the listener is back.
        if let Some(w) = wakeups.upgrade() {
            w.set_listening(false);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
