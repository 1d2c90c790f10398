//! Identity: accounts, login, sessions, roles, password reset, GDPR self-service.
//!
//! Other contexts use [`CurrentUser`] / [`MaybeUser`] to know who is asking and
//! [`session::require_admin`] (or their own checks on `CurrentUser`'s memberships) to authorise.

pub mod api;
pub mod demo;
pub mod gdpr;
pub mod model;
pub mod pages;
pub mod password;
pub mod service;
pub mod session;
pub mod throttle;

use axum::{
    Router,
    routing::{get, post},
};

pub use session::{CurrentUser, MaybeUser};

use crate::AppState;

/// Routes whose POST is rate-limited per client IP (credential guessing and mail flooding).
pub fn limited_routes() -> Router<AppState> {
    Router::new()
        .route("/signup", post(pages::signup))
        .route("/login", post(pages::login))
        .route("/password/forgot", post(pages::forgot))
        .route("/api/signup", post(api::signup))
        .route("/api/login", post(api::login))
        .route("/api/password/forgot", post(api::forgot))
        .route("/account/email", post(pages::change_email))
        .route("/api/me/email", post(api::change_email))
}

/// The other identity routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", get(pages::signup_form))
        .route("/login", get(pages::login_form))
        .route("/logout", post(pages::logout))
        .route("/logout-everywhere", post(pages::logout_everywhere))
        .route("/password/forgot", get(pages::forgot_form))
        .route("/password/forgot/sent", get(pages::forgot_sent))
        .route("/password/reset", get(pages::reset_form).post(pages::reset))
        .route("/account", get(pages::account))
        .route("/account/profile", post(pages::update_profile))
        .route("/account/password", post(pages::change_password))
        .route("/account/email/confirm", get(pages::confirm_email))
        .route("/account/export", get(pages::export))
        .route("/account/delete", post(pages::delete_account))
        .route("/api/session", get(api::session_info))
        .route("/api/logout", post(api::logout))
        .route("/api/logout-everywhere", post(api::logout_everywhere))
        .route("/api/password/reset", post(api::reset))
        .route("/api/me", get(api::me).patch(api::update_me).delete(api::delete_me))
        .route("/api/me/password", post(api::change_password))
        .route("/api/me/export", get(api::export))
}
