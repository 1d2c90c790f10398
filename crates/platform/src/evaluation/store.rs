//! Every SQL statement of the evaluation context. Functions take `impl Into<Conn>`: the pool or
//! an open transaction, with the same SQL text.

use uuid::Uuid;

use crate::{db::Conn, on_conn};

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
    /// The campaign participation it belongs to (none: a competence test).
    pub participation_id: Option<Uuid>,
    /// The certification course it belongs to.
    pub course_id: Option<Uuid>,
    /// Answers recorded so far (read with the row: the challenge page shows "Question n").
    pub answered: i64,
}

/// Where a test is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestState {
    /// Under way.
    Started,
    /// Over.
    Completed,
}

impl TestState {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TestState::Started => "started",
            TestState::Completed => "completed",
        }
    }
}

impl Assessment {
    /// Where the test is (a stored state other than `completed` is a test under way).
    pub fn test_state(&self) -> TestState {
        if self.state == TestState::Completed.as_str() { TestState::Completed } else { TestState::Started }
    }

    /// The content language of the test.
    pub fn locale(&self) -> content::Locale {
        if self.locale == "en" { content::Locale::En } else { content::Locale::Fr }
    }
}

/// `SELECT … FROM assessments` followed by a condition.
macro_rules! select_assessment {
    ($rest:literal) => {
        concat!(
            "SELECT id, user_id, competence_code, state, content_version, locale, seed, is_improving, current_challenge_id, current_asked_at, \
             current_focused_out, pix_before, level_before, created_at, completed_at, participation_id, course_id, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM answers WHERE answers.assessment_id = assessments.id) AS answered FROM assessments ",
            $rest
        )
    };
}

/// An assessment by id.
pub async fn assessment(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<Assessment>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Assessment>(select_assessment!("WHERE id = $1")).bind(id).fetch_optional(c).await)
}

/// One row of [`assessment_with_answers`]: the assessment, and one of its answers if any.
#[derive(sqlx::FromRow)]
struct AssessmentAnswer {
    #[sqlx(flatten)]
    assessment: Assessment,
    answer_challenge: Option<String>,
    answer_result: Option<String>,
}

/// An assessment by id with each answer's challenge and result, in order, in one query (what an
/// answer is checked against).
pub async fn assessment_with_answers(
    conn: impl Into<Conn<'_>>,
    id: Uuid,
) -> Result<Option<(Assessment, Vec<(String, String)>)>, sqlx::Error> {
    let rows = on_conn!(conn, c => {
        sqlx::query_as::<_, AssessmentAnswer>(
            "SELECT assessments.id, assessments.user_id, competence_code, state, content_version, locale, seed, is_improving, \
             current_challenge_id, current_asked_at, current_focused_out, pix_before, level_before, assessments.created_at, \
             completed_at, participation_id, course_id, \
             CAST(0 AS BIGINT) AS answered, \
             answers.challenge_id AS answer_challenge, answers.result AS answer_result \
             FROM assessments LEFT JOIN answers ON answers.assessment_id = assessments.id \
             WHERE assessments.id = $1 ORDER BY answers.created_at, answers.id",
        )
        .bind(id)
        .fetch_all(c)
        .await
    })?;
    let mut rows = rows.into_iter();
    let Some(first) = rows.next() else { return Ok(None) };
    let answers: Vec<(String, String)> = std::iter::once((first.answer_challenge, first.answer_result))
        .chain(rows.map(|r| (r.answer_challenge, r.answer_result)))
        .filter_map(|(c, r)| Some((c?, r?)))
        .collect();
    // Counted here rather than by a subquery repeated on every joined row.
    let assessment = Assessment { answered: answers.len() as i64, ..first.assessment };
    Ok(Some((assessment, answers)))
}

/// The started assessment of a competence, if any.
pub async fn started_assessment(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
    competence: &str,
) -> Result<Option<Assessment>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Assessment>(select_assessment!(
            "WHERE user_id = $1 AND competence_code = $2 AND state = 'started' ORDER BY created_at DESC LIMIT 1"
        ))
        .bind(user)
        .bind(competence)
        .fetch_optional(c)
        .await
    })
}

/// Every assessment of a person, newest first.
pub async fn assessments_of_user(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<Assessment>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Assessment>(select_assessment!("WHERE user_id = $1 ORDER BY created_at DESC")).bind(user).fetch_all(c).await
    })
}

/// A new assessment.
pub struct NewAssessment<'a> {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user: Uuid,
    /// Competence code.
    pub competence: &'a str,
    /// `started`, or `completed` (demo seeding).
    pub state: &'a str,
    /// Content version.
    pub content_version: &'a str,
    /// `fr` or `en`.
    pub locale: &'a str,
    /// Seed of the pick.
    pub seed: i64,
    /// A retry.
    pub improving: bool,
    /// Competence pix at the start.
    pub pix_before: i64,
    /// Competence level at the start.
    pub level_before: i64,
    /// Creation time (and end time when completed).
    pub now: i64,
    /// The campaign participation (none: a competence test).
    pub participation: Option<Uuid>,
    /// The certification course.
    pub course: Option<Uuid>,
}

/// Inserts an assessment; a competence test becomes the competence's current evaluation.
pub async fn insert_assessment(conn: impl Into<Conn<'_>>, a: NewAssessment<'_>) -> Result<(), sqlx::Error> {
    let completed_at = (a.state == TestState::Completed.as_str()).then_some(a.now);
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO assessments (id, user_id, competence_code, state, content_version, locale, seed, is_improving, current_challenge_id, current_asked_at, \
             current_focused_out, pix_before, level_before, created_at, updated_at, completed_at, participation_id, course_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, $9, $10, $11, $12, $12, $13, $14, $15)",
        )
        .bind(a.id).bind(a.user).bind(a.competence).bind(a.state).bind(a.content_version).bind(a.locale).bind(a.seed)
        .bind(a.improving).bind(false).bind(a.pix_before).bind(a.level_before).bind(a.now).bind(completed_at).bind(a.participation)
        .bind(a.course)
        .execute(&mut *c)
        .await?;
        if a.participation.is_some() || a.course.is_some() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO competence_evaluations (user_id, competence_code, assessment_id, status, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id, competence_code) DO UPDATE SET assessment_id = excluded.assessment_id, status = excluded.status, updated_at = excluded.updated_at",
        )
        .bind(a.user).bind(a.competence).bind(a.id).bind(a.state).bind(a.now)
        .execute(&mut *c)
        .await
        .map(|_| ())
    })
}

/// Makes `challenge` the current question, asked at `now`.
pub async fn set_current(conn: impl Into<Conn<'_>>, id: Uuid, challenge: &str, now: i64) -> Result<(), sqlx::Error> {
    move_current(conn, id, None, challenge, now).await.map(|_| ())
}

/// The question an answer leaves, as the answer read it: moving on from it checks the test is
/// still started, on that question, with that focus (what the answer's verdict was based on).
#[derive(Debug, Clone, Copy)]
pub struct Leaving<'a> {
    /// The question answered.
    pub challenge: &'a str,
    /// Whether the learner had left its page.
    pub focused_out: bool,
}

/// Asks the next question in place of `from` (the one just answered), unless the test is no longer
/// as the answer read it: true when it moved on. `from: None` asks whatever was current.
pub async fn move_current(
    conn: impl Into<Conn<'_>>,
    id: Uuid,
    from: Option<Leaving<'_>>,
    challenge: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    // One statement both guards and moves: the answer's transaction holds SQLite's write lock a
    // statement shorter (docs/performance.md).
    on_conn!(conn, c => {
        let sql = match from {
            None => "UPDATE assessments SET current_challenge_id = $1, current_asked_at = $2, current_focused_out = $3, updated_at = $2 WHERE id = $4",
            Some(_) => "UPDATE assessments SET current_challenge_id = $1, current_asked_at = $2, current_focused_out = $3, updated_at = $2 \
                        WHERE id = $4 AND state = 'started' AND current_challenge_id = $5 AND current_focused_out = $6",
        };
        let mut query = sqlx::query(sql).bind(challenge).bind(now).bind(false).bind(id);
        if let Some(from) = from {
            query = query.bind(from.challenge).bind(from.focused_out);
        }
        query.execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// PostgreSQL: records an answer, its knowledge elements and the move to the next question in
/// **one** statement (its own transaction), unless the test is no longer as the answer read it:
/// true when it moved on. The move comes first and the rows hang on it, so an overtaken answer
/// writes nothing; an answer already recorded fails the statement on the unique key (nothing
/// written either) and is reported as overtaken too. Four round trips fewer than
/// `BEGIN`, the three writes and `COMMIT` (docs/performance.md); SQLite keeps the transaction.
pub async fn record_and_move(
    pool: &sqlx::PgPool,
    row: &AnswerRow,
    kes: &[NewKe<'_>],
    from: Leaving<'_>,
    next: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let (user, exam) = kes.first().map_or((None, false), |k| (Some(k.user), k.exam));
    let ids: Vec<Uuid> = kes.iter().map(|_| Uuid::now_v7()).collect();
    let skills: Vec<&str> = kes.iter().map(|k| k.skill).collect();
    let competences: Vec<&str> = kes.iter().map(|k| k.competence).collect();
    let sources: Vec<&str> = kes.iter().map(|k| k.source).collect();
    let statuses: Vec<&str> = kes.iter().map(|k| k.status).collect();
    let pix: Vec<f64> = kes.iter().map(|k| k.earned_pix).collect();
    let ats: Vec<i64> = kes.iter().map(|k| k.at).collect();
    let result = sqlx::query(
        "WITH moved AS ( \
             UPDATE assessments SET current_challenge_id = $1, current_asked_at = $2, current_focused_out = FALSE, updated_at = $2 \
             WHERE id = $3 AND state = 'started' AND current_challenge_id = $4 AND current_focused_out = $5 RETURNING id), \
         answer AS ( \
             INSERT INTO answers (id, assessment_id, challenge_id, value, result, result_details, timed_out, focused_out, time_spent, created_at) \
             SELECT $6, moved.id, $4, $7, $8, $9, $10, $5, $11, $2 FROM moved RETURNING id), \
         kes AS ( \
             INSERT INTO knowledge_elements (id, user_id, assessment_id, answer_id, skill, competence_code, source, status, earned_pix, created_at, exam) \
             SELECT k.id, $12, $3, answer.id, k.skill, k.competence, k.source, k.status, k.pix, k.at, $13 \
             FROM answer CROSS JOIN UNNEST($14::uuid[], $15::text[], $16::text[], $17::text[], $18::text[], $19::float8[], $20::int8[]) \
                 AS k(id, skill, competence, source, status, pix, at)) \
         SELECT CAST(COUNT(*) AS BIGINT) FROM moved",
    )
    .bind(next).bind(now).bind(row.assessment_id).bind(&row.challenge_id).bind(from.focused_out)
    .bind(row.id).bind(&row.value).bind(&row.result).bind(&row.result_details).bind(row.timed_out).bind(row.time_spent)
    .bind(user).bind(exam)
    .bind(&ids).bind(&skills).bind(&competences).bind(&sources).bind(&statuses).bind(&pix).bind(&ats)
    .fetch_one(pool)
    .await;
    match result {
        Ok(row) => Ok(sqlx::Row::get::<i64, _>(&row, 0) == 1),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Ends a test and its competence evaluation.
pub async fn complete(conn: impl Into<Conn<'_>>, a: &Assessment, now: i64) -> Result<(), sqlx::Error> {
    complete_after(conn, a, None, now).await.map(|_| ())
}

/// Ends a test after the answer to `from`, unless the test is no longer as the answer read it:
/// true when it ended. `from: None` ends it whatever was current.
pub async fn complete_after(
    conn: impl Into<Conn<'_>>,
    a: &Assessment,
    from: Option<Leaving<'_>>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        let sql = match from {
            None => "UPDATE assessments SET state = 'completed', current_challenge_id = NULL, current_asked_at = NULL, completed_at = $1, updated_at = $1 WHERE id = $2",
            Some(_) => "UPDATE assessments SET state = 'completed', current_challenge_id = NULL, current_asked_at = NULL, completed_at = $1, updated_at = $1 \
                        WHERE id = $2 AND state = 'started' AND current_challenge_id = $3 AND current_focused_out = $4",
        };
        let mut query = sqlx::query(sql).bind(now).bind(a.id);
        if let Some(from) = from {
            query = query.bind(from.challenge).bind(from.focused_out);
        }
        let ended = query.execute(&mut *c).await?;
        if ended.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("UPDATE competence_evaluations SET status = 'completed', updated_at = $1 WHERE user_id = $2 AND competence_code = $3 AND assessment_id = $4")
            .bind(now).bind(a.user_id).bind(&a.competence_code).bind(a.id).execute(&mut *c).await.map(|_| true)
    })
}

/// Leaves the answered question, unless the test is no longer as the answer read it; true when it
/// left it.
pub async fn leave_current(
    conn: impl Into<Conn<'_>>,
    id: Uuid,
    from: Leaving<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE assessments SET current_challenge_id = NULL, updated_at = $1 \
             WHERE id = $2 AND state = 'started' AND current_challenge_id = $3 AND current_focused_out = $4",
        )
        .bind(now).bind(id).bind(from.challenge).bind(from.focused_out).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Records that the learner left the page of the current question.
pub async fn set_focused_out(conn: impl Into<Conn<'_>>, id: Uuid, challenge: &str) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE assessments SET current_focused_out = $1 WHERE id = $2 AND current_challenge_id = $3")
            .bind(true).bind(id).bind(challenge).execute(c).await.map(|_| ())
    })
}

/// Ends the started tests of a competence and marks its evaluation reset.
pub async fn reset_competence(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
    competence: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE assessments SET state = 'completed', completed_at = $1, updated_at = $1 WHERE user_id = $2 AND competence_code = $3 AND state = 'started'")
            .bind(now).bind(user).bind(competence).execute(&mut *c).await?;
        sqlx::query("UPDATE competence_evaluations SET status = 'reset', updated_at = $1 WHERE user_id = $2 AND competence_code = $3")
            .bind(now).bind(user).bind(competence).execute(&mut *c).await.map(|_| ())
    })
}

/// Competence evaluation statuses of a person: (competence, status, assessment).
pub async fn evaluations(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<(String, String, Uuid)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as("SELECT competence_code, status, assessment_id FROM competence_evaluations WHERE user_id = $1").bind(user).fetch_all(c).await
    })
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

/// The knowledge elements of a person's profile (optionally one competence), oldest first;
/// knowledge gained in exam campaigns is not part of the profile.
pub async fn knowledge(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
    competence: Option<&str>,
) -> Result<Vec<KeRow>, sqlx::Error> {
    on_conn!(conn, c => {
        match competence {
            Some(code) => sqlx::query_as::<_, KeRow>("SELECT skill, competence_code, source, status, earned_pix, created_at, assessment_id FROM knowledge_elements WHERE user_id = $1 AND competence_code = $2 AND NOT exam ORDER BY created_at, id")
                .bind(user).bind(code).fetch_all(c).await,
            None => sqlx::query_as::<_, KeRow>("SELECT skill, competence_code, source, status, earned_pix, created_at, assessment_id FROM knowledge_elements WHERE user_id = $1 AND NOT exam ORDER BY created_at, id")
                .bind(user).fetch_all(c).await,
        }
    })
}

/// The knowledge elements of one assessment (an exam's own knowledge), oldest first.
pub async fn knowledge_of_assessment(conn: impl Into<Conn<'_>>, assessment: Uuid) -> Result<Vec<KeRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, KeRow>("SELECT skill, competence_code, source, status, earned_pix, created_at, assessment_id FROM knowledge_elements WHERE assessment_id = $1 ORDER BY created_at, id")
            .bind(assessment).fetch_all(c).await
    })
}

/// Every challenge a person has answered, in any test (distinct ids).
pub async fn answered_challenges(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<String>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar::<_, String>(
            "SELECT DISTINCT an.challenge_id FROM answers an JOIN assessments a ON a.id = an.assessment_id WHERE a.user_id = $1",
        )
        .bind(user).fetch_all(c).await
    })
}

/// Every knowledge element of a person, profile and exams (their data export).
pub async fn all_knowledge(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<KeRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, KeRow>("SELECT skill, competence_code, source, status, earned_pix, created_at, assessment_id FROM knowledge_elements WHERE user_id = $1 ORDER BY created_at, id")
            .bind(user).fetch_all(c).await
    })
}

/// A new knowledge element.
pub struct NewKe<'a> {
    /// Owner.
    pub user: Uuid,
    /// Assessment.
    pub assessment: Uuid,
    /// The answer that proved it (none for resets and seeds).
    pub answer: Option<Uuid>,
    /// Skill name.
    pub skill: &'a str,
    /// Competence code.
    pub competence: &'a str,
    /// direct / inferred.
    pub source: &'a str,
    /// validated / invalidated / reset.
    pub status: &'a str,
    /// Pix earned.
    pub earned_pix: f64,
    /// Creation time.
    pub at: i64,
    /// Gained in an exam: kept out of the profile.
    pub exam: bool,
}

/// Inserts a knowledge element.
pub async fn insert_ke(conn: impl Into<Conn<'_>>, k: NewKe<'_>) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO knowledge_elements (id, user_id, assessment_id, answer_id, skill, competence_code, source, status, earned_pix, created_at, exam) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(Uuid::now_v7()).bind(k.user).bind(k.assessment).bind(k.answer).bind(k.skill).bind(k.competence)
        .bind(k.source).bind(k.status).bind(k.earned_pix).bind(k.at).bind(k.exam)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// Inserts the knowledge elements one answer proved, in one statement.
pub async fn insert_kes(conn: impl Into<Conn<'_>>, kes: &[NewKe<'_>]) -> Result<(), sqlx::Error> {
    if kes.is_empty() {
        return Ok(());
    }
    on_conn!(conn, c => {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO knowledge_elements (id, user_id, assessment_id, answer_id, skill, competence_code, source, status, earned_pix, created_at, exam) ",
        );
        q.push_values(kes, |mut row, k| {
            row.push_bind(Uuid::now_v7()).push_bind(k.user).push_bind(k.assessment).push_bind(k.answer)
                .push_bind(k.skill).push_bind(k.competence).push_bind(k.source).push_bind(k.status)
                .push_bind(k.earned_pix).push_bind(k.at).push_bind(k.exam);
        });
        q.build().execute(c).await.map(|_| ())
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

/// Answers of an assessment, in order.
pub async fn answers(conn: impl Into<Conn<'_>>, assessment: Uuid) -> Result<Vec<AnswerRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, AnswerRow>(
            "SELECT id, assessment_id, challenge_id, value, result, result_details, timed_out, focused_out, time_spent, created_at FROM answers \
             WHERE assessment_id = $1 ORDER BY created_at, id",
        )
        .bind(assessment)
        .fetch_all(c)
        .await
    })
}

/// Every answer of a person (export).
pub async fn answers_of_user(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<AnswerRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, AnswerRow>(
            "SELECT a.id, a.assessment_id, a.challenge_id, a.value, a.result, a.result_details, a.timed_out, a.focused_out, a.time_spent, a.created_at \
             FROM answers a JOIN assessments s ON s.id = a.assessment_id WHERE s.user_id = $1 ORDER BY a.created_at, a.id",
        )
        .bind(user)
        .fetch_all(c)
        .await
    })
}

/// Inserts an answer unless the challenge was already answered in this assessment; true when
/// inserted (a double submission records once).
pub async fn insert_answer(conn: impl Into<Conn<'_>>, a: &AnswerRow) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO answers (id, assessment_id, challenge_id, value, result, result_details, timed_out, focused_out, time_spent, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (assessment_id, challenge_id) DO NOTHING",
        )
        .bind(a.id).bind(a.assessment_id).bind(&a.challenge_id).bind(&a.value).bind(&a.result).bind(&a.result_details)
        .bind(a.timed_out).bind(a.focused_out).bind(a.time_spent).bind(a.created_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Saved tutorial ids of a person, with when.
pub async fn saved_tutorials(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as("SELECT tutorial_id, created_at FROM saved_tutorials WHERE user_id = $1 ORDER BY created_at").bind(user).fetch_all(c).await
    })
}

/// Saves (or unsaves) a tutorial; idempotent.
pub async fn set_saved(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
    tutorial: &str,
    saved: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        if saved {
            sqlx::query("INSERT INTO saved_tutorials (user_id, tutorial_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, tutorial_id) DO NOTHING")
                .bind(user).bind(tutorial).bind(now).execute(c).await.map(|_| ())
        } else {
            sqlx::query("DELETE FROM saved_tutorials WHERE user_id = $1 AND tutorial_id = $2").bind(user).bind(tutorial).execute(c).await.map(|_| ())
        }
    })
}
