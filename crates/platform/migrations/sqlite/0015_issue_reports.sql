-- Issue reports written by the centre at finalisation (REFERENCE §6.5), and what the automatic
-- resolution made of them.
CREATE TABLE certification_issue_reports (
    id BLOB PRIMARY KEY NOT NULL,
    course_id BLOB NOT NULL REFERENCES certification_courses (id),
    category TEXT NOT NULL,
    subcategory TEXT NOT NULL DEFAULT '',
    question_number INTEGER,
    description TEXT NOT NULL DEFAULT '',
    resolution TEXT CHECK (resolution IN ('neutralized', 'revalidated', 'no_effect', 'unresolved')),
    created_at INTEGER NOT NULL,
    resolved_at INTEGER
) STRICT;
CREATE INDEX certification_issue_reports_course ON certification_issue_reports (course_id);
