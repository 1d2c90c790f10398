//! Pix Certif pages: a centre's sessions, planning one, its candidates (enrol, change, remove) —
//! and the learner's "may I be certified?" page.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    model::{Candidate, CandidateFields, Center, Session, SessionFields, SessionStatus},
    service::{self, Eligibility},
    store,
};
use crate::identity::request::{CsrfForm, NoFields, Page};
use crate::{
    AppState,
    identity::{
        CurrentUser,
        guard::{AnyMember, CenterAccess},
    },
    web::{
        error::AppError,
        form::FormState,
        layout::{Chrome, render},
    },
};

/// Path of a session.
#[derive(Debug, Deserialize)]
pub struct SessionPath {
    session_id: Uuid,
}

/// Path of a candidate.
#[derive(Debug, Deserialize)]
pub struct CandidatePath {
    session_id: Uuid,
    candidate_id: Uuid,
}

#[derive(Template)]
#[template(path = "certification/sessions.html")]
struct SessionsPage {
    chrome: Chrome,
    center: Center,
    sessions: Vec<(Session, i64)>,
    notice: String,
}

/// Notice after a mass import.
#[derive(Debug, Default, Deserialize)]
pub struct SessionsQuery {
    sessions: Option<usize>,
    candidates: Option<usize>,
}

/// `GET /certif/{center_id}/sessions`: the centre's sessions, latest first.
pub async fn sessions(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    Query(q): Query<SessionsQuery>,
) -> Result<Response, AppError> {
    let center = service::center(&state, access.center).await?;
    let sessions = store::sessions_of(&state.db, center.id).await?;
    let notice = match (q.sessions, q.candidates) {
        (Some(s), Some(c)) => {
            page.lang.t_args("sessions-imported", &[("sessions", &s.to_string()), ("candidates", &c.to_string())])
        }
        _ => String::new(),
    };
    Ok(render(StatusCode::OK, &SessionsPage { chrome: page.chrome(&center.name), center, sessions, notice }))
}

#[derive(Template)]
#[template(path = "certification/import.html")]
struct ImportPage {
    chrome: Chrome,
    center: Center,
    problems: Vec<String>,
}

async fn import_page(state: &AppState, page: &Page, center: Uuid, problems: Vec<String>) -> Result<Response, AppError> {
    let center = service::center(state, center).await?;
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render(status, &ImportPage { chrome: page.chrome_t("sessions-import-title"), center, problems }))
}

/// `GET /certif/{center_id}/sessions/import`: the mass import form.
pub async fn import_form(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
) -> Result<Response, AppError> {
    import_page(&state, &page, access.center, Vec::new()).await
}

/// `POST /certif/{center_id}/sessions/import`: creates the sessions of a file, or lists its problems.
pub async fn import(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    form: crate::identity::request::CsrfMultipart,
) -> Result<Response, AppError> {
    let Some(file) = form.file("file") else {
        return import_page(&state, &page, access.center, vec![page.t("learners-file-required")]).await;
    };
    match service::import_sessions(&state, access.center, access.user.id, file.bytes.clone()).await? {
        Ok(s) => Ok(Redirect::to(&format!(
            "/certif/{}/sessions?sessions={}&candidates={}",
            access.center, s.sessions, s.candidates
        ))
        .into_response()),
        Err(errors) => {
            let problems = errors.iter().map(|e| crate::csv_import::problem_text(page.lang, e)).collect();
            import_page(&state, &page, access.center, problems).await
        }
    }
}

/// `GET /certif/{center_id}/sessions/import/template.csv`: the empty mass-import file.
pub async fn import_template(access: CenterAccess<AnyMember>) -> Result<Response, AppError> {
    let _ = access;
    let mut response = Response::new(axum::body::Body::from(super::import::template()));
    let h = response.headers_mut();
    h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(
        axum::http::header::CONTENT_DISPOSITION,
        axum::http::HeaderValue::from_static("attachment; filename=\"import-sessions.csv\""),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "certification/session_form.html")]
struct SessionFormPage {
    chrome: Chrome,
    center: Center,
    /// Where the form posts.
    action: String,
    form: FormState,
}

fn keep_session(f: &SessionFields) -> FormState {
    FormState::new()
        .keep("address", &f.address)
        .keep("room", &f.room)
        .keep("date", &f.date)
        .keep("time", &f.time)
        .keep("examiner", &f.examiner)
        .keep("description", &f.description)
        .keep("version", &f.version.unwrap_or(3).to_string())
}

fn session_form(page: &Page, center: Center, action: String, title: &str, form: FormState) -> Response {
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(status, &SessionFormPage { chrome: page.chrome_t(title), center, action, form })
}

/// `GET /certif/{center_id}/sessions/new`
pub async fn new_session(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
) -> Result<Response, AppError> {
    let center = service::center(&state, access.center).await?;
    let action = format!("/certif/{}/sessions", center.id);
    Ok(session_form(&page, center, action, "session-new-title", FormState::new()))
}

/// `POST /certif/{center_id}/sessions`
pub async fn create_session(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    CsrfForm(f): CsrfForm<SessionFields>,
) -> Result<Response, AppError> {
    let center = service::center(&state, access.center).await?;
    match service::create_session(&state, center.id, access.user.id, &f).await? {
        Ok(s) => Ok(Redirect::to(&format!("/certif/{}/sessions/{}", center.id, s.id)).into_response()),
        Err(errors) => {
            let action = format!("/certif/{}/sessions", center.id);
            Ok(session_form(
                &page,
                center,
                action,
                "session-new-title",
                keep_session(&f).with_errors(page.lang, &errors),
            ))
        }
    }
}

/// `GET /certif/{center_id}/sessions/{session_id}/edit`
pub async fn edit_session(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    Path(path): Path<SessionPath>,
) -> Result<Response, AppError> {
    let center = service::center(&state, access.center).await?;
    let s = service::session(&state, center.id, path.session_id).await?;
    let fields = SessionFields {
        address: s.address.clone(),
        room: s.room.clone(),
        date: s.date.clone(),
        time: s.time.clone(),
        examiner: s.examiner.clone(),
        description: s.description.clone(),
        version: Some(s.version),
    };
    let action = format!("/certif/{}/sessions/{}/edit", center.id, s.id);
    Ok(session_form(&page, center, action, "session-edit-title", keep_session(&fields)))
}

/// `POST /certif/{center_id}/sessions/{session_id}/edit`
pub async fn update_session(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    Path(path): Path<SessionPath>,
    CsrfForm(f): CsrfForm<SessionFields>,
) -> Result<Response, AppError> {
    let center = service::center(&state, access.center).await?;
    let s = service::session(&state, center.id, path.session_id).await?;
    match service::update_session(&state, &s, &f).await? {
        Ok(()) => Ok(Redirect::to(&format!("/certif/{}/sessions/{}", center.id, s.id)).into_response()),
        Err(errors) => {
            let action = format!("/certif/{}/sessions/{}/edit", center.id, s.id);
            Ok(session_form(
                &page,
                center,
                action,
                "session-edit-title",
                keep_session(&f).with_errors(page.lang, &errors),
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "certification/session.html")]
struct SessionPage {
    chrome: Chrome,
    center: Center,
    session: Session,
    status: SessionStatus,
    candidates: Vec<Candidate>,
    /// The enrolment form.
    form: FormState,
    /// The finalisation form.
    finalize_form: FormState,
    notice: String,
    /// Candidates whose test started (finalisation needs one; each may have issue reports).
    started: Vec<(Uuid, String)>,
    /// Candidates whose test is not over: (id, name) — the finalisation asks why.
    unfinished: Vec<(Uuid, String)>,
    /// Said while repeated wrong invigilator passwords lock the session's invigilator login.
    invigilator_locked: Option<String>,
}

/// Notices after an action.
#[derive(Debug, Default, Deserialize)]
pub struct SessionQuery {
    done: Option<String>,
}

async fn session_page(
    state: &AppState,
    page: &Page,
    center: Uuid,
    id: Uuid,
    forms: (FormState, FormState),
    notice: String,
) -> Result<Response, AppError> {
    let (form, finalize_form) = forms;
    let center = service::center(state, center).await?;
    let session = service::session(state, center.id, id).await?;
    let candidates = store::candidates(&state.db, session.id).await?;
    let courses = store::courses_of_session(&state.db, session.id).await?;
    let unfinished = courses
        .iter()
        .filter(|k| k.completed_at.is_none())
        .filter_map(|k| candidates.iter().find(|c| c.id == k.candidate_id))
        .map(|c| (c.id, format!("{} {}", c.enrolled.first_name, c.enrolled.last_name)))
        .collect();
    let started = courses
        .iter()
        .filter_map(|k| candidates.iter().find(|c| c.id == k.candidate_id))
        .map(|c| (c.id, format!("{} {}", c.enrolled.first_name, c.enrolled.last_name)))
        .collect();
    let status =
        if form.has_errors() || finalize_form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let title = format!("{} {}", page.t("session-title"), session.number);
    let invigilator_locked = service::invigilator_locked_until(state, session.id)
        .await?
        .map(|until| page.lang.t_args("session-invigilator-locked", &[("time", &crate::clock::paris_hour(until))]));
    Ok(render(
        status,
        &SessionPage {
            invigilator_locked,
            chrome: page.chrome(&title),
            status: session.status(),
            center,
            session,
            candidates,
            form,
            finalize_form,
            notice,
            started,
            unfinished,
        },
    ))
}

/// The session page with the finalisation form's state (its errors).
pub async fn session_page_with(
    state: &AppState,
    page: &Page,
    center: Uuid,
    id: Uuid,
    finalize_form: FormState,
) -> Result<Response, AppError> {
    session_page(state, page, center, id, (FormState::new(), finalize_form), String::new()).await
}

/// `GET /certif/{center_id}/sessions/{session_id}`: the session, its codes and its candidates.
pub async fn session(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    Path(path): Path<SessionPath>,
    Query(q): Query<SessionQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("enrolled") => page.t("candidate-enrolled"),
        Some("updated") => page.t("candidate-updated"),
        Some("removed") => page.t("candidate-removed"),
        Some("finalized") => page.t("session-finalized"),
        Some("unlocked") => page.t("session-invigilator-unlocked"),
        _ => String::new(),
    };
    session_page(&state, &page, access.center, path.session_id, (FormState::new(), FormState::new()), notice).await
}

/// `POST /certif/{center_id}/sessions/{session_id}/invigilator/unlock`: a member of the centre lifts
/// the lock that repeated wrong invigilator passwords put on the session (audited).
pub async fn unlock_invigilator(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
    Path(path): Path<SessionPath>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let session = service::session(&state, access.center, path.session_id).await?;
    service::unlock_invigilator(&state, access.user.id, &session).await?;
    Ok(Redirect::to(&format!("/certif/{}/sessions/{}?done=unlocked", access.center, session.id)).into_response())
}

fn keep_candidate(f: &CandidateFields) -> FormState {
    FormState::new()
        .keep("first_name", &f.first_name)
        .keep("last_name", &f.last_name)
        .keep("birth_date", &f.birth_date)
        .keep("sex", &f.sex)
        .keep("birth_country", &f.birth_country)
        .keep("birth_insee_code", &f.birth_insee_code)
        .keep("birth_postal_code", &f.birth_postal_code)
        .keep("birth_city", &f.birth_city)
        .keep("external_id", &f.external_id)
        .keep("extra_time_percentage", &f.extra_time_percentage)
        .keep("accessibility_adjustment", &f.accessibility_adjustment)
        .keep("email", &f.email)
        .keep("result_recipient_email", &f.result_recipient_email)
}

/// `POST /certif/{center_id}/sessions/{session_id}/candidates`: enrols a candidate.
pub async fn enrol(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    Path(path): Path<SessionPath>,
    CsrfForm(f): CsrfForm<CandidateFields>,
) -> Result<Response, AppError> {
    let s = service::session(&state, access.center, path.session_id).await?;
    match service::enrol(&state, &s, access.user.id, &f).await? {
        Ok(_) => {
            Ok(Redirect::to(&format!("/certif/{}/sessions/{}?done=enrolled", access.center, s.id)).into_response())
        }
        Err(errors) => {
            let form = keep_candidate(&f).with_errors(page.lang, &errors);
            session_page(&state, &page, access.center, s.id, (form, FormState::new()), String::new()).await
        }
    }
}

#[derive(Template)]
#[template(path = "certification/candidate.html")]
struct CandidatePage {
    chrome: Chrome,
    center: Center,
    session: Session,
    candidate: Candidate,
    form: FormState,
}

async fn candidate_page(
    state: &AppState,
    page: &Page,
    center: Uuid,
    s: Session,
    candidate: Candidate,
    form: FormState,
) -> Result<Response, AppError> {
    let center = service::center(state, center).await?;
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let title = format!("{} {}", candidate.enrolled.first_name, candidate.enrolled.last_name);
    Ok(render(status, &CandidatePage { chrome: page.chrome(&title), center, session: s, candidate, form }))
}

/// `GET /certif/{center_id}/sessions/{session_id}/candidates/{candidate_id}`: the enrolment form.
pub async fn candidate(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    Path(path): Path<CandidatePath>,
) -> Result<Response, AppError> {
    let s = service::session(&state, access.center, path.session_id).await?;
    let c = store::candidate(&state.db, s.id, path.candidate_id).await?.ok_or(AppError::NotFound)?;
    let form = keep_candidate(&c.fields());
    candidate_page(&state, &page, access.center, s, c, form).await
}

/// `POST /certif/{center_id}/sessions/{session_id}/candidates/{candidate_id}`: changes it.
pub async fn update_candidate(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    Path(path): Path<CandidatePath>,
    CsrfForm(f): CsrfForm<CandidateFields>,
) -> Result<Response, AppError> {
    let s = service::session(&state, access.center, path.session_id).await?;
    match service::update_candidate(&state, &s, path.candidate_id, access.user.id, &f).await? {
        Ok(_) => Ok(Redirect::to(&format!("/certif/{}/sessions/{}?done=updated", access.center, s.id)).into_response()),
        Err(errors) => {
            let c = store::candidate(&state.db, s.id, path.candidate_id).await?.ok_or(AppError::NotFound)?;
            let form = keep_candidate(&f).with_errors(page.lang, &errors);
            candidate_page(&state, &page, access.center, s, c, form).await
        }
    }
}

/// `POST /certif/{center_id}/sessions/{session_id}/candidates/{candidate_id}/delete`
pub async fn remove_candidate(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
    Path(path): Path<CandidatePath>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let s = service::session(&state, access.center, path.session_id).await?;
    service::remove_candidate(&state, &s, path.candidate_id, access.user.id).await?;
    Ok(Redirect::to(&format!("/certif/{}/sessions/{}?done=removed", access.center, s.id)).into_response())
}

#[derive(Template)]
#[template(path = "certification/eligibility.html")]
struct EligibilityPage {
    chrome: Chrome,
    eligibility: Eligibility,
    /// (code, name, level) of each competence.
    competences: Vec<(String, String, u32)>,
    /// The certification to act on first: under way, joined, awaiting results, or the latest certificate.
    current: Option<service::MyCertification>,
    /// The person has certifications to list.
    any: bool,
}

#[derive(Template)]
#[template(path = "certification/mine.html")]
struct MinePage {
    chrome: Chrome,
    certifications: Vec<service::MyCertification>,
}

/// `GET /mes-certifications`: every certification of the person — where it stands, its score, its
/// certificate, PDF and signed credential.
pub async fn mine(State(state): State<AppState>, page: Page, me: CurrentUser) -> Result<Response, AppError> {
    let certifications = service::my_certifications(&state, me.id).await?;
    Ok(render(StatusCode::OK, &MinePage { chrome: page.chrome_t("mine-title"), certifications }))
}

/// `GET /certification`: whether the learner may be certified, and what to do if not.
pub async fn eligibility(State(state): State<AppState>, page: Page, me: CurrentUser) -> Result<Response, AppError> {
    let eligibility = service::eligibility(&state, me.id).await?;
    let locale = crate::web::i18n::locale(page.lang);
    let competences = eligibility
        .levels
        .iter()
        .filter_map(|l| {
            let idx = state.content.competence_by_code(&l.code)?;
            Some((l.code.clone(), state.content.competence(idx).name.get(locale).to_owned(), l.level))
        })
        .collect();
    let all = service::my_certifications(&state, me.id).await?;
    let first = |wanted: &[service::MyStatus]| all.iter().find(|c| wanted.contains(&c.status)).cloned();
    use service::MyStatus::*;
    let current = first(&[UnderWay]).or_else(|| first(&[Joined])).or_else(|| first(&[AwaitingResults, Validated]));
    Ok(render(
        StatusCode::OK,
        &EligibilityPage {
            chrome: page.chrome_t("eligibility-title"),
            eligibility,
            competences,
            current,
            any: !all.is_empty(),
        },
    ))
}
