//! Learning modules: short interactive lessons made of sections of grains, each grain a list of
//! elements (texts, media, activities) or a stepper (docs/modules.md).
//!
//! A module is one TOML file under `modules/`; the loader (`load::modules`) checks it as a whole
//! and builds these immutable values. Solutions stay here, on the server: the pages show elements
//! without them and the answers are checked against them.

use crate::model::{Localized, Text, Tolerances};

/// A learning module.
#[derive(Debug, Clone)]
pub struct Module {
    /// UUID v4.
    pub id: String,
    /// Exactly 8 characters `[a-z0-9]`, in the address (`/modules/{short_id}/{slug}`).
    pub short_id: String,
    /// `[a-z0-9-]+`, the file's name.
    pub slug: String,
    /// The referential competence it develops (a code such as `4.1`).
    pub competence: String,
    /// Shown with a "beta" label.
    pub is_beta: bool,
    /// Public modules are listed and may be recommended as trainings; private ones open by address.
    pub visibility: Visibility,
    /// Title (plain text).
    pub title: Text,
    /// What the module's card and first page show.
    pub details: Details,
    /// Words explained in place wherever they appear in the module's texts.
    pub glossary: Vec<GlossaryEntry>,
    /// Its sections, in order.
    pub sections: Vec<Section>,
    /// SHA-256 of the module's file (64 hex digits): a passage records the version it was played on.
    pub version: String,
    /// Its file, relative to the content folder.
    pub file: String,
}

impl Module {
    /// Every grain, in order, with its section.
    pub fn grains(&self) -> impl Iterator<Item = (&Section, &Grain)> {
        self.sections.iter().flat_map(|s| s.grains.iter().map(move |g| (s, g)))
    }

    /// An element by id (inside a stepper too).
    pub fn element(&self, id: &str) -> Option<&Element> {
        self.grains().flat_map(|(_, g)| g.elements()).find(|e| e.id == id)
    }
}

/// Who sees a module in the lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Listed, and selectable as a recommended training.
    Public,
    /// Reachable by its address only.
    Private,
}

/// A module's card.
#[derive(Debug, Clone)]
pub struct Details {
    /// Cover image (a media path).
    pub image: String,
    /// Description (Markdown).
    pub description: Text,
    /// Expected duration in minutes (0–120).
    pub duration: u32,
    /// The level it is written for.
    pub level: Level,
    /// How comfortable it is on a tablet.
    pub tablet_support: TabletSupport,
    /// What the learner will be able to do (Markdown), at least one.
    pub objectives: Vec<Text>,
}

/// A module's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Beginner.
    Novice,
    /// Independent.
    Independent,
    /// Advanced.
    Advanced,
    /// Expert.
    Expert,
}

/// How a module plays on a tablet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TabletSupport {
    /// Comfortably.
    Comfortable,
    /// With some inconvenience.
    Inconvenient,
    /// Hardly at all.
    Obstructed,
}

/// A glossary word and its definition.
#[derive(Debug, Clone)]
pub struct GlossaryEntry {
    /// UUID v4.
    pub id: String,
    /// The word or expression (plain).
    pub word: Text,
    /// Its definition (Markdown).
    pub definition: Text,
}

/// A section of a module.
#[derive(Debug, Clone)]
pub struct Section {
    /// UUID v4.
    pub id: String,
    /// What the section is for (its heading).
    pub kind: SectionKind,
    /// Its grains, in order.
    pub grains: Vec<Grain>,
}

/// The kinds of section, each with its heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    /// "Se questionner".
    QuestionYourself,
    /// "Explorer pour comprendre".
    ExploreToUnderstand,
    /// "Retenir l'essentiel".
    RetainTheEssentials,
    /// "S'entraîner".
    Practise,
    /// "Aller plus loin".
    GoFurther,
    /// No heading.
    Blank,
}

/// A grain: what the learner sees at once, then continues (or skips, for an activity).
#[derive(Debug, Clone)]
pub struct Grain {
    /// UUID v4.
    pub id: String,
    /// Its kind.
    pub kind: GrainKind,
    /// Title (plain; may be empty).
    pub title: Text,
    /// Its components, in order.
    pub components: Vec<Component>,
}

impl Grain {
    /// Every element of the grain, in a stepper's steps too, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.components.iter().flat_map(|c| -> Box<dyn Iterator<Item = &Element> + '_> {
            match c {
                Component::Element(e) => Box::new(std::iter::once(e)),
                Component::Stepper(s) => Box::new(s.steps.iter().flatten()),
            }
        })
    }
}

/// The kinds of grain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrainKind {
    /// A short lesson.
    ShortLesson,
    /// Discovering a notion.
    Discovery,
    /// An activity (may be skipped).
    Activity,
    /// A challenge.
    Challenge,
    /// A lesson.
    Lesson,
    /// A summary.
    Summary,
    /// A transition between sections.
    Transition,
}

/// One element, or a stepper of several steps.
// Loaded once, a few dozen per module: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Component {
    /// An element.
    Element(Element),
    /// A stepper.
    Stepper(Stepper),
}

/// Steps shown one after the other ("Suivant").
#[derive(Debug, Clone)]
pub struct Stepper {
    /// Instruction (Markdown; may be empty).
    pub instruction: Text,
    /// At least two steps, each a list of elements (no flashcards, no QAB).
    pub steps: Vec<Vec<Element>>,
}

/// An element of a grain.
#[derive(Debug, Clone)]
pub struct Element {
    /// UUID v4, unique in the module.
    pub id: String,
    /// What it is.
    pub kind: ElementKind,
}

/// A feedback shown after an answer.
#[derive(Debug, Clone)]
pub struct Feedback {
    /// A short verdict such as "Correct !" (plain), when given.
    pub state: Option<Text>,
    /// The explanation (Markdown).
    pub diagnosis: Text,
}

/// A proposal of a choice question.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Digits, unique in the element.
    pub id: String,
    /// Text (Markdown).
    pub content: Text,
}

/// A proposal of a QCU with its own feedback.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// Digits, unique in the element.
    pub id: String,
    /// Text (Markdown; plain and ≤ 20 characters when the proposals are short).
    pub content: Text,
    /// What the learner reads after choosing it.
    pub feedback: Feedback,
}

/// A single-choice question (also used to discover a notion).
#[derive(Debug, Clone)]
pub struct Qcu {
    /// Instruction (Markdown).
    pub instruction: Text,
    /// At least two proposals.
    pub proposals: Vec<Proposal>,
    /// The right proposal's id.
    pub solution: String,
    /// Short proposals are laid out side by side.
    pub has_short_proposals: bool,
}

/// Feedbacks of a right and of a wrong answer.
#[derive(Debug, Clone)]
pub struct Feedbacks {
    /// After a right answer.
    pub valid: Feedback,
    /// After a wrong one.
    pub invalid: Feedback,
}

/// How an input is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// Inside the sentence.
    Inline,
    /// On its own line.
    Block,
}

/// What a text input takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// Any text.
    Text,
    /// A number.
    Number,
}

/// A piece of a QROCM.
#[derive(Debug, Clone)]
pub enum QrocmBlock {
    /// Text between the inputs (Markdown).
    Text(Text),
    /// A text or number input.
    Input {
        /// Key of the answer, unique in the element.
        key: String,
        /// Text or number.
        input_type: InputType,
        /// Width in characters.
        size: u32,
        /// Layout.
        display: Display,
        /// Placeholder (plain; may be empty).
        placeholder: Text,
        /// Accessible name (plain).
        aria_label: Text,
        /// Tolerances applied when checking.
        tolerances: Tolerances,
        /// Accepted answers, per language.
        solutions: Localized<Vec<String>>,
    },
    /// A list to choose from.
    Select {
        /// Key of the answer, unique in the element.
        key: String,
        /// Layout.
        display: Display,
        /// First, empty option's text (plain).
        placeholder: Text,
        /// Accessible name (plain).
        aria_label: Text,
        /// Options (ids are digits).
        options: Vec<Choice>,
        /// Accepted option ids.
        solutions: Vec<String>,
    },
}

/// One side of a flashcard.
#[derive(Debug, Clone)]
pub struct CardSide {
    /// Text (plain on the front, Markdown on the back).
    pub text: Text,
    /// An image (a media path).
    pub image: Option<String>,
}

/// A flashcard.
#[derive(Debug, Clone)]
pub struct Flashcard {
    /// UUID v4.
    pub id: String,
    /// Front: the question.
    pub recto: CardSide,
    /// Back: the answer.
    pub verso: CardSide,
}

/// Which of a QAB card's two proposals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QabSide {
    /// The first.
    A,
    /// The second.
    B,
}

/// A card of a QAB (choose A or B, card after card).
#[derive(Debug, Clone)]
pub struct QabCard {
    /// UUID v4.
    pub id: String,
    /// Text (plain; may be empty when the image says it all).
    pub text: Text,
    /// An image and its alternative text.
    pub image: Option<(String, Text)>,
    /// Proposal A (plain).
    pub proposal_a: Text,
    /// Proposal B (plain).
    pub proposal_b: Text,
    /// The right one.
    pub solution: QabSide,
}

/// A file offered for download.
#[derive(Debug, Clone)]
pub struct DownloadFile {
    /// A media path.
    pub url: String,
    /// Its format as shown (`.csv`).
    pub format: String,
}

/// What an element is.
#[derive(Debug, Clone)]
pub enum ElementKind {
    /// A text.
    Text {
        /// How it is framed.
        tag: Option<TextTag>,
        /// Markdown.
        content: Text,
    },
    /// An image.
    Image {
        /// A media path.
        url: String,
        /// Alternative text (plain; empty for a decorative image).
        alt: Text,
        /// Long description of a complex image (Markdown).
        alternative_text: Option<Text>,
        /// Legend (plain).
        legend: Option<Text>,
        /// Licence (plain).
        licence: Option<Text>,
    },
    /// A video with subtitles and a transcription.
    Video {
        /// Title (plain).
        title: Text,
        /// A media path (.webm, .mp4).
        url: String,
        /// Poster image (a media path).
        poster: Option<String>,
        /// WebVTT subtitles per language (media paths).
        subtitles: Localized<String>,
        /// Transcription (Markdown).
        transcription: Text,
    },
    /// A short video (no subtitles: its transcription says all).
    ShortVideo {
        /// Title (plain).
        title: Text,
        /// A media path.
        url: String,
        /// Transcription (Markdown).
        transcription: Text,
    },
    /// An audio recording and its transcription.
    Audio {
        /// Title (plain).
        title: Text,
        /// A media path (.ogg, .mp3).
        url: String,
        /// Transcription (Markdown).
        transcription: Text,
    },
    /// Files to download.
    Download {
        /// At least one.
        files: Vec<DownloadFile>,
    },
    /// A horizontal rule.
    Separator,
    /// A text shown on demand.
    Expand {
        /// Title (plain).
        title: Text,
        /// Markdown.
        content: Text,
    },
    /// An interactive page of the content, in a sandboxed frame; with a solution, the word it
    /// reveals is typed and checked.
    Embed {
        /// Title (plain).
        title: Text,
        /// A media path of an HTML page.
        url: String,
        /// Instruction (Markdown).
        instruction: Option<Text>,
        /// The word `[a-z]+` the page reveals.
        solution: Option<String>,
        /// Height in pixels.
        height: u32,
        /// The grain cannot be continued before the activity is done.
        is_completion_required: bool,
    },
    /// Single choice, with a feedback per proposal.
    Qcu(Qcu),
    /// Single choice to discover a notion (checked, but it is not a test).
    QcuDiscovery(Qcu),
    /// Several choices: right only with exactly the right set.
    Qcm {
        /// Instruction (Markdown).
        instruction: Text,
        /// At least three proposals.
        proposals: Vec<Choice>,
        /// At least two right proposals' ids.
        solutions: Vec<String>,
        /// Feedbacks.
        feedbacks: Feedbacks,
    },
    /// Inputs and lists inside a text.
    Qrocm {
        /// Instruction (Markdown).
        instruction: Text,
        /// Text, inputs and selects, in order.
        blocks: Vec<QrocmBlock>,
        /// Feedbacks.
        feedbacks: Feedbacks,
    },
    /// An opinion: one choice, no right answer, a feedback per proposal.
    QcuDeclarative {
        /// Instruction (Markdown).
        instruction: Text,
        /// At least two proposals.
        proposals: Vec<Proposal>,
    },
    /// Opinions: several choices, no right answer, one feedback.
    QcmDeclarative {
        /// Instruction (Markdown).
        instruction: Text,
        /// At least two proposals.
        proposals: Vec<Choice>,
        /// Shown once answered.
        feedback: Feedback,
    },
    /// Cards to turn over, each assessed by the learner.
    Flashcards {
        /// Title (plain).
        title: Text,
        /// Instruction (Markdown).
        instruction: Option<Text>,
        /// An image on the first screen (a media path).
        intro_image: Option<String>,
        /// The cards.
        cards: Vec<Flashcard>,
    },
    /// A or B, card after card (one to six).
    Qab {
        /// Instruction (Markdown).
        instruction: Text,
        /// The cards.
        cards: Vec<QabCard>,
        /// Shown at the end.
        feedback: Feedback,
    },
}

impl ElementKind {
    /// The type's name in the files.
    pub fn name(&self) -> &'static str {
        match self {
            ElementKind::Text { .. } => "text",
            ElementKind::Image { .. } => "image",
            ElementKind::Video { .. } => "video",
            ElementKind::ShortVideo { .. } => "short-video",
            ElementKind::Audio { .. } => "audio",
            ElementKind::Download { .. } => "download",
            ElementKind::Separator => "separator",
            ElementKind::Expand { .. } => "expand",
            ElementKind::Embed { .. } => "embed",
            ElementKind::Qcu(_) => "qcu",
            ElementKind::QcuDiscovery(_) => "qcu-discovery",
            ElementKind::Qcm { .. } => "qcm",
            ElementKind::Qrocm { .. } => "qrocm",
            ElementKind::QcuDeclarative { .. } => "qcu-declarative",
            ElementKind::QcmDeclarative { .. } => "qcm-declarative",
            ElementKind::Flashcards { .. } => "flashcards",
            ElementKind::Qab { .. } => "qab",
        }
    }

    /// Whether the learner answers it (a verification, an opinion, or a self-assessment).
    pub fn is_answerable(&self) -> bool {
        match self {
            ElementKind::Embed { solution, .. } => solution.is_some(),
            ElementKind::Qcu(_)
            | ElementKind::QcuDiscovery(_)
            | ElementKind::Qcm { .. }
            | ElementKind::Qrocm { .. }
            | ElementKind::QcuDeclarative { .. }
            | ElementKind::QcmDeclarative { .. }
            | ElementKind::Flashcards { .. }
            | ElementKind::Qab { .. } => true,
            _ => false,
        }
    }
}

/// How a text is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextTag {
    /// Context.
    Context,
    /// "Le saviez-vous ?"
    DidYouKnow,
    /// "Pour aller plus loin".
    FurtherInformation,
    /// "Astuce".
    Tip,
}

/// Every element type, as named in the files.
pub const ELEMENT_TYPES: [&str; 17] = [
    "text",
    "image",
    "video",
    "short-video",
    "audio",
    "download",
    "separator",
    "expand",
    "embed",
    "qcu",
    "qcu-discovery",
    "qcm",
    "qrocm",
    "qcu-declarative",
    "qcm-declarative",
    "flashcards",
    "qab",
];
