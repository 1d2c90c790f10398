//! HTTP plumbing: the router, middleware stack, errors, templates, i18n and static assets.

pub mod assets;
pub mod client_ip;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod form;
pub mod health;
pub mod i18n;
pub mod layout;
pub mod limit;
pub mod media;
pub mod pages;
pub mod redirect;
pub mod routes;
pub mod shared_limit;

use std::time::Duration;

use axum::{
    Router,
    extract::Request,
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use tower::ServiceBuilder;
use tower_http::{
    LatencyUnit,
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

use crate::AppState;

/// Largest request body accepted (413 beyond).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Largest upload: a learner list of 50,000 rows.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;

/// Whether a path receives file uploads (the larger limit).
pub fn is_upload(path: &str) -> bool {
    path.ends_with("/learners/import") || path.ends_with("/sessions/import")
}

/// Refuses bodies larger than the route accepts: at once when `Content-Length` says so, else
/// when reading passes the limit.
async fn body_limit(request: Request, next: Next) -> Response {
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

/// Content-Security-Policy: no inline script or style, nothing from other origins.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The routes of the platform (except those limited per IP, added by [`finish`]), without the
/// middleware stack.
pub fn routes() -> Router<AppState> {
    let (pages, _) = routes::pages().into_parts();
    let (api, _) = routes::api().split_for_parts();
    pages
        .merge(api)
        .route("/api", get(api_index))
        .route("/api/openapi.json", get(crate::openapi::document))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
}

/// Drops the per-IP limiters' entries that are back to a full quota, so their memory stays bounded
/// by the clients of the last minute (called periodically by the node).
pub type Trimmer = std::sync::Arc<dyn Fn() + Send + Sync>;

/// Routes limited per client IP, each group with its bucket's quota ([`limit`]).
pub fn limited_routes(state: &AppState) -> (Router<AppState>, Trimmer) {
    let mut router = Router::new();
    let mut limits = Vec::new();
    for (bucket, pages, api) in routes::limited() {
        let limit = limit::Limit::new(bucket, bucket.per_minute(&state.settings));
        let (pages, _) = pages.into_parts();
        let (api, _) = api.split_for_parts();
        router = router.merge(
            pages.merge(api).layer(middleware::from_fn_with_state((state.clone(), limit.clone()), limit::enforce)),
        );
        limits.push(limit);
    }
    let trimmer: Trimmer = std::sync::Arc::new(move || limits.iter().for_each(limit::Limit::trim));
    (router, trimmer)
}

async fn api_index() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "name": "pix", "version": env!("CARGO_PKG_VERSION") }))
}

async fn api_not_found() -> error::AppError {
    error::AppError::NotFound
}

async fn not_found() -> error::AppError {
    error::AppError::NotFound
}

/// Wraps routes in the middleware stack every request goes through (outermost first):
/// request id → trace span → request id echo → client address → CSRF nonce → metrics → security
/// headers → compression → language → error rendering → timeout → panic catcher → body limit →
/// cross-site check → session store failures → session.
pub fn finish(routes: Router<AppState>, state: AppState) -> (Router, Trimmer) {
    let x_request_id = HeaderName::from_static("x-request-id");
    let sessions =
        tower_sessions::SessionManagerLayer::new(crate::identity::session::DbSessionStore::new(state.db.clone()))
            .with_name(crate::identity::session::COOKIE)
            .with_http_only(true)
            .with_same_site(tower_sessions::cookie::SameSite::Lax)
            .with_secure(state.settings.public_url.starts_with("https://"))
            .with_expiry(tower_sessions::Expiry::OnInactivity(crate::identity::session::IDLE));
    let (limited, trimmer) = limited_routes(&state);
    let routes = routes.merge(limited);
    let stack = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(x_request_id.clone(), MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", request_id, method = %req.method(), path = %req.uri().path())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id))
        .layer(middleware::from_fn_with_state(state.clone(), client_ip::client_ip))
        .layer(middleware::from_fn_with_state(state.clone(), csrf::nonce_cookie))
        .layer(middleware::from_fn(health::track))
        .layer(set_header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(set_header(header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains"))
        .layer(set_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set_header(header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .layer(set_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set_header(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
        ))
        // A middle quality: pages are small and compressed on every request (brotli's default
        // quality, 11, costs milliseconds per page for a few bytes).
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Precise(4)))
        .layer(middleware::from_fn(negotiate_language))
        .layer(middleware::from_fn(public_cors))
        .layer(middleware::from_fn(error::render_errors))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(body_limit))
        .layer(middleware::from_fn(api_csrf_header))
        // Refuses cross-site state-changing requests (Sec-Fetch-Site / Origin), before any handler;
        // forms also carry a per-session token (identity::session).
        .layer(tower_http::csrf::CsrfLayer::new())
        .layer(middleware::from_fn(crate::identity::session::report_store_failures))
        .layer(sessions);
    (routes.fallback(not_found).layer(stack).with_state(state), trimmer)
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
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
async fn api_csrf_header(request: Request, next: Next) -> Response {
    let state_changing =
        !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS);
    if state_changing && request.uri().path().starts_with("/api/") && !request.headers().contains_key(csrf::HEADER) {
        return error::AppError::Forbidden.into_response();
    }
    next.run(request).await
}

async fn public_cors(request: Request, next: Next) -> Response {
    let open = request.method() == axum::http::Method::GET && readable_by_any_origin(request.uri().path());
    let mut response = next.run(request).await;
    if open {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    }
    response
}

async fn negotiate_language(mut request: Request, next: Next) -> Response {
    let lang = i18n::negotiate(request.headers());
    request.extensions_mut().insert(lang);
    let mut response = next.run(request).await;
    // Caches must not serve a French page to an English reader.
    response.headers_mut().append(header::VARY, HeaderValue::from_static("Accept-Language, Cookie"));
    response
}

fn set_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
