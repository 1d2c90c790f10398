//! The per-IP limits ([`super::limit`]), shared by the nodes of a PostgreSQL cluster: each node's in-memory limiter only sees its own requests, so N nodes behind a balancer
//! would allow N times the rate. A counter per client address and minute in the database makes the
//! limit the cluster's (one upsert per limited request). One SQLite node needs no such thing.

use std::net::IpAddr;

use super::limit::Bucket;
use crate::{AppState, db::Db, on_db};

/// Counts the request of client `ip` (already reduced by [`super::limit::key`]) in its minute's
/// window of `bucket`; the seconds to wait when the cluster's quota is used up. Nothing on SQLite.
pub async fn over(state: &AppState, bucket: Bucket, ip: IpAddr) -> Option<u64> {
    if !matches!(state.db, Db::Postgres(_)) {
        return None;
    }
    let now = state.clock.now_micros();
    let window = now.div_euclid(60_000_000);
    match hit(&state.db, &format!("{}:{ip}", bucket.name()), window).await {
        // 1 to 60 seconds: until the next minute's window.
        Ok(hits) if hits > i64::from(bucket.per_minute(&state.settings)) => {
            Some(60 - u64::try_from(now.div_euclid(1_000_000).rem_euclid(60)).unwrap_or(0))
        }
        Ok(_) => None,
        // The database is what the request needs anyway: let the route report it; the node's own
        // limiter still applies.
        Err(e) => {
            tracing::warn!(error = %e, "shared rate limit unavailable");
            None
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
