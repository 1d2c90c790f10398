//! Combined courses (docs/quests.md, PRODUCT-NEXT §2.3): a campaign, then modules — some of them
//! only for the learners the campaign recommended them to — in order, each unlocked when the
//! previous one is completed, joined by a code, rewarded with an attestation when completed.
//!
//! The back office writes **blueprints**; the back office (a CSV) or an organisation **deploys** one:
//! each campaign item becomes a campaign of the organisation and the course gets a code. The rules
//! of what a learner sees are `engine::course`; this module gathers what they look at.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::store::{self, Reward};
pub use super::store::{Blueprint, CourseParticipation, CourseRow};
use crate::{
    AppState, learning, prescription,
    web::{error::AppError, i18n::Lang},
};

/// How many items a course may hold.
pub const MAX_ITEMS: usize = 20;

/// An item of a blueprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum BlueprintItem {
    /// A campaign on this target profile (created in each organisation the blueprint is deployed in).
    #[serde(rename = "campaign")]
    Campaign {
        /// The target profile.
        #[serde(rename = "targetProfileId")]
        target_profile_id: Uuid,
    },
    /// A module (short id).
    #[serde(rename = "module")]
    Module {
        /// The module's short id.
        #[serde(rename = "moduleId")]
        module_id: String,
    },
}

/// An item of a deployed course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum CourseItem {
    /// A campaign of the course's organisation.
    #[serde(rename = "campaign")]
    Campaign {
        /// The campaign.
        #[serde(rename = "campaignId")]
        campaign_id: Uuid,
        /// Its target profile (the modules it may recommend).
        #[serde(rename = "targetProfileId")]
        target_profile_id: Uuid,
    },
    /// A module (short id).
    #[serde(rename = "module")]
    Module {
        /// The module's short id.
        #[serde(rename = "moduleId")]
        module_id: String,
    },
}

/// A blueprint as the back office types it.
#[derive(Debug, Clone)]
pub struct NewBlueprint {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The attestation, if any.
    pub attestation_key: Option<String>,
    /// Items in order.
    pub items: Vec<BlueprintItem>,
}

/// Reads the items typed one per line, `campaign <target profile id>` or `module <short id>`
/// (`campagne` is accepted); what is wrong, in words for the agent.
pub fn parse_items(text: &str) -> Result<Vec<BlueprintItem>, String> {
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            continue;
        }
        let (kind, value) = line.split_once([' ', ':', '\t']).map_or((line, ""), |(k, v)| (k, v.trim()));
        items.push(match kind.to_lowercase().as_str() {
            "campaign" | "campagne" => BlueprintItem::Campaign {
                target_profile_id: value
                    .parse()
                    .map_err(|_| format!("line {n}: a target profile id, not {value:?}"))?,
            },
            "module" if !value.is_empty() => BlueprintItem::Module { module_id: value.to_owned() },
            _ => return Err(format!("line {n}: \"campaign <target profile id>\" or \"module <short id>\"")),
        });
    }
    Ok(items)
}

/// Checks and records a blueprint; `Err` says what is wrong.
pub async fn create_blueprint(state: &AppState, new: NewBlueprint) -> Result<Result<Uuid, String>, AppError> {
    if new.name.is_empty() || new.name.chars().count() > 255 {
        return Ok(Err("name: 1 to 255 characters".into()));
    }
    if new.description.chars().count() > 2000 {
        return Ok(Err("description: at most 2000 characters".into()));
    }
    if new.items.is_empty() || new.items.len() > MAX_ITEMS {
        return Ok(Err(format!("items: 1 to {MAX_ITEMS}")));
    }
    if let Some(key) = &new.attestation_key
        && store::attestation(&state.db, key).await?.is_none()
    {
        return Ok(Err(format!("attestation: no attestation has the key {key}")));
    }
    let profiles = prescription::back_office::target_profiles(state).await?;
    for item in &new.items {
        match item {
            BlueprintItem::Campaign { target_profile_id } if !profiles.iter().any(|p| p.id == *target_profile_id) => {
                return Ok(Err(format!("items: no target profile has the id {target_profile_id}")));
            }
            BlueprintItem::Module { module_id } if state.content.module_by_short_id(module_id).is_none() => {
                return Ok(Err(format!("items: no module has the short id {module_id}")));
            }
            _ => {}
        }
    }
    let b = Blueprint {
        id: Uuid::now_v7(),
        name: new.name,
        description: new.description,
        attestation_key: new.attestation_key,
        items: serde_json::to_string(&new.items).map_err(|e| AppError::Internal(e.into()))?,
        created_at: state.clock.now_micros(),
    };
    store::insert_blueprint(&state.db, &b).await?;
    Ok(Ok(b.id))
}

/// Every blueprint with its items.
pub async fn blueprints(state: &AppState) -> Result<Vec<(Blueprint, Vec<BlueprintItem>)>, AppError> {
    Ok(store::blueprints(&state.db)
        .await?
        .into_iter()
        .map(|b| {
            let items = serde_json::from_str(&b.items).unwrap_or_default();
            (b, items)
        })
        .collect())
}

/// The blueprints an organisation may deploy: every campaign of theirs is on a target profile
/// the organisation has.
pub async fn blueprints_for(state: &AppState, org: Uuid) -> Result<Vec<(Blueprint, Vec<BlueprintItem>)>, AppError> {
    let mine: HashSet<Uuid> =
        prescription::back_office::profiles_of_organization(state, org).await?.into_iter().map(|p| p.id).collect();
    Ok(blueprints(state)
        .await?
        .into_iter()
        .filter(|(_, items)| {
            items.iter().all(|i| match i {
                BlueprintItem::Campaign { target_profile_id } => mine.contains(target_profile_id),
                BlueprintItem::Module { .. } => true,
            })
        })
        .collect())
}

/// Deploys a blueprint in an organisation: its campaigns (owned by `creator`), then the course and
/// its code; `Err` says why it cannot be (in words for the agent).
pub async fn deploy(
    state: &AppState,
    org: Uuid,
    blueprint: Uuid,
    creator: Uuid,
) -> Result<Result<CourseRow, String>, AppError> {
    deploy_with_code(state, org, blueprint, creator, None).await
}

/// [`deploy`] with a chosen code (the demo's, which the docs give); drawn when `None` or taken.
pub async fn deploy_with_code(
    state: &AppState,
    org: Uuid,
    blueprint: Uuid,
    creator: Uuid,
    code: Option<&str>,
) -> Result<Result<CourseRow, String>, AppError> {
    let Some((b, items)) = blueprints(state).await?.into_iter().find(|(b, _)| b.id == blueprint) else {
        return Ok(Err(format!("no blueprint has the id {blueprint}")));
    };
    let organization = match prescription::service::organization(state, org).await {
        Ok(o) => o,
        Err(AppError::NotFound) => return Ok(Err(format!("no organisation has the id {org}"))),
        Err(e) => return Err(e),
    };
    if organization.archived_at.is_some() {
        return Ok(Err(format!("the organisation {org} is archived")));
    }
    if !blueprints_for(state, org).await?.iter().any(|(x, _)| x.id == blueprint) {
        return Ok(Err(format!("the organisation {org} does not have every target profile of the blueprint")));
    }
    let mut course_items = Vec::with_capacity(items.len());
    for item in &items {
        course_items.push(match item {
            BlueprintItem::Campaign { target_profile_id } => {
                let campaign = match prescription::service::create_course_campaign(
                    state,
                    org,
                    creator,
                    &b.name,
                    *target_profile_id,
                )
                .await?
                {
                    Ok(c) => c,
                    Err(_) => return Ok(Err(format!("the target profile {target_profile_id} is not available"))),
                };
                CourseItem::Campaign { campaign_id: campaign.id, target_profile_id: *target_profile_id }
            }
            BlueprintItem::Module { module_id } => CourseItem::Module { module_id: module_id.clone() },
        });
    }
    let items = serde_json::to_string(&course_items).map_err(|e| AppError::Internal(e.into()))?;
    for draw in 0..20 {
        let row = CourseRow {
            id: Uuid::now_v7(),
            code: match code {
                Some(chosen) if draw == 0 => chosen.to_owned(),
                _ => engine::codes::campaign_code(&mut rand::rng()),
            },
            organization_id: org,
            blueprint_id: Some(b.id),
            name: b.name.clone(),
            description: b.description.clone(),
            attestation_key: b.attestation_key.clone(),
            items: items.clone(),
            created_by: Some(creator),
            created_at: state.clock.now_micros(),
        };
        // A taken code (a campaign's or a course's) is drawn again.
        if store::insert_course(&state.db, &row).await? {
            return Ok(Ok(row));
        }
    }
    Err(AppError::Internal(anyhow::anyhow!("no free course code after 20 draws")))
}

/// One line of the back office's deployment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// The organisations.
    pub organizations: Vec<Uuid>,
    /// The blueprint.
    pub blueprint: Uuid,
    /// Who owns the campaigns.
    pub creator: Uuid,
}

/// The deployment file's header, as the reference's (organisations may be several, comma-separated).
pub const CSV_HEADER: [&str; 3] =
    ["Identifiant des organisations*", "Identifiant du schéma de parcours*", "Identifiant du createur des campagnes*"];

/// Reads the back office's deployment file (`;`-separated, the header first); `Err` lists what
/// is wrong, line by line.
pub fn parse_deployments(text: &str) -> Result<Vec<Deployment>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(e) => return Err(vec![format!("header: {e}")]),
    };
    if header.iter().map(String::as_str).ne(CSV_HEADER) {
        return Err(vec![format!("header: expected {}", CSV_HEADER.join(";"))]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let field = |i: usize| record.get(i).unwrap_or("").to_owned();
        let organizations: Result<Vec<Uuid>, _> =
            field(0).split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::parse).collect();
        match (organizations, field(1).parse(), field(2).parse()) {
            (Ok(organizations), Ok(blueprint), Ok(creator)) if !organizations.is_empty() => {
                out.push(Deployment { organizations, blueprint, creator })
            }
            _ => errors.push(format!("line {line}: three identifiers expected (organisations, blueprint, creator)")),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push("no line to deploy".into());
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Every course deployed, the most recent first (the back office).
pub async fn all_courses(state: &AppState) -> Result<Vec<CourseRow>, AppError> {
    Ok(store::all_courses(&state.db).await?)
}

/// A course by the code a learner typed, or not found.
pub async fn course_by_code(state: &AppState, code: &str) -> Result<CourseRow, AppError> {
    let code = crate::access_codes::normalize(code).ok_or(AppError::NotFound)?;
    store::course_by_code(&state.db, &code).await?.ok_or(AppError::NotFound)
}

/// An organisation's course, or not found.
pub async fn course_of(state: &AppState, org: Uuid, id: Uuid) -> Result<CourseRow, AppError> {
    store::course(&state.db, id).await?.filter(|c| c.organization_id == org).ok_or(AppError::NotFound)
}

fn items_of(course: &CourseRow) -> Vec<CourseItem> {
    serde_json::from_str(&course.items).unwrap_or_default()
}

/// What a step of the course is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// A campaign.
    Campaign,
    /// A module.
    Module,
    /// The modules a campaign may recommend, until it is completed.
    Recommended,
}

impl StepKind {
    /// As the API writes it (the reference's item types).
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Campaign => "campaign",
            StepKind::Module => "module",
            StepKind::Recommended => "formation",
        }
    }
}

/// A step as the learner sees it.
#[derive(Debug, Clone)]
pub struct StepView {
    /// What it is.
    pub kind: StepKind,
    /// Its title.
    pub title: String,
    /// Where to go (empty for the placeholder).
    pub href: String,
    /// The campaign code or module short id.
    pub reference: String,
    /// Started and not completed.
    pub started: bool,
    /// Completed.
    pub completed: bool,
    /// Locked by the rule.
    pub locked: bool,
    /// Duration in minutes (modules).
    pub minutes: u32,
}

/// A course as one learner sees it.
#[derive(Debug, Clone)]
pub struct CourseView {
    /// The course.
    pub course: CourseRow,
    /// `None` before they start, else `STARTED` or `COMPLETED`.
    pub status: Option<String>,
    /// The steps in order.
    pub steps: Vec<StepView>,
    /// (campaigns, completed, modules, completed).
    pub progress: (usize, usize, usize, usize),
    /// The attestation: (key, title, obtained).
    pub attestation: Option<(String, String, bool)>,
}

impl CourseView {
    /// `NOT_STARTED`, `STARTED` or `COMPLETED`.
    pub fn status(&self) -> &str {
        self.status.as_deref().unwrap_or("NOT_STARTED")
    }

    /// The step to go on with: the first open one not completed.
    pub fn next(&self) -> Option<&StepView> {
        self.steps.iter().find(|s| !s.locked && !s.completed)
    }
}

/// What one learner did that courses look at.
#[derive(Default)]
struct Done {
    /// Campaign → its latest status.
    campaigns: HashMap<Uuid, String>,
    /// Module id (UUID) → terminated.
    modules: HashMap<String, bool>,
}

async fn done_by(state: &AppState, user: Uuid) -> Result<Done, AppError> {
    let mut campaigns = HashMap::new();
    for p in prescription::service::quest_participations(&state.db, user).await? {
        // Latest last; a shared one completes the campaign even when sent again since.
        let entry = campaigns.entry(p.campaign_id).or_insert_with(String::new);
        if entry.as_str() != "SHARED" {
            *entry = p.status;
        }
    }
    let mut modules: HashMap<String, bool> = HashMap::new();
    for p in learning::service::passages_of_user(&state.db, user).await? {
        *modules.entry(p.module_id).or_default() |= p.terminated_at.is_some();
    }
    Ok(Done { campaigns, modules })
}

/// What a course's steps are, read once for every learner looked at.
struct Prepared {
    course: CourseRow,
    items: Vec<CourseItem>,
    /// Campaign → (title, code), for the campaigns that still exist.
    campaigns: HashMap<Uuid, (String, String)>,
    /// Target profile → the modules it may recommend.
    recommendable: HashMap<Uuid, Vec<String>>,
    /// The attestation's title.
    attestation_label: Option<String>,
}

async fn prepare(state: &AppState, course: CourseRow) -> Result<Prepared, AppError> {
    let items = items_of(&course);
    let mut campaigns = HashMap::new();
    let mut recommendable = HashMap::new();
    for item in &items {
        if let CourseItem::Campaign { campaign_id, target_profile_id } = item {
            if let Ok(c) = prescription::service::campaign_of(state, course.organization_id, *campaign_id).await {
                campaigns.insert(*campaign_id, (c.title, c.code));
            }
            if !recommendable.contains_key(target_profile_id) {
                let modules = learning::trainings::modules_of_profile(state, *target_profile_id).await?;
                recommendable.insert(*target_profile_id, modules);
            }
        }
    }
    let attestation_label = match &course.attestation_key {
        Some(key) => Some(store::attestation(&state.db, key).await?.map_or_else(|| key.clone(), |a| a.label)),
        None => None,
    };
    Ok(Prepared { course, items, campaigns, recommendable, attestation_label })
}

/// The course as one learner sees it; `status` is their participation's (none before they start).
async fn view_with(
    state: &AppState,
    prepared: &Prepared,
    user: Uuid,
    status: Option<String>,
    done: &Done,
    owned: &HashSet<String>,
    lang: Lang,
) -> Result<CourseView, AppError> {
    let mut rule_items = Vec::with_capacity(prepared.items.len());
    let mut shown = Vec::with_capacity(prepared.items.len());
    for item in &prepared.items {
        match item {
            CourseItem::Campaign { campaign_id, target_profile_id } => {
                let campaign = prepared.campaigns.get(campaign_id);
                let participation = done.campaigns.get(campaign_id).map(String::as_str);
                let completed = participation == Some("SHARED");
                let recommended = if completed {
                    learning::trainings::modules_recommended(state, user, *campaign_id).await?
                } else {
                    Vec::new()
                };
                rule_items.push(engine::course::Item::Campaign {
                    completed,
                    recommendable: prepared.recommendable.get(target_profile_id).cloned().unwrap_or_default(),
                    recommended,
                });
                shown.push(StepView {
                    kind: StepKind::Campaign,
                    title: campaign.map_or_else(String::new, |(title, _)| title.clone()),
                    href: campaign.map_or_else(String::new, |(_, code)| format!("/campagnes/{code}")),
                    reference: campaign.map_or_else(String::new, |(_, code)| code.clone()),
                    started: participation.is_some() && !completed,
                    completed,
                    locked: false,
                    minutes: 0,
                });
            }
            CourseItem::Module { module_id } => {
                let module = state.content.module_by_short_id(module_id);
                let terminated = module.and_then(|m| done.modules.get(&m.id)).copied();
                rule_items
                    .push(engine::course::Item::Module { id: module_id.clone(), completed: terminated == Some(true) });
                shown.push(StepView {
                    kind: StepKind::Module,
                    title: module
                        .map_or_else(|| module_id.clone(), |m| m.title.get(crate::web::i18n::locale(lang)).to_owned()),
                    href: module.map_or_else(String::new, |m| format!("/modules/{}/{}", m.short_id, m.slug)),
                    reference: module_id.clone(),
                    started: terminated == Some(false),
                    completed: terminated == Some(true),
                    locked: false,
                    minutes: module.map_or(0, |m| m.details.duration),
                });
            }
        }
    }
    let steps = engine::course::steps(&rule_items);
    let progress = engine::course::progress(&rule_items, &steps);
    let steps = steps
        .iter()
        .map(|s| match s.shown {
            engine::course::Shown::Item(i) => StepView { locked: s.locked, ..shown[i].clone() },
            engine::course::Shown::Placeholder(_) => StepView {
                kind: StepKind::Recommended,
                title: lang.t("course-recommended-step"),
                href: String::new(),
                reference: String::new(),
                started: false,
                completed: false,
                locked: s.locked,
                minutes: 0,
            },
        })
        .collect();
    let attestation = match (&prepared.course.attestation_key, &prepared.attestation_label) {
        (Some(key), Some(label)) => Some((key.clone(), label.clone(), owned.contains(key))),
        _ => None,
    };
    Ok(CourseView { course: prepared.course.clone(), status, steps, progress, attestation })
}

/// The course as this learner sees it (their participations reassessed first).
pub async fn view(state: &AppState, course: CourseRow, user: Uuid, lang: Lang) -> Result<CourseView, AppError> {
    let mut mine = reassessed(state, user, Some(lang)).await?;
    if let Some(i) = mine.iter().position(|v| v.course.id == course.id) {
        return Ok(mine.swap_remove(i));
    }
    // Not started: what they did elsewhere may already complete some steps.
    let done = done_by(state, user).await?;
    let owned = super::service::owned_attestations(state, user).await?;
    view_with(state, &prepare(state, course).await?, user, None, &done, &owned, lang).await
}

/// The course as a visitor sees it: its steps before anyone starts.
pub async fn preview(state: &AppState, course: CourseRow, lang: Lang) -> Result<CourseView, AppError> {
    view_with(state, &prepare(state, course).await?, Uuid::nil(), None, &Done::default(), &HashSet::new(), lang).await
}

/// Starts the learner's participation (nothing when started already).
pub async fn start(state: &AppState, course: &CourseRow, user: Uuid) -> Result<(), AppError> {
    store::start_course(&state.db, course.id, user, state.clock.now_micros()).await?;
    reassess(state, user).await
}

/// Marks completed the learner's courses they completed, and grants each one's attestation
/// (shared with the course's organisation, through the learner's latest participation in one of
/// its campaigns). Runs with the quests (after answers, shares and modules) and on the course page.
pub async fn reassess(state: &AppState, user: Uuid) -> Result<(), AppError> {
    reassessed(state, user, None).await.map(|_| ())
}

/// The learner's courses, the most recently active first.
pub async fn mine(state: &AppState, user: Uuid, lang: Lang) -> Result<Vec<CourseView>, AppError> {
    reassessed(state, user, Some(lang)).await
}

/// Reassesses the learner's courses (see [`reassess`]) and, given a language, returns them as the
/// learner now sees them; without one, completed courses whose attestation is held are skipped.
async fn reassessed(state: &AppState, user: Uuid, lang: Option<Lang>) -> Result<Vec<CourseView>, AppError> {
    let mine = store::course_participations_of_user(&state.db, user).await?;
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let done = done_by(state, user).await?;
    let mut owned = super::service::owned_attestations(state, user).await?;
    let mut out = Vec::with_capacity(mine.len());
    for p in mine {
        let Some(course) = store::course(&state.db, p.combined_course_id).await? else { continue };
        let was_completed = p.status == "COMPLETED";
        let key = course.attestation_key.clone().filter(|k| !owned.contains(k));
        if was_completed && key.is_none() && lang.is_none() {
            continue;
        }
        let mut view = view_with(
            state,
            &prepare(state, course.clone()).await?,
            user,
            Some(p.status.clone()),
            &done,
            &owned,
            lang.unwrap_or(Lang::Fr),
        )
        .await?;
        if was_completed || view.steps.iter().all(|s| s.completed) {
            let now = state.clock.now_micros();
            if !was_completed {
                store::complete_course(&state.db, course.id, user, now).await?;
                view.status = Some("COMPLETED".to_owned());
            }
            if let Some(key) = key {
                grant_course_attestation(state, &course, user, key.clone(), now).await?;
                owned.insert(key);
                if let Some(a) = view.attestation.as_mut() {
                    a.2 = true;
                }
            }
        }
        out.push(view);
    }
    Ok(out)
}

/// Grants a completed course's attestation, once, shared with the course's organisation through
/// the learner's latest participation in one of its campaigns.
async fn grant_course_attestation(
    state: &AppState,
    course: &CourseRow,
    user: Uuid,
    key: String,
    now: i64,
) -> Result<(), AppError> {
    let r = Reward {
        id: Uuid::now_v7(),
        user_id: user,
        reward_type: super::service::ATTESTATIONS.to_owned(),
        reward_key: key,
        quest_id: None,
        created_at: now,
    };
    if let Some(id) = store::grant(&state.db, &r).await? {
        let campaigns: Vec<Uuid> = items_of(course)
            .iter()
            .filter_map(|i| match i {
                CourseItem::Campaign { campaign_id, .. } => Some(*campaign_id),
                CourseItem::Module { .. } => None,
            })
            .collect();
        let through = prescription::service::quest_participations(&state.db, user)
            .await?
            .into_iter()
            .rfind(|q| campaigns.contains(&q.campaign_id))
            .map(|q| q.id);
        store::share(&state.db, id, course.organization_id, through, now).await?;
    }
    Ok(())
}

/// What the learner's courses look like to quests: `{combinedCourseId, status}`.
pub async fn quest_facts(state: &AppState, user: Uuid) -> Result<Vec<CourseParticipation>, AppError> {
    Ok(store::course_participations_of_user(&state.db, user).await?)
}

/// A course in an organisation's list: (course, participants, completed).
pub async fn of_organization(state: &AppState, org: Uuid) -> Result<Vec<(CourseRow, i64, i64)>, AppError> {
    let counts = store::course_counts(&state.db, org).await?;
    Ok(store::courses_of_organization(&state.db, org)
        .await?
        .into_iter()
        .map(|c| {
            let (n, done) = counts.iter().find(|(id, _, _)| *id == c.id).map_or((0, 0), |(_, n, d)| (*n, *d));
            (c, n, done)
        })
        .collect())
}

/// A participant as their organisation sees them.
#[derive(Debug, Clone)]
pub struct Participant {
    /// Their name on the organisation's list (empty when they are not on it yet).
    pub name: String,
    /// Their class.
    pub division: String,
    /// `STARTED` or `COMPLETED`.
    pub status: String,
    /// (campaigns, completed, modules, completed).
    pub progress: (usize, usize, usize, usize),
    /// Whether they obtained the course's attestation.
    pub attestation: bool,
}

/// A course's participants with their progress, by name.
pub async fn participants(state: &AppState, course: &CourseRow, lang: Lang) -> Result<Vec<Participant>, AppError> {
    let names = prescription::service::learners_with_accounts(state, course.organization_id).await?;
    let prepared = prepare(state, course.clone()).await?;
    let mut out = Vec::new();
    for p in store::participations_of_course(&state.db, course.id).await? {
        let done = done_by(state, p.user_id).await?;
        let owned = super::service::owned_attestations(state, p.user_id).await?;
        let v = view_with(state, &prepared, p.user_id, Some(p.status.clone()), &done, &owned, lang).await?;
        let (name, division) = names
            .get(&p.user_id)
            .map_or((String::new(), String::new()), |(f, l, d)| (format!("{l} {f}"), d.clone().unwrap_or_default()));
        out.push(Participant {
            name,
            division,
            status: p.status,
            progress: v.progress,
            attestation: v.attestation.is_some_and(|(_, _, owned)| owned),
        });
    }
    out.sort_by(|a, b| (a.name.is_empty(), &a.name).cmp(&(b.name.is_empty(), &b.name)));
    Ok(out)
}

/// Checks every line of a deployment file before anything is created: the blueprint, each
/// organisation (known, not archived, with the blueprint's target profiles) and the creator.
pub async fn check_deployments(state: &AppState, lines: &[Deployment]) -> Result<Vec<String>, AppError> {
    let known: Vec<Uuid> = blueprints(state).await?.into_iter().map(|(b, _)| b.id).collect();
    let mut problems = Vec::new();
    for (n, line) in lines.iter().enumerate().map(|(i, l)| (i + 2, l)) {
        if !known.contains(&line.blueprint) {
            problems.push(format!("line {n}: no blueprint has the id {}", line.blueprint));
            continue;
        }
        if crate::identity::service::user_by_id(&state.db, line.creator).await?.is_none() {
            problems.push(format!("line {n}: no account has the id {}", line.creator));
        }
        for org in &line.organizations {
            match prescription::service::organization(state, *org).await {
                Ok(o) if o.archived_at.is_some() => {
                    problems.push(format!("line {n}: the organisation {org} is archived"))
                }
                Ok(_) if !blueprints_for(state, *org).await?.iter().any(|(b, _)| b.id == line.blueprint) => problems
                    .push(format!(
                        "line {n}: the organisation {org} does not have every target profile of the blueprint"
                    )),
                Ok(_) => {}
                Err(AppError::NotFound) => problems.push(format!("line {n}: no organisation has the id {org}")),
                Err(e) => return Err(e),
            }
        }
    }
    Ok(problems)
}
