//! The organisations side as JSON, for learners' apps and schools' information systems: campaigns
//! of an organisation, their shared results and export; joining a campaign and sharing.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    model::{CampaignFields, CampaignType, NewCampaign, ParticipationStatus},
    orga::{ResultFilters, Scoring, filtered_results},
    service::{self, StartRefused},
    store,
};
use crate::identity::request::{CsrfHeader, CsrfJson};
use crate::{
    AppState,
    identity::{
        CurrentUser,
        guard::{AnyMember, OrganizationAccess},
    },
    web::i18n::locale,
    web::{error::AppError, i18n::Lang},
};

/// A campaign of an organisation.
#[derive(Serialize, ToSchema)]
pub struct CampaignJson {
    id: Uuid,
    code: String,
    name: String,
    title: String,
    #[schema(value_type = String)]
    r#type: CampaignType,
    target_profile_id: Option<Uuid>,
    archived: bool,
    created_at: i64,
    participants: i64,
    shared: i64,
    /// Link learners follow to join.
    join_url: String,
}

/// The organisation's campaigns (archived ones with `archived=true`).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignsQuery {
    /// List the archived campaigns instead.
    #[serde(default)]
    archived: bool,
}

/// Lists an organisation's campaigns with their participant counts.
#[utoipa::path(get, path = "/api/organizations/{organization_id}/campaigns", tag = "organizations",
    params(("organization_id" = Uuid, Path), CampaignsQuery), responses((status = 200, body = Vec<CampaignJson>)))]
pub async fn campaigns(
    State(state): State<AppState>,
    access: OrganizationAccess<AnyMember>,
    Query(q): Query<CampaignsQuery>,
) -> Result<Json<Vec<CampaignJson>>, AppError> {
    let list = store::campaigns_of_organization(&state.db, access.organization, q.archived).await?;
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        let full = service::campaign_of(&state, access.organization, c.id).await?;
        out.push(CampaignJson {
            id: c.id,
            join_url: format!("{}/campagnes/{}", state.settings.public_url, c.code),
            code: c.code,
            name: c.name,
            title: full.title,
            r#type: CampaignType::parse(&c.campaign_type).unwrap_or(CampaignType::Assessment),
            target_profile_id: full.target_profile_id,
            archived: c.archived_at.is_some(),
            created_at: c.created_at,
            participants: c.participants,
            shared: c.shared,
        });
    }
    Ok(Json(out))
}

/// A new campaign.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaignBody {
    name: String,
    /// Shown to learners (the name when empty).
    #[serde(default)]
    title: String,
    #[schema(value_type = String)]
    r#type: CampaignType,
    /// Required for ASSESSMENT and EXAM.
    target_profile_id: Option<Uuid>,
    /// Asked to learners at start, when set.
    external_id_label: Option<String>,
    /// STRING or EMAIL.
    external_id_type: Option<String>,
    #[serde(default)]
    landing_text: String,
    #[serde(default)]
    end_text: String,
    #[serde(default)]
    end_button_text: String,
    #[serde(default)]
    end_button_url: String,
    #[serde(default)]
    multiple_sendings: bool,
}

/// Creates a campaign of the organisation (422 with field errors when invalid).
#[utoipa::path(post, path = "/api/organizations/{organization_id}/campaigns", tag = "organizations",
    params(("organization_id" = Uuid, Path)), request_body = NewCampaignBody, responses((status = 201, body = CampaignJson)))]
pub async fn create_campaign(
    State(state): State<AppState>,
    access: OrganizationAccess<AnyMember>,
    CsrfJson(body): CsrfJson<NewCampaignBody>,
) -> Result<Response, AppError> {
    let profile = body.target_profile_id.map(|p| p.to_string()).unwrap_or_default();
    let fields = CampaignFields {
        name: &body.name,
        title: &body.title,
        kind: body.r#type.as_str(),
        target_profile: &profile,
        external_id_label: body.external_id_label.as_deref().unwrap_or(""),
        external_id_type: body.external_id_type.as_deref().unwrap_or(""),
        landing_text: &body.landing_text,
        end_text: &body.end_text,
        end_button_text: &body.end_button_text,
        end_button_url: &body.end_button_url,
        multiple_sendings: body.multiple_sendings,
    };
    let new = NewCampaign::try_from(fields).map_err(AppError::Invalid)?;
    let c =
        service::create_campaign(&state, access.organization, access.user.id, new).await?.map_err(AppError::Invalid)?;
    let json = CampaignJson {
        id: c.id,
        join_url: format!("{}/campagnes/{}", state.settings.public_url, c.code),
        code: c.code.clone(),
        name: c.name.clone(),
        title: c.title.clone(),
        r#type: c.kind(),
        target_profile_id: c.target_profile_id,
        archived: false,
        created_at: c.created_at,
        participants: 0,
        shared: 0,
    };
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

/// A shared result of a campaign.
#[derive(Serialize, ToSchema)]
pub struct ResultJson {
    participation_id: Uuid,
    last_name: String,
    first_name: String,
    division: Option<String>,
    group: Option<String>,
    student_number: Option<String>,
    external_id: Option<String>,
    started_at: i64,
    shared_at: Option<i64>,
    /// Mastery in [0, 1] (tests).
    mastery_rate: Option<f64>,
    /// Stages reached beyond the first one (which everyone reaches), as in the CSV export;
    /// none when the target profile has no stages.
    stage: Option<usize>,
    /// Keys of the badges won.
    badges: Vec<String>,
    /// Total pix (profiles collections).
    pix_score: Option<i64>,
}

/// Paging of results.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Page (from 1), 50 results a page.
    #[serde(default)]
    page: Option<i64>,
    /// Part of the participant's name.
    #[serde(default)]
    search: Option<String>,
    /// Division or group.
    #[serde(default)]
    division: Option<String>,
    /// Stage reached, as in `stage` of the results.
    #[serde(default)]
    stage: Option<usize>,
    /// Key of a badge won.
    #[serde(default)]
    badge: Option<String>,
}

/// The shared results of a campaign, 50 a page, by name (nothing is visible before sharing).
#[utoipa::path(get, path = "/api/organizations/{organization_id}/campaigns/{campaign_id}/results", tag = "organizations",
    params(("organization_id" = Uuid, Path), ("campaign_id" = Uuid, Path), ResultsQuery), responses((status = 200, body = Vec<ResultJson>)))]
pub async fn results(
    State(state): State<AppState>,
    access: OrganizationAccess<AnyMember>,
    Path((_, campaign_id)): Path<(Uuid, Uuid)>,
    Query(q): Query<ResultsQuery>,
) -> Result<Json<Vec<ResultJson>>, AppError> {
    let c = service::campaign_of(&state, access.organization, campaign_id).await?;
    let page = crate::identity::request::page_number(q.page);
    let scoring = Scoring::of(&state, &c).await?;
    let filters = ResultFilters {
        search: q.search.unwrap_or_default(),
        division: q.division.unwrap_or_default(),
        stage: q.stage,
        badge: q.badge.filter(|b| !b.is_empty()),
    };
    let (rows, _) = filtered_results(&state, &c, &scoring, &filters, page).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(r, _, stage, won)| {
                let badges = won.into_iter().map(|i| scoring.badges[i].0.key.clone()).collect();
                ResultJson {
                    participation_id: r.id,
                    last_name: r.last_name,
                    first_name: r.first_name,
                    division: r.division,
                    group: r.group_name,
                    student_number: r.student_number,
                    external_id: r.external_id,
                    started_at: r.created_at,
                    shared_at: r.shared_at,
                    mastery_rate: r.mastery_rate,
                    stage,
                    badges,
                    pix_score: r.pix_score,
                }
            })
            .collect(),
    ))
}

/// Language of an export.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `fr` (the reference's labels, default) or `en`.
    #[serde(default)]
    lang: Option<Lang>,
}

/// The campaign's results as CSV (`;`, BOM, decimal commas, Europe/Paris dates), streamed.
#[utoipa::path(get, path = "/api/organizations/{organization_id}/campaigns/{campaign_id}/export", tag = "organizations",
    params(("organization_id" = Uuid, Path), ("campaign_id" = Uuid, Path), ExportQuery),
    responses((status = 200, description = "CSV file", content_type = "text/csv")))]
pub async fn export(
    State(state): State<AppState>,
    access: OrganizationAccess<AnyMember>,
    Path((_, campaign_id)): Path<(Uuid, Uuid)>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let c = service::campaign_of(&state, access.organization, campaign_id).await?;
    let organization = service::organization(&state, access.organization).await?;
    super::export::export(&state, organization, c, q.lang.unwrap_or_default()).await
}

/// A campaign as a learner sees it before joining.
#[derive(Serialize, ToSchema)]
pub struct CampaignInfo {
    code: String,
    title: String,
    organization: String,
    #[schema(value_type = String)]
    r#type: CampaignType,
    landing_text: String,
    /// Label of the identifier asked at start, if any.
    external_id_label: Option<String>,
    /// STRING or EMAIL.
    external_id_type: Option<String>,
    /// Open to new participations.
    open: bool,
}

/// A campaign by its code (anyone signed in may look it up).
#[utoipa::path(get, path = "/api/campaigns/{code}", tag = "campaigns", params(("code" = String, Path, description = "campaign code")),
    responses((status = 200, body = CampaignInfo)))]
pub async fn campaign(
    State(state): State<AppState>,
    _me: CurrentUser,
    Path(code): Path<String>,
) -> Result<Json<CampaignInfo>, AppError> {
    let c = service::campaign_by_code(&state, &code).await?;
    let organization = service::organization(&state, c.organization_id).await?.name;
    Ok(Json(CampaignInfo {
        open: c.accessible(),
        r#type: c.kind(),
        code: c.code,
        title: c.title,
        organization,
        landing_text: c.landing_text,
        external_id_label: c.external_id_label,
        external_id_type: c.external_id_type,
    }))
}

/// Joining a campaign.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinBody {
    /// The learner agrees to share their results with the organisation when they choose to.
    consent: bool,
    /// The identifier the campaign asks for, if any.
    #[serde(default)]
    external_id: String,
    /// For organisations with a learner list, on first joining: the names and birth date
    /// (`YYYY-MM-DD` or `jj/mm/aaaa`) the list has for the learner.
    #[serde(default)]
    identity: Option<super::learners::Identity>,
}

/// A participation as its learner sees it.
#[derive(Serialize, ToSchema)]
pub struct ParticipationJson {
    id: Uuid,
    campaign_code: String,
    #[schema(value_type = String)]
    status: ParticipationStatus,
    /// The assessment to answer (tests), with `/api/assessments/{id}`.
    assessment_id: Option<Uuid>,
    created_at: i64,
    shared_at: Option<i64>,
    /// Mastery in whole percent (tests).
    mastery_percent: Option<u32>,
}

async fn participation_json(
    state: &AppState,
    code: &str,
    p: &super::model::Participation,
) -> Result<ParticipationJson, AppError> {
    let campaign = store::campaign(&state.db, p.campaign_id).await?.ok_or(AppError::NotFound)?;
    let mastery = if campaign.kind().has_test() && p.state() != ParticipationStatus::Started {
        Some(service::results(state, &campaign, p).await?.mastery_percent)
    } else {
        None
    };
    Ok(ParticipationJson {
        id: p.id,
        campaign_code: code.to_owned(),
        status: p.state(),
        assessment_id: store::assessment_of_participation(&state.db, p.id).await?,
        created_at: p.created_at,
        shared_at: p.shared_at,
        mastery_percent: mastery,
    })
}

/// Joins a campaign (or resumes the participation under way). 409 when the campaign is closed.
#[utoipa::path(post, path = "/api/campaigns/{code}/participations", tag = "campaigns", params(("code" = String, Path)),
    request_body = JoinBody, responses((status = 201, body = ParticipationJson)))]
pub async fn join(
    State(state): State<AppState>,
    lang: Lang,
    me: CurrentUser,
    Path(code): Path<String>,
    CsrfJson(body): CsrfJson<JoinBody>,
) -> Result<Response, AppError> {
    let campaign = service::campaign_by_code(&state, &code).await?;
    if !body.consent {
        return Err(AppError::Invalid(vec![crate::web::error::FieldError {
            field: "consent".into(),
            code: "field-campaign-consent-required".into(),
        }]));
    }
    let who = body.identity.unwrap_or_default();
    match service::start(&state, &campaign, &me, &body.external_id, &who, locale(lang)).await? {
        Ok(p) => Ok((StatusCode::CREATED, Json(participation_json(&state, &campaign.code, &p).await?)).into_response()),
        Err(StartRefused::Invalid(errors)) => Err(AppError::Invalid(errors)),
        Err(StartRefused::Closed) => Err(AppError::Conflict),
        Err(StartRefused::Locked(until)) => Err(AppError::TooManyRequests {
            retry_after: crate::web::limit::retry_after_until(state.clock.now_micros(), until),
        }),
    }
}

/// Shares a finished participation with the organisation. 409 when it is not finished (or
/// already shared, or the campaign closed).
#[utoipa::path(post, path = "/api/participations/{id}/share", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = ParticipationJson)))]
pub async fn share(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    _: CsrfHeader,
) -> Result<Json<ParticipationJson>, AppError> {
    let before = service::own_participation(&state, me.id, id).await?;
    if !service::share(&state, me.id, id).await? {
        return Err(AppError::Conflict);
    }
    let p = service::own_participation(&state, me.id, before.id).await?;
    let code = store::campaign(&state.db, p.campaign_id).await?.map(|c| c.code).unwrap_or_default();
    Ok(Json(participation_json(&state, &code, &p).await?))
}

/// The trainings the test of one of my participations recommended.
#[utoipa::path(get, path = "/api/participations/{id}/trainings", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<crate::learning::training_api::RecommendedTraining>)))]
pub async fn trainings(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<crate::learning::training_api::RecommendedTraining>>, AppError> {
    let p = service::own_participation(&state, me.id, id).await?;
    let rows = crate::learning::trainings::of_participation(&state, p.id).await?;
    Ok(Json(crate::learning::training_api::json(&state, rows)))
}

/// My participations, latest first.
#[utoipa::path(get, path = "/api/me/participations", tag = "campaigns", responses((status = 200, body = Vec<ParticipationJson>)))]
pub async fn mine(State(state): State<AppState>, me: CurrentUser) -> Result<Json<Vec<ParticipationJson>>, AppError> {
    let mut out = Vec::new();
    for row in store::participations_of_user(&state.db, me.id).await? {
        let p = service::own_participation(&state, me.id, row.id).await?;
        out.push(participation_json(&state, &row.code, &p).await?);
    }
    Ok(Json(out))
}
