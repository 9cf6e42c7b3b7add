//! What policies share: issuing a command for an event, calling an external system, and
//! reading the context's read models as of the event being handled.

use std::fmt;
use std::time::{Duration, Instant};

use crate::aggregate::{self, Aggregate, Appended, Cause, HandleError};
use crate::projection::Row;
use crate::worker::selectors;
use crate::{Error, Result, Store};

/// Carries out the command a policy decided on (`None`: the rule decided nothing) as
/// caused by `cause`, and [`settle`]s the outcome.
pub fn issue<A: Aggregate>(
    store: &Store,
    cause: Cause<'_>,
    command: Option<impl Into<A::Command>>,
) -> Result<()> {
    match command {
        Some(command) => settle(
            cause.consumer,
            aggregate::handle::<A>(store, command.into(), Some(cause)),
        ),
        None => Ok(()),
    }
}

/// A rejected command is the policy's outcome, not a failure: it is logged and the
/// policy moves on. A conflict or a store error fails the batch, which the worker
/// handles again after a pause.
pub fn settle<E: fmt::Display>(
    consumer: &str,
    result: Result<Vec<Appended>, HandleError<E>>,
) -> Result<()> {
    match result {
        Ok(_) => Ok(()),
        Err(HandleError::Rejected(error)) => {
            eprintln!("policy `{consumer}`: the command was rejected: {error}");
            Ok(())
        }
        Err(HandleError::Conflict) => Err(Error::Backend(
            format!("policy `{consumer}`: the aggregate kept changing; will retry").into(),
        )),
        Err(HandleError::Store(error)) => Err(error),
    }
}

/// The outcome of a call to an external system: its failure fails the batch, which the
/// worker handles again after a pause (the external call must be idempotent).
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
            std::thread::sleep(Duration::from_millis(10));
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
