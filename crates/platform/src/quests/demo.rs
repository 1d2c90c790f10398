//! Demo quests: the sixth-grade attestation of the demo school's campaign profile, and one for
//! finishing the personal-data module — which the demo learner did, so she holds one attestation.

use uuid::Uuid;

use super::{courses, service};
use crate::{AppState, learning, prescription};

/// The attestation of the demo school's campaign.
pub const SIXTH_GRADE: &str = "SIXTH_GRADE";
/// The attestation of the personal-data module.
pub const PERSONAL_DATA: &str = "DONNEES_PERSONNELLES";
/// The module it asks for.
const MODULE: &str = "donperso";
/// The attestation of the demo school's combined course.
pub const CITIZENSHIP: &str = "CITOYENNETE_NUMERIQUE";
/// The demo combined course's code (docs/quests.md).
pub const COURSE_CODE: &str = "PARCUR626";
/// Its name.
pub const COURSE_NAME: &str = "Sixième — citoyenneté numérique";

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
    seed_course(state).await?;
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

/// The demo school's combined course: its campaign on the demo profile, then two modules, and an
/// attestation for completing it (once: when no blueprint exists yet).
async fn seed_course(state: &AppState) -> anyhow::Result<()> {
    if !courses::blueprints(state).await?.is_empty() {
        return Ok(());
    }
    let profile =
        prescription::back_office::target_profiles(state).await?.into_iter().find(|p| p.name.ends_with("(démo)"));
    let Ok(school) = prescription::service::campaign_by_code(state, prescription::demo::ASSESSMENT_CODE).await else {
        return Ok(());
    };
    let (Some(profile), Some(creator)) = (profile, school.creator_id) else { return Ok(()) };
    // The school's "Attestations" tab is on (the back office enables it per organisation).
    prescription::back_office::set_attestations_enabled(state, school.organization_id, true).await?;
    service::save_attestation(
        state,
        CITIZENSHIP,
        "Attestation — Parcours citoyenneté numérique (sixième)",
        "{name} a terminé le parcours « Sixième — citoyenneté numérique » de son collège : une campagne sur la recherche d'information, puis les modules « Protéger ses données personnelles » et « Des mots de passe solides ».\n\nAttestation délivrée le {date}.",
    )
    .await?;
    let new = courses::NewBlueprint {
        name: COURSE_NAME.to_owned(),
        description: "Trois étapes pour bien commencer au collège : faites le point sur votre façon de chercher l'information, puis apprenez à protéger vos données et vos comptes.".to_owned(),
        attestation_key: Some(CITIZENSHIP.to_owned()),
        items: vec![
            courses::BlueprintItem::Campaign { target_profile_id: profile.id },
            courses::BlueprintItem::Module { module_id: MODULE.to_owned() },
            courses::BlueprintItem::Module { module_id: "mdpsolid".to_owned() },
        ],
    };
    let blueprint = match courses::create_blueprint(state, new).await? {
        Ok(id) => id,
        Err(why) => anyhow::bail!("demo blueprint refused: {why}"),
    };
    if let Err(why) =
        courses::deploy_with_code(state, school.organization_id, blueprint, creator, Some(COURSE_CODE)).await?
    {
        anyhow::bail!("demo course not deployed: {why}");
    }
    Ok(())
}
