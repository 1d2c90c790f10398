//! Organisations' use cases: organisations and target profiles (back office), campaigns, joining
//! and taking a campaign, sharing results, and what the organisation sees of them. The SQL is in
//! `store`; the campaign rules (mastery, stages, badges, recommendation) in `engine::campaign`.

use std::collections::HashSet;

use content::{Locale, SkillIdx, TubeIdx};
use engine::{campaign as rules, knowledge};
use uuid::Uuid;

use super::{
    model::{
        Badge, Campaign, CampaignType, NewCampaign, Organization, Participation, ParticipationStatus, Snapshot, Stage,
    },
    store,
};
use crate::{
    AppState, evaluation,
    identity::CurrentUser,
    web::error::{AppError, FieldError},
};

/// The organisation, or 404 (also for archived organisations: nothing is done in them).
pub async fn organization(state: &AppState, id: Uuid) -> Result<Organization, AppError> {
    store::organization(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// The tubes of a target profile, resolved in the content: (tube, cap). Tubes the content no
/// longer has are left out.
pub async fn profile_tubes(state: &AppState, profile: Uuid) -> Result<Vec<(TubeIdx, u8)>, AppError> {
    let rows = store::profile_tubes(&state.db, profile).await?;
    Ok(rows
        .iter()
        .filter_map(|(name, level)| state.content.tube_by_name(name).map(|t| (t, (*level).clamp(1, 8) as u8)))
        .collect())
}

/// Creates a campaign of an organisation, with a fresh code; the campaign skills are fixed now.
pub async fn create_campaign(
    state: &AppState,
    org: Uuid,
    creator: Uuid,
    new: NewCampaign,
) -> Result<Result<Campaign, Vec<FieldError>>, AppError> {
    let organization = organization(state, org).await?;
    if new.kind == CampaignType::Exam && !organization.exam_campaigns {
        return Ok(Err(vec![FieldError { field: "kind".into(), code: "field-campaign-exam-not-allowed".into() }]));
    }
    let mut skills: Vec<String> = Vec::new();
    if let Some(profile) = new.target_profile {
        if !store::profile_attached(&state.db, profile, org).await? {
            return Ok(Err(vec![FieldError {
                field: "target_profile".into(),
                code: "field-target-profile-required".into(),
            }]));
        }
        let tubes = profile_tubes(state, profile).await?;
        skills = rules::campaign_skills(&state.content, &tubes)
            .iter()
            .map(|s| state.content.skill(*s).name.clone())
            .collect();
    }
    let skills = serde_json::to_string(&skills).map_err(|e| AppError::Internal(e.into()))?;
    let (external_id_label, external_id_type) = new.external_id.map_or((None, None), |(l, t)| (Some(l), Some(t)));
    let (end_button_text, end_button_url) = new.end_button.unwrap_or_default();
    for _ in 0..20 {
        let campaign = Campaign {
            id: Uuid::now_v7(),
            organization_id: org,
            code: engine::codes::campaign_code(&mut rand::rng()),
            name: new.name.clone(),
            title: new.title.clone(),
            campaign_type: new.kind.as_str().to_owned(),
            target_profile_id: new.target_profile,
            skills: skills.clone(),
            creator_id: Some(creator),
            owner_id: Some(creator),
            external_id_label: external_id_label.clone(),
            external_id_type: external_id_type.clone(),
            landing_text: new.landing_text.clone(),
            end_text: new.end_text.clone(),
            end_button_text: end_button_text.clone(),
            end_button_url: end_button_url.clone(),
            multiple_sendings: new.multiple_sendings,
            created_at: state.clock.now_micros(),
            archived_at: None,
            deleted_at: None,
        };
        // A taken code (one chance in millions) is simply drawn again.
        if store::insert_campaign(&state.db, &campaign).await? {
            return Ok(Ok(campaign));
        }
    }
    Err(AppError::Internal(anyhow::anyhow!("no free campaign code after 20 draws")))
}

/// A campaign of an organisation, or 404.
pub async fn campaign_of(state: &AppState, org: Uuid, id: Uuid) -> Result<Campaign, AppError> {
    store::campaign(&state.db, id)
        .await?
        .filter(|c| c.organization_id == org && c.deleted_at.is_none())
        .ok_or(AppError::NotFound)
}

/// A campaign by the code a learner typed (upper-cased, spaces removed), or 404.
pub async fn campaign_by_code(state: &AppState, code: &str) -> Result<Campaign, AppError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if !engine::codes::is_campaign_code(&code) {
        return Err(AppError::NotFound);
    }
    store::campaign_by_code(&state.db, &code).await?.filter(|c| c.deleted_at.is_none()).ok_or(AppError::NotFound)
}

/// What a learner may do on a campaign's landing page.
#[derive(Debug, Clone)]
pub enum Entry {
    /// Start (or start again) with the consent and, when asked, the external id.
    Start,
    /// A participation is under way or waiting to be shared: go on.
    Resume(Participation),
    /// Shared, and the campaign allows no new sending: see the results.
    Done(Participation),
}

/// What the learner may do on a campaign.
pub async fn entry(state: &AppState, campaign: &Campaign, user: Uuid) -> Result<Entry, AppError> {
    let Some(latest) = store::latest_participation(&state.db, campaign.id, user).await? else {
        return Ok(Entry::Start);
    };
    Ok(match latest.state() {
        ParticipationStatus::Started | ParticipationStatus::ToShare => Entry::Resume(latest),
        ParticipationStatus::Shared if can_send_again(state, campaign, &latest).await? => Entry::Start,
        ParticipationStatus::Shared => Entry::Done(latest),
    })
}

async fn can_send_again(state: &AppState, campaign: &Campaign, shared: &Participation) -> Result<bool, AppError> {
    if !campaign.multiple_sendings || !campaign.accessible() {
        return Ok(false);
    }
    let organization = organization(state, campaign.organization_id).await?;
    if campaign.kind() != CampaignType::ProfilesCollection && !organization.multiple_sending {
        return Ok(false);
    }
    // An assessment already at 100 % has nothing left to improve.
    let total = campaign.skill_names().len() as i64;
    Ok(campaign.kind() == CampaignType::ProfilesCollection || shared.validated_skills.unwrap_or(0) < total)
}

/// Archives an organisation: its open campaigns close (nobody joins them any more) and its pending
/// invitations are cancelled, in one transaction; its members keep reading its data (the guard
/// refuses every change). Returns the campaigns closed and the invitations cancelled.
pub async fn archive_organization(state: &AppState, id: Uuid) -> Result<(u64, u64), AppError> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin().await?;
    store::set_organization_archived(&mut tx, id, Some(now)).await?;
    let campaigns = store::archive_campaigns_of(&mut tx, id, now).await?;
    let invitations =
        crate::identity::membership::cancel_all_invitations(&mut tx, crate::identity::model::Space::Organization(id))
            .await?;
    tx.commit().await?;
    Ok((campaigns, invitations))
}

/// What is wrong in the fields a learner fills to join (the identifier the campaign asks for, and
/// their names and birth date when the organisation's list does not know them yet), every field at
/// once and without trying the list: nothing is counted against the learner.
pub async fn form_errors(
    state: &AppState,
    campaign: &Campaign,
    user: Uuid,
    previous: Option<&Participation>,
    external_id: &str,
    who: &super::learners::Identity,
) -> Result<Vec<FieldError>, AppError> {
    let mut errors = Vec::new();
    // A new sending keeps the identifier given the first time.
    if let (Some(kind), None) = (&campaign.external_id_type, previous.and_then(|p| p.external_id.as_ref())) {
        let value = external_id.trim();
        let ok = !value.is_empty()
            && value.chars().count() <= 255
            && (kind != "EMAIL" || crate::identity::model::Email::parse(value).is_some());
        if !ok {
            let code = if kind == "EMAIL" { "field-external-id-email" } else { "field-external-id-required" };
            errors.push(FieldError { field: "external_id".into(), code: code.into() });
        }
    }
    if needs_identity(state, campaign, user).await? {
        errors.extend(super::learners::identity_errors(who));
    }
    Ok(errors)
}

/// Whether joining asks the learner who they are: the organisation imports its list and does not
/// know this account yet.
pub async fn needs_identity(state: &AppState, campaign: &Campaign, user: Uuid) -> Result<bool, AppError> {
    Ok(organization(state, campaign.organization_id).await?.learner_import.is_some()
        && store::learner_of_user(&state.db, campaign.organization_id, user).await?.is_none())
}

/// Why a start was refused.
#[derive(Debug, Clone)]
pub enum StartRefused {
    /// The campaign is archived or deleted.
    Closed,
    /// Fields to correct (external id).
    Invalid(Vec<FieldError>),
    /// Too many failed reconciliations of this account or with this organisation's list: wait
    /// until this time (µs).
    Locked(i64),
}

/// Starts a participation (joining the organisation's learners if needed) and, for a test, its
/// assessment; returns the participation. An ongoing participation is returned as it is.
pub async fn start(
    state: &AppState,
    campaign: &Campaign,
    user: &CurrentUser,
    external_id: &str,
    who: &super::learners::Identity,
    locale: Locale,
) -> Result<Result<Participation, StartRefused>, AppError> {
    if !campaign.accessible() {
        return Ok(Err(StartRefused::Closed));
    }
    let previous = match entry(state, campaign, user.id).await? {
        Entry::Resume(p) | Entry::Done(p) => return Ok(Ok(p)),
        Entry::Start => store::latest_participation(&state.db, campaign.id, user.id).await?,
    };
    let errors = form_errors(state, campaign, user.id, previous.as_ref(), external_id, who).await?;
    if !errors.is_empty() {
        return Ok(Err(StartRefused::Invalid(errors)));
    }
    let external_id = match (&campaign.external_id_type, previous.as_ref().and_then(|p| p.external_id.clone())) {
        (None, _) => None,
        // A new sending keeps the identifier given the first time.
        (Some(_), Some(kept)) => Some(kept),
        (Some(_), None) => Some(external_id.trim().to_owned()),
    };
    let imports_list = organization(state, campaign.organization_id).await?.learner_import.is_some();
    let now = state.clock.now_micros();
    // Finding oneself in a list is guessing names and a birth date: each try is counted, per
    // account and per organisation, before anything is compared (outside the transaction, which a
    // failure rolls back), and refunded once it succeeds.
    let counted = if imports_list
        && store::learner_of_user(&state.db, campaign.organization_id, user.id).await?.is_none()
        && super::learners::well_formed(who)
    {
        use crate::attempts::{Gate, RECONCILE_PER_ACCOUNT, RECONCILE_PER_ORGANIZATION, count};
        let (account, org) = (user.id.to_string(), campaign.organization_id.to_string());
        for (rule, subject) in [(&RECONCILE_PER_ACCOUNT, &account), (&RECONCILE_PER_ORGANIZATION, &org)] {
            if let Gate::LockedUntil(until) = count(&state.db, rule, subject, now).await? {
                return Ok(Err(StartRefused::Locked(until)));
            }
        }
        Some((account, org))
    } else {
        None
    };
    let mut tx = state.db.begin().await?;
    let learner = match store::learner_of_user(&mut tx, campaign.organization_id, user.id).await? {
        Some(l) => l,
        // Organisations with a list only let in the learners on it.
        None if imports_list => {
            match super::learners::reconcile(&mut tx, campaign.organization_id, user.id, who, now).await? {
                Ok(l) => l,
                Err(errors) => return Ok(Err(StartRefused::Invalid(errors))),
            }
        }
        None => {
            let id = Uuid::now_v7();
            store::insert_learner_for_user(
                &mut tx,
                id,
                campaign.organization_id,
                user.id,
                &user.first_name,
                &user.last_name,
                now,
            )
            .await?;
            id
        }
    };
    let kind = campaign.kind();
    let participation = Participation {
        id: Uuid::now_v7(),
        campaign_id: campaign.id,
        user_id: user.id,
        organization_learner_id: learner,
        external_id,
        status: if kind.has_test() { "STARTED" } else { "TO_SHARE" }.to_owned(),
        created_at: now,
        shared_at: None,
        is_improved: false,
        validated_skills: None,
        mastery_rate: None,
        pix_score: None,
        snapshot: None,
        deleted_at: None,
    };
    store::insert_participation(&mut tx, &participation).await?;
    if previous.is_some() {
        store::mark_improved(&mut tx, campaign.id, user.id, participation.id).await?;
    }
    if kind.has_test() {
        let test = evaluation::service::NewTest::for_participation(participation.id, previous.is_some());
        evaluation::service::begin(state, &mut tx, user.id, locale, test).await?;
    }
    tx.commit().await?;
    if let Some((account, org)) = counted {
        use crate::attempts::{RECONCILE_PER_ACCOUNT, RECONCILE_PER_ORGANIZATION, succeeded};
        succeeded(&state.db, &RECONCILE_PER_ACCOUNT, &account).await?;
        succeeded(&state.db, &RECONCILE_PER_ORGANIZATION, &org).await?;
    }
    Ok(Ok(participation))
}

/// A participation of the caller, or 404.
pub async fn own_participation(state: &AppState, user: Uuid, id: Uuid) -> Result<Participation, AppError> {
    store::participation(&state.db, id)
        .await?
        .filter(|p| p.user_id == user && p.deleted_at.is_none())
        .ok_or(AppError::NotFound)
}

/// A participation's results: mastery, stages, badges (live before sharing, fixed after).
#[derive(Debug, Clone)]
pub struct Results {
    /// Campaign skills.
    pub targeted: usize,
    /// Validated among them.
    pub validated: usize,
    /// Mastery in whole percent.
    pub mastery_percent: u32,
    /// Stages reached (stage 0 counts), and the stages.
    pub reached: usize,
    /// The profile's stages with their thresholds, in order.
    pub stages: Vec<(Stage, u32)>,
    /// Badges: won or not, progress percent.
    pub badges: Vec<(Badge, bool, u32)>,
    /// Failed skills (for tutorials).
    pub failed: Vec<SkillIdx>,
    /// Profiles collection: total pix and (competence, level, pix).
    pub profile: Option<(u32, Vec<CompetenceScore>)>,
}

/// A competence of a shared profile: code, level, pix.
pub type CompetenceScore = (String, u32, u32);

impl Results {
    /// The reached stage, if the profile has stages (stage 0 is none reached yet).
    pub fn stage(&self) -> Option<&(Stage, u32)> {
        self.reached.checked_sub(1).and_then(|i| self.stages.get(i))
    }
}

/// The learner's knowledge for a participation: the shared snapshot, or the live knowledge.
async fn knowledge_state(
    state: &AppState,
    campaign: &Campaign,
    p: &Participation,
) -> Result<(HashSet<SkillIdx>, Vec<SkillIdx>), AppError> {
    let content = &state.content;
    if let Some(snapshot) = p.snapshot.as_deref().and_then(|s| serde_json::from_str::<Snapshot>(s).ok()) {
        let to_idx = |names: &[String]| names.iter().filter_map(|n| content.skill_by_name(n)).collect::<Vec<_>>();
        return Ok((to_idx(&snapshot.validated).into_iter().collect(), to_idx(&snapshot.invalidated)));
    }
    let rows = if campaign.kind() == CampaignType::Exam {
        match store::assessment_of_participation(&state.db, p.id).await? {
            Some(a) => evaluation::service::test_knowledge(&state.db, a).await?,
            None => Vec::new(),
        }
    } else {
        evaluation::service::profile_knowledge(&state.db, p.user_id).await?
    };
    let current = knowledge::current(&evaluation::service::to_engine(content, &rows));
    let skills = campaign_skills(state, campaign);
    let targets: HashSet<SkillIdx> = skills.iter().copied().collect();
    let validated = rules::validated(&skills, &current);
    let failed = current
        .iter()
        .filter(|k| k.status == knowledge::Status::Invalidated && targets.contains(&k.skill))
        .map(|k| k.skill)
        .collect();
    Ok((validated, failed))
}

/// The campaign skills, resolved in the content.
pub fn campaign_skills(state: &AppState, campaign: &Campaign) -> Vec<SkillIdx> {
    campaign.skill_names().iter().filter_map(|n| state.content.skill_by_name(n)).collect()
}

/// The stages of a campaign's profile with their thresholds.
pub async fn stages_of(state: &AppState, campaign: &Campaign) -> Result<Vec<(Stage, u32)>, AppError> {
    let Some(profile) = campaign.target_profile_id else { return Ok(Vec::new()) };
    let stages = store::stages(&state.db, profile).await?;
    let rules: Vec<rules::StageRule> = stages.iter().map(Stage::rule).collect();
    let thresholds = rules::stage_thresholds(&state.content, &campaign_skills(state, campaign), &rules);
    let mut with: Vec<(Stage, u32)> = stages.into_iter().zip(thresholds).collect();
    with.sort_by_key(|(_, t)| *t);
    Ok(with)
}

/// The badges of a campaign's profile with their criteria.
pub async fn badges_of(state: &AppState, campaign: &Campaign) -> Result<Vec<(Badge, Vec<rules::Criterion>)>, AppError> {
    let Some(profile) = campaign.target_profile_id else { return Ok(Vec::new()) };
    let badges = store::badges(&state.db, profile).await?;
    let criteria = store::criteria(&state.db, profile).await?;
    Ok(badges
        .into_iter()
        .map(|b| {
            let of_badge = criteria
                .iter()
                .filter(|c| c.badge_id == b.id)
                .map(|c| match c.scope.as_str() {
                    "tubes" => {
                        let tubes: Vec<(String, u8)> = serde_json::from_str(&c.tubes).unwrap_or_default();
                        rules::Criterion::Tubes {
                            threshold: c.threshold.clamp(0, 100) as u32,
                            tubes: tubes
                                .iter()
                                .filter_map(|(t, l)| state.content.tube_by_name(t).map(|t| (t, *l)))
                                .collect(),
                        }
                    }
                    _ => rules::Criterion::Participation { threshold: c.threshold.clamp(0, 100) as u32 },
                })
                .collect();
            (b, of_badge)
        })
        .collect())
}

/// The results of a participation.
pub async fn results(state: &AppState, campaign: &Campaign, p: &Participation) -> Result<Results, AppError> {
    if campaign.kind() == CampaignType::ProfilesCollection {
        let profile = match p.snapshot.as_deref().and_then(|s| serde_json::from_str::<Snapshot>(s).ok()) {
            Some(s) => (p.pix_score.unwrap_or(0) as u32, s.competences),
            None => profile_now(state, p.user_id).await?,
        };
        return Ok(Results {
            targeted: 0,
            validated: 0,
            mastery_percent: 0,
            reached: 0,
            stages: Vec::new(),
            badges: Vec::new(),
            failed: Vec::new(),
            profile: Some(profile),
        });
    }
    let skills = campaign_skills(state, campaign);
    let (validated, failed) = knowledge_state(state, campaign, p).await?;
    let mastery_percent = rules::mastery_percentage(validated.len(), skills.len());
    let stages = stages_of(state, campaign).await?;
    let thresholds: Vec<u32> = stages.iter().map(|(_, t)| *t).collect();
    let reached = if stages.is_empty() { 0 } else { rules::reached_stages(&thresholds, mastery_percent) };
    let badges = badges_of(state, campaign)
        .await?
        .into_iter()
        .map(|(b, criteria)| {
            let (won, progress) = rules::badge(&state.content, &skills, &validated, &criteria);
            (b, won, progress)
        })
        .collect();
    Ok(Results {
        targeted: skills.len(),
        validated: validated.len(),
        mastery_percent,
        reached,
        stages,
        badges,
        failed,
        profile: None,
    })
}

/// A person's profile now: total pix and (competence code, level, pix).
async fn profile_now(state: &AppState, user: Uuid) -> Result<(u32, Vec<(String, u32, u32)>), AppError> {
    let views = evaluation::service::profile(state, user).await?;
    let scores: Vec<_> = views.iter().map(|v| v.score).collect();
    let total = engine::scoring::profile_total(&scores);
    Ok((
        total,
        views
            .iter()
            .map(|v| (state.content.competence(v.competence).code.clone(), v.score.level, v.score.pix))
            .collect(),
    ))
}

/// Shares a participation with its organisation, fixing its figures; false when it was not
/// ready (test under way) or already shared.
pub async fn share(state: &AppState, user: Uuid, participation: Uuid) -> Result<bool, AppError> {
    share_at(state, user, participation, state.clock.now_micros()).await
}

/// [`share`] at a given time (the demo data is shared in the past).
pub async fn share_at(state: &AppState, user: Uuid, participation: Uuid, at: i64) -> Result<bool, AppError> {
    let p = own_participation(state, user, participation).await?;
    if p.state() != ParticipationStatus::ToShare {
        return Ok(false);
    }
    let campaign = store::campaign(&state.db, p.campaign_id).await?.ok_or(AppError::NotFound)?;
    if !campaign.accessible() {
        return Ok(false);
    }
    let content = &state.content;
    let (snapshot, validated, mastery, pix) = if campaign.kind() == CampaignType::ProfilesCollection {
        let (total, competences) = profile_now(state, user).await?;
        (Snapshot { competences, ..Snapshot::default() }, None, None, Some(i64::from(total)))
    } else {
        let skills = campaign_skills(state, &campaign);
        let (validated, failed) = knowledge_state(state, &campaign, &p).await?;
        let names =
            |set: &mut dyn Iterator<Item = SkillIdx>| set.map(|s| content.skill(s).name.clone()).collect::<Vec<_>>();
        let mut ordered: Vec<SkillIdx> = skills.iter().copied().filter(|s| validated.contains(s)).collect();
        ordered.dedup();
        let snapshot = Snapshot {
            validated: names(&mut ordered.iter().copied()),
            invalidated: names(&mut failed.iter().copied()),
            competences: Vec::new(),
        };
        let n = validated.len();
        (snapshot, Some(n as i64), Some(rules::mastery_rate(n, skills.len())), None)
    };
    let snapshot = serde_json::to_string(&snapshot).map_err(|e| AppError::Internal(e.into()))?;
    let shared =
        store::Shared { at, validated_skills: validated, mastery_rate: mastery, pix_score: pix, snapshot: &snapshot };
    let done = store::share(&state.db, participation, shared).await?;
    if done {
        // A shared participation completes a combined course's campaign item.
        state.progressed(user);
    }
    Ok(done)
}

/// What quests look at of a person's participations (`quests`), grouped by organisation learner
/// by the caller.
pub async fn quest_participations(
    conn: impl Into<crate::db::Conn<'_>>,
    user: Uuid,
) -> Result<Vec<store::QuestParticipation>, AppError> {
    Ok(store::quest_participations(conn, user).await?)
}

/// The skills of a target profile (its capped tubes), for quests' capped-tube mastery.
pub async fn profile_skills(
    state: &AppState,
    conn: impl Into<crate::db::Conn<'_>>,
    profile: Uuid,
) -> Result<Vec<SkillIdx>, AppError> {
    let rows = store::profile_tubes(conn, profile).await?;
    let tubes: Vec<(TubeIdx, u8)> = rows
        .iter()
        .filter_map(|(name, level)| state.content.tube_by_name(name).map(|t| (t, (*level).clamp(1, 8) as u8)))
        .collect();
    Ok(engine::campaign::campaign_skills(&state.content, &tubes))
}

/// The people who took part in the campaign with this code (none when there is no such campaign).
pub async fn users_of_campaign_code(state: &AppState, code: &str) -> Result<Vec<Uuid>, AppError> {
    match store::campaign_by_code(&state.db, code).await? {
        Some(c) => Ok(store::users_of_campaign(&state.db, c.id).await?),
        None => Ok(Vec::new()),
    }
}

/// The organisation's learners linked to an account, by account: (first name, last name, class).
pub async fn learners_with_accounts(
    state: &AppState,
    org: Uuid,
) -> Result<std::collections::HashMap<Uuid, (String, String, Option<String>)>, AppError> {
    Ok(store::learners_with_accounts(&state.db, org)
        .await?
        .into_iter()
        .map(|(user, first, last, division)| (user, (first, last, division)))
        .collect())
}

/// Organisations' campaigns created for a combined course: the course's name and the target
/// profile's name make the campaign's.
pub async fn create_course_campaign(
    state: &AppState,
    org: Uuid,
    creator: Uuid,
    course_name: &str,
    profile: Uuid,
) -> Result<Result<Campaign, Vec<FieldError>>, AppError> {
    let profile_name = store::target_profile(&state.db, profile).await?.map(|p| p.name).unwrap_or_default();
    let new = NewCampaign {
        name: format!("{course_name} — {profile_name}").chars().take(255).collect(),
        title: course_name.chars().take(255).collect(),
        kind: CampaignType::Assessment,
        target_profile: Some(profile),
        external_id: None,
        landing_text: String::new(),
        end_text: String::new(),
        end_button: None,
        multiple_sendings: false,
    };
    create_campaign(state, org, creator, new).await
}

pub use super::store::MyParticipation;

/// Every campaign a learner took part in, with its state ("Mes parcours").
pub async fn my_participations(state: &AppState, user: Uuid) -> Result<Vec<MyParticipation>, AppError> {
    Ok(store::participations_of_user(&state.db, user).await?)
}
