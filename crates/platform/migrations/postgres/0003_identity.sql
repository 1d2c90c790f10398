-- Accounts, login throttling, sessions, roles, one-time tokens and the audit log.
-- Timestamps: microseconds since the Unix epoch (UTC), as in SQLite.

CREATE TABLE users (
    id UUID PRIMARY KEY NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT UNIQUE,
    username TEXT UNIQUE,
    password_hash TEXT,
    lang TEXT NOT NULL DEFAULT 'fr',
    terms_accepted_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    anonymised BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE login_throttles (
    key TEXT PRIMARY KEY NOT NULL,
    failure_count BIGINT NOT NULL,
    temporary_blocked_until BIGINT,
    blocked_at BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id UUID REFERENCES users (id) ON DELETE CASCADE,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE admin_roles (
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('SUPPORT', 'METIER', 'CERTIF', 'SUPER_ADMIN')),
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE organizations (
    id UUID PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('SCO', 'SUP', 'PRO')),
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('MEMBER', 'ADMIN')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, organization_id)
);

CREATE TABLE certification_centers (
    id UUID PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE center_memberships (
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    center_id UUID NOT NULL REFERENCES certification_centers (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('MEMBER', 'ADMIN')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, center_id)
);

CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('password_reset', 'email_change')),
    new_email TEXT,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id UUID PRIMARY KEY NOT NULL,
    at BIGINT NOT NULL,
    actor_id UUID,
    action TEXT NOT NULL,
    subject_id UUID,
    reason TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit_log (subject_id, at);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
