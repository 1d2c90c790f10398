//! Back office for certification centres: a super admin creates a centre (type, external id) and
//! gives accounts a role there.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use uuid::Uuid;

use super::members::{self, MemberForm, SpaceQuery};
use crate::identity::model::Space;
use crate::identity::request::{CsrfForm, Page};
use crate::{
    AppState,
    certification::{model::Center, service},
    identity::{
        CurrentUser,
        guard::{AnyAgent, RequireAdmin, SuperAdmin},
        model::{AdminRole, Check},
    },
    prescription::model::OrganizationKind,
    web::{
        error::AppError,
        form::FormState,
        layout::{Chrome, render},
    },
};

#[derive(Template)]
#[template(path = "admin/centers.html")]
struct CentersPage {
    chrome: Chrome,
    centers: Vec<Center>,
    can_create: bool,
    form: FormState,
}

async fn centers_page(
    state: &AppState,
    page: &Page,
    user: &CurrentUser,
    form: FormState,
) -> Result<Response, AppError> {
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(
        status,
        &CentersPage {
            chrome: page.chrome_t("admin-centers-title"),
            centers: service::centers(state).await?,
            can_create: user.has_admin_role(&[AdminRole::SuperAdmin]),
            form,
        },
    ))
}

/// `GET /admin/certification-centers` (any agent; creating is for super admins).
pub async fn centers(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<AnyAgent>,
) -> Result<Response, AppError> {
    centers_page(&state, &page, &agent.user, FormState::new().keep("kind", "PRO")).await
}

/// The new-centre form.
#[derive(Debug, Deserialize)]
pub struct CenterForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    external_id: String,
}

/// `POST /admin/certification-centers` (SUPER_ADMIN).
pub async fn create_center(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<SuperAdmin>,
    CsrfForm(f): CsrfForm<CenterForm>,
) -> Result<Response, AppError> {
    let mut check = Check::default();
    let name = check.field(
        "name",
        "field-organization-name-invalid",
        Some(f.name.trim()).filter(|n| !n.is_empty() && n.chars().count() <= 255),
    );
    let kind = check.field("kind", "field-organization-kind-invalid", OrganizationKind::parse(&f.kind));
    let external_id = f.external_id.trim();
    check.require("external_id", "field-text-too-long", external_id.chars().count() <= 64);
    match check.finish(|| Some((name?, kind?))) {
        Ok((name, kind)) => {
            let id = Uuid::now_v7();
            let external = (!external_id.is_empty()).then_some(external_id);
            service::create_center(&state, id, name, kind.as_str(), external).await?;
            crate::audit::write(
                &state,
                Some(agent.user.id),
                "certification_center.create",
                None,
                "back office",
                serde_json::json!({ "center": id }),
            )
            .await?;
            Ok(Redirect::to(&format!("/admin/certification-centers/{id}")).into_response())
        }
        Err(errors) => {
            let form = FormState::new().keep("name", &f.name).keep("kind", &f.kind).keep("external_id", &f.external_id);
            centers_page(&state, &page, &agent.user, form.with_errors(page.lang, &errors)).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/center.html")]
struct CenterPage {
    chrome: Chrome,
    center: Center,
    members: Vec<crate::identity::membership::Member>,
    super_admin: bool,
    form: FormState,
    notice: String,
}

async fn center_page(
    state: &AppState,
    page: &Page,
    user: &CurrentUser,
    id: Uuid,
    form: FormState,
    notice: String,
) -> Result<Response, AppError> {
    let center = service::center(state, id).await?;
    let members = crate::identity::membership::members(state, crate::identity::model::Space::Center(id)).await?;
    crate::audit::write(
        state,
        Some(user.id),
        "certification_center.read",
        None,
        "back office",
        serde_json::json!({ "center": id }),
    )
    .await?;
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(
        status,
        &CenterPage {
            chrome: page.chrome(&center.name),
            center,
            members,
            super_admin: user.has_admin_role(&[AdminRole::SuperAdmin]),
            form,
            notice,
        },
    ))
}

/// `GET /admin/certification-centers/{id}`
pub async fn center(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<AnyAgent>,
    Path(id): Path<Uuid>,
    Query(q): Query<SpaceQuery>,
) -> Result<Response, AppError> {
    let notice = if q.invited.is_some() { page.t("organization-invited") } else { String::new() };
    center_page(&state, &page, &agent.user, id, FormState::new(), notice).await
}

/// `POST /admin/certification-centers/{id}/members` (SUPER_ADMIN): gives an existing account a role.
pub async fn add_member(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<SuperAdmin>,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<MemberForm>,
) -> Result<Response, AppError> {
    service::center(&state, id).await?;
    match f.check(page.lang) {
        Ok(asked) => {
            members::add(&state, Space::Center(id), &agent.user, asked, &format!("/admin/certification-centers/{id}"))
                .await
        }
        Err(form) => center_page(&state, &page, &agent.user, id, form, String::new()).await,
    }
}
