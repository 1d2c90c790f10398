//! Exposure of certification questions, for the exposure control of the configuration
//! (docs/engine.md): how many candidates were given each challenge over the last 365 days, read
//! from the answers and kept for 30 seconds per node and language, so the control costs one query
//! per node every 30 seconds rather than one per question.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock, PoisonError},
    time::{Duration, Instant},
};

use crate::{AppState, web::error::AppError};

/// The window exposure is counted over.
pub const WINDOW_DAYS: i64 = 365;
/// How long a node keeps a count before reading it again.
pub const REFRESH: Duration = Duration::from_secs(30);

/// Per bank index (the language's certification bank), the candidates given the challenge; and the
/// candidates who started a certification in the window.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// By bank index.
    pub by_item: Vec<u32>,
    /// Certifications started.
    pub tests: u32,
}

/// The counts for the certification bank of `locale` (read again after [`REFRESH`], on `conn`: the
/// answer's own transaction, so that a busy pool never waits on itself).
pub async fn counts(
    state: &AppState,
    conn: impl Into<crate::db::Conn<'_>>,
    locale: content::Locale,
) -> Result<Arc<Counts>, AppError> {
    type Cache = Mutex<HashMap<(String, &'static str), (Instant, Arc<Counts>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let key = (state.settings.db.url(), locale.code());
    let cache = CACHE.get_or_init(Default::default);
    if let Some((at, c)) = cache.lock().unwrap_or_else(PoisonError::into_inner).get(&key)
        && at.elapsed() < REFRESH
    {
        return Ok(c.clone());
    }
    let since = state.clock.now_micros() - WINDOW_DAYS * engine::knowledge::DAY_MICROS;
    let (per, tests) = super::store::exposure(conn, since).await?;
    let prepared = super::test::certification_bank(state, locale);
    let mut by_item = vec![0u32; prepared.bank.items().len()];
    for (id, n) in per {
        if let Some(i) = state.content.challenge_by_id(&id).and_then(|c| prepared.index.get(&c)) {
            by_item[*i] = u32::try_from(n).unwrap_or(u32::MAX);
        }
    }
    let counts = Arc::new(Counts { by_item, tests: u32::try_from(tests).unwrap_or(u32::MAX) });
    cache.lock().unwrap_or_else(PoisonError::into_inner).insert(key, (Instant::now(), counts.clone()));
    Ok(counts)
}
