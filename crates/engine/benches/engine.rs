//! Engine benchmarks: the budgets of DESIGN.md §6 (next challenge < 20 µs median, flash update < 5 µs,
//! flash selection on a 1,000-challenge bank < 5 µs).

use std::{collections::HashSet, hint::black_box};

use content::{ChallengeIdx, CompetenceIdx, Content, Locale, SkillIdx, TubeIdx};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use engine::{
    answer::{self, Context, Response},
    course,
    flash::{self, Asked, Calibrated, Estimator, FlashBank, FlashConfig, Situation},
    knowledge::{self, KnowledgeElement},
    quest::{self, Requirement},
    smart_random::{self, Input, Next},
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Plays a competence test with a learner who succeeds up to `level`, for `answers` answers;
/// returns the state before the next choice.
fn state_after(
    content: &Content,
    competence: usize,
    answers: usize,
) -> (Vec<SkillIdx>, Vec<KnowledgeElement>, HashSet<ChallengeIdx>, Option<bool>) {
    let target: Vec<SkillIdx> = content.competences[competence].active_skills.clone();
    let target_set: HashSet<SkillIdx> = target.iter().copied().collect();
    let mut kes: Vec<KnowledgeElement> = Vec::new();
    let mut answered = HashSet::new();
    let mut last = None;
    let mut assessed = HashSet::new();
    for step in 0..answers {
        let input = Input {
            content,
            target_skills: &target,
            knowledge: &kes,
            answered: &answered,
            last_answer_timed: last,
            locale: Locale::Fr,
            seed: 12345,
            include_archived: false,
        };
        let Next::Ask { challenge, skill, .. } = smart_random::next(input) else {
            break;
        };
        let success = content.skill(skill).level <= 4;
        for e in knowledge::elements_for_answer(content, skill, success, &target_set, &assessed) {
            assessed.insert(e.skill);
            kes.push(KnowledgeElement {
                skill: e.skill,
                source: e.source,
                status: e.status,
                earned_pix: e.earned_pix,
                created_at: step as i64,
            });
        }
        answered.insert(challenge);
        last = Some(content.challenge(challenge).timer.is_some());
    }
    (target, kes, answered, last)
}

fn smart_random_bench(c: &mut Criterion) {
    let content = content::demo().expect("demo content");
    // The competence with the most active skills.
    let competence =
        (0..content.competences.len()).max_by_key(|i| content.competences[*i].active_skills.len()).unwrap();
    let mut group = c.benchmark_group("smart random next challenge (demo content)");
    for answers in [0usize, 10, 30] {
        let (target, kes, answered, last) = state_after(&content, competence, answers);
        group.bench_with_input(BenchmarkId::from_parameter(format!("after {answers} answers")), &answers, |b, _| {
            b.iter(|| {
                smart_random::next(black_box(Input {
                    content: &content,
                    target_skills: &target,
                    knowledge: &kes,
                    answered: &answered,
                    last_answer_timed: last,
                    locale: Locale::Fr,
                    seed: 12345,
                    include_archived: false,
                }))
            })
        });
    }
    group.finish();
}

fn synthetic_bank(n: usize, rng: &mut ChaCha8Rng) -> Vec<Calibrated> {
    (0..n)
        .map(|i| Calibrated {
            challenge: ChallengeIdx(i as u32),
            skill: SkillIdx(i as u32),
            tube: TubeIdx((i / 4) as u32),
            competence: CompetenceIdx((i % 16) as u32),
            a: rng.random_range(0.5..1.5),
            b: rng.random_range(-4.5..6.8),
            accessible: true,
        })
        .collect()
}

fn flash_bench(c: &mut Criterion) {
    let config = FlashConfig::default();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    c.bench_function("flash capacity update (one answer, 81-point grid)", |b| {
        let mut e = Estimator::new(&config);
        let mut ok = false;
        b.iter(|| {
            ok = !ok;
            e.update(black_box(1.1), black_box(0.3), ok);
        })
    });
    let mut group = c.benchmark_group("flash next challenge");
    for size in [1000usize, 3000] {
        let bank = FlashBank::new(synthetic_bank(size, &mut rng));
        let asked: Vec<Asked> = bank
            .items()
            .iter()
            .step_by(size / 16)
            .take(16)
            .map(|c| Asked { skill: c.skill, tube: c.tube, competence: c.competence })
            .collect();
        let excluded = HashSet::new();
        group.bench_with_input(BenchmarkId::from_parameter(format!("bank of {size}, 16 answered")), &size, |b, _| {
            let mut pick_rng = ChaCha8Rng::seed_from_u64(1);
            b.iter(|| {
                let situation = Situation {
                    bank: &bank,
                    asked: &asked,
                    excluded_skills: &excluded,
                    needs_accessibility: false,
                    exposure: None,
                };
                flash::select(black_box(situation), black_box(0.4), &config, 51, &mut pick_rng)
            })
        });
    }
    group.finish();
    // A whole certification for one candidate: 32 × (select + update). Throughput is per question.
    let mut group = c.benchmark_group("flash certification loop (32 questions, select + update)");
    group.throughput(criterion::Throughput::Elements(32));
    for size in [1000usize, 3000] {
        let bank = FlashBank::new(synthetic_bank(size, &mut rng));
        let excluded = HashSet::new();
        group.bench_with_input(BenchmarkId::from_parameter(format!("bank of {size}")), &size, |b, _| {
            let mut rng = ChaCha8Rng::seed_from_u64(3);
            b.iter(|| {
                let mut estimator = Estimator::new(&config);
                let mut asked: Vec<Asked> = Vec::with_capacity(32);
                loop {
                    let situation = Situation {
                        bank: &bank,
                        asked: &asked,
                        excluded_skills: &excluded,
                        needs_accessibility: false,
                        exposure: None,
                    };
                    let Ok(flash::Selection::Ask(i)) =
                        flash::select(situation, estimator.capacity(), &config, 51, &mut rng)
                    else {
                        break;
                    };
                    let c = bank.items()[i];
                    let success = rng.random_range(0.0..1.0) < flash::probability(c.a, c.b, 0.4);
                    estimator.update(c.a, c.b, success);
                    asked.push(Asked { skill: c.skill, tube: c.tube, competence: c.competence });
                }
                black_box(estimator.capacity())
            })
        });
    }
    group.finish();
}

fn answer_bench(c: &mut Criterion) {
    let content = content::demo().expect("demo content");
    let mut group = c.benchmark_group("answer checking");
    for kind in [
        content::ChallengeType::Qcu,
        content::ChallengeType::Qcm,
        content::ChallengeType::Qroc,
        content::ChallengeType::QrocmInd,
        content::ChallengeType::QrocmDep,
    ] {
        let challenge = content
            .challenges
            .iter()
            .find(|ch| ch.kind == kind && ch.tolerances.t3)
            .or_else(|| content.challenges.iter().find(|ch| ch.kind == kind))
            .unwrap();
        let response = match kind {
            content::ChallengeType::Qcu => Response::Value("2".into()),
            content::ChallengeType::Qcm => Response::Value("1,3".into()),
            content::ChallengeType::Qroc => Response::Value("Une réponse assez longue".into()),
            _ => Response::Inputs(
                challenge.proposals.fr.inputs().map(|i| (i.key.clone(), "Réponse".to_owned())).collect(),
            ),
        };
        group.bench_function(kind.name(), |b| {
            b.iter(|| answer::examine(challenge, Locale::Fr, black_box(&response), Context::default()))
        });
    }
    group.finish();
}

/// Quests on the answer path (issue 24): after an answer, a learner's quests are evaluated in the
/// background — eligibility on their organisation and participations, then the capped-tube
/// mastery over their knowledge — and their combined courses' steps are worked out.
fn quest_bench(c: &mut Criterion) {
    let content = content::demo().expect("demo content");
    let competence =
        (0..content.competences.len()).max_by_key(|i| content.competences[*i].active_skills.len()).unwrap();
    let (target, kes, _, _) = state_after(&content, competence, 40);
    let tube = content.tube(content.skill(target[0]).tube).name.clone();
    let profile = "0190f3a2-0000-7000-8000-000000000001";
    let eligibility: Vec<Requirement> = serde_json::from_value(serde_json::json!([
        { "requirement_type": "organization", "comparison": "all", "data": { "type": { "data": "SCO", "comparison": "equal" } } },
        { "requirement_type": "campaignParticipations", "comparison": "all",
          "data": { "targetProfileId": { "data": [profile], "comparison": "one-of" } } },
    ]))
    .unwrap();
    let success: Vec<Requirement> = serde_json::from_value(serde_json::json!([
        { "requirement_type": "cappedTubes", "data": { "cappedTubes": [{ "tubeId": tube, "level": 2 }], "threshold": 50 } },
    ]))
    .unwrap();
    let object = |pairs: &[(&str, quest::Value)]| -> quest::Object {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    };
    // Five participations, the last on the quest's profile.
    let participations = (0..5)
        .map(|i| {
            let on = if i == 4 { profile.to_owned() } else { format!("0190f3a2-0000-7000-8000-00000000010{i}") };
            object(&[("targetProfileId", on.into()), ("status", "SHARED".into())])
        })
        .collect();
    let facts = quest::Facts {
        organization: Some(object(&[("type", "SCO".into())])),
        campaign_participations: participations,
        skills: target.clone(),
        knowledge: kes.clone(),
        ..quest::Facts::default()
    };
    assert!(quest::all_fulfilled(&content, &eligibility, &facts), "the learner is eligible");
    let mut group = c.benchmark_group("quest evaluation (demo content, 40 answers)");
    group.bench_function("eligibility + capped-tube success", |b| {
        b.iter(|| {
            quest::all_fulfilled(&content, black_box(&eligibility), black_box(&facts))
                && quest::all_fulfilled(&content, black_box(&success), black_box(&facts))
        })
    });
    group.finish();

    // A combined course of 12 steps: 2 campaigns that may recommend 3 modules each, 8 modules.
    let items: Vec<course::Item> = (0..12)
        .map(|i| match i {
            0 | 6 => course::Item::Campaign {
                completed: i == 0,
                recommendable: (0..3).map(|m| format!("r{i}{m}")).collect(),
                recommended: vec![format!("r{i}1")],
            },
            1..=3 => course::Item::Module { id: format!("r0{}", i - 1), completed: i == 2 },
            7..=9 => course::Item::Module { id: format!("r6{}", i - 7), completed: false },
            _ => course::Item::Module { id: format!("m{i}"), completed: i < 5 },
        })
        .collect();
    let mut group = c.benchmark_group("combined course");
    group.bench_function("steps, locks and progress of 12 items", |b| {
        b.iter(|| {
            let steps = course::steps(black_box(&items));
            (course::completed(&steps), course::progress(&items, &steps))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = smart_random_bench, flash_bench, answer_bench, quest_bench
}
criterion_main!(benches);
