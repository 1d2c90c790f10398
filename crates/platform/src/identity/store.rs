//! Every SQL statement of the identity context. Functions take `impl Into<Conn>`: the pool or an
//! open transaction, with the same SQL text.

use uuid::Uuid;

use super::{
    model::{AdminRole, MemberRole, User},
    throttle::Counters,
};
use crate::{db::Conn, on_conn};

/// `SELECT … FROM users` followed by a condition.
macro_rules! select_user {
    ($rest:literal) => {
        concat!(
            "SELECT id, first_name, last_name, email, username, password_hash, lang, terms_accepted_at, created_at, updated_at, anonymised, session_version FROM users ",
            $rest
        )
    };
}

// ------------------------------------------------------------------ users

/// A user by id.
pub async fn user_by_id(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, User>(select_user!("WHERE id = $1")).bind(id).fetch_optional(c).await)
}

/// A live (not erased) account by email (lower case).
pub async fn user_by_email(conn: impl Into<Conn<'_>>, email: &str) -> Result<Option<User>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, User>(select_user!("WHERE email = $1 AND NOT anonymised")).bind(email).fetch_optional(c).await
    })
}

/// A live account by username (lower case).
pub async fn user_by_username(conn: impl Into<Conn<'_>>, username: &str) -> Result<Option<User>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, User>(select_user!("WHERE username = $1 AND NOT anonymised")).bind(username).fetch_optional(c).await
    })
}

/// Accounts whose email, username or name contains `pattern` (already lower case, with `%`).
pub async fn search_users(conn: impl Into<Conn<'_>>, pattern: &str, limit: i64) -> Result<Vec<User>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, User>(select_user!(
            "WHERE NOT anonymised AND (email LIKE $1 OR username LIKE $1 OR LOWER(first_name || ' ' || last_name) LIKE $1) ORDER BY email LIMIT $2"
        ))
        .bind(pattern)
        .bind(limit)
        .fetch_all(c)
        .await
    })
}

/// What a new account row holds.
pub struct NewUser<'a> {
    /// Id.
    pub id: Uuid,
    /// First name.
    pub first_name: &'a str,
    /// Last name.
    pub last_name: &'a str,
    /// Email (normalised).
    pub email: &'a str,
    /// Argon2id PHC string.
    pub password_hash: &'a str,
    /// Interface language.
    pub lang: &'a str,
    /// Creation time, also the acceptance of the terms.
    pub now: i64,
}

/// Inserts an account unless the email is taken; true when inserted.
pub async fn insert_user(conn: impl Into<Conn<'_>>, u: NewUser<'_>) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO users (id, first_name, last_name, email, username, password_hash, lang, terms_accepted_at, created_at, updated_at, anonymised) \
             VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $7, $7, $8) ON CONFLICT (email) DO NOTHING",
        )
        .bind(u.id)
        .bind(u.first_name)
        .bind(u.last_name)
        .bind(u.email)
        .bind(u.password_hash)
        .bind(u.lang)
        .bind(u.now)
        .bind(false)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Replaces a password hash.
pub async fn set_password_hash(conn: impl Into<Conn<'_>>, user: Uuid, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3").bind(hash).bind(now).bind(user).execute(c).await.map(|_| ())
    })
}

/// Whether another account uses this username.
pub async fn username_taken(
    conn: impl Into<Conn<'_>>,
    username: &str,
    by_other_than: Uuid,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar::<_, i64>("SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE username = $1 AND id <> $2")
            .bind(username)
            .bind(by_other_than)
            .fetch_one(c)
            .await
            .map(|n| n > 0)
    })
}

/// Profile columns of an account.
pub struct Profile<'a> {
    /// First name.
    pub first_name: &'a str,
    /// Last name.
    pub last_name: &'a str,
    /// Username, if any.
    pub username: Option<&'a str>,
    /// Interface language.
    pub lang: &'a str,
}

/// Updates names, username and language.
pub async fn update_profile(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
    p: Profile<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE users SET first_name = $1, last_name = $2, username = $3, lang = $4, updated_at = $5 WHERE id = $6")
            .bind(p.first_name)
            .bind(p.last_name)
            .bind(p.username)
            .bind(p.lang)
            .bind(now)
            .bind(user)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// Sets the email unless another account has it; true when changed.
pub async fn set_email(conn: impl Into<Conn<'_>>, user: Uuid, email: &str, now: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE users SET email = $1, updated_at = $2 WHERE id = $3 AND NOT EXISTS (SELECT 1 FROM users WHERE email = $1)")
            .bind(email)
            .bind(now)
            .bind(user)
            .execute(c)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

/// Erases an account's identity: names replaced, email, username, password and consent removed,
/// dates generalised (the row stays so that learning data keeps its integrity).
pub async fn anonymise_user(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
    created: i64,
    updated: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE users SET first_name = '(anonymised)', last_name = '(anonymised)', email = NULL, username = NULL, password_hash = NULL, \
             terms_accepted_at = NULL, created_at = $1, updated_at = $2, anonymised = $3 WHERE id = $4",
        )
        .bind(created)
        .bind(updated)
        .bind(true)
        .bind(user)
        .execute(c)
        .await
        .map(|_| ())
    })
}

// ------------------------------------------------------------------ roles and memberships

/// Back-office roles of an account.
pub async fn admin_roles(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<AdminRole>, sqlx::Error> {
    let rows: Vec<String> = on_conn!(conn, c => {
        sqlx::query_scalar("SELECT role FROM admin_roles WHERE user_id = $1 ORDER BY role").bind(user).fetch_all(c).await
    })?;
    Ok(rows.iter().filter_map(|r| AdminRole::parse(r)).collect())
}

/// Grants a back-office role (idempotent).
pub async fn grant_admin_role(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
    role: AdminRole,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO admin_roles (user_id, role, granted_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, role) DO NOTHING")
            .bind(user).bind(role.as_str()).bind(now).execute(c).await.map(|_| ())
    })
}

/// Revokes a back-office role.
pub async fn revoke_admin_role(conn: impl Into<Conn<'_>>, user: Uuid, role: AdminRole) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM admin_roles WHERE user_id = $1 AND role = $2").bind(user).bind(role.as_str()).execute(c).await.map(|_| ())
    })
}

/// A membership of an organisation or a certification centre.
pub type Membership = (Uuid, String, MemberRole);

fn memberships(rows: Vec<(Uuid, String, String)>) -> Vec<Membership> {
    rows.into_iter().filter_map(|(id, name, role)| MemberRole::parse(&role).map(|r| (id, name, r))).collect()
}

/// Organisations of an account, by name.
pub async fn organizations_of(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<Membership>, sqlx::Error> {
    let rows = on_conn!(conn, c => {
        sqlx::query_as("SELECT o.id, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id WHERE m.user_id = $1 ORDER BY o.name")
            .bind(user).fetch_all(c).await
    })?;
    Ok(memberships(rows))
}

/// Whether an organisation is archived (its members only read it).
pub async fn organization_archived(conn: impl Into<Conn<'_>>, organization: Uuid) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar::<_, bool>("SELECT archived_at IS NOT NULL FROM organizations WHERE id = $1")
            .bind(organization).fetch_optional(c).await.map(|a| a.unwrap_or(false))
    })
}

/// Certification centres of an account, by name.
pub async fn centers_of(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<Membership>, sqlx::Error> {
    let rows = on_conn!(conn, c => {
        sqlx::query_as("SELECT c.id, c.name, m.role FROM center_memberships m JOIN certification_centers c ON c.id = m.center_id WHERE m.user_id = $1 ORDER BY c.name")
            .bind(user).fetch_all(c).await
    })?;
    Ok(memberships(rows))
}

/// Creates an organisation with its first administrator (the demo; organisations get their own
/// context later).
pub async fn insert_organization_with_admin(
    conn: impl Into<Conn<'_>>,
    org: Uuid,
    name: &str,
    kind: &str,
    admin: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO organizations (id, name, kind, created_at) VALUES ($1, $2, $3, $4)").bind(org).bind(name).bind(kind).bind(now).execute(&mut *c).await?;
        sqlx::query("INSERT INTO memberships (user_id, organization_id, role, created_at) VALUES ($1, $2, 'ADMIN', $3)").bind(admin).bind(org).bind(now).execute(&mut *c).await.map(|_| ())
    })
}

/// Creates a certification centre with its first administrator (the demo).
pub async fn insert_center_with_admin(
    conn: impl Into<Conn<'_>>,
    center: Uuid,
    name: &str,
    admin: Uuid,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO certification_centers (id, name, created_at) VALUES ($1, $2, $3)").bind(center).bind(name).bind(now).execute(&mut *c).await?;
        sqlx::query("INSERT INTO center_memberships (user_id, center_id, role, created_at) VALUES ($1, $2, 'ADMIN', $3)").bind(admin).bind(center).bind(now).execute(&mut *c).await.map(|_| ())
    })
}

/// Removes an account's roles and memberships (erasure).
pub async fn delete_roles_and_memberships(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM admin_roles WHERE user_id = $1").bind(user).execute(&mut *c).await?;
        sqlx::query("DELETE FROM memberships WHERE user_id = $1").bind(user).execute(&mut *c).await?;
        sqlx::query("DELETE FROM center_memberships WHERE user_id = $1").bind(user).execute(&mut *c).await.map(|_| ())
    })
}

// ------------------------------------------------------------------ one-time tokens

/// A new one-time token (only its hash is stored).
pub struct NewToken<'a> {
    /// SHA-256 of the token, hex.
    pub token_hash: &'a str,
    /// Whose.
    pub user: Uuid,
    /// `password_reset` or `email_change`.
    pub purpose: &'a str,
    /// The address to confirm (email change).
    pub new_email: Option<&'a str>,
    /// Creation time.
    pub now: i64,
    /// Expiry.
    pub expires_at: i64,
}

/// Stores a one-time token.
pub async fn insert_token(conn: impl Into<Conn<'_>>, t: NewToken<'_>) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO user_tokens (token_hash, user_id, purpose, new_email, expires_at, used_at, created_at) VALUES ($1, $2, $3, $4, $5, NULL, $6)")
            .bind(t.token_hash)
            .bind(t.user)
            .bind(t.purpose)
            .bind(t.new_email)
            .bind(t.expires_at)
            .bind(t.now)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// Consumes a token atomically: the first use wins; used or expired tokens give `None`.
pub async fn consume_token(
    conn: impl Into<Conn<'_>>,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> Result<Option<(Uuid, Option<String>)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as(
            "UPDATE user_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING user_id, new_email",
        )
        .bind(now)
        .bind(token_hash)
        .bind(purpose)
        .fetch_optional(c)
        .await
    })
}

/// Whether a token is usable.
pub async fn token_usable(
    conn: impl Into<Conn<'_>>,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM user_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose)
        .bind(now)
        .fetch_one(c)
        .await
        .map(|n| n == 1)
    })
}

/// Marks an account's unused tokens (of one purpose, or all) as used.
pub async fn invalidate_tokens(
    conn: impl Into<Conn<'_>>,
    user: Uuid,
    purpose: Option<&str>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => {
        match purpose {
            Some(p) => sqlx::query("UPDATE user_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
                .bind(now).bind(user).bind(p).execute(c).await,
            None => sqlx::query("UPDATE user_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
                .bind(now).bind(user).execute(c).await,
        }
        .map(|r| r.rows_affected())
    })
}

/// New addresses an account asked to switch to (mail may have gone there).
pub async fn pending_emails(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<Vec<String>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar("SELECT new_email FROM user_tokens WHERE user_id = $1 AND new_email IS NOT NULL").bind(user).fetch_all(c).await
    })
}

/// Deletes every token of an account (erasure).
pub async fn delete_tokens(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => sqlx::query("DELETE FROM user_tokens WHERE user_id = $1").bind(user).execute(c).await.map(|_| ()))
}

// ------------------------------------------------------------------ login throttling

/// The counters of a throttling key.
pub async fn throttle(conn: impl Into<Conn<'_>>, key: &str) -> Result<Counters, sqlx::Error> {
    let row: Option<Counters> = on_conn!(conn, c => {
        sqlx::query_as("SELECT failure_count, temporary_blocked_until, blocked_at FROM login_throttles WHERE key = $1").bind(key).fetch_optional(c).await
    })?;
    Ok(row.unwrap_or_default())
}

/// The blocks the counting statement writes (see `throttle::take_attempt`).
pub struct Blocks {
    /// Failures at which the first temporary block starts, and its end.
    pub first: (i64, Option<i64>),
    /// Failures at which the second temporary block starts, and its end.
    pub second: (i64, Option<i64>),
    /// Failures at which the permanent block starts.
    pub permanent_at: i64,
}

/// Counts one failure for `key` unless its gate is closed at `now`, in one statement; returns
/// the counters after it, or `None` when the gate was closed.
pub async fn count_attempt(
    conn: impl Into<Conn<'_>>,
    key: &str,
    now: i64,
    b: &Blocks,
) -> Result<Option<Counters>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as(
            "INSERT INTO login_throttles (key, failure_count, temporary_blocked_until, blocked_at, updated_at) VALUES ($1, 1, NULL, NULL, $2) \
             ON CONFLICT (key) DO UPDATE SET \
               failure_count = login_throttles.failure_count + 1, \
               temporary_blocked_until = CASE login_throttles.failure_count + 1 WHEN $3 THEN $4 WHEN $5 THEN $6 ELSE login_throttles.temporary_blocked_until END, \
               blocked_at = CASE WHEN login_throttles.failure_count + 1 >= $7 THEN $2 ELSE login_throttles.blocked_at END, \
               updated_at = $2 \
             WHERE login_throttles.blocked_at IS NULL \
               AND (login_throttles.temporary_blocked_until IS NULL OR login_throttles.temporary_blocked_until <= $2) \
             RETURNING failure_count, temporary_blocked_until, blocked_at",
        )
        .bind(key)
        .bind(now)
        .bind(b.first.0)
        .bind(b.first.1)
        .bind(b.second.0)
        .bind(b.second.1)
        .bind(b.permanent_at)
        .fetch_optional(c)
        .await
    })
}

/// Clears a throttling key (successful login, an administrator's unblock, erasure).
pub async fn clear_throttle(conn: impl Into<Conn<'_>>, key: &str) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => sqlx::query("DELETE FROM login_throttles WHERE key = $1").bind(key).execute(c).await.map(|_| ()))
}

// ------------------------------------------------------------------ sessions

/// A stored session: its data (JSON), expiry, and the `session_version` of its person (when signed
/// in), read together so that a signed-in request needs this one query.
pub async fn session(
    conn: impl Into<Conn<'_>>,
    id: &str,
    now: i64,
) -> Result<Option<(String, i64, Option<i64>)>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as(
            "SELECT s.data, s.expires_at, u.session_version FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = $1 AND s.expires_at > $2",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(c)
        .await
    })
}

/// Marks what sessions cache about a person as stale.
pub async fn bump_session_version(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE users SET session_version = session_version + 1 WHERE id = $1").bind(user).execute(c).await.map(|_| ())
    })
}

/// Inserts a session unless the id exists; true when inserted.
pub async fn insert_session(
    conn: impl Into<Conn<'_>>,
    id: &str,
    user: Option<Uuid>,
    data: &str,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING")
            .bind(id).bind(user).bind(data).bind(expires_at).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}

/// Writes a session.
pub async fn save_session(
    conn: impl Into<Conn<'_>>,
    id: &str,
    user: Option<Uuid>,
    data: &str,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(id).bind(user).bind(data).bind(expires_at).execute(c).await.map(|_| ())
    })
}

/// Deletes a session.
pub async fn delete_session(conn: impl Into<Conn<'_>>, id: &str) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(c).await.map(|_| ()))
}

/// Deletes every session of a person; how many.
pub async fn delete_sessions_of(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user).execute(c).await.map(|r| r.rows_affected()))
}

/// Deletes expired sessions; how many.
pub async fn delete_expired_sessions(conn: impl Into<Conn<'_>>, now: i64) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(c).await.map(|r| r.rows_affected()))
}

/// Open sessions of a person.
pub async fn count_sessions_of(conn: impl Into<Conn<'_>>, user: Uuid) -> Result<i64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM sessions WHERE user_id = $1").bind(user).fetch_one(c).await
    })
}
