//! Demo accounts for `pix serve --demo`: one per role, with random passwords printed in the log
//! when they are created. Without `--demo` none of this runs. Accounts are created through the
//! same service as a sign-up.

use uuid::Uuid;

use super::{
    model::{AdminRole, Email, NewAccount, Password, PersonName},
    service, store,
};
use crate::AppState;

/// The demo certification centre's administrator (the demo session is kept on today in their centres).
const CENTRE_ADMIN: &str = "centre-admin@demo.example";

/// The demo accounts: (email, first name, last name, what they can do).
pub const ACCOUNTS: [(&str, &str, &str, &str); 4] = [
    ("learner@demo.example", "Léa", "Apprenante", "learner"),
    ("orga-admin@demo.example", "Omar", "Organisation", "organisation admin"),
    (CENTRE_ADMIN, "Claire", "Centre", "certification-centre admin"),
    ("super-admin@demo.example", "Sam", "Admin", "super admin"),
];

fn demo_password() -> String {
    // Upper, lower and digit guaranteed, then 16 random characters.
    format!("Demo-{}-9a", &super::session::random_token()[..16])
}

/// What a demo account was created for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoRole {
    /// A learner with a started profile.
    Learner,
    /// The administrator of an organisation (which the caller creates).
    OrganisationAdmin,
    /// The administrator of a certification centre, created with it.
    CentreAdmin {
        /// Their centre.
        center: Uuid,
    },
    /// A back-office super admin.
    SuperAdmin,
}

/// Creates the demo accounts that do not exist yet (a centre with its administrator, the super
/// admin's role); returns those created, for the other contexts to give them their data.
pub async fn seed(state: &AppState) -> anyhow::Result<Vec<(Uuid, DemoRole)>> {
    let now = state.clock.now_micros();
    let db = &state.db;
    let mut created = Vec::new();
    for (email, first, last, role) in ACCOUNTS {
        if service::user_by_identifier(db, email).await?.is_some() {
            continue;
        }
        let secret = demo_password();
        let account = NewAccount {
            first_name: PersonName::parse(first).expect("a valid demo name"),
            last_name: PersonName::parse(last).expect("a valid demo name"),
            email: Email::parse(email).expect("a valid demo address"),
            password: Password::parse(&secret).expect("demo passwords follow the rule"),
        };
        let Some(id) = service::sign_up(state, account, "fr").await? else { continue };
        let demo_role = match role {
            "organisation admin" => DemoRole::OrganisationAdmin,
            "certification-centre admin" => {
                let center = Uuid::now_v7();
                store::insert_center_with_admin(db, center, "Centre de certification (démo)", id, now).await?;
                DemoRole::CentreAdmin { center }
            }
            "super admin" => {
                service::set_admin_role(state, id, AdminRole::SuperAdmin, true).await?;
                DemoRole::SuperAdmin
            }
            _ => DemoRole::Learner,
        };
        created.push((id, demo_role));
        tracing::warn!(email, password = %secret, role, "demo account created (demo mode only)");
    }
    Ok(created)
}

/// The centres of the demo centre administrator (whose demo session is kept on today).
pub async fn demo_centers(state: &AppState) -> anyhow::Result<Vec<Uuid>> {
    let Some(user) = service::user_by_identifier(&state.db, CENTRE_ADMIN).await? else { return Ok(Vec::new()) };
    Ok(store::centers_of(&state.db, user.id).await?.into_iter().map(|(id, _, _)| id).collect())
}

/// A demo account nobody can sign in to (a participant of the demo organisation): created, or found
/// when it exists.
pub async fn account_without_password(
    state: &AppState,
    email: &str,
    first: &str,
    last: &str,
    at: i64,
) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    let row = store::NewUser {
        id,
        first_name: first,
        last_name: last,
        email,
        // Not a password hash: no password matches it.
        password_hash: "!",
        lang: "fr",
        now: at,
    };
    if store::insert_user(&state.db, row).await? {
        return Ok(id);
    }
    let existing = store::user_by_email(&state.db, email).await?;
    existing.map(|u| u.id).ok_or_else(|| anyhow::anyhow!("demo participant {email} cannot be created"))
}
