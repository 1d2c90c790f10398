//! The "flash" IRT algorithm of certification (reference §5.1–5.4): capacity estimation on a grid
//! with a moving Gaussian prior, and next-challenge selection by Fisher information.

use std::{collections::HashSet, sync::LazyLock};

use content::{ChallengeIdx, CompetenceIdx, SkillIdx, TubeIdx};
use rand::RngExt;

/// Number of grid points.
pub const GRID_SIZE: usize = 81;
/// Variance of the Gaussian prior re-centred on the current capacity before each answer.
pub const PRIOR_VARIANCE: f64 = 1.5;
/// Error rate before any answer.
pub const DEFAULT_ERROR_RATE: f64 = 5.0;

/// θ_k = −9 + 0.225·k, accumulated in floating point as the reference does.
pub static GRID: LazyLock<[f64; GRID_SIZE]> = LazyLock::new(|| {
    let mut grid = [0.0; GRID_SIZE];
    let mut theta = -9.0;
    for point in &mut grid {
        *point = theta;
        theta += 0.225;
    }
    grid
});

/// Settings of a certification version (§5.4).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlashConfig {
    /// Questions per certification.
    pub maximum_assessment_length: usize,
    /// Competences of the last N answers are avoided.
    pub challenges_between_same_competence: usize,
    /// At most one question per tube.
    pub limit_to_one_question_per_tube: bool,
    /// Every competence is asked before any is asked twice.
    pub enable_passage_by_all_competences: bool,
    /// Largest relative move of the capacity per answer (`None`: unlimited).
    pub variation_percent: Option<f64>,
    /// Capacity before any answer.
    pub default_candidate_capacity: f64,
    /// Percent chance of taking the best remaining candidate at each step of the pick.
    pub default_probability_to_pick_challenge: u32,
    /// Candidates kept after sorting by information.
    pub top_candidates: usize,
    /// Answers needed for a certification to be scored.
    pub minimum_answers_required: usize,
}

impl Default for FlashConfig {
    fn default() -> Self {
        FlashConfig {
            maximum_assessment_length: 32,
            challenges_between_same_competence: 2,
            limit_to_one_question_per_tube: true,
            enable_passage_by_all_competences: true,
            variation_percent: Some(0.5),
            default_candidate_capacity: -3.0,
            default_probability_to_pick_challenge: 51,
            top_candidates: 5,
            minimum_answers_required: 20,
        }
    }
}

/// 2PL probability of success.
pub fn probability(a: f64, b: f64, theta: f64) -> f64 {
    1.0 / (1.0 + (a * (b - theta)).exp())
}

/// Fisher information of a challenge at a capacity: a²·P·(1 − P).
pub fn information(a: f64, b: f64, theta: f64) -> f64 {
    let p = probability(a, b, theta);
    a * a * p * (1.0 - p)
}

/// The capacity estimate, updated incrementally: one pass over the grid per answer.
#[derive(Debug, Clone)]
pub struct Estimator {
    likelihood: [f64; GRID_SIZE],
    capacity: f64,
    error_rate: f64,
    answers: usize,
    variation_percent: Option<f64>,
}

impl Estimator {
    /// The estimate before any answer.
    pub fn new(config: &FlashConfig) -> Estimator {
        Estimator {
            likelihood: [1.0; GRID_SIZE],
            capacity: config.default_candidate_capacity,
            error_rate: DEFAULT_ERROR_RATE,
            answers: 0,
            variation_percent: config.variation_percent,
        }
    }

    /// Current capacity θ.
    pub fn capacity(&self) -> f64 {
        self.capacity
    }

    /// Current error rate (posterior standard deviation, Sheppard-corrected).
    pub fn error_rate(&self) -> f64 {
        self.error_rate
    }

    /// Answers taken into account.
    pub fn answers(&self) -> usize {
        self.answers
    }

    /// Takes one more answer into account (only a success counts as a success).
    pub fn update(&mut self, a: f64, b: f64, success: bool) {
        let grid = &*GRID;
        let previous = self.capacity;
        let (mut s0, mut s1, mut s2, mut max_l) = (0.0, 0.0, 0.0, 0.0_f64);
        for (k, theta) in grid.iter().enumerate() {
            let p = probability(a, b, *theta);
            let l = self.likelihood[k] * if success { p } else { 1.0 - p };
            self.likelihood[k] = l;
            max_l = max_l.max(l);
            // The prior's normalising constant cancels in the posterior: leave it out.
            let d = theta - previous;
            let w = l * (-d * d / (2.0 * PRIOR_VARIANCE)).exp();
            s0 += w;
            s1 += w * theta;
            s2 += w * theta * theta;
        }
        // Rescale so that long histories never underflow; the posterior is unchanged.
        if max_l > 0.0 && max_l < 1e-200 {
            self.likelihood.iter_mut().for_each(|l| *l /= max_l);
        }
        if s0 <= 0.0 || !s0.is_finite() {
            self.answers += 1;
            return;
        }
        let mean = s1 / s0;
        self.capacity = match self.variation_percent {
            None => mean,
            Some(v) => {
                let gap = if previous.abs() < v { v } else { (previous * v).abs() };
                if mean > previous { mean.min(previous + gap) } else { mean.max(previous - gap) }
            }
        };
        // The spread is taken around the capacity kept (limited or not), as the reference does:
        // Σ p·(θ − c)² = E[θ²] − 2c·E[θ] + c². Sheppard's correction as the reference writes it:
        // (9/80)² / 12.
        let c = self.capacity;
        let variance = s2 / s0 - 2.0 * c * mean + c * c - (9.0_f64 / 80.0).powi(2) / 12.0;
        self.error_rate = variance.max(0.0).sqrt();
        self.answers += 1;
    }
}

/// Replays a whole history: the same values as the incremental updates.
pub fn estimate(answers: &[(f64, f64, bool)], config: &FlashConfig) -> Estimator {
    let mut e = Estimator::new(config);
    for (a, b, ok) in answers {
        e.update(*a, *b, *ok);
    }
    e
}

/// A challenge of the certification bank with its calibration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibrated {
    /// The challenge.
    pub challenge: ChallengeIdx,
    /// Its skill.
    pub skill: SkillIdx,
    /// Its tube.
    pub tube: TubeIdx,
    /// Its competence.
    pub competence: CompetenceIdx,
    /// Discrimination a.
    pub a: f64,
    /// Difficulty b.
    pub b: f64,
    /// Usable by a candidate who needs accessibility adjustments.
    pub accessible: bool,
}

/// A previous answer of the certification, in order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Asked {
    /// Its skill.
    pub skill: SkillIdx,
    /// Its tube.
    pub tube: TubeIdx,
    /// Its competence.
    pub competence: CompetenceIdx,
}

/// Why no challenge could be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// The rules leave no candidate although the test is not over.
    #[error("no challenge is left to ask")]
    LackOfChallenges,
}

/// The outcome of a selection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Selection {
    /// Ask this challenge (index in the bank).
    Ask(usize),
    /// The maximum length is reached.
    End,
}

/// A certification bank prepared for fast selection: built once per bank, shared read-only.
///
/// Challenges are also kept sorted by difficulty so that the search for the most informative ones
/// starts at the capacity and stops as soon as no farther challenge can beat the current top
/// candidates (information ≤ a²·e^(−a·|θ − b|)). The result is the same as scoring every challenge.
#[derive(Debug, Clone)]
pub struct FlashBank {
    items: Vec<Calibrated>,
    by_difficulty: Vec<u32>,
    sorted_b: Vec<f64>,
    a_min: f64,
    a_max: f64,
    tube_words: usize,
    competences: usize,
    /// Per competence: its tubes, and its tubes holding an accessible challenge.
    competence_tubes: Vec<(Vec<u32>, Vec<u32>)>,
}

impl FlashBank {
    /// Prepares a bank (order matters: ties keep the earlier challenge).
    pub fn new(items: Vec<Calibrated>) -> FlashBank {
        let mut by_difficulty: Vec<u32> = (0..items.len() as u32).collect();
        by_difficulty.sort_by(|x, y| items[*x as usize].b.total_cmp(&items[*y as usize].b));
        let sorted_b = by_difficulty.iter().map(|i| items[*i as usize].b).collect();
        let a_min = items.iter().map(|c| c.a).fold(f64::INFINITY, f64::min);
        let a_max = items.iter().map(|c| c.a).fold(0.0, f64::max);
        let tubes = items.iter().map(|c| c.tube.0 as usize + 1).max().unwrap_or(0);
        let competences = items.iter().map(|c| c.competence.0 as usize + 1).max().unwrap_or(0);
        let mut competence_tubes: Vec<(Vec<u32>, Vec<u32>)> = vec![(Vec::new(), Vec::new()); competences];
        for c in &items {
            let (all, accessible) = &mut competence_tubes[c.competence.index()];
            if !all.contains(&c.tube.0) {
                all.push(c.tube.0);
            }
            if c.accessible && !accessible.contains(&c.tube.0) {
                accessible.push(c.tube.0);
            }
        }
        FlashBank {
            items,
            by_difficulty,
            sorted_b,
            a_min,
            a_max,
            tube_words: tubes.div_ceil(64),
            competences,
            competence_tubes,
        }
    }

    /// The challenges, in bank order.
    pub fn items(&self) -> &[Calibrated] {
        &self.items
    }

    /// The largest information any challenge of the bank can have at distance `d` from the capacity.
    ///
    /// For a fixed distance, a²·s(a·d) with s(x) = σ(x)(1 − σ(x)) rises then falls with a, peaking
    /// where x·tanh(x/2) = 2 (x ≈ 2.3994); clamping that peak into the bank's range of a gives the
    /// exact maximum, so the bound is tight and the search stops early.
    fn bound(&self, d: f64) -> f64 {
        let a = (2.399_357 / d.max(1e-12)).clamp(self.a_min, self.a_max);
        let p = 1.0 / (1.0 + (-a * d).exp());
        a * a * p * (1.0 - p)
    }
}

/// Everything the selection needs besides the capacity.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    /// The bank.
    pub bank: &'a FlashBank,
    /// Answers so far, in order.
    pub asked: &'a [Asked],
    /// Skills excluded by a validated live alert.
    pub excluded_skills: &'a HashSet<SkillIdx>,
    /// The candidate needs accessibility adjustments.
    pub needs_accessibility: bool,
}

/// Chooses the next challenge (§5.3) at capacity `theta`, with `pick_probability` percent for the
/// best candidate at each step of the binary-tree pick (100 picks the best, as in degradation).
pub fn select(
    situation: Situation<'_>,
    theta: f64,
    config: &FlashConfig,
    pick_probability: u32,
    rng: &mut impl rand::Rng,
) -> Result<Selection, SelectError> {
    if situation.asked.len() >= config.maximum_assessment_length {
        return Ok(Selection::End);
    }
    let top = top_candidates(situation, theta, config);
    if top.is_empty() {
        return Err(SelectError::LackOfChallenges);
    }
    Ok(Selection::Ask(top[binary_tree_pick(pick_probability, top.len(), rng)]))
}

/// The most informative eligible challenges at `theta` after the rules of §5.3, best first (bank
/// indexes; ties keep bank order). Empty when the rules leave nothing.
pub fn top_candidates(situation: Situation<'_>, theta: f64, config: &FlashConfig) -> Vec<usize> {
    let bank = situation.bank;
    let mut asked_tubes = vec![0u64; bank.tube_words];
    let mut asked_competences = vec![false; bank.competences];
    for a in situation.asked {
        if let Some(word) = asked_tubes.get_mut(a.tube.index() / 64) {
            *word |= 1 << (a.tube.index() % 64);
        }
        if let Some(c) = asked_competences.get_mut(a.competence.index()) {
            *c = true;
        }
    }
    let tube_asked = |t: u32| asked_tubes.get(t as usize / 64).is_some_and(|w| w & (1 << (t % 64)) != 0);
    let asked_skills: Vec<SkillIdx> = if config.limit_to_one_question_per_tube {
        Vec::new()
    } else {
        let mut v: Vec<SkillIdx> = situation.asked.iter().map(|a| a.skill).collect();
        v.sort_unstable();
        v
    };
    let eligible = |c: &Calibrated| {
        (situation.excluded_skills.is_empty() || !situation.excluded_skills.contains(&c.skill))
            && (!situation.needs_accessibility || c.accessible)
            && if config.limit_to_one_question_per_tube {
                !tube_asked(c.tube.0)
            } else {
                asked_skills.binary_search(&c.skill).is_err()
            }
    };

    // Competences that still have an eligible challenge.
    let mut present = vec![false; bank.competences];
    if situation.excluded_skills.is_empty() && config.limit_to_one_question_per_tube {
        for (c, (all, accessible)) in bank.competence_tubes.iter().enumerate() {
            let tubes = if situation.needs_accessibility { accessible } else { all };
            present[c] = tubes.iter().any(|t| !tube_asked(*t));
        }
    } else {
        for c in bank.items.iter().filter(|c| eligible(c)) {
            present[c.competence.index()] = true;
        }
    }
    let mut allowed = present.clone();
    if config.enable_passage_by_all_competences {
        let unseen: Vec<bool> = present.iter().zip(&asked_competences).map(|(p, a)| *p && !*a).collect();
        if unseen.iter().any(|u| *u) {
            allowed = unseen;
        }
    }
    if config.challenges_between_same_competence > 0 {
        let mut not_recent = allowed.clone();
        for a in situation.asked.iter().rev().take(config.challenges_between_same_competence) {
            if let Some(c) = not_recent.get_mut(a.competence.index()) {
                *c = false;
            }
        }
        if not_recent.iter().any(|c| *c) {
            allowed = not_recent;
        }
    }

    // Top candidates by information, searching outwards from θ in difficulty order.
    let top_n = config.top_candidates.max(1);
    let mut top: Vec<(f64, u32)> = Vec::with_capacity(top_n + 1);
    let n = bank.by_difficulty.len();
    let mut hi = bank.sorted_b.partition_point(|b| *b < theta);
    let mut lo = hi;
    // The bound only falls with distance, and distances only grow: re-evaluate it sparingly.
    let (mut bound_at, mut bound) = (f64::NEG_INFINITY, f64::INFINITY);
    while lo > 0 || hi < n {
        let take_low = hi >= n || (lo > 0 && theta - bank.sorted_b[lo - 1] <= bank.sorted_b[hi] - theta);
        let position = if take_low {
            lo -= 1;
            lo
        } else {
            hi += 1;
            hi - 1
        };
        let distance = (bank.sorted_b[position] - theta).abs();
        if top.len() == top_n {
            if distance > bound_at + 0.01 {
                bound_at = distance;
                bound = bank.bound(distance);
            }
            if bound < top[top_n - 1].0 {
                break;
            }
        }
        let index = bank.by_difficulty[position];
        let c = &bank.items[index as usize];
        if !allowed.get(c.competence.index()).copied().unwrap_or(false) || !eligible(c) {
            continue;
        }
        let reward = information(c.a, c.b, theta);
        if top.len() == top_n {
            let (last_reward, last_index) = top[top_n - 1];
            if reward < last_reward || (reward == last_reward && index > last_index) {
                continue;
            }
        }
        let pos = top.partition_point(|(r, i)| *r > reward || (*r == reward && *i < index));
        top.insert(pos, (reward, index));
        top.truncate(top_n);
    }
    top.into_iter().map(|(_, index)| index as usize).collect()
}

/// The same selection by scoring every challenge: the reference's procedure, kept to test that the
/// pruned search above never changes the result.
pub fn select_exhaustive(situation: Situation<'_>, theta: f64, config: &FlashConfig) -> Vec<usize> {
    let asked_tubes: HashSet<TubeIdx> = situation.asked.iter().map(|a| a.tube).collect();
    let asked_skills: HashSet<SkillIdx> = situation.asked.iter().map(|a| a.skill).collect();
    let asked_competences: HashSet<CompetenceIdx> = situation.asked.iter().map(|a| a.competence).collect();
    let pool: Vec<(usize, &Calibrated)> = situation
        .bank
        .items
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            !situation.excluded_skills.contains(&c.skill) && (!situation.needs_accessibility || c.accessible)
        })
        .filter(|(_, c)| {
            if config.limit_to_one_question_per_tube {
                !asked_tubes.contains(&c.tube)
            } else {
                !asked_skills.contains(&c.skill)
            }
        })
        .collect();
    let mut pool = if config.enable_passage_by_all_competences {
        let unseen: Vec<_> = pool.iter().copied().filter(|(_, c)| !asked_competences.contains(&c.competence)).collect();
        if unseen.is_empty() { pool } else { unseen }
    } else {
        pool
    };
    if config.challenges_between_same_competence > 0 {
        let recent: HashSet<CompetenceIdx> = situation
            .asked
            .iter()
            .rev()
            .take(config.challenges_between_same_competence)
            .map(|a| a.competence)
            .collect();
        let kept: Vec<_> = pool.iter().copied().filter(|(_, c)| !recent.contains(&c.competence)).collect();
        if !kept.is_empty() {
            pool = kept;
        }
    }
    let mut scored: Vec<(f64, usize)> = pool.iter().map(|(i, c)| (information(c.a, c.b, theta), *i)).collect();
    scored.sort_by(|x, y| y.0.total_cmp(&x.0));
    scored.into_iter().take(config.top_candidates.max(1)).map(|(_, i)| i).collect()
}

/// Index 0 with `probability` percent, else recurse on the rest; the last takes the remainder.
pub fn binary_tree_pick(probability: u32, n: usize, rng: &mut impl rand::Rng) -> usize {
    for i in 0..n.saturating_sub(1) {
        if rng.random_range(0..100) < probability {
            return i;
        }
    }
    n.saturating_sub(1)
}
