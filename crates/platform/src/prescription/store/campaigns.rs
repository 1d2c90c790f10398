//! Campaigns.

use uuid::Uuid;

use super::super::model::Campaign;
use crate::{db::Conn, on_conn};

macro_rules! select_campaign {
    ($rest:literal) => {
        concat!(
            "SELECT id, organization_id, code, name, title, type, target_profile_id, skills, creator_id, owner_id, external_id_label, external_id_type, \
             landing_text, end_text, end_button_text, end_button_url, multiple_sendings, created_at, archived_at, deleted_at FROM campaigns ",
            $rest
        )
    };
}

/// Inserts a campaign unless its code is taken; true when inserted.
pub async fn insert_campaign(conn: impl Into<Conn<'_>>, c_: &Campaign) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        // The code is one of the namespace campaigns share with combined courses.
        let reserved = sqlx::query(crate::access_codes::RESERVE)
            .bind(&c_.code).bind(crate::access_codes::Kind::Campaign.as_str()).bind(c_.created_at)
            .execute(&mut *c).await?;
        if reserved.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO campaigns (id, organization_id, code, name, title, type, target_profile_id, skills, creator_id, owner_id, external_id_label, external_id_type, \
             landing_text, end_text, end_button_text, end_button_url, multiple_sendings, created_at, archived_at, deleted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, NULL, NULL) ON CONFLICT (code) DO NOTHING",
        )
        .bind(c_.id).bind(c_.organization_id).bind(&c_.code).bind(&c_.name).bind(&c_.title).bind(&c_.campaign_type).bind(c_.target_profile_id)
        .bind(&c_.skills).bind(c_.creator_id).bind(c_.owner_id).bind(&c_.external_id_label).bind(&c_.external_id_type)
        .bind(&c_.landing_text).bind(&c_.end_text).bind(&c_.end_button_text).bind(&c_.end_button_url).bind(c_.multiple_sendings)
        .bind(c_.created_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// A campaign by id.
pub async fn campaign(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<Campaign>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Campaign>(select_campaign!("WHERE id = $1")).bind(id).fetch_optional(c).await)
}

/// A campaign by code.
pub async fn campaign_by_code(conn: impl Into<Conn<'_>>, code: &str) -> Result<Option<Campaign>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Campaign>(select_campaign!("WHERE code = $1")).bind(code).fetch_optional(c).await)
}

/// A campaign in a list, with its counts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CampaignSummary {
    /// Id.
    pub id: Uuid,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Type.
    #[sqlx(rename = "type")]
    pub campaign_type: String,
    /// Owner's name.
    pub owner_name: Option<String>,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Creation time.
    pub created_at: i64,
    /// Archived.
    pub archived_at: Option<i64>,
    /// Participants (not deleted).
    pub participants: i64,
    /// Shared participations.
    pub shared: i64,
}

/// The campaigns of an organisation (not deleted), newest first, archived ones when asked.
pub async fn campaigns_of_organization(
    conn: impl Into<Conn<'_>>,
    org: Uuid,
    archived: bool,
) -> Result<Vec<CampaignSummary>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, CampaignSummary>(
            "SELECT c.id, c.code, c.name, c.type, u.first_name || ' ' || u.last_name AS owner_name, c.owner_id, c.created_at, c.archived_at, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM campaign_participations p WHERE p.campaign_id = c.id AND p.deleted_at IS NULL AND NOT p.is_improved) AS participants, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM campaign_participations p WHERE p.campaign_id = c.id AND p.deleted_at IS NULL AND NOT p.is_improved AND p.status = 'SHARED') AS shared \
             FROM campaigns c LEFT JOIN users u ON u.id = c.owner_id \
             WHERE c.organization_id = $1 AND c.deleted_at IS NULL AND ((c.archived_at IS NOT NULL) = $2) ORDER BY c.created_at DESC",
        )
        .bind(org)
        .bind(archived)
        .fetch_all(c)
        .await
    })
}

/// Archives or unarchives a campaign.
pub async fn set_campaign_archived(conn: impl Into<Conn<'_>>, id: Uuid, at: Option<i64>) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => sqlx::query("UPDATE campaigns SET archived_at = $1 WHERE id = $2").bind(at).bind(id).execute(c).await.map(|_| ()))
}
