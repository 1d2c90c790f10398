//! Identity pages: sign-up, login, logout, forgotten and reset password, my account.

use std::collections::HashMap;

use askama::Template;
use axum::{
    Form,
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};

use super::{
    gdpr, model, service,
    service::LoginFailure,
    session::{self, CurrentUser, MaybeUser},
};
use crate::{
    AppState,
    web::{
        error::{AppError, FieldError},
        form::FormState,
        i18n::Lang,
        layout::{Chrome, render},
    },
};

type Fields = HashMap<String, String>;

fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map(String::as_str).unwrap_or("")
}

/// A local path to go back to after login (never another site).
pub fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/profile".to_owned()
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message {
    chrome: Chrome,
    paragraphs: Vec<String>,
    link_href: String,
    link_text: String,
}

/// A simple page with a title, paragraphs and a link.
pub fn message(status: StatusCode, chrome: Chrome, paragraphs: Vec<String>, link: Option<(&str, String)>) -> Response {
    let (link_href, link_text) = link.map(|(h, t)| (h.to_owned(), t)).unwrap_or_default();
    render(status, &Message { chrome, paragraphs, link_href, link_text })
}

// ------------------------------------------------------------------ sign-up

#[derive(Template)]
#[template(path = "identity/signup.html")]
struct SignupPage {
    chrome: Chrome,
    form: FormState,
    csrf: String,
}

/// `GET /signup`
pub async fn signup_form(lang: Lang, me: MaybeUser) -> Result<Response, AppError> {
    if me.user.is_some() {
        return Ok(Redirect::to("/profile").into_response());
    }
    let csrf = me.csrf().await?;
    let chrome = Chrome::for_user(lang, "/signup", &lang.t("signup-title"), None);
    Ok(render(StatusCode::OK, &SignupPage { chrome, form: FormState::new(), csrf }))
}

/// `POST /signup`: same answer whether or not the email already has an account.
pub async fn signup(
    State(state): State<AppState>,
    lang: Lang,
    me: MaybeUser,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    session::check_csrf(&me.session, f.get("csrf_token").map(String::as_str)).await?;
    let terms = field(&f, "terms") == "yes";
    match model::validate_signup(
        field(&f, "first_name"),
        field(&f, "last_name"),
        field(&f, "email"),
        field(&f, "password"),
        terms,
    ) {
        Err(errors) => {
            let form = FormState::new()
                .keep("first_name", field(&f, "first_name"))
                .keep("last_name", field(&f, "last_name"))
                .keep("email", field(&f, "email"))
                .keep("terms", field(&f, "terms"))
                .with_errors(lang, &errors);
            let chrome = Chrome::for_user(lang, "/signup", &lang.t("signup-title"), None);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &SignupPage { chrome, form, csrf: me.csrf().await? }))
        }
        Ok(account) => {
            service::sign_up(&state, account, lang.code()).await?;
            Ok(Redirect::to("/login?welcome=1").into_response())
        }
    }
}

// ------------------------------------------------------------------ login / logout

#[derive(Template)]
#[template(path = "identity/login.html")]
struct LoginPage {
    chrome: Chrome,
    form: FormState,
    csrf: String,
    next: String,
    notice: String,
    warning: String,
    blocked: String,
}

/// Query of the login page.
#[derive(serde::Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    welcome: Option<String>,
    reset: Option<String>,
    erased: Option<String>,
}

/// `GET /login`
pub async fn login_form(lang: Lang, me: MaybeUser, Query(q): Query<LoginQuery>) -> Result<Response, AppError> {
    let next = safe_next(q.next.as_deref().unwrap_or("/profile"));
    if me.user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let notice = if q.welcome.is_some() {
        lang.t("login-welcome")
    } else if q.reset.is_some() {
        lang.t("login-after-reset")
    } else if q.erased.is_some() {
        lang.t("login-after-erase")
    } else {
        String::new()
    };
    let chrome = Chrome::for_user(lang, "/login", &lang.t("login-title"), None);
    let page = LoginPage {
        chrome,
        form: FormState::new(),
        csrf: me.csrf().await?,
        next,
        notice,
        warning: String::new(),
        blocked: String::new(),
    };
    Ok(render(StatusCode::OK, &page))
}

fn format_time(micros: i64, lang: Lang) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000) else {
        return String::new();
    };
    match lang {
        Lang::Fr => format!("{:02}:{:02} (UTC)", t.hour(), t.minute()),
        Lang::En => format!("{:02}:{:02} (UTC)", t.hour(), t.minute()),
    }
}

/// `POST /login`
pub async fn login(
    State(state): State<AppState>,
    lang: Lang,
    me: MaybeUser,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    session::check_csrf(&me.session, f.get("csrf_token").map(String::as_str)).await?;
    let next = safe_next(field(&f, "next"));
    let identifier = field(&f, "identifier");
    let outcome = service::log_in(&state, identifier, field(&f, "password")).await?;
    let user = match outcome {
        Ok(user) => user,
        Err(failure) => {
            let form = FormState::new().keep("identifier", identifier);
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
                    let seconds = ((until - state.clock.now_micros()) / 1_000_000).max(1);
                    let text = lang.t_args("login-temporarily-blocked", &[("time", &format_time(until, lang))]);
                    (StatusCode::TOO_MANY_REQUESTS, form, String::new(), text, Some(seconds))
                }
                LoginFailure::Blocked => (StatusCode::FORBIDDEN, form, String::new(), lang.t("login-blocked"), None),
            };
            let chrome = Chrome::for_user(lang, "/login", &lang.t("login-title"), None);
            let page =
                LoginPage { chrome, form, csrf: me.csrf().await?, next, notice: String::new(), warning, blocked };
            let mut response = render(status, &page);
            if let Some(seconds) = retry {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds as u64));
            }
            return Ok(response);
        }
    };
    session::log_in(&me.session, user.id, state.clock.now_micros()).await?;
    let mut response = Redirect::to(&next).into_response();
    // The account's language becomes the interface language.
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
        if user.lang == "en" { "en" } else { "fr" }
    )) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `POST /logout`
pub async fn logout(me: MaybeUser, Form(f): Form<Fields>) -> Result<Response, AppError> {
    session::check_csrf(&me.session, f.get("csrf_token").map(String::as_str)).await?;
    session::log_out(&me.session).await?;
    Ok(Redirect::to("/").into_response())
}

/// `POST /logout-everywhere`: closes every session of the account, on every device.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    session::check_csrf(&user.session, f.get("csrf_token").map(String::as_str)).await?;
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
    csrf: String,
}

/// `GET /password/forgot`
pub async fn forgot_form(lang: Lang, me: MaybeUser) -> Result<Response, AppError> {
    let chrome = Chrome::for_user(lang, "/password/forgot", &lang.t("forgot-title"), me.user.as_ref());
    Ok(render(StatusCode::OK, &ForgotPage { chrome, form: FormState::new(), csrf: me.csrf().await? }))
}

/// `POST /password/forgot`: the same answer whether or not the address has an account.
pub async fn forgot(State(state): State<AppState>, me: MaybeUser, Form(f): Form<Fields>) -> Result<Response, AppError> {
    session::check_csrf(&me.session, f.get("csrf_token").map(String::as_str)).await?;
    service::request_password_reset(&state, field(&f, "email")).await?;
    Ok(Redirect::to("/password/forgot/sent").into_response())
}

/// `GET /password/forgot/sent`
pub async fn forgot_sent(lang: Lang, me: MaybeUser) -> Response {
    let chrome = Chrome::for_user(lang, "/password/forgot/sent", &lang.t("forgot-sent-title"), me.user.as_ref());
    message(
        StatusCode::OK,
        chrome,
        vec![lang.t("forgot-sent-text"), lang.t("forgot-sent-spam")],
        Some(("/login", lang.t("back-to-login"))),
    )
}

#[derive(Template)]
#[template(path = "identity/reset.html")]
struct ResetPage {
    chrome: Chrome,
    form: FormState,
    csrf: String,
    token: String,
}

/// Query with a one-time token.
#[derive(serde::Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

fn invalid_link(lang: Lang, me: &MaybeUser) -> Response {
    let chrome = Chrome::for_user(lang, "/password/reset", &lang.t("reset-invalid-title"), me.user.as_ref());
    message(
        StatusCode::BAD_REQUEST,
        chrome,
        vec![lang.t("reset-invalid-text")],
        Some(("/password/forgot", lang.t("reset-ask-again"))),
    )
}

/// `GET /password/reset?token=…`
pub async fn reset_form(
    State(state): State<AppState>,
    lang: Lang,
    me: MaybeUser,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let token = q.token.unwrap_or_default();
    if token.len() > 200 || !service::reset_token_valid(&state.db, &token, state.clock.now_micros()).await? {
        return Ok(invalid_link(lang, &me));
    }
    let chrome = Chrome::for_user(lang, "/password/reset", &lang.t("reset-title"), me.user.as_ref());
    Ok(render(StatusCode::OK, &ResetPage { chrome, form: FormState::new(), csrf: me.csrf().await?, token }))
}

/// `POST /password/reset`
pub async fn reset(
    State(state): State<AppState>,
    lang: Lang,
    me: MaybeUser,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    session::check_csrf(&me.session, f.get("csrf_token").map(String::as_str)).await?;
    let token = field(&f, "token").to_owned();
    match service::reset_password(&state, &token, field(&f, "password")).await? {
        Ok(_) => Ok(Redirect::to("/login?reset=1").into_response()),
        Err(e) if e.field == "token" => Ok(invalid_link(lang, &me)),
        Err(e) => {
            let chrome = Chrome::for_user(lang, "/password/reset", &lang.t("reset-title"), me.user.as_ref());
            let form = FormState::new().with_errors(lang, &[e]);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &ResetPage { chrome, form, csrf: me.csrf().await?, token }))
        }
    }
}

// ------------------------------------------------------------------ my account

#[derive(Template)]
#[template(path = "identity/account.html")]
struct AccountPage {
    chrome: Chrome,
    csrf: String,
    email: String,
    notice: String,
    profile: FormState,
    email_form: FormState,
    password_form: FormState,
    delete_form: FormState,
}

/// Query of the account page.
#[derive(serde::Deserialize, Default)]
pub struct AccountQuery {
    saved: Option<String>,
}

async fn account_page(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    notice: String,
    status: StatusCode,
    forms: [FormState; 4],
) -> Result<Response, AppError> {
    let me = service::user_by_id(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
    let [mut profile, email_form, password_form, delete_form] = forms;
    if profile.values.is_empty() {
        profile = profile
            .keep("first_name", &me.first_name)
            .keep("last_name", &me.last_name)
            .keep("username", me.username.as_deref().unwrap_or(""))
            .keep("lang", &me.lang);
    }
    let chrome = Chrome::for_user(lang, "/account", &lang.t("account-title"), Some(user));
    let page = AccountPage {
        chrome,
        csrf: user.csrf.clone(),
        email: me.email.unwrap_or_default(),
        notice,
        profile,
        email_form,
        password_form,
        delete_form,
    };
    Ok(render(status, &page))
}

/// `GET /account`
pub async fn account(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(q): Query<AccountQuery>,
) -> Result<Response, AppError> {
    let notice = match q.saved.as_deref() {
        Some("profile") => lang.t("account-saved-profile"),
        Some("password") => lang.t("account-saved-password"),
        Some("email") => lang.t("account-email-sent"),
        _ => String::new(),
    };
    account_page(&state, lang, &user, notice, StatusCode::OK, Default::default()).await
}

/// `POST /account/profile`
pub async fn update_profile(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    session::check_csrf(&user.session, f.get("csrf_token").map(String::as_str)).await?;
    match service::update_profile(
        &state,
        user.id,
        field(&f, "first_name"),
        field(&f, "last_name"),
        field(&f, "username"),
        field(&f, "lang"),
    )
    .await?
    {
        Ok(()) => {
            let mut response = Redirect::to("/account?saved=profile").into_response();
            let code = if field(&f, "lang") == "en" { "en" } else { "fr" };
            if let Ok(cookie) = HeaderValue::from_str(&format!("lang={code}; Path=/; Max-Age=31536000; SameSite=Lax")) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            Ok(response)
        }
        Err(errors) => {
            let profile = FormState::new()
                .keep("first_name", field(&f, "first_name"))
                .keep("last_name", field(&f, "last_name"))
                .keep("username", field(&f, "username"))
                .keep("lang", field(&f, "lang"))
                .with_errors(lang, &errors);
            account_page(
                &state,
                lang,
                &user,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
                [profile, FormState::new(), FormState::new(), FormState::new()],
            )
            .await
        }
    }
}

/// `POST /account/password`: needs the current password; closes the other sessions.
pub async fn change_password(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    session::check_csrf(&user.session, f.get("csrf_token").map(String::as_str)).await?;
    let me = service::user_by_id(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    if !super::password::verify(field(&f, "current_password").to_owned(), me.password_hash.clone()).await {
        errors.push(FieldError { field: "current_password".into(), code: "field-current-password-wrong".into() });
    }
    if !model::password_ok(field(&f, "new_password")) {
        errors.push(FieldError { field: "new_password".into(), code: "field-password-rule".into() });
    }
    if !errors.is_empty() {
        let form = FormState::new().with_errors(lang, &errors);
        return account_page(
            &state,
            lang,
            &user,
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            [FormState::new(), FormState::new(), form, FormState::new()],
        )
        .await;
    }
    service::set_password(&state, user.id, field(&f, "new_password")).await?;
    session::log_in(&user.session, user.id, state.clock.now_micros()).await?;
    Ok(Redirect::to("/account?saved=password").into_response())
}

/// `POST /account/email`: sends a confirmation link to the new address.
pub async fn change_email(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    session::check_csrf(&user.session, f.get("csrf_token").map(String::as_str)).await?;
    let me = service::user_by_id(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
    match service::request_email_change(&state, &me, field(&f, "new_email")).await? {
        Ok(()) => Ok(Redirect::to("/account?saved=email").into_response()),
        Err(e) => {
            let form = FormState::new().keep("new_email", field(&f, "new_email")).with_errors(lang, &[e]);
            account_page(
                &state,
                lang,
                &user,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
                [FormState::new(), form, FormState::new(), FormState::new()],
            )
            .await
        }
    }
}

/// `GET /account/email/confirm?token=…`
pub async fn confirm_email(
    State(state): State<AppState>,
    lang: Lang,
    me: MaybeUser,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let token = q.token.unwrap_or_default();
    let ok = token.len() <= 200 && service::confirm_email_change(&state, &token).await?;
    let (status, title, text) = if ok {
        (StatusCode::OK, "email-confirmed-title", "email-confirmed-text")
    } else {
        (StatusCode::BAD_REQUEST, "email-confirm-invalid-title", "email-confirm-invalid-text")
    };
    let chrome = Chrome::for_user(lang, "/account/email/confirm", &lang.t(title), me.user.as_ref());
    Ok(message(status, chrome, vec![lang.t(text)], Some(("/account", lang.t("nav-account")))))
}

/// `GET /account/export`: everything about me, as one JSON file.
pub async fn export(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    let doc = gdpr::export_own(&state, user.id).await?;
    let body = serde_json::to_vec_pretty(&doc).map_err(|e| AppError::Internal(e.into()))?;
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"my-pix-data.json\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /account/delete`: erases the account after confirming the password.
pub async fn delete_account(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    session::check_csrf(&user.session, f.get("csrf_token").map(String::as_str)).await?;
    let me = service::user_by_id(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
    if !super::password::verify(field(&f, "delete_password").to_owned(), me.password_hash.clone()).await {
        let form = FormState::new().with_errors(
            lang,
            &[FieldError { field: "delete_password".into(), code: "field-current-password-wrong".into() }],
        );
        return account_page(
            &state,
            lang,
            &user,
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            [FormState::new(), FormState::new(), FormState::new(), form],
        )
        .await;
    }
    gdpr::erase(&state, user.id, user.id, "self-service erasure").await?;
    session::log_out(&user.session).await?;
    Ok(Redirect::to("/login?erased=1").into_response())
}
