//! What centres do before a session (plan it, enrol candidates) and whether a person may be
//! certified.

use rand::RngExt;
use uuid::Uuid;

use super::{
    model::{Candidate, CandidateFields, Center, NewCandidate, Session, SessionFields, SessionStatus},
    store,
};
use crate::{
    AppState, identity,
    web::error::{AppError, FieldError},
};

/// Today in UTC, `YYYY-MM-DD`.
pub fn today(state: &AppState) -> String {
    crate::clock::today(state.clock.as_ref())
}

/// Sessions a centre may have open (planned, not finalised) at once: a centre's real need is a few
/// dozen; the cap keeps session numbers from being used up and the invigilator logins to guard few.
pub const MAX_OPEN_SESSIONS: i64 = 500;

/// Every centre, by name.
pub async fn centers(state: &AppState) -> Result<Vec<Center>, AppError> {
    Ok(store::centers(&state.db).await?)
}

/// Creates a centre (its members come by the back office's "add a member").
pub async fn create_center(
    state: &AppState,
    id: Uuid,
    name: &str,
    kind: &str,
    external_id: Option<&str>,
) -> Result<(), AppError> {
    Ok(store::insert_center(&state.db, id, name, kind, external_id, state.clock.now_micros()).await?)
}

/// A centre, or 404.
pub async fn center(state: &AppState, id: Uuid) -> Result<Center, AppError> {
    store::center(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// A session of the centre, or 404 (a session of another centre is not found either).
pub async fn session(state: &AppState, center: Uuid, id: Uuid) -> Result<Session, AppError> {
    store::session_of(&state.db, center, id).await?.ok_or(AppError::NotFound)
}

/// Plans a session: a 7-digit number nobody else has, an access code and an invigilator password.
pub async fn create_session(
    state: &AppState,
    center: Uuid,
    author: Uuid,
    fields: &SessionFields,
) -> Result<Result<Session, Vec<FieldError>>, AppError> {
    let new = match fields.validate(&today(state)) {
        Ok(s) => s,
        Err(errors) => return Ok(Err(errors)),
    };
    if store::open_sessions_count(&state.db, center).await? >= MAX_OPEN_SESSIONS {
        return Ok(Err(vec![FieldError { field: "date".into(), code: "field-session-cap".into() }]));
    }
    let (number, access_code, password) = draw_keys(&state.db).await?;
    let id = Uuid::now_v7();
    let keys = store::SessionKeys {
        id,
        center,
        number,
        access_code: &access_code,
        invigilator_password: &password,
        created_by: author,
    };
    store::insert_session(&state.db, keys, &new, state.clock.now_micros()).await?;
    identity::service::audit(
        state,
        Some(author),
        "certification.session.create",
        None,
        "certification centre",
        serde_json::json!({ "center": center, "session": id }),
    )
    .await?;
    session(state, center, id).await.map(Ok)
}

/// A session number nobody has (7 digits, drawn at random so that numbers say nothing about one
/// another; a collision draws again), an access code and an invigilator password.
pub(crate) async fn draw_keys(conn: impl Into<crate::db::Conn<'_>>) -> Result<(i64, String, String), AppError> {
    let mut conn: crate::db::Conn<'_> = conn.into();
    let (mut number, access_code, password) = {
        let mut rng = rand::rng();
        (
            rng.random_range(1_000_000..10_000_000_i64),
            engine::codes::session_access_code(&mut rng),
            engine::codes::invigilator_password(&mut rng),
        )
    };
    for _ in 0..20 {
        if !store::number_taken(&mut conn, number).await? {
            break;
        }
        number = rand::rng().random_range(1_000_000..10_000_000_i64);
    }
    Ok((number, access_code, password))
}

/// What a mass import created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    /// New sessions.
    pub sessions: usize,
    /// Candidates enrolled (in new or existing sessions).
    pub candidates: usize,
}

/// Creates the sessions and enrols the candidates of a mass-import file, all or nothing: every
/// problem, including unknown or closed session numbers and people already enrolled, is returned
/// at its line and column, and nothing is created then.
pub async fn import_sessions(
    state: &AppState,
    center: Uuid,
    author: Uuid,
    bytes: Vec<u8>,
) -> Result<Result<ImportSummary, Vec<crate::csv_import::ImportError>>, AppError> {
    use crate::csv_import::{ImportError, Problem};
    let today = today(state);
    let plan = tokio::task::spawn_blocking(move || super::import::parse(&bytes, &today))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let plan = match plan {
        Ok(p) => p,
        Err(errors) => return Ok(Err(errors)),
    };
    let at = |line: usize, column: &str, code: &str| ImportError {
        line,
        column: Some(column.to_owned()),
        problem: Problem::Field(code.to_owned()),
    };
    let now = state.clock.now_micros();
    let mut tx = state.db.begin().await?;
    let mut errors = Vec::new();
    let mut existing = Vec::new();
    for (line, number, candidates) in &plan.existing {
        match store::session_by_number(&mut tx, center, *number).await? {
            None => errors.push(at(*line, "Numéro de session préexistante", "field-import-number-unknown")),
            Some(s) if s.status() != SessionStatus::Created => {
                errors.push(at(*line, "Numéro de session préexistante", "field-import-session-closed"))
            }
            Some(s) => {
                for c in candidates {
                    if store::same_person(&mut tx, s.id, None, &c.candidate).await? {
                        errors.push(at(c.line, "Nom de naissance", "field-candidate-duplicate"));
                    }
                }
                existing.push((s.id, candidates));
            }
        }
    }
    let open = store::open_sessions_count(&mut tx, center).await?;
    if open + plan.sessions.len() as i64 > MAX_OPEN_SESSIONS {
        let line = plan.sessions.first().map_or(2, |(line, _, _)| *line);
        errors.push(ImportError { line, column: None, problem: Problem::Field("field-session-cap".into()) });
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut summary = ImportSummary::default();
    for (session, candidates) in existing {
        for c in candidates {
            store::insert_candidate(&mut tx, Uuid::now_v7(), session, &c.candidate, now).await?;
            summary.candidates += 1;
        }
    }
    for (_, new, candidates) in &plan.sessions {
        let (number, access_code, password) = draw_keys(&mut tx).await?;
        let id = Uuid::now_v7();
        let keys = store::SessionKeys {
            id,
            center,
            number,
            access_code: &access_code,
            invigilator_password: &password,
            created_by: author,
        };
        store::insert_session(&mut tx, keys, new, now).await?;
        summary.sessions += 1;
        for c in candidates {
            store::insert_candidate(&mut tx, Uuid::now_v7(), id, &c.candidate, now).await?;
            summary.candidates += 1;
        }
    }
    tx.commit().await?;
    identity::service::audit(
        state,
        Some(author),
        "certification.sessions.import",
        None,
        "certification centre",
        serde_json::json!({ "center": center, "summary": summary }),
    )
    .await?;
    Ok(Ok(summary))
}

/// Changes a session still open.
pub async fn update_session(
    state: &AppState,
    s: &Session,
    fields: &SessionFields,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    if s.status() != SessionStatus::Created {
        return Err(AppError::Conflict);
    }
    match fields.validate(&today(state)) {
        Ok(new) if new.version != s.version && !store::courses_of_session(&state.db, s.id).await?.is_empty() => {
            Ok(Err(vec![FieldError { field: "version".into(), code: "field-session-version-started".into() }]))
        }
        Ok(new) => {
            store::update_session(&state.db, s.id, &new).await?;
            Ok(Ok(()))
        }
        Err(errors) => Ok(Err(errors)),
    }
}

async fn check_candidate(
    state: &AppState,
    s: &Session,
    except: Option<Uuid>,
    fields: &CandidateFields,
) -> Result<Result<NewCandidate, Vec<FieldError>>, AppError> {
    if s.status() != SessionStatus::Created {
        return Err(AppError::Conflict);
    }
    let new = match fields.validate(&today(state)) {
        Ok(c) => c,
        Err(errors) => return Ok(Err(errors)),
    };
    if store::same_person(&state.db, s.id, except, &new).await? {
        return Ok(Err(vec![FieldError { field: "last_name".into(), code: "field-candidate-duplicate".into() }]));
    }
    Ok(Ok(new))
}

/// Enrols a candidate in an open session (409 once it is finalised).
pub async fn enrol(
    state: &AppState,
    s: &Session,
    author: Uuid,
    fields: &CandidateFields,
) -> Result<Result<Candidate, Vec<FieldError>>, AppError> {
    let new = match check_candidate(state, s, None, fields).await? {
        Ok(c) => c,
        Err(errors) => return Ok(Err(errors)),
    };
    let id = Uuid::now_v7();
    store::insert_candidate(&state.db, id, s.id, &new, state.clock.now_micros()).await?;
    identity::service::audit(
        state,
        Some(author),
        "certification.candidate.enrol",
        None,
        "certification centre",
        serde_json::json!({ "session": s.id, "candidate": id }),
    )
    .await?;
    store::candidate(&state.db, s.id, id).await?.ok_or(AppError::NotFound).map(Ok)
}

/// A candidate of the session who has not joined yet (their enrolment can still change), else 409.
pub async fn editable_candidate(state: &AppState, s: &Session, id: Uuid) -> Result<Candidate, AppError> {
    let c = store::candidate(&state.db, s.id, id).await?.ok_or(AppError::NotFound)?;
    if c.reconciled_at.is_some() || s.status() != SessionStatus::Created {
        return Err(AppError::Conflict);
    }
    Ok(c)
}

/// Changes a candidate's enrolment until they join.
pub async fn update_candidate(
    state: &AppState,
    s: &Session,
    id: Uuid,
    author: Uuid,
    fields: &CandidateFields,
) -> Result<Result<Candidate, Vec<FieldError>>, AppError> {
    editable_candidate(state, s, id).await?;
    let new = match check_candidate(state, s, Some(id), fields).await? {
        Ok(c) => c,
        Err(errors) => return Ok(Err(errors)),
    };
    store::update_candidate(&state.db, id, &new, state.clock.now_micros()).await?;
    identity::service::audit(
        state,
        Some(author),
        "certification.candidate.update",
        None,
        "certification centre",
        serde_json::json!({ "session": s.id, "candidate": id }),
    )
    .await?;
    store::candidate(&state.db, s.id, id).await?.ok_or(AppError::NotFound).map(Ok)
}

/// Removes a candidate who has not joined.
pub async fn remove_candidate(state: &AppState, s: &Session, id: Uuid, author: Uuid) -> Result<(), AppError> {
    editable_candidate(state, s, id).await?;
    store::delete_candidate(&state.db, id).await?;
    identity::service::audit(
        state,
        Some(author),
        "certification.candidate.remove",
        None,
        "certification centre",
        serde_json::json!({ "session": s.id, "candidate": id }),
    )
    .await
}

/// Whether a person may take the certification, and why.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Eligibility {
    /// At least 5 competences at level 1 or more.
    pub eligible: bool,
    /// Competences at level 1 or more.
    pub certifiable_competences: usize,
    /// How many are needed.
    pub required: usize,
    /// Level per competence.
    pub levels: Vec<CompetenceLevel>,
}

/// A competence's level in the profile.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CompetenceLevel {
    /// Competence code (`1.1`).
    pub code: String,
    /// Level (0 to 8).
    pub level: u32,
}

/// The person's eligibility from their profile (REFERENCE §6.1, PRODUCT §2.1: also for v3).
pub async fn eligibility(state: &AppState, user: Uuid) -> Result<Eligibility, AppError> {
    let profile = crate::evaluation::service::profile(state, user).await?;
    let levels: Vec<CompetenceLevel> = profile
        .iter()
        .map(|v| CompetenceLevel { code: state.content.competence(v.competence).code.clone(), level: v.score.level })
        .collect();
    let values: Vec<u32> = levels.iter().map(|l| l.level).collect();
    Ok(Eligibility {
        eligible: engine::certification::is_certifiable(&values),
        certifiable_competences: values.iter().filter(|l| **l >= 1).count(),
        required: engine::certification::MINIMUM_CERTIFIABLE_COMPETENCES,
        levels,
    })
}

// ------------------------------------------------------------------ entrance, invigilation, test

/// What a person types to join a session.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinFields {
    /// The session number.
    #[serde(default)]
    pub session_number: String,
    /// The access code the invigilator gives.
    #[serde(default)]
    pub access_code: String,
    /// First name, as enrolled.
    #[serde(default)]
    pub first_name: String,
    /// Birth name, as enrolled.
    #[serde(default)]
    pub last_name: String,
    /// Birth date, `jj/mm/aaaa` or `YYYY-MM-DD`.
    #[serde(default)]
    pub birth_date: String,
}

fn error(field: &str, code: &str) -> Vec<FieldError> {
    vec![FieldError { field: field.into(), code: code.into() }]
}

/// Why joining failed.
#[derive(Debug, Clone)]
pub enum JoinRefused {
    /// A field to correct. Every failure of the secret part (session number, access code, names,
    /// birth date, someone else already joined as that candidate) is the same `field-join-failed`,
    /// so that trying reveals nothing about which part was wrong.
    Fields(Vec<FieldError>),
    /// Too many failures of this account or at this session: wait until this time (µs).
    Locked(i64),
}

/// Joins a session as one of its candidates (names and birth date as enrolled, accents and case
/// aside), if the person may be certified; returns the candidate.
///
/// Each attempt is counted before anything secret is checked, per account
/// ([`crate::attempts::JOIN_PER_ACCOUNT`]) and per session ([`crate::attempts::JOIN_PER_SESSION`]),
/// and refunded when it succeeds. A session is joined on its own day only.
pub async fn join(state: &AppState, user: Uuid, f: &JoinFields) -> Result<Result<Candidate, JoinRefused>, AppError> {
    use crate::attempts::{self, Gate, JOIN_PER_ACCOUNT, JOIN_PER_SESSION};
    let refused = |field: &str, code: &str| Ok(Err(JoinRefused::Fields(error(field, code))));
    // About the person themselves: says nothing about anyone else.
    if !eligibility(state, user).await?.eligible {
        return refused("session_number", "field-join-not-eligible");
    }
    let Some(birth) = super::model::any_date(&f.birth_date) else {
        return refused("birth_date", "field-birth-date-invalid");
    };
    let now = state.clock.now_micros();
    let account = user.to_string();
    if let Gate::LockedUntil(until) = attempts::count(&state.db, &JOIN_PER_ACCOUNT, &account, now).await? {
        return Ok(Err(JoinRefused::Locked(until)));
    }
    let session = match f.session_number.trim().parse::<i64>() {
        Ok(number) => {
            store::session_by_number_anywhere(&state.db, number).await?.filter(|s| s.status() == SessionStatus::Created)
        }
        Err(_) => None,
    };
    let Some(session) = session else {
        return refused("session_number", "field-join-failed");
    };
    // Session numbers and dates are on every convocation: saying the day reveals nothing secret,
    // and the access code cannot be tried before it.
    if crate::clock::paris_date(now) != session.date {
        attempts::succeeded(&state.db, &JOIN_PER_ACCOUNT, &account).await?;
        return refused("session_number", "field-join-not-today");
    }
    let subject = session.id.to_string();
    if let Gate::LockedUntil(until) = attempts::count(&state.db, &JOIN_PER_SESSION, &subject, now).await? {
        return Ok(Err(JoinRefused::Locked(until)));
    }
    let hash = crate::identity::service::token_hash;
    let code_matches = hash(&session.access_code) == hash(&f.access_code.trim().to_uppercase());
    let key = crate::csv_import::name_key;
    let found = if code_matches {
        store::candidates_born_on(&state.db, session.id, &birth)
            .await?
            .into_iter()
            .find(|c| key(&c.first_name) == key(&f.first_name) && key(&c.last_name) == key(&f.last_name))
    } else {
        None
    };
    let Some(candidate) = found else {
        return refused("session_number", "field-join-failed");
    };
    if !store::link_candidate(&state.db, candidate.id, user, now).await? {
        return refused("session_number", "field-join-failed");
    }
    attempts::succeeded(&state.db, &JOIN_PER_ACCOUNT, &account).await?;
    attempts::succeeded(&state.db, &JOIN_PER_SESSION, &subject).await?;
    identity::service::audit(
        state,
        Some(user),
        "certification.candidate.join",
        Some(user),
        "candidate",
        serde_json::json!({ "session": session.id, "candidate": candidate.id }),
    )
    .await?;
    super::live::publish(state, session.id);
    store::candidate_by_id(&state.db, candidate.id).await?.ok_or(AppError::NotFound).map(Ok)
}

/// Where one of a person's certifications stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MyStatus {
    /// Joined the session; the test has not started.
    Joined,
    /// The test is under way (it can be resumed with the invigilator's authorisation).
    UnderWay,
    /// The test is over; the results are not published yet.
    AwaitingResults,
    /// Published: certified.
    Validated,
    /// Published: not certified.
    Rejected,
    /// Published: cancelled by the jury.
    Cancelled,
    /// The session closed without a test.
    NotTaken,
}

/// One of a person's certifications, as they see it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MyCertification {
    /// The candidate (their page: `/certification/candidats/{candidate_id}`).
    pub candidate_id: Uuid,
    /// The session's number.
    pub session_number: i64,
    /// The centre.
    pub center: String,
    /// The day the test was taken, or the session's day before (`YYYY-MM-DD`, Paris time).
    pub date: String,
    /// Where it stands.
    pub status: MyStatus,
    /// The certificate (the course id), once published.
    pub certificate: Option<Uuid>,
    /// Score, once published and validated.
    pub pix_score: Option<i64>,
    /// Highest score of its version, once published and validated.
    pub max_score: Option<i64>,
    /// The code anyone verifies it with, once published and validated.
    pub verification_code: Option<String>,
}

/// Every certification of a person, the latest first.
pub async fn my_certifications(state: &AppState, user: Uuid) -> Result<Vec<MyCertification>, AppError> {
    let mut out = Vec::new();
    for (candidate, number, date, center) in store::enrolments_of_user(&state.db, user).await? {
        let Some(session) = store::session(&state.db, candidate.session_id).await? else { continue };
        let course = store::course_of_candidate(&state.db, candidate.id).await?;
        let open = session.status() == SessionStatus::Created;
        let published = session.published_at.is_some();
        let result = match &course {
            Some(k) if published => store::result_of_course(&state.db, k.id).await?,
            _ => None,
        };
        let status = match (&course, &result) {
            (None, _) if open => MyStatus::Joined,
            (None, _) => MyStatus::NotTaken,
            (Some(_), Some(r)) => match r.status.as_str() {
                "validated" => MyStatus::Validated,
                "cancelled" => MyStatus::Cancelled,
                _ => MyStatus::Rejected,
            },
            (Some(k), None) if k.completed_at.is_none() && open => MyStatus::UnderWay,
            (Some(_), None) => MyStatus::AwaitingResults,
        };
        let validated = result.as_ref().filter(|r| r.is_validated());
        out.push(MyCertification {
            candidate_id: candidate.id,
            session_number: number,
            center,
            date: course.as_ref().map_or(date, |k| crate::clock::paris_date(k.started_at)),
            status,
            certificate: result.as_ref().and(course.as_ref()).map(|k| k.id),
            pix_score: validated.map(|r| r.pix_score),
            max_score: validated.and(course.as_ref()).map(|k| max_score(state, k.version)),
            verification_code: validated.map(|r| r.verification_code.clone()),
        });
    }
    out.sort_by(|a, b| b.date.cmp(&a.date));
    Ok(out)
}

/// A candidate the person joined as, or 404.
pub async fn own_candidate(state: &AppState, user: Uuid, id: Uuid) -> Result<Candidate, AppError> {
    store::candidate_by_id(&state.db, id).await?.filter(|c| c.user_id == Some(user)).ok_or(AppError::NotFound)
}

/// Where a candidate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CandidateState {
    /// Enrolled, has not joined.
    NotJoined,
    /// Joined, waits for the invigilator.
    Waiting,
    /// The invigilator authorised the start.
    Authorized,
    /// The test is under way.
    Started,
    /// The test is under way and the invigilator authorised the candidate to resume it after leaving.
    ResumeAuthorized,
    /// The test is over.
    Completed,
    /// The invigilator ended the test.
    EndedByInvigilator,
}

/// A candidate's state from their row and course.
pub fn candidate_state(c: &Candidate, course: Option<&super::model::Course>) -> CandidateState {
    match course {
        Some(k) if k.ended_by_invigilator => CandidateState::EndedByInvigilator,
        Some(k) if k.completed_at.is_some() => CandidateState::Completed,
        Some(_) if c.authorized_to_start => CandidateState::ResumeAuthorized,
        Some(_) => CandidateState::Started,
        None if c.reconciled_at.is_none() => CandidateState::NotJoined,
        None if c.authorized_to_start => CandidateState::Authorized,
        None => CandidateState::Waiting,
    }
}

/// Why a test did not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartRefused {
    /// The invigilator has not authorised the candidate.
    NotAuthorized,
    /// The test is over.
    Over,
    /// The session is finalised: nothing starts or resumes any more.
    SessionClosed,
    /// A first start on another day than the session's (`YYYY-MM-DD`, Paris time).
    NotToday(String),
}

/// Starts the candidate's test once the invigilator authorised them, or resumes it once the
/// invigilator authorised the resumption; returns the assessment. Each authorisation serves once, so
/// a candidate who leaves the test comes back through the invigilator (REFERENCE §6.5). The deadline
/// is fixed at the start: 105 minutes plus the candidate's extra time.
pub async fn start_test(
    state: &AppState,
    user: Uuid,
    candidate: Uuid,
    locale: content::Locale,
) -> Result<Result<Uuid, StartRefused>, AppError> {
    let c = own_candidate(state, user, candidate).await?;
    let session = store::session(&state.db, c.session_id).await?.ok_or(AppError::NotFound)?;
    if let Some(course) = store::course_of_candidate(&state.db, c.id).await? {
        if course.completed_at.is_some() {
            return Ok(Err(StartRefused::Over));
        }
        if session.status() != SessionStatus::Created {
            return Ok(Err(StartRefused::SessionClosed));
        }
        if !store::consume_authorization(&state.db, c.id).await? {
            return Ok(Err(StartRefused::NotAuthorized));
        }
        let (assessment, _) = store::assessment_of_course(&state.db, course.id).await?.ok_or(AppError::NotFound)?;
        store::set_resume_requested(&state.db, course.id, None).await?;
        identity::service::audit(
            state,
            Some(user),
            "certification.resume",
            Some(user),
            "candidate",
            serde_json::json!({ "session": c.session_id, "candidate": c.id, "course": course.id }),
        )
        .await?;
        super::live::publish(state, c.session_id);
        return Ok(Ok(assessment));
    }
    if session.status() != SessionStatus::Created {
        return Ok(Err(StartRefused::SessionClosed));
    }
    let now = state.clock.now_micros();
    // The certificate carries the day the test is taken: a session is sat on its own day.
    if crate::clock::paris_date(now) != session.date {
        return Ok(Err(StartRefused::NotToday(session.date.clone())));
    }
    if !c.authorized_to_start {
        return Ok(Err(StartRefused::NotAuthorized));
    }
    let configuration = super::configuration::active(state).await?;
    let minutes = configuration.settings().duration_minutes;
    let version = session.version;
    let plan = if version == 2 {
        Some(to_text(&v2_plan(state, user, locale, c.accessibility_adjustment).await?)?)
    } else {
        None
    };
    let course = super::model::Course {
        id: Uuid::now_v7(),
        candidate_id: c.id,
        session_id: c.session_id,
        user_id: user,
        lang: locale.code().to_owned(),
        accessibility_adjustment: c.accessibility_adjustment,
        started_at: now,
        deadline: super::model::deadline(now, minutes, c.extra_time_percentage),
        completed_at: None,
        ended_by_invigilator: false,
        abort_reason: None,
        configuration_version: configuration.version,
        version,
        plan,
        focus_losses: 0,
        last_focus_loss_at: None,
        resume_requested_at: None,
    };
    let mut tx = state.db.begin().await?;
    // The session's row lock orders this start with finalisation: a course is either in before it
    // (and scored) or refused after it.
    if !store::lock_open_session(&mut tx, c.session_id).await? {
        return Ok(Err(StartRefused::SessionClosed));
    }
    // The unique candidate column makes a second start in parallel fail here rather than twice.
    store::insert_course(&mut tx, &course).await?;
    store::set_authorized(&mut tx, c.id, false).await?;
    let assessment = crate::evaluation::service::begin(
        state,
        &mut tx,
        user,
        locale,
        crate::evaluation::service::NewTest::for_course(course.id),
    )
    .await?;
    tx.commit().await?;
    super::live::publish(state, c.session_id);
    Ok(Ok(assessment))
}

/// Chooses the questions of a v2 certification from the person's profile now (REFERENCE §6.2),
/// preferring challenges they have never answered.
async fn v2_plan(
    state: &AppState,
    user: Uuid,
    locale: content::Locale,
    needs_accessibility: bool,
) -> Result<super::model::V2Plan, AppError> {
    use crate::evaluation::service as evaluation;
    let content = &state.content;
    let rows = evaluation::profile_knowledge(&state.db, user).await?;
    let knowledge = engine::knowledge::current(&evaluation::to_engine(content, &rows));
    let answered: std::collections::HashSet<content::ChallengeIdx> = evaluation::answered_challenges(&state.db, user)
        .await?
        .iter()
        .filter_map(|id| content.challenge_by_id(id))
        .collect();
    let input = engine::certification::V2Input {
        content,
        knowledge: &knowledge,
        answered: &answered,
        locale,
        needs_accessibility,
        max_level: evaluation::MAX_LEVEL,
    };
    let parts = engine::certification::select_v2(&input, &mut rand::rng());
    Ok(super::model::V2Plan {
        competences: parts
            .into_iter()
            .map(|p| super::model::V2Competence {
                code: content.competence(p.competence).code.clone(),
                level: p.level,
                pix: p.pix,
                challenges: p.challenges.into_iter().map(|c| content.challenge(c).id.clone()).collect(),
            })
            .collect(),
    })
}

/// What the invigilator's password opened.
#[derive(Debug, Clone)]
pub enum InvigilatorLogin {
    /// The open session of this number, whose password was right.
    Opened(Box<Session>),
    /// No open session has this number and password.
    Wrong,
    /// Too many wrong passwords for this session: locked until this time (µs).
    Locked(i64),
}

/// The session an invigilator opens with its number and password. Every attempt at an open
/// session's password is counted before it is checked ([`crate::attempts::INVIGILATOR`]): 10 wrong
/// ones lock the session's invigilator login for 15 minutes, whatever addresses they come from;
/// the lock is audited and shown on the centre's session page, which can lift it.
pub async fn invigilator_login(state: &AppState, number: &str, password: &str) -> Result<InvigilatorLogin, AppError> {
    use crate::attempts::{self, Gate, INVIGILATOR};
    let Ok(number) = number.trim().parse::<i64>() else { return Ok(InvigilatorLogin::Wrong) };
    let Some(session) =
        store::session_by_number_anywhere(&state.db, number).await?.filter(|s| s.status() == SessionStatus::Created)
    else {
        return Ok(InvigilatorLogin::Wrong);
    };
    let subject = session.id.to_string();
    let now = state.clock.now_micros();
    if let Gate::LockedUntil(until) = attempts::count(&state.db, &INVIGILATOR, &subject, now).await? {
        return Ok(InvigilatorLogin::Locked(until));
    }
    let password = password.trim().to_uppercase();
    let hash = crate::identity::service::token_hash;
    if hash(&session.invigilator_password) == hash(&password) {
        attempts::succeeded(&state.db, &INVIGILATOR, &subject).await?;
        identity::service::audit(
            state,
            None,
            "certification.invigilator.login",
            None,
            "invigilator",
            serde_json::json!({ "session": session.id }),
        )
        .await?;
        return Ok(InvigilatorLogin::Opened(Box::new(session)));
    }
    match attempts::locked_until(&state.db, &INVIGILATOR, &subject, now).await? {
        Some(until) => {
            tracing::warn!(session = %session.id, "invigilator login locked after repeated wrong passwords");
            identity::service::audit(
                state,
                None,
                "certification.invigilator.locked",
                None,
                "invigilator",
                serde_json::json!({ "session": session.id, "until": until, "failures": INVIGILATOR.max_failures }),
            )
            .await?;
            Ok(InvigilatorLogin::Locked(until))
        }
        None => Ok(InvigilatorLogin::Wrong),
    }
}

/// Until when the session's invigilator login is locked, if it is.
pub async fn invigilator_locked_until(state: &AppState, session: Uuid) -> Result<Option<i64>, AppError> {
    let now = state.clock.now_micros();
    Ok(crate::attempts::locked_until(&state.db, &crate::attempts::INVIGILATOR, &session.to_string(), now).await?)
}

/// A member of the centre lifts the lock of the session's invigilator login (audited).
pub async fn unlock_invigilator(state: &AppState, member: Uuid, session: &Session) -> Result<(), AppError> {
    if crate::attempts::unlock(&state.db, &crate::attempts::INVIGILATOR, &session.id.to_string()).await? {
        identity::service::audit(
            state,
            Some(member),
            "certification.invigilator.unlock",
            None,
            "centre",
            serde_json::json!({ "session": session.id }),
        )
        .await?;
    }
    Ok(())
}

/// An open session, or 409: invigilators and candidates act only while it is open.
pub async fn open_session_by_id(state: &AppState, id: Uuid) -> Result<Session, AppError> {
    let session = store::session(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if session.status() != SessionStatus::Created {
        return Err(AppError::Conflict);
    }
    Ok(session)
}

/// A candidate of the invigilated session, or 404; 409 once the session is no longer open (an
/// invigilator acts only while it is).
pub async fn session_candidate(state: &AppState, session: Uuid, id: Uuid) -> Result<Candidate, AppError> {
    open_session_by_id(state, session).await?;
    store::candidate_by_id(&state.db, id).await?.filter(|c| c.session_id == session).ok_or(AppError::NotFound)
}

/// The invigilator authorises a candidate to start or to resume (or withdraws it before it is used).
pub async fn authorize(state: &AppState, session: Uuid, candidate: Uuid, authorized: bool) -> Result<(), AppError> {
    let c = session_candidate(state, session, candidate).await?;
    if c.reconciled_at.is_none() {
        return Err(AppError::Conflict);
    }
    if store::course_of_candidate(&state.db, c.id).await?.is_some_and(|k| k.completed_at.is_some()) {
        return Err(AppError::Conflict);
    }
    store::set_authorized(&state.db, c.id, authorized).await?;
    super::live::publish(state, session);
    identity::service::audit(
        state,
        None,
        "certification.invigilator.authorize",
        c.user_id,
        "invigilator",
        serde_json::json!({ "session": session, "candidate": c.id, "authorized": authorized }),
    )
    .await
}

/// The invigilator ends a candidate's test.
pub async fn end_test(state: &AppState, session: Uuid, candidate: Uuid) -> Result<(), AppError> {
    let c = session_candidate(state, session, candidate).await?;
    let course = store::course_of_candidate(&state.db, c.id).await?.ok_or(AppError::Conflict)?;
    if course.completed_at.is_some() {
        return Err(AppError::Conflict);
    }
    let (assessment, _) = store::assessment_of_course(&state.db, course.id).await?.ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin().await?;
    let a = crate::evaluation::service::assessment(&mut tx, assessment).await?.ok_or(AppError::NotFound)?;
    super::test::finish_certification(&mut tx, &a, course.id, state.clock.now_micros(), true).await?;
    tx.commit().await?;
    super::live::publish(state, session);
    identity::service::audit(
        state,
        None,
        "certification.invigilator.end",
        c.user_id,
        "invigilator",
        serde_json::json!({ "session": session, "candidate": c.id }),
    )
    .await
}

/// A line of the invigilator's screen.
#[derive(Debug, Clone)]
pub struct Supervised {
    /// The candidate.
    pub candidate: Candidate,
    /// Their state.
    pub state: CandidateState,
    /// Answers so far.
    pub answered: i64,
    /// Questions at most in their test (the configuration version they started with, or the active one).
    pub length: usize,
    /// Start and theoretical end (µs).
    pub times: Option<(i64, i64)>,
    /// The candidate reported a problem with a question and waits.
    pub alert: bool,
    /// Times the candidate left the test page, and when last (µs).
    pub left_page: Option<(i64, i64)>,
    /// The candidate seems away from their test (left its page or came back to the entrance since
    /// their last answer, or no answer for 10 minutes): the invigilator may authorise a resumption.
    pub away: bool,
    /// The candidate is at the entrance asking to resume their test.
    pub asks_resume: bool,
}

/// No answer for this long and a candidate under way seems away from their test (µs).
const AWAY_AFTER: i64 = 10 * 60 * 1_000_000;

/// Questions at most in a course: its v2 plan, or its configuration version's maximum length.
pub async fn course_length(state: &AppState, course: &super::model::Course) -> Result<usize, AppError> {
    if course.version == 2 {
        return Ok(course.v2_plan().questions().count());
    }
    Ok(super::configuration::settings_of(state, course.configuration_version).await?.flash.maximum_assessment_length)
}

/// The candidate, their test under way, is back at the entrance: they ask to resume it, which the
/// invigilator's screen shows at once.
pub async fn request_resume(state: &AppState, course: &super::model::Course) -> Result<(), AppError> {
    store::set_resume_requested(&state.db, course.id, Some(state.clock.now_micros())).await?;
    super::live::publish(state, course.session_id);
    Ok(())
}

/// The candidate's test page reports that they left it (exam mode: the window lost focus or was
/// hidden); the invigilator's screen shows it at once. False when there is no test under way.
pub async fn record_focus_loss(state: &AppState, user: Uuid, assessment: Uuid) -> Result<bool, AppError> {
    let a = crate::evaluation::service::owned(state, user, assessment).await?;
    let Some(course) = a.course_id else { return Ok(false) };
    if !store::record_focus_loss(&state.db, course, user, state.clock.now_micros()).await? {
        return Ok(false);
    }
    if let Some(k) = store::course(&state.db, course).await? {
        super::live::publish(state, k.session_id);
    }
    Ok(true)
}

/// The invigilator's screen: candidates needing an action first (waiting), then under way, then the others.
pub async fn supervise(state: &AppState, session: Uuid) -> Result<Vec<Supervised>, AppError> {
    let candidates = store::candidates(&state.db, session).await?;
    let courses = store::courses_of_session(&state.db, session).await?;
    let active = super::configuration::active(state).await?.version;
    let mut out = Vec::new();
    for c in candidates {
        let course = courses.iter().find(|k| k.candidate_id == c.id);
        let answered = match course {
            Some(k) => store::assessment_of_course(&state.db, k.id).await?.map_or(0, |(_, n)| n),
            None => 0,
        };
        let alert = match course {
            Some(k) if k.completed_at.is_none() => store::ongoing_alert(&state.db, k.id).await?.is_some(),
            _ => false,
        };
        let length = match course {
            Some(k) => course_length(state, k).await?,
            None => super::configuration::settings_of(state, active).await?.flash.maximum_assessment_length,
        };
        let left_page = course.and_then(|k| k.last_focus_loss_at.map(|at| (k.focus_losses, at)));
        let st = candidate_state(&c, course);
        let (away, asks_resume) = match course {
            Some(k) if st == CandidateState::Started => {
                let last = store::last_answer_at(&state.db, k.id).await?.unwrap_or(k.started_at);
                let asks = k.resume_requested_at.is_some_and(|at| at > last);
                let left = left_page.is_some_and(|(_, at)| at > last);
                (asks || left || state.clock.now_micros() - last > AWAY_AFTER, asks)
            }
            _ => (false, false),
        };
        out.push(Supervised {
            length,
            alert,
            state: st,
            times: course.map(|k| (k.started_at, k.deadline)),
            candidate: c,
            answered,
            left_page,
            away,
            asks_resume,
        });
    }
    let rank = |s: CandidateState| -> i32 {
        match s {
            CandidateState::Waiting => 0,
            CandidateState::Authorized | CandidateState::ResumeAuthorized => 1,
            CandidateState::Started => 2,
            CandidateState::NotJoined => 3,
            CandidateState::Completed | CandidateState::EndedByInvigilator => 4,
        }
    };
    out.sort_by_key(|s| if s.alert || s.asks_resume { -1 } else { rank(s.state) });
    Ok(out)
}

// ------------------------------------------------------------------ finalisation, scoring, publication

/// What the centre says when it finalises a session.
#[derive(Debug, Clone, Default)]
pub struct Finalization {
    /// Global comment of the invigilators (500 characters at most).
    pub comment: String,
    /// An incident happened (required).
    pub has_incident: Option<bool>,
    /// Candidates had trouble joining (required).
    pub has_joining_issue: Option<bool>,
    /// Why each unfinished test stopped: candidate id → `candidate` or `technical`.
    pub abort_reasons: Vec<(Uuid, String)>,
}

/// Longest global comment.
pub const MAX_COMMENT: usize = 500;

/// The scoring settings: the reference's seed intervals (production values are not public); each
/// competence uses the same intervals, its level being the interval's index (docs/certification.md).
pub fn scoring_settings(state: &AppState) -> engine::certification::V3Scoring {
    let global = engine::certification::seed_global_intervals();
    let per: Vec<(u32, engine::certification::Interval)> =
        global.iter().take(8).enumerate().map(|(i, iv)| (i as u32, *iv)).collect();
    engine::certification::V3Scoring {
        competences: state.content.competences.iter().map(|c| (c.code.clone(), per.clone())).collect(),
        global,
    }
}

/// Scores a course from its answers (REFERENCE §5.5) and stores the result with a fresh
/// verification code.
async fn score_course(
    state: &AppState,
    tx: &mut crate::db::Tx,
    course: &super::model::Course,
    now: i64,
) -> Result<(), AppError> {
    use engine::certification::{AbortReason, V3Answer, global_score, score_v3};
    if store::result_of_course(&mut *tx, course.id).await?.is_some() {
        return Ok(());
    }
    if course.version == 2 {
        return score_v2_course(state, tx, course, now).await;
    }
    let locale = if course.lang == "en" { content::Locale::En } else { content::Locale::Fr };
    let prepared = super::test::certification_bank(state, locale);
    let (bank, by_challenge) = (&prepared.bank, &prepared.index);
    let (assessment, _) = store::assessment_of_course(&mut *tx, course.id).await?.ok_or(AppError::NotFound)?;
    // The automatic resolution of issue reports: neutralized questions no longer count, revalidated
    // ones count as right (numbers from 1, in the order asked).
    let (neutralized, revalidated) = super::reporting::effects(&store::issue_reports(&mut *tx, course.id).await?);
    let answers: Vec<V3Answer> = crate::evaluation::service::answers(&mut *tx, assessment)
        .await?
        .iter()
        .enumerate()
        .filter(|(n, _)| !neutralized.contains(&(*n as i64 + 1)))
        .filter_map(|(n, r)| {
            let i = state.content.challenge_by_id(&r.challenge_id).and_then(|c| by_challenge.get(&c))?;
            let success = r.result == "ok" || revalidated.contains(&(n as i64 + 1));
            Some(V3Answer { challenge: bank.items()[*i], success })
        })
        .collect();
    let abort = match course.abort_reason.as_deref() {
        Some("candidate") => Some(AbortReason::Candidate),
        Some("technical") => Some(AbortReason::Technical),
        _ => None,
    };
    let config = super::configuration::settings_of(state, course.configuration_version).await?.flash.clone();
    let settings = scoring_settings(state);
    let result = score_v3(&answers, bank, abort, false, &config, &settings);
    let error = engine::flash::estimate(
        &answers.iter().map(|a| (a.challenge.a, a.challenge.b, a.success)).collect::<Vec<_>>(),
        &config,
    )
    .error_rate();
    let spread = (i64::from(global_score(result.capacity + error, &settings.global))
        - i64::from(global_score(result.capacity - error, &settings.global)))
        / 2;
    let row = super::model::CertResult {
        course_id: course.id,
        status: to_text(&result.status)?.trim_matches('"').to_owned(),
        reason: to_text(&result.reason)?.trim_matches('"').to_owned(),
        pix_score: i64::from(result.score),
        capacity: result.capacity,
        score_error: spread.max(0),
        answers: answers.len() as i64,
        competence_levels: to_text(&result.competence_levels)?,
        verification_code: fresh_code(tx).await?,
        scored_at: now,
        jury_comment_candidate: String::new(),
        jury_comment_organization: String::new(),
        reproducibility_rate: None,
    };
    store::insert_result(&mut *tx, &row).await?;
    Ok(())
}

/// A verification code no certificate has yet.
async fn fresh_code(tx: &mut crate::db::Tx) -> Result<String, AppError> {
    let mut code = engine::codes::verification_code(&mut rand::rng());
    while store::code_taken(&mut *tx, &code).await? {
        code = engine::codes::verification_code(&mut rand::rng());
    }
    Ok(code)
}

/// Scores a v2 course (REFERENCE §6.3): each question of its plan counts — answered (right, or
/// counted right by an issue report), withdrawn after a validated alert or neutralized by an issue
/// report (does not count), or never reached (wrong when the candidate left, does not count when
/// the test stopped for a technical reason).
async fn score_v2_course(
    state: &AppState,
    tx: &mut crate::db::Tx,
    course: &super::model::Course,
    now: i64,
) -> Result<(), AppError> {
    use engine::certification::{Estimated, Status, score_v2};
    let content = &state.content;
    let plan = course.v2_plan();
    let (assessment, _) = store::assessment_of_course(&mut *tx, course.id).await?.ok_or(AppError::NotFound)?;
    let given = crate::evaluation::service::answers(&mut *tx, assessment).await?;
    let withdrawn = store::validated_alerts(&mut *tx, course.id).await?;
    let (neutralized, revalidated) = super::reporting::effects(&store::issue_reports(&mut *tx, course.id).await?);
    let technical = course.abort_reason.as_deref() == Some("technical");
    let outcomes = super::model::V2Outcomes {
        answers: &given.iter().map(|r| (r.challenge_id.as_str(), r.result == "ok")).collect::<Vec<_>>(),
        withdrawn: &withdrawn,
        neutralized: &neutralized,
        revalidated: &revalidated,
        technical_abort: technical,
    };
    let answers = plan.answers(&outcomes, |q| {
        content.challenge_by_id(q).is_some_and(|c| content.challenge(c).kind == content::ChallengeType::QrocmDep)
    });
    let estimates: Vec<Estimated> = plan.competences.iter().map(|p| Estimated { level: p.level, pix: p.pix }).collect();
    let (status, reason, pix, rate, levels) =
        match score_v2(&answers, &estimates, crate::evaluation::service::MAX_LEVEL) {
            Ok(r) => {
                let levels: Vec<(String, u32)> = plan
                    .competences
                    .iter()
                    .zip(&r.marks)
                    .filter(|(_, m)| m.level >= 1)
                    .map(|(p, m)| (p.code.clone(), m.level as u32))
                    .collect();
                let (status, reason) = match (r.trustable, r.status) {
                    (false, _) => ("cancelled", "not_trustable"),
                    (true, Status::Validated) => ("validated", "standard"),
                    (true, _) => ("rejected", "standard"),
                };
                (status, reason, r.pix, Some(i64::from(r.reproducibility_rate)), levels)
            }
            // A combination outside the rule table: the jury decides (REFERENCE §6.3 "error").
            Err(_) => ("error", "scoring_error", 0, None, Vec::new()),
        };
    let row = super::model::CertResult {
        course_id: course.id,
        status: status.to_owned(),
        reason: reason.to_owned(),
        pix_score: i64::from(pix),
        capacity: 0.0,
        score_error: 0,
        answers: answers.iter().filter(|a| !a.neutralized).count() as i64,
        competence_levels: to_text(&levels)?,
        verification_code: fresh_code(tx).await?,
        scored_at: now,
        jury_comment_candidate: String::new(),
        jury_comment_organization: String::new(),
        reproducibility_rate: rate,
    };
    store::insert_result(&mut *tx, &row).await?;
    Ok(())
}

fn to_text(v: &impl serde::Serialize) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.into()))
}

/// Finalises a session: unfinished tests end with their abort reason, every test is scored, and the
/// session waits for publication. Refused (409) when it is not open; field errors otherwise.
pub async fn finalize(
    state: &AppState,
    s: &Session,
    author: Uuid,
    f: &Finalization,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    if s.status() != SessionStatus::Created {
        return Err(AppError::Conflict);
    }
    let courses = store::courses_of_session(&state.db, s.id).await?;
    let mut errors = Vec::new();
    if courses.is_empty() {
        errors.push(FieldError { field: "comment".into(), code: "field-finalize-no-test".into() });
    }
    if f.comment.chars().count() > MAX_COMMENT {
        errors.push(FieldError { field: "comment".into(), code: "field-finalize-comment".into() });
    }
    if f.has_incident.is_none() {
        errors.push(FieldError { field: "has_incident".into(), code: "field-finalize-incident".into() });
    }
    if f.has_joining_issue.is_none() {
        errors.push(FieldError { field: "has_joining_issue".into(), code: "field-finalize-joining".into() });
    }
    for course in courses.iter().filter(|k| k.completed_at.is_none()) {
        let reason = f.abort_reasons.iter().find(|(c, _)| *c == course.candidate_id).map(|(_, r)| r.as_str());
        if !matches!(reason, Some("candidate" | "technical")) {
            errors.push(FieldError {
                field: format!("abort-{}", course.candidate_id),
                code: "field-finalize-abort".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin().await?;
    if !store::finalize_session(
        &mut tx,
        s.id,
        f.comment.trim(),
        f.has_incident.unwrap_or(false),
        f.has_joining_issue.unwrap_or(false),
        now,
    )
    .await?
    {
        return Err(AppError::Conflict);
    }
    // Read again under the session's row lock: a course started since the form was checked is
    // scored too (its abort reason, if it is still under way, is the candidate's).
    let courses = store::courses_of_session(&mut tx, s.id).await?;
    for course in &courses {
        let mut course = course.clone();
        if course.completed_at.is_none() {
            let reason = f.abort_reasons.iter().find(|(c, _)| *c == course.candidate_id).map(|(_, r)| r.clone());
            if let Some(r) = &reason {
                store::set_abort_reason(&mut tx, course.id, r).await?;
            }
            course.abort_reason = reason;
            if let Some((assessment, _)) = store::assessment_of_course(&mut tx, course.id).await? {
                let a = crate::evaluation::service::assessment(&mut tx, assessment).await?.ok_or(AppError::NotFound)?;
                super::test::finish_certification(&mut tx, &a, course.id, now, false).await?;
            }
        }
        super::reporting::resolve(state, &mut tx, &course, now).await?;
        score_course(state, &mut tx, &course, now).await?;
    }
    tx.commit().await?;
    identity::service::audit(
        state,
        Some(author),
        "certification.session.finalize",
        None,
        "certification centre",
        serde_json::json!({ "session": s.id, "courses": courses.len() }),
    )
    .await?;
    Ok(Ok(()))
}

/// Publishes a finalised session: candidates see their certificate, and they and their results
/// recipients are told by email.
pub async fn publish(state: &AppState, session: Uuid, agent: Uuid) -> Result<(), AppError> {
    let s = store::session(&state.db, session).await?.ok_or(AppError::NotFound)?;
    if s.status() != SessionStatus::Finalized
        || !store::publish_session(&state.db, s.id, state.clock.now_micros()).await?
    {
        return Err(AppError::Conflict);
    }
    let public = &state.settings.public_url;
    for course in store::courses_of_session(&state.db, s.id).await? {
        let Some(candidate) = store::candidate_by_id(&state.db, course.candidate_id).await? else { continue };
        let Some(result) = store::result_of_course(&state.db, course.id).await? else { continue };
        if let Some(email) = store::email_of(&state.db, course.user_id).await? {
            let body = crate::mail::render(&super::mails::Results {
                first_name: &candidate.first_name,
                date: &s.date_fr(),
                url: public,
                course: course.id,
                code: &result.verification_code,
            })?;
            crate::outbox::mail(state, &email, "Vos résultats de certification Pix", &body, Some(course.user_id))
                .await?;
        }
        if let Some(recipient) = &candidate.result_recipient_email {
            let body = crate::mail::render(&super::mails::ResultsToRecipient {
                first_name: &candidate.first_name,
                last_name: &candidate.last_name,
                date: &s.date_fr(),
                url: public,
                code: &result.verification_code,
            })?;
            crate::outbox::mail(state, recipient, "Résultats de certification Pix", &body, None).await?;
        }
    }
    identity::service::audit(
        state,
        Some(agent),
        "certification.session.publish",
        None,
        "back office",
        serde_json::json!({ "session": s.id }),
    )
    .await
}

/// A published certificate: the result, its course, candidate, session and centre name.
pub struct Certificate {
    /// The result.
    pub result: super::model::CertResult,
    /// The course.
    pub course: super::model::Course,
    /// The candidate (identity as enrolled).
    pub candidate: Candidate,
    /// The session.
    pub session: Session,
    /// The centre's name.
    pub center: String,
    /// Highest score of its version: 895 (v3), or every competence at the maximum level (v2).
    pub max_score: i64,
    /// The day the test was taken (Paris time, `YYYY-MM-DD`): what the certificate attests, whatever
    /// day the session was planned for.
    pub taken: String,
}

async fn certificate_of(state: &AppState, result: super::model::CertResult) -> Result<Option<Certificate>, AppError> {
    let Some(course) = store::course(&state.db, result.course_id).await? else { return Ok(None) };
    let Some(session) = store::session(&state.db, course.session_id).await?.filter(|s| s.published_at.is_some()) else {
        return Ok(None);
    };
    let Some(candidate) = store::candidate_by_id(&state.db, course.candidate_id).await? else { return Ok(None) };
    let center = store::center(&state.db, session.center_id).await?.map(|c| c.name).unwrap_or_default();
    let max_score = max_score(state, course.version);
    let taken = crate::clock::paris_date(course.started_at);
    Ok(Some(Certificate { result, course, candidate, session, center, max_score, taken }))
}

/// Highest score of a certification version: 895 (v3), or every competence at the maximum reachable
/// level (v2, PRODUCT §2.3).
pub fn max_score(state: &AppState, version: i64) -> i64 {
    i64::from(if version == 2 {
        engine::certification::v2_max_score(state.content.competences.len(), crate::evaluation::service::MAX_LEVEL)
    } else {
        engine::certification::MAX_REACHABLE_SCORE
    })
}

impl Certificate {
    /// The day taken as people read it, `jj/mm/aaaa`.
    pub fn taken_fr(&self) -> String {
        super::model::iso_to_fr(&self.taken)
    }

    /// When the test ended (RFC 3339 UTC): the credential's activity end and validity start.
    pub fn ended_at(&self) -> String {
        let micros = self.course.completed_at.unwrap_or(self.course.started_at);
        let t = time::OffsetDateTime::from_unix_timestamp(micros.div_euclid(1_000_000))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
    }

    /// The global level message id (v3 only: v2 certifies competence levels, with no global level).
    pub fn global_level(&self) -> Option<&'static str> {
        (self.course.version != 2).then(|| self.result.global_level())
    }

    /// The score's measurement error (v3 only).
    pub fn score_error(&self) -> Option<i64> {
        (self.course.version != 2).then_some(self.result.score_error)
    }
}

/// The person's published certificate of a course, or 404.
pub async fn own_certificate(state: &AppState, user: Uuid, course: Uuid) -> Result<Certificate, AppError> {
    let k = store::course(&state.db, course).await?.filter(|k| k.user_id == user).ok_or(AppError::NotFound)?;
    let result = store::result_of_course(&state.db, k.id).await?.ok_or(AppError::NotFound)?;
    certificate_of(state, result).await?.ok_or(AppError::NotFound)
}

/// A published, validated certificate by its verification code (`P-` and 8 characters, any case).
pub async fn verify(state: &AppState, code: &str) -> Result<Option<Certificate>, AppError> {
    let Some(code) = engine::codes::normalize_verification_code(code) else { return Ok(None) };
    let Some(result) = store::result_by_code(&state.db, &code).await? else { return Ok(None) };
    if !result.is_validated() {
        return Ok(None);
    }
    certificate_of(state, result).await
}

// ------------------------------------------------------------------ live alerts

/// The candidate reports a problem with the current question of their test; false when there is no
/// question (or one alert is already open).
pub async fn raise_alert(state: &AppState, user: Uuid, assessment: Uuid) -> Result<bool, AppError> {
    let a = crate::evaluation::service::owned(state, user, assessment).await?;
    let (Some(course), Some(challenge)) = (a.course_id, a.current_challenge_id.clone()) else { return Ok(false) };
    if a.test_state() != crate::evaluation::service::TestState::Started {
        return Ok(false);
    }
    let opened = store::open_alert(&state.db, course, &challenge, state.clock.now_micros()).await?;
    if opened {
        if let Some(k) = store::course(&state.db, course).await? {
            super::live::publish(state, k.session_id);
        }
        identity::service::audit(
            state,
            Some(user),
            "certification.alert.raise",
            Some(user),
            "candidate",
            serde_json::json!({ "course": course, "challenge": challenge }),
        )
        .await?;
    }
    Ok(opened)
}

/// Whether the course has an alert waiting for the invigilator.
pub async fn alert_open(state: &AppState, course: Uuid) -> Result<bool, AppError> {
    Ok(store::ongoing_alert(&state.db, course).await?.is_some())
}

/// The invigilator handles a candidate's open alert: validated, the question is replaced without
/// penalty; dismissed, the candidate answers it. 409 when no alert is open.
pub async fn handle_alert(state: &AppState, session: Uuid, candidate: Uuid, validate: bool) -> Result<(), AppError> {
    let c = session_candidate(state, session, candidate).await?;
    let course = store::course_of_candidate(&state.db, c.id).await?.ok_or(AppError::Conflict)?;
    let status = if validate { "validated" } else { "dismissed" };
    let question = store::close_alert(&state.db, course.id, status, state.clock.now_micros()).await?;
    let Some(question) = question else { return Err(AppError::Conflict) };
    if validate && let Some((assessment, _)) = store::assessment_of_course(&state.db, course.id).await? {
        super::test::replace_certification_question(state, assessment).await?;
    }
    super::live::publish(state, session);
    identity::service::audit(
        state,
        None,
        "certification.alert.handle",
        c.user_id,
        "invigilator",
        serde_json::json!({ "session": session, "candidate": c.id, "challenge": question, "status": status }),
    )
    .await
}

// ------------------------------------------------------------------ jury

/// What the jury decides on a certification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JuryDecision {
    /// The result stands (comments only).
    Keep,
    /// Rejected for fraud.
    Fraud,
    /// Cancelled (after publication: the certificate is revoked, its code no longer verifies).
    Cancel,
}

/// Applies the jury's decision and comments (500 characters at most each) to a scored course.
pub async fn jury(
    state: &AppState,
    course: Uuid,
    agent: Uuid,
    decision: JuryDecision,
    comments: (&str, &str),
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    let result = store::result_of_course(&state.db, course).await?.ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    for (field, text) in [("comment_candidate", comments.0), ("comment_organization", comments.1)] {
        if text.chars().count() > MAX_COMMENT {
            errors.push(FieldError { field: field.into(), code: "field-finalize-comment".into() });
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let (status, reason) = match decision {
        JuryDecision::Keep => (result.status.clone(), result.reason.clone()),
        JuryDecision::Fraud => ("rejected".to_owned(), "fraud".to_owned()),
        JuryDecision::Cancel => ("cancelled".to_owned(), "cancelled_by_jury".to_owned()),
    };
    store::jury_update(&state.db, course, &status, &reason, (comments.0.trim(), comments.1.trim())).await?;
    identity::service::audit(
        state,
        Some(agent),
        "certification.jury",
        None,
        "back office",
        serde_json::json!({ "course": course, "status": status, "reason": reason }),
    )
    .await?;
    Ok(Ok(()))
}

/// One answer of a certification as the jury reads it: question, result, capacity after it.
#[derive(Debug, Clone)]
pub struct JuryAnswer {
    /// Challenge id.
    pub challenge: String,
    /// Its competence code.
    pub competence: String,
    /// `ok`, `ko`…
    pub result: String,
    /// Capacity after this answer.
    pub capacity: f64,
}

/// The answers of a course with the capacity trajectory (the jury's view).
pub async fn trajectory(state: &AppState, course: &super::model::Course) -> Result<Vec<JuryAnswer>, AppError> {
    let Some((assessment, _)) = store::assessment_of_course(&state.db, course.id).await? else { return Ok(Vec::new()) };
    let locale = if course.lang == "en" { content::Locale::En } else { content::Locale::Fr };
    let prepared = super::test::certification_bank(state, locale);
    let (bank, by_challenge) = (&prepared.bank, &prepared.index);
    let config = engine::flash::FlashConfig::default();
    let mut estimator = engine::flash::Estimator::new(&config);
    let content = &state.content;
    let mut out = Vec::new();
    for row in crate::evaluation::service::answers(&state.db, assessment).await? {
        let Some(ci) = content.challenge_by_id(&row.challenge_id) else { continue };
        if let Some(i) = by_challenge.get(&ci) {
            let c = bank.items()[*i];
            estimator.update(c.a, c.b, row.result == "ok");
        }
        let competence = content.competence(content.skill(content.challenge(ci).skill).competence).code.clone();
        out.push(JuryAnswer {
            challenge: row.challenge_id,
            competence,
            result: row.result,
            capacity: estimator.capacity(),
        });
    }
    Ok(out)
}
