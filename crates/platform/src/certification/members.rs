//! A centre's members, managed by its ADMINs: invite by email as ADMIN or MEMBER (the invitations of
//! organisations: a single-use link valid 7 days, resent or cancelled), change a role, remove
//! someone — the centre always keeps one ADMIN.

use askama::Template;
use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use uuid::Uuid;

use super::service;
use crate::identity::request::{CsrfForm, CsrfHeader, CsrfJson, NoFields, Page};
use crate::{
    AppState,
    identity::{
        guard::{AdminMember, AnyMember, CenterAccess},
        membership::{
            self, Invitation, MemberChangeRefused,
            forms::{InvitationJson, InviteBody, InviteForm, invite_from_form},
            pending,
        },
        model::{MemberRole, Space},
    },
    web::{
        error::AppError,
        form::FormState,
        layout::{Chrome, render},
    },
};

#[derive(Template)]
#[template(path = "certification/members.html")]
struct MembersPage {
    chrome: Chrome,
    center: super::model::Center,
    members: Vec<membership::Member>,
    admin: bool,
    me: Uuid,
    invitations: Vec<Invitation>,
    invite_base: String,
    invite_form: FormState,
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
    let invitations =
        if role == MemberRole::Admin { pending(state, Space::Center(center.id)).await? } else { Vec::new() };
    let invite_base = format!("/certif/{}/invitations", center.id);
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(
        status,
        &MembersPage {
            chrome: page.chrome_t("members-title"),
            members: membership::members(state, Space::Center(center.id)).await?,
            center,
            admin: role == MemberRole::Admin,
            me,
            invitations,
            invite_base,
            invite_form: form,
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
        Some("invited") => page.t("members-done-invited"),
        Some("resent") => page.t("members-done-resent"),
        Some("cancelled") => page.t("members-done-cancelled"),
        Some("changed") => page.t("center-member-changed"),
        Some("removed") => page.t("center-member-removed"),
        _ => String::new(),
    };
    members_page(&state, &page, (access.center, access.user.id, access.role), FormState::new(), notice).await
}

/// `POST /certif/{center_id}/invitations` (ADMIN): invites an address by email.
pub async fn invite_form(
    State(state): State<AppState>,
    page: Page,
    access: CenterAccess<AdminMember>,
    CsrfForm(f): CsrfForm<InviteForm>,
) -> Result<Response, AppError> {
    let errors = invite_from_form(&state, Space::Center(access.center), &access.user, &f).await?;
    if errors.is_empty() {
        return Ok(Redirect::to(&format!("/certif/{}/members?done=invited", access.center)).into_response());
    }
    let form = FormState::new().keep("email", &f.email).keep("role", &f.role).with_errors(page.lang, &errors);
    members_page(&state, &page, (access.center, access.user.id, access.role), form, String::new()).await
}

/// Path of an invitation.
#[derive(Debug, Deserialize)]
pub struct InvitationPath {
    invitation_id: Uuid,
}

/// `POST /certif/{center_id}/invitations/{invitation_id}/resend` (ADMIN): a new link.
pub async fn resend(
    State(state): State<AppState>,
    access: CenterAccess<AdminMember>,
    Path(p): Path<InvitationPath>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    membership::resend(&state, Space::Center(access.center), &access.user, p.invitation_id).await?;
    Ok(Redirect::to(&format!("/certif/{}/members?done=resent", access.center)).into_response())
}

/// `POST /certif/{center_id}/invitations/{invitation_id}/cancel` (ADMIN): the link stops working.
pub async fn cancel(
    State(state): State<AppState>,
    access: CenterAccess<AdminMember>,
    Path(p): Path<InvitationPath>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    membership::cancel(&state, Space::Center(access.center), access.user.id, p.invitation_id).await?;
    Ok(Redirect::to(&format!("/certif/{}/members?done=cancelled", access.center)).into_response())
}

/// The centre's invitations waiting for an answer (ADMIN).
#[utoipa::path(get, path = "/api/certification-centers/{center_id}/invitations", tag = "certification",
    params(("center_id" = Uuid, Path)), responses((status = 200, body = Vec<InvitationJson>)))]
pub async fn api_invitations(
    State(state): State<AppState>,
    access: CenterAccess<AdminMember>,
) -> Result<Json<Vec<InvitationJson>>, AppError> {
    Ok(Json(pending(&state, Space::Center(access.center)).await?.into_iter().map(Into::into).collect()))
}

/// Invites an address to the centre by email (ADMIN); inviting it again sends a new link. 422 when
/// the address is invalid or already a member's.
#[utoipa::path(post, path = "/api/certification-centers/{center_id}/invitations", tag = "certification",
    params(("center_id" = Uuid, Path)), request_body = InviteBody, responses((status = 201, body = InvitationJson)))]
pub async fn api_invite(
    State(state): State<AppState>,
    access: CenterAccess<AdminMember>,
    CsrfJson(body): CsrfJson<InviteBody>,
) -> Result<Response, AppError> {
    membership::forms::invite_json(&state, Space::Center(access.center), &access.user, body).await
}

/// Cancels a pending invitation of the centre (ADMIN).
#[utoipa::path(delete, path = "/api/certification-centers/{center_id}/invitations/{invitation_id}", tag = "certification",
    params(("center_id" = Uuid, Path), ("invitation_id" = Uuid, Path)), responses((status = 204, description = "cancelled")))]
pub async fn api_cancel(
    State(state): State<AppState>,
    access: CenterAccess<AdminMember>,
    Path(p): Path<InvitationPath>,
    _: CsrfHeader,
) -> Result<StatusCode, AppError> {
    membership::cancel(&state, Space::Center(access.center), access.user.id, p.invitation_id).await?;
    Ok(StatusCode::NO_CONTENT)
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
    match membership::change_member(state, Space::Center(center), actor, user, role).await? {
        Ok(()) => Ok(()),
        Err(MemberChangeRefused::LastAdmin) => Err(AppError::Conflict),
    }
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
