//! Knowledge elements (reference §3.1–3.2, §3.4): what an answer proves about a learner's skills.

use std::collections::{HashMap, HashSet};

use content::{Content, SkillIdx};

/// Whether a knowledge element was proved by an answer or deduced from another skill of the tube.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The learner answered a challenge of this skill.
    Direct,
    /// Deduced from an answer on an easier (success) or harder (failure) skill of the same tube.
    Inferred,
}

/// State of a skill for a learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Mastered.
    Validated,
    /// Not mastered.
    Invalidated,
    /// Forgotten on purpose (competence reset).
    Reset,
}

impl Source {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Direct => "direct",
            Source::Inferred => "inferred",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "direct" => Some(Source::Direct),
            "inferred" => Some(Source::Inferred),
            _ => None,
        }
    }
}

impl Status {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Validated => "validated",
            Status::Invalidated => "invalidated",
            Status::Reset => "reset",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "validated" => Some(Status::Validated),
            "invalidated" => Some(Status::Invalidated),
            "reset" => Some(Status::Reset),
            _ => None,
        }
    }
}

/// A knowledge element as the engine sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KnowledgeElement {
    /// The skill.
    pub skill: SkillIdx,
    /// Direct or inferred.
    pub source: Source,
    /// Validated, invalidated or reset.
    pub status: Status,
    /// Pix earned (the skill's pix value when validated, else 0).
    pub earned_pix: f64,
    /// Creation time, microseconds since the epoch (orders elements).
    pub created_at: i64,
}

/// Knowledge elements created by one answer (not yet stored).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewElement {
    /// The skill.
    pub skill: SkillIdx,
    /// Direct or inferred.
    pub source: Source,
    /// Validated or invalidated.
    pub status: Status,
    /// Pix earned.
    pub earned_pix: f64,
}

/// The elements an answer creates (§3.2).
///
/// `target` holds the skills the assessment targets; `assessed` the skills that already have an
/// element *in this assessment* (elements of other assessments do not count, so a new assessment
/// refreshes old knowledge). No direct element (skill not targeted or already assessed) ⇒ nothing.
pub fn elements_for_answer(
    content: &Content,
    answered_skill: SkillIdx,
    success: bool,
    target: &HashSet<SkillIdx>,
    assessed: &HashSet<SkillIdx>,
) -> Vec<NewElement> {
    if !target.contains(&answered_skill) || assessed.contains(&answered_skill) {
        return Vec::new();
    }
    let status = if success { Status::Validated } else { Status::Invalidated };
    let element = |skill: SkillIdx, source: Source| NewElement {
        skill,
        source,
        status,
        earned_pix: if success { content.skill(skill).pix_value } else { 0.0 },
    };
    let mut out = vec![element(answered_skill, Source::Direct)];
    let skill = content.skill(answered_skill);
    for &other in &content.tube(skill.tube).skills {
        if other == answered_skill || !target.contains(&other) || assessed.contains(&other) {
            continue;
        }
        let level = content.skill(other).level;
        if (success && level < skill.level) || (!success && level > skill.level) {
            out.push(element(other, Source::Inferred));
        }
    }
    out
}

/// Current knowledge: the latest element per skill, dropping skills whose latest element is a reset.
/// Ties on `created_at` keep the later element in the input order.
pub fn current(elements: &[KnowledgeElement]) -> Vec<KnowledgeElement> {
    let mut latest: HashMap<SkillIdx, KnowledgeElement> = HashMap::new();
    for ke in elements {
        match latest.get(&ke.skill) {
            Some(existing) if existing.created_at > ke.created_at => {}
            _ => {
                latest.insert(ke.skill, *ke);
            }
        }
    }
    let mut out: Vec<KnowledgeElement> = latest.into_values().filter(|ke| ke.status != Status::Reset).collect();
    out.sort_by_key(|ke| (ke.created_at, ke.skill));
    out
}

/// Microseconds in a day.
pub const DAY_MICROS: i64 = 86_400_000_000;

/// The improvement filter (§3.4): keep validated elements and those younger than `delay_days`
/// relative to the new assessment's creation, so older failures can be asked again.
pub fn for_improvement(
    elements: &[KnowledgeElement],
    assessment_created_at: i64,
    delay_days: i64,
) -> Vec<KnowledgeElement> {
    elements
        .iter()
        .filter(|ke| ke.status == Status::Validated || assessment_created_at - ke.created_at < delay_days * DAY_MICROS)
        .copied()
        .collect()
}
