//! Learning: the modules that develop a competence (docs/modules.md) — playing them, answers
//! checked on the server, passages and progress.

pub(crate) mod api;
pub(crate) mod pages;
pub mod service;
pub mod store;
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
}

/// The learning part of a person's data: their passages with every answer and event. Erasure
/// removes them (typed answers may say who wrote them).
pub const PERSONAL_DATA: personal_data::Context = personal_data::Context {
    name: "learning",
    export: |state, user| Box::pin(export_sections(state, user)),
    erase: Some(|tx, user, _now| {
        Box::pin(async move { store::delete_passages_of_user(tx, user.id).await.map(|_| ()) })
    }),
};

async fn export_sections(state: &AppState, user: Uuid) -> Result<Vec<(&'static str, Value)>, AppError> {
    let passages = store::passages_of_user(&state.db, user).await?;
    let logs = store::logs_of_user(&state.db, user).await?;
    Ok(vec![(
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
    )])
}
