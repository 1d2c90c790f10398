//! The application: every route inside the middleware stack every request goes through.

use axum::{
    Router,
    extract::Request,
    http::{HeaderName, StatusCode, header},
    middleware,
    routing::get,
};
use tower::ServiceBuilder;
use tower_http::{
    LatencyUnit,
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

use crate::{
    AppState,
    identity::{csrf, session},
    web::{
        CSP, REQUEST_TIMEOUT, api_csrf_header, api_index, api_not_found, body_limit, client_ip, count_transactions,
        error, health, limit, negotiate_language, not_found, panic_response, public_cors,
        retry_reads_on_broken_connection, set_header,
    },
};

/// The routes of the platform (except those limited per IP, added by [`finish`]), without the
/// middleware stack.
pub fn routes() -> Router<AppState> {
    let (pages, _) = crate::routes::pages().into_parts();
    let (api, _) = crate::routes::api().split_for_parts();
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
    for (bucket, pages, api) in crate::routes::limited() {
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

/// Wraps routes in the middleware stack every request goes through (outermost first):
/// transaction count (debug builds) → request id → trace span → request id echo → client address → CSRF nonce → metrics → security
/// headers → compression → language → error rendering → a read again after a broken database
/// connection → timeout → panic catcher → body limit →
/// cross-site check → session store failures → session.
pub fn finish(routes: Router<AppState>, state: AppState) -> (Router, Trimmer) {
    let x_request_id = HeaderName::from_static("x-request-id");
    let sessions = tower_sessions::SessionManagerLayer::new(session::DbSessionStore::new(state.db.clone()))
        .with_name(session::COOKIE)
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Lax)
        .with_secure(state.settings.public_url.starts_with("https://"))
        .with_expiry(tower_sessions::Expiry::OnInactivity(session::IDLE));
    let (limited, trimmer) = limited_routes(&state);
    let routes = routes.merge(limited);
    let stack = ServiceBuilder::new()
        .layer(middleware::from_fn(count_transactions))
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
        .layer(middleware::from_fn(retry_reads_on_broken_connection))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(body_limit))
        .layer(middleware::from_fn(api_csrf_header))
        // Refuses cross-site state-changing requests (Sec-Fetch-Site / Origin), before any handler;
        // forms also carry a per-session token (identity::session).
        .layer(tower_http::csrf::CsrfLayer::new())
        .layer(middleware::from_fn(session::report_store_failures))
        .layer(sessions);
    (routes.fallback(not_found).layer(stack).with_state(state), trimmer)
}
