//! Illustrations and attachments of the learning content.

use axum::{
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

use crate::{AppState, web::error::AppError};

/// `GET /media/{name}`: a content file (`name` may hold folders: `modules/<slug>/cover.svg`).
/// Images, recordings, subtitles and the learning modules' HTML pages display inline; other
/// files download.
///
/// Media are served from the in-memory content with a CSP that forbids scripts and sandboxes the
/// document, so a content file can never run code in the platform's origin; an HTML page may
/// only be framed by the platform's own pages (a module's embed).
pub async fn serve(State(state): State<AppState>, Path(name): Path<String>) -> Result<Response, AppError> {
    let media = state.content.media.get(&name).ok_or(AppError::NotFound)?;
    let mut response = media.bytes.clone().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media.content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    let inline =
        ["image/", "video/", "audio/", "text/vtt", "text/html"].iter().any(|t| media.content_type.starts_with(t));
    if media.content_type.starts_with("text/html") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'; sandbox",
            ),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    } else {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"),
        );
    }
    if !inline {
        let disposition = format!("attachment; filename=\"{}\"", name.replace(['"', '\\'], "_"));
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&disposition).map_err(|e| AppError::Internal(e.into()))?,
        );
    }
    Ok(response)
}
