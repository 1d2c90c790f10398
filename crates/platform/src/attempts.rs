//! Failed attempts at guessable secrets, counted in the database so that every node sees them: an
//! invigilator's password (per session), a session's access code and a candidate's identity (per
//! account and per session), a learner list's names and birth dates (per account and per
//! organisation). The same counting serves daily quotas that are never refunded (invitation mails).
//!
//! An attempt is counted **before** its secret is checked, in one atomic statement, and refunded
//! when it succeeds: parallel guesses can never check more secrets than the rule allows, while
//! people who succeed leave nothing behind. When the count reaches the rule's maximum within its
//! window, the subject is locked for the rule's duration (that last attempt is still checked).

use crate::{db::Conn, on_conn};

const MINUTE: i64 = 60_000_000;

/// How many failures a subject may have in a window, and how long it is locked after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// What is counted (a short stable name, part of the key).
    pub scope: &'static str,
    /// Failures allowed in a window; the last of them locks.
    pub max_failures: i64,
    /// Length of the counting window (µs).
    pub window: i64,
    /// How long a lock lasts (µs).
    pub lock: i64,
}

/// The invigilator's password of one session: 10 wrong passwords lock it for 15 minutes.
pub const INVIGILATOR: Rule = Rule { scope: "invigilator", max_failures: 10, window: 15 * MINUTE, lock: 15 * MINUTE };
/// Joining certification sessions, per account: 10 failures an hour, then an hour's wait.
pub const JOIN_PER_ACCOUNT: Rule =
    Rule { scope: "join-account", max_failures: 10, window: 60 * MINUTE, lock: 60 * MINUTE };
/// Joining one session (access code and identities), whoever tries: 30 failures in 15 minutes lock
/// it for 15 minutes (a room of candidates mistyping stays far below).
pub const JOIN_PER_SESSION: Rule =
    Rule { scope: "join-session", max_failures: 30, window: 15 * MINUTE, lock: 15 * MINUTE };
/// Reconciling with a learner list, per account: 5 failures an hour, then an hour's wait.
pub const RECONCILE_PER_ACCOUNT: Rule =
    Rule { scope: "reconcile-account", max_failures: 5, window: 60 * MINUTE, lock: 60 * MINUTE };
/// Reconciling with one organisation's list, whoever tries: 100 failures an hour lock it for an hour.
pub const RECONCILE_PER_ORGANIZATION: Rule =
    Rule { scope: "reconcile-organization", max_failures: 100, window: 60 * MINUTE, lock: 60 * MINUTE };

/// Invitation mails of one organisation or centre: 100 a day (sending again counts).
pub const INVITATIONS_PER_SPACE: Rule =
    Rule { scope: "invitations-space", max_failures: 100, window: 24 * 60 * MINUTE, lock: 24 * 60 * MINUTE };
/// Invitation mails of one inviter, whatever the space: 50 a day.
pub const INVITATIONS_PER_INVITER: Rule =
    Rule { scope: "invitations-inviter", max_failures: 50, window: 24 * 60 * MINUTE, lock: 24 * 60 * MINUTE };

/// Whether a counted attempt may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Check the secret.
    Open,
    /// Locked until this time (µs): do not check anything.
    LockedUntil(i64),
}

/// Counts an attempt of `subject` at `now` under `rule`, before its secret is checked.
pub async fn count(conn: impl Into<Conn<'_>>, rule: &Rule, subject: &str, now: i64) -> Result<Gate, sqlx::Error> {
    on_conn!(conn, c => {
        // A window that is over, or a lock that is over, starts counting again from one. A locked
        // subject is left alone (the update's condition fails and nothing is returned).
        let failures: Option<i64> = sqlx::query_scalar(
            "INSERT INTO attempt_counters (scope, subject, failures, window_start, locked_until) VALUES ($1, $2, 1, $3, NULL) \
             ON CONFLICT (scope, subject) DO UPDATE SET \
               failures = CASE WHEN attempt_counters.window_start <= $4 OR attempt_counters.locked_until IS NOT NULL \
                               THEN 1 ELSE attempt_counters.failures + 1 END, \
               window_start = CASE WHEN attempt_counters.window_start <= $4 OR attempt_counters.locked_until IS NOT NULL \
                                   THEN $3 ELSE attempt_counters.window_start END, \
               locked_until = NULL \
             WHERE attempt_counters.locked_until IS NULL OR attempt_counters.locked_until <= $3 \
             RETURNING failures",
        )
        .bind(rule.scope).bind(subject).bind(now).bind(now - rule.window)
        .fetch_optional(&mut *c).await?;
        match failures {
            Some(n) if n < rule.max_failures => Ok(Gate::Open),
            Some(n) => {
                // The last attempt allowed is checked and locks the subject; attempts counted in
                // parallel beyond it are not checked.
                sqlx::query("UPDATE attempt_counters SET locked_until = $3 WHERE scope = $1 AND subject = $2")
                    .bind(rule.scope).bind(subject).bind(now + rule.lock).execute(&mut *c).await?;
                Ok(if n == rule.max_failures { Gate::Open } else { Gate::LockedUntil(now + rule.lock) })
            }
            None => {
                let until: Option<i64> = sqlx::query_scalar(
                    "SELECT locked_until FROM attempt_counters WHERE scope = $1 AND subject = $2",
                )
                .bind(rule.scope).bind(subject).fetch_optional(&mut *c).await?.flatten();
                Ok(Gate::LockedUntil(until.unwrap_or(now + rule.lock)))
            }
        }
    })
}

/// The attempt succeeded: it is not a failure. A lock its counting started is lifted.
pub async fn succeeded(conn: impl Into<Conn<'_>>, rule: &Rule, subject: &str) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE attempt_counters SET failures = failures - 1, \
               locked_until = CASE WHEN failures - 1 < $3 THEN NULL ELSE locked_until END \
             WHERE scope = $1 AND subject = $2 AND failures > 0",
        )
        .bind(rule.scope).bind(subject).bind(rule.max_failures).execute(&mut *c).await.map(|_| ())
    })
}

/// Until when `subject` is locked, if it is at `now`.
pub async fn locked_until(
    conn: impl Into<Conn<'_>>,
    rule: &Rule,
    subject: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar::<_, Option<i64>>(
            "SELECT locked_until FROM attempt_counters WHERE scope = $1 AND subject = $2 AND locked_until > $3",
        )
        .bind(rule.scope).bind(subject).bind(now).fetch_optional(&mut *c).await.map(Option::flatten)
    })
}

/// Lifts a lock and forgets the failures (someone responsible decided so).
pub async fn unlock(conn: impl Into<Conn<'_>>, rule: &Rule, subject: &str) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM attempt_counters WHERE scope = $1 AND subject = $2")
            .bind(rule.scope).bind(subject).execute(&mut *c).await.map(|r| r.rows_affected() > 0)
    })
}

/// Deletes counters that can no longer lock anything (run once per cluster by the housekeeping):
/// every window and lock is shorter than a day.
pub async fn prune(conn: impl Into<Conn<'_>>, now: i64) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM attempt_counters WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $2)")
            .bind(now - 24 * 60 * MINUTE).bind(now).execute(&mut *c).await.map(|r| r.rows_affected())
    })
}
