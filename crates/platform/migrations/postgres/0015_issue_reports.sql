-- Issue reports written by the centre at finalisation (REFERENCE §6.5), and what the automatic
-- resolution made of them.
CREATE TABLE certification_issue_reports (
    id UUID PRIMARY KEY NOT NULL,
    course_id UUID NOT NULL REFERENCES certification_courses (id),
    category TEXT NOT NULL,
    subcategory TEXT NOT NULL DEFAULT '',
    question_number BIGINT,
    description TEXT NOT NULL DEFAULT '',
    resolution TEXT CHECK (resolution IN ('neutralized', 'revalidated', 'no_effect', 'unresolved')),
    created_at BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX certification_issue_reports_course ON certification_issue_reports (course_id);
