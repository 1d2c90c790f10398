//! Answer checking (reference §2): per-type validators, tolerances and the examiner's order.

use content::{Block, Challenge, ChallengeType, Locale, Proposals, Solution, Tolerances};
use unicode_normalization::UnicodeNormalization;

/// What a learner sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// The learner skipped the challenge (`#ABAND#`).
    Skipped,
    /// QCU: a proposal number; QCM: comma-separated numbers; QROC: the raw text.
    Value(String),
    /// QROCM: one value per input key.
    Inputs(Vec<(String, String)>),
}

/// The literal value of a skipped answer in the reference.
pub const SKIP: &str = "#ABAND#";

/// Why a raw answer could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResponseError {
    /// A QROCM answer is not a YAML map of strings.
    #[error("the answer is not a map of input keys to values")]
    NotAMap,
    /// The answer is larger than any real answer could be.
    #[error("the answer is too long")]
    TooLong,
}

/// Longest answer accepted, in bytes; anything longer is refused before any processing.
pub const MAX_ANSWER_BYTES: usize = 10_000;

impl Response {
    /// Reads a raw answer as the reference stores it: `#ABAND#`, a plain value, or for QROCM a YAML
    /// map `key: value` (one line per input).
    pub fn parse(kind: ChallengeType, raw: &str) -> Result<Response, ResponseError> {
        if raw.len() > MAX_ANSWER_BYTES {
            return Err(ResponseError::TooLong);
        }
        if raw == SKIP {
            return Ok(Response::Skipped);
        }
        match kind {
            ChallengeType::QrocmInd | ChallengeType::QrocmDep => {
                // Every value stays text as typed: `007` is not `7` (content::yaml_text).
                let map = content::yaml_text::parse_map(&pretreat(raw)).map_err(|_| ResponseError::NotAMap)?;
                let mut inputs = Vec::with_capacity(map.len());
                for (key, mut values) in map {
                    if values.len() != 1 {
                        return Err(ResponseError::NotAMap);
                    }
                    inputs.push((key, values.pop().unwrap_or_default()));
                }
                Ok(Response::Inputs(inputs))
            }
            _ => Ok(Response::Value(raw.to_owned())),
        }
    }
}

/// Result of an answer, as stored (`answers.result`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Correct.
    Ok,
    /// Wrong.
    Ko,
    /// Skipped.
    Aband,
    /// Correct but after the time limit.
    Timedout,
    /// Correct but the learner left a focused challenge during a certification.
    FocusedOut,
}

impl Outcome {
    /// Only `ok` counts as a success for the algorithms.
    pub fn is_success(self) -> bool {
        self == Outcome::Ok
    }

    /// Stored name (`ok`, `ko`, `aband`, `timedout`, `focusedOut`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Ko => "ko",
            Outcome::Aband => "aband",
            Outcome::Timedout => "timedout",
            Outcome::FocusedOut => "focusedOut",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "ok" => Outcome::Ok,
            "ko" => Outcome::Ko,
            "aband" => Outcome::Aband,
            "timedout" => Outcome::Timedout,
            "focusedOut" => Outcome::FocusedOut,
            _ => return None,
        })
    }
}

/// The examiner's verdict: the outcome, and for QROCM-ind whether each input was right.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Final outcome.
    pub outcome: Outcome,
    /// Per-input correctness (QROCM-ind only), in solution order.
    pub details: Vec<(String, bool)>,
}

/// Circumstances of an answer that change its outcome (reference §2.2).
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    /// The answer arrived after the challenge's time limit.
    pub timed_out: bool,
    /// The learner left the page of a focused challenge.
    pub focused_out: bool,
    /// The assessment is a certification (focus-out only matters there).
    pub certification: bool,
}

/// Examines an answer in the reference's order: skip, type validation, time limit, focus.
pub fn examine(challenge: &Challenge, locale: Locale, response: &Response, context: Context) -> Verdict {
    let (correct, details) = match response {
        Response::Skipped => {
            return Verdict { outcome: Outcome::Aband, details: Vec::new() };
        }
        other => validate(challenge, locale, other),
    };
    let outcome = if !correct {
        Outcome::Ko
    } else if context.timed_out {
        Outcome::Timedout
    } else if challenge.focused && context.focused_out && context.certification {
        Outcome::FocusedOut
    } else {
        Outcome::Ok
    };
    Verdict { outcome, details }
}

/// Type validation only: is the response correct? (and per-input details for QROCM-ind)
pub fn validate(challenge: &Challenge, locale: Locale, response: &Response) -> (bool, Vec<(String, bool)>) {
    let proposals = challenge.proposals.get(locale);
    let solution = challenge.solution.get(locale);
    match (challenge.kind, solution, response) {
        (ChallengeType::Qcu, Solution::Index(i), Response::Value(v)) => (v.trim() == i.to_string(), Vec::new()),
        (ChallengeType::Qcm, Solution::Indexes(list), Response::Value(v)) => {
            let mut given: Vec<&str> = v.split(',').map(str::trim).collect();
            given.sort_unstable();
            let mut expected: Vec<String> = list.iter().map(u32::to_string).collect();
            expected.sort_unstable();
            (given.iter().copied().eq(expected.iter().map(String::as_str)), Vec::new())
        }
        (ChallengeType::Qroc, Solution::Variants(variants), Response::Value(v)) => {
            let is_select = first_input(proposals).is_some_and(|i| i.options.is_some());
            let ok = if is_select {
                variants.iter().any(|s| s == v)
            } else if challenge.numeric
                && let Some(n) = as_number(v)
            {
                let numbers: Option<Vec<f64>> = variants.iter().map(|s| as_number(s)).collect();
                match numbers {
                    Some(numbers) => numbers.contains(&n),
                    None => text_matches(v, variants, challenge.tolerances),
                }
            } else {
                text_matches(v, variants, challenge.tolerances)
            };
            (ok, Vec::new())
        }
        (ChallengeType::QrocmInd, Solution::Map(map), Response::Inputs(inputs)) => {
            // An answer key the solution does not know is a malformed answer: wrong.
            if inputs.iter().any(|(k, _)| !map.iter().any(|(sk, _)| sk == k)) {
                return (false, map.iter().map(|(k, _)| (k.clone(), false)).collect());
            }
            let details: Vec<(String, bool)> = map
                .iter()
                .map(|(key, variants)| {
                    let given = inputs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("");
                    let select = input(proposals, key).is_some_and(|i| i.options.is_some());
                    let ok = if select {
                        variants.iter().any(|s| s == given)
                    } else {
                        text_matches(given, variants, challenge.tolerances)
                    };
                    (key.clone(), ok)
                })
                .collect();
            (details.iter().all(|(_, ok)| *ok), details)
        }
        (ChallengeType::QrocmDep, Solution::Map(groups), Response::Inputs(inputs)) => {
            let expected = proposals.inputs().count().max(1);
            if inputs.is_empty() || inputs.len() > expected {
                return (false, Vec::new());
            }
            let mut remaining: Vec<Vec<String>> =
                groups.iter().map(|(_, vs)| vs.iter().map(|v| treat(v, challenge.tolerances)).collect()).collect();
            let mut matched = 0;
            for (_, value) in inputs {
                let answer = treat(&pretreat(value), challenge.tolerances);
                if let Some(pos) = remaining.iter().position(|g| matches_treated(&answer, g, challenge.tolerances.t3)) {
                    remaining.remove(pos);
                    matched += 1;
                }
            }
            (matched == expected && inputs.len() == expected, Vec::new())
        }
        _ => (false, Vec::new()),
    }
}

fn first_input(p: &Proposals) -> Option<&content::Input> {
    p.inputs().next()
}

fn input<'a>(p: &'a Proposals, key: &str) -> Option<&'a content::Input> {
    match p {
        Proposals::Blocks(blocks) => blocks.iter().find_map(|b| match b {
            Block::Input(i) if i.key == key => Some(i),
            _ => None,
        }),
        Proposals::Choices(_) => None,
    }
}

/// Reads a number the reference's way: drop the first space, turn the first comma into a dot.
pub(crate) fn as_number(s: &str) -> Option<f64> {
    let s = s.trim().replacen(' ', "", 1).replacen(',', ".", 1);
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+') {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Unicode NFC and non-breaking spaces (U+00A0, and U+202F used in French typography) as spaces.
pub fn pretreat(s: &str) -> String {
    s.nfc().map(|c| if c == '\u{a0}' || c == '\u{202f}' { ' ' } else { c }).collect()
}

/// t1: trim, lower case, strip accents (NFD without U+0300–U+036F), remove every whitespace.
pub fn t1(s: &str) -> String {
    s.trim().to_lowercase().nfd().filter(|c| !('\u{300}'..='\u{36f}').contains(c) && !c.is_whitespace()).collect()
}

/// t2: keep only ASCII letters, digits and spaces; collapse runs of whitespace to one space.
pub fn t2(s: &str) -> String {
    let kept: String = s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ').collect();
    let mut out = String::with_capacity(kept.len());
    let mut last_space = false;
    for c in kept.chars() {
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out
}

fn treat(s: &str, t: Tolerances) -> String {
    let s = if t.t1 { t1(s) } else { s.to_owned() };
    if t.t2 { t2(&s) } else { s }
}

/// t3: the smallest Levenshtein distance to a reference, divided by the answer's length, is at most 0.25.
pub fn within_edit_distance(answer: &str, references: &[String]) -> bool {
    let len = answer.chars().count();
    references.iter().any(|r| {
        if len == 0 {
            return r.is_empty();
        }
        (strsim::levenshtein(answer, r) as f64) / (len as f64) <= 0.25
    })
}

fn matches_treated(answer: &str, treated_variants: &[String], fuzzy: bool) -> bool {
    if fuzzy { within_edit_distance(answer, treated_variants) } else { treated_variants.iter().any(|v| v == answer) }
}

/// Whether a typed answer matches one of the variants with these tolerances.
pub(crate) fn text_matches(answer: &str, variants: &[String], t: Tolerances) -> bool {
    let answer = treat(&pretreat(answer), t);
    let variants: Vec<String> = variants.iter().map(|v| treat(&pretreat(v), t)).collect();
    matches_treated(&answer, &variants, t.t3)
}
