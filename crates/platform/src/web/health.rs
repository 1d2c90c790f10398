//! Liveness, readiness and Prometheus metrics.

use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

use axum::{
    Json,
    extract::{MatchedPath, Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::AppState;

/// `GET /healthz`: the process is alive and serving.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// How long readiness waits for the database. A load balancer gives its check about a second
/// (`inter 1s` in the reference HAProxy configuration; Kubernetes' default probe timeout is 1 s):
/// a node whose database does not answer within that says 503 itself, at once, rather than leave
/// the probe hanging while its pool keeps trying to connect for up to its 5 s acquire timeout.
const READINESS_BUDGET: Duration = Duration::from_millis(800);

/// `GET /readyz`: the database answers within [`READINESS_BUDGET`] and its schema is current;
/// 503 otherwise.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let ready = tokio::time::timeout(READINESS_BUDGET, state.db.is_ready()).await.unwrap_or(false);
    let body = Json(serde_json::json!({
        "status": if ready { "ready" } else { "unavailable" },
        "database": if ready { "ok" } else { "unreachable or not migrated" },
    }));
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    // Already a JSON document: keep it rather than letting the error renderer replace it.
    let mut response = (status, body).into_response();
    response.extensions_mut().insert(KeepBody);
    response
}

/// Marks an error response whose body must be kept as is.
#[derive(Clone, Copy)]
pub struct KeepBody;

/// The process-wide Prometheus recorder (metrics are global by design of the `metrics` crate).
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".to_owned()),
                &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0],
            )
            .expect("non-empty buckets")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (several apps in one test process): keep it.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// `GET /metrics`: Prometheus text format. Keep it internal at the load balancer (docs/operations.md).
pub async fn metrics_endpoint(State(state): State<AppState>) -> Response {
    let (in_use, idle) = state.db.pool_usage();
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64::from(in_use));
    metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
    let handle = prometheus();
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
}

/// Counts requests by route and status and records their latency.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let start = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    response
}
