//! A centre's members, managed by its ADMINs: add an existing account as ADMIN or MEMBER, change a
//! role, remove someone — the centre always keeps one ADMIN.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{service, store};
use crate::{
    AppState,
    identity::{
        guard::{AdminMember, AnyMember, CenterAccess},
        model::{Email, MemberRole},
    },
    web::{
        error::{AppError, FieldError},
        extract::{CsrfForm, NoFields, Page},
        form::FormState,
        layout::{Chrome, render},
    },
};

#[derive(Template)]
#[template(path = "certification/members.html")]
struct MembersPage {
    chrome: Chrome,
    csrf: String,
    center: super::model::Center,
    members: Vec<store::CenterMember>,
    admin: bool,
    me: Uuid,
    form: FormState,
    notice: String,
}

/// Notices after a change.
#[derive(Debug, Default, Deserialize)]
pub struct MembersQuery {
    done: Option<String>,
}

async fn members_page(
    state: &AppState,
    page: &Page,
    access: (Uuid, Uuid, MemberRole),
    form: FormState,
    notice: String,
) -> Result<Response, AppError> {
    let (center, me, role) = access;
    let center = service::center(state, center).await?;
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(
        status,
        &MembersPage {
            chrome: page.chrome_t("members-title"),
            csrf: page.csrf(),
            members: store::members(&state.db, center.id).await?,
            center,
            admin: role == MemberRole::Admin,
            me,
            form,
            notice,
        },
    ))
}

/// `GET /certif/{center_id}/members`
pub async fn members(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AnyMember>,
    Query(q): Query<MembersQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("added") => page.t("center-member-added"),
        Some("changed") => page.t("center-member-changed"),
        Some("removed") => page.t("center-member-removed"),
        _ => String::new(),
    };
    members_page(&state, &page, (access.center, access.user.id, access.role), FormState::new(), notice).await
}

/// The add form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddFields {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// `POST /certif/{center_id}/members` (ADMIN): gives an existing account a role in the centre.
pub async fn add(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AdminMember>,
    CsrfForm(f): CsrfForm<AddFields>,
) -> Result<Response, AppError> {
    let role = match f.role.as_str() {
        "ADMIN" => Some(MemberRole::Admin),
        "MEMBER" => Some(MemberRole::Member),
        _ => None,
    };
    let user = match Email::parse(&f.email) {
        Some(e) => crate::identity::store::user_by_email(&state.db, e.as_str()).await?,
        None => None,
    };
    let error = match (&user, role) {
        (None, _) if Email::parse(&f.email).is_none() => Some(("email", "field-email-invalid")),
        (None, _) => Some(("email", "field-center-member-unknown")),
        (_, None) => Some(("role", "field-role-invalid")),
        _ => None,
    };
    if let Some((field, code)) = error {
        let form = FormState::new()
            .keep("email", &f.email)
            .with_errors(page.lang, &[FieldError { field: field.into(), code: code.into() }]);
        return members_page(&state, &page, (access.center, access.user.id, access.role), form, String::new()).await;
    }
    let (Some(user), Some(role)) = (user, role) else { return Err(AppError::Conflict) };
    store::set_member(&state.db, access.center, user.id, role, state.clock.now_micros()).await?;
    crate::identity::service::audit(
        &state,
        Some(access.user.id),
        "certification_center.member",
        Some(user.id),
        "certification centre",
        serde_json::json!({ "center": access.center, "role": f.role }),
    )
    .await?;
    Ok(Redirect::to(&format!("/certif/{}/members?done=added", access.center)).into_response())
}

/// Path of a member.
#[derive(Debug, Deserialize)]
pub struct MemberPath {
    user_id: Uuid,
}

/// Changes a member's role (`Some`) or removes them (`None`), keeping one ADMIN; 409 otherwise.
async fn change(
    state: &AppState,
    center: Uuid,
    actor: Uuid,
    user: Uuid,
    role: Option<MemberRole>,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    store::lock_center(&mut tx, center).await?;
    let members = store::members(&mut tx, center).await?;
    let Some(target) = members.iter().find(|m| m.user_id == user) else { return Err(AppError::NotFound) };
    let admins = members.iter().filter(|m| m.role == "ADMIN").count();
    let loses_admin = target.role == "ADMIN" && role != Some(MemberRole::Admin);
    if loses_admin && admins <= 1 {
        return Err(AppError::Conflict);
    }
    match role {
        Some(r) => store::set_member(&mut tx, center, user, r, state.clock.now_micros()).await?,
        None => store::remove_member(&mut tx, center, user).await?,
    }
    tx.commit().await?;
    crate::identity::service::audit(
        state,
        Some(actor),
        if role.is_some() { "certification_center.role" } else { "certification_center.remove" },
        Some(user),
        "certification centre",
        serde_json::json!({ "center": center }),
    )
    .await
}

/// The role form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleFields {
    #[serde(default)]
    role: String,
}

/// `POST /certif/{center_id}/members/{user_id}/role` (ADMIN)
pub async fn role(
    State(state): State<AppState>,
    access: CenterAccess<AdminMember>,
    Path(p): Path<MemberPath>,
    CsrfForm(f): CsrfForm<RoleFields>,
) -> Result<Response, AppError> {
    let role = MemberRole::parse(&f.role).ok_or_else(|| AppError::BadRequest("role: ADMIN or MEMBER".into()))?;
    change(&state, access.center, access.user.id, p.user_id, Some(role)).await?;
    Ok(Redirect::to(&format!("/certif/{}/members?done=changed", access.center)).into_response())
}

/// `POST /certif/{center_id}/members/{user_id}/remove` (ADMIN)
pub async fn remove(
    State(state): State<AppState>,
    access: CenterAccess<AdminMember>,
    Path(p): Path<MemberPath>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    change(&state, access.center, access.user.id, p.user_id, None).await?;
    let to = if p.user_id == access.user.id {
        "/certif".to_owned()
    } else {
        format!("/certif/{}/members?done=removed", access.center)
    };
    Ok(Redirect::to(&to).into_response())
}
