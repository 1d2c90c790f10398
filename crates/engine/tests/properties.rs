//! Property tests: no input makes the engine panic, and invariants hold for any history.

use content::{ChallengeType, Locale};
use engine::{
    answer::{self, Context, Response},
    flash::{self, Estimator, FlashConfig},
    scoring,
};
use proptest::prelude::*;
use std::sync::LazyLock;

static DEMO: LazyLock<content::Content> = LazyLock::new(|| content::demo().expect("demo content"));

fn kinds() -> impl Strategy<Value = ChallengeType> {
    prop_oneof![
        Just(ChallengeType::Qcu),
        Just(ChallengeType::Qcm),
        Just(ChallengeType::Qroc),
        Just(ChallengeType::QrocmInd),
        Just(ChallengeType::QrocmDep)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_raw_answer_gives_a_verdict_or_a_typed_error(kind in kinds(), raw in any::<String>(), pick in 0usize..1000, timed_out: bool, focused_out: bool) {
        let candidates: Vec<_> = DEMO.challenges.iter().filter(|c| c.kind == kind).collect();
        let challenge = candidates[pick % candidates.len()];
        if let Ok(response) = Response::parse(kind, &raw) {
            for locale in [Locale::Fr, Locale::En] {
                let v = answer::examine(challenge, locale, &response, Context { timed_out, focused_out, certification: true });
                if raw == answer::SKIP { prop_assert_eq!(v.outcome, answer::Outcome::Aband); }
            }
        }
    }

    #[test]
    fn any_inputs_map_is_checked_without_panic(pick in 0usize..1000, values in proptest::collection::vec((any::<String>(), any::<String>()), 0..6)) {
        let candidates: Vec<_> = DEMO.challenges.iter().filter(|c| matches!(c.kind, ChallengeType::QrocmInd | ChallengeType::QrocmDep)).collect();
        let challenge = candidates[pick % candidates.len()];
        let v = answer::examine(challenge, Locale::Fr, &Response::Inputs(values), Context::default());
        prop_assert!(matches!(v.outcome, answer::Outcome::Ok | answer::Outcome::Ko));
    }

    #[test]
    fn treatments_are_idempotent(s in any::<String>()) {
        prop_assert_eq!(answer::t1(&answer::t1(&s)), answer::t1(&s));
        prop_assert_eq!(answer::t2(&answer::t2(&s)), answer::t2(&s));
    }

    #[test]
    fn incremental_capacity_equals_replay_and_stays_on_the_grid(history in proptest::collection::vec((0.3f64..2.5, -6.0f64..7.0, any::<bool>()), 0..40), limited: bool) {
        let config = FlashConfig { variation_percent: limited.then_some(0.5), ..FlashConfig::default() };
        let mut e = Estimator::new(&config);
        for (a, b, ok) in &history {
            e.update(*a, *b, *ok);
            prop_assert!(e.capacity().is_finite() && e.capacity() >= -9.0 && e.capacity() <= 9.0);
            prop_assert!(e.error_rate().is_finite() && e.error_rate() >= 0.0);
        }
        let replay = flash::estimate(&history, &config);
        prop_assert_eq!(replay.capacity(), e.capacity());
        prop_assert_eq!(replay.error_rate(), e.error_rate());
    }

    #[test]
    fn all_successes_never_lower_the_capacity(history in proptest::collection::vec((0.5f64..1.5, -4.0f64..6.0), 1..20)) {
        let config = FlashConfig::default();
        let mut e = Estimator::new(&config);
        let mut last = e.capacity();
        for (a, b) in history {
            e.update(a, b, true);
            prop_assert!(e.capacity() >= last - 1e-9);
            last = e.capacity();
        }
    }

    #[test]
    fn competence_score_is_consistent(pix in proptest::collection::vec(0.0f64..4.0, 0..40), max_level in 1u32..=8) {
        let s = scoring::competence_score(pix.iter().copied(), max_level);
        prop_assert!(s.level <= max_level && s.pix <= max_level * 8);
        prop_assert_eq!(s.pix_ahead, s.pix % 8);
        prop_assert!(s.level * 8 <= s.pix || s.pix == max_level * 8);
    }

    #[test]
    fn global_score_is_monotonic(a in -10.0f64..10.0, b in -10.0f64..10.0) {
        let intervals = engine::certification::seed_global_intervals();
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(engine::certification::global_score(lo, &intervals) <= engine::certification::global_score(hi, &intervals));
        prop_assert!(engine::certification::global_score(hi, &intervals) <= 895);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    /// The pruned search returns exactly the reference's top candidates, in the same order.
    #[test]
    fn pruned_selection_equals_exhaustive(
        items in proptest::collection::vec((0.3f64..2.5, -4.5f64..6.8, 0u32..400, 0u32..16, any::<bool>()), 1..1600),
        answered in proptest::collection::vec(0usize..300, 0..20),
        excluded in proptest::collection::vec(0usize..300, 0..30),
        theta in -6.0f64..6.0,
        accessibility: bool,
        one_per_tube: bool,
        top_n in 1usize..8,
        exposure in proptest::option::of((0.05f64..0.6, 0u32..200, any::<u64>())),
    ) {
        use content::{ChallengeIdx, CompetenceIdx, SkillIdx, TubeIdx};
        // Skills are shared by a few challenges so that an excluded skill removes several.
        let calibrated: Vec<flash::Calibrated> = items.iter().enumerate().map(|(i, (a, b, tube, comp, acc))| flash::Calibrated {
            challenge: ChallengeIdx(i as u32), skill: SkillIdx(i as u32 / 3), tube: TubeIdx(*tube), competence: CompetenceIdx(*comp), a: *a, b: *b, accessible: *acc,
        }).collect();
        let asked: Vec<flash::Asked> = answered.iter().map(|i| &calibrated[i % calibrated.len()]).map(|c| flash::Asked { skill: c.skill, tube: c.tube, competence: c.competence }).collect();
        let excluded: std::collections::HashSet<SkillIdx> = excluded.iter().map(|i| calibrated[i % calibrated.len()].skill).collect();
        let bank = flash::FlashBank::new(calibrated);
        // Past exposure: random counts consistent with the number of past candidates.
        let counts: Vec<u32> = match exposure {
            Some((_, tests, seed)) => {
                let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
                (0..bank.items().len()).map(|_| rand::RngExt::random_range(&mut rng, 0..=tests)).collect()
            }
            None => Vec::new(),
        };
        let config = FlashConfig {
            limit_to_one_question_per_tube: one_per_tube,
            maximum_assessment_length: 1000,
            top_candidates: top_n,
            maximum_exposure_rate: exposure.map(|(rate, _, _)| rate),
            ..FlashConfig::default()
        };
        let past = exposure.map(|(_, tests, _)| flash::Exposure { counts: &counts, tests });
        let situation = flash::Situation { bank: &bank, asked: &asked, excluded_skills: &excluded, needs_accessibility: accessibility, exposure: past };
        let mut expected = flash::select_exhaustive(situation, theta, &config);
        if expected.is_empty() && past.is_some() {
            // Exposure control gives way when it would leave nothing.
            expected = flash::select_exhaustive(flash::Situation { exposure: None, ..situation }, theta, &config);
        }
        prop_assert_eq!(flash::top_candidates(situation, theta, &config), expected.clone());
        // With a 100 % pick the best candidate is asked.
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(1);
        match flash::select(situation, theta, &config, 100, &mut rng) {
            Ok(flash::Selection::Ask(i)) => prop_assert_eq!(Some(&i), expected.first()),
            Ok(flash::Selection::End) => prop_assert!(false, "not at the end"),
            Err(_) => prop_assert!(expected.is_empty()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// v2 selection (§6.2) for any history: certifiable competences only, at most three questions of
    /// distinct directly validated skills in the language, the hardest skills first, unseen
    /// challenges preferred, and every usable skill asked when fewer than three were found.
    #[test]
    fn v2_selection_follows_the_reference(
        elements in proptest::collection::vec((0usize..10_000, any::<bool>(), 0u8..4), 0..120),
        seen in proptest::collection::vec(0usize..10_000, 0..200),
        english: bool,
        accessibility: bool,
        seed: u64,
    ) {
        use engine::certification::{V2Input, select_v2, CHALLENGES_PER_COMPETENCE};
        use engine::knowledge::{KnowledgeElement, Source, Status};
        use content::{ChallengeIdx, ChallengeStatus};
        let content = &*DEMO;
        let mut knowledge: Vec<KnowledgeElement> = Vec::new();
        for (i, (pick, direct, status)) in elements.iter().enumerate() {
            let skill = content::SkillIdx((pick % content.skills.len()) as u32);
            if knowledge.iter().any(|k| k.skill == skill) { continue; }
            let validated = *status > 0;
            knowledge.push(KnowledgeElement {
                skill,
                source: if *direct { Source::Direct } else { Source::Inferred },
                status: if validated { Status::Validated } else { Status::Invalidated },
                earned_pix: if validated { content.skill(skill).pix_value } else { 0.0 },
                created_at: i as i64,
            });
        }
        let answered: std::collections::HashSet<ChallengeIdx> = seen.iter().map(|i| ChallengeIdx((i % content.challenges.len()) as u32)).collect();
        let locale = if english { Locale::En } else { Locale::Fr };
        let input = V2Input { content, knowledge: &knowledge, answered: &answered, locale, needs_accessibility: accessibility, max_level: 6 };
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
        let parts = select_v2(&input, &mut rng);
        let usable = |c: ChallengeIdx| {
            let c = content.challenge(c);
            c.status == ChallengeStatus::Validated && c.locales.contains(&locale) && (!accessibility || (c.blind_ok && c.colour_blind_ok))
        };
        for (ci, _) in content.competences.iter().enumerate() {
            let competence = content::CompetenceIdx(ci as u32);
            let mine: Vec<&KnowledgeElement> = knowledge.iter().filter(|k| content.skill(k.skill).competence == competence).collect();
            let score = scoring::competence_score(mine.iter().map(|k| k.earned_pix), 6);
            let part = parts.iter().find(|p| p.competence == competence);
            prop_assert_eq!(part.is_some(), score.level >= 1);
            let Some(part) = part else { continue };
            prop_assert_eq!((part.level, part.pix), (score.level, score.pix));
            prop_assert!(part.challenges.len() <= CHALLENGES_PER_COMPETENCE);
            let direct: Vec<content::SkillIdx> = mine.iter().filter(|k| k.source == Source::Direct && k.status == Status::Validated).map(|k| k.skill).collect();
            let askable: Vec<content::SkillIdx> = direct.iter().copied().filter(|s| content.skill(*s).challenges.iter().any(|c| usable(*c))).collect();
            let picked: Vec<content::SkillIdx> = part.challenges.iter().map(|c| content.challenge(*c).skill).collect();
            for (c, s) in part.challenges.iter().zip(&picked) {
                prop_assert!(usable(*c));
                prop_assert!(direct.contains(s), "only directly validated skills");
                prop_assert_eq!(picked.iter().filter(|p| *p == s).count(), 1, "one question per skill");
                if answered.contains(c) {
                    prop_assert!(content.skill(*s).challenges.iter().filter(|c| usable(**c)).all(|c| answered.contains(c)), "unseen challenges first");
                }
            }
            if let Some(lowest) = picked.iter().map(|s| content.skill(*s).level).min() {
                for s in askable.iter().filter(|s| !picked.contains(s)) {
                    prop_assert!(content.skill(*s).level <= lowest, "hardest skills first");
                }
            }
            if picked.len() < CHALLENGES_PER_COMPETENCE {
                prop_assert_eq!(picked.len(), askable.len(), "every askable skill when fewer than three");
            }
        }
    }
}

/// The estimator as §5.2 writes it: two exponentials per grid point (the engine's update takes
/// exact exponentials every few points and ratios in between).
fn direct_estimate(history: &[(f64, f64, bool)], config: &FlashConfig) -> (f64, f64) {
    let grid = &*flash::GRID;
    let mut likelihood = [1.0f64; flash::GRID_SIZE];
    let (mut capacity, mut error) = (config.default_candidate_capacity, flash::DEFAULT_ERROR_RATE);
    for (a, b, ok) in history {
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for (k, theta) in grid.iter().enumerate() {
            let p = flash::probability(*a, *b, *theta);
            likelihood[k] *= if *ok { p } else { 1.0 - p };
            let d = theta - capacity;
            let w = likelihood[k] * (-d * d / (2.0 * flash::PRIOR_VARIANCE)).exp();
            s0 += w;
            s1 += w * theta;
            s2 += w * theta * theta;
        }
        let mean = s1 / s0;
        let previous = capacity;
        capacity = match config.variation_percent {
            None => mean,
            Some(v) => {
                let gap = if previous.abs() < v { v } else { (previous * v).abs() };
                if mean > previous { mean.min(previous + gap) } else { mean.max(previous - gap) }
            }
        };
        let variance = s2 / s0 - 2.0 * capacity * mean + capacity * capacity - (9.0_f64 / 80.0).powi(2) / 12.0;
        error = variance.max(0.0).sqrt();
    }
    (capacity, error)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// The anchored update gives the direct formula's capacity and error rate (to 1e-10).
    #[test]
    fn anchored_update_matches_the_direct_formula(
        history in proptest::collection::vec((0.3f64..2.5, -6.0f64..7.0, any::<bool>()), 1..32),
        limited: bool,
    ) {
        let config = FlashConfig { variation_percent: limited.then_some(0.5), ..FlashConfig::default() };
        let (capacity, error) = direct_estimate(&history, &config);
        let e = flash::estimate(&history, &config);
        prop_assert!((e.capacity() - capacity).abs() < 1e-10, "{} vs {}", e.capacity(), capacity);
        prop_assert!((e.error_rate() - error).abs() < 1e-10, "{} vs {}", e.error_rate(), error);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Exposure control: once a few candidates have passed (1/rate), no challenge has been given to
    /// more than `rate` of them, candidate after candidate — on banks large enough for the rate
    /// (at least twice 32/rate challenges; on smaller ones the control gives way rather than stop).
    #[test]
    fn exposure_never_exceeds_the_target(size in 300usize..700, share in 0.0f64..1.0, seed: u64) {
        let lowest = 64.0 / size as f64;
        let rate = lowest + share * (0.5 - lowest);
        use engine::simulate::{Distribution, SyntheticBank};
        let bank = flash::FlashBank::new(SyntheticBank { size, discrimination: Distribution::LogNormal(0.0, 0.3), difficulty: Distribution::Normal(0.0, 1.5), seed }.items());
        let config = FlashConfig { maximum_exposure_rate: Some(rate), ..FlashConfig::default() };
        let mut counts = vec![0u32; size];
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
        let excluded = std::collections::HashSet::new();
        for candidate in 0..60u32 {
            let theta = rand::RngExt::random_range(&mut rng, -3.0..3.0);
            let mut estimator = flash::Estimator::new(&config);
            let mut asked: Vec<flash::Asked> = Vec::new();
            let mut mine = Vec::new();
            while !flash::finished(&config, asked.len(), estimator.error_rate()) {
                let situation = flash::Situation { bank: &bank, asked: &asked, excluded_skills: &excluded, needs_accessibility: false, exposure: Some(flash::Exposure { counts: &counts, tests: candidate }) };
                let Ok(flash::Selection::Ask(i)) = flash::select(situation, estimator.capacity(), &config, 51, &mut rng) else { break };
                let c = bank.items()[i];
                estimator.update(c.a, c.b, rand::RngExt::random_range(&mut rng, 0.0..1.0) < flash::probability(c.a, c.b, theta));
                asked.push(flash::Asked { skill: c.skill, tube: c.tube, competence: c.competence });
                mine.push(i);
            }
            prop_assert_eq!(asked.len(), config.maximum_assessment_length);
            for i in mine { counts[i] += 1; }
            let seen = f64::from(candidate + 1);
            if seen * rate >= 1.0 {
                let max = counts.iter().copied().max().unwrap_or(0);
                prop_assert!(f64::from(max) <= rate * seen + 1e-9, "{} of {} candidates saw one challenge (rate {})", max, seen, rate);
            } else {
                prop_assert!(counts.iter().all(|c| *c <= 1), "each challenge once before 1/rate candidates");
            }
        }
    }

    /// The stopping rules never stop before their minimum or after their maximum.
    #[test]
    fn stopping_rules_respect_their_bounds(
        target in 0.1f64..1.5,
        minimum in 0usize..30,
        extra in 0usize..20,
        answers in proptest::collection::vec((0.5f64..2.0, -3.0f64..3.0, any::<bool>()), 0..60),
    ) {
        use engine::{flash::VariableLength, placement::{self, PlacementConfig}};
        let config = FlashConfig { maximum_assessment_length: minimum + extra, variable_length: Some(VariableLength { error_rate: target, minimum_length: minimum }), ..FlashConfig::default() };
        let mut e = flash::Estimator::new(&config);
        for (n, (a, b, ok)) in answers.iter().enumerate() {
            let done = flash::finished(&config, n, e.error_rate());
            prop_assert!(n >= config.maximum_assessment_length || n < minimum || done == (e.error_rate() <= target) || n >= minimum + extra);
            if n < minimum.min(minimum + extra) { prop_assert!(!done); }
            if n >= minimum + extra { prop_assert!(done); }
            e.update(*a, *b, *ok);
        }
        // Placement on a competence of the demo referential.
        let items = placement::items(&DEMO, content::CompetenceIdx(0), Locale::Fr);
        let p = PlacementConfig { error_rate: target, minimum_length: minimum.min(8), maximum_length: minimum.min(8) + extra.min(8), top_candidates: 3 };
        let mut estimator = flash::Estimator::new(&p.estimator());
        let mut asked = Vec::new();
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(extra as u64);
        while let Some(i) = placement::next(&items, &asked, &estimator, &p, &mut rng) {
            prop_assert!(!asked.iter().any(|j: &usize| items[*j].skill == items[i].skill), "one question per skill");
            estimator.update(items[i].a, items[i].b, answers.get(asked.len()).is_some_and(|x| x.2));
            asked.push(i);
        }
        prop_assert!(asked.len() <= p.maximum_length);
        let skills: std::collections::HashSet<_> = items.iter().map(|it| it.skill).collect();
        prop_assert!(asked.len() >= p.minimum_length.min(skills.len()), "{} < {}", asked.len(), p.minimum_length);
    }
}
