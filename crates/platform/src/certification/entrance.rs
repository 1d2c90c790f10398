//! The candidate's side (join a session, wait for the invigilator, start or resume the test, see
//! that it is over) and the invigilator's screen (session number and password, no account).

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    model::{Candidate, Session},
    service::{self, CandidateState, InvigilatorLogin, JoinFields, JoinRefused, StartRefused, Supervised},
    store,
};
use crate::identity::request::{CsrfForm, NoFields, Page};
use crate::{
    AppState,
    identity::CurrentUser,
    web::i18n::locale,
    web::{
        error::AppError,
        form::FormState,
        layout::{Chrome, render},
    },
};

#[derive(Template)]
#[template(path = "certification/join.html")]
struct JoinPage {
    chrome: Chrome,
    form: FormState,
}

fn join_page(page: &Page, form: FormState) -> Response {
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(status, &JoinPage { chrome: page.chrome_t("join-title"), form })
}

/// `GET /certification/rejoindre`: the entrance form.
pub async fn join_form(page: Page, me: CurrentUser) -> Response {
    join_page(&page, FormState::new().keep("first_name", &me.first_name).keep("last_name", &me.last_name))
}

/// `POST /certification/rejoindre`
pub async fn join(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<JoinFields>,
) -> Result<Response, AppError> {
    let errors = match service::join(&state, me.id, &f).await? {
        Ok(c) => return Ok(Redirect::to(&format!("/certification/candidats/{}", c.id)).into_response()),
        Err(JoinRefused::Fields(errors)) => errors,
        Err(JoinRefused::Locked(until)) => {
            let message = page.lang.t_args("join-locked", &[("time", &crate::clock::paris_hour(until))]);
            let form = FormState::new().with_message("session_number", message);
            let mut response = join_page(&page, form);
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, wait_until(&state, until).into());
            return Ok(response);
        }
    };
    let form = FormState::new()
        .keep("session_number", &f.session_number)
        .keep("access_code", &f.access_code)
        .keep("first_name", &f.first_name)
        .keep("last_name", &f.last_name)
        .keep("birth_date", &f.birth_date)
        .with_errors(page.lang, &errors);
    Ok(join_page(&page, form))
}

#[derive(Template)]
#[template(path = "certification/candidate_home.html")]
struct CandidateHome {
    chrome: Chrome,
    candidate: Candidate,
    session: Session,
    state: CandidateState,
    notice: String,
    /// The course, once its certificate is published.
    certificate: Option<Uuid>,
}

async fn candidate_home(
    state: &AppState,
    page: &Page,
    me: &CurrentUser,
    id: Uuid,
    notice: String,
) -> Result<Response, AppError> {
    let candidate = service::own_candidate(state, me.id, id).await?;
    let session = store::session(&state.db, candidate.session_id).await?.ok_or(AppError::NotFound)?;
    let course = store::course_of_candidate(&state.db, candidate.id).await?;
    let st = service::candidate_state(&candidate, course.as_ref());
    // Back at the entrance with a test under way: asking the invigilator to resume it.
    if let Some(k) = course.as_ref().filter(|_| st == CandidateState::Started && session_is_open(&session)) {
        service::request_resume(state, k).await?;
    }
    let certificate = match &course {
        Some(k) => super::results::published_result(state, k.id).await?.map(|_| k.id),
        None => None,
    };
    Ok(render(
        StatusCode::OK,
        &CandidateHome {
            chrome: page.chrome_t("candidate-home-title"),
            candidate,
            session,
            state: st,
            notice,
            certificate,
        },
    ))
}

/// `GET /certification/candidats/{candidate_id}`: waiting room, start, resume or end.
pub async fn home(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    candidate_home(&state, &page, &me, id, String::new()).await
}

/// `POST /certification/candidats/{candidate_id}/start`
pub async fn start(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    match service::start_test(&state, me.id, id, locale(page.lang)).await? {
        Ok(assessment) => Ok(Redirect::to(&format!("/assessments/{assessment}")).into_response()),
        Err(StartRefused::NotAuthorized) => {
            candidate_home(&state, &page, &me, id, page.t("candidate-not-authorized")).await
        }
        Err(StartRefused::Over) => candidate_home(&state, &page, &me, id, String::new()).await,
        Err(StartRefused::SessionClosed) => {
            candidate_home(&state, &page, &me, id, page.t("candidate-session-closed")).await
        }
        Err(StartRefused::NotToday(date)) => {
            let notice = page.lang.t_args("candidate-not-today", &[("date", &super::model::iso_to_fr(&date))]);
            candidate_home(&state, &page, &me, id, notice).await
        }
    }
}

// ------------------------------------------------------------------ invigilator

use crate::identity::session::INVIGILATED;

async fn invigilated(page: &Page) -> Vec<Uuid> {
    page.session().get::<Vec<Uuid>>(INVIGILATED).await.ok().flatten().unwrap_or_default()
}

#[derive(Template)]
#[template(path = "certification/invigilator_login.html")]
struct InvigilatorLoginPage {
    chrome: Chrome,
    form: FormState,
    /// Said after the invigilator left a session.
    notice: String,
}

/// The query of the invigilator's form.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    /// Set after leaving a session.
    #[serde(default)]
    left: Option<String>,
}

/// `GET /surveillant`: session number and invigilator password.
pub async fn invigilator_form(page: Page, Query(q): Query<LoginQuery>) -> Response {
    let notice = if q.left.is_some() { page.t("invigilator-left") } else { String::new() };
    render(
        StatusCode::OK,
        &InvigilatorLoginPage { chrome: page.chrome_t("invigilator-title"), form: FormState::new(), notice },
    )
}

/// The invigilator's form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvigilatorFields {
    #[serde(default)]
    session_number: String,
    #[serde(default)]
    password: String,
}

/// `POST /surveillant`: counted per session and per client address; a right password opens the
/// session's screen in this browser under a new session id.
pub async fn invigilator_login(
    State(state): State<AppState>,
    page: Page,
    CsrfForm(f): CsrfForm<InvigilatorFields>,
) -> Result<Response, AppError> {
    let refused = |status: StatusCode, form: FormState| {
        let chrome = page.chrome_t("invigilator-title");
        render(status, &InvigilatorLoginPage { chrome, form, notice: String::new() })
    };
    let session = match service::invigilator_login(&state, &f.session_number, &f.password).await? {
        InvigilatorLogin::Opened(session) => session,
        InvigilatorLogin::Wrong => {
            let form = FormState::new().keep("session_number", &f.session_number).with_errors(
                page.lang,
                &[crate::web::error::FieldError {
                    field: "session_number".into(),
                    code: "field-invigilator-login".into(),
                }],
            );
            return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, form));
        }
        InvigilatorLogin::Locked(until) => {
            let message = page.lang.t_args("invigilator-locked", &[("time", &crate::clock::paris_hour(until))]);
            let form =
                FormState::new().keep("session_number", &f.session_number).with_message("session_number", message);
            let mut response = refused(StatusCode::TOO_MANY_REQUESTS, form);
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, wait_until(&state, until).into());
            return Ok(response);
        }
    };
    let mut sessions = invigilated(&page).await;
    if !sessions.contains(&session.id) {
        sessions.push(session.id);
    }
    // A new id against fixation: an id planted in this browser before does not become an
    // invigilator's.
    page.session().cycle_id().await.map_err(store_error)?;
    page.session().insert(INVIGILATED, sessions).await.map_err(store_error)?;
    Ok(Redirect::to(&format!("/surveillant/sessions/{}", session.id)).into_response())
}

fn store_error(e: tower_sessions::session::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("{e}"))
}

/// Whole seconds from now until `until` (µs), for `Retry-After`.
fn wait_until(state: &AppState, until: i64) -> u64 {
    crate::web::limit::retry_after_until(state.clock.now_micros(), until)
}

/// `POST /surveillant/sessions/{session_id}/leave`: this browser no longer opens the session.
pub async fn invigilator_leave(
    page: Page,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let sessions: Vec<Uuid> = invigilated(&page).await.into_iter().filter(|s| *s != id).collect();
    if sessions.is_empty() {
        page.session().remove::<Vec<Uuid>>(INVIGILATED).await.map_err(store_error)?;
    } else {
        page.session().insert(INVIGILATED, sessions).await.map_err(store_error)?;
    }
    Ok(Redirect::to("/surveillant?left=1").into_response())
}

#[derive(Template)]
#[template(path = "certification/invigilator.html")]
struct InvigilatorPage {
    chrome: Chrome,
    session: Session,
    lines: Vec<Supervised>,
    notice: String,
    /// How many candidates wait for the invigilator (announced when it changes).
    needing: String,
    /// The session is finalised: the screen only shows where candidates ended.
    read_only: bool,
}

/// Path of an invigilated candidate.
#[derive(Debug, Deserialize)]
pub struct InvigilatedPath {
    session_id: Uuid,
    candidate_id: Uuid,
}

/// The invigilated session, if this browser opened it with the password and its results are not
/// published (a finalised session's screen is read-only: actions answer 409).
async fn open(state: &AppState, page: &Page, id: Uuid) -> Result<Option<Session>, AppError> {
    if !invigilated(page).await.contains(&id) {
        return Ok(None);
    }
    Ok(store::session(&state.db, id).await?.filter(|s| s.published_at.is_none()))
}

fn session_is_open(session: &Session) -> bool {
    session.status() == super::model::SessionStatus::Created
}

async fn invigilator_page(state: &AppState, page: &Page, id: Uuid, notice: String) -> Result<Response, AppError> {
    let Some(session) = open(state, page, id).await? else {
        return Ok(Redirect::to("/surveillant").into_response());
    };
    let lines = service::supervise(state, session.id).await?;
    let title = format!("{} {}", page.t("session-title"), session.number);
    let waiting = lines.iter().filter(|l| l.alert || l.asks_resume || l.state == CandidateState::Waiting).count();
    let needing = match waiting {
        0 => page.t("invigilator-needing-none"),
        n => page.lang.t_args("invigilator-needing", &[("count", &n.to_string())]),
    };
    let read_only = session.status() != super::model::SessionStatus::Created;
    Ok(render(
        StatusCode::OK,
        &InvigilatorPage { chrome: page.chrome(&title), session, lines, notice, needing, read_only },
    ))
}

/// `GET /surveillant/sessions/{session_id}`: every candidate, those needing an action first.
pub async fn invigilator(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    invigilator_page(&state, &page, id, String::new()).await
}

/// `GET /surveillant/sessions/{session_id}/events`: Server-Sent Events, a `change` event within a
/// moment of anything happening to a candidate of the session, on any node (the screen's script
/// then fetches the page again; without JavaScript, "Actualiser" does the same).
pub async fn events(State(state): State<AppState>, page: Page, Path(id): Path<Uuid>) -> Result<Response, AppError> {
    if open(&state, &page, id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(super::live::stream(&state, id).into_response())
}

/// The authorisation form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizeFields {
    #[serde(default)]
    authorized: String,
}

/// `POST /surveillant/sessions/{session_id}/candidates/{candidate_id}/authorize`
pub async fn authorize(
    State(state): State<AppState>,
    page: Page,
    Path(p): Path<InvigilatedPath>,
    CsrfForm(f): CsrfForm<AuthorizeFields>,
) -> Result<Response, AppError> {
    if open(&state, &page, p.session_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    service::authorize(&state, p.session_id, p.candidate_id, f.authorized == "yes").await?;
    Ok(Redirect::to(&format!("/surveillant/sessions/{}", p.session_id)).into_response())
}

/// `POST /surveillant/sessions/{session_id}/candidates/{candidate_id}/end`
pub async fn end(
    State(state): State<AppState>,
    page: Page,
    Path(p): Path<InvigilatedPath>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    if open(&state, &page, p.session_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    service::end_test(&state, p.session_id, p.candidate_id).await?;
    invigilator_page(&state, &page, p.session_id, page.t("invigilator-ended")).await
}

/// `POST /assessments/{id}/exam-focus`: the test page reports that the candidate left it (its
/// window lost focus or was hidden); the invigilator's screen shows it at once. 204 either way.
pub async fn exam_focus(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    _: crate::identity::request::CsrfHeader,
) -> Result<StatusCode, AppError> {
    service::record_focus_loss(&state, me.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /assessments/{id}/alert`: the candidate reports a problem with the current question.
pub async fn raise_alert(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    service::raise_alert(&state, me.id, id).await?;
    Ok(Redirect::to(&format!("/assessments/{id}")).into_response())
}

/// `POST /surveillant/sessions/{session_id}/candidates/{candidate_id}/alert/validate` (or `dismiss`).
pub async fn handle_alert(
    State(state): State<AppState>,
    page: Page,
    Path((session_id, candidate_id, action)): Path<(Uuid, Uuid, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    if open(&state, &page, session_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let validate = match action.as_str() {
        "validate" => true,
        "dismiss" => false,
        _ => return Err(AppError::NotFound),
    };
    service::handle_alert(&state, session_id, candidate_id, validate).await?;
    Ok(Redirect::to(&format!("/surveillant/sessions/{session_id}")).into_response())
}
