-- Certification, slice 4: finalisation by the centre, automatic scoring, publication.

ALTER TABLE certification_sessions ADD COLUMN examiner_global_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE certification_sessions ADD COLUMN has_incident BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE certification_sessions ADD COLUMN has_joining_issue BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE certification_courses ADD COLUMN abort_reason TEXT CHECK (abort_reason IN ('candidate', 'technical'));

-- The scored result of a course (REFERENCE §5.5), with the code anyone can verify it by.
CREATE TABLE certification_results (
    course_id UUID PRIMARY KEY NOT NULL REFERENCES certification_courses (id),
    status TEXT NOT NULL CHECK (status IN ('validated', 'rejected', 'cancelled')),
    reason TEXT NOT NULL,
    pix_score BIGINT NOT NULL,
    capacity DOUBLE PRECISION NOT NULL,
    -- The capacity's measurement error, in score points (the certificate shows score ± error).
    score_error BIGINT NOT NULL,
    answers BIGINT NOT NULL,
    competence_levels TEXT NOT NULL,
    verification_code TEXT NOT NULL UNIQUE,
    scored_at BIGINT NOT NULL
);
