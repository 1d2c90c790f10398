//! Scheduled jobs that must run once per cluster (e.g. deleting expired sessions), whichever nodes
//! are up: every node asks at each tick, one wins per period (docs/operations.md).

use crate::{db::Db, on_db};

/// Claims the job `name` for this node if it has not run in the last `every` microseconds (as of
/// `now`): true for exactly one caller per period across all nodes sharing the database.
pub async fn claim(db: &Db, name: &str, every: i64, now: i64) -> Result<bool, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("INSERT INTO scheduled_jobs (name, last_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name).bind(i64::MIN / 2).execute(pool).await?;
        sqlx::query("UPDATE scheduled_jobs SET last_run_at = $2 WHERE name = $1 AND last_run_at <= $3")
            .bind(name).bind(now).bind(now - every).execute(pool).await.map(|r| r.rows_affected() == 1)
    })
}
