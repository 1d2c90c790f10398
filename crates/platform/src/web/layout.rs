//! What every page shares: language, title, navigation, language switch, asset URLs.

use askama::Template;
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

use super::{assets, i18n::Lang};

/// The layout context of a page (the "chrome" around its main content).
#[derive(Debug, Clone)]
pub struct Chrome {
    /// Interface language.
    pub lang: Lang,
    /// Path of the current page, for the language switch to come back to.
    pub path: String,
    /// Page title, without the site name.
    pub title: String,
    /// The signed-in person, for the header.
    pub user: Option<HeaderUser>,
}

/// What the header needs about the signed-in person.
#[derive(Debug, Clone)]
pub struct HeaderUser {
    /// CSRF token for the logout button.
    pub csrf: String,
    /// Shows the back-office link.
    pub admin: bool,
    /// Shows the organisation link.
    pub orga: bool,
    /// Shows the certification-centre link.
    pub certif: bool,
}

impl Chrome {
    /// Builds the chrome of a page.
    pub fn new(lang: Lang, path: &str, title: &str) -> Chrome {
        Chrome { lang, path: path.to_owned(), title: title.to_owned(), user: None }
    }

    /// The chrome of a page seen by a signed-in person (or not).
    pub fn for_user(lang: Lang, path: &str, title: &str, user: Option<&crate::identity::CurrentUser>) -> Chrome {
        let mut chrome = Chrome::new(lang, path, title);
        chrome.user = user.map(|u| HeaderUser {
            csrf: u.csrf.clone(),
            admin: u.is_admin(),
            orga: !u.organizations.is_empty(),
            certif: !u.centers.is_empty(),
        });
        chrome
    }

    /// Translates a message id in the page's language.
    pub fn t(&self, id: &str) -> String {
        self.lang.t(id)
    }

    /// URL of a static asset by logical name.
    pub fn asset(&self, logical: &str) -> String {
        assets::url(logical)
    }

    /// The language a visitor can switch to.
    pub fn other_lang(&self) -> Lang {
        match self.lang {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }

    /// Link that switches language and returns to this page (works without JavaScript).
    pub fn switch_url(&self) -> String {
        format!("/lang/{}?next={}", self.other_lang().code(), encode_path(&self.path))
    }

    /// `aria-current="page"` for the navigation link of the current section.
    pub fn current(&self, href: &str) -> &'static str {
        if self.path == href { "page" } else { "false" }
    }
}

/// Percent-encodes a path for use in a query parameter.
pub fn encode_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Renders a template into an HTML response with the given status.
pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => super::error::AppError::Internal(err.into()).into_response(),
    }
}
