//! Evaluation: the learner's profile, adaptive competence tests, results and tutorials.

pub mod api;
pub mod demo;
pub mod pages;
pub mod service;
pub mod store;
pub mod view;

use axum::{
    Router,
    routing::{get, post},
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{AppState, web::error::AppError};

/// Routes of the learner app.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/profile", get(pages::profile))
        .route("/competences/{code}/start", post(pages::start))
        .route("/competences/{code}/reset", get(pages::reset_confirm).post(pages::reset))
        .route("/assessments/{id}", get(pages::current))
        .route("/assessments/{id}/answers", post(pages::answer))
        .route("/assessments/{id}/focus-out", post(pages::focus_out))
        .route("/assessments/{id}/results", get(pages::results))
        .route("/tutorials", get(pages::tutorials))
        .route("/tutorials/{id}/save", post(pages::save_tutorial))
        .route("/api/profile", get(api::profile))
        .route("/api/competences/{code}/assessments", post(api::start))
        .route("/api/assessments/{id}", get(api::current))
        .route("/api/assessments/{id}/answers", post(api::answer))
        .route("/api/assessments/{id}/results", get(api::results))
}

/// The evaluation part of a person's data export.
pub async fn export_sections(state: &AppState, user: Uuid) -> Result<Vec<(&'static str, Value)>, AppError> {
    let assessments = store::assessments_of_user(&state.db, user).await?;
    let answers = store::answers_of_user(&state.db, user).await?;
    let knowledge = store::knowledge(&state.db, user, None).await?;
    let saved = store::saved_tutorials(&state.db, user).await?;
    Ok(vec![
        (
            "assessments",
            json!(assessments.iter().map(|a| json!({
                "id": a.id, "competence": a.competence_code, "state": a.state, "content_version": a.content_version,
                "is_improving": a.is_improving, "created_at": a.created_at, "completed_at": a.completed_at,
            })).collect::<Vec<_>>()),
        ),
        ("answers", json!(answers)),
        ("knowledge_elements", json!(knowledge)),
        (
            "saved_tutorials",
            json!(saved.iter().map(|(t, at)| json!({"tutorial": t, "saved_at": at})).collect::<Vec<_>>()),
        ),
        ("campaign_participations", json!([])),
        ("certifications", json!([])),
    ])
}
