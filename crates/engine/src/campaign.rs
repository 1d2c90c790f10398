//! Campaign rules (reference §7, PRODUCT §1.2): campaign skills from capped tubes, mastery,
//! stages, badges, progression and the per-tube recommendation score. Pure functions.

use std::collections::HashSet;

use content::{Content, SkillIdx, TubeIdx};

use crate::knowledge::{KnowledgeElement, Status};

/// The campaign skills of a target profile: for each tube capped at a level, its active skills of
/// that level or below, tube by tube in the profile's order, by level.
pub fn campaign_skills(content: &Content, tubes: &[(TubeIdx, u8)]) -> Vec<SkillIdx> {
    let mut skills = Vec::new();
    for (tube, cap) in tubes {
        let mut of_tube: Vec<SkillIdx> = content
            .tube(*tube)
            .skills
            .iter()
            .copied()
            .filter(|s| {
                let skill = content.skill(*s);
                skill.status == content::SkillStatus::Active && skill.level <= *cap
            })
            .collect();
        of_tube.sort_by_key(|s| content.skill(*s).level);
        skills.extend(of_tube);
    }
    skills
}

/// The skills validated by current knowledge among `skills`.
pub fn validated(skills: &[SkillIdx], current: &[KnowledgeElement]) -> HashSet<SkillIdx> {
    let targets: HashSet<SkillIdx> = skills.iter().copied().collect();
    current.iter().filter(|k| k.status == Status::Validated && targets.contains(&k.skill)).map(|k| k.skill).collect()
}

/// Mastery rate in [0, 1]: validated / targeted (0 without target).
pub fn mastery_rate(validated: usize, targeted: usize) -> f64 {
    if targeted == 0 { 0.0 } else { validated as f64 / targeted as f64 }
}

/// Mastery in whole percent, as the reference rounds it.
pub fn mastery_percentage(validated: usize, targeted: usize) -> u32 {
    if targeted == 0 { 0 } else { (100.0 * validated as f64 / targeted as f64).round() as u32 }
}

/// A stage as configured: by threshold (% of mastery) or by level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageRule {
    /// Reached at this percentage of mastery (0 is the protected stage 0).
    Threshold(u32),
    /// Reached when the skills up to this level are mastered (0 is stage 0).
    Level(u8),
}

/// The threshold of each stage (level stages converted: 100 × skills of that level or below /
/// campaign skills, rounded; 100 without skills).
pub fn stage_thresholds(content: &Content, skills: &[SkillIdx], stages: &[StageRule]) -> Vec<u32> {
    stages
        .iter()
        .map(|s| match s {
            StageRule::Threshold(t) => *t,
            StageRule::Level(0) => 0,
            StageRule::Level(level) => {
                if skills.is_empty() {
                    100
                } else {
                    let below = skills.iter().filter(|s| content.skill(**s).level <= *level).count();
                    (100.0 * below as f64 / skills.len() as f64).round() as u32
                }
            }
        })
        .collect()
}

/// How many stages are reached at a mastery percentage (stage 0 always is). The reached stage
/// shown to people is this count minus one (stage 0 is "no stage yet").
pub fn reached_stages(thresholds: &[u32], mastery_percent: u32) -> usize {
    thresholds.iter().filter(|t| **t == 0 || **t <= mastery_percent).count()
}

/// A badge criterion.
#[derive(Debug, Clone, PartialEq)]
pub enum Criterion {
    /// A threshold on the mastery of every campaign skill.
    Participation {
        /// Percent.
        threshold: u32,
    },
    /// A threshold on the mastery of the skills of some tubes up to given levels.
    Tubes {
        /// Percent.
        threshold: u32,
        /// Tubes and their caps.
        tubes: Vec<(TubeIdx, u8)>,
    },
}

/// How far a criterion is met, in percent: min(100, round(mastery / threshold × 100)).
pub fn criterion_progress(
    content: &Content,
    campaign: &[SkillIdx],
    validated: &HashSet<SkillIdx>,
    c: &Criterion,
) -> u32 {
    let (threshold, skills): (u32, Vec<SkillIdx>) = match c {
        Criterion::Participation { threshold } => (*threshold, campaign.to_vec()),
        Criterion::Tubes { threshold, tubes } => {
            let within: HashSet<SkillIdx> = campaign_skills(content, tubes).into_iter().collect();
            (*threshold, campaign.iter().copied().filter(|s| within.contains(s)).collect())
        }
    };
    let mastered = skills.iter().filter(|s| validated.contains(s)).count();
    let percent = 100.0 * mastery_rate(mastered, skills.len());
    if threshold == 0 {
        return 100;
    }
    ((percent / f64::from(threshold) * 100.0).round() as u32).min(100)
}

/// Whether a badge is won (every criterion met) and its progress (mean of its criteria, rounded).
pub fn badge(
    content: &Content,
    campaign: &[SkillIdx],
    validated: &HashSet<SkillIdx>,
    criteria: &[Criterion],
) -> (bool, u32) {
    if criteria.is_empty() {
        return (false, 0);
    }
    let progress: Vec<u32> = criteria.iter().map(|c| criterion_progress(content, campaign, validated, c)).collect();
    let mean = (progress.iter().map(|p| f64::from(*p)).sum::<f64>() / progress.len() as f64).round() as u32;
    (progress.iter().all(|p| *p == 100), mean)
}

/// Progression of a participation in [0, 1]: 1 when the test is over, else skills assessed / all.
pub fn progression(completed: bool, assessed: usize, targeted: usize) -> f64 {
    if completed {
        1.0
    } else if targeted == 0 {
        0.0
    } else {
        (assessed as f64 / targeted as f64).min(1.0)
    }
}

/// The recommendation score of a tube for one participant (PRODUCT §1.2), from the levels of the
/// tube's campaign skills, the participant's validated ones among them, and the highest level of
/// the campaign:
/// 40/maxDifficulty(tube)·reached + 30/maxLevel(campaign)·maxDifficulty(tube)
/// + 20/#tubeSkills·#validated + (validated ≠ ∅ ? 10/nextLevel·reached : 0).
pub fn recommendation_score(tube_levels: &[u8], validated_levels: &[u8], campaign_max_level: u8) -> f64 {
    let Some(&max_difficulty) = tube_levels.iter().max() else { return 0.0 };
    let reached = validated_levels.iter().copied().max().unwrap_or(0);
    let next = tube_levels.iter().copied().filter(|l| !validated_levels.contains(l)).min().unwrap_or(max_difficulty);
    let max_d = f64::from(max_difficulty);
    let mut score = 40.0 / max_d * f64::from(reached)
        + 30.0 / f64::from(campaign_max_level.max(1)) * max_d
        + 20.0 / tube_levels.len() as f64 * validated_levels.len() as f64;
    if !validated_levels.is_empty() {
        score += 10.0 / f64::from(next.max(1)) * f64::from(reached);
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastery_and_stages_by_hand() {
        assert_eq!(mastery_percentage(3, 8), 38, "37.5 rounds up");
        assert_eq!(mastery_percentage(0, 0), 0);
        assert!((mastery_rate(3, 8) - 0.375).abs() < 1e-12);
        // Stages at 0, 30, 60, 90: at 38 % two stages are reached (0 and 30) → "stage 1 of 3".
        let t = [0, 30, 60, 90];
        assert_eq!(reached_stages(&t, 38), 2);
        assert_eq!(reached_stages(&t, 0), 1, "stage 0 is always reached");
        assert_eq!(reached_stages(&t, 90), 4);
    }

    #[test]
    fn progression_and_recommendation_by_hand() {
        assert_eq!(progression(true, 1, 10), 1.0);
        assert_eq!(progression(false, 4, 10), 0.4);
        assert_eq!(progression(false, 0, 0), 0.0);
        // Tube of levels 1..4, levels 1 and 2 validated, campaign max level 4:
        // 40/4·2 + 30/4·4 + 20/4·2 + 10/3·2 = 20 + 30 + 10 + 6.667 = 66.667
        let s = recommendation_score(&[1, 2, 3, 4], &[1, 2], 4);
        assert!((s - 66.666_666).abs() < 1e-3, "{s}");
        // Nothing validated: only the difficulty term: 30/4·4 = 30.
        assert!((recommendation_score(&[1, 2, 3, 4], &[], 4) - 30.0).abs() < 1e-9);
    }
}
