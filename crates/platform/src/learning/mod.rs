//! Learning: the modules that develop a competence (docs/modules.md) — playing them, answers
//! checked on the server, passages and progress.

pub(crate) mod api;
pub(crate) mod pages;
pub mod service;
pub mod store;
pub(crate) mod training_api;
pub(crate) mod training_pages;
pub mod trainings;
pub(crate) mod view;

use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{AppState, personal_data, web::error::AppError, web::routes::Pages};

/// Pages of the modules: the list, a module, its player, my modules.
pub fn pages() -> Pages {
    Pages::new()
        .get("/modules", pages::list)
        .get("/modules/{short_id}/{slug}", pages::details)
        .post("/modules/{short_id}/{slug}/passages", pages::start)
        .get("/modules/{short_id}/{slug}/passages/{passage_id}", pages::player)
        .post("/modules/{short_id}/{slug}/passages/{passage_id}/answers", pages::answer)
        .post("/modules/{short_id}/{slug}/passages/{passage_id}/next", pages::next)
        .post("/modules/{short_id}/{slug}/passages/{passage_id}/terminate", pages::terminate)
        .get("/mes-modules", pages::mine)
        .get("/mes-formations", training_pages::mine)
        .post("/mes-formations/{participation_id}/{training_id}", training_pages::useful)
}

/// The modules as JSON.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::modules))
        .routes(routes!(api::module))
        .routes(routes!(api::start))
        .routes(routes!(api::passage))
        .routes(routes!(api::answer))
        .routes(routes!(api::events))
        .routes(routes!(api::terminate))
        .routes(routes!(api::my_modules))
        .routes(routes!(training_api::my_trainings))
        .routes(routes!(training_api::usefulness))
}

/// The learning part of a person's data: their passages with every answer and event, and the
/// trainings recommended to them with what they said of them. Erasure removes both (typed answers
/// may say who wrote them; a recommendation says something of their results).
pub const PERSONAL_DATA: personal_data::Context = personal_data::Context {
    name: "learning",
    export: |state, user| Box::pin(export_sections(state, user)),
    erase: Some(|tx, user, _now| {
        Box::pin(async move {
            store::delete_passages_of_user(&mut *tx, user.id).await?;
            store::delete_recommendations_of_user(&mut *tx, user.id).await.map(|_| ())
        })
    }),
};

async fn export_sections(state: &AppState, user: Uuid) -> Result<Vec<(&'static str, Value)>, AppError> {
    let passages = store::passages_of_user(&state.db, user).await?;
    let logs = store::logs_of_user(&state.db, user).await?;
    let recommended = store::recommended_of_user(&state.db, user).await?;
    Ok(vec![
        (
        "module_passages",
        json!(
            passages
                .iter()
                .map(|p| json!({
                    "id": p.id, "module_id": p.module_id, "module_version": p.module_version, "locale": p.locale,
                    "created_at": p.created_at, "updated_at": p.updated_at, "terminated_at": p.terminated_at,
                    "log": logs.iter().filter(|(id, _)| *id == p.id).map(|(_, e)| e).collect::<Vec<_>>(),
                }))
                .collect::<Vec<_>>()
        ),
        ),
        (
            "recommended_trainings",
            json!(
                recommended
                    .iter()
                    .map(|r| json!({
                        "training": r.training.title, "training_id": r.training.id, "participation_id": r.participation_id,
                        "campaign_id": r.campaign_id, "recommended_at": r.recommended_at, "useful": r.useful,
                    }))
                    .collect::<Vec<_>>()
            ),
        ),
    ])
}
