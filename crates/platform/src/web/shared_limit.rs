//! The per-IP limit of the login, sign-up and reset routes, shared by the nodes of a PostgreSQL
//! cluster: each node's in-memory limiter only sees its own requests, so N nodes behind a balancer
//! would allow N times the rate. A counter per client address and minute in the database makes the
//! limit the cluster's (one upsert per limited request). One SQLite node needs no such thing.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{AppState, db::Db, on_db, web::client_ip::ClientIp, web::error::AppError};

/// Counts the request in its client's window and refuses it (429) above the configured rate.
pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(state.db, Db::Postgres(_)) {
        return next.run(req).await;
    }
    let Some(ip) = req.extensions().get::<ClientIp>().map(|c| c.0) else {
        return next.run(req).await;
    };
    let now = state.clock.now_micros();
    let window = now.div_euclid(60_000_000);
    match hit(&state.db, &ip.to_string(), window).await {
        Ok(hits) if hits > i64::from(state.settings.auth_rate_per_minute.max(1)) => {
            let retry_after = 60 - u64::try_from(now.div_euclid(1_000_000).rem_euclid(60)).unwrap_or(0);
            AppError::TooManyRequests { retry_after }.into_response()
        }
        Ok(_) => next.run(req).await,
        // The database is what the request needs anyway: let the route report it; the node's own
        // limiter still applies.
        Err(e) => {
            tracing::warn!(error = %e, "shared rate limit unavailable");
            next.run(req).await
        }
    }
}

/// One more request of `key` in minute `window`; returns the minute's count.
async fn hit(db: &Db, key: &str, window: i64) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_scalar(
            "INSERT INTO rate_limit_windows (key, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1 RETURNING hits",
        )
        .bind(key).bind(window).fetch_one(pool).await
    })
}

/// Deletes the windows that are over (run once per cluster by the node's housekeeping).
pub async fn prune(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let current = now.div_euclid(60_000_000);
    on_db!(db, pool => {
        sqlx::query("DELETE FROM rate_limit_windows WHERE window_start < $1").bind(current - 1).execute(pool).await.map(|r| r.rows_affected())
    })
}
