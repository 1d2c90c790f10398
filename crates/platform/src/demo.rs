//! The demo data of `pix serve --demo`: identity creates the accounts, then each context gives them
//! what it holds (a started profile, an organisation with campaigns, a centre's session).

use crate::{AppState, certification, evaluation, identity::demo::DemoRole, prescription, quests};

/// Creates what is missing of the demo data, and keeps the demo session on today.
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    let mut learner = None;
    for (id, role) in crate::identity::demo::seed(state).await? {
        match role {
            DemoRole::Learner => {
                evaluation::demo::seed(state, id).await?;
                learner = Some(id);
            }
            DemoRole::OrganisationAdmin => prescription::demo::seed(state, id).await?,
            DemoRole::CentreAdmin { center } => certification::demo::seed(state, center, id).await?,
            DemoRole::SuperAdmin => {}
        }
    }
    // Quests look at the organisations' profiles and the learner's modules: last.
    quests::demo::seed(state, learner).await?;
    let centers = crate::identity::demo::demo_centers(state).await?;
    certification::demo::keep_today(state, &centers).await?;
    Ok(())
}
