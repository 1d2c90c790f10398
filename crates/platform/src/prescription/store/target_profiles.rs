//! Target profiles: their tubes, stages, badges and criteria, and the organisations that use them.

use uuid::Uuid;

use super::super::model::{Badge, CriterionRow, Stage, TargetProfile};
use crate::{db::Conn, on_conn};

/// A new target profile.
pub struct NewTargetProfile<'a> {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: &'a str,
    /// Description.
    pub description: &'a str,
    /// Knowledge may be reset for a new sending.
    pub resettable: bool,
    /// Who made it.
    pub created_by: Option<Uuid>,
    /// When.
    pub now: i64,
}

/// Creates a target profile (without its tubes, stages and badges).
pub async fn insert_target_profile(conn: impl Into<Conn<'_>>, t: NewTargetProfile<'_>) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO target_profiles (id, name, description, resettable, outdated, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(t.id).bind(t.name).bind(t.description).bind(t.resettable).bind(false).bind(t.created_by).bind(t.now)
            .execute(c).await.map(|_| ())
    })
}

/// Adds a capped tube to a target profile.
pub async fn insert_profile_tube(
    conn: impl Into<Conn<'_>>,
    profile: Uuid,
    tube: &str,
    level: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO target_profile_tubes (target_profile_id, tube, level) VALUES ($1, $2, $3)")
            .bind(profile).bind(tube).bind(level).execute(c).await.map(|_| ())
    })
}

/// Adds a stage.
pub async fn insert_stage(
    conn: impl Into<Conn<'_>>,
    profile: Uuid,
    threshold: Option<i64>,
    level: Option<i64>,
    title: &str,
    message: &str,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO stages (id, target_profile_id, threshold, level, title, message) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(Uuid::now_v7()).bind(profile).bind(threshold).bind(level).bind(title).bind(message).execute(c).await.map(|_| ())
    })
}

/// A new badge with one criterion.
pub struct NewBadge<'a> {
    /// Id.
    pub id: Uuid,
    /// Target profile.
    pub profile: Uuid,
    /// Stable key.
    pub key: &'a str,
    /// Title.
    pub title: &'a str,
    /// Message.
    pub message: &'a str,
    /// Image name.
    pub image: &'a str,
    /// Alternative text.
    pub alt_text: &'a str,
    /// Order.
    pub position: i64,
}

/// Adds a badge.
pub async fn insert_badge(conn: impl Into<Conn<'_>>, b: NewBadge<'_>) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO badges (id, target_profile_id, key, title, message, image, alt_text, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(b.id).bind(b.profile).bind(b.key).bind(b.title).bind(b.message).bind(b.image).bind(b.alt_text).bind(b.position)
            .execute(c).await.map(|_| ())
    })
}

/// Adds a criterion to a badge (`tubes`: JSON list of [tube, level] for the `tubes` scope).
pub async fn insert_criterion(
    conn: impl Into<Conn<'_>>,
    badge: Uuid,
    scope: &str,
    threshold: i64,
    tubes: &str,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO badge_criteria (id, badge_id, scope, threshold, tubes) VALUES ($1, $2, $3, $4, $5)")
            .bind(Uuid::now_v7()).bind(badge).bind(scope).bind(threshold).bind(tubes).execute(c).await.map(|_| ())
    })
}

/// Attaches a target profile to an organisation (idempotent).
pub async fn attach_profile(conn: impl Into<Conn<'_>>, profile: Uuid, org: Uuid) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO target_profile_organizations (target_profile_id, organization_id) VALUES ($1, $2) ON CONFLICT (target_profile_id, organization_id) DO NOTHING")
            .bind(profile).bind(org).execute(c).await.map(|_| ())
    })
}

macro_rules! select_profile {
    ($rest:literal) => {
        concat!(
            "SELECT t.id, t.name, t.description, t.resettable, t.outdated, t.created_at FROM target_profiles t ",
            $rest
        )
    };
}

/// A target profile.
pub async fn target_profile(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<TargetProfile>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, TargetProfile>(select_profile!("WHERE t.id = $1")).bind(id).fetch_optional(c).await)
}

/// Every target profile, newest first.
pub async fn target_profiles(conn: impl Into<Conn<'_>>) -> Result<Vec<TargetProfile>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, TargetProfile>(select_profile!("ORDER BY t.created_at DESC")).fetch_all(c).await)
}

/// The target profiles an organisation may use, by name.
pub async fn profiles_of_organization(conn: impl Into<Conn<'_>>, org: Uuid) -> Result<Vec<TargetProfile>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, TargetProfile>(select_profile!(
            "JOIN target_profile_organizations o ON o.target_profile_id = t.id WHERE o.organization_id = $1 AND NOT t.outdated ORDER BY t.name"
        ))
        .bind(org)
        .fetch_all(c)
        .await
    })
}

/// Whether an organisation may use a profile.
pub async fn profile_attached(conn: impl Into<Conn<'_>>, profile: Uuid, org: Uuid) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar::<_, i64>("SELECT CAST(COUNT(*) AS BIGINT) FROM target_profile_organizations WHERE target_profile_id = $1 AND organization_id = $2")
            .bind(profile).bind(org).fetch_one(c).await.map(|n| n > 0)
    })
}

/// The organisations a profile is attached to: (id, name).
pub async fn organizations_of_profile(
    conn: impl Into<Conn<'_>>,
    profile: Uuid,
) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as("SELECT o.id, o.name FROM target_profile_organizations t JOIN organizations o ON o.id = t.organization_id WHERE t.target_profile_id = $1 ORDER BY o.name")
            .bind(profile).fetch_all(c).await
    })
}

/// A profile's capped tubes: (tube name, level), in order.
pub async fn profile_tubes(conn: impl Into<Conn<'_>>, profile: Uuid) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as("SELECT tube, level FROM target_profile_tubes WHERE target_profile_id = $1 ORDER BY tube").bind(profile).fetch_all(c).await
    })
}

/// A profile's stages, by threshold then level.
pub async fn stages(conn: impl Into<Conn<'_>>, profile: Uuid) -> Result<Vec<Stage>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Stage>("SELECT id, threshold, level, title, message FROM stages WHERE target_profile_id = $1 ORDER BY COALESCE(threshold, level * 12), title")
            .bind(profile).fetch_all(c).await
    })
}

/// A profile's badges, in order.
pub async fn badges(conn: impl Into<Conn<'_>>, profile: Uuid) -> Result<Vec<Badge>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Badge>("SELECT id, key, title, message, image, alt_text FROM badges WHERE target_profile_id = $1 ORDER BY position, title")
            .bind(profile).fetch_all(c).await
    })
}

/// The criteria of a profile's badges.
pub async fn criteria(conn: impl Into<Conn<'_>>, profile: Uuid) -> Result<Vec<CriterionRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, CriterionRow>(
            "SELECT k.badge_id, k.scope, k.threshold, k.tubes FROM badge_criteria k JOIN badges b ON b.id = k.badge_id WHERE b.target_profile_id = $1",
        )
        .bind(profile)
        .fetch_all(c)
        .await
    })
}
