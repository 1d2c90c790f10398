//! Demo accounts for `pix serve --demo`: one per role, with random passwords printed in the log
//! when they are created. Without `--demo` none of this runs.

use uuid::Uuid;

use super::{model::AdminRole, password, service};
use crate::{AppState, on_db};

/// The demo accounts: (email, first name, last name, what they can do).
pub const ACCOUNTS: [(&str, &str, &str, &str); 4] = [
    ("learner@demo.example", "Léa", "Apprenante", "learner"),
    ("orga-admin@demo.example", "Omar", "Organisation", "organisation admin"),
    ("centre-admin@demo.example", "Claire", "Centre", "certification-centre admin"),
    ("super-admin@demo.example", "Sam", "Admin", "super admin"),
];

fn demo_password() -> String {
    // Upper, lower and digit guaranteed, then 16 random characters.
    format!("Demo-{}-9a", &super::session::random_token()[..16])
}

/// Creates the demo accounts that do not exist yet, with their organisation and centre.
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    let now = state.clock.now_micros();
    let db = &state.db;
    for (email, first, last, role) in ACCOUNTS {
        if service::user_by_identifier(db, email).await?.is_some() {
            continue;
        }
        let secret = demo_password();
        let hash = password::hash(secret.clone()).await?;
        let id = Uuid::now_v7();
        on_db!(db, pool => {
            sqlx::query(
                "INSERT INTO users (id, first_name, last_name, email, username, password_hash, lang, terms_accepted_at, created_at, updated_at, anonymised) \
                 VALUES ($1, $2, $3, $4, NULL, $5, 'fr', $6, $6, $6, $7)",
            )
            .bind(id).bind(first).bind(last).bind(email).bind(&hash).bind(now).bind(false)
            .execute(pool).await.map(|_| ())
        })?;
        match role {
            "organisation admin" => {
                let org = Uuid::now_v7();
                on_db!(db, pool => {
                    sqlx::query("INSERT INTO organizations (id, name, kind, created_at) VALUES ($1, 'Collège Jules Verne (démo)', 'SCO', $2)").bind(org).bind(now).execute(pool).await?;
                    sqlx::query("INSERT INTO memberships (user_id, organization_id, role, created_at) VALUES ($1, $2, 'ADMIN', $3)").bind(id).bind(org).bind(now).execute(pool).await.map(|_| ())
                })?;
            }
            "certification-centre admin" => {
                let centre = Uuid::now_v7();
                on_db!(db, pool => {
                    sqlx::query("INSERT INTO certification_centers (id, name, created_at) VALUES ($1, 'Centre de certification (démo)', $2)").bind(centre).bind(now).execute(pool).await?;
                    sqlx::query("INSERT INTO center_memberships (user_id, center_id, role, created_at) VALUES ($1, $2, 'ADMIN', $3)").bind(id).bind(centre).bind(now).execute(pool).await.map(|_| ())
                })?;
            }
            "super admin" => service::grant_admin_role(db, id, AdminRole::SuperAdmin, now).await?,
            "learner" => crate::evaluation::demo::seed(state, id).await?,
            _ => {}
        }
        tracing::warn!(email, password = %secret, role, "demo account created (demo mode only)");
    }
    Ok(())
}
