//! Back-office pages: home, account search and view (audited), unblock, roles, audit log.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use uuid::Uuid;

use crate::identity::request::{CsrfForm, Page};
use crate::{
    AppState, audit,
    identity::{
        guard::{AnyAgent, RequireAdmin, SuperAdmin, Support},
        model::{AdminRole, User},
        service,
        throttle::Gate,
    },
    web::{
        error::AppError,
        layout::{Chrome, render},
    },
};

#[derive(Template)]
#[template(path = "admin/home.html")]
struct Home {
    chrome: Chrome,
    roles: Vec<&'static str>,
    can_read_users: bool,
    super_admin: bool,
}

/// `GET /admin`: any back-office agent.
pub async fn home(page: Page, agent: RequireAdmin<AnyAgent>) -> Result<Response, AppError> {
    let me = agent.user;
    Ok(render(
        StatusCode::OK,
        &Home {
            chrome: page.chrome_t("admin-title"),
            roles: me.admin_roles.iter().map(|r| r.as_str()).collect(),
            can_read_users: me.has_admin_role(&[AdminRole::Support]),
            super_admin: me.has_admin_role(&[AdminRole::SuperAdmin]),
        },
    ))
}

/// Search query.
#[derive(serde::Deserialize, Default)]
pub struct Search {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct Users {
    chrome: Chrome,
    q: String,
    results: Vec<User>,
    searched: bool,
}

/// `GET /admin/users?q=`: search accounts by email, username or name (SUPPORT, SUPER_ADMIN).
pub async fn users(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Support>,
    Query(s): Query<Search>,
) -> Result<Response, AppError> {
    let q = s.q.unwrap_or_default().trim().to_lowercase();
    let results = service::search(&state.db, &q).await?;
    if q.chars().count() >= 3 {
        let ids: Vec<String> = results.iter().map(|u| u.id.to_string()).collect();
        let details = serde_json::json!({ "results": ids });
        crate::audit::write(&state, Some(agent.user.id), "user.search", None, "back-office search", details).await?;
    }
    Ok(render(
        StatusCode::OK,
        &Users { chrome: page.chrome_t("admin-users-title"), searched: !q.is_empty(), q, results },
    ))
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    chrome: Chrome,
    user: User,
    roles: Vec<&'static str>,
    all_roles: Vec<&'static str>,
    failures: i64,
    blocked: bool,
    super_admin: bool,
}

/// `GET /admin/users/{id}`: one account (audited).
pub async fn user(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Support>,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let me = agent.user;
    let user = service::user_by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    crate::audit::write(&state, Some(me.id), "user.read", Some(id), "back-office account view", serde_json::json!({}))
        .await?;
    let throttle = service::throttle_state(&state.db, id).await?;
    let roles = service::admin_roles(&state.db, id).await?;
    Ok(render(
        StatusCode::OK,
        &UserPage {
            chrome: page.chrome_t("admin-user-title"),
            roles: roles.iter().map(|r| r.as_str()).collect(),
            all_roles: AdminRole::ALL.iter().map(|r| r.as_str()).collect(),
            failures: throttle.failure_count,
            blocked: throttle.gate(state.clock.now_micros()) != Gate::Open,
            super_admin: me.has_admin_role(&[AdminRole::SuperAdmin]),
            user,
        },
    ))
}

/// The unblock form: the agent says why.
#[derive(Debug, serde::Deserialize)]
pub struct UnblockForm {
    #[serde(default)]
    reason: String,
}

/// The role form: which role, granted or revoked.
#[derive(Debug, serde::Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    /// `revoke` to revoke, anything else grants.
    #[serde(default)]
    action: String,
}

/// `POST /admin/users/{id}/unblock` (SUPPORT, SUPER_ADMIN; a reason is required).
pub async fn unblock(
    State(state): State<AppState>,
    agent: RequireAdmin<Support>,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<UnblockForm>,
) -> Result<Response, AppError> {
    let me = agent.user;
    let reason = f.reason.trim();
    if reason.is_empty() {
        return Err(AppError::Invalid(vec![crate::web::error::FieldError {
            field: "reason".into(),
            code: "field-reason-required".into(),
        }]));
    }
    service::user_by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    service::unblock(&state.db, id).await?;
    crate::audit::write(&state, Some(me.id), "user.unblock", Some(id), reason, serde_json::json!({})).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

/// `POST /admin/users/{id}/roles` (SUPER_ADMIN): grant or revoke a back-office role. The
/// person's sessions are closed so that the change applies at their next login (new session id).
pub async fn roles(
    State(state): State<AppState>,
    agent: RequireAdmin<SuperAdmin>,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<RoleForm>,
) -> Result<Response, AppError> {
    let role = AdminRole::parse(&f.role).ok_or_else(|| AppError::BadRequest("unknown role".into()))?;
    service::user_by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let grant = f.action != "revoke";
    service::set_admin_role(&state, id, role, grant).await?;
    let action = if grant { "role.grant" } else { "role.revoke" };
    let details = serde_json::json!({ "role": role.as_str() });
    crate::audit::write(&state, Some(agent.user.id), action, Some(id), "back-office role change", details).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    rows: Vec<audit::Row>,
}

/// `GET /admin/audit` (SUPER_ADMIN): the latest audit entries.
pub async fn audit_page(
    State(state): State<AppState>,
    page: Page,
    _agent: RequireAdmin<SuperAdmin>,
) -> Result<Response, AppError> {
    let rows = audit::latest(&state.db, 200).await?;
    Ok(render(StatusCode::OK, &AuditPage { chrome: page.chrome_t("admin-audit-title"), rows }))
}

/// Formats µs since the epoch as `YYYY-MM-DD HH:MM UTC`.
pub fn when(micros: &i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(*micros) * 1000)
        .map(|t| {
            format!("{}-{:02}-{:02} {:02}:{:02} UTC", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
        })
        .unwrap_or_default()
}
