//! Recommended trainings (docs/trainings.md): what the back office offers on target profiles, the
//! triggers that decide who it suits, the recommendation at the end of a campaign test, and what
//! learners say of them.
//!
//! The rule itself is `engine::training`; this module reads and writes what it needs.

use content::{Content, SkillIdx};
use engine::training::{Shown, Trigger, TriggerKind};
use uuid::Uuid;

use super::store::{self, NewRecommendation};
pub use super::store::{RecommendedRow, TrainingRow, TriggerRow};
use crate::{
    AppState,
    db::Tx,
    evaluation,
    identity::model::Check,
    web::error::{AppError, FieldError},
};

/// Kinds of training, as the reference names them.
pub const TRAINING_TYPES: &[&str] = &[
    "autoformation",
    "e-learning",
    "hybrid-training",
    "in-person-training",
    "modulix",
    "webinaire",
    "external-service",
];

/// How a training is delivered.
pub const DELIVERY_MODES: &[&str] = &["remote", "onSite", "hybrid"];

/// The languages a training may be offered in.
pub const TRAINING_LOCALES: &[&str] = &["fr", "en"];

/// The fields of a training as submitted, from the back office.
#[derive(Debug, Clone, Default)]
pub struct TrainingFields<'a> {
    /// Title shown to learners.
    pub title: &'a str,
    /// Title the back office searches.
    pub internal_title: &'a str,
    /// Address, or a module's short id.
    pub link: &'a str,
    /// One of [`TRAINING_TYPES`].
    pub kind: &'a str,
    /// Days (0 or more).
    pub days: &'a str,
    /// Hours (0–23).
    pub hours: &'a str,
    /// Minutes (0–59).
    pub minutes: &'a str,
    /// Among [`TRAINING_LOCALES`].
    pub locales: Vec<&'a str>,
    /// Who publishes it.
    pub editor_name: &'a str,
    /// The editor's logo: a path under `/static/` or `/media/` (the pages load no other site's images).
    pub editor_logo_url: &'a str,
    /// One of [`DELIVERY_MODES`].
    pub delivery_mode: &'a str,
    /// What it is about.
    pub description: &'a str,
}

/// A training's fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTraining {
    /// Title shown to learners.
    pub title: String,
    /// Title the back office searches.
    pub internal_title: String,
    /// An https address, or a module's short id.
    pub link: String,
    /// One of [`TRAINING_TYPES`].
    pub kind: String,
    /// Minutes.
    pub duration_minutes: i64,
    /// Comma-separated languages.
    pub locales: String,
    /// Who publishes it.
    pub editor_name: String,
    /// The editor's logo (may be empty).
    pub editor_logo_url: String,
    /// One of [`DELIVERY_MODES`].
    pub delivery_mode: String,
    /// What it is about.
    pub description: String,
}

fn plain(s: &str, max: usize) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s.chars().count() <= max && !s.contains(['<', '>'])).then(|| s.to_owned())
}

fn number(s: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return Some(0);
    }
    s.parse::<i64>().ok().filter(|n| range.contains(n))
}

impl NewTraining {
    /// Checks the submitted fields against the content (a `modulix` link names one of its modules).
    pub fn parse(content: &Content, f: &TrainingFields<'_>) -> Result<NewTraining, Vec<FieldError>> {
        let mut check = Check::default();
        let title = check.field("title", "field-training-title-invalid", plain(f.title, 255));
        let internal_title =
            check.field("internal_title", "field-training-title-invalid", plain(f.internal_title, 255));
        let kind = check.field(
            "type",
            "field-training-type-invalid",
            TRAINING_TYPES.contains(&f.kind.trim()).then(|| f.kind.trim().to_owned()),
        );
        let link = f.link.trim();
        let link = if f.kind.trim() == "modulix" {
            check.field(
                "link",
                "field-training-module-invalid",
                content.modules.iter().find(|m| m.short_id == link).map(|m| m.short_id.clone()),
            )
        } else {
            check.field(
                "link",
                "field-training-link-invalid",
                (link.starts_with("https://")
                    && link.len() > "https://".len()
                    && link.len() <= 2000
                    && !link.contains(char::is_whitespace))
                .then(|| link.to_owned()),
            )
        };
        let days = check.field("days", "field-training-duration-invalid", number(f.days, 0..=365));
        let hours = check.field("hours", "field-training-duration-invalid", number(f.hours, 0..=23));
        let minutes = check.field("minutes", "field-training-duration-invalid", number(f.minutes, 0..=59));
        let locales: Vec<&str> =
            TRAINING_LOCALES.iter().copied().filter(|l| f.locales.iter().any(|x| x.trim() == *l)).collect();
        check.require(
            "locales",
            "field-training-locales-required",
            !locales.is_empty() && f.locales.iter().all(|x| TRAINING_LOCALES.contains(&x.trim())),
        );
        let editor_name = check.field("editor_name", "field-training-editor-invalid", plain(f.editor_name, 255));
        let logo = f.editor_logo_url.trim();
        let editor_logo_url = check.field(
            "editor_logo_url",
            "field-training-logo-invalid",
            (logo.is_empty()
                || ((logo.starts_with("/static/") || logo.starts_with("/media/"))
                    && !logo.contains("..")
                    && logo.len() <= 500
                    && logo.chars().all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c))))
            .then(|| logo.to_owned()),
        );
        let delivery_mode = check.field(
            "delivery_mode",
            "field-training-delivery-invalid",
            DELIVERY_MODES.contains(&f.delivery_mode.trim()).then(|| f.delivery_mode.trim().to_owned()),
        );
        let description = f.description.trim();
        check.require("description", "field-training-description-invalid", description.chars().count() <= 2000);
        check.finish(|| {
            Some(NewTraining {
                title: title?,
                internal_title: internal_title?,
                link: link?,
                kind: kind?,
                duration_minutes: (days? * 24 + hours?) * 60 + minutes?,
                locales: locales.join(","),
                editor_name: editor_name?,
                editor_logo_url: editor_logo_url?,
                delivery_mode: delivery_mode?,
                description: description.to_owned(),
            })
        })
    }

    fn row(self, id: Uuid, created_at: i64, now: i64) -> TrainingRow {
        TrainingRow {
            id,
            title: self.title,
            internal_title: self.internal_title,
            link: self.link,
            kind: self.kind,
            duration_minutes: self.duration_minutes,
            locales: self.locales,
            editor_name: self.editor_name,
            editor_logo_url: self.editor_logo_url,
            delivery_mode: self.delivery_mode,
            description: self.description,
            created_at,
            updated_at: now,
        }
    }
}

impl TrainingRow {
    /// Whether it is offered in this language (`fr`, `en`).
    pub fn offered_in(&self, lang: &str) -> bool {
        self.locales.split(',').any(|l| l == lang)
    }

    /// Where a learner follows it: the module's page, or the address.
    pub fn href(&self, content: &Content) -> String {
        if self.kind == "modulix" {
            match content.modules.iter().find(|m| m.short_id == self.link) {
                Some(m) => format!("/modules/{}/{}", m.short_id, m.slug),
                None => "/modules".to_owned(),
            }
        } else {
            self.link.clone()
        }
    }

    /// Whether it opens on this site (a module) rather than another.
    pub fn is_module(&self) -> bool {
        self.kind == "modulix"
    }

    /// (days, hours, minutes).
    pub fn duration(&self) -> (i64, i64, i64) {
        let m = self.duration_minutes.max(0);
        (m / (24 * 60), m / 60 % 24, m % 60)
    }
}

/// A trigger as the back office sets it: tubes by name with their caps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerFields {
    /// Prerequisite or goal.
    pub kind: TriggerKind,
    /// Percent, 0–100.
    pub threshold: i64,
    /// Tubes and caps (1–8).
    pub tubes: Vec<(String, i64)>,
}

impl TriggerRow {
    /// The tubes by name with their caps.
    pub fn tube_caps(&self) -> Vec<(String, i64)> {
        serde_json::from_str(&self.tubes).unwrap_or_default()
    }

    /// The rule's trigger, tubes resolved in the content (a tube gone from it counts no skill).
    pub fn resolve(&self, content: &Content) -> Option<Trigger> {
        Some(Trigger {
            kind: TriggerKind::parse(&self.kind)?,
            threshold: self.threshold.clamp(0, 100) as u32,
            tubes: self
                .tube_caps()
                .iter()
                .filter_map(|(name, cap)| Some((content.tube_by_name(name)?, (*cap).clamp(0, 8) as u8)))
                .collect(),
        })
    }
}

/// A training in the back office's list: with its triggers' thresholds and how many target
/// profiles it is attached to.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The training.
    pub training: TrainingRow,
    /// Prerequisite threshold, if it has one.
    pub prerequisite: Option<i64>,
    /// Goal threshold, if it has one.
    pub goal: Option<i64>,
    /// Target profiles it is attached to.
    pub profiles: usize,
}

/// The trainings whose internal title or title contains `search` (case-insensitive), or whose id
/// is `search`.
pub async fn search(state: &AppState, search: &str) -> Result<Vec<Listed>, AppError> {
    let needle = search.trim().to_lowercase();
    let trainings = store::trainings(&state.db).await?;
    let triggers = store::all_triggers(&state.db).await?;
    let attachments = store::all_attachments(&state.db).await?;
    Ok(trainings
        .into_iter()
        .filter(|t| {
            needle.is_empty()
                || t.id.to_string() == needle
                || t.internal_title.to_lowercase().contains(&needle)
                || t.title.to_lowercase().contains(&needle)
        })
        .map(|t| {
            let threshold = |kind: TriggerKind| {
                triggers.iter().find(|r| r.training_id == t.id && r.kind == kind.as_str()).map(|r| r.threshold)
            };
            Listed {
                prerequisite: threshold(TriggerKind::Prerequisite),
                goal: threshold(TriggerKind::Goal),
                profiles: attachments.iter().filter(|(id, _)| *id == t.id).count(),
                training: t,
            }
        })
        .collect())
}

/// A training, with its triggers and target profiles.
pub async fn training(state: &AppState, id: Uuid) -> Result<(TrainingRow, Vec<TriggerRow>, Vec<Uuid>), AppError> {
    let t = store::training(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok((t, store::triggers(&state.db, id).await?, store::profiles_of_training(&state.db, id).await?))
}

/// Creates a training; its id.
pub async fn create(state: &AppState, new: NewTraining) -> Result<Uuid, AppError> {
    let now = state.clock.now_micros();
    let id = Uuid::now_v7();
    store::insert_training(&state.db, &new.row(id, now, now)).await?;
    Ok(id)
}

/// Changes a training's fields.
pub async fn update(state: &AppState, id: Uuid, new: NewTraining) -> Result<(), AppError> {
    let before = store::training(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now_micros();
    store::update_training(&state.db, &new.row(id, before.created_at, now)).await?;
    Ok(())
}

/// Copies a training and its triggers (not its target profiles: the copy is attached on purpose);
/// the copy's id.
pub async fn duplicate(state: &AppState, id: Uuid) -> Result<Uuid, AppError> {
    let mut tx = state.db.begin().await?;
    let original = store::training(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now_micros();
    let copy = TrainingRow {
        id: Uuid::now_v7(),
        internal_title: format!("[Copie] {}", original.internal_title).chars().take(255).collect(),
        created_at: now,
        updated_at: now,
        ..original
    };
    store::insert_training(&mut tx, &copy).await?;
    for t in store::triggers(&mut tx, id).await? {
        store::upsert_trigger(&mut tx, &TriggerRow { training_id: copy.id, ..t }).await?;
    }
    tx.commit().await?;
    Ok(copy.id)
}

/// Sets the training's trigger of that kind.
pub async fn set_trigger(state: &AppState, id: Uuid, t: &TriggerFields) -> Result<(), AppError> {
    store::training(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let row = TriggerRow {
        training_id: id,
        kind: t.kind.as_str().to_owned(),
        threshold: t.threshold,
        tubes: serde_json::to_string(&t.tubes).map_err(|e| AppError::Internal(e.into()))?,
    };
    store::upsert_trigger(&state.db, &row).await?;
    Ok(())
}

/// Removes the training's trigger of that kind; false when it had none.
pub async fn remove_trigger(state: &AppState, id: Uuid, kind: TriggerKind) -> Result<bool, AppError> {
    Ok(store::delete_trigger(&state.db, id, kind.as_str()).await?)
}

/// Attaches the training to a target profile (the caller checked the profile exists).
pub async fn attach(state: &AppState, id: Uuid, profile: Uuid) -> Result<(), AppError> {
    store::training(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(store::attach_profile(&state.db, id, profile).await?)
}

/// Detaches the training from a target profile; false when it was not attached.
pub async fn detach(state: &AppState, id: Uuid, profile: Uuid) -> Result<bool, AppError> {
    Ok(store::detach_profile(&state.db, id, profile).await?)
}

/// The end of a campaign test, as the recommendation needs it.
#[derive(Debug, Clone)]
pub struct Ended<'a> {
    /// The learner.
    pub user: Uuid,
    /// The participation.
    pub participation: Uuid,
    /// Its campaign.
    pub campaign: Uuid,
    /// The campaign's target profile.
    pub profile: Uuid,
    /// The language the test was taken in (`fr`, `en`): only trainings offered in it count.
    pub locale: &'a str,
    /// The campaign skills.
    pub skills: &'a [SkillIdx],
}

/// Whose knowledge a recommendation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Knowledge {
    /// The learner's whole profile (the reference's rule).
    Profile,
    /// Only what this test proved (an exam: better than the reference, which reads the whole profile).
    OwnAnswers(Uuid),
}

/// Recommends, inside the transaction that ends a campaign test, every training of the target
/// profile offered in the learner's language whose triggers all hold. The learner's knowledge is
/// read (on the transaction) only when a training may apply. Returns the trainings recommended.
pub async fn recommend(
    state: &AppState,
    tx: &mut Tx,
    ended: Ended<'_>,
    whose: Knowledge,
) -> Result<Vec<Uuid>, AppError> {
    let candidates: Vec<TrainingRow> = store::trainings_of_profile(&mut *tx, ended.profile)
        .await?
        .into_iter()
        .filter(|t| t.offered_in(ended.locale))
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let triggers = store::triggers_of_profile(&mut *tx, ended.profile).await?;
    if triggers.is_empty() {
        return Ok(Vec::new());
    }
    let rows = match whose {
        Knowledge::Profile => evaluation::service::profile_knowledge(&mut *tx, ended.user).await?,
        Knowledge::OwnAnswers(assessment) => evaluation::service::test_knowledge(&mut *tx, assessment).await?,
    };
    let current = engine::knowledge::current(&evaluation::service::to_engine(&state.content, &rows));
    let shown = Shown::from_knowledge(&current);
    let now = state.clock.now_micros();
    let mut recommended = Vec::new();
    for t in candidates {
        let of: Vec<Trigger> =
            triggers.iter().filter(|r| r.training_id == t.id).filter_map(|r| r.resolve(&state.content)).collect();
        if engine::training::recommended(&state.content, ended.skills, &shown, &of) {
            let r = NewRecommendation {
                participation: ended.participation,
                training: t.id,
                user: ended.user,
                campaign: ended.campaign,
                at: now,
            };
            store::insert_recommendation(&mut *tx, r).await?;
            recommended.push(t.id);
        }
    }
    Ok(recommended)
}

/// The trainings a participation recommended (its owner checked by the caller).
pub async fn of_participation(state: &AppState, participation: Uuid) -> Result<Vec<RecommendedRow>, AppError> {
    Ok(store::recommended_of_participation(&state.db, participation).await?)
}

/// Every training recommended to a learner, the most recent first, each once (the latest).
pub async fn of_user(state: &AppState, user: Uuid) -> Result<Vec<RecommendedRow>, AppError> {
    let mut rows = store::recommended_of_user(&state.db, user).await?;
    let mut seen = std::collections::HashSet::new();
    rows.retain(|r| seen.insert(r.training.id));
    Ok(rows)
}

/// Records whether the learner found a training recommended after a participation useful; not found
/// when it was not recommended to them then.
pub async fn set_useful(
    state: &AppState,
    user: Uuid,
    participation: Uuid,
    training: Uuid,
    useful: bool,
) -> Result<(), AppError> {
    if store::set_useful(&state.db, user, participation, training, useful).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A training recommended in a campaign: (id, title, participants, of whom found it useful).
pub type CampaignCount = (Uuid, String, i64, i64);

/// Per training recommended in a campaign, to how many participants, and how many found it useful.
pub async fn campaign_counts(state: &AppState, campaign: Uuid) -> Result<Vec<CampaignCount>, AppError> {
    Ok(store::counts_of_campaign(&state.db, campaign).await?)
}

/// The modules (short ids) a target profile may recommend: its `modulix` trainings.
pub async fn modules_of_profile(state: &AppState, profile: Uuid) -> Result<Vec<String>, AppError> {
    Ok(store::trainings_of_profile(&state.db, profile)
        .await?
        .into_iter()
        .filter(|t| t.is_module())
        .map(|t| t.link)
        .collect())
}

/// The modules (short ids) a learner's participations in a campaign recommended to them.
pub async fn modules_recommended(state: &AppState, user: Uuid, campaign: Uuid) -> Result<Vec<String>, AppError> {
    Ok(store::recommended_of_user(&state.db, user)
        .await?
        .into_iter()
        .filter(|r| r.campaign_id == campaign && r.training.is_module())
        .map(|r| r.training.link)
        .collect())
}
