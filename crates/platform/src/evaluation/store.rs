//! SQL of the evaluation context.

use uuid::Uuid;

use crate::{
    db::{Db, Tx},
    on_db, on_tx,
};

/// An assessment row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Assessment {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Competence code.
    pub competence_code: String,
    /// `started` or `completed`.
    pub state: String,
    /// Content version it was taken on.
    pub content_version: String,
    /// Language it is taken in (`fr`, `en`), fixed when it starts.
    pub locale: String,
    /// Seed of the reproducible pick.
    pub seed: i64,
    /// A retry of a completed competence.
    pub is_improving: bool,
    /// The challenge being asked.
    pub current_challenge_id: Option<String>,
    /// When it was asked (µs).
    pub current_asked_at: Option<i64>,
    /// The learner left the page of the current (focused) challenge.
    pub current_focused_out: bool,
    /// Competence pix at the start.
    pub pix_before: i64,
    /// Competence level at the start.
    pub level_before: i64,
    /// Creation time.
    pub created_at: i64,
    /// End time.
    pub completed_at: Option<i64>,
}

const ASSESSMENT: &str = "SELECT id, user_id, competence_code, state, content_version, locale, seed, is_improving, current_challenge_id, current_asked_at, current_focused_out, pix_before, level_before, created_at, completed_at FROM assessments";

/// An assessment by id.
pub async fn assessment(db: &Db, id: Uuid) -> Result<Option<Assessment>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as::<_, Assessment>(sqlx::AssertSqlSafe(format!("{ASSESSMENT} WHERE id = $1"))).bind(id).fetch_optional(pool).await
    })
}

/// The same, inside a transaction.
pub async fn assessment_tx(tx: &mut Tx, id: Uuid) -> Result<Option<Assessment>, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query_as::<_, Assessment>(sqlx::AssertSqlSafe(format!("{ASSESSMENT} WHERE id = $1"))).bind(id).fetch_optional(&mut *conn).await
    })
}

/// The started assessment of a competence, if any.
pub async fn started_assessment(db: &Db, user: Uuid, competence: &str) -> Result<Option<Assessment>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as::<_, Assessment>(sqlx::AssertSqlSafe(format!("{ASSESSMENT} WHERE user_id = $1 AND competence_code = $2 AND state = 'started' ORDER BY created_at DESC LIMIT 1")))
            .bind(user).bind(competence).fetch_optional(pool).await
    })
}

impl Assessment {
    /// The content language of the test.
    pub fn locale(&self) -> content::Locale {
        if self.locale == "en" { content::Locale::En } else { content::Locale::Fr }
    }
}

/// A knowledge element row.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct KeRow {
    /// Skill name.
    pub skill: String,
    /// Competence code.
    pub competence_code: String,
    /// direct / inferred.
    pub source: String,
    /// validated / invalidated / reset.
    pub status: String,
    /// Pix earned.
    pub earned_pix: f64,
    /// Creation time.
    pub created_at: i64,
    /// The assessment that created it.
    pub assessment_id: Uuid,
}

/// Every knowledge element of a person (optionally one competence), oldest first.
pub async fn knowledge(db: &Db, user: Uuid, competence: Option<&str>) -> Result<Vec<KeRow>, sqlx::Error> {
    on_db!(db, pool => {
        match competence {
            Some(c) => sqlx::query_as::<_, KeRow>("SELECT skill, competence_code, source, status, earned_pix, created_at, assessment_id FROM knowledge_elements WHERE user_id = $1 AND competence_code = $2 ORDER BY created_at, id")
                .bind(user).bind(c).fetch_all(pool).await,
            None => sqlx::query_as::<_, KeRow>("SELECT skill, competence_code, source, status, earned_pix, created_at, assessment_id FROM knowledge_elements WHERE user_id = $1 ORDER BY created_at, id")
                .bind(user).fetch_all(pool).await,
        }
    })
}

/// The same, inside a transaction.
pub async fn knowledge_tx(tx: &mut Tx, user: Uuid, competence: &str) -> Result<Vec<KeRow>, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query_as::<_, KeRow>("SELECT skill, competence_code, source, status, earned_pix, created_at, assessment_id FROM knowledge_elements WHERE user_id = $1 AND competence_code = $2 ORDER BY created_at, id")
            .bind(user).bind(competence).fetch_all(&mut *conn).await
    })
}

/// An answer row.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AnswerRow {
    /// Id.
    pub id: Uuid,
    /// Assessment.
    pub assessment_id: Uuid,
    /// Challenge id.
    pub challenge_id: String,
    /// Value as given.
    pub value: String,
    /// Result (ok, ko, aband, timedout, focusedOut).
    pub result: String,
    /// Per-input results (JSON).
    pub result_details: String,
    /// Answered after the limit.
    pub timed_out: bool,
    /// Left the page.
    pub focused_out: bool,
    /// Seconds spent.
    pub time_spent: i64,
    /// When.
    pub created_at: i64,
}

const ANSWER: &str = "SELECT id, assessment_id, challenge_id, value, result, result_details, timed_out, focused_out, time_spent, created_at FROM answers";

/// Answers of an assessment, in order.
pub async fn answers(db: &Db, assessment: Uuid) -> Result<Vec<AnswerRow>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as::<_, AnswerRow>(sqlx::AssertSqlSafe(format!("{ANSWER} WHERE assessment_id = $1 ORDER BY created_at, id"))).bind(assessment).fetch_all(pool).await
    })
}

/// The same, inside a transaction.
pub async fn answers_tx(tx: &mut Tx, assessment: Uuid) -> Result<Vec<AnswerRow>, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query_as::<_, AnswerRow>(sqlx::AssertSqlSafe(format!("{ANSWER} WHERE assessment_id = $1 ORDER BY created_at, id"))).bind(assessment).fetch_all(&mut *conn).await
    })
}

/// Every answer of a person (export).
pub async fn answers_of_user(db: &Db, user: Uuid) -> Result<Vec<AnswerRow>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as::<_, AnswerRow>("SELECT a.id, a.assessment_id, a.challenge_id, a.value, a.result, a.result_details, a.timed_out, a.focused_out, a.time_spent, a.created_at FROM answers a JOIN assessments s ON s.id = a.assessment_id WHERE s.user_id = $1 ORDER BY a.created_at, a.id")
            .bind(user).fetch_all(pool).await
    })
}

/// Every assessment of a person, newest first.
pub async fn assessments_of_user(db: &Db, user: Uuid) -> Result<Vec<Assessment>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as::<_, Assessment>(sqlx::AssertSqlSafe(format!("{ASSESSMENT} WHERE user_id = $1 ORDER BY created_at DESC"))).bind(user).fetch_all(pool).await
    })
}

/// Competence evaluation statuses of a person: (competence, status, assessment).
pub async fn evaluations(db: &Db, user: Uuid) -> Result<Vec<(String, String, Uuid)>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as("SELECT competence_code, status, assessment_id FROM competence_evaluations WHERE user_id = $1").bind(user).fetch_all(pool).await
    })
}

/// Saved tutorial ids of a person.
pub async fn saved_tutorials(db: &Db, user: Uuid) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as("SELECT tutorial_id, created_at FROM saved_tutorials WHERE user_id = $1 ORDER BY created_at").bind(user).fetch_all(pool).await
    })
}

/// Saves (or unsaves) a tutorial; idempotent.
pub async fn set_saved(db: &Db, user: Uuid, tutorial: &str, saved: bool, now: i64) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        if saved {
            sqlx::query("INSERT INTO saved_tutorials (user_id, tutorial_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, tutorial_id) DO NOTHING")
                .bind(user).bind(tutorial).bind(now).execute(pool).await.map(|_| ())
        } else {
            sqlx::query("DELETE FROM saved_tutorials WHERE user_id = $1 AND tutorial_id = $2").bind(user).bind(tutorial).execute(pool).await.map(|_| ())
        }
    })
}
