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
    /// Path of the current page (marks the current navigation link).
    pub path: String,
    /// Path and query of the current page, for the language switch to come back to.
    pub back: String,
    /// Page title, without the site name.
    pub title: String,
    /// The signed-in person, for the header.
    pub user: Option<HeaderUser>,
    /// Exam mode (a certification test under way): no way to the rest of the service.
    pub exam: bool,
    /// The CSRF token of the page's forms (`{{ chrome.csrf }}`).
    pub csrf: FormToken,
}

/// The CSRF token of a page's forms, made when a template writes it: an anonymous visitor's token
/// sets its nonce cookie, so a page without a form stores nothing (identity::csrf).
#[derive(Clone, Default)]
pub struct FormToken(Option<std::sync::Arc<dyn Fn() -> String + Send + Sync>>);

impl FormToken {
    /// A token made by `make` when it is first written.
    pub fn new(make: impl Fn() -> String + Send + Sync + 'static) -> FormToken {
        FormToken(Some(std::sync::Arc::new(make)))
    }
}

impl std::fmt::Debug for FormToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormToken(..)")
    }
}

impl std::fmt::Display for FormToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(make) => f.write_str(&make()),
            None => Ok(()),
        }
    }
}

/// A navigation link.
#[derive(Debug, Clone)]
pub struct NavLink {
    /// Target.
    pub href: &'static str,
    /// Text, translated.
    pub label: String,
    /// The current page is in this section.
    pub current: bool,
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
        Chrome {
            lang,
            path: path.to_owned(),
            back: path.to_owned(),
            title: title.to_owned(),
            user: None,
            exam: false,
            csrf: FormToken::default(),
        }
    }

    /// Exam mode: the page shows no navigation (a candidate under way stays on their test).
    pub fn in_exam(mut self) -> Chrome {
        self.exam = true;
        self
    }

    /// The page to come back to after switching language (path and query).
    pub fn with_back(mut self, uri: &str) -> Chrome {
        uri.clone_into(&mut self.back);
        self
    }

    /// The token of the page's forms.
    pub fn with_form_token(mut self, token: FormToken) -> Chrome {
        self.csrf = token;
        self
    }

    /// The header as seen by a signed-in person (or not).
    pub fn with_user(mut self, user: Option<HeaderUser>) -> Chrome {
        self.user = user;
        self
    }

    /// Translates a message id in the page's language.
    pub fn t(&self, id: &str) -> String {
        self.lang.t(id)
    }

    /// Translates a message that takes a `count`.
    pub fn t_count(&self, id: &str, count: impl std::fmt::Display) -> String {
        self.lang.t_args(id, &[("count", &count.to_string())])
    }

    /// Translates the message `prefix` + `key` (e.g. `campaign-type-` + a stored type).
    pub fn t_with(&self, prefix: &str, key: &str) -> String {
        self.lang.t(&format!("{prefix}{key}"))
    }

    /// The separator before a detail ("Commencer : Mener une recherche", "Start: Searching"):
    /// French typography puts a space before the colon.
    pub fn sep(&self) -> &'static str {
        match self.lang {
            Lang::Fr => " : ",
            Lang::En => ": ",
        }
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
        format!("/lang/{}?next={}", self.other_lang().code(), encode_path(&self.back))
    }

    fn link(&self, href: &'static str, label: &str, section: bool) -> NavLink {
        let current =
            if section { self.path == href || self.path.starts_with(&format!("{href}/")) } else { self.path == href };
        NavLink { href, label: self.t(label), current }
    }

    /// The main navigation, for who is looking (one place decides what each person sees).
    pub fn nav(&self) -> Vec<NavLink> {
        let mut links = vec![self.link("/", "nav-home", false)];
        match &self.user {
            Some(user) => {
                links.push(self.link("/profile", "nav-profile", false));
                links.push(self.link("/tutorials", "nav-tutorials", false));
                links.push(self.link("/mes-modules", "nav-my-modules", false));
                links.push(self.link("/mes-formations", "nav-my-trainings", false));
                links.push(self.link("/mes-parcours", "nav-courses", false));
                links.push(self.link("/certification", "nav-certification", false));
                if user.orga {
                    links.push(self.link("/orga", "nav-orga", true));
                }
                if user.certif {
                    links.push(self.link("/certif", "nav-certif", true));
                }
                if user.admin {
                    links.push(self.link("/admin", "nav-admin", true));
                }
                links.push(self.link("/account", "nav-account", false));
            }
            None => {
                links.push(self.link("/modules", "nav-modules", false));
                links.push(self.link("/login", "nav-login", false));
                links.push(self.link("/signup", "nav-signup", false));
            }
        }
        links
    }

    /// The footer's links.
    pub fn footer_nav(&self) -> Vec<NavLink> {
        vec![
            self.link("/accessibility", "footer-accessibility", false),
            self.link("/legal", "footer-legal", false),
            self.link("/privacy", "footer-privacy", false),
        ]
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

#[derive(Template)]
#[template(path = "message.html")]
struct Message {
    chrome: Chrome,
    paragraphs: Vec<String>,
    link_href: String,
    link_text: String,
}

/// A simple page with a title, paragraphs and an optional link (confirmations, refusals).
pub fn message(status: StatusCode, chrome: Chrome, paragraphs: Vec<String>, link: Option<(&str, String)>) -> Response {
    let (link_href, link_text) = link.map(|(h, t)| (h.to_owned(), t)).unwrap_or_default();
    render(status, &Message { chrome, paragraphs, link_href, link_text })
}

/// Sets the interface-language cookie on a response (after login or a profile change).
pub fn set_lang_cookie(response: &mut Response, lang: Lang) {
    let cookie = format!("{}={}; Path=/; Max-Age=31536000; SameSite=Lax", super::i18n::LANG_COOKIE, lang.code());
    if let Ok(value) = axum::http::HeaderValue::from_str(&cookie) {
        response.headers_mut().append(axum::http::header::SET_COOKIE, value);
    }
}
