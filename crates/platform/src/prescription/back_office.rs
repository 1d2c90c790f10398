//! What the back office asks of organisations: list and create them, their target profiles (a new
//! profile with its tubes, stages and badges is written in one transaction), attach one, unarchive.
//! The agents' pages are in `admin`; the rules and the SQL stay here.

use uuid::Uuid;

pub use super::store::NewOrganization;
use super::{
    model::{Badge, Organization, Stage, TargetProfile},
    store,
};
use crate::{AppState, web::error::AppError};

/// Every organisation, by name.
pub async fn organizations(state: &AppState) -> Result<Vec<Organization>, AppError> {
    Ok(store::organizations(&state.db).await?)
}

/// Creates an organisation.
pub async fn create_organization(state: &AppState, row: NewOrganization<'_>) -> Result<(), AppError> {
    Ok(store::insert_organization(&state.db, row).await?)
}

/// Changes an organisation's settings.
pub async fn update_organization(state: &AppState, row: &NewOrganization<'_>) -> Result<(), AppError> {
    if store::update_organization(&state.db, row).await? { Ok(()) } else { Err(AppError::NotFound) }
}

/// Unarchives an organisation (its campaigns stay archived).
pub async fn unarchive_organization(state: &AppState, id: Uuid) -> Result<(), AppError> {
    Ok(store::set_organization_archived(&state.db, id, None).await?)
}

/// Every target profile.
pub async fn target_profiles(state: &AppState) -> Result<Vec<TargetProfile>, AppError> {
    Ok(store::target_profiles(&state.db).await?)
}

/// A target profile, if it exists.
pub async fn target_profile(state: &AppState, id: Uuid) -> Result<Option<TargetProfile>, AppError> {
    Ok(store::target_profile(&state.db, id).await?)
}

/// Enables or disables an organisation's attestations tab; not found for an unknown organisation.
pub async fn set_attestations_enabled(state: &AppState, org: Uuid, enabled: bool) -> Result<(), AppError> {
    if store::set_attestations_enabled(&state.db, org, enabled).await? { Ok(()) } else { Err(AppError::NotFound) }
}

/// The target profile an agent typed (its id), when it exists.
pub async fn typed_profile(state: &AppState, typed: &str) -> Result<Option<Uuid>, AppError> {
    match Uuid::parse_str(typed.trim()) {
        Ok(id) => Ok(target_profile(state, id).await?.map(|p| p.id)),
        Err(_) => Ok(None),
    }
}

/// The target profiles an organisation may use.
pub async fn profiles_of_organization(state: &AppState, org: Uuid) -> Result<Vec<TargetProfile>, AppError> {
    Ok(store::profiles_of_organization(&state.db, org).await?)
}

/// The organisations that may use a target profile: (id, name).
pub async fn organizations_of_profile(state: &AppState, profile: Uuid) -> Result<Vec<(Uuid, String)>, AppError> {
    Ok(store::organizations_of_profile(&state.db, profile).await?)
}

/// Lets an organisation use a target profile.
pub async fn attach_profile(state: &AppState, profile: Uuid, org: Uuid) -> Result<(), AppError> {
    Ok(store::attach_profile(&state.db, profile, org).await?)
}

/// The stages of a target profile.
pub async fn stages(state: &AppState, profile: Uuid) -> Result<Vec<Stage>, AppError> {
    Ok(store::stages(&state.db, profile).await?)
}

/// The badges of a target profile.
pub async fn badges(state: &AppState, profile: Uuid) -> Result<Vec<Badge>, AppError> {
    Ok(store::badges(&state.db, profile).await?)
}

/// A badge's extra criterion: a mastery rate (1–100) on a group of the profile's tubes, each at its
/// level.
pub type TubeGroup = (i64, Vec<(String, i64)>);

/// A badge of a new profile.
#[derive(Debug, Clone)]
pub struct NewBadge {
    /// Title.
    pub title: String,
    /// Message shown to whoever earns it.
    pub message: String,
    /// Image (one of `BADGE_IMAGES`).
    pub image: String,
    /// Its alternative text.
    pub alt: String,
    /// Mastery rate of the whole profile (1–100) it asks for.
    pub threshold: i64,
    /// A mastery on a group of tubes it also asks for.
    pub group: Option<TubeGroup>,
}

/// A new target profile, checked by the form.
#[derive(Debug, Clone)]
pub struct NewProfile {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Participants may reset it.
    pub resettable: bool,
    /// The agent who creates it.
    pub created_by: Uuid,
    /// Tubes and their level.
    pub tubes: Vec<(String, i64)>,
    /// Stages: (threshold, title, message).
    pub stages: Vec<(i64, String, String)>,
    /// Badges, in order.
    pub badges: Vec<NewBadge>,
}

/// Creates a target profile with its tubes, stages, badges and their criteria, in one transaction.
pub async fn create_target_profile(state: &AppState, p: &NewProfile) -> Result<Uuid, AppError> {
    let id = Uuid::now_v7();
    let mut tx = state.db.begin().await?;
    let row = store::NewTargetProfile {
        id,
        name: &p.name,
        description: &p.description,
        resettable: p.resettable,
        created_by: Some(p.created_by),
        now: state.clock.now_micros(),
    };
    store::insert_target_profile(&mut tx, row).await?;
    for (tube, level) in &p.tubes {
        store::insert_profile_tube(&mut tx, id, tube, *level).await?;
    }
    for (threshold, title, message) in &p.stages {
        store::insert_stage(&mut tx, id, Some(*threshold), None, title, message).await?;
    }
    for (n, b) in p.badges.iter().enumerate() {
        let badge = Uuid::now_v7();
        let key = format!(
            "{}-{}",
            b.title.to_uppercase().chars().filter(char::is_ascii_alphanumeric).take(20).collect::<String>(),
            &badge.simple().to_string()[24..]
        );
        let row = store::NewBadge {
            id: badge,
            profile: id,
            key: &key,
            title: &b.title,
            message: &b.message,
            image: &b.image,
            alt_text: &b.alt,
            position: n as i64,
        };
        store::insert_badge(&mut tx, row).await?;
        store::insert_criterion(&mut tx, badge, "participation", b.threshold, "[]").await?;
        if let Some((group_threshold, group)) = &b.group {
            let json = serde_json::to_string(group).map_err(|e| AppError::Internal(e.into()))?;
            store::insert_criterion(&mut tx, badge, "tubes", *group_threshold, &json).await?;
        }
    }
    tx.commit().await?;
    Ok(id)
}
