//! The back office's "add a member" form, the same for an organisation and a centre: an existing
//! account gets the role at once, an unknown address an invitation (`identity::membership`).

use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::{
    AppState,
    identity::{
        CurrentUser, membership,
        model::{Email, MemberRole, Space},
    },
    web::{
        error::{AppError, FieldError},
        form::FormState,
        i18n::Lang,
    },
};

/// Adding a member.
#[derive(Debug, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

impl MemberForm {
    /// The address and role asked for, or the form to show again with its error.
    pub fn check(&self, lang: Lang) -> Result<(Email, MemberRole), FormState> {
        let role = MemberRole::parse(&self.role).unwrap_or(MemberRole::Member);
        match Email::parse(&self.email) {
            Some(email) => Ok((email, role)),
            None => Err(FormState::new()
                .keep("email", &self.email)
                .with_errors(lang, &[FieldError { field: "email".into(), code: "field-email-invalid".into() }])),
        }
    }
}

/// Notices of a space's back-office page.
#[derive(Deserialize, Default)]
pub struct SpaceQuery {
    /// An invitation was just sent.
    pub invited: Option<String>,
    /// Its settings were just changed.
    #[serde(default)]
    pub updated: Option<String>,
    /// Its settings were sent unchanged.
    #[serde(default)]
    pub unchanged: Option<String>,
}

/// Adds the member (or invites the address) and goes back to the space's page at `path`, saying
/// when an invitation went out.
pub async fn add(
    state: &AppState,
    space: Space,
    agent: &CurrentUser,
    (email, role): (Email, MemberRole),
    path: &str,
) -> Result<Response, AppError> {
    let to = match membership::add_or_invite(state, space, agent, &email, role).await? {
        membership::Added::Member => path.to_owned(),
        membership::Added::Invited => format!("{path}?invited=1"),
    };
    Ok(Redirect::to(&to).into_response())
}
