//! Public pages: home, accessibility statement, legal notice, privacy policy, language switch.

use askama::Template;
use axum::{
    extract::{Path, Query},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use crate::{
    identity::request::Page,
    web::{
        assets,
        error::AppError,
        health,
        i18n::Lang,
        layout::{Chrome, render},
        media, redirect,
        routes::Pages,
    },
};

/// The public pages and the operator endpoints.
pub fn pages() -> Pages {
    Pages::new()
        .get("/", home)
        .get("/accessibility", accessibility)
        .get("/legal", legal)
        .get("/privacy", privacy)
        .get("/lang/{code}", switch_language)
        .get("/static/{name}", assets::serve)
        .get("/media/{*name}", media::serve)
        .get("/healthz", health::healthz)
        .get("/readyz", health::readyz)
        .get("/metrics", health::metrics_endpoint)
}

#[derive(Template)]
#[template(path = "pages/home.html")]
struct Home {
    chrome: Chrome,
    signed_in: bool,
}

/// `GET /`
pub async fn home(page: Page) -> Response {
    render(StatusCode::OK, &Home { chrome: page.chrome_t("home-title"), signed_in: page.user.is_some() })
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
            Lang::Fr => include_str!(concat!("../templates/pages/", $name, ".fr.html")),
            Lang::En => include_str!(concat!("../templates/pages/", $name, ".en.html")),
        }
    };
}

/// `GET /accessibility`
pub async fn accessibility(page: Page) -> Response {
    render(
        StatusCode::OK,
        &Statement { chrome: page.chrome_t("accessibility-title"), body: statement_body!("accessibility", page.lang) },
    )
}

/// `GET /legal`
pub async fn legal(page: Page) -> Response {
    render(
        StatusCode::OK,
        &Statement { chrome: page.chrome_t("legal-title"), body: statement_body!("legal", page.lang) },
    )
}

/// `GET /privacy`
pub async fn privacy(page: Page) -> Response {
    render(
        StatusCode::OK,
        &Statement { chrome: page.chrome_t("privacy-title"), body: statement_body!("privacy", page.lang) },
    )
}

/// Query of the language switch.
#[derive(serde::Deserialize)]
pub struct SwitchQuery {
    next: Option<String>,
}

/// `GET /lang/{code}?next=/path?query`: remembers the language in a cookie and goes back to the
/// same page, query string included. Only local paths are accepted as `next` (no open redirect).
pub async fn switch_language(Path(code): Path<String>, Query(q): Query<SwitchQuery>) -> Result<Response, AppError> {
    let lang = Lang::parse(&code).filter(|l| l.code() == code).ok_or(AppError::NotFound)?;
    let mut response = Redirect::to(&redirect::local_or(q.next.as_deref(), "/")).into_response();
    crate::web::layout::set_lang_cookie(&mut response, lang);
    Ok(response)
}
