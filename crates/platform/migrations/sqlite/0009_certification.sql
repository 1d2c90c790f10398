-- Certification, slice 1: centres' type and external id, sessions and their enrolled candidates.

ALTER TABLE certification_centers ADD COLUMN kind TEXT NOT NULL DEFAULT 'PRO' CHECK (kind IN ('SCO', 'SUP', 'PRO'));
ALTER TABLE certification_centers ADD COLUMN external_id TEXT;

-- A session: where and when, who invigilates; candidates join with its number and access code,
-- the invigilator opens its screen with the number and the invigilator password.
CREATE TABLE certification_sessions (
    id BLOB PRIMARY KEY NOT NULL,
    center_id BLOB NOT NULL REFERENCES certification_centers (id) ON DELETE CASCADE,
    number INTEGER NOT NULL UNIQUE,
    address TEXT NOT NULL,
    room TEXT NOT NULL,
    examiner TEXT NOT NULL,
    date TEXT NOT NULL,
    time TEXT NOT NULL,
    description TEXT NOT NULL,
    access_code TEXT NOT NULL,
    invigilator_password TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version IN (2, 3)),
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    finalized_at INTEGER,
    published_at INTEGER
) STRICT;
CREATE INDEX certification_sessions_center ON certification_sessions (center_id, date);

-- A person enrolled in a session (an identity copied at enrolment; linked to an account when
-- they join).
CREATE TABLE certification_candidates (
    id BLOB PRIMARY KEY NOT NULL,
    session_id BLOB NOT NULL REFERENCES certification_sessions (id) ON DELETE CASCADE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('M', 'F')),
    birth_country TEXT NOT NULL,
    birth_insee_code TEXT,
    birth_postal_code TEXT,
    birth_city TEXT,
    external_id TEXT,
    extra_time_percentage INTEGER,
    accessibility_adjustment INTEGER NOT NULL CHECK (accessibility_adjustment IN (0, 1)),
    email TEXT,
    result_recipient_email TEXT,
    user_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    reconciled_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX certification_candidates_session ON certification_candidates (session_id, last_name, first_name);
CREATE INDEX certification_candidates_user ON certification_candidates (user_id);
