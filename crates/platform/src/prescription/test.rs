//! The campaign test: a kind of test (`evaluation::kind`) that targets the skills of the campaign's
//! target profile, starts from the learner's whole profile (an exam: from its own answers only), and
//! leaves the participation ready to share when it ends.

use async_trait::async_trait;
use content::SkillIdx;
use uuid::Uuid;

use super::store::{self, AssessmentCampaign};
use crate::{
    AppState,
    db::{Conn, Tx},
    evaluation::{
        kind::{Knowledge, Ongoing, Rules, TestKind},
        service::Assessment,
    },
    learning::trainings,
    web::{error::AppError, i18n::Lang},
};

/// Campaign tests: the assessments of a participation.
pub struct CampaignKind;

#[async_trait]
impl TestKind for CampaignKind {
    fn owns(&self, a: &Assessment) -> bool {
        a.participation_id.is_some()
    }

    async fn open(
        &self,
        state: &AppState,
        conn: Conn<'_>,
        a: &Assessment,
    ) -> Result<(Vec<SkillIdx>, Box<dyn Ongoing>), AppError> {
        let participation = a.participation_id.ok_or(AppError::NotFound)?;
        let campaign = store::campaign_of_participation(conn, participation).await?.ok_or(AppError::NotFound)?;
        let names: Vec<String> = serde_json::from_str(&campaign.skills).unwrap_or_default();
        let target = names.iter().filter_map(|n| state.content.skill_by_name(n)).collect();
        Ok((target, Box::new(CampaignTest { participation, campaign, user: a.user_id })))
    }
}

/// A campaign test under way.
pub struct CampaignTest {
    participation: Uuid,
    campaign: AssessmentCampaign,
    user: Uuid,
}

#[async_trait]
impl Ongoing for CampaignTest {
    fn rules(&self) -> Rules {
        let exam = self.campaign.campaign_type == "EXAM";
        Rules {
            knowledge: if exam { Knowledge::OwnAnswers } else { Knowledge::Profile },
            // As the reference, every campaign but an exam may ask older failures again.
            improvement: !exam,
            include_archived: true,
            certification: false,
            own_flow: false,
        }
    }

    fn results_path(&self) -> String {
        format!("/campagnes/{}/resultats", self.campaign.code)
    }

    fn heading(&self, _lang: Lang) -> String {
        self.campaign.title.clone()
    }

    /// Leaves the participation ready to share and, in the same transaction, recommends the
    /// trainings of the campaign's target profile whose triggers hold (docs/trainings.md).
    async fn ended(&self, state: &AppState, tx: &mut Tx, a: &Assessment) -> Result<(), AppError> {
        store::finish_participation(&mut *tx, self.participation).await?;
        if let Some(profile) = self.campaign.target_profile_id {
            let names: Vec<String> = serde_json::from_str(&self.campaign.skills).unwrap_or_default();
            let skills: Vec<SkillIdx> = names.iter().filter_map(|n| state.content.skill_by_name(n)).collect();
            let whose = if self.campaign.campaign_type == "EXAM" {
                trainings::Knowledge::OwnAnswers(a.id)
            } else {
                trainings::Knowledge::Profile
            };
            let ended = trainings::Ended {
                user: a.user_id,
                participation: self.participation,
                campaign: self.campaign.campaign_id,
                profile,
                locale: &a.locale,
                skills: &skills,
            };
            trainings::recommend(state, tx, ended, whose).await?;
        }
        Ok(())
    }

    /// Each acknowledged answer may complete a quest (PRODUCT-NEXT §2.1: after answers).
    fn after_commit(&self, state: &AppState) {
        state.progressed(self.user);
    }
}
