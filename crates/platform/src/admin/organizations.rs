//! Back office for organisations and target profiles: create an organisation with its features,
//! give it an administrator, attach target profiles; build target profiles from capped tubes,
//! with stages and badges.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use uuid::Uuid;

use super::members::{self, MemberForm, SpaceQuery};
use crate::identity::model::Space;
use crate::identity::request::{CsrfForm, Fields, NoFields, Page, field};
use crate::{
    AppState,
    identity::{
        guard::{AnyAgent, Metier, RequireAdmin, SuperAdmin},
        model::{Check, Email},
    },
    prescription::{
        back_office::{self as store, NewBadge, NewProfile, TubeGroup},
        model::{BADGE_IMAGES, OrganizationKind},
        service,
    },
    web::i18n::locale,
    web::{
        error::{AppError, FieldError},
        form::FormState,
        layout::{Chrome, render},
    },
};

#[derive(Template)]
#[template(path = "admin/organizations.html")]
struct OrganizationsPage {
    chrome: Chrome,
    organizations: Vec<crate::prescription::model::Organization>,
    can_create: bool,
    form: FormState,
}

async fn organizations_page(
    state: &AppState,
    page: &Page,
    can_create: bool,
    form: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    let organizations = store::organizations(state).await?;
    Ok(render(
        status,
        &OrganizationsPage { chrome: page.chrome_t("admin-organizations-title"), organizations, can_create, form },
    ))
}

/// `GET /admin/organizations` (any agent; creating is for super admins).
pub async fn organizations(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<AnyAgent>,
) -> Result<Response, AppError> {
    let can_create = agent.user.has_admin_role(&[crate::identity::model::AdminRole::SuperAdmin]);
    let form = FormState::new().keep("kind", "SCO").keep("multiple_sending", "yes");
    organizations_page(&state, &page, can_create, form, StatusCode::OK).await
}

/// The new-organisation form.
#[derive(Debug, Deserialize)]
pub struct OrganizationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    external_id: String,
    #[serde(default)]
    dpo_email: String,
    #[serde(default)]
    multiple_sending: String,
    #[serde(default)]
    learner_import: String,
    #[serde(default)]
    show_skills: String,
    #[serde(default)]
    exam_campaigns: String,
}

/// An organisation's settings, checked.
struct Settings<'a> {
    name: &'a str,
    kind: OrganizationKind,
    external_id: Option<&'a str>,
    dpo_email: Option<Email>,
    learner_import: Option<&'a str>,
    multiple_sending: bool,
    show_skills: bool,
    exam_campaigns: bool,
}

impl Settings<'_> {
    /// The row to write for organisation `id`.
    fn row(&self, id: Uuid, now: i64) -> store::NewOrganization<'_> {
        store::NewOrganization {
            id,
            name: self.name,
            kind: self.kind.as_str(),
            external_id: self.external_id,
            dpo_email: self.dpo_email.as_ref().map(Email::as_str),
            multiple_sending: self.multiple_sending,
            learner_import: self.learner_import,
            show_skills: self.show_skills,
            exam_campaigns: self.exam_campaigns,
            now,
        }
    }

    /// The names of the settings that differ from the organisation's (for the audit log: which,
    /// not their values).
    fn changed_from(&self, o: &crate::prescription::model::Organization) -> Vec<&'static str> {
        let dpo = self.dpo_email.as_ref().map(Email::as_str);
        [
            ("name", o.name != self.name),
            ("kind", o.kind != self.kind.as_str()),
            ("external_id", o.external_id.as_deref() != self.external_id),
            ("dpo_email", o.dpo_email.as_deref() != dpo),
            ("learner_import", o.learner_import.as_deref() != self.learner_import),
            ("multiple_sending", o.multiple_sending != self.multiple_sending),
            ("show_skills", o.show_skills != self.show_skills),
            ("exam_campaigns", o.exam_campaigns != self.exam_campaigns),
        ]
        .into_iter()
        .filter_map(|(field, differs)| differs.then_some(field))
        .collect()
    }
}

impl OrganizationForm {
    /// Checks every field, naming each one wrong.
    fn check(&self) -> Result<Settings<'_>, Vec<FieldError>> {
        let mut check = Check::default();
        let name = check.field(
            "name",
            "field-organization-name-invalid",
            Some(self.name.trim()).filter(|n| !n.is_empty() && n.chars().count() <= 255),
        );
        let kind = check.field("kind", "field-organization-kind-invalid", OrganizationKind::parse(&self.kind));
        let external_id = self.external_id.trim();
        check.require("external_id", "field-text-too-long", external_id.chars().count() <= 64);
        let dpo = self.dpo_email.trim();
        let dpo_email = if dpo.is_empty() {
            Some(None)
        } else {
            check.field("dpo_email", "field-email-invalid", Email::parse(dpo)).map(Some)
        };
        let import = check.field(
            "learner_import",
            "field-learner-import-invalid",
            match self.learner_import.as_str() {
                "" => Some(None),
                "SCO" | "SUP" | "GENERIC" => Some(Some(self.learner_import.as_str())),
                _ => None,
            },
        );
        check.finish(|| {
            Some(Settings {
                name: name?,
                kind: kind?,
                external_id: (!external_id.is_empty()).then_some(external_id),
                dpo_email: dpo_email?,
                learner_import: import?,
                multiple_sending: self.multiple_sending == "yes",
                show_skills: self.show_skills == "yes",
                exam_campaigns: self.exam_campaigns == "yes",
            })
        })
    }

    /// The form as it was sent, to show again with its errors.
    fn kept(&self) -> FormState {
        let mut form = FormState::new();
        for (k, v) in [
            ("name", &self.name),
            ("kind", &self.kind),
            ("external_id", &self.external_id),
            ("dpo_email", &self.dpo_email),
            ("multiple_sending", &self.multiple_sending),
            ("learner_import", &self.learner_import),
            ("show_skills", &self.show_skills),
            ("exam_campaigns", &self.exam_campaigns),
        ] {
            form = form.keep(k, v);
        }
        form
    }
}

/// The form holding an organisation's current settings.
fn settings_form(o: &crate::prescription::model::Organization) -> FormState {
    let yes = |on: bool| if on { "yes" } else { "" };
    FormState::new()
        .keep("name", &o.name)
        .keep("kind", &o.kind)
        .keep("external_id", o.external_id.as_deref().unwrap_or_default())
        .keep("dpo_email", o.dpo_email.as_deref().unwrap_or_default())
        .keep("learner_import", o.learner_import.as_deref().unwrap_or_default())
        .keep("multiple_sending", yes(o.multiple_sending))
        .keep("show_skills", yes(o.show_skills))
        .keep("exam_campaigns", yes(o.exam_campaigns))
}

/// `POST /admin/organizations` (SUPER_ADMIN).
pub async fn create_organization(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<SuperAdmin>,
    CsrfForm(f): CsrfForm<OrganizationForm>,
) -> Result<Response, AppError> {
    match f.check() {
        Ok(settings) => {
            let id = Uuid::now_v7();
            store::create_organization(&state, settings.row(id, state.clock.now_micros())).await?;
            crate::audit::write(
                &state,
                Some(agent.user.id),
                "organization.create",
                None,
                "back office",
                serde_json::json!({ "organization": id }),
            )
            .await?;
            Ok(Redirect::to(&format!("/admin/organizations/{id}")).into_response())
        }
        Err(errors) => {
            let form = f.kept().with_errors(page.lang, &errors);
            organizations_page(&state, &page, true, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/organization_edit.html")]
struct EditPage {
    chrome: Chrome,
    organization: crate::prescription::model::Organization,
    super_admin: bool,
    form: FormState,
}

fn edit_page(
    page: &Page,
    user: &crate::identity::CurrentUser,
    organization: crate::prescription::model::Organization,
    form: FormState,
    status: StatusCode,
) -> Response {
    let super_admin = user.has_admin_role(&[crate::identity::model::AdminRole::SuperAdmin]);
    render(status, &EditPage { chrome: page.chrome_t("organization-edit-title"), organization, super_admin, form })
}

/// `GET /admin/organizations/{id}/edit` (METIER, SUPER_ADMIN): every setting of the organisation.
pub async fn edit(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Metier>,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let organization = service::organization(&state, id).await?;
    let form = settings_form(&organization);
    Ok(edit_page(&page, &agent.user, organization, form, StatusCode::OK))
}

/// `POST /admin/organizations/{id}/edit` (METIER, SUPER_ADMIN): changes the settings, audited
/// with the names of those that changed.
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Metier>,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<OrganizationForm>,
) -> Result<Response, AppError> {
    let organization = service::organization(&state, id).await?;
    let settings = match f.check() {
        Ok(settings) => settings,
        Err(errors) => {
            let form = f.kept().with_errors(page.lang, &errors);
            return Ok(edit_page(&page, &agent.user, organization, form, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let changed = settings.changed_from(&organization);
    if changed.is_empty() {
        return Ok(Redirect::to(&format!("/admin/organizations/{id}?unchanged=1")).into_response());
    }
    store::update_organization(&state, &settings.row(id, state.clock.now_micros())).await?;
    crate::audit::write(
        &state,
        Some(agent.user.id),
        "organization.update",
        None,
        "back office",
        serde_json::json!({ "organization": id, "changed": changed }),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/organizations/{id}?updated=1")).into_response())
}

#[derive(Template)]
#[template(path = "admin/organization.html")]
struct OrganizationPage {
    chrome: Chrome,
    organization: crate::prescription::model::Organization,
    members: Vec<crate::identity::membership::Member>,
    profiles: Vec<crate::prescription::model::TargetProfile>,
    attachable: Vec<(Uuid, String)>,
    super_admin: bool,
    can_edit: bool,
    form: FormState,
    notice: String,
}

async fn organization_page(
    state: &AppState,
    page: &Page,
    user: &crate::identity::CurrentUser,
    id: Uuid,
    form: FormState,
    status: StatusCode,
    notice: String,
) -> Result<Response, AppError> {
    let organization = service::organization(state, id).await?;
    let members = crate::identity::membership::members(state, crate::identity::model::Space::Organization(id)).await?;
    let profiles = store::profiles_of_organization(state, id).await?;
    let attachable = store::target_profiles(state)
        .await?
        .into_iter()
        .filter(|p| !p.outdated && !profiles.iter().any(|a| a.id == p.id))
        .map(|p| (p.id, p.name))
        .collect();
    crate::audit::write(
        state,
        Some(user.id),
        "organization.read",
        None,
        "back office",
        serde_json::json!({ "organization": id }),
    )
    .await?;
    Ok(render(
        status,
        &OrganizationPage {
            chrome: page.chrome(&organization.name),
            organization,
            members,
            profiles,
            attachable,
            super_admin: user.has_admin_role(&[crate::identity::model::AdminRole::SuperAdmin]),
            can_edit: user.has_admin_role(&[crate::identity::model::AdminRole::Metier]),
            form,
            notice,
        },
    ))
}

/// `GET /admin/organizations/{id}`
pub async fn organization(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<AnyAgent>,
    Path(id): Path<Uuid>,
    Query(q): Query<SpaceQuery>,
) -> Result<Response, AppError> {
    let notice = if q.invited.is_some() {
        page.t("organization-invited")
    } else if q.updated.is_some() {
        page.t("organization-updated")
    } else if q.unchanged.is_some() {
        page.t("organization-unchanged")
    } else {
        String::new()
    };
    organization_page(&state, &page, &agent.user, id, FormState::new(), StatusCode::OK, notice).await
}

/// `POST /admin/organizations/{id}/members` (SUPER_ADMIN): gives an existing account a role.
pub async fn add_member(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<SuperAdmin>,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<MemberForm>,
) -> Result<Response, AppError> {
    service::organization(&state, id).await?;
    match f.check(page.lang) {
        Ok(asked) => {
            members::add(&state, Space::Organization(id), &agent.user, asked, &format!("/admin/organizations/{id}"))
                .await
        }
        Err(form) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            organization_page(&state, &page, &agent.user, id, form, status, String::new()).await
        }
    }
}

/// Attaching a target profile.
#[derive(Debug, Deserialize)]
pub struct AttachForm {
    #[serde(default)]
    target_profile: String,
}

/// `POST /admin/organizations/{id}/profiles` (METIER, SUPER_ADMIN).
pub async fn attach_profile(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Metier>,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<AttachForm>,
) -> Result<Response, AppError> {
    service::organization(&state, id).await?;
    let Some(profile) = store::typed_profile(&state, &f.target_profile).await? else {
        let form = FormState::new().with_errors(
            page.lang,
            &[FieldError { field: "target_profile".into(), code: "field-target-profile-required".into() }],
        );
        return organization_page(
            &state,
            &page,
            &agent.user,
            id,
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
            String::new(),
        )
        .await;
    };
    store::attach_profile(&state, profile, id).await?;
    crate::audit::write(
        &state,
        Some(agent.user.id),
        "organization.profile",
        None,
        "back office",
        serde_json::json!({ "organization": id, "target_profile": profile }),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/organizations/{id}")).into_response())
}

/// The features form.
#[derive(Debug, Deserialize)]
pub struct FeaturesForm {
    /// `yes` when the attestations tab is enabled.
    #[serde(default)]
    attestations: String,
}

/// `POST /admin/organizations/{id}/features` (SUPER_ADMIN): enables or disables the organisation's
/// features (its attestations tab).
pub async fn features(
    State(state): State<AppState>,
    agent: RequireAdmin<SuperAdmin>,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<FeaturesForm>,
) -> Result<Response, AppError> {
    let enabled = f.attestations == "yes";
    store::set_attestations_enabled(&state, id, enabled).await?;
    crate::audit::write(
        &state,
        Some(agent.user.id),
        "organization.features",
        None,
        "back office",
        serde_json::json!({ "organization": id, "attestations": enabled }),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/organizations/{id}")).into_response())
}

/// `POST /admin/organizations/{id}/archive` (SUPER_ADMIN): archives or unarchives.
pub async fn archive(
    State(state): State<AppState>,
    agent: RequireAdmin<SuperAdmin>,
    Path(id): Path<Uuid>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let organization = service::organization(&state, id).await?;
    let (campaigns, invitations) = if organization.archived_at.is_some() {
        store::unarchive_organization(&state, id).await?;
        (0, 0)
    } else {
        service::archive_organization(&state, id).await?
    };
    crate::audit::write(
        &state,
        Some(agent.user.id),
        "organization.archive",
        None,
        "back office",
        serde_json::json!({ "organization": id, "archived": organization.archived_at.is_none(), "campaigns_closed": campaigns, "invitations_cancelled": invitations }),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/organizations/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "admin/target_profiles.html")]
struct ProfilesPage {
    chrome: Chrome,
    profiles: Vec<crate::prescription::model::TargetProfile>,
}

/// `GET /admin/target-profiles`
pub async fn target_profiles(
    State(state): State<AppState>,
    page: Page,
    _agent: RequireAdmin<AnyAgent>,
) -> Result<Response, AppError> {
    let profiles = store::target_profiles(&state).await?;
    Ok(render(StatusCode::OK, &ProfilesPage { chrome: page.chrome_t("admin-profiles-title"), profiles }))
}

/// A tube in the profile form: (name, competence, title, highest level of its active skills).
pub type TubeChoice = (String, String, String, u8);

#[derive(Template)]
#[template(path = "admin/target_profile_new.html")]
struct NewProfilePage {
    chrome: Chrome,
    tubes: Vec<TubeChoice>,
    images: Vec<&'static str>,
    form: FormState,
    stage_rows: Vec<usize>,
    badge_rows: Vec<usize>,
}

/// Stage rows and badge rows of the form.
pub const STAGE_ROWS: usize = 5;
/// See [`STAGE_ROWS`].
pub const BADGE_ROWS: usize = 3;

pub(crate) fn tube_choices(state: &AppState, page: &Page) -> Vec<TubeChoice> {
    let content = &state.content;
    content
        .tubes
        .iter()
        .filter_map(|t| {
            let max = t
                .skills
                .iter()
                .map(|s| content.skill(*s))
                .filter(|s| s.status == content::SkillStatus::Active)
                .map(|s| s.level)
                .max()?;
            let competence = content.competence(t.competence);
            Some((
                t.name.clone(),
                format!("{} {}", competence.code, competence.name.get(locale(page.lang))),
                t.title.get(locale(page.lang)).to_owned(),
                max,
            ))
        })
        .collect()
}

fn new_profile_page(state: &AppState, page: &Page, form: FormState, status: StatusCode) -> Response {
    render(
        status,
        &NewProfilePage {
            chrome: page.chrome_t("admin-profile-new-title"),
            tubes: tube_choices(state, page),
            images: BADGE_IMAGES.to_vec(),
            form,
            stage_rows: (0..STAGE_ROWS).collect(),
            badge_rows: (0..BADGE_ROWS).collect(),
        },
    )
}

/// `GET /admin/target-profiles/new` (METIER, SUPER_ADMIN).
pub async fn new_target_profile(State(state): State<AppState>, page: Page, _agent: RequireAdmin<Metier>) -> Response {
    let mut form = FormState::new().keep("stage-0-threshold", "0");
    for i in 0..BADGE_ROWS {
        form = form.keep(&format!("badge-{i}-threshold"), "80");
    }
    new_profile_page(&state, &page, form, StatusCode::OK)
}

/// `POST /admin/target-profiles` (METIER, SUPER_ADMIN): tubes `tube-<name>` = level, stages
/// `stage-<i>-threshold|title|message`, badges `badge-<i>-title|message|image|alt|threshold`.
pub async fn create_target_profile(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Metier>,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    let content = &state.content;
    let get = |name: &str| field(&fields, name).unwrap_or("").trim().to_owned();
    let mut check = Check::default();
    let name = get("name");
    check.require("name", "field-profile-name-invalid", !name.is_empty() && name.chars().count() <= 255);
    let mut tubes: Vec<(String, i64)> = Vec::new();
    for t in &content.tubes {
        let level = get(&format!("tube-{}", t.name));
        if level.is_empty() {
            continue;
        }
        match level.parse::<i64>() {
            Ok(l) if (1..=8).contains(&l) => tubes.push((t.name.clone(), l)),
            _ => check.require(&format!("tube-{}", t.name), "field-level-invalid", false),
        }
    }
    check.require("tubes", "field-profile-tubes-required", !tubes.is_empty());
    let mut stages: Vec<(i64, String, String)> = Vec::new();
    for i in 0..STAGE_ROWS {
        let title = get(&format!("stage-{i}-title"));
        if title.is_empty() {
            continue;
        }
        match get(&format!("stage-{i}-threshold")).parse::<i64>() {
            Ok(t) if (0..=100).contains(&t) => stages.push((t, title, get(&format!("stage-{i}-message")))),
            _ => check.require(&format!("stage-{i}-threshold"), "field-threshold-invalid", false),
        }
    }
    // Stage 0 is protected: any stages start with one at 0 %.
    check.require(
        "stage-0-threshold",
        "field-stage-zero-required",
        stages.is_empty() || stages.iter().any(|(t, _, _)| *t == 0),
    );
    let mut badges: Vec<(String, String, String, String, i64)> = Vec::new();
    // A badge may also ask for a mastery on a group of the profile's tubes (at their cap level).
    let mut groups: Vec<Option<TubeGroup>> = Vec::new();
    for i in 0..BADGE_ROWS {
        let title = get(&format!("badge-{i}-title"));
        if title.is_empty() {
            continue;
        }
        let image = get(&format!("badge-{i}-image"));
        let alt = get(&format!("badge-{i}-alt"));
        check.require(&format!("badge-{i}-image"), "field-badge-image-invalid", BADGE_IMAGES.contains(&image.as_str()));
        check.require(&format!("badge-{i}-alt"), "field-badge-alt-required", !alt.is_empty());
        match get(&format!("badge-{i}-threshold")).parse::<i64>() {
            Ok(t) if (1..=100).contains(&t) => badges.push((title, get(&format!("badge-{i}-message")), image, alt, t)),
            _ => check.require(&format!("badge-{i}-threshold"), "field-threshold-invalid", false),
        }
        let names = get(&format!("badge-{i}-tubes"));
        let names: Vec<&str> = names.split([' ', ',', ';']).filter(|n| !n.is_empty()).collect();
        if names.is_empty() {
            groups.push(None);
            continue;
        }
        let group: Vec<(String, i64)> =
            names.iter().filter_map(|n| tubes.iter().find(|(t, _)| t == n)).cloned().collect();
        check.require(&format!("badge-{i}-tubes"), "field-badge-tubes-invalid", group.len() == names.len());
        match get(&format!("badge-{i}-tubes-threshold")).parse::<i64>() {
            Ok(t) if (1..=100).contains(&t) => groups.push(Some((t, group))),
            _ => check.require(&format!("badge-{i}-tubes-threshold"), "field-threshold-invalid", false),
        }
    }
    if let Err(errors) = check.finish(|| Some(())) {
        let mut form = FormState::new();
        for (k, v) in &fields {
            if k != crate::identity::csrf::FIELD {
                form = form.keep(k, v);
            }
        }
        return Ok(new_profile_page(
            &state,
            &page,
            form.with_errors(page.lang, &errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let profile = NewProfile {
        name,
        description: get("description"),
        resettable: get("resettable") == "yes",
        created_by: agent.user.id,
        tubes,
        stages,
        badges: badges
            .into_iter()
            .zip(groups.into_iter().chain(std::iter::repeat(None)))
            .map(|((title, message, image, alt, threshold), group)| NewBadge {
                title,
                message,
                image,
                alt,
                threshold,
                group,
            })
            .collect(),
    };
    let id = store::create_target_profile(&state, &profile).await?;
    crate::audit::write(
        &state,
        Some(agent.user.id),
        "target_profile.create",
        None,
        "back office",
        serde_json::json!({ "target_profile": id }),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/target-profiles/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "admin/target_profile.html")]
struct ProfilePage {
    chrome: Chrome,
    profile: crate::prescription::model::TargetProfile,
    tubes: Vec<(String, String, i64, usize)>,
    skills: usize,
    stages: Vec<crate::prescription::model::Stage>,
    badges: Vec<crate::prescription::model::Badge>,
    organizations: Vec<(Uuid, String)>,
}

/// `GET /admin/target-profiles/{id}`
pub async fn target_profile(
    State(state): State<AppState>,
    page: Page,
    _agent: RequireAdmin<AnyAgent>,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let profile = store::target_profile(&state, id).await?.ok_or(AppError::NotFound)?;
    let content = &state.content;
    let resolved = service::profile_tubes(&state, id).await?;
    let tubes = resolved
        .iter()
        .map(|(t, level)| {
            let tube = content.tube(*t);
            let n = engine::campaign::campaign_skills(content, &[(*t, *level)]).len();
            (tube.name.clone(), tube.title.get(locale(page.lang)).to_owned(), i64::from(*level), n)
        })
        .collect::<Vec<_>>();
    let skills = tubes.iter().map(|t| t.3).sum();
    Ok(render(
        StatusCode::OK,
        &ProfilePage {
            chrome: page.chrome(&profile.name),
            stages: store::stages(&state, id).await?,
            badges: store::badges(&state, id).await?,
            organizations: store::organizations_of_profile(&state, id).await?,
            profile,
            tubes,
            skills,
        },
    ))
}
