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

use super::{
    kind::{Knowledge, Ongoing, Rules, Stop},
    store,
};
use crate::{
    AppState,
    web::error::{AppError, FieldError},
};

pub use super::store::{AnswerRow, Assessment, KeRow, TestState};

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
    let mut tx = state.db.begin().await?;
    let test = NewTest {
        competence: &code,
        improving,
        pix_before: i64::from(view.score.pix),
        level_before: i64::from(view.score.level),
        participation: None,
        course: None,
    };
    let id = begin(state, &mut tx, user, locale, test).await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// What a new test is: a competence's (with the profile before it), or linked to a campaign
/// participation or a certification course.
#[derive(Debug, Clone, Copy)]
pub struct NewTest<'a> {
    /// The competence of a competence test (empty for the other kinds).
    pub competence: &'a str,
    /// A retry (older failures may be asked again).
    pub improving: bool,
    /// Pix of the competence before the test.
    pub pix_before: i64,
    /// Level of the competence before the test.
    pub level_before: i64,
    /// The campaign participation of a campaign test.
    pub participation: Option<Uuid>,
    /// The course of a certification test.
    pub course: Option<Uuid>,
}

impl NewTest<'static> {
    /// The test of a campaign participation (`improving`: a retry of the campaign).
    pub fn for_participation(participation: Uuid, improving: bool) -> NewTest<'static> {
        NewTest {
            competence: "",
            improving,
            pix_before: 0,
            level_before: 0,
            participation: Some(participation),
            course: None,
        }
    }

    /// The test of a certification course.
    pub fn for_course(course: Uuid) -> NewTest<'static> {
        NewTest {
            competence: "",
            improving: false,
            pix_before: 0,
            level_before: 0,
            participation: None,
            course: Some(course),
        }
    }
}

/// Starts a test of any kind in a transaction, and asks its first question.
pub async fn begin(
    state: &AppState,
    tx: &mut crate::db::Tx,
    user: Uuid,
    locale: Locale,
    test: NewTest<'_>,
) -> Result<Uuid, AppError> {
    let now = state.clock.now_micros();
    let id = Uuid::now_v7();
    let seed: u32 = rand::rng().random();
    let row = store::NewAssessment {
        id,
        user,
        competence: test.competence,
        state: "started",
        content_version: &state.content.version,
        locale: locale.code(),
        seed: i64::from(seed),
        improving: test.improving,
        pix_before: test.pix_before,
        level_before: test.level_before,
        now,
        participation: test.participation,
        course: test.course,
    };
    store::insert_assessment(&mut *tx, row).await?;
    let assessment = store::assessment(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
    let scope = Scope::of(state, &mut *tx, &assessment).await?;
    let rows = scope.knowledge(&mut *tx, &assessment).await?;
    let standing = Standing { knowledge: &rows, answers: &[], leaving: None };
    advance_in(state, tx, &assessment, &scope, now, standing).await?;
    Ok(id)
}

/// Where a test stands when the flow moves on.
#[derive(Clone, Copy)]
struct Standing<'a> {
    /// What the test knows of the learner (its scope's knowledge, this answer's included).
    knowledge: &'a [KeRow],
    /// Each answer's challenge and whether it was right, in order.
    answers: &'a [(String, bool)],
    /// The question just answered, as the answer read it (`None` when the test starts): moving on
    /// fails (`None`) when the test is not there any more.
    leaving: Option<store::Leaving<'a>>,
}

async fn advance_in(
    state: &AppState,
    tx: &mut crate::db::Tx,
    a: &Assessment,
    scope: &Scope,
    now: i64,
    standing: Standing<'_>,
) -> Result<Option<Next>, AppError> {
    let Standing { knowledge: rows, answers, mut leaving } = standing;
    if let Some(test) = scope.test.as_ref().filter(|_| scope.rules().own_flow) {
        // A kind may ask its next question itself: the answered one is left first, unless another
        // submission already moved on.
        if let Some(from) = leaving.take()
            && !store::leave_current(&mut *tx, a.id, from, now).await?
        {
            return Ok(None);
        }
        if let Some(next) = test.next(state, tx, a, now, answers).await? {
            return Ok(Some(next));
        }
    }
    if in_placement(state, scope) {
        return advance_placement(state, tx, a, now, answers, leaving).await;
    }
    let content = &state.content;
    let next = choose(state, a, scope, rows, answers);
    // Moving on also checks that no other submission did in between (one statement).
    let moved = match next {
        Next::Ask { challenge, .. } => {
            store::move_current(&mut *tx, a.id, leaving, &content.challenge(challenge).id, now).await?
        }
        Next::End { .. } => {
            let ended = store::complete_after(&mut *tx, a, leaving, now).await?;
            if ended && let Some(test) = &scope.test {
                test.ended(state, tx, a).await?;
            }
            ended
        }
    };
    Ok(moved.then_some(next))
}

/// Whether a competence test runs in placement mode (its own engine, docs/engine.md).
fn in_placement(state: &AppState, scope: &Scope) -> bool {
    scope.test.is_none() && state.settings.competence_tests == crate::config::CompetenceTests::Placement
}

/// Smart random's next question (or the end) from the test as read: its knowledge, this answer's
/// elements included, and its answers. Pure: the flow may choose before it writes.
fn choose(state: &AppState, a: &Assessment, scope: &Scope, rows: &[KeRow], answers: &[(String, bool)]) -> Next {
    let rules = scope.rules();
    let content = &state.content;
    let mut current = knowledge::current(&to_engine(content, rows));
    // Competence retries, and every campaign (as the reference), may ask older failures again.
    if a.is_improving || rules.improvement {
        current = knowledge::for_improvement(&current, a.created_at, scoring::DAYS_BEFORE_IMPROVING);
    }
    let answered: HashSet<ChallengeIdx> = answers.iter().filter_map(|(c, _)| content.challenge_by_id(c)).collect();
    let last_timed =
        answers.last().map(|(c, _)| content.challenge_by_id(c).is_some_and(|c| content.challenge(c).timer.is_some()));
    smart_random::next(smart_random::Input {
        content,
        target_skills: &scope.target,
        knowledge: &current,
        answered: &answered,
        last_answer_timed: last_timed,
        locale: a.locale(),
        seed: a.seed as u32,
        include_archived: rules.include_archived,
    })
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
    leaving: Option<store::Leaving<'_>>,
) -> Result<Option<Next>, AppError> {
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
        if !store::move_current(&mut *tx, a.id, leaving, &content.challenge(challenge).id, now).await? {
            return Ok(None);
        }
        return Ok(Some(Next::Ask { challenge, skill: items[i].skill, level_estimated: estimator.capacity() }));
    }
    if !store::complete_after(&mut *tx, a, leaving, now).await? {
        return Ok(None);
    }
    let level = placement::level(&items, estimator.capacity());
    let code = &content.competence(competence).code;
    let mut kes = Vec::new();
    for (n, s) in content.competence(competence).active_skills.iter().enumerate() {
        let skill = content.skill(*s);
        let validated = u32::from(skill.level) <= level;
        kes.push(store::NewKe {
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
        });
    }
    store::insert_kes(&mut *tx, &kes).await?;
    Ok(Some(Next::End { level_estimated: estimator.capacity() }))
}

/// Each answer's challenge and whether it was right, in order.
pub fn outcomes(answers: &[AnswerRow]) -> Vec<(String, bool)> {
    answers.iter().map(|r| (r.challenge_id.clone(), r.result == engine::answer::Outcome::Ok.as_str())).collect()
}

/// What a test assesses: its target skills, and the test of a registered kind it is, if any.
pub struct Scope {
    /// Target skills, in a stable order (the pick depends on it).
    pub target: Vec<SkillIdx>,
    /// The campaign or certification test (`None`: a competence test).
    pub test: Option<Box<dyn Ongoing>>,
}

/// How the flow treats a competence test: the profile, its own competence's part.
const COMPETENCE_RULES: Rules = Rules {
    knowledge: Knowledge::Profile,
    improvement: false,
    include_archived: false,
    certification: false,
    own_flow: false,
};

impl Scope {
    /// The scope of an assessment: its registered kind's, or a competence test's.
    pub async fn of(state: &AppState, conn: impl Into<crate::db::Conn<'_>>, a: &Assessment) -> Result<Scope, AppError> {
        if let Some(kind) = state.test_kinds.iter().find(|k| k.owns(a)) {
            let (target, test) = kind.open(state, conn.into(), a).await?;
            return Ok(Scope { target, test: Some(test) });
        }
        let content = &state.content;
        let competence = content.competence_by_code(&a.competence_code).ok_or(AppError::NotFound)?;
        Ok(Scope { target: content.competence(competence).active_skills.clone(), test: None })
    }

    /// How the flow treats the test.
    pub fn rules(&self) -> Rules {
        self.test.as_ref().map_or(COMPETENCE_RULES, |t| t.rules())
    }

    /// The knowledge a test starts from: the profile (the competence's, or all of it for a
    /// campaign), or an exam's own.
    pub async fn knowledge(
        &self,
        conn: impl Into<crate::db::Conn<'_>>,
        a: &Assessment,
    ) -> Result<Vec<KeRow>, sqlx::Error> {
        match (self.rules().knowledge, &self.test) {
            (Knowledge::Nothing, _) => Ok(Vec::new()),
            (Knowledge::Profile, None) => store::knowledge(conn, a.user_id, Some(&a.competence_code)).await,
            (Knowledge::Profile, Some(_)) => store::knowledge(conn, a.user_id, None).await,
            (Knowledge::OwnAnswers, _) => store::knowledge_of_assessment(conn, a.id).await,
        }
    }
}

/// The test of a registered kind an assessment is (`None`: a competence test), read on the pool.
pub async fn test_of(state: &AppState, a: &Assessment) -> Result<Option<Box<dyn Ongoing>>, AppError> {
    // A competence test (no registered kind) needs nothing read, not even its target skills.
    match state.test_kinds.iter().find(|k| k.owns(a)) {
        Some(kind) => Ok(Some(kind.open(state, (&state.db).into(), a).await?.1)),
        None => Ok(None),
    }
}

/// Asks a question: it becomes the assessment's current one (for kinds that choose their own).
pub async fn ask(tx: &mut crate::db::Tx, a: &Assessment, challenge_id: &str, now: i64) -> Result<(), AppError> {
    store::set_current(&mut *tx, a.id, challenge_id, now).await?;
    Ok(())
}

/// Ends a test (nothing when it already is).
pub async fn end(tx: &mut crate::db::Tx, a: &Assessment, now: i64) -> Result<(), AppError> {
    if a.test_state() != TestState::Completed {
        store::complete(&mut *tx, a, now).await?;
    }
    Ok(())
}

/// The knowledge elements of a person's whole profile, in order.
pub async fn profile_knowledge(conn: impl Into<crate::db::Conn<'_>>, user: Uuid) -> Result<Vec<KeRow>, AppError> {
    Ok(store::knowledge(conn, user, None).await?)
}

/// The knowledge elements one test (an exam) proved, in order.
pub async fn test_knowledge(conn: impl Into<crate::db::Conn<'_>>, assessment: Uuid) -> Result<Vec<KeRow>, AppError> {
    Ok(store::knowledge_of_assessment(conn, assessment).await?)
}

/// The challenges a person ever answered.
pub async fn answered_challenges(conn: impl Into<crate::db::Conn<'_>>, user: Uuid) -> Result<Vec<String>, AppError> {
    Ok(store::answered_challenges(conn, user).await?)
}

/// An assessment, read on `conn`.
pub async fn assessment(conn: impl Into<crate::db::Conn<'_>>, id: Uuid) -> Result<Option<Assessment>, AppError> {
    Ok(store::assessment(conn, id).await?)
}

/// The answers of an assessment, in order.
pub async fn answers(conn: impl Into<crate::db::Conn<'_>>, id: Uuid) -> Result<Vec<AnswerRow>, AppError> {
    Ok(store::answers(conn, id).await?)
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
    read: impl Fn(Locale) -> (Response, String),
) -> Result<Answered, AppError> {
    for _ in 0..ANSWER_ATTEMPTS {
        let ready = match prepare_answer(state, user, id, challenge_id, &read).await? {
            Prepared::Said(answered) => return Ok(answered),
            Prepared::Ready(ready) => ready,
        };
        let owned = state.clone();
        if let Some(answered) = state.db.write(async move { commit_answer(&owned, *ready).await }).await? {
            return Ok(answered);
        }
    }
    // Overtaken every time: the question keeps changing under this answer.
    Ok(Answered::NotCurrent)
}

/// Attempts at recording one answer. Each reads the test and works out what the answer proves
/// before taking the write turn; its transaction then only writes, and moves on from the question
/// only if the test is still started, on that question, with the focus read (the answer's verdict
/// depends on it). A snapshot overtaken meanwhile (another submission, the learner leaving the
/// page, the test ended elsewhere) is rolled back and read again. On SQLite the node's one write
/// lock is held for the writes alone (docs/performance.md).
const ANSWER_ATTEMPTS: usize = 3;

/// What reading an answer's test gave: an answer for the learner already, or the writes to make.
enum Prepared {
    Said(Answered),
    Ready(Box<Ready>),
}

/// An answer checked against a snapshot of its test, ready to be written.
struct Ready {
    a: Assessment,
    scope: Scope,
    row: store::AnswerRow,
    outcome: Outcome,
    /// What the answer proves, and when each element counts from.
    elements: Vec<(knowledge::NewElement, i64)>,
    /// The scope's knowledge, this answer's elements included.
    knowledge: Vec<KeRow>,
    answered: Vec<(String, bool)>,
    before: CompetenceScore,
    after: CompetenceScore,
    now: i64,
}

/// The competence score of a test's own competence (the level-up message of competence tests).
fn own_competence_score(content: &Content, a: &Assessment, rows: &[KeRow]) -> CompetenceScore {
    let current = knowledge::current(&to_engine(content, rows));
    scoring::competence_score(
        current
            .iter()
            .filter(|k| content.competence(content.skill(k.skill).competence).code == a.competence_code)
            .map(|k| k.earned_pix),
        MAX_LEVEL,
    )
}

/// Reads the test on the pool and checks the answer against it, without writing.
async fn prepare_answer(
    state: &AppState,
    user: Uuid,
    id: Uuid,
    challenge_id: &str,
    read: &impl Fn(Locale) -> (Response, String),
) -> Result<Prepared, AppError> {
    let content = &state.content;
    let now = state.clock.now_micros();
    let (a, answers) = store::assessment_with_answers(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if a.user_id != user {
        return Err(AppError::NotFound);
    }
    // Someone else's (or no) assessment was a 404 above, before anything is said about the challenge.
    let Some(ci) = content.challenge_by_id(challenge_id) else {
        let error = FieldError { field: "challenge_id".into(), code: "field-challenge-unknown".into() };
        return Err(AppError::Invalid(vec![error]));
    };
    if answers.iter().any(|(c, _)| c == challenge_id) {
        return Ok(Prepared::Said(Answered::Duplicate));
    }
    if a.test_state() == TestState::Completed {
        return Ok(Prepared::Said(Answered::Completed));
    }
    if a.current_challenge_id.as_deref() != Some(challenge_id) {
        return Ok(Prepared::Said(Answered::NotCurrent));
    }
    let scope = Scope::of(state, &state.db, &a).await?;
    let rules = scope.rules();
    let mut rows = scope.knowledge(&state.db, &a).await?;
    let challenge = content.challenge(ci);
    let (response, raw_value) = read(a.locale());
    let asked_at = a.current_asked_at.unwrap_or(now);
    let timed_out = challenge.timer.is_some_and(|t| now > asked_at + i64::from(t) * 1_000_000 + TIMER_GRACE_MICROS);
    let verdict = answer::examine(
        challenge,
        a.locale(),
        &response,
        answer::Context { timed_out, focused_out: a.current_focused_out, certification: rules.certification },
    );
    let details = serde_json::to_string(
        &verdict.details.iter().map(|(k, ok)| (k.clone(), *ok)).collect::<std::collections::BTreeMap<_, _>>(),
    )
    .map_err(|e| AppError::Internal(e.into()))?;
    let time_spent = ((now - asked_at).max(0) + 999_999) / 1_000_000;
    let row = store::AnswerRow {
        id: Uuid::now_v7(),
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
    // Knowledge: what this answer proves (in the test's scope), scored before and after for the
    // level-up message of competence tests. A certification records answers only.
    let before = own_competence_score(content, &a, &rows);
    let target: HashSet<SkillIdx> = scope.target.iter().copied().collect();
    let assessed: HashSet<SkillIdx> =
        rows.iter().filter(|r| r.assessment_id == id).filter_map(|r| content.skill_by_name(&r.skill)).collect();
    let elements = if rules.knowledge == Knowledge::Nothing {
        Vec::new()
    } else {
        knowledge::elements_for_answer(content, challenge.skill, verdict.outcome.is_success(), &target, &assessed)
    };
    let elements: Vec<_> = elements.into_iter().enumerate().map(|(n, e)| (e, now + n as i64)).collect();
    for (e, at) in &elements {
        let skill = content.skill(e.skill);
        rows.push(KeRow {
            skill: skill.name.clone(),
            competence_code: content.competence(skill.competence).code.clone(),
            source: e.source.as_str().to_owned(),
            status: e.status.as_str().to_owned(),
            earned_pix: e.earned_pix,
            created_at: *at,
            assessment_id: id,
        });
    }
    let after = own_competence_score(content, &a, &rows);
    let ok = Outcome::Ok.as_str();
    let mut answered: Vec<_> = answers.into_iter().map(|(c, result)| (c, result == ok)).collect();
    answered.push((challenge_id.to_owned(), verdict.outcome.is_success()));
    Ok(Prepared::Ready(Box::new(Ready {
        a,
        scope,
        row,
        outcome: verdict.outcome,
        elements,
        knowledge: rows,
        answered,
        before,
        after,
        now,
    })))
}

/// Writes a prepared answer in one transaction; `None` when its snapshot was overtaken (then
/// nothing was written).
async fn commit_answer(state: &AppState, ready: Ready) -> Result<Option<Answered>, AppError> {
    let Ready { a, scope, row, outcome, elements, knowledge: rows, answered, before, after, now } = ready;
    let content = &state.content;
    let rules = scope.rules();
    let kes: Vec<_> = elements
        .iter()
        .map(|(e, at)| {
            let skill = content.skill(e.skill);
            store::NewKe {
                user: a.user_id,
                assessment: a.id,
                answer: Some(row.id),
                skill: &skill.name,
                competence: &content.competence(skill.competence).code,
                source: e.source.as_str(),
                status: e.status.as_str(),
                earned_pix: e.earned_pix,
                at: *at,
                exam: rules.knowledge == Knowledge::OwnAnswers,
            }
        })
        .collect();
    let leaving = store::Leaving { challenge: &row.challenge_id, focused_out: row.focused_out };
    // When nothing but smart random decides, the next question is chosen from what was read, and
    // on PostgreSQL an answer that moves on is written in one statement.
    if let crate::db::Db::Postgres(pool) = &state.db
        && !rules.own_flow
        && !in_placement(state, &scope)
        && let Next::Ask { challenge, .. } = choose(state, &a, &scope, &rows, &answered)
    {
        let next = &content.challenge(challenge).id;
        if !store::record_and_move(pool, &row, &kes, leaving, next, now).await? {
            return Ok(None);
        }
        return Ok(Some(recorded(state, &scope, outcome, before, after)));
    }
    let mut tx = state.db.begin().await?;
    // The kind may stop the answer, on what its tables say now: a question under an alert, a
    // deadline passed.
    if let Some(test) = &scope.test {
        match test.before_answer(state, &mut tx, &a, now).await? {
            Some(Stop::NotCurrent) => {
                // Rolled back now, not when dropped: the next writer's turn starts on a free lock.
                tx.rollback().await?;
                return Ok(Some(Answered::NotCurrent));
            }
            Some(Stop::Ended) => {
                tx.commit().await?;
                test.after_commit(state);
                return Ok(Some(Answered::Completed));
            }
            None => {}
        }
    }
    if !store::insert_answer(&mut tx, &row).await? {
        tx.rollback().await?;
        return Ok(Some(Answered::Duplicate));
    }
    store::insert_kes(&mut tx, &kes).await?;
    let standing = Standing { knowledge: &rows, answers: &answered, leaving: Some(leaving) };
    let Some(next) = advance_in(state, &mut tx, &a, &scope, now, standing).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    // In placement mode the end writes the level's knowledge: the level-up reads it.
    let after = if matches!(next, Next::End { .. })
        && scope.test.is_none()
        && state.settings.competence_tests == crate::config::CompetenceTests::Placement
    {
        own_competence_score(content, &a, &scope.knowledge(&mut tx, &a).await?)
    } else {
        after
    };
    tx.commit().await?;
    Ok(Some(recorded(state, &scope, outcome, before, after)))
}

/// A recorded answer, once its writes are committed: the kind is told, and a competence test says
/// the level reached when the answer raised it.
fn recorded(
    state: &AppState,
    scope: &Scope,
    outcome: Outcome,
    before: CompetenceScore,
    after: CompetenceScore,
) -> Answered {
    if let Some(test) = &scope.test {
        test.after_commit(state);
    }
    let level_up = if scope.test.is_some() { None } else { scoring::level_up(before, after) };
    Answered::Recorded { outcome, level_up, certification: scope.rules().certification }
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
