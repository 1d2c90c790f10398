//! Combined courses (PRODUCT-NEXT §2.3): what a learner sees of a course — its items in order,
//! which are completed, which are locked — and whether they completed it. Pure functions.
//!
//! A course is a list of campaigns and modules. A module that one of the earlier campaigns may
//! recommend (a `modulix` training of its target profile) is *recommendable*: while that campaign
//! is not completed one placeholder stands for all its recommendable modules; once it is, only the
//! modules it recommended to this learner remain, and the others are dropped (they count for
//! nothing). The lock rule: the first item is open; an item is locked when the previous one is
//! locked or not completed.

/// One item of a course, with what the learner did of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A campaign.
    Campaign {
        /// Whether the learner completed it (shared their results).
        completed: bool,
        /// The modules its target profile may recommend (module ids).
        recommendable: Vec<String>,
        /// Of those, the ones it recommended to this learner.
        recommended: Vec<String>,
    },
    /// A module.
    Module {
        /// Its id.
        id: String,
        /// Whether the learner terminated it.
        completed: bool,
    },
}

/// What the learner sees at one place of the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The course's item at this index (a campaign, or a module).
    Item(usize),
    /// The modules the campaign at this index may recommend, until it is completed.
    Placeholder(usize),
}

/// A shown item and its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// What it is.
    pub shown: Shown,
    /// Completed (a placeholder never is).
    pub completed: bool,
    /// Locked by the rule.
    pub locked: bool,
}

/// The lock rule: the first item is open, and an item is locked when the previous one is locked
/// or not completed.
pub fn locks(completed: &[bool]) -> Vec<bool> {
    let mut locked = Vec::with_capacity(completed.len());
    for i in 0..completed.len() {
        locked.push(i > 0 && (locked[i - 1] || !completed[i - 1]));
    }
    locked
}

/// What the learner sees of a course, in order.
pub fn steps(items: &[Item]) -> Vec<Step> {
    // For each module, the earlier campaign that may recommend it (the nearest one).
    let recommender = |at: usize, id: &str| {
        (0..at).rev().find(
            |&c| matches!(&items[c], Item::Campaign { recommendable, .. } if recommendable.iter().any(|m| m == id)),
        )
    };
    let mut shown: Vec<(Shown, bool)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Item::Campaign { completed, .. } => shown.push((Shown::Item(i), *completed)),
            Item::Module { id, completed } => match recommender(i, id) {
                None => shown.push((Shown::Item(i), *completed)),
                Some(c) => {
                    let Item::Campaign { completed: campaign_done, recommended, .. } = &items[c] else { continue };
                    if !campaign_done {
                        if !shown.iter().any(|(s, _)| *s == Shown::Placeholder(c)) {
                            shown.push((Shown::Placeholder(c), false));
                        }
                    } else if recommended.iter().any(|m| m == id) {
                        shown.push((Shown::Item(i), *completed));
                    }
                }
            },
        }
    }
    let completed: Vec<bool> = shown.iter().map(|(_, c)| *c).collect();
    shown
        .into_iter()
        .zip(locks(&completed))
        .map(|((shown, completed), locked)| Step { shown, completed, locked })
        .collect()
}

/// Whether the learner completed the course: every item they see is completed (a placeholder
/// never is).
pub fn completed(steps: &[Step]) -> bool {
    steps.iter().all(|s| s.completed)
}

/// Progress as organisations read it: (campaigns, of which completed, modules, of which completed);
/// a placeholder counts as one module.
pub fn progress(items: &[Item], steps: &[Step]) -> (usize, usize, usize, usize) {
    let (mut campaigns, mut campaigns_done, mut modules, mut modules_done) = (0, 0, 0, 0);
    for s in steps {
        match s.shown {
            Shown::Item(i) if matches!(items[i], Item::Campaign { .. }) => {
                campaigns += 1;
                campaigns_done += usize::from(s.completed);
            }
            _ => {
                modules += 1;
                modules_done += usize::from(s.completed);
            }
        }
    }
    (campaigns, campaigns_done, modules, modules_done)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn campaign(completed: bool) -> Item {
        Item::Campaign { completed, recommendable: vec![], recommended: vec![] }
    }

    fn module(id: &str, completed: bool) -> Item {
        Item::Module { id: id.to_owned(), completed }
    }

    fn locked(items: &[Item]) -> Vec<bool> {
        steps(items).iter().map(|s| s.locked).collect()
    }

    #[test]
    fn campaign_then_two_modules_unlock_one_at_a_time() {
        // The done test's course [C, M1, M2].
        assert_eq!(locked(&[campaign(false), module("m1", false), module("m2", false)]), [false, true, true]);
        assert_eq!(locked(&[campaign(true), module("m1", false), module("m2", false)]), [false, false, true]);
        assert_eq!(locked(&[campaign(true), module("m1", true), module("m2", false)]), [false, false, false]);
        let done = [campaign(true), module("m1", true), module("m2", true)];
        assert!(completed(&steps(&done)));
        assert!(!completed(&steps(&[campaign(true), module("m1", true), module("m2", false)])));
        assert_eq!(progress(&done, &steps(&done)), (1, 1, 2, 2));
    }

    #[test]
    fn a_later_item_done_first_stays_locked_behind_an_unfinished_one() {
        assert_eq!(locked(&[campaign(false), module("m1", true), module("m2", true)]), [false, true, true]);
    }

    #[test]
    fn recommendable_modules_wait_behind_one_placeholder_then_only_the_recommended_remain() {
        let c = |completed: bool, recommended: &[&str]| Item::Campaign {
            completed,
            recommendable: vec!["r1".into(), "r2".into()],
            recommended: recommended.iter().map(|s| (*s).to_owned()).collect(),
        };
        let before = [c(false, &[]), module("r1", false), module("r2", false), module("m", false)];
        let s = steps(&before);
        assert_eq!(
            s.iter().map(|s| s.shown).collect::<Vec<_>>(),
            [Shown::Item(0), Shown::Placeholder(0), Shown::Item(3)]
        );
        assert_eq!(progress(&before, &s), (1, 0, 2, 0));
        let after = [c(true, &["r2"]), module("r1", false), module("r2", true), module("m", true)];
        let s = steps(&after);
        assert_eq!(s.iter().map(|s| s.shown).collect::<Vec<_>>(), [Shown::Item(0), Shown::Item(2), Shown::Item(3)]);
        assert!(completed(&s), "r1 was not recommended: it does not count");
        let none = [c(true, &[]), module("r1", false), module("r2", false)];
        assert!(completed(&steps(&none)));
        // A module listed before the campaign is not recommendable by it.
        let first = [module("r1", false), c(true, &[])];
        assert_eq!(steps(&first).len(), 2);
    }

    proptest! {
        /// Exactly the items after the first not completed one are locked, and a course is completed
        /// exactly when no item is locked and the last is completed.
        #[test]
        fn the_lock_rule(done in proptest::collection::vec(any::<bool>(), 0..12)) {
            let l = locks(&done);
            let first_open = done.iter().position(|d| !d).map_or(done.len(), |i| i + 1);
            for (i, is_locked) in l.iter().enumerate() {
                prop_assert_eq!(*is_locked, i >= first_open);
            }
            let items: Vec<Item> = done.iter().enumerate().map(|(i, d)| module(&i.to_string(), *d)).collect();
            let s = steps(&items);
            prop_assert_eq!(completed(&s), done.iter().all(|d| *d));
            prop_assert_eq!(s.iter().filter(|s| !s.locked && !s.completed).count(), usize::from(!done.iter().all(|d| *d)));
        }
    }
}
