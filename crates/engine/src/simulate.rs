//! Simulated learners with a known true ability answer adaptive tests; we measure how well and how
//! fast the algorithms place them (`pix simulate`).

use std::{collections::HashSet, time::Instant};

use content::{ChallengeIdx, ChallengeStatus, Content, Locale, SkillIdx};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{
    certification,
    flash::{self, Asked, Calibrated, Estimator, FlashBank, FlashConfig, Selection, Situation},
    knowledge::{self, KnowledgeElement},
    scoring,
    smart_random::{self, Input, Next},
};

/// Measures of one scenario.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Learners simulated.
    pub learners: usize,
    /// Mean number of questions per test.
    pub mean_questions: f64,
    /// Mean of (estimate − truth), in levels (competence tests) or capacity units (certification).
    pub bias: f64,
    /// Root mean square of (estimate − truth), same unit.
    pub rmse: f64,
    /// Share of tests placing the learner within one level of the true level.
    pub within_one_level: f64,
    /// Largest share of learners who saw the same challenge.
    pub max_exposure: f64,
    /// Challenges of the bank asked at least once.
    pub challenges_used: usize,
    /// Challenges in the bank.
    pub bank_size: usize,
    /// Mean time of one next-challenge selection, in microseconds.
    pub selection_micros: f64,
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// True abilities of the simulated learners: N(0, 1.5²), the spread of the demo calibration.
pub fn abilities(learners: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..learners).map(|_| 1.5 * normal(&mut rng)).collect()
}

/// The level a learner of ability θ truly has: the highest skill level d whose challenges they
/// pass at least half the time under the demo calibration, b = (d − 4) × 0.9.
pub fn true_level(theta: f64) -> u32 {
    (theta / 0.9 + 4.0).floor().clamp(0.0, 8.0) as u32
}

fn answers_correctly(rng: &mut ChaCha8Rng, a: f64, b: f64, theta: f64) -> bool {
    rng.random_range(0.0..1.0) < flash::probability(a, b, theta)
}

/// Every learner takes the competence test of every competence (smart random, reference rules).
pub fn competence_tests(content: &Content, thetas: &[f64], seed: u64) -> Report {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut seen = vec![0u32; content.challenges.len()];
    let (mut questions, mut errors, mut within, mut tests) = (0usize, Vec::new(), 0usize, 0usize);
    let (mut selection_time, mut selections) = (0.0f64, 0usize);
    for (learner, theta) in thetas.iter().enumerate() {
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
            questions += answered.len();
            let estimate = scoring::competence_score(kes.iter().map(|k| k.earned_pix), 8).level;
            let error = f64::from(estimate) - f64::from(true_level(*theta));
            within += usize::from(error.abs() <= 1.0);
            errors.push(error);
            tests += 1;
        }
        for c in seen_by_learner {
            seen[c.index()] += 1;
        }
        let _ = learner;
    }
    let bank: Vec<usize> =
        (0..content.challenges.len()).filter(|i| content.challenges[*i].status == ChallengeStatus::Validated).collect();
    summarise(
        "competence tests (smart random, reference)",
        thetas.len(),
        tests,
        questions,
        &errors,
        within,
        &seen,
        bank.len(),
        selection_time,
        selections,
    )
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    name: &str,
    learners: usize,
    tests: usize,
    questions: usize,
    errors: &[f64],
    within: usize,
    seen: &[u32],
    bank_size: usize,
    time: f64,
    selections: usize,
) -> Report {
    let n = errors.len().max(1) as f64;
    Report {
        scenario: name.to_owned(),
        learners,
        mean_questions: questions as f64 / tests.max(1) as f64,
        bias: errors.iter().sum::<f64>() / n,
        rmse: (errors.iter().map(|e| e * e).sum::<f64>() / n).sqrt(),
        within_one_level: within as f64 / tests.max(1) as f64,
        max_exposure: f64::from(seen.iter().copied().max().unwrap_or(0)) / learners.max(1) as f64,
        challenges_used: seen.iter().filter(|s| **s > 0).count(),
        bank_size,
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
    vec![
        Strategy { name: "certification (flash, reference)".into(), config: reference.clone() },
        Strategy {
            name: "certification (flash, start at 0, no variation limit)".into(),
            config: FlashConfig { default_candidate_capacity: 0.0, variation_percent: None, ..reference.clone() },
        },
        Strategy {
            name: "certification (flash, start at 0, no limit, top 10 for exposure)".into(),
            config: FlashConfig {
                default_candidate_capacity: 0.0,
                variation_percent: None,
                top_candidates: 10,
                default_probability_to_pick_challenge: 30,
                ..reference
            },
        },
    ]
}

/// Every learner takes a certification with a strategy; the same learners and random answers
/// streams are used for every strategy.
pub fn certifications(bank: &FlashBank, thetas: &[f64], seed: u64, strategy: &Strategy) -> Report {
    let intervals = certification::seed_global_intervals();
    let level_of = |theta: f64| intervals.iter().position(|iv| theta < iv.max).unwrap_or(intervals.len() - 1) as f64;
    let mut seen = vec![0u32; bank.items().len()];
    let (mut questions, mut errors, mut within) = (0usize, Vec::new(), 0usize);
    let (mut selection_time, mut selections) = (0.0f64, 0usize);
    let excluded = HashSet::new();
    for (learner, theta) in thetas.iter().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(learner as u64));
        let mut estimator = Estimator::new(&strategy.config);
        let mut asked: Vec<Asked> = Vec::new();
        loop {
            let situation = Situation {
                bank,
                asked: &asked,
                excluded_skills: &excluded,
                needs_accessibility: false,
                exposure: None,
            };
            let started = Instant::now();
            let selection = flash::select(
                situation,
                estimator.capacity(),
                &strategy.config,
                strategy.config.default_probability_to_pick_challenge,
                &mut rng,
            );
            selection_time += started.elapsed().as_secs_f64();
            selections += 1;
            let Ok(Selection::Ask(i)) = selection else {
                break;
            };
            let c = bank.items()[i];
            seen[i] += 1;
            let success = answers_correctly(&mut rng, c.a, c.b, *theta);
            estimator.update(c.a, c.b, success);
            asked.push(Asked { skill: c.skill, tube: c.tube, competence: c.competence });
        }
        questions += asked.len();
        errors.push(estimator.capacity() - theta);
        within += usize::from((level_of(estimator.capacity()) - level_of(*theta)).abs() <= 1.0);
    }
    summarise(
        &strategy.name,
        thetas.len(),
        thetas.len(),
        questions,
        &errors,
        within,
        &seen,
        bank.items().len(),
        selection_time,
        selections,
    )
}

/// Runs every scenario on the same learners.
pub fn run(content: &Content, learners: usize, seed: u64) -> Vec<Report> {
    let thetas = abilities(learners, seed);
    let mut reports = vec![competence_tests(content, &thetas, seed)];
    let bank = FlashBank::new(certification_bank(content));
    for strategy in strategies() {
        reports.push(certifications(&bank, &thetas, seed, &strategy));
    }
    reports
}
