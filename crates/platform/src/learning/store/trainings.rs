//! Trainings, their triggers and target profiles, and the trainings recommended to learners.

use uuid::Uuid;

use crate::{db::Conn, on_conn};

/// A training row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TrainingRow {
    /// Id.
    pub id: Uuid,
    /// Title shown to learners.
    pub title: String,
    /// Title the back office searches.
    pub internal_title: String,
    /// An https address, or a module's short id for the `modulix` type.
    pub link: String,
    /// `autoformation`, `e-learning`, … (`learning::trainings::TrainingType`).
    #[sqlx(rename = "type")]
    pub kind: String,
    /// Duration in minutes.
    pub duration_minutes: i64,
    /// Languages, comma-separated (`fr,en`).
    pub locales: String,
    /// Who publishes it.
    pub editor_name: String,
    /// The editor's logo, served by the platform (may be empty).
    pub editor_logo_url: String,
    /// `hybrid`, `onSite` or `remote`.
    pub delivery_mode: String,
    /// What it is about (may be empty).
    pub description: String,
    /// Creation (µs).
    pub created_at: i64,
    /// Last change (µs).
    pub updated_at: i64,
}

/// A trigger row: tubes as JSON `[["tube name", level], …]`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TriggerRow {
    /// Its training.
    pub training_id: Uuid,
    /// `prerequisite` or `goal`.
    #[sqlx(rename = "type")]
    pub kind: String,
    /// Percent.
    pub threshold: i64,
    /// Tubes and caps (JSON).
    pub tubes: String,
}

/// A training recommended after a participation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecommendedRow {
    /// The participation whose test recommended it.
    pub participation_id: Uuid,
    /// Its campaign.
    pub campaign_id: Uuid,
    /// The learner's answer to "was it useful?".
    pub useful: Option<bool>,
    /// When it was recommended (µs).
    pub recommended_at: i64,
    /// The training.
    #[sqlx(flatten)]
    pub training: TrainingRow,
}

macro_rules! select_training {
    ($where:literal) => {
        concat!(
            "SELECT id, title, internal_title, link, type, duration_minutes, locales, editor_name, editor_logo_url, delivery_mode, description, created_at, updated_at FROM trainings ",
            $where
        )
    };
}

macro_rules! select_recommended {
    ($where:literal) => {
        concat!(
            "SELECT r.participation_id, r.campaign_id, r.useful, r.created_at AS recommended_at, t.id, t.title, t.internal_title, t.link, t.type, t.duration_minutes, t.locales, t.editor_name, t.editor_logo_url, t.delivery_mode, t.description, t.created_at, t.updated_at FROM recommended_trainings r JOIN trainings t ON t.id = r.training_id ",
            $where
        )
    };
}

/// Records a new training.
pub async fn insert_training(conn: impl Into<Conn<'_>>, t: &TrainingRow) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO trainings (id, title, internal_title, link, type, duration_minutes, locales, editor_name, editor_logo_url, delivery_mode, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
            .bind(t.id).bind(&t.title).bind(&t.internal_title).bind(&t.link).bind(&t.kind).bind(t.duration_minutes)
            .bind(&t.locales).bind(&t.editor_name).bind(&t.editor_logo_url).bind(&t.delivery_mode).bind(&t.description)
            .bind(t.created_at).bind(t.updated_at).execute(c).await.map(|_| ())
    })
}

/// Changes a training's fields (not its id or creation).
pub async fn update_training(conn: impl Into<Conn<'_>>, t: &TrainingRow) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE trainings SET title = $2, internal_title = $3, link = $4, type = $5, duration_minutes = $6, locales = $7, editor_name = $8, editor_logo_url = $9, delivery_mode = $10, description = $11, updated_at = $12 WHERE id = $1")
            .bind(t.id).bind(&t.title).bind(&t.internal_title).bind(&t.link).bind(&t.kind).bind(t.duration_minutes)
            .bind(&t.locales).bind(&t.editor_name).bind(&t.editor_logo_url).bind(&t.delivery_mode).bind(&t.description)
            .bind(t.updated_at).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// A training by id.
pub async fn training(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<TrainingRow>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, TrainingRow>(select_training!("WHERE id = $1")).bind(id).fetch_optional(c).await)
}

/// Every training, by internal title.
pub async fn trainings(conn: impl Into<Conn<'_>>) -> Result<Vec<TrainingRow>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, TrainingRow>(select_training!("ORDER BY internal_title, id")).fetch_all(c).await)
}

/// Every trigger (the back office's list shows their thresholds).
pub async fn all_triggers(conn: impl Into<Conn<'_>>) -> Result<Vec<TriggerRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, TriggerRow>("SELECT training_id, type, threshold, tubes FROM training_triggers ORDER BY training_id, type").fetch_all(c).await
    })
}

/// A training's triggers.
pub async fn triggers(conn: impl Into<Conn<'_>>, training: Uuid) -> Result<Vec<TriggerRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, TriggerRow>("SELECT training_id, type, threshold, tubes FROM training_triggers WHERE training_id = $1 ORDER BY type")
            .bind(training).fetch_all(c).await
    })
}

/// Sets a training's trigger of one type (one per type).
pub async fn upsert_trigger(conn: impl Into<Conn<'_>>, t: &TriggerRow) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO training_triggers (training_id, type, threshold, tubes) VALUES ($1, $2, $3, $4) ON CONFLICT (training_id, type) DO UPDATE SET threshold = excluded.threshold, tubes = excluded.tubes")
            .bind(t.training_id).bind(&t.kind).bind(t.threshold).bind(&t.tubes).execute(c).await.map(|_| ())
    })
}

/// Removes a training's trigger of one type; false when there was none.
pub async fn delete_trigger(conn: impl Into<Conn<'_>>, training: Uuid, kind: &str) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM training_triggers WHERE training_id = $1 AND type = $2")
            .bind(training).bind(kind).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Attaches a training to a target profile (nothing when it already is).
pub async fn attach_profile(conn: impl Into<Conn<'_>>, training: Uuid, profile: Uuid) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO training_target_profiles (training_id, target_profile_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(training).bind(profile).execute(c).await.map(|_| ())
    })
}

/// Detaches a training from a target profile; false when it was not attached.
pub async fn detach_profile(conn: impl Into<Conn<'_>>, training: Uuid, profile: Uuid) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM training_target_profiles WHERE training_id = $1 AND target_profile_id = $2")
            .bind(training).bind(profile).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// The target profiles of a training.
pub async fn profiles_of_training(conn: impl Into<Conn<'_>>, training: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar("SELECT target_profile_id FROM training_target_profiles WHERE training_id = $1 ORDER BY target_profile_id")
            .bind(training).fetch_all(c).await
    })
}

/// Every (training, target profile) attachment (the back office's list counts them).
pub async fn all_attachments(conn: impl Into<Conn<'_>>) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as("SELECT training_id, target_profile_id FROM training_target_profiles ORDER BY training_id").fetch_all(c).await
    })
}

/// The trainings attached to a target profile.
pub async fn trainings_of_profile(conn: impl Into<Conn<'_>>, profile: Uuid) -> Result<Vec<TrainingRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, TrainingRow>(select_training!("WHERE id IN (SELECT training_id FROM training_target_profiles WHERE target_profile_id = $1) ORDER BY internal_title, id"))
            .bind(profile).fetch_all(c).await
    })
}

/// The triggers of the trainings attached to a target profile.
pub async fn triggers_of_profile(conn: impl Into<Conn<'_>>, profile: Uuid) -> Result<Vec<TriggerRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, TriggerRow>("SELECT tr.training_id, tr.type, tr.threshold, tr.tubes FROM training_triggers tr JOIN training_target_profiles tp ON tp.training_id = tr.training_id WHERE tp.target_profile_id = $1 ORDER BY tr.training_id, tr.type")
            .bind(profile).fetch_all(c).await
    })
}

/// A recommendation to record.
#[derive(Debug, Clone, Copy)]
pub struct NewRecommendation {
    /// The participation.
    pub participation: Uuid,
    /// The training.
    pub training: Uuid,
    /// The learner.
    pub user: Uuid,
    /// The campaign.
    pub campaign: Uuid,
    /// Now (µs).
    pub at: i64,
}

/// Records a recommendation (nothing when this participation already recommended it).
pub async fn insert_recommendation(conn: impl Into<Conn<'_>>, r: NewRecommendation) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO recommended_trainings (participation_id, training_id, user_id, campaign_id, useful, created_at) VALUES ($1, $2, $3, $4, NULL, $5) ON CONFLICT (participation_id, training_id) DO NOTHING")
            .bind(r.participation).bind(r.training).bind(r.user).bind(r.campaign).bind(r.at).execute(c).await.map(|_| ())
    })
}

/// The trainings a participation recommended.
pub async fn recommended_of_participation(
    conn: impl Into<Conn<'_>>,
    participation: Uuid,
) -> Result<Vec<RecommendedRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, RecommendedRow>(select_recommended!("WHERE r.participation_id = $1 ORDER BY t.title, t.id"))
            .bind(participation).fetch_all(c).await
    })
}

/// Every training recommended to a learner, the most recent first.
pub async fn recommended_of_user(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<RecommendedRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, RecommendedRow>(select_recommended!("WHERE r.user_id = $1 ORDER BY r.created_at DESC, t.title, t.id"))
            .bind(user).fetch_all(c).await
    })
}

/// Records whether a learner found a recommended training useful; false when it was not
/// recommended to them after that participation.
pub async fn set_useful(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
    participation: Uuid,
    training: Uuid,
    useful: bool,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE recommended_trainings SET useful = $4 WHERE user_id = $1 AND participation_id = $2 AND training_id = $3")
            .bind(user).bind(participation).bind(training).bind(useful).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Per training recommended in a campaign: (training, title, participants it was recommended to,
/// of whom found it useful) — over shared participations only, as every result the organisation
/// sees (a recommendation says something of the results).
pub async fn counts_of_campaign(
    conn: impl Into<Conn<'_>>,
    campaign: Uuid,
) -> Result<Vec<(Uuid, String, i64, i64)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as("SELECT t.id, t.title, CAST(COUNT(DISTINCT r.participation_id) AS BIGINT), CAST(SUM(CASE WHEN r.useful THEN 1 ELSE 0 END) AS BIGINT) FROM recommended_trainings r JOIN trainings t ON t.id = r.training_id JOIN campaign_participations p ON p.id = r.participation_id WHERE r.campaign_id = $1 AND p.status = 'SHARED' AND p.deleted_at IS NULL GROUP BY t.id, t.title ORDER BY 3 DESC, t.title")
            .bind(campaign).fetch_all(c).await
    })
}

/// Erases the trainings recommended to a learner.
pub async fn delete_recommendations_of_user(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM recommended_trainings WHERE user_id = $1").bind(user).execute(c).await.map(|r| r.rows_affected())
    })
}
