-- Competence tests: assessments, answers, knowledge elements, competence evaluations, saved tutorials.

CREATE TABLE assessments (
    id BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id),
    competence_code TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('started', 'completed')),
    content_version TEXT NOT NULL REFERENCES content_versions (version),
    seed INTEGER NOT NULL,
    is_improving INTEGER NOT NULL CHECK (is_improving IN (0, 1)),
    current_challenge_id TEXT,
    current_asked_at INTEGER,
    current_focused_out INTEGER NOT NULL CHECK (current_focused_out IN (0, 1)),
    pix_before INTEGER NOT NULL,
    level_before INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    completed_at INTEGER
) STRICT;
CREATE INDEX assessments_user ON assessments (user_id, competence_code);

CREATE TABLE answers (
    id BLOB PRIMARY KEY NOT NULL,
    assessment_id BLOB NOT NULL REFERENCES assessments (id),
    challenge_id TEXT NOT NULL,
    value TEXT NOT NULL,
    result TEXT NOT NULL,
    result_details TEXT NOT NULL,
    timed_out INTEGER NOT NULL CHECK (timed_out IN (0, 1)),
    focused_out INTEGER NOT NULL CHECK (focused_out IN (0, 1)),
    time_spent INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (assessment_id, challenge_id)
) STRICT;

CREATE TABLE knowledge_elements (
    id BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id),
    assessment_id BLOB NOT NULL REFERENCES assessments (id),
    answer_id BLOB REFERENCES answers (id),
    skill TEXT NOT NULL,
    competence_code TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('direct', 'inferred')),
    status TEXT NOT NULL CHECK (status IN ('validated', 'invalidated', 'reset')),
    earned_pix REAL NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX knowledge_user ON knowledge_elements (user_id, competence_code, created_at);
CREATE INDEX knowledge_assessment ON knowledge_elements (assessment_id);

CREATE TABLE competence_evaluations (
    user_id BLOB NOT NULL REFERENCES users (id),
    competence_code TEXT NOT NULL,
    assessment_id BLOB NOT NULL REFERENCES assessments (id),
    status TEXT NOT NULL CHECK (status IN ('started', 'completed', 'reset')),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, competence_code)
) STRICT;

CREATE TABLE saved_tutorials (
    user_id BLOB NOT NULL REFERENCES users (id),
    tutorial_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, tutorial_id)
) STRICT;
