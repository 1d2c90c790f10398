//! Documents: attendance sheets and certificates as tagged PDFs, signed credentials that verify offline and revoke.

use super::*;
use crate::dual;

dual!(
    attendance_sheets_and_certificates_are_tagged_pdfs,
    certificates_are_signed_credentials_that_verify_offline_and_revoke,
);

/// Writes a downloaded PDF where a person can look at it (`PIX_KEEP_PDF=dir`).
fn keep_pdf(name: &str, bytes: &[u8]) {
    if let Ok(dir) = std::env::var("PIX_KEEP_PDF") {
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
}

/// The QR codes a 72 dpi greyscale rendering of a PDF's pages shows (poppler's `pdftoppm`, as a
/// cheap printer or a photographed screen would show them), decoded.
fn qr_codes_at_72_dpi(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "72", "-gray"])
        .arg(&file)
        .arg(dir.path().join("page"))
        .output()
        .expect("pdftoppm (poppler-utils; scripts/test installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    pages.sort();
    let mut found = Vec::new();
    for page in pages {
        let bytes = std::fs::read(page).unwrap();
        // Binary PGM: "P5", width, height, maximum, one byte per pixel.
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
        }
        let pixels = &bytes[at + 1..];
        let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
        for grid in image.detect_grids() {
            if let Ok((_, content)) = grid.decode() {
                found.push(content);
            }
        }
    }
    found
}

async fn attendance_sheets_and_certificates_are_tagged_pdfs(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session, _, _, _) = demo_session(&app).await;
    let center: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT center_id FROM certification_sessions WHERE id = $1").bind(session).fetch_one(pool).await.unwrap()
    });
    app.know_password("centre-admin@demo.example").await;
    let centre = app.login_as("centre-admin@demo.example").await;
    let sheet = format!("/certif/{center}/sessions/{session}/attendance.pdf");
    let page = centre.get(app.url(&format!("/certif/{center}/sessions/{session}"))).send().await.unwrap();
    assert!(page.text().await.unwrap().contains(&sheet), "the session page links to its sheet");
    let r = centre.get(app.url(&sheet)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/pdf");
    assert!(r.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().contains("feuille-emargement-session-"));
    let bytes = r.bytes().await.unwrap();
    keep_pdf("attendance.pdf", &bytes);
    let raw = String::from_utf8_lossy(&bytes);
    assert!(bytes.starts_with(b"%PDF-") && raw.contains("/StructTreeRoot") && raw.contains("/Lang(fr)"));
    assert!(
        raw.contains("<pdfuaid:part>1</pdfuaid:part>")
            && raw.contains("<pdfaid:part>2</pdfaid:part>")
            && raw.contains("DisplayDocTitle true"),
        "PDF/UA-1 and PDF/A-2, titled"
    );
    let r = centre
        .get(app.url(&format!("/api/certification-centers/{center}/sessions/{session}/attendance-sheet?lang=en")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(String::from_utf8_lossy(&r.bytes().await.unwrap()).contains("/Lang(en)"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'certification.attendance_sheet.read'").await,
        2
    );
    // Not for a learner, nor for another centre's member.
    let (stranger, _) = app.learner("stranger@example.org").await;
    assert_eq!(stranger.get(app.url(&sheet)).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // The demo learner's published certificate, in French and in English; nobody else's.
    let course: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT course_id FROM certification_results WHERE status = 'validated'").fetch_one(pool).await.unwrap()
    });
    let lea = app.login_as("learner@demo.example").await;
    let page = lea.get(app.url(&format!("/certificats/{course}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/certificats/{course}/pdf?lang=en")), "both languages offered");
    let r = lea.get(app.url(&format!("/certificats/{course}/pdf"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    keep_pdf("certificate-fr.pdf", &bytes);
    let raw = String::from_utf8_lossy(&bytes);
    assert!(
        raw.contains("/Lang(fr)") && raw.contains("/Figure") && raw.contains("/Alt"),
        "the QR code has a text alternative"
    );
    let code: String = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT verification_code FROM certification_results WHERE course_id = $1").bind(course).fetch_one(pool).await.unwrap()
    });
    let french = format!("http://127.0.0.1:8080/verifier-un-certificat?code={code}");
    assert!(raw.contains(&format!("/URI({french})")) && raw.contains("/Link"), "the address is a tagged link");
    assert_eq!(qr_codes_at_72_dpi(&bytes), vec![french], "the QR code reads on a 72 dpi rendering");
    let r = lea.get(app.url(&format!("/api/certifications/{course}/pdf?lang=en"))).send().await.unwrap();
    assert!(
        r.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().contains("pix-certificate-P-"),
        "an English name"
    );
    let bytes = r.bytes().await.unwrap();
    keep_pdf("certificate-en.pdf", &bytes);
    assert!(String::from_utf8_lossy(&bytes).contains("/Lang(en)"));
    let english = format!("http://127.0.0.1:8080/lang/en?next=/verifier-un-certificat%3Fcode%3D{code}");
    assert_eq!(qr_codes_at_72_dpi(&bytes), vec![english.clone()], "the English page's address");
    let r = new_client().get(app.url(english.trim_start_matches("http://127.0.0.1:8080"))).send().await.unwrap();
    assert_eq!(location(&r), format!("/verifier-un-certificat?code={code}"), "it leads to the page, in English");
    assert_eq!(
        stranger.get(app.url(&format!("/certificats/{course}/pdf"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        new_client().get(app.url(&format!("/api/certifications/{course}/pdf"))).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn certificates_are_signed_credentials_that_verify_offline_and_revoke(backend: crate::support::Backend) {
    use platform::certification::credential::{self, VerifyError};
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    demo_session(&app).await;
    let course: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT course_id FROM certification_results WHERE status = 'validated'").fetch_one(pool).await.unwrap()
    });
    let lea = app.login_as("learner@demo.example").await;
    let page = lea.get(app.url(&format!("/certificats/{course}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/certificats/{course}/credential.json")));
    let r = lea.get(app.url(&format!("/certificats/{course}/credential.json"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/vc");
    let first = r.text().await.unwrap();
    let again = lea
        .get(app.url(&format!("/api/certifications/{course}/credential")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(first, again, "signed once, served as issued");
    let vc: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(vc["type"], json!(["VerifiableCredential", "OpenBadgeCredential"]));
    assert_eq!(vc["credentialSubject"]["identifier"][0]["identityHash"], "Léa APPRENANTE");
    let score: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT pix_score FROM certification_results WHERE course_id = $1").bind(course).fetch_one(pool).await.unwrap()
    });
    assert!(credential::describe(&vc).iter().any(|l| l.starts_with(&format!("Score: {score} / 895"))));
    let stranger = app.learner("stranger@example.org").await.0;
    assert_eq!(
        stranger.get(app.url(&format!("/certificats/{course}/credential.json"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // It conforms to 1EdTech's official Open Badges 3.0 schema.
    assert_eq!(crate::integrity::open_badges_schema_errors(&vc), Vec::<String>::new());
    assert_eq!(vc["validFrom"], vc["credentialSubject"]["activityEndDate"], "valid from the end of the test");

    // Anyone fetches the issuer's keys and the status list, from any origin; the credential verifies.
    let r = new_client()
        .get(app.url("/.well-known/did.json"))
        .header("origin", "https://verifier.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let did: Value = r.json().await.unwrap();
    let status_url = vc["credentialStatus"]["statusListCredential"].as_str().unwrap().to_owned();
    let path = status_url.split_once("/credentials/").map(|(_, p)| format!("/credentials/{p}")).unwrap();
    let r = new_client().get(app.url(&path)).send().await.unwrap();
    assert_eq!(
        (
            r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN].to_str().unwrap(),
            r.headers()[header::CONTENT_TYPE].to_str().unwrap()
        ),
        ("*", "application/vc")
    );
    let list: Value = r.json().await.unwrap();
    assert!(
        lea.get(app.url(&format!("/certificats/{course}")))
            .send()
            .await
            .unwrap()
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none(),
        "personal pages are not shared across origins"
    );
    assert_eq!(credential::verify(&vc, &did, Some(&list), &now()).map(|v| v.status_checked), Ok(true));
    assert_eq!(
        new_client().get(app.url("/credentials/status/0")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // A new key: what the old one signed still verifies, the status list is signed by the new one.
    platform::certification::issuer::rotate(app.db(), app.state.clock.now_micros()).await.unwrap();
    let did: Value = new_client().get(app.url("/.well-known/did.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(did["verificationMethod"].as_array().unwrap().len(), 2);
    let list: Value = new_client().get(app.url(&path)).send().await.unwrap().json().await.unwrap();
    assert!(list["proof"][0]["verificationMethod"].as_str().unwrap().ends_with("#key-2"));
    assert!(vc["proof"][0]["verificationMethod"].as_str().unwrap().ends_with("#key-1"));
    assert_eq!(credential::verify(&vc, &did, Some(&list), &now()).map(|v| v.status_checked), Ok(true));
    // M6: the retired key's seed is gone, and its published validity ends at its retirement, so
    // a proof made with it afterwards (a seed read from an old backup) does not verify.
    let seeds: Vec<(String, String)> = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT id, secret FROM credential_keys ORDER BY id").fetch_all(pool).await.unwrap()
    });
    assert_eq!(
        seeds.iter().map(|(id, s)| (id.as_str(), s.is_empty())).collect::<Vec<_>>(),
        [("key-1", true), ("key-2", false)]
    );
    let retired = did["verificationMethod"][0]["revoked"].as_str().expect("the retired key's end").to_owned();
    assert!(did["verificationMethod"][1].get("revoked").is_none(), "the signing key has no end yet");
    let old_seed = platform::certification::credential::IssuerKey::from_seed("key-1", &[0; 32]);
    let mut late = vc.clone();
    late.as_object_mut().unwrap().remove("proof");
    let did_id = did["id"].as_str().unwrap().to_owned();
    let late = credential::sign(late, &old_seed, &did_id, &now());
    let parse = |t: &str| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap();
    assert!(parse(&now()) >= parse(&retired));
    assert!(matches!(credential::verify(&late, &did, None, &now()), Err(VerifyError::OutsideKeyValidity(_))));

    // A compromised key is withdrawn: what it signed no longer verifies; the holder gets a new credential.
    assert!(platform::certification::issuer::withdraw(app.db(), "key-1", app.state.clock.now_micros()).await.unwrap());
    let did: Value = new_client().get(app.url("/.well-known/did.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(did["verificationMethod"].as_array().unwrap().len(), 1, "key-1 is no longer published");
    assert!(matches!(credential::verify(&vc, &did, None, &now()), Err(VerifyError::UnknownKey(_))));
    let renewed: Value = lea
        .get(app.url(&format!("/api/certifications/{course}/credential")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(renewed["proof"][0]["verificationMethod"].as_str().unwrap().ends_with("#key-2"));
    let list: Value = new_client().get(app.url(&path)).send().await.unwrap().json().await.unwrap();
    assert_eq!(credential::verify(&renewed, &did, Some(&list), &now()).map(|v| v.status_checked), Ok(true));
    let vc = renewed;
    let path = vc["credentialStatus"]["statusListCredential"]
        .as_str()
        .unwrap()
        .split_once("/credentials/")
        .map(|(_, p)| format!("/credentials/{p}"))
        .unwrap();

    // The jury cancels the certificate after publication: the status list revokes it.
    let (jury, _) = app.admin("jury@example.org", "CERTIF").await;
    let decide = format!("/admin/certification/courses/{course}/jury");
    let r = app
        .post_form(&jury, &decide, &[("decision", "cancel"), ("comment_candidate", ""), ("comment_organization", "")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list: Value = new_client().get(app.url(&path)).send().await.unwrap().json().await.unwrap();
    assert_eq!(credential::verify(&vc, &did, Some(&list), &now()), Err(VerifyError::Revoked));
    assert_eq!(
        lea.get(app.url(&format!("/certificats/{course}/credential.json"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "no credential for a cancelled certificate"
    );
}
