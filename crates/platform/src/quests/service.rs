//! Quests and attestations (docs/quests.md): the back office defines attestations and the quests
//! that reward them; after a campaign answer (and whenever a learner looks at their attestations)
//! the service evaluates the quests the learner has not completed yet and grants each reward once.
//!
//! The rules are `engine::quest`; this module gathers what they look at — the learner in each of
//! their organisations, the organisation, their campaign participations there, their module
//! passages, their knowledge — and records rewards.

use std::collections::{BTreeMap, HashMap, HashSet};

use content::SkillIdx;
use engine::quest::{Facts, Object, Requirement, Value};
use serde::Deserialize;
use uuid::Uuid;

use super::store::{self, Reward};
pub use super::store::{Attestation, QuestRow, SharedAttestation};
use crate::{
    AppState, evaluation, learning, prescription,
    web::{error::AppError, i18n::Lang},
};

/// The only reward there is for now.
pub const ATTESTATIONS: &str = "attestations";

/// A quest's configuration, as the reference writes it (the back office pastes it).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuestConfig {
    /// `attestations`.
    pub reward_type: String,
    /// The attestation's key.
    pub reward_id: String,
    /// Who may obtain it.
    pub eligibility_requirements: Vec<Requirement>,
    /// What they must achieve.
    pub success_requirements: Vec<Requirement>,
}

/// A quest, its requirements read.
#[derive(Debug, Clone)]
pub struct Quest {
    /// Id.
    pub id: Uuid,
    /// The attestation it rewards.
    pub reward_key: String,
    /// Who may obtain it.
    pub eligibility: Vec<Requirement>,
    /// What they must achieve.
    pub success: Vec<Requirement>,
}

impl Quest {
    fn read(row: &QuestRow) -> Option<Quest> {
        Some(Quest {
            id: row.id,
            reward_key: row.reward_key.clone(),
            eligibility: serde_json::from_str(&row.eligibility).ok()?,
            success: serde_json::from_str(&row.success).ok()?,
        })
    }
}

/// Tube names a requirement names that the content does not have.
fn unknown_tubes(content: &content::Content, requirements: &[Requirement], out: &mut Vec<String>) {
    for r in requirements {
        match r {
            Requirement::Compose { data, .. } => unknown_tubes(content, data, out),
            Requirement::CappedTubes { data } => out.extend(
                data.capped_tubes
                    .iter()
                    .filter(|t| content.tube_by_name(&t.tube_id).is_none() || t.level > 8)
                    .map(|t| t.tube_id.clone()),
            ),
            _ => {}
        }
    }
}

/// Reads and checks a quest's configuration: `Err` says what is wrong, in words for the agent.
pub async fn check_config(state: &AppState, json: &str) -> Result<Result<QuestConfig, String>, AppError> {
    let config: QuestConfig = match serde_json::from_str(json) {
        Ok(c) => c,
        Err(e) => return Ok(Err(format!("JSON: {e}"))),
    };
    if config.reward_type != ATTESTATIONS {
        return Ok(Err(format!("rewardType: only \"{ATTESTATIONS}\"")));
    }
    if store::attestation(&state.db, &config.reward_id).await?.is_none() {
        return Ok(Err(format!("rewardId: no attestation has the key {}", config.reward_id)));
    }
    if config.success_requirements.is_empty() {
        return Ok(Err("successRequirements: at least one".to_owned()));
    }
    let mut unknown = Vec::new();
    unknown_tubes(&state.content, &config.eligibility_requirements, &mut unknown);
    unknown_tubes(&state.content, &config.success_requirements, &mut unknown);
    if !unknown.is_empty() {
        return Ok(Err(format!("cappedTubes: unknown tubes or levels above 8: {}", unknown.join(", "))));
    }
    Ok(Ok(config))
}

/// Records a checked quest; its id.
pub async fn create_quest(state: &AppState, config: &QuestConfig) -> Result<Uuid, AppError> {
    let now = state.clock.now_micros();
    let to_json = |r: &[Requirement]| serde_json::to_string(&RequirementsJson(r)).unwrap_or_else(|_| "[]".into());
    let row = QuestRow {
        id: Uuid::now_v7(),
        reward_type: config.reward_type.clone(),
        reward_key: config.reward_id.clone(),
        eligibility: to_json(&config.eligibility_requirements),
        success: to_json(&config.success_requirements),
        created_at: now,
        updated_at: now,
    };
    store::insert_quest(&state.db, &row).await?;
    Ok(row.id)
}

/// Requirements written back as the JSON they were read from.
struct RequirementsJson<'a>(&'a [Requirement]);

impl serde::Serialize for RequirementsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for r in self.0 {
            seq.serialize_element(&requirement_json(r))?;
        }
        seq.end()
    }
}

fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Text(t) => t.clone().into(),
        Value::List(l) => l.iter().map(value_json).collect(),
    }
}

fn requirement_json(r: &Requirement) -> serde_json::Value {
    use engine::quest::{Comparison, PropertyComparison};
    let comparison = |c: Comparison| if c == Comparison::All { "all" } else { "one-of" };
    let object = |kind: &str, o: &engine::quest::ObjectRequirement| {
        let data: serde_json::Map<String, serde_json::Value> = o
            .data
            .iter()
            .map(|(k, c)| {
                let how = match c.comparison {
                    PropertyComparison::Equal => "equal",
                    PropertyComparison::OneOf => "one-of",
                    PropertyComparison::All => "all",
                    PropertyComparison::Like => "like",
                };
                (k.clone(), serde_json::json!({ "data": value_json(&c.data), "comparison": how }))
            })
            .collect();
        serde_json::json!({ "requirement_type": kind, "comparison": comparison(o.comparison), "data": data })
    };
    match r {
        Requirement::Compose { comparison: c, data } => serde_json::json!({
            "requirement_type": "compose", "comparison": comparison(*c), "data": data.iter().map(requirement_json).collect::<Vec<_>>(),
        }),
        Requirement::OrganizationLearner(o) => object("organizationLearner", o),
        Requirement::Organization(o) => object("organization", o),
        Requirement::CampaignParticipations(o) => object("campaignParticipations", o),
        Requirement::Passages(o) => object("passages", o),
        Requirement::CombinedCourses(o) => object("combinedCourses", o),
        Requirement::CappedTubes { data } => serde_json::json!({
            "requirement_type": "cappedTubes",
            "data": {
                "cappedTubes": data.capped_tubes.iter().map(|t| serde_json::json!({ "tubeId": t.tube_id, "level": t.level })).collect::<Vec<_>>(),
                "threshold": data.threshold,
            },
        }),
    }
}

/// Every quest with its configuration, for the back office.
pub async fn quests(state: &AppState) -> Result<Vec<QuestRow>, AppError> {
    Ok(store::quests(&state.db).await?)
}

/// Removes a quest; false when there was none.
pub async fn delete_quest(state: &AppState, id: Uuid) -> Result<bool, AppError> {
    Ok(store::delete_quest(&state.db, id).await?)
}

/// Every attestation.
pub async fn attestations(state: &AppState) -> Result<Vec<Attestation>, AppError> {
    Ok(store::attestations(&state.db).await?)
}

/// Creates or changes an attestation.
pub async fn save_attestation(state: &AppState, key: &str, label: &str, body: &str) -> Result<(), AppError> {
    let a = Attestation {
        key: key.to_owned(),
        label: label.to_owned(),
        body: body.to_owned(),
        created_at: state.clock.now_micros(),
    };
    Ok(store::upsert_attestation(&state.db, &a).await?)
}

/// One way a learner may be eligible: as a learner of one organisation (with their participations
/// there), or outside any organisation.
struct Eligibility {
    organization: Option<Uuid>,
    facts: Facts,
    /// The participations it holds, latest last (a reward is shared through the latest).
    participations: Vec<Uuid>,
    /// Their campaigns' skills (names) and target profiles.
    campaign_skills: Vec<String>,
    profiles: Vec<Uuid>,
}

fn object(pairs: Vec<(&str, Value)>) -> Object {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn text(v: impl ToString) -> Value {
    Value::Text(v.to_string())
}

async fn eligibilities(state: &AppState, user: Uuid) -> Result<Vec<Eligibility>, AppError> {
    let rows = prescription::service::quest_participations(&state.db, user).await?;
    let passages: Vec<Object> = learning::service::passages_of_user(&state.db, user)
        .await?
        .iter()
        .map(|p| {
            let terminated = p.terminated_at.is_some();
            object(vec![
                ("moduleId", text(&p.module_id)),
                ("status", text(if terminated { "COMPLETED" } else { "STARTED" })),
                ("isTerminated", Value::Bool(terminated)),
            ])
        })
        .collect();
    let courses: Vec<Object> = super::courses::quest_facts(state, user)
        .await?
        .iter()
        .map(|c| object(vec![("combinedCourseId", text(c.combined_course_id)), ("status", text(&c.status))]))
        .collect();
    let mut by_learner: BTreeMap<Uuid, Eligibility> = BTreeMap::new();
    let mut outside = Eligibility {
        organization: None,
        facts: Facts { passages: passages.clone(), combined_courses: courses.clone(), ..Facts::default() },
        participations: Vec::new(),
        campaign_skills: Vec::new(),
        profiles: Vec::new(),
    };
    for r in &rows {
        let participation = object(vec![
            ("id", text(r.id)),
            ("campaignId", text(r.campaign_id)),
            ("targetProfileId", r.target_profile_id.map_or(Value::Null, text)),
            ("status", text(&r.status)),
            ("masteryRate", r.mastery_rate.map_or(Value::Null, Value::Number)),
        ]);
        let e = by_learner.entry(r.organization_learner_id).or_insert_with(|| Eligibility {
            organization: Some(r.organization_id),
            facts: Facts {
                organization_learner: Some(object(vec![
                    ("id", text(r.organization_learner_id)),
                    ("division", r.division.clone().map_or(Value::Null, Value::Text)),
                    ("group", r.group_name.clone().map_or(Value::Null, Value::Text)),
                ])),
                organization: Some(object(vec![("id", text(r.organization_id)), ("type", text(&r.organization_type))])),
                passages: passages.clone(),
                combined_courses: courses.clone(),
                ..Facts::default()
            },
            participations: Vec::new(),
            campaign_skills: Vec::new(),
            profiles: Vec::new(),
        });
        for into in [&mut *e, &mut outside] {
            into.facts.campaign_participations.push(participation.clone());
            into.participations.push(r.id);
            into.campaign_skills.extend(serde_json::from_str::<Vec<String>>(&r.skills).unwrap_or_default());
            into.profiles.extend(r.target_profile_id);
        }
    }
    let mut all: Vec<Eligibility> = by_learner.into_values().collect();
    all.push(outside);
    Ok(all)
}

/// The keys of the attestations the learner holds.
pub(super) async fn owned_attestations(state: &AppState, user: Uuid) -> Result<HashSet<String>, AppError> {
    Ok(store::rewards_of_user(&state.db, user)
        .await?
        .into_iter()
        .filter(|r| r.reward_type == ATTESTATIONS)
        .map(|r| r.reward_key)
        .collect())
}

/// Evaluates every quest the learner has not completed and grants what they now deserve, each
/// reward once; the keys granted by this call.
pub async fn reward(state: &AppState, user: Uuid) -> Result<Vec<String>, AppError> {
    // Combined courses first: completing one grants its attestation and is a fact quests look at.
    super::courses::reassess(state, user).await?;
    let quests: Vec<Quest> = store::quests(&state.db).await?.iter().filter_map(Quest::read).collect();
    if quests.is_empty() {
        return Ok(Vec::new());
    }
    let owned = owned_attestations(state, user).await?;
    let pending: Vec<&Quest> = quests.iter().filter(|q| !owned.contains(&q.reward_key)).collect();
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let mut sets = eligibilities(state, user).await?;
    let content = &state.content;
    let mut knowledge = None;
    let mut profile_skills: HashMap<Uuid, Vec<SkillIdx>> = HashMap::new();
    let mut granted = Vec::new();
    for quest in pending {
        for set in sets.iter_mut() {
            if !engine::quest::all_fulfilled(content, &quest.eligibility, &set.facts) {
                continue;
            }
            // Success may look at knowledge: read it once, and the skills it is measured over.
            if knowledge.is_none() {
                let rows = evaluation::service::profile_knowledge(&state.db, user).await?;
                knowledge = Some(evaluation::service::to_engine(content, &rows));
            }
            set.facts.knowledge = knowledge.clone().unwrap_or_default();
            let mut skills: Vec<SkillIdx> =
                set.campaign_skills.iter().filter_map(|n| content.skill_by_name(n)).collect();
            for profile in &set.profiles {
                if !profile_skills.contains_key(profile) {
                    let of = prescription::service::profile_skills(state, &state.db, *profile).await?;
                    profile_skills.insert(*profile, of);
                }
                skills.extend(profile_skills[profile].iter().copied());
            }
            set.facts.skills = skills;
            if !engine::quest::all_fulfilled(content, &quest.success, &set.facts) {
                continue;
            }
            let now = state.clock.now_micros();
            let r = Reward {
                id: Uuid::now_v7(),
                user_id: user,
                reward_type: ATTESTATIONS.to_owned(),
                reward_key: quest.reward_key.clone(),
                quest_id: Some(quest.id),
                created_at: now,
            };
            if let Some(id) = store::grant(&state.db, &r).await? {
                if let Some(org) = set.organization {
                    store::share(&state.db, id, org, set.participations.last().copied(), now).await?;
                }
                granted.push(quest.reward_key.clone());
            }
            break;
        }
    }
    Ok(granted)
}

/// Learners whose quests this node is evaluating or has evaluated within the last window.
static EVALUATING: std::sync::Mutex<BTreeMap<Uuid, Pending>> = std::sync::Mutex::new(BTreeMap::new());

/// Where a learner's background evaluation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pending {
    /// An evaluation is running.
    running: bool,
    /// They progressed since it started: one more evaluation when the window ends.
    again: bool,
}

/// Whether the learner's last progress may not be evaluated yet.
fn is_pending(user: Uuid) -> bool {
    EVALUATING.lock().map(|m| m.get(&user).is_some_and(|p| p.running || p.again)).unwrap_or(false)
}

/// The shortest time between two evaluations of one learner's quests on a node: a learner answers
/// every few seconds, and evaluating after each answer cost the campaign's answer path its latency
/// budget under load. Nothing a learner sees waits for it: the first progress is evaluated at once,
/// the last one at most this long after, and "Mes attestations" evaluates on the spot.
pub const EVALUATION_WINDOW: std::time::Duration = std::time::Duration::from_secs(4);

/// Evaluates the learner's quests in the background (after an answer was acknowledged). Progress
/// in quick succession is coalesced: the first is evaluated at once, and progress within
/// [`EVALUATION_WINDOW`] of an evaluation's start only asks for one more evaluation when the window
/// ends, so a learner costs at most one evaluation per window and the last progress is always
/// evaluated. A failure is logged; the next evaluation (the next answer, or a look at "Mes
/// attestations") catches up.
pub fn reward_later(state: &AppState, user: Uuid) {
    {
        let Ok(mut running) = EVALUATING.lock() else { return };
        if let Some(pending) = running.get_mut(&user) {
            pending.again = true;
            return;
        }
        running.insert(user, Pending { running: true, again: false });
    }
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            let started = tokio::time::Instant::now();
            if let Ok(mut running) = EVALUATING.lock() {
                running.insert(user, Pending { running: true, again: false });
            }
            if let Err(e) = reward(&state, user).await {
                tracing::warn!(error = %e, "quest evaluation failed");
            }
            if let Ok(mut running) = EVALUATING.lock() {
                running.entry(user).and_modify(|p| p.running = false);
            }
            tokio::time::sleep_until(started + EVALUATION_WINDOW).await;
            let Ok(mut running) = EVALUATING.lock() else { return };
            if !running.get(&user).is_some_and(|p| p.again) {
                running.remove(&user);
                return;
            }
        }
    });
}

/// An attestation a learner obtained.
#[derive(Debug, Clone)]
pub struct Obtained {
    /// Its key.
    pub key: String,
    /// Its title.
    pub label: String,
    /// When (µs).
    pub at: i64,
}

/// The attestations a learner obtained, oldest first.
pub async fn obtained(state: &AppState, user: Uuid) -> Result<Vec<Obtained>, AppError> {
    let attestations = store::attestations(&state.db).await?;
    Ok(store::rewards_of_user(&state.db, user)
        .await?
        .into_iter()
        .filter(|r| r.reward_type == ATTESTATIONS)
        .filter_map(|r| {
            let a = attestations.iter().find(|a| a.key == r.reward_key)?;
            Some(Obtained { key: r.reward_key, label: a.label.clone(), at: r.created_at })
        })
        .collect())
}

/// The attestations shared with an organisation (its members may see them): none unless the back
/// office enabled its attestations tab.
pub async fn shared_with(state: &AppState, organization: Uuid) -> Result<Vec<SharedAttestation>, AppError> {
    if !prescription::service::organization(state, organization).await?.attestations_enabled {
        return Ok(Vec::new());
    }
    Ok(store::shared_with(&state.db, organization).await?)
}

/// `dd/mm/yyyy` in Paris.
fn paris_day(at: i64) -> (time::Date, String) {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let date = t.to_offset(crate::clock::paris_offset(t)).date();
    (date, format!("{:02}/{:02}/{}", date.day(), u8::from(date.month()), date.year()))
}

/// The blocks of one attestation: its title (H1 alone, H2 in a class's document), its text, the facts.
fn attestation_blocks(
    attestation: &Attestation,
    name: &str,
    at: i64,
    lang: Lang,
    heading: bool,
) -> Vec<crate::pdf::Block> {
    use crate::pdf::Block;
    let (_, shown) = paris_day(at);
    let body = attestation.body.replace("{name}", name).replace("{date}", &shown);
    let mut blocks =
        vec![if heading { Block::Heading(attestation.label.clone()) } else { Block::Title(attestation.label.clone()) }];
    blocks.extend(body.split("\n\n").map(|p| Block::Paragraph(p.trim().to_owned())));
    blocks
        .push(Block::Facts(vec![(lang.t("attestation-holder"), name.to_owned()), (lang.t("attestation-date"), shown)]));
    blocks
}

/// One class's attestations of one kind, one per page, for the organisation: `None` when none
/// was shared with it.
pub async fn class_pdf(
    state: &AppState,
    organization: Uuid,
    key: &str,
    division: &str,
    lang: Lang,
) -> Result<Option<Vec<u8>>, AppError> {
    let Some(attestation) = store::attestation(&state.db, key).await? else { return Ok(None) };
    let rows: Vec<SharedAttestation> = shared_with(state, organization)
        .await?
        .into_iter()
        .filter(|r| r.reward_key == key && r.division.as_deref().unwrap_or("") == division)
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let class = if division.is_empty() { lang.t("orga-attestations-no-division") } else { division.to_owned() };
    let title = format!("{} — {}", attestation.label, class);
    let mut blocks = vec![crate::pdf::Block::Title(title.clone())];
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            blocks.push(crate::pdf::Block::PageBreak);
        }
        let name = format!("{} {}", r.first_name, r.last_name);
        blocks.extend(attestation_blocks(&attestation, &name, r.obtained_at, lang, true));
    }
    let doc = crate::pdf::Doc {
        lang: lang.code(),
        title,
        footer: lang.t("attestation-footer"),
        date: paris_day(state.clock.now_micros()).0,
        blocks,
    };
    Ok(Some(crate::pdf::render_off_thread(doc).await?))
}

/// One class's attestations of one kind as a ZIP of single documents (one PDF per learner, named
/// after them), for the organisation: `None` when none was shared with it.
pub async fn class_zip(
    state: &AppState,
    organization: Uuid,
    key: &str,
    division: &str,
    lang: Lang,
) -> Result<Option<Vec<u8>>, AppError> {
    use std::io::Write;
    let rows: Vec<SharedAttestation> = shared_with(state, organization)
        .await?
        .into_iter()
        .filter(|r| r.reward_key == key && r.division.as_deref().unwrap_or("") == division)
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let zip_error = |e: zip::result::ZipError| AppError::Internal(e.into());
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // PDFs are compressed already: stored entries.
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut names = HashSet::new();
    for r in &rows {
        let name = format!("{} {}", r.first_name, r.last_name);
        let pdf = single_pdf(state, key, &name, r.obtained_at, lang).await?;
        let base: String = format!("{}_{}", r.last_name, r.first_name)
            .chars()
            .map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' })
            .collect();
        let mut file = format!("{base}.pdf");
        let mut n = 1;
        while !names.insert(file.clone()) {
            n += 1;
            file = format!("{base}_{n}.pdf");
        }
        zip.start_file(file, options).map_err(zip_error)?;
        zip.write_all(&pdf).map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok(Some(zip.finish().map_err(zip_error)?.into_inner()))
}

/// One learner's attestation shared with the organisation (not found otherwise).
pub async fn shared_pdf(state: &AppState, organization: Uuid, reward: Uuid, lang: Lang) -> Result<Vec<u8>, AppError> {
    let r = shared_with(state, organization)
        .await?
        .into_iter()
        .find(|r| r.reward_id == reward)
        .ok_or(AppError::NotFound)?;
    single_pdf(state, &r.reward_key, &format!("{} {}", r.first_name, r.last_name), r.obtained_at, lang).await
}

/// One holder's document of one attestation, obtained at `at`.
async fn single_pdf(state: &AppState, key: &str, name: &str, at: i64, lang: Lang) -> Result<Vec<u8>, AppError> {
    let attestation = store::attestation(&state.db, key).await?.ok_or(AppError::NotFound)?;
    let doc = crate::pdf::Doc {
        lang: lang.code(),
        title: format!("{} — {}", attestation.label, name),
        footer: lang.t("attestation-footer"),
        date: paris_day(at).0,
        blocks: attestation_blocks(&attestation, name, at, lang, false),
    };
    crate::pdf::render_off_thread(doc).await
}

/// The attestation's document for its owner (not found for anyone who did not obtain it).
pub async fn attestation_pdf(state: &AppState, user: Uuid, key: &str, lang: Lang) -> Result<Vec<u8>, AppError> {
    let got = obtained(state, user).await?.into_iter().find(|o| o.key == key).ok_or(AppError::NotFound)?;
    let person = crate::identity::service::user_by_id(&state.db, user).await?.ok_or(AppError::NotFound)?;
    single_pdf(state, key, &format!("{} {}", person.first_name, person.last_name), got.at, lang).await
}

/// The attestations a campaign participation may bring, for its end page: every quest the learner
/// is eligible for through that participation's organisation, obtained, not obtained, or being
/// computed (their last progress is still being evaluated in the background).
pub async fn participation_rewards(
    state: &AppState,
    user: Uuid,
    participation: Uuid,
) -> Result<Vec<crate::prescription::model::RewardNote>, AppError> {
    use crate::prescription::model::{RewardNote, RewardState};
    let quests: Vec<Quest> = store::quests(&state.db).await?.iter().filter_map(Quest::read).collect();
    if quests.is_empty() {
        return Ok(Vec::new());
    }
    let sets = eligibilities(state, user).await?;
    let Some(set) = sets.iter().find(|s| s.organization.is_some() && s.participations.contains(&participation)) else {
        return Ok(Vec::new());
    };
    let eligible: Vec<&Quest> =
        quests.iter().filter(|q| engine::quest::all_fulfilled(&state.content, &q.eligibility, &set.facts)).collect();
    let mut owned = owned_attestations(state, user).await?;
    let mut computing = false;
    // The last answer may still wait for its background evaluation: the end page evaluates now
    // rather than make the learner reload, and says "en cours de calcul" only if that fails.
    if is_pending(user) && eligible.iter().any(|q| !owned.contains(&q.reward_key)) {
        match reward(state, user).await {
            Ok(_) => owned = owned_attestations(state, user).await?,
            Err(e) => {
                tracing::warn!(error = %e, "quest evaluation for an end page failed");
                computing = true;
            }
        }
    }
    let attestations = store::attestations(&state.db).await?;
    let mut notes = Vec::new();
    for quest in eligible {
        if notes.iter().any(|n: &(String, RewardNote)| n.0 == quest.reward_key) {
            continue;
        }
        let Some(a) = attestations.iter().find(|a| a.key == quest.reward_key) else { continue };
        let (state, href) = if owned.contains(&quest.reward_key) {
            (RewardState::Obtained, format!("/mes-attestations/{}", a.key))
        } else if computing {
            (RewardState::Computing, String::new())
        } else {
            (RewardState::NotObtained, String::new())
        };
        notes.push((quest.reward_key.clone(), RewardNote { label: a.label.clone(), href, state }));
    }
    Ok(notes.into_iter().map(|(_, n)| n).collect())
}
