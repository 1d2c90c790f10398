-- Facts about this installation (created once, read by operators and by readiness checks).
CREATE TABLE instance_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
