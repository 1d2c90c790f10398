//! Quests and attestations (docs/quests.md): what rewards learners' progress, and the attestations
//! they obtain, keep and share with their organisation.

pub(crate) mod api;
pub(crate) mod course_api;
pub(crate) mod course_pages;
pub mod courses;
pub mod demo;
pub(crate) mod pages;
pub mod service;
pub mod store;

use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{AppState, personal_data, web::error::AppError, web::routes::Pages};

/// The learner's attestations.
pub fn pages() -> Pages {
    Pages::new()
        .get("/mes-attestations", pages::mine)
        .get("/mes-attestations/{key}", pages::download)
        .get("/orga/{organization_id}/attestations", pages::orga)
        .get("/orga/{organization_id}/attestations/class", pages::class_pdf)
        .get("/orga/{organization_id}/attestations/class.zip", pages::class_zip)
        .get("/orga/{organization_id}/attestations/{reward_id}/pdf", pages::orga_pdf)
        .get("/parcours/{code}", course_pages::course)
        .post("/parcours/{code}/commencer", course_pages::start)
        .get("/mes-parcours", course_pages::mine)
        .get("/orga/{organization_id}/parcours", course_pages::orga)
        .post("/orga/{organization_id}/parcours", course_pages::deploy)
        .get("/orga/{organization_id}/parcours/{course_id}", course_pages::orga_course)
}

/// The learner's attestations as JSON and PDF.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::my_attestations))
        .routes(routes!(api::attestation))
        .routes(routes!(course_api::course))
        .routes(routes!(course_api::start))
        .routes(routes!(course_api::verified_code))
        .routes(routes!(course_api::organization_courses))
}

/// A person's rewards and the organisations they are shared with. Erasure removes them (an
/// attestation names its holder).
pub const PERSONAL_DATA: personal_data::Context = personal_data::Context {
    name: "quests",
    export: |state, user| Box::pin(export_sections(state, user)),
    erase: Some(|tx, user, _now| {
        Box::pin(async move {
            store::delete_course_participations_of_user(&mut *tx, user.id).await?;
            store::delete_rewards_of_user(&mut *tx, user.id).await.map(|_| ())
        })
    }),
};

async fn export_sections(state: &AppState, user: Uuid) -> Result<Vec<(&'static str, Value)>, AppError> {
    let rewards = store::rewards_of_user(&state.db, user).await?;
    let shares = store::shares_of_user(&state.db, user).await?;
    let courses = store::course_participations_of_user(&state.db, user).await?;
    Ok(vec![
        (
            "combined_courses",
            json!(
                courses
                    .iter()
                    .map(|c| json!({ "course": c.combined_course_id, "status": c.status, "started_at": c.created_at, "updated_at": c.updated_at }))
                    .collect::<Vec<_>>()
            ),
        ),
        (
        "rewards",
        json!(
            rewards
                .iter()
                .map(|r| json!({
                    "type": r.reward_type, "key": r.reward_key, "obtained_at": r.created_at,
                    "shared_with_organizations": shares.iter().filter(|(id, _)| *id == r.id).map(|(_, o)| o).collect::<Vec<_>>(),
                }))
                .collect::<Vec<_>>()
        ),
    ),
    ])
}
