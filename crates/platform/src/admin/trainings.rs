//! Back office for recommended trainings (docs/trainings.md): list and search them, create, edit,
//! duplicate, set their prerequisite and goal triggers, attach them to target profiles. Any agent
//! reads; business agents and super admins write, and every write is audited.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use engine::training::TriggerKind;
use serde::Deserialize;
use uuid::Uuid;

use super::organizations::{TubeChoice, tube_choices};
use crate::{
    AppState,
    identity::{
        guard::{AnyAgent, Metier, RequireAdmin},
        model::{AdminRole, Check},
        request::{CsrfForm, Fields, NoFields, Page, field},
    },
    learning::trainings::{
        self, DELIVERY_MODES, Listed, NewTraining, TRAINING_LOCALES, TRAINING_TYPES, TrainingFields, TrainingRow,
        TriggerFields, TriggerRow,
    },
    prescription::back_office,
    web::{
        error::AppError,
        form::FormState,
        layout::{Chrome, render},
    },
};

fn can_write(agent: &crate::identity::CurrentUser) -> bool {
    agent.has_admin_role(&[AdminRole::Metier, AdminRole::SuperAdmin])
}

async fn audit(state: &AppState, agent: Uuid, action: &str, details: serde_json::Value) -> Result<(), AppError> {
    crate::audit::write(state, Some(agent), action, None, "back office", details).await
}

#[derive(Template)]
#[template(path = "admin/trainings.html")]
struct ListPage {
    chrome: Chrome,
    trainings: Vec<Listed>,
    q: String,
    can_write: bool,
}

/// The list's search.
#[derive(Debug, Deserialize, Default)]
pub struct SearchQuery {
    /// Words of a title, or an id.
    #[serde(default)]
    q: String,
}

/// `GET /admin/trainings?q=`: every training, or those matching the search.
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<AnyAgent>,
    Query(s): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let q: String = s.q.trim().chars().take(255).collect();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            chrome: page.chrome_t("admin-trainings-title"),
            trainings: trainings::search(&state, &q).await?,
            q,
            can_write: can_write(&agent.user),
        },
    ))
}

#[derive(Template)]
#[template(path = "admin/training_form.html")]
struct FormPage {
    chrome: Chrome,
    action: String,
    form: FormState,
    types: &'static [&'static str],
    modes: &'static [&'static str],
    locales: &'static [&'static str],
    modules: Vec<(String, String)>,
}

fn form_page(
    state: &AppState,
    page: &Page,
    title: &str,
    action: String,
    form: FormState,
    status: StatusCode,
) -> Response {
    let modules = state
        .content
        .modules
        .iter()
        .map(|m| (m.short_id.clone(), m.title.get(crate::web::i18n::locale(page.lang)).to_owned()))
        .collect();
    render(
        status,
        &FormPage {
            chrome: page.chrome(title),
            action,
            form,
            types: TRAINING_TYPES,
            modes: DELIVERY_MODES,
            locales: TRAINING_LOCALES,
            modules,
        },
    )
}

fn form_of(t: &TrainingRow) -> FormState {
    let (d, h, m) = t.duration();
    let mut form = FormState::new()
        .keep("title", &t.title)
        .keep("internal_title", &t.internal_title)
        .keep("link", &t.link)
        .keep("type", &t.kind)
        .keep("days", &d.to_string())
        .keep("hours", &h.to_string())
        .keep("minutes", &m.to_string())
        .keep("editor_name", &t.editor_name)
        .keep("editor_logo_url", &t.editor_logo_url)
        .keep("delivery_mode", &t.delivery_mode)
        .keep("description", &t.description);
    for l in t.locales.split(',') {
        form = form.keep(&format!("locale-{l}"), "yes");
    }
    form
}

/// `GET /admin/trainings/new`.
pub async fn new(State(state): State<AppState>, page: Page, _agent: RequireAdmin<Metier>) -> Response {
    let form = FormState::new().keep("type", "modulix").keep("delivery_mode", "remote").keep("locale-fr", "yes");
    let title = page.t("admin-training-new-title");
    form_page(&state, &page, &title, "/admin/trainings".to_owned(), form, StatusCode::OK)
}

/// The training's fields from the form (the locales are checkboxes `locale-fr`, `locale-en`).
fn parse(state: &AppState, fields: &Fields) -> Result<NewTraining, Vec<crate::web::error::FieldError>> {
    let get = |name: &str| field(fields, name).unwrap_or("");
    let locales: Vec<&str> =
        TRAINING_LOCALES.iter().copied().filter(|l| get(&format!("locale-{l}")) == "yes").collect();
    NewTraining::parse(
        &state.content,
        &TrainingFields {
            title: get("title"),
            internal_title: get("internal_title"),
            link: get("link"),
            kind: get("type"),
            days: get("days"),
            hours: get("hours"),
            minutes: get("minutes"),
            locales,
            editor_name: get("editor_name"),
            editor_logo_url: get("editor_logo_url"),
            delivery_mode: get("delivery_mode"),
            description: get("description"),
        },
    )
}

fn refill(page: &Page, fields: &Fields, errors: &[crate::web::error::FieldError]) -> FormState {
    let mut form = FormState::new();
    for (k, v) in fields {
        if k != crate::identity::csrf::FIELD {
            form = form.keep(k, v);
        }
    }
    form.with_errors(page.lang, errors)
}

/// `POST /admin/trainings`: creates a training.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Metier>,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    let new = match parse(&state, &fields) {
        Ok(new) => new,
        Err(errors) => {
            let title = page.t("admin-training-new-title");
            let form = refill(&page, &fields, &errors);
            return Ok(form_page(
                &state,
                &page,
                &title,
                "/admin/trainings".into(),
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let id = trainings::create(&state, new).await?;
    audit(&state, agent.user.id, "training.create", serde_json::json!({ "training": id })).await?;
    Ok(Redirect::to(&format!("/admin/trainings/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "admin/training.html")]
struct DetailsPage {
    chrome: Chrome,
    training: TrainingRow,
    href: String,
    duration: String,
    triggers: Vec<(TriggerKind, Option<TriggerView>, FormState)>,
    tubes: Vec<TubeChoice>,
    profiles: Vec<(Uuid, String)>,
    attachable: Vec<(Uuid, String)>,
    can_write: bool,
}

/// A trigger as the page shows it: threshold and (tube title, cap).
struct TriggerView {
    threshold: i64,
    tubes: Vec<(String, i64)>,
}

fn trigger_form(row: Option<&TriggerRow>) -> FormState {
    let Some(row) = row else { return FormState::new() };
    let mut form = FormState::new().keep("threshold", &row.threshold.to_string());
    for (tube, cap) in row.tube_caps() {
        form = form.keep(&format!("tube-{tube}"), &cap.to_string());
    }
    form
}

async fn details_page(
    state: &AppState,
    page: &Page,
    agent: &crate::identity::CurrentUser,
    id: Uuid,
    failed: Option<(TriggerKind, FormState)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (training, triggers, attached) = trainings::training(state, id).await?;
    let all = back_office::target_profiles(state).await?;
    let profiles = attached
        .iter()
        .map(|p| (*p, all.iter().find(|t| t.id == *p).map(|t| t.name.clone()).unwrap_or_default()))
        .collect();
    let attachable =
        all.iter().filter(|t| !t.outdated && !attached.contains(&t.id)).map(|t| (t.id, t.name.clone())).collect();
    let tubes = tube_choices(state, page);
    let lang = crate::web::i18n::locale(page.lang);
    let views = TriggerKind::ALL
        .into_iter()
        .map(|kind| {
            let row = triggers.iter().find(|r| r.kind == kind.as_str());
            let view = row.map(|r| TriggerView {
                threshold: r.threshold,
                tubes: r
                    .tube_caps()
                    .into_iter()
                    .map(|(name, cap)| {
                        let title = state
                            .content
                            .tube_by_name(&name)
                            .map(|t| state.content.tube(t).title.get(lang).to_owned())
                            .unwrap_or(name);
                        (title, cap)
                    })
                    .collect(),
            });
            let form = match &failed {
                Some((k, form)) if *k == kind => form.clone(),
                _ => trigger_form(row),
            };
            (kind, view, form)
        })
        .collect();
    Ok(render(
        status,
        &DetailsPage {
            chrome: page.chrome(&training.internal_title),
            href: training.href(&state.content),
            duration: crate::learning::training_pages::duration_label(page.lang, training.duration()),
            training,
            triggers: views,
            tubes,
            profiles,
            attachable,
            can_write: can_write(agent),
        },
    ))
}

/// `GET /admin/trainings/{id}`.
pub async fn details(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<AnyAgent>,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    details_page(&state, &page, &agent.user, id, None, StatusCode::OK).await
}

/// `GET /admin/trainings/{id}/edit`.
pub async fn edit(
    State(state): State<AppState>,
    page: Page,
    _agent: RequireAdmin<Metier>,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (t, _, _) = trainings::training(&state, id).await?;
    let title = format!("{}{}{}", page.t("admin-training-edit-title"), page.chrome("").sep(), t.internal_title);
    Ok(form_page(&state, &page, &title, format!("/admin/trainings/{id}"), form_of(&t), StatusCode::OK))
}

/// `POST /admin/trainings/{id}`: changes a training's fields.
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Metier>,
    Path(id): Path<Uuid>,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    let (before, _, _) = trainings::training(&state, id).await?;
    let new = match parse(&state, &fields) {
        Ok(new) => new,
        Err(errors) => {
            let title =
                format!("{}{}{}", page.t("admin-training-edit-title"), page.chrome("").sep(), before.internal_title);
            let form = refill(&page, &fields, &errors);
            return Ok(form_page(
                &state,
                &page,
                &title,
                format!("/admin/trainings/{id}"),
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    trainings::update(&state, id, new).await?;
    audit(&state, agent.user.id, "training.update", serde_json::json!({ "training": id })).await?;
    Ok(Redirect::to(&format!("/admin/trainings/{id}")).into_response())
}

/// `POST /admin/trainings/{id}/duplicate`: copies it with its triggers.
pub async fn duplicate(
    State(state): State<AppState>,
    agent: RequireAdmin<Metier>,
    Path(id): Path<Uuid>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let copy = trainings::duplicate(&state, id).await?;
    audit(&state, agent.user.id, "training.duplicate", serde_json::json!({ "training": id, "copy": copy })).await?;
    Ok(Redirect::to(&format!("/admin/trainings/{copy}")).into_response())
}

fn kind_of(raw: &str) -> Result<TriggerKind, AppError> {
    TriggerKind::parse(raw).ok_or(AppError::NotFound)
}

/// `POST /admin/trainings/{id}/triggers/{kind}`: sets the prerequisite or goal trigger, a threshold
/// (0–100) and tubes `tube-<name>` = cap (1–8), at least one.
pub async fn set_trigger(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Metier>,
    Path((id, kind)): Path<(Uuid, String)>,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    let kind = kind_of(&kind)?;
    let get = |name: &str| field(&fields, name).unwrap_or("").trim().to_owned();
    let mut check = Check::default();
    let threshold = check.field(
        "threshold",
        "field-threshold-invalid",
        get("threshold").parse::<i64>().ok().filter(|t| (0..=100).contains(t)),
    );
    let mut tubes = Vec::new();
    for t in &state.content.tubes {
        let name = format!("tube-{}", t.name);
        let level = get(&name);
        if level.is_empty() {
            continue;
        }
        match level.parse::<i64>() {
            Ok(l) if (1..=8).contains(&l) => tubes.push((t.name.clone(), l)),
            _ => check.require(&name, "field-level-invalid", false),
        }
    }
    check.require("tubes", "field-profile-tubes-required", !tubes.is_empty());
    let trigger = match check.finish(|| Some(TriggerFields { kind, threshold: threshold?, tubes })) {
        Ok(t) => t,
        Err(errors) => {
            let form = refill(&page, &fields, &errors);
            return details_page(&state, &page, &agent.user, id, Some((kind, form)), StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    trainings::set_trigger(&state, id, &trigger).await?;
    audit(
        &state,
        agent.user.id,
        "training.trigger",
        serde_json::json!({ "training": id, "type": kind.as_str(), "threshold": trigger.threshold, "tubes": trigger.tubes }),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/trainings/{id}#trigger-{}", kind.as_str())).into_response())
}

/// `POST /admin/trainings/{id}/triggers/{kind}/delete`.
pub async fn delete_trigger(
    State(state): State<AppState>,
    agent: RequireAdmin<Metier>,
    Path((id, kind)): Path<(Uuid, String)>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let kind = kind_of(&kind)?;
    if !trainings::remove_trigger(&state, id, kind).await? {
        return Err(AppError::NotFound);
    }
    audit(
        &state,
        agent.user.id,
        "training.trigger.delete",
        serde_json::json!({ "training": id, "type": kind.as_str() }),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/trainings/{id}")).into_response())
}

/// Attaching a target profile.
#[derive(Debug, Deserialize)]
pub struct AttachForm {
    #[serde(default)]
    target_profile: String,
}

/// `POST /admin/trainings/{id}/profiles`: attaches a target profile.
pub async fn attach(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Metier>,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<AttachForm>,
) -> Result<Response, AppError> {
    let Some(profile) = back_office::typed_profile(&state, &f.target_profile).await? else {
        trainings::training(&state, id).await?;
        let back = format!("/admin/trainings/{id}");
        return Ok(crate::web::layout::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            page.chrome_t("admin-trainings-title"),
            vec![page.t("field-target-profile-required")],
            Some((&back, page.t("admin-training-back"))),
        ));
    };
    trainings::attach(&state, id, profile).await?;
    audit(
        &state,
        agent.user.id,
        "training.profile.attach",
        serde_json::json!({ "training": id, "target_profile": profile }),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/trainings/{id}#profiles")).into_response())
}

/// `POST /admin/trainings/{id}/profiles/{profile_id}/detach`.
pub async fn detach(
    State(state): State<AppState>,
    agent: RequireAdmin<Metier>,
    Path((id, profile)): Path<(Uuid, Uuid)>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    if !trainings::detach(&state, id, profile).await? {
        return Err(AppError::NotFound);
    }
    audit(
        &state,
        agent.user.id,
        "training.profile.detach",
        serde_json::json!({ "training": id, "target_profile": profile }),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/trainings/{id}#profiles")).into_response())
}
