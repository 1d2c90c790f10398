//! Organisations, target profiles, campaigns and participations: rows, kinds, and the forms that
//! become them.

use uuid::Uuid;

use crate::{identity::model::Check, web::error::FieldError};

/// Kinds of organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub enum OrganizationKind {
    /// Schools.
    #[serde(rename = "SCO")]
    Sco,
    /// Higher education.
    #[serde(rename = "SUP")]
    Sup,
    /// Employers and others.
    #[serde(rename = "PRO")]
    Pro,
}

impl OrganizationKind {
    /// Every kind.
    pub const ALL: [OrganizationKind; 3] = [OrganizationKind::Sco, OrganizationKind::Sup, OrganizationKind::Pro];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationKind::Sco => "SCO",
            OrganizationKind::Sup => "SUP",
            OrganizationKind::Pro => "PRO",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<OrganizationKind> {
        OrganizationKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An organisation row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Organization {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// SCO, SUP or PRO.
    pub kind: String,
    /// External id (e.g. the school's UAI).
    pub external_id: Option<String>,
    /// Data protection officer's address.
    pub dpo_email: Option<String>,
    /// Several sendings of an assessment campaign are allowed.
    pub multiple_sending: bool,
    /// Format of imported learner lists (SCO, SUP, GENERIC), if imported.
    pub learner_import: Option<String>,
    /// Exports list each skill.
    pub show_skills: bool,
    /// Exam campaigns may be created.
    pub exam_campaigns: bool,
    /// The "Attestations" tab is enabled (by the back office).
    pub attestations_enabled: bool,
    /// Creation time.
    pub created_at: i64,
    /// Archived.
    pub archived_at: Option<i64>,
}

/// Kinds of campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CampaignType {
    /// An adaptive test on a target profile; results feed the learner's profile.
    Assessment,
    /// The learner shares their profile (pix and level per competence).
    ProfilesCollection,
    /// A test on a target profile that neither reads nor changes the learner's profile.
    Exam,
}

impl CampaignType {
    /// Every type.
    pub const ALL: [CampaignType; 3] = [CampaignType::Assessment, CampaignType::ProfilesCollection, CampaignType::Exam];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignType::Assessment => "ASSESSMENT",
            CampaignType::ProfilesCollection => "PROFILES_COLLECTION",
            CampaignType::Exam => "EXAM",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<CampaignType> {
        CampaignType::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The campaign has a test (and a target profile).
    pub fn has_test(self) -> bool {
        self != CampaignType::ProfilesCollection
    }
}

/// A campaign row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Campaign {
    /// Id.
    pub id: Uuid,
    /// Organisation.
    pub organization_id: Uuid,
    /// Code, e.g. `QWERTY234`.
    pub code: String,
    /// Internal name.
    pub name: String,
    /// Title shown to learners.
    pub title: String,
    /// ASSESSMENT, PROFILES_COLLECTION, EXAM.
    #[sqlx(rename = "type")]
    pub campaign_type: String,
    /// Target profile (tests only).
    pub target_profile_id: Option<Uuid>,
    /// Campaign skills, fixed at creation (JSON list of names).
    pub skills: String,
    /// Who created it.
    pub creator_id: Option<Uuid>,
    /// Who owns it.
    pub owner_id: Option<Uuid>,
    /// Label of the external id asked at start.
    pub external_id_label: Option<String>,
    /// STRING or EMAIL.
    pub external_id_type: Option<String>,
    /// Text of the landing page.
    pub landing_text: String,
    /// Text of the end page.
    pub end_text: String,
    /// Button of the end page.
    pub end_button_text: String,
    /// Its link.
    pub end_button_url: String,
    /// Learners may take it again after sharing.
    pub multiple_sendings: bool,
    /// Creation time.
    pub created_at: i64,
    /// Archived.
    pub archived_at: Option<i64>,
    /// Deleted.
    pub deleted_at: Option<i64>,
}

impl Campaign {
    /// The type.
    pub fn kind(&self) -> CampaignType {
        CampaignType::parse(&self.campaign_type).unwrap_or(CampaignType::Assessment)
    }

    /// Learners may join (neither archived nor deleted).
    pub fn accessible(&self) -> bool {
        self.archived_at.is_none() && self.deleted_at.is_none()
    }

    /// The skill names.
    pub fn skill_names(&self) -> Vec<String> {
        serde_json::from_str(&self.skills).unwrap_or_default()
    }
}

/// Participation states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ParticipationStatus {
    /// The test is under way.
    Started,
    /// Finished, not shared yet.
    ToShare,
    /// Shared with the organisation.
    Shared,
}

impl ParticipationStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipationStatus::Started => "STARTED",
            ParticipationStatus::ToShare => "TO_SHARE",
            ParticipationStatus::Shared => "SHARED",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<ParticipationStatus> {
        [ParticipationStatus::Started, ParticipationStatus::ToShare, ParticipationStatus::Shared]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A participation row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Participation {
    /// Id.
    pub id: Uuid,
    /// Campaign.
    pub campaign_id: Uuid,
    /// The learner's account.
    pub user_id: Uuid,
    /// The learner in the organisation's list.
    pub organization_learner_id: Uuid,
    /// External id given at start.
    pub external_id: Option<String>,
    /// STARTED, TO_SHARE, SHARED.
    pub status: String,
    /// Start time.
    pub created_at: i64,
    /// Share time.
    pub shared_at: Option<i64>,
    /// A later participation replaced it (multiple sendings).
    pub is_improved: bool,
    /// Validated campaign skills, at sharing.
    pub validated_skills: Option<i64>,
    /// Mastery rate in [0, 1], at sharing.
    pub mastery_rate: Option<f64>,
    /// Total pix, at sharing (profiles collections).
    pub pix_score: Option<i64>,
    /// What was shared (JSON).
    pub snapshot: Option<String>,
    /// Deleted by the organisation.
    pub deleted_at: Option<i64>,
}

impl Participation {
    /// The state.
    pub fn state(&self) -> ParticipationStatus {
        ParticipationStatus::parse(&self.status).unwrap_or(ParticipationStatus::Started)
    }
}

/// What a shared assessment participation keeps: the campaign skills validated and invalidated.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// Validated skill names.
    pub validated: Vec<String>,
    /// Invalidated skill names.
    pub invalidated: Vec<String>,
    /// Profiles collection: (competence code, level, pix).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub competences: Vec<(String, u32, u32)>,
}

/// A target profile row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TargetProfile {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Knowledge may be reset for a new sending.
    pub resettable: bool,
    /// No longer offered.
    pub outdated: bool,
    /// Creation time.
    pub created_at: i64,
}

/// A stage row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Stage {
    /// Id.
    pub id: Uuid,
    /// Threshold (% of mastery).
    pub threshold: Option<i64>,
    /// Level (converted to a threshold).
    pub level: Option<i64>,
    /// Title.
    pub title: String,
    /// Message.
    pub message: String,
}

impl Stage {
    /// The engine's rule.
    pub fn rule(&self) -> engine::campaign::StageRule {
        match (self.threshold, self.level) {
            (Some(t), _) => engine::campaign::StageRule::Threshold(t.clamp(0, 100) as u32),
            (None, Some(l)) => engine::campaign::StageRule::Level(l.clamp(0, 8) as u8),
            (None, None) => engine::campaign::StageRule::Threshold(0),
        }
    }
}

/// A badge row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Badge {
    /// Id.
    pub id: Uuid,
    /// Stable key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Message when won.
    pub message: String,
    /// Image name (one of the platform's badge images).
    pub image: String,
    /// Alternative text of the image.
    pub alt_text: String,
}

impl Badge {
    /// URL of its image.
    pub fn image_url(&self) -> String {
        let name = if BADGE_IMAGES.contains(&self.image.as_str()) { self.image.as_str() } else { BADGE_IMAGES[0] };
        crate::web::assets::url(&format!("{name}.svg"))
    }
}

/// A badge criterion row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CriterionRow {
    /// Its badge.
    pub badge_id: Uuid,
    /// `participation` or `tubes`.
    pub scope: String,
    /// Percent.
    pub threshold: i64,
    /// JSON list of [tube, level].
    pub tubes: String,
}

/// The images a badge may use (drawn for the platform, each with a default alternative text).
pub const BADGE_IMAGES: &[&str] = &["badge-star", "badge-shield", "badge-rocket"];

/// The fields of a new campaign as submitted.
pub struct CampaignFields<'a> {
    /// Internal name.
    pub name: &'a str,
    /// Title shown to learners (defaults to the name).
    pub title: &'a str,
    /// Type.
    pub kind: &'a str,
    /// Target profile id (tests only).
    pub target_profile: &'a str,
    /// External id label (empty: none).
    pub external_id_label: &'a str,
    /// STRING or EMAIL.
    pub external_id_type: &'a str,
    /// Landing text.
    pub landing_text: &'a str,
    /// End text.
    pub end_text: &'a str,
    /// End button text.
    pub end_button_text: &'a str,
    /// End button link.
    pub end_button_url: &'a str,
    /// Several sendings.
    pub multiple_sendings: bool,
}

/// A validated new campaign.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    /// Internal name.
    pub name: String,
    /// Title shown to learners.
    pub title: String,
    /// Type.
    pub kind: CampaignType,
    /// Target profile (tests).
    pub target_profile: Option<Uuid>,
    /// External id asked at start: label and type.
    pub external_id: Option<(String, String)>,
    /// Landing text.
    pub landing_text: String,
    /// End text.
    pub end_text: String,
    /// End button: text and link.
    pub end_button: Option<(String, String)>,
    /// Several sendings.
    pub multiple_sendings: bool,
}

fn text(raw: &str, max: usize) -> Option<String> {
    let t = raw.trim();
    (t.chars().count() <= max && !t.chars().any(|c| c.is_control() && c != '\n' && c != '\r')).then(|| t.to_owned())
}

impl TryFrom<CampaignFields<'_>> for NewCampaign {
    type Error = Vec<FieldError>;

    fn try_from(f: CampaignFields<'_>) -> Result<NewCampaign, Vec<FieldError>> {
        let mut check = Check::default();
        let name = check.field("name", "field-campaign-name-invalid", text(f.name, 255).filter(|n| !n.is_empty()));
        let title = check.field("title", "field-text-too-long", text(f.title, 255));
        let kind = check.field("kind", "field-campaign-type-invalid", CampaignType::parse(f.kind));
        let target_profile = match kind {
            Some(k) if k.has_test() => check
                .field("target_profile", "field-target-profile-required", Uuid::parse_str(f.target_profile).ok())
                .map(Some),
            _ => Some(None),
        };
        let label = check.field("external_id_label", "field-text-too-long", text(f.external_id_label, 255));
        let external_id = match label {
            Some(l) if !l.is_empty() => check
                .field(
                    "external_id_type",
                    "field-external-id-type-invalid",
                    matches!(f.external_id_type, "STRING" | "EMAIL").then(|| f.external_id_type.to_owned()),
                )
                .map(|t| Some((l, t))),
            Some(_) => Some(None),
            None => None,
        };
        let landing_text = check.field("landing_text", "field-text-too-long", text(f.landing_text, 5000));
        let end_text = check.field("end_text", "field-text-too-long", text(f.end_text, 5000));
        let button_text = check.field("end_button_text", "field-text-too-long", text(f.end_button_text, 255));
        let url = f.end_button_url.trim();
        let url_ok = url.is_empty()
            || ((url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= 2000
                && !url.contains(char::is_whitespace));
        check.require("end_button_url", "field-url-invalid", url_ok);
        let end_button = match button_text {
            Some(t) if !t.is_empty() && !url.is_empty() => Some(Some((t, url.to_owned()))),
            Some(t) if t.is_empty() && url.is_empty() => Some(None),
            Some(_) => {
                check.require("end_button_url", "field-end-button-incomplete", false);
                None
            }
            None => None,
        };
        check.finish(|| {
            let name = name?;
            let title = title?;
            Some(NewCampaign {
                title: if title.is_empty() { name.clone() } else { title },
                name,
                kind: kind?,
                target_profile: target_profile?,
                external_id: external_id?,
                landing_text: landing_text?,
                end_text: end_text?,
                end_button: end_button?,
                multiple_sendings: f.multiple_sendings,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(kind: &'a str, profile: &'a str) -> CampaignFields<'a> {
        CampaignFields {
            name: "Rentrée 2026",
            title: "",
            kind,
            target_profile: profile,
            external_id_label: "",
            external_id_type: "",
            landing_text: "",
            end_text: "",
            end_button_text: "",
            end_button_url: "",
            multiple_sendings: false,
        }
    }

    #[test]
    fn a_campaign_needs_a_profile_when_it_has_a_test() {
        let id = Uuid::now_v7().to_string();
        let ok = NewCampaign::try_from(fields("ASSESSMENT", &id)).unwrap();
        assert_eq!((ok.title.as_str(), ok.kind), ("Rentrée 2026", CampaignType::Assessment));
        let errors = NewCampaign::try_from(fields("EXAM", "")).unwrap_err();
        assert_eq!(errors[0].field, "target_profile");
        assert!(NewCampaign::try_from(fields("PROFILES_COLLECTION", "")).unwrap().target_profile.is_none());
        assert_eq!(NewCampaign::try_from(fields("QUIZ", "")).unwrap_err()[0].field, "kind");
    }

    #[test]
    fn external_id_and_end_button_come_in_pairs() {
        let mut f = fields("PROFILES_COLLECTION", "");
        f.external_id_label = "Numéro d'élève";
        assert_eq!(NewCampaign::try_from(f).unwrap_err()[0].field, "external_id_type");
        let mut f = fields("PROFILES_COLLECTION", "");
        f.external_id_label = "Adresse";
        f.external_id_type = "EMAIL";
        assert_eq!(NewCampaign::try_from(f).unwrap().external_id, Some(("Adresse".into(), "EMAIL".into())));
        let mut f = fields("PROFILES_COLLECTION", "");
        f.end_button_text = "Suite";
        assert_eq!(NewCampaign::try_from(f).unwrap_err()[0].field, "end_button_url");
        let mut f = fields("PROFILES_COLLECTION", "");
        f.end_button_text = "Suite";
        f.end_button_url = "javascript:alert(1)";
        assert_eq!(NewCampaign::try_from(f).unwrap_err()[0].field, "end_button_url");
    }
}

/// What a participation's end page says of a reward a context above may grant for it (quests:
/// an attestation), as the reference's "obtenue / non obtenue / en cours de calcul".
#[derive(Debug, Clone)]
pub struct RewardNote {
    /// Its title.
    pub label: String,
    /// Where its holder downloads it (when obtained).
    pub href: String,
    /// Obtained, not obtained, or being computed.
    pub state: RewardState,
}

/// Where a reward stands for a participation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewardState {
    /// The learner holds it.
    Obtained,
    /// Not (yet) met.
    NotObtained,
    /// The learner's last progress is still being evaluated.
    Computing,
}

impl RewardState {
    /// The message saying it.
    pub fn message_id(self) -> &'static str {
        match self {
            RewardState::Obtained => "results-reward-obtained",
            RewardState::NotObtained => "results-reward-not-obtained",
            RewardState::Computing => "results-reward-computing",
        }
    }
}

/// Reads the rewards a participation may bring: `(state, learner, participation)`.
pub type RewardsFn =
    for<'a> fn(
        &'a crate::AppState,
        Uuid,
        Uuid,
    ) -> futures_util::future::BoxFuture<'a, Result<Vec<RewardNote>, crate::web::error::AppError>>;
