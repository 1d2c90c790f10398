//! Issue reports: the centre writes them per candidate before finalising (page and API), the
//! automatic resolution runs at finalisation, and scoring follows it.

use askama::Template;
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model::{Candidate, Course, IssueReport, Session, SessionStatus},
    reports::{self, Resolution},
    service, store,
};
use crate::identity::request::{CsrfForm, CsrfJson, NoFields, Page};
use crate::{
    AppState,
    identity::guard::{AnyMember, CenterAccess},
    web::{
        error::{AppError, FieldError},
        form::FormState,
        layout::{Chrome, render},
    },
};

/// A report as the centre writes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportFields {
    /// The category (REFERENCE §6.5), e.g. `IN_CHALLENGE`.
    #[serde(default)]
    pub category: String,
    /// Its subcategory when it has some, e.g. `WEBSITE_BLOCKED`.
    #[serde(default)]
    pub subcategory: String,
    /// The question's number in the test (1 for the first), for `IN_CHALLENGE`.
    #[serde(default)]
    pub question_number: String,
    /// What happened (500 characters at most).
    #[serde(default)]
    pub description: String,
}

fn error(field: &str, code: &str) -> FieldError {
    FieldError { field: field.into(), code: code.into() }
}

impl ReportFields {
    fn validate(&self, answered: usize) -> Result<(String, String, Option<i64>, String), Vec<FieldError>> {
        let (category, subcategory) = (self.category.trim(), self.subcategory.trim());
        let mut errors = Vec::new();
        if !reports::valid(category, subcategory) {
            errors.push(error("kind", "field-report-kind"));
        }
        let number = self.question_number.trim();
        let question = match number.parse::<i64>() {
            _ if number.is_empty() => None,
            Ok(n) if (1..=answered.max(1) as i64).contains(&n) => Some(n),
            _ => {
                errors.push(error("question_number", "field-report-question"));
                None
            }
        };
        if category == reports::IN_CHALLENGE && question.is_none() && errors.is_empty() {
            errors.push(error("question_number", "field-report-question"));
        }
        if self.description.chars().count() > reports::MAX_DESCRIPTION {
            errors.push(error("description", "field-report-description"));
        }
        if errors.is_empty() {
            Ok((category.to_owned(), subcategory.to_owned(), question, self.description.trim().to_owned()))
        } else {
            Err(errors)
        }
    }
}

/// The candidate of the centre's session and their course (reports concern a test that started).
async fn reported(state: &AppState, s: &Session, candidate: Uuid) -> Result<(Candidate, Course), AppError> {
    let c = store::candidate(&state.db, s.id, candidate).await?.ok_or(AppError::NotFound)?;
    let course = store::course_of_candidate(&state.db, c.id).await?.ok_or(AppError::NotFound)?;
    Ok((c, course))
}

async fn answered(state: &AppState, course: Uuid) -> Result<usize, AppError> {
    Ok(store::assessment_of_course(&state.db, course).await?.map_or(0, |(_, n)| n as usize))
}

/// Adds a report to a candidate's test while the session is open (409 after finalisation).
pub async fn add(
    state: &AppState,
    s: &Session,
    candidate: Uuid,
    author: Uuid,
    f: &ReportFields,
) -> Result<Result<IssueReport, Vec<FieldError>>, AppError> {
    if s.status() != SessionStatus::Created {
        return Err(AppError::Conflict);
    }
    let (c, course) = reported(state, s, candidate).await?;
    let (category, subcategory, question_number, description) = match f.validate(answered(state, course.id).await?) {
        Ok(v) => v,
        Err(errors) => return Ok(Err(errors)),
    };
    let report = IssueReport {
        id: Uuid::now_v7(),
        course_id: course.id,
        category,
        subcategory,
        question_number,
        description,
        resolution: None,
        created_at: state.clock.now_micros(),
    };
    let mut tx = state.db.begin().await?;
    if !store::lock_open_session(&mut tx, s.id).await? {
        return Err(AppError::Conflict);
    }
    store::insert_issue_report(&mut tx, &report).await?;
    tx.commit().await?;
    crate::audit::write(
        state,
        Some(author),
        "certification.issue_report.add",
        c.user_id,
        "certification centre",
        serde_json::json!({ "session": s.id, "candidate": c.id, "category": report.category }),
    )
    .await?;
    Ok(Ok(report))
}

/// The automatic resolution of a course's reports (REFERENCE §6.5), at finalisation, before scoring.
pub async fn resolve(state: &AppState, tx: &mut crate::db::Tx, course: &Course, now: i64) -> Result<(), AppError> {
    let found = store::issue_reports(&mut *tx, course.id).await?;
    if found.is_empty() {
        return Ok(());
    }
    let Some((assessment, _)) = store::assessment_of_course(&mut *tx, course.id).await? else { return Ok(()) };
    let answers = crate::evaluation::service::answers(&mut *tx, assessment).await?;
    let content = &state.content;
    for r in found.iter().filter(|r| r.resolution.is_none()) {
        let question = r
            .question_number
            .and_then(|n| answers.get(usize::try_from(n - 1).ok()?))
            .and_then(|a| Some((a, content.challenge(content.challenge_by_id(&a.challenge_id)?))))
            .map(|(a, ch)| reports::Question {
                result: a.result.as_str(),
                has_illustration: ch.illustration.is_some(),
                has_embed: false,
                has_attachment: !ch.attachments.is_empty(),
                timed: ch.timer.is_some(),
                focused: ch.focused,
            });
        let resolution = reports::resolve(&r.category, &r.subcategory, question);
        store::resolve_issue_report(&mut *tx, r.id, resolution_text(resolution), now).await?;
    }
    Ok(())
}

fn resolution_text(r: Resolution) -> &'static str {
    match r {
        Resolution::Neutralized => "neutralized",
        Resolution::Revalidated => "revalidated",
        Resolution::NoEffect => "no_effect",
        Resolution::Unresolved => "unresolved",
    }
}

/// Question numbers (from 1) the resolution neutralized, and those it counts as right.
pub fn effects(found: &[IssueReport]) -> (Vec<i64>, Vec<i64>) {
    let of = |what: &str| -> Vec<i64> {
        found.iter().filter(|r| r.resolution.as_deref() == Some(what)).filter_map(|r| r.question_number).collect()
    };
    (of("neutralized"), of("revalidated"))
}

// ------------------------------------------------------------------ page

#[derive(Template)]
#[template(path = "certification/reports.html")]
struct ReportsPage {
    chrome: Chrome,
    center: Uuid,
    session: Session,
    candidate: Candidate,
    reports: Vec<IssueReport>,
    form: FormState,
    open: bool,
    notice: String,
}

impl ReportsPage {
    fn categories(&self) -> &'static [(&'static str, &'static [&'static str])] {
        reports::CATEGORIES
    }
}

/// Path of a candidate's reports.
#[derive(Debug, Deserialize)]
pub struct ReportsPath {
    session_id: Uuid,
    candidate_id: Uuid,
}

async fn reports_page(
    state: &AppState,
    page: &Page,
    center: Uuid,
    p: &ReportsPath,
    form: FormState,
    notice: String,
) -> Result<Response, AppError> {
    let session = service::session(state, center, p.session_id).await?;
    let (candidate, course) = reported(state, &session, p.candidate_id).await?;
    let reports = store::issue_reports(&state.db, course.id).await?;
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let title =
        format!("{} — {} {}", page.t("reports-title"), candidate.enrolled.first_name, candidate.enrolled.last_name);
    Ok(render(
        status,
        &ReportsPage {
            chrome: page.chrome(&title),
            center,
            open: session.status() == SessionStatus::Created,
            session,
            candidate,
            reports,
            form,
            notice,
        },
    ))
}

/// `GET /certif/{center_id}/sessions/{session_id}/candidates/{candidate_id}/reports`
pub async fn page(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    Path(p): Path<ReportsPath>,
) -> Result<Response, AppError> {
    reports_page(&state, &page, access.center, &p, FormState::new(), String::new()).await
}

/// The page's form: one list of kinds, `CATEGORY` or `CATEGORY/SUBCATEGORY`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    question_number: String,
    #[serde(default)]
    description: String,
}

/// `POST /certif/{center_id}/sessions/{session_id}/candidates/{candidate_id}/reports`
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    Path(p): Path<ReportsPath>,
    CsrfForm(f): CsrfForm<ReportForm>,
) -> Result<Response, AppError> {
    let session = service::session(&state, access.center, p.session_id).await?;
    let (category, subcategory) = f.kind.split_once('/').unwrap_or((f.kind.as_str(), ""));
    let fields = ReportFields {
        category: category.to_owned(),
        subcategory: subcategory.to_owned(),
        question_number: f.question_number.clone(),
        description: f.description.clone(),
    };
    match add(&state, &session, p.candidate_id, access.user.id, &fields).await? {
        Ok(_) => reports_page(&state, &page, access.center, &p, FormState::new(), page.t("reports-added")).await,
        Err(errors) => {
            let form = FormState::new()
                .keep("kind", &f.kind)
                .keep("question_number", &f.question_number)
                .keep("description", &f.description)
                .with_errors(page.lang, &errors);
            reports_page(&state, &page, access.center, &p, form, String::new()).await
        }
    }
}

/// Path of one report.
#[derive(Debug, Deserialize)]
pub struct ReportPath {
    session_id: Uuid,
    candidate_id: Uuid,
    report_id: Uuid,
}

/// `POST …/reports/{report_id}/delete`: removes a report while the session is open.
pub async fn delete(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
    Path(p): Path<ReportPath>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let session = service::session(&state, access.center, p.session_id).await?;
    if session.status() != SessionStatus::Created {
        return Err(AppError::Conflict);
    }
    let (_, course) = reported(&state, &session, p.candidate_id).await?;
    let mut tx = state.db.begin().await?;
    if !store::lock_open_session(&mut tx, session.id).await? {
        return Err(AppError::Conflict);
    }
    if !store::delete_issue_report(&mut tx, course.id, p.report_id).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    let back = format!("/certif/{}/sessions/{}/candidates/{}/reports", access.center, session.id, p.candidate_id);
    Ok(Redirect::to(&back).into_response())
}

// ------------------------------------------------------------------ API

/// A report in the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportJson {
    id: Uuid,
    category: String,
    subcategory: String,
    question_number: Option<i64>,
    description: String,
    /// `neutralized`, `revalidated`, `no_effect` or `unresolved` once the session is finalised.
    resolution: Option<String>,
}

impl From<IssueReport> for ReportJson {
    fn from(r: IssueReport) -> ReportJson {
        ReportJson {
            id: r.id,
            category: r.category,
            subcategory: r.subcategory,
            question_number: r.question_number,
            description: r.description,
            resolution: r.resolution,
        }
    }
}

/// A candidate's issue reports, with their resolution once the session is finalised (404 when the
/// candidate has not started).
#[utoipa::path(get, path = "/api/certification-centers/{center_id}/sessions/{session_id}/candidates/{candidate_id}/issue-reports",
    tag = "certification", params(("center_id" = Uuid, Path), ("session_id" = Uuid, Path), ("candidate_id" = Uuid, Path)),
    responses((status = 200, body = Vec<ReportJson>)))]
pub async fn api_list(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
    Path(p): Path<ReportsPath>,
) -> Result<Json<Vec<ReportJson>>, AppError> {
    let session = service::session(&state, access.center, p.session_id).await?;
    let (_, course) = reported(&state, &session, p.candidate_id).await?;
    Ok(Json(store::issue_reports(&state.db, course.id).await?.into_iter().map(ReportJson::from).collect()))
}

/// Reports an issue for a candidate who started, before finalisation (409 after; 422 names the
/// field to correct: the category and subcategory must go together, a question report needs the
/// question's number among those asked).
#[utoipa::path(post, path = "/api/certification-centers/{center_id}/sessions/{session_id}/candidates/{candidate_id}/issue-reports",
    tag = "certification", params(("center_id" = Uuid, Path), ("session_id" = Uuid, Path), ("candidate_id" = Uuid, Path)),
    request_body = ReportFields, responses((status = 201, body = ReportJson)))]
pub async fn api_create(
    State(state): State<AppState>,
    access: CenterAccess<AnyMember>,
    Path(p): Path<ReportsPath>,
    CsrfJson(body): CsrfJson<ReportFields>,
) -> Result<(StatusCode, Json<ReportJson>), AppError> {
    let session = service::session(&state, access.center, p.session_id).await?;
    match add(&state, &session, p.candidate_id, access.user.id, &body).await? {
        Ok(r) => Ok((StatusCode::CREATED, Json(r.into()))),
        Err(errors) => Err(AppError::Invalid(errors)),
    }
}
