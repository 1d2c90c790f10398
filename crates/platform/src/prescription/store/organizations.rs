//! Organisations: create, read, change, archive.

use uuid::Uuid;

use super::super::model::Organization;
use crate::{db::Conn, on_conn};

macro_rules! select_organization {
    ($rest:literal) => {
        concat!(
            "SELECT id, name, kind, external_id, dpo_email, multiple_sending, learner_import, show_skills, exam_campaigns, attestations_enabled, created_at, archived_at FROM organizations ",
            $rest
        )
    };
}

/// A new organisation.
pub struct NewOrganization<'a> {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: &'a str,
    /// SCO, SUP, PRO.
    pub kind: &'a str,
    /// External id.
    pub external_id: Option<&'a str>,
    /// DPO address.
    pub dpo_email: Option<&'a str>,
    /// Several sendings allowed.
    pub multiple_sending: bool,
    /// Learner import format.
    pub learner_import: Option<&'a str>,
    /// Skills in exports.
    pub show_skills: bool,
    /// Exam campaigns allowed.
    pub exam_campaigns: bool,
    /// Creation time.
    pub now: i64,
}

/// Creates an organisation.
pub async fn insert_organization(conn: impl Into<Conn<'_>>, o: NewOrganization<'_>) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO organizations (id, name, kind, external_id, dpo_email, multiple_sending, learner_import, show_skills, exam_campaigns, created_at, archived_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)",
        )
        .bind(o.id).bind(o.name).bind(o.kind).bind(o.external_id).bind(o.dpo_email).bind(o.multiple_sending)
        .bind(o.learner_import).bind(o.show_skills).bind(o.exam_campaigns).bind(o.now)
        .execute(c).await.map(|_| ())
    })
}

/// Changes an organisation's settings (all but its id, creation time and archiving); false when
/// there is no such organisation.
pub async fn update_organization(conn: impl Into<Conn<'_>>, o: &NewOrganization<'_>) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE organizations SET name = $2, kind = $3, external_id = $4, dpo_email = $5, multiple_sending = $6, \
             learner_import = $7, show_skills = $8, exam_campaigns = $9 WHERE id = $1",
        )
        .bind(o.id).bind(o.name).bind(o.kind).bind(o.external_id).bind(o.dpo_email).bind(o.multiple_sending)
        .bind(o.learner_import).bind(o.show_skills).bind(o.exam_campaigns)
        .execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Enables or disables an organisation's attestations tab.
pub async fn set_attestations_enabled(conn: impl Into<Conn<'_>>, id: Uuid, enabled: bool) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE organizations SET attestations_enabled = $2 WHERE id = $1").bind(id).bind(enabled).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// An organisation.
pub async fn organization(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<Organization>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Organization>(select_organization!("WHERE id = $1")).bind(id).fetch_optional(c).await)
}

/// Every organisation, by name.
pub async fn organizations(conn: impl Into<Conn<'_>>) -> Result<Vec<Organization>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Organization>(select_organization!("ORDER BY name")).fetch_all(c).await)
}

/// Archives (or unarchives) an organisation.
pub async fn set_organization_archived(
    conn: impl Into<Conn<'_>>,
    id: Uuid,
    at: Option<i64>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => sqlx::query("UPDATE organizations SET archived_at = $1 WHERE id = $2").bind(at).bind(id).execute(c).await.map(|_| ()))
}

/// Closes every open campaign of an organisation (its archiving).
pub async fn archive_campaigns_of(conn: impl Into<Conn<'_>>, organization: Uuid, at: i64) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE campaigns SET archived_at = $2 WHERE organization_id = $1 AND archived_at IS NULL AND deleted_at IS NULL")
            .bind(organization).bind(at).execute(c).await.map(|r| r.rows_affected())
    })
}

/// Takes the organisation's row lock for the rest of the transaction (a no-op write): changes to
/// its members run one after the other on PostgreSQL (SQLite has a single writer anyway).
pub async fn lock_organization(conn: impl Into<Conn<'_>>, org: Uuid) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => sqlx::query("UPDATE organizations SET name = name WHERE id = $1").bind(org).execute(c).await.map(|_| ()))
}
