//! Memberships: the people of an organisation or a certification centre (ADMIN or MEMBER) and the
//! invitations that bring new ones. An ADMIN invites by email (a single-use link valid 7 days,
//! resent or cancelled at will), changes roles and removes members; a space always keeps at least
//! one ADMIN. Whoever opens the link, signed in, joins — the first member of a space becomes its
//! ADMIN. The two spaces' pages (`prescription::members`, `certification::members`) and the back
//! office call this one module.

pub mod forms;
pub mod store;

use uuid::Uuid;

use crate::{
    AppState,
    identity::{
        CurrentUser,
        model::{Email, MemberRole, Space},
        service::token_hash,
        session::random_token,
    },
    outbox,
    web::error::AppError,
};
pub use store::Member;

/// How long an invitation link works.
pub const INVITATION_LIFETIME_MICROS: i64 = 7 * engine::knowledge::DAY_MICROS;

/// The audit's word for the place.
fn space_kind(space: Space) -> &'static str {
    match space {
        Space::Organization(_) => "organization",
        Space::Center(_) => "certification_center",
    }
}

/// An invitation to join an organisation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Invitation {
    /// Id.
    pub id: Uuid,
    /// The organisation it is to (or none: a centre).
    pub organization_id: Option<Uuid>,
    /// The certification centre it is to (or none: an organisation).
    pub certification_center_id: Option<Uuid>,
    /// Invited address.
    pub email: String,
    /// Role given on acceptance: MEMBER or ADMIN (the first member of an organisation is ADMIN anyway).
    pub role: String,
    /// pending, accepted or cancelled.
    pub status: String,
    /// Who invited (none once their account is gone).
    pub invited_by: Option<Uuid>,
    /// When it was (last) sent.
    pub created_at: i64,
    /// Until when its link works.
    pub expires_at: i64,
}

/// Where an invitation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationStatus {
    /// Waiting for an answer.
    Pending,
    /// Accepted: its guest is a member.
    Accepted,
    /// Cancelled by an ADMIN (or with its space).
    Cancelled,
}

impl InvitationStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "pending",
            InvitationStatus::Accepted => "accepted",
            InvitationStatus::Cancelled => "cancelled",
        }
    }
}

impl Invitation {
    /// Where it is (an unknown stored name reads as cancelled: it cannot be used).
    pub fn invitation_status(&self) -> InvitationStatus {
        [InvitationStatus::Pending, InvitationStatus::Accepted]
            .into_iter()
            .find(|s| s.as_str() == self.status)
            .unwrap_or(InvitationStatus::Cancelled)
    }

    /// Where it brings its guest.
    pub fn space(&self) -> Option<Space> {
        self.organization_id.map(Space::Organization).or(self.certification_center_id.map(Space::Center))
    }
}

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
    let Some(user) = crate::identity::store::user_by_email(&state.db, email.as_str()).await? else {
        invite(state, space, agent, email, role).await?.map_err(|_| AppError::Conflict)?;
        return Ok(Added::Invited);
    };
    let mut tx = state.db.begin().await?;
    store::set_member(&mut tx, space, user.id, role, state.clock.now_micros()).await?;
    tx.commit().await?;
    crate::audit::write(
        state,
        Some(agent.id),
        &format!("{}.member", space_kind(space)),
        Some(user.id),
        "back office",
        serde_json::json!({ space_kind(space): space.id(), "role": role.as_str() }),
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
    let name = store::name(&state.db, space).await?.ok_or(AppError::NotFound)?;
    if let Some(user) = crate::identity::store::user_by_email(&state.db, email.as_str()).await?
        && store::member_role(&state.db, space, user.id).await?.is_some()
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
            store::renew_invitation(&state.db, pending.id, role.as_str(), &hash, now, expires_at).await?;
            pending.id
        }
        None => {
            let id = Uuid::now_v7();
            let row = store::NewInvitation {
                id,
                space,
                email: email.as_str(),
                role: role.as_str(),
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
    crate::audit::write(
        state,
        Some(inviter.id),
        &format!("{}.invite", space_kind(space)),
        None,
        space_kind(space),
        serde_json::json!({ space_kind(space): space.id(), "invitation": id, "role": role.as_str() }),
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
    let mail = crate::identity::mails::Invitation { who: &who, space_fr: fr, space_en: en, name, link: &link };
    let body = crate::mail::render(&mail)?;
    let subject = format!("Invitation à rejoindre {name} / Invitation to join {name}");
    outbox::mail(state, to, &subject, &body, None).await?;
    Ok(())
}

/// Sends a pending invitation again with a new link (the old one stops working).
pub async fn resend(state: &AppState, space: Space, inviter: &CurrentUser, id: Uuid) -> Result<(), AppError> {
    let invitation = pending_of(state, space, id).await?;
    let role = MemberRole::parse(&invitation.role).unwrap_or(MemberRole::Member);
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
    store::close_invitation(&state.db, id, InvitationStatus::Cancelled.as_str(), None, state.clock.now_micros())
        .await?;
    crate::audit::write(
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
        .filter(|i| i.space() == Some(space) && i.invitation_status() == InvitationStatus::Pending)
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
    Ok((invitation.invitation_status() == InvitationStatus::Pending && matches).then_some(invitation))
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
    store::lock(&mut tx, space).await?;
    if !store::close_invitation(&mut tx, id, InvitationStatus::Accepted.as_str(), Some(&token_hash(token)), now).await?
    {
        return Ok(None);
    }
    let invited = MemberRole::parse(&invitation.role).unwrap_or(MemberRole::Member);
    let current = store::member_role(&mut tx, space, user).await?;
    let role = if store::count_members(&mut tx, space, None).await? == 0
        || invited == MemberRole::Admin
        || current.as_deref() == Some("ADMIN")
    {
        MemberRole::Admin
    } else {
        MemberRole::Member
    };
    store::set_member(&mut tx, space, user, role, now).await?;
    tx.commit().await?;
    crate::audit::write(
        state,
        Some(user),
        &format!("{}.join", space_kind(space)),
        Some(user),
        "invitation",
        serde_json::json!({ space_kind(space): space.id(), "invitation": id, "role": role.as_str() }),
    )
    .await?;
    Ok(Some((space, role)))
}

/// Why a role change or a removal was refused.
#[derive(Debug, PartialEq)]
pub enum MemberChangeRefused {
    /// It would leave the organisation or centre without an ADMIN.
    LastAdmin,
}

/// Changes a member's role (`None`: removes them), keeping at least one ADMIN.
pub async fn change_member(
    state: &AppState,
    space: Space,
    actor: Uuid,
    user: Uuid,
    role: Option<MemberRole>,
) -> Result<Result<(), MemberChangeRefused>, AppError> {
    let mut tx = state.db.begin().await?;
    // Concurrent changes in one space run one after the other, so two ADMINs demoting each other
    // cannot both succeed.
    store::lock(&mut tx, space).await?;
    let current = store::member_role(&mut tx, space, user).await?.ok_or(AppError::NotFound)?;
    let loses_admin = current == "ADMIN" && role != Some(MemberRole::Admin);
    if loses_admin && store::count_members(&mut tx, space, Some("ADMIN")).await? <= 1 {
        return Ok(Err(MemberChangeRefused::LastAdmin));
    }
    match role {
        Some(role) => store::set_member(&mut tx, space, user, role, state.clock.now_micros()).await?,
        None => {
            store::remove_member(&mut tx, space, user).await?;
        }
    }
    tx.commit().await?;
    let verb = if role.is_some() { "role" } else { "remove" };
    let (reason, details) = match space {
        Space::Organization(org) => {
            ("organisation", serde_json::json!({ "organization": org, "role": role.map(MemberRole::as_str) }))
        }
        Space::Center(center) => ("certification centre", serde_json::json!({ "center": center })),
    };
    crate::audit::write(state, Some(actor), &format!("{}.{verb}", space_kind(space)), Some(user), reason, details)
        .await?;
    Ok(Ok(()))
}

/// The name of an organisation or centre.
pub async fn space_name(state: &AppState, space: Space) -> Result<String, AppError> {
    store::name(&state.db, space).await?.ok_or(AppError::NotFound)
}

/// The members of an organisation or centre, by name.
pub async fn members(state: &AppState, space: Space) -> Result<Vec<Member>, AppError> {
    Ok(store::members(&state.db, space).await?)
}

/// A person's role in an organisation or centre, if they belong to it.
pub async fn role_of(state: &AppState, space: Space, user: Uuid) -> Result<Option<String>, AppError> {
    Ok(store::member_role(&state.db, space, user).await?)
}

/// Cancels the pending invitations of an organisation or centre (in the transaction archiving it);
/// how many.
pub async fn cancel_all_invitations(conn: impl Into<crate::db::Conn<'_>>, space: Space) -> Result<u64, AppError> {
    Ok(store::cancel_invitations_of(conn, space).await?)
}

/// Gives a role in a space without an invitation nor an audit entry: a space's first ADMIN when it is
/// created with it, and demo data.
pub async fn grant(
    conn: impl Into<crate::db::Conn<'_>>,
    space: Space,
    user: Uuid,
    role: MemberRole,
    now: i64,
) -> Result<(), AppError> {
    Ok(store::set_member(conn, space, user, role, now).await?)
}
