-- A candidate reports a problem with the current question; the invigilator validates it (the
-- question is replaced without penalty) or dismisses it (the candidate goes on).
CREATE TABLE certification_live_alerts (
    id BLOB PRIMARY KEY NOT NULL,
    course_id BLOB NOT NULL REFERENCES certification_courses (id),
    challenge_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ongoing', 'dismissed', 'validated')),
    created_at INTEGER NOT NULL,
    handled_at INTEGER
) STRICT;
CREATE INDEX certification_live_alerts_course ON certification_live_alerts (course_id, status);
