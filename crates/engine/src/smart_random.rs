//! The "smart random" adaptive algorithm of competence tests and campaigns (reference §4).

use std::collections::{HashMap, HashSet};

use content::{ChallengeIdx, Content, Locale, SkillIdx, TubeIdx};

use crate::knowledge::{KnowledgeElement, Source, Status};

/// Candidate levels of the predicted-level estimate: 0.5, 1.0, … 7.5.
pub const CAT_LEVELS: [f64; 15] = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5];
/// Tubes whose hardest skill is at most this level are "easy".
pub const MAX_LEVEL_TO_BE_AN_EASY_TUBE: u8 = 3;
/// Level preferred for the first question.
pub const DEFAULT_LEVEL_FOR_FIRST_CHALLENGE: u8 = 2;
/// Skills more than this above the predicted level are not asked.
pub const MAX_DIFF_BETWEEN_USER_LEVEL_AND_SKILL_LEVEL: f64 = 2.0;

/// Everything the algorithm needs to choose the next challenge.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The referential.
    pub content: &'a Content,
    /// Target skills, in a stable order (the pick depends on it).
    pub target_skills: &'a [SkillIdx],
    /// The learner's current knowledge (any skills; restricted to targets here).
    pub knowledge: &'a [KnowledgeElement],
    /// Challenges already answered in this assessment.
    pub answered: &'a HashSet<ChallengeIdx>,
    /// `None` before the first answer; `Some(true)` when the last answered challenge was timed.
    pub last_answer_timed: Option<bool>,
    /// Language of the assessment.
    pub locale: Locale,
    /// The assessment's seed (the reference uses the assessment id).
    pub seed: u32,
    /// Include archived challenges (campaigns use "operative" challenges).
    pub include_archived: bool,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Next {
    /// Ask this challenge.
    Ask {
        /// The challenge.
        challenge: ChallengeIdx,
        /// The skill it assesses.
        skill: SkillIdx,
        /// The predicted level used for the choice.
        level_estimated: f64,
    },
    /// No candidate skill remains: the test is over.
    End {
        /// The final predicted level.
        level_estimated: f64,
    },
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Predicted level from direct outcomes `(level, success)` plus the two virtual answers.
pub fn predicted_level(direct: impl IntoIterator<Item = (f64, bool)> + Clone) -> f64 {
    let mut best = (f64::NEG_INFINITY, CAT_LEVELS[0]);
    for level in CAT_LEVELS {
        let virtuals = [(0.0, true), (7.0, false)];
        let sum: f64 = virtuals
            .into_iter()
            .chain(direct.clone())
            .map(|(d, ok)| f64::from(u8::from(ok)) - sigmoid(level - d))
            .sum();
        let score = -sum.abs();
        if score > best.0 {
            best = (score, level);
        }
    }
    best.1
}

/// `hash-int`: the reference's 32-bit integer hash used for the reproducible pick.
pub fn hash_int(seed: u32) -> u32 {
    let mut x = seed;
    x = x.wrapping_sub(x << 6);
    x ^= x >> 17;
    x = x.wrapping_sub(x << 9);
    x ^= x << 4;
    x = x.wrapping_sub(x << 3);
    x ^= x << 10;
    x ^= x >> 15;
    x
}

struct SkillInfo {
    skill: SkillIdx,
    tube: TubeIdx,
    level: u8,
    remaining: Vec<ChallengeIdx>,
    timed: bool,
    tested: bool,
}

/// Chooses the next challenge (§4.2–4.6).
pub fn next(input: Input<'_>) -> Next {
    let content = input.content;
    let usable = |c: ChallengeIdx| {
        let ch = content.challenge(c);
        ch.locales.contains(&input.locale)
            && (ch.status == content::ChallengeStatus::Validated
                || (input.include_archived && ch.status == content::ChallengeStatus::Archived))
    };
    let target: HashSet<SkillIdx> = input.target_skills.iter().copied().collect();
    let knowledge: HashMap<SkillIdx, &KnowledgeElement> =
        input.knowledge.iter().filter(|ke| target.contains(&ke.skill)).map(|ke| (ke.skill, ke)).collect();

    // Skills with their remaining challenges; tubes are rebuilt from skills having any challenge.
    let mut skills: Vec<SkillInfo> = Vec::with_capacity(input.target_skills.len());
    for &s in input.target_skills {
        let skill = content.skill(s);
        let all = all_challenges(content, s).filter(|c| usable(*c));
        let mut any = false;
        let mut remaining = Vec::new();
        for c in all {
            any = true;
            if !input.answered.contains(&c) {
                remaining.push(c);
            }
        }
        if !any {
            continue;
        }
        let timed = remaining.first().is_some_and(|c| content.challenge(*c).timer.is_some());
        skills.push(SkillInfo {
            skill: s,
            tube: skill.tube,
            level: skill.level,
            remaining,
            timed,
            tested: knowledge.contains_key(&s),
        });
    }
    let mut tube_max: HashMap<TubeIdx, u8> = HashMap::new();
    for s in &skills {
        let m = tube_max.entry(s.tube).or_default();
        *m = (*m).max(s.level);
    }

    let direct = knowledge
        .values()
        .filter(|ke| ke.source == Source::Direct && ke.status != Status::Reset)
        .map(|ke| (f64::from(content.skill(ke.skill).level), ke.status == Status::Validated));
    let first = input.last_answer_timed.is_none();
    let level_estimated = if first { f64::from(DEFAULT_LEVEL_FOR_FIRST_CHALLENGE) } else { predicted_level(direct) };

    // Filters: playable, untested (strict); easy tubes, no timed (fall back when empty).
    let mut candidates: Vec<&SkillInfo> = skills.iter().filter(|s| !s.remaining.is_empty() && !s.tested).collect();
    let easy: Vec<&SkillInfo> =
        candidates.iter().copied().filter(|s| tube_max[&s.tube] <= MAX_LEVEL_TO_BE_AN_EASY_TUBE).collect();
    if !easy.is_empty() {
        candidates = easy;
    }
    if first || input.last_answer_timed == Some(true) {
        let untimed: Vec<&SkillInfo> = candidates.iter().copied().filter(|s| !s.timed).collect();
        if !untimed.is_empty() {
            candidates = untimed;
        }
    }

    let chosen: Vec<&SkillInfo> = if first {
        let at_default: Vec<&SkillInfo> =
            candidates.iter().copied().filter(|s| s.level == DEFAULT_LEVEL_FOR_FIRST_CHALLENGE).collect();
        if !at_default.is_empty() {
            at_default
        } else {
            let lowest = candidates.iter().map(|s| s.level).min();
            candidates.iter().copied().filter(|s| Some(s.level) == lowest).collect()
        }
    } else {
        candidates.retain(|s| f64::from(s.level) - level_estimated <= MAX_DIFF_BETWEEN_USER_LEVEL_AND_SKILL_LEVEL);
        // Reward: expected number of untested skills of the tube the answer will settle.
        let untested_levels =
            |tube: TubeIdx| skills.iter().filter(move |t| t.tube == tube && !t.tested).map(|t| t.level);
        let mut best = f64::NEG_INFINITY;
        let mut kept: Vec<&SkillInfo> = Vec::new();
        for s in candidates {
            let p = sigmoid(level_estimated - f64::from(s.level));
            let easier = untested_levels(s.tube).filter(|l| *l <= s.level).count() as f64;
            let harder = untested_levels(s.tube).filter(|l| *l >= s.level).count() as f64;
            let reward = p * easier + (1.0 - p) * harder;
            if reward > best {
                best = reward;
                kept.clear();
                kept.push(s);
            } else if reward == best {
                kept.push(s);
            }
        }
        kept
    };

    if chosen.is_empty() {
        return Next::End { level_estimated };
    }
    let skill = chosen[(hash_int(input.seed) as usize) % chosen.len()];
    let validated: Vec<ChallengeIdx> = skill
        .remaining
        .iter()
        .copied()
        .filter(|c| content.challenge(*c).status == content::ChallengeStatus::Validated)
        .collect();
    let pool = if validated.is_empty() { &skill.remaining } else { &validated };
    let challenge = pool[(hash_int(input.seed.wrapping_add(1)) as usize) % pool.len()];
    Next::Ask { challenge, skill: skill.skill, level_estimated }
}

/// Every operative challenge of a skill: validated ones first, then archived ones.
fn all_challenges(content: &Content, skill: SkillIdx) -> impl Iterator<Item = ChallengeIdx> + '_ {
    let s = content.skill(skill);
    s.challenges.iter().chain(s.archived_challenges.iter()).copied()
}
