//! What the pages and the API show of a module: everything but solutions and feedback.

use content::{
    Locale,
    module::{Component, Element, ElementKind, Level, Module, QrocmBlock, SectionKind},
};
use serde_json::{Value, json};

/// A level's name in the API.
pub fn level_name(l: Level) -> &'static str {
    match l {
        Level::Novice => "novice",
        Level::Independent => "independent",
        Level::Advanced => "advanced",
        Level::Expert => "expert",
    }
}

/// A section kind's name in the files and the API.
pub fn section_name(k: SectionKind) -> &'static str {
    match k {
        SectionKind::QuestionYourself => "question-yourself",
        SectionKind::ExploreToUnderstand => "explore-to-understand",
        SectionKind::RetainTheEssentials => "retain-the-essentials",
        SectionKind::Practise => "practise",
        SectionKind::GoFurther => "go-further",
        SectionKind::Blank => "blank",
    }
}

/// A media path as a URL.
pub fn media_url(path: &str) -> String {
    format!("/media/{path}")
}

/// The sections of a module, without solutions or feedback.
pub fn sections_json(m: &Module, l: Locale) -> Value {
    json!(
        m.sections
            .iter()
            .map(|s| json!({
                "id": s.id,
                "type": section_name(s.kind),
                "grains": s.grains.iter().map(|g| json!({
                    "id": g.id,
                    "title": g.title.get(l),
                    "components": g.components.iter().map(|c| match c {
                        Component::Element(e) => json!({ "type": "element", "element": element_json(e, l) }),
                        Component::Stepper(st) => json!({
                            "type": "stepper",
                            "instruction": st.instruction.get(l),
                            "steps": st.steps.iter().map(|step| json!({ "elements": step.iter().map(|e| element_json(e, l)).collect::<Vec<_>>() })).collect::<Vec<_>>(),
                        }),
                    }).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            }))
            .collect::<Vec<_>>()
    )
}

/// One element as a client sees it before answering.
pub fn element_json(e: &Element, l: Locale) -> Value {
    let t = |x: &content::Text| x.get(l).to_owned();
    let mut v = match &e.kind {
        ElementKind::Text { content, .. } => json!({ "content": t(content) }),
        ElementKind::Image { url, alt, alternative_text, legend, licence } => json!({
            "url": media_url(url), "alt": t(alt), "alternative_text": alternative_text.as_ref().map(t),
            "legend": legend.as_ref().map(t), "licence": licence.as_ref().map(t),
        }),
        ElementKind::Video { title, url, poster, subtitles, transcription } => json!({
            "title": t(title), "url": media_url(url), "poster": poster.as_deref().map(media_url),
            "subtitles": media_url(subtitles.get(l)), "transcription": t(transcription),
        }),
        ElementKind::ShortVideo { title, url, transcription } | ElementKind::Audio { title, url, transcription } => {
            json!({ "title": t(title), "url": media_url(url), "transcription": t(transcription) })
        }
        ElementKind::Download { files } => {
            json!({ "files": files.iter().map(|f| json!({ "url": media_url(&f.url), "format": f.format })).collect::<Vec<_>>() })
        }
        ElementKind::Separator => json!({}),
        ElementKind::Expand { title, content } => json!({ "title": t(title), "content": t(content) }),
        ElementKind::Embed { title, url, instruction, solution, height, is_completion_required } => json!({
            "title": t(title), "url": media_url(url), "instruction": instruction.as_ref().map(t), "height": height,
            "is_completion_required": is_completion_required, "has_solution": solution.is_some(),
        }),
        ElementKind::Qcu(q) | ElementKind::QcuDiscovery(q) => json!({
            "instruction": t(&q.instruction), "has_short_proposals": q.has_short_proposals,
            "proposals": q.proposals.iter().map(|p| json!({ "id": p.id, "content": t(&p.content) })).collect::<Vec<_>>(),
        }),
        ElementKind::QcuDeclarative { instruction, proposals } => json!({
            "instruction": t(instruction),
            "proposals": proposals.iter().map(|p| json!({ "id": p.id, "content": t(&p.content) })).collect::<Vec<_>>(),
        }),
        ElementKind::Qcm { instruction, proposals, .. }
        | ElementKind::QcmDeclarative { instruction, proposals, .. } => {
            json!({
                "instruction": t(instruction),
                "proposals": proposals.iter().map(|p| json!({ "id": p.id, "content": t(&p.content) })).collect::<Vec<_>>(),
            })
        }
        ElementKind::Qrocm { instruction, blocks, .. } => json!({
            "instruction": t(instruction),
            "proposals": blocks.iter().map(|b| match b {
                QrocmBlock::Text(c) => json!({ "type": "text", "content": t(c) }),
                QrocmBlock::Input { key, input_type, size, display, placeholder, aria_label, .. } => json!({
                    "type": "input", "input": key, "input_type": if *input_type == content::module::InputType::Number { "number" } else { "text" },
                    "size": size, "display": if *display == content::module::Display::Block { "block" } else { "inline" },
                    "placeholder": t(placeholder), "aria_label": t(aria_label),
                }),
                QrocmBlock::Select { key, display, placeholder, aria_label, options, .. } => json!({
                    "type": "select", "input": key, "display": if *display == content::module::Display::Block { "block" } else { "inline" },
                    "placeholder": t(placeholder), "aria_label": t(aria_label),
                    "options": options.iter().map(|o| json!({ "id": o.id, "content": t(&o.content) })).collect::<Vec<_>>(),
                }),
            }).collect::<Vec<_>>(),
        }),
        ElementKind::Flashcards { title, instruction, intro_image, cards } => json!({
            "title": t(title), "instruction": instruction.as_ref().map(t), "intro_image": intro_image.as_deref().map(media_url),
            "cards": cards.iter().map(|c| json!({
                "id": c.id,
                "recto": { "text": t(&c.recto.text), "image": c.recto.image.as_deref().map(media_url) },
                "verso": { "text": t(&c.verso.text), "image": c.verso.image.as_deref().map(media_url) },
            })).collect::<Vec<_>>(),
        }),
        ElementKind::Qab { instruction, cards, .. } => json!({
            "instruction": t(instruction),
            "cards": cards.iter().map(|c| json!({
                "id": c.id, "text": t(&c.text),
                "image": c.image.as_ref().map(|(url, alt)| json!({ "url": media_url(url), "alt": t(alt) })),
                "proposal_a": t(&c.proposal_a), "proposal_b": t(&c.proposal_b),
            })).collect::<Vec<_>>(),
        }),
    };
    v["id"] = json!(e.id);
    v["type"] = json!(e.kind.name());
    if let ElementKind::Text { tag: Some(tag), .. } = &e.kind {
        v["tag"] = json!(match tag {
            content::module::TextTag::Context => "context",
            content::module::TextTag::DidYouKnow => "did-you-know",
            content::module::TextTag::FurtherInformation => "further-information",
            content::module::TextTag::Tip => "tip",
        });
    }
    v
}

/// A glossary word to explain in place: the word and its definition (HTML).
pub struct GlossaryWord<'a> {
    /// The word, as written in the module's language.
    pub word: &'a str,
    /// Its definition, inline HTML.
    pub definition_html: &'a str,
}

/// Where `needle` first occurs in `hay` ignoring case, as a whole word (byte offset in `hay`).
fn find_word(hay: &str, needle: &str) -> Option<usize> {
    let n: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    if n.is_empty() {
        return None;
    }
    let starts: Vec<(usize, char)> = hay.char_indices().collect();
    for (i, &(at, _)) in starts.iter().enumerate() {
        if i > 0 && starts[i - 1].1.is_alphanumeric() {
            continue;
        }
        let mut lowered = starts[i..].iter().flat_map(|(_, c)| c.to_lowercase());
        if !n.iter().all(|c| lowered.next() == Some(*c)) {
            continue;
        }
        let len: usize = needle.chars().count();
        match starts.get(i + len) {
            Some((_, after)) if after.is_alphanumeric() => continue,
            _ => return Some(at),
        }
    }
    None
}

/// Explains glossary words in place in a text's HTML: the first occurrence of each word (whole
/// word, any case, outside tags, links and code) becomes a button that opens its definition (the
/// HTML `popover` attribute: no script needed). `prefix` makes the definitions' ids unique.
pub fn with_glossary(html: &str, words: &[GlossaryWord<'_>], prefix: &str) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut used = vec![false; words.len()];
    let mut skip_depth = 0usize;
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(tag_end) = rest.strip_prefix('<').and_then(|r| r.find('>')).map(|e| e + 2) {
            let tag = &rest[..tag_end];
            let name: String =
                tag.trim_start_matches(['<', '/']).chars().take_while(char::is_ascii_alphanumeric).collect();
            if matches!(name.as_str(), "a" | "code" | "pre" | "button") {
                if tag.starts_with("</") {
                    skip_depth = skip_depth.saturating_sub(1);
                } else {
                    skip_depth += 1;
                }
            }
            out.push_str(tag);
            rest = &rest[tag_end..];
            continue;
        }
        let text_end = rest.find('<').unwrap_or(rest.len());
        let mut text = &rest[..text_end];
        rest = &rest[text_end..];
        if skip_depth > 0 {
            out.push_str(text);
            continue;
        }
        // The earliest unused word in this piece of text, again and again.
        loop {
            let next = words
                .iter()
                .enumerate()
                .filter(|(i, _)| !used[*i])
                .filter_map(|(i, w)| find_word(text, w.word).map(|at| (at, i)))
                .min();
            let Some((at, i)) = next else { break };
            used[i] = true;
            let len: usize =
                text[at..].char_indices().nth(words[i].word.chars().count()).map_or(text.len() - at, |(l, _)| l);
            let id = format!("{prefix}-{i}");
            out.push_str(&text[..at]);
            out.push_str(&format!(
                "<button type=\"button\" class=\"glossary-word\" popovertarget=\"{id}\">{}</button><span id=\"{id}\" popover class=\"glossary-definition\">{}</span>",
                &text[at..at + len],
                words[i].definition_html
            ));
            text = &text[at + len..];
        }
        out.push_str(text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glossary_words_are_explained_once_in_text_only() {
        let words = [
            GlossaryWord { word: "phrase de passe", definition_html: "plusieurs mots" },
            GlossaryWord { word: "fuite", definition_html: "un vol" },
        ];
        let html = "<p>Une <strong>Phrase de passe</strong>, une phrase de passe et une <a href=\"x\">fuite</a> ; une fuite, des fuites.</p>";
        let out = with_glossary(html, &words, "g");
        assert_eq!(out.matches("popovertarget=\"g-0\"").count(), 1, "{out}");
        assert!(
            out.contains(
                "<strong><button type=\"button\" class=\"glossary-word\" popovertarget=\"g-0\">Phrase de passe</button>"
            ),
            "{out}"
        );
        assert!(out.contains("<a href=\"x\">fuite</a>"), "not inside a link: {out}");
        assert!(
            out.contains("; une <button type=\"button\" class=\"glossary-word\" popovertarget=\"g-1\">fuite</button>"),
            "{out}"
        );
        assert!(out.ends_with("des fuites.</p>"), "whole words only: {out}");
        assert_eq!(with_glossary("<p>rien</p>", &words, "g"), "<p>rien</p>");
    }
}
