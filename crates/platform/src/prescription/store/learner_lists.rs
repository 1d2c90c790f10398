//! Imported learner lists: the checked list waiting for confirmation, the learners, their extra columns, reconciliation.

use uuid::Uuid;

use crate::{db::Conn, on_conn};

/// What an organisation's list says of a person.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ListEntry {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Birth date `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// National pupil id (SCO).
    pub national_id: Option<String>,
    /// Student number (SUP).
    pub student_number: Option<String>,
    /// Division (SCO).
    pub division: Option<String>,
    /// Group (SUP).
    pub group_name: Option<String>,
    /// Other columns of the list (JSON object).
    pub extra: String,
}

/// A learner of an organisation's list.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ListedLearner {
    /// Id.
    pub id: Uuid,
    /// Linked account, once the learner joined a campaign.
    pub user_id: Option<Uuid>,
    /// What the list says of them.
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub entry: ListEntry,
    /// Removed from the list (a newer list no longer had them); their results stay.
    #[serde(skip)]
    pub deleted_at: Option<i64>,
}

macro_rules! select_learner {
    ($rest:literal) => {
        concat!(
            "SELECT id, user_id, first_name, last_name, birth_date, national_id, student_number, division, group_name, extra, deleted_at \
             FROM organization_learners ",
            $rest
        )
    };
}

/// Every learner an import may update: the organisation's imported learners, removed ones included
/// (a pupil back on the list finds their results again).
pub async fn imported_learners(conn: impl Into<Conn<'_>>, org: Uuid) -> Result<Vec<ListedLearner>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, ListedLearner>(select_learner!("WHERE organization_id = $1 AND imported = TRUE"))
            .bind(org).fetch_all(c).await
    })
}

/// A list waiting for its confirmation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingImport {
    /// Id.
    pub id: Uuid,
    /// Who imported it.
    pub actor_id: Option<Uuid>,
    /// `add` or `replace`.
    pub mode: String,
    /// The file as sent.
    pub file: Vec<u8>,
    /// What it changes, as shown (JSON of `learners::Preview`).
    pub preview: String,
}

/// Keeps a checked list for confirmation (replacing the organisation's previous one).
pub async fn save_pending_import(
    conn: impl Into<Conn<'_>>,
    org: Uuid,
    p: &PendingImport,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    let mut conn: Conn<'_> = conn.into();
    on_conn!(&mut conn, c => {
        sqlx::query("DELETE FROM pending_learner_imports WHERE organization_id = $1").bind(org).execute(&mut *c).await?;
        sqlx::query(
            "INSERT INTO pending_learner_imports (id, organization_id, actor_id, mode, file, preview, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(p.id).bind(org).bind(p.actor_id).bind(&p.mode).bind(&p.file).bind(&p.preview).bind(now).bind(expires_at)
        .execute(&mut *c).await.map(|_| ())
    })
}

/// The organisation's list waiting for confirmation, if it is this one and has not expired.
pub async fn pending_import(
    conn: impl Into<Conn<'_>>,
    org: Uuid,
    id: Uuid,
    now: i64,
) -> Result<Option<PendingImport>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, PendingImport>(
            "SELECT id, actor_id, mode, file, preview FROM pending_learner_imports WHERE organization_id = $1 AND id = $2 AND expires_at > $3",
        )
        .bind(org).bind(id).bind(now).fetch_optional(c).await
    })
}

/// Updates what a waiting list changes (the organisation's list changed since it was shown).
pub async fn update_pending_preview(conn: impl Into<Conn<'_>>, id: Uuid, preview: &str) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE pending_learner_imports SET preview = $2 WHERE id = $1").bind(id).bind(preview).execute(c).await.map(|_| ())
    })
}

/// Forgets a waiting list (confirmed, cancelled); false when there was none.
pub async fn delete_pending_import(conn: impl Into<Conn<'_>>, org: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM pending_learner_imports WHERE organization_id = $1 AND id = $2")
            .bind(org).bind(id).execute(c).await.map(|r| r.rows_affected() > 0)
    })
}

/// Deletes the waiting lists nobody confirmed in time (housekeeping).
pub async fn prune_pending_imports(conn: impl Into<Conn<'_>>, now: i64) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM pending_learner_imports WHERE expires_at <= $1").bind(now).execute(c).await.map(|r| r.rows_affected())
    })
}

/// A learner to insert or update from a list.
pub struct LearnerRow<'a> {
    /// Id.
    pub id: Uuid,
    /// First name.
    pub first_name: &'a str,
    /// Last name.
    pub last_name: &'a str,
    /// `YYYY-MM-DD`.
    pub birth_date: &'a str,
    /// National id.
    pub national_id: Option<&'a str>,
    /// Student number.
    pub student_number: Option<&'a str>,
    /// Division.
    pub division: Option<&'a str>,
    /// Group.
    pub group_name: Option<&'a str>,
    /// Other columns (JSON object).
    pub extra: String,
}

/// Inserts imported learners, many per statement.
pub async fn insert_imported_learners(
    conn: impl Into<Conn<'_>>,
    org: Uuid,
    rows: &[LearnerRow<'_>],
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut conn: Conn<'_> = conn.into();
    // 13 values per row: 500 rows stay under both databases' parameter limits.
    for chunk in rows.chunks(500) {
        on_conn!(&mut conn, c => {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO organization_learners (id, organization_id, user_id, first_name, last_name, birth_date, national_id, student_number, \
                 division, group_name, extra, imported, created_at, updated_at, deleted_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.id).push_bind(org).push("NULL").push_bind(r.first_name).push_bind(r.last_name).push_bind(r.birth_date)
                    .push_bind(r.national_id).push_bind(r.student_number).push_bind(r.division).push_bind(r.group_name)
                    .push_bind(r.extra.as_str()).push_bind(true).push_bind(now).push_bind(now).push("NULL");
            });
            q.build().execute(&mut *c).await?;
        });
    }
    Ok(())
}

/// Updates a learner from a newer list (back on the list if they had been removed).
pub async fn update_imported_learner(
    conn: impl Into<Conn<'_>>,
    r: &LearnerRow<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE organization_learners SET first_name = $2, last_name = $3, birth_date = $4, national_id = $5, student_number = $6, \
             division = $7, group_name = $8, extra = $9, updated_at = $10, deleted_at = NULL WHERE id = $1",
        )
        .bind(r.id).bind(r.first_name).bind(r.last_name).bind(r.birth_date).bind(r.national_id).bind(r.student_number)
        .bind(r.division).bind(r.group_name).bind(r.extra.as_str()).bind(now)
        .execute(c).await.map(|_| ())
    })
}

/// Removes learners from the list (their participations and results stay).
pub async fn remove_learners(conn: impl Into<Conn<'_>>, ids: &[Uuid], now: i64) -> Result<(), sqlx::Error> {
    let mut conn: Conn<'_> = conn.into();
    for chunk in ids.chunks(500) {
        on_conn!(&mut conn, c => {
            let mut q = sqlx::QueryBuilder::new("UPDATE organization_learners SET deleted_at = ");
            q.push_bind(now).push(", updated_at = ").push_bind(now).push(" WHERE id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            q.build().execute(&mut *c).await?;
        });
    }
    Ok(())
}

/// Records the free columns of the organisation's latest generic list.
pub async fn set_extra_columns(conn: impl Into<Conn<'_>>, org: Uuid, columns: &[String]) -> Result<(), sqlx::Error> {
    let json = serde_json::to_string(columns).unwrap_or_else(|_| "[]".into());
    on_conn!(conn, c => sqlx::query("UPDATE organizations SET extra_columns = $2 WHERE id = $1").bind(org).bind(json).execute(c).await.map(|_| ()))
}

/// The free columns of an organisation's generic list.
pub async fn organization_extra_columns(conn: impl Into<Conn<'_>>, org: Uuid) -> Result<Vec<String>, sqlx::Error> {
    let raw: Option<String> = on_conn!(conn, c => {
        sqlx::query_scalar("SELECT extra_columns FROM organizations WHERE id = $1").bind(org).fetch_optional(c).await
    })?;
    Ok(raw.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default())
}

/// One page of the organisation's current list, by name, with a name search (lower case, `%…%`)
/// and a division or group; and how many match.
pub async fn learners_page(
    conn: impl Into<Conn<'_>>,
    org: Uuid,
    search: &str,
    division: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ListedLearner>, i64), sqlx::Error> {
    let mut conn: Conn<'_> = conn.into();
    let rows = on_conn!(&mut conn, c => {
        sqlx::query_as::<_, ListedLearner>(select_learner!(
            "WHERE organization_id = $1 AND deleted_at IS NULL AND ($2 = '' OR LOWER(last_name || ' ' || first_name) LIKE $2 OR LOWER(first_name || ' ' || last_name) LIKE $2) \
             AND ($3 = '' OR division = $3 OR group_name = $3) ORDER BY last_name, first_name, id LIMIT $4 OFFSET $5"
        ))
        .bind(org).bind(search).bind(division).bind(limit).bind(offset).fetch_all(c).await
    })?;
    let total: i64 = on_conn!(&mut conn, c => {
        sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM organization_learners WHERE organization_id = $1 AND deleted_at IS NULL \
             AND ($2 = '' OR LOWER(last_name || ' ' || first_name) LIKE $2 OR LOWER(first_name || ' ' || last_name) LIKE $2) \
             AND ($3 = '' OR division = $3 OR group_name = $3)",
        )
        .bind(org).bind(search).bind(division).fetch_one(c).await
    })?;
    Ok((rows, total))
}

/// The divisions and groups of the organisation's current list.
pub async fn learner_divisions(conn: impl Into<Conn<'_>>, org: Uuid) -> Result<Vec<String>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar(
            "SELECT DISTINCT COALESCE(division, group_name) FROM organization_learners \
             WHERE organization_id = $1 AND deleted_at IS NULL AND COALESCE(division, group_name) IS NOT NULL ORDER BY 1",
        )
        .bind(org).fetch_all(c).await
    })
}

/// Links an imported learner to the account that reconciled with it, unless another account took
/// it first; true when linked.
pub async fn link_learner(conn: impl Into<Conn<'_>>, id: Uuid, user: Uuid, now: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE organization_learners SET user_id = $2, updated_at = $3 WHERE id = $1 AND user_id IS NULL")
            .bind(id).bind(user).bind(now).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// The current imported learners of an organisation born on a day (reconciliation candidates).
pub async fn learners_born_on(
    conn: impl Into<Conn<'_>>,
    org: Uuid,
    birth_date: &str,
) -> Result<Vec<ListedLearner>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, ListedLearner>(select_learner!(
            "WHERE organization_id = $1 AND imported = TRUE AND deleted_at IS NULL AND birth_date = $2"
        ))
        .bind(org).bind(birth_date).fetch_all(c).await
    })
}
