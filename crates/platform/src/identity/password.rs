//! Password hashing with Argon2id at OWASP's recommended parameters, off the async threads, in a
//! bounded set of reusable memory buffers.
//!
//! Each hash needs 19 MiB of working memory. Allocating it per hash, as the one-call API does,
//! makes a node's resident memory grow with every burst of logins and sign-ups (the allocator keeps
//! freed blocks of that size). Here at most one hash per core runs at a time, each in a buffer
//! taken from a pool and given back, so the memory used for hashing is allocated once.

use std::sync::{LazyLock, Mutex};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::phc::{Output, ParamsString, PasswordHash, Salt},
};
use rand::RngExt;

/// OWASP (2025): Argon2id, 19 MiB of memory, 2 iterations, 1 lane.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("valid parameters")
}

fn argon2(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// At most one hash per core at a time: each takes a buffer and a core for tens of milliseconds,
/// so a burst of logins queues here instead of exhausting memory or starving other requests.
static HASHING: LazyLock<tokio::sync::Semaphore> =
    LazyLock::new(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// Working memory given back after each hash (never more buffers than semaphore permits).
static BUFFERS: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Runs `f` with a working buffer of `blocks` blocks from the pool.
fn with_buffer<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    let pooled = BUFFERS.lock().unwrap_or_else(|e| e.into_inner()).pop();
    let mut buffer = match pooled {
        Some(b) if b.len() == blocks => b,
        _ => vec![Block::new(); blocks],
    };
    let result = f(&mut buffer);
    // Only buffers of today's parameters are kept (hashes made with older ones are rare).
    if blocks == params().block_count() {
        BUFFERS.lock().unwrap_or_else(|e| e.into_inner()).push(buffer);
    }
    result
}

/// Hashes with the current parameters into a PHC string (`$argon2id$v=19$m=…$salt$hash`).
fn hash_now(password: &[u8]) -> anyhow::Result<String> {
    let params = params();
    let salt: [u8; 16] = rand::rng().random();
    let mut out = [0u8; 32];
    with_buffer(params.block_count(), |memory| {
        argon2(params.clone()).hash_password_into_with_memory(password, &salt, &mut out, memory)
    })
    .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("{e}"))?,
        salt: Some(Salt::new(&salt).map_err(|e| anyhow::anyhow!("{e}"))?),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("{e}"))?),
    };
    Ok(phc.to_string())
}

/// Checks a password against a PHC string, with the parameters the string names.
fn verify_now(password: &[u8], stored: &str) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else { return false };
    let (Ok(params), Some(salt), Some(expected)) = (Params::try_from(&phc), phc.salt, phc.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(phc.algorithm.as_str()) else { return false };
    let version = phc.version.and_then(|v| Version::try_from(v).ok()).unwrap_or_default();
    let expected = expected.as_bytes();
    let mut out = vec![0u8; expected.len()];
    let computed = with_buffer(params.block_count(), |memory| {
        Argon2::new(algorithm, version, params.clone())
            .hash_password_into_with_memory(password, &salt, &mut out, memory)
    });
    // Constant-time comparison of the outputs.
    computed.is_ok() && out.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// A hash of a random password, verified when the account does not exist so that login takes
/// the same time either way.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_now(b"not-a-real-password-Xy9").expect("hashing works"));

/// Hashes a password (PHC string with its own random salt).
pub async fn hash(password: String) -> anyhow::Result<String> {
    let _permit = HASHING.acquire().await?;
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _enter = span.enter();
        hash_now(password.as_bytes())
    })
    .await?
}

/// Verifies a password against a stored hash, or against a dummy hash when there is none.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    let exists = stored.is_some();
    let Ok(_permit) = HASHING.acquire().await else { return false };
    let hash = stored.unwrap_or_else(|| DUMMY_HASH.clone());
    let result = tokio::task::spawn_blocking(move || verify_now(password.as_bytes(), &hash)).await;
    exists && result.unwrap_or(false)
}

/// Warms the dummy hash at start-up so that the first unknown-account login is not faster.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_interoperate_with_the_one_call_api() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let ours = hash_now(b"Secret-Pass-2026").unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{ours}");
        assert!(verify_now(b"Secret-Pass-2026", &ours));
        assert!(!verify_now(b"Secret-Pass-2027", &ours));
        assert!(!verify_now(b"x", "not a phc string"));
        // Hashes made by the library's own API (earlier accounts) verify, and ours verify there.
        let theirs = argon2(params()).hash_password(b"Old-Pass-1").unwrap().to_string();
        assert!(verify_now(b"Old-Pass-1", &theirs));
        assert!(argon2(params()).verify_password(b"Secret-Pass-2026", ours.as_str()).is_ok());
        // Other parameters are read from the string.
        let light = argon2(Params::new(1024, 1, 1, None).unwrap()).hash_password(b"Light-1").unwrap().to_string();
        assert!(verify_now(b"Light-1", &light));
    }
}
