//! A person's rights over their data, across every context: download everything (export) and
//! erase the account.
//!
//! Each context that holds personal data declares a [`Context`]: the sections it adds to the export
//! document, and the step it runs in the erasure transaction. The composition root lists them
//! (`crate::PERSONAL_DATA`, in `AppState::personal_data`) and identity runs them (`identity::rights`):
//! a new context plugs in there and the export and erasure follow. The person erased is given as
//! [`Erased`], what every step needs to know of them.

use futures_util::future::BoxFuture;
use serde_json::Value;
use uuid::Uuid;

use crate::{AppState, db::Tx, web::error::AppError};

/// The export sections of a context: `(key, value)` pairs of the document.
pub type ExportFn = for<'a> fn(&'a AppState, Uuid) -> BoxFuture<'a, Result<Vec<(&'static str, Value)>, AppError>>;

/// A context's erasure step, inside the erasure transaction: the person as they were, and now.
pub type EraseFn = for<'a> fn(&'a mut Tx, &'a Erased, i64) -> BoxFuture<'a, Result<(), sqlx::Error>>;

/// The person being erased, as the erasure steps know them.
#[derive(Debug, Clone)]
pub struct Erased {
    /// The account.
    pub id: Uuid,
    /// When it was created (generalised to the month).
    pub created_at: i64,
    /// Its address, as it was (throttling counters keyed by it are removed).
    pub email: Option<String>,
    /// Its username, as it was.
    pub username: Option<String>,
}

/// What a context contributes.
pub struct Context {
    /// Its name (for logs).
    pub name: &'static str,
    /// Its sections of the export.
    pub export: ExportFn,
    /// Its erasure step, when it holds identifying data (learning data stays, without identity).
    pub erase: Option<EraseFn>,
}

/// The first instant of the month of `micros` (dates are generalised to the month on erasure).
pub fn month_start(micros: i64) -> i64 {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000) else { return 0 };
    let start = t.replace_day(1).unwrap_or(t).replace_time(time::Time::MIDNIGHT);
    crate::db::micros(start)
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
        crate::db::Db::Sqlite(pool, _) => {
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
