//! Checking the answers of learning modules' elements (docs/modules.md, "Answers"): the same rules
//! as the reference's module checks (PRODUCT-NEXT §1.2), on the server for every answerable
//! element, QAB and flashcards included.

use content::{
    Locale,
    module::{ElementKind, Feedback, QabSide, QrocmBlock},
};

use crate::answer::{as_number, text_matches};

/// A learner's answer to an element, as submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// The ids of the chosen proposals (one for a QCU), or the word found in an embedded activity.
    Choices(Vec<String>),
    /// `(input key, answer)` of a QROCM.
    Inputs(Vec<(String, String)>),
    /// `(card id, answer)`: `A`/`B` for a QAB, `yes`/`maybe`/`no` for flashcards.
    Cards(Vec<(String, String)>),
}

/// Why an answer cannot be checked (a 422 for the caller, nothing recorded).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The element takes no answer.
    #[error("this element takes no answer")]
    NotAnswerable,
    /// The answer's shape does not fit the element.
    #[error("{0}")]
    Malformed(&'static str),
}

/// Whether an answer was right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Right.
    Ok,
    /// Wrong.
    Ko,
    /// An opinion or a self-assessment: no right answer.
    None,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Ko => "ko",
            Status::None => "none",
        }
    }
}

/// The result of checking an answer.
#[derive(Debug, Clone)]
pub struct Correction<'m> {
    /// Right, wrong, or neither.
    pub status: Status,
    /// What the learner reads now (none for an embed).
    pub feedback: Option<&'m Feedback>,
    /// For a QAB, each card's status, in the cards' order; for a QROCM, each input's.
    pub details: Vec<(String, Status)>,
}

fn one_choice(response: &Response) -> Result<&str, ResponseError> {
    match response {
        Response::Choices(c) if c.len() == 1 && is_id(&c[0]) => Ok(&c[0]),
        _ => Err(ResponseError::Malformed("choose one proposal")),
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit())
}

fn choices(response: &Response) -> Result<Vec<&str>, ResponseError> {
    match response {
        Response::Choices(c) if !c.is_empty() && c.len() <= 50 && c.iter().all(|s| is_id(s)) => {
            let mut given: Vec<&str> = c.iter().map(String::as_str).collect();
            given.sort_unstable();
            given.dedup();
            Ok(given)
        }
        _ => Err(ResponseError::Malformed("choose at least one proposal")),
    }
}

fn status(ok: bool) -> Status {
    if ok { Status::Ok } else { Status::Ko }
}

/// Checks an answer to an element in a language (QROCM solutions differ by language).
pub fn check<'m>(
    element: &'m ElementKind,
    locale: Locale,
    response: &Response,
) -> Result<Correction<'m>, ResponseError> {
    let simple = |status, feedback| Correction { status, feedback, details: Vec::new() };
    match element {
        ElementKind::Qcu(q) | ElementKind::QcuDiscovery(q) => {
            let given = one_choice(response)?;
            let proposal =
                q.proposals.iter().find(|p| p.id == given).ok_or(ResponseError::Malformed("no such proposal"))?;
            Ok(simple(status(given == q.solution), Some(&proposal.feedback)))
        }
        ElementKind::QcuDeclarative { proposals, .. } => {
            let given = one_choice(response)?;
            let proposal =
                proposals.iter().find(|p| p.id == given).ok_or(ResponseError::Malformed("no such proposal"))?;
            Ok(simple(Status::None, Some(&proposal.feedback)))
        }
        ElementKind::Qcm { proposals, solutions, feedbacks, .. } => {
            let given = choices(response)?;
            if given.iter().any(|g| !proposals.iter().any(|p| p.id == *g)) {
                return Err(ResponseError::Malformed("no such proposal"));
            }
            // The exact set: no partial credit.
            let ok = given.iter().copied().eq(solutions.iter().map(String::as_str));
            Ok(simple(status(ok), Some(if ok { &feedbacks.valid } else { &feedbacks.invalid })))
        }
        ElementKind::QcmDeclarative { proposals, feedback, .. } => {
            let given = choices(response)?;
            if given.iter().any(|g| !proposals.iter().any(|p| p.id == *g)) {
                return Err(ResponseError::Malformed("no such proposal"));
            }
            Ok(simple(Status::None, Some(feedback)))
        }
        ElementKind::Qrocm { blocks, feedbacks, .. } => {
            let Response::Inputs(inputs) = response else {
                return Err(ResponseError::Malformed("answer each input"));
            };
            let keyed = |b: &QrocmBlock| match b {
                QrocmBlock::Input { key, .. } | QrocmBlock::Select { key, .. } => Some(key.clone()),
                QrocmBlock::Text(_) => None,
            };
            if inputs.iter().any(|(k, _)| !blocks.iter().any(|b| keyed(b).as_deref() == Some(k.as_str())))
                || inputs.iter().any(|(_, v)| v.chars().count() > 500)
            {
                return Err(ResponseError::Malformed("an answer names no input of this element"));
            }
            let details: Vec<(String, Status)> = blocks
                .iter()
                .filter_map(|b| {
                    let key = keyed(b)?;
                    let given = inputs.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v.as_str());
                    let ok = !given.trim().is_empty()
                        && match b {
                            QrocmBlock::Select { solutions, .. } => solutions.iter().any(|s| s == given),
                            QrocmBlock::Input { input_type, tolerances, solutions, .. } => {
                                let variants = solutions.get(locale);
                                match (input_type, as_number(given)) {
                                    (content::module::InputType::Number, Some(n)) => {
                                        variants.iter().filter_map(|v| as_number(v)).any(|v| v == n)
                                    }
                                    (content::module::InputType::Number, None) => false,
                                    (content::module::InputType::Text, _) => text_matches(given, variants, *tolerances),
                                }
                            }
                            QrocmBlock::Text(_) => false,
                        };
                    Some((key, status(ok)))
                })
                .collect();
            let ok = details.iter().all(|(_, s)| *s == Status::Ok);
            Ok(Correction {
                status: status(ok),
                feedback: Some(if ok { &feedbacks.valid } else { &feedbacks.invalid }),
                details,
            })
        }
        ElementKind::Embed { solution: Some(solution), .. } => {
            let Response::Choices(c) = response else {
                return Err(ResponseError::Malformed("type the word you found"));
            };
            let [word] = c.as_slice() else {
                return Err(ResponseError::Malformed("type the word you found"));
            };
            if word.chars().count() > 100 {
                return Err(ResponseError::Malformed("type the word you found"));
            }
            // Typed by hand here (the reference's page sends it): case and spaces do not count.
            Ok(simple(status(word.trim().to_lowercase() == *solution), None))
        }
        ElementKind::Qab { cards, feedback, .. } => {
            let Response::Cards(given) = response else {
                return Err(ResponseError::Malformed("answer A or B for each card"));
            };
            if given.len() != cards.len()
                || given.iter().any(|(id, v)| !cards.iter().any(|c| c.id == *id) || !matches!(v.as_str(), "A" | "B"))
            {
                return Err(ResponseError::Malformed("answer A or B for each card"));
            }
            let details: Vec<(String, Status)> = cards
                .iter()
                .map(|c| {
                    let v = given.iter().find(|(id, _)| *id == c.id).map_or("", |(_, v)| v.as_str());
                    let expected = match c.solution {
                        QabSide::A => "A",
                        QabSide::B => "B",
                    };
                    (c.id.clone(), status(v == expected))
                })
                .collect();
            let ok = details.iter().all(|(_, s)| *s == Status::Ok);
            Ok(Correction { status: status(ok), feedback: Some(feedback), details })
        }
        ElementKind::Flashcards { cards, .. } => {
            let Response::Cards(given) = response else {
                return Err(ResponseError::Malformed("say for each card whether you knew it"));
            };
            if given.is_empty()
                || given.len() > cards.len()
                || given
                    .iter()
                    .any(|(id, v)| !cards.iter().any(|c| c.id == *id) || !matches!(v.as_str(), "yes" | "maybe" | "no"))
            {
                return Err(ResponseError::Malformed("say for each card whether you knew it"));
            }
            let details = given.iter().map(|(id, _)| (id.clone(), Status::None)).collect();
            Ok(Correction { status: Status::None, feedback: None, details })
        }
        _ => Err(ResponseError::NotAnswerable),
    }
}

#[cfg(test)]
mod tests {
    use content::{Tolerances, module::*};

    use super::*;

    fn demo() -> content::Content {
        content::demo().expect("demo content")
    }

    fn first<'c>(c: &'c content::Content, name: &str) -> &'c Element {
        c.modules
            .iter()
            .flat_map(|m| m.grains())
            .flat_map(|(_, g)| g.elements())
            .find(|e| e.kind.name() == name)
            .unwrap_or_else(|| panic!("a {name} in the demo modules"))
    }

    fn choices(ids: &[&str]) -> Response {
        Response::Choices(ids.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn a_qcu_is_right_with_its_solution_only_and_gives_that_proposals_feedback() {
        let c = demo();
        let e = first(&c, "qcu");
        let ElementKind::Qcu(q) = &e.kind else { unreachable!() };
        for p in &q.proposals {
            let got = check(&e.kind, Locale::Fr, &choices(&[&p.id])).unwrap();
            assert_eq!(got.status, status(p.id == q.solution));
            assert_eq!(got.feedback.unwrap().diagnosis.fr, p.feedback.diagnosis.fr);
        }
        assert!(check(&e.kind, Locale::Fr, &choices(&["1", "2"])).is_err());
        assert!(check(&e.kind, Locale::Fr, &choices(&["99"])).is_err());
    }

    #[test]
    fn a_qcm_needs_exactly_the_right_set() {
        let c = demo();
        let e = first(&c, "qcm");
        let ElementKind::Qcm { solutions, proposals, .. } = &e.kind else { unreachable!() };
        let right: Vec<&str> = solutions.iter().map(String::as_str).collect();
        assert_eq!(check(&e.kind, Locale::Fr, &choices(&right)).unwrap().status, Status::Ok);
        let mut reversed = right.clone();
        reversed.reverse();
        assert_eq!(check(&e.kind, Locale::Fr, &choices(&reversed)).unwrap().status, Status::Ok, "order does not count");
        assert_eq!(check(&e.kind, Locale::Fr, &choices(&right[..1])).unwrap().status, Status::Ko, "a subset is wrong");
        let wrong = proposals.iter().find(|p| !solutions.contains(&p.id)).unwrap();
        let mut more = right.clone();
        more.push(&wrong.id);
        assert_eq!(check(&e.kind, Locale::Fr, &choices(&more)).unwrap().status, Status::Ko, "a superset is wrong");
    }

    fn qrocm(tolerances: Tolerances) -> ElementKind {
        let none = Feedback { state: None, diagnosis: content::Text { fr: "non".into(), en: "no".into() } };
        let yes = Feedback { state: None, diagnosis: content::Text { fr: "oui".into(), en: "yes".into() } };
        ElementKind::Qrocm {
            instruction: content::Text::default(),
            blocks: vec![
                QrocmBlock::Input {
                    key: "ai".into(),
                    input_type: InputType::Text,
                    size: 10,
                    display: Display::Inline,
                    placeholder: content::Text::default(),
                    aria_label: content::Text::default(),
                    tolerances,
                    solutions: content::Localized {
                        fr: vec!["Générative".into()],
                        en: Some(vec!["Generative".into()]),
                    },
                },
                QrocmBlock::Input {
                    key: "n".into(),
                    input_type: InputType::Number,
                    size: 4,
                    display: Display::Inline,
                    placeholder: content::Text::default(),
                    aria_label: content::Text::default(),
                    tolerances: Tolerances::NONE,
                    solutions: content::Localized { fr: vec!["2022".into()], en: None },
                },
            ],
            feedbacks: Feedbacks { valid: yes, invalid: none },
        }
    }

    fn inputs(ai: &str, n: &str) -> Response {
        Response::Inputs(vec![("ai".into(), ai.into()), ("n".into(), n.into())])
    }

    #[test]
    fn a_qrocm_applies_its_tolerances_per_language() {
        let t3 = qrocm(Tolerances::ALL);
        let exact = qrocm(Tolerances { t1: true, t2: true, t3: false });
        // The reference's vector: "generativ" for "Generative" is right with t3 only.
        assert_eq!(check(&t3, Locale::En, &inputs("generativ", "2022")).unwrap().status, Status::Ok);
        assert_eq!(check(&exact, Locale::En, &inputs("generativ", "2022")).unwrap().status, Status::Ko);
        assert_eq!(
            check(&exact, Locale::Fr, &inputs("GENERATIVE ", "2 022")).unwrap().status,
            Status::Ok,
            "t1: case, accents, spaces"
        );
        assert_eq!(check(&exact, Locale::Fr, &inputs("Générative", "2021")).unwrap().status, Status::Ko);
        let got = check(&exact, Locale::Fr, &inputs("", "2022")).unwrap();
        assert_eq!(
            (got.status, got.details[0].1, got.details[1].1),
            (Status::Ko, Status::Ko, Status::Ok),
            "empty is wrong"
        );
        assert!(check(&exact, Locale::Fr, &Response::Inputs(vec![("other".into(), "x".into())])).is_err());
    }

    #[test]
    fn an_embed_is_right_with_its_word_and_others_take_no_answer() {
        let c = demo();
        let embed = c
            .modules
            .iter()
            .flat_map(|m| m.grains())
            .flat_map(|(_, g)| g.elements())
            .find(|e| matches!(e.kind, ElementKind::Embed { solution: Some(_), .. }))
            .expect("an embed with a solution");
        let ElementKind::Embed { solution: Some(word), .. } = &embed.kind else { unreachable!() };
        assert_eq!(check(&embed.kind, Locale::Fr, &choices(&[&word.to_uppercase()])).unwrap().status, Status::Ok);
        assert_eq!(check(&embed.kind, Locale::Fr, &choices(&["autre"])).unwrap().status, Status::Ko);
        assert_eq!(
            check(&first(&c, "text").kind, Locale::Fr, &choices(&["1"])).unwrap_err(),
            ResponseError::NotAnswerable
        );
    }

    #[test]
    fn a_qab_is_checked_card_by_card_and_flashcards_are_self_assessed() {
        let c = demo();
        let e = first(&c, "qab");
        let ElementKind::Qab { cards, .. } = &e.kind else { unreachable!() };
        let right: Vec<(String, String)> =
            cards.iter().map(|c| (c.id.clone(), if c.solution == QabSide::A { "A" } else { "B" }.to_owned())).collect();
        assert_eq!(check(&e.kind, Locale::Fr, &Response::Cards(right.clone())).unwrap().status, Status::Ok);
        let mut one_wrong = right.clone();
        one_wrong[0].1 = if one_wrong[0].1 == "A" { "B".into() } else { "A".into() };
        let got = check(&e.kind, Locale::Fr, &Response::Cards(one_wrong)).unwrap();
        assert_eq!((got.status, got.details[0].1), (Status::Ko, Status::Ko));
        assert!(check(&e.kind, Locale::Fr, &Response::Cards(right[..1].to_vec())).is_err(), "every card");
        let f = first(&c, "flashcards");
        let ElementKind::Flashcards { cards, .. } = &f.kind else { unreachable!() };
        let got = check(&f.kind, Locale::Fr, &Response::Cards(vec![(cards[0].id.clone(), "maybe".into())])).unwrap();
        assert_eq!(got.status, Status::None);
        assert!(check(&f.kind, Locale::Fr, &Response::Cards(vec![(cards[0].id.clone(), "perhaps".into())])).is_err());
    }
}
