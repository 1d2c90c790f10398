//! Back office for combined courses (docs/quests.md): write a blueprint (its items one per line),
//! deploy blueprints in organisations from a CSV file as the reference does, see the courses
//! deployed. Any agent reads; business agents and super admins write blueprints; only super admins
//! deploy (it creates campaigns in organisations). Every change is audited.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::{
    AppState,
    identity::{
        CurrentUser,
        guard::{AnyAgent, Metier, RequireAdmin, SuperAdmin},
        model::AdminRole,
        request::{CsrfForm, CsrfMultipart, Page},
    },
    quests::{
        courses::{self, Blueprint, BlueprintItem, CourseRow, NewBlueprint},
        service::{self, Attestation},
    },
    web::{
        error::AppError,
        form::FormState,
        layout::{Chrome, render},
    },
};

#[derive(Template)]
#[template(path = "admin/courses.html")]
struct CoursesPage {
    chrome: Chrome,
    /// (blueprint, items in words).
    blueprints: Vec<(Blueprint, Vec<String>)>,
    courses: Vec<CourseRow>,
    attestations: Vec<Attestation>,
    can_write: bool,
    can_deploy: bool,
    form: FormState,
    /// Why the blueprint was refused.
    blueprint_error: String,
    /// What the deployment did or why it was refused, line by line.
    deploy_report: Vec<String>,
    deploy_failed: bool,
}

#[derive(Default)]
struct Outcome {
    form: Option<FormState>,
    blueprint_error: String,
    deploy_report: Vec<String>,
    deploy_failed: bool,
}

async fn page_with(
    state: &AppState,
    page: &Page,
    agent: &CurrentUser,
    outcome: Outcome,
    status: StatusCode,
) -> Result<Response, AppError> {
    let blueprints = courses::blueprints(state)
        .await?
        .into_iter()
        .map(|(b, items)| {
            let words = items
                .iter()
                .map(|i| match i {
                    BlueprintItem::Campaign { target_profile_id } => format!("campaign {target_profile_id}"),
                    BlueprintItem::Module { module_id } => format!("module {module_id}"),
                })
                .collect();
            (b, words)
        })
        .collect();
    Ok(render(
        status,
        &CoursesPage {
            chrome: page.chrome_t("admin-courses-title"),
            blueprints,
            courses: courses::all_courses(state).await?,
            attestations: service::attestations(state).await?,
            can_write: agent.has_admin_role(&[AdminRole::Metier, AdminRole::SuperAdmin]),
            can_deploy: agent.has_admin_role(&[AdminRole::SuperAdmin]),
            form: outcome.form.unwrap_or_default(),
            blueprint_error: outcome.blueprint_error,
            deploy_report: outcome.deploy_report,
            deploy_failed: outcome.deploy_failed,
        },
    ))
}

/// `GET /admin/parcours`.
pub async fn courses(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<AnyAgent>,
) -> Result<Response, AppError> {
    page_with(&state, &page, &agent.user, Outcome::default(), StatusCode::OK).await
}

/// The blueprint form.
#[derive(Debug, Deserialize)]
pub struct BlueprintForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    attestation: String,
    #[serde(default)]
    items: String,
}

/// `POST /admin/parcours/schemas`: records a blueprint.
pub async fn create_blueprint(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Metier>,
    CsrfForm(f): CsrfForm<BlueprintForm>,
) -> Result<Response, AppError> {
    let refused = |why: String| Outcome {
        form: Some(
            FormState::new()
                .keep("name", &f.name)
                .keep("description", &f.description)
                .keep("attestation", &f.attestation)
                .keep("items", &f.items),
        ),
        blueprint_error: why,
        ..Outcome::default()
    };
    let items = match courses::parse_items(&f.items) {
        Ok(items) => items,
        Err(why) => {
            return page_with(&state, &page, &agent.user, refused(why), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let attestation = Some(f.attestation.trim().to_owned()).filter(|k| !k.is_empty());
    let new = NewBlueprint {
        name: f.name.trim().to_owned(),
        description: f.description.trim().to_owned(),
        attestation_key: attestation,
        items,
    };
    match courses::create_blueprint(&state, new).await? {
        Ok(id) => {
            crate::audit::write(
                &state,
                Some(agent.user.id),
                "course_blueprint.create",
                None,
                "back office",
                serde_json::json!({ "blueprint": id }),
            )
            .await?;
            Ok(Redirect::to("/admin/parcours#blueprints").into_response())
        }
        Err(why) => page_with(&state, &page, &agent.user, refused(why), StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

/// `POST /admin/parcours/deploiements`: deploys the blueprints a CSV file lists in its
/// organisations. Every line is checked before anything is created: a file with one wrong line
/// deploys nothing.
pub async fn deploy(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<SuperAdmin>,
    form: CsrfMultipart,
) -> Result<Response, AppError> {
    let failed = |report: Vec<String>| Outcome { deploy_report: report, deploy_failed: true, ..Outcome::default() };
    let Some(file) = form.file("file") else {
        let report = vec![page.t("admin-courses-file-required")];
        return page_with(&state, &page, &agent.user, failed(report), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let text = match crate::csv_import::decode(&file.bytes) {
        Ok(text) => text,
        Err(e) => {
            let report = vec![crate::csv_import::problem_text(page.lang, &e)];
            return page_with(&state, &page, &agent.user, failed(report), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let lines = match courses::parse_deployments(&text) {
        Ok(lines) => lines,
        Err(errors) => {
            return page_with(&state, &page, &agent.user, failed(errors), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let problems = courses::check_deployments(&state, &lines).await?;
    if !problems.is_empty() {
        return page_with(&state, &page, &agent.user, failed(problems), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let mut report = Vec::new();
    for line in &lines {
        for org in &line.organizations {
            match courses::deploy(&state, *org, line.blueprint, line.creator).await? {
                Ok(course) => {
                    crate::audit::write(
                        &state,
                        Some(agent.user.id),
                        "combined_course.deploy",
                        None,
                        "back office",
                        serde_json::json!({ "organization": org, "course": course.id, "blueprint": line.blueprint }),
                    )
                    .await?;
                    report.push(format!("{org}: {} — {}", course.name, course.code));
                }
                Err(why) => report.push(format!("{org}: {why}")),
            }
        }
    }
    let outcome = Outcome { deploy_report: report, ..Outcome::default() };
    page_with(&state, &page, &agent.user, outcome, StatusCode::OK).await
}
