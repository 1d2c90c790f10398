//! The members pages of an organisation and the page that accepts an invitation (to an
//! organisation or a centre); the rules are `identity::membership`'s.

use askama::Template;
use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::service;
use crate::identity::request::{CsrfForm, CsrfHeader, CsrfJson, NoFields, Page};
use crate::{
    AppState,
    identity::{
        CurrentUser,
        guard::{AdminMember, AnyMember, OrganizationAccess},
        membership::{
            self, Invitation, MemberChangeRefused, accept, cancel, change_member,
            forms::{InvitationJson, InviteBody, InviteForm, RoleName, invite_from_form, invite_json},
            pending, resend, usable,
        },
        model::{MemberRole, Space},
    },
    web::{
        error::AppError,
        form::FormState,
        layout::{Chrome, encode_path, message, render},
    },
};

// ------------------------------------------------------------------ pages

#[derive(Template)]
#[template(path = "prescription/members.html")]
struct MembersPage {
    chrome: Chrome,
    organization: Uuid,
    organization_name: String,
    me: Uuid,
    admin: bool,
    members: Vec<membership::Member>,
    invitations: Vec<Invitation>,
    invite_base: String,
    invite_form: FormState,
    notice: String,
}

/// Notices after an action on the members page.
#[derive(Deserialize, Default)]
pub struct MembersQuery {
    done: Option<String>,
}

async fn members_page(
    state: &AppState,
    page: &Page,
    (org, me, role): (Uuid, &CurrentUser, MemberRole),
    form: FormState,
    status: StatusCode,
    done: Option<&str>,
) -> Result<Response, AppError> {
    let admin = role == MemberRole::Admin;
    let invitations = if admin { pending(state, Space::Organization(org)).await? } else { Vec::new() };
    let notice = match done {
        Some(key @ ("invited" | "resent" | "cancelled" | "role" | "removed")) => page.t(&format!("members-done-{key}")),
        _ => String::new(),
    };
    let members = MembersPage {
        chrome: page.chrome_t("members-title"),
        organization: org,
        organization_name: service::organization(state, org).await?.name,
        me: me.id,
        admin,
        members: membership::members(state, Space::Organization(org)).await?,
        invitations,
        invite_base: format!("/orga/{org}/invitations"),
        invite_form: form,
        notice,
    };
    Ok(render(status, &members))
}

/// `GET /orga/{organization_id}/members`: the members (and, for an ADMIN, the pending invitations).
pub async fn members(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    Query(q): Query<MembersQuery>,
) -> Result<Response, AppError> {
    members_page(
        &state,
        &page,
        (access.organization, &access.user, access.role),
        FormState::new(),
        StatusCode::OK,
        q.done.as_deref(),
    )
    .await
}

/// `POST /orga/{organization_id}/invitations` (ADMIN).
pub async fn invite_form(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AdminMember>,
    CsrfForm(f): CsrfForm<InviteForm>,
) -> Result<Response, AppError> {
    let errors = invite_from_form(&state, Space::Organization(access.organization), &access.user, &f).await?;
    if errors.is_empty() {
        return Ok(Redirect::to(&format!("/orga/{}/members?done=invited", access.organization)).into_response());
    }
    let form = FormState::new().keep("email", &f.email).keep("role", &f.role).with_errors(page.lang, &errors);
    members_page(
        &state,
        &page,
        (access.organization, &access.user, access.role),
        form,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
    )
    .await
}

/// Path of an invitation of an organisation.
#[derive(Deserialize)]
pub struct InvitationPath {
    organization_id: Uuid,
    invitation_id: Uuid,
}

/// `POST /orga/{organization_id}/invitations/{invitation_id}/resend` (ADMIN).
pub async fn resend_form(
    State(state): State<AppState>,
    access: OrganizationAccess<AdminMember>,
    Path(path): Path<InvitationPath>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    resend(&state, Space::Organization(path.organization_id), &access.user, path.invitation_id).await?;
    Ok(Redirect::to(&format!("/orga/{}/members?done=resent", access.organization)).into_response())
}

/// `POST /orga/{organization_id}/invitations/{invitation_id}/cancel` (ADMIN).
pub async fn cancel_form(
    State(state): State<AppState>,
    access: OrganizationAccess<AdminMember>,
    Path(path): Path<InvitationPath>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    cancel(&state, Space::Organization(path.organization_id), access.user.id, path.invitation_id).await?;
    Ok(Redirect::to(&format!("/orga/{}/members?done=cancelled", access.organization)).into_response())
}

/// Path of a member of an organisation.
#[derive(Deserialize)]
pub struct MemberPath {
    organization_id: Uuid,
    user_id: Uuid,
}

/// The role form.
#[derive(Debug, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

fn last_admin_page(page: &Page, org: Uuid) -> Response {
    message(
        StatusCode::CONFLICT,
        page.chrome_t("members-last-admin-title"),
        vec![page.t("members-last-admin-text")],
        Some((&format!("/orga/{org}/members"), page.t("members-title"))),
    )
}

/// `POST /orga/{organization_id}/members/{user_id}/role` (ADMIN).
pub async fn role_form(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AdminMember>,
    Path(path): Path<MemberPath>,
    CsrfForm(f): CsrfForm<RoleForm>,
) -> Result<Response, AppError> {
    let Some(role) = MemberRole::parse(&f.role) else {
        return Err(AppError::BadRequest("role must be ADMIN or MEMBER".into()));
    };
    match change_member(&state, Space::Organization(path.organization_id), access.user.id, path.user_id, Some(role))
        .await?
    {
        Ok(()) => Ok(Redirect::to(&format!("/orga/{}/members?done=role", access.organization)).into_response()),
        Err(MemberChangeRefused::LastAdmin) => Ok(last_admin_page(&page, access.organization)),
    }
}

/// `POST /orga/{organization_id}/members/{user_id}/remove` (ADMIN). Removing oneself leaves the
/// organisation.
pub async fn remove_form(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AdminMember>,
    Path(path): Path<MemberPath>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    match change_member(&state, Space::Organization(path.organization_id), access.user.id, path.user_id, None).await? {
        Ok(()) if path.user_id == access.user.id => Ok(Redirect::to("/orga").into_response()),
        Ok(()) => Ok(Redirect::to(&format!("/orga/{}/members?done=removed", access.organization)).into_response()),
        Err(MemberChangeRefused::LastAdmin) => Ok(last_admin_page(&page, access.organization)),
    }
}

#[derive(Template)]
#[template(path = "prescription/invitation.html")]
struct InvitationPage {
    chrome: Chrome,
    signed_in: bool,
    organization_name: String,
    /// It is to a certification centre.
    center: bool,
    invitation: Uuid,
    token: String,
    next: String,
}

/// The token of an invitation link.
#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn invalid_link(page: &Page) -> Response {
    message(
        StatusCode::NOT_FOUND,
        page.chrome_t("invitation-invalid-title"),
        vec![page.t("invitation-invalid-text")],
        None,
    )
}

/// `GET /invitations/{id}?token=…`: what the invitation is, and the button to accept it (or the
/// way to sign in first, coming back here).
pub async fn invitation_page(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<Uuid>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let Some(invitation) = usable(&state, id, &q.token).await? else { return Ok(invalid_link(&page)) };
    let Some(space) = invitation.space() else { return Ok(invalid_link(&page)) };
    let organization_name = membership::space_name(&state, space).await?;
    let view = InvitationPage {
        chrome: page.chrome_t("invitation-title"),
        signed_in: page.user.is_some(),
        organization_name,
        center: matches!(space, Space::Center(_)),
        invitation: id,
        next: encode_path(&format!("/invitations/{id}?token={}", q.token)),
        token: q.token,
    };
    Ok(render(StatusCode::OK, &view))
}

/// The acceptance form.
#[derive(Debug, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    token: String,
}

/// `POST /invitations/{id}/accept`: the signed-in person joins the organisation.
pub async fn accept_form(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<AcceptForm>,
) -> Result<Response, AppError> {
    match accept(&state, id, &f.token, me.id).await? {
        Some((Space::Organization(org), _)) => Ok(Redirect::to(&format!("/orga/{org}/campaigns")).into_response()),
        Some((Space::Center(center), _)) => Ok(Redirect::to(&format!("/certif/{center}/sessions")).into_response()),
        None => Ok(invalid_link(&page)),
    }
}

// ------------------------------------------------------------------ API

/// A member of an organisation.
#[derive(Serialize, ToSchema)]
pub struct MemberJson {
    user_id: Uuid,
    first_name: String,
    last_name: String,
    email: Option<String>,
    /// ADMIN or MEMBER.
    role: String,
}

/// The members of an organisation, by name.
#[utoipa::path(get, path = "/api/organizations/{organization_id}/members", tag = "organizations",
    params(("organization_id" = Uuid, Path)), responses((status = 200, body = Vec<MemberJson>)))]
pub async fn api_members(
    State(state): State<AppState>,
    access: OrganizationAccess<AnyMember>,
) -> Result<Json<Vec<MemberJson>>, AppError> {
    let list = membership::members(&state, Space::Organization(access.organization)).await?;
    Ok(Json(
        list.into_iter()
            .map(|m| MemberJson {
                user_id: m.user_id,
                first_name: m.first_name,
                last_name: m.last_name,
                email: m.email,
                role: m.role,
            })
            .collect(),
    ))
}

/// The invitations waiting for an answer (ADMIN).
#[utoipa::path(get, path = "/api/organizations/{organization_id}/invitations", tag = "organizations",
    params(("organization_id" = Uuid, Path)), responses((status = 200, body = Vec<InvitationJson>)))]
pub async fn api_invitations(
    State(state): State<AppState>,
    access: OrganizationAccess<AdminMember>,
) -> Result<Json<Vec<InvitationJson>>, AppError> {
    Ok(Json(pending(&state, Space::Organization(access.organization)).await?.into_iter().map(Into::into).collect()))
}

/// Invites an address by email (ADMIN); inviting it again sends a new link. 422 when the address
/// is invalid or already a member's.
#[utoipa::path(post, path = "/api/organizations/{organization_id}/invitations", tag = "organizations",
    params(("organization_id" = Uuid, Path)), request_body = InviteBody, responses((status = 201, body = InvitationJson)))]
pub async fn api_invite(
    State(state): State<AppState>,
    access: OrganizationAccess<AdminMember>,
    CsrfJson(body): CsrfJson<InviteBody>,
) -> Result<Response, AppError> {
    invite_json(&state, Space::Organization(access.organization), &access.user, body).await
}

/// Cancels a pending invitation (ADMIN).
#[utoipa::path(delete, path = "/api/organizations/{organization_id}/invitations/{invitation_id}", tag = "organizations",
    params(("organization_id" = Uuid, Path), ("invitation_id" = Uuid, Path)), responses((status = 204, description = "cancelled")))]
pub async fn api_cancel(
    State(state): State<AppState>,
    access: OrganizationAccess<AdminMember>,
    Path(path): Path<InvitationPath>,
    _: CsrfHeader,
) -> Result<StatusCode, AppError> {
    cancel(&state, Space::Organization(access.organization), access.user.id, path.invitation_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A role to give.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// ADMIN or MEMBER.
    role: RoleName,
}

/// Changes a member's role (ADMIN). 409 when it would leave the organisation without an ADMIN.
#[utoipa::path(patch, path = "/api/organizations/{organization_id}/members/{user_id}", tag = "organizations",
    params(("organization_id" = Uuid, Path), ("user_id" = Uuid, Path)), request_body = RoleBody, responses((status = 204, description = "changed")))]
pub async fn api_role(
    State(state): State<AppState>,
    access: OrganizationAccess<AdminMember>,
    Path(path): Path<MemberPath>,
    CsrfJson(body): CsrfJson<RoleBody>,
) -> Result<StatusCode, AppError> {
    let role = MemberRole::from(body.role);
    change_member(&state, Space::Organization(access.organization), access.user.id, path.user_id, Some(role))
        .await?
        .map_err(|_| AppError::Conflict)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member (ADMIN; oneself: leaving). 409 when it would leave the organisation without an ADMIN.
#[utoipa::path(delete, path = "/api/organizations/{organization_id}/members/{user_id}", tag = "organizations",
    params(("organization_id" = Uuid, Path), ("user_id" = Uuid, Path)), responses((status = 204, description = "removed")))]
pub async fn api_remove(
    State(state): State<AppState>,
    access: OrganizationAccess<AdminMember>,
    Path(path): Path<MemberPath>,
    _: CsrfHeader,
) -> Result<StatusCode, AppError> {
    change_member(&state, Space::Organization(access.organization), access.user.id, path.user_id, None)
        .await?
        .map_err(|_| AppError::Conflict)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The token of an invitation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    token: String,
}

/// The membership an accepted invitation gave.
#[derive(Serialize, ToSchema)]
pub struct JoinedJson {
    /// The organisation joined (or none: a certification centre).
    organization_id: Option<Uuid>,
    /// The certification centre joined (or none: an organisation).
    certification_center_id: Option<Uuid>,
    /// ADMIN or MEMBER.
    role: String,
}

/// Accepts an invitation (to an organisation or a certification centre) as the signed-in person.
/// 404 when the link is unknown, used, cancelled or expired.
#[utoipa::path(post, path = "/api/invitations/{id}/accept", tag = "organizations",
    params(("id" = Uuid, Path)), request_body = AcceptBody, responses((status = 200, body = JoinedJson)))]
pub async fn api_accept(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    CsrfJson(body): CsrfJson<AcceptBody>,
) -> Result<Json<JoinedJson>, AppError> {
    let (space, role) = accept(&state, id, &body.token, me.id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(JoinedJson {
        organization_id: space.organization(),
        certification_center_id: space.center(),
        role: role.as_str().to_owned(),
    }))
}
