//! What the members pages of both spaces share: the invitation form and the API's invitation
//! bodies, checked the same way.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Invitation, InviteRefused, invite};
use crate::{
    AppState,
    identity::{
        CurrentUser,
        model::{Email, MemberRole, Space},
    },
    web::error::{AppError, FieldError},
};

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
    let role = MemberRole::parse(&f.role);
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
