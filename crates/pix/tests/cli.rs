//! The `pix` command line, run as a real process.

use std::{path::Path, process::Command};

fn pix() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pix"))
}

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/tests/fixtures/valid")
}

#[test]
fn help_lists_every_command() {
    let out = pix().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for command in ["serve", "migrate", "content"] {
        assert!(text.contains(command), "{command} missing from --help:\n{text}");
    }
    let version = pix().arg("--version").output().unwrap();
    assert_eq!(String::from_utf8(version.stdout).unwrap().trim(), format!("pix {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn content_check_passes_on_demo_and_valid_fixture() {
    let demo = pix().args(["content", "check"]).output().unwrap();
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stdout));
    let fixture = pix().args(["content", "check"]).arg(fixture()).output().unwrap();
    assert!(fixture.status.success(), "{}", String::from_utf8_lossy(&fixture.stdout));
}

#[test]
fn content_check_fails_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let comp = dir.path().join("competences/1.1.toml");
    let text = std::fs::read_to_string(&comp).unwrap().replacen("solution = \"1\"", "solution = \"5\"", 1);
    std::fs::write(&comp, text).unwrap();
    let out = pix().args(["content", "check"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.lines().any(|l| l.starts_with("competences/1.1.toml:") && l.contains("solution 5 is outside")),
        "{stdout}"
    );
}

#[test]
fn content_stats_json_has_the_documented_keys() {
    let out = pix().args(["content", "stats", "--json"]).output().unwrap();
    assert!(out.status.success());
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["areas", "competences", "tubes", "skills", "challenges", "tutorials"] {
        assert!(stats[key].as_u64().is_some_and(|n| n > 0), "{key}");
    }
    assert!(stats["challenges_by_type"]["QROCM-dep"].as_u64().is_some_and(|n| n > 0));
    assert!(stats["challenges_by_level"]["1"].as_u64().is_some_and(|n| n > 0));
    assert_eq!(stats["competences"], 16);
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn simulate_reports_every_scenario_as_json() {
    let out = pix().args(["simulate", "--learners", "20", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let scenarios = doc["scenarios"].as_array().unwrap();
    assert!(scenarios.len() >= 2);
    for s in scenarios {
        let within = s["within_one_level"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&within));
        assert!(s["mean_questions"].as_f64().unwrap() > 0.0);
    }
    assert!(scenarios.iter().any(|s| s["scenario"].as_str().unwrap().contains("reference")));
    let names: Vec<&str> = scenarios.iter().map(|s| s["scenario"].as_str().unwrap()).collect();
    for mode in ["placement mode", "exposure control", "variable length"] {
        assert!(names.iter().any(|n| n.contains(mode)), "{mode} in {names:?}");
    }
    let exposure = scenarios.iter().find(|s| s["scenario"].as_str().unwrap().contains("exposure control")).unwrap();
    assert!(exposure["max_exposure"].as_f64().unwrap() <= 0.2 + 1e-9, "{exposure}");
    assert_eq!(exposure["over_exposed"], 0);
    for s in scenarios.iter().filter(|s| s["scenario"].as_str().unwrap().starts_with("certification")) {
        assert!(s["reliability"].as_f64().is_some_and(|r| (0.0..=1.0).contains(&r)), "{s}");
        let lengths: Vec<u64> = s["lengths"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        assert!(lengths.windows(2).all(|w| w[0] <= w[1]) && lengths[4] <= 32, "{lengths:?}");
        let tests: u64 = s["bands"].as_array().unwrap().iter().map(|b| b["tests"].as_u64().unwrap()).sum();
        assert_eq!(tests, 20, "every learner in one ability band");
    }
}

#[test]
fn simulate_runs_on_a_synthetic_bank_and_refuses_bad_distributions() {
    let out = pix()
        .args([
            "simulate",
            "--learners",
            "30",
            "--bank-size",
            "600",
            "--discrimination",
            "uniform:0.8:1.6",
            "--population",
            "uniform:-2:2",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["bank"].as_str().unwrap().starts_with("synthetic bank of 600"), "{doc}");
    assert_eq!(doc["population"], "uniform:-2:2");
    let scenarios = doc["scenarios"].as_array().unwrap();
    assert!(
        scenarios.iter().all(|s| s["scenario"].as_str().unwrap().starts_with("certification")),
        "no content, no competence test"
    );
    assert!(scenarios.iter().all(|s| s["bank_size"] == 600));
    let out = pix().args(["simulate", "--bank-size", "100", "--difficulty", "normal:0:-1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the spread must be positive"));
    let out = pix().args(["simulate", "--discrimination", "uniform:1:2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a bank distribution needs --bank-size");
}

#[test]
fn verify_checks_a_credential_offline() {
    use platform::certification::credential::{self, Claims, IssuerKey};
    let dir = tempfile::tempdir().unwrap();
    let key = IssuerKey::from_seed("key-1", &[3; 32]);
    let did = credential::did_web("https://pix.example");
    let doc = credential::did_document(&did, &[("key-1".into(), key.multikey())]);
    let list_url = "https://pix.example/credentials/status/1";
    let claims = Claims {
        id: "https://pix.example/verifier-un-certificat?code=P-BCDFGHJK".into(),
        holder: "Léa APPRENANTE".into(),
        version: 3,
        score: (612, 895, Some(35)),
        level: Some("Avancé".into()),
        competences: vec![("1.1".into(), "Mener une recherche et une veille d'information".into(), 5)],
        taken: ("2026-11-20".into(), "Médiathèque Jules Verne".into()),
        verification_code: "P-BCDFGHJK".into(),
        status: (list_url.into(), 42),
    };
    let vc =
        credential::sign(credential::credential("https://pix.example", &did, "Pix", &claims, "t"), &key, &did, "t");
    let write = |name: &str, v: &serde_json::Value| {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_string_pretty(v).unwrap()).unwrap();
        path
    };
    let (vc_file, did_file) = (write("vc.json", &vc), write("did.json", &doc));
    let clean = write(
        "clean.json",
        &credential::sign(
            credential::status_list_credential(
                list_url,
                &did,
                &[41, 43],
                ("2026-01-01T00:00:00Z", "2999-01-01T00:00:00Z"),
            ),
            &key,
            &did,
            "t",
        ),
    );
    let revoked = write(
        "revoked.json",
        &credential::sign(
            credential::status_list_credential(list_url, &did, &[42], ("2026-01-01T00:00:00Z", "2999-01-01T00:00:00Z")),
            &key,
            &did,
            "t",
        ),
    );
    let run = |args: &[&std::path::Path]| {
        let mut cmd = pix();
        cmd.arg("verify").arg(args[0]).arg("--issuer").arg(args[1]);
        if let Some(status) = args.get(2) {
            cmd.arg("--status").arg(status);
        }
        let out = cmd.output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (code, out) = run(&[&vc_file, &did_file]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("VALID: signed by did:web:pix.example#key-1; revocation not checked"), "{out}");
    assert!(
        out.contains("Holder: Léa APPRENANTE") && out.contains("Score: 612 / 895 (± 35), global level: Avancé"),
        "{out}"
    );
    assert!(out.contains("1.1 Mener une recherche et une veille d'information: level 5"), "{out}");
    let (code, out) = run(&[&vc_file, &did_file, &clean]);
    assert_eq!(
        (code, out.lines().next().unwrap()),
        (Some(0), "VALID: signed by did:web:pix.example#key-1; not revoked as of 2026-01-01T00:00:00Z")
    );
    let (code, out) = run(&[&vc_file, &did_file, &revoked]);
    assert_eq!((code, out.trim()), (Some(1), "INVALID: revoked by the issuer"));
    let mut forged = vc.clone();
    forged["credentialSubject"]["identifier"][0]["identityHash"] = serde_json::json!("Mallory");
    let forged = write("forged.json", &forged);
    let (code, out) = run(&[&forged, &did_file]);
    assert_eq!((code, out.trim()), (Some(1), "INVALID: the signature does not match the document"));
    let (code, _) = run(&[&dir.path().join("missing.json"), &did_file]);
    assert_eq!(code, Some(2));
}

#[test]
fn credential_keys_rotate_and_a_compromised_one_is_withdrawn() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = pix().args(args).arg("--data-dir").arg(dir.path()).output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (code, out, _) = run(&["rotate-credential-key"]);
    assert_eq!((code, out.trim()), (Some(0), "new signing key: key-1 (earlier keys stay published)"));
    let (code, out, _) = run(&["rotate-credential-key"]);
    assert_eq!((code, out.trim()), (Some(0), "new signing key: key-2 (earlier keys stay published)"));
    let (code, out, _) = run(&["withdraw-credential-key", "key-1"]);
    assert_eq!(code, Some(0), "{out}");
    let (code, _, err) = run(&["withdraw-credential-key", "key-1"]);
    assert_eq!((code, err.trim()), (Some(1), "no key key-1 in use"), "once");
}
