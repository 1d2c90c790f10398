//! Evaluation: the learner's profile, adaptive competence tests, results and tutorials.

pub(crate) mod api;
pub mod demo;
pub(crate) mod kind;
pub(crate) mod pages;
pub(crate) mod service;
pub mod store;
pub(crate) mod view;

use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{AppState, personal_data, web::error::AppError, web::routes::Pages};

/// Pages of the learner app.
pub fn pages() -> Pages {
    Pages::new()
        .get("/profile", pages::profile)
        .post("/competences/{code}/start", pages::start)
        .get("/competences/{code}/reset", pages::reset_confirm)
        .post("/competences/{code}/reset", pages::reset)
        .get("/assessments/{id}", pages::current)
        .post("/assessments/{id}/answers", pages::answer)
        .post("/assessments/{id}/focus-out", pages::focus_out)
        .get("/assessments/{id}/results", pages::results)
        .get("/tutorials", pages::tutorials)
        .post("/tutorials/{id}/save", pages::save_tutorial)
}

/// The learner journey as JSON.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::profile))
        .routes(routes!(api::start))
        .routes(routes!(api::current))
        .routes(routes!(api::answer))
        .routes(routes!(api::results))
}

/// The evaluation part of a person's data: tests, answers, knowledge, saved tutorials. Erasure
/// keeps it (the reference keeps learning data, without identity): no erasure step.
pub const PERSONAL_DATA: personal_data::Context = personal_data::Context {
    name: "evaluation",
    export: |state, user| Box::pin(export_sections(state, user)),
    erase: None,
};

async fn export_sections(state: &AppState, user: Uuid) -> Result<Vec<(&'static str, Value)>, AppError> {
    let assessments = store::assessments_of_user(&state.db, user).await?;
    let answers = store::answers_of_user(&state.db, user).await?;
    let knowledge = store::all_knowledge(&state.db, user).await?;
    let saved = store::saved_tutorials(&state.db, user).await?;
    Ok(vec![
        (
            "assessments",
            json!(assessments.iter().map(|a| json!({
                "id": a.id, "competence": a.competence_code, "state": a.state, "content_version": a.content_version,
                "locale": a.locale, "is_improving": a.is_improving, "created_at": a.created_at, "completed_at": a.completed_at,
            })).collect::<Vec<_>>()),
        ),
        ("answers", json!(answers)),
        ("knowledge_elements", json!(knowledge)),
        (
            "saved_tutorials",
            json!(saved.iter().map(|(t, at)| json!({"tutorial": t, "saved_at": at})).collect::<Vec<_>>()),
        ),
        ("certifications", json!([])),
    ])
}
