//! The identity API under `/api` (JSON; errors as problem documents). Browsers and other clients
//! use the session cookie; state-changing calls carry the CSRF token in `X-CSRF-Token` (get it from
//! `GET /api/session`).

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    model::{self, NewAccount, ProfileChange, ProfileFields, SignupFields},
    service,
    service::{LoginFailure, PasswordChange},
    session::{self, CurrentUser},
};
use crate::identity::request::{CsrfHeader, CsrfJson, Page};
use crate::{
    AppState,
    web::{
        error::{AppError, FieldError},
        i18n::Lang,
    },
};

/// The caller's session: its CSRF token and who is signed in.
#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    /// Token to send in `X-CSRF-Token` with every state-changing request.
    csrf_token: String,
    /// The signed-in person, if any.
    user: Option<Me>,
}

/// The signed-in person.
#[derive(Serialize, ToSchema)]
pub struct Me {
    id: Uuid,
    first_name: String,
    last_name: String,
    email: Option<String>,
    username: Option<String>,
    /// `fr` or `en`.
    lang: String,
    admin_roles: Vec<model::AdminRole>,
}

async fn me_of(state: &AppState, id: Uuid) -> Result<Me, AppError> {
    let u = service::user_by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(Me {
        id: u.id,
        first_name: u.first_name,
        last_name: u.last_name,
        email: u.email,
        username: u.username,
        lang: u.lang,
        admin_roles: service::admin_roles(&state.db, id).await?,
    })
}

/// The caller's CSRF token (anonymous callers get a signed token tied to a cookie) and who is
/// signed in.
#[utoipa::path(get, path = "/api/session", tag = "identity", responses((status = 200, body = SessionInfo)))]
pub async fn session_info(State(state): State<AppState>, page: Page) -> Result<Json<SessionInfo>, AppError> {
    let user = match &page.user {
        Some(u) => Some(me_of(&state, u.id).await?),
        None => None,
    };
    Ok(Json(SessionInfo { csrf_token: page.csrf(), user }))
}

/// Sign-up request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupBody {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    first_name: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    last_name: String,
    email: String,
    /// At least 8 characters with an upper-case letter, a lower-case letter and a digit.
    password: String,
    /// Acceptance of the terms of use and the privacy policy (must be true).
    accept_terms: bool,
}

/// Creates an account. Answers 202 whether or not the email already had one (no enumeration).
#[utoipa::path(post, path = "/api/signup", tag = "identity", request_body = SignupBody,
    responses((status = 202, description = "accepted")))]
pub async fn signup(
    State(state): State<AppState>,
    lang: Lang,
    CsrfJson(body): CsrfJson<SignupBody>,
) -> Result<Response, AppError> {
    let names = model::api_name_errors(&[("first_name", &body.first_name), ("last_name", &body.last_name)]);
    let account = NewAccount::try_from(SignupFields {
        first_name: &body.first_name,
        last_name: &body.last_name,
        email: &body.email,
        password: &body.password,
        terms: body.accept_terms,
    });
    let account = match (names.is_empty(), account) {
        (true, Ok(account)) => account,
        (_, result) => return Err(AppError::Invalid(merge_errors(names, result.err().unwrap_or_default()))),
    };
    service::sign_up(&state, account, lang.code()).await?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "status": "accepted" }))).into_response())
}

/// The schema's name errors first, then the domain's on the other fields (one error per field, in
/// the body's order as the domain gives it).
fn merge_errors(names: Vec<FieldError>, domain: Vec<FieldError>) -> Vec<FieldError> {
    let mut all: Vec<FieldError> = domain.into_iter().filter(|e| !names.iter().any(|n| n.field == e.field)).collect();
    for name in names.into_iter().rev() {
        all.insert(0, name);
    }
    all.sort_by_key(|e| ["first_name", "last_name"].iter().position(|f| *f == e.field).map_or(2, |p| p));
    all
}

/// Login request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// Email or username.
    identifier: String,
    password: String,
}

/// Logs in (a new session id is issued). 401 on wrong credentials, 429 while temporarily blocked,
/// 403 when blocked.
#[utoipa::path(post, path = "/api/login", tag = "identity", request_body = LoginBody, responses((status = 200, body = Me)))]
pub async fn login(
    State(state): State<AppState>,
    page: Page,
    CsrfJson(body): CsrfJson<LoginBody>,
) -> Result<Response, AppError> {
    match service::log_in(&state, &body.identifier, &body.password).await? {
        Ok(user) => {
            session::log_in(page.session(), user.id, state.clock.now_micros()).await?;
            Ok(Json(me_of(&state, user.id).await?).into_response())
        }
        Err(LoginFailure::Invalid { remaining }) => Err(AppError::BadCredentials { remaining }),
        Err(LoginFailure::TemporarilyBlocked(until)) => Err(AppError::TooManyRequests {
            retry_after: crate::web::limit::retry_after_until(state.clock.now_micros(), until),
        }),
        Err(LoginFailure::Blocked) => Err(AppError::Forbidden),
    }
}

/// Logs out.
#[utoipa::path(post, path = "/api/logout", tag = "identity", responses((status = 204, description = "logged out")))]
pub async fn logout(page: Page, _: CsrfHeader) -> Result<StatusCode, AppError> {
    session::log_out(page.session()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Closes every session of the account.
#[utoipa::path(post, path = "/api/logout-everywhere", tag = "identity", responses((status = 204, description = "every session closed")))]
pub async fn logout_everywhere(
    State(state): State<AppState>,
    user: CurrentUser,
    _: CsrfHeader,
) -> Result<StatusCode, AppError> {
    session::delete_all_for(&state.db, user.id).await?;
    session::log_out(&user.session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Forgotten-password request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotBody {
    email: String,
}

/// Emails a one-hour reset link if the address has an account; answers 202 either way, in the same time.
#[utoipa::path(post, path = "/api/password/forgot", tag = "identity", request_body = ForgotBody, responses((status = 202, description = "accepted")))]
pub async fn forgot(State(state): State<AppState>, CsrfJson(body): CsrfJson<ForgotBody>) -> Result<Response, AppError> {
    service::request_password_reset(&state, &body.email).await?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "status": "accepted" }))).into_response())
}

/// Password reset with the emailed token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    token: String,
    password: String,
}

/// Sets a new password with a reset token (single use, one hour); 422 with a `token` field error
/// when the token is invalid, used or expired.
#[utoipa::path(post, path = "/api/password/reset", tag = "identity", request_body = ResetBody, responses((status = 204, description = "password changed")))]
pub async fn reset(State(state): State<AppState>, CsrfJson(body): CsrfJson<ResetBody>) -> Result<StatusCode, AppError> {
    match service::reset_password(&state, &body.token, &body.password).await? {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        Err(e) => Err(AppError::Invalid(vec![e])),
    }
}

/// My profile.
#[utoipa::path(get, path = "/api/me", tag = "identity", responses((status = 200, body = Me)))]
pub async fn me(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Me>, AppError> {
    Ok(Json(me_of(&state, user.id).await?))
}

/// Profile changes.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    first_name: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    last_name: String,
    /// Empty to remove the username.
    #[serde(default)]
    username: String,
    lang: Lang,
}

/// Updates names, username and language.
#[utoipa::path(patch, path = "/api/me", tag = "identity", request_body = ProfileBody, responses((status = 200, body = Me)))]
pub async fn update_me(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfJson(body): CsrfJson<ProfileBody>,
) -> Result<Json<Me>, AppError> {
    let names = model::api_name_errors(&[("first_name", &body.first_name), ("last_name", &body.last_name)]);
    let change = ProfileChange::try_from(ProfileFields {
        first_name: &body.first_name,
        last_name: &body.last_name,
        username: &body.username,
        lang: body.lang.code(),
    });
    let change = match (names.is_empty(), change) {
        (true, Ok(change)) => change,
        (_, result) => return Err(AppError::Invalid(merge_errors(names, result.err().unwrap_or_default()))),
    };
    service::update_profile(&state, user.id, change).await?.map_err(AppError::Invalid)?;
    Ok(Json(me_of(&state, user.id).await?))
}

/// Password change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// Changes my password (other sessions are closed; this one gets a new id; emailed links stop working).
#[utoipa::path(post, path = "/api/me/password", tag = "identity", request_body = PasswordBody, responses((status = 204, description = "password changed")))]
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfJson(body): CsrfJson<PasswordBody>,
) -> Result<StatusCode, AppError> {
    let change = PasswordChange { current: &body.current_password, new_password: &body.new_password };
    service::change_password(&state, user.id, change).await?.map_err(AppError::Invalid)?;
    session::log_in(&user.session, user.id, state.clock.now_micros()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Email change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailBody {
    new_email: String,
    /// The current password.
    current_password: String,
}

/// Sends a confirmation link to a new address and a notice to the current one.
#[utoipa::path(post, path = "/api/me/email", tag = "identity", request_body = EmailBody, responses((status = 202, description = "confirmation link sent")))]
pub async fn change_email(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfJson(body): CsrfJson<EmailBody>,
) -> Result<Response, AppError> {
    let me = service::user_by_id(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
    service::request_email_change(&state, &me, &body.new_email, &body.current_password).await?.map_err(|errors| {
        // The API names the password field as its body does.
        AppError::Invalid(
            errors
                .into_iter()
                .map(|e| FieldError {
                    field: if e.field == "email_password" { "current_password".into() } else { e.field },
                    ..e
                })
                .collect(),
        )
    })?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "status": "accepted" }))).into_response())
}

/// Everything the platform holds about me.
#[utoipa::path(get, path = "/api/me/export", tag = "identity", responses((status = 200, description = "personal data document", body = Object)))]
pub async fn export(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    let doc = super::rights::export_own(&state, user.id).await?;
    let mut response = Json(doc).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Account deletion.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteBody {
    password: String,
}

/// Erases my account (anonymisation; learning data kept without identity).
#[utoipa::path(delete, path = "/api/me", tag = "identity", request_body = DeleteBody, responses((status = 204, description = "account erased")))]
pub async fn delete_me(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfJson(body): CsrfJson<DeleteBody>,
) -> Result<StatusCode, AppError> {
    let me = service::user_by_id(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
    if !super::password::verify(body.password, me.password_hash).await {
        return Err(AppError::Invalid(vec![FieldError {
            field: "password".into(),
            code: "field-current-password-wrong".into(),
        }]));
    }
    super::rights::erase(&state, user.id, user.id, "self-service erasure").await?;
    session::log_out(&user.session).await?;
    Ok(StatusCode::NO_CONTENT)
}
