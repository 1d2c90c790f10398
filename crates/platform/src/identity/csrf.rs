//! Protection against cross-site request forgery, in one place.
//!
//! Every state-changing request carries a token: the `csrf_token` field of an HTML form or the
//! `X-CSRF-Token` header of an API call. A signed-in person's token lives in their server-side
//! session (renewed at login). An anonymous visitor has no stored session at all: their token is
//! the HMAC of a random nonce kept in the `pix_csrf` cookie ("signed double submit"), so showing
//! the login page writes nothing to the database. The HMAC key is shared by every node through the
//! database. The `Sec-Fetch-Site`/`Origin` check of tower-http's `CsrfLayer` runs before all this.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use axum::{
    extract::{FromRef, FromRequestParts, Request, State},
    http::{HeaderValue, header, request::Parts},
    middleware::Next,
    response::Response,
};
use hmac::{KeyInit, Mac};

use super::session::{MaybeUser, random_token};
use crate::{AppState, db::Db, on_db, web::error::AppError};

/// Name of the form field that carries the token.
pub const FIELD: &str = "csrf_token";
/// Name of the header that carries the token in API calls.
pub const HEADER: &str = crate::web::CSRF_HEADER;
/// Cookie holding an anonymous visitor's nonce.
pub const NONCE_COOKIE: &str = "pix_csrf";

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The key that signs anonymous visitors' nonces, the same on every node.
#[derive(Clone)]
pub struct CsrfKey(Arc<Vec<u8>>);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(..)")
    }
}

impl CsrfKey {
    /// Reads the shared key, creating it if this is the first node ever to start.
    pub async fn load_or_create(db: &Db, now: i64) -> Result<CsrfKey, sqlx::Error> {
        // Read first: a node restarting on storage that refuses writes still starts and serves reads.
        let known: Option<String> = on_db!(db, pool => {
            sqlx::query_scalar("SELECT value FROM server_keys WHERE name = 'csrf'").fetch_optional(pool).await
        })?;
        if let Some(value) = known {
            return Ok(CsrfKey(Arc::new(value.into_bytes())));
        }
        let candidate = random_token();
        let value: String = on_db!(db, pool => {
            sqlx::query("INSERT INTO server_keys (name, value, created_at) VALUES ('csrf', $1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(&candidate)
                .bind(now)
                .execute(pool)
                .await?;
            sqlx::query_scalar("SELECT value FROM server_keys WHERE name = 'csrf'").fetch_one(pool).await
        })?;
        Ok(CsrfKey(Arc::new(value.into_bytes())))
    }

    /// A key for tests that never talk to a shared database.
    #[cfg(test)]
    fn random() -> CsrfKey {
        CsrfKey(Arc::new(random_token().into_bytes()))
    }

    fn sign(&self, nonce: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(b"pix-csrf:");
        mac.update(nonce.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// An anonymous visitor's nonce: read from the cookie, or made for this response.
#[derive(Debug, Clone)]
pub struct Nonce {
    value: String,
    /// Made for this request (no valid cookie came with it).
    fresh: bool,
    /// A token was derived from it: the cookie must be set.
    used: Arc<AtomicBool>,
}

fn cookie_value<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// Middleware: gives every request a [`Nonce`], and sets the cookie when a fresh one was used.
pub async fn nonce_cookie(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let existing = cookie_value(request.headers(), NONCE_COOKIE)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned);
    let nonce = Nonce {
        fresh: existing.is_none(),
        value: existing.unwrap_or_else(random_token),
        used: Arc::new(AtomicBool::new(false)),
    };
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    if nonce.fresh && nonce.used.load(Ordering::Relaxed) {
        let secure = if state.settings.public_url.starts_with("https://") { "; Secure" } else { "" };
        let cookie = format!("{NONCE_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{secure}", nonce.value);
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The token to put in this visitor's forms (or give to an API client).
pub fn token_for(me: &MaybeUser, nonce: Option<&Nonce>, key: &CsrfKey) -> String {
    match (&me.user, nonce) {
        (Some(user), _) => user.csrf.clone(),
        (None, Some(nonce)) => {
            nonce.used.store(true, Ordering::Relaxed);
            key.sign(&nonce.value)
        }
        // Without the nonce middleware (never in the real router) no form can be trusted.
        (None, None) => String::new(),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks a submitted token for the request: the session's when signed in, else the signature of
/// the nonce that came in the cookie. Any mismatch is a 403.
pub async fn verify<S>(parts: &mut Parts, state: &S, submitted: Option<&str>) -> Result<(), AppError>
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    let me = MaybeUser::from_request_parts(parts, state).await?;
    let expected = match &me.user {
        Some(user) => Some(user.csrf.clone()),
        None => parts
            .extensions
            .get::<Nonce>()
            .filter(|n| !n.fresh)
            .map(|n| AppState::from_ref(state).csrf_key.sign(&n.value)),
    };
    match (expected, submitted) {
        (Some(e), Some(s)) if !e.is_empty() && constant_time_eq(e.as_bytes(), s.as_bytes()) => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// The token sent in the `X-CSRF-Token` header, if any.
pub fn header_token(parts: &Parts) -> Option<&str> {
    parts.headers.get(HEADER).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_depend_on_key_and_nonce() {
        let (a, b) = (CsrfKey::random(), CsrfKey::random());
        assert_eq!(a.sign("n1"), a.sign("n1"));
        assert_ne!(a.sign("n1"), a.sign("n2"));
        assert_ne!(a.sign("n1"), b.sign("n1"));
        assert_eq!(a.sign("n1").len(), 64);
    }
}
