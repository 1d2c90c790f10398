//! Counts of a referential, for `pix content stats`.

use std::collections::BTreeMap;

use crate::model::{ChallengeStatus, Content, Locale, SkillStatus};

/// Counts by area, competence, level, type and locale.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Stats {
    /// Content version.
    pub version: String,
    /// Number of areas.
    pub areas: usize,
    /// Number of competences.
    pub competences: usize,
    /// Number of tubes.
    pub tubes: usize,
    /// Number of skills (all statuses).
    pub skills: usize,
    /// Number of active skills.
    pub active_skills: usize,
    /// Number of validated challenges.
    pub challenges: usize,
    /// Number of tutorials.
    pub tutorials: usize,
    /// Validated challenges by type.
    pub challenges_by_type: BTreeMap<String, usize>,
    /// Validated challenges by skill level.
    pub challenges_by_level: BTreeMap<String, usize>,
    /// Validated challenges by locale.
    pub challenges_by_locale: BTreeMap<String, usize>,
    /// Validated challenges by area code.
    pub challenges_by_area: BTreeMap<String, usize>,
    /// Validated challenges by competence code.
    pub challenges_by_competence: BTreeMap<String, usize>,
    /// Tubes per competence code.
    pub tubes_by_competence: BTreeMap<String, usize>,
    /// Timed validated challenges.
    pub timed: usize,
    /// Focused validated challenges.
    pub focused: usize,
    /// Validated challenges with an illustration.
    pub illustrated: usize,
    /// Validated challenges with an attachment.
    pub with_attachment: usize,
    /// Share of active skills with at least one tutorial (0–1).
    pub skills_with_tutorials: f64,
    /// Tutorials by locale.
    pub tutorials_by_locale: BTreeMap<String, usize>,
}

/// Computes the statistics of a referential.
pub fn compute(content: &Content) -> Stats {
    let validated: Vec<_> = content.challenges.iter().filter(|c| c.status == ChallengeStatus::Validated).collect();
    let mut s = Stats {
        version: content.version.clone(),
        areas: content.areas.len(),
        competences: content.competences.len(),
        tubes: content.tubes.len(),
        skills: content.skills.len(),
        active_skills: content.skills.iter().filter(|s| s.status == SkillStatus::Active).count(),
        challenges: validated.len(),
        tutorials: content.tutorials.len(),
        challenges_by_type: BTreeMap::new(),
        challenges_by_level: BTreeMap::new(),
        challenges_by_locale: BTreeMap::new(),
        challenges_by_area: BTreeMap::new(),
        challenges_by_competence: BTreeMap::new(),
        tubes_by_competence: BTreeMap::new(),
        timed: validated.iter().filter(|c| c.timer.is_some()).count(),
        focused: validated.iter().filter(|c| c.focused).count(),
        illustrated: validated.iter().filter(|c| c.illustration.is_some()).count(),
        with_attachment: validated.iter().filter(|c| !c.attachments.is_empty()).count(),
        skills_with_tutorials: 0.0,
        tutorials_by_locale: BTreeMap::new(),
    };
    for c in &validated {
        let skill = content.skill(c.skill);
        let competence = content.competence(skill.competence);
        *s.challenges_by_type.entry(c.kind.name().to_owned()).or_default() += 1;
        *s.challenges_by_level.entry(skill.level.to_string()).or_default() += 1;
        for l in &c.locales {
            *s.challenges_by_locale.entry(l.code().to_owned()).or_default() += 1;
        }
        *s.challenges_by_area.entry(content.areas[competence.area.index()].code.clone()).or_default() += 1;
        *s.challenges_by_competence.entry(competence.code.clone()).or_default() += 1;
    }
    for c in &content.competences {
        s.tubes_by_competence.insert(c.code.clone(), c.tubes.len());
    }
    let active: Vec<_> = content.skills.iter().filter(|s| s.status == SkillStatus::Active).collect();
    if !active.is_empty() {
        s.skills_with_tutorials =
            active.iter().filter(|s| !s.tutorials.is_empty()).count() as f64 / active.len() as f64;
    }
    for t in &content.tutorials {
        let key = if t.locale == Locale::Fr { "fr" } else { "en" };
        *s.tutorials_by_locale.entry(key.to_owned()).or_default() += 1;
    }
    s
}
