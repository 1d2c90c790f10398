//! Placement mode for competence tests (not in the reference; docs/engine.md): the questions of one
//! competence chosen by information at the current capacity estimate, the test stopping once the
//! estimate is precise enough, and the level read from where the estimate sits among the skills'
//! difficulties — instead of summing the pix of the skills that happened to be validated.

use content::{ChallengeIdx, ChallengeStatus, CompetenceIdx, Content, Locale, SkillIdx};

use crate::flash::{self, Estimator, FlashConfig};

/// Settings of the placement mode.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlacementConfig {
    /// Stop once the error rate is at most this…
    pub error_rate: f64,
    /// …after at least this many questions…
    pub minimum_length: usize,
    /// …and in any case after this many.
    pub maximum_length: usize,
    /// The next question is drawn among this many most informative ones (exposure).
    pub top_candidates: usize,
}

impl Default for PlacementConfig {
    fn default() -> Self {
        PlacementConfig { error_rate: 0.55, minimum_length: 5, maximum_length: 13, top_candidates: 3 }
    }
}

impl PlacementConfig {
    /// The estimator's settings: start at the population mean, no limit on moves.
    pub fn estimator(&self) -> FlashConfig {
        FlashConfig { default_candidate_capacity: 0.0, variation_percent: None, ..FlashConfig::default() }
    }
}

/// A challenge of the competence with what placement reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Item {
    /// The challenge.
    pub challenge: ChallengeIdx,
    /// Its skill (one question per skill).
    pub skill: SkillIdx,
    /// The skill's level (1–8).
    pub level: u8,
    /// Discrimination.
    pub a: f64,
    /// Difficulty.
    pub b: f64,
}

/// The validated challenges of a competence's active skills in a language.
pub fn items(content: &Content, competence: CompetenceIdx, locale: Locale) -> Vec<Item> {
    content
        .competence(competence)
        .active_skills
        .iter()
        .flat_map(|s| content.skill(*s).challenges.iter().copied())
        .filter(|c| {
            let ch = content.challenge(*c);
            ch.status == ChallengeStatus::Validated && ch.locales.contains(&locale)
        })
        .map(|c| {
            let ch = content.challenge(c);
            Item {
                challenge: c,
                skill: ch.skill,
                level: content.skill(ch.skill).level,
                a: ch.discrimination,
                b: ch.difficulty,
            }
        })
        .collect()
}

/// The next question (index in `items`) after the answers to `asked`, or `None` when the test is
/// over: precise enough after the minimum, the maximum reached, or no skill left.
pub fn next(
    items: &[Item],
    asked: &[usize],
    estimator: &Estimator,
    config: &PlacementConfig,
    rng: &mut impl rand::Rng,
) -> Option<usize> {
    let n = asked.len();
    if n >= config.maximum_length || (n >= config.minimum_length && estimator.error_rate() <= config.error_rate) {
        return None;
    }
    let theta = estimator.capacity();
    let mut scored: Vec<(f64, usize)> = items
        .iter()
        .enumerate()
        .filter(|(_, it)| !asked.iter().any(|i| items[*i].skill == it.skill))
        .map(|(i, it)| (flash::information(it.a, it.b, theta), i))
        .collect();
    if scored.is_empty() {
        return None;
    }
    // Best first; ties keep content order so a replay asks the same questions.
    scored.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    scored.truncate(config.top_candidates.max(1));
    Some(scored[flash::binary_tree_pick(51, scored.len(), rng)].1)
}

/// The level a capacity places the learner at: the highest skill level whose challenges they pass
/// at least half the time on average (mean difficulty at or below the capacity), 0 when none.
pub fn level(items: &[Item], theta: f64) -> u32 {
    (1..=8u8)
        .filter(|d| {
            let bs: Vec<f64> = items.iter().filter(|it| it.level == *d).map(|it| it.b).collect();
            !bs.is_empty() && bs.iter().sum::<f64>() / bs.len() as f64 <= theta
        })
        .max()
        .map_or(0, u32::from)
}
