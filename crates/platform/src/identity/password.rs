//! Password hashing with Argon2id at OWASP's recommended parameters, off the async threads.

use std::sync::LazyLock;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

/// OWASP (2025): Argon2id, 19 MiB of memory, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).expect("valid parameters"))
}

/// A hash of a random password, verified when the account does not exist so that login takes
/// the same time either way.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| argon2().hash_password(b"not-a-real-password-Xy9").expect("hashing works").to_string());

/// At most one hash per core at a time: each takes 19 MiB and a core for tens of milliseconds, so
/// a burst of logins queues here instead of exhausting memory or starving other requests.
static HASHING: LazyLock<tokio::sync::Semaphore> =
    LazyLock::new(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// Hashes a password (PHC string with its own random salt).
pub async fn hash(password: String) -> anyhow::Result<String> {
    let _permit = HASHING.acquire().await?;
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _enter = span.enter();
        argon2()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await?
}

/// Verifies a password against a stored hash, or against a dummy hash when there is none.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    let exists = stored.is_some();
    let Ok(_permit) = HASHING.acquire().await else { return false };
    let hash = stored.unwrap_or_else(|| DUMMY_HASH.clone());
    let result =
        tokio::task::spawn_blocking(move || argon2().verify_password(password.as_bytes(), hash.as_str()).is_ok()).await;
    exists && result.unwrap_or(false)
}

/// Warms the dummy hash at start-up so that the first unknown-account login is not faster.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}
