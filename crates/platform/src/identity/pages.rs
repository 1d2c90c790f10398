//! Identity pages: sign-up, login, logout, forgotten and reset password, my account.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::{
    model::{NewAccount, ProfileChange, ProfileFields, SignupFields},
    service,
    service::{LoginFailure, PasswordChange},
    session::{self, CurrentUser},
};
use crate::identity::request::{CsrfForm, NoFields, Page};
use crate::{
    AppState,
    web::{
        error::{AppError, FieldError},
        form::FormState,
        i18n::Lang,
        layout::{Chrome, encode_path, message, render, set_lang_cookie},
        redirect,
    },
};

/// Where to go after login when no (safe) target was given.
pub const AFTER_LOGIN: &str = "/profile";

// ------------------------------------------------------------------ sign-up

#[derive(Template)]
#[template(path = "identity/signup.html")]
struct SignupPage {
    chrome: Chrome,
    form: FormState,
    /// Where to go once signed in (kept through the login page), e.g. a campaign.
    next: String,
}

/// Query of the sign-up page.
#[derive(Deserialize, Default)]
pub struct SignupQuery {
    next: Option<String>,
}

/// `GET /signup`
pub async fn signup_form(page: Page, Query(q): Query<SignupQuery>) -> Result<Response, AppError> {
    let next = redirect::local_or(q.next.as_deref(), AFTER_LOGIN);
    if page.user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    Ok(render(StatusCode::OK, &SignupPage { chrome: page.chrome_t("signup-title"), form: FormState::new(), next }))
}

/// The sign-up form as submitted.
#[derive(Debug, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    terms: String,
    #[serde(default)]
    next: String,
}

/// `POST /signup`: same answer whether or not the email already has an account.
pub async fn signup(
    State(state): State<AppState>,
    page: Page,
    CsrfForm(f): CsrfForm<SignupForm>,
) -> Result<Response, AppError> {
    let fields = SignupFields {
        first_name: &f.first_name,
        last_name: &f.last_name,
        email: &f.email,
        password: &f.password,
        terms: f.terms == "yes",
    };
    match NewAccount::try_from(fields) {
        Err(errors) => {
            let form = FormState::new()
                .keep("first_name", &f.first_name)
                .keep("last_name", &f.last_name)
                .keep("email", &f.email)
                .keep("terms", &f.terms)
                .with_errors(page.lang, &errors);
            let chrome = page.chrome_t("signup-title");
            let next = redirect::local_or(Some(&f.next), AFTER_LOGIN);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &SignupPage { chrome, form, next }))
        }
        Ok(account) => {
            service::sign_up(&state, account, page.lang.code()).await?;
            let next = redirect::local_or(Some(&f.next), AFTER_LOGIN);
            let to = if next == AFTER_LOGIN {
                "/login?welcome=1".to_owned()
            } else {
                format!("/login?welcome=1&next={}", encode_path(&next))
            };
            Ok(Redirect::to(&to).into_response())
        }
    }
}

// ------------------------------------------------------------------ login / logout

#[derive(Template)]
#[template(path = "identity/login.html")]
struct LoginPage {
    chrome: Chrome,
    form: FormState,
    next: String,
    notice: String,
    warning: String,
    blocked: String,
}

/// Query of the login page.
#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    welcome: Option<String>,
    reset: Option<String>,
    erased: Option<String>,
}

/// `GET /login`
pub async fn login_form(page: Page, Query(q): Query<LoginQuery>) -> Result<Response, AppError> {
    let next = redirect::local_or(q.next.as_deref(), AFTER_LOGIN);
    if page.user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let notice = if q.welcome.is_some() {
        page.t("login-welcome")
    } else if q.reset.is_some() {
        page.t("login-after-reset")
    } else if q.erased.is_some() {
        page.t("login-after-erase")
    } else {
        String::new()
    };
    let login = LoginPage {
        chrome: page.chrome_t("login-title"),
        form: FormState::new(),
        next,
        notice,
        warning: String::new(),
        blocked: String::new(),
    };
    Ok(render(StatusCode::OK, &login))
}

fn format_time(micros: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000) else {
        return String::new();
    };
    format!("{:02}:{:02} (UTC)", t.hour(), t.minute())
}

/// The login form as submitted.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    identifier: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`
pub async fn login(
    State(state): State<AppState>,
    page: Page,
    CsrfForm(f): CsrfForm<LoginForm>,
) -> Result<Response, AppError> {
    let next = redirect::local_or(Some(&f.next), AFTER_LOGIN);
    let lang = page.lang;
    let user = match service::log_in(&state, &f.identifier, &f.password).await? {
        Ok(user) => user,
        Err(failure) => {
            let form = FormState::new().keep("identifier", &f.identifier);
            let (status, form, warning, blocked, retry) = match failure {
                LoginFailure::Invalid { remaining } => {
                    let form = form
                        .with_errors(lang, &[FieldError { field: "identifier".into(), code: "login-invalid".into() }]);
                    let warning = if remaining <= super::throttle::WARN_WHEN_REMAINING {
                        lang.t_args("login-attempts-left", &[("count", &remaining.to_string())])
                    } else {
                        String::new()
                    };
                    (StatusCode::UNPROCESSABLE_ENTITY, form, warning, String::new(), None)
                }
                LoginFailure::TemporarilyBlocked(until) => {
                    let seconds = crate::web::limit::retry_after_until(state.clock.now_micros(), until);
                    let text = lang.t_args("login-temporarily-blocked", &[("time", &format_time(until))]);
                    (StatusCode::TOO_MANY_REQUESTS, form, String::new(), text, Some(seconds))
                }
                LoginFailure::Blocked => (StatusCode::FORBIDDEN, form, String::new(), lang.t("login-blocked"), None),
            };
            let login =
                LoginPage { chrome: page.chrome_t("login-title"), form, next, notice: String::new(), warning, blocked };
            let mut response = render(status, &login);
            if let Some(seconds) = retry {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            return Ok(response);
        }
    };
    let session = page.session().clone();
    session::log_in(&session, user.id, state.clock.now_micros()).await?;
    let mut response = Redirect::to(&next).into_response();
    // The account's language becomes the interface language.
    set_lang_cookie(&mut response, Lang::parse(&user.lang).unwrap_or_default());
    Ok(response)
}

/// `POST /logout`
pub async fn logout(page: Page, _: CsrfForm<NoFields>) -> Result<Response, AppError> {
    session::log_out(page.session()).await?;
    Ok(Redirect::to("/").into_response())
}

/// `POST /logout-everywhere`: closes every session of the account, on every device.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    user: CurrentUser,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    session::delete_all_for(&state.db, user.id).await?;
    session::log_out(&user.session).await?;
    Ok(Redirect::to("/login").into_response())
}

// ------------------------------------------------------------------ password reset

#[derive(Template)]
#[template(path = "identity/forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    form: FormState,
}

/// `GET /password/forgot`
pub async fn forgot_form(page: Page) -> Result<Response, AppError> {
    Ok(render(StatusCode::OK, &ForgotPage { chrome: page.chrome_t("forgot-title"), form: FormState::new() }))
}

/// The forgotten-password form.
#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// `POST /password/forgot`: the same answer, in the same time, whether or not the address has an
/// account (the mail is prepared by the outbox worker).
pub async fn forgot(State(state): State<AppState>, CsrfForm(f): CsrfForm<ForgotForm>) -> Result<Response, AppError> {
    service::request_password_reset(&state, &f.email).await?;
    Ok(Redirect::to("/password/forgot/sent").into_response())
}

/// `GET /password/forgot/sent`
pub async fn forgot_sent(page: Page) -> Response {
    message(
        StatusCode::OK,
        page.chrome_t("forgot-sent-title"),
        vec![page.t("forgot-sent-text"), page.t("forgot-sent-spam")],
        Some(("/login", page.t("back-to-login"))),
    )
}

#[derive(Template)]
#[template(path = "identity/reset.html")]
struct ResetPage {
    chrome: Chrome,
    form: FormState,
    token: String,
}

/// Query with a one-time token.
#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

fn invalid_link(page: &Page) -> Response {
    message(
        StatusCode::BAD_REQUEST,
        page.chrome_t("reset-invalid-title"),
        vec![page.t("reset-invalid-text")],
        Some(("/password/forgot", page.t("reset-ask-again"))),
    )
}

/// `GET /password/reset?token=…`
pub async fn reset_form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let token = q.token.unwrap_or_default();
    if token.len() > 200 || !service::reset_token_valid(&state.db, &token, state.clock.now_micros()).await? {
        return Ok(invalid_link(&page));
    }
    let reset = ResetPage { chrome: page.chrome_t("reset-title"), form: FormState::new(), token };
    Ok(render(StatusCode::OK, &reset))
}

/// The new-password form.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

/// `POST /password/reset`
pub async fn reset(
    State(state): State<AppState>,
    page: Page,
    CsrfForm(f): CsrfForm<ResetForm>,
) -> Result<Response, AppError> {
    match service::reset_password(&state, &f.token, &f.password).await? {
        Ok(_) => Ok(Redirect::to("/login?reset=1").into_response()),
        Err(e) if e.field == "token" => Ok(invalid_link(&page)),
        Err(e) => {
            let form = FormState::new().with_errors(page.lang, &[e]);
            let reset = ResetPage { chrome: page.chrome_t("reset-title"), form, token: f.token };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &reset))
        }
    }
}

// ------------------------------------------------------------------ my account

#[derive(Template)]
#[template(path = "identity/account.html")]
struct AccountPage {
    chrome: Chrome,
    email: String,
    notice: String,
    profile: FormState,
    email_form: FormState,
    password_form: FormState,
    delete_form: FormState,
}

/// Query of the account page.
#[derive(Deserialize, Default)]
pub struct AccountQuery {
    saved: Option<String>,
}

/// Which form of the account page a state belongs to.
#[derive(Default)]
struct AccountForms {
    profile: FormState,
    email: FormState,
    password: FormState,
    delete: FormState,
}

async fn account_page(
    state: &AppState,
    page: &Page,
    user: &CurrentUser,
    notice: String,
    status: StatusCode,
    forms: AccountForms,
) -> Result<Response, AppError> {
    let me = service::user_by_id(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
    let AccountForms { mut profile, email, password, delete } = forms;
    if profile.values.is_empty() {
        profile = profile
            .keep("first_name", &me.first_name)
            .keep("last_name", &me.last_name)
            .keep("username", me.username.as_deref().unwrap_or(""))
            .keep("lang", &me.lang);
    }
    let account = AccountPage {
        chrome: page.chrome_t("account-title"),
        email: me.email.unwrap_or_default(),
        notice,
        profile,
        email_form: email,
        password_form: password,
        delete_form: delete,
    };
    Ok(render(status, &account))
}

/// `GET /account`
pub async fn account(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<AccountQuery>,
) -> Result<Response, AppError> {
    let notice = match q.saved.as_deref() {
        Some("profile") => page.t("account-saved-profile"),
        Some("password") => page.t("account-saved-password"),
        Some("email") => page.t("account-email-sent"),
        _ => String::new(),
    };
    account_page(&state, &page, &user, notice, StatusCode::OK, AccountForms::default()).await
}

/// The profile form.
#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    lang: String,
}

/// `POST /account/profile`
pub async fn update_profile(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<ProfileForm>,
) -> Result<Response, AppError> {
    let fields =
        ProfileFields { first_name: &f.first_name, last_name: &f.last_name, username: &f.username, lang: &f.lang };
    let outcome = match ProfileChange::try_from(fields) {
        Ok(change) => service::update_profile(&state, user.id, change).await?,
        Err(errors) => Err(errors),
    };
    match outcome {
        Ok(()) => {
            let mut response = Redirect::to("/account?saved=profile").into_response();
            set_lang_cookie(&mut response, if f.lang == "en" { Lang::En } else { Lang::Fr });
            Ok(response)
        }
        Err(errors) => {
            let profile = FormState::new()
                .keep("first_name", &f.first_name)
                .keep("last_name", &f.last_name)
                .keep("username", &f.username)
                .keep("lang", &f.lang)
                .with_errors(page.lang, &errors);
            let forms = AccountForms { profile, ..AccountForms::default() };
            account_page(&state, &page, &user, String::new(), StatusCode::UNPROCESSABLE_ENTITY, forms).await
        }
    }
}

/// The password-change form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// `POST /account/password`: needs the current password; closes the other sessions.
pub async fn change_password(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let change = PasswordChange { current: &f.current_password, new_password: &f.new_password };
    match service::change_password(&state, user.id, change).await? {
        Ok(()) => {
            session::log_in(&user.session, user.id, state.clock.now_micros()).await?;
            Ok(Redirect::to("/account?saved=password").into_response())
        }
        Err(errors) => {
            let forms =
                AccountForms { password: FormState::new().with_errors(page.lang, &errors), ..AccountForms::default() };
            account_page(&state, &page, &user, String::new(), StatusCode::UNPROCESSABLE_ENTITY, forms).await
        }
    }
}

/// The email-change form.
#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    new_email: String,
    #[serde(default)]
    email_password: String,
}

/// `POST /account/email`: with the current password, sends a confirmation link to the new address
/// and a notice to the current one.
pub async fn change_email(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<EmailForm>,
) -> Result<Response, AppError> {
    let me = service::user_by_id(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
    match service::request_email_change(&state, &me, &f.new_email, &f.email_password).await? {
        Ok(()) => Ok(Redirect::to("/account?saved=email").into_response()),
        Err(errors) => {
            let email = FormState::new().keep("new_email", &f.new_email).with_errors(page.lang, &errors);
            let forms = AccountForms { email, ..AccountForms::default() };
            account_page(&state, &page, &user, String::new(), StatusCode::UNPROCESSABLE_ENTITY, forms).await
        }
    }
}

/// `GET /account/email/confirm?token=…`
pub async fn confirm_email(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let token = q.token.unwrap_or_default();
    let ok = token.len() <= 200 && service::confirm_email_change(&state, &token).await?;
    let (status, title, text) = if ok {
        (StatusCode::OK, "email-confirmed-title", "email-confirmed-text")
    } else {
        (StatusCode::BAD_REQUEST, "email-confirm-invalid-title", "email-confirm-invalid-text")
    };
    Ok(message(status, page.chrome_t(title), vec![page.t(text)], Some(("/account", page.t("nav-account")))))
}

/// `GET /account/export`: everything about me, as one JSON file.
pub async fn export(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    let doc = super::rights::export_own(&state, user.id).await?;
    let body = serde_json::to_vec_pretty(&doc).map_err(|e| AppError::Internal(e.into()))?;
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"my-pix-data.json\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The account-deletion form.
#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    delete_password: String,
}

/// `POST /account/delete`: erases the account after confirming the password.
pub async fn delete_account(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<DeleteForm>,
) -> Result<Response, AppError> {
    let me = service::user_by_id(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
    if !super::password::verify(f.delete_password, me.password_hash.clone()).await {
        let delete = FormState::new().with_errors(
            page.lang,
            &[FieldError { field: "delete_password".into(), code: "field-current-password-wrong".into() }],
        );
        let forms = AccountForms { delete, ..AccountForms::default() };
        return account_page(&state, &page, &user, String::new(), StatusCode::UNPROCESSABLE_ENTITY, forms).await;
    }
    super::rights::erase(&state, user.id, user.id, "self-service erasure").await?;
    session::log_out(&user.session).await?;
    Ok(Redirect::to("/login?erased=1").into_response())
}
