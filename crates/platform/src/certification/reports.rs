//! Issue reports a centre writes at finalisation (REFERENCE §6.5 categories) and the automatic
//! resolution of those about a question: pure rules, no I/O.

use serde::Serialize;

/// A category of issue report and the subcategories it takes (the reference's current ones; the
/// deprecated categories are not offered).
pub const CATEGORIES: &[(&str, &[&str])] = &[
    ("CANDIDATE_INFORMATIONS_CHANGES", &["NAME_OR_BIRTHDATE", "EXTRA_TIME_PERCENTAGE"]),
    ("SIGNATURE_ISSUE", &[]),
    ("FRAUD", &[]),
    ("NON_BLOCKING_CANDIDATE_ISSUE", &[]),
    ("NON_BLOCKING_TECHNICAL_ISSUE", &[]),
    (
        IN_CHALLENGE,
        &[
            "IMAGE_NOT_DISPLAYING",
            "EMBED_NOT_WORKING",
            "FILE_NOT_OPENING",
            "WEBSITE_UNAVAILABLE",
            "WEBSITE_BLOCKED",
            "EXTRA_TIME_EXCEEDED",
            "SOFTWARE_NOT_WORKING",
            "UNINTENTIONAL_FOCUS_OUT",
            "SKIP_ON_OOPS",
            "ACCESSIBILITY_ISSUE",
        ],
    ),
];

/// The category of problems with one question (they name its number).
pub const IN_CHALLENGE: &str = "IN_CHALLENGE";

/// Longest description.
pub const MAX_DESCRIPTION: usize = 500;

/// Whether a category and subcategory go together (`subcategory` empty when the category has none).
pub fn valid(category: &str, subcategory: &str) -> bool {
    CATEGORIES
        .iter()
        .any(|(c, subs)| *c == category && (subs.is_empty() && subcategory.is_empty() || subs.contains(&subcategory)))
}

/// What is known of the question a report names.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    /// The stored answer result (`ok`, `ko`, `aband`, `timedout`, `focusedOut`).
    pub result: &'a str,
    /// The challenge shows an image.
    pub has_illustration: bool,
    /// The challenge embeds an application (none in the current content).
    pub has_embed: bool,
    /// The challenge comes with a file.
    pub has_attachment: bool,
    /// The challenge is timed.
    pub timed: bool,
    /// The challenge is a focused one.
    pub focused: bool,
}

/// What the automatic resolution decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The question no longer counts.
    Neutralized,
    /// The answer counts as right (an unintentional focus loss).
    Revalidated,
    /// Resolved without effect: the answer was right, or the report does not apply to that question.
    NoEffect,
    /// Left to the jury.
    Unresolved,
}

/// The automatic resolution of a report (REFERENCE §6.5): only question reports are resolved, by
/// their subcategory and what the question has; a right answer is never neutralized.
pub fn resolve(category: &str, subcategory: &str, question: Option<Question<'_>>) -> Resolution {
    if category != IN_CHALLENGE {
        return Resolution::Unresolved;
    }
    let Some(q) = question else { return Resolution::NoEffect };
    let applies = match subcategory {
        "WEBSITE_BLOCKED" | "WEBSITE_UNAVAILABLE" | "SOFTWARE_NOT_WORKING" | "SKIP_ON_OOPS" | "ACCESSIBILITY_ISSUE" => {
            true
        }
        "IMAGE_NOT_DISPLAYING" => q.has_illustration,
        "EMBED_NOT_WORKING" => q.has_embed,
        "FILE_NOT_OPENING" => q.has_attachment,
        "EXTRA_TIME_EXCEEDED" => q.timed,
        "UNINTENTIONAL_FOCUS_OUT" => {
            return match (q.focused, q.result) {
                (true, "focusedOut") => Resolution::Revalidated,
                (true, "aband") => Resolution::Neutralized,
                _ => Resolution::NoEffect,
            };
        }
        _ => return Resolution::Unresolved,
    };
    if !applies || q.result == "ok" { Resolution::NoEffect } else { Resolution::Neutralized }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(result: &str) -> Question<'_> {
        Question {
            result,
            has_illustration: false,
            has_embed: false,
            has_attachment: false,
            timed: false,
            focused: false,
        }
    }

    #[test]
    fn unconditional_subcategories_neutralize_a_wrong_or_skipped_answer_only() {
        for sub in
            ["WEBSITE_BLOCKED", "WEBSITE_UNAVAILABLE", "SOFTWARE_NOT_WORKING", "SKIP_ON_OOPS", "ACCESSIBILITY_ISSUE"]
        {
            for result in ["ko", "aband", "timedout", "focusedOut"] {
                assert_eq!(
                    resolve(IN_CHALLENGE, sub, Some(question(result))),
                    Resolution::Neutralized,
                    "{sub} {result}"
                );
            }
            assert_eq!(
                resolve(IN_CHALLENGE, sub, Some(question("ok"))),
                Resolution::NoEffect,
                "{sub}: right answers stay"
            );
        }
    }

    #[test]
    fn conditional_subcategories_need_what_they_name() {
        let with = |f: fn(&mut Question<'static>)| {
            let mut q = question("ko");
            f(&mut q);
            q
        };
        type Set = fn(&mut Question<'static>);
        let cases: [(&str, Set); 4] = [
            ("IMAGE_NOT_DISPLAYING", |q| q.has_illustration = true),
            ("EMBED_NOT_WORKING", |q| q.has_embed = true),
            ("FILE_NOT_OPENING", |q| q.has_attachment = true),
            ("EXTRA_TIME_EXCEEDED", |q| q.timed = true),
        ];
        for (sub, set) in cases {
            assert_eq!(resolve(IN_CHALLENGE, sub, Some(with(set))), Resolution::Neutralized, "{sub}");
            assert_eq!(resolve(IN_CHALLENGE, sub, Some(question("ko"))), Resolution::NoEffect, "{sub} without it");
        }
    }

    #[test]
    fn focus_loss_revalidates_or_neutralizes_on_focused_questions_only() {
        let focused = |result| Question { focused: true, ..question(result) };
        assert_eq!(
            resolve(IN_CHALLENGE, "UNINTENTIONAL_FOCUS_OUT", Some(focused("focusedOut"))),
            Resolution::Revalidated
        );
        assert_eq!(resolve(IN_CHALLENGE, "UNINTENTIONAL_FOCUS_OUT", Some(focused("aband"))), Resolution::Neutralized);
        assert_eq!(resolve(IN_CHALLENGE, "UNINTENTIONAL_FOCUS_OUT", Some(focused("ko"))), Resolution::NoEffect);
        assert_eq!(
            resolve(IN_CHALLENGE, "UNINTENTIONAL_FOCUS_OUT", Some(question("focusedOut"))),
            Resolution::NoEffect
        );
    }

    #[test]
    fn other_categories_go_to_the_jury_and_a_missing_question_has_no_effect() {
        for (category, _) in CATEGORIES.iter().filter(|(c, _)| *c != IN_CHALLENGE) {
            assert_eq!(resolve(category, "", Some(question("ko"))), Resolution::Unresolved);
        }
        assert_eq!(resolve(IN_CHALLENGE, "WEBSITE_BLOCKED", None), Resolution::NoEffect);
        assert!(valid("FRAUD", "") && valid(IN_CHALLENGE, "SKIP_ON_OOPS"));
        assert!(!valid("FRAUD", "SKIP_ON_OOPS") && !valid(IN_CHALLENGE, "") && !valid("LATE_OR_LEAVING", ""));
    }
}
