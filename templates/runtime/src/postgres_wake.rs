//! Cross-process wake-ups for the PostgreSQL backend: `LISTEN`/`NOTIFY`.
//!
//! Without them, a consumer in one process learns of another process's append only by
//! polling: a head query every 10 ms per idle consumer, and up to 10 ms of delay at every
//! hop of a flow.
//!
//! **Announcing.** After an append or a timer firing has committed, its process's
//! *announcer* thread sends `pg_notify('stormcraft_events', <head>)` on a connection of
//! its own, in a transaction of its own committed asynchronously (it writes nothing a
//! crash could lose). Not from inside the append transaction: there, PostgreSQL's lock
//! ordering notifying commits and the queue write cost every append ~8 % of its
//! throughput (same-run bench), and busy consumers woken at every append took batches of
//! one event. The announcer coalesces: it announces the newest head once, at most every
//! [`ANNOUNCE_EVERY`], however many appends committed meanwhile. An announcement is sent
//! after the events it announces are committed and visible, so a woken reader finds them.
//!
//! **Listening.** One listener thread per store `LISTEN`s on a connection of its own and
//! records the highest head it was told of; waits block on a condition variable until
//! the head passes their cursor. While the listener is not connected (at start, or after
//! its connection broke), waits poll as before. A lost announcement (the announcer's
//! connection broke) costs at most the caller's wait slice, never an event.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::NoTls;

/// The channel the announcers notify (payload: a head whose events are all visible).
pub(crate) const CHANNEL: &str = "stormcraft_events";

/// How long a wait sleeps when no listener is connected (the polling fallback).
const POLL: Duration = Duration::from_millis(10);

/// The shortest a wait lasts when it is woken (see [`Wakeups::wait`]): as often as a
/// busy consumer polled before, so its batches stay as large.
const GATHER: Duration = Duration::from_millis(10);

/// The shortest time between two announcements of one process.
const ANNOUNCE_EVERY: Duration = Duration::from_millis(10);

/// How often the listener thread looks whether its store is still there.
const LISTEN_SLICE: Duration = Duration::from_millis(500);

/// What a store knows of the head of the log, shared with its listener and announcer
/// threads.
pub(crate) struct Wakeups {
    /// Where the two threads connect: the store's own server and database.
    config: postgres::Config,
    state: Mutex<WakeState>,
    /// Notified whenever `head` moves or the listener connects or disconnects.
    moved: Condvar,
    /// Notified when `appended` moves: the announcer has news to send.
    to_announce: Condvar,
}

#[derive(Default)]
struct WakeState {
    /// A lower bound of the head: every event up to it is committed and visible.
    head: u64,
    /// The listener thread has been started (it runs until the store is dropped).
    listener_started: bool,
    /// The listener is connected and `LISTEN`ing, so a wait may block on `moved`.
    listening: bool,
    /// The newest head this process committed, to announce.
    appended: u64,
    /// The announcer thread has been started (it runs until the store is dropped).
    announcer_started: bool,
}

impl Wakeups {
    pub(crate) fn new(config: postgres::Config) -> Self {
        Wakeups {
            config,
            state: Mutex::default(),
            moved: Condvar::new(),
            to_announce: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, WakeState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records that an append or a firing of this process committed every event up to
    /// `head`: wakes the waits of this process, and has the announcer tell the others.
    pub(crate) fn appended(self: &Arc<Self>, head: u64) {
        let mut state = self.lock();
        if head > state.head {
            state.head = head;
            self.moved.notify_all();
        }
        if head > state.appended {
            state.appended = head;
            self.to_announce.notify_one();
        }
        let start = !std::mem::replace(&mut state.announcer_started, true);
        drop(state);
        if start {
            self.spawn("stormcraft-pg-announce", announce, |s| {
                s.announcer_started = false;
            });
        }
    }

    /// Records that every event up to `head` is visible (read here, or announced by
    /// another process).
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
    pub(crate) fn wait(self: &Arc<Self>, after_position: u64, timeout: Duration) {
        self.start_listener();
        let state = self.lock();
        if !state.listening {
            drop(state);
            std::thread::sleep(timeout.min(POLL));
            return;
        }
        let started = Instant::now();
        let (state, _) = self
            .moved
            .wait_timeout_while(state, timeout, |s| s.listening && s.head <= after_position)
            .unwrap_or_else(|p| p.into_inner());
        let woken = state.head > after_position;
        drop(state);
        // Gather: a wait that began less than `GATHER` ago returns only then, so under
        // load a consumer takes the events of the last few milliseconds as one batch
        // instead of waking (and committing) once per append; an idle consumer, whose
        // wait began long before, wakes at once.
        let waited = started.elapsed();
        if woken && waited < GATHER {
            std::thread::sleep((GATHER - waited).min(timeout.saturating_sub(waited)));
        }
    }

    fn start_listener(self: &Arc<Self>) {
        let start = !std::mem::replace(&mut self.lock().listener_started, true);
        if start {
            self.spawn("stormcraft-pg-listen", listen, |s| {
                s.listener_started = false;
            });
        }
    }

    /// Starts `run` on a thread of its own with a weak handle (a thread must not keep a
    /// dropped store's state alive); `failed` undoes the start when no thread could be
    /// made, so the next call tries again (meanwhile waits poll).
    fn spawn(
        self: &Arc<Self>,
        name: &str,
        run: fn(&Weak<Wakeups>, &postgres::Config),
        failed: fn(&mut WakeState),
    ) {
        let wakeups = Arc::downgrade(self);
        let config = self.config.clone();
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || run(&wakeups, &config));
        if spawned.is_err() {
            failed(&mut self.lock());
        }
    }
}

/// The announcer thread: sends the newest committed head whenever it moved, at most
/// every [`ANNOUNCE_EVERY`]; reconnects after a pause when its connection breaks; stops
/// within [`LISTEN_SLICE`] of its store being dropped.
fn announce(wakeups: &Weak<Wakeups>, config: &postgres::Config) {
    let mut announced = 0;
    while wakeups.strong_count() > 0 {
        // Asynchronous commits: an announcement writes nothing a crash could lose.
        let connected = config.connect(NoTls).and_then(|mut client| {
            client.batch_execute("SET synchronous_commit = off")?;
            let notify = client.prepare("SELECT pg_notify($1, $2)")?;
            Ok((client, notify))
        });
        let Ok((mut client, notify)) = connected else {
            std::thread::sleep(Duration::from_secs(1));
            continue;
        };
        loop {
            let head = {
                let Some(w) = wakeups.upgrade() else {
                    return;
                };
                let state = w.lock();
                let (state, _) = w
                    .to_announce
                    .wait_timeout_while(state, LISTEN_SLICE, |s| s.appended <= announced)
                    .unwrap_or_else(|p| p.into_inner());
                state.appended
            };
            if head <= announced {
                continue;
            }
            let payload = head.to_string();
            if client.execute(&notify, &[&CHANNEL, &payload]).is_err() {
                break;
            }
            announced = head;
            std::thread::sleep(ANNOUNCE_EVERY);
        }
        std::thread::sleep(Duration::from_millis(200));
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
                            // A head whose events are all visible.
                            if let Ok(head) = note.payload().parse::<u64>() {
                                w.reached(head);
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
