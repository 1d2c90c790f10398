//! Demo quests: the sixth-grade attestation of the demo school's campaign profile, and one for
//! finishing the personal-data module — which the demo learner did, so she holds one attestation.

use uuid::Uuid;

use super::service;
use crate::{AppState, learning, prescription};

/// The attestation of the demo school's campaign.
pub const SIXTH_GRADE: &str = "SIXTH_GRADE";
/// The attestation of the personal-data module.
pub const PERSONAL_DATA: &str = "DONNEES_PERSONNELLES";
/// The module it asks for.
const MODULE: &str = "donperso";

/// Creates the demo attestations and quests (once), the demo learner's finished module, and
/// evaluates her quests.
pub async fn seed(state: &AppState, learner: Option<Uuid>) -> anyhow::Result<()> {
    if let Some(user) = learner {
        learning::service::seed_finished_passage(state, user, MODULE).await?;
    }
    if service::quests(state).await?.is_empty() {
        service::save_attestation(
            state,
            SIXTH_GRADE,
            "Attestation de sensibilisation au numérique — sixième",
            "{name} a suivi le parcours de sensibilisation au numérique de son collège et y a montré qu'il ou elle sait mener une recherche d'information.\n\nAttestation délivrée le {date}.",
        )
        .await?;
        service::save_attestation(
            state,
            PERSONAL_DATA,
            "Attestation — Protéger ses données personnelles",
            "{name} a terminé le module d'apprentissage « Protéger ses données personnelles ».\n\nAttestation délivrée le {date}.",
        )
        .await?;
        let profile =
            prescription::back_office::target_profiles(state).await?.into_iter().find(|p| p.name.ends_with("(démo)"));
        let tube = state
            .content
            .competence_by_code("1.1")
            .and_then(|c| state.content.competence(c).tubes.first().map(|t| state.content.tube(*t).name.clone()));
        if let (Some(profile), Some(tube)) = (profile, tube) {
            let sixth = serde_json::json!({
                "rewardType": "attestations", "rewardId": SIXTH_GRADE,
                "eligibilityRequirements": [
                    { "requirement_type": "organization", "comparison": "all", "data": { "type": { "data": "SCO", "comparison": "equal" } } },
                    { "requirement_type": "campaignParticipations", "comparison": "all", "data": { "targetProfileId": { "data": [profile.id.to_string()], "comparison": "one-of" } } },
                ],
                "successRequirements": [
                    { "requirement_type": "cappedTubes", "data": { "cappedTubes": [{ "tubeId": tube, "level": 2 }], "threshold": 50 } },
                ],
            });
            create(state, &sixth).await?;
        }
        if let Some(module) = state.content.module_by_short_id(MODULE) {
            let finished = serde_json::json!({
                "rewardType": "attestations", "rewardId": PERSONAL_DATA,
                "eligibilityRequirements": [],
                "successRequirements": [
                    { "requirement_type": "passages", "comparison": "all", "data": {
                        "moduleId": { "data": module.id, "comparison": "equal" },
                        "isTerminated": { "data": true, "comparison": "equal" } } },
                ],
            });
            create(state, &finished).await?;
        }
    }
    if let Some(user) = learner {
        service::reward(state, user).await?;
    }
    // The demo school's pupils who reached the threshold hold the sixth-grade attestation.
    for user in prescription::service::users_of_campaign_code(state, prescription::demo::ASSESSMENT_CODE).await? {
        service::reward(state, user).await?;
    }
    Ok(())
}

async fn create(state: &AppState, config: &serde_json::Value) -> anyhow::Result<()> {
    match service::check_config(state, &config.to_string()).await? {
        Ok(checked) => {
            service::create_quest(state, &checked).await?;
            Ok(())
        }
        Err(why) => anyhow::bail!("demo quest refused: {why}"),
    }
}
