//! Accounts, sessions, CSRF, throttling, roles, audit, export and erasure — on both databases.

use std::time::Duration;

use reqwest::{Client, StatusCode, header};
use uuid::Uuid;

use crate::support::{Backend, PASSWORD, TestApp, new_client, token_in};

pub(crate) mod accounts;
pub(crate) mod roles_and_data;
pub(crate) mod web;

async fn csrf(app: &TestApp, client: &Client) -> String {
    app.csrf(client).await
}

async fn post_form(app: &TestApp, client: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    app.post_form(client, path, fields).await
}

async fn sign_up(app: &TestApp, email: &str) -> Uuid {
    app.sign_up(email).await
}

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    app.user_id(email).await
}

async fn logged_in(app: &TestApp, email: &str) -> Client {
    app.login_as(email).await
}

async fn grant(app: &TestApp, user: Uuid, role: &str) {
    app.grant(user, role).await
}

fn cookie_named(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn session_cookie(r: &reqwest::Response) -> Option<String> {
    cookie_named(r, "pix_session")
}
