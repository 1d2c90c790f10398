//! Reading content files, validating them, and building the [`Content`] index.
//!
//! Loading never stops at the first mistake: every problem is collected as a [`Diagnostic`]
//! (`file:line: message`) so that an author can fix them all in one pass.

use std::collections::{BTreeMap, HashMap, HashSet};

use pulldown_cmark::{Event, Parser};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

mod modules;

use crate::{
    model::*,
    syntax::{self, parse_qcm_solution, parse_qcu_solution, parse_variants, parse_yaml_map},
};

/// One problem found in the content, located in a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// File path relative to the content folder.
    pub file: String,
    /// 1-based line (0 when the problem concerns the whole file).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// One file of a content folder.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the content folder, with `/` separators.
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// What the checker demands beyond validity.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Every learner-facing text must exist in English too (true for the demo content).
    pub require_english: bool,
}

// ------------------------------------------------------------------ raw file shapes

#[derive(Deserialize)]
#[serde(untagged)]
enum RawText {
    Same(String),
    Per(BTreeMap<String, String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAreas {
    areas: Vec<RawArea>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArea {
    code: Spanned<String>,
    colour: String,
    title: RawText,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompetence {
    code: Spanned<String>,
    area: Spanned<String>,
    name: RawText,
    description: RawText,
    #[serde(default)]
    tubes: Vec<RawTube>,
    #[serde(default)]
    skills: Vec<RawSkill>,
    #[serde(default)]
    challenges: Vec<RawChallenge>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTube {
    name: Spanned<String>,
    title: RawText,
    description: RawText,
    #[serde(default = "yes")]
    mobile: bool,
    #[serde(default = "yes")]
    tablet: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSkill {
    name: Spanned<String>,
    status: String,
    hint: Option<RawText>,
    #[serde(default)]
    tutorials: Vec<String>,
    #[serde(default)]
    learn_more: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIllustration {
    file: String,
    alt: Option<RawText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChallenge {
    id: Spanned<String>,
    skill: String,
    #[serde(rename = "type")]
    kind: String,
    status: String,
    instruction: RawText,
    proposals: RawText,
    solution: RawText,
    solution_to_display: Option<RawText>,
    tolerances: Option<Vec<String>>,
    timer: Option<i64>,
    #[serde(default)]
    focused: bool,
    #[serde(default)]
    shuffled: bool,
    format: Option<String>,
    illustration: Option<RawIllustration>,
    #[serde(default)]
    attachments: Vec<String>,
    locales: Option<Vec<String>>,
    #[serde(default = "yes")]
    blind_ok: bool,
    #[serde(default = "yes")]
    colour_blind_ok: bool,
    discrimination: Option<f64>,
    difficulty: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTutorials {
    tutorials: Vec<RawTutorial>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTutorial {
    id: Spanned<String>,
    title: String,
    link: String,
    source: String,
    format: String,
    duration: String,
    locale: String,
}

// ------------------------------------------------------------------ diagnostics helpers

struct Report<'a> {
    options: LoadOptions,
    diagnostics: Vec<Diagnostic>,
    file: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Report<'a> {
    fn at(&mut self, file: &'a str, text: &str) {
        self.file = file;
        self.line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    }

    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|start| *start <= offset)
    }

    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic { file: self.file.to_owned(), line, message: message.into() });
    }

    /// Converts a raw text, reporting missing languages, unknown keys and raw HTML.
    fn text(&mut self, line: usize, what: &str, raw: &RawText, markdown: bool) -> Text {
        let text = match raw {
            RawText::Same(s) => Text { fr: s.clone(), en: s.clone() },
            RawText::Per(map) => {
                for key in map.keys() {
                    if key != "fr" && key != "en" {
                        self.error(line, format!("{what}: unknown language \"{key}\" (use fr and en)"));
                    }
                }
                Text { fr: map.get("fr").cloned().unwrap_or_default(), en: map.get("en").cloned().unwrap_or_default() }
            }
        };
        if text.fr.trim().is_empty() {
            self.error(line, format!("{what}: missing French text"));
        }
        if self.options.require_english && text.en.trim().is_empty() {
            self.error(line, format!("{what}: missing English text"));
        }
        if markdown {
            for (lang, s) in [("fr", &text.fr), ("en", &text.en)] {
                if has_raw_html(s) {
                    self.error(line, format!("{what} ({lang}): raw HTML is not allowed in Markdown"));
                }
            }
        }
        text
    }

    /// A per-language value parsed by `parse`, reporting errors per language.
    fn localized<T>(
        &mut self,
        line: usize,
        what: &str,
        raw: &RawText,
        mut parse: impl FnMut(&str) -> Result<T, String>,
    ) -> Option<Localized<T>> {
        let (fr, en) = match raw {
            RawText::Same(s) => (Some(s.as_str()), None),
            RawText::Per(map) => (map.get("fr").map(String::as_str), map.get("en").map(String::as_str)),
        };
        let Some(fr) = fr else {
            self.error(line, format!("{what}: missing French text"));
            return None;
        };
        let fr = match parse(fr) {
            Ok(v) => v,
            Err(e) => {
                self.error(line, format!("{what}: {e}"));
                return None;
            }
        };
        let en = match en {
            None => {
                if self.options.require_english && matches!(raw, RawText::Per(_)) {
                    self.error(line, format!("{what}: missing English text"));
                }
                None
            }
            Some(en) => match parse(en) {
                Ok(v) => Some(v),
                Err(e) => {
                    self.error(line, format!("{what} (en): {e}"));
                    return None;
                }
            },
        };
        Some(Localized { fr, en })
    }
}

/// True when Markdown contains raw HTML (forbidden: instructions are rendered with HTML escaped).
pub fn has_raw_html(markdown: &str) -> bool {
    Parser::new(markdown).any(|e| matches!(e, Event::Html(_) | Event::InlineHtml(_)))
}

fn parse_toml<'de, T: Deserialize<'de>>(report: &mut Report, text: &'de str) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let line = e.span().map(|s| report.line_of(s.start)).unwrap_or(0);
            let message = e.message().replace('\n', " ");
            report.error(line, format!("invalid file: {message}"));
            None
        }
    }
}

fn content_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    Some(match ext.as_str() {
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "csv" => "text/csv; charset=utf-8",
        "txt" | "py" => "text/plain; charset=utf-8",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "odp" => "application/vnd.oasis.opendocument.presentation",
        // Learning modules' media (docs/modules.md); their HTML pages are served sandboxed.
        "vtt" => "text/vtt; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "webm" => "video/webm",
        "mp4" => "video/mp4",
        "ogg" => "audio/ogg",
        "mp3" => "audio/mpeg",
        _ => return None,
    })
}

/// A version identifier: SHA-256 over every file's path and bytes, in path order (16 hex digits).
pub fn version_of(files: &[SourceFile]) -> String {
    let mut sorted: Vec<&SourceFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut hasher = Sha256::new();
    for f in sorted {
        hasher.update((f.path.len() as u64).to_le_bytes());
        hasher.update(f.path.as_bytes());
        hasher.update((f.bytes.len() as u64).to_le_bytes());
        hasher.update(&f.bytes);
    }
    hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

struct PendingSkill {
    file: String,
    line: usize,
    raw_tutorials: Vec<String>,
    raw_learn_more: Vec<String>,
}

struct PendingChallenge {
    file: String,
    line: usize,
    skill_name: String,
}

/// Loads and validates content files. Returns the index, or every problem found.
pub fn load(files: &[SourceFile], options: LoadOptions) -> Result<Content, Vec<Diagnostic>> {
    let mut report = Report { options, diagnostics: Vec::new(), file: "", line_starts: Vec::new() };
    let mut content = Content { version: version_of(files), ..Content::default() };

    // Media first: later checks look files up.
    for f in files {
        if let Some(name) = f.path.strip_prefix("media/") {
            match content_type(name) {
                Some(ct) => {
                    content.media.insert(
                        name.to_owned(),
                        Media { name: name.to_owned(), content_type: ct, bytes: f.bytes.clone() },
                    );
                }
                None => {
                    report.at(&f.path, "");
                    report.error(
                        0,
                        "unsupported media type (use svg, png, jpg, webp, csv, txt, json, pdf, odt, ods, odp, vtt, html, webm, mp4, ogg, mp3)",
                    );
                }
            }
        }
    }

    let texts: Vec<(&SourceFile, Option<&str>)> =
        files.iter().filter(|f| f.path.ends_with(".toml")).map(|f| (f, std::str::from_utf8(&f.bytes).ok())).collect();

    // Areas.
    let mut area_codes: HashMap<String, AreaIdx> = HashMap::new();
    let areas_file = texts.iter().find(|(f, _)| f.path == "areas.toml");
    match areas_file {
        None => {
            report.at("areas.toml", "");
            report.error(0, "missing file areas.toml");
        }
        Some((f, text)) => {
            let text = text.unwrap_or_default();
            report.at(&f.path, text);
            if let Some(raw) = parse_toml::<RawAreas>(&mut report, text) {
                for a in raw.areas {
                    let line = report.line_of(a.code.span().start);
                    let code = a.code.into_inner();
                    let title = report.text(line, &format!("area {code} title"), &a.title, false);
                    if area_codes.contains_key(&code) {
                        report.error(line, format!("duplicate area code \"{code}\""));
                        continue;
                    }
                    area_codes.insert(code.clone(), AreaIdx(content.areas.len() as u32));
                    content.areas.push(Area { code, colour: a.colour, title, competences: Vec::new() });
                }
            }
        }
    }

    // Tutorials.
    for (f, text) in texts.iter().filter(|(f, _)| f.path.starts_with("tutorials/")) {
        let text = text.unwrap_or_default();
        report.at(&f.path, text);
        let Some(raw) = parse_toml::<RawTutorials>(&mut report, text) else {
            continue;
        };
        for t in raw.tutorials {
            let line = report.line_of(t.id.span().start);
            let id = t.id.into_inner();
            let locale = match t.locale.as_str() {
                "fr" => Locale::Fr,
                "en" => Locale::En,
                other => {
                    report.error(line, format!("tutorial \"{id}\": unknown locale \"{other}\""));
                    Locale::Fr
                }
            };
            if !(t.link.starts_with("https://") || t.link.starts_with("http://")) {
                report.error(line, format!("tutorial \"{id}\": link must be an http(s) URL"));
            }
            if t.title.trim().is_empty() {
                report.error(line, format!("tutorial \"{id}\": missing title"));
            }
            if content.by_tutorial_id.contains_key(&id) {
                report.error(line, format!("duplicate tutorial id \"{id}\""));
                continue;
            }
            content.by_tutorial_id.insert(id.clone(), TutorialIdx(content.tutorials.len() as u32));
            content.tutorials.push(Tutorial {
                id,
                title: t.title,
                link: t.link,
                source: t.source,
                format: t.format,
                duration: t.duration,
                locale,
            });
        }
    }

    // Competences with their tubes, skills and challenges.
    let mut pending_skills: Vec<PendingSkill> = Vec::new();
    let mut pending_challenges: Vec<PendingChallenge> = Vec::new();
    let mut competence_files: Vec<&(&SourceFile, Option<&str>)> =
        texts.iter().filter(|(f, _)| f.path.starts_with("competences/")).collect();
    competence_files.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    for (f, text) in competence_files {
        let Some(text) = text else {
            report.at(&f.path, "");
            report.error(0, "file is not valid UTF-8");
            continue;
        };
        report.at(&f.path, text);
        let Some(raw) = parse_toml::<RawCompetence>(&mut report, text) else {
            continue;
        };
        let code_line = report.line_of(raw.code.span().start);
        let code = raw.code.into_inner();
        if content.by_competence_code.contains_key(&code) {
            report.error(code_line, format!("duplicate competence code \"{code}\""));
            continue;
        }
        let area_line = report.line_of(raw.area.span().start);
        let area = match area_codes.get(raw.area.get_ref()) {
            Some(a) => *a,
            None => {
                report.error(area_line, format!("unknown area \"{}\"", raw.area.get_ref()));
                AreaIdx(0)
            }
        };
        let name = report.text(code_line, &format!("competence {code} name"), &raw.name, false);
        let description = report.text(code_line, &format!("competence {code} description"), &raw.description, false);
        let cidx = CompetenceIdx(content.competences.len() as u32);
        content.by_competence_code.insert(code.clone(), cidx);
        if let Some(a) = content.areas.get_mut(area.index()) {
            a.competences.push(cidx);
        }
        let mut competence =
            Competence { code: code.clone(), area, name, description, tubes: Vec::new(), active_skills: Vec::new() };

        for t in raw.tubes {
            let line = report.line_of(t.name.span().start);
            let tube_name = t.name.into_inner();
            if !tube_name.starts_with('@')
                || tube_name.len() < 2
                || !tube_name[1..].chars().all(|c| c.is_ascii_alphabetic())
            {
                report.error(line, format!("tube name \"{tube_name}\" must be '@' followed by letters"));
            }
            let title = report.text(line, &format!("tube {tube_name} title"), &t.title, false);
            let description = report.text(line, &format!("tube {tube_name} description"), &t.description, false);
            if content.by_tube_name.contains_key(&tube_name) {
                report.error(line, format!("duplicate tube name \"{tube_name}\""));
                continue;
            }
            let tidx = TubeIdx(content.tubes.len() as u32);
            content.by_tube_name.insert(tube_name.clone(), tidx);
            competence.tubes.push(tidx);
            content.tubes.push(Tube {
                name: tube_name,
                competence: cidx,
                title,
                description,
                mobile: t.mobile,
                tablet: t.tablet,
                skills: Vec::new(),
            });
        }

        for s in raw.skills {
            let line = report.line_of(s.name.span().start);
            let skill_name = s.name.into_inner();
            let status = match s.status.as_str() {
                "active" => SkillStatus::Active,
                "archived" => SkillStatus::Archived,
                "obsolete" => SkillStatus::Obsolete,
                other => {
                    report.error(
                        line,
                        format!("skill \"{skill_name}\": unknown status \"{other}\" (active, archived, obsolete)"),
                    );
                    SkillStatus::Obsolete
                }
            };
            // Name = tube name + one level digit 1–8.
            let (tube_part, level_part) = skill_name.split_at(skill_name.len().saturating_sub(1));
            let level = match level_part.parse::<u8>() {
                Ok(l) if (1..=8).contains(&l) => l,
                Ok(l) => {
                    report.error(line, format!("skill \"{skill_name}\": level {l} is outside 1–8"));
                    continue;
                }
                Err(_) => {
                    report.error(line, format!("skill \"{skill_name}\": name must end with its level (1–8)"));
                    continue;
                }
            };
            let Some(tube) = content.by_tube_name.get(tube_part).copied() else {
                report.error(line, format!("skill \"{skill_name}\": no tube \"{tube_part}\" matches its name"));
                continue;
            };
            if content.tube(tube).competence != cidx {
                report
                    .error(line, format!("skill \"{skill_name}\": tube \"{tube_part}\" belongs to another competence"));
                continue;
            }
            let hint = s.hint.as_ref().map(|h| report.text(line, &format!("skill {skill_name} hint"), h, true));
            if content.by_skill_name.contains_key(&skill_name) {
                report.error(line, format!("duplicate skill \"{skill_name}\""));
                continue;
            }
            let sidx = SkillIdx(content.skills.len() as u32);
            content.by_skill_name.insert(skill_name.clone(), sidx);
            content.tubes[tube.index()].skills.push(sidx);
            content.skills.push(Skill {
                name: skill_name,
                tube,
                competence: cidx,
                level,
                status,
                pix_value: 0.0,
                hint,
                tutorials: Vec::new(),
                learn_more: Vec::new(),
                challenges: Vec::new(),
                archived_challenges: Vec::new(),
            });
            pending_skills.push(PendingSkill {
                file: f.path.clone(),
                line,
                raw_tutorials: s.tutorials,
                raw_learn_more: s.learn_more,
            });
        }

        for c in raw.challenges {
            let line = report.line_of(c.id.span().start);
            let id = c.id.get_ref().clone();
            if let Some(ch) = build_challenge(&mut report, &content, line, &id, &c) {
                if content.by_challenge_id.contains_key(&id) {
                    report.error(line, format!("duplicate challenge id \"{id}\""));
                    continue;
                }
                content.by_challenge_id.insert(id, ChallengeIdx(content.challenges.len() as u32));
                content.challenges.push(ch);
                pending_challenges.push(PendingChallenge { file: f.path.clone(), line, skill_name: c.skill.clone() });
            }
        }
        content.competences.push(competence);
    }

    // Cross references: skills → tutorials.
    for (i, p) in pending_skills.iter().enumerate() {
        let resolve = |ids: &[String], diagnostics: &mut Vec<Diagnostic>| -> Vec<TutorialIdx> {
            ids.iter()
                .filter_map(|id| {
                    let found = content.by_tutorial_id.get(id).copied();
                    if found.is_none() {
                        diagnostics.push(Diagnostic {
                            file: p.file.clone(),
                            line: p.line,
                            message: format!("skill \"{}\": unknown tutorial \"{id}\"", content.skills[i].name),
                        });
                    }
                    found
                })
                .collect()
        };
        let tutorials = resolve(&p.raw_tutorials, &mut report.diagnostics);
        let learn_more = resolve(&p.raw_learn_more, &mut report.diagnostics);
        content.skills[i].tutorials = tutorials;
        content.skills[i].learn_more = learn_more;
    }

    // Challenges → skills (the challenge was built with a placeholder skill index).
    for (i, p) in pending_challenges.iter().enumerate() {
        match content.by_skill_name.get(&p.skill_name).copied() {
            Some(s) => {
                content.challenges[i].skill = s;
                let c = &mut content.challenges[i];
                if c.discrimination.is_nan() {
                    c.discrimination = 1.2;
                }
                if c.difficulty.is_nan() {
                    c.difficulty = (f64::from(content.skills[s.index()].level) - 4.0) * 0.9;
                }
                if content.challenges[i].status == ChallengeStatus::Validated {
                    content.skills[s.index()].challenges.push(ChallengeIdx(i as u32));
                }
            }
            None => report.diagnostics.push(Diagnostic {
                file: p.file.clone(),
                line: p.line,
                message: format!("challenge \"{}\": unknown skill \"{}\"", content.challenges[i].id, p.skill_name),
            }),
        }
    }

    // Active skills need a validated challenge.
    for (i, p) in pending_skills.iter().enumerate() {
        let s = &content.skills[i];
        if s.status == SkillStatus::Active && s.challenges.is_empty() {
            report.diagnostics.push(Diagnostic {
                file: p.file.clone(),
                line: p.line,
                message: format!("active skill \"{}\" has no validated challenge", s.name),
            });
        }
    }

    modules::load_modules(&mut report, &mut content, &texts);

    finish_index(&mut content);
    if report.diagnostics.is_empty() {
        Ok(content)
    } else {
        report.diagnostics.sort();
        report.diagnostics.dedup();
        Err(report.diagnostics)
    }
}

/// Sorts tube skills by level, fills competence skill lists and computes pix values.
fn finish_index(content: &mut Content) {
    let skills = &content.skills;
    for tube in &mut content.tubes {
        tube.skills.sort_by_key(|s| (skills[s.index()].level, s.0));
    }
    // pix value = min(4, 8 / active skills with a validated challenge, same competence and level).
    let mut counts: HashMap<(CompetenceIdx, u8), u32> = HashMap::new();
    let counted = |s: &Skill| s.status == SkillStatus::Active && !s.challenges.is_empty();
    for s in content.skills.iter().filter(|s| counted(s)) {
        *counts.entry((s.competence, s.level)).or_default() += 1;
    }
    for s in &mut content.skills {
        s.pix_value = if counted(s) { (8.0 / f64::from(counts[&(s.competence, s.level)])).min(4.0) } else { 0.0 };
    }
    for (ci, comp) in content.competences.iter_mut().enumerate() {
        let mut active: Vec<SkillIdx> = content
            .skills
            .iter()
            .enumerate()
            .filter(|(_, s)| s.competence.index() == ci && counted(s))
            .map(|(i, _)| SkillIdx(i as u32))
            .collect();
        active.sort_by(|a, b| {
            let (sa, sb) = (&content.skills[a.index()], &content.skills[b.index()]);
            (sa.level, &sa.name).cmp(&(sb.level, &sb.name))
        });
        comp.active_skills = active;
    }
}

fn build_challenge(
    report: &mut Report,
    content: &Content,
    line: usize,
    id: &str,
    c: &RawChallenge,
) -> Option<Challenge> {
    let what = |field: &str| format!("challenge \"{id}\" {field}");
    let errors_before = report.diagnostics.len();
    let Some(kind) = ChallengeType::parse(&c.kind) else {
        report.error(
            line,
            format!("challenge \"{id}\": unknown type \"{}\" (QCU, QCM, QROC, QROCM-ind, QROCM-dep)", c.kind),
        );
        return None;
    };
    let status = match c.status.as_str() {
        "validated" => ChallengeStatus::Validated,
        "archived" => ChallengeStatus::Archived,
        "obsolete" => ChallengeStatus::Obsolete,
        other => {
            report
                .error(line, format!("challenge \"{id}\": unknown status \"{other}\" (validated, archived, obsolete)"));
            ChallengeStatus::Obsolete
        }
    };
    let instruction = report.text(line, &what("instruction"), &c.instruction, true);
    let choices = matches!(kind, ChallengeType::Qcu | ChallengeType::Qcm);
    let proposals = report.localized(line, &what("proposals"), &c.proposals, |t| syntax::parse_proposals(choices, t));
    let solution = report.localized(line, &what("solution"), &c.solution, |t| match kind {
        ChallengeType::Qcu => parse_qcu_solution(t),
        ChallengeType::Qcm => parse_qcm_solution(t),
        ChallengeType::Qroc => parse_variants(t),
        ChallengeType::QrocmInd | ChallengeType::QrocmDep => parse_yaml_map(t).map(Solution::Map),
    });
    let solution_to_display =
        c.solution_to_display.as_ref().map(|s| report.text(line, &what("solution_to_display"), s, true));

    if let (Some(p), Some(s)) = (&proposals, &solution) {
        for locale in [Locale::Fr, Locale::En] {
            check_solution(report, line, id, kind, p.get(locale), s.get(locale), locale);
        }
        // Same number of proposals / same input keys in both languages.
        if let Some(en) = &p.en {
            match (&p.fr, en) {
                (Proposals::Choices(a), Proposals::Choices(b)) if a.len() != b.len() => {
                    report.error(
                        line,
                        format!("challenge \"{id}\": {} proposals in French but {} in English", a.len(), b.len()),
                    );
                }
                (fr @ Proposals::Blocks(_), en @ Proposals::Blocks(_)) => {
                    let keys = |p: &Proposals| p.inputs().map(|i| i.key.clone()).collect::<Vec<_>>();
                    if keys(fr) != keys(en) {
                        report.error(line, format!("challenge \"{id}\": input keys differ between French and English"));
                    }
                }
                _ => {}
            }
        }
        for input in p.fr.inputs().chain(p.en.iter().flat_map(|e| e.inputs())) {
            if input.label.is_none() {
                report.error(line, format!("challenge \"{id}\": input \"{}\" has no label (add §label)", input.key));
            }
        }
    }

    let tolerances = match &c.tolerances {
        None => Tolerances::ALL,
        Some(list) => {
            let mut t = Tolerances::NONE;
            for name in list {
                match name.as_str() {
                    "t1" => t.t1 = true,
                    "t2" => t.t2 = true,
                    "t3" => t.t3 = true,
                    other => {
                        report.error(line, format!("challenge \"{id}\": unknown tolerance \"{other}\" (t1, t2, t3)"))
                    }
                }
            }
            t
        }
    };
    let timer = match c.timer {
        None => None,
        Some(t) if t > 0 && t <= 3600 => Some(t as u32),
        Some(t) => {
            report.error(
                line,
                format!("challenge \"{id}\": timer must be a positive number of seconds (at most 3600), got {t}"),
            );
            None
        }
    };
    let numeric = match c.format.as_deref() {
        None => false,
        Some("number") => true,
        Some(other) => {
            report.error(line, format!("challenge \"{id}\": unknown format \"{other}\" (only \"number\")"));
            false
        }
    };
    if numeric && kind != ChallengeType::Qroc {
        report.error(line, format!("challenge \"{id}\": format \"number\" applies to QROC only"));
    }
    let illustration = c.illustration.as_ref().map(|ill| {
        if !content.media.contains_key(&ill.file) {
            report.error(line, format!("challenge \"{id}\": media file \"{}\" not found in media/", ill.file));
        }
        let alt = match &ill.alt {
            Some(alt) => report.text(line, &what("illustration alt text"), alt, false),
            None => {
                report.error(line, format!("challenge \"{id}\": illustration without alt text"));
                Text::default()
            }
        };
        Illustration { file: ill.file.clone(), alt }
    });
    for a in &c.attachments {
        if !content.media.contains_key(a) {
            report.error(line, format!("challenge \"{id}\": media file \"{a}\" not found in media/"));
        }
    }
    let locales = match &c.locales {
        None => vec![Locale::Fr, Locale::En],
        Some(list) => list
            .iter()
            .filter_map(|l| match l.as_str() {
                "fr" => Some(Locale::Fr),
                "en" => Some(Locale::En),
                other => {
                    report.error(line, format!("challenge \"{id}\": unknown locale \"{other}\""));
                    None
                }
            })
            .collect(),
    };
    for (name, value) in [("discrimination", c.discrimination), ("difficulty", c.difficulty)] {
        if value.is_some_and(|v| !v.is_finite()) {
            report.error(line, format!("challenge \"{id}\": {name} must be a finite number"));
        }
    }
    if c.discrimination.is_some_and(|a| a <= 0.0) {
        report.error(line, format!("challenge \"{id}\": discrimination must be positive"));
    }
    if report.diagnostics.len() > errors_before {
        return None;
    }
    Some(Challenge {
        id: id.to_owned(),
        skill: SkillIdx(u32::MAX),
        kind,
        status,
        instruction,
        proposals: proposals?,
        solution: solution?,
        solution_to_display,
        tolerances,
        timer,
        focused: c.focused,
        shuffled: c.shuffled,
        numeric,
        illustration,
        attachments: c.attachments.clone(),
        locales,
        blind_ok: c.blind_ok,
        colour_blind_ok: c.colour_blind_ok,
        // NaN marks "derive from the skill level" once the skill is known.
        discrimination: c.discrimination.unwrap_or(f64::NAN),
        difficulty: c.difficulty.unwrap_or(f64::NAN),
    })
}

fn check_solution(
    report: &mut Report,
    line: usize,
    id: &str,
    kind: ChallengeType,
    proposals: &Proposals,
    solution: &Solution,
    locale: Locale,
) {
    let lang = locale.code();
    match (kind, proposals, solution) {
        (ChallengeType::Qcu, Proposals::Choices(choices), Solution::Index(i)) => {
            if *i as usize > choices.len() {
                report.error(
                    line,
                    format!("challenge \"{id}\" ({lang}): solution {i} is outside the {} proposals", choices.len()),
                );
            }
        }
        (ChallengeType::Qcm, Proposals::Choices(choices), Solution::Indexes(list)) => {
            for i in list {
                if *i as usize > choices.len() {
                    report.error(
                        line,
                        format!("challenge \"{id}\" ({lang}): solution {i} is outside the {} proposals", choices.len()),
                    );
                }
            }
        }
        (ChallengeType::Qroc, p @ Proposals::Blocks(_), Solution::Variants(variants)) => {
            let inputs: Vec<_> = p.inputs().collect();
            if inputs.len() != 1 {
                report.error(
                    line,
                    format!("challenge \"{id}\" ({lang}): a QROC must have exactly one input, found {}", inputs.len()),
                );
            } else if let Some(options) = &inputs[0].options {
                for v in variants {
                    if !options.contains(v) {
                        report.error(
                            line,
                            format!("challenge \"{id}\" ({lang}): select answer \"{v}\" is not among its options"),
                        );
                    }
                }
            }
        }
        (ChallengeType::QrocmInd | ChallengeType::QrocmDep, p @ Proposals::Blocks(_), Solution::Map(map)) => {
            let inputs: Vec<_> = p.inputs().collect();
            if inputs.len() < 2 {
                report.error(line, format!("challenge \"{id}\" ({lang}): a QROCM needs at least two inputs"));
            }
            let input_keys: HashSet<&str> = inputs.iter().map(|i| i.key.as_str()).collect();
            if kind == ChallengeType::QrocmInd {
                let solution_keys: HashSet<&str> = map.iter().map(|(k, _)| k.as_str()).collect();
                if input_keys != solution_keys {
                    let mut missing: Vec<_> = input_keys.difference(&solution_keys).collect();
                    let mut extra: Vec<_> = solution_keys.difference(&input_keys).collect();
                    missing.sort();
                    extra.sort();
                    report.error(
                        line,
                        format!("challenge \"{id}\" ({lang}): inputs and solution keys differ (inputs without solution: {missing:?}; solution keys without input: {extra:?})"),
                    );
                }
                for input in &inputs {
                    if let (Some(options), Some((_, variants))) =
                        (&input.options, map.iter().find(|(k, _)| *k == input.key))
                    {
                        for v in variants {
                            if !options.contains(v) {
                                report.error(line, format!("challenge \"{id}\" ({lang}): select answer \"{v}\" for \"{}\" is not among its options", input.key));
                            }
                        }
                    }
                }
            } else if map.len() < inputs.len() {
                report.error(
                    line,
                    format!(
                        "challenge \"{id}\" ({lang}): {} inputs but only {} answer groups",
                        inputs.len(),
                        map.len()
                    ),
                );
            }
        }
        _ => report
            .error(line, format!("challenge \"{id}\" ({lang}): proposals or solution do not fit type {}", kind.name())),
    }
}
