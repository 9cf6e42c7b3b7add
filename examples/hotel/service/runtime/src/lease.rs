//! Leases: one instance at a time runs each consumer.
//!
//! Several instances of one context's binary may run against one store (PostgreSQL, or
//! a SQLite file shared by processes on one host). Each consumer (policy, projection,
//! process) is held by one instance at a time through a *lease*: a row per consumer
//! naming its holder, a fencing token and an expiry time. A worker takes the lease
//! before it runs its subscription, renews it every [`RENEW_EVERY`] while it runs and
//! lets it lapse — or releases it on a clean stop — otherwise; another instance waits
//! and takes it over once it has expired ([`TTL`] after the holder's last renewal).
//!
//! **Fencing.** The token grows by one every time the lease changes hands (or is taken
//! again after it expired). A subscription that holds a lease commits its batches with
//! it ([`crate::ConsumerCommit::lease`]), and the backend refuses
//! the commit with [`Error::LeaseLost`] unless the stored lease
//! has the same holder and token and has not expired, in the commit's own transaction.
//! So a holder that was paused past its expiry (a GC pause, a frozen VM, a network
//! partition) cannot apply a batch after another instance took over: its documents,
//! checkpoint and timers are never written twice.
//!
//! What the lease does not make exactly-once is an *external call* a policy makes before
//! its batch commits: when the holder dies (or is paused past its expiry) between the
//! call and the commit, the next holder handles the event again and calls again. That is
//! why external calls carry an idempotency key (see [`crate::policy`]). Without a crash
//! or such a pause, each event is handled by exactly one instance, once.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use crate::{validate_name, Error, Result};

/// How long a lease lasts after it was taken or last renewed. A dead holder's consumer
/// is taken over at most `TTL + ACQUIRE_EVERY` after its last renewal.
pub const TTL: Duration = Duration::from_secs(5);

/// How often a running worker renews its lease: five renewals per [`TTL`], so a renewal
/// delayed by a slow database or a busy machine does not lose the lease.
pub const RENEW_EVERY: Duration = Duration::from_secs(1);

/// How often a worker whose consumer is held by another instance asks again.
pub const ACQUIRE_EVERY: Duration = Duration::from_secs(1);

/// The environment variable that names this instance (its lease holder id); without it
/// the id is `<host>/<pid>/<random>`, see [`instance_id`].
pub const INSTANCE_ENV: &str = "STORMCRAFT_INSTANCE";

/// A consumer's lease as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The consumer the lease is for.
    pub consumer: String,
    /// Who holds it: an instance id (see [`instance_id`]).
    pub holder: String,
    /// The fencing token: grows by one each time the lease is taken by a new holder or
    /// again after it expired. A commit carrying an older token is refused.
    pub token: u64,
    /// When the lease expires unless it is renewed (by the store's clock: the database
    /// server's for PostgreSQL, this host's otherwise).
    pub expires_at: SystemTime,
}

/// This process's instance id, the holder name of its leases: the value of
/// [`INSTANCE_ENV`] when set (and a valid name), else `<host>/<pid>/<8 random hex>` —
/// the host and pid say where to look, the random part keeps a restarted process with a
/// reused pid from passing for the old one. Fixed for the life of the process.
pub fn instance_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        if let Ok(given) = std::env::var(INSTANCE_ENV) {
            if validate_name("instance id", &given).is_ok() {
                return given;
            }
        }
        let host = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "host".to_owned());
        let random = crate::Uuid::new_v4().simple().to_string();
        format!("{host}/{}/{}", std::process::id(), &random[..8])
    })
}

/// Checks the arguments every backend's lease operations take.
pub(crate) fn validate(consumer: &str, holder: &str, ttl: Duration) -> Result<i64> {
    validate_name("consumer name", consumer)?;
    validate_name("lease holder", holder)?;
    let micros = i64::try_from(ttl.as_micros()).unwrap_or(i64::MAX);
    if micros <= 0 {
        return Err(Error::InvalidInput(
            "a lease needs a time to live of at least one microsecond".into(),
        ));
    }
    Ok(micros)
}

/// A stored lease: holder, token, expiry in microseconds since the epoch. The memory and
/// SQLite backends decide with [`acquire`], [`renew`] and [`fence`]; PostgreSQL does the
/// same in SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub holder: String,
    pub token: u64,
    pub expires_at: i64,
}

impl Row {
    pub(crate) fn to_lease(&self, consumer: &str) -> Lease {
        Lease {
            consumer: consumer.to_owned(),
            holder: self.holder.clone(),
            token: self.token,
            expires_at: crate::time_from_micros(self.expires_at),
        }
    }
}

/// The row after `holder` asks for the lease at `now`: the same token when it still
/// holds it (an early renewal), the next token when the lease is free or expired, `None`
/// while another holder's lease runs.
pub(crate) fn acquire(current: Option<&Row>, holder: &str, now: i64, ttl: i64) -> Option<Row> {
    let expires_at = now.saturating_add(ttl);
    match current {
        None => Some(Row {
            holder: holder.to_owned(),
            token: 1,
            expires_at,
        }),
        Some(row) if row.expires_at > now && row.holder == holder => Some(Row {
            expires_at,
            ..row.clone()
        }),
        Some(row) if row.expires_at > now => None,
        Some(row) => Some(Row {
            holder: holder.to_owned(),
            token: row.token + 1,
            expires_at,
        }),
    }
}

/// The row after the holder of `lease` renews it at `now`; `None` when it lost the lease
/// (expired, or taken over): it must stop and acquire again.
pub(crate) fn renew(current: Option<&Row>, lease: &Lease, now: i64, ttl: i64) -> Option<Row> {
    let row = current?;
    let held = row.holder == lease.holder && row.token == lease.token && row.expires_at > now;
    held.then(|| Row {
        expires_at: now.saturating_add(ttl),
        ..row.clone()
    })
}

/// Whether the holder of `lease` may commit at `now`, with the error that says why not.
pub(crate) fn fence(current: Option<&Row>, lease: &Lease, now: i64) -> Result<()> {
    let why = match current {
        None => "no lease is stored for it".to_owned(),
        Some(row) if row.holder != lease.holder || row.token != lease.token => format!(
            "`{}` holds it now (token {}, this batch has token {})",
            row.holder, row.token, lease.token
        ),
        Some(row) if row.expires_at <= now => "the lease expired before the commit".to_owned(),
        Some(_) => return Ok(()),
    };
    Err(Error::LeaseLost {
        consumer: lease.consumer.clone(),
        holder: lease.holder.clone(),
        detail: why,
    })
}

/// The current holder: `None` when the row is absent or expired.
pub(crate) fn current(row: Option<Row>, consumer: &str, now: i64) -> Option<Lease> {
    row.filter(|r| r.expires_at > now)
        .map(|r| r.to_lease(consumer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(holder: &str, token: u64, expires_at: i64) -> Row {
        Row {
            holder: holder.into(),
            token,
            expires_at,
        }
    }

    #[test]
    fn a_lease_changes_hands_only_after_it_expired_and_the_token_grows() {
        let a = acquire(None, "a", 100, 10).unwrap();
        assert_eq!(a, row("a", 1, 110));
        assert_eq!(acquire(Some(&a), "b", 105, 10), None);
        // Asking again while holding it extends it and keeps the token.
        assert_eq!(acquire(Some(&a), "a", 105, 10), Some(row("a", 1, 115)));
        assert_eq!(acquire(Some(&a), "b", 110, 10), Some(row("b", 2, 120)));
        // Taken again by the same holder after it expired: a new token all the same.
        assert_eq!(acquire(Some(&a), "a", 111, 10), Some(row("a", 2, 121)));
    }

    #[test]
    fn an_expired_or_taken_over_lease_neither_renews_nor_commits() {
        let a = row("a", 1, 110);
        let lease = a.to_lease("c");
        assert_eq!(renew(Some(&a), &lease, 105, 10), Some(row("a", 1, 115)));
        assert_eq!(renew(Some(&a), &lease, 110, 10), None);
        assert!(fence(Some(&a), &lease, 109).is_ok());
        assert!(matches!(
            fence(Some(&a), &lease, 110),
            Err(Error::LeaseLost { detail, .. }) if detail.contains("expired")
        ));
        let b = row("b", 2, 130);
        assert_eq!(renew(Some(&b), &lease, 115, 10), None);
        assert!(matches!(
            fence(Some(&b), &lease, 115),
            Err(Error::LeaseLost { detail, .. }) if detail.contains("`b` holds it")
        ));
        assert!(fence(None, &lease, 0).is_err());
    }

    #[test]
    fn the_instance_id_is_a_valid_holder_name_and_stable() {
        assert!(validate_name("instance id", instance_id()).is_ok());
        assert_eq!(instance_id(), instance_id());
    }
}
