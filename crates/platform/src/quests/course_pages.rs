//! Combined courses' pages: the course a learner joins by its code, "Mes parcours", and the
//! organisation's "Parcours" tab (deploy a blueprint, the courses with their participants).

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use uuid::Uuid;

use super::courses::{self, CourseView, Participant, StepKind};
use crate::{
    AppState,
    identity::{
        CurrentUser,
        guard::{AnyMember, OrganizationAccess},
        request::{CsrfForm, NoFields, Page},
    },
    prescription,
    web::{
        error::AppError,
        layout::{Chrome, encode_path, render},
    },
};

/// A step's state as a message id and a CSS modifier.
fn step_state(s: &courses::StepView) -> (&'static str, &'static str) {
    if s.completed {
        ("course-step-completed", "done")
    } else if s.locked {
        ("course-step-locked", "locked")
    } else if s.started {
        ("course-step-started", "open")
    } else {
        ("course-step-open", "open")
    }
}

/// A step's kind as a message id.
fn step_kind(s: &courses::StepView) -> &'static str {
    match s.kind {
        StepKind::Campaign => "course-kind-campaign",
        StepKind::Module => "course-kind-module",
        StepKind::Recommended => "course-kind-recommended",
    }
}

/// A course's progress in words: "1/1 campagne, 0/2 modules".
pub fn progress_text(
    chrome: &Chrome,
    (campaigns, campaigns_done, modules, modules_done): (usize, usize, usize, usize),
) -> String {
    let mut parts = Vec::new();
    if campaigns > 0 {
        let word = if campaigns > 1 { chrome.t("course-campaigns") } else { chrome.t("course-campaign") };
        parts.push(format!("{campaigns_done}/{campaigns} {word}"));
    }
    if modules > 0 {
        let word = if modules > 1 { chrome.t("course-modules") } else { chrome.t("course-module") };
        parts.push(format!("{modules_done}/{modules} {word}"));
    }
    parts.join(", ")
}

#[derive(Template)]
#[template(path = "quests/course.html")]
struct CoursePage {
    chrome: Chrome,
    view: CourseView,
    signed_in: bool,
    next: String,
    progress: String,
}

/// `GET /parcours/{code}`: the course, its steps and where to go on; to sign in or start first.
pub async fn course(State(state): State<AppState>, page: Page, Path(code): Path<String>) -> Result<Response, AppError> {
    let found = courses::course_by_code(&state, &code).await?;
    if found.code != code {
        return Ok(Redirect::to(&format!("/parcours/{}", found.code)).into_response());
    }
    let user = page.user.as_ref().map(|u| u.id);
    let view = match user {
        Some(me) => courses::view(&state, found, me, page.lang).await?,
        // A visitor sees what the course holds, as before they start.
        None => courses::preview(&state, found, page.lang).await?,
    };
    let chrome = page.chrome(&view.course.name);
    let progress = progress_text(&chrome, view.progress);
    Ok(render(
        StatusCode::OK,
        &CoursePage { chrome, next: encode_path(&page.path), signed_in: user.is_some(), progress, view },
    ))
}

/// `POST /parcours/{code}/commencer`: starts the learner's participation, then back to the course.
pub async fn start(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(code): Path<String>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let course = courses::course_by_code(&state, &code).await?;
    courses::start(&state, &course, me.id).await?;
    Ok(Redirect::to(&format!("/parcours/{}", course.code)).into_response())
}

#[derive(Template)]
#[template(path = "quests/my_courses.html")]
struct MyCoursesPage {
    chrome: Chrome,
    /// (course, progress in words).
    combined: Vec<(CourseView, String)>,
    campaigns: Vec<prescription::service::MyParticipation>,
}

/// `GET /mes-parcours`: the learner's combined courses (resume where they stopped), then every
/// campaign they took part in.
pub async fn mine(State(state): State<AppState>, page: Page, me: CurrentUser) -> Result<Response, AppError> {
    let chrome = page.chrome_t("my-courses-title");
    let combined = courses::mine(&state, me.id, page.lang)
        .await?
        .into_iter()
        .map(|v| {
            let p = progress_text(&chrome, v.progress);
            (v, p)
        })
        .collect();
    let campaigns = prescription::service::my_participations(&state, me.id).await?;
    Ok(render(StatusCode::OK, &MyCoursesPage { chrome, combined, campaigns }))
}

#[derive(Template)]
#[template(path = "quests/orga_courses.html")]
struct OrgaCoursesPage {
    chrome: Chrome,
    organization: Uuid,
    organization_name: String,
    /// (course, participants, completed).
    courses: Vec<(courses::CourseRow, i64, i64)>,
    /// Blueprints this organisation may deploy: (id, name, items in words).
    blueprints: Vec<(Uuid, String, String)>,
    error: String,
}

async fn orga_page(
    state: &AppState,
    page: &Page,
    org: Uuid,
    error: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let organization = prescription::service::organization(state, org).await?;
    let chrome = page.chrome_t("orga-courses-title");
    let blueprints = courses::blueprints_for(state, org)
        .await?
        .into_iter()
        .map(|(b, items)| {
            let campaigns = items.iter().filter(|i| matches!(i, courses::BlueprintItem::Campaign { .. })).count();
            let summary = progress_text(&chrome, (campaigns, 0, items.len() - campaigns, 0)).replace("0/", "");
            (b.id, b.name, summary)
        })
        .collect();
    Ok(render(
        status,
        &OrgaCoursesPage {
            chrome,
            organization: org,
            organization_name: organization.name,
            courses: courses::of_organization(state, org).await?,
            blueprints,
            error,
        },
    ))
}

/// `GET /orga/{organization_id}/parcours`: the organisation's courses, and the blueprints it may deploy.
pub async fn orga(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
) -> Result<Response, AppError> {
    orga_page(&state, &page, access.organization, String::new(), StatusCode::OK).await
}

/// The deployment form.
#[derive(Debug, Deserialize)]
pub struct DeployForm {
    #[serde(default)]
    blueprint: String,
}

/// `POST /orga/{organization_id}/parcours`: deploys a blueprint (its campaigns belong to the member).
pub async fn deploy(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    CsrfForm(f): CsrfForm<DeployForm>,
) -> Result<Response, AppError> {
    let org = access.organization;
    let Ok(blueprint) = f.blueprint.trim().parse::<Uuid>() else {
        return orga_page(&state, &page, org, page.t("orga-courses-choose"), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match courses::deploy(&state, org, blueprint, access.user.id).await? {
        Ok(course) => {
            crate::audit::write(
                &state,
                Some(access.user.id),
                "combined_course.deploy",
                None,
                "orga",
                serde_json::json!({ "organization": org, "course": course.id, "blueprint": blueprint }),
            )
            .await?;
            Ok(Redirect::to(&format!("/orga/{org}/parcours/{}", course.id)).into_response())
        }
        Err(why) => orga_page(&state, &page, org, why, StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

#[derive(Template)]
#[template(path = "quests/orga_course.html")]
struct OrgaCoursePage {
    chrome: Chrome,
    organization: Uuid,
    organization_name: String,
    course: courses::CourseRow,
    /// (participant, progress in words).
    participants: Vec<(Participant, String)>,
    completed: usize,
}

/// `GET /orga/{organization_id}/parcours/{course_id}`: statistics and each participant's progress.
pub async fn orga_course(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    Path((_, id)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    let course = courses::course_of(&state, access.organization, id).await?;
    let organization = prescription::service::organization(&state, access.organization).await?;
    let chrome = page.chrome(&course.name);
    let participants: Vec<(Participant, String)> = courses::participants(&state, &course, page.lang)
        .await?
        .into_iter()
        .map(|p| {
            let text = progress_text(&chrome, p.progress);
            (p, text)
        })
        .collect();
    let completed = participants.iter().filter(|(p, _)| p.status == "COMPLETED").count();
    crate::audit::write(
        &state,
        Some(access.user.id),
        "combined_course.participants.read",
        None,
        "orga",
        serde_json::json!({ "organization": access.organization, "course": course.id }),
    )
    .await?;
    Ok(render(
        StatusCode::OK,
        &OrgaCoursePage {
            chrome,
            organization: access.organization,
            organization_name: organization.name,
            course,
            participants,
            completed,
        },
    ))
}
