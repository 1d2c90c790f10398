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

/// A broken module gets its `file:line:` too, and the demo's modules are counted.
#[test]
fn content_check_reports_a_broken_module_on_its_line() {
    let demo = pix().args(["content", "check"]).output().unwrap();
    let summary = String::from_utf8(demo.stdout).unwrap();
    assert!(summary.contains(", 4 modules (version"), "{summary}");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let module = dir.path().join("modules/bac-a-sable.toml");
    let text = std::fs::read_to_string(&module).unwrap();
    let broken = text.replacen("short_id = \"bacasabl\"", "short_id = \"bacasab\"", 1);
    assert_ne!(text, broken);
    let line = broken.lines().position(|l| l.starts_with("short_id")).unwrap() + 1;
    std::fs::write(&module, broken).unwrap();
    let out = pix().args(["content", "check"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.lines().any(|l| l.starts_with(&format!("modules/bac-a-sable.toml:{line}: ")) && l.contains("exactly 8")),
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

fn claims(list_url: &str) -> platform::certification::credential::Claims {
    platform::certification::credential::Claims {
        id: "https://pix.example/verifier-un-certificat?code=P-BCDFGHJK".into(),
        holder: "Léa APPRENANTE".into(),
        version: 3,
        score: (612, 895, Some(35)),
        level: Some("Avancé".into()),
        competences: vec![("1.1".into(), "Mener une recherche et une veille d'information".into(), 5)],
        taken: (
            "2026-11-20T10:45:00Z".into(),
            "urn:uuid:0191d1c6-6f3c-7a51-9f57-1f2d6c1c2b3a".into(),
            "Médiathèque Jules Verne".into(),
        ),
        verification_code: "P-BCDFGHJK".into(),
        status: (list_url.into(), 42),
    }
}

const SIGNED_AT: &str = "2026-11-20T10:00:00Z";

fn published(
    key: &platform::certification::credential::IssuerKey,
) -> platform::certification::credential::PublishedKey {
    platform::certification::credential::PublishedKey { id: key.id.clone(), public_key: key.multikey(), retired: None }
}

#[test]
fn verify_checks_a_credential_offline() {
    use platform::certification::credential::{self, IssuerKey};
    let dir = tempfile::tempdir().unwrap();
    let key = IssuerKey::from_seed("key-1", &[3; 32]);
    let did = credential::did_web("https://pix.example");
    let doc = credential::did_document(&did, &[published(&key)]);
    let list_url = "https://pix.example/credentials/status/1";
    let unsigned = credential::credential("https://pix.example", &did, "Pix", &claims(list_url));
    let vc = credential::sign(unsigned.clone(), &key, &did, SIGNED_AT);
    let write = |name: &str, v: &serde_json::Value| {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_string_pretty(v).unwrap()).unwrap();
        path
    };
    let (vc_file, did_file) = (write("vc.json", &vc), write("did.json", &doc));
    let validity = ("2026-01-01T00:00:00Z", "2999-01-01T00:00:00Z");
    let list = |revoked: &[u64]| {
        credential::sign(credential::status_list_credential(list_url, &did, revoked, validity), &key, &did, SIGNED_AT)
    };
    let (clean, revoked) = (write("clean.json", &list(&[41, 43])), write("revoked.json", &list(&[42])));
    let run = |args: &[&Path]| {
        let mut cmd = pix();
        cmd.arg("verify").arg(args[0]).args(["--issuer-did", "did:web:pix.example", "--issuer"]).arg(args[1]);
        if let Some(status) = args.get(2) {
            cmd.arg("--status").arg(status);
        }
        let out = cmd.output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (code, out) = run(&[&vc_file, &did_file]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("VALID: signed by did:web:pix.example#key-1; revocation not checked"), "{out}");
    assert!(out.contains(&format!("Issuer key: {} (DID document from the file", key.multikey())), "{out}");
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
    // Another issuer's credential and document, however consistent, are not the pinned issuer's.
    let evil = credential::did_web("https://evil.example");
    let evil_key = IssuerKey::from_seed("key-1", &[5; 32]);
    let evil_vc = credential::sign(
        credential::credential("https://evil.example", &evil, "Pix", &claims(list_url)),
        &evil_key,
        &evil,
        SIGNED_AT,
    );
    let evil_doc = credential::did_document(&evil, &[published(&evil_key)]);
    let (code, out) = run(&[&write("evil.json", &evil_vc), &write("evil-did.json", &evil_doc)]);
    assert_eq!(
        (code, out.trim()),
        (Some(1), "INVALID: issued by did:web:evil.example, not by the expected issuer did:web:pix.example")
    );
    // The issuer must be named.
    let out = pix().arg("verify").arg(&vc_file).arg("--issuer").arg(&did_file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--issuer-did"));
}

/// A TLS server on the loopback answering every request with the body `body_for(port)` makes (a
/// test stand-in for the issuer's site), with a certificate for `localhost` made by openssl;
/// returns its port and the certificate (PEM) to trust.
fn https_site(dir: &Path, body_for: impl FnOnce(u16) -> String) -> (u16, Vec<u8>) {
    use tokio_rustls::rustls::{
        self,
        pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    };
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let (ca_cert, ca_key, csr, ext) =
        (dir.join("ca.pem"), dir.join("ca.key"), dir.join("leaf.csr"), dir.join("leaf.ext"));
    std::fs::write(&ext, "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n").unwrap();
    let openssl = |args: &[&std::ffi::OsStr]| {
        let out = Command::new("openssl").args(args).output().expect("openssl");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].map(std::ffi::OsStr::new);
    let os = |s: &'static str| std::ffi::OsStr::new(s);
    // A certificate authority, and a certificate for localhost it signs.
    openssl(
        &[
            &[os("req"), os("-x509")],
            &ec[..],
            &[
                os("-days"),
                os("1"),
                os("-subj"),
                os("/CN=Test CA"),
                os("-keyout"),
                ca_key.as_os_str(),
                os("-out"),
                ca_cert.as_os_str(),
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &[os("req")],
            &ec[..],
            &[os("-subj"), os("/CN=localhost"), os("-keyout"), key.as_os_str(), os("-out"), csr.as_os_str()],
        ]
        .concat(),
    );
    openssl(&[
        os("x509"),
        os("-req"),
        os("-in"),
        csr.as_os_str(),
        os("-CA"),
        ca_cert.as_os_str(),
        os("-CAkey"),
        ca_key.as_os_str(),
        os("-CAcreateserial"),
        os("-days"),
        os("1"),
        os("-extfile"),
        ext.as_os_str(),
        os("-out"),
        cert.as_os_str(),
    ]);
    let pem = std::fs::read(&cert).unwrap();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem).map(Result::unwrap).collect();
    let private = PrivateKeyDer::from_pem_slice(&std::fs::read(&key).unwrap()).unwrap();
    let config =
        rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, private)
            .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let body = body_for(port);
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else { continue };
                let Ok(mut tls) = acceptor.accept(tcp).await else { continue };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/did+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            }
        });
    });
    (port, std::fs::read(&ca_cert).unwrap())
}

#[test]
fn verify_fetches_the_issuer_document_over_https() {
    use platform::certification::credential::{self, IssuerKey};
    let dir = tempfile::tempdir().unwrap();
    let key = IssuerKey::from_seed("key-1", &[3; 32]);
    let did_of = |port: u16| format!("did:web:localhost%3A{port}");
    let (port, ca) = https_site(dir.path(), |port| {
        serde_json::to_string(&credential::did_document(&did_of(port), &[published(&key)])).unwrap()
    });
    let did = did_of(port);
    let site = format!("https://localhost:{port}");
    let list_url = format!("{site}/credentials/status/1");
    let unsigned = credential::credential(&site, &did, "Pix", &claims(&list_url));
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let genuine = credential::sign(unsigned.clone(), &key, &did, SIGNED_AT);
    let genuine = write("vc.json", serde_json::to_string(&genuine).unwrap().as_bytes());
    let ca = write("ca.pem", &ca);
    let run = |vc: &Path, trust: bool| {
        let mut cmd = pix();
        cmd.arg("verify").arg(vc).args(["--issuer-did", &did]);
        if trust {
            cmd.arg("--ca-cert").arg(&ca);
        }
        let out = cmd.output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (code, out, err) = run(&genuine, true);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains(&format!("(DID document from https://localhost:{port}/.well-known/did.json)")), "{out}");
    // M5: a forger's key claiming to be the issuer, with whatever document the forger hands over:
    // the document that counts is the one the issuer's host serves.
    let forger = IssuerKey::from_seed("key-1", &[4; 32]);
    let forged = credential::sign(unsigned, &forger, &did, SIGNED_AT);
    let forged = write("forged.json", serde_json::to_string(&forged).unwrap().as_bytes());
    let (code, out, _) = run(&forged, true);
    assert_eq!((code, out.trim()), (Some(1), "INVALID: the signature does not match the document"));
    // A host whose certificate is not trusted is not the issuer's.
    let (code, _, err) = run(&genuine, false);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&format!("cannot fetch https://localhost:{port}/.well-known/did.json")), "{err}");
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
