//! The certification side as JSON: a centre's sessions and their candidates, and a person's
//! eligibility.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    model::{Candidate, CandidateFields, Session, SessionFields, SessionStatus},
    service::{self, Eligibility},
    store,
};
use crate::identity::request::{CsrfHeader, CsrfJson};
use crate::{
    AppState,
    identity::{
        CurrentUser,
        guard::{AnyMember, CenterAccess},
    },
    web::error::AppError,
};

/// A session as the centre sees it.
#[derive(Serialize, ToSchema)]
pub struct SessionJson {
    #[serde(flatten)]
    session: Session,
    /// What candidates type with the number.
    invigilator_password: String,
    status: SessionStatus,
    /// Enrolled candidates.
    candidates: i64,
}

fn session_json(s: Session, candidates: i64) -> SessionJson {
    SessionJson { invigilator_password: s.invigilator_password.clone(), status: s.status(), session: s, candidates }
}

/// Path of a session.
#[derive(Deserialize)]
pub struct SessionPath {
    session_id: Uuid,
}

/// Path of a candidate.
#[derive(Deserialize)]
pub struct CandidatePath {
    session_id: Uuid,
    candidate_id: Uuid,
}

/// The centre's sessions, latest date first.
#[utoipa::path(get, path = "/api/certification-centers/{center_id}/sessions", tag = "certification",
    params(("center_id" = Uuid, Path)), responses((status = 200, body = Vec<SessionJson>)))]
pub async fn sessions(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
) -> Result<Json<Vec<SessionJson>>, AppError> {
    let list = store::sessions_of(&state.db, access.center).await?;
    Ok(Json(list.into_iter().map(|(s, n)| session_json(s, n)).collect()))
}

/// Plans a session (201); 422 lists the fields to correct.
#[utoipa::path(post, path = "/api/certification-centers/{center_id}/sessions", tag = "certification",
    params(("center_id" = Uuid, Path)), request_body = SessionFields, responses((status = 201, body = SessionJson)))]
pub async fn create_session(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
    CsrfJson(body): CsrfJson<SessionFields>,
) -> Result<Response, AppError> {
    let s = service::create_session(&state, access.center, access.user.id, &body).await?.map_err(AppError::Invalid)?;
    Ok((StatusCode::CREATED, Json(session_json(s, 0))).into_response())
}

/// A session with its candidates.
#[derive(Serialize, ToSchema)]
pub struct SessionDetail {
    #[serde(flatten)]
    session: SessionJson,
    /// Candidates, by name.
    enrolled: Vec<Candidate>,
}

/// One session of the centre and its candidates.
#[utoipa::path(get, path = "/api/certification-centers/{center_id}/sessions/{session_id}", tag = "certification",
    params(("center_id" = Uuid, Path), ("session_id" = Uuid, Path)), responses((status = 200, body = SessionDetail)))]
pub async fn session(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
    Path(path): Path<SessionPath>,
) -> Result<Json<SessionDetail>, AppError> {
    let s = service::session(&state, access.center, path.session_id).await?;
    let enrolled = store::candidates(&state.db, s.id).await?;
    Ok(Json(SessionDetail { session: session_json(s, enrolled.len() as i64), enrolled }))
}

/// Changes a session still open (409 once finalised).
#[utoipa::path(put, path = "/api/certification-centers/{center_id}/sessions/{session_id}", tag = "certification",
    params(("center_id" = Uuid, Path), ("session_id" = Uuid, Path)), request_body = SessionFields,
    responses((status = 200, body = SessionJson)))]
pub async fn update_session(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
    Path(path): Path<SessionPath>,
    CsrfJson(body): CsrfJson<SessionFields>,
) -> Result<Json<SessionJson>, AppError> {
    let s = service::session(&state, access.center, path.session_id).await?;
    service::update_session(&state, &s, &body).await?.map_err(AppError::Invalid)?;
    let s = service::session(&state, access.center, s.id).await?;
    let n = store::candidates(&state.db, s.id).await?.len() as i64;
    Ok(Json(session_json(s, n)))
}

/// Enrols a candidate (201); 422 lists the fields to correct, including the birthplace rules.
#[utoipa::path(post, path = "/api/certification-centers/{center_id}/sessions/{session_id}/candidates", tag = "certification",
    params(("center_id" = Uuid, Path), ("session_id" = Uuid, Path)), request_body = CandidateFields,
    responses((status = 201, body = Candidate)))]
pub async fn enrol(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
    Path(path): Path<SessionPath>,
    CsrfJson(body): CsrfJson<CandidateFields>,
) -> Result<Response, AppError> {
    let s = service::session(&state, access.center, path.session_id).await?;
    let c = service::enrol(&state, &s, access.user.id, &body).await?.map_err(AppError::Invalid)?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

/// Changes a candidate's enrolment until they join (409 afterwards).
#[utoipa::path(put, path = "/api/certification-centers/{center_id}/sessions/{session_id}/candidates/{candidate_id}",
    tag = "certification", params(("center_id" = Uuid, Path), ("session_id" = Uuid, Path), ("candidate_id" = Uuid, Path)),
    request_body = CandidateFields, responses((status = 200, body = Candidate)))]
pub async fn update_candidate(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
    Path(path): Path<CandidatePath>,
    CsrfJson(body): CsrfJson<CandidateFields>,
) -> Result<Json<Candidate>, AppError> {
    let s = service::session(&state, access.center, path.session_id).await?;
    let c = service::update_candidate(&state, &s, path.candidate_id, access.user.id, &body)
        .await?
        .map_err(AppError::Invalid)?;
    Ok(Json(c))
}

/// Removes a candidate who has not joined (409 afterwards).
#[utoipa::path(delete, path = "/api/certification-centers/{center_id}/sessions/{session_id}/candidates/{candidate_id}",
    tag = "certification", params(("center_id" = Uuid, Path), ("session_id" = Uuid, Path), ("candidate_id" = Uuid, Path)),
    responses((status = 204, description = "removed")))]
pub async fn remove_candidate(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
    Path(path): Path<CandidatePath>,
    _: CsrfHeader,
) -> Result<StatusCode, AppError> {
    let s = service::session(&state, access.center, path.session_id).await?;
    service::remove_candidate(&state, &s, path.candidate_id, access.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether the signed-in person may be certified (at least 5 competences at level 1).
#[utoipa::path(get, path = "/api/me/certification-eligibility", tag = "certification",
    responses((status = 200, body = Eligibility)))]
pub async fn eligibility(State(state): State<AppState>, me: CurrentUser) -> Result<Json<Eligibility>, AppError> {
    Ok(Json(service::eligibility(&state, me.id).await?))
}

/// Creates sessions and enrols candidates from a mass-import file (the CSV as the body, `PRODUCT.md`
/// §2.1 columns): 201 with what was created, or 422 with every problem's `line`, `column`, `code` and
/// `message` (nothing is created then).
#[utoipa::path(post, path = "/api/certification-centers/{center_id}/sessions/import", tag = "certification",
    params(("center_id" = Uuid, Path)), request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = service::ImportSummary)))]
pub async fn import(
    State(state): State<AppState>,
    lang: crate::web::i18n::Lang,
    access: CenterAccess<AnyMember>,
    _: CsrfHeader,
    body: axum::body::Body,
) -> Result<Response, AppError> {
    let bytes = axum::body::to_bytes(body, crate::web::MAX_UPLOAD_BYTES).await.map_err(|_| AppError::TooLarge)?;
    match service::import_sessions(&state, access.center, access.user.id, bytes.to_vec()).await? {
        Ok(summary) => Ok((StatusCode::CREATED, Json(summary)).into_response()),
        Err(errors) => Ok(crate::csv_import::problems_response(lang, &errors)),
    }
}

/// A candidate as they see themselves.
#[derive(Serialize, ToSchema)]
pub struct CandidateJson {
    /// Candidate id.
    id: Uuid,
    /// Session number.
    session_number: i64,
    /// Where they stand.
    state: service::CandidateState,
    /// Their test, once started.
    assessment_id: Option<Uuid>,
    /// Their certificate (the course id), once published.
    certificate: Option<Uuid>,
}

async fn candidate_json(state: &AppState, c: &Candidate) -> Result<CandidateJson, AppError> {
    let session = store::session(&state.db, c.session_id).await?.ok_or(AppError::NotFound)?;
    let course = store::course_of_candidate(&state.db, c.id).await?;
    let (assessment_id, certificate) = match &course {
        Some(k) => (
            store::assessment_of_course(&state.db, k.id).await?.map(|(a, _)| a),
            super::results::published_result(state, k.id).await?.map(|_| k.id),
        ),
        None => (None, None),
    };
    Ok(CandidateJson {
        id: c.id,
        session_number: session.number,
        state: service::candidate_state(c, course.as_ref()),
        assessment_id,
        certificate,
    })
}

/// Joins a session as one of its candidates (session number, access code, names and birth date as
/// enrolled), on the session's day. 422 with `field-join-failed` whatever part of the session
/// number, access code and identity was wrong (trying reveals nothing), `field-join-not-today`,
/// `field-join-not-eligible` or `field-birth-date-invalid`; 429 after too many failures of the
/// account or at the session.
#[utoipa::path(post, path = "/api/certification/join", tag = "certification", request_body = service::JoinFields,
    responses((status = 200, body = CandidateJson)))]
pub async fn join(
    State(state): State<AppState>,
    me: CurrentUser,
    CsrfJson(body): CsrfJson<service::JoinFields>,
) -> Result<Json<CandidateJson>, AppError> {
    let c = match service::join(&state, me.id, &body).await? {
        Ok(c) => c,
        Err(service::JoinRefused::Fields(errors)) => return Err(AppError::Invalid(errors)),
        Err(service::JoinRefused::Locked(until)) => {
            let retry_after = crate::web::limit::retry_after_until(state.clock.now_micros(), until);
            return Err(AppError::TooManyRequests { retry_after });
        }
    };
    Ok(Json(candidate_json(&state, &c).await?))
}

/// Every certification of the signed-in person, the latest first: where it stands, and once
/// published its score, certificate and verification code.
#[utoipa::path(get, path = "/api/me/certifications", tag = "certification",
    responses((status = 200, body = Vec<service::MyCertification>)))]
pub async fn my_certifications(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<service::MyCertification>>, AppError> {
    Ok(Json(service::my_certifications(&state, me.id).await?))
}

/// Where the signed-in candidate stands.
#[utoipa::path(get, path = "/api/certification/candidates/{candidate_id}", tag = "certification",
    params(("candidate_id" = Uuid, Path)), responses((status = 200, body = CandidateJson)))]
pub async fn candidate(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<CandidateJson>, AppError> {
    let c = service::own_candidate(&state, me.id, id).await?;
    Ok(Json(candidate_json(&state, &c).await?))
}

/// Starts the candidate's test once the invigilator authorised them, or resumes it once the
/// invigilator authorised the resumption (each authorisation serves once); 409 without an
/// authorisation, once the test is over, once the session is finalised, or on another day than the
/// session's.
#[utoipa::path(post, path = "/api/certification/candidates/{candidate_id}/start", tag = "certification",
    params(("candidate_id" = Uuid, Path)), responses((status = 200, body = CandidateJson)))]
pub async fn start(
    State(state): State<AppState>,
    lang: crate::web::i18n::Lang,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    _: CsrfHeader,
) -> Result<Json<CandidateJson>, AppError> {
    service::start_test(&state, me.id, id, crate::web::i18n::locale(lang)).await?.map_err(|_| AppError::Conflict)?;
    let c = service::own_candidate(&state, me.id, id).await?;
    Ok(Json(candidate_json(&state, &c).await?))
}
