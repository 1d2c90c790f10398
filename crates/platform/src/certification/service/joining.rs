//! Joining a session: what a candidate types, the checks (in an order that tells nothing to a guesser), and what a person sees of their certifications.

use super::*;

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
    let Some(birth) = crate::certification::model::any_date(&f.birth_date) else {
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
        store::candidates_born_on(&state.db, session.id, &birth).await?.into_iter().find(|c| {
            key(&c.enrolled.first_name) == key(&f.first_name) && key(&c.enrolled.last_name) == key(&f.last_name)
        })
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
    crate::audit::write(
        state,
        Some(user),
        "certification.candidate.join",
        Some(user),
        "candidate",
        serde_json::json!({ "session": session.id, "candidate": candidate.id }),
    )
    .await?;
    crate::certification::live::publish(state, session.id);
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
pub fn candidate_state(c: &Candidate, course: Option<&crate::certification::model::Course>) -> CandidateState {
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
