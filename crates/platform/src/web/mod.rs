//! HTTP plumbing: the router, middleware stack, errors, templates, i18n and static assets.

pub(crate) mod assets;
pub(crate) mod client_ip;
pub(crate) mod error;
pub(crate) mod form;
pub(crate) mod health;
pub mod i18n;
pub mod layout;
pub(crate) mod limit;
pub(crate) mod media;
pub(crate) mod redirect;
pub(crate) mod routes;
pub(crate) mod shared_limit;

use std::time::Duration;

use axum::{
    extract::Request,
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tower_http::set_header::SetResponseHeaderLayer;

/// Name of the header that carries the CSRF token in API calls (identity::csrf checks its value).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Largest request body accepted (413 beyond).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Largest upload: a learner list of 50,000 rows.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;

/// Whether a path receives file uploads (the larger limit).
pub fn is_upload(path: &str) -> bool {
    path.ends_with("/learners/import") || path.ends_with("/sessions/import")
}

/// Counts the transactions each request holds open, so that debug builds catch a pooled query
/// meanwhile (`db::OpenTx`).
pub(crate) async fn count_transactions(request: Request, next: Next) -> Response {
    crate::db::counting_transactions(next.run(request)).await
}

/// A read failing on a broken connection fails within this; slower failures are the pool waiting
/// for an unreachable database.
const BROKEN_CONNECTION_FAILS_WITHIN: Duration = Duration::from_secs(1);

/// Runs a read (GET, HEAD without a body) once more when it failed because a pooled database
/// connection turned out to be broken — a restart, a failover, an administrator closing
/// connections. Connections used within the last second are handed out without a ping
/// (`db::ready_for_use`), so the first request to meet a closed one fails; it marks every
/// connection released before as suspect, and the second reading gets a checked one. Only a read
/// that failed at once runs again: when the database is down the pool waits for its timeout, and a
/// second wait would only double the person's before the 503 page. Writes are not repeated: the
/// person gets the 503 "try again" page.
pub(crate) async fn retry_reads_on_broken_connection(request: Request, next: Next) -> Response {
    use axum::body::{Body, HttpBody};
    let safe = matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    if !safe || request.body().size_hint().exact() != Some(0) {
        return next.run(request).await;
    }
    let mut again = Request::new(Body::empty());
    *again.method_mut() = request.method().clone();
    *again.uri_mut() = request.uri().clone();
    *again.version_mut() = request.version();
    *again.headers_mut() = request.headers().clone();
    *again.extensions_mut() = request.extensions().clone();
    let seen = crate::db::broken_seen_at();
    let started = std::time::Instant::now();
    let response = next.clone().run(request).await;
    if response.status() == axum::http::StatusCode::SERVICE_UNAVAILABLE
        && crate::db::broken_seen_at() > seen
        && started.elapsed() < BROKEN_CONNECTION_FAILS_WITHIN
    {
        tracing::info!("a read met a broken database connection: read again");
        return next.run(again).await;
    }
    response
}

/// Refuses bodies larger than the route accepts: at once when `Content-Length` says so, else
/// when reading passes the limit.
pub(crate) async fn body_limit(request: Request, next: Next) -> Response {
    let limit = if is_upload(request.uri().path()) { MAX_UPLOAD_BYTES } else { MAX_BODY_BYTES };
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return error::AppError::TooLarge.into_response();
    }
    let (parts, body) = request.into_parts();
    next.run(Request::from_parts(parts, axum::body::Body::new(http_body_util::Limited::new(body, limit)))).await
}
/// Longest time a handler may take before the client gets a 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Content-Security-Policy: no inline script or style, nothing from other origins; recordings and
/// the learning modules' embedded pages come from the platform's own media.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
media-src 'self'; frame-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
frame-ancestors 'none'";

pub(crate) async fn api_index() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "name": "pix", "version": env!("CARGO_PKG_VERSION") }))
}

pub(crate) async fn api_not_found() -> error::AppError {
    error::AppError::NotFound
}

pub(crate) async fn not_found() -> error::AppError {
    error::AppError::NotFound
}

pub(crate) fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned());
    error::AppError::Internal(anyhow::anyhow!("handler panicked: {message}")).into_response()
}

/// Whether anyone's browser may read a response to `GET path` (`Access-Control-Allow-Origin: *`):
/// what verifiers fetch — the issuer's DID document, the revocation lists and the verification API.
/// None of these reads a cookie, so no credential is ever shared.
pub fn readable_by_any_origin(path: &str) -> bool {
    path == "/.well-known/did.json"
        || path == "/did.json"
        || path.starts_with("/credentials/status/")
        || path.starts_with("/api/shared-certifications/")
}

/// A state-changing API request without an `X-CSRF-Token` header is refused (403) before anything
/// else — whether the resource exists or the caller may reach it is not told to a request that
/// could never pass (the extractors check the token's value).
pub(crate) async fn api_csrf_header(request: Request, next: Next) -> Response {
    let state_changing =
        !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS);
    if state_changing && request.uri().path().starts_with("/api/") && !request.headers().contains_key(CSRF_HEADER) {
        return error::AppError::Forbidden.into_response();
    }
    next.run(request).await
}

pub(crate) async fn public_cors(request: Request, next: Next) -> Response {
    let open = request.method() == axum::http::Method::GET && readable_by_any_origin(request.uri().path());
    let mut response = next.run(request).await;
    if open {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    }
    response
}

pub(crate) async fn negotiate_language(mut request: Request, next: Next) -> Response {
    let lang = i18n::negotiate(request.headers());
    request.extensions_mut().insert(lang);
    let mut response = next.run(request).await;
    // Caches must not serve a French page to an English reader.
    response.headers_mut().append(header::VARY, HeaderValue::from_static("Accept-Language, Cookie"));
    response
}

pub(crate) fn set_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
