//! Back office for quests and attestations (docs/quests.md): define an attestation (key, title,
//! text), add a quest in the reference's JSON format, remove one. Any agent reads; business agents
//! and super admins write, audited.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    AppState,
    identity::{
        guard::{AnyAgent, Metier, RequireAdmin},
        model::{AdminRole, Check},
        request::{CsrfForm, NoFields, Page},
    },
    quests::service::{self, Attestation, QuestRow},
    web::{
        error::{AppError, FieldError},
        form::FormState,
        layout::{Chrome, render},
    },
};

#[derive(Template)]
#[template(path = "admin/quests.html")]
struct QuestsPage {
    chrome: Chrome,
    attestations: Vec<Attestation>,
    quests: Vec<QuestRow>,
    can_write: bool,
    attestation_form: FormState,
    quest_form: FormState,
    /// Why the last quest was refused, in the agent's words.
    quest_error: String,
}

struct Forms {
    attestation: FormState,
    quest: FormState,
    quest_error: String,
}

async fn page_with(
    state: &AppState,
    page: &Page,
    agent: &crate::identity::CurrentUser,
    forms: Forms,
    status: StatusCode,
) -> Result<Response, AppError> {
    Ok(render(
        status,
        &QuestsPage {
            chrome: page.chrome_t("admin-quests-title"),
            attestations: service::attestations(state).await?,
            quests: service::quests(state).await?,
            can_write: agent.has_admin_role(&[AdminRole::Metier, AdminRole::SuperAdmin]),
            attestation_form: forms.attestation,
            quest_form: forms.quest,
            quest_error: forms.quest_error,
        },
    ))
}

/// `GET /admin/quests`.
pub async fn quests(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<AnyAgent>,
) -> Result<Response, AppError> {
    let forms = Forms { attestation: FormState::new(), quest: FormState::new(), quest_error: String::new() };
    page_with(&state, &page, &agent.user, forms, StatusCode::OK).await
}

/// The attestation form.
#[derive(Debug, Deserialize)]
pub struct AttestationForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    body: String,
}

/// `POST /admin/attestations`: defines (or changes) an attestation.
pub async fn save_attestation(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Metier>,
    CsrfForm(f): CsrfForm<AttestationForm>,
) -> Result<Response, AppError> {
    let key = f.key.trim().to_uppercase();
    let (label, body) = (f.label.trim(), f.body.trim());
    let mut check = Check::default();
    check.require(
        "key",
        "field-attestation-key-invalid",
        (1..=50).contains(&key.len()) && key.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
    );
    check.require("label", "field-attestation-label-invalid", (1..=255).contains(&label.chars().count()));
    check.require("body", "field-attestation-body-invalid", (1..=4000).contains(&body.chars().count()));
    if let Err(errors) = check.finish(|| Some(())) {
        let form = FormState::new().keep("key", &f.key).keep("label", label).keep("body", body);
        let forms = Forms {
            attestation: form.with_errors(page.lang, &errors),
            quest: FormState::new(),
            quest_error: String::new(),
        };
        return page_with(&state, &page, &agent.user, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    service::save_attestation(&state, &key, label, body).await?;
    crate::audit::write(
        &state,
        Some(agent.user.id),
        "attestation.save",
        None,
        "back office",
        serde_json::json!({ "key": key }),
    )
    .await?;
    Ok(Redirect::to("/admin/quests#attestations").into_response())
}

/// The quest form: the reference's JSON configuration.
#[derive(Debug, Deserialize)]
pub struct QuestForm {
    #[serde(default)]
    configuration: String,
}

/// `POST /admin/quests`: adds a quest.
pub async fn create_quest(
    State(state): State<AppState>,
    page: Page,
    agent: RequireAdmin<Metier>,
    CsrfForm(f): CsrfForm<QuestForm>,
) -> Result<Response, AppError> {
    let config = match service::check_config(&state, &f.configuration).await? {
        Ok(c) => c,
        Err(why) => {
            let errors = [FieldError { field: "configuration".into(), code: "field-quest-invalid".into() }];
            let forms = Forms {
                attestation: FormState::new(),
                quest: FormState::new().keep("configuration", &f.configuration).with_errors(page.lang, &errors),
                quest_error: why,
            };
            return page_with(&state, &page, &agent.user, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let id = service::create_quest(&state, &config).await?;
    crate::audit::write(
        &state,
        Some(agent.user.id),
        "quest.create",
        None,
        "back office",
        serde_json::json!({ "quest": id, "reward": config.reward_id }),
    )
    .await?;
    Ok(Redirect::to("/admin/quests#quests").into_response())
}

/// `POST /admin/quests/{id}/delete`: removes a quest (the rewards it granted stay).
pub async fn delete_quest(
    State(state): State<AppState>,
    agent: RequireAdmin<Metier>,
    Path(id): Path<Uuid>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    if !service::delete_quest(&state, id).await? {
        return Err(AppError::NotFound);
    }
    crate::audit::write(
        &state,
        Some(agent.user.id),
        "quest.delete",
        None,
        "back office",
        serde_json::json!({ "quest": id }),
    )
    .await?;
    Ok(Redirect::to("/admin/quests#quests").into_response())
}
