-- Every content version a node has served; assessments reference the version they were taken on.
-- Timestamps are microseconds since the Unix epoch (UTC) in both databases (docs/architecture.md).
CREATE TABLE content_versions (
    version TEXT PRIMARY KEY NOT NULL,
    first_seen_at BIGINT NOT NULL
);
