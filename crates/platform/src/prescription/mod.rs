//! Prescription: organisations (schools, universities, employers), their members, target
//! profiles, campaigns and participations — the reference's Pix Orga, and the learner's side of
//! campaigns.

pub(crate) mod api;
pub(crate) mod back_office;
pub mod demo;
pub mod export;
pub(crate) mod import;
pub mod learners;
pub(crate) mod members;
pub(crate) mod model;
pub(crate) mod orga;
pub(crate) mod pages;
pub mod service;
pub mod store;
pub(crate) mod test;

use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{AppState, db::Tx, personal_data, web::error::AppError, web::routes::Pages};

/// Pages of the learner's side and of the organisation's side.
pub fn pages() -> Pages {
    Pages::new()
        .get("/campagnes", pages::enter)
        .get("/campagnes/{code}", pages::landing)
        .post("/campagnes/{code}/start", pages::start)
        .get("/campagnes/{code}/resultats", pages::end)
        .post("/campagnes/{code}/partager", pages::share)
        .get("/orga", orga::home)
        .get("/orga/{organization_id}/campaigns", orga::campaigns)
        .get("/orga/{organization_id}/campaigns/new", orga::new_campaign)
        .post("/orga/{organization_id}/campaigns", orga::create_campaign)
        .get("/orga/{organization_id}/campaigns/{campaign_id}", orga::activity)
        .get("/orga/{organization_id}/campaigns/{campaign_id}/results", orga::results)
        .get("/orga/{organization_id}/campaigns/{campaign_id}/analysis", orga::campaign_analysis)
        .get("/orga/{organization_id}/campaigns/{campaign_id}/export.csv", api::export)
        .post("/orga/{organization_id}/campaigns/{campaign_id}/archive", orga::archive)
        .get("/orga/{organization_id}/campaigns/{campaign_id}/participants/{participation_id}", orga::participant)
        .get(
            "/orga/{organization_id}/campaigns/{campaign_id}/participants/{participation_id}/delete",
            orga::confirm_delete_participation,
        )
        .post(
            "/orga/{organization_id}/campaigns/{campaign_id}/participants/{participation_id}/delete",
            orga::delete_participation,
        )
        .get("/orga/{organization_id}/learners", learners::learners)
        .post("/orga/{organization_id}/learners/import", learners::import_form)
        .get("/orga/{organization_id}/learners/imports/{import_id}", learners::preview_page)
        .post("/orga/{organization_id}/learners/imports/{import_id}/confirm", learners::confirm_form)
        .post("/orga/{organization_id}/learners/imports/{import_id}/cancel", learners::cancel_form)
        .get("/orga/{organization_id}/learners/template.csv", learners::template)
        .get("/orga/{organization_id}/members", members::members)
        .post("/orga/{organization_id}/invitations", members::invite_form)
        .post("/orga/{organization_id}/invitations/{invitation_id}/resend", members::resend_form)
        .post("/orga/{organization_id}/invitations/{invitation_id}/cancel", members::cancel_form)
        .post("/orga/{organization_id}/members/{user_id}/role", members::role_form)
        .post("/orga/{organization_id}/members/{user_id}/remove", members::remove_form)
        .get("/invitations/{id}", members::invitation_page)
        .post("/invitations/{id}/accept", members::accept_form)
}

/// The API of both sides.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::campaigns, api::create_campaign))
        .routes(routes!(api::results))
        .routes(routes!(api::export))
        .routes(routes!(api::campaign))
        .routes(routes!(api::join))
        .routes(routes!(api::share))
        .routes(routes!(api::trainings))
        .routes(routes!(api::mine))
        .routes(routes!(learners::api_learners))
        .routes(routes!(learners::api_import))
        .routes(routes!(learners::api_preview, learners::api_cancel))
        .routes(routes!(learners::api_confirm))
        .routes(routes!(members::api_members))
        .routes(routes!(members::api_invitations, members::api_invite))
        .routes(routes!(members::api_cancel))
        .routes(routes!(members::api_role, members::api_remove))
        .routes(routes!(members::api_accept))
}

/// Participations and what was shared; erasure removes the person's identity from every
/// organisation's lists, results and exports (the results stay, anonymous).
pub const PERSONAL_DATA: personal_data::Context = personal_data::Context {
    name: "prescription",
    export: |state, user| Box::pin(export_sections(state, user)),
    erase: Some(|tx, user, _now| Box::pin(erase_step(tx, user))),
};

async fn export_sections(state: &AppState, user: Uuid) -> Result<Vec<(&'static str, Value)>, AppError> {
    let participations = store::all_participations_of_user(&state.db, user).await?;
    let mut out = Vec::new();
    for p in participations {
        let campaign = store::campaign(&state.db, p.campaign_id).await?;
        out.push(json!({
            "id": p.id,
            "campaign_code": campaign.as_ref().map(|c| c.code.clone()),
            "campaign_title": campaign.as_ref().map(|c| c.title.clone()),
            "organization_id": campaign.as_ref().map(|c| c.organization_id),
            "external_id": p.external_id,
            "status": p.status,
            "created_at": p.created_at,
            "shared_at": p.shared_at,
            "shared_with_organization": p.snapshot.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()),
            "mastery_rate": p.mastery_rate,
            "pix_score": p.pix_score,
            "deleted_by_organization_at": p.deleted_at,
        }));
    }
    let learners = store::learner_entries_of_user(&state.db, user).await?;
    Ok(vec![("campaign_participations", json!(out)), ("organization_learner_entries", json!(learners))])
}

async fn erase_step(tx: &mut Tx, user: &crate::personal_data::Erased) -> Result<(), sqlx::Error> {
    store::anonymise_learners_of_user(&mut *tx, user.id).await
}
