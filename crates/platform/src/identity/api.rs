//! The identity API under `/api` (JSON; errors as problem documents). Browsers and other clients
//! use the session cookie; state-changing calls carry the session's CSRF token in `X-CSRF-Token`
//! (get it from `GET /api/session`).

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    gdpr, model, service,
    service::LoginFailure,
    session::{self, CurrentUser, MaybeUser},
};
use crate::{
    AppState,
    web::{
        error::{AppError, FieldError},
        i18n::Lang,
    },
};

fn csrf_header(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-csrf-token").and_then(|v| v.to_str().ok())
}

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

/// Starts (or reads) a session and returns its CSRF token.
#[utoipa::path(get, path = "/api/session", tag = "identity", responses((status = 200, body = SessionInfo)))]
pub async fn session_info(State(state): State<AppState>, me: MaybeUser) -> Result<Json<SessionInfo>, AppError> {
    let csrf_token = me.csrf().await?;
    let user = match &me.user {
        Some(u) => Some(me_of(&state, u.id).await?),
        None => None,
    };
    Ok(Json(SessionInfo { csrf_token, user }))
}

/// Sign-up request.
#[derive(Deserialize, ToSchema)]
pub struct SignupBody {
    first_name: String,
    last_name: String,
    email: String,
    password: String,
    /// Acceptance of the terms of use and the privacy policy.
    accept_terms: bool,
}

/// Creates an account. Answers 202 whether or not the email already had one (no enumeration).
#[utoipa::path(post, path = "/api/signup", tag = "identity", request_body = SignupBody,
    responses((status = 202, description = "accepted"), (status = 422, description = "invalid fields (problem document)")))]
pub async fn signup(
    State(state): State<AppState>,
    lang: Lang,
    me: MaybeUser,
    headers: HeaderMap,
    Json(body): Json<SignupBody>,
) -> Result<Response, AppError> {
    session::check_csrf(&me.session, csrf_header(&headers)).await?;
    let account =
        model::validate_signup(&body.first_name, &body.last_name, &body.email, &body.password, body.accept_terms)
            .map_err(AppError::Invalid)?;
    service::sign_up(&state, account, lang.code()).await?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "status": "accepted" }))).into_response())
}

/// Login request.
#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    /// Email or username.
    identifier: String,
    password: String,
}

/// Logs in (a new session id is issued).
#[utoipa::path(post, path = "/api/login", tag = "identity", request_body = LoginBody,
    responses((status = 200, body = Me), (status = 401, description = "wrong identifier or password"),
              (status = 429, description = "temporarily blocked (Retry-After)"), (status = 403, description = "blocked")))]
pub async fn login(
    State(state): State<AppState>,
    me: MaybeUser,
    headers: HeaderMap,
    Json(body): Json<LoginBody>,
) -> Result<Response, AppError> {
    session::check_csrf(&me.session, csrf_header(&headers)).await?;
    match service::log_in(&state, &body.identifier, &body.password).await? {
        Ok(user) => {
            session::log_in(&me.session, user.id, state.clock.now_micros()).await?;
            Ok(Json(me_of(&state, user.id).await?).into_response())
        }
        Err(LoginFailure::Invalid { remaining }) => Err(AppError::BadCredentials { remaining }),
        Err(LoginFailure::TemporarilyBlocked(until)) => Err(AppError::TooManyRequests {
            retry_after: ((until - state.clock.now_micros()) / 1_000_000).max(1) as u64,
        }),
        Err(LoginFailure::Blocked) => Err(AppError::Forbidden),
    }
}

/// Logs out.
#[utoipa::path(post, path = "/api/logout", tag = "identity", responses((status = 204)))]
pub async fn logout(me: MaybeUser, headers: HeaderMap) -> Result<StatusCode, AppError> {
    session::check_csrf(&me.session, csrf_header(&headers)).await?;
    session::log_out(&me.session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Closes every session of the account.
#[utoipa::path(post, path = "/api/logout-everywhere", tag = "identity", responses((status = 204), (status = 401)))]
pub async fn logout_everywhere(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    session::check_csrf(&user.session, csrf_header(&headers)).await?;
    session::delete_all_for(&state.db, user.id).await?;
    session::log_out(&user.session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Forgotten-password request.
#[derive(Deserialize, ToSchema)]
pub struct ForgotBody {
    email: String,
}

/// Emails a one-hour reset link if the address has an account; answers 202 either way.
#[utoipa::path(post, path = "/api/password/forgot", tag = "identity", request_body = ForgotBody, responses((status = 202)))]
pub async fn forgot(
    State(state): State<AppState>,
    me: MaybeUser,
    headers: HeaderMap,
    Json(body): Json<ForgotBody>,
) -> Result<Response, AppError> {
    session::check_csrf(&me.session, csrf_header(&headers)).await?;
    service::request_password_reset(&state, &body.email).await?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "status": "accepted" }))).into_response())
}

/// Password reset with the emailed token.
#[derive(Deserialize, ToSchema)]
pub struct ResetBody {
    token: String,
    password: String,
}

/// Sets a new password with a reset token (single use, one hour).
#[utoipa::path(post, path = "/api/password/reset", tag = "identity", request_body = ResetBody,
    responses((status = 204), (status = 400, description = "invalid or expired token"), (status = 422)))]
pub async fn reset(
    State(state): State<AppState>,
    me: MaybeUser,
    headers: HeaderMap,
    Json(body): Json<ResetBody>,
) -> Result<StatusCode, AppError> {
    session::check_csrf(&me.session, csrf_header(&headers)).await?;
    match service::reset_password(&state, &body.token, &body.password).await? {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        Err(e) if e.field == "token" => Err(AppError::BadRequest("invalid or expired token".into())),
        Err(e) => Err(AppError::Invalid(vec![e])),
    }
}

/// My profile.
#[utoipa::path(get, path = "/api/me", tag = "identity", responses((status = 200, body = Me), (status = 401)))]
pub async fn me(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Me>, AppError> {
    Ok(Json(me_of(&state, user.id).await?))
}

/// Profile changes.
#[derive(Deserialize, ToSchema)]
pub struct ProfileBody {
    first_name: String,
    last_name: String,
    #[serde(default)]
    username: String,
    lang: String,
}

/// Updates names, username and language.
#[utoipa::path(patch, path = "/api/me", tag = "identity", request_body = ProfileBody, responses((status = 200, body = Me), (status = 422)))]
pub async fn update_me(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Json(body): Json<ProfileBody>,
) -> Result<Json<Me>, AppError> {
    session::check_csrf(&user.session, csrf_header(&headers)).await?;
    service::update_profile(&state, user.id, &body.first_name, &body.last_name, &body.username, &body.lang)
        .await?
        .map_err(AppError::Invalid)?;
    Ok(Json(me_of(&state, user.id).await?))
}

/// Password change.
#[derive(Deserialize, ToSchema)]
pub struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// Changes my password (other sessions are closed; this one gets a new id).
#[utoipa::path(post, path = "/api/me/password", tag = "identity", request_body = PasswordBody, responses((status = 204), (status = 422)))]
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Json(body): Json<PasswordBody>,
) -> Result<StatusCode, AppError> {
    session::check_csrf(&user.session, csrf_header(&headers)).await?;
    let me = service::user_by_id(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    if !super::password::verify(body.current_password.clone(), me.password_hash).await {
        errors.push(FieldError { field: "current_password".into(), code: "field-current-password-wrong".into() });
    }
    if !model::password_ok(&body.new_password) {
        errors.push(FieldError { field: "new_password".into(), code: "field-password-rule".into() });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    service::set_password(&state, user.id, &body.new_password).await?;
    session::log_in(&user.session, user.id, state.clock.now_micros()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Email change.
#[derive(Deserialize, ToSchema)]
pub struct EmailBody {
    new_email: String,
}

/// Sends a confirmation link to a new address.
#[utoipa::path(post, path = "/api/me/email", tag = "identity", request_body = EmailBody, responses((status = 202), (status = 422)))]
pub async fn change_email(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Json(body): Json<EmailBody>,
) -> Result<Response, AppError> {
    session::check_csrf(&user.session, csrf_header(&headers)).await?;
    let me = service::user_by_id(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
    service::request_email_change(&state, &me, &body.new_email).await?.map_err(|e| AppError::Invalid(vec![e]))?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "status": "accepted" }))).into_response())
}

/// Everything the platform holds about me.
#[utoipa::path(get, path = "/api/me/export", tag = "identity", responses((status = 200, description = "personal data document")))]
pub async fn export(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    let doc = gdpr::export_own(&state, user.id).await?;
    let mut response = Json(doc).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Account deletion.
#[derive(Deserialize, ToSchema)]
pub struct DeleteBody {
    password: String,
}

/// Erases my account (anonymisation; learning data kept without identity).
#[utoipa::path(delete, path = "/api/me", tag = "identity", request_body = DeleteBody, responses((status = 204), (status = 422)))]
pub async fn delete_me(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Json(body): Json<DeleteBody>,
) -> Result<StatusCode, AppError> {
    session::check_csrf(&user.session, csrf_header(&headers)).await?;
    let me = service::user_by_id(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
    if !super::password::verify(body.password, me.password_hash).await {
        return Err(AppError::Invalid(vec![FieldError {
            field: "password".into(),
            code: "field-current-password-wrong".into(),
        }]));
    }
    gdpr::erase(&state, user.id, user.id, "self-service erasure").await?;
    session::log_out(&user.session).await?;
    Ok(StatusCode::NO_CONTENT)
}
