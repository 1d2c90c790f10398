//! A person's rights over their data, across every context: download everything (export) and
//! erase the account.
//!
//! Each context that holds personal data registers a [`Context`] in [`CONTEXTS`]: the sections it
//! adds to the export document, and the step it runs in the erasure transaction. A new context
//! (organisations, certification) plugs in here and the export and erasure follow.

use futures_util::future::BoxFuture;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    AppState, audit,
    db::Tx,
    identity::{model::User, service, session},
    web::error::AppError,
};

/// The export sections of a context: `(key, value)` pairs of the document.
pub type ExportFn = for<'a> fn(&'a AppState, Uuid) -> BoxFuture<'a, Result<Vec<(&'static str, Value)>, AppError>>;

/// A context's erasure step, inside the erasure transaction: the person as they were, and now.
pub type EraseFn = for<'a> fn(&'a mut Tx, &'a User, i64) -> BoxFuture<'a, Result<(), sqlx::Error>>;

/// What a context contributes.
pub struct Context {
    /// Its name (for logs).
    pub name: &'static str,
    /// Its sections of the export.
    pub export: ExportFn,
    /// Its erasure step, when it holds identifying data (learning data stays, without identity).
    pub erase: Option<EraseFn>,
}

/// Every context holding personal data, in export order.
pub const CONTEXTS: &[Context] = &[
    crate::identity::PERSONAL_DATA,
    crate::evaluation::PERSONAL_DATA,
    crate::prescription::PERSONAL_DATA,
    crate::certification::PERSONAL_DATA,
];

/// The first instant of the month of `micros` (dates are generalised to the month on erasure).
pub fn month_start(micros: i64) -> i64 {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000) else { return 0 };
    let start = t.replace_day(1).unwrap_or(t).replace_time(time::Time::MIDNIGHT);
    crate::db::micros(start)
}

/// One JSON document with everything the platform holds about a person.
pub async fn export(state: &AppState, user: Uuid) -> Result<Value, AppError> {
    service::user_by_id(&state.db, user).await?.ok_or(AppError::NotFound)?;
    let mut doc = json!({
        "format": "pix-libre-personal-data/1",
        "generated_at": state.clock.now_micros(),
        "timestamps": "microseconds since 1970-01-01T00:00:00Z",
    });
    for context in CONTEXTS {
        for (key, value) in (context.export)(state, user).await? {
            doc[key] = value;
        }
    }
    doc["audit_entries_about_me"] = json!(audit::about(&state.db, user).await?);
    Ok(doc)
}

/// A person's own export: the document, with the export written to the audit log.
pub async fn export_own(state: &AppState, user: Uuid) -> Result<Value, AppError> {
    let doc = export(state, user).await?;
    service::audit(state, Some(user), "account.export", Some(user), "self-service data export", json!({})).await?;
    Ok(doc)
}

/// Erases an account as the reference does: every context's step in one transaction, then the
/// person's sessions, queued mail and outbox files. `actor` is who asked (the person, or an
/// administrator).
pub async fn erase(state: &AppState, user_id: Uuid, actor: Uuid, reason: &str) -> Result<(), AppError> {
    let user = service::user_by_id(&state.db, user_id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now_micros();
    // Addresses mail may have gone to: the account's, and any pending new address.
    let mut addresses = crate::identity::store::pending_emails(&state.db, user_id).await?;
    addresses.extend(user.email.iter().cloned());
    let mut tx = state.db.begin().await?;
    for context in CONTEXTS {
        if let Some(step) = context.erase {
            step(&mut tx, &user, now).await.map_err(|e| {
                tracing::error!(context = context.name, error = %e, "erasure step failed");
                e
            })?;
        }
    }
    tx.commit().await?;
    session::delete_all_for(&state.db, user_id).await?;
    crate::outbox::forget(state, user_id, &addresses).await?;
    service::audit(state, Some(actor), "account.erase", Some(user_id), reason, json!({})).await?;
    Ok(())
}
