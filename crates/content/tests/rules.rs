//! Every validation rule has a failing fixture: the valid fixture with one mistake introduced.

use std::path::{Path, PathBuf};

use content::{ChallengeType, LoadOptions};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid")
}

fn load(files: &[content::SourceFile]) -> Result<content::Content, Vec<content::Diagnostic>> {
    content::load(files, LoadOptions { require_english: true })
}

/// The fixture's files with `from` replaced by `to` in `file` (the replacement must apply).
fn mutated(file: &str, from: &str, to: &str) -> Vec<content::SourceFile> {
    let mut files = content::read_dir(&fixture()).expect("fixture readable");
    let f = files.iter_mut().find(|f| f.path == file).unwrap_or_else(|| panic!("no fixture file {file}"));
    let text = String::from_utf8(f.bytes.clone()).unwrap();
    assert!(text.contains(from), "fixture {file} does not contain {from:?}");
    f.bytes = text.replacen(from, to, 1).into_bytes();
    files
}

fn line_of(file: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(fixture().join(file)).unwrap();
    text.lines().position(|l| l.contains(needle)).expect("needle in fixture") + 1
}

#[test]
fn the_valid_fixture_loads_with_every_type_and_computed_values() {
    let c = load(&content::read_dir(&fixture()).unwrap()).expect("valid fixture");
    assert_eq!(
        (c.areas.len(), c.competences.len(), c.tubes.len(), c.skills.len(), c.challenges.len()),
        (1, 1, 1, 2, 5)
    );
    let kinds: std::collections::BTreeSet<_> = c.challenges.iter().map(|ch| ch.kind).collect();
    assert_eq!(kinds.len(), 5);
    // One active skill per level in the competence: 8 / 1 capped at 4.
    assert!(c.skills.iter().all(|s| s.pix_value == 4.0));
    let qroc = c.challenge(c.challenge_by_id("tubeA2-a").unwrap());
    assert_eq!(qroc.kind, ChallengeType::Qroc);
    assert!(qroc.numeric);
    // Calibration derived from the level: (2 − 4) × 0.9 and 1.2.
    assert!((qroc.difficulty - -1.8).abs() < 1e-9 && (qroc.discrimination - 1.2).abs() < 1e-9);
    let tube = c.tube(c.tube_by_name("@tubeA").unwrap());
    let levels: Vec<u8> = tube.skills.iter().map(|s| c.skill(*s).level).collect();
    assert_eq!(levels, vec![1, 2]);
    assert_eq!(c.skill(c.skill_by_name("@tubeA1").unwrap()).tutorials.len(), 2);
    assert_eq!(c.version.len(), 16);
}

#[test]
fn version_changes_with_any_file() {
    let a = content::version_of(&content::read_dir(&fixture()).unwrap());
    let b = content::version_of(&mutated("media/data.csv", "12", "13"));
    assert_ne!(a, b);
}

/// (rule, file, from, to, expected message part, line containing this text — or "" for any line)
const RULES: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "duplicate challenge id",
        "competences/1.1.toml",
        "id = \"tubeA1-b\"",
        "id = \"tubeA1-a\"",
        "duplicate challenge id \"tubeA1-a\"",
        "id = \"tubeA1-b\"",
    ),
    (
        "duplicate tutorial id",
        "tutorials/t.toml",
        "id = \"tuto-en\"",
        "id = \"tuto-fr\"",
        "duplicate tutorial id",
        "id = \"tuto-en\"",
    ),
    (
        "dangling skill reference",
        "competences/1.1.toml",
        "skill = \"@tubeA1\"\ntype = \"QCM\"",
        "skill = \"@tubeA7\"\ntype = \"QCM\"",
        "unknown skill \"@tubeA7\"",
        "id = \"tubeA1-b\"",
    ),
    (
        "dangling area reference",
        "competences/1.1.toml",
        "area = \"1\"",
        "area = \"9\"",
        "unknown area \"9\"",
        "area = \"1\"",
    ),
    (
        "skill name not matching a tube",
        "competences/1.1.toml",
        "name = \"@tubeA2\"",
        "name = \"@tubeB2\"",
        "no tube \"@tubeB\" matches its name",
        "name = \"@tubeA2\"",
    ),
    (
        "level outside 1-8",
        "competences/1.1.toml",
        "name = \"@tubeA2\"",
        "name = \"@tubeA9\"",
        "level 9 is outside 1–8",
        "name = \"@tubeA2\"",
    ),
    (
        "active skill without validated challenge",
        "competences/1.1.toml",
        "[[skills]]\nname = \"@tubeA2\"",
        "[[skills]]\nname = \"@tubeA3\"\nstatus = \"active\"\n\n[[skills]]\nname = \"@tubeA2\"",
        "active skill \"@tubeA3\" has no validated challenge",
        "name = \"@tubeA2\"",
    ),
    (
        "QCU solution outside proposals",
        "competences/1.1.toml",
        "solution = \"1\"",
        "solution = \"3\"",
        "solution 3 is outside the 2 proposals",
        "id = \"tubeA1-a\"",
    ),
    (
        "QCM solution outside proposals",
        "competences/1.1.toml",
        "solution = \"1,3\"",
        "solution = \"1,4\"",
        "solution 4 is outside the 3 proposals",
        "id = \"tubeA1-b\"",
    ),
    (
        "QROCM inputs and solution keys differ",
        "competences/1.1.toml",
        "a:\n  - Paris",
        "c:\n  - Paris",
        "inputs and solution keys differ",
        "id = \"tubeA2-b\"",
    ),
    (
        "malformed YAML solution",
        "competences/1.1.toml",
        "g1:\n  - firefox",
        "g1: [firefox",
        "malformed YAML",
        "id = \"tubeA2-c\"",
    ),
    (
        "select answer not among options",
        "competences/1.1.toml",
        "b:\n  - France",
        "b:\n  - Espagne",
        "select answer \"Espagne\" for \"b\" is not among its options",
        "id = \"tubeA2-b\"",
    ),
    (
        "timer not positive",
        "competences/1.1.toml",
        "timer = 60",
        "timer = 0",
        "timer must be a positive number",
        "id = \"tubeA1-b\"",
    ),
    (
        "illustration without alt text",
        "competences/1.1.toml",
        ", alt = { fr = \"Un carré noir\", en = \"A black square\" }",
        "",
        "illustration without alt text",
        "id = \"tubeA1-a\"",
    ),
    (
        "missing French text",
        "competences/1.1.toml",
        "instruction = { fr = \"Combien ?\", en = \"How many?\" }",
        "instruction = { en = \"How many?\" }",
        "instruction: missing French text",
        "id = \"tubeA2-a\"",
    ),
    (
        "missing English text",
        "competences/1.1.toml",
        "instruction = { fr = \"Lesquels ?\", en = \"Which ones?\" }",
        "instruction = { fr = \"Lesquels ?\" }",
        "instruction: missing English text",
        "id = \"tubeA1-b\"",
    ),
    (
        "unknown tutorial",
        "competences/1.1.toml",
        "learn_more = [\"tuto-en\"]",
        "learn_more = [\"tuto-xx\"]",
        "unknown tutorial \"tuto-xx\"",
        "name = \"@tubeA2\"",
    ),
    (
        "media file missing",
        "competences/1.1.toml",
        "attachments = [\"data.csv\"]",
        "attachments = [\"gone.csv\"]",
        "media file \"gone.csv\" not found",
        "id = \"tubeA2-a\"",
    ),
    (
        "Markdown with raw HTML",
        "competences/1.1.toml",
        "Quel outil ?",
        "Quel <b>outil</b> ?",
        "raw HTML is not allowed",
        "id = \"tubeA1-a\"",
    ),
    (
        "unknown challenge type",
        "competences/1.1.toml",
        "type = \"QCM\"",
        "type = \"QCX\"",
        "unknown type \"QCX\"",
        "id = \"tubeA1-b\"",
    ),
    (
        "input without label",
        "competences/1.1.toml",
        "${n§Nombre}",
        "${n}",
        "input \"n\" has no label",
        "id = \"tubeA2-a\"",
    ),
    (
        "QROC with two inputs",
        "competences/1.1.toml",
        "${n§Nombre}",
        "${n§Nombre} ${m§Autre}",
        "exactly one input",
        "id = \"tubeA2-a\"",
    ),
    (
        "proposal count differs between languages",
        "competences/1.1.toml",
        "en = \"- A\\n- B\\n- C\"",
        "en = \"- A\\n- B\"",
        "3 proposals in French but 2 in English",
        "id = \"tubeA1-b\"",
    ),
    (
        "invalid TOML",
        "competences/1.1.toml",
        "status = \"active\"\nhint",
        "status = \"active\nhint",
        "invalid file",
        "",
    ),
    ("unknown field", "competences/1.1.toml", "timer = 60", "timre = 60", "unknown field", ""),
];

#[test]
fn each_rule_fails_with_a_precise_message() {
    for (rule, file, from, to, expected, at) in RULES {
        let diagnostics = match load(&mutated(file, from, to)) {
            Ok(_) => panic!("rule \"{rule}\": the mutated fixture was accepted"),
            Err(d) => d,
        };
        let rendered: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        let expected_message = *expected;
        let hit = diagnostics.iter().find(|d| d.message.contains(expected_message));
        let hit = hit.unwrap_or_else(|| panic!("rule \"{rule}\": expected {expected_message:?} in {rendered:#?}"));
        assert_eq!(hit.file, *file, "rule \"{rule}\"");
        if !at.is_empty() {
            assert_eq!(hit.line, line_of(file, at), "rule \"{rule}\": wrong line in {hit}");
        } else {
            assert!(hit.line > 0, "rule \"{rule}\": {hit}");
        }
    }
}

#[test]
fn all_problems_are_reported_not_just_the_first() {
    let mut files = mutated("competences/1.1.toml", "solution = \"1\"", "solution = \"3\"");
    let f = files.iter_mut().find(|f| f.path == "competences/1.1.toml").unwrap();
    let text = String::from_utf8(f.bytes.clone()).unwrap().replacen("timer = 60", "timer = -5", 1);
    f.bytes = text.into_bytes();
    let diagnostics = load(&files).unwrap_err();
    assert!(diagnostics.iter().any(|d| d.message.contains("outside the 2 proposals")));
    assert!(diagnostics.iter().any(|d| d.message.contains("timer must be a positive")));
    assert!(diagnostics.iter().all(|d| d.to_string().starts_with("competences/1.1.toml:")));
}

#[test]
fn the_demo_referential_is_valid_and_meets_its_targets() {
    let c = content::demo().unwrap_or_else(|d| {
        panic!("demo content has problems:\n{}", d.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    });
    let s = content::stats::compute(&c);
    assert_eq!((s.areas, s.competences), (5, 16));
    assert!(s.tubes >= 48, "{} tubes", s.tubes);
    assert!(s.challenges >= 350, "{} challenges", s.challenges);
    assert_eq!(s.challenges_by_type.len(), 5);
    assert!(s.timed >= 20 && s.focused >= 20 && s.illustrated >= 30 && s.with_attachment >= 10, "{s:?}");
    assert!(s.skills_with_tutorials >= 0.6);
    for comp in &c.competences {
        assert!(comp.tubes.len() >= 3, "competence {}", comp.code);
    }
    // Every active skill has a challenge; levels 1–3 have at least two.
    for skill in c.skills.iter().filter(|s| s.status == content::SkillStatus::Active) {
        let needed = if skill.level <= 3 { 2 } else { 1 };
        assert!(skill.challenges.len() >= needed, "{} has {} challenges", skill.name, skill.challenges.len());
    }
    // The pix of a fully mastered level is 8 in every competence (or less when a level has one skill: 4).
    for comp in &c.competences {
        for level in 1..=8u8 {
            let total: f64 =
                comp.active_skills.iter().map(|s| c.skill(*s)).filter(|s| s.level == level).map(|s| s.pix_value).sum();
            assert!(total == 0.0 || total == 4.0 || (total - 8.0).abs() < 1e-9, "{} level {level}: {total}", comp.code);
        }
    }
}
