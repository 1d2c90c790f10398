//! Module passages and their logs.

use uuid::Uuid;

use crate::{db::Conn, on_conn};

/// A passage row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Passage {
    /// Id.
    pub id: Uuid,
    /// The module's id.
    pub module_id: String,
    /// The module's version (SHA-256 of its file) when the passage started.
    pub module_version: String,
    /// The signed-in learner; none for an anonymous visitor.
    pub user_id: Option<Uuid>,
    /// `fr` or `en`, fixed at the start.
    pub locale: String,
    /// Grains revealed so far (from 1).
    pub revealed: i64,
    /// Start (µs).
    pub created_at: i64,
    /// Last change (µs).
    pub updated_at: i64,
    /// When it was terminated (µs).
    pub terminated_at: Option<i64>,
}

/// A line of a passage's log: an answer or an event.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct LogEntry {
    /// Its place in the log (grows only).
    pub sequence: i64,
    /// `QCU_ANSWERED`, `GRAIN_CONTINUED`…
    #[sqlx(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    /// The element concerned.
    pub element_id: Option<String>,
    /// JSON: the answer and its status, or the event's data.
    pub data: String,
    /// When it happened, as the learner's device says (µs).
    pub occurred_at: i64,
    /// When it was recorded (µs).
    pub recorded_at: i64,
}

macro_rules! select_passage {
    ($where:literal) => {
        concat!(
            "SELECT id, module_id, module_version, user_id, locale, revealed, created_at, updated_at, terminated_at FROM module_passages ",
            $where
        )
    };
}

/// Records a new passage.
pub async fn insert_passage(conn: impl Into<Conn<'_>>, p: &Passage) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO module_passages (id, module_id, module_version, user_id, locale, revealed, created_at, updated_at, terminated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(p.id).bind(&p.module_id).bind(&p.module_version).bind(p.user_id).bind(&p.locale).bind(p.revealed)
            .bind(p.created_at).bind(p.updated_at).bind(p.terminated_at).execute(c).await.map(|_| ())
    })
}

/// A passage by id.
pub async fn passage(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<Passage>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Passage>(select_passage!("WHERE id = $1")).bind(id).fetch_optional(c).await)
}

/// A passage by id, locked for the rest of the transaction (PostgreSQL; SQLite's writer holds
/// the whole database), so that two requests on one passage append to its log one after the other.
pub async fn passage_for_update(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<Passage>, sqlx::Error> {
    on_conn!(conn, c => {
        // `FOR UPDATE` is PostgreSQL's; SQLite's transactions are already exclusive (`BEGIN IMMEDIATE`).
        sqlx::query("UPDATE module_passages SET updated_at = updated_at WHERE id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query_as::<_, Passage>(select_passage!("WHERE id = $1")).bind(id).fetch_optional(&mut *c).await
    })
}

/// A learner's passages, the most recently changed first.
pub async fn passages_of_user(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<Passage>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Passage>(select_passage!("WHERE user_id = $1 ORDER BY updated_at DESC, id DESC")).bind(user).fetch_all(c).await
    })
}

/// The highest sequence number of a passage's log (0 when empty).
pub async fn last_sequence(conn: impl Into<Conn<'_>>, passage: Uuid) -> Result<i64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar("SELECT CAST(COALESCE(MAX(sequence), 0) AS BIGINT) FROM module_passage_log WHERE passage_id = $1")
            .bind(passage).fetch_one(c).await
    })
}

/// Appends a line to a passage's log and marks the passage changed.
pub async fn append(conn: impl Into<Conn<'_>>, passage: Uuid, e: &LogEntry) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO module_passage_log (passage_id, sequence, type, element_id, data, occurred_at, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(passage).bind(e.sequence).bind(&e.kind).bind(&e.element_id).bind(&e.data).bind(e.occurred_at).bind(e.recorded_at)
            .execute(&mut *c).await?;
        sqlx::query("UPDATE module_passages SET updated_at = $2 WHERE id = $1").bind(passage).bind(e.recorded_at).execute(&mut *c).await.map(|_| ())
    })
}

/// A passage's log, in order.
pub async fn log(conn: impl Into<Conn<'_>>, passage: Uuid) -> Result<Vec<LogEntry>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, LogEntry>("SELECT sequence, type, element_id, data, occurred_at, recorded_at FROM module_passage_log WHERE passage_id = $1 ORDER BY sequence")
            .bind(passage).fetch_all(c).await
    })
}

/// Moves the player's position forward (never back).
pub async fn reveal(conn: impl Into<Conn<'_>>, passage: Uuid, revealed: i64, now: i64) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE module_passages SET revealed = $2, updated_at = $3 WHERE id = $1 AND revealed < $2 AND terminated_at IS NULL")
            .bind(passage).bind(revealed).bind(now).execute(c).await.map(|_| ())
    })
}

/// Terminates a passage; false when it already was.
pub async fn terminate(conn: impl Into<Conn<'_>>, passage: Uuid, now: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE module_passages SET terminated_at = $2, updated_at = $2 WHERE id = $1 AND terminated_at IS NULL")
            .bind(passage).bind(now).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Every log line of a learner's passages (personal-data export).
pub async fn logs_of_user(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<(Uuid, LogEntry)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        passage_id: Uuid,
        #[sqlx(flatten)]
        entry: LogEntry,
    }
    on_conn!(conn, c => {
        sqlx::query_as::<_, Row>("SELECT l.passage_id, l.sequence, l.type, l.element_id, l.data, l.occurred_at, l.recorded_at FROM module_passage_log l JOIN module_passages p ON p.id = l.passage_id WHERE p.user_id = $1 ORDER BY l.passage_id, l.sequence")
            .bind(user).fetch_all(c).await.map(|rows| rows.into_iter().map(|r| (r.passage_id, r.entry)).collect())
    })
}

/// Erases a learner's passages and their logs.
pub async fn delete_passages_of_user(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM module_passage_log WHERE passage_id IN (SELECT id FROM module_passages WHERE user_id = $1)").bind(user).execute(&mut *c).await?;
        sqlx::query("DELETE FROM module_passages WHERE user_id = $1").bind(user).execute(&mut *c).await.map(|r| r.rows_affected())
    })
}
