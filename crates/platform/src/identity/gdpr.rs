//! A person's rights over their data: download everything (export) and erase the account.

use serde_json::{Value, json};
use uuid::Uuid;

use super::{service, session};
use crate::{AppState, audit, on_db, web::error::AppError};

/// The first instant of the month of `micros` (dates are generalised to the month on erasure).
pub fn month_start(micros: i64) -> i64 {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000) else { return 0 };
    let start = t.replace_day(1).unwrap_or(t).replace_time(time::Time::MIDNIGHT);
    crate::db::micros(start)
}

/// One JSON document with everything the platform holds about a person.
pub async fn export(state: &AppState, user_id: Uuid) -> Result<Value, AppError> {
    let user = service::user_by_id(&state.db, user_id).await?.ok_or(AppError::NotFound)?;
    let db = &state.db;
    let roles = service::admin_roles(db, user_id).await?;
    let organizations: Vec<(Uuid, String, String)> = on_db!(db, pool => {
        sqlx::query_as("SELECT o.id, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id WHERE m.user_id = $1")
            .bind(user_id).fetch_all(pool).await
    })?;
    let centers: Vec<(Uuid, String, String)> = on_db!(db, pool => {
        sqlx::query_as("SELECT c.id, c.name, m.role FROM center_memberships m JOIN certification_centers c ON c.id = m.center_id WHERE m.user_id = $1")
            .bind(user_id).fetch_all(pool).await
    })?;
    let sessions: i64 = on_db!(db, pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM sessions WHERE user_id = $1").bind(user_id).fetch_one(pool).await
    })?;
    let audit_rows = audit::about(db, user_id).await?;
    let mut doc = json!({
        "format": "pix-libre-personal-data/1",
        "generated_at": state.clock.now_micros(),
        "timestamps": "microseconds since 1970-01-01T00:00:00Z",
        "account": {
            "id": user.id,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "username": user.username,
            "language": user.lang,
            "created_at": user.created_at,
            "updated_at": user.updated_at,
            "has_password": user.password_hash.is_some(),
        },
        "consents": { "terms_of_use_and_privacy_policy_accepted_at": user.terms_accepted_at },
        "roles": {
            "back_office": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "organizations": organizations.iter().map(|(id, name, role)| json!({"id": id, "name": name, "role": role})).collect::<Vec<_>>(),
            "certification_centers": centers.iter().map(|(id, name, role)| json!({"id": id, "name": name, "role": role})).collect::<Vec<_>>(),
        },
        "open_sessions": sessions,
        "audit_entries_about_me": audit_rows,
    });
    for (key, value) in crate::evaluation::export_sections(state, user_id).await? {
        doc[key] = value;
    }
    Ok(doc)
}

/// A person's own export: the document, with the export written to the audit log.
pub async fn export_own(state: &AppState, user_id: Uuid) -> Result<Value, AppError> {
    let doc = export(state, user_id).await?;
    service::audit(state, Some(user_id), "account.export", Some(user_id), "self-service data export", json!({}))
        .await?;
    Ok(doc)
}

/// Erases an account as the reference does: identity replaced or removed, login methods,
/// sessions and tokens deleted, dates generalised to the month; learning data stays, without
/// identity. `actor` is who asked (the person, or an administrator).
pub async fn erase(state: &AppState, user_id: Uuid, actor: Uuid, reason: &str) -> Result<(), AppError> {
    let user = service::user_by_id(&state.db, user_id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin().await?;
    let created = month_start(user.created_at);
    let updated = month_start(now);
    // Addresses mail may have gone to: the account's, and any pending new address.
    let mut addresses: Vec<String> = on_db!(&state.db, pool => {
        sqlx::query_scalar::<_, String>("SELECT new_email FROM user_tokens WHERE user_id = $1 AND new_email IS NOT NULL")
            .bind(user_id)
            .fetch_all(pool)
            .await
    })?;
    addresses.extend(user.email.iter().cloned());
    let mut throttle_keys = vec![format!("user:{user_id}")];
    throttle_keys.extend(user.email.iter().map(|e| format!("id:{e}")));
    throttle_keys.extend(user.username.iter().map(|u| format!("id:{u}")));
    crate::on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE users SET first_name = '(anonymised)', last_name = '(anonymised)', email = NULL, username = NULL, password_hash = NULL, \
             terms_accepted_at = NULL, created_at = $1, updated_at = $2, anonymised = $3 WHERE id = $4",
        )
        .bind(created)
        .bind(updated)
        .bind(true)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
        for table in ["sessions", "user_tokens", "admin_roles", "memberships", "center_memberships"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE user_id = $1"))).bind(user_id).execute(&mut *conn).await?;
        }
        for key in &throttle_keys {
            sqlx::query("DELETE FROM login_throttles WHERE key = $1").bind(key).execute(&mut *conn).await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    tx.commit().await?;
    session::delete_all_for(&state.db, user_id).await?;
    crate::outbox::forget(state, user_id, &addresses).await?;
    service::audit(state, Some(actor), "account.erase", Some(user_id), reason, json!({})).await?;
    Ok(())
}
