-- Certification, slice 3: the invigilator authorises candidates; a candidate's test (course) with
-- its deadline; the assessment of a course.

ALTER TABLE certification_candidates ADD COLUMN authorized_to_start BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE certification_courses (
    id UUID PRIMARY KEY NOT NULL,
    candidate_id UUID NOT NULL UNIQUE REFERENCES certification_candidates (id),
    session_id UUID NOT NULL REFERENCES certification_sessions (id),
    user_id UUID NOT NULL REFERENCES users (id),
    lang TEXT NOT NULL,
    accessibility_adjustment BOOLEAN NOT NULL,
    started_at BIGINT NOT NULL,
    -- 105 minutes plus the candidate's extra time, enforced by the server.
    deadline BIGINT NOT NULL,
    completed_at BIGINT,
    ended_by_invigilator BOOLEAN NOT NULL
);
CREATE INDEX certification_courses_session ON certification_courses (session_id);

ALTER TABLE assessments ADD COLUMN course_id UUID REFERENCES certification_courses (id);
CREATE INDEX assessments_course ON assessments (course_id);
