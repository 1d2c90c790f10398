//! A person's rights over their data, across every context: download everything (export) and
//! erase the account.
//!
//! Each context that holds personal data registers a [`Context`] in [`CONTEXTS`]: the sections it
//! adds to the export document, and the step it runs in the erasure transaction. A new context
//! (organisations, certification) plugs in here and the export and erasure follow.

use futures_util::future::BoxFuture;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    AppState, audit,
    db::Tx,
    identity::{model::User, service, session},
    web::error::AppError,
};

/// The export sections of a context: `(key, value)` pairs of the document.
pub type ExportFn = for<'a> fn(&'a AppState, Uuid) -> BoxFuture<'a, Result<Vec<(&'static str, Value)>, AppError>>;

/// A context's erasure step, inside the erasure transaction: the person as they were, and now.
pub type EraseFn = for<'a> fn(&'a mut Tx, &'a User, i64) -> BoxFuture<'a, Result<(), sqlx::Error>>;

/// What a context contributes.
pub struct Context {
    /// Its name (for logs).
    pub name: &'static str,
    /// Its sections of the export.
    pub export: ExportFn,
    /// Its erasure step, when it holds identifying data (learning data stays, without identity).
    pub erase: Option<EraseFn>,
}

/// Every context holding personal data, in export order.
pub const CONTEXTS: &[Context] = &[
    crate::identity::PERSONAL_DATA,
    crate::evaluation::PERSONAL_DATA,
    crate::prescription::PERSONAL_DATA,
    crate::certification::PERSONAL_DATA,
];

/// The first instant of the month of `micros` (dates are generalised to the month on erasure).
pub fn month_start(micros: i64) -> i64 {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000) else { return 0 };
    let start = t.replace_day(1).unwrap_or(t).replace_time(time::Time::MIDNIGHT);
    crate::db::micros(start)
}

/// One JSON document with everything the platform holds about a person.
pub async fn export(state: &AppState, user: Uuid) -> Result<Value, AppError> {
    service::user_by_id(&state.db, user).await?.ok_or(AppError::NotFound)?;
    let mut doc = json!({
        "format": "pix-libre-personal-data/1",
        "generated_at": state.clock.now_micros(),
        "timestamps": "microseconds since 1970-01-01T00:00:00Z",
    });
    for context in CONTEXTS {
        for (key, value) in (context.export)(state, user).await? {
            doc[key] = value;
        }
    }
    doc["audit_entries_about_me"] = json!(audit::about(&state.db, user).await?);
    Ok(doc)
}

/// A person's own export: the document, with the export written to the audit log.
pub async fn export_own(state: &AppState, user: Uuid) -> Result<Value, AppError> {
    let doc = export(state, user).await?;
    service::audit(state, Some(user), "account.export", Some(user), "self-service data export", json!({})).await?;
    Ok(doc)
}

/// Erases an account as the reference does: every context's step in one transaction, then the
/// person's sessions, queued mail and outbox files. `actor` is who asked (the person, or an
/// administrator).
pub async fn erase(state: &AppState, user_id: Uuid, actor: Uuid, reason: &str) -> Result<(), AppError> {
    let user = service::user_by_id(&state.db, user_id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now_micros();
    // Addresses mail may have gone to: the account's, and any pending new address.
    let mut addresses = crate::identity::store::pending_emails(&state.db, user_id).await?;
    addresses.extend(user.email.iter().cloned());
    let mut tx = state.db.begin().await?;
    for context in CONTEXTS {
        if let Some(step) = context.erase {
            step(&mut tx, &user, now).await.map_err(|e| {
                tracing::error!(context = context.name, error = %e, "erasure step failed");
                e
            })?;
        }
    }
    tx.commit().await?;
    session::delete_all_for(&state.db, user_id).await?;
    crate::outbox::forget(state, user_id, &addresses).await?;
    service::audit(state, Some(actor), "account.erase", Some(user_id), reason, json!({})).await?;
    // The rows are gone from what queries see; now from the files too. On PostgreSQL vacuuming can
    // take a while on big tables: it runs after the answer (and hourly, should this node stop).
    match &state.db {
        crate::db::Db::Sqlite(_) => scrub(&state.db).await?,
        crate::db::Db::Postgres(_) => {
            let db = state.db.clone();
            tokio::spawn(async move {
                if let Err(e) = scrub(&db).await {
                    tracing::warn!(error = %e, "vacuum after an erasure failed (the hourly one will do it)");
                }
            });
        }
    }
    Ok(())
}

/// The hourly scrub of the cluster: vacuums (PostgreSQL) when an account was erased in the last two
/// hours, so that erased rows leave the files within about an hour even when the vacuum after the
/// erasure did not run (the node stopped). Run once per cluster by the housekeeping.
pub async fn scrub_after_recent_erasures(db: &crate::db::Db, now: i64) -> Result<bool, sqlx::Error> {
    let since = now - 2 * 3_600_000_000;
    let recent: i64 = crate::on_db!(db, pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action = 'account.erase' AND at > $1")
            .bind(since).fetch_one(pool).await?
    });
    if recent == 0 {
        return Ok(false);
    }
    scrub(db).await?;
    Ok(true)
}

/// Tables that never hold what an erasure removes (append-only learning and audit data without
/// identity, counters): not vacuumed after an erasure.
const UNTOUCHED_BY_ERASURE: &[&str] =
    &["answers", "knowledge_elements", "audit_log", "rate_limit_windows", "scheduled_jobs", "_sqlx_migrations"];

/// Removes erased data from the database files, not only from what queries see. SQLite overwrites
/// deleted content with zeros (`secure_delete`), and a `TRUNCATE` checkpoint empties the write-ahead
/// log that still holds the old pages. PostgreSQL keeps dead rows in its pages until a vacuum:
/// every table that can hold personal data is vacuumed — the dead rows leave the indexes and their
/// space is reused, but a vacuum does not overwrite the bytes it frees: [`rewrite`] does (docs/security.md).
pub async fn scrub(db: &crate::db::Db) -> Result<(), sqlx::Error> {
    vacuum(db, false).await
}

/// Rewrites every table that can hold personal data (PostgreSQL `VACUUM FULL`, SQLite `VACUUM`), so
/// that nothing erased is left in free space: `pix scrub --rewrite`, for a maintenance window (it
/// locks each table while it copies it).
pub async fn rewrite(db: &crate::db::Db) -> Result<(), sqlx::Error> {
    vacuum(db, true).await
}

async fn vacuum(db: &crate::db::Db, full: bool) -> Result<(), sqlx::Error> {
    match db {
        crate::db::Db::Sqlite(pool) => {
            if full {
                sqlx::query("VACUUM").execute(pool).await?;
            }
            // A reader may hold the log for a moment: retry, then leave it to SQLite's own checkpoints.
            for _ in 0..20 {
                let (busy, _, _): (i64, i64, i64) =
                    sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(pool).await?;
                if busy == 0 {
                    return Ok(());
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            tracing::warn!("the write-ahead log could not be emptied after an erasure (readers held it)");
            Ok(())
        }
        crate::db::Db::Postgres(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT c.table_name FROM information_schema.columns c \
                 JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.data_type = 'text' ORDER BY 1",
            )
            .fetch_all(pool)
            .await?;
            let tables: Vec<String> = tables
                .into_iter()
                .filter(|t| !UNTOUCHED_BY_ERASURE.contains(&t.as_str()))
                .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                .collect();
            if tables.is_empty() {
                return Ok(());
            }
            // VACUUM takes no parameters: the names come from the catalog, quoted as identifiers.
            let statement = format!("VACUUM {}{}", if full { "FULL " } else { "" }, tables.join(", "));
            sqlx::query(sqlx::AssertSqlSafe(statement)).execute(pool).await.map(|_| ())
        }
    }
}
