//! What policies share: issuing a command for an event, calling an external system, and
//! reading the context's read models as of the event being handled.

use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::aggregate::{Aggregate, Cause, Command as _};
use crate::inbox::{self, Origin, Refusal};
use crate::projection::Row;
use crate::rejections::{self, EventRef, Rejection};
use crate::worker::selectors;
use crate::{Error, Result, Store, Value};

/// Carries out the command a policy decided on (`None`: the rule decided nothing) as
/// caused by `cause`.
///
/// A command a business rule refuses is the policy's outcome, not a failure: it is
/// recorded as a rejection in the issuer's context (the part of `cause.consumer` before
/// the first `.`), with the command's JSON as its body, and the policy moves on. Handling
/// the same event again records it once, and does not carry out a command that was
/// refused the first time. A conflict or a store error fails the batch, which the worker
/// handles again after a pause.
pub fn issue<A: Aggregate>(
    store: &Store,
    cause: Cause<'_>,
    command: Option<impl Into<A::Command> + Serialize>,
) -> Result<()> {
    let Some(command) = command else {
        return Ok(());
    };
    let body = body_of(&command)?;
    let command: A::Command = command.into();
    store.note_issued(|| Issued::Command {
        consumer: cause.consumer.to_owned(),
        context: context_of::<A>().to_owned(),
        command: command.name().to_owned(),
        body: body.clone(),
    });
    carry::<A>(store, cause, command, body, 1)
}

/// What a reaction did, as an [`IssueLog`] notes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Issued {
    /// It issued `command` of `context` (its own, carried out here, or another's, sent
    /// to that context's inbox) with the JSON `body`.
    Command {
        /// The issuing consumer (`<context>.<Policy>`, `<context>.<Reaction>`).
        consumer: String,
        /// The context of the command.
        context: String,
        /// The command's name.
        command: String,
        /// The command as JSON.
        body: Value,
    },
    /// Its rule is pending: it issued nothing, and `message` says which method to write.
    Pending {
        /// The issuing consumer.
        consumer: String,
        /// The command the rule would issue.
        command: String,
        /// `not implemented: write ...`, or the state field that is not set yet.
        message: String,
    },
}

/// The commands issued through a [`Store`] made with [`Store::with_issue_log`], in the
/// order they were issued. Clones share one log. It is noted where a reaction hands its
/// command over — before the aggregate decides on it or the target's inbox handles it —
/// so a scenario sees what the reaction's rule decided, whatever happens to it next.
#[derive(Debug, Clone, Default)]
pub struct IssueLog(std::sync::Arc<std::sync::Mutex<Vec<Issued>>>);

impl IssueLog {
    /// An empty log.
    pub fn new() -> Self {
        IssueLog::default()
    }

    pub(crate) fn push(&self, issued: Issued) {
        self.lock().push(issued);
    }

    /// What was noted so far, oldest first; the log is left empty.
    pub fn take(&self) -> Vec<Issued> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Issued>> {
        // A test that panicked while noting left a whole entry or none: still usable.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Issues a rejected command again (a recovery's `retry`): `cause` is the
/// `CommandRejected` event (see [`rejections::decode`]), `body` the command to issue,
/// read as `C` (the command type of the aggregate `A`; usually the rejection's own
/// body). A new refusal is recorded as attempt `attempt + 1` of the same policy; a body
/// that does not fit `C` is recorded as refused with error `InvalidCommand`.
pub fn reissue<A, C>(store: &Store, cause: Cause<'_>, body: &Value) -> Result<()>
where
    A: Aggregate,
    C: DeserializeOwned + Into<A::Command>,
{
    let previous = rejections::decode(cause.event)?;
    let attempt = previous.attempt.saturating_add(1);
    match serde_json::from_value::<C>(body.clone()) {
        Ok(command) => carry::<A>(store, cause, command.into(), body.clone(), attempt),
        Err(error) => {
            let origin = Origin::of(cause);
            if rejections::recorded(store, cause, &origin.issuer, &previous.command)? {
                return Ok(());
            }
            let refusal = Refusal::invalid_body::<A, C>(&error);
            let context = context_of::<A>().to_owned();
            refused(
                store,
                cause,
                origin,
                &previous.command,
                context,
                body.clone(),
                refusal,
                attempt,
            )
        }
    }
}

/// Carries out `command` and records its refusal.
fn carry<A: Aggregate>(
    store: &Store,
    cause: Cause<'_>,
    command: A::Command,
    body: Value,
    attempt: u32,
) -> Result<()> {
    let origin = Origin::of(cause);
    let name = command.name();
    // Refused by an earlier handling of this very event: settled, not to be done now.
    if rejections::recorded(store, cause, &origin.issuer, name)? {
        return Ok(());
    }
    match inbox::carry_out_command::<A>(store, cause, command)? {
        Ok(()) => Ok(()),
        Err(refusal) => {
            let context = context_of::<A>().to_owned();
            refused(store, cause, origin, name, context, body, refusal, attempt)
        }
    }
}

/// A policy rule that is pending (its default would have to invent a field of
/// `command`, a command of `context`): nothing is issued, and the event is kept in the
/// issuer's rejections with error [`inbox::PENDING`] and `text` (`not implemented: write
/// ...`), once per event, so the work is not lost and `GET /<context>/rejections` says
/// which rule to write.
pub fn pending(
    store: &Store,
    cause: Cause<'_>,
    command: &str,
    context: &str,
    text: &'static str,
) -> Result<()> {
    store.note_issued(|| Issued::Pending {
        consumer: cause.consumer.to_owned(),
        command: command.to_owned(),
        message: text.to_owned(),
    });
    let origin = Origin::of(cause);
    if rejections::recorded(store, cause, &origin.issuer, command)? {
        return Ok(());
    }
    let refusal = Refusal {
        error: inbox::PENDING.to_owned(),
        message: text.to_owned(),
        target: String::new(),
    };
    let context = context.to_owned();
    refused(
        store,
        cause,
        origin,
        command,
        context,
        Value::Null,
        refusal,
        1,
    )
}

/// The error of a rejection recorded when the row a policy reads is missing.
pub const ROW_MISSING: &str = "RowMissing";

/// The row of `R` a policy reads (`reads:` in the model) under `key` is missing, as of
/// the event: its command would need that row's values, so nothing is issued, and the
/// event is kept in the issuer's rejections with error [`ROW_MISSING`], once per event,
/// never issued with made-up values.
pub fn row_missing<R: Row>(
    store: &Store,
    cause: Cause<'_>,
    command: &str,
    context: &str,
    key: &str,
) -> Result<()> {
    let origin = Origin::of(cause);
    if rejections::recorded(store, cause, &origin.issuer, command)? {
        return Ok(());
    }
    let refusal = Refusal {
        error: ROW_MISSING.to_owned(),
        message: format!(
            "no row `{key}` in read model `{}` as of this event: `{command}` takes its fields from that row, so it was not issued",
            R::TABLE
        ),
        target: String::new(),
    };
    refused(
        store,
        cause,
        origin,
        command,
        context.to_owned(),
        Value::Null,
        refusal,
        1,
    )
}

#[allow(clippy::too_many_arguments)]
fn refused(
    store: &Store,
    cause: Cause<'_>,
    origin: Origin,
    command: &str,
    context: String,
    body: Value,
    refusal: Refusal,
    attempt: u32,
) -> Result<()> {
    eprintln!(
        "policy `{}`: `{command}` was refused ({}): {}; recorded in `{}`",
        cause.consumer,
        refusal.error,
        refusal.message,
        rejections::category(&origin.issuer)
    );
    let rejection = Rejection {
        policy: origin.policy,
        command: command.to_owned(),
        context,
        target: refusal.target,
        body,
        error: refusal.error,
        message: refusal.message,
        cause: EventRef::of(cause.event),
        attempt,
    };
    rejections::record(store, cause, &origin.issuer, &rejection).map(drop)
}

/// The command as JSON, the body of its rejection.
fn body_of(command: &impl Serialize) -> Result<Value> {
    serde_json::to_value(command).map_err(|error| {
        Error::InvalidInput(format!(
            "a command cannot be written as JSON for its rejection record: {error}"
        ))
    })
}

/// The context of `A`: its category is `<ctx>-<Aggregate>`.
fn context_of<A: Aggregate>() -> &'static str {
    A::CATEGORY
        .split_once('-')
        .map_or(A::CATEGORY, |(context, _)| context)
}

/// The idempotency key of the call a policy makes to an external system for one event:
/// a UUID derived from the policy's consumer name and the causing event's id. Every
/// attempt of that call — a retry after an error, the same event handled again after a
/// crash — carries the same key, and no other call has it, so the external system can
/// drop the duplicates (send it as an `Idempotency-Key` header, a request id, a
/// deduplication id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IdempotencyKey(crate::Uuid);

impl IdempotencyKey {
    /// The key of `cause`'s call: its consumer (`<context>.<policy>`) and its event.
    pub fn of(cause: Cause<'_>) -> Self {
        let mut name = Vec::with_capacity(cause.consumer.len() + 22);
        // A prefix of its own, so a key never equals an id derived for an event.
        name.extend_from_slice(b"call\0");
        name.extend_from_slice(cause.consumer.as_bytes());
        name.push(0);
        name.extend_from_slice(cause.event.id.as_bytes());
        IdempotencyKey(crate::Uuid::new_v5(&crate::Uuid::NAMESPACE_OID, &name))
    }

    /// The key as a UUID.
    pub fn uuid(self) -> crate::Uuid {
        self.0
    }
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The outcome of a call to an external system: its failure fails the batch, which the
/// worker handles again after a pause (the call carries the same [`IdempotencyKey`]).
pub fn external(cause: Cause<'_>, result: Result<(), String>) -> Result<()> {
    result.map_err(|error| Error::Backend(format!("policy `{}`: {error}", cause.consumer).into()))
}

/// How long [`Views::get`] waits for a read model to reach the event being handled.
pub const VIEW_WAIT: Duration = Duration::from_secs(10);

/// Read access to the context's read models for policy rules. A read waits until the
/// read model's projection has handled every event it handles up to the one the policy
/// reacts to, so a rule never sees a row older than that event, even though the
/// projection and the policy are separate subscriptions.
#[derive(Debug, Clone, Copy)]
pub struct Views<'a> {
    store: &'a Store,
    position: u64,
}

impl<'a> Views<'a> {
    /// The views as of the event `cause` reacts to.
    pub fn new(store: &'a Store, cause: Cause<'_>) -> Self {
        Views {
            store,
            position: cause.event.position,
        }
    }

    /// The row `key` of the read model `R`, as of the event being handled. Fails (and
    /// the policy retries the event) when the projection is more than [`VIEW_WAIT`]
    /// behind.
    pub fn get<R: Row>(&self, key: &str) -> Result<Option<R>> {
        let deadline = Instant::now() + VIEW_WAIT;
        // The projection usually commits within a few milliseconds: check again soon,
        // then less often (a 10 ms step per event capped a reading policy at ~100
        // events/s whenever it was ahead of the projection).
        let mut step = Duration::from_micros(500);
        while !self.current::<R>()? {
            if Instant::now() >= deadline {
                return Err(Error::Backend(
                    format!(
                        "read model `{}` has not reached position {} yet; will retry",
                        R::TABLE,
                        self.position
                    )
                    .into(),
                ));
            }
            std::thread::sleep(step);
            step = (step * 2).min(Duration::from_millis(10));
        }
        match self.store.load_doc(R::TABLE, key)? {
            None => Ok(None),
            Some(doc) => crate::projection::row_from(doc, key).map(Some),
        }
    }

    /// Whether `R`'s projection has handled every event of its filter up to the
    /// position: its checkpoint is there, or nothing it handles lies in between (a
    /// filtered projection does not store its checkpoint for every event it skips).
    fn current<R: Row>(&self) -> Result<bool> {
        let checkpoint = self.store.checkpoint(R::TABLE)?;
        if checkpoint >= self.position {
            return Ok(true);
        }
        let pending =
            self.store
                .read_selected(&selectors(R::EVENTS), checkpoint, self.position, 1)?;
        Ok(pending.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Metadata, RecordedEvent, Uuid};

    fn event(id: u128) -> RecordedEvent {
        RecordedEvent {
            position: 1,
            stream: "ordering-Order-1".into(),
            version: 1,
            id: Uuid::from_u128(id),
            event_type: "OrderCancelled".into(),
            schema_version: 1,
            payload: Value::Null,
            metadata: Metadata::default(),
            recorded_at: std::time::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_call_has_one_key_for_every_attempt_and_no_other_call_has_it() {
        let cancelled = event(7);
        let cause = |consumer| Cause {
            consumer,
            event: &cancelled,
        };
        let key = IdempotencyKey::of(cause("ordering.TellCustomerAboutCancellation"));
        // The same event handled again by the same policy: the same key.
        assert_eq!(
            key,
            IdempotencyKey::of(cause("ordering.TellCustomerAboutCancellation"))
        );
        // Another policy on the same event, or the same policy on another event: another.
        assert_ne!(key, IdempotencyKey::of(cause("ordering.NotifySupport")));
        let other = event(8);
        assert_ne!(
            key,
            IdempotencyKey::of(Cause {
                consumer: "ordering.TellCustomerAboutCancellation",
                event: &other,
            })
        );
        // Never an id the runtime derives for an event.
        assert_ne!(
            key.uuid(),
            crate::derived_event_id("ordering.TellCustomerAboutCancellation", &cancelled, 0)
        );
        assert_eq!(key.to_string().len(), 36);
    }
}
