//! After the test: the centre finalises its session, the back office publishes it, the candidate
//! reads their certificate, and anyone verifies a certificate by its code.

use askama::Template;
use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    model::{CertResult, Session},
    service::{self, Certificate, Finalization},
    store,
};
use crate::identity::request::{CsrfForm, CsrfJson, Fields, NoFields, Page, field};
use crate::{
    AppState,
    identity::{
        CurrentUser,
        guard::{AnyMember, CenterAccess, Certif, RequireAdmin},
    },
    web::{
        error::AppError,
        layout::{Chrome, render},
    },
};

/// Path of a session.
#[derive(Debug, Deserialize)]
pub struct SessionPath {
    session_id: Uuid,
}

fn yes_no(v: Option<&str>) -> Option<bool> {
    match v {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    }
}

/// `POST /certif/{center_id}/sessions/{session_id}/finalize`: comment, incident flags and the abort
/// reason of each unfinished test (`abort-<candidate id>`).
pub async fn finalize(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    Path(p): Path<SessionPath>,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    let s = service::session(&state, access.center, p.session_id).await?;
    let f = Finalization {
        comment: field(&fields, "comment").unwrap_or_default().to_owned(),
        has_incident: yes_no(field(&fields, "has_incident")),
        has_joining_issue: yes_no(field(&fields, "has_joining_issue")),
        abort_reasons: fields
            .iter()
            .filter_map(|(k, v)| Some((Uuid::parse_str(k.strip_prefix("abort-")?).ok()?, v.clone())))
            .collect(),
    };
    match service::finalize(&state, &s, access.user.id, &f).await? {
        Ok(()) => {
            Ok(Redirect::to(&format!("/certif/{}/sessions/{}?done=finalized", access.center, s.id)).into_response())
        }
        Err(errors) => {
            let mut form = crate::web::form::FormState::new();
            for (k, v) in &fields {
                form = form.keep(k, v);
            }
            super::pages::session_page_with(&state, &page, access.center, s.id, form.with_errors(page.lang, &errors))
                .await
        }
    }
}

#[derive(Template)]
#[template(path = "certification/to_publish.html")]
struct ToPublishPage {
    chrome: Chrome,
    sessions: Vec<(Session, String)>,
    published: Vec<(Session, String)>,
    notice: String,
}

/// Notice after publishing.
#[derive(Debug, Default, Deserialize)]
pub struct PublishedQuery {
    published: Option<i64>,
}

/// `GET /admin/certification/sessions` (CERTIF): finalised sessions waiting for publication.
pub async fn to_publish(
    State(state): State<AppState>,
    page: Page,
    _agent: RequireAdmin<Certif>,
    Query(q): Query<PublishedQuery>,
) -> Result<Response, AppError> {
    let notice =
        q.published.map(|n| page.lang.t_args("session-published", &[("number", &n.to_string())])).unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &ToPublishPage {
            chrome: page.chrome_t("admin-sessions-title"),
            sessions: store::sessions_to_publish(&state.db).await?,
            published: store::published_sessions(&state.db, 50).await?,
            notice,
        },
    ))
}

/// `POST /admin/certification/sessions/{session_id}/publish` (CERTIF)
pub async fn publish(
    State(state): State<AppState>,
    agent: RequireAdmin<Certif>,
    Path(p): Path<SessionPath>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    service::publish(&state, p.session_id, agent.user.id).await?;
    let number = store::session(&state.db, p.session_id).await?.map_or(0, |s| s.number);
    Ok(Redirect::to(&format!("/admin/certification/sessions?published={number}")).into_response())
}

/// A certificate's lines for a page: global level, and (code, name, level) per competence.
fn competences(state: &AppState, page: &Page, r: &CertResult) -> Vec<(String, String, u32)> {
    let locale = crate::web::i18n::locale(page.lang);
    r.levels()
        .into_iter()
        .filter_map(|(code, level)| {
            let idx = state.content.competence_by_code(&code)?;
            Some((code, state.content.competence(idx).name.get(locale).to_owned(), level))
        })
        .collect()
}

#[derive(Template)]
#[template(path = "certification/certificate.html")]
struct CertificatePage {
    chrome: Chrome,
    c: Certificate,
    competences: Vec<(String, String, u32)>,
    /// The public page (a visitor's verification) shows less.
    public: bool,
    verify_url: String,
}

/// `GET /certificats/{course_id}`: the candidate's certificate, once published.
pub async fn certificate(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(course): Path<Uuid>,
) -> Result<Response, AppError> {
    let c = service::own_certificate(&state, me.id, course).await?;
    let competences = competences(&state, &page, &c.result);
    let verify_url =
        format!("{}/verifier-un-certificat?code={}", state.settings.public_url, c.result.verification_code);
    Ok(render(
        StatusCode::OK,
        &CertificatePage { chrome: page.chrome_t("certificate-title"), c, competences, public: false, verify_url },
    ))
}

#[derive(Template)]
#[template(path = "certification/verify.html")]
struct VerifyPage {
    chrome: Chrome,
    code: String,
    not_found: bool,
}

/// Query of the verification page.
#[derive(Debug, Default, Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    code: Option<String>,
}

/// `GET /verifier-un-certificat?code=P-…`: anyone checks a certificate (rate-limited; a wrong code
/// says nothing more than "no certificate").
pub async fn verify(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, AppError> {
    let code = q.code.unwrap_or_default();
    if code.trim().is_empty() {
        return Ok(render(
            StatusCode::OK,
            &VerifyPage { chrome: page.chrome_t("verify-title"), code, not_found: false },
        ));
    }
    match service::verify(&state, &code).await? {
        Some(c) => {
            let competences = competences(&state, &page, &c.result);
            let verify_url = String::new();
            Ok(render(
                StatusCode::OK,
                &CertificatePage {
                    chrome: page.chrome_t("certificate-title"),
                    c,
                    competences,
                    public: true,
                    verify_url,
                },
            ))
        }
        None => Ok(render(
            StatusCode::NOT_FOUND,
            &VerifyPage { chrome: page.chrome_t("verify-title"), code, not_found: true },
        )),
    }
}

/// A code to verify.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    /// `P-` and 8 characters.
    verification_code: String,
}

/// The public part of a certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedCertificate {
    first_name: String,
    last_name: String,
    birth_date: String,
    certification_center: String,
    /// The day the test was taken (Paris time), `YYYY-MM-DD`.
    date: String,
    /// Certification version: 3 (adaptive) or 2 (three questions per competence).
    version: i64,
    /// Score, from 0 to `max_score`.
    pix_score: i64,
    /// Highest score of the version (895 for v3).
    max_score: i64,
    /// Measurement error of the score (v3 only).
    score_error: Option<i64>,
    /// Level per competence code: `[code, level]` pairs.
    #[schema(schema_with = competence_level_pairs)]
    competence_levels: Vec<(String, u32)>,
    verification_code: String,
}

/// `[["1.1", 4], …]`: pairs of a code and a level (utoipa's own tuple schema is the pre-2020
/// `items` array, which validators refuse; `prefixItems` is not read by every tool yet).
fn competence_level_pairs() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, SchemaType, Type};
    let code_or_level = OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(SchemaType::new(Type::String)))
        .item(ObjectBuilder::new().schema_type(SchemaType::new(Type::Integer)).minimum(Some(0)).maximum(Some(8)));
    let pair = ArrayBuilder::new().items(code_or_level).min_items(Some(2)).max_items(Some(2));
    ArrayBuilder::new().items(pair).build()
}

/// Verifies a certificate by its code (no sign-in; rate-limited). 404 for a wrong code.
#[utoipa::path(post, path = "/api/shared-certifications", tag = "certification", request_body = VerifyBody,
    responses((status = 200, body = SharedCertificate)))]
pub async fn api_verify(
    State(state): State<AppState>,
    CsrfJson(body): CsrfJson<VerifyBody>,
) -> Result<Json<SharedCertificate>, AppError> {
    shared(&state, &body.verification_code).await.map(Json)
}

/// Verifies a certificate by its code, for partners' systems and browser verifiers: no sign-in, no
/// CSRF token, readable from any origin (`Access-Control-Allow-Origin: *`), limited per client
/// address with the verification page (`--verification-rate-per-minute`). 404 for a wrong code.
#[utoipa::path(get, path = "/api/shared-certifications/{verification_code}", tag = "certification",
    params(("verification_code" = String, Path, description = "`P-` and 8 characters, any case, e.g. P-BCDFGHJK")),
    responses((status = 200, body = SharedCertificate)))]
pub async fn api_verify_get(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<SharedCertificate>, AppError> {
    shared(&state, &code).await.map(Json)
}

async fn shared(state: &AppState, code: &str) -> Result<SharedCertificate, AppError> {
    let c = service::verify(state, code).await?.ok_or(AppError::NotFound)?;
    Ok(SharedCertificate {
        first_name: c.candidate.enrolled.first_name.clone(),
        last_name: c.candidate.enrolled.last_name.clone(),
        birth_date: c.candidate.enrolled.birth_date.clone(),
        certification_center: c.center.clone(),
        date: c.taken.clone(),
        version: c.course.version,
        pix_score: c.result.pix_score,
        max_score: c.max_score,
        score_error: c.score_error(),
        competence_levels: c.result.levels(),
        verification_code: c.result.verification_code.clone(),
    })
}

/// Kept for the candidate page: the course's published result, if any.
pub async fn published_result(state: &AppState, course: Uuid) -> Result<Option<CertResult>, AppError> {
    let Some(k) = store::course(&state.db, course).await? else { return Ok(None) };
    let published = store::session(&state.db, k.session_id).await?.is_some_and(|s| s.published_at.is_some());
    Ok(if published { store::result_of_course(&state.db, course).await? } else { None })
}

/// The session results CSV of `PRODUCT.md` §2.3: one line per candidate who took the test, the 16
/// competence levels, `;`, a BOM, formula-escaped cells.
pub async fn results_csv(state: &AppState, center: Uuid, session: Uuid) -> Result<Response, AppError> {
    use crate::{
        clock::paris_datetime,
        csv_export::{Cell, line},
    };
    let s = service::session(state, center, session).await?;
    if s.published_at.is_none() {
        return Err(AppError::Conflict);
    }
    let center_name = service::center(state, center).await?.name;
    let codes: Vec<String> = state.content.competences.iter().map(|c| c.code.clone()).collect();
    let t = |v: &str| Cell::Text(v.to_owned());
    let mut head: Vec<Cell> = [
        "Numéro de certification",
        "Prénom",
        "Nom",
        "Date de naissance",
        "Lieu de naissance",
        "Identifiant Externe",
        "Statut",
        "Nombre de Pix",
    ]
    .into_iter()
    .map(t)
    .collect();
    head.extend(codes.iter().map(|c| t(c)));
    head.extend(
        [
            "Commentaire jury pour l’organisation",
            "Session",
            "Centre de certification",
            "Date de passage de la certification",
        ]
        .map(t),
    );
    let mut out = String::from("\u{feff}");
    out.push_str(&line(&head));
    for course in store::courses_of_session(&state.db, s.id).await? {
        let Some(c) = store::candidate_by_id(&state.db, course.candidate_id).await? else { continue };
        let result = store::result_of_course(&state.db, course.id).await?;
        let status = match result.as_ref().map(|r| r.status.as_str()) {
            Some("validated") => "Validée",
            Some("rejected") => "Rejetée",
            Some("cancelled") => "Annulée",
            _ => "Démarrée",
        };
        let validated = result.as_ref().filter(|r| r.is_validated());
        let levels = validated.map(CertResult::levels).unwrap_or_default();
        let mut cells = vec![
            t(&course.id.to_string()),
            t(&c.enrolled.first_name),
            t(&c.enrolled.last_name),
            t(&c.birth_date_fr()),
            t(&c.birthplace()),
            c.enrolled.external_id.as_deref().map_or(Cell::Empty, t),
            t(status),
            validated.map_or(t("0"), |r| Cell::Number(r.pix_score as f64)),
        ];
        for code in &codes {
            cells.push(match levels.iter().find(|(k, _)| k == code) {
                Some((_, level)) => Cell::Number(f64::from(*level)),
                None => t("-"),
            });
        }
        cells.push(match result.as_ref().map(|r| r.jury_comment_organization.as_str()) {
            Some(comment) if !comment.is_empty() => t(comment),
            _ => Cell::Empty,
        });
        cells.push(Cell::Number(s.number as f64));
        cells.push(t(&center_name));
        cells.push(t(&paris_datetime(course.started_at)[..10]));
        out.push_str(&line(&cells));
    }
    let stamp = paris_datetime(state.clock.now_micros());
    // "DD/MM/YYYY HH:mm" → "YYYYMMDD_HHmm".
    let name = format!(
        "{}{}{}_{}{}_resultats_session_{}.csv",
        &stamp[6..10],
        &stamp[3..5],
        &stamp[0..2],
        &stamp[11..13],
        &stamp[14..16],
        s.number
    );
    let mut response = Response::new(axum::body::Body::from(out));
    let h = response.headers_mut();
    h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    h.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /certif/{center_id}/sessions/{session_id}/results.csv`: once published.
pub async fn results_page(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
    Path(p): Path<SessionPath>,
) -> Result<Response, AppError> {
    results_csv(&state, access.center, p.session_id).await
}

/// The results of a published session as CSV (`PRODUCT.md` §2.3); 409 before publication.
#[utoipa::path(get, path = "/api/certification-centers/{center_id}/sessions/{session_id}/results", tag = "certification",
    params(("center_id" = Uuid, Path), ("session_id" = Uuid, Path)),
    responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn api_results(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
    Path(p): Path<SessionPath>,
) -> Result<Response, AppError> {
    results_csv(&state, access.center, p.session_id).await
}

#[derive(Template)]
#[template(path = "certification/jury_session.html")]
struct JurySessionPage {
    chrome: Chrome,
    session: Session,
    /// (course id, candidate name, status, score, answers).
    lines: Vec<(Uuid, String, String, i64, i64)>,
}

/// `GET /admin/certification/sessions/{session_id}` (CERTIF): the session's certifications.
pub async fn jury_session(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Certif>,
    Path(p): Path<SessionPath>,
) -> Result<Response, AppError> {
    let session = store::session(&state.db, p.session_id).await?.ok_or(AppError::NotFound)?;
    let mut lines = Vec::new();
    for course in store::courses_of_session(&state.db, session.id).await? {
        let Some(c) = store::candidate_by_id(&state.db, course.candidate_id).await? else { continue };
        let r = store::result_of_course(&state.db, course.id).await?;
        lines.push((
            course.id,
            format!("{} {}", c.enrolled.last_name, c.enrolled.first_name),
            r.as_ref().map_or_else(|| "started".to_owned(), |r| r.status.clone()),
            r.as_ref().map_or(0, |r| r.pix_score),
            r.as_ref().map_or(0, |r| r.answers),
        ));
    }
    crate::audit::write(
        &state,
        Some(agent.user.id),
        "certification.jury.read",
        None,
        "back office",
        serde_json::json!({ "session": session.id }),
    )
    .await?;
    let title = format!("{} {}", page.t("session-title"), session.number);
    Ok(render(StatusCode::OK, &JurySessionPage { chrome: page.chrome(&title), session, lines }))
}

#[derive(Template)]
#[template(path = "certification/jury_course.html")]
struct JuryCoursePage {
    chrome: Chrome,
    course: super::model::Course,
    candidate: super::model::Candidate,
    result: Option<CertResult>,
    /// Highest score of the course's version.
    max_score: i64,
    answers: Vec<service::JuryAnswer>,
    /// The centre's issue reports and their resolution.
    reports: Vec<super::model::IssueReport>,
    form: crate::web::form::FormState,
}

/// Path of a course.
#[derive(Debug, Deserialize)]
pub struct CoursePath {
    course_id: Uuid,
}

async fn jury_course_page(
    state: &AppState,
    page: &Page,
    agent: Uuid,
    course: Uuid,
    form: crate::web::form::FormState,
) -> Result<Response, AppError> {
    let course = store::course(&state.db, course).await?.ok_or(AppError::NotFound)?;
    let candidate = store::candidate_by_id(&state.db, course.candidate_id).await?.ok_or(AppError::NotFound)?;
    let result = store::result_of_course(&state.db, course.id).await?;
    let answers = service::trajectory(state, &course).await?;
    let reports = store::issue_reports(&state.db, course.id).await?;
    crate::audit::write(
        state,
        Some(agent),
        "certification.jury.read",
        candidate.user_id,
        "back office",
        serde_json::json!({ "course": course.id }),
    )
    .await?;
    let form = match (&result, form.has_errors()) {
        (Some(r), false) => form
            .keep("comment_candidate", &r.jury_comment_candidate)
            .keep("comment_organization", &r.jury_comment_organization),
        _ => form,
    };
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let title = format!("{} {}", candidate.enrolled.first_name, candidate.enrolled.last_name);
    Ok(render(
        status,
        &JuryCoursePage {
            chrome: page.chrome(&title),
            max_score: service::max_score(state, course.version),
            course,
            candidate,
            result,
            answers,
            reports,
            form,
        },
    ))
}

/// `GET /admin/certification/courses/{course_id}` (CERTIF): answers, capacity trajectory, result, jury.
pub async fn jury_course(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Certif>,
    Path(p): Path<CoursePath>,
) -> Result<Response, AppError> {
    jury_course_page(&state, &page, agent.user.id, p.course_id, crate::web::form::FormState::new()).await
}

/// The jury's form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JuryFields {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment_candidate: String,
    #[serde(default)]
    comment_organization: String,
}

/// `POST /admin/certification/courses/{course_id}/jury` (CERTIF): keep, reject for fraud or cancel,
/// with comments.
pub async fn jury_decide(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Certif>,
    Path(p): Path<CoursePath>,
    CsrfForm(f): CsrfForm<JuryFields>,
) -> Result<Response, AppError> {
    let decision = match f.decision.as_str() {
        "fraud" => service::JuryDecision::Fraud,
        "cancel" => service::JuryDecision::Cancel,
        _ => service::JuryDecision::Keep,
    };
    let comments = (f.comment_candidate.as_str(), f.comment_organization.as_str());
    match service::jury(&state, p.course_id, agent.user.id, decision, comments).await? {
        Ok(()) => Ok(Redirect::to(&format!("/admin/certification/courses/{}", p.course_id)).into_response()),
        Err(errors) => {
            let form = crate::web::form::FormState::new()
                .keep("comment_candidate", &f.comment_candidate)
                .keep("comment_organization", &f.comment_organization)
                .with_errors(page.lang, &errors);
            jury_course_page(&state, &page, agent.user.id, p.course_id, form).await
        }
    }
}
