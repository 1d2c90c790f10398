//! The audit log: an append-only record of every read or change of another person's data.
//!
//! Rows hold ids and action names, never names or emails, so erasing a person leaves nothing
//! personal here while the trail of who accessed their account stays intact. The database refuses
//! updates and deletes of this table (triggers in the migrations).

use uuid::Uuid;

use crate::{db::Db, on_db};

/// One audit entry to write.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Who acted (None: the system or an anonymous visitor).
    pub actor: Option<Uuid>,
    /// What was done, e.g. `user.read`, `user.unblock`, `account.export`.
    pub action: &'a str,
    /// Whose data.
    pub subject: Option<Uuid>,
    /// Why (free text from the agent, or the feature that needed it).
    pub reason: &'a str,
    /// Extra facts as JSON (ids, counts; never personal data).
    pub details: serde_json::Value,
}

/// Appends an entry.
pub async fn record(db: &Db, at: i64, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    let id = Uuid::now_v7();
    let details = entry.details.to_string();
    on_db!(db, pool => {
        sqlx::query("INSERT INTO audit_log (id, at, actor_id, action, subject_id, reason, details) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id)
            .bind(at)
            .bind(entry.actor)
            .bind(entry.action)
            .bind(entry.subject)
            .bind(entry.reason)
            .bind(&details)
            .execute(pool)
            .await
            .map(|_| ())
    })
}

/// An audit row as read back.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Row {
    /// Entry id.
    pub id: Uuid,
    /// When (µs since the epoch).
    pub at: i64,
    /// Who.
    pub actor_id: Option<Uuid>,
    /// What.
    pub action: String,
    /// Whose data.
    pub subject_id: Option<Uuid>,
    /// Why.
    pub reason: String,
    /// Extra facts (JSON text).
    pub details: String,
}

/// Entries about a person (for their data export), oldest first.
pub async fn about(db: &Db, subject: Uuid) -> Result<Vec<Row>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as::<_, Row>("SELECT id, at, actor_id, action, subject_id, reason, details FROM audit_log WHERE subject_id = $1 ORDER BY at, id")
            .bind(subject)
            .fetch_all(pool)
            .await
    })
}

/// The latest entries, newest first.
pub async fn latest(db: &Db, limit: i64) -> Result<Vec<Row>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as::<_, Row>("SELECT id, at, actor_id, action, subject_id, reason, details FROM audit_log ORDER BY at DESC, id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(pool)
            .await
    })
}

/// Records an audit entry, failing the request if it cannot be written (no unaudited access).
pub async fn write(
    state: &crate::AppState,
    actor: Option<Uuid>,
    action: &str,
    subject: Option<Uuid>,
    reason: &str,
    details: serde_json::Value,
) -> Result<(), crate::web::error::AppError> {
    record(&state.db, state.clock.now_micros(), Entry { actor, action, subject, reason, details }).await?;
    Ok(())
}
