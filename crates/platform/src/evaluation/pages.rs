//! Learner pages: profile, competence test, challenge, results, tutorials.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use content::CompetenceIdx;

use crate::web::i18n::{lang_of, locale};
use engine::scoring::{self, ScorecardStatus};
use uuid::Uuid;

use super::{
    service::{self, Answered, CompetenceView, StartRefused},
    store::{self, TestState},
    view::{self, ChallengeView},
};
use crate::identity::request::{CsrfForm, Fields, NoFields, Page, field};
use crate::{
    AppState,
    identity::CurrentUser,
    web::{
        error::AppError,
        i18n::Lang,
        layout::{Chrome, message, render},
        redirect,
    },
};

/// Most fields an answer form can have (the richest challenge has a handful of inputs).
pub const MAX_ANSWER_FIELDS: usize = 64;

/// Refuses answers larger than any real one (the API applies the same limits).
pub fn check_answer_size<'a>(values: impl Iterator<Item = &'a str>) -> Result<(), AppError> {
    let (mut count, mut bytes) = (0usize, 0usize);
    for v in values {
        count += 1;
        bytes += v.len();
        if count > MAX_ANSWER_FIELDS || bytes > engine::answer::MAX_ANSWER_BYTES {
            return Err(AppError::TooLarge);
        }
    }
    Ok(())
}

fn competence(state: &AppState, code: &str) -> Result<CompetenceIdx, AppError> {
    state.content.competence_by_code(code).ok_or(AppError::NotFound)
}

/// One competence card.
pub struct Card {
    /// Code, e.g. 1.1.
    pub code: String,
    /// Name.
    pub name: String,
    /// Level and pix.
    pub level: u32,
    /// Pix.
    pub pix: u32,
    /// Pix towards the next level (0–7).
    pub ahead: u32,
    /// Status label.
    pub status: String,
    /// Status key: not-started, started, completed.
    pub status_key: &'static str,
    /// Test under way.
    pub started: Option<Uuid>,
    /// Can retry now.
    pub improvable: bool,
    /// Days before retry.
    pub retry_days: u32,
    /// Can reset now.
    pub resettable: bool,
    /// Days before reset.
    pub reset_days: u32,
    /// At the maximum level.
    pub max: bool,
}

/// An area with its cards.
pub struct AreaCards {
    /// Title.
    pub title: String,
    /// Colour.
    pub colour: String,
    /// Cards.
    pub cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "evaluation/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    first_name: String,
    total: u32,
    max_total: u32,
    areas: Vec<AreaCards>,
}

fn card(state: &AppState, lang: Lang, v: &CompetenceView) -> Card {
    let c = state.content.competence(v.competence);
    let (status_key, status) = match v.status {
        ScorecardStatus::NotStarted => ("not-started", lang.t("status-not-started")),
        ScorecardStatus::Started => ("started", lang.t("status-started")),
        ScorecardStatus::Completed => ("completed", lang.t("status-completed")),
    };
    Card {
        code: c.code.clone(),
        name: c.name.get(locale(lang)).to_owned(),
        level: v.score.level,
        pix: v.score.pix,
        ahead: v.score.pix_ahead,
        status,
        status_key,
        started: v.started,
        improvable: v.improvable,
        retry_days: v.days_before_retry,
        resettable: v.resettable,
        reset_days: v.days_before_reset,
        max: v.score.level >= service::MAX_LEVEL,
    }
}

/// `GET /profile`
pub async fn profile(State(state): State<AppState>, page: Page, me: CurrentUser) -> Result<Response, AppError> {
    let lang = page.lang;
    let views = service::profile(&state, me.id).await?;
    let scores: Vec<_> = views.iter().map(|v| v.score).collect();
    let mut areas: Vec<AreaCards> = state
        .content
        .areas
        .iter()
        .map(|a| AreaCards { title: a.title.get(locale(lang)).to_owned(), colour: a.colour.clone(), cards: Vec::new() })
        .collect();
    for v in &views {
        let area = state.content.competence(v.competence).area.index();
        areas[area].cards.push(card(&state, lang, v));
    }
    Ok(render(
        StatusCode::OK,
        &ProfilePage {
            chrome: page.chrome_t("profile-title"),
            first_name: me.first_name.clone(),
            total: scoring::profile_total(&scores),
            max_total: scoring::profile_max(service::MAX_LEVEL),
            areas,
        },
    ))
}

/// `POST /competences/{code}/start`: starts the test in the interface language, or resumes it.
pub async fn start(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(code): Path<String>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let c = competence(&state, &code)?;
    match service::start(&state, me.id, c, locale(page.lang)).await? {
        Ok(id) => Ok(Redirect::to(&format!("/assessments/{id}")).into_response()),
        Err(StartRefused::NotYet) => Ok(message(
            StatusCode::CONFLICT,
            page.chrome_t("retry-not-yet-title"),
            vec![page.t("retry-not-yet-text")],
            Some(("/profile", page.t("back-to-profile"))),
        )),
    }
}

#[derive(Template)]
#[template(path = "evaluation/challenge.html")]
struct ChallengePage {
    chrome: Chrome,
    assessment: Uuid,
    competence: String,
    number: usize,
    challenge: ChallengeView,
    /// Seconds left on the timer, from the server's clock.
    remaining: i64,
    /// Language of the challenge's text (the test's), for `lang` on that part of the page.
    content_lang: &'static str,
    notice: String,
    level_up: String,
    /// A certification question: the candidate may report a problem with it.
    certification: bool,
    /// The candidate reported a problem: the question waits for the invigilator.
    alert_open: bool,
    /// A certification under way: its length and the time left (exam mode).
    exam: Option<Exam>,
}

/// What an exam page shows beside the question.
pub struct Exam {
    /// Questions at most.
    pub length: usize,
    /// Seconds left before the deadline, by the server's clock.
    pub seconds_left: i64,
    /// The same, as people read it ("1 h 23 min").
    pub time_left: String,
}

/// "1 h 23 min", "23 min", "moins d'une minute".
fn time_left_text(lang: crate::web::i18n::Lang, seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    match (minutes / 60, minutes % 60) {
        (0, 0) => lang.t("exam-under-a-minute"),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

/// Query of the challenge page.
#[derive(serde::Deserialize, Default)]
pub struct ChallengeQuery {
    levelup: Option<u32>,
    notice: Option<String>,
}

/// `GET /assessments/{id}`: the current challenge, or the results when the test is over.
pub async fn current(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    Query(q): Query<ChallengeQuery>,
) -> Result<Response, AppError> {
    let lang = page.lang;
    let a = service::owned(&state, me.id, id).await?;
    let test = service::test_of(&state, &a).await?;
    let Some(challenge_id) = a.current_challenge_id.clone().filter(|_| a.test_state() == TestState::Started) else {
        let results = match &test {
            Some(t) => t.results_path(),
            None => format!("/assessments/{id}/results"),
        };
        return Ok(Redirect::to(&results).into_response());
    };
    let content = &state.content;
    let test_locale = a.locale();
    let ci = content.challenge_by_id(&challenge_id).ok_or(AppError::NotFound)?;
    let challenge = view::challenge_view(content, content.challenge(ci), test_locale, a.seed, lang);
    let answered = a.answered as usize;
    let heading = match &test {
        Some(t) => t.heading(lang),
        None => content.competence(competence(&state, &a.competence_code)?).name.get(test_locale).to_owned(),
    };
    let remaining = challenge.timer.map_or(0, |t| {
        let end = a.current_asked_at.unwrap_or(0) + i64::from(t) * 1_000_000;
        ((end - state.clock.now_micros()) / 1_000_000).clamp(0, i64::from(t))
    });
    let mut notices = Vec::new();
    if q.notice.as_deref() == Some("not-current") {
        notices.push(lang.t("challenge-not-current"));
    }
    if lang_of(test_locale) != lang {
        // The interface changed language during the test: the test keeps its own.
        notices.push(lang.t(&format!("challenge-kept-locale-{}", test_locale.code())));
    }
    let level_up = q.levelup.map(|l| lang.t_args("level-up", &[("level", &l.to_string())])).unwrap_or_default();
    let title = lang.t_args("challenge-title", &[("number", &(answered + 1).to_string())]);
    let alert_open = match &test {
        Some(t) => t.alert_open(&state).await?,
        None => false,
    };
    let clock = match &test {
        Some(t) => t.exam_clock(&state).await?,
        None => None,
    };
    let exam = clock.map(|c| {
        let seconds_left = ((c.deadline - state.clock.now_micros()) / 1_000_000).max(0);
        Exam { length: c.length, seconds_left, time_left: time_left_text(lang, seconds_left) }
    });
    let chrome = if exam.is_some() { page.chrome(&title).in_exam() } else { page.chrome(&title) };
    Ok(render(
        StatusCode::OK,
        &ChallengePage {
            chrome,
            assessment: id,
            competence: heading,
            number: answered + 1,
            challenge,
            remaining,
            content_lang: test_locale.code(),
            notice: notices.join(" "),
            level_up,
            certification: test.as_ref().is_some_and(|t| t.rules().certification),
            alert_open,
            exam,
        },
    ))
}

/// `POST /assessments/{id}/answers`
pub async fn answer(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    check_answer_size(fields.iter().filter(|(k, _)| k != crate::identity::csrf::FIELD).map(|(_, v)| v.as_str()))?;
    let challenge_id =
        field(&fields, "challenge_id").ok_or_else(|| AppError::BadRequest("missing challenge_id".into()))?;
    let ci =
        state.content.challenge_by_id(challenge_id).ok_or_else(|| AppError::BadRequest("unknown challenge".into()))?;
    let (content, challenge_id) = (state.content.clone(), challenge_id.to_owned());
    let read = move |test_locale| view::response_from_form(content.challenge(ci), test_locale, &fields);
    match service::answer(&state, me.id, id, &challenge_id, read).await? {
        Answered::Recorded { level_up: Some(l), .. } => {
            Ok(Redirect::to(&format!("/assessments/{id}?levelup={l}")).into_response())
        }
        Answered::Recorded { .. } | Answered::Duplicate | Answered::Completed => {
            Ok(Redirect::to(&format!("/assessments/{id}")).into_response())
        }
        Answered::NotCurrent => Ok(message(
            StatusCode::CONFLICT,
            page.chrome_t("challenge-not-current-title"),
            vec![page.t("challenge-not-current")],
            Some((&format!("/assessments/{id}"), page.t("challenge-continue"))),
        )),
    }
}

/// `POST /assessments/{id}/focus-out`: the page reports that the learner left it.
pub async fn focus_out(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<Uuid>,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<StatusCode, AppError> {
    let challenge = field(&fields, "challenge_id").unwrap_or("");
    service::focus_out(&state, me.id, id, challenge).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One answered challenge on the results page.
pub struct ResultLine {
    /// Instruction (rendered).
    pub instruction_html: String,
    /// The learner's answer.
    pub given: String,
    /// The expected answer.
    pub expected: String,
    /// Correct.
    pub ok: bool,
    /// Result label.
    pub result: String,
    /// Tutorials to learn it: (id, title, link, source, duration, saved).
    pub tutorials: Vec<(String, String, String, String, String, bool)>,
}

#[derive(Template)]
#[template(path = "evaluation/results.html")]
struct ResultsPage {
    chrome: Chrome,
    assessment: Uuid,
    competence: String,
    content_lang: &'static str,
    level: u32,
    pix: u32,
    gained: i64,
    level_up: bool,
    finished: bool,
    lines: Vec<ResultLine>,
}

/// Tutorials of a skill in the learner's language (others as a fallback).
fn tutorials_for(
    state: &AppState,
    skill: content::SkillIdx,
    lang: Lang,
    saved: &[String],
) -> Vec<(String, String, String, String, String, bool)> {
    let content = &state.content;
    let s = content.skill(skill);
    let all: Vec<&content::Tutorial> = s.tutorials.iter().map(|t| content.tutorial(*t)).collect();
    let mine: Vec<&content::Tutorial> = all.iter().copied().filter(|t| t.locale == locale(lang)).collect();
    let chosen = if mine.is_empty() { all } else { mine };
    chosen
        .into_iter()
        .map(|t| {
            (t.id.clone(), t.title.clone(), t.link.clone(), t.source.clone(), t.duration.clone(), saved.contains(&t.id))
        })
        .collect()
}

/// `GET /assessments/{id}/results`: in the language the test was taken in.
pub async fn results(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let lang = page.lang;
    let a = service::owned(&state, me.id, id).await?;
    if let Some(test) = service::test_of(&state, &a).await? {
        return Ok(Redirect::to(&test.results_path()).into_response());
    }
    let content = &state.content;
    let test_locale = a.locale();
    let c = competence(&state, &a.competence_code)?;
    let v = service::competence_view(&state, me.id, c).await?;
    let saved: Vec<String> = store::saved_tutorials(&state.db, me.id).await?.into_iter().map(|(t, _)| t).collect();
    let mut lines = Vec::new();
    for row in store::answers(&state.db, id).await? {
        let Some(ci) = content.challenge_by_id(&row.challenge_id) else { continue };
        let ch = content.challenge(ci);
        let ok = row.result == "ok";
        lines.push(ResultLine {
            instruction_html: content::markdown::to_html(ch.instruction.get(test_locale)),
            given: view::answer_text(ch, test_locale, &row.value, lang),
            expected: view::solution_text(ch, test_locale),
            ok,
            result: lang.t(&format!("result-{}", row.result)),
            tutorials: if ok { Vec::new() } else { tutorials_for(&state, ch.skill, lang, &saved) },
        });
    }
    Ok(render(
        StatusCode::OK,
        &ResultsPage {
            chrome: page.chrome_t("results-title"),
            assessment: id,
            competence: content.competence(c).name.get(test_locale).to_owned(),
            content_lang: test_locale.code(),
            level: v.score.level,
            pix: v.score.pix,
            gained: i64::from(v.score.pix) - a.pix_before,
            level_up: i64::from(v.score.level) > a.level_before,
            finished: a.test_state() == TestState::Completed,
            lines,
        },
    ))
}

#[derive(Template)]
#[template(path = "evaluation/reset.html")]
struct ResetPage {
    chrome: Chrome,
    code: String,
    competence: String,
    resettable: bool,
    days: u32,
}

/// `GET /competences/{code}/reset`: the confirmation page.
pub async fn reset_confirm(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let c = competence(&state, &code)?;
    let v = service::competence_view(&state, me.id, c).await?;
    Ok(render(
        StatusCode::OK,
        &ResetPage {
            chrome: page.chrome_t("reset-competence-title"),
            competence: state.content.competence(c).name.get(locale(page.lang)).to_owned(),
            code,
            resettable: v.resettable,
            days: v.days_before_reset,
        },
    ))
}

/// `POST /competences/{code}/reset`
pub async fn reset(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(code): Path<String>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let c = competence(&state, &code)?;
    if !service::reset(&state, me.id, c).await? {
        return Err(AppError::Forbidden);
    }
    Ok(Redirect::to("/profile").into_response())
}

/// The save-tutorial form.
#[derive(Debug, serde::Deserialize)]
pub struct SaveForm {
    /// `remove` to unsave.
    #[serde(default)]
    action: String,
    /// Where to go back to (a local path).
    #[serde(default)]
    back: Option<String>,
}

/// `POST /tutorials/{id}/save` (or unsave with `action=remove`), then back.
pub async fn save_tutorial(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(tutorial): Path<String>,
    CsrfForm(f): CsrfForm<SaveForm>,
) -> Result<Response, AppError> {
    state.content.tutorial_by_id(&tutorial).ok_or(AppError::NotFound)?;
    store::set_saved(&state.db, me.id, &tutorial, f.action != "remove", state.clock.now_micros()).await?;
    Ok(Redirect::to(&redirect::local_or(f.back.as_deref(), "/tutorials")).into_response())
}

#[derive(Template)]
#[template(path = "evaluation/tutorials.html")]
struct TutorialsPage {
    chrome: Chrome,
    saved: Vec<(String, String, String, String, String, bool)>,
    recommended: Vec<(String, String, String, String, String, bool)>,
}

/// `GET /tutorials`: saved tutorials, and those recommended for failed skills.
pub async fn tutorials(State(state): State<AppState>, page: Page, me: CurrentUser) -> Result<Response, AppError> {
    let lang = page.lang;
    let content = &state.content;
    let saved_ids: Vec<String> = store::saved_tutorials(&state.db, me.id).await?.into_iter().map(|(t, _)| t).collect();
    let as_row = |t: &content::Tutorial, saved: bool| {
        (t.id.clone(), t.title.clone(), t.link.clone(), t.source.clone(), t.duration.clone(), saved)
    };
    let saved = saved_ids
        .iter()
        .filter_map(|id| content.tutorial_by_id(id))
        .map(|t| as_row(content.tutorial(t), true))
        .collect();
    let rows = store::knowledge(&state.db, me.id, None).await?;
    let current = engine::knowledge::current(&service::to_engine(content, &rows));
    let mut recommended = Vec::new();
    for ke in current
        .iter()
        .filter(|k| k.status == engine::knowledge::Status::Invalidated && k.source == engine::knowledge::Source::Direct)
    {
        for t in tutorials_for(&state, ke.skill, lang, &saved_ids) {
            if !recommended.iter().any(|r: &(String, String, String, String, String, bool)| r.0 == t.0) {
                recommended.push(t);
            }
        }
    }
    Ok(render(StatusCode::OK, &TutorialsPage { chrome: page.chrome_t("tutorials-title"), saved, recommended }))
}
