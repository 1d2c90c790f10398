//! Competence pix, levels, profile total, scorecard status and delays (reference §3.3–3.4).

use crate::knowledge::{DAY_MICROS, KnowledgeElement};

/// Pix per level.
pub const PIX_PER_LEVEL: u32 = 8;
/// Default maximum reachable level (a setting).
pub const DEFAULT_MAX_LEVEL: u32 = 6;
/// Days before a competence can be reset.
pub const DAYS_BEFORE_RESET: i64 = 7;
/// Days before a completed competence can be improved (retried).
pub const DAYS_BEFORE_IMPROVING: i64 = 4;

/// The score of one competence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CompetenceScore {
    /// Pix (floor of the earned total, capped at max level × 8).
    pub pix: u32,
    /// Level (floor of total / 8, capped at the max level).
    pub level: u32,
    /// Pix earned towards the next level (pix mod 8).
    pub pix_ahead: u32,
    /// Percentage towards the next level.
    pub percent_to_next: u32,
    /// Pix missing for the next level.
    pub remaining_to_next: u32,
}

/// Scores a competence from the earned pix of its current knowledge elements.
pub fn competence_score(elements: impl IntoIterator<Item = f64>, max_level: u32) -> CompetenceScore {
    let real_total: f64 = elements.into_iter().sum();
    let max_pix = max_level * PIX_PER_LEVEL;
    // Summing floats like 8/3 + 8/3 + 8/3 can give 7.999…; a tiny epsilon keeps whole levels whole.
    let whole = (real_total + 1e-9).floor().max(0.0);
    let pix = (whole as u32).min(max_pix);
    let level = ((whole / f64::from(PIX_PER_LEVEL)).floor() as u32).min(max_level);
    let pix_ahead = pix % PIX_PER_LEVEL;
    CompetenceScore {
        pix,
        level,
        pix_ahead,
        percent_to_next: pix_ahead * 100 / PIX_PER_LEVEL,
        remaining_to_next: PIX_PER_LEVEL - pix_ahead,
    }
}

/// Total of a profile: the sum of the (capped) competence pix.
pub fn profile_total(scores: &[CompetenceScore]) -> u32 {
    scores.iter().map(|s| s.pix).sum()
}

/// Maximum pix of a profile with 16 competences.
pub fn profile_max(max_level: u32) -> u32 {
    16 * max_level * PIX_PER_LEVEL
}

/// Status of a competence for a learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScorecardStatus {
    /// Never assessed (or reset).
    NotStarted,
    /// An assessment is under way or knowledge exists.
    Started,
    /// The competence assessment was completed.
    Completed,
}

/// The status from whether knowledge exists and the state of the competence evaluation.
pub fn scorecard_status(has_knowledge: bool, evaluation: Option<EvaluationState>) -> ScorecardStatus {
    match evaluation {
        Some(EvaluationState::Completed) => ScorecardStatus::Completed,
        Some(EvaluationState::Started) => ScorecardStatus::Started,
        Some(EvaluationState::Reset) | None if has_knowledge => ScorecardStatus::Started,
        _ => ScorecardStatus::NotStarted,
    }
}

/// State of a learner's competence evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationState {
    /// Its assessment is under way.
    Started,
    /// Its assessment ended.
    Completed,
    /// It was reset.
    Reset,
}

/// Whole days left before `delay_days` have passed since `since` (ceil of the fractional rest, ≥ 0).
pub fn days_remaining(since: i64, now: i64, delay_days: i64) -> u32 {
    let left = (delay_days * DAY_MICROS - (now - since).max(0)) as f64 / DAY_MICROS as f64;
    left.ceil().max(0.0) as u32
}

/// The time of the latest element (the last "move" in the competence).
pub fn last_move(elements: &[KnowledgeElement]) -> Option<i64> {
    elements.iter().map(|ke| ke.created_at).max()
}

/// Whether a competence can be reset now.
pub fn is_resettable(status: ScorecardStatus, last_move: Option<i64>, now: i64) -> bool {
    status != ScorecardStatus::NotStarted && last_move.is_none_or(|t| days_remaining(t, now, DAYS_BEFORE_RESET) == 0)
}

/// Whether a completed competence can be improved now.
pub fn is_improvable(status: ScorecardStatus, level: u32, max_level: u32, last_move: Option<i64>, now: i64) -> bool {
    status == ScorecardStatus::Completed
        && level < max_level
        && last_move.is_none_or(|t| days_remaining(t, now, DAYS_BEFORE_IMPROVING) == 0)
}

/// The new level when an answer raised it, for the level-up message.
pub fn level_up(before: CompetenceScore, after: CompetenceScore) -> Option<u32> {
    (after.level > before.level).then_some(after.level)
}
