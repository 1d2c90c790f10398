//! The people of an organisation: its members (ADMIN or MEMBER) and the invitations that bring new
//! ones. An ADMIN invites by email (a single-use link valid 7 days, resent or cancelled at will),
//! changes roles and removes members; an organisation always keeps at least one ADMIN. Whoever
//! opens the link, signed in, joins — the first member of an organisation becomes its ADMIN.
//! Invitations work the same way for certification centres (their pages are in `certification`).

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

use super::{model::Invitation, service, store};
use crate::identity::request::{CsrfForm, CsrfHeader, CsrfJson, NoFields, Page};
use crate::{
    AppState,
    identity::{
        self, CurrentUser,
        guard::{AdminMember, AnyMember, OrganizationAccess},
        model::{Email, MemberRole, Space},
        service::token_hash,
        session::random_token,
    },
    outbox,
    web::{
        error::{AppError, FieldError},
        form::FormState,
        layout::{Chrome, encode_path, message, render},
    },
};

/// How long an invitation link works.
pub const INVITATION_LIFETIME_MICROS: i64 = 7 * engine::knowledge::DAY_MICROS;

fn role_code(role: MemberRole) -> &'static str {
    match role {
        MemberRole::Admin => "ADMIN",
        MemberRole::Member => "MEMBER",
    }
}

fn parse_role(role: &str) -> Option<MemberRole> {
    match role {
        "ADMIN" => Some(MemberRole::Admin),
        "MEMBER" => Some(MemberRole::Member),
        _ => None,
    }
}

// ------------------------------------------------------------------ where people are members

async fn space_name(state: &AppState, space: Space) -> Result<String, AppError> {
    match space {
        Space::Organization(id) => Ok(service::organization(state, id).await?.name),
        Space::Center(id) => Ok(crate::certification::service::center(state, id).await?.name),
    }
}

async fn space_role(
    conn: impl Into<crate::db::Conn<'_>>,
    space: Space,
    user: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    match space {
        Space::Organization(id) => store::member_role(conn, id, user).await,
        Space::Center(id) => crate::certification::store::member_role(conn, id, user).await,
    }
}

async fn lock_space(tx: &mut crate::db::Tx, space: Space) -> Result<(), sqlx::Error> {
    match space {
        Space::Organization(id) => store::lock_organization(tx, id).await,
        Space::Center(id) => crate::certification::store::lock_center(tx, id).await,
    }
}

async fn count_space(tx: &mut crate::db::Tx, space: Space, role: Option<&str>) -> Result<i64, sqlx::Error> {
    match space {
        Space::Organization(id) => store::count_members(tx, id, role).await,
        Space::Center(id) => crate::certification::store::count_members(tx, id, role).await,
    }
}

async fn set_space_member(
    tx: &mut crate::db::Tx,
    space: Space,
    user: Uuid,
    role: MemberRole,
    now: i64,
) -> Result<(), sqlx::Error> {
    match space {
        Space::Organization(id) => store::set_member(tx, id, user, role, now).await,
        Space::Center(id) => crate::certification::store::set_member(tx, id, user, role, now).await,
    }
}

/// The audit's word for the place.
fn space_kind(space: Space) -> &'static str {
    match space {
        Space::Organization(_) => "organization",
        Space::Center(_) => "certification_center",
    }
}

// ------------------------------------------------------------------ service

/// What the back office's "add a member" did.
#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    /// The account has the role now.
    Member,
    /// Nobody has an account with this address yet: an invitation was mailed.
    Invited,
}

/// The back office adds a member: an existing account gets the role at once, an unknown address is
/// invited by email (audited either way).
pub async fn add_or_invite(
    state: &AppState,
    space: Space,
    agent: &CurrentUser,
    email: &Email,
    role: MemberRole,
) -> Result<Added, AppError> {
    let Some(user) = identity::store::user_by_email(&state.db, email.as_str()).await? else {
        invite(state, space, agent, email, role).await?.map_err(|_| AppError::Conflict)?;
        return Ok(Added::Invited);
    };
    let mut tx = state.db.begin().await?;
    set_space_member(&mut tx, space, user.id, role, state.clock.now_micros()).await?;
    tx.commit().await?;
    identity::service::audit(
        state,
        Some(agent.id),
        &format!("{}.member", space_kind(space)),
        Some(user.id),
        "back office",
        serde_json::json!({ space_kind(space): space.id(), "role": role_code(role) }),
    )
    .await?;
    Ok(Added::Member)
}

/// Why an invitation was not sent.
#[derive(Debug)]
pub enum InviteRefused {
    /// The address already belongs to a member.
    AlreadyMember,
    /// The space or the inviter sent as many invitations as a day allows: until this time (µs).
    DailyLimit(i64),
}

/// Invites an address to an organisation or a centre (or renews its pending invitation: new link,
/// new role) and queues the mail.
pub async fn invite(
    state: &AppState,
    space: Space,
    inviter: &CurrentUser,
    email: &Email,
    role: MemberRole,
) -> Result<Result<Invitation, InviteRefused>, AppError> {
    let name = space_name(state, space).await?;
    if let Some(user) = identity::store::user_by_email(&state.db, email.as_str()).await?
        && space_role(&state.db, space, user.id).await?.is_some()
    {
        return Ok(Err(InviteRefused::AlreadyMember));
    }
    let now = state.clock.now_micros();
    // Each mail carries the inviter's words to any address: a daily quota per space and per
    // inviter keeps the platform from relaying floods (sending again counts too).
    use crate::attempts::{Gate, INVITATIONS_PER_INVITER, INVITATIONS_PER_SPACE, count};
    for (rule, subject) in
        [(&INVITATIONS_PER_SPACE, space.id().to_string()), (&INVITATIONS_PER_INVITER, inviter.id.to_string())]
    {
        if let Gate::LockedUntil(until) = count(&state.db, rule, &subject, now).await? {
            return Ok(Err(InviteRefused::DailyLimit(until)));
        }
    }
    let token = random_token();
    let hash = token_hash(&token);
    let expires_at = now + INVITATION_LIFETIME_MICROS;
    let id = match store::pending_invitation_of(&state.db, space, email.as_str()).await? {
        Some(pending) => {
            store::renew_invitation(&state.db, pending.id, role_code(role), &hash, now, expires_at).await?;
            pending.id
        }
        None => {
            let id = Uuid::now_v7();
            let row = store::NewInvitation {
                id,
                space,
                email: email.as_str(),
                role: role_code(role),
                token_hash: &hash,
                invited_by: inviter.id,
                now,
                expires_at,
            };
            store::insert_invitation(&state.db, row).await?;
            id
        }
    };
    send(state, space, &name, inviter, email.as_str(), id, &token).await?;
    identity::service::audit(
        state,
        Some(inviter.id),
        &format!("{}.invite", space_kind(space)),
        None,
        space_kind(space),
        serde_json::json!({ space_kind(space): space.id(), "invitation": id, "role": role_code(role) }),
    )
    .await?;
    store::invitation(&state.db, id).await?.ok_or(AppError::NotFound).map(Ok)
}

async fn send(
    state: &AppState,
    space: Space,
    name: &str,
    inviter: &CurrentUser,
    to: &str,
    id: Uuid,
    token: &str,
) -> Result<(), AppError> {
    let link = format!("{}/invitations/{id}?token={token}", state.settings.public_url);
    let who = format!("{} {}", inviter.first_name, inviter.last_name);
    let (fr, en) = match space {
        Space::Organization(_) => ("l'organisation", "the organisation"),
        Space::Center(_) => ("le centre de certification", "the certification centre"),
    };
    let body = format!(
        "Bonjour,\n\n{who} vous invite à rejoindre {fr} « {name} » sur Pix libre. Ouvrez ce lien dans les 7 jours pour accepter :\n{link}\n\nSi vous ne vous attendiez pas à cette invitation, ignorez ce message.\n\n---\n\nHello,\n\n{who} invites you to join {en} \"{name}\" on Pix libre. Open this link within 7 days to accept:\n{link}\n\nIf you did not expect this invitation, ignore this message.\n"
    );
    let subject = format!("Invitation à rejoindre {name} / Invitation to join {name}");
    outbox::mail(state, to, &subject, &body, None).await?;
    Ok(())
}

/// Sends a pending invitation again with a new link (the old one stops working).
pub async fn resend(state: &AppState, space: Space, inviter: &CurrentUser, id: Uuid) -> Result<(), AppError> {
    let invitation = pending_of(state, space, id).await?;
    let role = parse_role(&invitation.role).unwrap_or(MemberRole::Member);
    let email = Email::parse(&invitation.email).ok_or(AppError::NotFound)?;
    match invite(state, space, inviter, &email, role).await? {
        Ok(_) => Ok(()),
        Err(InviteRefused::AlreadyMember) => Err(AppError::Conflict),
        Err(InviteRefused::DailyLimit(until)) => Err(AppError::TooManyRequests {
            retry_after: crate::web::limit::retry_after_until(state.clock.now_micros(), until),
        }),
    }
}

/// Cancels a pending invitation: its link stops working.
pub async fn cancel(state: &AppState, space: Space, actor: Uuid, id: Uuid) -> Result<(), AppError> {
    pending_of(state, space, id).await?;
    store::close_invitation(&state.db, id, "cancelled", None, state.clock.now_micros()).await?;
    identity::service::audit(
        state,
        Some(actor),
        &format!("{}.invitation_cancel", space_kind(space)),
        None,
        space_kind(space),
        serde_json::json!({ space_kind(space): space.id(), "invitation": id }),
    )
    .await
}

async fn pending_of(state: &AppState, space: Space, id: Uuid) -> Result<Invitation, AppError> {
    store::invitation(&state.db, id)
        .await?
        .filter(|i| i.space() == Some(space) && i.status == "pending")
        .ok_or(AppError::NotFound)
}

/// The invitations of an organisation or centre waiting for an answer.
pub async fn pending(state: &AppState, space: Space) -> Result<Vec<Invitation>, AppError> {
    Ok(store::pending_invitations(&state.db, space).await?)
}

/// An invitation that can be accepted with this token, if any.
pub async fn usable(state: &AppState, id: Uuid, token: &str) -> Result<Option<Invitation>, AppError> {
    let now = state.clock.now_micros();
    let Some(invitation) = store::invitation(&state.db, id).await? else { return Ok(None) };
    let matches = store::invitation_usable(&state.db, id, &token_hash(token), now).await?;
    Ok((invitation.status == "pending" && matches).then_some(invitation))
}

/// Accepts an invitation for the signed-in person; where they are now a member and with which role,
/// or `None` when the link is unknown, used, cancelled or expired.
pub async fn accept(
    state: &AppState,
    id: Uuid,
    token: &str,
    user: Uuid,
) -> Result<Option<(Space, MemberRole)>, AppError> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin().await?;
    let Some(invitation) = store::invitation(&mut tx, id).await? else { return Ok(None) };
    let Some(space) = invitation.space() else { return Ok(None) };
    lock_space(&mut tx, space).await?;
    if !store::close_invitation(&mut tx, id, "accepted", Some(&token_hash(token)), now).await? {
        return Ok(None);
    }
    let invited = parse_role(&invitation.role).unwrap_or(MemberRole::Member);
    let current = space_role(&mut tx, space, user).await?;
    let role = if count_space(&mut tx, space, None).await? == 0
        || invited == MemberRole::Admin
        || current.as_deref() == Some("ADMIN")
    {
        MemberRole::Admin
    } else {
        MemberRole::Member
    };
    set_space_member(&mut tx, space, user, role, now).await?;
    tx.commit().await?;
    identity::service::audit(
        state,
        Some(user),
        &format!("{}.join", space_kind(space)),
        Some(user),
        "invitation",
        serde_json::json!({ space_kind(space): space.id(), "invitation": id, "role": role_code(role) }),
    )
    .await?;
    Ok(Some((space, role)))
}

/// Why a role change or a removal was refused.
#[derive(Debug, PartialEq)]
pub enum MemberChangeRefused {
    /// It would leave the organisation without an ADMIN.
    LastAdmin,
}

/// Changes a member's role (`None`: removes them), keeping at least one ADMIN.
pub async fn change_member(
    state: &AppState,
    org: Uuid,
    actor: Uuid,
    user: Uuid,
    role: Option<MemberRole>,
) -> Result<Result<(), MemberChangeRefused>, AppError> {
    let mut tx = state.db.begin().await?;
    // Concurrent changes in one organisation run one after the other, so two ADMINs demoting each
    // other cannot both succeed.
    store::lock_organization(&mut tx, org).await?;
    let current = store::member_role(&mut tx, org, user).await?.ok_or(AppError::NotFound)?;
    let loses_admin = current == "ADMIN" && role != Some(MemberRole::Admin);
    if loses_admin && store::count_members(&mut tx, org, Some("ADMIN")).await? <= 1 {
        return Ok(Err(MemberChangeRefused::LastAdmin));
    }
    match role {
        Some(role) => store::set_member(&mut tx, org, user, role, state.clock.now_micros()).await?,
        None => {
            store::remove_member(&mut tx, org, user).await?;
        }
    }
    tx.commit().await?;
    let action = if role.is_some() { "organization.role" } else { "organization.remove" };
    identity::service::audit(
        state,
        Some(actor),
        action,
        Some(user),
        "organisation",
        serde_json::json!({ "organization": org, "role": role.map(role_code) }),
    )
    .await?;
    Ok(Ok(()))
}

// ------------------------------------------------------------------ pages

#[derive(Template)]
#[template(path = "prescription/members.html")]
struct MembersPage {
    chrome: Chrome,
    organization: Uuid,
    organization_name: String,
    me: Uuid,
    admin: bool,
    csrf: String,
    members: Vec<store::Member>,
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
        csrf: me.csrf.clone(),
        members: store::members(&state.db, org).await?,
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

/// The invitation form.
#[derive(Debug, Deserialize)]
pub struct InviteForm {
    /// The address to invite.
    #[serde(default)]
    pub email: String,
    /// ADMIN or MEMBER.
    #[serde(default)]
    pub role: String,
}

/// Invites from a members page's form: the field errors (none when the mail is queued).
pub async fn invite_from_form(
    state: &AppState,
    space: Space,
    inviter: &CurrentUser,
    f: &InviteForm,
) -> Result<Vec<FieldError>, AppError> {
    let email = Email::parse(&f.email);
    let role = parse_role(&f.role);
    let mut errors = Vec::new();
    if email.is_none() {
        errors.push(FieldError { field: "email".into(), code: "field-email-invalid".into() });
    }
    if role.is_none() {
        errors.push(FieldError { field: "role".into(), code: "field-role-invalid".into() });
    }
    if let (Some(email), Some(role)) = (&email, role) {
        match invite(state, space, inviter, email, role).await? {
            Ok(_) => {}
            Err(InviteRefused::AlreadyMember) => {
                errors.push(FieldError { field: "email".into(), code: "field-invitation-already-member".into() })
            }
            Err(InviteRefused::DailyLimit(_)) => {
                errors.push(FieldError { field: "email".into(), code: "field-invitation-daily-limit".into() })
            }
        }
    }
    Ok(errors)
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
    let Some(role) = parse_role(&f.role) else {
        return Err(AppError::BadRequest("role must be ADMIN or MEMBER".into()));
    };
    match change_member(&state, path.organization_id, access.user.id, path.user_id, Some(role)).await? {
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
    match change_member(&state, path.organization_id, access.user.id, path.user_id, None).await? {
        Ok(()) if path.user_id == access.user.id => Ok(Redirect::to("/orga").into_response()),
        Ok(()) => Ok(Redirect::to(&format!("/orga/{}/members?done=removed", access.organization)).into_response()),
        Err(MemberChangeRefused::LastAdmin) => Ok(last_admin_page(&page, access.organization)),
    }
}

#[derive(Template)]
#[template(path = "prescription/invitation.html")]
struct InvitationPage {
    chrome: Chrome,
    csrf: String,
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
    let organization_name = space_name(&state, space).await?;
    let view = InvitationPage {
        chrome: page.chrome_t("invitation-title"),
        csrf: page.csrf(),
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
    let list = store::members(&state.db, access.organization).await?;
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

/// A pending invitation.
#[derive(Serialize, ToSchema)]
pub struct InvitationJson {
    id: Uuid,
    email: String,
    /// ADMIN or MEMBER.
    role: String,
    /// When it was (last) sent.
    sent_at: i64,
    /// Until when its link works.
    expires_at: i64,
}

impl From<Invitation> for InvitationJson {
    fn from(i: Invitation) -> InvitationJson {
        InvitationJson { id: i.id, email: i.email, role: i.role, sent_at: i.created_at, expires_at: i.expires_at }
    }
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

/// An invitation to send.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    email: String,
    /// ADMIN or MEMBER (default MEMBER).
    #[serde(default)]
    role: Option<RoleName>,
}

/// A member's role, as the API names it.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum RoleName {
    /// Manages the space and its members.
    #[serde(rename = "ADMIN")]
    Admin,
    /// Works in the space.
    #[serde(rename = "MEMBER")]
    Member,
}

impl From<RoleName> for MemberRole {
    fn from(r: RoleName) -> MemberRole {
        match r {
            RoleName::Admin => MemberRole::Admin,
            RoleName::Member => MemberRole::Member,
        }
    }
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

/// Invites as the API does: 201 with the invitation, 422 for an invalid address or role or an
/// address already a member's.
pub async fn invite_json(
    state: &AppState,
    space: Space,
    inviter: &CurrentUser,
    body: InviteBody,
) -> Result<Response, AppError> {
    let field =
        |field: &str, code: &str| AppError::Invalid(vec![FieldError { field: field.into(), code: code.into() }]);
    let email = Email::parse(&body.email).ok_or_else(|| field("email", "field-email-invalid"))?;
    let role = body.role.map_or(MemberRole::Member, MemberRole::from);
    match invite(state, space, inviter, &email, role).await? {
        Ok(invitation) => Ok((StatusCode::CREATED, Json(InvitationJson::from(invitation))).into_response()),
        Err(InviteRefused::AlreadyMember) => Err(field("email", "field-invitation-already-member")),
        Err(InviteRefused::DailyLimit(until)) => Err(AppError::TooManyRequests {
            retry_after: crate::web::limit::retry_after_until(state.clock.now_micros(), until),
        }),
    }
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
    change_member(&state, access.organization, access.user.id, path.user_id, Some(role))
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
    change_member(&state, access.organization, access.user.id, path.user_id, None)
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
        role: role_code(role).to_owned(),
    }))
}
