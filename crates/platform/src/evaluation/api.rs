//! The learner journey as JSON: profile, start, current challenge, answer, results.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use engine::answer::Response as EngineResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    pages::check_answer_size,
    service::{self, Answered, StartRefused},
    store, view,
};
use crate::identity::request::{CsrfHeader, CsrfJson};
use crate::web::i18n::locale;
use crate::{
    AppState,
    identity::CurrentUser,
    web::{error::AppError, i18n::Lang},
};

/// A competence on the profile.
#[derive(Serialize, ToSchema)]
pub struct CompetenceScore {
    code: String,
    name: String,
    level: u32,
    pix: u32,
    /// NOT_STARTED, STARTED or COMPLETED.
    status: String,
    started_assessment: Option<Uuid>,
    days_before_retry: u32,
    days_before_reset: u32,
}

/// The profile.
#[derive(Serialize, ToSchema)]
pub struct Profile {
    total_pix: u32,
    max_pix: u32,
    competences: Vec<CompetenceScore>,
}

/// My profile: level and pix per competence.
#[utoipa::path(get, path = "/api/profile", tag = "evaluation", responses((status = 200, body = Profile)))]
pub async fn profile(State(state): State<AppState>, lang: Lang, me: CurrentUser) -> Result<Json<Profile>, AppError> {
    let views = service::profile(&state, me.id).await?;
    let scores: Vec<_> = views.iter().map(|v| v.score).collect();
    Ok(Json(Profile {
        total_pix: engine::scoring::profile_total(&scores),
        max_pix: engine::scoring::profile_max(service::MAX_LEVEL),
        competences: views
            .iter()
            .map(|v| {
                let c = state.content.competence(v.competence);
                CompetenceScore {
                    code: c.code.clone(),
                    name: c.name.get(locale(lang)).to_owned(),
                    level: v.score.level,
                    pix: v.score.pix,
                    status: serde_json::to_value(v.status)
                        .ok()
                        .and_then(|s| s.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    started_assessment: v.started,
                    days_before_retry: v.days_before_retry,
                    days_before_reset: v.days_before_reset,
                }
            })
            .collect(),
    }))
}

/// The assessment started or resumed.
#[derive(Serialize, ToSchema)]
pub struct Started {
    assessment_id: Uuid,
}

/// Starts the test of a competence in the caller's language (`Accept-Language`, or the `lang`
/// cookie), or resumes the one under way in the language it was started in. 409 when a retry is
/// not possible yet.
#[utoipa::path(post, path = "/api/competences/{code}/assessments", tag = "evaluation", params(("code" = String, Path, description = "competence code, e.g. 1.1")),
    responses((status = 201, body = Started)))]
pub async fn start(
    State(state): State<AppState>,
    lang: Lang,
    me: CurrentUser,
    Path(code): Path<String>,
    _: CsrfHeader,
) -> Result<Response, AppError> {
    let c = state.content.competence_by_code(&code).ok_or(AppError::NotFound)?;
    match service::start(&state, me.id, c, locale(lang)).await? {
        Ok(id) => Ok((StatusCode::CREATED, Json(Started { assessment_id: id })).into_response()),
        Err(StartRefused::NotYet) => Err(AppError::Conflict),
    }
}

/// One input of a QROC/QROCM challenge.
#[derive(Serialize, ToSchema)]
pub struct InputView {
    key: String,
    label: String,
    options: Vec<String>,
}

/// The state of an assessment and its current challenge.
#[derive(Serialize, ToSchema)]
pub struct Current {
    /// `started` or `completed`.
    state: String,
    /// Language of the test (`fr` or `en`), fixed when it started.
    locale: String,
    answered: usize,
    challenge: Option<ChallengeJson>,
}

/// A proposal of a QCU/QCM challenge.
#[derive(Serialize, ToSchema)]
pub struct ProposalJson {
    /// The value to send back (`value` of the answer).
    value: u32,
    /// Its text, as HTML.
    html: String,
}

/// A challenge to answer.
#[derive(Serialize, ToSchema)]
pub struct ChallengeJson {
    id: String,
    /// QCU, QCM, QROC, QROCM-ind, QROCM-dep.
    kind: String,
    instruction_html: String,
    /// QCU/QCM proposals, in display order.
    proposals: Vec<ProposalJson>,
    inputs: Vec<InputView>,
    illustration_url: Option<String>,
    illustration_alt: Option<String>,
    attachments: Vec<String>,
    timer_seconds: Option<u32>,
    focused: bool,
}

/// The current challenge of an assessment (or its end).
#[utoipa::path(get, path = "/api/assessments/{id}", tag = "evaluation", params(("id" = Uuid, Path)), responses((status = 200, body = Current)))]
pub async fn current(
    State(state): State<AppState>,
    lang: Lang,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<Current>, AppError> {
    let a = service::owned(&state, me.id, id).await?;
    let answered = a.answered as usize;
    let challenge = match (&a.current_challenge_id, a.state.as_str()) {
        (Some(cid), "started") => {
            let content = &state.content;
            let ci = content.challenge_by_id(cid).ok_or(AppError::NotFound)?;
            let v = view::challenge_view(content, content.challenge(ci), a.locale(), a.seed, lang);
            Some(ChallengeJson {
                id: v.id,
                kind: v.kind.name().to_owned(),
                instruction_html: v.instruction_html,
                proposals: v.choices.into_iter().map(|c| ProposalJson { value: c.value, html: c.html }).collect(),
                inputs: v
                    .parts
                    .into_iter()
                    .filter_map(|p| match p {
                        view::Part::Input { key, label, options, .. } => Some(InputView { key, label, options }),
                        view::Part::Text(_) => None,
                    })
                    .collect(),
                illustration_alt: v.illustration.as_ref().map(|(_, alt)| alt.clone()),
                illustration_url: v.illustration.map(|(u, _)| u),
                attachments: v.attachments.into_iter().map(|a| a.url).collect(),
                timer_seconds: v.timer,
                focused: v.focused,
            })
        }
        _ => None,
    };
    Ok(Json(Current { state: a.state, locale: a.locale, answered, challenge }))
}

/// An answer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    challenge_id: String,
    /// Skip the challenge.
    #[serde(default)]
    skip: bool,
    /// QCU: "2"; QCM: "1,3"; QROC: the text.
    value: Option<String>,
    /// QROCM: key → value.
    inputs: Option<std::collections::BTreeMap<String, String>>,
}

/// What happened to the answer.
#[derive(Serialize, ToSchema)]
pub struct AnswerResult {
    /// ok, ko, aband, timedout — or duplicate when it was already recorded; `recorded` during a
    /// certification, whose answers are marked by the jury and never shown to the candidate.
    result: String,
    level_up: Option<u32>,
}

/// Answers the current challenge; a repeated answer is recorded once.
#[utoipa::path(post, path = "/api/assessments/{id}/answers", tag = "evaluation", params(("id" = Uuid, Path)), request_body = AnswerBody,
    responses((status = 200, body = AnswerResult)))]
pub async fn answer(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    CsrfJson(body): CsrfJson<AnswerBody>,
) -> Result<Json<AnswerResult>, AppError> {
    let values = body.inputs.iter().flat_map(|m| m.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]));
    check_answer_size(values.chain(body.value.as_deref()))?;
    let (response, raw) = if body.skip {
        (EngineResponse::Skipped, engine::answer::SKIP.to_owned())
    } else if let Some(inputs) = body.inputs {
        let raw = serde_json::to_string(&inputs).map_err(|e| AppError::Internal(e.into()))?;
        (EngineResponse::Inputs(inputs.into_iter().collect()), raw)
    } else {
        let v = body.value.unwrap_or_default();
        (EngineResponse::Value(v.clone()), v)
    };
    match service::answer(&state, me.id, id, &body.challenge_id, move |_| (response.clone(), raw.clone())).await? {
        Answered::Recorded { certification: true, .. } => {
            Ok(Json(AnswerResult { result: "recorded".into(), level_up: None }))
        }
        Answered::Recorded { outcome, level_up, certification: false } => {
            Ok(Json(AnswerResult { result: outcome.as_str().to_owned(), level_up }))
        }
        Answered::Duplicate => Ok(Json(AnswerResult { result: "duplicate".into(), level_up: None })),
        Answered::NotCurrent | Answered::Completed => Err(AppError::Conflict),
    }
}

/// One answer of an assessment.
#[derive(Serialize, ToSchema)]
pub struct AnswerLine {
    challenge_id: String,
    /// ok, ko, aband, timedout or focusedOut.
    result: String,
}

/// Results of an assessment.
#[derive(Serialize, ToSchema)]
pub struct Results {
    /// `started` or `completed`.
    state: String,
    level: u32,
    pix: u32,
    pix_gained: i64,
    answers: Vec<AnswerLine>,
}

/// Level, pix and the result of each answer.
#[utoipa::path(get, path = "/api/assessments/{id}/results", tag = "evaluation", params(("id" = Uuid, Path)), responses((status = 200, body = Results)))]
pub async fn results(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Json<Results>, AppError> {
    let a = service::owned(&state, me.id, id).await?;
    // A certification's answers are marked by the jury, never shown to the candidate.
    if a.course_id.is_some() {
        return Err(AppError::NotFound);
    }
    // A campaign test's results are the campaign's (GET /api/me/participations): no level here.
    let (level, pix) = match state.content.competence_by_code(&a.competence_code) {
        Some(c) => {
            let v = service::competence_view(&state, me.id, c).await?;
            (v.score.level, v.score.pix)
        }
        None => (0, a.pix_before as u32),
    };
    let answers = store::answers(&state.db, id)
        .await?
        .into_iter()
        .map(|r| AnswerLine { challenge_id: r.challenge_id, result: r.result })
        .collect();
    Ok(Json(Results { state: a.state, level, pix, pix_gained: i64::from(pix) - a.pix_before, answers }))
}
