//! Every SQL statement of the quests context: attestations, quests, rewards and their sharing.

use uuid::Uuid;

use crate::{db::Conn, on_conn};

/// An attestation the back office defined.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attestation {
    /// Its key (`SIXTH_GRADE`).
    pub key: String,
    /// Its title.
    pub label: String,
    /// What it says; `{name}` and `{date}` are filled in.
    pub body: String,
    /// Creation (µs).
    pub created_at: i64,
}

/// A quest row: requirements as JSON.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuestRow {
    /// Id.
    pub id: Uuid,
    /// `attestations`.
    pub reward_type: String,
    /// The attestation's key.
    pub reward_key: String,
    /// Eligibility requirements (JSON list).
    pub eligibility: String,
    /// Success requirements (JSON list).
    pub success: String,
    /// Creation (µs).
    pub created_at: i64,
    /// Last change (µs).
    pub updated_at: i64,
}

/// A reward a person obtained.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Reward {
    /// Id.
    pub id: Uuid,
    /// Who.
    pub user_id: Uuid,
    /// `attestations`.
    pub reward_type: String,
    /// The attestation's key.
    pub reward_key: String,
    /// The quest that granted it.
    pub quest_id: Option<Uuid>,
    /// When (µs).
    pub created_at: i64,
}

/// Every attestation, by key.
pub async fn attestations(conn: impl Into<Conn<'_>>) -> Result<Vec<Attestation>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Attestation>("SELECT key, label, body, created_at FROM attestations ORDER BY key").fetch_all(c).await)
}

/// An attestation by key.
pub async fn attestation(conn: impl Into<Conn<'_>>, key: &str) -> Result<Option<Attestation>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Attestation>("SELECT key, label, body, created_at FROM attestations WHERE key = $1").bind(key).fetch_optional(c).await
    })
}

/// Creates or changes an attestation.
pub async fn upsert_attestation(conn: impl Into<Conn<'_>>, a: &Attestation) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO attestations (key, label, body, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET label = excluded.label, body = excluded.body")
            .bind(&a.key).bind(&a.label).bind(&a.body).bind(a.created_at).execute(c).await.map(|_| ())
    })
}

/// Every quest, oldest first.
pub async fn quests(conn: impl Into<Conn<'_>>) -> Result<Vec<QuestRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, QuestRow>("SELECT id, reward_type, reward_key, eligibility, success, created_at, updated_at FROM quests ORDER BY created_at, id").fetch_all(c).await
    })
}

/// Records a quest.
pub async fn insert_quest(conn: impl Into<Conn<'_>>, q: &QuestRow) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO quests (id, reward_type, reward_key, eligibility, success, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(q.id).bind(&q.reward_type).bind(&q.reward_key).bind(&q.eligibility).bind(&q.success).bind(q.created_at).bind(q.updated_at)
            .execute(c).await.map(|_| ())
    })
}

/// Removes a quest (the rewards it granted stay); false when there was none.
pub async fn delete_quest(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => sqlx::query("DELETE FROM quests WHERE id = $1").bind(id).execute(c).await.map(|r| r.rows_affected() == 1))
}

/// A person's rewards, oldest first.
pub async fn rewards_of_user(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<Reward>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Reward>("SELECT id, user_id, reward_type, reward_key, quest_id, created_at FROM profile_rewards WHERE user_id = $1 ORDER BY created_at, id")
            .bind(user).fetch_all(c).await
    })
}

/// Grants a reward unless the person already has it (even granted by another node at the same
/// time: the unique key decides); its id when this call granted it.
pub async fn grant(conn: impl Into<Conn<'_>>, r: &Reward) -> Result<Option<Uuid>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO profile_rewards (id, user_id, reward_type, reward_key, quest_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, reward_type, reward_key) DO NOTHING")
            .bind(r.id).bind(r.user_id).bind(&r.reward_type).bind(&r.reward_key).bind(r.quest_id).bind(r.created_at)
            .execute(c).await.map(|done| (done.rows_affected() == 1).then_some(r.id))
    })
}

/// Shares a reward with an organisation (nothing when it already is).
pub async fn share(
    conn: impl Into<Conn<'_>>,
    reward: Uuid,
    organization: Uuid,
    participation: Option<Uuid>,
    at: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO shared_profile_rewards (reward_id, organization_id, participation_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(reward).bind(organization).bind(participation).bind(at).execute(c).await.map(|_| ())
    })
}

/// The organisations a person's rewards are shared with: (reward, organisation).
pub async fn shares_of_user(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as("SELECT s.reward_id, s.organization_id FROM shared_profile_rewards s JOIN profile_rewards r ON r.id = s.reward_id WHERE r.user_id = $1 ORDER BY s.created_at")
            .bind(user).fetch_all(c).await
    })
}

/// Erases a person's rewards (and their sharing).
pub async fn delete_rewards_of_user(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM shared_profile_rewards WHERE reward_id IN (SELECT id FROM profile_rewards WHERE user_id = $1)").bind(user).execute(&mut *c).await?;
        sqlx::query("DELETE FROM profile_rewards WHERE user_id = $1").bind(user).execute(&mut *c).await.map(|r| r.rows_affected())
    })
}

/// An attestation shared with an organisation, with the learner as the organisation knows them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SharedAttestation {
    /// The reward.
    pub reward_id: Uuid,
    /// The attestation's key.
    pub reward_key: String,
    /// When it was obtained (µs).
    pub obtained_at: i64,
    /// The learner's first name, in the organisation's list.
    pub first_name: String,
    /// Their last name.
    pub last_name: String,
    /// Their class.
    pub division: Option<String>,
}

/// The attestations shared with an organisation, by class and name: those whose participation's
/// results the learner shared (as every result the organisation sees), of learners still on its list.
pub async fn shared_with(conn: impl Into<Conn<'_>>, organization: Uuid) -> Result<Vec<SharedAttestation>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, SharedAttestation>("SELECT r.id AS reward_id, r.reward_key, r.created_at AS obtained_at, l.first_name, l.last_name, l.division FROM shared_profile_rewards s JOIN profile_rewards r ON r.id = s.reward_id JOIN campaign_participations p ON p.id = s.participation_id JOIN organization_learners l ON l.id = p.organization_learner_id WHERE s.organization_id = $1 AND p.status = 'SHARED' AND p.deleted_at IS NULL AND l.deleted_at IS NULL ORDER BY l.division, l.last_name, l.first_name, r.reward_key")
            .bind(organization).fetch_all(c).await
    })
}

/// A combined-course blueprint the back office wrote.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Blueprint {
    /// Id.
    pub id: Uuid,
    /// Its name (the deployed courses' name).
    pub name: String,
    /// What learners read first.
    pub description: String,
    /// The attestation completing a course grants.
    pub attestation_key: Option<String>,
    /// Its items (JSON).
    pub items: String,
    /// Creation (µs).
    pub created_at: i64,
}

/// A combined course deployed in an organisation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CourseRow {
    /// Id.
    pub id: Uuid,
    /// The code learners type (shared namespace with campaigns).
    pub code: String,
    /// The organisation.
    pub organization_id: Uuid,
    /// The blueprint it was deployed from.
    pub blueprint_id: Option<Uuid>,
    /// Its name.
    pub name: String,
    /// What learners read first.
    pub description: String,
    /// The attestation completing it grants.
    pub attestation_key: Option<String>,
    /// Its items (JSON).
    pub items: String,
    /// Who deployed it.
    pub created_by: Option<Uuid>,
    /// Creation (µs).
    pub created_at: i64,
}

/// A learner's participation in a combined course.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CourseParticipation {
    /// The course.
    pub combined_course_id: Uuid,
    /// The learner.
    pub user_id: Uuid,
    /// `STARTED` or `COMPLETED`.
    pub status: String,
    /// Start (µs).
    pub created_at: i64,
    /// Last change (µs).
    pub updated_at: i64,
}

/// Records a blueprint.
pub async fn insert_blueprint(conn: impl Into<Conn<'_>>, b: &Blueprint) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO course_blueprints (id, name, description, attestation_key, items, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(b.id).bind(&b.name).bind(&b.description).bind(&b.attestation_key).bind(&b.items).bind(b.created_at)
            .execute(c).await.map(|_| ())
    })
}

/// Every blueprint, by name.
pub async fn blueprints(conn: impl Into<Conn<'_>>) -> Result<Vec<Blueprint>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Blueprint>("SELECT id, name, description, attestation_key, items, created_at FROM course_blueprints ORDER BY name, id").fetch_all(c).await
    })
}

macro_rules! select_course {
    ($where:literal) => {
        concat!(
            "SELECT id, code, organization_id, blueprint_id, name, description, attestation_key, items, created_by, created_at FROM combined_courses ",
            $where
        )
    };
}

/// Records a course unless its code is taken (by a campaign or a course); true when recorded.
pub async fn insert_course(conn: impl Into<Conn<'_>>, r: &CourseRow) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        let reserved = sqlx::query(crate::access_codes::RESERVE)
            .bind(&r.code).bind(crate::access_codes::Kind::CombinedCourse.as_str()).bind(r.created_at)
            .execute(&mut *c).await?;
        if reserved.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("INSERT INTO combined_courses (id, code, organization_id, blueprint_id, name, description, attestation_key, items, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(r.id).bind(&r.code).bind(r.organization_id).bind(r.blueprint_id).bind(&r.name).bind(&r.description)
            .bind(&r.attestation_key).bind(&r.items).bind(r.created_by).bind(r.created_at)
            .execute(c).await.map(|_| true)
    })
}

/// A course by its code.
pub async fn course_by_code(conn: impl Into<Conn<'_>>, code: &str) -> Result<Option<CourseRow>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, CourseRow>(select_course!("WHERE code = $1")).bind(code).fetch_optional(c).await)
}

/// A course by id.
pub async fn course(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<CourseRow>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, CourseRow>(select_course!("WHERE id = $1")).bind(id).fetch_optional(c).await)
}

/// Every course, the most recent first (the back office's list).
pub async fn all_courses(conn: impl Into<Conn<'_>>) -> Result<Vec<CourseRow>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, CourseRow>(select_course!("ORDER BY created_at DESC, id LIMIT 200")).fetch_all(c).await)
}

/// An organisation's courses, the most recent first.
pub async fn courses_of_organization(conn: impl Into<Conn<'_>>, org: Uuid) -> Result<Vec<CourseRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, CourseRow>(select_course!("WHERE organization_id = $1 ORDER BY created_at DESC, id")).bind(org).fetch_all(c).await
    })
}

/// Per course of an organisation: (course, participants, of whom completed).
pub async fn course_counts(conn: impl Into<Conn<'_>>, org: Uuid) -> Result<Vec<(Uuid, i64, i64)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as("SELECT p.combined_course_id, COUNT(*), SUM(CASE WHEN p.status = 'COMPLETED' THEN 1 ELSE 0 END) FROM combined_course_participations p JOIN combined_courses k ON k.id = p.combined_course_id WHERE k.organization_id = $1 GROUP BY p.combined_course_id")
            .bind(org).fetch_all(c).await
    })
}

/// Starts a learner's participation (nothing when they already have one).
pub async fn start_course(conn: impl Into<Conn<'_>>, course: Uuid, user: Uuid, at: i64) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO combined_course_participations (id, combined_course_id, user_id, status, created_at, updated_at) VALUES ($1, $2, $3, 'STARTED', $4, $4) ON CONFLICT (combined_course_id, user_id) DO NOTHING")
            .bind(Uuid::now_v7()).bind(course).bind(user).bind(at).execute(c).await.map(|_| ())
    })
}

macro_rules! select_participation {
    ($where:literal) => {
        concat!(
            "SELECT combined_course_id, user_id, status, created_at, updated_at FROM combined_course_participations ",
            $where
        )
    };
}

/// A learner's participation in a course.
pub async fn course_participation(
    conn: impl Into<Conn<'_>>,
    course: Uuid,
    user: Uuid,
) -> Result<Option<CourseParticipation>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, CourseParticipation>(select_participation!("WHERE combined_course_id = $1 AND user_id = $2"))
            .bind(course).bind(user).fetch_optional(c).await
    })
}

/// A learner's course participations, the most recently active first.
pub async fn course_participations_of_user(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
) -> Result<Vec<CourseParticipation>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, CourseParticipation>(select_participation!("WHERE user_id = $1 ORDER BY updated_at DESC, combined_course_id"))
            .bind(user).fetch_all(c).await
    })
}

/// A course's participations, the oldest first.
pub async fn participations_of_course(
    conn: impl Into<Conn<'_>>,
    course: Uuid,
) -> Result<Vec<CourseParticipation>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, CourseParticipation>(select_participation!("WHERE combined_course_id = $1 ORDER BY created_at, user_id"))
            .bind(course).fetch_all(c).await
    })
}

/// Marks a participation completed; true when this call did (not when it already was).
pub async fn complete_course(
    conn: impl Into<Conn<'_>>,
    course: Uuid,
    user: Uuid,
    at: i64,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE combined_course_participations SET status = 'COMPLETED', updated_at = $3 WHERE combined_course_id = $1 AND user_id = $2 AND status = 'STARTED'")
            .bind(course).bind(user).bind(at).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Erases a person's course participations.
pub async fn delete_course_participations_of_user(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM combined_course_participations WHERE user_id = $1").bind(user).execute(c).await.map(|r| r.rows_affected())
    })
}
