//! Learning modules: the fixture module has every element type and loads; each rule of the format
//! has a broken copy of it that fails with `file:line: message` on the right line.

use std::path::{Path, PathBuf};

use content::{LoadOptions, module::ElementKind};

const FILE: &str = "modules/bac-a-sable.toml";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid")
}

fn module_text() -> String {
    std::fs::read_to_string(fixture().join(FILE)).unwrap()
}

/// The fixture with its module's text replaced.
fn with_module(text: &str) -> Vec<content::SourceFile> {
    let mut files = content::read_dir(&fixture()).unwrap();
    files.iter_mut().find(|f| f.path == FILE).unwrap().bytes = text.as_bytes().to_vec();
    files
}

fn errors(text: &str) -> Vec<content::Diagnostic> {
    match content::load(&with_module(text), LoadOptions { require_english: true }) {
        Ok(_) => Vec::new(),
        Err(d) => d,
    }
}

/// 1-based line of the `nth` (from 0) line containing `needle`.
fn line_of(text: &str, needle: &str, nth: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle:?} #{nth} not in the text"))
        .0
        + 1
}

fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the fixture has no {from:?}");
    text.replacen(from, to, 1)
}

#[test]
fn the_fixture_module_has_every_element_type_and_loads() {
    let c = content::load(&content::read_dir(&fixture()).unwrap(), LoadOptions { require_english: true })
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let m = c.module_by_short_id("bacasabl").expect("the module, by its short id");
    assert_eq!((m.slug.as_str(), m.competence.as_str(), m.sections.len()), ("bac-a-sable", "1.1", 2));
    assert_eq!(m.version.len(), 64, "SHA-256 of the file");
    let mut kinds: Vec<&str> = m.grains().flat_map(|(_, g)| g.elements()).map(|e| e.kind.name()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut all = content::module::ELEMENT_TYPES.to_vec();
    all.sort_unstable();
    assert_eq!(kinds, all, "one of each of the 17 element types");
    let qrocm = m
        .grains()
        .flat_map(|(_, g)| g.elements())
        .find_map(|e| match &e.kind {
            ElementKind::Qrocm { blocks, .. } => Some(blocks.len()),
            _ => None,
        })
        .unwrap();
    assert_eq!(qrocm, 4, "a text, two inputs and a select");
    assert!(m.element(&m.sections[1].grains[1].elements().next().unwrap().id).is_some(), "a step's element by id");
}

#[test]
fn the_demo_modules_load() {
    let c = content::demo().unwrap_or_else(|d| panic!("{d:#?}"));
    assert!(c.modules.len() >= 4, "{}", c.modules.len());
    let mut types: Vec<&str> =
        c.modules.iter().flat_map(|m| m.grains()).flat_map(|(_, g)| g.elements()).map(|e| e.kind.name()).collect();
    types.sort_unstable();
    types.dedup();
    for t in ["text", "image", "video", "audio", "download", "separator", "expand", "qcu", "qcm", "qrocm"] {
        assert!(types.contains(&t), "the demo modules use {t}");
    }
    for t in ["qcu-declarative", "qcm-declarative", "qcu-discovery", "flashcards", "qab", "embed"] {
        assert!(types.contains(&t), "the demo modules use {t}");
    }
    for m in &c.modules {
        assert!((10..=20).contains(&m.details.duration), "{} lasts {} min", m.slug, m.details.duration);
        assert!(c.competence_by_code(&m.competence).is_some());
    }
}

/// Each rule: the broken text, the line expected, a part of the message.
#[test]
fn each_rule_fails_on_its_line() {
    let base = module_text();
    let stepper = "[[sections.grains.components]]\ntype = \"stepper\"\n\n[[sections.grains.components.steps]]\n[[sections.grains.components.steps.elements]]\ntype = \"separator\"\nid = \"0d3f1a52-0a8e-4b43-9a8e-6c6c1c2f1a01\"\n\n[[sections.grains.components.steps]]\n[[sections.grains.components.steps.elements]]\ntype = \"separator\"\nid = \"0d3f1a52-0a8e-4b43-9a8e-6c6c1c2f1a02\"\n";
    let qcu = "\n[[sections.grains.components]]\ntype = \"qcu\"\nid = \"0d3f1a52-0a8e-4b43-9a8e-6c6c1c2f1a03\"\ninstruction = { fr = \"?\", en = \"?\" }\nsolution = \"1\"\nhas_short_proposals = false\nproposals = [\n  { id = \"1\", content = { fr = \"a\", en = \"a\" }, feedback = { diagnosis = { fr = \"a\", en = \"a\" } } },\n  { id = \"2\", content = { fr = \"b\", en = \"b\" }, feedback = { diagnosis = { fr = \"b\", en = \"b\" } } },\n]\n";
    let card = "\n[[sections.grains.components.cards]]\nid = \"ID\"\ntext = { fr = \"Encore\", en = \"Again\" }\nproposal_a = { fr = \"Vrai\", en = \"True\" }\nproposal_b = { fr = \"Faux\", en = \"False\" }\nsolution = \"A\"\n";
    let five_cards: String =
        (0..5).map(|n| card.replace("ID", &format!("0d3f1a52-0a8e-4b43-9a8e-6c6c1c2f1b0{n}"))).collect();
    let before_practise = "[[sections]]\nid = \"";
    let practise_at = base.rfind(before_practise).unwrap();
    let second_step = base.rfind("[[sections.grains.components.steps]]").unwrap();

    let cases: Vec<(&str, String, (&str, usize), &str)> = vec![
        ("two steppers in a grain", format!("{base}\n{stepper}"), ("type = \"stepper\"", 1), "at most one stepper"),
        ("a stepper beside a qcu", format!("{base}{qcu}"), ("type = \"qcu\"", 1), "cannot share its grain with a qcu"),
        (
            "flashcards in a stepper",
            {
                let at = base.rfind("type = \"text\"").unwrap();
                format!("{}type = \"flashcards\"{}", &base[..at], &base[at + "type = \"text\"".len()..])
            },
            ("type = \"flashcards\"", 1),
            "flashcards cannot be inside a stepper",
        ),
        ("a stepper of one step", base[..second_step].to_owned(), ("type = \"stepper\"", 0), "at least 2 steps"),
        ("a short id of 7 characters", replaced(&base, "\"bacasabl\"", "\"bacasab\""), ("short_id", 0), "exactly 8"),
        (
            "a slug with capitals",
            replaced(&base, "slug = \"bac-a-sable\"", "slug = \"Bac-a-sable\""),
            ("slug =", 0),
            "[a-z0-9-]+",
        ),
        (
            "a qab of 7 cards",
            format!("{}{five_cards}\n{}", &base[..practise_at], &base[practise_at..]),
            // The first card of the QAB (the fixture's flashcards have one before).
            ("[[sections.grains.components.cards]]", 1),
            "from 1 to 6 cards, not 7",
        ),
        (
            "an iframe in Markdown",
            replaced(
                &base,
                "{ fr = \"Quel outil cherche ?\"",
                "{ fr = \"<iframe src='https://example.org'></iframe>\"",
            ),
            ("type = \"qcu\"", 0),
            "raw HTML is not allowed",
        ),
        (
            "tolerances on a select",
            replaced(&base, "input = \"tool\"\n", "input = \"tool\"\ntolerances = [\"t1\"]\n"),
            ("tolerances = [\"t1\"]", 0),
            "cannot have tolerances",
        ),
        (
            "an unknown element type",
            replaced(&base, "type = \"separator\"", "type = \"carousel\""),
            ("carousel", 0),
            "unknown element type \"carousel\"",
        ),
        (
            "an id used twice",
            {
                let first = base.lines().find(|l| l.starts_with("id = \"") && l.len() == 43).unwrap();
                let last = base.lines().rev().find(|l| l.starts_with("id = \"") && l.len() == 43).unwrap();
                replaced(&base, last, first)
            },
            ("id = \"", usize::MAX),
            "is used twice in the module",
        ),
        (
            "a solution that is no proposal",
            replaced(&base, "solution = \"2\"", "solution = \"9\""),
            ("solution = \"9\"", 0),
            "not a proposal's id",
        ),
        (
            "a QCM with one solution",
            replaced(&base, "solutions = [\"1\", \"3\", \"4\"]", "solutions = [\"1\"]"),
            ("solutions = [\"1\"]", 0),
            "at least 2 different solutions",
        ),
        (
            "an embed solution with capitals",
            replaced(&base, "solution = \"bravo\"", "solution = \"Bravo\""),
            ("type = \"embed\"", 0),
            "lower-case letters",
        ),
        ("a missing media file", replaced(&base, "voice.ogg", "silence.ogg"), ("silence.ogg", 0), "no media file"),
        (
            "HTML in a plain title",
            replaced(&base, "{ fr = \"Les médias\"", "{ fr = \"<b>Les médias</b>\""),
            ("type = \"lesson\"", 0),
            "no HTML in a plain text",
        ),
        (
            "a field of another type",
            replaced(&base, "type = \"separator\"\n", "type = \"separator\"\nsolution = \"1\"\n"),
            ("type = \"separator\"", 0),
            "`solution` does not belong to a separator",
        ),
        (
            "a duration over 2 hours",
            replaced(&base, "duration = 12", "duration = 121"),
            ("duration = 121", 0),
            "from 0 to 120",
        ),
        (
            "a short proposal too long",
            replaced(
                &base,
                "{ fr = \"Un moteur\", en = \"An engine\" }\nfeedback",
                "{ fr = \"Un moteur de recherche en ligne\", en = \"An engine\" }\nfeedback",
            ),
            ("id = \"2\"", 0),
            "20 characters at most",
        ),
    ];
    assert!(cases.len() >= 10);
    for (rule, text, (needle, nth), message) in cases {
        let nth = if nth == usize::MAX { text.lines().filter(|l| l.contains(needle)).count() - 1 } else { nth };
        let line = line_of(&text, needle, nth);
        let found = errors(&text);
        assert!(
            found.iter().any(|d| d.file == FILE && d.line == line && d.message.contains(message)),
            "{rule}: expected {FILE}:{line}: …{message}…, got {found:#?}"
        );
    }
}

#[test]
fn two_modules_cannot_share_a_short_id() {
    let mut files = content::read_dir(&fixture()).unwrap();
    let text = module_text().replace("slug = \"bac-a-sable\"", "slug = \"copie\"");
    files.push(content::SourceFile { path: "modules/copie.toml".into(), bytes: text.into_bytes() });
    let found = content::load(&files, LoadOptions { require_english: true }).unwrap_err();
    assert!(found.iter().any(|d| d.message.contains("short_id \"bacasabl\" is already")), "{found:#?}");
}
