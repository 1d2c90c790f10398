//! The learner's side of campaigns: enter a code, the campaign's landing page (consent, external
//! id), the test (the evaluation pages), the end page with mastery, stage and badges, sharing,
//! and "My courses".

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::{
    model::{Campaign, CampaignType, Participation, ParticipationStatus},
    service::{self, Entry, Results, StartRefused},
    store,
};
use crate::identity::request::{CsrfForm, NoFields, Page};
use crate::{
    AppState,
    identity::CurrentUser,
    web::i18n::locale,
    web::{
        error::AppError,
        form::FormState,
        layout::{Chrome, encode_path, message, render},
    },
};

#[derive(Template)]
#[template(path = "prescription/enter.html")]
struct EnterPage {
    chrome: Chrome,
    form: FormState,
}

/// Query of the code page.
#[derive(Deserialize, Default)]
pub struct CodeQuery {
    code: Option<String>,
}

/// `GET /campagnes?code=…`: the code form; with a code, on to the campaign.
pub async fn enter(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<CodeQuery>,
) -> Result<Response, AppError> {
    let mut form = FormState::new();
    if let Some(code) = q.code.filter(|c| !c.trim().is_empty()) {
        match service::campaign_by_code(&state, &code).await {
            Ok(campaign) => return Ok(Redirect::to(&format!("/campagnes/{}", campaign.code)).into_response()),
            Err(AppError::NotFound) => {
                // Combined courses share the campaigns' codes.
                if let Some(code) = crate::access_codes::normalize(&code)
                    && crate::access_codes::kind_of(&state.db, &code).await?
                        == Some(crate::access_codes::Kind::CombinedCourse)
                {
                    return Ok(Redirect::to(&format!("/parcours/{code}")).into_response());
                }
                form = form.keep("code", &code).with_errors(
                    page.lang,
                    &[crate::web::error::FieldError {
                        field: "code".into(),
                        code: "field-campaign-code-unknown".into(),
                    }],
                );
            }
            Err(e) => return Err(e),
        }
    }
    let status = if form.has_errors() { StatusCode::NOT_FOUND } else { StatusCode::OK };
    Ok(render(status, &EnterPage { chrome: page.chrome_t("campaign-enter-title"), form }))
}

#[derive(Template)]
#[template(path = "prescription/landing.html")]
struct LandingPage {
    chrome: Chrome,
    campaign: Campaign,
    organization: String,
    signed_in: bool,
    next: String,
    /// `start`, `resume`, `done` or `closed`.
    action: &'static str,
    resume_href: String,
    exam: bool,
    /// The organisation has a learner list and the learner is not on it yet: they say who they are.
    needs_identity: bool,
    form: FormState,
}

async fn landing_page(
    state: &AppState,
    page: &Page,
    campaign: Campaign,
    form: FormState,
) -> Result<Response, AppError> {
    let org = service::organization(state, campaign.organization_id).await?;
    let needs_identity = match &page.user {
        Some(user) => service::needs_identity(state, &campaign, user.id).await?,
        None => false,
    };
    let organization = org.name;
    // The names of the account are a good first guess of those on the list.
    let form = match &page.user {
        Some(user) if needs_identity && !form.has_errors() => {
            form.keep("first_name", &user.first_name).keep("last_name", &user.last_name)
        }
        _ => form,
    };
    let (action, resume_href) = match &page.user {
        None => ("start", String::new()),
        Some(_) if !campaign.accessible() => ("closed", String::new()),
        Some(user) => match service::entry(state, &campaign, user.id).await? {
            Entry::Start => ("start", String::new()),
            Entry::Resume(p) => ("resume", resume_href(state, &campaign, &p).await?),
            Entry::Done(_) => ("done", format!("/campagnes/{}/resultats", campaign.code)),
        },
    };
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let landing = LandingPage {
        chrome: page.chrome(&campaign.title),
        organization,
        signed_in: page.user.is_some(),
        next: encode_path(&format!("/campagnes/{}", campaign.code)),
        action,
        resume_href,
        exam: campaign.kind() == CampaignType::Exam,
        needs_identity,
        campaign,
        form,
    };
    Ok(render(status, &landing))
}

/// Where to go on with a participation: its test while it is under way, else its end page.
async fn resume_href(state: &AppState, campaign: &Campaign, p: &Participation) -> Result<String, AppError> {
    if p.state() != ParticipationStatus::Started || !campaign.kind().has_test() {
        return Ok(format!("/campagnes/{}/resultats", campaign.code));
    }
    Ok(match store::assessment_of_participation(&state.db, p.id).await? {
        Some(a) => format!("/assessments/{a}"),
        None => format!("/campagnes/{}/resultats", campaign.code),
    })
}

/// `GET /campagnes/{code}`: the campaign's landing page.
pub async fn landing(
    State(state): State<AppState>,
    page: Page,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let campaign = service::campaign_by_code(&state, &code).await?;
    if campaign.code != code {
        return Ok(Redirect::to(&format!("/campagnes/{}", campaign.code)).into_response());
    }
    landing_page(&state, &page, campaign, FormState::new()).await
}

/// The start form.
#[derive(Debug, Deserialize)]
pub struct StartForm {
    #[serde(default)]
    consent: String,
    #[serde(default)]
    external_id: String,
    #[serde(flatten)]
    who: super::learners::Identity,
}

/// `POST /campagnes/{code}/start`: consent given, the participation starts (or resumes).
pub async fn start(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<StartForm>,
) -> Result<Response, AppError> {
    let campaign = service::campaign_by_code(&state, &code).await?;
    let kept = || {
        FormState::new()
            .keep("external_id", &f.external_id)
            .keep("first_name", &f.who.first_name)
            .keep("last_name", &f.who.last_name)
            .keep("birth_date", &f.who.birth_date)
            .keep("consent", &f.consent)
    };
    if f.consent != "yes" {
        // Every error at once: the fields' own, then the consent.
        let previous = store::latest_participation(&state.db, campaign.id, me.id).await?;
        let mut errors =
            service::form_errors(&state, &campaign, me.id, previous.as_ref(), &f.external_id, &f.who).await?;
        errors.push(crate::web::error::FieldError {
            field: "consent".into(),
            code: "field-campaign-consent-required".into(),
        });
        return landing_page(&state, &page, campaign, kept().with_errors(page.lang, &errors)).await;
    }
    match service::start(&state, &campaign, &me, &f.external_id, &f.who, locale(page.lang)).await? {
        Ok(p) => Ok(Redirect::to(&resume_href(&state, &campaign, &p).await?).into_response()),
        Err(StartRefused::Invalid(errors)) => {
            landing_page(&state, &page, campaign, kept().with_errors(page.lang, &errors)).await
        }
        Err(StartRefused::Closed) => Ok(message(
            StatusCode::CONFLICT,
            page.chrome_t("campaign-closed-title"),
            vec![page.t("campaign-closed-text")],
            Some(("/mes-parcours", page.t("my-courses-title"))),
        )),
        Err(StartRefused::Locked(until)) => {
            let time = crate::clock::paris_hour(until);
            let form = FormState::new()
                .keep("first_name", &f.who.first_name)
                .keep("last_name", &f.who.last_name)
                .with_message("last_name", page.lang.t_args("reconcile-locked", &[("time", &time)]));
            let mut response = landing_page(&state, &page, campaign, form).await?;
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            let wait = crate::web::limit::retry_after_until(state.clock.now_micros(), until);
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, wait.into());
            Ok(response)
        }
    }
}

#[derive(Template)]
#[template(path = "prescription/end.html")]
struct EndPage {
    chrome: Chrome,
    campaign: Campaign,
    status: ParticipationStatus,
    results: Results,
    stage_count: usize,
    /// Tutorials of failed skills: (title, link, source, duration).
    tutorials: Vec<(String, String, String, String)>,
    competences: Vec<(String, String, u32, u32)>,
    can_retry: bool,
    notice: String,
    /// Trainings this participation recommended.
    trainings: Vec<crate::learning::training_pages::TrainingCard>,
    /// Where the usefulness form comes back to.
    back: String,
    /// The attestations this participation may bring, and where each stands.
    rewards: Vec<crate::prescription::model::RewardNote>,
}

/// Query of the end page.
#[derive(Deserialize, Default)]
pub struct EndQuery {
    shared: Option<String>,
}

/// `GET /campagnes/{code}/resultats`: the learner's results and the share step.
pub async fn end(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(code): Path<String>,
    Query(q): Query<EndQuery>,
) -> Result<Response, AppError> {
    let campaign = service::campaign_by_code(&state, &code).await?;
    let Some(p) = store::latest_participation(&state.db, campaign.id, me.id).await? else {
        return Ok(Redirect::to(&format!("/campagnes/{}", campaign.code)).into_response());
    };
    if p.state() == ParticipationStatus::Started {
        return Ok(Redirect::to(&resume_href(&state, &campaign, &p).await?).into_response());
    }
    let results = service::results(&state, &campaign, &p).await?;
    let content = &state.content;
    let lang = page.lang;
    let mut tutorials = Vec::new();
    for skill in &results.failed {
        for t in content.skill(*skill).tutorials.iter().map(|t| content.tutorial(*t)) {
            if t.locale == locale(lang)
                && !tutorials.iter().any(|(title, ..): &(String, String, String, String)| *title == t.title)
            {
                tutorials.push((t.title.clone(), t.link.clone(), t.source.clone(), t.duration.clone()));
            }
        }
    }
    let competences = results
        .profile
        .as_ref()
        .map(|(_, list)| {
            list.iter()
                .filter_map(|(code, level, pix)| {
                    content
                        .competence_by_code(code)
                        .map(|c| (code.clone(), content.competence(c).name.get(locale(lang)).to_owned(), *level, *pix))
                })
                .collect()
        })
        .unwrap_or_default();
    let can_retry = p.state() == ParticipationStatus::Shared
        && matches!(service::entry(&state, &campaign, me.id).await?, Entry::Start);
    let notice = if q.shared.is_some() { page.t("campaign-shared-notice") } else { String::new() };
    let recommended = crate::learning::trainings::of_participation(&state, p.id).await?;
    let mut rewards = Vec::new();
    for read in state.participation_rewards {
        rewards.extend(read(&state, me.id, p.id).await?);
    }
    let end = EndPage {
        rewards,
        trainings: crate::learning::training_pages::cards(&state, lang, &recommended),
        back: format!("/campagnes/{}/resultats", campaign.code),
        chrome: page.chrome(&campaign.title),
        status: p.state(),
        stage_count: results.stages.len().saturating_sub(1),
        results,
        tutorials: tutorials.into_iter().take(6).collect(),
        competences,
        can_retry,
        notice,
        campaign,
    };
    Ok(render(StatusCode::OK, &end))
}

/// `POST /campagnes/{code}/partager`: shares the results with the organisation.
pub async fn share(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(code): Path<String>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let campaign = service::campaign_by_code(&state, &code).await?;
    let p = store::latest_participation(&state.db, campaign.id, me.id).await?.ok_or(AppError::NotFound)?;
    if service::share(&state, me.id, p.id).await? || p.state() == ParticipationStatus::Shared {
        return Ok(Redirect::to(&format!("/campagnes/{}/resultats?shared=1", campaign.code)).into_response());
    }
    Ok(message(
        StatusCode::CONFLICT,
        page.chrome_t("campaign-not-ready-title"),
        vec![page.t("campaign-not-ready-text")],
        Some((&format!("/campagnes/{}", campaign.code), page.t("campaign-continue"))),
    ))
}

/// Mastery as a whole percent, for templates.
pub fn percent(rate: &Option<f64>) -> String {
    rate.map(|r| format!("{}", (r * 100.0).round() as i64)).unwrap_or_default()
}
