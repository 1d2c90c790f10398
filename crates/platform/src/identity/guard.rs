//! Authorisation as extractors: a handler that takes a guard cannot run unless the check passed,
//! and the guard is the proof (like lldap's permission-checked handlers).
//!
//! - [`RequireAdmin<R>`]: a back-office agent holding one of the roles of `R` (SUPER_ADMIN holds them all).
//! - [`OrganizationAccess<R>`] / [`CenterAccess<R>`]: a member, with one of the roles of `R`, of the
//!   organisation (`{organization_id}`) or certification centre (`{center_id}`) named in the path.
//!   Someone who is not a member gets a 404 (the id reveals nothing); a member without the role a 403.

use std::{collections::HashMap, marker::PhantomData};

use axum::{
    extract::{FromRef, FromRequestParts, Path},
    http::request::Parts,
    response::{IntoResponse, Response},
};
use uuid::Uuid;

use super::{
    model::{AdminRole, MemberRole},
    session::CurrentUser,
};
use crate::{AppState, web::error::AppError};

/// A set of back-office roles a route accepts.
pub trait AdminRoles: Send + Sync + 'static {
    /// The roles.
    const ROLES: &'static [AdminRole];
}

/// Any back-office agent.
pub struct AnyAgent;
impl AdminRoles for AnyAgent {
    const ROLES: &'static [AdminRole] = &AdminRole::ALL;
}

/// Support agents (read and unblock accounts).
pub struct Support;
impl AdminRoles for Support {
    const ROLES: &'static [AdminRole] = &[AdminRole::Support];
}

/// Business agents (referential, target profiles).
pub struct Metier;
impl AdminRoles for Metier {
    const ROLES: &'static [AdminRole] = &[AdminRole::Metier];
}

/// Certification agents (sessions, juries).
pub struct Certif;
impl AdminRoles for Certif {
    const ROLES: &'static [AdminRole] = &[AdminRole::Certif];
}

/// Super admins only.
pub struct SuperAdmin;
impl AdminRoles for SuperAdmin {
    const ROLES: &'static [AdminRole] = &[AdminRole::SuperAdmin];
}

/// Proof that the caller is a back-office agent with one of `R`'s roles.
pub struct RequireAdmin<R: AdminRoles> {
    /// The agent.
    pub user: CurrentUser,
    _roles: PhantomData<R>,
}

impl<S, R> FromRequestParts<S> for RequireAdmin<R>
where
    S: Send + Sync,
    AppState: FromRef<S>,
    R: AdminRoles,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        if user.has_admin_role(R::ROLES) {
            Ok(RequireAdmin { user, _roles: PhantomData })
        } else {
            Err(AppError::Forbidden.into_response())
        }
    }
}

/// A set of member roles a route accepts.
pub trait MemberRoles: Send + Sync + 'static {
    /// The roles.
    const ROLES: &'static [MemberRole];
}

/// Any member.
pub struct AnyMember;
impl MemberRoles for AnyMember {
    const ROLES: &'static [MemberRole] = &[MemberRole::Member, MemberRole::Admin];
}

/// Administrators of the organisation or centre.
pub struct AdminMember;
impl MemberRoles for AdminMember {
    const ROLES: &'static [MemberRole] = &[MemberRole::Admin];
}

/// The id in the path segment `name`, if the route has one.
async fn path_id(parts: &mut Parts, name: &str) -> Result<Uuid, Response> {
    let Path(params) =
        Path::<HashMap<String, String>>::from_request_parts(parts, &()).await.map_err(IntoResponse::into_response)?;
    let raw = params.get(name).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("route without a {{{name}}} segment uses a membership guard"))
            .into_response()
    })?;
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound.into_response())
}

/// The one check of both spaces' guards: the signed-in person, the space named in the path segment
/// `segment`, and their role there — 404 when they are not a member (the id reveals nothing), 403
/// when the role is not one of `R`'s.
async fn member_access<S, R>(
    parts: &mut Parts,
    state: &S,
    segment: &str,
    memberships: fn(&CurrentUser) -> &[(Uuid, String, MemberRole)],
) -> Result<(CurrentUser, Uuid, MemberRole), Response>
where
    S: Send + Sync,
    AppState: FromRef<S>,
    R: MemberRoles,
{
    let user = CurrentUser::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
    let space = path_id(parts, segment).await?;
    let role = memberships(&user)
        .iter()
        .find(|(m, _, _)| *m == space)
        .map(|(_, _, r)| *r)
        .ok_or_else(|| AppError::NotFound.into_response())?;
    if !R::ROLES.contains(&role) {
        return Err(AppError::Forbidden.into_response());
    }
    Ok((user, space, role))
}

/// Proof that the caller is a member, with one of `R`'s roles, of the organisation named in the
/// path (`{organization_id}`).
pub struct OrganizationAccess<R: MemberRoles> {
    /// The member.
    pub user: CurrentUser,
    /// The organisation.
    pub organization: Uuid,
    /// The member's role there.
    pub role: MemberRole,
    _roles: PhantomData<R>,
}

impl<S, R> FromRequestParts<S> for OrganizationAccess<R>
where
    S: Send + Sync,
    AppState: FromRef<S>,
    R: MemberRoles,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let (user, organization, role) =
            member_access::<S, R>(parts, state, "organization_id", |u| &u.organizations).await?;
        // An archived organisation is read-only for its members: they read and export, nothing changes.
        if !matches!(parts.method, axum::http::Method::GET | axum::http::Method::HEAD) {
            let app = AppState::from_ref(state);
            let archived = super::store::organization_archived(&app.db, organization)
                .await
                .map_err(|e| AppError::from(e).into_response())?;
            if archived {
                return Err(AppError::ReadOnly.into_response());
            }
        }
        Ok(OrganizationAccess { user, organization, role, _roles: PhantomData })
    }
}

/// Proof that the caller is a member, with one of `R`'s roles, of the certification centre named
/// in the path (`{center_id}`).
pub struct CenterAccess<R: MemberRoles> {
    /// The member.
    pub user: CurrentUser,
    /// The centre.
    pub center: Uuid,
    /// The member's role there.
    pub role: MemberRole,
    _roles: PhantomData<R>,
}

impl<S, R> FromRequestParts<S> for CenterAccess<R>
where
    S: Send + Sync,
    AppState: FromRef<S>,
    R: MemberRoles,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let (user, center, role) = member_access::<S, R>(parts, state, "center_id", |u| &u.centers).await?;
        Ok(CenterAccess { user, center, role, _roles: PhantomData })
    }
}
