//! "Mes attestations": the attestations a learner obtained, and their documents.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use super::service::{self, Obtained};
use crate::{
    AppState,
    identity::{
        CurrentUser,
        guard::{AnyMember, OrganizationAccess},
        request::Page,
    },
    web::{
        error::AppError,
        layout::{Chrome, render},
    },
};

#[derive(Template)]
#[template(path = "quests/mine.html")]
struct MinePage {
    chrome: Chrome,
    attestations: Vec<(Obtained, String)>,
}

/// `GET /mes-attestations`: evaluates the learner's quests (catching up on anything a background
/// evaluation missed), then lists what they obtained.
pub async fn mine(State(state): State<AppState>, page: Page, me: CurrentUser) -> Result<Response, AppError> {
    service::reward(&state, me.id).await?;
    let attestations = service::obtained(&state, me.id)
        .await?
        .into_iter()
        .map(|o| {
            let date = crate::clock::paris_datetime(o.at).chars().take(10).collect();
            (o, date)
        })
        .collect();
    Ok(render(StatusCode::OK, &MinePage { chrome: page.chrome_t("my-attestations-title"), attestations }))
}

/// `GET /mes-attestations/{key}`: the document, for its holder only (not found for anyone else).
pub async fn download(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let pdf = service::attestation_pdf(&state, me.id, &key, page.lang).await?;
    Ok(pdf_response(&key, pdf))
}

/// A PDF to download, never cached by a shared cache (it names its holder).
pub fn pdf_response(key: &str, pdf: Vec<u8>) -> Response {
    let name: String = key.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"attestation-{name}.pdf\"")),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        pdf,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "quests/orga.html")]
struct OrgaPage {
    chrome: Chrome,
    organization: uuid::Uuid,
    organization_name: String,
    divisions: Vec<String>,
    division: String,
    /// (reward, learner's name, class, attestation title, date).
    rows: Vec<(uuid::Uuid, String, String, String, String)>,
    /// The class documents to download: (key, class, title, count).
    class_documents: Vec<(String, String, String, usize)>,
    /// The back office enabled the tab.
    enabled: bool,
}

/// The class filter.
#[derive(Debug, serde::Deserialize, Default)]
pub struct ClassQuery {
    /// A class, or empty for all.
    #[serde(default)]
    division: String,
    /// An attestation's key (for a class's document).
    #[serde(default)]
    key: String,
}

/// `GET /orga/{organization_id}/attestations?division=`: the attestations shared with the
/// organisation, by class.
pub async fn orga(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    axum::extract::Query(q): axum::extract::Query<ClassQuery>,
) -> Result<Response, AppError> {
    let organization = crate::prescription::service::organization(&state, access.organization).await?;
    let attestations = service::attestations(&state).await?;
    let shared = service::shared_with(&state, access.organization).await?;
    // The classes to filter by (pupils without a class are listed under every class: "all").
    let mut divisions: Vec<String> =
        shared.iter().filter_map(|r| r.division.clone()).filter(|d| !d.is_empty()).collect();
    divisions.sort();
    divisions.dedup();
    let division = q.division.trim().to_owned();
    let of_class: Vec<&service::SharedAttestation> =
        shared.iter().filter(|r| division.is_empty() || r.division.as_deref().unwrap_or("") == division).collect();
    let label =
        |key: &str| attestations.iter().find(|a| a.key == key).map_or_else(|| key.to_owned(), |a| a.label.clone());
    let rows = of_class
        .iter()
        .map(|r| {
            let date = crate::clock::paris_datetime(r.obtained_at).chars().take(10).collect();
            (
                r.reward_id,
                format!("{} {}", r.last_name, r.first_name),
                r.division.clone().unwrap_or_default(),
                label(&r.reward_key),
                date,
            )
        })
        .collect();
    // One document per class and attestation, for the classes shown.
    let mut class_documents: Vec<(String, String, String, usize)> = Vec::new();
    for r in &of_class {
        let class = r.division.clone().unwrap_or_default();
        match class_documents.iter_mut().find(|(k, d, _, _)| *k == r.reward_key && *d == class) {
            Some(entry) => entry.3 += 1,
            None => class_documents.push((r.reward_key.clone(), class, label(&r.reward_key), 1)),
        }
    }
    Ok(render(
        StatusCode::OK,
        &OrgaPage {
            chrome: page.chrome_t("orga-attestations-title"),
            organization: access.organization,
            organization_name: organization.name,
            divisions,
            division,
            rows,
            class_documents,
            enabled: organization.attestations_enabled,
        },
    ))
}

/// `GET /orga/{organization_id}/attestations/{reward_id}/pdf`: one learner's attestation.
pub async fn orga_pdf(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    Path((_, reward)): Path<(uuid::Uuid, uuid::Uuid)>,
) -> Result<Response, AppError> {
    let pdf = service::shared_pdf(&state, access.organization, reward, page.lang).await?;
    Ok(pdf_response("learner", pdf))
}

/// `GET /orga/{organization_id}/attestations/class?key=&division=`: a class's attestations of one
/// kind, one per page.
pub async fn class_pdf(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    axum::extract::Query(q): axum::extract::Query<ClassQuery>,
) -> Result<Response, AppError> {
    let pdf = service::class_pdf(&state, access.organization, &q.key, q.division.trim(), page.lang)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(pdf_response(&format!("{}_{}", q.key, q.division.trim()), pdf))
}

/// `GET /orga/{organization_id}/attestations/class.zip?key=&division=`: a class's attestations of
/// one kind as one PDF per learner in a ZIP.
pub async fn class_zip(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    axum::extract::Query(q): axum::extract::Query<ClassQuery>,
) -> Result<Response, AppError> {
    let zip = service::class_zip(&state, access.organization, &q.key, q.division.trim(), page.lang)
        .await?
        .ok_or(AppError::NotFound)?;
    let name: String = format!("attestations-{}_{}", q.key, q.division.trim())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.zip\"")),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        zip,
    )
        .into_response())
}
