-- Scheduled jobs run once per cluster, not once per node: a node runs a job only when it moves the
-- job's last run forward, and a conditional UPDATE lets exactly one node do that per period.
CREATE TABLE scheduled_jobs (
    name TEXT PRIMARY KEY NOT NULL,
    last_run_at BIGINT NOT NULL
);
