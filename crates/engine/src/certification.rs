//! Certification scoring: v3 (flash, §5.5) and v2 (three questions per competence, §6.1–6.3).

use std::collections::HashMap;

use crate::flash::{self, Asked, Calibrated, Estimator, FlashBank, FlashConfig, Selection, Situation};

/// Highest v3 score.
pub const MAX_REACHABLE_SCORE: u32 = 895;

/// A half-open interval [min, max) of capacity.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// Lower bound (included).
    pub min: f64,
    /// Upper bound (excluded).
    pub max: f64,
}

/// Mesh levels: (weight, coefficient) by interval index (§5.5).
pub const MESH: [(u32, u32); 9] =
    [(64, 0), (64, 1), (128, 1), (128, 2), (128, 3), (128, 4), (128, 5), (128, 6), (128, 7)];

/// The intervals of the reference's seeds (production values are configuration).
pub fn seed_global_intervals() -> Vec<Interval> {
    let bounds = [-8.0, -1.4, -0.519, 0.6, 1.5, 2.25, 3.1, 4.0, 8.0];
    bounds.windows(2).map(|w| Interval { min: w[0], max: w[1] }).collect()
}

/// The global score 0–895 of a capacity (§5.5 step 5).
pub fn global_score(theta: f64, intervals: &[Interval]) -> u32 {
    let (Some(first), Some(last)) = (intervals.first(), intervals.last()) else {
        return 0;
    };
    if theta <= first.min {
        return 0;
    }
    if theta >= last.max {
        return MAX_REACHABLE_SCORE;
    }
    let Some(i) = intervals.iter().position(|iv| iv.min <= theta && theta < iv.max) else {
        return 0;
    };
    let iv = intervals[i];
    let progression = 1.0 - (iv.max - theta) / (iv.max - iv.min);
    let (weight, coefficient) = MESH[i.min(MESH.len() - 1)];
    ((f64::from(weight) * (f64::from(coefficient) + progression)).floor() as u32).min(MAX_REACHABLE_SCORE)
}

/// The level of a competence from its intervals (level, interval); the ends are open.
pub fn competence_level(theta: f64, intervals: &[(u32, Interval)]) -> Option<u32> {
    let lowest = intervals.iter().map(|(_, iv)| iv.min).fold(f64::INFINITY, f64::min);
    let highest = intervals.iter().map(|(_, iv)| iv.max).fold(f64::NEG_INFINITY, f64::max);
    intervals.iter().find_map(|(level, iv)| {
        let min = if iv.min == lowest { f64::NEG_INFINITY } else { iv.min };
        let max = if iv.max == highest { f64::INFINITY } else { iv.max };
        (min <= theta && theta < max).then_some(*level)
    })
}

/// Why a certification stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AbortReason {
    /// The candidate left.
    Candidate,
    /// A technical problem.
    Technical,
}

/// Final status of a certification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Certified.
    Validated,
    /// Not certified.
    Rejected,
    /// Cancelled (not enough answers for a technical reason).
    Cancelled,
}

/// Why the status is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Scored normally.
    Standard,
    /// Too few answers.
    LackOfAnswers,
    /// Too few answers because of a technical problem.
    LackOfAnswersForTechnicalReason,
    /// Rejected by the jury for fraud.
    Fraud,
}

/// One answer of a v3 certification.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct V3Answer {
    /// The challenge as asked (calibration at that time).
    pub challenge: Calibrated,
    /// Only `ok` is a success.
    pub success: bool,
}

/// The result of a v3 certification.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct V3Result {
    /// Final capacity (after degradation).
    pub capacity: f64,
    /// Global score 0–895.
    pub score: u32,
    /// Status.
    pub status: Status,
    /// Reason.
    pub reason: Reason,
    /// Level per competence code.
    pub competence_levels: Vec<(String, u32)>,
}

/// Scoring settings of a certification version.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct V3Scoring {
    /// Global intervals (8 for mesh levels 0–7).
    pub global: Vec<Interval>,
    /// Per competence code: (level, interval).
    pub competences: HashMap<String, Vec<(u32, Interval)>>,
}

/// Scores a v3 certification (§5.5), degrading the capacity when the candidate left early.
pub fn score_v3(
    answers: &[V3Answer],
    bank: &FlashBank,
    abort: Option<AbortReason>,
    fraud: bool,
    config: &FlashConfig,
    scoring: &V3Scoring,
) -> V3Result {
    let mut estimator = Estimator::new(config);
    for a in answers {
        estimator.update(a.challenge.a, a.challenge.b, a.success);
    }
    let n = answers.len();
    if n >= config.minimum_answers_required
        && n < config.maximum_assessment_length
        && abort == Some(AbortReason::Candidate)
    {
        estimator = degrade(estimator, answers, bank, config);
    }
    let capacity = estimator.capacity();
    let (status, reason) = if fraud {
        (Status::Rejected, Reason::Fraud)
    } else if n < config.minimum_answers_required && abort == Some(AbortReason::Technical) {
        (Status::Cancelled, Reason::LackOfAnswersForTechnicalReason)
    } else if n < config.minimum_answers_required {
        (Status::Rejected, Reason::LackOfAnswers)
    } else {
        (Status::Validated, Reason::Standard)
    };
    let mut competence_levels: Vec<(String, u32)> = scoring
        .competences
        .iter()
        .filter_map(|(code, intervals)| competence_level(capacity, intervals).map(|l| (code.clone(), l)))
        .collect();
    competence_levels.sort();
    V3Result { capacity, score: global_score(capacity, &scoring.global), status, reason, competence_levels }
}

/// Simulates the unanswered questions as skipped (wrong), each time on the most informative
/// challenge under the same rules, until the test would have ended (its maximum length, or its
/// stopping rule with a variable length), and returns the resulting estimate.
pub fn degrade(mut estimator: Estimator, answers: &[V3Answer], bank: &FlashBank, config: &FlashConfig) -> Estimator {
    let mut asked: Vec<Asked> = answers
        .iter()
        .map(|a| Asked { skill: a.challenge.skill, tube: a.challenge.tube, competence: a.challenge.competence })
        .collect();
    let excluded = std::collections::HashSet::new();
    // With a 100 % pick the best candidate is always taken: the random source is never read.
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
    while !flash::finished(config, asked.len(), estimator.error_rate()) {
        let situation =
            Situation { bank, asked: &asked, excluded_skills: &excluded, needs_accessibility: false, exposure: None };
        match flash::select(situation, estimator.capacity(), config, 100, &mut rng) {
            Ok(Selection::Ask(i)) => {
                let c = bank.items()[i];
                estimator.update(c.a, c.b, false);
                asked.push(Asked { skill: c.skill, tube: c.tube, competence: c.competence });
            }
            Ok(Selection::End) | Err(_) => break,
        }
    }
    estimator
}

// ------------------------------------------------------------------------------------------ v2

/// Certified competences needed to be certifiable.
pub const MINIMUM_CERTIFIABLE_COMPETENCES: usize = 5;
/// Challenges per competence in v2.
pub const CHALLENGES_PER_COMPETENCE: usize = 3;
/// Below this reproducibility rate nothing is certified.
pub const MINIMUM_REPRODUCIBILITY_RATE_TO_BE_CERTIFIED: u32 = 50;
/// At or above this rate the result is trusted.
pub const MINIMUM_REPRODUCIBILITY_RATE_TO_BE_TRUSTED: u32 = 80;

/// v2 eligibility: at least 5 competences at level 1 or more.
pub fn is_certifiable(competence_levels: &[u32]) -> bool {
    competence_levels.iter().filter(|l| **l >= 1).count() >= MINIMUM_CERTIFIABLE_COMPETENCES
}

/// What the rule table decides for a competence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Action {
    /// Certified at the estimated level.
    Validate,
    /// Certified one level lower (and 8 pix less).
    Downgrade,
    /// Not certified.
    Invalidate,
}

/// Errors of v2 scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum V2Error {
    /// The (challenges, correct, neutralized) combination is not in the rule table.
    #[error("no rule for {challenges} challenges, {correct} correct, {neutralized} neutralized")]
    MissingRule {
        /// Challenges counted.
        challenges: u32,
        /// Correct answers counted.
        correct: u32,
        /// Neutralized challenges counted.
        neutralized: u32,
    },
}

/// The rule table of §6.3: action by reproducibility band (≥ 80, 70–79, < 70).
pub fn rule(challenges: u32, correct: u32, neutralized: u32, rate: u32) -> Result<Action, V2Error> {
    use Action::{Downgrade as D, Invalidate as I, Validate as V};
    let row: [Action; 3] = match (challenges, correct, neutralized) {
        (3, 3, 0) => [V, V, V],
        (3, 2, 0) => [V, D, D],
        (3, 2, 1) => [V, V, V],
        (3, 1, 0) => [I, I, I],
        (3, 1, 1) => [V, D, I],
        (3, 1, 2) => [V, V, D],
        (3, 0, 0..=3) => [I, I, I],
        (2, 2, 0) => [V, V, V],
        (2, 1, 0) => [V, D, I],
        (2, 1, 1) => [V, V, D],
        (2, 0, 0..=2) => [I, I, I],
        (1, 1, 0) => [V, V, D],
        (1, 0, 1) | (1, 0, 0) => [I, I, I],
        _ => {
            return Err(V2Error::MissingRule { challenges, correct, neutralized });
        }
    };
    Ok(row[if rate >= 80 {
        0
    } else if rate >= 70 {
        1
    } else {
        2
    }])
}

/// One answered challenge of a v2 certification.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct V2Answer {
    /// Index of the competence (in the caller's list).
    pub competence: usize,
    /// The answer was `ok`.
    pub correct: bool,
    /// The challenge was neutralized by the jury or an issue report.
    pub neutralized: bool,
    /// The challenge is a QROCM-dep (counts twice in small competences).
    pub qrocm_dep: bool,
}

/// A competence's estimate before certification.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimated {
    /// Level from the profile.
    pub level: u32,
    /// Pix from the profile.
    pub pix: u32,
}

/// A certified competence mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Mark {
    /// Certified level (−1 when not certified).
    pub level: i32,
    /// Certified pix.
    pub score: u32,
}

/// The result of a v2 certification.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct V2Result {
    /// Reproducibility rate 0–100.
    pub reproducibility_rate: u32,
    /// Marks in the order of the estimates.
    pub marks: Vec<Mark>,
    /// Sum of the competence scores.
    pub pix: u32,
    /// Validated unless the total is 0.
    pub status: Status,
    /// Whether enough challenges were answered to trust the result.
    pub trustable: bool,
}

/// Reproducibility rate: round(100 × correct / answered non-neutralized), 0 when nothing counts.
pub fn reproducibility_rate(answers: &[V2Answer]) -> u32 {
    let counted: Vec<&V2Answer> = answers.iter().filter(|a| !a.neutralized).collect();
    if counted.is_empty() {
        return 0;
    }
    let correct = counted.iter().filter(|a| a.correct).count() as f64;
    (100.0 * correct / counted.len() as f64).round() as u32
}

/// Scores a v2 certification (§6.3).
pub fn score_v2(answers: &[V2Answer], estimates: &[Estimated], max_level: u32) -> Result<V2Result, V2Error> {
    let rate = reproducibility_rate(answers);
    let max_pix = max_level * crate::scoring::PIX_PER_LEVEL;
    let mut marks = Vec::with_capacity(estimates.len());
    for (ci, est) in estimates.iter().enumerate() {
        let mine: Vec<&V2Answer> = answers.iter().filter(|a| a.competence == ci).collect();
        let few = mine.len() < CHALLENGES_PER_COMPETENCE;
        let weight = |a: &V2Answer| if few && a.qrocm_dep { 2 } else { 1 };
        let challenges: u32 = mine.iter().map(|a| weight(a)).sum::<u32>().min(3);
        let correct: u32 = mine.iter().filter(|a| a.correct && !a.neutralized).map(|a| weight(a)).sum::<u32>().min(3);
        let neutralized: u32 = mine.iter().filter(|a| a.neutralized).map(|a| weight(a)).sum::<u32>().min(3);
        let action = if rate < MINIMUM_REPRODUCIBILITY_RATE_TO_BE_CERTIFIED || mine.is_empty() {
            Action::Invalidate
        } else {
            rule(challenges, correct, neutralized, rate)?
        };
        let mark = match action {
            Action::Validate => Mark { level: est.level as i32, score: est.pix },
            Action::Downgrade => Mark { level: est.level as i32 - 1, score: est.pix.saturating_sub(8) },
            Action::Invalidate => Mark { level: -1, score: 0 },
        };
        marks.push(Mark { level: mark.level.min(max_level as i32), score: mark.score.min(max_pix) });
    }
    let pix = marks.iter().map(|m| m.score).sum();
    let answered = answers.iter().filter(|a| !a.neutralized).count();
    let trustable = answered >= (0.66 * answers.len() as f64).ceil() as usize;
    Ok(V2Result {
        reproducibility_rate: rate,
        marks,
        pix,
        status: if pix == 0 { Status::Rejected } else { Status::Validated },
        trustable,
    })
}

/// One competence of a v2 certification: the candidate's estimate from their profile and the
/// questions chosen to confirm it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2Part {
    /// The competence.
    pub competence: content::CompetenceIdx,
    /// Level in the profile when the test started.
    pub level: u32,
    /// Pix in the profile when the test started.
    pub pix: u32,
    /// Up to three challenges, hardest skills first.
    pub challenges: Vec<content::ChallengeIdx>,
}

/// What v2 selection reads: the candidate's current knowledge and history.
pub struct V2Input<'a> {
    /// The referential.
    pub content: &'a content::Content,
    /// Current knowledge elements (one per skill).
    pub knowledge: &'a [crate::knowledge::KnowledgeElement],
    /// Challenges the candidate has answered before, preferably not asked again.
    pub answered: &'a std::collections::HashSet<content::ChallengeIdx>,
    /// Language of the test.
    pub locale: content::Locale,
    /// Only challenges usable by blind and colour-blind candidates.
    pub needs_accessibility: bool,
    /// Maximum reachable level.
    pub max_level: u32,
}

/// Chooses the questions of a v2 certification (§6.2): for each certifiable competence (level ≥ 1),
/// the skills the candidate validated directly, hardest first by difficulty group; one challenge per
/// skill in the language, drawn among those never answered when there are some; within a group,
/// challenges of a tube not yet represented first; after a group, stop once three are collected.
pub fn select_v2(input: &V2Input<'_>, rng: &mut impl rand::Rng) -> Vec<V2Part> {
    use crate::knowledge::{Source, Status as KeStatus};
    use content::{ChallengeStatus, SkillIdx};
    use rand::seq::IndexedRandom;
    let content = input.content;
    let mut parts = Vec::new();
    for (ci, _) in content.competences.iter().enumerate() {
        let competence = content::CompetenceIdx(ci as u32);
        let mine: Vec<_> = input.knowledge.iter().filter(|k| content.skill(k.skill).competence == competence).collect();
        let score = crate::scoring::competence_score(mine.iter().map(|k| k.earned_pix), input.max_level);
        if score.level < 1 {
            continue;
        }
        let mut skills: Vec<SkillIdx> = mine
            .iter()
            .filter(|k| k.source == Source::Direct && k.status == KeStatus::Validated)
            .map(|k| k.skill)
            .collect();
        skills.sort_by_key(|s| (std::cmp::Reverse(content.skill(*s).level), s.0));
        skills.dedup();
        let mut chosen: Vec<content::ChallengeIdx> = Vec::new();
        let mut tubes: Vec<content::TubeIdx> = Vec::new();
        for group in skills.chunk_by(|a, b| content.skill(*a).level == content.skill(*b).level) {
            let mut picks: Vec<content::ChallengeIdx> = group
                .iter()
                .filter_map(|s| {
                    let usable: Vec<content::ChallengeIdx> = content
                        .skill(*s)
                        .challenges
                        .iter()
                        .copied()
                        .filter(|c| {
                            let c = content.challenge(*c);
                            c.status == ChallengeStatus::Validated
                                && c.locales.contains(&input.locale)
                                && (!input.needs_accessibility || (c.blind_ok && c.colour_blind_ok))
                        })
                        .collect();
                    let fresh: Vec<content::ChallengeIdx> =
                        usable.iter().copied().filter(|c| !input.answered.contains(c)).collect();
                    let pool = if fresh.is_empty() { usable } else { fresh };
                    pool.choose(rng).copied()
                })
                .collect();
            // A stable sort keeps the difficulty order inside each half.
            picks.sort_by_key(|c| tubes.contains(&content.skill(content.challenge(*c).skill).tube));
            for c in picks {
                let tube = content.skill(content.challenge(c).skill).tube;
                if !tubes.contains(&tube) {
                    tubes.push(tube);
                }
                chosen.push(c);
            }
            if chosen.len() >= CHALLENGES_PER_COMPETENCE {
                break;
            }
        }
        chosen.truncate(CHALLENGES_PER_COMPETENCE);
        parts.push(V2Part { competence, level: score.level, pix: score.pix, challenges: chosen });
    }
    parts
}

/// Highest v2 score: every competence at the maximum reachable level.
pub fn v2_max_score(competences: usize, max_level: u32) -> u32 {
    competences as u32 * max_level * crate::scoring::PIX_PER_LEVEL
}
