//! Identity use cases: sign-up, login, password reset, profile, email change, export, erasure.
//! Handlers (pages and API) parse and authorise, then call these.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    model::{self, AdminRole, NewAccount, User},
    password, session,
    throttle::{self, Counters, Gate},
};
use crate::{
    AppState, audit,
    db::Db,
    on_db, outbox,
    web::error::{AppError, FieldError},
};

/// Lifetime of a password-reset link.
pub const RESET_LIFETIME_MICROS: i64 = 3_600_000_000;
/// Lifetime of an email-change confirmation link.
pub const EMAIL_CHANGE_LIFETIME_MICROS: i64 = 24 * 3_600_000_000;

const USER_COLUMNS: &str = "id, first_name, last_name, email, username, password_hash, lang, terms_accepted_at, created_at, updated_at, anonymised";

/// A user by id.
pub async fn user_by_id(db: &Db, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))).bind(id).fetch_optional(pool).await
    })
}

/// A user by email or username (an identifier with '@' is an email).
pub async fn user_by_identifier(db: &Db, identifier: &str) -> Result<Option<User>, sqlx::Error> {
    let identifier = identifier.trim().to_lowercase();
    let column = if identifier.contains('@') { "email" } else { "username" };
    on_db!(db, pool => {
        sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE {column} = $1 AND NOT anonymised")))
            .bind(&identifier)
            .fetch_optional(pool)
            .await
    })
}

/// Creates an account. An email already in use gives the same answer as a new one (no
/// enumeration): the owner of the address is told by email instead.
pub async fn sign_up(state: &AppState, account: NewAccount, lang: &str) -> Result<Option<Uuid>, AppError> {
    let now = state.clock.now_micros();
    let hash = password::hash(account.password.clone()).await?;
    let id = Uuid::now_v7();
    let inserted = on_db!(&state.db, pool => {
        sqlx::query(
            "INSERT INTO users (id, first_name, last_name, email, username, password_hash, lang, terms_accepted_at, created_at, updated_at, anonymised) \
             VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $7, $7, $8) ON CONFLICT (email) DO NOTHING",
        )
        .bind(id)
        .bind(&account.first_name)
        .bind(&account.last_name)
        .bind(&account.email)
        .bind(&hash)
        .bind(lang)
        .bind(now)
        .bind(false)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
    })?;
    if inserted == 0 {
        let body = format!(
            "Bonjour,\n\nQuelqu'un a essayé de créer un compte avec cette adresse, qui en a déjà un.\nSi c'était vous, connectez-vous ou réinitialisez votre mot de passe : {}/password/forgot\n\n---\n\nHello,\n\nSomeone tried to create an account with this address, which already has one.\nIf it was you, log in or reset your password: {}/password/forgot\n",
            state.settings.public_url, state.settings.public_url
        );
        outbox::mail(state, &account.email, "Votre compte existe déjà / Your account already exists", &body, None)
            .await?;
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
        Some(u) => format!("user:{}", u.id),
        None => format!("id:{}", identifier.trim().to_lowercase()),
    }
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
    // The attempt is counted before the password is checked (see throttle::take_attempt).
    let counters = match throttle::take_attempt(&state.db, &key, now).await? {
        Ok(counters) => counters,
        Err(closed) => {
            return Ok(Err(match closed.gate(now) {
                Gate::TemporarilyBlocked(until) => LoginFailure::TemporarilyBlocked(until),
                Gate::Blocked | Gate::Open => LoginFailure::Blocked,
            }));
        }
    };
    let ok = password::verify(password_clear.to_owned(), user.as_ref().and_then(|u| u.password_hash.clone())).await;
    match user {
        Some(user) if ok => {
            throttle::reset(&state.db, &key).await?;
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
    throttle::reset(db, &format!("user:{user}")).await
}

/// The throttling state of an account, for the back office.
pub async fn throttle_state(db: &Db, user: Uuid) -> Result<Counters, sqlx::Error> {
    throttle::load(db, &format!("user:{user}")).await
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Queues a reset request for an address; the outbox worker mails a link if the address has an
/// account. The request takes the same time either way (no account enumeration by timing).
pub async fn request_password_reset(state: &AppState, email: &str) -> Result<(), AppError> {
    let Some(email) = model::parse_email(email) else { return Ok(()) };
    outbox::password_reset(state, &email).await?;
    Ok(())
}

/// The outbox job of a reset request: a one-hour link to the address, if it has an account.
pub async fn send_password_reset(state: &AppState, email: &str) -> anyhow::Result<()> {
    let Some(user) = user_by_identifier(&state.db, email).await? else { return Ok(()) };
    let now = state.clock.now_micros();
    let token = session::random_token();
    insert_token(&state.db, &token, user.id, "password_reset", None, now, now + RESET_LIFETIME_MICROS).await?;
    let link = format!("{}/password/reset?token={token}", state.settings.public_url);
    let body = format!(
        "Bonjour {},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien dans l'heure :\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message.\n\n---\n\nHello {},\n\nTo choose a new password, open this link within the hour:\n{link}\n\nIf you did not ask for it, ignore this message.\n",
        user.first_name, user.first_name
    );
    state
        .mailer
        .send(&state.settings.mail_from, email, "Réinitialisation du mot de passe / Password reset", body)
        .await?;
    Ok(())
}

/// Makes every unused one-time link of an account unusable (after a password change or reset,
/// or an email change: a link mailed earlier must not outlive the credentials it was sent for).
pub async fn invalidate_tokens(db: &Db, user: Uuid, purpose: Option<&str>, now: i64) -> Result<u64, sqlx::Error> {
    on_db!(db, pool => {
        match purpose {
            Some(p) => sqlx::query("UPDATE user_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
                .bind(now).bind(user).bind(p).execute(pool).await,
            None => sqlx::query("UPDATE user_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
                .bind(now).bind(user).execute(pool).await,
        }
        .map(|r| r.rows_affected())
    })
}

async fn insert_token(
    db: &Db,
    token: &str,
    user: Uuid,
    purpose: &str,
    new_email: Option<&str>,
    now: i64,
    expires: i64,
) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("INSERT INTO user_tokens (token_hash, user_id, purpose, new_email, expires_at, used_at, created_at) VALUES ($1, $2, $3, $4, $5, NULL, $6)")
            .bind(token_hash(token))
            .bind(user)
            .bind(purpose)
            .bind(new_email)
            .bind(expires)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
    })
}

/// Consumes a one-time token atomically: the first use wins, expired or used tokens give None.
async fn consume_token(
    db: &Db,
    token: &str,
    purpose: &str,
    now: i64,
) -> Result<Option<(Uuid, Option<String>)>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as::<_, (Uuid, Option<String>)>(
            "UPDATE user_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING user_id, new_email",
        )
        .bind(now)
        .bind(token_hash(token))
        .bind(purpose)
        .fetch_optional(pool)
        .await
    })
}

/// Whether a reset token is usable (to show the form or an error before asking a password).
pub async fn reset_token_valid(db: &Db, token: &str, now: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = on_db!(db, pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM user_tokens WHERE token_hash = $1 AND purpose = 'password_reset' AND used_at IS NULL AND expires_at > $2")
            .bind(token_hash(token))
            .bind(now)
            .fetch_one(pool)
            .await
    })?;
    Ok(n == 1)
}

/// Sets a new password with a reset token; every session of the account is closed.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    new_password: &str,
) -> Result<Result<Uuid, FieldError>, AppError> {
    if !model::password_ok(new_password) {
        return Ok(Err(FieldError { field: "password".into(), code: "field-password-rule".into() }));
    }
    let now = state.clock.now_micros();
    let Some((user, _)) = consume_token(&state.db, token, "password_reset", now).await? else {
        return Ok(Err(FieldError { field: "token".into(), code: "reset-link-invalid".into() }));
    };
    set_password(state, user, new_password).await?;
    throttle::reset(&state.db, &format!("user:{user}")).await?;
    Ok(Ok(user))
}

/// Changes a password knowing the current one (other sessions are closed, links invalidated).
pub async fn change_password(
    state: &AppState,
    user: Uuid,
    current: &str,
    new_password: &str,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    let me = user_by_id(&state.db, user).await?.ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    if !password::verify(current.to_owned(), me.password_hash).await {
        errors.push(FieldError { field: "current_password".into(), code: "field-current-password-wrong".into() });
    }
    if !model::password_ok(new_password) {
        errors.push(FieldError { field: "new_password".into(), code: "field-password-rule".into() });
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    set_password(state, user, new_password).await?;
    Ok(Ok(()))
}

/// Replaces a password and closes every session of the account.
pub async fn set_password(state: &AppState, user: Uuid, new_password: &str) -> Result<(), AppError> {
    let now = state.clock.now_micros();
    let hash = password::hash(new_password.to_owned()).await?;
    on_db!(&state.db, pool => {
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3").bind(&hash).bind(now).bind(user).execute(pool).await.map(|_| ())
    })?;
    session::delete_all_for(&state.db, user).await?;
    invalidate_tokens(&state.db, user, None, now).await?;
    Ok(())
}

/// Profile changes (names, username, language).
pub async fn update_profile(
    state: &AppState,
    user: Uuid,
    first: &str,
    last: &str,
    username: &str,
    lang: &str,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    let mut errors = Vec::new();
    if !model::name_ok(first) {
        errors.push(FieldError { field: "first_name".into(), code: "field-first-name-invalid".into() });
    }
    if !model::name_ok(last) {
        errors.push(FieldError { field: "last_name".into(), code: "field-last-name-invalid".into() });
    }
    let username = if username.trim().is_empty() {
        None
    } else {
        match model::parse_username(username) {
            Some(u) => Some(u),
            None => {
                errors.push(FieldError { field: "username".into(), code: "field-username-invalid".into() });
                None
            }
        }
    };
    if !matches!(lang, "fr" | "en") {
        errors.push(FieldError { field: "lang".into(), code: "field-lang-invalid".into() });
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if let Some(u) = &username {
        let taken: i64 = on_db!(&state.db, pool => {
            sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE username = $1 AND id <> $2").bind(u).bind(user).fetch_one(pool).await
        })?;
        if taken > 0 {
            return Ok(Err(vec![FieldError { field: "username".into(), code: "field-username-taken".into() }]));
        }
    }
    let now = state.clock.now_micros();
    on_db!(&state.db, pool => {
        sqlx::query("UPDATE users SET first_name = $1, last_name = $2, username = $3, lang = $4, updated_at = $5 WHERE id = $6")
            .bind(first.trim())
            .bind(last.trim())
            .bind(&username)
            .bind(lang)
            .bind(now)
            .bind(user)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
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
    let email = model::parse_email(new_email);
    if email.is_none() {
        errors.push(FieldError { field: "new_email".into(), code: "field-email-invalid".into() });
    }
    if !password::verify(current_password.to_owned(), user.password_hash.clone()).await {
        errors.push(FieldError { field: "email_password".into(), code: "field-current-password-wrong".into() });
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else { return Ok(Err(errors)) };
    let now = state.clock.now_micros();
    // A new request replaces the previous ones.
    invalidate_tokens(&state.db, user.id, Some("email_change"), now).await?;
    let token = session::random_token();
    insert_token(&state.db, &token, user.id, "email_change", Some(&email), now, now + EMAIL_CHANGE_LIFETIME_MICROS)
        .await?;
    let link = format!("{}/account/email/confirm?token={token}", state.settings.public_url);
    let body = format!(
        "Bonjour {},\n\nPour utiliser cette adresse pour votre compte, ouvrez ce lien dans les 24 heures :\n{link}\n\n---\n\nHello {},\n\nTo use this address for your account, open this link within 24 hours:\n{link}\n",
        user.first_name, user.first_name
    );
    outbox::mail(state, &email, "Confirmez votre nouvelle adresse / Confirm your new address", &body, Some(user.id))
        .await?;
    if let Some(old) = &user.email {
        let masked = mask_email(&email);
        let notice = format!(
            "Bonjour {},\n\nUn changement d'adresse e-mail de votre compte vers {masked} a été demandé. Si ce n'est pas vous, changez votre mot de passe : {url}/password/forgot\n\n---\n\nHello {},\n\nA change of your account's email address to {masked} was requested. If it was not you, change your password: {url}/password/forgot\n",
            user.first_name,
            user.first_name,
            url = state.settings.public_url
        );
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

/// Applies a confirmed email change. Fails if the link is invalid or the address got taken.
pub async fn confirm_email_change(state: &AppState, token: &str) -> Result<bool, AppError> {
    let now = state.clock.now_micros();
    let Some((user, Some(email))) = consume_token(&state.db, token, "email_change", now).await? else {
        return Ok(false);
    };
    let changed = on_db!(&state.db, pool => {
        sqlx::query("UPDATE users SET email = $1, updated_at = $2 WHERE id = $3 AND NOT EXISTS (SELECT 1 FROM users WHERE email = $1)")
            .bind(&email)
            .bind(now)
            .bind(user)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
    })?;
    if changed == 1 {
        invalidate_tokens(&state.db, user, None, now).await?;
    }
    Ok(changed == 1)
}

/// Back-office roles of an account.
pub async fn admin_roles(db: &Db, user: Uuid) -> Result<Vec<AdminRole>, sqlx::Error> {
    let rows: Vec<(String,)> = on_db!(db, pool => {
        sqlx::query_as("SELECT role FROM admin_roles WHERE user_id = $1 ORDER BY role").bind(user).fetch_all(pool).await
    })?;
    Ok(rows.into_iter().filter_map(|(r,)| AdminRole::parse(&r)).collect())
}

/// Grants a back-office role (idempotent).
pub async fn grant_admin_role(db: &Db, user: Uuid, role: AdminRole, now: i64) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("INSERT INTO admin_roles (user_id, role, granted_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, role) DO NOTHING")
            .bind(user).bind(role.as_str()).bind(now).execute(pool).await.map(|_| ())
    })
}

/// Revokes a back-office role.
pub async fn revoke_admin_role(db: &Db, user: Uuid, role: AdminRole) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("DELETE FROM admin_roles WHERE user_id = $1 AND role = $2").bind(user).bind(role.as_str()).execute(pool).await.map(|_| ())
    })
}

/// Records an audit entry, failing the request if it cannot be written (no unaudited access).
pub async fn audit(
    state: &AppState,
    actor: Option<Uuid>,
    action: &str,
    subject: Option<Uuid>,
    reason: &str,
    details: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(&state.db, state.clock.now_micros(), audit::Entry { actor, action, subject, reason, details })
        .await?;
    Ok(())
}
