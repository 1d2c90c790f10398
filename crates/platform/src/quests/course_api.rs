//! Combined courses as JSON: a course as I see it, starting it, which of a campaign or a course a
//! code names, and an organisation's courses with their counts.

use axum::{
    Json,
    extract::{Path, State},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::courses::{self, CourseView};
use crate::{
    AppState,
    identity::{
        CurrentUser,
        guard::{AnyMember, OrganizationAccess},
        request::CsrfHeader,
    },
    web::{error::AppError, i18n::Lang},
};

/// A step of a course.
#[derive(Serialize, ToSchema)]
pub struct StepJson {
    /// `campaign`, `module`, or `formation` (the modules a campaign may recommend, until it is completed).
    r#type: String,
    /// Its title.
    title: String,
    /// The campaign's code or the module's short id (empty for `formation`).
    reference: String,
    /// Where to go (empty for `formation`).
    href: String,
    /// Completed.
    is_completed: bool,
    /// Locked: the previous step is not completed.
    is_locked: bool,
}

/// A combined course as I see it.
#[derive(Serialize, ToSchema)]
pub struct CourseJson {
    /// Id.
    id: Uuid,
    /// The code.
    code: String,
    /// Name.
    name: String,
    /// Description.
    description: String,
    /// `NOT_STARTED`, `STARTED` or `COMPLETED`.
    status: String,
    /// Steps in order.
    items: Vec<StepJson>,
    /// The attestation completing it grants (key), if any.
    attestation: Option<String>,
    /// Whether I obtained it.
    attestation_obtained: bool,
}

impl From<CourseView> for CourseJson {
    fn from(v: CourseView) -> CourseJson {
        CourseJson {
            status: v.status().to_owned(),
            id: v.course.id,
            code: v.course.code,
            name: v.course.name,
            description: v.course.description,
            items: v
                .steps
                .into_iter()
                .map(|s| StepJson {
                    r#type: s.kind.as_str().to_owned(),
                    title: s.title,
                    reference: s.reference,
                    href: s.href,
                    is_completed: s.completed,
                    is_locked: s.locked,
                })
                .collect(),
            attestation_obtained: v.attestation.as_ref().is_some_and(|(_, _, owned)| *owned),
            attestation: v.attestation.map(|(key, _, _)| key),
        }
    }
}

/// A combined course as I see it (its status reassessed first).
#[utoipa::path(get, path = "/api/combined-courses/{code}", tag = "quests",
    params(("code" = String, Path, description = "the course's code")), responses((status = 200, body = CourseJson)))]
pub async fn course(
    State(state): State<AppState>,
    lang: Lang,
    me: CurrentUser,
    Path(code): Path<String>,
) -> Result<Json<CourseJson>, AppError> {
    let course = courses::course_by_code(&state, &code).await?;
    Ok(Json(courses::view(&state, course, me.id, lang).await?.into()))
}

/// Starts my participation in a combined course (nothing when started already).
#[utoipa::path(put, path = "/api/combined-courses/{code}/start", tag = "quests",
    params(("code" = String, Path, description = "the course's code")), responses((status = 200, body = CourseJson)))]
pub async fn start(
    State(state): State<AppState>,
    lang: Lang,
    me: CurrentUser,
    Path(code): Path<String>,
    _: CsrfHeader,
) -> Result<Json<CourseJson>, AppError> {
    let course = courses::course_by_code(&state, &code).await?;
    courses::start(&state, &course, me.id).await?;
    Ok(Json(courses::view(&state, course, me.id, lang).await?.into()))
}

/// What a code names.
#[derive(Serialize, ToSchema)]
pub struct VerifiedCode {
    /// The code, normalised.
    code: String,
    /// `campaign` or `combined-course`.
    r#type: String,
    /// Where a learner goes.
    href: String,
}

/// Which of a campaign or a combined course a code names (they share one namespace); 404 when none.
#[utoipa::path(get, path = "/api/verified-codes/{code}", tag = "quests",
    params(("code" = String, Path, description = "a code as typed")), responses((status = 200, body = VerifiedCode)))]
pub async fn verified_code(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<VerifiedCode>, AppError> {
    let code = crate::access_codes::normalize(&code).ok_or(AppError::NotFound)?;
    let kind = crate::access_codes::kind_of(&state.db, &code).await?.ok_or(AppError::NotFound)?;
    let href = match kind {
        crate::access_codes::Kind::Campaign => format!("/campagnes/{code}"),
        crate::access_codes::Kind::CombinedCourse => format!("/parcours/{code}"),
    };
    Ok(Json(VerifiedCode { r#type: kind.as_str().to_owned(), code, href }))
}

/// A course of an organisation, with its counts.
#[derive(Serialize, ToSchema)]
pub struct OrganizationCourseJson {
    /// Id.
    id: Uuid,
    /// Code.
    code: String,
    /// Name.
    name: String,
    /// Participants.
    participations: i64,
    /// Of whom completed.
    completed: i64,
    /// Deployment (µs since 1970).
    created_at: i64,
}

/// An organisation's combined courses with participant and completed counts.
#[utoipa::path(get, path = "/api/organizations/{organization_id}/combined-courses", tag = "organizations",
    params(("organization_id" = Uuid, Path)), responses((status = 200, body = Vec<OrganizationCourseJson>)))]
pub async fn organization_courses(
    State(state): State<AppState>,
    access: OrganizationAccess<AnyMember>,
) -> Result<Json<Vec<OrganizationCourseJson>>, AppError> {
    Ok(Json(
        courses::of_organization(&state, access.organization)
            .await?
            .into_iter()
            .map(|(c, participations, completed)| OrganizationCourseJson {
                id: c.id,
                code: c.code,
                name: c.name,
                participations,
                completed,
                created_at: c.created_at,
            })
            .collect(),
    ))
}
