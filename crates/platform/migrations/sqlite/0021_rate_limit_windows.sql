-- The per-IP limit of login, sign-up and reset routes shared by the nodes of a cluster: requests
-- per client address and minute (used on PostgreSQL; one SQLite node limits in memory).
CREATE TABLE rate_limit_windows (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
