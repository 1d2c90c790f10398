//! Simulated learners with a known true ability answer adaptive tests; we measure how well and how
//! fast the algorithms place them (`pix simulate`), on the content's calibrated challenges or on a
//! synthetic bank drawn from given distributions, for a given population.

use std::{collections::HashSet, time::Instant};

use content::{ChallengeIdx, ChallengeStatus, CompetenceIdx, Content, Locale, SkillIdx, TubeIdx};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{
    certification,
    flash::{
        self, Asked, Calibrated, Estimator, Exposure, FlashBank, FlashConfig, PopulationPrior, Selection, Situation,
        VariableLength,
    },
    knowledge::{self, KnowledgeElement},
    placement::{self, PlacementConfig},
    scoring,
    smart_random::{self, Input, Next},
};

/// Exposure above which a challenge is counted as over-exposed in reports.
pub const EXPOSURE_TARGET: f64 = 0.2;

/// Measures of one scenario.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Learners simulated.
    pub learners: usize,
    /// Mean number of questions per test.
    pub mean_questions: f64,
    /// Test lengths: minimum, 10th percentile, median, 90th percentile, maximum.
    pub lengths: [usize; 5],
    /// Mean of (estimate − truth), in levels (competence tests) or capacity units (certification).
    pub bias: f64,
    /// Root mean square of (estimate − truth), same unit.
    pub rmse: f64,
    /// Share of tests placing the learner within one level of the true level.
    pub within_one_level: f64,
    /// Largest share of learners who saw the same challenge.
    pub max_exposure: f64,
    /// Challenges seen by more than [`EXPOSURE_TARGET`] of the learners.
    pub over_exposed: usize,
    /// Challenges of the bank asked at least once.
    pub challenges_used: usize,
    /// Challenges in the bank.
    pub bank_size: usize,
    /// Marginal reliability var(θ̂) / (var(θ̂) + mean error rate²) (certifications only).
    pub reliability: Option<f64>,
    /// Bias and RMSE per band of true ability (certifications) or true level (competence tests).
    pub bands: Vec<Band>,
    /// Mean time of one next-challenge selection, in microseconds.
    pub selection_micros: f64,
}

/// Errors of the learners whose true ability (or level) falls in a band.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Band {
    /// The band, e.g. `[-1, 0)` or `level 3`.
    pub band: String,
    /// Tests in the band.
    pub tests: usize,
    /// Mean error.
    pub bias: f64,
    /// Root mean square error.
    pub rmse: f64,
    /// Mean number of questions.
    pub mean_questions: f64,
}

/// A distribution to draw abilities or calibrations from.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum Distribution {
    /// Normal with this mean and standard deviation.
    Normal(f64, f64),
    /// Uniform between these bounds.
    Uniform(f64, f64),
    /// Log-normal: e^X with X normal of this mean and standard deviation.
    LogNormal(f64, f64),
}

impl Distribution {
    /// Parses `normal:MEAN:SD`, `uniform:MIN:MAX` or `lognormal:MU:SIGMA`.
    pub fn parse(text: &str) -> Result<Distribution, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let number = |i: usize| -> Result<f64, String> {
            parts
                .get(i)
                .and_then(|p| p.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("`{text}`: expected KIND:NUMBER:NUMBER"))
        };
        let (x, y) = (number(1)?, number(2)?);
        match parts[0].trim() {
            _ if parts.len() != 3 => Err(format!("`{text}`: expected KIND:NUMBER:NUMBER")),
            "normal" if y > 0.0 => Ok(Distribution::Normal(x, y)),
            "uniform" if x < y => Ok(Distribution::Uniform(x, y)),
            "lognormal" if y > 0.0 => Ok(Distribution::LogNormal(x, y)),
            "normal" | "lognormal" => Err(format!("`{text}`: the spread must be positive")),
            "uniform" => Err(format!("`{text}`: the minimum must be below the maximum")),
            other => Err(format!("`{other}`: use normal, uniform or lognormal")),
        }
    }

    /// One draw.
    pub fn draw(self, rng: &mut ChaCha8Rng) -> f64 {
        match self {
            Distribution::Normal(m, s) => m + s * normal(rng),
            Distribution::Uniform(lo, hi) => rng.random_range(lo..hi),
            Distribution::LogNormal(m, s) => (m + s * normal(rng)).exp(),
        }
    }
}

impl std::fmt::Display for Distribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Distribution::Normal(m, s) => write!(f, "normal:{m}:{s}"),
            Distribution::Uniform(lo, hi) => write!(f, "uniform:{lo}:{hi}"),
            Distribution::LogNormal(m, s) => write!(f, "lognormal:{m}:{s}"),
        }
    }
}

/// A synthetic bank: `size` challenges in 16 competences, 4 per tube, one skill each, all accessible.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SyntheticBank {
    /// Challenges.
    pub size: usize,
    /// Distribution of the discrimination a.
    pub discrimination: Distribution,
    /// Distribution of the difficulty b.
    pub difficulty: Distribution,
    /// Seed of the draws.
    pub seed: u64,
}

impl SyntheticBank {
    /// The bank's challenges (discriminations kept within 0.05–5).
    pub fn items(&self) -> Vec<Calibrated> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        (0..self.size)
            .map(|i| {
                let tube = (i / 4) as u32;
                Calibrated {
                    challenge: ChallengeIdx(i as u32),
                    skill: SkillIdx(i as u32),
                    tube: TubeIdx(tube),
                    competence: CompetenceIdx(tube % 16),
                    a: self.discrimination.draw(&mut rng).clamp(0.05, 5.0),
                    b: self.difficulty.draw(&mut rng),
                    accessible: true,
                }
            })
            .collect()
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The population of the demo calibration: N(0, 1.5²).
pub const DEMO_POPULATION: Distribution = Distribution::Normal(0.0, 1.5);

/// True abilities of the simulated learners.
pub fn abilities(learners: usize, population: Distribution, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..learners).map(|_| population.draw(&mut rng)).collect()
}

/// The level a learner of ability θ truly has: the highest skill level d whose challenges they
/// pass at least half the time under the demo calibration, b = (d − 4) × 0.9.
pub fn true_level(theta: f64) -> u32 {
    (theta / 0.9 + 4.0).floor().clamp(0.0, 8.0) as u32
}

fn answers_correctly(rng: &mut ChaCha8Rng, a: f64, b: f64, theta: f64) -> bool {
    rng.random_range(0.0..1.0) < flash::probability(a, b, theta)
}

/// One simulated test: the learner's truth, the estimate, the questions, the error rate (if any).
struct Outcome {
    truth: f64,
    error: f64,
    questions: usize,
    error_rate: Option<f64>,
    estimate: f64,
    within: bool,
}

/// Every learner takes the competence test of every competence (smart random, reference rules).
pub fn competence_tests(content: &Content, thetas: &[f64], seed: u64) -> Report {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut seen = vec![0u32; content.challenges.len()];
    let mut outcomes = Vec::new();
    let (mut selection_time, mut selections) = (0.0f64, 0usize);
    for theta in thetas {
        let mut seen_by_learner: HashSet<ChallengeIdx> = HashSet::new();
        for competence in &content.competences {
            let target = competence.active_skills.clone();
            let target_set: HashSet<SkillIdx> = target.iter().copied().collect();
            let (mut kes, mut answered, mut assessed) =
                (Vec::<KnowledgeElement>::new(), HashSet::new(), HashSet::new());
            let mut last = None;
            let assessment_seed = rng.random::<u32>();
            loop {
                let started = Instant::now();
                let next = smart_random::next(Input {
                    content,
                    target_skills: &target,
                    knowledge: &kes,
                    answered: &answered,
                    last_answer_timed: last,
                    locale: Locale::Fr,
                    seed: assessment_seed,
                    include_archived: false,
                });
                selection_time += started.elapsed().as_secs_f64();
                selections += 1;
                let Next::Ask { challenge, skill, .. } = next else {
                    break;
                };
                let ch = content.challenge(challenge);
                let success = answers_correctly(&mut rng, ch.discrimination, ch.difficulty, *theta);
                for e in knowledge::elements_for_answer(content, skill, success, &target_set, &assessed) {
                    assessed.insert(e.skill);
                    kes.push(KnowledgeElement {
                        skill: e.skill,
                        source: e.source,
                        status: e.status,
                        earned_pix: e.earned_pix,
                        created_at: answered.len() as i64,
                    });
                }
                answered.insert(challenge);
                seen_by_learner.insert(challenge);
                last = Some(ch.timer.is_some());
            }
            let estimate = scoring::competence_score(kes.iter().map(|k| k.earned_pix), 8).level;
            outcomes.push(level_outcome(*theta, estimate, answered.len()));
        }
        for c in seen_by_learner {
            seen[c.index()] += 1;
        }
    }
    let bank = content.challenges.iter().filter(|c| c.status == ChallengeStatus::Validated).count();
    summarise(
        "competence tests (smart random, reference)",
        thetas.len(),
        &outcomes,
        &seen,
        bank,
        selection_time,
        selections,
        false,
    )
}

fn level_outcome(theta: f64, estimate: u32, questions: usize) -> Outcome {
    let error = f64::from(estimate) - f64::from(true_level(theta));
    Outcome {
        truth: f64::from(true_level(theta)),
        error,
        questions,
        error_rate: None,
        estimate: f64::from(estimate),
        within: error.abs() <= 1.0,
    }
}

/// Every learner takes the competence test of every competence in placement mode.
pub fn placement_tests(content: &Content, thetas: &[f64], seed: u64, config: &PlacementConfig) -> Report {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x91ace);
    let mut seen = vec![0u32; content.challenges.len()];
    let banks: Vec<Vec<placement::Item>> = (0..content.competences.len())
        .map(|c| placement::items(content, CompetenceIdx(c as u32), Locale::Fr))
        .collect();
    let estimator_config = config.estimator();
    let mut outcomes = Vec::new();
    let (mut selection_time, mut selections) = (0.0f64, 0usize);
    for theta in thetas {
        for items in &banks {
            let mut estimator = Estimator::new(&estimator_config);
            let mut asked: Vec<usize> = Vec::new();
            loop {
                let started = Instant::now();
                let next = placement::next(items, &asked, &estimator, config, &mut rng);
                selection_time += started.elapsed().as_secs_f64();
                selections += 1;
                let Some(i) = next else { break };
                let it = items[i];
                estimator.update(it.a, it.b, answers_correctly(&mut rng, it.a, it.b, *theta));
                seen[it.challenge.index()] += 1;
                asked.push(i);
            }
            outcomes.push(level_outcome(*theta, placement::level(items, estimator.capacity()), asked.len()));
        }
    }
    let bank = banks.iter().map(Vec::len).sum();
    summarise(
        "competence tests (placement mode)",
        thetas.len(),
        &outcomes,
        &seen,
        bank,
        selection_time,
        selections,
        false,
    )
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    name: &str,
    learners: usize,
    outcomes: &[Outcome],
    seen: &[u32],
    bank_size: usize,
    time: f64,
    selections: usize,
    ability_bands: bool,
) -> Report {
    let n = outcomes.len().max(1) as f64;
    let mut lengths: Vec<usize> = outcomes.iter().map(|o| o.questions).collect();
    lengths.sort_unstable();
    let at = |q: f64| lengths.get(((lengths.len().max(1) - 1) as f64 * q).round() as usize).copied().unwrap_or(0);
    let exposure = |s: u32| f64::from(s) / learners.max(1) as f64;
    let reliability = outcomes.iter().all(|o| o.error_rate.is_some()).then(|| {
        let mean = outcomes.iter().map(|o| o.estimate).sum::<f64>() / n;
        let variance = outcomes.iter().map(|o| (o.estimate - mean).powi(2)).sum::<f64>() / n;
        let noise = outcomes.iter().map(|o| o.error_rate.unwrap_or(0.0).powi(2)).sum::<f64>() / n;
        variance / (variance + noise)
    });
    // Half-open bands [from, to) of true ability, or one per true level.
    let bands: Vec<(String, f64, f64)> = if ability_bands {
        let mut b = vec![("θ < -2".to_owned(), f64::NEG_INFINITY, -2.0)];
        b.extend((-2..2).map(|lo| (format!("{lo} ≤ θ < {}", lo + 1), f64::from(lo), f64::from(lo + 1))));
        b.push(("θ ≥ 2".to_owned(), 2.0, f64::INFINITY));
        b
    } else {
        (0..=8).map(|l| (format!("level {l}"), f64::from(l), f64::from(l + 1))).collect()
    };
    let bands = bands
        .into_iter()
        .filter_map(|(band, from, to)| {
            let mine: Vec<&Outcome> = outcomes.iter().filter(|o| o.truth >= from && o.truth < to).collect();
            let k = mine.len() as f64;
            (!mine.is_empty()).then(|| Band {
                band,
                tests: mine.len(),
                bias: mine.iter().map(|o| o.error).sum::<f64>() / k,
                rmse: (mine.iter().map(|o| o.error * o.error).sum::<f64>() / k).sqrt(),
                mean_questions: mine.iter().map(|o| o.questions as f64).sum::<f64>() / k,
            })
        })
        .collect();
    Report {
        scenario: name.to_owned(),
        learners,
        mean_questions: lengths.iter().sum::<usize>() as f64 / n,
        lengths: [at(0.0), at(0.1), at(0.5), at(0.9), at(1.0)],
        bias: outcomes.iter().map(|o| o.error).sum::<f64>() / n,
        rmse: (outcomes.iter().map(|o| o.error * o.error).sum::<f64>() / n).sqrt(),
        within_one_level: outcomes.iter().filter(|o| o.within).count() as f64 / n,
        max_exposure: exposure(seen.iter().copied().max().unwrap_or(0)),
        over_exposed: seen.iter().filter(|s| exposure(**s) > EXPOSURE_TARGET + 1e-12).count(),
        challenges_used: seen.iter().filter(|s| **s > 0).count(),
        bank_size,
        reliability,
        bands,
        selection_micros: time * 1e6 / selections.max(1) as f64,
    }
}

/// The certification bank of a referential: validated challenges with their calibration.
pub fn certification_bank(content: &Content) -> Vec<Calibrated> {
    content
        .challenges
        .iter()
        .enumerate()
        .filter(|(_, c)| c.status == ChallengeStatus::Validated)
        .map(|(i, c)| {
            let s = content.skill(c.skill);
            Calibrated {
                challenge: ChallengeIdx(i as u32),
                skill: c.skill,
                tube: s.tube,
                competence: s.competence,
                a: c.discrimination,
                b: c.difficulty,
                accessible: c.blind_ok && c.colour_blind_ok,
            }
        })
        .collect()
}

/// A flash strategy to compare.
#[derive(Debug, Clone)]
pub struct Strategy {
    /// Name in the report.
    pub name: String,
    /// Its configuration.
    pub config: FlashConfig,
}

/// The reference strategy and our variants (docs/engine.md explains them).
pub fn strategies() -> Vec<Strategy> {
    let reference = FlashConfig::default();
    let unbiased = FlashConfig { default_candidate_capacity: 0.0, variation_percent: None, ..reference.clone() };
    let eap = FlashConfig { population_prior: Some(DEMO_PRIOR), ..unbiased.clone() };
    vec![
        Strategy { name: "certification (flash, reference)".into(), config: reference.clone() },
        Strategy { name: "certification (flash, start at 0, no variation limit)".into(), config: unbiased.clone() },
        Strategy { name: "certification (EAP with the population prior)".into(), config: eap.clone() },
        Strategy {
            name: "certification (exposure control, at most 20 %)".into(),
            config: FlashConfig { maximum_exposure_rate: Some(EXPOSURE_TARGET), ..unbiased },
        },
        Strategy {
            name: "certification (variable length, EAP, error ≤ 0.335)".into(),
            config: FlashConfig { variable_length: Some(VARIABLE_LENGTH), ..eap },
        },
    ]
}

/// The prior of the EAP strategies: the demo calibration's population.
pub const DEMO_PRIOR: PopulationPrior = PopulationPrior { mean: 0.0, sd: 1.5 };

/// The stopping rule of the variable-length strategy: tuned so that the mean length is 15 % below
/// the reference's 32 at the reference's RMSE on the demo referential (docs/engine.md).
pub const VARIABLE_LENGTH: VariableLength = VariableLength { error_rate: 0.335, minimum_length: 20 };

/// Every learner takes a certification with a strategy; the same learners and random answers
/// streams are used for every strategy.
pub fn certifications(bank: &FlashBank, thetas: &[f64], seed: u64, strategy: &Strategy) -> Report {
    let intervals = certification::seed_global_intervals();
    let level_of = |theta: f64| intervals.iter().position(|iv| theta < iv.max).unwrap_or(intervals.len() - 1) as f64;
    let mut seen = vec![0u32; bank.items().len()];
    let mut outcomes = Vec::new();
    let (mut selection_time, mut selections) = (0.0f64, 0usize);
    let excluded = HashSet::new();
    let config = &strategy.config;
    for (learner, theta) in thetas.iter().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(learner as u64));
        let mut estimator = Estimator::new(config);
        let mut asked: Vec<Asked> = Vec::new();
        let mut mine: Vec<usize> = Vec::new();
        while !flash::finished(config, asked.len(), estimator.error_rate()) {
            let exposure = Some(Exposure { counts: &seen, tests: learner as u32 });
            let situation =
                Situation { bank, asked: &asked, excluded_skills: &excluded, needs_accessibility: false, exposure };
            let started = Instant::now();
            let selection = flash::select(
                situation,
                estimator.capacity(),
                config,
                config.default_probability_to_pick_challenge,
                &mut rng,
            );
            selection_time += started.elapsed().as_secs_f64();
            selections += 1;
            let Ok(Selection::Ask(i)) = selection else {
                break;
            };
            let c = bank.items()[i];
            mine.push(i);
            let success = answers_correctly(&mut rng, c.a, c.b, *theta);
            estimator.update(c.a, c.b, success);
            asked.push(Asked { skill: c.skill, tube: c.tube, competence: c.competence });
        }
        for i in mine {
            seen[i] += 1;
        }
        outcomes.push(Outcome {
            truth: *theta,
            error: estimator.capacity() - theta,
            questions: asked.len(),
            error_rate: Some(estimator.error_rate()),
            estimate: estimator.capacity(),
            within: (level_of(estimator.capacity()) - level_of(*theta)).abs() <= 1.0,
        });
    }
    summarise(&strategy.name, thetas.len(), &outcomes, &seen, bank.items().len(), selection_time, selections, true)
}

/// What the simulated learners take their tests on.
#[derive(Debug, Clone, Copy)]
pub enum Bank<'a> {
    /// The content's calibrated challenges (competence tests and certifications).
    Content(&'a Content),
    /// A synthetic bank (certifications only).
    Synthetic(SyntheticBank),
}

/// Runs every scenario on the same learners: competence tests (reference, then placement mode)
/// when the bank is a content, then each certification strategy.
pub fn run(bank: Bank<'_>, learners: usize, population: Distribution, seed: u64) -> Vec<Report> {
    let thetas = abilities(learners, population, seed);
    let mut reports = Vec::new();
    let items = match bank {
        Bank::Content(content) => {
            reports.push(competence_tests(content, &thetas, seed));
            reports.push(placement_tests(content, &thetas, seed, &PlacementConfig::default()));
            certification_bank(content)
        }
        Bank::Synthetic(synthetic) => synthetic.items(),
    };
    let bank = FlashBank::new(items);
    for strategy in strategies() {
        reports.push(certifications(&bank, &thetas, seed, &strategy));
    }
    reports
}
