//! Challenge and answer presentation: what the templates need, built from the content.

use content::{Block, Challenge, ChallengeType, Content, Locale, Proposals, Solution};
use engine::answer::Response;

/// A proposal of a QCU/QCM: its value (1-based index in the file) and text.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Submitted value.
    pub value: u32,
    /// Text (Markdown rendered).
    pub html: String,
}

/// A part of a QROC/QROCM statement.
#[derive(Debug, Clone)]
pub enum Part {
    /// Text (rendered).
    Text(String),
    /// An input.
    Input {
        /// Key (field name is `input-<key>`).
        key: String,
        /// Accessible label.
        label: String,
        /// Placeholder.
        placeholder: String,
        /// Select options.
        options: Vec<String>,
        /// Numeric keyboard.
        numeric: bool,
    },
}

/// A file offered for download.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// File name.
    pub name: String,
    /// URL.
    pub url: String,
    /// Type, e.g. "CSV".
    pub kind: String,
    /// Human size, e.g. "1.2 KB".
    pub size: String,
}

/// A challenge ready to display.
#[derive(Debug, Clone)]
pub struct ChallengeView {
    /// Stable id (sent back with the answer).
    pub id: String,
    /// QCU, QCM, …
    pub kind: ChallengeType,
    /// Instruction (rendered Markdown).
    pub instruction_html: String,
    /// QCU/QCM proposals in display order.
    pub choices: Vec<Choice>,
    /// QROC/QROCM parts.
    pub parts: Vec<Part>,
    /// Illustration URL and alternative text.
    pub illustration: Option<(String, String)>,
    /// Files.
    pub attachments: Vec<Attachment>,
    /// Seconds allowed.
    pub timer: Option<u32>,
    /// The learner must stay on the page.
    pub focused: bool,
}

fn inline(md: &str) -> String {
    // Proposals are short: render, then drop the paragraph wrapper for inline use.
    let html = content::markdown::to_html(md);
    html.trim().strip_prefix("<p>").and_then(|h| h.strip_suffix("</p>")).map(str::to_owned).unwrap_or(html)
}

/// A stable permutation of `n` items from a seed (Fisher–Yates with a small LCG).
fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut x = seed | 1;
    for i in (1..n).rev() {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let j = ((x >> 33) as usize) % (i + 1);
        order.swap(i, j);
    }
    order
}

/// A file size in the interface language's units (`1,2 Ko`, `1.2 KB`).
pub fn file_size(bytes: usize, lang: crate::web::i18n::Lang) -> String {
    use crate::web::i18n::Lang;
    let kib = bytes as f64 / 1024.0;
    match (lang, bytes < 1024) {
        (Lang::Fr, true) => format!("{bytes} o"),
        (Lang::Fr, false) => format!("{kib:.1} Ko").replace('.', ","),
        (Lang::En, true) => format!("{bytes} bytes"),
        (Lang::En, false) => format!("{kib:.1} KB"),
    }
}

/// Builds the view of a challenge in the test's language; shuffled proposals use the assessment's
/// seed; file sizes are written in the interface language.
pub fn challenge_view(
    content: &Content,
    challenge: &Challenge,
    locale: Locale,
    seed: i64,
    lang: crate::web::i18n::Lang,
) -> ChallengeView {
    let mut choices = Vec::new();
    let mut parts = Vec::new();
    match challenge.proposals.get(locale) {
        Proposals::Choices(list) => {
            choices = list.iter().enumerate().map(|(i, t)| Choice { value: i as u32 + 1, html: inline(t) }).collect();
            if challenge.shuffled {
                let salt = challenge.id.bytes().fold(seed as u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
                let order = permutation(choices.len(), salt);
                choices = order.into_iter().map(|i| choices[i].clone()).collect();
            }
        }
        Proposals::Blocks(blocks) => {
            for b in blocks {
                match b {
                    Block::Text(t) if !t.trim().is_empty() => parts.push(Part::Text(inline(t))),
                    Block::Text(_) => {}
                    Block::Input(i) => parts.push(Part::Input {
                        key: i.key.clone(),
                        label: i.label.clone().unwrap_or_else(|| i.key.clone()),
                        placeholder: i.placeholder.clone().unwrap_or_default(),
                        options: i.options.clone().unwrap_or_default(),
                        numeric: challenge.numeric,
                    }),
                }
            }
        }
    }
    let attachments = challenge
        .attachments
        .iter()
        .map(|name| {
            let bytes = content.media.get(name).map_or(0, |m| m.bytes.len());
            Attachment {
                name: name.clone(),
                url: format!("/media/{name}"),
                kind: name.rsplit('.').next().unwrap_or("").to_uppercase(),
                size: file_size(bytes, lang),
            }
        })
        .collect();
    ChallengeView {
        id: challenge.id.clone(),
        kind: challenge.kind,
        instruction_html: content::markdown::to_html(challenge.instruction.get(locale)),
        choices,
        parts,
        illustration: challenge
            .illustration
            .as_ref()
            .map(|i| (format!("/media/{}", i.file), i.alt.get(locale).to_owned())),
        attachments,
        timer: challenge.timer,
        focused: challenge.focused,
    }
}

/// Reads a submitted form into an engine response and the raw value to store.
pub fn response_from_form(challenge: &Challenge, locale: Locale, fields: &[(String, String)]) -> (Response, String) {
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if get("skip").is_some() {
        return (Response::Skipped, engine::answer::SKIP.to_owned());
    }
    match challenge.kind {
        ChallengeType::Qcu => {
            let v = get("choice").unwrap_or("").to_owned();
            (Response::Value(v.clone()), v)
        }
        ChallengeType::Qcm => {
            let mut chosen: Vec<u32> =
                fields.iter().filter(|(k, _)| k == "choices").filter_map(|(_, v)| v.parse().ok()).collect();
            chosen.sort_unstable();
            chosen.dedup();
            let v = chosen.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
            (Response::Value(v.clone()), v)
        }
        ChallengeType::Qroc => {
            let key = challenge.proposals.get(locale).inputs().next().map(|i| i.key.clone()).unwrap_or_default();
            let v = get(&format!("input-{key}")).unwrap_or("").to_owned();
            (Response::Value(v.clone()), v)
        }
        ChallengeType::QrocmInd | ChallengeType::QrocmDep => {
            let inputs: Vec<(String, String)> = challenge
                .proposals
                .get(locale)
                .inputs()
                .map(|i| (i.key.clone(), get(&format!("input-{}", i.key)).unwrap_or("").to_owned()))
                .collect();
            let raw = serde_json::to_string(&inputs.iter().cloned().collect::<std::collections::BTreeMap<_, _>>())
                .unwrap_or_default();
            (Response::Inputs(inputs), raw)
        }
    }
}

/// The learner's answer in words.
pub fn answer_text(challenge: &Challenge, locale: Locale, value: &str, lang: crate::web::i18n::Lang) -> String {
    if value == engine::answer::SKIP {
        return lang.t("results-skipped");
    }
    match (challenge.proposals.get(locale), challenge.kind) {
        (Proposals::Choices(list), _) => value
            .split(',')
            .filter_map(|i| i.trim().parse::<usize>().ok())
            .filter_map(|i| list.get(i.wrapping_sub(1)).cloned())
            .collect::<Vec<_>>()
            .join(" ; "),
        (_, ChallengeType::QrocmInd | ChallengeType::QrocmDep) => {
            serde_json::from_str::<std::collections::BTreeMap<String, String>>(value)
                .map(|m| m.values().cloned().collect::<Vec<_>>().join(" ; "))
                .unwrap_or_else(|_| value.to_owned())
        }
        _ => value.to_owned(),
    }
}

/// The expected answer in words (the author's explanation when written).
pub fn solution_text(challenge: &Challenge, locale: Locale) -> String {
    if let Some(t) = &challenge.solution_to_display {
        return t.get(locale).to_owned();
    }
    match (challenge.proposals.get(locale), challenge.solution.get(locale)) {
        (Proposals::Choices(list), Solution::Index(i)) => list.get(*i as usize - 1).cloned().unwrap_or_default(),
        (Proposals::Choices(list), Solution::Indexes(is)) => {
            is.iter().filter_map(|i| list.get(*i as usize - 1).cloned()).collect::<Vec<_>>().join(" ; ")
        }
        (_, Solution::Variants(v)) => v.first().cloned().unwrap_or_default(),
        (_, Solution::Map(m)) => m.iter().filter_map(|(_, v)| v.first().cloned()).collect::<Vec<_>>().join(" ; "),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_sizes_in_each_language() {
        use crate::web::i18n::Lang;
        assert_eq!(super::file_size(512, Lang::Fr), "512 o");
        assert_eq!(super::file_size(512, Lang::En), "512 bytes");
        assert_eq!(super::file_size(1536, Lang::Fr), "1,5 Ko");
        assert_eq!(super::file_size(1536, Lang::En), "1.5 KB");
    }

    #[test]
    fn permutation_is_a_permutation_and_stable() {
        let p = super::permutation(5, 42);
        let mut sorted = p.clone();
        sorted.sort();
        assert_eq!(sorted, vec![0, 1, 2, 3, 4]);
        assert_eq!(p, super::permutation(5, 42));
    }
}
