//! Recommended trainings (PRODUCT-NEXT §1.4): whether a training's triggers hold for what a
//! learner showed in a campaign. Pure functions.
//!
//! A trigger names tubes, each capped at a level, and a threshold in percent. Its skills are the
//! campaign skills of those tubes up to their caps; its percentage is
//! `round(100 × validated / assessed)` over them (0 when none was assessed). A prerequisite holds at
//! or above its threshold, a goal at or below it, and a training is recommended when it has at
//! least one trigger and every one of them holds.

use std::collections::{HashMap, HashSet};

use content::{Content, SkillIdx, TubeIdx};

use crate::knowledge::{KnowledgeElement, Status};

/// The two kinds of trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TriggerKind {
    /// The learner knows enough to profit from the training: holds at or above the threshold.
    Prerequisite,
    /// The training teaches what the learner lacks: holds at or below the threshold.
    Goal,
}

impl TriggerKind {
    /// Both kinds, in the order the back office shows them.
    pub const ALL: [TriggerKind; 2] = [TriggerKind::Prerequisite, TriggerKind::Goal];

    /// The stored name (`prerequisite`, `goal`).
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerKind::Prerequisite => "prerequisite",
            TriggerKind::Goal => "goal",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<TriggerKind> {
        TriggerKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A trigger of a training.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    /// Prerequisite or goal.
    pub kind: TriggerKind,
    /// Percent, 0–100.
    pub threshold: u32,
    /// Tubes and their caps (levels 0–8).
    pub tubes: Vec<(TubeIdx, u8)>,
}

/// What a learner showed on some skills.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    /// Skills validated.
    pub validated: HashSet<SkillIdx>,
    /// Skills invalidated.
    pub invalidated: HashSet<SkillIdx>,
}

impl Shown {
    /// The status of the current knowledge elements, skill by skill.
    pub fn from_knowledge(current: &[KnowledgeElement]) -> Shown {
        let mut shown = Shown::default();
        for k in current {
            match k.status {
                Status::Validated => shown.validated.insert(k.skill),
                Status::Invalidated => shown.invalidated.insert(k.skill),
                Status::Reset => false,
            };
        }
        shown
    }
}

/// The campaign skills a trigger looks at: those of its tubes at or below their caps.
pub fn capped_skills(content: &Content, campaign: &[SkillIdx], tubes: &[(TubeIdx, u8)]) -> Vec<SkillIdx> {
    let caps: HashMap<TubeIdx, u8> = tubes.iter().copied().collect();
    campaign
        .iter()
        .copied()
        .filter(|s| {
            let skill = content.skill(*s);
            caps.get(&skill.tube).is_some_and(|cap| skill.level <= *cap)
        })
        .collect()
}

/// `round(100 × validated / assessed)` over `skills`, 0 when none of them was assessed.
pub fn percent(skills: &[SkillIdx], shown: &Shown) -> u32 {
    let validated = skills.iter().filter(|s| shown.validated.contains(s)).count();
    let assessed = validated + skills.iter().filter(|s| shown.invalidated.contains(s)).count();
    if assessed == 0 { 0 } else { (100.0 * validated as f64 / assessed as f64).round() as u32 }
}

/// Whether a trigger of this kind and threshold holds at this percentage.
pub fn holds(kind: TriggerKind, threshold: u32, percent: u32) -> bool {
    match kind {
        TriggerKind::Prerequisite => percent >= threshold,
        TriggerKind::Goal => percent <= threshold,
    }
}

/// Whether a training with these triggers is recommended: at least one trigger, all holding.
pub fn recommended(content: &Content, campaign: &[SkillIdx], shown: &Shown, triggers: &[Trigger]) -> bool {
    !triggers.is_empty()
        && triggers
            .iter()
            .all(|t| holds(t.kind, t.threshold, percent(&capped_skills(content, campaign, &t.tubes), shown)))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// `validated` of the first `assessed` skills of 100 skills validated, the rest invalidated.
    fn shown(skills: &[SkillIdx], validated: usize, assessed: usize) -> Shown {
        Shown {
            validated: skills[..validated].iter().copied().collect(),
            invalidated: skills[validated..assessed].iter().copied().collect(),
        }
    }

    fn skills(n: usize) -> Vec<SkillIdx> {
        (0..n).map(|i| SkillIdx(i as u32)).collect()
    }

    /// The done check: prerequisite 50 % and goal 80 % hold together exactly from 50 % to 80 %.
    #[test]
    fn prerequisite_fifty_and_goal_eighty_hold_exactly_at_their_bounds() {
        let s = skills(100);
        let both = |shown: &Shown| {
            let p = percent(&s, shown);
            holds(TriggerKind::Prerequisite, 50, p) && holds(TriggerKind::Goal, 80, p)
        };
        assert_eq!(percent(&s, &shown(&s, 49, 100)), 49);
        assert!(!both(&shown(&s, 49, 100)), "49 % is under the prerequisite");
        assert!(both(&shown(&s, 50, 100)), "50 % meets the prerequisite");
        assert!(both(&shown(&s, 80, 100)), "80 % still needs the goal");
        assert!(!both(&shown(&s, 81, 100)), "81 % is past the goal");
        assert_eq!(percent(&s, &Shown::default()), 0, "nothing assessed is 0 %");
        assert!(!both(&Shown::default()));
        // Only assessed skills count: 1 of 2 assessed is 50 % whatever the 98 others.
        assert_eq!(percent(&s, &shown(&s, 1, 2)), 50);
        // 17 of 35 is 48.57 → 49; 17 of 21 is 80.95 → 81.
        assert_eq!(percent(&s, &shown(&s, 17, 35)), 49);
        assert_eq!(percent(&s, &shown(&s, 17, 21)), 81);
    }

    #[test]
    fn a_goal_alone_holds_when_nothing_was_assessed() {
        assert!(holds(TriggerKind::Goal, 80, percent(&skills(5), &Shown::default())));
        assert!(!holds(TriggerKind::Prerequisite, 1, 0));
        assert!(holds(TriggerKind::Prerequisite, 0, 0), "a threshold of 0 always holds");
    }

    #[test]
    fn capped_skills_keep_the_campaign_skills_of_the_tubes_up_to_their_caps() {
        let content = content::demo().expect("demo content");
        let campaign: Vec<SkillIdx> = (0..content.skills.len() as u32).map(SkillIdx).collect();
        let tube = content.skill(campaign[0]).tube;
        let capped = capped_skills(&content, &campaign, &[(tube, 2)]);
        assert!(!capped.is_empty());
        assert!(capped.iter().all(|s| content.skill(*s).tube == tube && content.skill(*s).level <= 2));
        let all_of_tube = campaign.iter().filter(|s| content.skill(**s).tube == tube && content.skill(**s).level <= 2);
        assert_eq!(capped.len(), all_of_tube.count());
        // A skill outside the campaign never counts, even in the tube.
        assert!(capped_skills(&content, &campaign[1..], &[(tube, 8)]).iter().all(|s| *s != campaign[0]));
        assert!(!recommended(&content, &campaign, &Shown::default(), &[]), "no trigger, no training");
    }

    proptest! {
        /// A prerequisite and a goal at the same threshold hold together only at that percentage,
        /// and at any percentage at least one of them holds.
        #[test]
        fn prerequisite_and_goal_split_the_scale(validated in 0usize..=60, extra in 0usize..=60, threshold in 0u32..=100) {
            let s = skills(120);
            let shown = shown(&s, validated, validated + extra);
            let p = percent(&s, &shown);
            prop_assert!(p <= 100);
            let pre = holds(TriggerKind::Prerequisite, threshold, p);
            let goal = holds(TriggerKind::Goal, threshold, p);
            prop_assert!(pre || goal);
            prop_assert_eq!(pre && goal, p == threshold);
        }

        /// Validating one more assessed skill never lowers the percentage.
        #[test]
        fn the_percentage_grows_with_what_is_validated(validated in 0usize..50, extra in 1usize..50) {
            let s = skills(120);
            let before = percent(&s, &shown(&s, validated, validated + extra));
            let after = percent(&s, &shown(&s, validated + 1, validated + extra));
            prop_assert!(after >= before);
        }
    }
}
