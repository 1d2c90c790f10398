//! The learner's attestations as JSON, and their documents.

use axum::{
    Json,
    extract::{Path, State},
    response::Response,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::service;
use crate::{
    AppState,
    identity::CurrentUser,
    web::{error::AppError, i18n::Lang},
};

/// An attestation I obtained.
#[derive(Serialize, ToSchema)]
pub struct AttestationJson {
    /// Its key (`SIXTH_GRADE`).
    key: String,
    /// Its title.
    label: String,
    /// When I obtained it (µs since 1970).
    obtained_at: i64,
    /// Where its PDF is.
    download: String,
}

/// The attestations I obtained (my quests are evaluated first).
#[utoipa::path(get, path = "/api/me/attestations", tag = "quests", responses((status = 200, body = Vec<AttestationJson>)))]
pub async fn my_attestations(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<AttestationJson>>, AppError> {
    service::reward(&state, me.id).await?;
    Ok(Json(
        service::obtained(&state, me.id)
            .await?
            .into_iter()
            .map(|o| AttestationJson {
                download: format!("/api/me/attestations/{}", o.key),
                key: o.key,
                label: o.label,
                obtained_at: o.at,
            })
            .collect(),
    ))
}

/// The PDF of an attestation I obtained (404 for one I did not).
#[utoipa::path(get, path = "/api/me/attestations/{key}", tag = "quests",
    params(("key" = String, Path, description = "attestation key")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>)))]
pub async fn attestation(
    State(state): State<AppState>,
    lang: Lang,
    me: CurrentUser,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let pdf = service::attestation_pdf(&state, me.id, &key, lang).await?;
    Ok(super::pages::pdf_response(&key, pdf))
}
