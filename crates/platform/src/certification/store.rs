//! Every SQL statement of the certification context. Functions take `impl Into<Conn>`: the pool or
//! an open transaction.

use uuid::Uuid;

use super::model::{Candidate, Center, CertResult, Course, Enrolment, IssueReport, NewSession, Session};
use crate::{db::Conn, on_conn};

// ------------------------------------------------------------------ centres

/// Every centre, by name.
pub async fn centers(conn: impl Into<Conn<'_>>) -> Result<Vec<Center>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Center>("SELECT id, name, kind, external_id, created_at FROM certification_centers ORDER BY name").fetch_all(c).await
    })
}

/// A centre.
pub async fn center(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<Center>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Center>("SELECT id, name, kind, external_id, created_at FROM certification_centers WHERE id = $1")
            .bind(id).fetch_optional(c).await
    })
}

/// A new centre.
pub async fn insert_center(
    conn: impl Into<Conn<'_>>,
    id: Uuid,
    name: &str,
    kind: &str,
    external_id: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO certification_centers (id, name, kind, external_id, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id).bind(name).bind(kind).bind(external_id).bind(now).execute(c).await.map(|_| ())
    })
}

// ------------------------------------------------------------------ sessions

macro_rules! select_session {
    ($rest:literal) => {
        concat!(
            "SELECT id, center_id, number, address, room, examiner, date, time, description, access_code, invigilator_password, version, \
             created_at, finalized_at, published_at FROM certification_sessions ",
            $rest
        )
    };
}

/// Whether a session number is taken.
pub async fn number_taken(conn: impl Into<Conn<'_>>, number: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar::<_, i64>("SELECT CAST(COUNT(*) AS BIGINT) FROM certification_sessions WHERE number = $1")
            .bind(number).fetch_one(c).await.map(|n| n > 0)
    })
}

/// Identity and codes of a new session.
pub struct SessionKeys<'a> {
    /// Id.
    pub id: Uuid,
    /// Centre.
    pub center: Uuid,
    /// Number.
    pub number: i64,
    /// Access code.
    pub access_code: &'a str,
    /// Invigilator password.
    pub invigilator_password: &'a str,
    /// Creator.
    pub created_by: Uuid,
}

/// A new session.
pub async fn insert_session(
    conn: impl Into<Conn<'_>>,
    k: SessionKeys<'_>,
    s: &NewSession,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO certification_sessions (id, center_id, number, address, room, examiner, date, time, description, access_code, \
             invigilator_password, version, created_by, created_at, finalized_at, published_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, NULL)",
        )
        .bind(k.id).bind(k.center).bind(k.number).bind(&s.address).bind(&s.room).bind(&s.examiner).bind(&s.date).bind(&s.time)
        .bind(&s.description).bind(k.access_code).bind(k.invigilator_password).bind(s.version).bind(k.created_by).bind(now)
        .execute(c).await.map(|_| ())
    })
}

/// Changes a session's place, time, invigilators and version.
pub async fn update_session(conn: impl Into<Conn<'_>>, id: Uuid, s: &NewSession) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE certification_sessions SET address = $2, room = $3, examiner = $4, date = $5, time = $6, description = $7, version = $8 WHERE id = $1",
        )
        .bind(id).bind(&s.address).bind(&s.room).bind(&s.examiner).bind(&s.date).bind(&s.time).bind(&s.description).bind(s.version)
        .execute(c).await.map(|_| ())
    })
}

/// A session of a centre.
pub async fn session_of(conn: impl Into<Conn<'_>>, center: Uuid, id: Uuid) -> Result<Option<Session>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Session>(select_session!("WHERE center_id = $1 AND id = $2")).bind(center).bind(id).fetch_optional(c).await
    })
}

/// A session of a centre by its number.
pub async fn session_by_number(
    conn: impl Into<Conn<'_>>,
    center: Uuid,
    number: i64,
) -> Result<Option<Session>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Session>(select_session!("WHERE center_id = $1 AND number = $2")).bind(center).bind(number).fetch_optional(c).await
    })
}

/// A centre's sessions with their candidate counts, latest date first.
pub async fn sessions_of(conn: impl Into<Conn<'_>>, center: Uuid) -> Result<Vec<(Session, i64)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        session: Session,
        candidates: i64,
    }
    let rows: Vec<Row> = on_conn!(conn, c => {
        sqlx::query_as::<_, Row>(
            "SELECT s.id, s.center_id, s.number, s.address, s.room, s.examiner, s.date, s.time, s.description, s.access_code, \
             s.invigilator_password, s.version, s.created_at, s.finalized_at, s.published_at, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM certification_candidates k WHERE k.session_id = s.id) AS candidates \
             FROM certification_sessions s WHERE s.center_id = $1 ORDER BY s.date DESC, s.time DESC, s.number",
        )
        .bind(center).fetch_all(c).await
    })?;
    Ok(rows.into_iter().map(|r| (r.session, r.candidates)).collect())
}

// ------------------------------------------------------------------ candidates

macro_rules! select_candidate {
    ($rest:literal) => {
        concat!(
            "SELECT id, session_id, first_name, last_name, birth_date, sex, birth_country, birth_insee_code, birth_postal_code, birth_city, \
             external_id, extra_time_percentage, accessibility_adjustment, email, result_recipient_email, user_id, reconciled_at, \
             authorized_to_start FROM certification_candidates ",
            $rest
        )
    };
}

/// The candidates of a session, by name.
pub async fn candidates(conn: impl Into<Conn<'_>>, session: Uuid) -> Result<Vec<Candidate>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Candidate>(select_candidate!("WHERE session_id = $1 ORDER BY last_name, first_name, id"))
            .bind(session).fetch_all(c).await
    })
}

/// A candidate of a session.
pub async fn candidate(conn: impl Into<Conn<'_>>, session: Uuid, id: Uuid) -> Result<Option<Candidate>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Candidate>(select_candidate!("WHERE session_id = $1 AND id = $2")).bind(session).bind(id).fetch_optional(c).await
    })
}

/// Another candidate of the session with the same names and birth date, if any.
pub async fn same_person(
    conn: impl Into<Conn<'_>>,
    session: Uuid,
    except: Option<Uuid>,
    c: &Enrolment,
) -> Result<bool, sqlx::Error> {
    let rows: Vec<(Uuid, String, String)> = on_conn!(conn, db => {
        sqlx::query_as("SELECT id, first_name, last_name FROM certification_candidates WHERE session_id = $1 AND birth_date = $2")
            .bind(session).bind(&c.birth_date).fetch_all(db).await
    })?;
    let key = |s: &str| crate::csv_import::name_key(s);
    Ok(rows.iter().any(|(id, first, last)| {
        Some(*id) != except && key(first) == key(&c.first_name) && key(last) == key(&c.last_name)
    }))
}

/// Enrols a candidate.
pub async fn insert_candidate(
    conn: impl Into<Conn<'_>>,
    id: Uuid,
    session: Uuid,
    c: &Enrolment,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, db => {
        sqlx::query(
            "INSERT INTO certification_candidates (id, session_id, first_name, last_name, birth_date, sex, birth_country, birth_insee_code, \
             birth_postal_code, birth_city, external_id, extra_time_percentage, accessibility_adjustment, email, result_recipient_email, \
             user_id, reconciled_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, NULL, NULL, $16, $16)",
        )
        .bind(id).bind(session).bind(&c.first_name).bind(&c.last_name).bind(&c.birth_date).bind(&c.sex).bind(&c.birth_country)
        .bind(&c.birth_insee_code).bind(&c.birth_postal_code).bind(&c.birth_city).bind(&c.external_id).bind(c.extra_time_percentage)
        .bind(c.accessibility_adjustment).bind(&c.email).bind(&c.result_recipient_email).bind(now)
        .execute(db).await.map(|_| ())
    })
}

/// Changes a candidate's enrolment.
pub async fn update_candidate(conn: impl Into<Conn<'_>>, id: Uuid, c: &Enrolment, now: i64) -> Result<(), sqlx::Error> {
    on_conn!(conn, db => {
        sqlx::query(
            "UPDATE certification_candidates SET first_name = $2, last_name = $3, birth_date = $4, sex = $5, birth_country = $6, \
             birth_insee_code = $7, birth_postal_code = $8, birth_city = $9, external_id = $10, extra_time_percentage = $11, \
             accessibility_adjustment = $12, email = $13, result_recipient_email = $14, updated_at = $15 WHERE id = $1",
        )
        .bind(id).bind(&c.first_name).bind(&c.last_name).bind(&c.birth_date).bind(&c.sex).bind(&c.birth_country)
        .bind(&c.birth_insee_code).bind(&c.birth_postal_code).bind(&c.birth_city).bind(&c.external_id).bind(c.extra_time_percentage)
        .bind(c.accessibility_adjustment).bind(&c.email).bind(&c.result_recipient_email).bind(now)
        .execute(db).await.map(|_| ())
    })
}

/// Removes a candidate from a session.
pub async fn delete_candidate(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<(), sqlx::Error> {
    on_conn!(conn, db => sqlx::query("DELETE FROM certification_candidates WHERE id = $1").bind(id).execute(db).await.map(|_| ()))
}

/// A person's enrolments (their data export): candidate row with its session's number, date and centre.
pub async fn enrolments_of_user(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
) -> Result<Vec<(Candidate, i64, String, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        candidate: Candidate,
        number: i64,
        date: String,
        center: String,
    }
    let rows: Vec<Row> = on_conn!(conn, db => {
        sqlx::query_as::<_, Row>(
            "SELECT k.id, k.session_id, k.first_name, k.last_name, k.birth_date, k.sex, k.birth_country, k.birth_insee_code, \
             k.birth_postal_code, k.birth_city, k.external_id, k.extra_time_percentage, k.accessibility_adjustment, k.email, \
             k.result_recipient_email, k.user_id, k.reconciled_at, k.authorized_to_start, s.number, s.date, c.name AS center \
             FROM certification_candidates k JOIN certification_sessions s ON s.id = k.session_id \
             JOIN certification_centers c ON c.id = s.center_id WHERE k.user_id = $1 ORDER BY s.date",
        )
        .bind(user).fetch_all(db).await
    })?;
    Ok(rows.into_iter().map(|r| (r.candidate, r.number, r.date, r.center)).collect())
}

// ------------------------------------------------------------------ entrance and tests

/// A session by its number, in any centre (candidates and invigilators type it).
pub async fn session_by_number_anywhere(
    conn: impl Into<Conn<'_>>,
    number: i64,
) -> Result<Option<Session>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Session>(select_session!("WHERE number = $1")).bind(number).fetch_optional(c).await)
}

/// A session by id.
pub async fn session(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<Session>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Session>(select_session!("WHERE id = $1")).bind(id).fetch_optional(c).await)
}

/// A candidate by id.
pub async fn candidate_by_id(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<Candidate>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Candidate>(select_candidate!("WHERE id = $1")).bind(id).fetch_optional(c).await)
}

/// The candidates of a session born on a day (the entrance matches names among them).
pub async fn candidates_born_on(
    conn: impl Into<Conn<'_>>,
    session: Uuid,
    birth_date: &str,
) -> Result<Vec<Candidate>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Candidate>(select_candidate!("WHERE session_id = $1 AND birth_date = $2")).bind(session).bind(birth_date).fetch_all(c).await
    })
}

/// Links a candidate to the account that joined as them, unless another account did; true when linked.
pub async fn link_candidate(conn: impl Into<Conn<'_>>, id: Uuid, user: Uuid, now: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE certification_candidates SET user_id = $2, reconciled_at = COALESCE(reconciled_at, $3) WHERE id = $1 AND (user_id IS NULL OR user_id = $2)")
            .bind(id).bind(user).bind(now).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// The invigilator authorises (or no longer authorises) a candidate to start or resume.
pub async fn set_authorized(conn: impl Into<Conn<'_>>, id: Uuid, authorized: bool) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE certification_candidates SET authorized_to_start = $2 WHERE id = $1").bind(id).bind(authorized).execute(c).await.map(|_| ())
    })
}

/// Uses the invigilator's authorisation once; false when there was none (a single UPDATE, so two
/// tabs resuming at once use it once).
pub async fn consume_authorization(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE certification_candidates SET authorized_to_start = FALSE WHERE id = $1 AND authorized_to_start")
            .bind(id).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

macro_rules! select_course {
    ($rest:literal) => {
        concat!(
            "SELECT id, candidate_id, session_id, user_id, lang, accessibility_adjustment, started_at, deadline, completed_at, ended_by_invigilator, \
             abort_reason, configuration_version, version, plan, focus_losses, last_focus_loss_at, resume_requested_at FROM certification_courses ",
            $rest
        )
    };
}

/// A course.
pub async fn course(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<Course>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Course>(select_course!("WHERE id = $1")).bind(id).fetch_optional(c).await)
}

/// The course of a candidate.
pub async fn course_of_candidate(conn: impl Into<Conn<'_>>, candidate: Uuid) -> Result<Option<Course>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Course>(select_course!("WHERE candidate_id = $1")).bind(candidate).fetch_optional(c).await)
}

/// The courses of a session.
pub async fn courses_of_session(conn: impl Into<Conn<'_>>, session: Uuid) -> Result<Vec<Course>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Course>(select_course!("WHERE session_id = $1")).bind(session).fetch_all(c).await)
}

/// A new course.
pub async fn insert_course(conn: impl Into<Conn<'_>>, k: &Course) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO certification_courses (id, candidate_id, session_id, user_id, lang, accessibility_adjustment, started_at, deadline, \
             completed_at, ended_by_invigilator, configuration_version, version, plan) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $11, $12)",
        )
        .bind(k.id).bind(k.candidate_id).bind(k.session_id).bind(k.user_id).bind(&k.lang).bind(k.accessibility_adjustment)
        .bind(k.started_at).bind(k.deadline).bind(false).bind(k.configuration_version).bind(k.version).bind(&k.plan)
        .execute(c).await.map(|_| ())
    })
}

/// Ends a course (once).
pub async fn complete_course(
    conn: impl Into<Conn<'_>>,
    id: Uuid,
    now: i64,
    by_invigilator: bool,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE certification_courses SET completed_at = $2, ended_by_invigilator = $3 WHERE id = $1 AND completed_at IS NULL")
            .bind(id).bind(now).bind(by_invigilator).execute(c).await.map(|_| ())
    })
}

/// The assessment of a course, with its answers count.
pub async fn assessment_of_course(conn: impl Into<Conn<'_>>, course: Uuid) -> Result<Option<(Uuid, i64)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as(
            "SELECT a.id, (SELECT CAST(COUNT(*) AS BIGINT) FROM answers w WHERE w.assessment_id = a.id) FROM assessments a WHERE a.course_id = $1",
        )
        .bind(course).fetch_optional(c).await
    })
}

// ------------------------------------------------------------------ finalisation, results, publication

/// Finalises an open session (once); true when this call did.
pub async fn finalize_session(
    conn: impl Into<Conn<'_>>,
    id: Uuid,
    comment: &str,
    incident: bool,
    joining_issue: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE certification_sessions SET finalized_at = $2, examiner_global_comment = $3, has_incident = $4, has_joining_issue = $5 \
             WHERE id = $1 AND finalized_at IS NULL",
        )
        .bind(id).bind(now).bind(comment).bind(incident).bind(joining_issue).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Records why a course stopped early.
pub async fn set_abort_reason(conn: impl Into<Conn<'_>>, course: Uuid, reason: &str) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE certification_courses SET abort_reason = $2 WHERE id = $1").bind(course).bind(reason).execute(c).await.map(|_| ())
    })
}

/// Whether a verification code is taken.
pub async fn code_taken(conn: impl Into<Conn<'_>>, code: &str) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar::<_, i64>("SELECT CAST(COUNT(*) AS BIGINT) FROM certification_results WHERE verification_code = $1")
            .bind(code).fetch_one(c).await.map(|n| n > 0)
    })
}

/// Stores a course's result.
pub async fn insert_result(conn: impl Into<Conn<'_>>, r: &CertResult) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO certification_results (course_id, status, reason, pix_score, capacity, score_error, answers, competence_levels, \
             verification_code, scored_at, reproducibility_rate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(r.course_id).bind(&r.status).bind(&r.reason).bind(r.pix_score).bind(r.capacity).bind(r.score_error).bind(r.answers)
        .bind(&r.competence_levels).bind(&r.verification_code).bind(r.scored_at).bind(r.reproducibility_rate)
        .execute(c).await.map(|_| ())
    })
}

macro_rules! select_result {
    ($rest:literal) => {
        concat!(
            "SELECT course_id, status, reason, pix_score, capacity, score_error, answers, competence_levels, verification_code, scored_at, \
             jury_comment_candidate, jury_comment_organization, reproducibility_rate FROM certification_results ",
            $rest
        )
    };
}

/// A course's result.
pub async fn result_of_course(conn: impl Into<Conn<'_>>, course: Uuid) -> Result<Option<CertResult>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, CertResult>(select_result!("WHERE course_id = $1")).bind(course).fetch_optional(c).await)
}

/// A result by its verification code.
pub async fn result_by_code(conn: impl Into<Conn<'_>>, code: &str) -> Result<Option<CertResult>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, CertResult>(select_result!("WHERE verification_code = $1")).bind(code).fetch_optional(c).await)
}

/// Finalised sessions waiting for publication, with their centre's name, oldest first.
pub async fn sessions_to_publish(conn: impl Into<Conn<'_>>) -> Result<Vec<(Session, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        session: Session,
        center: String,
    }
    let rows: Vec<Row> = on_conn!(conn, c => {
        sqlx::query_as::<_, Row>(
            "SELECT s.id, s.center_id, s.number, s.address, s.room, s.examiner, s.date, s.time, s.description, s.access_code, \
             s.invigilator_password, s.version, s.created_at, s.finalized_at, s.published_at, c.name AS center \
             FROM certification_sessions s JOIN certification_centers c ON c.id = s.center_id \
             WHERE s.finalized_at IS NOT NULL AND s.published_at IS NULL ORDER BY s.finalized_at",
        )
        .fetch_all(c).await
    })?;
    Ok(rows.into_iter().map(|r| (r.session, r.center)).collect())
}

/// Publishes a finalised session (once); true when this call did.
pub async fn publish_session(conn: impl Into<Conn<'_>>, id: Uuid, now: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE certification_sessions SET published_at = $2 WHERE id = $1 AND finalized_at IS NOT NULL AND published_at IS NULL")
            .bind(id).bind(now).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// The email of an account.
pub async fn email_of(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Option<String>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar::<_, Option<String>>("SELECT email FROM users WHERE id = $1").bind(user).fetch_optional(c).await.map(Option::flatten)
    })
}

// ------------------------------------------------------------------ live alerts

/// Opens an alert on a question, unless one is already open for the course; true when opened.
pub async fn open_alert(
    conn: impl Into<Conn<'_>>,
    course: Uuid,
    challenge: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut conn: Conn<'_> = conn.into();
    let open: i64 = on_conn!(&mut conn, c => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM certification_live_alerts WHERE course_id = $1 AND status = 'ongoing'")
            .bind(course).fetch_one(c).await
    })?;
    if open > 0 {
        return Ok(false);
    }
    on_conn!(&mut conn, c => {
        sqlx::query("INSERT INTO certification_live_alerts (id, course_id, challenge_id, status, created_at, handled_at) VALUES ($1, $2, $3, 'ongoing', $4, NULL)")
            .bind(Uuid::now_v7()).bind(course).bind(challenge).bind(now).execute(c).await.map(|_| true)
    })
}

/// The open alert of a course: its question.
pub async fn ongoing_alert(conn: impl Into<Conn<'_>>, course: Uuid) -> Result<Option<String>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar("SELECT challenge_id FROM certification_live_alerts WHERE course_id = $1 AND status = 'ongoing'")
            .bind(course).fetch_optional(c).await
    })
}

/// Closes the open alert of a course as `validated` or `dismissed`; its question, if one was open.
pub async fn close_alert(
    conn: impl Into<Conn<'_>>,
    course: Uuid,
    status: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let mut conn: Conn<'_> = conn.into();
    let question = ongoing_alert(&mut conn, course).await?;
    if question.is_some() {
        on_conn!(&mut conn, c => {
            sqlx::query("UPDATE certification_live_alerts SET status = $2, handled_at = $3 WHERE course_id = $1 AND status = 'ongoing'")
                .bind(course).bind(status).bind(now).execute(c).await.map(|_| ())
        })?;
    }
    Ok(question)
}

/// The questions of a course's validated alerts (their skills leave the test).
pub async fn validated_alerts(conn: impl Into<Conn<'_>>, course: Uuid) -> Result<Vec<String>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar("SELECT challenge_id FROM certification_live_alerts WHERE course_id = $1 AND status = 'validated'")
            .bind(course).fetch_all(c).await
    })
}

// ------------------------------------------------------------------ jury

/// The jury's decision on a result: its status, reason and comments.
pub async fn jury_update(
    conn: impl Into<Conn<'_>>,
    course: Uuid,
    status: &str,
    reason: &str,
    comments: (&str, &str),
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE certification_results SET status = $2, reason = $3, jury_comment_candidate = $4, jury_comment_organization = $5 WHERE course_id = $1",
        )
        .bind(course).bind(status).bind(reason).bind(comments.0).bind(comments.1).execute(c).await.map(|_| ())
    })
}

/// The latest published sessions, with their centre's name.
pub async fn published_sessions(conn: impl Into<Conn<'_>>, limit: i64) -> Result<Vec<(Session, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        session: Session,
        center: String,
    }
    let rows: Vec<Row> = on_conn!(conn, c => {
        sqlx::query_as::<_, Row>(
            "SELECT s.id, s.center_id, s.number, s.address, s.room, s.examiner, s.date, s.time, s.description, s.access_code, \
             s.invigilator_password, s.version, s.created_at, s.finalized_at, s.published_at, c.name AS center \
             FROM certification_sessions s JOIN certification_centers c ON c.id = s.center_id \
             WHERE s.published_at IS NOT NULL ORDER BY s.published_at DESC LIMIT $1",
        )
        .bind(limit).fetch_all(c).await
    })?;
    Ok(rows.into_iter().map(|r| (r.session, r.center)).collect())
}

// ------------------------------------------------------------------ signed credentials

/// An issuer key as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    /// `key-N`.
    pub id: String,
    /// `Multikey` public key.
    pub public_key: String,
    /// The seed, base64.
    pub secret: String,
    /// When a newer key took over.
    pub retired_at: Option<i64>,
    /// When it was withdrawn as compromised (no longer published).
    pub withdrawn_at: Option<i64>,
}

/// Every issuer key, oldest first.
pub async fn credential_keys(conn: impl Into<Conn<'_>>) -> Result<Vec<KeyRow>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, KeyRow>("SELECT id, public_key, secret, retired_at, withdrawn_at FROM credential_keys ORDER BY created_at, id")
            .fetch_all(c).await
    })
}

/// A new key, unless one has that id already (nodes starting together); false then.
pub async fn insert_credential_key(
    conn: impl Into<Conn<'_>>,
    id: &str,
    public_key: &str,
    secret: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO credential_keys (id, public_key, secret, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING")
            .bind(id).bind(public_key).bind(secret).bind(now).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Withdraws a key as compromised (and retires it); false when there is no such key.
pub async fn withdraw_credential_key(conn: impl Into<Conn<'_>>, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE credential_keys SET withdrawn_at = $2, retired_at = COALESCE(retired_at, $2), secret = '' WHERE id = $1 AND withdrawn_at IS NULL")
            .bind(id).bind(now).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Retires every key but `id`: they stay published (what they signed keeps verifying) and their
/// seeds are erased (nothing can be signed with them again, whoever reads the database or a backup).
pub async fn retire_credential_keys_except(conn: impl Into<Conn<'_>>, id: &str, now: i64) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE credential_keys SET retired_at = COALESCE(retired_at, $2), secret = '' WHERE id <> $1 AND (retired_at IS NULL OR secret <> '')")
            .bind(id).bind(now).execute(c).await.map(|_| ())
    })
}

/// Forgets the credentials a withdrawn key signed (they are signed anew when next downloaded).
pub async fn forget_credentials_of_key(conn: impl Into<Conn<'_>>, key: &str) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM certification_credentials WHERE key_id = $1").bind(key).execute(c).await.map(|r| r.rows_affected())
    })
}

/// The credential issued for a course, if any.
pub async fn credential_of(conn: impl Into<Conn<'_>>, course: Uuid) -> Result<Option<String>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar("SELECT credential FROM certification_credentials WHERE course_id = $1").bind(course).fetch_optional(c).await
    })
}

/// The next free position in the status lists.
pub async fn next_status_index(conn: impl Into<Conn<'_>>) -> Result<i64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar("SELECT CAST(COALESCE(MAX(status_index), -1) + 1 AS BIGINT) FROM certification_credentials").fetch_one(c).await
    })
}

/// Records an issued credential; false when the course or the position was taken meanwhile.
pub async fn insert_credential(
    conn: impl Into<Conn<'_>>,
    course: Uuid,
    index: i64,
    key: &str,
    credential: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO certification_credentials (course_id, status_index, key_id, credential, issued_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
            .bind(course).bind(index).bind(key).bind(credential).bind(now).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Positions in `[from, to)` of credentials whose result is no longer validated (the jury cancelled
/// or rejected it after publication).
pub async fn revoked_positions(conn: impl Into<Conn<'_>>, from: i64, to: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar(
            "SELECT k.status_index FROM certification_credentials k JOIN certification_results r ON r.course_id = k.course_id \
             WHERE r.status <> 'validated' AND k.status_index >= $1 AND k.status_index < $2 ORDER BY k.status_index",
        )
        .bind(from).bind(to).fetch_all(c).await
    })
}

// ------------------------------------------------------------------ issue reports

/// A course's issue reports, oldest first.
pub async fn issue_reports(conn: impl Into<Conn<'_>>, course: Uuid) -> Result<Vec<IssueReport>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, IssueReport>(
            "SELECT id, course_id, category, subcategory, question_number, description, resolution, created_at \
             FROM certification_issue_reports WHERE course_id = $1 ORDER BY created_at, id",
        )
        .bind(course).fetch_all(c).await
    })
}

/// A new issue report.
pub async fn insert_issue_report(conn: impl Into<Conn<'_>>, r: &IssueReport) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO certification_issue_reports (id, course_id, category, subcategory, question_number, description, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(r.id).bind(r.course_id).bind(&r.category).bind(&r.subcategory).bind(r.question_number).bind(&r.description).bind(r.created_at)
        .execute(c).await.map(|_| ())
    })
}

/// The candidate left the page of their test under way (exam mode): counted, with the time; false
/// when the course is over (or not theirs).
pub async fn record_focus_loss(
    conn: impl Into<Conn<'_>>,
    course: Uuid,
    user: Uuid,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE certification_courses SET focus_losses = focus_losses + 1, last_focus_loss_at = $3 \
             WHERE id = $1 AND user_id = $2 AND completed_at IS NULL",
        )
        .bind(course).bind(user).bind(now).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// The candidate, their test under way, is at the entrance asking to resume it (`Some`), or has
/// resumed it (`None`).
pub async fn set_resume_requested(conn: impl Into<Conn<'_>>, course: Uuid, at: Option<i64>) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE certification_courses SET resume_requested_at = $2 WHERE id = $1 AND completed_at IS NULL")
            .bind(course).bind(at).execute(c).await.map(|_| ())
    })
}

/// When the course's last answer was recorded (µs), if any.
pub async fn last_answer_at(conn: impl Into<Conn<'_>>, course: Uuid) -> Result<Option<i64>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MAX(a.created_at) FROM answers a JOIN assessments s ON s.id = a.assessment_id WHERE s.course_id = $1",
        )
        .bind(course).fetch_one(c).await
    })
}

/// Sessions of a centre not finalised yet.
pub async fn open_sessions_count(conn: impl Into<Conn<'_>>, center: Uuid) -> Result<i64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM certification_sessions WHERE center_id = $1 AND finalized_at IS NULL")
            .bind(center).fetch_one(c).await
    })
}

/// Moves the centre's open sessions with this description to `date` (the demo session).
pub async fn reschedule_open_sessions_described(
    conn: impl Into<Conn<'_>>,
    center: Uuid,
    description: &str,
    date: &str,
) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE certification_sessions SET date = $3 WHERE center_id = $1 AND description = $2 AND finalized_at IS NULL AND date <> $3")
            .bind(center).bind(description).bind(date).execute(c).await.map(|r| r.rows_affected())
    })
}

/// Takes the session's row lock for the rest of the transaction if it is still open (not
/// finalised); false otherwise. Finalisation writes the same row, so a report added meanwhile is
/// either in before it (and resolved) or refused after it.
pub async fn lock_open_session(conn: impl Into<Conn<'_>>, session: Uuid) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE certification_sessions SET number = number WHERE id = $1 AND finalized_at IS NULL")
            .bind(session).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Removes a course's report; false when there is none with that id.
pub async fn delete_issue_report(conn: impl Into<Conn<'_>>, course: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM certification_issue_reports WHERE id = $1 AND course_id = $2")
            .bind(id).bind(course).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Records a report's automatic resolution.
pub async fn resolve_issue_report(
    conn: impl Into<Conn<'_>>,
    id: Uuid,
    resolution: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE certification_issue_reports SET resolution = $2, resolved_at = $3 WHERE id = $1")
            .bind(id).bind(resolution).bind(now).execute(c).await.map(|_| ())
    })
}

// ------------------------------------------------------------------ personal data

/// A person's certification courses, with their result once scored.
pub async fn courses_of_user(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
) -> Result<Vec<(Course, Option<CertResult>)>, sqlx::Error> {
    let mut conn = conn.into();
    let courses: Vec<Course> = on_conn!(&mut conn, c => {
        sqlx::query_as::<_, Course>(select_course!("WHERE user_id = $1 ORDER BY started_at")).bind(user).fetch_all(c).await
    })?;
    let mut out = Vec::new();
    for course in courses {
        let result = result_of_course(&mut conn, course.id).await?;
        out.push((course, result));
    }
    Ok(out)
}

/// Erasure: the notice address the person gave is removed from their enrolments; the identity as
/// certified stays (certificates must keep verifying).
pub async fn forget_candidate_contact(tx: &mut crate::db::Tx, user: Uuid) -> Result<(), sqlx::Error> {
    on_conn!(tx, c => {
        sqlx::query("UPDATE certification_candidates SET email = NULL WHERE user_id = $1").bind(user).execute(c).await.map(|_| ())
    })
}

/// For exposure control: per challenge, the certifications that asked it since `since` (µs), and
/// the certifications started since then.
pub async fn exposure(conn: impl Into<Conn<'_>>, since: i64) -> Result<(Vec<(String, i64)>, i64), sqlx::Error> {
    on_conn!(conn, c => {
        let per: Vec<(String, i64)> = sqlx::query_as(
            "SELECT an.challenge_id, CAST(COUNT(DISTINCT a.course_id) AS BIGINT) FROM answers an \
             JOIN assessments a ON a.id = an.assessment_id \
             WHERE a.course_id IS NOT NULL AND a.created_at >= $1 GROUP BY an.challenge_id",
        )
        .bind(since).fetch_all(&mut *c).await?;
        let tests: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM certification_courses WHERE started_at >= $1")
            .bind(since).fetch_one(&mut *c).await?;
        Ok((per, tests))
    })
}

// ------------------------------------------------------------------ configuration versions

macro_rules! select_version {
    ($rest:literal) => {
        concat!("SELECT version, status, settings FROM certification_configurations ", $rest)
    };
}

/// Every configuration version, newest first.
pub async fn configuration_versions(
    conn: impl Into<crate::db::Conn<'_>>,
) -> Result<Vec<super::configuration::Version>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, super::configuration::Version>(select_version!("ORDER BY version DESC")).fetch_all(c).await)
}

/// A configuration version.
pub async fn configuration_version(
    conn: impl Into<crate::db::Conn<'_>>,
    n: i64,
) -> Result<Option<super::configuration::Version>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, super::configuration::Version>(select_version!("WHERE version = $1")).bind(n).fetch_optional(c).await)
}

/// The active configuration version.
pub async fn active_configuration(
    conn: impl Into<crate::db::Conn<'_>>,
) -> Result<Option<super::configuration::Version>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, super::configuration::Version>(select_version!("WHERE status = 'active'")).fetch_optional(c).await)
}

/// Records a configuration version (active: activated now); false when the number is taken.
pub async fn insert_configuration(
    conn: impl Into<crate::db::Conn<'_>>,
    n: i64,
    status: &str,
    settings: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO certification_configurations (version, status, settings, created_at, activated_at) \
             VALUES ($1, $2, $3, $4, CASE WHEN $2 = 'active' THEN $4 END) ON CONFLICT DO NOTHING",
        )
        .bind(n).bind(status).bind(settings).bind(now).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Activates a draft version, archiving the active one; false when it is not a draft.
pub async fn activate_configuration(tx: &mut crate::db::Tx, n: i64, now: i64) -> Result<bool, sqlx::Error> {
    on_conn!(&mut *tx, c => {
        sqlx::query("UPDATE certification_configurations SET status = 'archived', archived_at = $1 WHERE status = 'active'")
            .bind(now).execute(&mut *c).await?;
        sqlx::query("UPDATE certification_configurations SET status = 'active', activated_at = $2 WHERE version = $1 AND status = 'draft'")
            .bind(n).bind(now).execute(&mut *c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Deletes a draft version; false when it is not a draft.
pub async fn delete_draft_configuration(conn: impl Into<crate::db::Conn<'_>>, n: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM certification_configurations WHERE version = $1 AND status = 'draft'")
            .bind(n).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}
