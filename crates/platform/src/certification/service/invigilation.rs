//! The invigilator's side of a session: the login and its lock, authorising candidates, ending a test, what the live screen shows.

use super::*;

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
        crate::audit::write(
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
            crate::audit::write(
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
        crate::audit::write(
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
    crate::certification::live::publish(state, session);
    crate::audit::write(
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
    crate::certification::test::finish_certification(&mut tx, &a, course.id, state.clock.now_micros(), true).await?;
    tx.commit().await?;
    crate::certification::live::publish(state, session);
    crate::audit::write(
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
pub async fn course_length(state: &AppState, course: &crate::certification::model::Course) -> Result<usize, AppError> {
    if course.version == 2 {
        return Ok(course.v2_plan().questions().count());
    }
    Ok(crate::certification::configuration::settings_of(state, &state.db, course.configuration_version)
        .await?
        .flash
        .maximum_assessment_length)
}

/// The candidate, their test under way, is back at the entrance: they ask to resume it, which the
/// invigilator's screen shows at once.
pub async fn request_resume(state: &AppState, course: &crate::certification::model::Course) -> Result<(), AppError> {
    store::set_resume_requested(&state.db, course.id, Some(state.clock.now_micros())).await?;
    crate::certification::live::publish(state, course.session_id);
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
        crate::certification::live::publish(state, k.session_id);
    }
    Ok(true)
}

/// The invigilator's screen: candidates needing an action first (waiting), then under way, then the others.
pub async fn supervise(state: &AppState, session: Uuid) -> Result<Vec<Supervised>, AppError> {
    let candidates = store::candidates(&state.db, session).await?;
    let courses = store::courses_of_session(&state.db, session).await?;
    let active = crate::certification::configuration::active(state).await?.version;
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
            None => {
                crate::certification::configuration::settings_of(state, &state.db, active)
                    .await?
                    .flash
                    .maximum_assessment_length
            }
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
