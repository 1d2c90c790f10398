//! The organisation's side (Pix Orga): campaigns, their activity, results and analysis, one
//! participant's results, archiving, and deleting a participation. Every route names the
//! organisation and is guarded by `OrganizationAccess`.

use std::collections::{BTreeMap, HashSet};

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use content::SkillIdx;
use engine::campaign as rules;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    model::{Campaign, CampaignFields, CampaignType, NewCampaign, Snapshot},
    service, store,
};
use crate::identity::request::{CsrfForm, NoFields, Page};
use crate::{
    AppState,
    identity::{
        CurrentUser,
        guard::{AnyMember, OrganizationAccess},
        model::MemberRole,
    },
    web::i18n::locale,
    web::{
        error::AppError,
        form::FormState,
        layout::{Chrome, render},
    },
};

/// Rows per page of results and participants.
pub const PAGE_SIZE: i64 = 50;

#[derive(Template)]
#[template(path = "prescription/orga_home.html")]
struct OrgaHome {
    chrome: Chrome,
    items: Vec<(Uuid, String, MemberRole)>,
}

/// `GET /orga`: the caller's organisations (straight to the only one).
pub async fn home(page: Page, me: CurrentUser) -> Result<Response, AppError> {
    match me.organizations.as_slice() {
        [] => Err(AppError::Forbidden),
        [(id, _, _)] => Ok(Redirect::to(&format!("/orga/{id}/campaigns")).into_response()),
        many => Ok(render(StatusCode::OK, &OrgaHome { chrome: page.chrome_t("orga-title"), items: many.to_vec() })),
    }
}

#[derive(Template)]
#[template(path = "prescription/campaigns.html")]
struct CampaignsPage {
    chrome: Chrome,
    organization: Uuid,
    organization_name: String,
    others: Vec<(Uuid, String)>,
    campaigns: Vec<store::CampaignSummary>,
    archived: bool,
    mine: bool,
    /// The organisation is archived: read-only.
    read_only: bool,
}

/// Filters of the campaign list.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    archived: Option<String>,
    mine: Option<String>,
}

/// `GET /orga/{organization_id}/campaigns`
pub async fn campaigns(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let organization = service::organization(&state, access.organization).await?;
    let archived = q.archived.is_some();
    let mine = q.mine.is_some();
    let mut campaigns = store::campaigns_of_organization(&state.db, access.organization, archived).await?;
    if mine {
        campaigns.retain(|c| c.owner_id == Some(access.user.id));
    }
    let others = access
        .user
        .organizations
        .iter()
        .filter(|(id, _, _)| *id != access.organization)
        .map(|(id, n, _)| (*id, n.clone()))
        .collect();
    Ok(render(
        StatusCode::OK,
        &CampaignsPage {
            chrome: page.chrome(&organization.name),
            organization: access.organization,
            organization_name: organization.name,
            others,
            campaigns,
            archived,
            mine,
            read_only: organization.archived_at.is_some(),
        },
    ))
}

#[derive(Template)]
#[template(path = "prescription/campaign_new.html")]
struct NewCampaignPage {
    chrome: Chrome,
    organization: Uuid,
    /// "For the organisation …".
    for_organization: String,
    profiles: Vec<(Uuid, String)>,
    exam_allowed: bool,
    form: FormState,
}

async fn new_campaign_page(
    state: &AppState,
    page: &Page,
    org: Uuid,
    form: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    let organization = service::organization(state, org).await?;
    let profiles = store::profiles_of_organization(&state.db, org).await?.into_iter().map(|p| (p.id, p.name)).collect();
    Ok(render(
        status,
        &NewCampaignPage {
            chrome: page.chrome_t("campaign-new-title"),
            organization: org,
            for_organization: page.lang.t_args("campaign-new-for", &[("organization", &organization.name)]),
            profiles,
            exam_allowed: organization.exam_campaigns,
            form,
        },
    ))
}

/// `GET /orga/{organization_id}/campaigns/new`
pub async fn new_campaign(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
) -> Result<Response, AppError> {
    let form = FormState::new().keep("kind", "ASSESSMENT").keep("external_id_type", "STRING");
    new_campaign_page(&state, &page, access.organization, form, StatusCode::OK).await
}

/// The new-campaign form.
#[derive(Debug, Deserialize)]
pub struct CampaignForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    target_profile: String,
    #[serde(default)]
    external_id_label: String,
    #[serde(default)]
    external_id_type: String,
    #[serde(default)]
    landing_text: String,
    #[serde(default)]
    end_text: String,
    #[serde(default)]
    end_button_text: String,
    #[serde(default)]
    end_button_url: String,
    #[serde(default)]
    multiple_sendings: String,
}

impl CampaignForm {
    fn fields(&self) -> CampaignFields<'_> {
        CampaignFields {
            name: &self.name,
            title: &self.title,
            kind: &self.kind,
            target_profile: &self.target_profile,
            external_id_label: &self.external_id_label,
            external_id_type: &self.external_id_type,
            landing_text: &self.landing_text,
            end_text: &self.end_text,
            end_button_text: &self.end_button_text,
            end_button_url: &self.end_button_url,
            multiple_sendings: self.multiple_sendings == "yes",
        }
    }
}

/// `POST /orga/{organization_id}/campaigns`
pub async fn create_campaign(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    CsrfForm(f): CsrfForm<CampaignForm>,
) -> Result<Response, AppError> {
    let outcome = match NewCampaign::try_from(f.fields()) {
        Ok(new) => service::create_campaign(&state, access.organization, access.user.id, new).await?,
        Err(errors) => Err(errors),
    };
    match outcome {
        Ok(campaign) => {
            Ok(Redirect::to(&format!("/orga/{}/campaigns/{}?created=1", access.organization, campaign.id))
                .into_response())
        }
        Err(errors) => {
            let mut form = FormState::new();
            for (k, v) in [
                ("name", &f.name),
                ("title", &f.title),
                ("kind", &f.kind),
                ("target_profile", &f.target_profile),
                ("external_id_label", &f.external_id_label),
                ("external_id_type", &f.external_id_type),
                ("landing_text", &f.landing_text),
                ("end_text", &f.end_text),
                ("end_button_text", &f.end_button_text),
                ("end_button_url", &f.end_button_url),
                ("multiple_sendings", &f.multiple_sendings),
            ] {
                form = form.keep(k, v);
            }
            let form = form.with_errors(page.lang, &errors);
            new_campaign_page(&state, &page, access.organization, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// The campaign named by the path, in the organisation named by the path.
async fn campaign(state: &AppState, access: &OrganizationAccess<AnyMember>, id: Uuid) -> Result<Campaign, AppError> {
    service::campaign_of(state, access.organization, id).await
}

/// Archiving a campaign and deleting its participations: its owner or an ADMIN member.
fn may_manage(access: &OrganizationAccess<AnyMember>, campaign: &Campaign) -> bool {
    access.role == MemberRole::Admin || campaign.owner_id == Some(access.user.id)
}

/// Path of a campaign page.
#[derive(Deserialize)]
pub struct CampaignPath {
    #[allow(dead_code)]
    organization_id: Uuid,
    campaign_id: Uuid,
}

/// What every campaign tab shows at the top.
pub struct Header {
    /// Organisation.
    pub organization: Uuid,
    /// The campaign.
    pub campaign: Campaign,
    /// Which tab: activity, results, analysis.
    pub tab: &'static str,
    /// Join link.
    pub link: String,
    /// The caller may archive it.
    pub can_archive: bool,
}

fn header(state: &AppState, access: &OrganizationAccess<AnyMember>, campaign: Campaign, tab: &'static str) -> Header {
    let can_archive = may_manage(access, &campaign);
    Header {
        organization: access.organization,
        link: format!("{}/campagnes/{}", state.settings.public_url, campaign.code),
        campaign,
        tab,
        can_archive,
    }
}

#[derive(Template)]
#[template(path = "prescription/campaign_activity.html")]
struct ActivityPage {
    chrome: Chrome,
    h: Header,
    started: i64,
    to_share: i64,
    shared: i64,
    days: Vec<(String, usize, usize)>,
    participants: Vec<store::ParticipantRow>,
    page_number: i64,
    has_next: bool,
    /// A notice: the campaign was created, or a participation deleted.
    notice: String,
}

/// Page number in a query.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<i64>,
    q: Option<String>,
    division: Option<String>,
    /// Stage reached (as shown: 0 is the first stage), empty for any.
    stage: Option<String>,
    /// Key of a badge won, empty for any.
    badge: Option<String>,
    /// The campaign was just created.
    created: Option<String>,
    /// A participation was just deleted.
    deleted: Option<String>,
}

/// What the results are filtered by.
#[derive(Debug, Default, Clone)]
pub struct ResultFilters {
    /// Part of a name.
    pub search: String,
    /// Division or group.
    pub division: String,
    /// Stage reached (0: the first).
    pub stage: Option<usize>,
    /// Key of a badge won.
    pub badge: Option<String>,
}

/// A shared result and its score: mastery percent, stage, badges won (indexes in the scoring).
pub type ScoredRow = (store::ParticipantRow, u32, Option<usize>, Vec<usize>);

/// One page of a campaign's shared results matching the filters, scored, and whether more follow.
/// Names, divisions and groups are filtered in the database; stages and badges come from the
/// shared knowledge, so with those filters the campaign's results are scored before paging.
pub async fn filtered_results(
    state: &AppState,
    c: &Campaign,
    scoring: &Scoring,
    f: &ResultFilters,
    page: i64,
) -> Result<(Vec<ScoredRow>, bool), AppError> {
    let search = f.search.trim().to_lowercase();
    let pattern = if search.is_empty() { String::new() } else { format!("%{}%", search.replace(['%', '_'], "")) };
    let score = |r: store::ParticipantRow| -> ScoredRow {
        if c.kind() == CampaignType::ProfilesCollection {
            return (r, 0, None, Vec::new());
        }
        let validated = Scoring::validated(state, r.snapshot.as_deref());
        let (mastery, stage, won) = scoring.score(state, &validated);
        (r, mastery, stage, won.into_iter().filter(|(_, w)| *w).map(|(i, _)| i).collect())
    };
    let offset = (page - 1) * PAGE_SIZE;
    if f.stage.is_none() && f.badge.is_none() {
        let mut found = store::shared_results(&state.db, c.id, &pattern, &f.division, PAGE_SIZE + 1, offset).await?;
        let has_next = found.len() as i64 > PAGE_SIZE;
        found.truncate(PAGE_SIZE as usize);
        return Ok((found.into_iter().map(score).collect(), has_next));
    }
    let badge = f.badge.as_ref().map(|key| scoring.badges.iter().position(|(b, _)| &b.key == key));
    let all = store::shared_results(&state.db, c.id, &pattern, &f.division, i64::MAX, 0).await?;
    let mut kept = all.into_iter().map(score).filter(|(_, _, stage, won)| {
        f.stage.is_none_or(|s| *stage == Some(s))
            && match badge {
                None => true,
                Some(Some(i)) => won.contains(&i),
                Some(None) => false,
            }
    });
    let page_rows: Vec<ScoredRow> = kept.by_ref().skip(offset as usize).take(PAGE_SIZE as usize).collect();
    let has_next = kept.next().is_some();
    Ok((page_rows, has_next))
}

fn day_of(micros: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let paris = t.to_offset(crate::clock::paris_offset(t));
    format!("{:02}/{:02}/{}", paris.day(), u8::from(paris.month()), paris.year())
}

/// `GET /orga/{organization_id}/campaigns/{campaign_id}`: activity.
pub async fn activity(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    Path(path): Path<CampaignPath>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let c = campaign(&state, &access, path.campaign_id).await?;
    let counts: BTreeMap<String, i64> = store::counts_by_status(&state.db, c.id).await?.into_iter().collect();
    let mut per_day: BTreeMap<i64, (String, usize, usize)> = BTreeMap::new();
    for (started, shared) in store::activity_times(&state.db, c.id).await? {
        let key = started / engine::knowledge::DAY_MICROS;
        per_day.entry(key).or_insert_with(|| (day_of(started), 0, 0)).1 += 1;
        if let Some(s) = shared {
            per_day.entry(s / engine::knowledge::DAY_MICROS).or_insert_with(|| (day_of(s), 0, 0)).2 += 1;
        }
    }
    let page_number = crate::identity::request::page_number(q.page);
    let mut participants = store::participants(&state.db, c.id, PAGE_SIZE + 1, (page_number - 1) * PAGE_SIZE).await?;
    let has_next = participants.len() as i64 > PAGE_SIZE;
    participants.truncate(PAGE_SIZE as usize);
    let title = c.name.clone();
    Ok(render(
        StatusCode::OK,
        &ActivityPage {
            chrome: page.chrome(&title),
            h: header(&state, &access, c, "activity"),
            started: counts.get("STARTED").copied().unwrap_or(0),
            to_share: counts.get("TO_SHARE").copied().unwrap_or(0),
            shared: counts.get("SHARED").copied().unwrap_or(0),
            days: per_day.into_values().rev().take(30).collect(),
            participants,
            page_number,
            has_next,
            notice: if q.created.is_some() {
                page.t("campaign-created")
            } else if q.deleted.is_some() {
                page.t("participation-deleted")
            } else {
                String::new()
            },
        },
    ))
}

/// One row of the results table.
pub struct ResultRow {
    /// Participation.
    pub id: Uuid,
    /// "Last First".
    pub name: String,
    /// Division or group.
    pub division: String,
    /// Mastery in percent.
    pub mastery: u32,
    /// Reached stage (0 = none yet) if the profile has stages.
    pub stage: Option<usize>,
    /// Titles of the badges won.
    pub badges: Vec<String>,
}

/// What a campaign's rules need to score shared participations.
pub struct Scoring {
    /// Campaign skills.
    pub skills: Vec<SkillIdx>,
    /// Stage thresholds (sorted).
    pub thresholds: Vec<u32>,
    /// Badges and criteria.
    pub badges: Vec<(super::model::Badge, Vec<rules::Criterion>)>,
}

impl Scoring {
    /// Loads the rules of a campaign.
    pub async fn of(state: &AppState, campaign: &Campaign) -> Result<Scoring, AppError> {
        let stages = service::stages_of(state, campaign).await?;
        Ok(Scoring {
            skills: service::campaign_skills(state, campaign),
            thresholds: stages.iter().map(|(_, t)| *t).collect(),
            badges: service::badges_of(state, campaign).await?,
        })
    }

    /// Validated skills of a snapshot.
    pub fn validated(state: &AppState, snapshot: Option<&str>) -> HashSet<SkillIdx> {
        snapshot
            .and_then(|s| serde_json::from_str::<Snapshot>(s).ok())
            .map(|s| s.validated.iter().filter_map(|n| state.content.skill_by_name(n)).collect())
            .unwrap_or_default()
    }

    /// Mastery percent, reached stage index (0 = none) and badges won.
    pub fn score(&self, state: &AppState, validated: &HashSet<SkillIdx>) -> (u32, Option<usize>, Vec<(usize, bool)>) {
        let mastered = self.skills.iter().filter(|s| validated.contains(s)).count();
        let percent = rules::mastery_percentage(mastered, self.skills.len());
        let stage =
            (!self.thresholds.is_empty()).then(|| rules::reached_stages(&self.thresholds, percent).saturating_sub(1));
        let badges = self
            .badges
            .iter()
            .enumerate()
            .map(|(i, (_, criteria))| (i, rules::badge(&state.content, &self.skills, validated, criteria).0))
            .collect();
        (percent, stage, badges)
    }
}

#[derive(Template)]
#[template(path = "prescription/campaign_results.html")]
struct ResultsPage {
    chrome: Chrome,
    h: Header,
    rows: Vec<ResultRow>,
    profiles: Vec<(store::ParticipantRow, String)>,
    stage_count: usize,
    divisions: Vec<String>,
    q: String,
    division: String,
    stage: String,
    badge: String,
    /// (key, title) of the profile's badges.
    badge_options: Vec<(String, String)>,
    /// The filters, URL-encoded, for the page links.
    query: String,
    page_number: i64,
    has_next: bool,
}

/// `GET /orga/{organization_id}/campaigns/{campaign_id}/results`: shared results, 50 a page.
pub async fn results(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    Path(path): Path<CampaignPath>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let c = campaign(&state, &access, path.campaign_id).await?;
    let division = q.division.clone().unwrap_or_default();
    let page_number = crate::identity::request::page_number(q.page);
    let stage_text = q.stage.clone().unwrap_or_default();
    let badge_key = q.badge.clone().unwrap_or_default();
    let filters = ResultFilters {
        search: q.q.clone().unwrap_or_default(),
        division: division.clone(),
        stage: stage_text.parse().ok(),
        badge: Some(badge_key.clone()).filter(|b| !b.is_empty()),
    };
    let scoring = Scoring::of(&state, &c).await?;
    let (found, has_next) = filtered_results(&state, &c, &scoring, &filters, page_number).await?;
    let mut rows = Vec::new();
    let mut profiles = Vec::new();
    for (r, mastery, stage, won) in found {
        if c.kind() == CampaignType::ProfilesCollection {
            let pix = r.pix_score.unwrap_or(0).to_string();
            profiles.push((r, pix));
            continue;
        }
        rows.push(ResultRow {
            id: r.id,
            name: format!("{} {}", r.last_name, r.first_name),
            division: r.division.clone().or(r.group_name.clone()).unwrap_or_default(),
            mastery,
            stage,
            badges: won.into_iter().map(|i| scoring.badges[i].0.title.clone()).collect(),
        });
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("q", q.q.as_deref().unwrap_or_default())
        .append_pair("division", &division)
        .append_pair("stage", &stage_text)
        .append_pair("badge", &badge_key)
        .finish();
    let badge_options = scoring.badges.iter().map(|(b, _)| (b.key.clone(), b.title.clone())).collect();
    let title = c.name.clone();
    Ok(render(
        StatusCode::OK,
        &ResultsPage {
            chrome: page.chrome(&title),
            stage_count: scoring.thresholds.len().saturating_sub(1),
            divisions: store::divisions(&state.db, c.id).await?,
            h: header(&state, &access, c, "results"),
            rows,
            profiles,
            q: q.q.unwrap_or_default(),
            division,
            stage: stage_text,
            badge: badge_key,
            badge_options,
            query,
            page_number,
            has_next,
        },
    ))
}

/// One tube of the analysis.
pub struct TubeAnalysis {
    /// Competence code and name.
    pub competence: String,
    /// The tube's practical title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// Average recommendation score (0–100).
    pub score: u32,
    /// Mean level reached over participants, and the tube's highest level in the campaign.
    pub mean_level: String,
    /// The same, as a number.
    pub mean: f64,
    /// Highest level.
    pub max_level: u8,
}

/// Levels of a competence (or of the whole campaign): the mean of its tubes' mean reached levels,
/// out of the mean of their highest levels (PRODUCT §1.2, levels per tubes and competences).
pub struct CompetenceLevels {
    /// Competence code and name (empty for the whole campaign).
    pub competence: String,
    /// Mean reached level, one decimal.
    pub mean_level: String,
    /// Mean reachable level, one decimal.
    pub max_level: String,
}

/// Levels per competence, in the order of the competences, then the campaign's.
pub fn competence_levels(
    tubes: &[TubeAnalysis],
    lang: crate::web::i18n::Lang,
) -> (Vec<CompetenceLevels>, CompetenceLevels) {
    let level = |list: &[&TubeAnalysis], competence: String| {
        let n = list.len().max(1) as f64;
        CompetenceLevels {
            competence,
            mean_level: lang.decimal(list.iter().map(|t| t.mean).sum::<f64>() / n, 1),
            max_level: lang.decimal(list.iter().map(|t| f64::from(t.max_level)).sum::<f64>() / n, 1),
        }
    };
    let mut names: Vec<&str> = tubes.iter().map(|t| t.competence.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let per = names
        .iter()
        .map(|name| {
            let of: Vec<&TubeAnalysis> = tubes.iter().filter(|t| t.competence == *name).collect();
            level(&of, (*name).to_owned())
        })
        .collect();
    let all: Vec<&TubeAnalysis> = tubes.iter().collect();
    (per, level(&all, String::new()))
}

/// The per-tube analysis of a set of validated-skill sets (PRODUCT §1.2).
pub fn analysis(
    state: &AppState,
    skills: &[SkillIdx],
    participants: &[HashSet<SkillIdx>],
    lang: crate::web::i18n::Lang,
) -> Vec<TubeAnalysis> {
    let content = &state.content;
    let mut tubes: Vec<content::TubeIdx> = Vec::new();
    for s in skills {
        let t = content.skill(*s).tube;
        if !tubes.contains(&t) {
            tubes.push(t);
        }
    }
    let campaign_max = skills.iter().map(|s| content.skill(*s).level).max().unwrap_or(1);
    let mut out: Vec<TubeAnalysis> = tubes
        .iter()
        .map(|t| {
            let of_tube: Vec<SkillIdx> = skills.iter().copied().filter(|s| content.skill(*s).tube == *t).collect();
            let levels: Vec<u8> = of_tube.iter().map(|s| content.skill(*s).level).collect();
            let count = participants.len().max(1) as f64;
            let (mut score, mut reached) = (0.0, 0.0);
            for validated in participants {
                let got: Vec<u8> =
                    of_tube.iter().filter(|s| validated.contains(s)).map(|s| content.skill(*s).level).collect();
                score += rules::recommendation_score(&levels, &got, campaign_max);
                reached += f64::from(got.iter().copied().max().unwrap_or(0));
            }
            if participants.is_empty() {
                score = rules::recommendation_score(&levels, &[], campaign_max);
            }
            let tube = content.tube(*t);
            let competence = content.competence(tube.competence);
            TubeAnalysis {
                competence: format!("{} {}", competence.code, competence.name.get(locale(lang))),
                title: tube.title.get(locale(lang)).to_owned(),
                description: tube.description.get(locale(lang)).to_owned(),
                score: (score / count).round().clamp(0.0, 100.0) as u32,
                mean_level: lang.decimal(reached / count, 1),
                mean: reached / count,
                max_level: levels.iter().copied().max().unwrap_or(0),
            }
        })
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.title.cmp(&b.title)));
    out
}

#[derive(Template)]
#[template(path = "prescription/campaign_analysis.html")]
struct AnalysisPage {
    chrome: Chrome,
    h: Header,
    tubes: Vec<TubeAnalysis>,
    competences: Vec<CompetenceLevels>,
    overall: CompetenceLevels,
    participants: usize,
    /// Trainings recommended in the campaign: (id, title, participants, found it useful).
    trainings: Vec<crate::learning::trainings::CampaignCount>,
}

/// `GET /orga/{organization_id}/campaigns/{campaign_id}/analysis`: per tube, over shared results.
pub async fn campaign_analysis(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    Path(path): Path<CampaignPath>,
) -> Result<Response, AppError> {
    let c = campaign(&state, &access, path.campaign_id).await?;
    let skills = service::campaign_skills(&state, &c);
    let mut sets = Vec::new();
    let mut offset = 0;
    loop {
        let batch = store::shared_results(&state.db, c.id, "", "", 1000, offset).await?;
        sets.extend(batch.iter().map(|r| Scoring::validated(&state, r.snapshot.as_deref())));
        if batch.len() < 1000 {
            break;
        }
        offset += 1000;
    }
    let tubes = analysis(&state, &skills, &sets, page.lang);
    let (competences, overall) = competence_levels(&tubes, page.lang);
    let title = c.name.clone();
    Ok(render(
        StatusCode::OK,
        &AnalysisPage {
            chrome: page.chrome(&title),
            h: header(&state, &access, c, "analysis"),
            tubes,
            competences,
            overall,
            participants: sets.len(),
            trainings: crate::learning::trainings::campaign_counts(&state, path.campaign_id).await?,
        },
    ))
}

#[derive(Template)]
#[template(path = "prescription/participant.html")]
struct ParticipantPage {
    chrome: Chrome,
    h: Header,
    p: store::ParticipantRow,
    results: Option<service::Results>,
    stage_count: usize,
    competences: Vec<(String, usize, usize)>,
    tubes: Vec<TubeAnalysis>,
}

/// Path of a participant page.
#[derive(Deserialize)]
pub struct ParticipantPath {
    #[allow(dead_code)]
    organization_id: Uuid,
    campaign_id: Uuid,
    participation_id: Uuid,
}

/// `GET /orga/{organization_id}/campaigns/{campaign_id}/participants/{participation_id}`: one
/// participant's results and analysis (shared only: nothing is visible before sharing).
pub async fn participant(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    Path(path): Path<ParticipantPath>,
) -> Result<Response, AppError> {
    let c = campaign(&state, &access, path.campaign_id).await?;
    let p = store::participant(&state.db, c.id, path.participation_id).await?.ok_or(AppError::NotFound)?;
    let (mut results, mut competences, mut tubes) = (None, Vec::new(), Vec::new());
    if super::model::ParticipationStatus::parse(&p.status) == Some(super::model::ParticipationStatus::Shared) {
        let full = store::participation(&state.db, p.id).await?.ok_or(AppError::NotFound)?;
        let r = service::results(&state, &c, &full).await?;
        if c.kind() != CampaignType::ProfilesCollection {
            let skills = service::campaign_skills(&state, &c);
            let validated = Scoring::validated(&state, p.snapshot.as_deref());
            let content = &state.content;
            let mut by_competence: BTreeMap<String, (usize, usize)> = BTreeMap::new();
            for s in &skills {
                let comp = content.competence(content.skill(*s).competence);
                let e = by_competence.entry(format!("{} {}", comp.code, comp.name.get(locale(page.lang)))).or_default();
                e.0 += 1;
                if validated.contains(s) {
                    e.1 += 1;
                }
            }
            competences = by_competence.into_iter().map(|(k, (t, v))| (k, t, v)).collect();
            tubes = analysis(&state, &skills, &[validated], page.lang);
        }
        results = Some(r);
    }
    let stage_count = results.as_ref().map_or(0, |r| r.stages.len().saturating_sub(1));
    let title = format!("{} {}", p.first_name, p.last_name);
    Ok(render(
        StatusCode::OK,
        &ParticipantPage {
            chrome: page.chrome(&title),
            h: header(&state, &access, c, "results"),
            p,
            results,
            stage_count,
            competences,
            tubes,
        },
    ))
}

/// `POST /orga/{organization_id}/campaigns/{campaign_id}/archive`: archives, or unarchives an
/// archived campaign (its owner or an administrator).
pub async fn archive(
    State(state): State<AppState>,
    access: OrganizationAccess<AnyMember>,
    Path(path): Path<CampaignPath>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let c = campaign(&state, &access, path.campaign_id).await?;
    if !may_manage(&access, &c) {
        return Err(AppError::Forbidden);
    }
    let at = if c.archived_at.is_some() { None } else { Some(state.clock.now_micros()) };
    store::set_campaign_archived(&state.db, c.id, at).await?;
    Ok(Redirect::to(&format!("/orga/{}/campaigns/{}", access.organization, c.id)).into_response())
}

/// `POST /orga/{organization_id}/campaigns/{campaign_id}/participants/{participation_id}/delete`:
/// removes the learner's participations from the campaign's results (soft deletion; owner or admin).
pub async fn delete_participation(
    State(state): State<AppState>,
    access: OrganizationAccess<AnyMember>,
    Path(path): Path<ParticipantPath>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let c = campaign(&state, &access, path.campaign_id).await?;
    if !may_manage(&access, &c) {
        return Err(AppError::Forbidden);
    }
    let p = store::participant(&state.db, c.id, path.participation_id).await?.ok_or(AppError::NotFound)?;
    store::delete_participations(&state.db, c.id, p.learner_id, access.user.id, state.clock.now_micros()).await?;
    Ok(Redirect::to(&format!("/orga/{}/campaigns/{}?deleted=1", access.organization, c.id)).into_response())
}

#[derive(Template)]
#[template(path = "prescription/participation_delete.html")]
struct DeletePage {
    chrome: Chrome,
    h: Header,
    p: store::ParticipantRow,
    /// Names the campaign.
    intro: String,
}

/// `GET /orga/{organization_id}/campaigns/{campaign_id}/participants/{participation_id}/delete`:
/// what deleting the participation loses, before it is done (owner or admin).
pub async fn confirm_delete_participation(
    State(state): State<AppState>,
    page: Page,
    access: OrganizationAccess<AnyMember>,
    Path(path): Path<ParticipantPath>,
) -> Result<Response, AppError> {
    let c = campaign(&state, &access, path.campaign_id).await?;
    if !may_manage(&access, &c) {
        return Err(AppError::Forbidden);
    }
    let p = store::participant(&state.db, c.id, path.participation_id).await?.ok_or(AppError::NotFound)?;
    let name = format!("{} {}", p.first_name, p.last_name);
    let title = page.lang.t_args("participation-delete-title", &[("name", &name)]);
    let intro = page.lang.t_args("participation-delete-campaign", &[("campaign", &c.name)]);
    let h = header(&state, &access, c, "results");
    Ok(render(StatusCode::OK, &DeletePage { chrome: page.chrome(&title), h, p, intro }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;

    fn tube(competence: &str, mean: f64, max_level: u8) -> TubeAnalysis {
        TubeAnalysis {
            competence: competence.into(),
            title: String::new(),
            description: String::new(),
            score: 0,
            mean_level: format!("{mean:.1}"),
            mean,
            max_level,
        }
    }

    #[test]
    fn competence_levels_are_means_of_their_tubes() {
        let tubes = [tube("1.1", 2.0, 4), tube("1.2", 3.0, 3), tube("1.1", 1.0, 2)];
        let (per, overall) = competence_levels(&tubes, Lang::Fr);
        let got: Vec<(&str, &str, &str)> =
            per.iter().map(|c| (c.competence.as_str(), c.mean_level.as_str(), c.max_level.as_str())).collect();
        assert_eq!(got, vec![("1.1", "1,5", "3"), ("1.2", "3", "3")], "French: a decimal comma, no trailing zero");
        assert_eq!((overall.mean_level.as_str(), overall.max_level.as_str()), ("2", "3"));
        let (per, _) = competence_levels(&tubes, Lang::En);
        assert_eq!(per[0].mean_level, "1.5");
    }

    #[test]
    fn decimals_are_written_the_way_of_the_language() {
        assert_eq!(Lang::Fr.decimal(2.5, 1), "2,5");
        assert_eq!(Lang::Fr.decimal(2.04, 1), "2");
        assert_eq!(Lang::Fr.decimal(0.0666, 2), "0,07");
        assert_eq!(Lang::En.decimal(10.0, 2), "10");
        assert_eq!(Lang::Fr.decimal(-0.01, 1), "0");
    }
}
