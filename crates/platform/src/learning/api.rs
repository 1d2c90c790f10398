//! Learning modules as JSON: the modules, passages, answers checked on the server, events.

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use engine::module::Response as ModuleResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    service::{self, Event, Player, Refused},
    view,
};
use crate::{
    AppState,
    identity::{
        CurrentUser,
        request::{CsrfHeader, CsrfJson},
    },
    web::{
        error::AppError,
        i18n::{Lang, locale},
    },
};

/// A module as listed.
#[derive(Serialize, ToSchema)]
pub struct ModuleSummary {
    id: String,
    short_id: String,
    slug: String,
    title: String,
    /// Markdown.
    description: String,
    /// Minutes.
    duration: u32,
    /// novice, independent, advanced or expert.
    level: String,
    competence: String,
    is_beta: bool,
    /// The module's version (SHA-256 of its file).
    version: String,
}

fn summary(m: &content::module::Module, lang: Lang) -> ModuleSummary {
    let l = locale(lang);
    ModuleSummary {
        id: m.id.clone(),
        short_id: m.short_id.clone(),
        slug: m.slug.clone(),
        title: m.title.get(l).to_owned(),
        description: m.details.description.get(l).to_owned(),
        duration: m.details.duration,
        level: view::level_name(m.details.level).to_owned(),
        competence: m.competence.clone(),
        is_beta: m.is_beta,
        version: m.version.clone(),
    }
}

/// The public learning modules.
#[utoipa::path(get, path = "/api/modules", tag = "learning", responses((status = 200, body = Vec<ModuleSummary>)))]
pub async fn modules(State(state): State<AppState>, lang: Lang) -> Json<Vec<ModuleSummary>> {
    Json(
        state
            .content
            .modules
            .iter()
            .filter(|m| m.visibility == content::module::Visibility::Public)
            .map(|m| summary(m, lang))
            .collect(),
    )
}

/// A module to play: its sections, grains and elements in the request's language, without
/// solutions or feedback (they come with the answer's correction).
#[utoipa::path(get, path = "/api/modules/{short_id}", tag = "learning",
    params(("short_id" = String, Path, description = "the module's 8-character short id")),
    responses((status = 200, body = Object)))]
pub async fn module(
    State(state): State<AppState>,
    lang: Lang,
    Path(short_id): Path<String>,
) -> Result<Json<serde_json::Value>, AppError> {
    let m = state.content.module_by_short_id(&short_id).ok_or(AppError::NotFound)?;
    let mut body = serde_json::to_value(summary(m, lang)).map_err(|e| AppError::Internal(e.into()))?;
    body["sections"] = view::sections_json(m, locale(lang));
    Ok(Json(body))
}

/// Starts a passage.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassage {
    /// The module's short id.
    #[schema(pattern = "^[a-z0-9]{8}$")]
    short_id: String,
}

/// A passage.
#[derive(Serialize, ToSchema)]
pub struct PassageView {
    id: Uuid,
    module_id: String,
    module_short_id: String,
    /// The module version it is played on.
    module_version: String,
    /// fr or en.
    locale: String,
    /// Grains revealed so far.
    revealed: i64,
    terminated: bool,
    /// The last answer per element: its status (ok, ko, none).
    answers: Vec<AnswerStatus>,
}

/// An element's last answer.
#[derive(Serialize, ToSchema)]
pub struct AnswerStatus {
    element_id: String,
    status: String,
}

async fn passage_view(state: &AppState, p: &super::store::Passage) -> Result<PassageView, AppError> {
    let module = service::module_of(state, p)?;
    let answers = service::last_answers(state, p.id)
        .await?
        .into_iter()
        .map(|(element_id, data)| AnswerStatus {
            element_id,
            status: data["status"].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    Ok(PassageView {
        id: p.id,
        module_id: p.module_id.clone(),
        module_short_id: module.short_id.clone(),
        module_version: p.module_version.clone(),
        locale: p.locale.clone(),
        revealed: p.revealed,
        terminated: p.terminated_at.is_some(),
        answers,
    })
}

/// Starts a passage of a module, signed in or not (an anonymous visitor's session keeps it);
/// 404 when no module has this short id.
#[utoipa::path(post, path = "/api/passages", tag = "learning", request_body = NewPassage,
    responses((status = 201, body = PassageView)))]
pub async fn start(
    State(state): State<AppState>,
    lang: Lang,
    player: Player,
    CsrfJson(body): CsrfJson<NewPassage>,
) -> Result<Response, AppError> {
    // No module with this short id: not found, like the module's own address.
    let m = state.content.module_by_short_id(&body.short_id).ok_or(AppError::NotFound)?;
    let p = service::start(&state, &player, m, locale(lang)).await?;
    Ok((StatusCode::CREATED, Json(passage_view(&state, &p).await?)).into_response())
}

/// A passage of mine.
#[utoipa::path(get, path = "/api/passages/{id}", tag = "learning",
    params(("id" = Uuid, Path, description = "passage id")), responses((status = 200, body = PassageView)))]
pub async fn passage(
    State(state): State<AppState>,
    player: Player,
    Path(id): Path<Uuid>,
) -> Result<Json<PassageView>, AppError> {
    let p = service::owned(&state, &player, id).await?;
    Ok(Json(passage_view(&state, &p).await?))
}

/// An answer to an element: `answer` (proposal ids, or the word of an embed), `inputs` (QROCM:
/// input key → answer) or `cards` (card id → A/B for a QAB, yes/maybe/no for flashcards).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleAnswer {
    element_id: String,
    answer: Option<Vec<String>>,
    inputs: Option<BTreeMap<String, String>>,
    cards: Option<BTreeMap<String, String>>,
}

/// The correction of an answer.
#[derive(Serialize, ToSchema)]
pub struct CorrectionView {
    /// ok, ko, or none (an opinion or a self-assessment).
    status: String,
    /// A short verdict, when the element gives one.
    feedback_state: Option<String>,
    /// The explanation (Markdown), when the element gives one.
    feedback: Option<String>,
    /// Per input or card: its status.
    details: Vec<AnswerStatus>,
}

fn refused(r: Refused) -> AppError {
    match r {
        Refused::Terminated | Refused::OutOfOrder => AppError::Conflict,
        // The passage's module has no such element (or it takes no answer): nothing to answer there.
        Refused::NoSuchElement => AppError::NotFound,
        Refused::Malformed(why) => AppError::InvalidBody(why.to_owned()),
        Refused::UnknownEvent(t) => AppError::InvalidBody(format!("unknown event type {t} (answers go to /answers)")),
    }
}

/// Answers an element: checked on the server, recorded in the passage's log, corrected.
/// 409 when the passage is terminated.
#[utoipa::path(post, path = "/api/passages/{id}/answers", tag = "learning", request_body = ModuleAnswer,
    params(("id" = Uuid, Path, description = "passage id")), responses((status = 200, body = CorrectionView)))]
pub async fn answer(
    State(state): State<AppState>,
    player: Player,
    Path(id): Path<Uuid>,
    CsrfJson(body): CsrfJson<ModuleAnswer>,
) -> Result<Json<CorrectionView>, AppError> {
    // Someone else's passage (or none), or an element its module does not have: not found,
    // whatever the rest of the body says.
    let p = service::owned(&state, &player, id).await?;
    if service::module_of(&state, &p)?.element(&body.element_id).is_none() {
        return Err(AppError::NotFound);
    }
    let response = match (body.answer, body.inputs, body.cards) {
        (Some(a), None, None) => ModuleResponse::Choices(a),
        (None, Some(i), None) => ModuleResponse::Inputs(i.into_iter().collect()),
        (None, None, Some(c)) => ModuleResponse::Cards(c.into_iter().collect()),
        _ => return Err(AppError::InvalidBody("give one of answer, inputs or cards".into())),
    };
    let checked = service::answer(&state, &p, &body.element_id, &response).await?.map_err(refused)?;
    Ok(Json(CorrectionView {
        status: checked.status.as_str().to_owned(),
        feedback_state: checked.feedback.as_ref().and_then(|f| f.0.clone()),
        feedback: checked.feedback.map(|f| f.1),
        details: checked
            .details
            .into_iter()
            .map(|(element_id, s)| AnswerStatus { element_id, status: s.as_str().to_owned() })
            .collect(),
    }))
}

/// The player's event types (`service::EVENT_TYPES`); an unknown one is refused when read.
#[derive(Deserialize, Clone, Copy, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventType {
    /// The passage ends (also recorded after the end, with a higher number).
    PassageTerminated,
    GrainContinued,
    GrainSkipped,
    StepperNextStep,
    ExpandOpened,
    ExpandClosed,
    FileDownloaded,
    ImageAlternativeTextOpened,
    VideoPlayed,
    VideoTranscriptionOpened,
    ShortVideoTranscriptionOpened,
    AudioPlayed,
    AudioTranscriptionOpened,
    QcuRetried,
    QcmRetried,
    QrocmRetried,
    EmbedRetried,
    QabRetried,
    FlashcardsStarted,
    FlashcardsVersoSeen,
    FlashcardsRectoReviewed,
    FlashcardsRetried,
}

impl EventType {
    fn as_str(self) -> &'static str {
        match self {
            EventType::PassageTerminated => "PASSAGE_TERMINATED",
            EventType::GrainContinued => "GRAIN_CONTINUED",
            EventType::GrainSkipped => "GRAIN_SKIPPED",
            EventType::StepperNextStep => "STEPPER_NEXT_STEP",
            EventType::ExpandOpened => "EXPAND_OPENED",
            EventType::ExpandClosed => "EXPAND_CLOSED",
            EventType::FileDownloaded => "FILE_DOWNLOADED",
            EventType::ImageAlternativeTextOpened => "IMAGE_ALTERNATIVE_TEXT_OPENED",
            EventType::VideoPlayed => "VIDEO_PLAYED",
            EventType::VideoTranscriptionOpened => "VIDEO_TRANSCRIPTION_OPENED",
            EventType::ShortVideoTranscriptionOpened => "SHORT_VIDEO_TRANSCRIPTION_OPENED",
            EventType::AudioPlayed => "AUDIO_PLAYED",
            EventType::AudioTranscriptionOpened => "AUDIO_TRANSCRIPTION_OPENED",
            EventType::QcuRetried => "QCU_RETRIED",
            EventType::QcmRetried => "QCM_RETRIED",
            EventType::QrocmRetried => "QROCM_RETRIED",
            EventType::EmbedRetried => "EMBED_RETRIED",
            EventType::QabRetried => "QAB_RETRIED",
            EventType::FlashcardsStarted => "FLASHCARDS_STARTED",
            EventType::FlashcardsVersoSeen => "FLASHCARDS_VERSO_SEEN",
            EventType::FlashcardsRectoReviewed => "FLASHCARDS_RECTO_REVIEWED",
            EventType::FlashcardsRetried => "FLASHCARDS_RETRIED",
        }
    }
}

/// An event of the player.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    /// Above every number recorded for the passage (an integer; `3.0` is read as 3).
    #[schema(value_type = i64, minimum = 1, maximum = 1_000_000_000_000_i64)]
    sequence: f64,
    /// One of the player's events (answers go to `…/answers`).
    #[serde(rename = "type")]
    kind: EventType,
    element_id: Option<String>,
    /// When it happened (milliseconds since 1970, an integer).
    #[schema(value_type = i64, minimum = 0, maximum = 4_102_444_800_000_i64)]
    occurred_at: f64,
    /// The event's own data.
    #[serde(default)]
    #[schema(value_type = Object)]
    data: serde_json::Value,
}

/// Events of a passage.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsBody {
    #[schema(min_items = 1, max_items = 100)]
    events: Vec<EventBody>,
}

/// Records the player's events in order, all or none: 409 when a sequence number is not above
/// every recorded one, or when the passage is terminated (except `PASSAGE_TERMINATED`).
#[utoipa::path(post, path = "/api/passages/{id}/events", tag = "learning", request_body = EventsBody,
    params(("id" = Uuid, Path, description = "passage id")), responses((status = 204)))]
pub async fn events(
    State(state): State<AppState>,
    player: Player,
    Path(id): Path<Uuid>,
    CsrfJson(body): CsrfJson<EventsBody>,
) -> Result<StatusCode, AppError> {
    let p = service::owned(&state, &player, id).await?;
    if body.events.is_empty() || body.events.len() > 100 {
        return Err(AppError::InvalidBody("send from 1 to 100 events".into()));
    }
    let events: Vec<Event> = body
        .events
        .into_iter()
        .map(|e| {
            let integral = |v: f64, range: std::ops::RangeInclusive<f64>| {
                (v.fract() == 0.0 && range.contains(&v)).then_some(v as i64)
            };
            let (Some(sequence), Some(occurred_at)) =
                (integral(e.sequence, 1.0..=1e12), integral(e.occurred_at, 0.0..=4_102_444_800_000.0))
            else {
                return Err(AppError::InvalidBody(
                    "sequence: an integer from 1 to 10^12; occurred_at: milliseconds since 1970".into(),
                ));
            };
            Ok(Event {
                sequence,
                kind: e.kind.as_str().to_owned(),
                element_id: e.element_id,
                occurred_at: occurred_at * 1000,
                data: e.data,
            })
        })
        .collect::<Result<_, _>>()?;
    service::record_events(&state, &p, &events).await?.map_err(refused)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Terminates a passage: it takes no answer or event any more. 409 when it already is.
#[utoipa::path(post, path = "/api/passages/{id}/terminate", tag = "learning",
    params(("id" = Uuid, Path, description = "passage id")), responses((status = 204)))]
pub async fn terminate(
    State(state): State<AppState>,
    player: Player,
    Path(id): Path<Uuid>,
    _: CsrfHeader,
) -> Result<StatusCode, AppError> {
    let p = service::owned(&state, &player, id).await?;
    service::terminate(&state, &p).await?.map_err(refused)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A module's status for me.
#[derive(Serialize, ToSchema)]
pub struct MyModule {
    short_id: String,
    slug: String,
    title: String,
    /// NOT_STARTED, IN_PROGRESS or COMPLETED (from the most recently terminated passage, else the
    /// most recently changed one).
    status: String,
    passage_id: Option<Uuid>,
}

/// My modules and where I am with each.
#[utoipa::path(get, path = "/api/me/modules", tag = "learning", responses((status = 200, body = Vec<MyModule>)))]
pub async fn my_modules(
    State(state): State<AppState>,
    lang: Lang,
    me: CurrentUser,
) -> Result<Json<Vec<MyModule>>, AppError> {
    let statuses = service::statuses(&state, me.id).await?;
    Ok(Json(
        state
            .content
            .modules
            .iter()
            .zip(statuses)
            .map(|(m, (status, p))| MyModule {
                short_id: m.short_id.clone(),
                slug: m.slug.clone(),
                title: m.title.get(locale(lang)).to_owned(),
                status: status.as_str().to_owned(),
                passage_id: p.map(|p| p.id),
            })
            .collect(),
    ))
}
