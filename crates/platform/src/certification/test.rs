//! The certification test: a kind of test (`evaluation::kind`) whose questions come from flash
//! (REFERENCE §5.3) or, for a v2 certification, from the plan chosen at its start; it records answers
//! only, ends at its deadline, and waits for the invigilator on an alert. Evaluation runs the shared
//! flow and asks this module at each step.

use std::collections::HashSet;

use async_trait::async_trait;
use content::{ChallengeIdx, Locale, SkillIdx};
use engine::smart_random::Next;
use uuid::Uuid;

use super::{model::Course, store};
use crate::{
    AppState,
    db::{Conn, Tx},
    evaluation::{
        kind::{ExamClock, Knowledge, Ongoing, Rules, Stop, TestKind},
        service::{self as evaluation, Assessment},
    },
    web::{error::AppError, i18n::Lang},
};

/// Certification tests: the assessments of a course.
pub struct CertificationKind;

#[async_trait]
impl TestKind for CertificationKind {
    fn owns(&self, a: &Assessment) -> bool {
        a.course_id.is_some()
    }

    async fn open(
        &self,
        _state: &AppState,
        conn: Conn<'_>,
        a: &Assessment,
    ) -> Result<(Vec<SkillIdx>, Box<dyn Ongoing>), AppError> {
        let id = a.course_id.ok_or(AppError::NotFound)?;
        let course = store::course(conn, id).await?.ok_or(AppError::NotFound)?;
        // Flash chooses from the whole bank: no target skills.
        Ok((Vec::new(), Box::new(CertificationTest { course })))
    }
}

/// A certification test under way.
pub struct CertificationTest {
    course: Course,
}

/// A certification neither reads nor changes the profile, and never tells an outcome.
/// Its questions and alerts are decided in the answer's transaction.
const RULES: Rules = Rules {
    knowledge: Knowledge::Nothing,
    improvement: false,
    include_archived: false,
    certification: true,
    own_flow: true,
};

#[async_trait]
impl Ongoing for CertificationTest {
    fn rules(&self) -> Rules {
        RULES
    }

    fn results_path(&self) -> String {
        format!("/certification/candidats/{}", self.course.candidate_id)
    }

    fn heading(&self, lang: Lang) -> String {
        lang.t("certification-heading")
    }

    async fn exam_clock(&self, state: &AppState) -> Result<Option<ExamClock>, AppError> {
        let length = super::service::course_length(state, &self.course).await?;
        Ok(Some(ExamClock { length, deadline: self.course.deadline }))
    }

    async fn alert_open(&self, state: &AppState) -> Result<bool, AppError> {
        super::service::alert_open(state, self.course.id).await
    }

    async fn next(
        &self,
        state: &AppState,
        tx: &mut Tx,
        a: &Assessment,
        now: i64,
        answers: &[(String, bool)],
    ) -> Result<Option<Next>, AppError> {
        advance_certification(state, tx, a, &self.course, now, answers).await.map(Some)
    }

    async fn before_answer(
        &self,
        _state: &AppState,
        tx: &mut Tx,
        a: &Assessment,
        now: i64,
    ) -> Result<Option<Stop>, AppError> {
        // A question under an alert waits for the invigilator.
        if store::ongoing_alert(&mut *tx, self.course.id).await?.is_some() {
            return Ok(Some(Stop::NotCurrent));
        }
        // An answer after the deadline ends the test instead of counting.
        if now > self.course.deadline + evaluation::TIMER_GRACE_MICROS {
            finish_certification(tx, a, self.course.id, now, false).await?;
            return Ok(Some(Stop::Ended));
        }
        Ok(None)
    }

    fn after_commit(&self, state: &AppState) {
        // The invigilator's screen shows the answers so far.
        super::live::publish(state, self.course.session_id);
    }
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
    course: &Course,
    now: i64,
    answers: &[(String, bool)],
) -> Result<Next, AppError> {
    use rand::SeedableRng;
    if course.version == 2 {
        return advance_v2(state, tx, a, course, now, answers).await;
    }
    let content = &state.content;
    let settings = super::configuration::settings_of(state, &mut *tx, course.configuration_version).await?;
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
    let excluded: HashSet<SkillIdx> = store::validated_alerts(&mut *tx, course.id)
        .await?
        .iter()
        .filter_map(|id| content.challenge_by_id(id).map(|c| content.challenge(c).skill))
        .collect();
    // Exposure control, when the configuration asks for it: counts of the last 365 days.
    let counts = match config.maximum_exposure_rate {
        Some(_) => Some(super::exposure::counts(state, &mut *tx, a.locale()).await?),
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
            evaluation::ask(tx, a, &content.challenge(c.challenge).id, now).await?;
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
    course: &Course,
    now: i64,
    answers: &[(String, bool)],
) -> Result<Next, AppError> {
    let content = &state.content;
    let withdrawn = store::validated_alerts(&mut *tx, course.id).await?;
    let plan = course.v2_plan();
    let next = plan
        .questions()
        .filter(|q| !answers.iter().any(|(c, _)| c == q) && !withdrawn.iter().any(|w| w == q))
        .find_map(|q| content.challenge_by_id(q));
    match next {
        Some(challenge) if now < course.deadline => {
            evaluation::ask(tx, a, &content.challenge(challenge).id, now).await?;
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
    let a = evaluation::assessment(&mut tx, assessment).await?.ok_or(AppError::NotFound)?;
    let course_id = a.course_id.ok_or(AppError::NotFound)?;
    let course = store::course(&mut tx, course_id).await?.ok_or(AppError::NotFound)?;
    if a.test_state() == evaluation::TestState::Started {
        let answers = evaluation::outcomes(&evaluation::answers(&mut tx, a.id).await?);
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
    evaluation::end(tx, a, now).await?;
    store::complete_course(&mut *tx, course, now, by_invigilator).await?;
    Ok(())
}
