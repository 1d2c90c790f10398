//! Learner lists: imported all or nothing, reconciled with learners who join, by page and by API.

use super::*;
use crate::dual;

dual!(
    learner_lists_are_imported_all_or_nothing,
    learners_reconcile_with_the_list_when_they_join,
    sup_and_generic_lists_by_api,
    any_file_gets_a_readable_answer,
);

/// A workbook or a PDF renamed `.csv` is named as what it is (never its bytes shown as column
/// names); a list saved as UTF-16 ("Unicode text") is read like any other.
async fn any_file_gets_a_readable_answer(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[("learner_import", "SCO")]).await;
    let path = format!("/orga/{}/learners/import", s.org);
    let mut xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00".to_vec();
    xlsx.extend(b"[Content_Types].xml\xad\x92\xcbN\xc30\x10E\xf7H\xfcC\xe4-Jxl/workbook.xml");
    let r = upload(&app, &s.teacher, &path, &[], &xlsx).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Ce fichier n&#39;est pas un fichier CSV : il ressemble à un classeur Excel (.xlsx)"),
        "{page}"
    );
    assert!(!page.contains("Content_Types") && !page.contains("colonne «"), "no byte of it echoed: {page}");
    let r = upload(&app, &s.teacher, &path, &[], b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj").await;
    assert!(r.text().await.unwrap().contains("il ressemble à un document PDF"));
    // The API says the same in its problem document.
    let token = app.csrf(&s.teacher).await;
    let r = s
        .teacher
        .post(app.url(&format!("/api/organizations/{}/learners/import?mode=add", s.org)))
        .header("x-csrf-token", token)
        .header(header::CONTENT_TYPE, "text/csv")
        .body(xlsx.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["errors"][0]["code"], "import-error-not-csv-xlsx", "{problem}");
    assert!(listed(&app, s.org).await.is_empty());
    // UTF-16 little-endian with its byte order mark, as Excel's "Unicode text" writes.
    let file =
        [SCO_HEADER.to_owned(), sco_line("123456789AA", "Zoé", "Lefèvre", "F", "05/03/2012", "6e A")].join("\r\n");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(file.encode_utf16().flat_map(u16::to_le_bytes));
    let r = import_confirmed(&app, &s.teacher, &path, &utf16).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let listed = listed(&app, s.org).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0], ("Lefèvre".to_owned(), Some("6e A".to_owned()), true), "the accents survive");
}

fn sco_line(id: &str, first: &str, last: &str, sex: &str, birth: &str, division: &str) -> String {
    format!("{id};{first};;;{last};;{sex};{birth};75056;;75;99100;ST;10010012110;{division}")
}

/// Posts a file through an upload form (multipart, built by hand) with the client's CSRF token.
/// Uploads a list, checks that its preview page shows it, and confirms it: the redirect after the
/// confirmation (or the upload's own answer when the file was refused).
pub(crate) async fn import_confirmed(app: &TestApp, client: &Client, path: &str, file: &[u8]) -> reqwest::Response {
    let r = upload(app, client, path, &[], file).await;
    if r.status() != StatusCode::SEE_OTHER {
        return r;
    }
    let preview = location(&r);
    assert!(preview.contains("/learners/imports/"), "{preview}");
    let page = client.get(app.url(&preview)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Confirmer l&#39;import"));
    app.post_form(client, &format!("{preview}/confirm"), &[]).await
}

async fn learner_lists_are_imported_all_or_nothing(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[("learner_import", "SCO")]).await;
    let path = format!("/orga/{}/learners/import", s.org);
    let page = s.teacher.get(app.url(&format!("/orga/{}/learners", s.org))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("enctype=\"multipart/form-data\"") && page.contains("Importer une liste"), "{page}");
    let template = s.teacher.get(app.url(&format!("/orga/{}/learners/template.csv", s.org))).send().await.unwrap();
    assert_eq!(template.status(), StatusCode::OK);
    assert!(template.text().await.unwrap().contains("Identifiant unique*;Premier prénom*"));

    // Two mistakes: nothing is imported, each is shown at its line and column.
    let file = [
        SCO_HEADER.to_owned(),
        sco_line("123456789AA", "Léa", "Dupont", "F", "05/03/2012", "6e A"),
        sco_line("123456789AB", "Tom", "Petit", "X", "05/03/2012", "6e A"),
        sco_line("123456789AC", "Ana", "Lopez", "F", "31/02/2012", "6e B"),
    ]
    .join("\r\n");
    let r = upload(&app, &s.teacher, &path, &[], file.as_bytes()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("Ligne 3, colonne « Code sexe »"), "{page}");
    assert!(page.contains("Ligne 4, colonne « Date de naissance (jj/mm/aaaa) »"), "{page}");
    assert!(listed(&app, s.org).await.is_empty(), "nothing imported while an error remains");

    // Fixed, in Windows-1252 as Excel saves it.
    let fixed = file.replace(";X;", ";M;").replace("31/02/2012", "28/02/2012");
    let cp1252: Vec<u8> = fixed.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
    let r = import_confirmed(&app, &s.teacher, &path, &cp1252).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/orga/{}/learners?created=3&updated=0&left=0", s.org));
    let page = s.teacher.get(app.url(&location(&r))).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Liste importée : 3 ajoutés, 0 mis à jour, 0 a quitté la liste")
            && page.contains("Léa")
            && page.contains("28/02/2012"),
        "{page}"
    );
    assert_eq!(
        listed(&app, s.org).await,
        vec![
            ("Dupont".to_owned(), Some("6e A".to_owned()), true),
            ("Lopez".to_owned(), Some("6e B".to_owned()), true),
            ("Petit".to_owned(), Some("6e A".to_owned()), true),
        ]
    );
    let page = s
        .teacher
        .get(app.url(&format!("/orga/{}/learners?division=6e+B", s.org)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Lopez") && !page.contains("Dupont"), "division filter");

    // The next year's list: Tom changed class, Ana left, a newcomer arrived.
    let next = [
        SCO_HEADER.to_owned(),
        sco_line("123456789AA", "Léa", "Dupont", "F", "05/03/2012", "6e A"),
        sco_line("123456789AB", "Tom", "Petit", "M", "05/03/2012", "5e A"),
        sco_line("123456789AD", "Zoé", "Bernard", "F", "01/09/2012", "6e B"),
    ]
    .join("\n");
    // Item 8: nothing is written before the referent has seen who leaves, and confirmed.
    let r = upload(&app, &s.teacher, &path, &[], next.as_bytes()).await;
    let preview = location(&r);
    let page = s.teacher.get(app.url(&preview)).send().await.unwrap().text().await.unwrap();
    let shown = |page: &str, what: &str| page.contains(what);
    assert!(shown(&page, "1 apprenant(s) absent(s) du fichier quitteront la liste"), "{page}");
    assert!(
        shown(&page, "Lopez") && shown(&page, "Bernard") && shown(&page, "Petit"),
        "the first of each kind: {page}"
    );
    assert!(
        listed(&app, s.org).await.iter().all(|(_, _, on_list)| *on_list),
        "nothing written before the confirmation"
    );
    assert!(!listed(&app, s.org).await.iter().any(|(name, _, _)| name == "Bernard"));
    // Cancelled: the list is as it was, and the preview is gone.
    let r = app.post_form(&s.teacher, &format!("{preview}/cancel"), &[]).await;
    assert_eq!(location(&r), format!("/orga/{}/learners?cancelled=1", s.org));
    assert_eq!(s.teacher.get(app.url(&preview)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_learner_imports").await, 0);
    // Again, confirmed this time.
    let r = import_confirmed(&app, &s.teacher, &path, next.as_bytes()).await;
    assert_eq!(location(&r), format!("/orga/{}/learners?created=1&updated=1&left=1", s.org));
    let now = listed(&app, s.org).await;
    assert!(now.contains(&("Lopez".to_owned(), Some("6e B".to_owned()), false)), "Ana left the list: {now:?}");
    assert!(now.contains(&("Petit".to_owned(), Some("5e A".to_owned()), true)));
    let audits = app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'organization.learners.import'").await;
    assert_eq!(audits, 2);

    // No file, no CSRF token, a MEMBER, another organisation's member, nobody.
    let r = upload(&app, &s.teacher, &path, &[], b"").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = s.teacher.post(app.url(&path)).form(&[("x", "y")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    app.sign_up_named("member@example.org", "Marc", "Membre").await;
    let r = app
        .post_form(
            &s.admin,
            &format!("/admin/organizations/{}/members", s.org),
            &[("email", "member@example.org"), ("role", "MEMBER")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let member = app.login_as("member@example.org").await;
    assert_eq!(upload(&app, &member, &path, &[], next.as_bytes()).await.status(), StatusCode::FORBIDDEN);
    let listing = member.get(app.url(&format!("/orga/{}/learners", s.org))).send().await.unwrap().text().await.unwrap();
    assert!(listing.contains("Bernard") && !listing.contains("Importer une liste"), "members read, ADMINs import");
    let (outsider, _) = app.learner("outsider@example.org").await;
    assert_eq!(upload(&app, &outsider, &path, &[], next.as_bytes()).await.status(), StatusCode::NOT_FOUND);
    let r = outsider.get(app.url(&format!("/orga/{}/learners", s.org))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = new_client().get(app.url(&format!("/orga/{}/learners", s.org))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn learners_reconcile_with_the_list_when_they_join(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[("learner_import", "SCO")]).await;
    let file =
        [SCO_HEADER.to_owned(), sco_line("123456789AA", "Éloïse", "Le Gall", "F", "05/03/2012", "6e A")].join("\n");
    let r = import_confirmed(&app, &s.teacher, &format!("/orga/{}/learners/import", s.org), file.as_bytes()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let profile = s.profile.to_string();
    let (_, code) =
        create_campaign(&app, &s, &[("name", "Rentrée"), ("kind", "ASSESSMENT"), ("target_profile", &profile)]).await;
    let (pupil, pupil_id) = app.learner("eloise@example.org").await;
    let page = pupil.get(app.url(&format!("/campagnes/{code}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("name=\"birth_date\""), "the landing page asks who the learner is: {page}");

    let start = format!("/campagnes/{code}/start");
    let r = app.post_form(&pupil, &start, &[("consent", "yes")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Indiquez votre date de naissance"));
    let wrong = [("consent", "yes"), ("first_name", "Eloise"), ("last_name", "Le Gall"), ("birth_date", "06/03/2012")];
    let r = app.post_form(&pupil, &start, &wrong).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("ne correspondent à aucune personne de la liste") && page.contains("value=\"Eloise\""),
        "{page}"
    );
    assert!(page.contains("name=\"consent\" value=\"yes\" checked"), "the consent box stays ticked: {page}");
    // No consent and no birth date: both said at once, and no try counted against her.
    let r = app.post_form(&pupil, &start, &[("first_name", "Eloise"), ("last_name", "Le Gall")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"birth_date-error\"") && page.contains("id=\"consent-error\""), "{page}");
    assert!(page.contains("value=\"Eloise\"") && !page.contains("ne correspondent à aucune"), "{page}");
    assert_eq!(app.count("SELECT COUNT(*) FROM campaign_participations").await, 0);

    // Case, accents and spaces aside.
    let right = [("consent", "yes"), ("first_name", "eloise"), ("last_name", "LE-GALL"), ("birth_date", "5/3/2012")];
    let r = app.post_form(&pupil, &start, &right).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap_or_default());
    let (linked, division): (Option<Uuid>, Option<String>) = platform::on_db!(app.db(), pool => {
        sqlx::query_as(
            "SELECT l.user_id, l.division FROM campaign_participations p JOIN organization_learners l ON l.id = p.organization_learner_id",
        )
        .fetch_one(pool).await.unwrap()
    });
    assert_eq!((linked, division.as_deref()), (Some(pupil_id), Some("6e A")));
    assert_eq!(app.count("SELECT COUNT(*) FROM organization_learners").await, 1, "no second entry was created");

    // Somebody else cannot take the same entry, and is told exactly what a wrong identity is told
    // (trying reveals nothing about who is on the list); the API says so too.
    let (other, _) = app.learner("other@example.org").await;
    let r = app.post_form(&other, &start, &right).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("ne correspondent à aucune personne de la liste"));
    let r = app
        .send_json(
            &other,
            Method::POST,
            &format!("/api/campaigns/{code}/participations"),
            &json!({ "consent": true, "identity": { "first_name": "Éloïse", "last_name": "Le Gall", "birth_date": "2012-03-05" } }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "field-reconcile-not-found");

    // Guessing birth dates (M3): 5 failures an hour per account, then an hour's wait.
    for day in ["01/01/2012", "02/01/2012"] {
        let guess = [("consent", "yes"), ("first_name", "Éloïse"), ("last_name", "Le Gall"), ("birth_date", day)];
        assert_eq!(app.post_form(&other, &start, &guess).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let last = [("consent", "yes"), ("first_name", "Éloïse"), ("last_name", "Le Gall"), ("birth_date", "03/01/2012")];
    assert_eq!(app.post_form(&other, &start, &last).await.status(), StatusCode::UNPROCESSABLE_ENTITY, "the fifth");
    let r = app.post_form(&other, &start, &last).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get(header::RETRY_AFTER).is_some());
    assert!(r.text().await.unwrap().contains("Trop d&#39;essais infructueux pour retrouver votre nom"));
    let r = app
        .send_json(
            &other,
            Method::POST,
            &format!("/api/campaigns/{code}/participations"),
            &json!({ "consent": true, "identity": { "first_name": "Éloïse", "last_name": "Le Gall", "birth_date": "2012-01-04" } }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another pupil's first try is not affected; an empty identity is not a guess (not counted).
    let (third, _) = app.learner("third@example.org").await;
    for _ in 0..6 {
        assert_eq!(
            app.post_form(&third, &start, &[("consent", "yes")]).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let counted = "SELECT COUNT(*) FROM attempt_counters WHERE scope = 'reconcile-account' AND failures > 0";
    assert_eq!(app.count(counted).await, 2, "Éloïse's one wrong date and the other account's; nothing for the third");
}

async fn sup_and_generic_lists_by_api(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[("learner_import", "SUP")]).await;
    let api = format!("/api/organizations/{}/learners/import", s.org);
    let send = |mode: &'static str, body: String| {
        let (app, client, api) = (&app, &s.teacher, &api);
        async move {
            let token = app.csrf(client).await;
            client
                .post(app.url(&format!("{api}?mode={mode}")))
                .header("x-csrf-token", token)
                .header(header::CONTENT_TYPE, "text/csv")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let head = "Premier prénom*,Nom de famille*,Date de naissance (jj/mm/aaaa)*,Numéro étudiant*,Groupe,Email\n";
    let r = send("add", format!("{head}Léa,Dupont,05/03/2004,A1,L1 G1,\nLuc,Durand,01/01/2003,A1,L1 G2,luc@\n")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/problem+json");
    let body: Value = r.json().await.unwrap();
    let errors: Vec<(i64, String, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["column"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (3, "Email".to_owned(), "import-error-email".to_owned()),
            (3, "Numéro étudiant".to_owned(), "import-error-duplicate".to_owned())
        ]
    );
    assert!(body["errors"][0]["message"].as_str().unwrap().starts_with("Ligne 3, colonne « Email »"));

    // A checked list says what it would do; nothing is written until it is confirmed.
    let confirm = |preview: Value| {
        let (app, client, org) = (&app, &s.teacher, s.org);
        async move {
            let id = preview["import_id"].as_str().unwrap().to_owned();
            let path = format!("/api/organizations/{org}/learners/imports/{id}/confirm");
            app.send_json(client, Method::POST, &path, &json!({})).await
        }
    };
    let r = send("add", format!("{head}Léa,Dupont,05/03/2004,A1,L1 G1,\nLuc,Durand,01/01/2003,A2,L1 G2,\n")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let preview: Value = r.json().await.unwrap();
    assert_eq!(preview["summary"], json!({ "created": 2, "updated": 0, "unchanged": 0, "left": 0 }));
    assert_eq!(preview["added"][0], json!({ "last_name": "Dupont", "first_name": "Léa", "group": "L1 G1" }));
    assert_eq!(app.count("SELECT COUNT(*) FROM organization_learners").await, 0, "a preview writes nothing");
    let r = confirm(preview.clone()).await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!({ "created": 2, "updated": 0, "unchanged": 0, "left": 0 }));
    assert_eq!(confirm(preview).await.status(), StatusCode::NOT_FOUND, "once");
    let r = send("add", format!("{head}Mia,Roux,02/02/2004,A3,L1 G1,\n")).await;
    assert_eq!(confirm(r.json().await.unwrap()).await.json::<Value>().await.unwrap()["created"], 1);
    let r = send("replace", format!("{head}Léa,Dupont,05/03/2004,a1,L1 G3,\n")).await;
    let preview: Value = r.json().await.unwrap();
    assert_eq!(preview["summary"], json!({ "created": 0, "updated": 1, "unchanged": 0, "left": 2 }));
    let leaving: Vec<&str> =
        preview["leaving"].as_array().unwrap().iter().map(|l| l["last_name"].as_str().unwrap()).collect();
    assert_eq!(leaving, ["Durand", "Roux"]);
    // One list waits per organisation: a newer upload replaces it; a waiting list can be cancelled.
    let other = send("add", format!("{head}Noé,Blanc,03/03/2004,A4,L1 G1,\n")).await.json::<Value>().await.unwrap();
    assert_eq!(confirm(preview).await.status(), StatusCode::NOT_FOUND, "the newer upload replaced the waiting one");
    let cancel = format!("/api/organizations/{}/learners/imports/{}", s.org, other["import_id"].as_str().unwrap());
    assert_eq!(app.send_json(&s.teacher, Method::DELETE, &cancel, &json!({})).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(confirm(other).await.status(), StatusCode::NOT_FOUND, "cancelled");
    // The organisation's list changes between the preview and the confirmation: refused, and the
    // preview says what the file does now.
    let r = send("replace", format!("{head}Léa,Dupont,05/03/2004,a1,L1 G3,\n")).await;
    let preview: Value = r.json().await.unwrap();
    platform::on_db!(app.db(), pool => {
        sqlx::query("UPDATE organization_learners SET deleted_at = 1 WHERE last_name = 'Roux'").execute(pool).await.unwrap();
    });
    let r = confirm(preview.clone()).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "the list changed since the preview");
    let id = preview["import_id"].as_str().unwrap();
    let again: Value = s
        .teacher
        .get(app.url(&format!("/api/organizations/{}/learners/imports/{id}", s.org)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["summary"]["left"], 1, "Roux had left already");
    let r = confirm(again).await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!({ "created": 0, "updated": 1, "unchanged": 0, "left": 1 }));
    let list: Value = s
        .teacher
        .get(app.url(&format!("/api/organizations/{}/learners", s.org)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["learners"][0]["group_name"], "L1 G3");
    let r = send("sideways", head.to_owned()).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // A generic list: its free columns go into the campaign export.
    let org = create_organization(&app, &s.admin, "Entreprise", "PRO", &[("learner_import", "GENERIC")]).await;
    let r = app
        .post_form(
            &s.admin,
            &format!("/admin/organizations/{org}/members"),
            &[("email", "teacher@example.org"), ("role", "ADMIN")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let token = app.csrf(&s.teacher).await;
    let r = s
        .teacher
        .post(app.url(&format!("/api/organizations/{org}/learners/import")))
        .header("x-csrf-token", token)
        .body("Nom;Prénom;Date de naissance (jj/mm/aaaa);Service\nHébert;Zoé;01/02/1990;Compta\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let id = r.json::<Value>().await.unwrap()["import_id"].as_str().unwrap().to_owned();
    let path = format!("/api/organizations/{org}/learners/imports/{id}/confirm");
    assert_eq!(app.send_json(&s.teacher, Method::POST, &path, &json!({})).await.status(), StatusCode::OK);
    let columns: String = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT extra_columns FROM organizations WHERE id = $1").bind(org).fetch_one(pool).await.unwrap()
    });
    assert_eq!(columns, "[\"Service\"]");
    // An organisation that does not import lists.
    let plain = create_organization(&app, &s.admin, "Sans liste", "PRO", &[]).await;
    let r = app
        .post_form(
            &s.admin,
            &format!("/admin/organizations/{plain}/members"),
            &[("email", "teacher@example.org"), ("role", "ADMIN")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let token = app.csrf(&s.teacher).await;
    let r = s
        .teacher
        .post(app.url(&format!("/api/organizations/{plain}/learners/import")))
        .header("x-csrf-token", token)
        .body("Nom\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
}
