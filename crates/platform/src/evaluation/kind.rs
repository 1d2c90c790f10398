//! Kinds of test. Every test shares one flow — start, show the current question, check an answer,
//! choose the next question, end — and a competence test is evaluation's own. The other kinds are
//! registered by the context that owns them (`crate::TEST_KINDS`, in `AppState::test_kinds`): a
//! campaign test (prescription) and a certification test (certification). Evaluation asks the kind
//! of an assessment through [`TestKind`] and the test under way through [`Ongoing`], never the
//! owner's tables, the way the personal-data registry works.

use async_trait::async_trait;
use content::SkillIdx;
use engine::smart_random::Next;

use super::store::Assessment;
use crate::{
    AppState,
    db::{Conn, Tx},
    web::{error::AppError, i18n::Lang},
};

/// Where a test's knowledge comes from, and goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Knowledge {
    /// The learner's whole profile: what the test proves goes into it.
    Profile,
    /// The test's own answers only (an exam: the profile is neither read nor changed).
    OwnAnswers,
    /// None: the test records answers only (a certification, whose questions come from flash).
    Nothing,
}

/// How the shared flow treats a kind's tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// What the test knows of the learner, and what its answers prove.
    pub knowledge: Knowledge,
    /// Older failures may be asked again (as the reference does for every campaign but exams).
    pub improvement: bool,
    /// Archived challenges may be asked (a campaign's target profile may name them).
    pub include_archived: bool,
    /// An answer's outcome is the jury's, never told to the candidate (checked as in certification).
    pub certification: bool,
    /// The kind checks each answer and may choose the next question itself, on what its tables say
    /// inside the answer's transaction ([`Ongoing::before_answer`], [`Ongoing::next`]). Without it,
    /// the flow may choose the next question before writing, and on PostgreSQL record the answer
    /// and move on in one statement.
    pub own_flow: bool,
}

/// A kind of test other than a competence test: which assessments it owns, and how it opens one.
#[async_trait]
pub trait TestKind: Send + Sync + 'static {
    /// Whether the assessment is one of this kind's tests (by its links).
    fn owns(&self, a: &Assessment) -> bool;

    /// The test under way of the assessment (read on `conn`: the answer's transaction, or the pool),
    /// with the skills it targets in a stable order (the pick depends on it).
    async fn open(
        &self,
        state: &AppState,
        conn: Conn<'_>,
        a: &Assessment,
    ) -> Result<(Vec<SkillIdx>, Box<dyn Ongoing>), AppError>;
}

/// The clock and length of an exam, shown on its question page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExamClock {
    /// Questions in the test.
    pub length: usize,
    /// When the time is up, in microseconds.
    pub deadline: i64,
}

/// What a stage of the flow says when it stops an answer before it is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The question is not open to an answer (it waits for the invigilator).
    NotCurrent,
    /// The test is over: it was ended in the transaction, which the flow commits.
    Ended,
}

/// A test of a registered kind, under way: what it adds to each step of the shared flow.
#[async_trait]
pub trait Ongoing: Send + Sync {
    /// How the flow treats it.
    fn rules(&self) -> Rules;

    /// Where its results are shown once it is over.
    fn results_path(&self) -> String;

    /// The heading of its question pages.
    fn heading(&self, lang: Lang) -> String;

    /// Its clock when it is timed as a whole (an exam page without navigation).
    async fn exam_clock(&self, _state: &AppState) -> Result<Option<ExamClock>, AppError> {
        Ok(None)
    }

    /// Whether the current question waits for the invigilator (an alert is open).
    async fn alert_open(&self, _state: &AppState) -> Result<bool, AppError> {
        Ok(false)
    }

    /// The next question when the kind chooses it itself (flash, a fixed plan), asked or ended
    /// through `evaluation::service::{ask, end}`; `None` lets smart random choose.
    async fn next(
        &self,
        _state: &AppState,
        _tx: &mut Tx,
        _a: &Assessment,
        _now: i64,
        _answers: &[(String, bool)],
    ) -> Result<Option<Next>, AppError> {
        Ok(None)
    }

    /// Before an answer is recorded: `Some` stops it there.
    async fn before_answer(
        &self,
        _state: &AppState,
        _tx: &mut Tx,
        _a: &Assessment,
        _now: i64,
    ) -> Result<Option<Stop>, AppError> {
        Ok(None)
    }

    /// The flow ended the test (in its transaction).
    async fn ended(&self, _state: &AppState, _tx: &mut Tx, _a: &Assessment) -> Result<(), AppError> {
        Ok(())
    }

    /// After the transaction of an answer (or of a stop) committed.
    fn after_commit(&self, _state: &AppState) {}
}
