-- A counter bumped whenever what a session caches about a person changes (names, email, language,
-- roles, memberships): a session compares it with its cached copy instead of reloading the person,
-- their roles and their memberships on every request.
ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;
