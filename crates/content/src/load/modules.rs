//! Reading and checking learning modules (`modules/<slug>.toml`, docs/modules.md).
//!
//! Elements are read into one flat shape whose fields are all optional, then checked type by type:
//! a field that does not belong to the element's type is reported on its line rather than
//! silently ignored, and every rule of the format gives a `file:line: message`.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::{RawText, Report, parse_toml};
use crate::{
    model::{Content, Localized, Text, Tolerances},
    module::*,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    id: Spanned<String>,
    short_id: Spanned<String>,
    slug: Spanned<String>,
    competence: Spanned<String>,
    is_beta: bool,
    visibility: Spanned<String>,
    title: Spanned<RawText>,
    details: Spanned<RawDetails>,
    #[serde(default)]
    glossary: Vec<RawGlossary>,
    #[serde(default)]
    sections: Vec<RawSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDetails {
    image: Spanned<String>,
    description: Spanned<RawText>,
    duration: Spanned<i64>,
    level: Spanned<String>,
    tablet_support: Spanned<String>,
    objectives: Spanned<Vec<RawText>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGlossary {
    id: Spanned<String>,
    word: RawText,
    definition: RawText,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: Spanned<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    #[serde(default)]
    grains: Vec<RawGrain>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrain {
    id: Spanned<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    title: RawText,
    #[serde(default)]
    components: Vec<RawElement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    #[serde(default)]
    elements: Vec<RawElement>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSolutions {
    List(Vec<String>),
    Per(BTreeMap<String, Vec<String>>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeedback {
    state: Option<RawText>,
    diagnosis: Option<RawText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeedbacks {
    valid: RawFeedback,
    invalid: RawFeedback,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    url: String,
    format: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    id: String,
    content: RawText,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSide {
    text: RawText,
    image: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImage {
    url: String,
    alt: RawText,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCard {
    id: Spanned<String>,
    recto: Option<RawSide>,
    verso: Option<RawSide>,
    text: Option<RawText>,
    image: Option<RawImage>,
    proposal_a: Option<RawText>,
    proposal_b: Option<RawText>,
    solution: Option<String>,
}

/// A proposal of a choice question, or a block of a QROCM (`type` set).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProposal {
    id: Option<Spanned<String>>,
    #[serde(rename = "type")]
    kind: Option<Spanned<String>>,
    content: Option<RawText>,
    feedback: Option<RawFeedback>,
    input: Option<Spanned<String>>,
    input_type: Option<String>,
    size: Option<i64>,
    display: Option<String>,
    placeholder: Option<RawText>,
    aria_label: Option<RawText>,
    tolerances: Option<Spanned<Vec<String>>>,
    solutions: Option<Spanned<RawSolutions>>,
    options: Option<Vec<RawOption>>,
}

/// Every field an element (or a stepper) may have; which ones it must or may have depends on its type.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawElement {
    #[serde(rename = "type")]
    kind: Spanned<String>,
    id: Option<Spanned<String>>,
    tag: Option<String>,
    content: Option<RawText>,
    url: Option<Spanned<String>>,
    alt: Option<RawText>,
    alternative_text: Option<RawText>,
    legend: Option<RawText>,
    licence: Option<RawText>,
    title: Option<RawText>,
    poster: Option<String>,
    subtitles: Option<RawText>,
    transcription: Option<RawText>,
    files: Option<Vec<RawFile>>,
    instruction: Option<RawText>,
    solution: Option<Spanned<String>>,
    solutions: Option<Spanned<RawSolutions>>,
    height: Option<i64>,
    is_completion_required: Option<bool>,
    has_short_proposals: Option<bool>,
    proposals: Option<Vec<RawProposal>>,
    feedbacks: Option<RawFeedbacks>,
    feedback: Option<RawFeedback>,
    intro_image: Option<String>,
    cards: Option<Spanned<Vec<RawCard>>>,
    steps: Option<Vec<RawStep>>,
}

impl RawElement {
    /// The names of the fields given, besides `type` and `id`.
    fn given(&self) -> Vec<&'static str> {
        let fields: [(&'static str, bool); 25] = [
            ("tag", self.tag.is_some()),
            ("content", self.content.is_some()),
            ("url", self.url.is_some()),
            ("alt", self.alt.is_some()),
            ("alternative_text", self.alternative_text.is_some()),
            ("legend", self.legend.is_some()),
            ("licence", self.licence.is_some()),
            ("title", self.title.is_some()),
            ("poster", self.poster.is_some()),
            ("subtitles", self.subtitles.is_some()),
            ("transcription", self.transcription.is_some()),
            ("files", self.files.is_some()),
            ("instruction", self.instruction.is_some()),
            ("solution", self.solution.is_some()),
            ("solutions", self.solutions.is_some()),
            ("height", self.height.is_some()),
            ("is_completion_required", self.is_completion_required.is_some()),
            ("has_short_proposals", self.has_short_proposals.is_some()),
            ("proposals", self.proposals.is_some()),
            ("feedbacks", self.feedbacks.is_some()),
            ("feedback", self.feedback.is_some()),
            ("intro_image", self.intro_image.is_some()),
            ("cards", self.cards.is_some()),
            ("steps", self.steps.is_some()),
            ("id", self.id.is_some()),
        ];
        fields.iter().filter(|(_, given)| *given).map(|(name, _)| *name).collect()
    }
}

/// The fields each type may have (besides `type`).
fn allowed(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "stepper" => &["instruction", "steps"],
        "text" => &["id", "tag", "content"],
        "image" => &["id", "url", "alt", "alternative_text", "legend", "licence"],
        "video" => &["id", "title", "url", "poster", "subtitles", "transcription"],
        "short-video" | "audio" => &["id", "title", "url", "transcription"],
        "download" => &["id", "files"],
        "separator" => &["id"],
        "expand" => &["id", "title", "content"],
        "embed" => &["id", "title", "url", "instruction", "solution", "height", "is_completion_required"],
        "qcu" | "qcu-discovery" => &["id", "instruction", "proposals", "solution", "has_short_proposals"],
        "qcm" => &["id", "instruction", "proposals", "solutions", "feedbacks"],
        "qrocm" => &["id", "instruction", "proposals", "feedbacks"],
        "qcu-declarative" => &["id", "instruction", "proposals"],
        "qcm-declarative" => &["id", "instruction", "proposals", "feedback"],
        "flashcards" => &["id", "title", "instruction", "intro_image", "cards"],
        "qab" => &["id", "instruction", "cards", "feedback"],
        _ => return None,
    })
}

/// How a text field is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Markdown subset, no HTML.
    Markdown,
    /// No Markdown meaning and no HTML tag.
    Plain,
}

/// True when a plain text holds something that looks like an HTML tag (the reference refuses `<…>`).
fn looks_like_html(s: &str) -> bool {
    s.match_indices('<').any(|(i, _)| {
        s[i + 1..].chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!')
            && s[i + 1..].contains('>')
    })
}

/// True for a lower-case UUID version 4.
fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

/// The per-module checker: the report, the content for media look-ups, the ids seen.
struct Checker<'r, 'a> {
    report: &'r mut Report<'a>,
    content: &'r Content,
    ids: HashSet<String>,
    errors_before: usize,
}

impl Checker<'_, '_> {
    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.report.error(line, message);
    }

    /// A text of the given style; `may_be_empty` for texts the format lets be "" (a grain's
    /// title, a decorative image's alternative, a placeholder).
    fn text(&mut self, line: usize, what: &str, raw: &RawText, style: Style, may_be_empty: bool) -> Text {
        let text = if may_be_empty {
            match raw {
                RawText::Same(s) => Text { fr: s.clone(), en: s.clone() },
                RawText::Per(map) => {
                    for key in map.keys().filter(|k| *k != "fr" && *k != "en") {
                        self.error(line, format!("{what}: unknown language \"{key}\" (use fr and en)"));
                    }
                    if self.report.options.require_english && !map.contains_key("en") {
                        self.error(line, format!("{what}: missing English text"));
                    }
                    Text {
                        fr: map.get("fr").cloned().unwrap_or_default(),
                        en: map.get("en").cloned().unwrap_or_default(),
                    }
                }
            }
        } else {
            self.report.text(line, what, raw, style == Style::Markdown)
        };
        if style == Style::Plain {
            for (lang, s) in [("fr", &text.fr), ("en", &text.en)] {
                if looks_like_html(s) {
                    self.error(line, format!("{what} ({lang}): no HTML in a plain text"));
                }
            }
        }
        text
    }

    fn required<'t, T>(&mut self, line: usize, what: &str, field: &str, value: &'t Option<T>) -> Option<&'t T> {
        if value.is_none() {
            self.error(line, format!("{what}: `{field}` is required"));
        }
        value.as_ref()
    }

    fn uuid(&mut self, line: usize, what: &str, id: &str) {
        if !is_uuid_v4(id) {
            self.error(line, format!("{what}: id \"{id}\" is not a lower-case UUID v4"));
        } else if !self.ids.insert(id.to_owned()) {
            self.error(line, format!("{what}: id \"{id}\" is used twice in the module"));
        }
    }

    /// A media path that must exist under `media/` and end with one of `extensions`.
    fn media(&mut self, line: usize, what: &str, path: &str, extensions: &[&str]) {
        let lower = path.to_ascii_lowercase();
        if !extensions.iter().any(|e| lower.ends_with(e)) {
            self.error(line, format!("{what}: \"{path}\" should be a {} file", extensions.join(" or ")));
        } else if !self.content.media.contains_key(path) {
            self.error(line, format!("{what}: no media file \"{path}\" (paths are relative to media/)"));
        }
    }

    fn feedback(&mut self, line: usize, what: &str, raw: Option<&RawFeedback>, state_allowed: bool) -> Feedback {
        let Some(raw) = raw else {
            self.error(line, format!("{what}: `feedback` is required"));
            return Feedback { state: None, diagnosis: Text::default() };
        };
        let state = match (&raw.state, state_allowed) {
            (Some(s), true) => Some(self.text(line, &format!("{what} state"), s, Style::Plain, false)),
            (Some(_), false) => {
                self.error(line, format!("{what}: a `state` does not belong here (only a `diagnosis`)"));
                None
            }
            (None, _) => None,
        };
        let diagnosis = match &raw.diagnosis {
            Some(d) => self.text(line, &format!("{what} diagnosis"), d, Style::Markdown, false),
            None => {
                self.error(line, format!("{what}: `diagnosis` is required"));
                Text::default()
            }
        };
        Feedback { state, diagnosis }
    }

    fn feedbacks(&mut self, line: usize, what: &str, raw: Option<&RawFeedbacks>) -> Feedbacks {
        match raw {
            Some(f) => Feedbacks {
                valid: self.feedback(line, &format!("{what} valid feedback"), Some(&f.valid), true),
                invalid: self.feedback(line, &format!("{what} invalid feedback"), Some(&f.invalid), true),
            },
            None => {
                self.error(line, format!("{what}: `feedbacks` (valid and invalid) are required"));
                let none = Feedback { state: None, diagnosis: Text::default() };
                Feedbacks { valid: none.clone(), invalid: none }
            }
        }
    }

    /// Proposal ids: digits, unique.
    fn proposal_id(
        &mut self,
        line: usize,
        what: &str,
        id: Option<&Spanned<String>>,
        seen: &mut HashSet<String>,
    ) -> String {
        let Some(id) = id else {
            self.error(line, format!("{what}: a proposal needs an `id`"));
            return String::new();
        };
        let line = self.report.line_of(id.span().start);
        let id = id.get_ref().clone();
        if !is_digits(&id) {
            self.error(line, format!("{what}: proposal id \"{id}\" should be digits (\"1\", \"2\"…)"));
        } else if !seen.insert(id.clone()) {
            self.error(line, format!("{what}: proposal id \"{id}\" is used twice"));
        }
        id
    }

    fn choices(&mut self, line: usize, what: &str, raw: &[RawProposal], minimum: usize) -> Vec<Choice> {
        if raw.len() < minimum {
            self.error(line, format!("{what}: at least {minimum} proposals"));
        }
        let mut seen = HashSet::new();
        raw.iter()
            .map(|p| {
                let id = self.proposal_id(line, what, p.id.as_ref(), &mut seen);
                let pline = p.id.as_ref().map_or(line, |i| self.report.line_of(i.span().start));
                if p.feedback.is_some() || p.kind.is_some() || p.input.is_some() || p.options.is_some() {
                    self.error(pline, format!("{what}: a proposal has only `id` and `content` here"));
                }
                let content = match &p.content {
                    Some(c) => self.text(pline, &format!("{what} proposal {id}"), c, Style::Markdown, false),
                    None => {
                        self.error(pline, format!("{what}: proposal {id} needs a `content`"));
                        Text::default()
                    }
                };
                Choice { id, content }
            })
            .collect()
    }

    fn proposals(
        &mut self,
        line: usize,
        what: &str,
        raw: &[RawProposal],
        state_allowed: bool,
        short: bool,
    ) -> Vec<Proposal> {
        if raw.len() < 2 {
            self.error(line, format!("{what}: at least 2 proposals"));
        }
        let mut seen = HashSet::new();
        raw.iter()
            .map(|p| {
                let id = self.proposal_id(line, what, p.id.as_ref(), &mut seen);
                let pline = p.id.as_ref().map_or(line, |i| self.report.line_of(i.span().start));
                if p.kind.is_some() || p.input.is_some() || p.options.is_some() || p.solutions.is_some() {
                    self.error(pline, format!("{what}: a proposal has only `id`, `content` and `feedback` here"));
                }
                let style = if short { Style::Plain } else { Style::Markdown };
                let content = match &p.content {
                    Some(c) => self.text(pline, &format!("{what} proposal {id}"), c, style, false),
                    None => {
                        self.error(pline, format!("{what}: proposal {id} needs a `content`"));
                        Text::default()
                    }
                };
                if short && [&content.fr, &content.en].iter().any(|s| s.chars().count() > 20) {
                    self.error(pline, format!("{what}: short proposals are 20 characters at most (proposal {id})"));
                }
                let feedback =
                    self.feedback(pline, &format!("{what} proposal {id} feedback"), p.feedback.as_ref(), state_allowed);
                Proposal { id, content, feedback }
            })
            .collect()
    }

    fn element(&mut self, raw: &RawElement, in_stepper: bool) -> Option<Element> {
        let line = self.report.line_of(raw.kind.span().start);
        let kind = raw.kind.get_ref().as_str();
        let Some(allowed) = allowed(kind) else {
            self.error(
                line,
                format!("unknown element type \"{kind}\" (one of: {}, or stepper)", ELEMENT_TYPES.join(", ")),
            );
            return None;
        };
        if kind == "stepper" {
            self.error(line, "a stepper cannot be inside a stepper");
            return None;
        }
        if in_stepper && matches!(kind, "flashcards" | "qab") {
            self.error(line, format!("{kind} cannot be inside a stepper"));
        }
        for field in raw.given() {
            if !allowed.contains(&field) {
                self.error(line, format!("`{field}` does not belong to a {kind} element"));
            }
        }
        let id = match &raw.id {
            Some(id) => {
                let id_line = self.report.line_of(id.span().start);
                self.uuid(id_line, kind, id.get_ref());
                id.get_ref().clone()
            }
            None => {
                self.error(line, format!("{kind}: `id` is required"));
                String::new()
            }
        };
        let what = format!("{kind} {id}");
        let what = what.trim_end();
        let before = self.report.diagnostics.len();
        let markdown = |c: &mut Self, field: &str, v: &Option<RawText>| {
            c.required(line, what, field, v)
                .map(|t| c.text(line, &format!("{what} {field}"), t, Style::Markdown, false))
        };
        let plain = |c: &mut Self, field: &str, v: &Option<RawText>| {
            c.required(line, what, field, v).map(|t| c.text(line, &format!("{what} {field}"), t, Style::Plain, false))
        };
        let optional_markdown = |c: &mut Self, field: &str, v: &Option<RawText>| {
            v.as_ref().map(|t| c.text(line, &format!("{what} {field}"), t, Style::Markdown, false))
        };
        let url = |c: &mut Self, extensions: &[&str]| -> String {
            match &raw.url {
                Some(u) => {
                    let l = c.report.line_of(u.span().start);
                    c.media(l, &format!("{what} url"), u.get_ref(), extensions);
                    u.get_ref().clone()
                }
                None => {
                    c.error(line, format!("{what}: `url` is required"));
                    String::new()
                }
            }
        };
        let element = match kind {
            "text" => {
                let tag = match raw.tag.as_deref() {
                    None => None,
                    Some("context") => Some(TextTag::Context),
                    Some("did-you-know") => Some(TextTag::DidYouKnow),
                    Some("further-information") => Some(TextTag::FurtherInformation),
                    Some("tip") => Some(TextTag::Tip),
                    Some(other) => {
                        self.error(
                            line,
                            format!(
                                "{what}: unknown tag \"{other}\" (context, did-you-know, further-information, tip)"
                            ),
                        );
                        None
                    }
                };
                ElementKind::Text { tag, content: markdown(self, "content", &raw.content).unwrap_or_default() }
            }
            "image" => {
                let url = url(self, &[".svg", ".png", ".jpg", ".jpeg", ".webp"]);
                let alt = match &raw.alt {
                    Some(a) => self.text(line, &format!("{what} alt"), a, Style::Plain, true),
                    None => {
                        self.error(line, format!("{what}: `alt` is required (\"\" for a decorative image)"));
                        Text::default()
                    }
                };
                ElementKind::Image {
                    url,
                    alt,
                    alternative_text: optional_markdown(self, "alternative_text", &raw.alternative_text),
                    legend: raw
                        .legend
                        .as_ref()
                        .map(|t| self.text(line, &format!("{what} legend"), t, Style::Plain, false)),
                    licence: raw
                        .licence
                        .as_ref()
                        .map(|t| self.text(line, &format!("{what} licence"), t, Style::Plain, false)),
                }
            }
            "video" => {
                let url = url(self, &[".webm", ".mp4"]);
                if let Some(p) = &raw.poster {
                    self.media(line, &format!("{what} poster"), p, &[".svg", ".png", ".jpg", ".jpeg", ".webp"]);
                }
                let subtitles = match &raw.subtitles {
                    Some(s) => self.report.localized(line, &format!("{what} subtitles"), s, |p| Ok(p.to_owned())),
                    None => {
                        self.error(line, format!("{what}: `subtitles` are required (a WebVTT file per language)"));
                        None
                    }
                };
                if let Some(s) = &subtitles {
                    for p in std::iter::once(&s.fr).chain(s.en.as_ref()) {
                        self.media(line, &format!("{what} subtitles"), p, &[".vtt"]);
                    }
                }
                ElementKind::Video {
                    title: plain(self, "title", &raw.title).unwrap_or_default(),
                    url,
                    poster: raw.poster.clone(),
                    subtitles: subtitles.unwrap_or(Localized { fr: String::new(), en: None }),
                    transcription: markdown(self, "transcription", &raw.transcription).unwrap_or_default(),
                }
            }
            "short-video" => ElementKind::ShortVideo {
                url: url(self, &[".webm", ".mp4"]),
                title: plain(self, "title", &raw.title).unwrap_or_default(),
                transcription: markdown(self, "transcription", &raw.transcription).unwrap_or_default(),
            },
            "audio" => ElementKind::Audio {
                url: url(self, &[".ogg", ".mp3"]),
                title: plain(self, "title", &raw.title).unwrap_or_default(),
                transcription: markdown(self, "transcription", &raw.transcription).unwrap_or_default(),
            },
            "download" => {
                let files = self.required(line, what, "files", &raw.files).map(Vec::as_slice).unwrap_or_default();
                if files.is_empty() && raw.files.is_some() {
                    self.error(line, format!("{what}: at least one file"));
                }
                let files = files
                    .iter()
                    .map(|f| {
                        let ext = f.url.rsplit_once('.').map(|(_, e)| format!(".{e}")).unwrap_or_default();
                        self.media(line, &format!("{what} file"), &f.url, &[ext.as_str()]);
                        if !f.format.starts_with('.')
                            || !f.url.to_ascii_lowercase().ends_with(&f.format.to_ascii_lowercase())
                        {
                            self.error(
                                line,
                                format!("{what}: format \"{}\" should be the file's extension ({ext})", f.format),
                            );
                        }
                        DownloadFile { url: f.url.clone(), format: f.format.clone() }
                    })
                    .collect();
                ElementKind::Download { files }
            }
            "separator" => ElementKind::Separator,
            "expand" => ElementKind::Expand {
                title: plain(self, "title", &raw.title).unwrap_or_default(),
                content: markdown(self, "content", &raw.content).unwrap_or_default(),
            },
            "embed" => {
                let solution = raw.solution.as_ref().map(|s| {
                    let s = s.get_ref();
                    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_lowercase()) {
                        self.error(line, format!("{what}: solution \"{s}\" should be lower-case letters a–z"));
                    }
                    s.clone()
                });
                let height = match raw.height {
                    Some(h) if (0..=4000).contains(&h) => h as u32,
                    Some(h) => {
                        self.error(line, format!("{what}: height {h} should be between 0 and 4000 pixels"));
                        0
                    }
                    None => {
                        self.error(line, format!("{what}: `height` is required"));
                        0
                    }
                };
                ElementKind::Embed {
                    title: plain(self, "title", &raw.title).unwrap_or_default(),
                    url: url(self, &[".html"]),
                    instruction: optional_markdown(self, "instruction", &raw.instruction),
                    solution,
                    height,
                    is_completion_required: raw.is_completion_required.unwrap_or_else(|| {
                        self.error(line, format!("{what}: `is_completion_required` is required"));
                        false
                    }),
                }
            }
            "qcu" | "qcu-discovery" => {
                let short = raw.has_short_proposals.unwrap_or_else(|| {
                    self.error(line, format!("{what}: `has_short_proposals` is required"));
                    false
                });
                let proposals =
                    self.proposals(line, what, raw.proposals.as_deref().unwrap_or_default(), kind == "qcu", short);
                let solution = match &raw.solution {
                    Some(s) => {
                        if !proposals.iter().any(|p| p.id == *s.get_ref()) {
                            let l = self.report.line_of(s.span().start);
                            self.error(l, format!("{what}: solution \"{}\" is not a proposal's id", s.get_ref()));
                        }
                        s.get_ref().clone()
                    }
                    None => {
                        self.error(line, format!("{what}: `solution` is required"));
                        String::new()
                    }
                };
                let qcu = Qcu {
                    instruction: markdown(self, "instruction", &raw.instruction).unwrap_or_default(),
                    proposals,
                    solution,
                    has_short_proposals: short,
                };
                if kind == "qcu" { ElementKind::Qcu(qcu) } else { ElementKind::QcuDiscovery(qcu) }
            }
            "qcm" => {
                let proposals = self.choices(line, what, raw.proposals.as_deref().unwrap_or_default(), 3);
                let solutions = match &raw.solutions {
                    Some(s) => {
                        let l = self.report.line_of(s.span().start);
                        match s.get_ref() {
                            RawSolutions::List(list) => {
                                let unique: HashSet<&String> = list.iter().collect();
                                if list.len() < 2 || unique.len() != list.len() {
                                    self.error(l, format!("{what}: at least 2 different solutions"));
                                }
                                for id in list.iter().filter(|id| !proposals.iter().any(|p| p.id == **id)) {
                                    self.error(l, format!("{what}: solution \"{id}\" is not a proposal's id"));
                                }
                                let mut sorted = list.clone();
                                sorted.sort();
                                sorted
                            }
                            RawSolutions::Per(_) => {
                                self.error(
                                    l,
                                    format!("{what}: solutions are proposal ids, the same in every language"),
                                );
                                Vec::new()
                            }
                        }
                    }
                    None => {
                        self.error(line, format!("{what}: `solutions` are required"));
                        Vec::new()
                    }
                };
                ElementKind::Qcm {
                    instruction: markdown(self, "instruction", &raw.instruction).unwrap_or_default(),
                    proposals,
                    solutions,
                    feedbacks: self.feedbacks(line, what, raw.feedbacks.as_ref()),
                }
            }
            "qrocm" => ElementKind::Qrocm {
                instruction: markdown(self, "instruction", &raw.instruction).unwrap_or_default(),
                blocks: self.blocks(line, what, raw.proposals.as_deref().unwrap_or_default()),
                feedbacks: self.feedbacks(line, what, raw.feedbacks.as_ref()),
            },
            "qcu-declarative" => ElementKind::QcuDeclarative {
                instruction: markdown(self, "instruction", &raw.instruction).unwrap_or_default(),
                proposals: self.proposals(line, what, raw.proposals.as_deref().unwrap_or_default(), false, false),
            },
            "qcm-declarative" => ElementKind::QcmDeclarative {
                instruction: markdown(self, "instruction", &raw.instruction).unwrap_or_default(),
                proposals: self.choices(line, what, raw.proposals.as_deref().unwrap_or_default(), 2),
                feedback: self.feedback(line, &format!("{what} feedback"), raw.feedback.as_ref(), false),
            },
            "flashcards" => {
                if let Some(i) = &raw.intro_image {
                    self.media(line, &format!("{what} intro_image"), i, &[".svg", ".png", ".jpg", ".jpeg", ".webp"]);
                }
                ElementKind::Flashcards {
                    title: plain(self, "title", &raw.title).unwrap_or_default(),
                    instruction: optional_markdown(self, "instruction", &raw.instruction),
                    intro_image: raw.intro_image.clone(),
                    cards: self.flashcards(line, what, raw.cards.as_ref()),
                }
            }
            "qab" => ElementKind::Qab {
                instruction: markdown(self, "instruction", &raw.instruction).unwrap_or_default(),
                cards: self.qab_cards(line, what, raw.cards.as_ref()),
                feedback: self.feedback(line, &format!("{what} feedback"), raw.feedback.as_ref(), false),
            },
            _ => unreachable!("allowed() knows every type"),
        };
        (self.report.diagnostics.len() == before).then_some(Element { id, kind: element })
    }

    fn blocks(&mut self, line: usize, what: &str, raw: &[RawProposal]) -> Vec<QrocmBlock> {
        let mut keys = HashSet::new();
        let mut blocks = Vec::new();
        for b in raw {
            let Some(kind) = &b.kind else {
                self.error(line, format!("{what}: each block has a `type` (text, input or select)"));
                continue;
            };
            let bline = self.report.line_of(kind.span().start);
            let mut key = || -> String {
                match &b.input {
                    Some(k) => {
                        let k = k.get_ref().clone();
                        if k.is_empty() || !k.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                        {
                            self.error(bline, format!("{what}: input key \"{k}\" should be [a-z0-9-]+"));
                        } else if !keys.insert(k.clone()) {
                            self.error(bline, format!("{what}: input key \"{k}\" is used twice"));
                        }
                        k
                    }
                    None => {
                        self.error(bline, format!("{what}: an input or select needs an `input` key"));
                        String::new()
                    }
                }
            };
            match kind.get_ref().as_str() {
                "text" => {
                    if b.input.is_some() || b.solutions.is_some() || b.options.is_some() || b.tolerances.is_some() {
                        self.error(bline, format!("{what}: a text block has only `content`"));
                    }
                    match &b.content {
                        Some(c) => blocks.push(QrocmBlock::Text(self.text(
                            bline,
                            &format!("{what} text"),
                            c,
                            Style::Markdown,
                            false,
                        ))),
                        None => self.error(bline, format!("{what}: a text block needs a `content`")),
                    }
                }
                "input" => {
                    let key = key();
                    if b.options.is_some() || b.content.is_some() || b.id.is_some() {
                        self.error(bline, format!("{what}: an input has no `options`, `content` or `id`"));
                    }
                    let input_type = match b.input_type.as_deref() {
                        Some("text") => InputType::Text,
                        Some("number") => InputType::Number,
                        other => {
                            self.error(
                                bline,
                                format!("{what}: input \"{key}\" input_type {other:?} should be text or number"),
                            );
                            InputType::Text
                        }
                    };
                    let size = match b.size {
                        Some(s) if (1..=200).contains(&s) => s as u32,
                        _ => {
                            self.error(bline, format!("{what}: input \"{key}\" needs a `size` from 1 to 200"));
                            1
                        }
                    };
                    let mut tolerances = Tolerances::NONE;
                    if let Some(t) = &b.tolerances {
                        for name in t.get_ref() {
                            match name.as_str() {
                                "t1" => tolerances.t1 = true,
                                "t2" => tolerances.t2 = true,
                                "t3" => tolerances.t3 = true,
                                other => {
                                    self.error(bline, format!("{what}: unknown tolerance \"{other}\" (t1, t2, t3)"))
                                }
                            }
                        }
                    }
                    let solutions = match &b.solutions {
                        Some(s) => self.input_solutions(bline, what, &key, s.get_ref(), input_type),
                        None => {
                            self.error(bline, format!("{what}: input \"{key}\" needs `solutions`"));
                            Localized { fr: Vec::new(), en: None }
                        }
                    };
                    blocks.push(QrocmBlock::Input {
                        display: self.display(bline, what, b.display.as_deref()),
                        placeholder: self.optional_plain(bline, &format!("{what} placeholder"), b.placeholder.as_ref()),
                        aria_label: self.required_plain(bline, what, "aria_label", b.aria_label.as_ref()),
                        key,
                        input_type,
                        size,
                        tolerances,
                        solutions,
                    });
                }
                "select" => {
                    let key = key();
                    if let Some(t) = &b.tolerances {
                        let l = self.report.line_of(t.span().start);
                        self.error(
                            l,
                            format!("{what}: select \"{key}\" cannot have tolerances (its answer is an option)"),
                        );
                    }
                    if b.input_type.is_some() || b.size.is_some() || b.content.is_some() {
                        self.error(bline, format!("{what}: a select has no `input_type`, `size` or `content`"));
                    }
                    let options: Vec<Choice> = b
                        .options
                        .as_deref()
                        .unwrap_or_default()
                        .iter()
                        .map(|o| {
                            if !is_digits(&o.id) {
                                self.error(bline, format!("{what}: option id \"{}\" should be digits", o.id));
                            }
                            let content =
                                self.text(bline, &format!("{what} option {}", o.id), &o.content, Style::Plain, false);
                            Choice { id: o.id.clone(), content }
                        })
                        .collect();
                    let unique: HashSet<&String> = options.iter().map(|o| &o.id).collect();
                    if options.len() < 2 || unique.len() != options.len() {
                        self.error(
                            bline,
                            format!("{what}: select \"{key}\" needs at least 2 options with different ids"),
                        );
                    }
                    let solutions = match b.solutions.as_ref().map(Spanned::get_ref) {
                        Some(RawSolutions::List(list)) if !list.is_empty() => {
                            for id in list.iter().filter(|id| !unique.contains(id)) {
                                self.error(
                                    bline,
                                    format!("{what}: select \"{key}\" solution \"{id}\" is not an option's id"),
                                );
                            }
                            list.clone()
                        }
                        _ => {
                            self.error(
                                bline,
                                format!("{what}: select \"{key}\" needs `solutions`, a list of option ids"),
                            );
                            Vec::new()
                        }
                    };
                    blocks.push(QrocmBlock::Select {
                        display: self.display(bline, what, b.display.as_deref()),
                        placeholder: self.optional_plain(bline, &format!("{what} placeholder"), b.placeholder.as_ref()),
                        aria_label: self.required_plain(bline, what, "aria_label", b.aria_label.as_ref()),
                        key,
                        options,
                        solutions,
                    });
                }
                other => self.error(bline, format!("{what}: unknown block type \"{other}\" (text, input, select)")),
            }
        }
        if !blocks.iter().any(|b| !matches!(b, QrocmBlock::Text(_))) {
            self.error(line, format!("{what}: at least one input or select"));
        }
        blocks
    }

    fn input_solutions(
        &mut self,
        line: usize,
        what: &str,
        key: &str,
        raw: &RawSolutions,
        input_type: InputType,
    ) -> Localized<Vec<String>> {
        let check = |c: &mut Self, lang: &str, list: &[String]| {
            if list.is_empty() || list.iter().any(|s| s.trim().is_empty()) {
                c.error(line, format!("{what}: input \"{key}\" ({lang}) needs non-empty solutions"));
            }
            if input_type == InputType::Number && list.iter().any(|s| s.trim().parse::<f64>().is_err()) {
                c.error(line, format!("{what}: input \"{key}\" takes a number: every solution ({lang}) is a number"));
            }
        };
        match raw {
            RawSolutions::List(list) => {
                check(self, "fr", list);
                Localized { fr: list.clone(), en: None }
            }
            RawSolutions::Per(map) => {
                for k in map.keys().filter(|k| *k != "fr" && *k != "en") {
                    self.error(line, format!("{what}: input \"{key}\" unknown language \"{k}\""));
                }
                let fr = map.get("fr").cloned().unwrap_or_default();
                check(self, "fr", &fr);
                let en = map.get("en").cloned();
                match &en {
                    Some(en) => check(self, "en", en),
                    None if self.report.options.require_english => {
                        self.error(line, format!("{what}: input \"{key}\" needs English solutions"));
                    }
                    None => {}
                }
                Localized { fr, en }
            }
        }
    }

    fn display(&mut self, line: usize, what: &str, raw: Option<&str>) -> Display {
        match raw {
            Some("inline") | None => Display::Inline,
            Some("block") => Display::Block,
            Some(other) => {
                self.error(line, format!("{what}: display \"{other}\" should be inline or block"));
                Display::Inline
            }
        }
    }

    fn optional_plain(&mut self, line: usize, what: &str, raw: Option<&RawText>) -> Text {
        raw.map(|t| self.text(line, what, t, Style::Plain, true)).unwrap_or_default()
    }

    fn required_plain(&mut self, line: usize, what: &str, field: &str, raw: Option<&RawText>) -> Text {
        match raw {
            Some(t) => self.text(line, &format!("{what} {field}"), t, Style::Plain, false),
            None => {
                self.error(line, format!("{what}: `{field}` is required (what a screen reader announces)"));
                Text::default()
            }
        }
    }

    fn flashcards(&mut self, line: usize, what: &str, raw: Option<&Spanned<Vec<RawCard>>>) -> Vec<Flashcard> {
        let Some(raw) = raw else {
            self.error(line, format!("{what}: `cards` are required"));
            return Vec::new();
        };
        if raw.get_ref().is_empty() {
            self.error(line, format!("{what}: at least one card"));
        }
        raw.get_ref()
            .iter()
            .map(|c| {
                let cline = self.report.line_of(c.id.span().start);
                self.uuid(cline, &format!("{what} card"), c.id.get_ref());
                if c.text.is_some()
                    || c.image.is_some()
                    || c.proposal_a.is_some()
                    || c.proposal_b.is_some()
                    || c.solution.is_some()
                {
                    self.error(cline, format!("{what}: a flashcard has only `id`, `recto` and `verso`"));
                }
                let side = |c: &mut Self, name: &str, raw: Option<&RawSide>, style: Style| -> CardSide {
                    match raw {
                        Some(s) => {
                            if let Some(i) = &s.image {
                                c.media(
                                    cline,
                                    &format!("{what} {name} image"),
                                    i,
                                    &[".svg", ".png", ".jpg", ".jpeg", ".webp"],
                                );
                            }
                            CardSide {
                                text: c.text(cline, &format!("{what} {name}"), &s.text, style, false),
                                image: s.image.clone(),
                            }
                        }
                        None => {
                            c.error(cline, format!("{what}: a card needs a `{name}`"));
                            CardSide { text: Text::default(), image: None }
                        }
                    }
                };
                Flashcard {
                    id: c.id.get_ref().clone(),
                    recto: side(self, "recto", c.recto.as_ref(), Style::Plain),
                    verso: side(self, "verso", c.verso.as_ref(), Style::Markdown),
                }
            })
            .collect()
    }

    fn qab_cards(&mut self, line: usize, what: &str, raw: Option<&Spanned<Vec<RawCard>>>) -> Vec<QabCard> {
        let Some(raw) = raw else {
            self.error(line, format!("{what}: `cards` are required"));
            return Vec::new();
        };
        let n = raw.get_ref().len();
        if !(1..=6).contains(&n) {
            let l = self.report.line_of(raw.span().start).max(line);
            self.error(l, format!("{what}: from 1 to 6 cards, not {n}"));
        }
        raw.get_ref()
            .iter()
            .map(|c| {
                let cline = self.report.line_of(c.id.span().start);
                self.uuid(cline, &format!("{what} card"), c.id.get_ref());
                if c.recto.is_some() || c.verso.is_some() {
                    self.error(cline, format!("{what}: a QAB card has no `recto` or `verso`"));
                }
                let image = c.image.as_ref().map(|i| {
                    self.media(
                        cline,
                        &format!("{what} card image"),
                        &i.url,
                        &[".svg", ".png", ".jpg", ".jpeg", ".webp"],
                    );
                    (i.url.clone(), self.text(cline, &format!("{what} card image alt"), &i.alt, Style::Plain, true))
                });
                let text = match &c.text {
                    Some(t) => self.text(cline, &format!("{what} card text"), t, Style::Plain, true),
                    None => Text::default(),
                };
                if text.fr.is_empty() && image.is_none() {
                    self.error(cline, format!("{what}: a card needs a text or an image"));
                }
                let proposal_a = self.required_plain(cline, what, "proposal_a", c.proposal_a.as_ref());
                let proposal_b = self.required_plain(cline, what, "proposal_b", c.proposal_b.as_ref());
                let solution = match c.solution.as_deref() {
                    Some("A") => QabSide::A,
                    Some("B") => QabSide::B,
                    other => {
                        self.error(cline, format!("{what}: card solution {other:?} should be \"A\" or \"B\""));
                        QabSide::A
                    }
                };
                QabCard { id: c.id.get_ref().clone(), text, image, proposal_a, proposal_b, solution }
            })
            .collect()
    }

    fn grain(&mut self, raw: &RawGrain) -> Grain {
        let line = self.report.line_of(raw.kind.span().start);
        let id_line = self.report.line_of(raw.id.span().start);
        self.uuid(id_line, "grain", raw.id.get_ref());
        let kind = match raw.kind.get_ref().as_str() {
            "short-lesson" => GrainKind::ShortLesson,
            "discovery" => GrainKind::Discovery,
            "activity" => GrainKind::Activity,
            "challenge" => GrainKind::Challenge,
            "lesson" => GrainKind::Lesson,
            "summary" => GrainKind::Summary,
            "transition" => GrainKind::Transition,
            other => {
                self.error(
                    line,
                    format!("unknown grain type \"{other}\" (short-lesson, discovery, activity, challenge, lesson, summary, transition)"),
                );
                GrainKind::Lesson
            }
        };
        let title = self.text(line, "grain title", &raw.title, Style::Plain, true);
        if raw.components.is_empty() {
            self.error(id_line, "a grain needs at least one component");
        }
        let steppers: Vec<&RawElement> = raw.components.iter().filter(|c| c.kind.get_ref() == "stepper").collect();
        if steppers.len() > 1 {
            let l = self.report.line_of(steppers[1].kind.span().start);
            self.error(l, "a grain has at most one stepper");
        }
        if let Some(s) = steppers.first()
            && let Some(q) =
                raw.components.iter().find(|c| matches!(c.kind.get_ref().as_str(), "qcu" | "qcm" | "qrocm"))
        {
            let l = self.report.line_of(s.kind.span().start).max(self.report.line_of(q.kind.span().start));
            self.error(
                l,
                format!(
                    "a stepper cannot share its grain with a {} (put it in a step or another grain)",
                    q.kind.get_ref()
                ),
            );
        }
        let mut components = Vec::new();
        for c in &raw.components {
            if c.kind.get_ref() == "stepper" {
                if let Some(s) = self.stepper(c) {
                    components.push(Component::Stepper(s));
                }
            } else if let Some(e) = self.element(c, false) {
                components.push(Component::Element(e));
            }
        }
        Grain { id: raw.id.get_ref().clone(), kind, title, components }
    }

    fn stepper(&mut self, raw: &RawElement) -> Option<Stepper> {
        let line = self.report.line_of(raw.kind.span().start);
        for field in raw.given() {
            if !["instruction", "steps"].contains(&field) {
                self.error(line, format!("`{field}` does not belong to a stepper (only instruction and steps)"));
            }
        }
        let instruction = raw
            .instruction
            .as_ref()
            .map(|t| self.text(line, "stepper instruction", t, Style::Markdown, true))
            .unwrap_or_default();
        let steps = raw.steps.as_deref().unwrap_or_default();
        if steps.len() < 2 {
            self.error(line, format!("a stepper needs at least 2 steps, not {}", steps.len()));
        }
        let mut out = Vec::new();
        for step in steps {
            if step.elements.is_empty() {
                self.error(line, "each step of a stepper needs at least one element");
            }
            out.push(step.elements.iter().filter_map(|e| self.element(e, true)).collect());
        }
        Some(Stepper { instruction, steps: out })
    }
}

/// Reads every `modules/*.toml` file into `content.modules`, reporting every problem.
pub(super) fn load_modules<'a>(
    report: &mut Report<'a>,
    content: &mut Content,
    texts: &[(&'a super::SourceFile, Option<&'a str>)],
) {
    let mut modules = Vec::new();
    for (f, text) in texts.iter().filter(|(f, _)| f.path.starts_with("modules/")) {
        let text = text.unwrap_or_default();
        report.at(&f.path, text);
        let Some(raw) = parse_toml::<RawModule>(report, text) else {
            continue;
        };
        let errors_before = report.diagnostics.len();
        let mut c = Checker { report, content, ids: HashSet::new(), errors_before };
        if let Some(m) = module(&mut c, &f.path, text, raw) {
            modules.push(m);
        }
    }
    // Across modules: short ids and slugs are addresses.
    let mut short_ids: BTreeMap<&str, &str> = BTreeMap::new();
    let mut slugs: BTreeMap<&str, &str> = BTreeMap::new();
    for m in &modules {
        if let Some(other) = short_ids.insert(&m.short_id, &m.file) {
            report.diagnostics.push(super::Diagnostic {
                file: m.file.clone(),
                line: 0,
                message: format!("short_id \"{}\" is already the one of {other}", m.short_id),
            });
        }
        if let Some(other) = slugs.insert(&m.slug, &m.file) {
            report.diagnostics.push(super::Diagnostic {
                file: m.file.clone(),
                line: 0,
                message: format!("slug \"{}\" is already the one of {other}", m.slug),
            });
        }
    }
    modules.sort_by(|a, b| a.slug.cmp(&b.slug));
    content.modules = modules;
}

fn module(c: &mut Checker, file: &str, text: &str, raw: RawModule) -> Option<Module> {
    let line = |c: &Checker, offset: usize| c.report.line_of(offset);
    let l = line(c, raw.id.span().start);
    c.uuid(l, "module", raw.id.get_ref());
    let short_id = raw.short_id.get_ref().clone();
    if short_id.chars().count() != 8 || !short_id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
        let l = line(c, raw.short_id.span().start);
        c.error(l, format!("short_id \"{short_id}\" should be exactly 8 characters a–z or 0–9"));
    }
    let slug = raw.slug.get_ref().clone();
    let l = line(c, raw.slug.span().start);
    if slug.is_empty() || !slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        c.error(l, format!("slug \"{slug}\" should match [a-z0-9-]+"));
    } else if file != format!("modules/{slug}.toml") {
        c.error(l, format!("the file of the module \"{slug}\" should be modules/{slug}.toml"));
    }
    if c.content.competence_by_code(raw.competence.get_ref()).is_none() {
        let l = line(c, raw.competence.span().start);
        c.error(l, format!("unknown competence \"{}\"", raw.competence.get_ref()));
    }
    let visibility = match raw.visibility.get_ref().as_str() {
        "public" => Visibility::Public,
        "private" => Visibility::Private,
        other => {
            let l = line(c, raw.visibility.span().start);
            c.error(l, format!("visibility \"{other}\" should be public or private"));
            Visibility::Private
        }
    };
    let l = line(c, raw.title.span().start);
    let title = c.text(l, "module title", raw.title.get_ref(), Style::Plain, false);
    let details = details(c, raw.details);
    let glossary = raw
        .glossary
        .iter()
        .map(|g| {
            let l = line(c, g.id.span().start);
            c.uuid(l, "glossary entry", g.id.get_ref());
            GlossaryEntry {
                id: g.id.get_ref().clone(),
                word: c.text(l, "glossary word", &g.word, Style::Plain, false),
                definition: c.text(l, "glossary definition", &g.definition, Style::Markdown, false),
            }
        })
        .collect();
    if raw.sections.is_empty() {
        c.error(0, "a module needs at least one section");
    }
    let sections = raw
        .sections
        .iter()
        .map(|s| {
            let l = line(c, s.id.span().start);
            c.uuid(l, "section", s.id.get_ref());
            let kind = match s.kind.get_ref().as_str() {
                "question-yourself" => SectionKind::QuestionYourself,
                "explore-to-understand" => SectionKind::ExploreToUnderstand,
                "retain-the-essentials" => SectionKind::RetainTheEssentials,
                "practise" => SectionKind::Practise,
                "go-further" => SectionKind::GoFurther,
                "blank" => SectionKind::Blank,
                other => {
                    let l = line(c, s.kind.span().start);
                    c.error(l, format!("unknown section type \"{other}\" (question-yourself, explore-to-understand, retain-the-essentials, practise, go-further, blank)"));
                    SectionKind::Blank
                }
            };
            if s.grains.is_empty() {
                c.error(l, "a section needs at least one grain");
            }
            Section { id: s.id.get_ref().clone(), kind, grains: s.grains.iter().map(|g| c.grain(g)).collect() }
        })
        .collect();
    if c.report.diagnostics.len() > c.errors_before {
        return None;
    }
    Some(Module {
        id: raw.id.into_inner(),
        short_id,
        slug,
        competence: raw.competence.into_inner(),
        is_beta: raw.is_beta,
        visibility,
        title,
        details,
        glossary,
        sections,
        version: Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect(),
        file: file.to_owned(),
    })
}

fn details(c: &mut Checker, raw: Spanned<RawDetails>) -> Details {
    let d = raw.into_inner();
    let l = c.report.line_of(d.image.span().start);
    c.media(l, "details image", d.image.get_ref(), &[".svg", ".png", ".jpg", ".jpeg", ".webp"]);
    let l = c.report.line_of(d.description.span().start);
    let description = c.text(l, "details description", d.description.get_ref(), Style::Markdown, false);
    let l = c.report.line_of(d.duration.span().start);
    let duration = match *d.duration.get_ref() {
        n @ 0..=120 => n as u32,
        n => {
            c.error(l, format!("duration {n} should be from 0 to 120 minutes"));
            0
        }
    };
    let l = c.report.line_of(d.level.span().start);
    let level = match d.level.get_ref().as_str() {
        "novice" => Level::Novice,
        "independent" => Level::Independent,
        "advanced" => Level::Advanced,
        "expert" => Level::Expert,
        other => {
            c.error(l, format!("level \"{other}\" should be novice, independent, advanced or expert"));
            Level::Novice
        }
    };
    let l = c.report.line_of(d.tablet_support.span().start);
    let tablet_support = match d.tablet_support.get_ref().as_str() {
        "comfortable" => TabletSupport::Comfortable,
        "inconvenient" => TabletSupport::Inconvenient,
        "obstructed" => TabletSupport::Obstructed,
        other => {
            c.error(l, format!("tablet_support \"{other}\" should be comfortable, inconvenient or obstructed"));
            TabletSupport::Comfortable
        }
    };
    let l = c.report.line_of(d.objectives.span().start);
    if d.objectives.get_ref().is_empty() {
        c.error(l, "at least one objective");
    }
    let objectives = d.objectives.get_ref().iter().map(|o| c.text(l, "objective", o, Style::Markdown, false)).collect();
    Details { image: d.image.into_inner(), description, duration, level, tablet_support, objectives }
}
