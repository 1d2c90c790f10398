//! The learner's recommended trainings as JSON.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::trainings::{self, RecommendedRow};
use crate::{
    AppState,
    identity::{CurrentUser, request::CsrfJson},
    web::error::AppError,
};

/// A training recommended to me.
#[derive(Serialize, ToSchema)]
pub struct RecommendedTraining {
    id: Uuid,
    /// The participation whose test recommended it.
    participation_id: Uuid,
    title: String,
    /// Where to follow it: this site's module page, or an https address.
    link: String,
    /// autoformation, e-learning, hybrid-training, in-person-training, modulix, webinaire or
    /// external-service.
    #[serde(rename = "type")]
    kind: String,
    duration_minutes: i64,
    /// remote, onSite or hybrid.
    delivery_mode: String,
    editor_name: String,
    editor_logo_url: String,
    description: String,
    /// My answer to "was it useful?", none until I answer.
    useful: Option<bool>,
}

/// Rows as JSON.
pub fn json(state: &AppState, rows: Vec<RecommendedRow>) -> Vec<RecommendedTraining> {
    rows.into_iter()
        .map(|r| RecommendedTraining {
            link: r.training.href(&state.content),
            id: r.training.id,
            participation_id: r.participation_id,
            title: r.training.title,
            kind: r.training.kind,
            duration_minutes: r.training.duration_minutes,
            delivery_mode: r.training.delivery_mode,
            editor_name: r.training.editor_name,
            editor_logo_url: r.training.editor_logo_url,
            description: r.training.description,
            useful: r.useful,
        })
        .collect()
}

/// The trainings recommended to me at the end of my campaign tests, the most recent first.
#[utoipa::path(get, path = "/api/me/trainings", tag = "learning",
    responses((status = 200, body = Vec<RecommendedTraining>)))]
pub async fn my_trainings(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<RecommendedTraining>>, AppError> {
    let rows = trainings::of_user(&state, me.id).await?;
    Ok(Json(json(&state, rows)))
}

/// Whether a recommended training was useful.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Usefulness {
    useful: bool,
}

/// Says whether a training recommended after one of my participations was useful (404 when it was
/// not recommended to me then).
#[utoipa::path(put, path = "/api/me/trainings/{participation_id}/{training_id}", tag = "learning",
    params(("participation_id" = Uuid, Path), ("training_id" = Uuid, Path)),
    request_body = Usefulness, responses((status = 204)))]
pub async fn usefulness(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((participation, training)): Path<(Uuid, Uuid)>,
    CsrfJson(body): CsrfJson<Usefulness>,
) -> Result<StatusCode, AppError> {
    trainings::set_useful(&state, me.id, participation, training, body.useful).await?;
    Ok(StatusCode::NO_CONTENT)
}
