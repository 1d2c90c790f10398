//! Every SQL statement of the prescription context (organisations, target profiles, campaigns,
//! participations). Functions take `impl Into<Conn>`: the pool or an open transaction.

use uuid::Uuid;

use super::model::{Badge, Campaign, CriterionRow, Organization, Participation, Stage, TargetProfile};
use crate::{db::Conn, on_conn};

// ------------------------------------------------------------------ organisations

macro_rules! select_organization {
    ($rest:literal) => {
        concat!(
            "SELECT id, name, kind, external_id, dpo_email, multiple_sending, learner_import, show_skills, exam_campaigns, created_at, archived_at FROM organizations ",
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

// ------------------------------------------------------------------ target profiles

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

// ------------------------------------------------------------------ campaigns

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

// ------------------------------------------------------------------ learners

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

// ------------------------------------------------------------------ participations

macro_rules! select_participation {
    ($rest:literal) => {
        concat!(
            "SELECT id, campaign_id, user_id, organization_learner_id, external_id, status, created_at, shared_at, is_improved, validated_skills, mastery_rate, \
             pix_score, snapshot, deleted_at FROM campaign_participations ",
            $rest
        )
    };
}

/// A new participation.
pub async fn insert_participation(conn: impl Into<Conn<'_>>, p: &Participation) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO campaign_participations (id, campaign_id, user_id, organization_learner_id, external_id, status, created_at, shared_at, is_improved, \
             validated_skills, mastery_rate, pix_score, snapshot, deleted_at, deleted_by) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, NULL, NULL, NULL, NULL, NULL, NULL)",
        )
        .bind(p.id).bind(p.campaign_id).bind(p.user_id).bind(p.organization_learner_id).bind(&p.external_id).bind(&p.status).bind(p.created_at).bind(false)
        .execute(c).await.map(|_| ())
    })
}

/// A participation.
pub async fn participation(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<Participation>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Participation>(select_participation!("WHERE id = $1")).bind(id).fetch_optional(c).await)
}

/// A person's latest live participation in a campaign.
pub async fn latest_participation(
    conn: impl Into<Conn<'_>>,
    campaign: Uuid,
    user: Uuid,
) -> Result<Option<Participation>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Participation>(select_participation!(
            "WHERE campaign_id = $1 AND user_id = $2 AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 1"
        ))
        .bind(campaign)
        .bind(user)
        .fetch_optional(c)
        .await
    })
}

/// Marks earlier participations as improved (a new sending replaces them in results).
pub async fn mark_improved(
    conn: impl Into<Conn<'_>>,
    campaign: Uuid,
    user: Uuid,
    except: Uuid,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE campaign_participations SET is_improved = $1 WHERE campaign_id = $2 AND user_id = $3 AND id <> $4")
            .bind(true).bind(campaign).bind(user).bind(except).execute(c).await.map(|_| ())
    })
}

/// Moves a participation from STARTED to TO_SHARE (its test is over).
pub async fn finish_participation(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE campaign_participations SET status = 'TO_SHARE' WHERE id = $1 AND status = 'STARTED'").bind(id).execute(c).await.map(|_| ())
    })
}

/// What sharing fixes.
pub struct Shared<'a> {
    /// When.
    pub at: i64,
    /// Validated campaign skills.
    pub validated_skills: Option<i64>,
    /// Mastery in [0, 1].
    pub mastery_rate: Option<f64>,
    /// Total pix (profiles).
    pub pix_score: Option<i64>,
    /// The snapshot (JSON).
    pub snapshot: &'a str,
}

/// Shares a participation that is ready (TO_SHARE); true when it was shared now.
pub async fn share(conn: impl Into<Conn<'_>>, id: Uuid, s: Shared<'_>) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE campaign_participations SET status = 'SHARED', shared_at = $1, validated_skills = $2, mastery_rate = $3, pix_score = $4, snapshot = $5 \
             WHERE id = $6 AND status = 'TO_SHARE' AND deleted_at IS NULL",
        )
        .bind(s.at).bind(s.validated_skills).bind(s.mastery_rate).bind(s.pix_score).bind(s.snapshot).bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Soft-deletes every participation of a learner in a campaign (as the reference).
pub async fn delete_participations(
    conn: impl Into<Conn<'_>>,
    campaign: Uuid,
    learner: Uuid,
    by: Uuid,
    now: i64,
) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE campaign_participations SET deleted_at = $1, deleted_by = $2 WHERE campaign_id = $3 AND organization_learner_id = $4 AND deleted_at IS NULL")
            .bind(now).bind(by).bind(campaign).bind(learner).execute(c).await.map(|r| r.rows_affected())
    })
}

/// The campaign assessment of a participation (the latest), if any.
pub async fn assessment_of_participation(
    conn: impl Into<Conn<'_>>,
    participation: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar("SELECT id FROM assessments WHERE participation_id = $1 ORDER BY created_at DESC LIMIT 1").bind(participation).fetch_optional(c).await
    })
}

/// What a campaign assessment needs on each answer: the campaign's type, skills and code.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssessmentCampaign {
    /// The campaign.
    pub campaign_id: Uuid,
    /// Its type.
    #[sqlx(rename = "type")]
    pub campaign_type: String,
    /// Its skills (JSON).
    pub skills: String,
    /// Its code.
    pub code: String,
    /// Its title.
    pub title: String,
}

/// The campaign of a participation.
pub async fn campaign_of_participation(
    conn: impl Into<Conn<'_>>,
    participation: Uuid,
) -> Result<Option<AssessmentCampaign>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, AssessmentCampaign>(
            "SELECT c.id AS campaign_id, c.type, c.skills, c.code, c.title FROM campaign_participations p JOIN campaigns c ON c.id = p.campaign_id WHERE p.id = $1",
        )
        .bind(participation)
        .fetch_optional(c)
        .await
    })
}

/// A participation of a person, with its campaign, for "My courses".
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MyParticipation {
    /// Participation.
    pub id: Uuid,
    /// Status.
    pub status: String,
    /// Start.
    pub created_at: i64,
    /// Share.
    pub shared_at: Option<i64>,
    /// Mastery at share.
    pub mastery_rate: Option<f64>,
    /// Campaign code.
    pub code: String,
    /// Campaign title.
    pub title: String,
    /// Campaign type.
    #[sqlx(rename = "type")]
    pub campaign_type: String,
    /// Organisation name.
    pub organization_name: String,
    /// Campaign archived or deleted.
    pub closed: bool,
}

/// A person's live participations (latest first), one per campaign.
pub async fn participations_of_user(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
) -> Result<Vec<MyParticipation>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, MyParticipation>(
            "SELECT p.id, p.status, p.created_at, p.shared_at, p.mastery_rate, c.code, c.title, c.type, o.name AS organization_name, \
             (c.archived_at IS NOT NULL OR c.deleted_at IS NOT NULL) AS closed \
             FROM campaign_participations p JOIN campaigns c ON c.id = p.campaign_id JOIN organizations o ON o.id = c.organization_id \
             WHERE p.user_id = $1 AND p.deleted_at IS NULL AND NOT p.is_improved ORDER BY p.created_at DESC",
        )
        .bind(user)
        .fetch_all(c)
        .await
    })
}

/// Every participation of a person, for their data export.
pub async fn all_participations_of_user(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
) -> Result<Vec<Participation>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Participation>(select_participation!("WHERE user_id = $1 ORDER BY created_at")).bind(user).fetch_all(c).await
    })
}

/// Participants per status of a campaign (live, latest participations only).
pub async fn counts_by_status(conn: impl Into<Conn<'_>>, campaign: Uuid) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as(
            "SELECT status, CAST(COUNT(*) AS BIGINT) FROM campaign_participations WHERE campaign_id = $1 AND deleted_at IS NULL AND NOT is_improved GROUP BY status",
        )
        .bind(campaign)
        .fetch_all(c)
        .await
    })
}

/// Start and share times of a campaign's live participations (the activity per day is drawn from them).
pub async fn activity_times(conn: impl Into<Conn<'_>>, campaign: Uuid) -> Result<Vec<(i64, Option<i64>)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as("SELECT created_at, shared_at FROM campaign_participations WHERE campaign_id = $1 AND deleted_at IS NULL ORDER BY created_at")
            .bind(campaign).fetch_all(c).await
    })
}

/// A participant of a campaign, as listed to the organisation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ParticipantRow {
    /// Participation.
    pub id: Uuid,
    /// The learner.
    pub learner_id: Uuid,
    /// Last name.
    pub last_name: String,
    /// First name.
    pub first_name: String,
    /// Division (SCO).
    pub division: Option<String>,
    /// Group (SUP).
    pub group_name: Option<String>,
    /// Student number (SUP).
    pub student_number: Option<String>,
    /// Extra columns (JSON).
    pub extra: String,
    /// External id.
    pub external_id: Option<String>,
    /// Status.
    pub status: String,
    /// Start.
    pub created_at: i64,
    /// Share.
    pub shared_at: Option<i64>,
    /// Mastery at share.
    pub mastery_rate: Option<f64>,
    /// Validated skills at share.
    pub validated_skills: Option<i64>,
    /// Pix at share.
    pub pix_score: Option<i64>,
    /// Snapshot at share.
    pub snapshot: Option<String>,
    /// The assessment, if any.
    pub assessment_id: Option<Uuid>,
}

macro_rules! select_participants {
    ($rest:literal) => {
        concat!(
            "SELECT p.id, l.id AS learner_id, l.last_name, l.first_name, l.division, l.group_name, l.student_number, l.extra, p.external_id, p.status, \
             p.created_at, p.shared_at, p.mastery_rate, p.validated_skills, p.pix_score, p.snapshot, \
             (SELECT a.id FROM assessments a WHERE a.participation_id = p.id ORDER BY a.created_at DESC LIMIT 1) AS assessment_id \
             FROM campaign_participations p JOIN organization_learners l ON l.id = p.organization_learner_id \
             WHERE p.campaign_id = $1 AND p.deleted_at IS NULL AND NOT p.is_improved ",
            $rest
        )
    };
}

/// One page of a campaign's participants (any status), by name.
pub async fn participants(
    conn: impl Into<Conn<'_>>,
    campaign: Uuid,
    limit: i64,
    offset: i64,
) -> Result<Vec<ParticipantRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, ParticipantRow>(select_participants!("ORDER BY l.last_name, l.first_name, p.created_at LIMIT $2 OFFSET $3"))
            .bind(campaign).bind(limit).bind(offset).fetch_all(c).await
    })
}

/// One page of a campaign's shared results, by name, optionally filtered by a name search and a division or group.
pub async fn shared_results(
    conn: impl Into<Conn<'_>>,
    campaign: Uuid,
    search: &str,
    division: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<ParticipantRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, ParticipantRow>(select_participants!(
            "AND p.status = 'SHARED' AND ($2 = '' OR LOWER(l.last_name || ' ' || l.first_name) LIKE $2) \
             AND ($3 = '' OR l.division = $3 OR l.group_name = $3) ORDER BY l.last_name, l.first_name LIMIT $4 OFFSET $5"
        ))
        .bind(campaign).bind(search).bind(division).bind(limit).bind(offset)
        .fetch_all(c)
        .await
    })
}

/// One participant's row (for their result page).
pub async fn participant(
    conn: impl Into<Conn<'_>>,
    campaign: Uuid,
    participation: Uuid,
) -> Result<Option<ParticipantRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, ParticipantRow>(select_participants!("AND p.id = $2")).bind(campaign).bind(participation).fetch_optional(c).await
    })
}

/// Divisions and groups of a campaign's participants (filters).
pub async fn divisions(conn: impl Into<Conn<'_>>, campaign: Uuid) -> Result<Vec<String>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar(
            "SELECT DISTINCT COALESCE(l.division, l.group_name) FROM campaign_participations p JOIN organization_learners l ON l.id = p.organization_learner_id \
             WHERE p.campaign_id = $1 AND p.deleted_at IS NULL AND COALESCE(l.division, l.group_name) IS NOT NULL ORDER BY 1",
        )
        .bind(campaign)
        .fetch_all(c)
        .await
    })
}

/// The skills assessed so far in the campaign assessments of these participations, for
/// progression: (participation, assessed skills count, assessment completed).
pub async fn progress_of(conn: impl Into<Conn<'_>>, campaign: Uuid) -> Result<Vec<(Uuid, i64, bool)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as(
            "SELECT p.id, (SELECT CAST(COUNT(DISTINCT k.skill) AS BIGINT) FROM knowledge_elements k JOIN assessments a ON a.id = k.assessment_id WHERE a.participation_id = p.id), \
             EXISTS (SELECT 1 FROM assessments a WHERE a.participation_id = p.id AND a.state = 'completed') \
             FROM campaign_participations p WHERE p.campaign_id = $1 AND p.deleted_at IS NULL AND NOT p.is_improved",
        )
        .bind(campaign)
        .fetch_all(c)
        .await
    })
}

/// The free columns of an organisation's generic learner list (export headers).
pub async fn extra_columns(conn: impl Into<Conn<'_>>, campaign: Uuid) -> Result<Vec<String>, sqlx::Error> {
    let raw: Option<String> = on_conn!(conn, c => {
        sqlx::query_scalar("SELECT o.extra_columns FROM campaigns c JOIN organizations o ON o.id = c.organization_id WHERE c.id = $1")
            .bind(campaign).fetch_optional(c).await
    })?;
    Ok(raw.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default())
}

/// A line of a campaign export: the participant, and how far their test went.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    /// The participant.
    #[sqlx(flatten)]
    pub p: ParticipantRow,
    /// Campaign skills assessed so far.
    pub assessed: i64,
    /// The test is over.
    pub completed: bool,
}

/// The live participations of a campaign in export order (by name): the key list an export pages
/// through, so that no connection is held while the client reads.
pub async fn export_order(conn: impl Into<Conn<'_>>, campaign: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar(
            "SELECT p.id FROM campaign_participations p JOIN organization_learners l ON l.id = p.organization_learner_id \
             WHERE p.campaign_id = $1 AND p.deleted_at IS NULL AND NOT p.is_improved ORDER BY l.last_name, l.first_name, p.created_at, p.id",
        )
        .bind(campaign)
        .fetch_all(c)
        .await
    })
}

/// The export lines of these participations, in any order (at most 500 ids: both databases'
/// parameter limits).
pub async fn export_rows(conn: impl Into<Conn<'_>>, ids: &[Uuid]) -> Result<Vec<ExportRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    on_conn!(conn, c => {
        let mut q = sqlx::QueryBuilder::new(
            "SELECT p.id, l.id AS learner_id, l.last_name, l.first_name, l.division, l.group_name, l.student_number, l.extra, p.external_id, p.status, \
             p.created_at, p.shared_at, p.mastery_rate, p.validated_skills, p.pix_score, p.snapshot, NULL AS assessment_id, \
             (SELECT CAST(COUNT(DISTINCT k.skill) AS BIGINT) FROM knowledge_elements k JOIN assessments a ON a.id = k.assessment_id WHERE a.participation_id = p.id) AS assessed, \
             EXISTS (SELECT 1 FROM assessments a WHERE a.participation_id = p.id AND a.state = 'completed') AS completed \
             FROM campaign_participations p JOIN organization_learners l ON l.id = p.organization_learner_id WHERE p.id IN (",
        );
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        q.push(")");
        q.build_query_as::<ExportRow>().fetch_all(&mut *c).await
    })
}

/// An organisation's entry about a person, for their data export.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct LearnerEntry {
    /// Organisation.
    pub organization_id: Uuid,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Birth date.
    pub birth_date: Option<String>,
    /// National student id.
    pub national_id: Option<String>,
    /// Student number.
    pub student_number: Option<String>,
    /// Division.
    pub division: Option<String>,
    /// Group.
    pub group_name: Option<String>,
    /// Extra columns (JSON).
    pub extra: String,
}

/// Every organisation's entry about a person.
pub async fn learner_entries_of_user(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<LearnerEntry>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, LearnerEntry>(
            "SELECT organization_id, first_name, last_name, birth_date, national_id, student_number, division, group_name, extra FROM organization_learners WHERE user_id = $1",
        )
        .bind(user)
        .fetch_all(c)
        .await
    })
}

/// Erasure: the person's entries in every organisation lose their identity (names replaced,
/// identifiers removed, division and group kept so that class figures stay right), and the
/// external ids they gave campaigns are removed.
pub async fn anonymise_learners_of_user(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE organization_learners SET first_name = '(anonymised)', last_name = '(anonymised)', birth_date = NULL, national_id = NULL, \
             student_number = NULL, extra = '{}' WHERE user_id = $1",
        )
        .bind(user)
        .execute(&mut *c)
        .await?;
        sqlx::query("UPDATE campaign_participations SET external_id = NULL WHERE user_id = $1").bind(user).execute(&mut *c).await.map(|_| ())
    })
}

// ------------------------------------------------------------------ learner lists

/// A learner of an organisation's list.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ListedLearner {
    /// Id.
    pub id: Uuid,
    /// Linked account, once the learner joined a campaign.
    pub user_id: Option<Uuid>,
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
