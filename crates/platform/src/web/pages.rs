//! Public pages: home, accessibility statement, legal notice, privacy policy, language switch.

use askama::Template;
use axum::{
    extract::{Path, Query},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};

use super::{
    error::AppError,
    i18n::{LANG_COOKIE, Lang},
    layout::{Chrome, render},
};

#[derive(Template)]
#[template(path = "pages/home.html")]
struct Home {
    chrome: Chrome,
    signed_in: bool,
}

/// `GET /`
pub async fn home(lang: Lang, me: crate::identity::MaybeUser) -> Response {
    let chrome = Chrome::for_user(lang, "/", &lang.t("home-title"), me.user.as_ref());
    render(StatusCode::OK, &Home { chrome, signed_in: me.user.is_some() })
}

/// A page whose long text lives in one template per language (`pages/<name>.<lang>.html`).
#[derive(Template)]
#[template(path = "pages/statement.html")]
struct Statement {
    chrome: Chrome,
    body: &'static str,
}

macro_rules! statement_body {
    ($name:literal, $lang:expr) => {
        match $lang {
            Lang::Fr => include_str!(concat!("../../templates/pages/", $name, ".fr.html")),
            Lang::En => include_str!(concat!("../../templates/pages/", $name, ".en.html")),
        }
    };
}

/// `GET /accessibility`
pub async fn accessibility(lang: Lang) -> Response {
    let chrome = Chrome::new(lang, "/accessibility", &lang.t("accessibility-title"));
    render(StatusCode::OK, &Statement { chrome, body: statement_body!("accessibility", lang) })
}

/// `GET /legal`
pub async fn legal(lang: Lang) -> Response {
    let chrome = Chrome::new(lang, "/legal", &lang.t("legal-title"));
    render(StatusCode::OK, &Statement { chrome, body: statement_body!("legal", lang) })
}

/// `GET /privacy`
pub async fn privacy(lang: Lang) -> Response {
    let chrome = Chrome::new(lang, "/privacy", &lang.t("privacy-title"));
    render(StatusCode::OK, &Statement { chrome, body: statement_body!("privacy", lang) })
}

/// Query of the language switch.
#[derive(serde::Deserialize)]
pub struct SwitchQuery {
    next: Option<String>,
}

/// `GET /lang/{code}?next=/path`: remembers the language in a cookie and goes back.
///
/// Only local paths are accepted as `next`, so the switch cannot be used as an open redirect.
pub async fn switch_language(Path(code): Path<String>, Query(q): Query<SwitchQuery>) -> Result<Response, AppError> {
    let lang = Lang::parse(&code).filter(|l| l.code() == code).ok_or(AppError::NotFound)?;
    let next = q
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".to_owned());
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
    let mut response = Redirect::to(&next).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.into()))?);
    Ok(response)
}
