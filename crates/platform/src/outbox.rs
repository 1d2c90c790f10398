//! The outbox: mails, and the jobs that may produce one, are queued in the database and handled by
//! a worker on every node.
//!
//! A request never waits for a mail server, and a request about an address takes the same time
//! whether or not the address has an account (the password-reset request only queues a job; the
//! worker looks the address up). Jobs survive restarts (they are rows), are claimed by one node at
//! a time (a lease written with a compare-and-set), are retried with exponential backoff, and are
//! kept, marked dead, after [`MAX_ATTEMPTS`] failures for an operator to look at.

use std::{sync::Arc, time::Duration};

use serde_json::json;
use uuid::Uuid;

use crate::{AppState, db::Db, on_db};

/// Attempts before a job is marked dead.
pub const MAX_ATTEMPTS: i64 = 10;
/// How long a node may work on a job before another node may take it over.
pub const LEASE_MICROS: i64 = 5 * 60 * 1_000_000;
/// `next_attempt_at` of a dead job.
pub const DEAD: i64 = i64::MAX;
/// Polling interval of the worker (it is also woken at once by jobs queued on its own node).
pub const POLL: Duration = Duration::from_secs(5);

/// Wakes the node's worker when a job is queued.
pub type Waker = Arc<tokio::sync::Notify>;

async fn insert(
    state: &AppState,
    kind: &str,
    recipient: &str,
    user: Option<Uuid>,
    payload: serde_json::Value,
) -> Result<(), sqlx::Error> {
    let now = state.clock.now_micros();
    on_db!(&state.db, pool => {
        sqlx::query("INSERT INTO outbox (id, kind, recipient, user_id, payload, attempts, next_attempt_at, last_error, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6, NULL, $6)")
            .bind(Uuid::now_v7())
            .bind(kind)
            .bind(recipient)
            .bind(user)
            .bind(payload.to_string())
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    state.outbox_wake.notify_one();
    Ok(())
}

/// Queues a plain-text mail; `user` ties it to an account so that erasure removes it.
pub async fn mail(
    state: &AppState,
    to: &str,
    subject: &str,
    body: &str,
    user: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    insert(state, "mail", to, user, json!({ "subject": subject, "body": body })).await
}

/// Queues a job a context performs itself (its kind is in `AppState::jobs`), for an address.
pub async fn job(state: &AppState, kind: &'static str, recipient: &str) -> Result<(), sqlx::Error> {
    insert(state, kind, recipient, None, json!({})).await
}

/// A job a context performs when it is due, given its recipient (a password reset, say).
pub type JobFn = for<'a> fn(&'a AppState, &'a str) -> futures_util::future::BoxFuture<'a, anyhow::Result<()>>;

/// A kind of job and who performs it: the composition root lists them (`crate::JOBS`).
pub struct JobKind {
    /// The kind stored with the job.
    pub kind: &'static str,
    /// Performs it.
    pub run: JobFn,
}

#[derive(sqlx::FromRow)]
struct Job {
    id: Uuid,
    kind: String,
    recipient: String,
    payload: String,
    attempts: i64,
    next_attempt_at: i64,
}

/// Delay before the next attempt after `attempts` failures: 30 s, 1 min, 2 min… up to 6 hours.
pub fn backoff_micros(attempts: i64) -> i64 {
    let seconds = 30_i64.saturating_mul(1 << attempts.clamp(0, 20)).min(6 * 3600);
    seconds * 1_000_000
}

async fn claim(db: &Db, job: &Job, now: i64) -> Result<bool, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("UPDATE outbox SET next_attempt_at = $1, attempts = attempts + 1 WHERE id = $2 AND next_attempt_at = $3")
            .bind(now + LEASE_MICROS)
            .bind(job.id)
            .bind(job.next_attempt_at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

async fn perform(state: &AppState, job: &Job) -> anyhow::Result<()> {
    match job.kind.as_str() {
        "mail" => {
            let payload: serde_json::Value = serde_json::from_str(&job.payload)?;
            let subject = payload["subject"].as_str().unwrap_or_default();
            let body = payload["body"].as_str().unwrap_or_default().to_owned();
            state.mailer.send(&state.settings.mail_from, &job.recipient, subject, body).await?;
            Ok(())
        }
        other => match state.jobs.iter().find(|k| k.kind == other) {
            Some(kind) => (kind.run)(state, &job.recipient).await,
            None => anyhow::bail!("unknown job kind {other}"),
        },
    }
}

/// Handles the jobs that are due; returns how many were done (tests call it to drain the outbox).
pub async fn run_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let now = state.clock.now_micros();
    let due: Vec<Job> = on_db!(&state.db, pool => {
        sqlx::query_as("SELECT id, kind, recipient, payload, attempts, next_attempt_at FROM outbox WHERE next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT 50")
            .bind(now)
            .fetch_all(pool)
            .await
    })?;
    let mut done = 0;
    for job in due {
        if !claim(&state.db, &job, now).await? {
            continue; // another node took it
        }
        match perform(state, &job).await {
            Ok(()) => {
                on_db!(&state.db, pool => {
                    sqlx::query("DELETE FROM outbox WHERE id = $1").bind(job.id).execute(pool).await.map(|_| ())
                })?;
                done += 1;
            }
            Err(e) => {
                let attempts = job.attempts + 1;
                let next = if attempts >= MAX_ATTEMPTS { DEAD } else { now + backoff_micros(attempts) };
                if next == DEAD {
                    tracing::error!(job = %job.id, kind = job.kind, attempts, error = %e, "outbox job failed for good");
                } else {
                    tracing::warn!(job = %job.id, kind = job.kind, attempts, error = %e, "outbox job failed, will retry");
                }
                on_db!(&state.db, pool => {
                    sqlx::query("UPDATE outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3")
                        .bind(next)
                        .bind(e.to_string())
                        .bind(job.id)
                        .execute(pool)
                        .await
                        .map(|_| ())
                })?;
            }
        }
    }
    Ok(done)
}

/// The worker: drains due jobs when woken or every [`POLL`], until the task is aborted.
pub async fn work(state: AppState) {
    loop {
        match run_due(&state).await {
            // A full batch may mean more are waiting.
            Ok(n) if n >= 50 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "outbox worker could not read the queue"),
        }
        tokio::select! {
            () = state.outbox_wake.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Removes everything queued for a person or their addresses, and the mails already written to
/// the local outbox folder for those addresses (erasure).
pub async fn forget(state: &AppState, user: Uuid, addresses: &[String]) -> Result<(), sqlx::Error> {
    on_db!(&state.db, pool => {
        sqlx::query("DELETE FROM outbox WHERE user_id = $1").bind(user).execute(pool).await?;
        for address in addresses {
            sqlx::query("DELETE FROM outbox WHERE recipient = $1").bind(address).execute(pool).await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    if let Err(e) = state.mailer.forget(addresses).await {
        tracing::warn!(error = %e, "could not clean the outbox folder");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(super::backoff_micros(0), 30_000_000);
        assert_eq!(super::backoff_micros(1), 60_000_000);
        assert_eq!(super::backoff_micros(3), 240_000_000);
        assert_eq!(super::backoff_micros(40), 6 * 3600 * 1_000_000);
    }
}
