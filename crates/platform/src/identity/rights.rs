//! A person's rights over their data, across every context: download everything (export) and erase
//! the account. The contexts' parts come from the composition root (`AppState::personal_data`).

use serde_json::{Value, json};
use uuid::Uuid;

use super::{service, session};
use crate::{AppState, audit, personal_data::scrub, web::error::AppError};

/// One JSON document with everything the platform holds about a person.
pub async fn export(state: &AppState, user: Uuid) -> Result<Value, AppError> {
    service::user_by_id(&state.db, user).await?.ok_or(AppError::NotFound)?;
    let mut doc = json!({
        "format": "pix-libre-personal-data/1",
        "generated_at": state.clock.now_micros(),
        "timestamps": "microseconds since 1970-01-01T00:00:00Z",
    });
    for context in state.personal_data {
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
    crate::audit::write(state, Some(user), "account.export", Some(user), "self-service data export", json!({})).await?;
    Ok(doc)
}

/// Erases an account as the reference does: every context's step in one transaction, then the
/// person's sessions, queued mail and outbox files. `actor` is who asked (the person, or an
/// administrator).
pub async fn erase(state: &AppState, user_id: Uuid, actor: Uuid, reason: &str) -> Result<(), AppError> {
    let user = service::user_by_id(&state.db, user_id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now_micros();
    // Addresses mail may have gone to: the account's, and any pending new address.
    let mut addresses = super::store::pending_emails(&state.db, user_id).await?;
    addresses.extend(user.email.iter().cloned());
    let erased = crate::personal_data::Erased {
        id: user.id,
        created_at: user.created_at,
        email: user.email.clone(),
        username: user.username.clone(),
    };
    let mut tx = state.db.begin().await?;
    for context in state.personal_data {
        if let Some(step) = context.erase {
            step(&mut tx, &erased, now).await.map_err(|e| {
                tracing::error!(context = context.name, error = %e, "erasure step failed");
                e
            })?;
        }
    }
    tx.commit().await?;
    session::delete_all_for(&state.db, user_id).await?;
    crate::outbox::forget(state, user_id, &addresses).await?;
    crate::audit::write(state, Some(actor), "account.erase", Some(user_id), reason, json!({})).await?;
    // The rows are gone from what queries see; now from the files too. On PostgreSQL vacuuming can
    // take a while on big tables: it runs after the answer (and hourly, should this node stop).
    match &state.db {
        crate::db::Db::Sqlite(..) => scrub(&state.db).await?,
        crate::db::Db::Postgres(_) => {
            let db = state.db.clone();
            tokio::spawn(async move {
                if let Err(e) = scrub(&db).await {
                    tracing::warn!(error = %e, "vacuum after an erasure failed (the hourly one will do it)");
                }
            });
        }
    }
    Ok(())
}
