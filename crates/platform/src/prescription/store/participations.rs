//! Participations: joining, the test, sharing, the organisation's lists and exports, a person's data.

use uuid::Uuid;

use super::super::model::Participation;
use crate::{db::Conn, on_conn};

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
    /// Its target profile (trainings are attached to it).
    pub target_profile_id: Option<Uuid>,
}

/// The campaign of a participation.
pub async fn campaign_of_participation(
    conn: impl Into<Conn<'_>>,
    participation: Uuid,
) -> Result<Option<AssessmentCampaign>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, AssessmentCampaign>(
            "SELECT c.id AS campaign_id, c.type, c.skills, c.code, c.title, c.target_profile_id FROM campaign_participations p JOIN campaigns c ON c.id = p.campaign_id WHERE p.id = $1",
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
    /// What its list says of them.
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub entry: super::learner_lists::ListEntry,
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

/// A participation as quests see it: with its campaign, organisation and organisation learner.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuestParticipation {
    /// The participation.
    pub id: Uuid,
    /// `STARTED`, `TO_SHARE`, `SHARED`.
    pub status: String,
    /// Mastery fixed when shared.
    pub mastery_rate: Option<f64>,
    /// Its campaign.
    pub campaign_id: Uuid,
    /// The campaign's skills (JSON names).
    pub skills: String,
    /// The campaign's target profile.
    pub target_profile_id: Option<Uuid>,
    /// The organisation.
    pub organization_id: Uuid,
    /// Its type (`SCO`, `SUP`, `PRO`).
    pub organization_type: String,
    /// The learner in the organisation.
    pub organization_learner_id: Uuid,
    /// Their class, if any.
    pub division: Option<String>,
    /// Their group, if any.
    pub group_name: Option<String>,
}

/// Every live participation of a person, with what quests look at.
pub async fn quest_participations(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
) -> Result<Vec<QuestParticipation>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, QuestParticipation>("SELECT p.id, p.status, p.mastery_rate, c.id AS campaign_id, c.skills, c.target_profile_id, o.id AS organization_id, o.kind AS organization_type, l.id AS organization_learner_id, l.division, l.group_name FROM campaign_participations p JOIN campaigns c ON c.id = p.campaign_id JOIN organizations o ON o.id = c.organization_id JOIN organization_learners l ON l.id = p.organization_learner_id WHERE p.user_id = $1 AND p.deleted_at IS NULL AND c.deleted_at IS NULL ORDER BY p.created_at, p.id")
            .bind(user).fetch_all(c).await
    })
}

/// The people who took part in a campaign.
pub async fn users_of_campaign(conn: impl Into<Conn<'_>>, campaign: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar("SELECT DISTINCT user_id FROM campaign_participations WHERE campaign_id = $1 AND deleted_at IS NULL")
            .bind(campaign).fetch_all(c).await
    })
}
