//! Server-side sessions in the database (any node serves any request), and the extractors every
//! context uses to know who is asking: [`CurrentUser`] and [`MaybeUser`].
//!
//! A signed-in request costs one query: the session row is read together with its person's
//! `session_version`, and the session caches the person's names, roles and memberships under that
//! version ([`Principal`]). Whatever changes them bumps the version, and the next request reloads.
//! The session's idle expiry is pushed back at most every few minutes, not on every request.

use std::collections::HashMap;

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use tower_sessions::{
    Session, SessionStore,
    session::{Id, Record},
    session_store,
};
use uuid::Uuid;

use super::{
    model::{AdminRole, MemberRole},
    store,
};
use crate::{AppState, db::Db, web::error::AppError};

/// Session cookie name.
pub const COOKIE: &str = "pix_session";
/// Idle expiry: a session unused this long is gone.
pub const IDLE: time::Duration = time::Duration::hours(2);
/// Absolute expiry after login, however active the session.
pub const ABSOLUTE_MICROS: i64 = 12 * 3_600_000_000;
/// How often an active session's idle expiry is pushed back (one write per session per period).
pub const TOUCH_MICROS: i64 = 5 * 60 * 1_000_000;

const USER: &str = "user_id";
const AUTH_AT: &str = "auth_at";
const CSRF: &str = "csrf";
const PRINCIPAL: &str = "principal";
const TOUCHED: &str = "touched";
/// Injected at load time (never meaningful when stored): the person's current `session_version`.
const VERSION: &str = "_user_version";

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

fn user_of(record: &Record) -> Option<Uuid> {
    record.data.get(USER).and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok())
}

fn encode(record: &Record) -> session_store::Result<String> {
    let mut data = record.data.clone();
    data.remove(VERSION);
    serde_json::to_string(&data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

/// What the session layer's save met, for the request it runs in (see [`report_store_failures`]).
struct StoreContext {
    /// GET or HEAD: the session's changes are bookkeeping (idle expiry pushed back, a token).
    safe: bool,
    failure: std::sync::Mutex<Option<AppError>>,
}

tokio::task_local! {
    static STORE_CONTEXT: StoreContext;
}

/// A failed session write. When storage refuses writes, a page that only reads must still be
/// served: its session changes are dropped (the session lives on until its previous expiry). For
/// other requests the failure is kept so that [`report_store_failures`] tells the person what
/// happened instead of the session layer's bare 500.
fn store_write_failed(e: sqlx::Error, droppable: bool) -> session_store::Result<()> {
    let failure = crate::web::error::database_failure(&e);
    let handled = STORE_CONTEXT
        .try_with(|context| match failure {
            Some(crate::web::error::DatabaseFailure::RefusesWrites) if context.safe && droppable => {
                tracing::warn!(error = %e, "session change dropped: the database refuses writes");
                true
            }
            Some(failure) => {
                *context.failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Some(failure.into_app_error(&e));
                false
            }
            None => false,
        })
        .unwrap_or(false);
    if handled { Ok(()) } else { Err(backend(e)) }
}

/// Wraps the session layer: a session that could not be saved because the database is
/// unreachable or refuses writes answers 503 or 507 with the usual page, not a bare 500.
pub async fn report_store_failures(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let safe = matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let context = StoreContext { safe, failure: std::sync::Mutex::new(None) };
    STORE_CONTEXT
        .scope(context, async move {
            let response = next.run(request).await;
            if response.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR {
                return response;
            }
            let failure =
                STORE_CONTEXT.with(|c| c.failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take());
            failure.map_or(response, IntoResponse::into_response)
        })
        .await
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; retry on the (astronomically unlikely) collision.
        for _ in 0..3 {
            let data = encode(record)?;
            let expires = crate::db::micros(record.expiry_date);
            match store::insert_session(&self.db, &record.id.to_string(), user_of(record), &data, expires).await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => return store_write_failed(e, true),
            }
            record.id = Id::default();
        }
        Err(backend("could not allocate a session id"))
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = encode(record)?;
        let expires = crate::db::micros(record.expiry_date);
        match store::save_session(&self.db, &record.id.to_string(), user_of(record), &data, expires).await {
            Ok(()) => Ok(()),
            Err(e) => store_write_failed(e, true),
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = crate::db::micros(time::OffsetDateTime::now_utc());
        let Some((data, expires_at, version)) = store::session(&self.db, &id.to_string(), now).await.map_err(|e| {
            if crate::web::error::database_failure(&e) == Some(crate::web::error::DatabaseFailure::Unreachable) {
                crate::db::connections_may_be_broken();
            }
            backend(e)
        })?
        else {
            return Ok(None);
        };
        let mut data: HashMap<String, serde_json::Value> =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        if let Some(version) = version {
            data.insert(VERSION.to_owned(), version.into());
        }
        let expiry_date = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires_at) * 1000)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match store::delete_session(&self.db, &id.to_string()).await {
            Ok(()) => Ok(()),
            Err(e) => store_write_failed(e, false),
        }
    }
}

/// Deletes every session of a person (log out everywhere, password change, erasure).
pub async fn delete_all_for(db: &Db, user: Uuid) -> Result<u64, sqlx::Error> {
    store::delete_sessions_of(db, user).await
}

/// Deletes expired sessions (run periodically).
pub async fn delete_expired(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    store::delete_expired_sessions(db, now).await
}

fn session_error(e: tower_sessions::session::Error) -> AppError {
    match e {
        // The store is the database: when it fails, the service is unavailable, not broken.
        tower_sessions::session::Error::Store(e) => {
            // The store has kept what it met (storage refusing writes, say) when it knows.
            let known = STORE_CONTEXT
                .try_with(|c| c.failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take())
                .ok()
                .flatten();
            known.unwrap_or_else(|| {
                tracing::warn!(error = %e, "session store unavailable");
                AppError::Unavailable
            })
        }
        e => AppError::Internal(anyhow::anyhow!("session: {e}")),
    }
}

/// 256 random bits, hex.
pub fn random_token() -> String {
    use rand::RngExt;
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The certification sessions this browser opened with their invigilator password (a list of ids).
pub const INVIGILATED: &str = "invigilated_sessions";

/// Logs a person in: a new session id (against fixation), the user, the time, a new CSRF token.
/// Sessions opened as an invigilator before are closed: whoever signs in on a shared computer does
/// not inherit them.
pub async fn log_in(session: &Session, user: Uuid, now: i64) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session.remove_value(PRINCIPAL).await.map_err(session_error)?;
    session.remove_value(INVIGILATED).await.map_err(session_error)?;
    session.insert(USER, user.to_string()).await.map_err(session_error)?;
    session.insert(AUTH_AT, now).await.map_err(session_error)?;
    session.insert(CSRF, random_token()).await.map_err(session_error)?;
    session.insert(TOUCHED, now).await.map_err(session_error)?;
    Ok(())
}

/// Logs out: the session is deleted from the store and the cookie cleared.
pub async fn log_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_error)
}

/// What a session caches about its person, valid while `version` is the person's `session_version`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Principal {
    version: i64,
    first_name: String,
    last_name: String,
    email: Option<String>,
    admin_roles: Vec<AdminRole>,
    organizations: Vec<(Uuid, String, MemberRole)>,
    centers: Vec<(Uuid, String, MemberRole)>,
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
    /// What the page header shows about this person.
    pub fn header(&self) -> crate::web::layout::HeaderUser {
        crate::web::layout::HeaderUser {
            csrf: self.csrf.clone(),
            admin: self.is_admin(),
            orga: !self.organizations.is_empty(),
            certif: !self.centers.is_empty(),
        }
    }

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
    /// The session (anonymous visitors' sessions are never stored: see identity::csrf).
    pub session: Session,
}

async fn get<T: serde::de::DeserializeOwned>(session: &Session, key: &str) -> Result<Option<T>, AppError> {
    session.get::<T>(key).await.map_err(session_error)
}

/// Reads the person behind the session: from the session's cache when still valid, else from the
/// database (and the cache is refreshed).
async fn load_user(state: &AppState, session: Session) -> Result<Option<CurrentUser>, AppError> {
    let Some(id) = get::<String>(&session, USER).await? else { return Ok(None) };
    let Ok(id) = Uuid::parse_str(&id) else { return Ok(None) };
    let now = state.clock.now_micros();
    let auth_at = get::<i64>(&session, AUTH_AT).await?.unwrap_or(0);
    // No version means the person's row is gone.
    let Some(version) = get::<i64>(&session, VERSION).await? else {
        log_out(&session).await?;
        return Ok(None);
    };
    if now - auth_at > ABSOLUTE_MICROS {
        log_out(&session).await?;
        return Ok(None);
    }
    let principal = match get::<Principal>(&session, PRINCIPAL).await?.filter(|p| p.version == version) {
        Some(cached) => cached,
        None => {
            let Some(user) = store::user_by_id(&state.db, id).await?.filter(|u| !u.anonymised) else {
                log_out(&session).await?;
                return Ok(None);
            };
            let principal = Principal {
                version: user.session_version,
                first_name: user.first_name,
                last_name: user.last_name,
                email: user.email,
                admin_roles: store::admin_roles(&state.db, id).await?,
                organizations: store::organizations_of(&state.db, id).await?,
                centers: store::centers_of(&state.db, id).await?,
            };
            session.insert(PRINCIPAL, &principal).await.map_err(session_error)?;
            principal
        }
    };
    // Activity pushes the idle expiry back, with one write per session every few minutes at most.
    if get::<i64>(&session, TOUCHED).await?.is_none_or(|t| now - t >= TOUCH_MICROS) {
        session.insert(TOUCHED, now).await.map_err(session_error)?;
    }
    let csrf = match get::<String>(&session, CSRF).await? {
        Some(token) => token,
        None => {
            let token = random_token();
            session.insert(CSRF, &token).await.map_err(session_error)?;
            token
        }
    };
    Ok(Some(CurrentUser {
        id,
        first_name: principal.first_name,
        last_name: principal.last_name,
        email: principal.email,
        admin_roles: principal.admin_roles,
        organizations: principal.organizations,
        centers: principal.centers,
        csrf,
        session,
    }))
}

fn session_of(parts: &Parts) -> Result<Session, AppError> {
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
        let session = session_of(parts)?;
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
