//! The command inbox: how a policy of one context issues a command of another.
//!
//! The issuer appends a [`CommandSent`] event to the target's inbox stream
//! `<target>-Inbox-<command id>` ([`send`]); the target's inbox worker (`<ctx>.inbox`, on
//! `("<ctx>-Inbox", "CommandSent")`) hands it to the context's generated `dispatch`
//! ([`handle`]), which carries the command out with the `CommandSent` event as the
//! cause. Both steps are idempotent, so each command id is handled exactly once:
//!
//! * the command id is derived from the cause, the target, the command and the attempt,
//!   so a policy that handles its event again sends the same event, which the store
//!   recognises as a retry;
//! * the target's appends get ids derived from the `CommandSent` event, so handling it
//!   again appends nothing new, and a rule that would refuse the command the second
//!   time (it is done already) is recognised as such ([`carry_out`]);
//! * a refusal is recorded once in the **issuer's** rejections (see
//!   [`crate::rejections`]), and once recorded, the command is settled: handling the
//!   `CommandSent` again does not carry it out.
//!
//! A generated context writes `dispatch`, a match on the command name:
//!
//! ```
//! use stormcraft_runtime::aggregate::Cause;
//! use stormcraft_runtime::inbox::{self, Refusal};
//! use stormcraft_runtime::{Result, Store, Value};
//! # mod order { pub struct Order; pub struct CancelOrder; }
//! pub fn dispatch(
//!     store: &Store,
//!     cause: Cause<'_>,
//!     command: &str,
//!     body: &Value,
//! ) -> Result<std::result::Result<(), Refusal>> {
//!     match command {
//!         // "CancelOrder" => inbox::carry_out::<order::Order, order::CancelOrder>(store, cause, body),
//!         other => Ok(Err(Refusal::unknown_command("ordering", other))),
//!     }
//! }
//! ```

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::aggregate::{self, Aggregate, BusinessError, Cause, HandleError};
use crate::rejections::{self, EventRef, Rejection};
use crate::{Error, ExpectedVersion, NewEvent, Result, Store, Uuid, Value};

/// The event type of a command sent to another context's inbox.
pub const EVENT_TYPE: &str = "CommandSent";

/// The schema version of [`CommandSent`] payloads.
pub const SCHEMA_VERSION: u32 = 1;

/// The error of a refusal that is not a business rule's: an unknown command, or a body
/// that does not fit the command.
pub const INVALID_COMMAND: &str = "InvalidCommand";

/// The stream category of the inbox of `context`: `<context>-Inbox`.
pub fn category(context: &str) -> String {
    format!("{context}-Inbox")
}

/// A command sent to another context, the payload of a `CommandSent` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandSent {
    /// The command's id, also the event's id and the last part of its stream.
    #[serde(with = "rejections::uuid_text")]
    pub command_id: Uuid,
    /// The command's name in the target context, e.g. `RefundPayment`.
    pub command: String,
    /// The command as JSON.
    pub body: Value,
    /// The context that sent it, where a refusal is recorded.
    pub issuer: String,
    /// The policy that sent it (for a retry or a compensation: the policy whose command
    /// was first rejected).
    pub policy: String,
    /// Which attempt this is, from 1.
    pub attempt: u32,
}

/// Why the target refused a command: recorded as a rejection in the issuer's context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The business error's name, or [`INVALID_COMMAND`].
    pub error: String,
    /// The error's message, for people.
    pub message: String,
    /// The aggregate stream the command was for (see [`Rejection::target`]).
    pub target: String,
}

impl Refusal {
    /// The refusal of a command the context does not have.
    pub fn unknown_command(context: &str, command: &str) -> Self {
        Refusal {
            error: INVALID_COMMAND.to_owned(),
            message: format!("context `{context}` has no command `{command}`"),
            target: context.to_owned(),
        }
    }

    /// The refusal of a body that does not fit the command `C` of the aggregate `A`.
    pub fn invalid_body<A: Aggregate, C>(error: &serde_json::Error) -> Self {
        Refusal {
            error: INVALID_COMMAND.to_owned(),
            message: format!(
                "the body does not fit `{}`: {error}",
                short_type_name::<C>()
            ),
            target: A::CATEGORY.to_owned(),
        }
    }
}

/// What a context's `dispatch` does with one inbox command: carries it out and answers
/// `Ok(Ok(()))`, or answers the refusal; an `Err` (a store failure, a conflict) fails
/// the batch, which the inbox worker handles again after a pause.
pub type Dispatch = fn(&Store, Cause<'_>, &str, &Value) -> Result<std::result::Result<(), Refusal>>;

/// The policy part of the recovery worker's consumer name, `<ctx>.recovery`.
const RECOVERY: &str = "recovery";

/// Where a command issued with `cause` comes from: the issuer context and the policy.
///
/// The issuer is the part of the consumer's name before the first `.` (consumers are
/// named `<ctx>.<Policy>`), the policy the part after it (up to the next `.`, as in
/// `<ctx>.<Policy>.timer`). Reacting to a rejection as the recovery worker
/// (`<ctx>.recovery`) or to a `CommandSent` (a dispatch), the policy is the one that
/// issued the first command, so a retry or a compensation is listed under the policy it
/// recovers; a policy set off by rejections (`<ctx>.<Policy>` on `CommandRejected`)
/// issues its own command, listed under itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub issuer: String,
    pub policy: String,
}

impl Origin {
    pub(crate) fn of(cause: Cause<'_>) -> Origin {
        let consumer = cause.consumer;
        let (issuer, rest) = consumer.split_once('.').unwrap_or((consumer, consumer));
        let mut origin = Origin {
            issuer: issuer.to_owned(),
            policy: rest.split('.').next().unwrap_or(rest).to_owned(),
        };
        let payload = &cause.event.payload;
        let recorded = |field: &str| payload.get(field).and_then(Value::as_str);
        match cause.event.event_type.as_str() {
            rejections::EVENT_TYPE if origin.policy == RECOVERY => {
                if let Some(policy) = recorded("policy") {
                    origin.policy = policy.to_owned();
                }
            }
            EVENT_TYPE => {
                if let (Some(issuer), Some(policy)) = (recorded("issuer"), recorded("policy")) {
                    origin.issuer = issuer.to_owned();
                    origin.policy = policy.to_owned();
                }
            }
            _ => {}
        }
        origin
    }
}

/// The id of the command `command` for `target` issued by `cause` (attempt `attempt`):
/// derived, so issuing it again from the same event sends the same command.
pub fn command_id(cause: Cause<'_>, target: &str, command: &str, attempt: u32) -> Uuid {
    let mut name = Vec::with_capacity(cause.consumer.len() + target.len() + command.len() + 32);
    name.extend_from_slice(EVENT_TYPE.as_bytes());
    name.push(0);
    name.extend_from_slice(cause.consumer.as_bytes());
    name.push(0);
    name.extend_from_slice(cause.event.id.as_bytes());
    name.extend_from_slice(target.as_bytes());
    name.push(0);
    name.extend_from_slice(command.as_bytes());
    name.push(0);
    name.extend_from_slice(&attempt.to_le_bytes());
    Uuid::new_v5(&Uuid::NAMESPACE_OID, &name)
}

/// The inbox stream and the `CommandSent` event that [`send`] appends, without appending
/// it: for a delayed retry, put them in a durable timer (the event's id is the command
/// id, so the timer firing and a direct send never both land).
pub fn sent(
    cause: Cause<'_>,
    target: &str,
    command: &str,
    body: Value,
    attempt: u32,
) -> (String, NewEvent) {
    let origin = Origin::of(cause);
    let command_id = command_id(cause, target, command, attempt);
    let payload = CommandSent {
        command_id,
        command: command.to_owned(),
        body,
        issuer: origin.issuer,
        policy: origin.policy,
        attempt,
    };
    // Only strings, numbers and JSON values: serializing cannot fail.
    let payload = serde_json::to_value(payload).unwrap_or(Value::Null);
    let event = NewEvent::new(EVENT_TYPE, SCHEMA_VERSION, payload)
        .caused_by(cause.event)
        .with_id(command_id);
    (format!("{}-{command_id}", category(target)), event)
}

/// Sends `command` (its JSON `body`) to the inbox of `target`, as caused by `cause`, and
/// returns the command id. Sending it again from the same cause (same attempt) stores
/// nothing.
pub fn send(
    store: &Store,
    cause: Cause<'_>,
    target: &str,
    command: &str,
    body: Value,
    attempt: u32,
) -> Result<Uuid> {
    store.note_issued(|| crate::policy::Issued::Command {
        consumer: cause.consumer.to_owned(),
        context: target.to_owned(),
        command: command.to_owned(),
        body: body.clone(),
    });
    let (stream, event) = sent(cause, target, command, body, attempt);
    let id = event.id;
    // `NoStream`: a retry with the same id is answered with the first append.
    store.append(&stream, ExpectedVersion::NoStream, vec![event])?;
    Ok(id)
}

/// Handles one `CommandSent` of the inbox of `context` (the inbox worker's handler):
/// decodes it, hands it to `dispatch` with the `CommandSent` event as the cause, and
/// records a refusal in the issuer's rejections. Other event types are ignored.
pub fn handle(store: &Store, cause: Cause<'_>, context: &str, dispatch: Dispatch) -> Result<()> {
    if cause.event.event_type != EVENT_TYPE {
        return Ok(());
    }
    let sent: CommandSent = aggregate::decode(cause.event)?;
    // Refused by an earlier handling of this very event: settled, not to be done now.
    if rejections::recorded(store, cause, &sent.issuer, &sent.command)? {
        return Ok(());
    }
    let Err(refusal) = dispatch(store, cause, &sent.command, &sent.body)? else {
        return Ok(());
    };
    eprintln!(
        "inbox `{}`: `{}` from `{}` was refused ({}): {}; recorded in `{}`",
        cause.consumer,
        sent.command,
        sent.issuer,
        refusal.error,
        refusal.message,
        rejections::category(&sent.issuer)
    );
    let rejection = Rejection {
        policy: sent.policy,
        command: sent.command,
        context: context.to_owned(),
        target: refusal.target,
        body: sent.body,
        error: refusal.error,
        message: refusal.message,
        cause: EventRef::of(cause.event),
        attempt: sent.attempt,
    };
    rejections::record(store, cause, &sent.issuer, &rejection).map(drop)
}

/// What a `dispatch` arm does: decodes `body` as the command `C` of the aggregate `A`
/// (a body that does not fit is refused as [`INVALID_COMMAND`]) and carries it out (see
/// [`carry_out_command`]).
pub fn carry_out<A, C>(
    store: &Store,
    cause: Cause<'_>,
    body: &Value,
) -> Result<std::result::Result<(), Refusal>>
where
    A: Aggregate,
    C: DeserializeOwned + Into<A::Command>,
{
    match serde_json::from_value::<C>(body.clone()) {
        Ok(command) => carry_out_command::<A>(store, cause, command.into()),
        Err(error) => Ok(Err(Refusal::invalid_body::<A, C>(&error))),
    }
}

/// The error name of a refusal because the command's rule is pending
/// ([`HandleError::Pending`]).
pub const PENDING: &str = "NotImplemented";

/// Carries out `command` caused by `cause`: `Ok(Ok(()))` when done, `Ok(Err(refusal))`
/// when a business rule refuses it. A refusal on a command whose events this cause
/// already appended (the same event handled again after a crash, and the rule refuses
/// what is done already) is no refusal: the command was carried out. A conflict that
/// outlasts the handler's attempts fails, to be handled again.
pub fn carry_out_command<A: Aggregate>(
    store: &Store,
    cause: Cause<'_>,
    command: A::Command,
) -> Result<std::result::Result<(), Refusal>> {
    use crate::aggregate::Command as _;
    let target = aggregate::stream_of::<A>(&command.aggregate_id());
    match aggregate::handle::<A>(store, command, Some(cause)) {
        Ok(_) => Ok(Ok(())),
        Err(HandleError::Rejected(error)) => {
            let first = crate::derived_event_id(cause.consumer, cause.event, 0);
            if appended(store, &target, first)? {
                return Ok(Ok(()));
            }
            Ok(Err(Refusal {
                error: error.name().to_owned(),
                message: error.to_string(),
                target,
            }))
        }
        Err(HandleError::Conflict) => Err(Error::Backend(
            format!(
                "`{}`: the aggregate `{target}` kept changing; will retry",
                cause.consumer
            )
            .into(),
        )),
        Err(HandleError::Store(error)) => Err(error),
        // A pending rule is a refusal that names the rule to write: kept in the
        // rejections (never carried out with made-up values), like a business error.
        Err(HandleError::Pending(text)) => Ok(Err(Refusal {
            error: PENDING.to_owned(),
            message: text.to_owned(),
            target,
        })),
    }
}

/// Whether the event `id` is in `stream`. Only on the (rare) refusal path, so reading the
/// stream is affordable.
fn appended(store: &Store, stream: &str, id: Uuid) -> Result<bool> {
    let mut from = 1;
    loop {
        let page = store.read_stream(stream, from, 512)?;
        let Some(last) = page.last() else {
            return Ok(false);
        };
        if page.iter().any(|event| event.id == id) {
            return Ok(true);
        }
        from = last.version + 1;
    }
}

/// `ReserveStock` for `shop::stock::ReserveStock`: the name a model gives the command.
fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Metadata, RecordedEvent};

    fn event(event_type: &str, payload: Value) -> RecordedEvent {
        RecordedEvent {
            position: 7,
            stream: "s-1".into(),
            version: 1,
            id: Uuid::nil(),
            event_type: event_type.into(),
            schema_version: 1,
            payload,
            metadata: Metadata::default(),
            recorded_at: std::time::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_origin_is_the_consumer_or_what_the_cause_recorded() {
        let placed = event("OrderPlaced", Value::Null);
        let of = |consumer, event| {
            let o = Origin::of(Cause { consumer, event });
            (o.issuer, o.policy)
        };
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(of("shop.Reserve", &placed), pair("shop", "Reserve"));
        assert_eq!(of("shop.Cancel.timer", &placed), pair("shop", "Cancel"));
        assert_eq!(of("lonely", &placed), pair("lonely", "lonely"));
        let rejected = event(
            rejections::EVENT_TYPE,
            serde_json::json!({"policy": "Reserve"}),
        );
        assert_eq!(of("shop.recovery", &rejected), pair("shop", "Reserve"));
        // A policy set off by the rejection issues its own command.
        assert_eq!(of("shop.TellBuyer", &rejected), pair("shop", "TellBuyer"));
        let sent = event(
            EVENT_TYPE,
            serde_json::json!({"issuer": "billing", "policy": "Refund"}),
        );
        assert_eq!(of("shop.inbox", &sent), pair("billing", "Refund"));
    }

    #[test]
    fn command_ids_depend_on_every_part() {
        let placed = event("OrderPlaced", Value::Null);
        let cause = Cause {
            consumer: "shop.P",
            event: &placed,
        };
        let id = command_id(cause, "billing", "Refund", 1);
        assert_eq!(id, command_id(cause, "billing", "Refund", 1));
        assert_ne!(id, command_id(cause, "billing", "Refund", 2));
        assert_ne!(id, command_id(cause, "billing", "Charge", 1));
        assert_ne!(id, command_id(cause, "shipping", "Refund", 1));
        let other = Cause {
            consumer: "shop.Q",
            event: &placed,
        };
        assert_ne!(id, command_id(other, "billing", "Refund", 1));
        let (stream, sent) = sent(cause, "billing", "Refund", Value::Null, 1);
        assert_eq!(stream, format!("billing-Inbox-{id}"));
        assert_eq!(sent.id, id);
        assert_eq!(sent.payload["issuer"], "shop");
        assert_eq!(sent.payload["command_id"], id.to_string());
    }
}
