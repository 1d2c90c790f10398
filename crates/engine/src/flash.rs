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
    /// Exposure control (not in the reference): no challenge is given to more than this share of
    /// candidates (restricted maximum-information method; docs/engine.md). `None`: the reference.
    #[serde(default)]
    pub maximum_exposure_rate: Option<f64>,
    /// Estimation with a fixed population prior N(mean, sd²) (not in the reference, which re-centres
    /// its prior on the last capacity): the capacity is the posterior mean (EAP) and the error rate
    /// the posterior standard deviation. `None`: the reference's moving prior.
    #[serde(default)]
    pub population_prior: Option<PopulationPrior>,
    /// Variable length (not in the reference): stop once the error rate is at most the target.
    /// `None`: every test asks `maximum_assessment_length` questions, as the reference.
    #[serde(default)]
    pub variable_length: Option<VariableLength>,
}

/// The population's ability distribution, as the prior of EAP estimation.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PopulationPrior {
    /// Mean ability.
    pub mean: f64,
    /// Standard deviation of ability.
    pub sd: f64,
}

/// The stopping rule of a variable-length certification.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VariableLength {
    /// Stop once the error rate (posterior standard deviation) is at most this.
    pub error_rate: f64,
    /// Never stop before this many questions (the content rules need them, and scoring needs
    /// `minimum_answers_required`).
    pub minimum_length: usize,
}

/// Whether a certification is over after `answered` questions with this error rate: the maximum
/// length is reached or, with a variable length, the error rate is low enough after the minimum.
pub fn finished(config: &FlashConfig, answered: usize, error_rate: f64) -> bool {
    answered >= config.maximum_assessment_length
        || config.variable_length.is_some_and(|v| answered >= v.minimum_length && error_rate <= v.error_rate)
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
            maximum_exposure_rate: None,
            population_prior: None,
            variable_length: None,
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
    /// Fixed prior (centre, variance), or the reference's moving one.
    prior: Option<(f64, f64)>,
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
            prior: config.population_prior.map(|p| (p.mean, p.sd * p.sd)),
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
    ///
    /// The 81 probabilities and prior weights are geometric along the grid, so each is the previous
    /// one times a ratio: exact exponentials are taken every [`ANCHOR`] points only (relative error
    /// below 1e-14), which makes an update several times cheaper than 162 exponentials.
    pub fn update(&mut self, a: f64, b: f64, success: bool) {
        let grid = &*GRID;
        let previous = self.capacity;
        let (mut s0, mut s1, mut s2, mut max_l) = (0.0, 0.0, 0.0, 0.0_f64);
        // e^(a(b − θ)) falls by `odds_step` from one point to the next; the prior
        // e^(−(θ − c)²/2V) changes by a ratio that itself changes by `prior_curvature`.
        let (centre, prior_variance) = self.prior.unwrap_or((previous, PRIOR_VARIANCE));
        let step = grid[1] - grid[0];
        let odds_step = (-a * step).exp();
        let prior_curvature = (-step * step / prior_variance).exp();
        let (mut odds, mut prior, mut ratio) = (0.0, 0.0, 0.0);
        for (k, theta) in grid.iter().enumerate() {
            let d = theta - centre;
            if k % ANCHOR == 0 {
                odds = (a * (b - theta)).exp();
                prior = (-d * d / (2.0 * prior_variance)).exp();
                ratio = (-(step * (2.0 * d + step)) / (2.0 * prior_variance)).exp();
            } else {
                odds *= odds_step;
                prior *= ratio;
                ratio *= prior_curvature;
            }
            let p = 1.0 / (1.0 + odds);
            let l = self.likelihood[k] * if success { p } else { 1.0 - p };
            self.likelihood[k] = l;
            max_l = max_l.max(l);
            // The prior's normalising constant cancels in the posterior: leave it out.
            let w = l * prior;
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

/// Grid points between two exact exponentials in [`Estimator::update`].
pub const ANCHOR: usize = 9;

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
/// Challenges are also kept sorted by difficulty, with what the search reads side by side, so that
/// the search for the most informative ones starts at the capacity and stops as soon as no farther
/// challenge can beat the current top candidates. The result is the same as scoring every challenge.
#[derive(Debug, Clone)]
pub struct FlashBank {
    items: Vec<Calibrated>,
    /// Challenges split by discrimination (highest first), each part sorted by difficulty.
    strata: Vec<Stratum>,
    tube_words: usize,
    competences: usize,
    /// Per competence: its tubes, and its tubes holding an accessible challenge.
    competence_tubes: Vec<(Vec<u32>, Vec<u32>)>,
}

/// Challenges of close discrimination, in difficulty order: a part of the bank the search can
/// bound tightly (a low-discrimination part is left as soon as it cannot beat the list).
#[derive(Debug, Clone)]
struct Stratum {
    a_min: f64,
    a_max: f64,
    sorted: Vec<Sorted>,
}

impl Stratum {
    /// The largest information a challenge of this part can have at distance `d`, without an
    /// exponential (from [`cheap_bound`]: a²/(4(1 + a²d²/8)²) grows with a up to a = √8/d).
    fn bound(&self, d: f64) -> f64 {
        let a = (8f64.sqrt() / d.max(1e-12)).clamp(self.a_min, self.a_max);
        cheap_bound(a, d)
    }
}

/// A challenge as the search reads it, in difficulty order.
#[derive(Debug, Clone, Copy)]
struct Sorted {
    b: f64,
    a: f64,
    index: u32,
    competence: u32,
    tube: u32,
}

impl FlashBank {
    /// Prepares a bank (order matters: ties keep the earlier challenge).
    pub fn new(items: Vec<Calibrated>) -> FlashBank {
        let mut by_discrimination: Vec<u32> = (0..items.len() as u32).collect();
        by_discrimination.sort_by(|x, y| items[*y as usize].a.total_cmp(&items[*x as usize].a));
        // About 200 challenges per part: enough for the bound to matter, few enough parts to scan.
        let parts = (items.len() / 200).clamp(1, 8);
        let strata = by_discrimination
            .chunks(items.len().div_ceil(parts).max(1))
            .map(|chunk| {
                let mut sorted: Vec<Sorted> = chunk
                    .iter()
                    .map(|i| {
                        let c = &items[*i as usize];
                        Sorted { b: c.b, a: c.a, index: *i, competence: c.competence.0, tube: c.tube.0 }
                    })
                    .collect();
                sorted.sort_by(|x, y| x.b.total_cmp(&y.b));
                let a_min = sorted.iter().map(|c| c.a).fold(f64::INFINITY, f64::min);
                let a_max = sorted.iter().map(|c| c.a).fold(0.0, f64::max);
                Stratum { a_min, a_max, sorted }
            })
            .collect();
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
        FlashBank { items, strata, tube_words: tubes.div_ceil(64), competences, competence_tubes }
    }

    /// The challenges, in bank order.
    pub fn items(&self) -> &[Calibrated] {
        &self.items
    }
}

/// An upper bound of one challenge's information at distance `d`, without an exponential:
/// s(x) = 1 / (4·cosh²(x/2)) and cosh(y) ≥ 1 + y²/2, with a margin for rounding.
fn cheap_bound(a: f64, d: f64) -> f64 {
    let x = a * d;
    let c = 1.0 + x * x / 8.0;
    a * a / (4.0 * c * c) * (1.0 + 1e-9)
}

/// How often each challenge was given: exposure control reads it (restricted method).
#[derive(Debug, Clone, Copy)]
pub struct Exposure<'a> {
    /// Candidates who were given each challenge, by bank index.
    pub counts: &'a [u32],
    /// Candidates so far (before this one).
    pub tests: u32,
}

impl Exposure<'_> {
    /// Whether giving challenge `i` to one more candidate keeps its exposure within `rate`. While
    /// fewer than 1/rate candidates have been seen, each challenge is given at most once.
    pub fn allows(&self, i: usize, rate: f64) -> bool {
        let count = self.counts.get(i).copied().unwrap_or(0);
        let candidates = f64::from(self.tests) + 1.0;
        if candidates * rate < 1.0 { count == 0 } else { f64::from(count) + 1.0 <= rate * candidates + 1e-9 }
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
    /// Past exposure of the challenges, read when the configuration controls exposure.
    pub exposure: Option<Exposure<'a>>,
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
/// indexes; ties keep bank order). Empty when the rules leave nothing. With exposure control,
/// challenges at their maximum exposure are left out, unless that leaves nothing at all.
pub fn top_candidates(situation: Situation<'_>, theta: f64, config: &FlashConfig) -> Vec<usize> {
    let controlled = config.maximum_exposure_rate.zip(situation.exposure);
    if let Some(limit) = controlled {
        let top = search(situation, theta, config, Some(limit));
        if !top.is_empty() {
            return top;
        }
    }
    search(situation, theta, config, None)
}

fn search(
    situation: Situation<'_>,
    theta: f64,
    config: &FlashConfig,
    exposure: Option<(f64, Exposure<'_>)>,
) -> Vec<usize> {
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
    let eligible = |i: usize, tube: u32| {
        let c = &bank.items[i];
        (situation.excluded_skills.is_empty() || !situation.excluded_skills.contains(&c.skill))
            && (!situation.needs_accessibility || c.accessible)
            && if config.limit_to_one_question_per_tube {
                !tube_asked(tube)
            } else {
                asked_skills.binary_search(&c.skill).is_err()
            }
            && exposure.is_none_or(|(rate, e)| e.allows(i, rate))
    };

    // Competences that still have an eligible challenge, then the rules narrowing them.
    let mut allowed = vec![false; bank.competences];
    if situation.excluded_skills.is_empty() && config.limit_to_one_question_per_tube && exposure.is_none() {
        for (c, (all, accessible)) in bank.competence_tubes.iter().enumerate() {
            let tubes = if situation.needs_accessibility { accessible } else { all };
            allowed[c] = tubes.iter().any(|t| !tube_asked(*t));
        }
    } else {
        for (i, c) in bank.items.iter().enumerate() {
            if !allowed[c.competence.index()] && eligible(i, c.tube.0) {
                allowed[c.competence.index()] = true;
            }
        }
    }
    if config.enable_passage_by_all_competences && allowed.iter().zip(&asked_competences).any(|(p, a)| *p && !*a) {
        allowed.iter_mut().zip(&asked_competences).for_each(|(p, a)| *p = *p && !*a);
    }
    if config.challenges_between_same_competence > 0 {
        let recent = || situation.asked.iter().rev().take(config.challenges_between_same_competence);
        let is_recent = |c: usize| recent().any(|a| a.competence.index() == c);
        if allowed.iter().enumerate().any(|(c, p)| *p && !is_recent(c)) {
            for a in recent() {
                if let Some(p) = allowed.get_mut(a.competence.index()) {
                    *p = false;
                }
            }
        }
    }

    // Top candidates by information: in each part of the bank, outwards from θ in difficulty order,
    // until no farther challenge of the part can enter the list.
    let top_n = config.top_candidates.max(1);
    let mut top: Vec<(f64, u32)> = Vec::with_capacity(top_n + 1);
    for stratum in &bank.strata {
        if top.len() == top_n && stratum.bound(0.0) < top[top_n - 1].0 {
            // Parts come by decreasing discrimination: the next ones can do no better.
            break;
        }
        let sorted = &stratum.sorted;
        let n = sorted.len();
        let mut hi = sorted.partition_point(|c| c.b < theta);
        let mut lo = hi;
        while lo > 0 || hi < n {
            let take_low = hi >= n || (lo > 0 && theta - sorted[lo - 1].b <= sorted[hi].b - theta);
            let position = if take_low {
                lo -= 1;
                lo
            } else {
                hi += 1;
                hi - 1
            };
            let c = &sorted[position];
            let distance = (c.b - theta).abs();
            if top.len() == top_n {
                let floor = top[top_n - 1].0;
                // Distances only grow: once the part's bound is below the list, the part is done.
                if stratum.bound(distance) < floor {
                    break;
                }
                // Most challenges cannot enter the list: tell without an exponential.
                if cheap_bound(c.a, distance) < floor {
                    continue;
                }
            }
            if !allowed.get(c.competence as usize).copied().unwrap_or(false) || !eligible(c.index as usize, c.tube) {
                continue;
            }
            let index = c.index;
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
    }
    top.into_iter().map(|(_, index)| index as usize).collect()
}

/// The same selection by scoring every challenge: the reference's procedure, kept to test that the
/// pruned search above never changes the result (with exposure control: when some challenge is
/// still allowed).
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
        .filter(|(i, _)| match config.maximum_exposure_rate.zip(situation.exposure) {
            Some((rate, e)) => e.allows(*i, rate),
            None => true,
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
