//! The organisation learner of a signed-in person (created on their first participation).

use uuid::Uuid;

use crate::{db::Conn, on_conn};

/// The organisation's learner linked to an account, if any.
pub async fn learner_of_user(conn: impl Into<Conn<'_>>, org: Uuid, user: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar("SELECT id FROM organization_learners WHERE organization_id = $1 AND user_id = $2 AND deleted_at IS NULL ORDER BY created_at LIMIT 1")
            .bind(org).bind(user).fetch_optional(c).await
    })
}

/// A learner created when an account joins a campaign of an organisation without an imported list.
pub async fn insert_learner_for_user(
    conn: impl Into<Conn<'_>>,
    id: Uuid,
    org: Uuid,
    user: Uuid,
    first_name: &str,
    last_name: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO organization_learners (id, organization_id, user_id, first_name, last_name, birth_date, national_id, student_number, division, group_name, extra, imported, created_at, updated_at, deleted_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, NULL, NULL, NULL, NULL, '{}', $6, $7, $7, NULL)",
        )
        .bind(id).bind(org).bind(user).bind(first_name).bind(last_name).bind(false).bind(now)
        .execute(c).await.map(|_| ())
    })
}

/// The organisation's learners linked to an account: (account, first name, last name, class).
pub async fn learners_with_accounts(
    conn: impl Into<Conn<'_>>,
    org: Uuid,
) -> Result<Vec<(Uuid, String, String, Option<String>)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as("SELECT user_id, first_name, last_name, division FROM organization_learners WHERE organization_id = $1 AND user_id IS NOT NULL AND deleted_at IS NULL ORDER BY created_at")
            .bind(org).fetch_all(c).await
    })
}
