-- Accounts, login throttling, sessions, roles, one-time tokens and the audit log.
-- Timestamps: microseconds since the Unix epoch (UTC). Ids: UUID (16-byte BLOB in SQLite).

CREATE TABLE users (
    id BLOB PRIMARY KEY NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT UNIQUE,
    username TEXT UNIQUE,
    password_hash TEXT,
    lang TEXT NOT NULL DEFAULT 'fr',
    terms_accepted_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    anonymised INTEGER NOT NULL DEFAULT 0 CHECK (anonymised IN (0, 1))
) STRICT;

-- Failed-login counters, keyed by account ("user:<id>") or by unknown identifier, so that unknown
-- and known identifiers behave the same.
CREATE TABLE login_throttles (
    key TEXT PRIMARY KEY NOT NULL,
    failure_count INTEGER NOT NULL,
    temporary_blocked_until INTEGER,
    blocked_at INTEGER,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id BLOB REFERENCES users (id) ON DELETE CASCADE,
    data TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE admin_roles (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('SUPPORT', 'METIER', 'CERTIF', 'SUPER_ADMIN')),
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, role)
) STRICT;

CREATE TABLE organizations (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('SCO', 'SUP', 'PRO')),
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE memberships (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('MEMBER', 'ADMIN')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, organization_id)
) STRICT;

CREATE TABLE certification_centers (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE center_memberships (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    center_id BLOB NOT NULL REFERENCES certification_centers (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('MEMBER', 'ADMIN')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, center_id)
) STRICT;

-- One-time tokens (password reset, email change); only a SHA-256 of the token is stored.
CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('password_reset', 'email_change')),
    new_email TEXT,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    created_at INTEGER NOT NULL
) STRICT;

-- Append-only: who did what to whose data, when and why. Never names or emails, only ids.
CREATE TABLE audit_log (
    id BLOB PRIMARY KEY NOT NULL,
    at INTEGER NOT NULL,
    actor_id BLOB,
    action TEXT NOT NULL,
    subject_id BLOB,
    reason TEXT NOT NULL,
    details TEXT NOT NULL
) STRICT;
CREATE INDEX audit_subject ON audit_log (subject_id, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
