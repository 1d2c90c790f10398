//! Server-side sessions in the database (any node serves any request), CSRF tokens, and the
//! extractors every context uses to know who is asking: [`CurrentUser`] and [`MaybeUser`].

use std::collections::HashMap;

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::{
    Session, SessionStore,
    session::{Id, Record},
    session_store,
};
use uuid::Uuid;

use super::model::{AdminRole, MemberRole};
use crate::{AppState, db::Db, on_db, web::error::AppError};

/// Session cookie name.
pub const COOKIE: &str = "pix_session";
/// Idle expiry: a session unused this long is gone.
pub const IDLE: time::Duration = time::Duration::hours(2);
/// Absolute expiry after login, however active the session.
pub const ABSOLUTE_MICROS: i64 = 12 * 3_600_000_000;

const USER: &str = "user_id";
const AUTH_AT: &str = "auth_at";
const CSRF: &str = "csrf";

/// Sessions stored in the `sessions` table, with the user id in its own column so that
/// "log out everywhere" and erasure can delete every session of a person.
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    /// A store on a pool.
    pub fn new(db: Db) -> DbSessionStore {
        DbSessionStore { db }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; retry on the (astronomically unlikely) collision.
        for _ in 0..3 {
            let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
            let user = record.data.get(USER).and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok());
            let inserted = on_db!(&self.db, pool => {
                sqlx::query("INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING")
                    .bind(record.id.to_string())
                    .bind(user)
                    .bind(&data)
                    .bind(crate::db::micros(record.expiry_date))
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected())
            })
            .map_err(backend)?;
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(backend("could not allocate a session id"))
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let user = record.data.get(USER).and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok());
        on_db!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at",
            )
            .bind(record.id.to_string())
            .bind(user)
            .bind(&data)
            .bind(crate::db::micros(record.expiry_date))
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = crate::db::micros(time::OffsetDateTime::now_utc());
        let row: Option<(String, i64)> = on_db!(&self.db, pool => {
            sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id.to_string())
                .bind(now)
                .fetch_optional(pool)
                .await
        })
        .map_err(backend)?;
        let Some((data, expires_at)) = row else { return Ok(None) };
        let data: HashMap<String, serde_json::Value> =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires_at) * 1000)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        on_db!(&self.db, pool => {
            sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id.to_string()).execute(pool).await.map(|_| ())
        })
        .map_err(backend)
    }
}

/// Deletes every session of a person (log out everywhere, password change, erasure).
pub async fn delete_all_for(db: &Db, user: Uuid) -> Result<u64, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user).execute(pool).await.map(|r| r.rows_affected())
    })
}

/// Deletes expired sessions (run periodically).
pub async fn delete_expired(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await.map(|r| r.rows_affected())
    })
}

fn session_error(e: tower_sessions::session::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("session: {e}"))
}

/// The CSRF token of a signed-in session (set at login; created here for sessions older than that).
async fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session.get::<String>(CSRF).await.map_err(session_error)? {
        return Ok(token);
    }
    let token = random_token();
    session.insert(CSRF, &token).await.map_err(session_error)?;
    Ok(token)
}

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    use rand::RngExt;
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Logs a person in: a new session id (against fixation), the user, the time, a new CSRF token.
pub async fn log_in(session: &Session, user: Uuid, now: i64) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session.insert(USER, user.to_string()).await.map_err(session_error)?;
    session.insert(AUTH_AT, now).await.map_err(session_error)?;
    session.insert(CSRF, random_token()).await.map_err(session_error)?;
    Ok(())
}

/// Logs out: the session is deleted from the store and the cookie cleared.
pub async fn log_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_error)
}

/// The signed-in person, with their roles.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Account id.
    pub id: Uuid,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: Option<String>,
    /// Back-office roles.
    pub admin_roles: Vec<AdminRole>,
    /// Organisations: (id, name, role).
    pub organizations: Vec<(Uuid, String, MemberRole)>,
    /// Certification centres: (id, name, role).
    pub centers: Vec<(Uuid, String, MemberRole)>,
    /// The CSRF token to put in forms.
    pub csrf: String,
    /// The session.
    pub session: Session,
}

impl CurrentUser {
    /// Has one of these back-office roles (SUPER_ADMIN has them all).
    pub fn has_admin_role(&self, roles: &[AdminRole]) -> bool {
        self.admin_roles.iter().any(|r| *r == AdminRole::SuperAdmin || roles.contains(r))
    }

    /// Is a back-office agent of any kind.
    pub fn is_admin(&self) -> bool {
        !self.admin_roles.is_empty()
    }
}

/// The visitor, signed in or not.
#[derive(Debug, Clone)]
pub struct MaybeUser {
    /// The signed-in person, if any.
    pub user: Option<CurrentUser>,
    /// The session (anonymous visitors' sessions are never stored: see web::csrf).
    pub session: Session,
}

type RoleRow = (String,);
type MembershipRow = (Uuid, String, String);

async fn load_user(state: &AppState, session: Session) -> Result<Option<CurrentUser>, AppError> {
    let Some(id) = session.get::<String>(USER).await.map_err(session_error)? else { return Ok(None) };
    let Ok(id) = Uuid::parse_str(&id) else { return Ok(None) };
    let auth_at = session.get::<i64>(AUTH_AT).await.map_err(session_error)?.unwrap_or(0);
    if state.clock.now_micros() - auth_at > ABSOLUTE_MICROS {
        log_out(&session).await?;
        return Ok(None);
    }
    let db = &state.db;
    let row: Option<(String, String, Option<String>, bool)> = on_db!(db, pool => {
        sqlx::query_as("SELECT first_name, last_name, email, anonymised FROM users WHERE id = $1").bind(id).fetch_optional(pool).await
    })?;
    let Some((first_name, last_name, email, anonymised)) = row else {
        log_out(&session).await?;
        return Ok(None);
    };
    if anonymised {
        log_out(&session).await?;
        return Ok(None);
    }
    let roles: Vec<RoleRow> = on_db!(db, pool => {
        sqlx::query_as("SELECT role FROM admin_roles WHERE user_id = $1 ORDER BY role").bind(id).fetch_all(pool).await
    })?;
    let organizations: Vec<MembershipRow> = on_db!(db, pool => {
        sqlx::query_as("SELECT o.id, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id WHERE m.user_id = $1 ORDER BY o.name")
            .bind(id).fetch_all(pool).await
    })?;
    let centers: Vec<MembershipRow> = on_db!(db, pool => {
        sqlx::query_as("SELECT c.id, c.name, m.role FROM center_memberships m JOIN certification_centers c ON c.id = m.center_id WHERE m.user_id = $1 ORDER BY c.name")
            .bind(id).fetch_all(pool).await
    })?;
    let to_members = |rows: Vec<MembershipRow>| {
        rows.into_iter().filter_map(|(id, name, role)| MemberRole::parse(&role).map(|r| (id, name, r))).collect()
    };
    let csrf = csrf_token(&session).await?;
    Ok(Some(CurrentUser {
        id,
        first_name,
        last_name,
        email,
        admin_roles: roles.into_iter().filter_map(|(r,)| AdminRole::parse(&r)).collect(),
        organizations: to_members(organizations),
        centers: to_members(centers),
        csrf,
        session,
    }))
}

async fn session_of(parts: &mut Parts) -> Result<Session, AppError> {
    parts
        .extensions
        .get::<Session>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("session layer missing")))
}

impl<S> FromRequestParts<S> for MaybeUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(cached) = parts.extensions.get::<MaybeUser>() {
            return Ok(cached.clone());
        }
        let app = AppState::from_ref(state);
        let session = session_of(parts).await?;
        let user = load_user(&app, session.clone()).await?;
        let me = MaybeUser { user, session };
        parts.extensions.insert(me.clone());
        Ok(me)
    }
}

/// Rejection of [`CurrentUser`]: pages go to the login page, the API answers 401.
pub enum NotSignedIn {
    /// Redirect to the login page, coming back afterwards.
    Page(String),
    /// 401 problem document.
    Api,
    /// Any other failure.
    Error(AppError),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            NotSignedIn::Page(next) => {
                Redirect::to(&format!("/login?next={}", crate::web::layout::encode_path(&next))).into_response()
            }
            NotSignedIn::Api => AppError::Unauthorized.into_response(),
            NotSignedIn::Error(e) => e.into_response(),
        }
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let me = MaybeUser::from_request_parts(parts, state).await.map_err(NotSignedIn::Error)?;
        match me.user {
            Some(user) => Ok(user),
            None if parts.uri.path().starts_with("/api") => Err(NotSignedIn::Api),
            None => {
                let next = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
                Err(NotSignedIn::Page(next))
            }
        }
    }
}

/// A signed-in back-office agent with at least one of the roles the route needs.
pub async fn require_admin(user: &CurrentUser, roles: &[AdminRole]) -> Result<(), AppError> {
    if user.has_admin_role(roles) { Ok(()) } else { Err(AppError::Forbidden) }
}
