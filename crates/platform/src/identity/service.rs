//! Identity use cases: sign-up, login, password reset, profile, email change, roles.
//! Handlers (pages and API) parse and authorise, then call these; the SQL is in `store`.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    model::{AdminRole, Email, NewAccount, Password, ProfileChange, User},
    password, session, store,
    throttle::{self, Counters, Gate},
};
use crate::{
    AppState,
    db::{Db, Tx},
    outbox,
    personal_data::month_start,
    web::error::{AppError, FieldError},
};

/// Lifetime of a password-reset link.
pub const RESET_LIFETIME_MICROS: i64 = 3_600_000_000;
/// Lifetime of an email-change confirmation link.
pub const EMAIL_CHANGE_LIFETIME_MICROS: i64 = 24 * 3_600_000_000;

/// A user by id.
pub async fn user_by_id(db: &Db, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    store::user_by_id(db, id).await
}

/// A live account by email or username (an identifier with '@' is an email).
pub async fn user_by_identifier(db: &Db, identifier: &str) -> Result<Option<User>, sqlx::Error> {
    let identifier = identifier.trim().to_lowercase();
    if identifier.contains('@') {
        store::user_by_email(db, &identifier).await
    } else {
        store::user_by_username(db, &identifier).await
    }
}

/// Creates an account. An email already in use gives the same answer as a new one (no
/// enumeration): the owner of the address is told by email instead.
pub async fn sign_up(state: &AppState, account: NewAccount, lang: &str) -> Result<Option<Uuid>, AppError> {
    let now = state.clock.now_micros();
    let hash = password::hash(account.password.expose().to_owned()).await?;
    let id = Uuid::now_v7();
    let row = store::NewUser {
        id,
        first_name: account.first_name.as_str(),
        last_name: account.last_name.as_str(),
        email: account.email.as_str(),
        password_hash: &hash,
        lang,
        now,
    };
    if !store::insert_user(&state.db, row).await? {
        let url = &state.settings.public_url;
        let body = crate::mail::render(&super::mails::AccountExists { url })?;
        let subject = "Votre compte existe déjà / Your account already exists";
        outbox::mail(state, account.email.as_str(), subject, &body, None).await?;
        return Ok(None);
    }
    Ok(Some(id))
}

/// Why a login failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFailure {
    /// Wrong identifier or password; attempts left before the permanent block.
    Invalid {
        /// Attempts left.
        remaining: i64,
    },
    /// Wait until this time (µs).
    TemporarilyBlocked(i64),
    /// Blocked until an administrator unblocks.
    Blocked,
}

fn throttle_key(user: Option<&User>, identifier: &str) -> String {
    match user {
        Some(u) => account_key(u.id),
        None => format!("id:{}", identifier.trim().to_lowercase()),
    }
}

fn account_key(user: Uuid) -> String {
    format!("user:{user}")
}

/// Checks credentials with throttling; the same work and the same answers whether or not the
/// account exists.
pub async fn log_in(
    state: &AppState,
    identifier: &str,
    password_clear: &str,
) -> Result<Result<User, LoginFailure>, AppError> {
    let now = state.clock.now_micros();
    let user = user_by_identifier(&state.db, identifier).await?;
    let key = throttle_key(user.as_ref(), identifier);
    // The attempt is counted before the password is checked (see throttle::blocks).
    let Some(counters) = store::count_attempt(&state.db, &key, now, &throttle::blocks(now)).await? else {
        let closed = store::throttle(&state.db, &key).await?;
        return Ok(Err(match closed.gate(now) {
            Gate::TemporarilyBlocked(until) => LoginFailure::TemporarilyBlocked(until),
            Gate::Blocked | Gate::Open => LoginFailure::Blocked,
        }));
    };
    let ok = password::verify(password_clear.to_owned(), user.as_ref().and_then(|u| u.password_hash.clone())).await;
    match user {
        Some(user) if ok => {
            store::clear_throttle(&state.db, &key).await?;
            Ok(Ok(user))
        }
        _ => Ok(Err(match counters.gate(now) {
            Gate::Blocked => LoginFailure::Blocked,
            Gate::TemporarilyBlocked(until) => LoginFailure::TemporarilyBlocked(until),
            Gate::Open => LoginFailure::Invalid { remaining: counters.remaining() },
        })),
    }
}

/// Lifts the throttling of an account (administrator).
pub async fn unblock(db: &Db, user: Uuid) -> Result<(), sqlx::Error> {
    store::clear_throttle(db, &account_key(user)).await
}

/// The throttling state of an account, for the back office.
pub async fn throttle_state(db: &Db, user: Uuid) -> Result<Counters, sqlx::Error> {
    store::throttle(db, &account_key(user)).await
}

/// The throttling keys of an account and its identifiers (erasure removes them all).
pub fn throttle_keys(id: Uuid, email: Option<&str>, username: Option<&str>) -> Vec<String> {
    let mut keys = vec![account_key(id)];
    keys.extend(email.map(|e| format!("id:{e}")));
    keys.extend(username.map(|u| format!("id:{u}")));
    keys
}

/// The SHA-256 of a one-time token, in hex: tokens are only ever stored hashed.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

async fn new_token(
    state: &AppState,
    user: Uuid,
    purpose: &str,
    new_email: Option<&str>,
    lifetime: i64,
) -> Result<String, sqlx::Error> {
    let now = state.clock.now_micros();
    let token = session::random_token();
    let hash = token_hash(&token);
    let row = store::NewToken { token_hash: &hash, user, purpose, new_email, now, expires_at: now + lifetime };
    store::insert_token(&state.db, row).await?;
    Ok(token)
}

/// Queues a reset request for an address; the outbox worker mails a link if the address has an
/// account. The request takes the same time either way (no account enumeration by timing).
pub async fn request_password_reset(state: &AppState, email: &str) -> Result<(), AppError> {
    let Some(email) = Email::parse(email) else { return Ok(()) };
    outbox::job(state, PASSWORD_RESET_JOB, email.as_str()).await?;
    Ok(())
}

/// The outbox job that mails a reset link (`crate::JOBS`).
pub const PASSWORD_RESET_JOB: &str = "password_reset";

/// Sends the reset link of a queued request (the outbox performs it when due).
pub fn password_reset_job<'a>(
    state: &'a AppState,
    email: &'a str,
) -> futures_util::future::BoxFuture<'a, anyhow::Result<()>> {
    Box::pin(send_password_reset(state, email))
}

/// The outbox job of a reset request: a one-hour link to the address, if it has an account.
pub async fn send_password_reset(state: &AppState, email: &str) -> anyhow::Result<()> {
    let Some(user) = store::user_by_email(&state.db, email).await? else { return Ok(()) };
    let token = new_token(state, user.id, "password_reset", None, RESET_LIFETIME_MICROS).await?;
    let link = format!("{}/password/reset?token={token}", state.settings.public_url);
    let name = &user.first_name;
    let body = crate::mail::render(&super::mails::PasswordReset { name, link: &link })?;
    state
        .mailer
        .send(&state.settings.mail_from, email, "Réinitialisation du mot de passe / Password reset", body)
        .await?;
    Ok(())
}

/// Whether a reset token is usable (to show the form or an error before asking a password).
pub async fn reset_token_valid(db: &Db, token: &str, now: i64) -> Result<bool, sqlx::Error> {
    store::token_usable(db, &token_hash(token), "password_reset", now).await
}

/// Sets a new password with a reset token; every session of the account is closed and every
/// other link dies.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    new_password: &str,
) -> Result<Result<Uuid, FieldError>, AppError> {
    let Some(password) = Password::parse(new_password) else {
        return Ok(Err(FieldError { field: "password".into(), code: "field-password-rule".into() }));
    };
    let now = state.clock.now_micros();
    let Some((user, _)) = store::consume_token(&state.db, &token_hash(token), "password_reset", now).await? else {
        return Ok(Err(FieldError { field: "token".into(), code: "reset-link-invalid".into() }));
    };
    set_password(state, user, &password).await?;
    store::clear_throttle(&state.db, &account_key(user)).await?;
    Ok(Ok(user))
}

/// A password change as submitted.
pub struct PasswordChange<'a> {
    /// The current password.
    pub current: &'a str,
    /// The new one.
    pub new_password: &'a str,
}

/// Changes a password knowing the current one (other sessions are closed, links invalidated).
pub async fn change_password(
    state: &AppState,
    user: Uuid,
    change: PasswordChange<'_>,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    let me = store::user_by_id(&state.db, user).await?.ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    if !password::verify(change.current.to_owned(), me.password_hash).await {
        errors.push(FieldError { field: "current_password".into(), code: "field-current-password-wrong".into() });
    }
    let new_password = Password::parse(change.new_password);
    if new_password.is_none() {
        errors.push(FieldError { field: "new_password".into(), code: "field-password-rule".into() });
    }
    match new_password {
        Some(p) if errors.is_empty() => {
            set_password(state, user, &p).await?;
            Ok(Ok(()))
        }
        _ => Ok(Err(errors)),
    }
}

/// Replaces a password, closes every session of the account and kills its unused links.
pub async fn set_password(state: &AppState, user: Uuid, new_password: &Password) -> Result<(), AppError> {
    let now = state.clock.now_micros();
    let hash = password::hash(new_password.expose().to_owned()).await?;
    store::set_password_hash(&state.db, user, &hash, now).await?;
    store::delete_sessions_of(&state.db, user).await?;
    store::invalidate_tokens(&state.db, user, None, now).await?;
    Ok(())
}

/// Profile changes (names, username, language); a username taken by someone else is refused.
pub async fn update_profile(
    state: &AppState,
    user: Uuid,
    change: ProfileChange,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    if let Some(u) = &change.username
        && store::username_taken(&state.db, u.as_str(), user).await?
    {
        return Ok(Err(vec![FieldError { field: "username".into(), code: "field-username-taken".into() }]));
    }
    let profile = store::Profile {
        first_name: change.first_name.as_str(),
        last_name: change.last_name.as_str(),
        username: change.username.as_ref().map(|u| u.as_str()),
        lang: change.lang.code(),
    };
    store::update_profile(&state.db, user, profile, state.clock.now_micros()).await?;
    store::bump_session_version(&state.db, user).await?;
    Ok(Ok(()))
}

/// Sends a confirmation link to a new address (the email changes only when it is opened) and a
/// notice to the current one. Needs the current password: a session left open on a shared
/// computer must not be enough to take the account over.
pub async fn request_email_change(
    state: &AppState,
    user: &User,
    new_email: &str,
    current_password: &str,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    let mut errors = Vec::new();
    let email = Email::parse(new_email);
    if email.is_none() {
        errors.push(FieldError { field: "new_email".into(), code: "field-email-invalid".into() });
    }
    if !password::verify(current_password.to_owned(), user.password_hash.clone()).await {
        errors.push(FieldError { field: "email_password".into(), code: "field-current-password-wrong".into() });
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else { return Ok(Err(errors)) };
    // A new request replaces the previous ones.
    store::invalidate_tokens(&state.db, user.id, Some("email_change"), state.clock.now_micros()).await?;
    let token = new_token(state, user.id, "email_change", Some(email.as_str()), EMAIL_CHANGE_LIFETIME_MICROS).await?;
    let link = format!("{}/account/email/confirm?token={token}", state.settings.public_url);
    let name = &user.first_name;
    let body = crate::mail::render(&super::mails::EmailChangeConfirm { name, link: &link })?;
    let subject = "Confirmez votre nouvelle adresse / Confirm your new address";
    outbox::mail(state, email.as_str(), subject, &body, Some(user.id)).await?;
    if let Some(old) = &user.email {
        let masked = mask_email(email.as_str());
        let url = &state.settings.public_url;
        let notice = crate::mail::render(&super::mails::EmailChangeNotice { name, masked: &masked, url })?;
        outbox::mail(state, old, "Changement d'adresse demandé / Email change requested", &notice, Some(user.id))
            .await?;
    }
    Ok(Ok(()))
}

/// `ana.martin@example.org` → `a***@example.org`: enough to recognise, not to harvest.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".to_owned(),
    }
}

/// Applies a confirmed email change (and kills the account's other links). Fails if the link is
/// invalid or the address got taken.
pub async fn confirm_email_change(state: &AppState, token: &str) -> Result<bool, AppError> {
    let now = state.clock.now_micros();
    let Some((user, Some(email))) = store::consume_token(&state.db, &token_hash(token), "email_change", now).await?
    else {
        return Ok(false);
    };
    let changed = store::set_email(&state.db, user, &email, now).await?;
    if changed {
        store::invalidate_tokens(&state.db, user, None, now).await?;
        store::bump_session_version(&state.db, user).await?;
    }
    Ok(changed)
}

/// Back-office roles of an account.
pub async fn admin_roles(db: &Db, user: Uuid) -> Result<Vec<AdminRole>, sqlx::Error> {
    store::admin_roles(db, user).await
}

/// Grants or revokes a back-office role; the person's sessions are closed so that the change
/// applies at their next login, under a new session id.
pub async fn set_admin_role(state: &AppState, user: Uuid, role: AdminRole, granted: bool) -> Result<(), AppError> {
    if granted {
        store::grant_admin_role(&state.db, user, role, state.clock.now_micros()).await?;
    } else {
        store::revoke_admin_role(&state.db, user, role).await?;
    }
    store::bump_session_version(&state.db, user).await?;
    store::delete_sessions_of(&state.db, user).await?;
    Ok(())
}

/// Accounts matching a back-office search (at least 3 characters; at most 50 results).
pub async fn search(db: &Db, query: &str) -> Result<Vec<User>, sqlx::Error> {
    let q = query.trim().to_lowercase();
    if q.chars().count() < 3 {
        return Ok(Vec::new());
    }
    let pattern = format!("%{}%", q.replace(['%', '_'], ""));
    store::search_users(db, &pattern, 50).await
}

/// The identity sections of a person's data export.
pub async fn export_sections(state: &AppState, user_id: Uuid) -> Result<Vec<(&'static str, Value)>, AppError> {
    let user = store::user_by_id(&state.db, user_id).await?.ok_or(AppError::NotFound)?;
    let roles = store::admin_roles(&state.db, user_id).await?;
    let memberships = |rows: Vec<store::Membership>| -> Vec<Value> {
        rows.iter().map(|(id, name, role)| json!({"id": id, "name": name, "role": role})).collect()
    };
    Ok(vec![
        (
            "account",
            json!({
                "id": user.id,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "username": user.username,
                "language": user.lang,
                "created_at": user.created_at,
                "updated_at": user.updated_at,
                "has_password": user.password_hash.is_some(),
            }),
        ),
        ("consents", json!({ "terms_of_use_and_privacy_policy_accepted_at": user.terms_accepted_at })),
        (
            "roles",
            json!({
                "back_office": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                "organizations": memberships(store::organizations_of(&state.db, user_id).await?),
                "certification_centers": memberships(store::centers_of(&state.db, user_id).await?),
            }),
        ),
        ("open_sessions", json!(store::count_sessions_of(&state.db, user_id).await?)),
    ])
}

/// The identity erasure step: identity replaced or removed, login methods, sessions, links,
/// roles, memberships and throttling counters deleted, dates generalised to the month.
pub async fn erase_step(tx: &mut Tx, user: &crate::personal_data::Erased, now: i64) -> Result<(), sqlx::Error> {
    let (created, updated) = (month_start(user.created_at), month_start(now));
    store::anonymise_user(&mut *tx, user.id, created, updated).await?;
    store::delete_sessions_of(&mut *tx, user.id).await?;
    store::delete_tokens(&mut *tx, user.id).await?;
    store::delete_roles_and_memberships(&mut *tx, user.id).await?;
    store::bump_session_version(&mut *tx, user.id).await?;
    for key in throttle_keys(user.id, user.email.as_deref(), user.username.as_deref()) {
        store::clear_throttle(&mut *tx, &key).await?;
    }
    Ok(())
}
