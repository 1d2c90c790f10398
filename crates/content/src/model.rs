//! The loaded, validated, immutable referential and its lookups.

use std::collections::HashMap;

/// A language content is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Locale {
    /// French (mandatory everywhere).
    Fr,
    /// English.
    En,
}

impl Locale {
    /// ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }
}

/// A text in French and, when written, English.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Text {
    /// French text (never empty in valid content).
    pub fr: String,
    /// English text; empty when not written (French is then shown).
    pub en: String,
}

impl Text {
    /// The text in a locale, falling back to French.
    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::En if !self.en.is_empty() => &self.en,
            _ => &self.fr,
        }
    }
}

/// A value that may differ by language (proposals, solutions).
#[derive(Debug, Clone, PartialEq)]
pub struct Localized<T> {
    /// French value.
    pub fr: T,
    /// English value, when it differs or exists.
    pub en: Option<T>,
}

impl<T> Localized<T> {
    /// The value for a locale, falling back to French.
    pub fn get(&self, locale: Locale) -> &T {
        match (locale, &self.en) {
            (Locale::En, Some(en)) => en,
            _ => &self.fr,
        }
    }
}

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            /// Position in its table.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}
index_type!(
    /// Position of an area in [`Content::areas`].
    AreaIdx
);
index_type!(
    /// Position of a competence in [`Content::competences`].
    CompetenceIdx
);
index_type!(
    /// Position of a tube in [`Content::tubes`].
    TubeIdx
);
index_type!(
    /// Position of a skill in [`Content::skills`].
    SkillIdx
);
index_type!(
    /// Position of a challenge in [`Content::challenges`].
    ChallengeIdx
);
index_type!(
    /// Position of a tutorial in [`Content::tutorials`].
    TutorialIdx
);

/// An area (domaine) of the framework.
#[derive(Debug, Clone)]
pub struct Area {
    /// "1" … "5".
    pub code: String,
    /// Display colour (`#rrggbb`).
    pub colour: String,
    /// Title.
    pub title: Text,
    /// Its competences, by code.
    pub competences: Vec<CompetenceIdx>,
}

/// A competence, e.g. 1.1.
#[derive(Debug, Clone)]
pub struct Competence {
    /// "1.1" … "5.2".
    pub code: String,
    /// Its area.
    pub area: AreaIdx,
    /// Name.
    pub name: Text,
    /// Description.
    pub description: Text,
    /// Its tubes, in file order.
    pub tubes: Vec<TubeIdx>,
    /// Its active skills that have a validated challenge, sorted by level then name.
    pub active_skills: Vec<SkillIdx>,
}

/// A tube: a series of skills of increasing level about one practice.
#[derive(Debug, Clone)]
pub struct Tube {
    /// `@name`.
    pub name: String,
    /// Its competence.
    pub competence: CompetenceIdx,
    /// Practical title.
    pub title: Text,
    /// Practical description.
    pub description: Text,
    /// Usable on a phone.
    pub mobile: bool,
    /// Usable on a tablet.
    pub tablet: bool,
    /// Its skills (any status), sorted by level.
    pub skills: Vec<SkillIdx>,
}

/// Status of a skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkillStatus {
    /// Assessed.
    Active,
    /// Kept for history.
    Archived,
    /// No longer valid.
    Obsolete,
}

/// A skill (acquis): a tube at a level.
#[derive(Debug, Clone)]
pub struct Skill {
    /// `@tubeN`.
    pub name: String,
    /// Its tube.
    pub tube: TubeIdx,
    /// Its competence.
    pub competence: CompetenceIdx,
    /// Level (difficulty) 1–8.
    pub level: u8,
    /// Status.
    pub status: SkillStatus,
    /// Pix earned when validated, computed at load (0 for skills that do not count).
    pub pix_value: f64,
    /// Hint shown after a failure.
    pub hint: Option<Text>,
    /// Tutorials recommended after a failure.
    pub tutorials: Vec<TutorialIdx>,
    /// Tutorials to learn more.
    pub learn_more: Vec<TutorialIdx>,
    /// Its validated challenges.
    pub challenges: Vec<ChallengeIdx>,
    /// Its archived challenges (campaigns may still ask them).
    pub archived_challenges: Vec<ChallengeIdx>,
}

/// Kind of challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChallengeType {
    /// One answer among proposals.
    Qcu,
    /// Several answers among proposals.
    Qcm,
    /// One free input.
    Qroc,
    /// Several independent inputs.
    QrocmInd,
    /// Several inputs answered in any order.
    QrocmDep,
}

impl ChallengeType {
    /// Name used in files and the reference (`QCU`, `QROCM-ind`, …).
    pub fn name(self) -> &'static str {
        match self {
            ChallengeType::Qcu => "QCU",
            ChallengeType::Qcm => "QCM",
            ChallengeType::Qroc => "QROC",
            ChallengeType::QrocmInd => "QROCM-ind",
            ChallengeType::QrocmDep => "QROCM-dep",
        }
    }

    /// Parses a file name of a type.
    pub fn parse(s: &str) -> Option<ChallengeType> {
        Some(match s {
            "QCU" => ChallengeType::Qcu,
            "QCM" => ChallengeType::Qcm,
            "QROC" => ChallengeType::Qroc,
            "QROCM-ind" => ChallengeType::QrocmInd,
            "QROCM-dep" => ChallengeType::QrocmDep,
            _ => return None,
        })
    }
}

/// Status of a challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeStatus {
    /// In use.
    Validated,
    /// Kept for history; campaigns may still use it.
    Archived,
    /// Withdrawn.
    Obsolete,
}

/// One part of a QROC/QROCM statement: text, or an input.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Literal text (Markdown subset).
    Text(String),
    /// A text input or, with options, a select.
    Input(Input),
}

/// An input of a QROC/QROCM challenge.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Key of the answer (and of the solution map).
    pub key: String,
    /// Placeholder text.
    pub placeholder: Option<String>,
    /// Accessible label.
    pub label: Option<String>,
    /// Options of a select; `None` for a text input.
    pub options: Option<Vec<String>>,
}

/// Parsed proposals.
#[derive(Debug, Clone, PartialEq)]
pub enum Proposals {
    /// QCU/QCM choices, in file order.
    Choices(Vec<String>),
    /// QROC/QROCM statement with inputs.
    Blocks(Vec<Block>),
}

impl Proposals {
    /// The inputs of a QROC/QROCM statement.
    pub fn inputs(&self) -> impl Iterator<Item = &Input> {
        let blocks: &[Block] = match self {
            Proposals::Blocks(b) => b,
            Proposals::Choices(_) => &[],
        };
        blocks.iter().filter_map(|b| match b {
            Block::Input(i) => Some(i),
            Block::Text(_) => None,
        })
    }
}

/// Parsed solution.
#[derive(Debug, Clone, PartialEq)]
pub enum Solution {
    /// QCU: 1-based index of the right proposal.
    Index(u32),
    /// QCM: 1-based indexes of the right proposals, sorted.
    Indexes(Vec<u32>),
    /// QROC: accepted answers.
    Variants(Vec<String>),
    /// QROCM: key (input or group) → accepted answers, in file order.
    Map(Vec<(String, Vec<String>)>),
}

/// Which tolerances are enabled (reference §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tolerances {
    /// Ignore spaces, case and accents.
    pub t1: bool,
    /// Ignore punctuation.
    pub t2: bool,
    /// Accept small edit distances.
    pub t3: bool,
}

impl Tolerances {
    /// All three enabled (the reference's default).
    pub const ALL: Tolerances = Tolerances { t1: true, t2: true, t3: true };
    /// Exact match.
    pub const NONE: Tolerances = Tolerances { t1: false, t2: false, t3: false };
}

/// An illustration.
#[derive(Debug, Clone)]
pub struct Illustration {
    /// File name in `media/`.
    pub file: String,
    /// Alternative text.
    pub alt: Text,
}

/// A challenge (épreuve).
#[derive(Debug, Clone)]
pub struct Challenge {
    /// Stable id.
    pub id: String,
    /// The skill it assesses.
    pub skill: SkillIdx,
    /// Type.
    pub kind: ChallengeType,
    /// Status.
    pub status: ChallengeStatus,
    /// Instruction (Markdown subset).
    pub instruction: Text,
    /// Proposals, parsed.
    pub proposals: Localized<Proposals>,
    /// Solution, parsed.
    pub solution: Localized<Solution>,
    /// Explanation shown with the results.
    pub solution_to_display: Option<Text>,
    /// Tolerances for free answers.
    pub tolerances: Tolerances,
    /// Seconds allowed, when timed.
    pub timer: Option<u32>,
    /// The learner must keep the page focused.
    pub focused: bool,
    /// Proposals shown in random order.
    pub shuffled: bool,
    /// QROC answers compared as numbers.
    pub numeric: bool,
    /// Illustration.
    pub illustration: Option<Illustration>,
    /// Attachment file names in `media/`.
    pub attachments: Vec<String>,
    /// Languages it can be asked in.
    pub locales: Vec<Locale>,
    /// Answerable with a screen reader.
    pub blind_ok: bool,
    /// Answerable without distinguishing colours.
    pub colour_blind_ok: bool,
    /// IRT discrimination (a).
    pub discrimination: f64,
    /// IRT difficulty (b).
    pub difficulty: f64,
}

/// A tutorial.
#[derive(Debug, Clone)]
pub struct Tutorial {
    /// Stable id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Public URL.
    pub link: String,
    /// Publisher.
    pub source: String,
    /// video, page, …
    pub format: String,
    /// hh:mm:ss.
    pub duration: String,
    /// Language of the resource.
    pub locale: Locale,
}

/// A media file (illustration or attachment).
#[derive(Debug, Clone)]
pub struct Media {
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: &'static str,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// The whole referential, immutable once loaded; share it behind an `Arc`.
#[derive(Debug, Clone, Default)]
pub struct Content {
    /// Identifier of this version: a hash of every file.
    pub version: String,
    /// Areas.
    pub areas: Vec<Area>,
    /// Competences, sorted by code.
    pub competences: Vec<Competence>,
    /// Tubes.
    pub tubes: Vec<Tube>,
    /// Skills.
    pub skills: Vec<Skill>,
    /// Challenges.
    pub challenges: Vec<Challenge>,
    /// Tutorials.
    pub tutorials: Vec<Tutorial>,
    /// Media by file name.
    pub media: HashMap<String, Media>,
    /// Learning modules, by slug.
    pub modules: Vec<crate::module::Module>,
    pub(crate) by_challenge_id: HashMap<String, ChallengeIdx>,
    pub(crate) by_skill_name: HashMap<String, SkillIdx>,
    pub(crate) by_tube_name: HashMap<String, TubeIdx>,
    pub(crate) by_competence_code: HashMap<String, CompetenceIdx>,
    pub(crate) by_tutorial_id: HashMap<String, TutorialIdx>,
}

impl Content {
    /// A challenge by id.
    pub fn challenge_by_id(&self, id: &str) -> Option<ChallengeIdx> {
        self.by_challenge_id.get(id).copied()
    }
    /// A learning module by its short id.
    pub fn module_by_short_id(&self, short_id: &str) -> Option<&crate::module::Module> {
        self.modules.iter().find(|m| m.short_id == short_id)
    }
    /// A skill by name (`@tubeN`).
    pub fn skill_by_name(&self, name: &str) -> Option<SkillIdx> {
        self.by_skill_name.get(name).copied()
    }
    /// A tube by name.
    pub fn tube_by_name(&self, name: &str) -> Option<TubeIdx> {
        self.by_tube_name.get(name).copied()
    }
    /// A competence by code.
    pub fn competence_by_code(&self, code: &str) -> Option<CompetenceIdx> {
        self.by_competence_code.get(code).copied()
    }
    /// A tutorial by id.
    pub fn tutorial_by_id(&self, id: &str) -> Option<TutorialIdx> {
        self.by_tutorial_id.get(id).copied()
    }
    /// The challenge at an index.
    pub fn challenge(&self, i: ChallengeIdx) -> &Challenge {
        &self.challenges[i.index()]
    }
    /// The skill at an index.
    pub fn skill(&self, i: SkillIdx) -> &Skill {
        &self.skills[i.index()]
    }
    /// The tube at an index.
    pub fn tube(&self, i: TubeIdx) -> &Tube {
        &self.tubes[i.index()]
    }
    /// The competence at an index.
    pub fn competence(&self, i: CompetenceIdx) -> &Competence {
        &self.competences[i.index()]
    }
    /// The tutorial at an index.
    pub fn tutorial(&self, i: TutorialIdx) -> &Tutorial {
        &self.tutorials[i.index()]
    }
    /// Validated challenges of a competence's active skills.
    pub fn challenges_of_competence(&self, c: CompetenceIdx) -> impl Iterator<Item = ChallengeIdx> + '_ {
        self.competence(c).active_skills.iter().flat_map(|s| self.skill(*s).challenges.iter().copied())
    }
}
