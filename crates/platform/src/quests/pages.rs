//! "Mes attestations": the attestations a learner obtained, and their documents.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use super::service::{self, Obtained};
use crate::{
    AppState,
    identity::{CurrentUser, request::Page},
    web::{
        error::AppError,
        layout::{Chrome, render},
    },
};

#[derive(Template)]
#[template(path = "quests/mine.html")]
struct MinePage {
    chrome: Chrome,
    attestations: Vec<(Obtained, String)>,
}

/// `GET /mes-attestations`: evaluates the learner's quests (catching up on anything a background
/// evaluation missed), then lists what they obtained.
pub async fn mine(State(state): State<AppState>, page: Page, me: CurrentUser) -> Result<Response, AppError> {
    service::reward(&state, me.id).await?;
    let attestations = service::obtained(&state, me.id)
        .await?
        .into_iter()
        .map(|o| {
            let date = crate::clock::paris_datetime(o.at).chars().take(10).collect();
            (o, date)
        })
        .collect();
    Ok(render(StatusCode::OK, &MinePage { chrome: page.chrome_t("my-attestations-title"), attestations }))
}

/// `GET /mes-attestations/{key}`: the document, for its holder only (not found for anyone else).
pub async fn download(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let pdf = service::attestation_pdf(&state, me.id, &key, page.lang).await?;
    Ok(pdf_response(&key, pdf))
}

/// A PDF to download, never cached by a shared cache (it names its holder).
pub fn pdf_response(key: &str, pdf: Vec<u8>) -> Response {
    let name: String = key.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"attestation-{name}.pdf\"")),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        pdf,
    )
        .into_response()
}
