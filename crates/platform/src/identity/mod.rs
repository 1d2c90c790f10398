//! Identity: accounts, login, sessions, roles, password reset, GDPR self-service.
//!
//! Other contexts use [`CurrentUser`] / [`MaybeUser`] to know who is asking and the guards of
//! [`guard`] (`RequireAdmin`, `OrganizationAccess`, `CenterAccess`) to authorise.

pub(crate) mod api;
pub(crate) mod csrf;
pub(crate) mod demo;
pub mod guard;
pub(crate) mod mails;
pub mod membership;
pub mod model;
pub(crate) mod pages;
pub(crate) mod password;
pub(crate) mod request;
pub(crate) mod rights;
pub mod service;
pub mod session;
pub mod store;
pub(crate) mod throttle;

use utoipa_axum::{router::OpenApiRouter, routes};

pub use session::{CurrentUser, MaybeUser};

use crate::{AppState, personal_data, web::routes::Pages};

/// The identity part of a person's data: account, consents, roles, sessions; erasure anonymises.
pub const PERSONAL_DATA: personal_data::Context = personal_data::Context {
    name: "identity",
    export: |state, user| Box::pin(service::export_sections(state, user)),
    erase: Some(|tx, user, now| Box::pin(service::erase_step(tx, user, now))),
};

/// Pages whose POST is rate-limited per client IP (credential guessing and mail flooding).
pub fn limited_pages() -> Pages {
    Pages::new()
        .post("/signup", pages::signup)
        .post("/login", pages::login)
        .post("/password/forgot", pages::forgot)
        .post("/account/email", pages::change_email)
}

/// API operations rate-limited per client IP.
pub fn limited_api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::signup))
        .routes(routes!(api::login))
        .routes(routes!(api::forgot))
        .routes(routes!(api::change_email))
}

/// The other identity pages.
pub fn pages() -> Pages {
    Pages::new()
        .get("/signup", pages::signup_form)
        .get("/login", pages::login_form)
        .post("/logout", pages::logout)
        .post("/logout-everywhere", pages::logout_everywhere)
        .get("/password/forgot", pages::forgot_form)
        .get("/password/forgot/sent", pages::forgot_sent)
        .get("/password/reset", pages::reset_form)
        .post("/password/reset", pages::reset)
        .get("/account", pages::account)
        .post("/account/profile", pages::update_profile)
        .post("/account/password", pages::change_password)
        .get("/account/email/confirm", pages::confirm_email)
        .get("/account/export", pages::export)
        .post("/account/delete", pages::delete_account)
}

/// The other identity API operations.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::session_info))
        .routes(routes!(api::logout))
        .routes(routes!(api::logout_everywhere))
        .routes(routes!(api::reset))
        .routes(routes!(api::me, api::update_me, api::delete_me))
        .routes(routes!(api::change_password))
        .routes(routes!(api::export))
}
