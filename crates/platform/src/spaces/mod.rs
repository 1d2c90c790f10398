//! Home pages of the organisation and certification-centre applications: who may enter, and
//! which organisations or centres the person belongs to. Later contexts fill them.

use askama::Template;
use axum::{http::StatusCode, response::Response};
use uuid::Uuid;

use crate::identity::request::Page;
use crate::{
    identity::{CurrentUser, model::MemberRole},
    web::{
        error::AppError,
        layout::{Chrome, render},
        routes::Pages,
    },
};

/// Entry pages of the two spaces.
pub fn pages() -> Pages {
    Pages::new().get("/certif", certif)
}

#[derive(Template)]
#[template(path = "spaces/home.html")]
struct Space {
    chrome: Chrome,
    intro: String,
    items: Vec<(Uuid, String, MemberRole)>,
}

/// `GET /certif`: certification-centre members only.
pub async fn certif(page: Page, me: CurrentUser) -> Result<Response, AppError> {
    if me.centers.is_empty() {
        return Err(AppError::Forbidden);
    }
    let space =
        Space { chrome: page.chrome_t("certif-title"), intro: page.t("certif-intro"), items: me.centers.clone() };
    Ok(render(StatusCode::OK, &space))
}
