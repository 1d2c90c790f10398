//! The back office for support, business, certification and super-admin agents. Every read of
//! another person's data is written to the audit log.

use askama::Template;
use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use uuid::Uuid;

use crate::{
    AppState, audit,
    identity::{
        CurrentUser,
        model::{AdminRole, User},
        service,
        session::{self, require_admin},
        throttle::Gate,
    },
    on_db,
    web::{
        error::AppError,
        extract::{CsrfForm, Page},
        layout::{Chrome, render},
    },
};

/// Back-office routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/users", get(users))
        .route("/admin/users/{id}", get(user))
        .route("/admin/users/{id}/unblock", post(unblock))
        .route("/admin/users/{id}/roles", post(roles))
        .route("/admin/audit", get(audit_page))
}

const READ_ROLES: &[AdminRole] = &[AdminRole::Support];

#[derive(Template)]
#[template(path = "admin/home.html")]
struct Home {
    chrome: Chrome,
    roles: Vec<&'static str>,
    can_read_users: bool,
    super_admin: bool,
}

/// `GET /admin`: any back-office agent.
pub async fn home(page: Page, me: CurrentUser) -> Result<Response, AppError> {
    require_admin(&me, &AdminRole::ALL).await?;
    Ok(render(
        StatusCode::OK,
        &Home {
            chrome: page.chrome_t("admin-title"),
            roles: me.admin_roles.iter().map(|r| r.as_str()).collect(),
            can_read_users: me.has_admin_role(READ_ROLES),
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
    me: CurrentUser,
    Query(s): Query<Search>,
) -> Result<Response, AppError> {
    require_admin(&me, READ_ROLES).await?;
    let q = s.q.unwrap_or_default().trim().to_lowercase();
    let mut results = Vec::new();
    if q.chars().count() >= 3 {
        let pattern = format!("%{}%", q.replace(['%', '_'], ""));
        results = on_db!(&state.db, pool => {
            sqlx::query_as::<_, User>(
                "SELECT id, first_name, last_name, email, username, password_hash, lang, terms_accepted_at, created_at, updated_at, anonymised FROM users \
                 WHERE NOT anonymised AND (email LIKE $1 OR username LIKE $1 OR LOWER(first_name || ' ' || last_name) LIKE $1) ORDER BY email LIMIT 50",
            )
            .bind(&pattern)
            .fetch_all(pool)
            .await
        })?;
        let ids: Vec<String> = results.iter().map(|u| u.id.to_string()).collect();
        service::audit(
            &state,
            Some(me.id),
            "user.search",
            None,
            "back-office search",
            serde_json::json!({ "results": ids }),
        )
        .await?;
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
    csrf: String,
}

/// `GET /admin/users/{id}`: one account (audited).
pub async fn user(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    require_admin(&me, READ_ROLES).await?;
    let user = service::user_by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    service::audit(&state, Some(me.id), "user.read", Some(id), "back-office account view", serde_json::json!({}))
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
            csrf: me.csrf.clone(),
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
    me: CurrentUser,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<UnblockForm>,
) -> Result<Response, AppError> {
    require_admin(&me, READ_ROLES).await?;
    let reason = f.reason.trim();
    if reason.is_empty() {
        return Err(AppError::Invalid(vec![crate::web::error::FieldError {
            field: "reason".into(),
            code: "field-reason-required".into(),
        }]));
    }
    service::user_by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    service::unblock(&state.db, id).await?;
    service::audit(&state, Some(me.id), "user.unblock", Some(id), reason, serde_json::json!({})).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

/// `POST /admin/users/{id}/roles` (SUPER_ADMIN): grant or revoke a back-office role. The
/// person's sessions are closed so that the change applies at their next login (new session id).
pub async fn roles(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<RoleForm>,
) -> Result<Response, AppError> {
    require_admin(&me, &[AdminRole::SuperAdmin]).await?;
    let role = AdminRole::parse(&f.role).ok_or_else(|| AppError::BadRequest("unknown role".into()))?;
    service::user_by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now_micros();
    let action = if f.action == "revoke" {
        service::revoke_admin_role(&state.db, id, role).await?;
        "role.revoke"
    } else {
        service::grant_admin_role(&state.db, id, role, now).await?;
        "role.grant"
    };
    session::delete_all_for(&state.db, id).await?;
    service::audit(
        &state,
        Some(me.id),
        action,
        Some(id),
        "back-office role change",
        serde_json::json!({ "role": role.as_str() }),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    rows: Vec<audit::Row>,
}

/// `GET /admin/audit` (SUPER_ADMIN): the latest audit entries.
pub async fn audit_page(State(state): State<AppState>, page: Page, me: CurrentUser) -> Result<Response, AppError> {
    require_admin(&me, &[AdminRole::SuperAdmin]).await?;
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
