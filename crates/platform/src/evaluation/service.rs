//! Competence tests: start or resume, answer, choose the next challenge, finish, reset, profile.
//! One transaction per answer; the engine decides, this module loads and stores.

use std::collections::HashSet;

use content::{ChallengeIdx, CompetenceIdx, Content, Locale, SkillIdx};
use engine::{
    answer::{self, Outcome, Response},
    knowledge::{self, KnowledgeElement, Source, Status},
    scoring::{self, CompetenceScore, EvaluationState, ScorecardStatus},
    smart_random::{self, Next},
};
use rand::RngExt;
use uuid::Uuid;

use super::store::{self, Assessment, KeRow};
use crate::{
    AppState,
    web::error::{AppError, FieldError},
};

/// Seconds of network latency tolerated after a timer ends before an answer counts as late.
pub const TIMER_GRACE_MICROS: i64 = 2_000_000;

/// The maximum reachable level (a setting of the reference, 6 in production).
pub const MAX_LEVEL: u32 = scoring::DEFAULT_MAX_LEVEL;

/// Converts stored rows into engine elements (skills unknown to this content are ignored).
pub fn to_engine(content: &Content, rows: &[KeRow]) -> Vec<KnowledgeElement> {
    rows.iter()
        .filter_map(|r| {
            Some(KnowledgeElement {
                skill: content.skill_by_name(&r.skill)?,
                source: Source::parse(&r.source)?,
                status: Status::parse(&r.status)?,
                earned_pix: r.earned_pix,
                created_at: r.created_at,
            })
        })
        .collect()
}

/// What the profile shows about one competence.
#[derive(Debug, Clone)]
pub struct CompetenceView {
    /// The competence.
    pub competence: CompetenceIdx,
    /// Pix and level.
    pub score: CompetenceScore,
    /// Not started, started, completed.
    pub status: ScorecardStatus,
    /// The test under way, if any.
    pub started: Option<Uuid>,
    /// Days before a retry is possible (0: now), for completed competences.
    pub days_before_retry: u32,
    /// Days before a reset is possible.
    pub days_before_reset: u32,
    /// A retry is possible now.
    pub improvable: bool,
    /// A reset is possible now.
    pub resettable: bool,
}

/// The profile: every competence of the referential.
pub async fn profile(state: &AppState, user: Uuid) -> Result<Vec<CompetenceView>, AppError> {
    let content = &state.content;
    let rows = store::knowledge(&state.db, user, None).await?;
    let evaluations = store::evaluations(&state.db, user).await?;
    let now = state.clock.now_micros();
    let mut views = Vec::with_capacity(content.competences.len());
    for (i, comp) in content.competences.iter().enumerate() {
        let mine: Vec<KeRow> = rows.iter().filter(|r| r.competence_code == comp.code).cloned().collect();
        let evaluation = evaluations.iter().find(|(c, _, _)| *c == comp.code);
        views.push(view(content, CompetenceIdx(i as u32), &mine, evaluation.map(|(_, s, a)| (s.as_str(), *a)), now));
    }
    Ok(views)
}

fn view(
    content: &Content,
    competence: CompetenceIdx,
    rows: &[KeRow],
    evaluation: Option<(&str, Uuid)>,
    now: i64,
) -> CompetenceView {
    let all = to_engine(content, rows);
    let current = knowledge::current(&all);
    let score = scoring::competence_score(current.iter().map(|k| k.earned_pix), MAX_LEVEL);
    let state = evaluation.map(|(s, _)| match s {
        "completed" => EvaluationState::Completed,
        "reset" => EvaluationState::Reset,
        _ => EvaluationState::Started,
    });
    let status = scoring::scorecard_status(!current.is_empty(), state);
    let last = scoring::last_move(&all);
    CompetenceView {
        competence,
        score,
        status,
        started: evaluation.filter(|(s, _)| *s == "started").map(|(_, a)| a),
        days_before_retry: last.map_or(0, |t| scoring::days_remaining(t, now, scoring::DAYS_BEFORE_IMPROVING)),
        days_before_reset: last.map_or(0, |t| scoring::days_remaining(t, now, scoring::DAYS_BEFORE_RESET)),
        improvable: scoring::is_improvable(status, score.level, MAX_LEVEL, last, now),
        resettable: scoring::is_resettable(status, last, now),
    }
}

/// One competence's view.
pub async fn competence_view(
    state: &AppState,
    user: Uuid,
    competence: CompetenceIdx,
) -> Result<CompetenceView, AppError> {
    let code = &state.content.competence(competence).code;
    let rows = store::knowledge(&state.db, user, Some(code)).await?;
    let evaluations = store::evaluations(&state.db, user).await?;
    let evaluation = evaluations.iter().find(|(c, _, _)| c == code);
    Ok(view(&state.content, competence, &rows, evaluation.map(|(_, s, a)| (s.as_str(), *a)), state.clock.now_micros()))
}

/// Why a test cannot start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRefused {
    /// Completed, and the retry delay has not passed (or the level is the maximum).
    NotYet,
}

/// Starts a competence test in a language, or returns the one under way (in the language it was
/// started in: a test never changes language).
pub async fn start(
    state: &AppState,
    user: Uuid,
    competence: CompetenceIdx,
    locale: Locale,
) -> Result<Result<Uuid, StartRefused>, AppError> {
    let content = &state.content;
    let code = content.competence(competence).code.clone();
    if let Some(existing) = store::started_assessment(&state.db, user, &code).await? {
        return Ok(Ok(existing.id));
    }
    let view = competence_view(state, user, competence).await?;
    let improving = view.status == ScorecardStatus::Completed;
    if improving && !view.improvable {
        return Ok(Err(StartRefused::NotYet));
    }
    let now = state.clock.now_micros();
    let id = Uuid::now_v7();
    let seed: u32 = rand::rng().random();
    let mut tx = state.db.begin().await?;
    let row = store::NewAssessment {
        id,
        user,
        competence: &code,
        state: "started",
        content_version: &content.version,
        locale: locale.code(),
        seed: i64::from(seed),
        improving,
        pix_before: i64::from(view.score.pix),
        level_before: i64::from(view.score.level),
        now,
        participation: None,
        course: None,
    };
    store::insert_assessment(&mut tx, row).await?;
    let assessment = store::assessment(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let rows = store::knowledge(&mut tx, user, Some(&code)).await?;
    advance_with(state, &mut tx, &assessment, now, &rows, &[]).await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// Chooses and stores the next challenge from knowledge and answers already in hand (the answer
/// path has just read and extended them: reading them again would only lengthen the transaction).
async fn advance_with(
    state: &AppState,
    tx: &mut crate::db::Tx,
    a: &Assessment,
    now: i64,
    rows: &[KeRow],
    answers: &[(String, bool)],
) -> Result<Next, AppError> {
    let scope = Scope::of(state, &mut *tx, a).await?;
    advance_in(state, tx, a, &scope, now, rows, answers).await
}

async fn advance_in(
    state: &AppState,
    tx: &mut crate::db::Tx,
    a: &Assessment,
    scope: &Scope,
    now: i64,
    rows: &[KeRow],
    answers: &[(String, bool)],
) -> Result<Next, AppError> {
    if let Some(course) = &scope.certification {
        return advance_certification(state, tx, a, course, now, answers).await;
    }
    if scope.campaign.is_none() && state.settings.competence_tests == crate::config::CompetenceTests::Placement {
        return advance_placement(state, tx, a, now, answers).await;
    }
    let content = &state.content;
    let mut current = knowledge::current(&to_engine(content, rows));
    // Competence retries, and every campaign (as the reference), may ask older failures again.
    if a.is_improving || (scope.campaign.is_some() && !scope.exam) {
        current = knowledge::for_improvement(&current, a.created_at, scoring::DAYS_BEFORE_IMPROVING);
    }
    let answered: HashSet<ChallengeIdx> = answers.iter().filter_map(|(c, _)| content.challenge_by_id(c)).collect();
    let last_timed =
        answers.last().map(|(c, _)| content.challenge_by_id(c).is_some_and(|c| content.challenge(c).timer.is_some()));
    let next = smart_random::next(smart_random::Input {
        content,
        target_skills: &scope.target,
        knowledge: &current,
        answered: &answered,
        last_answer_timed: last_timed,
        locale: a.locale(),
        seed: a.seed as u32,
        include_archived: scope.campaign.is_some(),
    });
    match next {
        Next::Ask { challenge, .. } => {
            store::set_current(&mut *tx, a.id, &content.challenge(challenge).id, now).await?
        }
        Next::End { .. } => {
            store::complete(&mut *tx, a, now).await?;
            if let Some(participation) = a.participation_id {
                crate::prescription::store::finish_participation(&mut *tx, participation).await?;
            }
        }
    }
    Ok(next)
}

/// The next question of a competence test in placement mode (docs/engine.md), or its end: then
/// every active skill of the competence is validated up to the level the capacity places the learner
/// at and invalidated above, so the profile's pix and level say that level.
async fn advance_placement(
    state: &AppState,
    tx: &mut crate::db::Tx,
    a: &Assessment,
    now: i64,
    answers: &[(String, bool)],
) -> Result<Next, AppError> {
    use engine::placement;
    use rand::SeedableRng;
    let content = &state.content;
    let competence = content.competence_by_code(&a.competence_code).ok_or(AppError::NotFound)?;
    let items = placement::items(content, competence, a.locale());
    let config = placement::PlacementConfig::default();
    let mut estimator = engine::flash::Estimator::new(&config.estimator());
    let mut asked = Vec::new();
    for (id, ok) in answers {
        let Some(i) = content.challenge_by_id(id).and_then(|c| items.iter().position(|it| it.challenge == c)) else {
            continue;
        };
        estimator.update(items[i].a, items[i].b, *ok);
        asked.push(i);
    }
    // Reproducible: the same answers give the same next question.
    let mut rng = rand::rngs::StdRng::seed_from_u64((a.seed as u64).wrapping_add(asked.len() as u64));
    if let Some(i) = placement::next(&items, &asked, &estimator, &config, &mut rng) {
        let challenge = items[i].challenge;
        store::set_current(&mut *tx, a.id, &content.challenge(challenge).id, now).await?;
        return Ok(Next::Ask { challenge, skill: items[i].skill, level_estimated: estimator.capacity() });
    }
    let level = placement::level(&items, estimator.capacity());
    let code = &content.competence(competence).code;
    for (n, s) in content.competence(competence).active_skills.iter().enumerate() {
        let skill = content.skill(*s);
        let validated = u32::from(skill.level) <= level;
        let ke = store::NewKe {
            user: a.user_id,
            assessment: a.id,
            answer: None,
            skill: &skill.name,
            competence: code,
            source: Source::Inferred.as_str(),
            status: if validated { Status::Validated.as_str() } else { Status::Invalidated.as_str() },
            earned_pix: if validated { skill.pix_value } else { 0.0 },
            // After the answers' own elements, so these are the current ones.
            at: now + 1_000 + n as i64,
            exam: false,
        };
        store::insert_ke(&mut *tx, ke).await?;
    }
    store::complete(&mut *tx, a, now).await?;
    Ok(Next::End { level_estimated: estimator.capacity() })
}

/// Each answer's challenge and whether it was right, in order.
fn outcomes(answers: &[store::AnswerRow]) -> Vec<(String, bool)> {
    answers.iter().map(|r| (r.challenge_id.clone(), r.result == engine::answer::Outcome::Ok.as_str())).collect()
}

/// The certification bank of a language, prepared once per content version: validated challenges
/// with their calibration, and where each challenge sits in it.
pub struct CertificationBank {
    /// The bank.
    pub bank: engine::flash::FlashBank,
    /// Index in the bank of each challenge.
    pub index: std::collections::HashMap<ChallengeIdx, usize>,
}

/// The certification bank in a language (built on first use, then shared).
pub fn certification_bank(state: &AppState, locale: Locale) -> std::sync::Arc<CertificationBank> {
    type Banks = std::sync::Mutex<std::collections::HashMap<(String, &'static str), std::sync::Arc<CertificationBank>>>;
    static BANKS: std::sync::OnceLock<Banks> = std::sync::OnceLock::new();
    let key = (state.content.version.clone(), locale.code());
    let banks = BANKS.get_or_init(Default::default);
    if let Some(b) = banks.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key) {
        return b.clone();
    }
    let content = &state.content;
    let items: Vec<_> = engine::simulate::certification_bank(content)
        .into_iter()
        .filter(|c| content.challenge(c.challenge).locales.contains(&locale))
        .collect();
    let bank = engine::flash::FlashBank::new(items);
    let index = bank.items().iter().enumerate().map(|(i, c)| (c.challenge, i)).collect();
    let built = std::sync::Arc::new(CertificationBank { bank, index });
    banks.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key, built.clone());
    built
}

/// The next certification question by flash (REFERENCE §5.3) from the answers so far (challenge id,
/// right or not, in order), or the end: after the configured number of questions, at the deadline,
/// or when the bank has nothing left.
async fn advance_certification(
    state: &AppState,
    tx: &mut crate::db::Tx,
    a: &Assessment,
    course: &crate::certification::model::Course,
    now: i64,
    answers: &[(String, bool)],
) -> Result<Next, AppError> {
    use rand::SeedableRng;
    if course.version == 2 {
        return advance_v2(state, tx, a, course, now, answers).await;
    }
    let content = &state.content;
    let settings = crate::certification::configuration::settings_of(state, course.configuration_version).await?;
    let config = &settings.flash;
    let prepared = certification_bank(state, a.locale());
    let (bank, by_challenge) = (&prepared.bank, &prepared.index);
    let mut estimator = engine::flash::Estimator::new(config);
    let mut asked = Vec::new();
    for (challenge, ok) in answers {
        let Some(item) = content.challenge_by_id(challenge).and_then(|c| by_challenge.get(&c)) else {
            continue;
        };
        let c = bank.items()[*item];
        estimator.update(c.a, c.b, *ok);
        asked.push(engine::flash::Asked { skill: c.skill, tube: c.tube, competence: c.competence });
    }
    // Skills of questions replaced after a validated alert leave the test (REFERENCE §6.5).
    let excluded: HashSet<SkillIdx> = crate::certification::store::validated_alerts(&mut *tx, course.id)
        .await?
        .iter()
        .filter_map(|id| content.challenge_by_id(id).map(|c| content.challenge(c).skill))
        .collect();
    // Exposure control, when the configuration asks for it: counts of the last 365 days.
    let counts = match config.maximum_exposure_rate {
        Some(_) => Some(crate::certification::exposure::counts(state, &mut *tx, a.locale()).await?),
        None => None,
    };
    let situation = engine::flash::Situation {
        bank,
        asked: &asked,
        excluded_skills: &excluded,
        needs_accessibility: course.accessibility_adjustment,
        exposure: counts.as_ref().map(|c| engine::flash::Exposure { counts: &c.by_item, tests: c.tests }),
    };
    // The pick is reproducible: the same answers give the same next question.
    let mut rng = rand::rngs::StdRng::seed_from_u64((a.seed as u64).wrapping_add(asked.len() as u64));
    let selection = if now >= course.deadline || engine::flash::finished(config, asked.len(), estimator.error_rate()) {
        Ok(engine::flash::Selection::End)
    } else {
        engine::flash::select(
            situation,
            estimator.capacity(),
            config,
            config.default_probability_to_pick_challenge,
            &mut rng,
        )
    };
    match selection {
        Ok(engine::flash::Selection::Ask(i)) => {
            let c = bank.items()[i];
            store::set_current(&mut *tx, a.id, &content.challenge(c.challenge).id, now).await?;
            Ok(Next::Ask { challenge: c.challenge, skill: c.skill, level_estimated: estimator.capacity() })
        }
        Ok(engine::flash::Selection::End) | Err(_) => {
            finish_certification(tx, a, course.id, now, false).await?;
            Ok(Next::End { level_estimated: estimator.capacity() })
        }
    }
}

/// The next question of a v2 certification: the first of its plan neither answered nor withdrawn
/// after a validated alert, or the end (plan done or deadline passed).
async fn advance_v2(
    state: &AppState,
    tx: &mut crate::db::Tx,
    a: &Assessment,
    course: &crate::certification::model::Course,
    now: i64,
    answers: &[(String, bool)],
) -> Result<Next, AppError> {
    let content = &state.content;
    let withdrawn = crate::certification::store::validated_alerts(&mut *tx, course.id).await?;
    let plan = course.v2_plan();
    let next = plan
        .questions()
        .filter(|q| !answers.iter().any(|(c, _)| c == q) && !withdrawn.iter().any(|w| w == q))
        .find_map(|q| content.challenge_by_id(q));
    match next {
        Some(challenge) if now < course.deadline => {
            store::set_current(&mut *tx, a.id, &content.challenge(challenge).id, now).await?;
            Ok(Next::Ask { challenge, skill: content.challenge(challenge).skill, level_estimated: 0.0 })
        }
        _ => {
            finish_certification(tx, a, course.id, now, false).await?;
            Ok(Next::End { level_estimated: 0.0 })
        }
    }
}

/// The invigilator validated an alert on the current question: another question replaces it, without
/// penalty (its skill is excluded from the rest of the test).
pub async fn replace_certification_question(state: &AppState, assessment: Uuid) -> Result<(), AppError> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin().await?;
    let a = store::assessment(&mut tx, assessment).await?.ok_or(AppError::NotFound)?;
    let course_id = a.course_id.ok_or(AppError::NotFound)?;
    let course = crate::certification::store::course(&mut tx, course_id).await?.ok_or(AppError::NotFound)?;
    if a.state == "started" {
        let answers = outcomes(&store::answers(&mut tx, a.id).await?);
        advance_certification(state, &mut tx, &a, &course, now, &answers).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Ends a certification test and its course.
pub async fn finish_certification(
    tx: &mut crate::db::Tx,
    a: &Assessment,
    course: Uuid,
    now: i64,
    by_invigilator: bool,
) -> Result<(), AppError> {
    if a.state != "completed" {
        store::complete(&mut *tx, a, now).await?;
    }
    crate::certification::store::complete_course(&mut *tx, course, now, by_invigilator).await?;
    Ok(())
}

/// Starts the certification test of a course in a transaction, and asks its first question.
pub async fn start_certification_test(
    state: &AppState,
    tx: &mut crate::db::Tx,
    user: Uuid,
    course: Uuid,
    locale: Locale,
) -> Result<Uuid, AppError> {
    let now = state.clock.now_micros();
    let id = Uuid::now_v7();
    let seed: u32 = rand::rng().random();
    let row = store::NewAssessment {
        id,
        user,
        competence: "",
        state: "started",
        content_version: &state.content.version,
        locale: locale.code(),
        seed: i64::from(seed),
        improving: false,
        pix_before: 0,
        level_before: 0,
        now,
        participation: None,
        course: Some(course),
    };
    store::insert_assessment(&mut *tx, row).await?;
    let assessment = store::assessment(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
    let scope = Scope::of(state, &mut *tx, &assessment).await?;
    advance_in(state, tx, &assessment, &scope, now, &[], &[]).await?;
    Ok(id)
}

/// What a test assesses: its target skills, and for a campaign test, the campaign.
pub struct Scope {
    /// Target skills, in a stable order (the pick depends on it).
    pub target: Vec<SkillIdx>,
    /// An exam: the profile is neither read nor changed.
    pub exam: bool,
    /// The campaign of a campaign test.
    pub campaign: Option<crate::prescription::store::AssessmentCampaign>,
    /// The course of a certification test.
    pub certification: Option<crate::certification::model::Course>,
}

impl Scope {
    /// The scope of an assessment.
    pub async fn of(state: &AppState, conn: impl Into<crate::db::Conn<'_>>, a: &Assessment) -> Result<Scope, AppError> {
        let content = &state.content;
        if let Some(course) = a.course_id {
            let course = crate::certification::store::course(conn, course).await?.ok_or(AppError::NotFound)?;
            // A certification neither reads nor changes the profile: its questions come from flash.
            return Ok(Scope { target: Vec::new(), exam: true, campaign: None, certification: Some(course) });
        }
        match a.participation_id {
            None => {
                let competence = content.competence_by_code(&a.competence_code).ok_or(AppError::NotFound)?;
                Ok(Scope {
                    target: content.competence(competence).active_skills.clone(),
                    exam: false,
                    campaign: None,
                    certification: None,
                })
            }
            Some(participation) => {
                let campaign = crate::prescription::store::campaign_of_participation(conn, participation)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let names: Vec<String> = serde_json::from_str(&campaign.skills).unwrap_or_default();
                Ok(Scope {
                    target: names.iter().filter_map(|n| content.skill_by_name(n)).collect(),
                    exam: campaign.campaign_type == "EXAM",
                    campaign: Some(campaign),
                    certification: None,
                })
            }
        }
    }

    /// The knowledge a test starts from: the profile (the competence's, or all of it for a
    /// campaign), or an exam's own.
    pub async fn knowledge(
        &self,
        conn: impl Into<crate::db::Conn<'_>>,
        a: &Assessment,
    ) -> Result<Vec<KeRow>, sqlx::Error> {
        if self.certification.is_some() {
            return Ok(Vec::new());
        }
        match (&self.campaign, self.exam) {
            (None, _) => store::knowledge(conn, a.user_id, Some(&a.competence_code)).await,
            (Some(_), false) => store::knowledge(conn, a.user_id, None).await,
            (Some(_), true) => store::knowledge_of_assessment(conn, a.id).await,
        }
    }
}

/// Starts the test of a campaign participation in a transaction, and asks its first question.
pub async fn start_campaign_test(
    state: &AppState,
    tx: &mut crate::db::Tx,
    user: Uuid,
    participation: Uuid,
    locale: Locale,
    improving: bool,
) -> Result<Uuid, AppError> {
    let now = state.clock.now_micros();
    let id = Uuid::now_v7();
    let seed: u32 = rand::rng().random();
    let row = store::NewAssessment {
        id,
        user,
        competence: "",
        state: "started",
        content_version: &state.content.version,
        locale: locale.code(),
        seed: i64::from(seed),
        improving,
        pix_before: 0,
        level_before: 0,
        now,
        participation: Some(participation),
        course: None,
    };
    store::insert_assessment(&mut *tx, row).await?;
    let assessment = store::assessment(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
    let scope = Scope::of(state, &mut *tx, &assessment).await?;
    let rows = scope.knowledge(&mut *tx, &assessment).await?;
    advance_in(state, tx, &assessment, &scope, now, &rows, &[]).await?;
    Ok(id)
}

/// What happened to a submitted answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Answered {
    /// Recorded; the level reached when it went up.
    Recorded {
        /// The outcome.
        outcome: Outcome,
        /// New level when the answer raised it.
        level_up: Option<u32>,
        /// A certification answer: its outcome is the jury's, never told to the candidate.
        certification: bool,
    },
    /// The same answer was already recorded (double submission): nothing changed.
    Duplicate,
    /// The challenge is not the current one.
    NotCurrent,
    /// The test is over.
    Completed,
}

/// The current challenge of a started assessment owned by `user`.
pub async fn owned(state: &AppState, user: Uuid, id: Uuid) -> Result<Assessment, AppError> {
    let a = store::assessment(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if a.user_id != user {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

/// Records an answer to the current challenge and moves on (one transaction). `read` turns the
/// submitted data into the engine's response and the value to store, given the test's language
/// (input names may differ between languages).
pub async fn answer(
    state: &AppState,
    user: Uuid,
    id: Uuid,
    challenge_id: &str,
    read: impl FnOnce(Locale) -> (Response, String),
) -> Result<Answered, AppError> {
    let content = &state.content;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin().await?;
    let a = store::assessment(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if a.user_id != user {
        return Err(AppError::NotFound);
    }
    // Someone else's (or no) assessment was a 404 above, before anything is said about the challenge.
    let Some(ci) = content.challenge_by_id(challenge_id) else {
        let error = FieldError { field: "challenge_id".into(), code: "field-challenge-unknown".into() };
        return Err(AppError::Invalid(vec![error]));
    };
    let answers = store::answers(&mut tx, id).await?;
    if answers.iter().any(|r| r.challenge_id == challenge_id) {
        return Ok(Answered::Duplicate);
    }
    if a.state == "completed" {
        return Ok(Answered::Completed);
    }
    if a.current_challenge_id.as_deref() != Some(challenge_id) {
        return Ok(Answered::NotCurrent);
    }
    let scope = Scope::of(state, &mut tx, &a).await?;
    // A question under an alert waits for the invigilator.
    if let Some(course) = &scope.certification
        && crate::certification::store::ongoing_alert(&mut tx, course.id).await?.is_some()
    {
        return Ok(Answered::NotCurrent);
    }
    // A certification answer after the deadline ends the test instead of counting.
    if let Some(course) = &scope.certification
        && now > course.deadline + TIMER_GRACE_MICROS
    {
        finish_certification(&mut tx, &a, course.id, now, false).await?;
        tx.commit().await?;
        crate::certification::live::publish(state, course.session_id);
        return Ok(Answered::Completed);
    }
    let challenge = content.challenge(ci);
    let (response, raw_value) = read(a.locale());
    let asked_at = a.current_asked_at.unwrap_or(now);
    let timed_out = challenge.timer.is_some_and(|t| now > asked_at + i64::from(t) * 1_000_000 + TIMER_GRACE_MICROS);
    let verdict = answer::examine(
        challenge,
        a.locale(),
        &response,
        answer::Context { timed_out, focused_out: a.current_focused_out, certification: scope.certification.is_some() },
    );
    let details = serde_json::to_string(
        &verdict.details.iter().map(|(k, ok)| (k.clone(), *ok)).collect::<std::collections::BTreeMap<_, _>>(),
    )
    .map_err(|e| AppError::Internal(e.into()))?;
    let answer_id = Uuid::now_v7();
    let time_spent = ((now - asked_at).max(0) + 999_999) / 1_000_000;
    let row = store::AnswerRow {
        id: answer_id,
        assessment_id: id,
        challenge_id: challenge_id.to_owned(),
        value: raw_value,
        result: verdict.outcome.as_str().to_owned(),
        result_details: details,
        timed_out,
        focused_out: a.current_focused_out,
        time_spent,
        created_at: now,
    };
    if !store::insert_answer(&mut tx, &row).await? {
        return Ok(Answered::Duplicate);
    }
    // Knowledge: what this answer proves (in the test's scope), scored before and after for the
    // level-up message of competence tests. A certification records answers only.
    let mut rows = scope.knowledge(&mut tx, &a).await?;
    let competence_score = |rows: &[KeRow]| {
        let current = knowledge::current(&to_engine(content, rows));
        scoring::competence_score(
            current
                .iter()
                .filter(|k| content.competence(content.skill(k.skill).competence).code == a.competence_code)
                .map(|k| k.earned_pix),
            MAX_LEVEL,
        )
    };
    let before = competence_score(&rows);
    let target: HashSet<SkillIdx> = scope.target.iter().copied().collect();
    let assessed: HashSet<SkillIdx> =
        rows.iter().filter(|r| r.assessment_id == id).filter_map(|r| content.skill_by_name(&r.skill)).collect();
    let elements = if scope.certification.is_some() {
        Vec::new()
    } else {
        knowledge::elements_for_answer(content, challenge.skill, verdict.outcome.is_success(), &target, &assessed)
    };
    for (n, e) in elements.iter().enumerate() {
        let skill = content.skill(e.skill);
        let competence_code = &content.competence(skill.competence).code;
        let ke = store::NewKe {
            user,
            assessment: id,
            answer: Some(answer_id),
            skill: &skill.name,
            competence: competence_code,
            source: e.source.as_str(),
            status: e.status.as_str(),
            earned_pix: e.earned_pix,
            at: now + n as i64,
            exam: scope.exam,
        };
        store::insert_ke(&mut tx, ke).await?;
        rows.push(KeRow {
            skill: skill.name.clone(),
            competence_code: competence_code.clone(),
            source: e.source.as_str().to_owned(),
            status: e.status.as_str().to_owned(),
            earned_pix: e.earned_pix,
            created_at: now + n as i64,
            assessment_id: id,
        });
    }
    let after = competence_score(&rows);
    // Move on only if nobody else did in between (a concurrent duplicate loses here).
    if !store::leave_current(&mut tx, id, challenge_id, now).await? {
        return Ok(Answered::Duplicate);
    }
    let mut answered = outcomes(&answers);
    answered.push((challenge_id.to_owned(), verdict.outcome.is_success()));
    let next = advance_in(state, &mut tx, &a, &scope, now, &rows, &answered).await?;
    // In placement mode the end writes the level's knowledge: the level-up reads it.
    let after = if matches!(next, Next::End { .. })
        && scope.campaign.is_none()
        && scope.certification.is_none()
        && state.settings.competence_tests == crate::config::CompetenceTests::Placement
    {
        competence_score(&scope.knowledge(&mut tx, &a).await?)
    } else {
        after
    };
    tx.commit().await?;
    if let Some(course) = &scope.certification {
        // The invigilator's screen shows the answers so far.
        crate::certification::live::publish(state, course.session_id);
    }
    let level_up =
        if scope.campaign.is_some() || scope.certification.is_some() { None } else { scoring::level_up(before, after) };
    Ok(Answered::Recorded { outcome: verdict.outcome, level_up, certification: scope.certification.is_some() })
}

/// Records that the learner left the page of the current focused challenge.
pub async fn focus_out(state: &AppState, user: Uuid, id: Uuid, challenge_id: &str) -> Result<bool, AppError> {
    let a = owned(state, user, id).await?;
    let Some(current) = a.current_challenge_id.as_deref().filter(|c| *c == challenge_id) else { return Ok(false) };
    let focused = state.content.challenge_by_id(current).is_some_and(|c| state.content.challenge(c).focused);
    if !focused {
        return Ok(false);
    }
    store::set_focused_out(&state.db, id, challenge_id).await?;
    Ok(true)
}

/// Resets a competence: every current element gets a `reset` copy, the evaluation is reset.
pub async fn reset(state: &AppState, user: Uuid, competence: CompetenceIdx) -> Result<bool, AppError> {
    let view = competence_view(state, user, competence).await?;
    if !view.resettable {
        return Ok(false);
    }
    let content = &state.content;
    let code = content.competence(competence).code.clone();
    let now = state.clock.now_micros();
    let rows = store::knowledge(&state.db, user, Some(&code)).await?;
    let current = knowledge::current(&to_engine(content, &rows));
    let mut tx = state.db.begin().await?;
    for (n, ke) in current.iter().enumerate() {
        let skill = content.skill(ke.skill);
        let assessment = rows.iter().rev().find(|r| r.skill == skill.name).map(|r| r.assessment_id).unwrap_or_default();
        let reset = store::NewKe {
            user,
            assessment,
            answer: None,
            skill: &skill.name,
            competence: &code,
            source: ke.source.as_str(),
            status: "reset",
            earned_pix: 0.0,
            at: now + n as i64,
            exam: false,
        };
        store::insert_ke(&mut tx, reset).await?;
    }
    store::reset_competence(&mut tx, user, &code, now).await?;
    tx.commit().await?;
    Ok(true)
}
