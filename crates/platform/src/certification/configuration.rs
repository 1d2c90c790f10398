//! Versioned certification configuration (`PRODUCT.md` §2.4): the test's settings — flash
//! selection (REFERENCE §5.4), the number of questions, the minimum for a result, the duration — live
//! in numbered versions that go draft → active → archived. One version is active; a certification
//! records the version it started with and keeps it to the end, scoring included. Active and archived
//! versions never change, so each is read once per node and kept.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock, PoisonError},
};

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};

use super::store;
use crate::identity::request::{CsrfForm, NoFields, Page};
use crate::{
    AppState,
    identity::guard::{RequireAdmin, SuperAdmin},
    web::{
        error::{AppError, FieldError},
        form::FormState,
        layout::{Chrome, render},
    },
};

/// What a version sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Flash selection and the result's minimum answers.
    pub flash: engine::flash::FlashConfig,
    /// Length of the test without extra time, in minutes.
    pub duration_minutes: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { flash: engine::flash::FlashConfig::default(), duration_minutes: super::model::TEST_MINUTES }
    }
}

/// A version as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Version {
    /// 1, 2, 3…
    pub version: i64,
    /// `draft`, `active` or `archived`.
    pub status: String,
    /// The settings, JSON.
    pub settings: String,
}

/// Where a version is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionStatus {
    /// Being written: not used by any certification.
    Draft,
    /// The one new certifications start with.
    Active,
    /// Replaced by a newer one (certifications that started with it keep it).
    Archived,
}

impl VersionStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Active => "active",
            VersionStatus::Archived => "archived",
        }
    }
}

impl Version {
    /// Where it is (an unknown stored name reads as archived: never started with).
    pub fn version_status(&self) -> VersionStatus {
        [VersionStatus::Draft, VersionStatus::Active]
            .into_iter()
            .find(|s| s.as_str() == self.status)
            .unwrap_or(VersionStatus::Archived)
    }

    /// Its settings (the defaults if the JSON were unreadable, which the checks prevent).
    pub fn settings(&self) -> Settings {
        serde_json::from_str(&self.settings).unwrap_or_default()
    }
}

// ------------------------------------------------------------------ service

/// The active version, creating version 1 with the reference's settings on first use.
pub async fn active(state: &AppState) -> Result<Version, AppError> {
    if let Some(v) = store::active_configuration(&state.db).await? {
        return Ok(v);
    }
    let defaults = serde_json::to_string(&Settings::default()).map_err(|e| AppError::Internal(e.into()))?;
    // Nodes starting together: one inserts, the others read it.
    store::insert_configuration(&state.db, 1, VersionStatus::Active.as_str(), &defaults, state.clock.now_micros())
        .await?;
    store::active_configuration(&state.db).await?.ok_or(AppError::Conflict)
}

/// The settings of a version a certification used (kept in memory: they never change), read on
/// `conn` the first time: the transaction when the caller holds one (`db::OpenTx`).
pub async fn settings_of(
    state: &AppState,
    conn: impl Into<crate::db::Conn<'_>>,
    n: i64,
) -> Result<Arc<Settings>, AppError> {
    type Cache = Mutex<HashMap<(String, i64), Arc<Settings>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    // Per database: tests run several nodes on different databases in one process.
    let key = (state.settings.db.url(), n);
    let cache = CACHE.get_or_init(Default::default);
    if let Some(s) = cache.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return Ok(s.clone());
    }
    let settings =
        match store::configuration_version(conn, n).await?.filter(|v| v.version_status() != VersionStatus::Draft) {
            Some(v) => Arc::new(v.settings()),
            // Version 1 is the reference's settings by definition: certifications that started before
            // versions existed record it, even if nobody has opened the configuration since.
            None if n == 1 => Arc::new(Settings::default()),
            None => return Err(AppError::NotFound),
        };
    cache.lock().unwrap_or_else(PoisonError::into_inner).insert(key, settings.clone());
    Ok(settings)
}

/// The form of a draft.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftFields {
    #[serde(default)]
    maximum_length: String,
    #[serde(default)]
    minimum_answers: String,
    #[serde(default)]
    between_same_competence: String,
    #[serde(default)]
    duration_minutes: String,
    #[serde(default)]
    default_capacity: String,
    #[serde(default)]
    probability_to_pick: String,
    #[serde(default)]
    variation_percent: String,
    #[serde(default)]
    exposure_percent: String,
    #[serde(default)]
    prior_sd: String,
    #[serde(default)]
    stop_error: String,
}

/// An optional number: empty is `Some(None)`, a number in range `Some(Some(v))`, else an error.
fn optional(
    text: &str,
    range: std::ops::RangeInclusive<f64>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Option<f64>> {
    if text.trim().is_empty() { Some(None) } else { number(text, range, field, errors).map(Some) }
}

fn number<T: std::str::FromStr + PartialOrd>(
    text: &str,
    range: std::ops::RangeInclusive<T>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match text.trim().replace(',', ".").parse::<T>() {
        Ok(v) if range.contains(&v) => Some(v),
        _ => {
            errors.push(FieldError { field: field.into(), code: format!("field-config-{}", field.replace('_', "-")) });
            None
        }
    }
}

impl DraftFields {
    fn of(s: &Settings) -> DraftFields {
        DraftFields {
            maximum_length: s.flash.maximum_assessment_length.to_string(),
            minimum_answers: s.flash.minimum_answers_required.to_string(),
            between_same_competence: s.flash.challenges_between_same_competence.to_string(),
            duration_minutes: s.duration_minutes.to_string(),
            default_capacity: s.flash.default_candidate_capacity.to_string(),
            probability_to_pick: s.flash.default_probability_to_pick_challenge.to_string(),
            variation_percent: s.flash.variation_percent.map(|v| v.to_string()).unwrap_or_default(),
            exposure_percent: s.flash.maximum_exposure_rate.map(|v| (v * 100.0).to_string()).unwrap_or_default(),
            prior_sd: s.flash.population_prior.map(|p| p.sd.to_string()).unwrap_or_default(),
            stop_error: s.flash.variable_length.map(|v| v.error_rate.to_string()).unwrap_or_default(),
        }
    }

    fn form(&self) -> FormState {
        FormState::new()
            .keep("maximum_length", &self.maximum_length)
            .keep("minimum_answers", &self.minimum_answers)
            .keep("between_same_competence", &self.between_same_competence)
            .keep("duration_minutes", &self.duration_minutes)
            .keep("default_capacity", &self.default_capacity)
            .keep("probability_to_pick", &self.probability_to_pick)
            .keep("variation_percent", &self.variation_percent)
            .keep("exposure_percent", &self.exposure_percent)
            .keep("prior_sd", &self.prior_sd)
            .keep("stop_error", &self.stop_error)
    }

    /// The settings, from the active ones with these changes, or every problem.
    fn settings(&self, base: &Settings) -> Result<Settings, Vec<FieldError>> {
        let mut errors = Vec::new();
        let maximum = number(&self.maximum_length, 1_usize..=64, "maximum_length", &mut errors);
        let minimum = number(&self.minimum_answers, 1_usize..=64, "minimum_answers", &mut errors);
        let between = number(&self.between_same_competence, 0_usize..=15, "between_same_competence", &mut errors);
        let duration = number(&self.duration_minutes, 15_i64..=300, "duration_minutes", &mut errors);
        let capacity = number(&self.default_capacity, -6.0_f64..=6.0, "default_capacity", &mut errors);
        let probability = number(&self.probability_to_pick, 1_u32..=100, "probability_to_pick", &mut errors);
        let variation = optional(&self.variation_percent, 0.0..=1.0, "variation_percent", &mut errors);
        let exposure = optional(&self.exposure_percent, 5.0..=100.0, "exposure_percent", &mut errors);
        let prior = optional(&self.prior_sd, 0.3..=5.0, "prior_sd", &mut errors);
        let stop = optional(&self.stop_error, 0.1..=2.0, "stop_error", &mut errors);
        if let (Some(max), Some(min)) = (maximum, minimum)
            && min > max
        {
            errors.push(FieldError { field: "minimum_answers".into(), code: "field-config-minimum-above".into() });
        }
        match (maximum, minimum, between, duration, capacity, probability, variation, (exposure, prior, stop)) {
            (
                Some(max),
                Some(min),
                Some(between),
                Some(duration),
                Some(capacity),
                Some(p),
                Some(variation),
                (Some(exposure), Some(prior), Some(stop)),
            ) if errors.is_empty() => {
                let mut s = base.clone();
                s.flash.maximum_exposure_rate = exposure.map(|e| e / 100.0);
                // The prior is centred on the starting capacity: where the test starts is what is
                // known of the population.
                s.flash.population_prior = prior.map(|sd| engine::flash::PopulationPrior { mean: capacity, sd });
                s.flash.variable_length =
                    stop.map(|error_rate| engine::flash::VariableLength { error_rate, minimum_length: min });
                s.flash.maximum_assessment_length = max;
                s.flash.minimum_answers_required = min;
                s.flash.challenges_between_same_competence = between;
                s.flash.default_candidate_capacity = capacity;
                s.flash.default_probability_to_pick_challenge = p;
                s.flash.variation_percent = variation;
                s.duration_minutes = duration;
                Ok(s)
            }
            _ => Err(errors),
        }
    }
}

// ------------------------------------------------------------------ back office

#[derive(Template)]
#[template(path = "admin/configurations.html")]
struct ConfigurationsPage {
    chrome: Chrome,
    versions: Vec<(Version, Settings)>,
    form: FormState,
    notice: String,
}

async fn configurations_page(
    state: &AppState,
    page: &Page,
    form: Option<FormState>,
    notice: String,
) -> Result<Response, AppError> {
    let current = active(state).await?;
    let form = form.unwrap_or_else(|| DraftFields::of(&current.settings()).form());
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let versions = store::configuration_versions(&state.db)
        .await?
        .into_iter()
        .map(|v| (v.settings(), v))
        .map(|(s, v)| (v, s))
        .collect();
    Ok(render(status, &ConfigurationsPage { chrome: page.chrome_t("config-title"), versions, form, notice }))
}

/// `GET /admin/certification/configurations` (SUPER_ADMIN): every version, and a new draft.
pub async fn page(
    State(state): State<AppState>,
    page: Page,
    _: RequireAdmin<SuperAdmin>,
) -> Result<Response, AppError> {
    configurations_page(&state, &page, None, String::new()).await
}

/// `POST /admin/certification/configurations`: a new draft.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    admin: RequireAdmin<SuperAdmin>,
    CsrfForm(f): CsrfForm<DraftFields>,
) -> Result<Response, AppError> {
    let base = active(&state).await?.settings();
    let settings = match f.settings(&base) {
        Ok(s) => s,
        Err(errors) => {
            return configurations_page(&state, &page, Some(f.form().with_errors(page.lang, &errors)), String::new())
                .await;
        }
    };
    let text = serde_json::to_string(&settings).map_err(|e| AppError::Internal(e.into()))?;
    let n = store::configuration_versions(&state.db).await?.first().map_or(1, |v| v.version + 1);
    if !store::insert_configuration(&state.db, n, VersionStatus::Draft.as_str(), &text, state.clock.now_micros())
        .await?
    {
        return Err(AppError::Conflict);
    }
    crate::audit::write(
        &state,
        Some(admin.user.id),
        "certification.configuration.draft",
        None,
        "super admin",
        serde_json::json!({ "version": n, "settings": settings }),
    )
    .await?;
    Ok(Redirect::to("/admin/certification/configurations").into_response())
}

/// `POST /admin/certification/configurations/{version}/activate`: the draft becomes the active
/// version (certifications starting from now use it); the previous one is archived.
pub async fn activate(
    State(state): State<AppState>,
    page: Page,
    admin: RequireAdmin<SuperAdmin>,
    Path(n): Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    active(&state).await?;
    let mut tx = state.db.begin().await?;
    if !store::activate_configuration(&mut tx, n, state.clock.now_micros()).await? {
        return Err(AppError::Conflict);
    }
    tx.commit().await?;
    crate::audit::write(
        &state,
        Some(admin.user.id),
        "certification.configuration.activate",
        None,
        "super admin",
        serde_json::json!({ "version": n }),
    )
    .await?;
    configurations_page(&state, &page, None, page.lang.t_args("config-activated", &[("version", &n.to_string())])).await
}

/// `POST /admin/certification/configurations/{version}/delete`: a draft only.
pub async fn delete(
    State(state): State<AppState>,
    _: RequireAdmin<SuperAdmin>,
    Path(n): Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    if !store::delete_draft_configuration(&state.db, n).await? {
        return Err(AppError::Conflict);
    }
    Ok(Redirect::to("/admin/certification/configurations").into_response())
}
