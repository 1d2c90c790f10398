//! Every SQL statement of memberships: who belongs to an organisation or a certification centre
//! (`memberships`, `center_memberships`) and the invitations to join one (`membership_invitations`).
//! Each statement is written once per space, chosen by [`Space`]: the two tables differ only in the
//! name of the space's column.

use uuid::Uuid;

use super::Invitation;
use crate::{
    db::Conn,
    identity::model::{MemberRole, Space},
    on_conn,
};

/// The SQL of a statement for each space.
fn sql(space: Space, organization: &'static str, center: &'static str) -> &'static str {
    match space {
        Space::Organization(_) => organization,
        Space::Center(_) => center,
    }
}

/// A member of an organisation or centre, as listed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    /// Account.
    pub user_id: Uuid,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: Option<String>,
    /// MEMBER or ADMIN.
    pub role: String,
}

/// The members of a space, by name.
pub async fn members(conn: impl Into<Conn<'_>>, space: Space) -> Result<Vec<Member>, sqlx::Error> {
    let q = sql(
        space,
        "SELECT u.id AS user_id, u.first_name, u.last_name, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.organization_id = $1 ORDER BY u.last_name, u.first_name",
        "SELECT u.id AS user_id, u.first_name, u.last_name, u.email, m.role FROM center_memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.center_id = $1 ORDER BY u.last_name, u.first_name",
    );
    on_conn!(conn, c => sqlx::query_as::<_, Member>(q).bind(space.id()).fetch_all(c).await)
}

/// Adds a member (or changes their role); bumps their session version so their menus update.
pub async fn set_member(
    conn: impl Into<Conn<'_>>,
    space: Space,
    user: Uuid,
    role: MemberRole,
    now: i64,
) -> Result<(), sqlx::Error> {
    let role = role.as_str();
    let q = sql(
        space,
        "INSERT INTO memberships (user_id, organization_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, organization_id) DO UPDATE SET role = excluded.role",
        "INSERT INTO center_memberships (user_id, center_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, center_id) DO UPDATE SET role = excluded.role",
    );
    on_conn!(conn, c => {
        sqlx::query(q).bind(user).bind(space.id()).bind(role).bind(now).execute(&mut *c).await?;
        sqlx::query("UPDATE users SET session_version = session_version + 1 WHERE id = $1").bind(user).execute(&mut *c).await.map(|_| ())
    })
}

/// A member's role in a space, if they belong to it.
pub async fn member_role(conn: impl Into<Conn<'_>>, space: Space, user: Uuid) -> Result<Option<String>, sqlx::Error> {
    let q = sql(
        space,
        "SELECT role FROM memberships WHERE organization_id = $1 AND user_id = $2",
        "SELECT role FROM center_memberships WHERE center_id = $1 AND user_id = $2",
    );
    on_conn!(conn, c => sqlx::query_scalar(q).bind(space.id()).bind(user).fetch_optional(c).await)
}

/// How many members a space has with a role (`None`: any role).
pub async fn count_members(conn: impl Into<Conn<'_>>, space: Space, role: Option<&str>) -> Result<i64, sqlx::Error> {
    let q = sql(
        space,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM memberships WHERE organization_id = $1 AND ($2 IS NULL OR role = $2)",
        "SELECT CAST(COUNT(*) AS BIGINT) FROM center_memberships WHERE center_id = $1 AND ($2 IS NULL OR role = $2)",
    );
    on_conn!(conn, c => sqlx::query_scalar(q).bind(space.id()).bind(role).fetch_one(c).await)
}

/// Removes a member; bumps their session version so their menus update. True when they were one.
pub async fn remove_member(conn: impl Into<Conn<'_>>, space: Space, user: Uuid) -> Result<bool, sqlx::Error> {
    let q = sql(
        space,
        "DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2",
        "DELETE FROM center_memberships WHERE center_id = $1 AND user_id = $2",
    );
    on_conn!(conn, c => {
        let done = sqlx::query(q).bind(space.id()).bind(user).execute(&mut *c).await?.rows_affected() > 0;
        sqlx::query("UPDATE users SET session_version = session_version + 1 WHERE id = $1").bind(user).execute(&mut *c).await?;
        Ok(done)
    })
}

/// Takes the space's row lock for the rest of the transaction (a no-op write): changes to its
/// members run one after the other on PostgreSQL (SQLite has a single writer anyway).
pub async fn lock(conn: impl Into<Conn<'_>>, space: Space) -> Result<(), sqlx::Error> {
    let q = sql(
        space,
        "UPDATE organizations SET name = name WHERE id = $1",
        "UPDATE certification_centers SET name = name WHERE id = $1",
    );
    on_conn!(conn, c => sqlx::query(q).bind(space.id()).execute(c).await.map(|_| ()))
}

/// The name of a space (the mail of an invitation says it), if it exists.
pub async fn name(conn: impl Into<Conn<'_>>, space: Space) -> Result<Option<String>, sqlx::Error> {
    let q = sql(
        space,
        "SELECT name FROM organizations WHERE id = $1",
        "SELECT name FROM certification_centers WHERE id = $1",
    );
    on_conn!(conn, c => sqlx::query_scalar(q).bind(space.id()).fetch_optional(c).await)
}

// ------------------------------------------------------------------ invitations

macro_rules! select_invitation {
    ($rest:literal) => {
        concat!(
            "SELECT id, organization_id, certification_center_id, email, role, status, invited_by, created_at, expires_at \
             FROM membership_invitations ",
            $rest
        )
    };
}

/// A new invitation (its token is only stored hashed).
pub struct NewInvitation<'a> {
    /// Id.
    pub id: Uuid,
    /// Where it brings its guest.
    pub space: Space,
    /// Invited address (normalised).
    pub email: &'a str,
    /// MEMBER or ADMIN.
    pub role: &'a str,
    /// SHA-256 of the token, hex.
    pub token_hash: &'a str,
    /// Who invited.
    pub invited_by: Uuid,
    /// When.
    pub now: i64,
    /// Until when the link works.
    pub expires_at: i64,
}

/// Records an invitation.
pub async fn insert_invitation(conn: impl Into<Conn<'_>>, i: NewInvitation<'_>) -> Result<(), sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "INSERT INTO membership_invitations (id, organization_id, certification_center_id, email, role, token_hash, status, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9)",
        )
        .bind(i.id).bind(i.space.organization()).bind(i.space.center()).bind(i.email).bind(i.role).bind(i.token_hash).bind(i.invited_by).bind(i.now).bind(i.expires_at)
        .execute(c).await.map(|_| ())
    })
}

/// An invitation.
pub async fn invitation(conn: impl Into<Conn<'_>>, id: Uuid) -> Result<Option<Invitation>, sqlx::Error> {
    on_conn!(conn, c => sqlx::query_as::<_, Invitation>(select_invitation!("WHERE id = $1")).bind(id).fetch_optional(c).await)
}

/// The pending invitation of an address to an organisation or centre, if any.
pub async fn pending_invitation_of(
    conn: impl Into<Conn<'_>>,
    space: Space,
    email: &str,
) -> Result<Option<Invitation>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Invitation>(select_invitation!(
            "WHERE (organization_id = $1 OR certification_center_id = $2) AND email = $3 AND status = 'pending'"
        ))
        .bind(space.organization()).bind(space.center()).bind(email).fetch_optional(c).await
    })
}

/// The invitations of an organisation or centre still waiting for an answer, latest first.
pub async fn pending_invitations(conn: impl Into<Conn<'_>>, space: Space) -> Result<Vec<Invitation>, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_as::<_, Invitation>(select_invitation!(
            "WHERE (organization_id = $1 OR certification_center_id = $2) AND status = 'pending' ORDER BY created_at DESC"
        ))
        .bind(space.organization()).bind(space.center()).fetch_all(c).await
    })
}

/// Cancels every pending invitation of a space (it is archived); how many.
pub async fn cancel_invitations_of(conn: impl Into<Conn<'_>>, space: Space) -> Result<u64, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query("UPDATE membership_invitations SET status = 'cancelled' WHERE (organization_id = $1 OR certification_center_id = $2) AND status = 'pending'")
            .bind(space.organization()).bind(space.center()).execute(c).await.map(|r| r.rows_affected())
    })
}

/// A new token (and expiry, and role) for a pending invitation: the previous link stops working.
pub async fn renew_invitation(
    conn: impl Into<Conn<'_>>,
    id: Uuid,
    role: &str,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE membership_invitations SET role = $2, token_hash = $3, created_at = $4, expires_at = $5 WHERE id = $1 AND status = 'pending'",
        )
        .bind(id).bind(role).bind(token_hash).bind(now).bind(expires_at)
        .execute(c).await.map(|r| r.rows_affected() > 0)
    })
}

/// Moves a pending invitation to `accepted` or `cancelled`, if its token matches (when given) and
/// it has not expired (for acceptance); true when it moved. One of two racing answers wins.
pub async fn close_invitation(
    conn: impl Into<Conn<'_>>,
    id: Uuid,
    status: &str,
    token_hash: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE membership_invitations SET status = $2 WHERE id = $1 AND status = 'pending' \
             AND ($3 IS NULL OR (token_hash = $3 AND expires_at > $4))",
        )
        .bind(id).bind(status).bind(token_hash).bind(now)
        .execute(c).await.map(|r| r.rows_affected() > 0)
    })
}

/// Whether an invitation's token matches and has not expired (whatever its status).
pub async fn invitation_usable(
    conn: impl Into<Conn<'_>>,
    id: Uuid,
    token_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, c => {
        sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM membership_invitations WHERE id = $1 AND token_hash = $2 AND expires_at > $3",
        )
        .bind(id).bind(token_hash).bind(now).fetch_one(c).await.map(|n| n > 0)
    })
}
