//! Quests (PRODUCT-NEXT §2.1): whether a learner is eligible for a quest and has succeeded it,
//! from requirements written as the reference's JSON. Pure functions.
//!
//! A requirement is either a composition (`all` / `one-of` of requirements), an object requirement
//! on what the service knows of the learner (the organisation learner, the organisation, the
//! campaign participations, the module passages, the combined courses), or a mastery threshold on
//! capped tubes. An object requirement compares properties (`equal`, `one-of`, `all`, `like`); on a
//! list of objects it holds when **some** object matches. A comparison between values of the wrong
//! types does not hold.

use std::collections::BTreeMap;

use content::{Content, SkillIdx, TubeIdx};
use serde::Deserialize;

use crate::knowledge::{KnowledgeElement, Status};

/// How several requirements or criteria combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Comparison {
    /// Every one holds (none at all holds).
    All,
    /// At least one holds.
    OneOf,
}

/// How a property is compared with a criterion's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PropertyComparison {
    /// Both are the same scalar.
    Equal,
    /// The criterion is a list that holds the value (or shares an item with a list value).
    OneOf,
    /// The value is a list holding every item of the criterion's list.
    All,
    /// Both are texts and the value contains the criterion's, ignoring case.
    Like,
}

/// A value: a property of an object, or a criterion's data (JSON without objects).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// `null`.
    Null,
    /// `true`, `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A text.
    Text(String),
    /// A list.
    List(Vec<Value>),
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Number(n)
    }
}

impl Value {
    fn is_scalar(&self) -> bool {
        !matches!(self, Value::List(_))
    }
}

/// A criterion on one property.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// What the property is compared with.
    pub data: Value,
    /// How.
    pub comparison: PropertyComparison,
}

/// Whether a property's value meets a criterion.
pub fn meets(value: &Value, c: &Criterion) -> bool {
    match (c.comparison, value, &c.data) {
        (PropertyComparison::Equal, v, d) => v.is_scalar() && d.is_scalar() && v == d,
        (PropertyComparison::OneOf, Value::List(values), Value::List(allowed)) => {
            values.iter().any(|v| allowed.contains(v))
        }
        (PropertyComparison::OneOf, v, Value::List(allowed)) => allowed.contains(v),
        (PropertyComparison::All, Value::List(values), Value::List(wanted)) => {
            wanted.iter().all(|w| values.contains(w))
        }
        (PropertyComparison::Like, Value::Text(v), Value::Text(d)) => v.to_lowercase().contains(&d.to_lowercase()),
        _ => false,
    }
}

/// An object the requirements look at: its properties by name.
pub type Object = BTreeMap<String, Value>;

/// A requirement on objects: criteria on their properties, combined.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectRequirement {
    /// How the criteria combine.
    pub comparison: Comparison,
    /// A criterion per property.
    pub data: BTreeMap<String, Criterion>,
}

impl ObjectRequirement {
    /// Whether one object matches.
    pub fn matches(&self, object: &Object) -> bool {
        let holds = |(property, c): (&String, &Criterion)| object.get(property).is_some_and(|v| meets(v, c));
        match self.comparison {
            Comparison::All => self.data.iter().all(holds),
            Comparison::OneOf => self.data.iter().any(holds),
        }
    }
}

/// A tube capped at a level, by the tube's name in the content.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CappedTube {
    /// The tube (`@name`).
    pub tube_id: String,
    /// Its cap, 0–8.
    pub level: u8,
}

/// A mastery threshold on capped tubes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CappedTubes {
    /// The tubes and their caps.
    pub capped_tubes: Vec<CappedTube>,
    /// Percent, 0–100.
    pub threshold: f64,
}

/// A requirement of a quest, as the reference's JSON writes it (`requirement_type` names it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "requirement_type", rename_all = "camelCase")]
pub enum Requirement {
    /// Requirements combined.
    Compose {
        /// How.
        comparison: Comparison,
        /// The requirements.
        data: Vec<Requirement>,
    },
    /// On the learner as the organisation knows them.
    OrganizationLearner(ObjectRequirement),
    /// On the organisation.
    Organization(ObjectRequirement),
    /// On some campaign participation.
    CampaignParticipations(ObjectRequirement),
    /// On some module passage.
    Passages(ObjectRequirement),
    /// On some combined course participation.
    CombinedCourses(ObjectRequirement),
    /// A mastery on capped tubes.
    CappedTubes {
        /// The tubes and the threshold.
        data: CappedTubes,
    },
}

/// What the service knows of a learner when it evaluates quests.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The learner in the organisation (none outside an organisation).
    pub organization_learner: Option<Object>,
    /// The organisation.
    pub organization: Option<Object>,
    /// Their campaign participations.
    pub campaign_participations: Vec<Object>,
    /// Their module passages.
    pub passages: Vec<Object>,
    /// Their combined course participations.
    pub combined_courses: Vec<Object>,
    /// The skills capped-tube mastery is computed over (the campaign's and its target profile's).
    pub skills: Vec<SkillIdx>,
    /// Their knowledge elements.
    pub knowledge: Vec<KnowledgeElement>,
}

/// Whether a requirement holds for these facts.
pub fn fulfilled(content: &Content, r: &Requirement, facts: &Facts) -> bool {
    let some = |objects: &[Object], o: &ObjectRequirement| objects.iter().any(|x| o.matches(x));
    match r {
        Requirement::Compose { comparison: Comparison::All, data } => data.iter().all(|r| fulfilled(content, r, facts)),
        Requirement::Compose { comparison: Comparison::OneOf, data } => {
            data.iter().any(|r| fulfilled(content, r, facts))
        }
        Requirement::OrganizationLearner(o) => facts.organization_learner.as_ref().is_some_and(|x| o.matches(x)),
        Requirement::Organization(o) => facts.organization.as_ref().is_some_and(|x| o.matches(x)),
        Requirement::CampaignParticipations(o) => some(&facts.campaign_participations, o),
        Requirement::Passages(o) => some(&facts.passages, o),
        Requirement::CombinedCourses(o) => some(&facts.combined_courses, o),
        Requirement::CappedTubes { data } => {
            let caps: Vec<(TubeIdx, u8)> =
                data.capped_tubes.iter().filter_map(|c| Some((content.tube_by_name(&c.tube_id)?, c.level))).collect();
            capped_tubes_mastery(content, &facts.skills, &facts.knowledge, &caps) >= data.threshold
        }
    }
}

/// Whether every requirement holds (a quest's eligibility, or its success).
pub fn all_fulfilled(content: &Content, requirements: &[Requirement], facts: &Facts) -> bool {
    requirements.iter().all(|r| fulfilled(content, r, facts))
}

/// A skill as the capped-tube rule sees it: the skill, its tube, its level (difficulty).
pub type PlacedSkill = (SkillIdx, TubeIdx, u8);

/// The capped-tube mastery in percent, not rounded: for each capped tube, the skills of `skills`
/// in that tube at or below its cap, grouped by level; each level counts once, and counts as
/// validated when the most recent knowledge element on any of its skills is validated. 0 when no
/// level counts.
pub fn capped_mastery(skills: &[PlacedSkill], knowledge: &[KnowledgeElement], caps: &[(TubeIdx, u8)]) -> f64 {
    let (mut total, mut validated) = (0u32, 0u32);
    for (tube, cap) in caps {
        let mut levels: BTreeMap<u8, Vec<SkillIdx>> = BTreeMap::new();
        for (skill, t, level) in skills {
            if t == tube && level <= cap && !levels.get(level).is_some_and(|s| s.contains(skill)) {
                levels.entry(*level).or_default().push(*skill);
            }
        }
        for of_level in levels.values() {
            total += 1;
            // The latest element wins; among elements of the same instant, the last given.
            let latest = knowledge
                .iter()
                .enumerate()
                .filter(|(_, k)| of_level.contains(&k.skill))
                .max_by_key(|(i, k)| (k.created_at, *i))
                .map(|(_, k)| k);
            if latest.is_some_and(|k| k.status == Status::Validated) {
                validated += 1;
            }
        }
    }
    if total == 0 { 0.0 } else { 100.0 * f64::from(validated) / f64::from(total) }
}

/// [`capped_mastery`] with the skills placed from the content (the union of campaign and target
/// profile skills, duplicates allowed).
pub fn capped_tubes_mastery(
    content: &Content,
    skills: &[SkillIdx],
    knowledge: &[KnowledgeElement],
    caps: &[(TubeIdx, u8)],
) -> f64 {
    let placed: Vec<PlacedSkill> = skills
        .iter()
        .map(|s| {
            let skill = content.skill(*s);
            (*s, skill.tube, skill.level)
        })
        .collect();
    capped_mastery(&placed, knowledge, caps)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::knowledge::Source;

    fn ke(skill: u32, status: Status, at: i64) -> KnowledgeElement {
        KnowledgeElement { skill: SkillIdx(skill), source: Source::Direct, status, earned_pix: 0.0, created_at: at }
    }

    fn criterion(json: &str) -> Criterion {
        serde_json::from_str(json).expect("a criterion")
    }

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::from(*s)).collect())
    }

    #[test]
    fn each_comparison_by_hand() {
        let equal = criterion(r#"{"data": "SCO", "comparison": "equal"}"#);
        assert!(meets(&"SCO".into(), &equal));
        assert!(!meets(&"PRO".into(), &equal));
        assert!(!meets(&list(&["SCO"]), &equal), "a list is not a scalar");
        assert!(meets(&Value::Number(3.0), &criterion(r#"{"data": 3, "comparison": "equal"}"#)));
        assert!(meets(&Value::Bool(true), &criterion(r#"{"data": true, "comparison": "equal"}"#)));
        assert!(!meets(&"3".into(), &criterion(r#"{"data": 3, "comparison": "equal"}"#)), "types differ");

        let one_of = criterion(r#"{"data": ["tp1", "tp2"], "comparison": "one-of"}"#);
        assert!(meets(&"tp2".into(), &one_of));
        assert!(!meets(&"tp3".into(), &one_of));
        assert!(meets(&list(&["tp9", "tp1"]), &one_of), "lists that share an item");
        assert!(!meets(&list(&["tp9"]), &one_of));
        assert!(!meets(&"tp1".into(), &criterion(r#"{"data": "tp1", "comparison": "one-of"}"#)), "needs a list");

        let all = criterion(r#"{"data": ["a", "b"], "comparison": "all"}"#);
        assert!(meets(&list(&["b", "c", "a"]), &all));
        assert!(!meets(&list(&["a", "c"]), &all));
        assert!(!meets(&"a".into(), &all), "the value must be a list");

        let like = criterion(r#"{"data": "sixième", "comparison": "like"}"#);
        assert!(meets(&"Classe de SIXIÈME B".into(), &like));
        assert!(!meets(&"Cinquième".into(), &like));
        assert!(!meets(&Value::Number(6.0), &like));
    }

    #[test]
    fn the_reference_json_reads_and_evaluates() {
        let content = content::demo().expect("demo content");
        let tube = content.tubes[0].name.clone();
        let json = format!(
            r#"[{{"requirement_type": "organization", "comparison": "all", "data": {{"type": {{"data": "SCO", "comparison": "equal"}}}}}},
               {{"requirement_type": "campaignParticipations", "comparison": "all",
                 "data": {{"targetProfileId": {{"data": ["T"], "comparison": "one-of"}}, "status": {{"data": "SHARED", "comparison": "equal"}}}}}},
               {{"requirement_type": "compose", "comparison": "one-of", "data": [
                  {{"requirement_type": "passages", "comparison": "all", "data": {{"moduleId": {{"data": "m1", "comparison": "equal"}}, "isTerminated": {{"data": true, "comparison": "equal"}}}}}},
                  {{"requirement_type": "cappedTubes", "data": {{"cappedTubes": [{{"tubeId": "{tube}", "level": 2}}], "threshold": 50}}}}
               ]}}]"#
        );
        let requirements: Vec<Requirement> = serde_json::from_str(&json).expect("the reference's format");
        let object =
            |pairs: &[(&str, Value)]| -> Object { pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect() };
        let mut facts = Facts {
            organization: Some(object(&[("type", "SCO".into())])),
            campaign_participations: vec![
                object(&[("targetProfileId", "X".into()), ("status", "SHARED".into())]),
                object(&[("targetProfileId", "T".into()), ("status", "SHARED".into())]),
            ],
            passages: vec![object(&[("moduleId", "m1".into()), ("isTerminated", true.into())])],
            ..Facts::default()
        };
        assert!(all_fulfilled(&content, &requirements, &facts), "some participation matches every criterion");
        facts.campaign_participations[1].insert("status".into(), "TO_SHARE".into());
        assert!(!all_fulfilled(&content, &requirements, &facts), "no single participation matches both");
        facts.campaign_participations[1].insert("status".into(), "SHARED".into());
        facts.passages.clear();
        assert!(!all_fulfilled(&content, &requirements, &facts), "neither the passage nor the mastery");
        // The capped tube: validate every skill of its first two levels.
        let t = content.tube_by_name(&tube).expect("the tube");
        facts.skills = content.tube(t).skills.clone();
        facts.knowledge = facts
            .skills
            .iter()
            .filter(|s| content.skill(**s).level <= 2)
            .map(|s| ke(s.0, Status::Validated, 1))
            .collect();
        assert!(!facts.knowledge.is_empty());
        assert!(all_fulfilled(&content, &requirements, &facts), "the mastery alternative holds");
        facts.organization = None;
        assert!(!all_fulfilled(&content, &requirements, &facts), "outside an organisation");
        assert!(serde_json::from_str::<Requirement>(r#"{"requirement_type": "unknown", "data": {}}"#).is_err());
    }

    /// Two tubes: A with skills 0 (level 1), 1 and 2 (level 2), 3 (level 3); B with 10 (level 1).
    fn placed() -> Vec<PlacedSkill> {
        let (a, b) = (TubeIdx(0), TubeIdx(1));
        vec![(SkillIdx(0), a, 1), (SkillIdx(1), a, 2), (SkillIdx(2), a, 2), (SkillIdx(3), a, 3), (SkillIdx(10), b, 1)]
    }

    #[test]
    fn capped_mastery_by_hand() {
        let (a, b) = (TubeIdx(0), TubeIdx(1));
        let s = placed();
        // Cap 2 on A: levels 1 and 2 count, level 3 does not.
        let k = [ke(0, Status::Validated, 1), ke(1, Status::Invalidated, 2), ke(2, Status::Validated, 3)];
        assert_eq!(capped_mastery(&s, &k, &[(a, 2)]), 100.0, "level 2's latest element (skill 2) is validated");
        let k = [ke(0, Status::Validated, 1), ke(2, Status::Validated, 2), ke(1, Status::Invalidated, 3)];
        assert_eq!(capped_mastery(&s, &k, &[(a, 2)]), 50.0, "level 2's latest element (skill 1) is invalidated");
        assert_eq!(capped_mastery(&s, &k, &[(a, 3)]), 100.0 / 3.0, "level 3 counts, unassessed: not rounded");
        // Two tubes add up: A capped at 2 (1 of 2), B capped at 1 (nothing assessed): 1 of 3.
        assert_eq!(capped_mastery(&s, &k, &[(a, 2), (b, 1)]), 100.0 / 3.0);
        assert_eq!(capped_mastery(&s, &k, &[(b, 0)]), 0.0, "no level under the cap: 0");
        assert_eq!(capped_mastery(&[], &k, &[(a, 8)]), 0.0);
        // A reset is not a validation.
        let k = [ke(0, Status::Validated, 1), ke(0, Status::Reset, 2)];
        assert_eq!(capped_mastery(&s, &k, &[(a, 1)]), 0.0);
        // Elements on skills outside the set never count.
        let k = [ke(99, Status::Validated, 5)];
        assert_eq!(capped_mastery(&s, &k, &[(a, 8)]), 0.0);
    }

    fn status() -> impl Strategy<Value = Status> {
        prop_oneof![Just(Status::Validated), Just(Status::Invalidated), Just(Status::Reset)]
    }

    fn elements() -> impl Strategy<Value = Vec<KnowledgeElement>> {
        prop::collection::vec(
            (prop::sample::select(vec![0u32, 1, 2, 3, 10]), status(), 0i64..20)
                .prop_map(|(skill, s, at)| ke(skill, s, at)),
            0..12,
        )
    }

    proptest! {
        /// The mastery is a percentage, and only the latest element of each level matters: the
        /// order the elements come in does not (ties of time apart).
        #[test]
        fn capped_mastery_is_a_percentage_of_latest_elements(mut k in elements(), cap in 0u8..=4) {
            let caps = [(TubeIdx(0), cap), (TubeIdx(1), cap)];
            let m = capped_mastery(&placed(), &k, &caps);
            prop_assert!((0.0..=100.0).contains(&m));
            // Distinct instants: any order gives the same mastery.
            for (i, e) in k.iter_mut().enumerate() {
                e.created_at = e.created_at * 100 + i as i64;
            }
            let m = capped_mastery(&placed(), &k, &caps);
            let mut reversed = k.clone();
            reversed.reverse();
            prop_assert_eq!(m, capped_mastery(&placed(), &reversed, &caps));
            // A new validation of any capped skill never lowers it.
            let skill = [0u32, 1, 2, 3, 10][(cap as usize) % 5];
            let mut more = k.clone();
            more.push(ke(skill, Status::Validated, 10_000));
            prop_assert!(capped_mastery(&placed(), &more, &caps) >= m);
        }

        /// `equal` is reflexive on scalars, `one-of` holds exactly for members, `all` exactly for
        /// supersets, `like` for any substring in any case.
        #[test]
        fn comparisons_follow_their_definitions(
            words in prop::collection::vec("[a-e]{1,3}", 1..6),
            picked in prop::collection::vec(any::<prop::sample::Index>(), 1..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let c = |data: Value, comparison: PropertyComparison| Criterion { data, comparison };
            let value = Value::from(words[0].clone());
            let reflexive = meets(&value, &c(value.clone(), PropertyComparison::Equal));
            prop_assert!(reflexive);
            let allowed = Value::List(words.iter().map(|w| Value::from(w.clone())).collect());
            let member = Value::from(words[cut.index(words.len())].clone());
            let is_member = meets(&member, &c(allowed.clone(), PropertyComparison::OneOf));
            prop_assert!(is_member);
            let stranger = meets(&Value::from("zzz"), &c(allowed.clone(), PropertyComparison::OneOf));
            prop_assert!(!stranger);
            let subset = Value::List(picked.iter().map(|i| Value::from(words[i.index(words.len())].clone())).collect());
            let superset = meets(&allowed, &c(subset, PropertyComparison::All));
            prop_assert!(superset);
            let mut with_other = picked.iter().map(|i| Value::from(words[i.index(words.len())].clone())).collect::<Vec<_>>();
            with_other.push(Value::from("zzz"));
            let not_superset = meets(&allowed, &c(Value::List(with_other), PropertyComparison::All));
            prop_assert!(!not_superset);
            let text = words.concat();
            let start = cut.index(text.len());
            let needle = text[start..].to_uppercase();
            let like = meets(&Value::from(text.clone()), &c(Value::from(needle), PropertyComparison::Like));
            prop_assert!(like);
        }

        /// A composition is the conjunction or disjunction of its parts.
        #[test]
        fn compositions_combine_their_parts(holds in prop::collection::vec(any::<bool>(), 0..6)) {
            static CONTENT: std::sync::OnceLock<Content> = std::sync::OnceLock::new();
            let content = CONTENT.get_or_init(|| content::demo().expect("demo content"));
            let facts = Facts { organization: Some([("type".to_owned(), Value::from("SCO"))].into()), ..Facts::default() };
            let part = |h: bool| Requirement::Organization(ObjectRequirement {
                comparison: Comparison::All,
                data: [("type".to_owned(), Criterion { data: Value::from(if h { "SCO" } else { "PRO" }), comparison: PropertyComparison::Equal })].into(),
            });
            let parts: Vec<Requirement> = holds.iter().map(|h| part(*h)).collect();
            let all = Requirement::Compose { comparison: Comparison::All, data: parts.clone() };
            let one = Requirement::Compose { comparison: Comparison::OneOf, data: parts };
            prop_assert_eq!(fulfilled(content, &all, &facts), holds.iter().all(|h| *h));
            prop_assert_eq!(fulfilled(content, &one, &facts), holds.iter().any(|h| *h));
        }
    }
}
