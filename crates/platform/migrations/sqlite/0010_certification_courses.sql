-- Certification, slice 3: the invigilator authorises candidates; a candidate's test (course) with
-- its deadline; the assessment of a course.

ALTER TABLE certification_candidates ADD COLUMN authorized_to_start INTEGER NOT NULL DEFAULT 0 CHECK (authorized_to_start IN (0, 1));

CREATE TABLE certification_courses (
    id BLOB PRIMARY KEY NOT NULL,
    candidate_id BLOB NOT NULL UNIQUE REFERENCES certification_candidates (id),
    session_id BLOB NOT NULL REFERENCES certification_sessions (id),
    user_id BLOB NOT NULL REFERENCES users (id),
    lang TEXT NOT NULL,
    accessibility_adjustment INTEGER NOT NULL CHECK (accessibility_adjustment IN (0, 1)),
    started_at INTEGER NOT NULL,
    -- 105 minutes plus the candidate's extra time, enforced by the server.
    deadline INTEGER NOT NULL,
    completed_at INTEGER,
    ended_by_invigilator INTEGER NOT NULL CHECK (ended_by_invigilator IN (0, 1))
) STRICT;
CREATE INDEX certification_courses_session ON certification_courses (session_id);

ALTER TABLE assessments ADD COLUMN course_id BLOB REFERENCES certification_courses (id);
CREATE INDEX assessments_course ON assessments (course_id);
