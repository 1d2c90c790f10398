//! Certification, slice 1: the back office creates a centre and its members; a member plans a
//! session and enrols candidates (page and API, every rule of the forms); only the centre's
//! members reach them; a person learns whether they may be certified — on both databases.

use reqwest::{Client, Method, StatusCode, header};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    dual,
    support::{TestApp, new_client},
};

dual!(
    centres_plan_sessions_and_enrol_candidates,
    the_api_plans_and_enrols_with_field_errors,
    certification_routes_are_for_the_centre_members_only,
    eligibility_follows_the_profile,
    the_demo_session_stays_on_today_in_the_demo_centre_only,
    mass_import_creates_sessions_all_or_nothing,
    a_candidate_joins_is_authorised_and_takes_the_test,
    answers_after_the_deadline_end_the_test,
    centre_admins_manage_their_members,
    the_candidate_api_joins_and_starts,
    invigilator_screens_hear_candidates_within_a_second_on_every_node,
    attendance_sheets_and_certificates_are_tagged_pdfs,
    certificates_are_signed_credentials_that_verify_offline_and_revoke,
    issue_reports_are_resolved_automatically_at_finalisation,
    configuration_versions_go_from_draft_to_active_and_certifications_keep_theirs,
    invigilator_candidate_and_jury_routes_refuse_everyone_else,
    export_lists_certifications_and_erasure_keeps_certificates_verifiable,
    a_v2_session_asks_three_questions_per_competence_and_scores_them,
    configuration_turns_on_exposure_control_eap_and_variable_length,
);

pub(crate) fn location(r: &reqwest::Response) -> String {
    r.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

/// A date `days` from the server's today, `YYYY-MM-DD`.
fn in_days(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A centre created in the back office with `centre@example.org` as its ADMIN; returns (centre, member).
async fn set_up(app: &TestApp) -> (Uuid, Client) {
    let (admin, _) = app.admin("super@example.org", "SUPER_ADMIN").await;
    let r = app
        .post_form(
            &admin,
            "/admin/certification-centers",
            &[("name", "Lycée Curie"), ("kind", "SCO"), ("external_id", "0750001A")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let center = Uuid::parse_str(location(&r).rsplit('/').next().unwrap()).unwrap();
    let r = app
        .post_form(
            &admin,
            &format!("/admin/certification-centers/{center}/members"),
            &[("email", "nobody@example.org"), ("role", "ADMIN")],
        )
        .await;
    assert_eq!(location(&r), format!("/admin/certification-centers/{center}?invited=1"), "no account yet: invited");
    assert_eq!(app.mails_to("nobody@example.org").await.len(), 1);
    app.sign_up_named("centre@example.org", "Claire", "Centre").await;
    let r = app
        .post_form(
            &admin,
            &format!("/admin/certification-centers/{center}/members"),
            &[("email", "centre@example.org"), ("role", "ADMIN")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = admin
        .get(app.url(&format!("/admin/certification-centers/{center}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("centre@example.org") && page.contains("0750001A"), "{page}");
    (center, app.login_as("centre@example.org").await)
}

async fn session_fields(date: &str) -> Vec<(&'static str, String)> {
    vec![
        ("address", "Lycée Curie".into()),
        ("room", "B12".into()),
        ("date", date.into()),
        ("time", "9:30".into()),
        ("examiner", "M. Martin".into()),
        ("description", String::new()),
    ]
}

fn pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn centres_plan_sessions_and_enrol_candidates(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let (center, member) = set_up(&app).await;
    let home = member.get(app.url("/certif")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains(&format!("/certif/{center}/sessions")), "the centre is listed");
    let list = member.get(app.url(&format!("/certif/{center}/sessions"))).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Aucune session"));

    // A session in the past and without a room is refused, with the fields to correct.
    let mut fields = session_fields(&in_days(-1)).await;
    fields[1].1 = String::new();
    let r = app.post_form(&member, &format!("/certif/{center}/sessions"), &pairs(&fields)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("id=\"room-error\"") && page.contains("id=\"date-error\"") && !page.contains("id=\"time-error\"")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM certification_sessions").await, 0);

    let fields = session_fields(&in_days(10)).await;
    let r = app.post_form(&member, &format!("/certif/{center}/sessions"), &pairs(&fields)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session_path = location(&r);
    let (number, code, password): (i64, String, String) = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT number, access_code, invigilator_password FROM certification_sessions").fetch_one(pool).await.unwrap()
    });
    assert!((1_000_000..10_000_000).contains(&number));
    assert!(engine::codes::is_session_access_code(&code), "{code}");
    assert!(engine::codes::is_invigilator_password(&password), "{password}");
    let page = member.get(app.url(&session_path)).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains(&number.to_string())
            && page.contains(&code)
            && page.contains(&password)
            && page.contains("09:30")
    );

    // Enrolling: the birthplace rules, then a candidate, a duplicate, a change and a removal.
    let enrol = format!("{session_path}/candidates");
    let bad = [("last_name", "Dupont"), ("first_name", "Léa"), ("birth_date", "05/03/2004"), ("sex", "F")];
    let r = app.post_form(&member, &enrol, &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Pour une naissance en France, indiquez le code INSEE"));
    let good = [
        ("last_name", "Dupont"),
        ("first_name", "Léa"),
        ("birth_date", "05/03/2004"),
        ("sex", "F"),
        ("birth_country", "France"),
        ("birth_postal_code", "75015"),
        ("birth_city", "Paris"),
        ("extra_time_percentage", "33"),
        ("result_recipient_email", "prof@example.org"),
    ];
    let r = app.post_form(&member, &enrol, &good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).ends_with("?done=enrolled"));
    let r = app.post_form(&member, &enrol, &good).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "the same person twice");
    assert!(r.text().await.unwrap().contains("déjà inscrite"));
    let page = member.get(app.url(&session_path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Dupont") && page.contains("Paris (75015), France") && page.contains("33 %"), "{page}");
    let candidate: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT id FROM certification_candidates").fetch_one(pool).await.unwrap()
    });
    let edit = format!("{session_path}/candidates/{candidate}");
    let form = member.get(app.url(&edit)).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("value=\"05/03/2004\"") && form.contains("value=\"75015\""), "the form shows the enrolment");
    let mut changed = good.to_vec();
    changed[7] = ("extra_time_percentage", "150");
    let r = app.post_form(&member, &edit, &changed).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    changed[7] = ("extra_time_percentage", "50 %");
    let r = app.post_form(&member, &edit, &changed).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let extra: Option<i64> = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT extra_time_percentage FROM certification_candidates").fetch_one(pool).await.unwrap()
    });
    assert_eq!(extra, Some(50));
    let r = app.post_form(&member, &format!("{edit}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM certification_candidates").await, 0);
    let audits = app.count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'certification.%'").await;
    assert_eq!(audits, 4, "session created, candidate enrolled, changed, removed");

    // The session's place and time can change while it is open.
    let mut moved = session_fields(&in_days(12)).await;
    moved[1].1 = "C3".into();
    let r = app.post_form(&member, &format!("{session_path}/edit"), &pairs(&moved)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list = member.get(app.url(&format!("/certif/{center}/sessions"))).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("C3") && list.contains(&number.to_string()));
}

async fn the_api_plans_and_enrols_with_field_errors(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let (center, member) = set_up(&app).await;
    let sessions = format!("/api/certification-centers/{center}/sessions");
    let r = app
        .send_json(&member, Method::POST, &sessions, &json!({ "address": "Site", "room": "", "date": "31/02/2030" }))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["room", "date", "time", "examiner"]);
    let r = app.send_json(&member, Method::POST, &sessions, &json!({ "address": "Site", "colour": "blue" })).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "unknown fields are refused");
    let body = json!({ "address": "Site", "room": "A1", "date": in_days(3), "time": "14:00", "examiner": "Mme Roux" });
    let r = app.send_json(&member, Method::POST, &sessions, &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let session: Value = r.json().await.unwrap();
    assert_eq!(session["status"], "created");
    assert!(engine::codes::is_session_access_code(session["access_code"].as_str().unwrap()));
    let id = session["id"].as_str().unwrap();
    let candidates = format!("{sessions}/{id}/candidates");
    let r = app
        .send_json(&member, Method::POST, &candidates, &json!({ "first_name": "Ana", "last_name": "Lopez", "birth_date": "2003-06-27", "sex": "F", "birth_country": "Espagne" }))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "field-candidate-city-abroad");
    let ana = json!({ "first_name": "Ana", "last_name": "Lopez", "birth_date": "2003-06-27", "sex": "F", "birth_country": "Espagne", "birth_city": "Madrid" });
    let r = app.send_json(&member, Method::POST, &candidates, &ana).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let c: Value = r.json().await.unwrap();
    assert_eq!((c["birth_insee_code"].as_str(), c["birth_city"].as_str()), (Some("99"), Some("Madrid")));
    let cid = c["id"].as_str().unwrap();
    let mut changed = ana.clone();
    changed["accessibility_adjustment"] = json!("yes");
    let r = app.send_json(&member, Method::PUT, &format!("{candidates}/{cid}"), &changed).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["accessibility_adjustment"], true);
    let detail: Value = member.get(app.url(&format!("{sessions}/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(detail["enrolled"].as_array().unwrap().len(), 1);
    assert_eq!(detail["candidates"], 1);
    let list: Value = member.get(app.url(&sessions)).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let token = app.csrf(&member).await;
    let r = member.delete(app.url(&format!("{candidates}/{cid}"))).header("x-csrf-token", token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let token = app.csrf(&member).await;
    let r = member.delete(app.url(&format!("{candidates}/{cid}"))).header("x-csrf-token", token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

async fn certification_routes_are_for_the_centre_members_only(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let (center, member) = set_up(&app).await;
    let fields = session_fields(&in_days(5)).await;
    let r = app.post_form(&member, &format!("/certif/{center}/sessions"), &pairs(&fields)).await;
    let session_path = location(&r);
    let session = session_path.rsplit('/').next().unwrap().to_owned();
    let r = app
        .post_form(
            &member,
            &format!("{session_path}/candidates"),
            &[
                ("last_name", "Petit"),
                ("first_name", "Tom"),
                ("birth_date", "01/01/2000"),
                ("sex", "M"),
                ("birth_insee_code", "75056"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let candidate: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT id FROM certification_candidates").fetch_one(pool).await.unwrap()
    });
    // A member of another centre, a learner, nobody.
    let (admin, _) = (app.login_as("super@example.org").await, ());
    let r = app.post_form(&admin, "/admin/certification-centers", &[("name", "Autre centre"), ("kind", "PRO")]).await;
    let other = Uuid::parse_str(location(&r).rsplit('/').next().unwrap()).unwrap();
    app.sign_up("other@example.org").await;
    app.post_form(
        &admin,
        &format!("/admin/certification-centers/{other}/members"),
        &[("email", "other@example.org"), ("role", "ADMIN")],
    )
    .await;
    let outsider = app.login_as("other@example.org").await;
    let (learner, _) = app.learner("kid@example.org").await;
    let anonymous = new_client();
    let api = format!("/api/certification-centers/{center}/sessions");
    let reads = [
        format!("/certif/{center}/sessions"),
        format!("/certif/{center}/sessions/new"),
        session_path.clone(),
        format!("{session_path}/edit"),
        format!("{session_path}/candidates/{candidate}"),
        api.clone(),
        format!("{api}/{session}"),
    ];
    for path in &reads {
        let is_api = path.starts_with("/api/");
        let anon = anonymous.get(app.url(path)).send().await.unwrap().status();
        assert_eq!(anon, if is_api { StatusCode::UNAUTHORIZED } else { StatusCode::SEE_OTHER }, "{path} anonymous");
        for (who, client) in [("learner", &learner), ("outsider", &outsider)] {
            assert_eq!(
                client.get(app.url(path)).send().await.unwrap().status(),
                StatusCode::NOT_FOUND,
                "{path} as {who}"
            );
        }
        assert_eq!(member.get(app.url(path)).send().await.unwrap().status(), StatusCode::OK, "{path} as member");
    }
    // A session of this centre is not found under the other centre's path.
    let wrong = format!("/certif/{other}/sessions/{session}");
    assert_eq!(outsider.get(app.url(&wrong)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let writes = [
        format!("/certif/{center}/sessions"),
        format!("{session_path}/edit"),
        format!("{session_path}/candidates"),
        format!("{session_path}/candidates/{candidate}"),
        format!("{session_path}/candidates/{candidate}/delete"),
    ];
    for path in &writes {
        for (who, client) in [("learner", &learner), ("outsider", &outsider)] {
            assert_eq!(app.post_form(client, path, &[]).await.status(), StatusCode::NOT_FOUND, "{path} as {who}");
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM certification_candidates").await, 1, "nothing changed");
    let r =
        app.send_json(&outsider, Method::DELETE, &format!("{api}/{session}/candidates/{candidate}"), &json!({})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The back office: centres are created by super admins only.
    let (support, _) = app.admin("support@example.org", "SUPPORT").await;
    let r = app.post_form(&support, "/admin/certification-centers", &[("name", "X"), ("kind", "PRO")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(support.get(app.url("/admin/certification-centers")).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        learner.get(app.url("/admin/certification-centers")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}

async fn eligibility_follows_the_profile(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (newcomer, _) = app.learner("new@example.org").await;
    let page = newcomer.get(app.url("/certification")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("pas encore") && page.contains("0 / 5"), "{page}");
    let e: Value =
        newcomer.get(app.url("/api/me/certification-eligibility")).send().await.unwrap().json().await.unwrap();
    assert_eq!((e["eligible"].as_bool(), e["certifiable_competences"].as_u64()), (Some(false), Some(0)));
    // The demo learner has five competences at level 1 or more.
    app.sign_up("known@example.org").await;
    platform::on_db!(app.db(), pool => {
        sqlx::query("UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = 'known@example.org') WHERE email = 'learner@demo.example'")
            .execute(pool).await.unwrap();
    });
    let demo = app.login_as("learner@demo.example").await;
    let e: Value = demo.get(app.url("/api/me/certification-eligibility")).send().await.unwrap().json().await.unwrap();
    assert_eq!((e["eligible"].as_bool(), e["certifiable_competences"].as_u64()), (Some(true), Some(5)));
    let page = demo.get(app.url("/certification")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Vous pouvez passer la certification"));
    assert_eq!(new_client().get(app.url("/certification")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    // The demo centre has a session with three candidates, and the demo learner a published certificate.
    assert_eq!(app.count("SELECT COUNT(*) FROM certification_candidates WHERE reconciled_at IS NULL").await, 3);
    let course: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT course_id FROM certification_results WHERE status = 'validated'").fetch_one(pool).await.unwrap()
    });
    let page = demo.get(app.url(&format!("/certificats/{course}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Certificat Pix") && page.contains("/ 895"), "{page}");
}

/// A demo node started again on a later day moves its demo session to today (a session is sat on
/// its own day), and never another centre's session that happens to carry the same description.
async fn the_demo_session_stays_on_today_in_the_demo_centre_only(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (center, member) = set_up(&app).await;
    let mut fields = session_fields(&in_days(5)).await;
    fields[5].1 = "Session de démonstration".into();
    let r = app.post_form(&member, &format!("/certif/{center}/sessions"), &pairs(&fields)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let dates = || async {
        platform::on_db!(app.db(), pool => {
            sqlx::query_as::<_, (Uuid, String)>("SELECT center_id, date FROM certification_sessions WHERE finalized_at IS NULL ORDER BY center_id")
                .fetch_all(pool).await.unwrap()
        })
    };
    let today = platform::clock::paris_date(app.state.clock.now_micros());
    let before = dates().await;
    assert_eq!(before.len(), 2, "the demo session and the other centre's");
    assert!(before.iter().any(|(c, d)| *c != center && *d == today), "{before:?}");
    // The node stopped yesterday: its demo session is still on yesterday's date.
    platform::on_db!(app.db(), pool => {
        sqlx::query("UPDATE certification_sessions SET date = '2000-01-01' WHERE center_id <> $1").bind(center).execute(pool).await.unwrap();
    });
    platform::demo::seed(&app.state).await.unwrap();
    let after = dates().await;
    for (c, d) in &after {
        assert_eq!(*d, if *c == center { in_days(5) } else { today.clone() }, "{after:?}");
    }
}

/// A mass-import line: session columns, then a candidate (empty strings leave columns empty).
fn line(number: &str, session: [&str; 5], candidate: [&str; 8]) -> String {
    let [site, room, date, time, examiner] = session;
    let [last, first, birth, sex, insee, postal, city, country] = candidate;
    format!(
        "{number};{site};{room};{date};{time};{examiner};;{last};{first};{birth};{sex};{insee};{postal};{city};{country};;;;;;"
    )
}

async fn mass_import_creates_sessions_all_or_nothing(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let (center, member) = set_up(&app).await;
    let template = member.get(app.url(&format!("/certif/{center}/sessions/import/template.csv"))).send().await.unwrap();
    let header = template.text().await.unwrap();
    assert!(header.starts_with("\u{feff}\"Numéro de session préexistante\";\"* Nom du site\""), "{header}");
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(20);
    let date = format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
    let morning = ["Lycée Curie", "B12", date.as_str(), "09:00", "M. Martin"];
    let afternoon = ["Lycée Curie", "B12", date.as_str(), "14:00", "M. Martin"];
    let lines = [
        header.trim_end().to_owned(),
        line("", morning, ["Dupont", "Léa", "05/03/2004", "F", "75056", "", "", "France"]),
        line("", morning, ["Petit", "Tom", "01/01/2000", "X", "", "69003", "Lyon", "France"]),
        line("", afternoon, ["Lopez", "Ana", "27/06/2003", "F", "", "", "Madrid", "Espagne"]),
    ];
    let path = format!("/certif/{center}/sessions/import");
    let r = crate::prescription::upload(&app, &member, &path, &[], lines.join("\n").as_bytes()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("Ligne 3, colonne « Sexe (M ou F) »"), "{page}");
    assert_eq!(app.count("SELECT COUNT(*) FROM certification_sessions").await, 0, "nothing created");
    let fixed = lines.join("\n").replace(";X;", ";M;");
    let r = crate::prescription::upload(&app, &member, &path, &[], fixed.as_bytes()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/certif/{center}/sessions?sessions=2&candidates=3"));
    let list = member.get(app.url(&location(&r))).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("2 session(s) créée(s), 3 candidat(s) inscrit(s)"), "{list}");
    assert_eq!(app.count("SELECT COUNT(*) FROM certification_candidates").await, 3);

    // The API adds a candidate to an existing session by its number; unknown numbers and people
    // already enrolled are refused at their line.
    let number: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT number FROM certification_sessions WHERE time = '09:00'").fetch_one(pool).await.unwrap()
    });
    let api = format!("/api/certification-centers/{center}/sessions/import");
    let send = |body: String| {
        let (app, member, api) = (&app, &member, &api);
        async move {
            let token = app.csrf(member).await;
            member
                .post(app.url(api))
                .header("x-csrf-token", token)
                .header(header::CONTENT_TYPE, "text/csv")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let none = ["", "", "", "", ""];
    let zoe = ["Bernard", "Zoé", "01/09/2005", "F", "69123", "", "", "France"];
    let r = send(format!(
        "{}\n{}\n{}",
        lines[0],
        line("9999999", none, zoe),
        line(&number.to_string(), none, ["Dupont", "Léa", "05/03/2004", "F", "75056", "", "", "France"])
    ))
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    let codes: Vec<(i64, &str)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(codes, vec![(2, "field-import-number-unknown"), (3, "field-candidate-duplicate")]);
    let r = send(format!("{}\n{}", lines[0], line(&number.to_string(), none, zoe))).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({ "sessions": 0, "candidates": 1 }));
    assert_eq!(app.count("SELECT COUNT(*) FROM certification_candidates").await, 4);
}

/// A demo node where `learner@demo.example` (eligible, enrolled in the demo session as Léa
/// Apprenante) has a known password; returns the session's (id, number, access code, invigilator password).
pub(crate) async fn demo_session(app: &TestApp) -> (Uuid, i64, String, String) {
    app.sign_up("known@example.org").await;
    platform::on_db!(app.db(), pool => {
        sqlx::query("UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = 'known@example.org') WHERE email = 'learner@demo.example'")
            .execute(pool).await.unwrap();
        sqlx::query_as("SELECT id, number, access_code, invigilator_password FROM certification_sessions WHERE finalized_at IS NULL")
            .fetch_one(pool).await.unwrap()
    })
}

/// The demo centre's admin, signed in (the demo password copied from a known account), and the
/// centre of the session.
pub(crate) async fn demo_centre(app: &TestApp, session: Uuid) -> (Client, Uuid) {
    platform::on_db!(app.db(), pool => {
        sqlx::query("UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = 'known@example.org') WHERE email = 'centre-admin@demo.example'")
            .execute(pool).await.unwrap();
    });
    let center: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT center_id FROM certification_sessions WHERE id = $1").bind(session).fetch_one(pool).await.unwrap()
    });
    (app.login_as("centre-admin@demo.example").await, center)
}

/// Léa joins the demo session, its invigilator authorises her and she starts: her client, her
/// page, her test, the invigilator's client.
pub(crate) async fn lea_starts(
    app: &TestApp,
    session: Uuid,
    number: i64,
    code: &str,
    password: &str,
) -> (Client, String, Uuid, Client) {
    let (lea, home) = join_as_lea(app, number, code).await;
    let candidate = home.rsplit('/').next().unwrap().to_owned();
    let invigilator = new_client();
    app.post_form(&invigilator, "/surveillant", &[("session_number", &number.to_string()), ("password", password)])
        .await;
    let authorize = format!("/surveillant/sessions/{session}/candidates/{candidate}/authorize");
    app.post_form(&invigilator, &authorize, &[("authorized", "yes")]).await;
    let r = app.post_form(&lea, &format!("{home}/start"), &[]).await;
    let assessment = Uuid::parse_str(location(&r).trim_start_matches("/assessments/")).unwrap();
    (lea, home, assessment, invigilator)
}

pub(crate) async fn join_as_lea(app: &TestApp, number: i64, code: &str) -> (Client, String) {
    let lea = app.login_as("learner@demo.example").await;
    let form = lea.get(app.url("/certification/rejoindre")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("value=\"Léa\""), "the account's names are offered");
    let number = number.to_string();
    let mut fields = vec![
        ("session_number", number.as_str()),
        ("access_code", "ZZZZ99"),
        ("first_name", "lea"),
        ("last_name", "APPRENANTE"),
        ("birth_date", "12/04/2001"),
    ];
    let r = app.post_form(&lea, "/certification/rejoindre", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let wrong_code = r.text().await.unwrap();
    assert!(wrong_code.contains("Ces informations ne correspondent à aucun candidat d&#39;une session ouverte"));
    let lower = code.to_lowercase();
    fields[1] = ("access_code", lower.as_str());
    fields[4] = ("birth_date", "13/04/2001");
    let r = app.post_form(&lea, "/certification/rejoindre", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Ces informations ne correspondent à aucun candidat d&#39;une session ouverte"),
        "a wrong identity is told the same way as a wrong code"
    );
    fields[4] = ("birth_date", "12/04/2001");
    let r = app.post_form(&lea, "/certification/rejoindre", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "joined, accents and case aside");
    (lea, location(&r))
}

async fn a_candidate_joins_is_authorised_and_takes_the_test(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session, number, code, password) = demo_session(&app).await;
    let (lea, home) = join_as_lea(&app, number, &code).await;
    let page = lea.get(app.url(&home)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Attendez que le surveillant vous autorise"), "{page}");
    let r = app.post_form(&lea, &format!("{home}/start"), &[]).await;
    assert!(r.text().await.unwrap().contains("pas encore autorisé"));
    assert_eq!(app.count("SELECT COUNT(*) FROM certification_courses WHERE completed_at IS NULL").await, 0);

    // The invigilator, without an account: the password opens this session only.
    let invigilator = new_client();
    let screen = format!("/surveillant/sessions/{session}");
    let r = invigilator.get(app.url(&screen)).send().await.unwrap();
    assert_eq!((r.status(), location(&r).as_str()), (StatusCode::SEE_OTHER, "/surveillant"));
    let n = number.to_string();
    let r = app.post_form(&invigilator, "/surveillant", &[("session_number", &n), ("password", "WRONG")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post_form(&invigilator, "/surveillant", &[("session_number", &n), ("password", &password)]).await;
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, screen.clone()));
    let page = invigilator.get(app.url(&screen)).send().await.unwrap().text().await.unwrap();
    let waiting = page.find("Attend l&#39;autorisation").expect("Léa waits");
    let absent = page.find("Pas encore arrivé").expect("the others have not arrived");
    assert!(waiting < absent, "candidates needing an action come first");
    let candidate = home.rsplit('/').next().unwrap().to_owned();
    let authorize = format!("{screen}/candidates/{candidate}/authorize");
    assert_eq!(
        app.post_form(&new_client(), &authorize, &[("authorized", "yes")]).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = app.post_form(&invigilator, &authorize, &[("authorized", "yes")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The test: flash questions until the end, answers only (no knowledge in the profile).
    let r = app.post_form(&lea, &format!("{home}/start"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let assessment = Uuid::parse_str(location(&r).trim_start_matches("/assessments/")).unwrap();
    let page = lea.get(app.url(&location(&r))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Certification Pix"), "the heading says what this is");
    // Leaving and coming back through the entrance needs the invigilator again; the start was used.
    let page = lea.get(app.url(&home)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("demandez au surveillant de vous autoriser à le reprendre"), "{page}");
    let r = app.post_form(&lea, &format!("{home}/start"), &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("pas encore autorisé à commencer ou à reprendre"));
    let page = invigilator.get(app.url(&screen)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Autoriser la reprise"), "{page}");
    assert_eq!(app.post_form(&invigilator, &authorize, &[("authorized", "yes")]).await.status(), StatusCode::SEE_OTHER);
    let page = invigilator.get(app.url(&screen)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Reprise autorisée"), "{page}");
    let r = app.post_form(&lea, &format!("{home}/start"), &[]).await;
    assert_eq!(location(&r), format!("/assessments/{assessment}"), "resumes the same test");
    let r = app.post_form(&lea, &format!("{home}/start"), &[]).await;
    assert_eq!(r.status(), StatusCode::OK, "the resumption authorisation served once");
    let (kes_before, deadline, extra): (i64, i64, i64) = platform::on_db!(app.db(), pool => {
        let kes: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM knowledge_elements").fetch_one(pool).await.unwrap();
        let (start, deadline): (i64, i64) = sqlx::query_as("SELECT started_at, deadline FROM certification_courses WHERE completed_at IS NULL").fetch_one(pool).await.unwrap();
        (kes, deadline, deadline - start)
    });
    assert_eq!(extra, 105 * 60 * 1_000_000, "105 minutes without extra time");
    assert!(deadline > 0);
    // A live alert: the question waits for the invigilator, who dismisses it, then validates another.
    let first = crate::evaluation::current_challenge(&app, assessment).await.unwrap();
    let alert = format!("/assessments/{assessment}/alert");
    assert_eq!(app.post_form(&lea, &alert, &[]).await.status(), StatusCode::SEE_OTHER);
    let page = lea.get(app.url(&format!("/assessments/{assessment}"))).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Votre signalement est transmis au surveillant") && !page.contains("challenge-form"),
        "{page}"
    );
    crate::evaluation::post_answer(&app, &lea, assessment, &crate::evaluation::answer_fields(&app, &first, true)).await;
    let answers_so_far: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM answers WHERE assessment_id = $1").bind(assessment).fetch_one(pool).await.unwrap()
    });
    assert_eq!(answers_so_far, 0, "no answer while the alert is open");
    let page = invigilator.get(app.url(&screen)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Signale un problème"));
    let handle = |action: &str| format!("{screen}/candidates/{candidate}/alert/{action}");
    assert_eq!(app.post_form(&invigilator, &handle("dismiss"), &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        crate::evaluation::current_challenge(&app, assessment).await.as_deref(),
        Some(first.as_str()),
        "dismissed: same question"
    );
    assert_eq!(
        app.post_form(&invigilator, &handle("dismiss"), &[]).await.status(),
        StatusCode::CONFLICT,
        "no alert open"
    );
    app.post_form(&lea, &alert, &[]).await;
    assert_eq!(app.post_form(&invigilator, &handle("validate"), &[]).await.status(), StatusCode::SEE_OTHER);
    let replaced = crate::evaluation::current_challenge(&app, assessment).await.unwrap();
    let skill_of = |id: &str| app.state.content.challenge(app.state.content.challenge_by_id(id).unwrap()).skill;
    assert_ne!(skill_of(&replaced), skill_of(&first), "validated: another question, another skill");
    let mut answered = 0;
    while let Some(challenge) = crate::evaluation::current_challenge(&app, assessment).await {
        answered += 1;
        assert!(answered <= 32, "32 questions at most");
        let fields = crate::evaluation::answer_fields(&app, &challenge, answered % 3 != 0);
        crate::evaluation::post_answer(&app, &lea, assessment, &fields).await;
    }
    assert!(answered >= 20, "enough questions to score: {answered}");
    let (kes_after, completed): (i64, Option<i64>) = platform::on_db!(app.db(), pool => {
        let kes: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM knowledge_elements").fetch_one(pool).await.unwrap();
        let done: Option<i64> = sqlx::query_scalar("SELECT completed_at FROM certification_courses WHERE session_id = $1")
            .bind(session).fetch_one(pool).await.unwrap();
        (kes, done)
    });
    assert_eq!(kes_after, kes_before, "a certification does not change the profile");
    assert!(completed.is_some());
    let r = lea.get(app.url(&format!("/assessments/{assessment}/results"))).send().await.unwrap();
    assert_eq!(location(&r), home, "no corrected answers for a certification");
    let r = lea.get(app.url(&format!("/api/assessments/{assessment}/results"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let page = lea.get(app.url(&home)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Votre test de certification est terminé"));
    let page = invigilator.get(app.url(&screen)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Terminé"));
    // Nobody else reaches the candidate's page.
    let (other, _) = app.learner("other@example.org").await;
    assert_eq!(other.get(app.url(&home)).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // The centre finalises: the test is scored, nothing is visible before publication.
    let (centre, center) = demo_centre(&app, session).await;
    let finalize = format!("/certif/{center}/sessions/{session}/finalize");
    let r = app.post_form(&centre, &finalize, &[("comment", "RAS")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"has_incident-error\"") && page.contains("id=\"has_joining_issue-error\""));
    // Each link of the error summary says which question it leads to (no two alike, item 18).
    let html = scraper::Html::parse_document(&page);
    let links: Vec<String> = html
        .select(&scraper::Selector::parse(".error-summary a").unwrap())
        .map(|a| a.text().collect::<String>())
        .collect();
    let distinct: std::collections::HashSet<&String> = links.iter().collect();
    assert!(links.len() >= 2 && distinct.len() == links.len(), "{links:?}");
    let done = [("comment", "RAS"), ("has_incident", "no"), ("has_joining_issue", "no")];
    let r = app.post_form(&centre, &finalize, &done).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.post_form(&centre, &finalize, &done).await.status(), StatusCode::CONFLICT, "once");
    let (score, code, status, answers): (i64, String, String, i64) = platform::on_db!(app.db(), pool => {
        sqlx::query_as(
            "SELECT r.pix_score, r.verification_code, r.status, r.answers FROM certification_results r \
             JOIN certification_courses k ON k.id = r.course_id WHERE k.session_id = $1",
        )
        .bind(session).fetch_one(pool).await.unwrap()
    });
    assert!((0..=895).contains(&score));
    assert_eq!((status.as_str(), answers), ("validated", answered));
    assert_eq!(engine::codes::normalize_verification_code(&code).as_deref(), Some(code.as_str()));
    let course: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT id FROM certification_courses WHERE session_id = $1").bind(session).fetch_one(pool).await.unwrap()
    });
    let certificate = format!("/certificats/{course}");
    assert_eq!(
        lea.get(app.url(&certificate)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "not published yet"
    );
    let verify = format!("/verifier-un-certificat?code={}", code.to_lowercase());
    assert_eq!(new_client().get(app.url(&verify)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let csv = format!("/certif/{center}/sessions/{session}/results.csv");
    assert_eq!(
        centre.get(app.url(&csv)).send().await.unwrap().status(),
        StatusCode::CONFLICT,
        "not before publication"
    );

    // The back office publishes; the candidate is told and reads her certificate; anyone verifies it.
    let (jury, _) = app.admin("jury@example.org", "CERTIF").await;
    let list = jury.get(app.url("/admin/certification/sessions")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains(&number.to_string()));
    let r = app.post_form(&jury, &format!("/admin/certification/sessions/{session}/publish"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.post_form(&jury, &format!("/admin/certification/sessions/{session}/publish"), &[]).await.status(),
        StatusCode::CONFLICT
    );
    // The centre downloads the session's results.
    let r = centre.get(app.url(&csv)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
    assert!(disposition.contains(&format!("_resultats_session_{number}.csv")), "{disposition}");
    let body = r.text().await.unwrap();
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "a header and Léa");
    let head: Vec<&str> = lines[0].split(';').collect();
    let row: Vec<&str> = lines[1].split(';').collect();
    assert_eq!(head.len(), row.len());
    assert_eq!(head.len(), 8 + app.state.content.competences.len() + 4);
    assert_eq!(head[7], "\"Nombre de Pix\"");
    assert_eq!((row[1], row[6], row[7]), ("\"Léa\"", "\"Validée\"", score.to_string().as_str()));
    let mails = app.mails_to("learner@demo.example").await;
    assert!(mails.iter().any(|m| m.contains(&code) && m.contains(&certificate)), "{mails:?}");
    let page = lea.get(app.url(&home)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&certificate));
    let page = lea.get(app.url(&certificate)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("<strong>{score}</strong> / 895")) && page.contains(&code), "{page}");
    assert!(page.contains("Paris (75056), France"), "the commune's name, its INSEE code kept: {page}");
    assert_eq!(other.get(app.url(&certificate)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let page = new_client().get(app.url(&verify)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Ce certificat est authentique") && page.contains("APPRENANTE"), "{page}");
    assert!(!page.contains("75056") && !page.contains("Paris ("), "the public part leaves the birthplace out");
    let visitor = new_client();
    let r = app
        .send_json(&visitor, Method::POST, "/api/shared-certifications", &json!({ "verification_code": code }))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["pix_score"], score);
    let r = app
        .send_json(&visitor, Method::POST, "/api/shared-certifications", &json!({ "verification_code": "P-BBBBBBBB" }))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The jury reads the answers and the capacity, comments, then cancels: the code no longer verifies.
    let detail = jury
        .get(app.url(&format!("/admin/certification/courses/{course}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(detail.matches("<td><code>").count(), answered as usize, "every answer with the capacity after it");
    let decide = format!("/admin/certification/courses/{course}/jury");
    let long = "x".repeat(501);
    let r = app
        .post_form(&jury, &decide, &[("decision", "keep"), ("comment_candidate", &long), ("comment_organization", "")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            &jury,
            &decide,
            &[("decision", "keep"), ("comment_candidate", "Bravo"), ("comment_organization", "Session calme")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(lea.get(app.url(&certificate)).send().await.unwrap().text().await.unwrap().contains("Bravo"));
    assert!(centre.get(app.url(&csv)).send().await.unwrap().text().await.unwrap().contains("\"Session calme\""));
    assert_eq!(app.post_form(&lea, &decide, &[("decision", "fraud")]).await.status(), StatusCode::FORBIDDEN);
    let r = app
        .post_form(&jury, &decide, &[("decision", "cancel"), ("comment_candidate", ""), ("comment_organization", "")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(new_client().get(app.url(&verify)).send().await.unwrap().status(), StatusCode::NOT_FOUND, "revoked");
    assert!(lea.get(app.url(&certificate)).send().await.unwrap().text().await.unwrap().contains("pas validée"));
    assert!(centre.get(app.url(&csv)).send().await.unwrap().text().await.unwrap().contains("\"Annulée\""));
}

async fn answers_after_the_deadline_end_the_test(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), true, |s| s.demo = true).await;
    let clock = app.clock.clone().unwrap();
    let (session, number, code, password) = demo_session(&app).await;
    let (lea, home) = join_as_lea(&app, number, &code).await;
    let invigilator = new_client();
    let n = number.to_string();
    app.post_form(&invigilator, "/surveillant", &[("session_number", &n), ("password", &password)]).await;
    let candidate = home.rsplit('/').next().unwrap().to_owned();
    let screen = format!("/surveillant/sessions/{session}");
    app.post_form(&invigilator, &format!("{screen}/candidates/{candidate}/authorize"), &[("authorized", "yes")]).await;
    let r = app.post_form(&lea, &format!("{home}/start"), &[]).await;
    let assessment = Uuid::parse_str(location(&r).trim_start_matches("/assessments/")).unwrap();
    let first = crate::evaluation::current_challenge(&app, assessment).await.unwrap();
    crate::evaluation::post_answer(&app, &lea, assessment, &crate::evaluation::answer_fields(&app, &first, true)).await;
    // 1 h 46 later: the answer does not count and the test is over.
    clock.advance(time::Duration::minutes(106));
    let second = crate::evaluation::current_challenge(&app, assessment).await.unwrap();
    crate::evaluation::post_answer(&app, &lea, assessment, &crate::evaluation::answer_fields(&app, &second, true))
        .await;
    let answers: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM answers WHERE assessment_id = $1").bind(assessment).fetch_one(pool).await.unwrap()
    });
    assert_eq!(answers, 1);
    assert_eq!(crate::evaluation::current_challenge(&app, assessment).await, None);
    let page = lea.get(app.url(&home)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Votre test de certification est terminé"));
    // The invigilator can end a test under way (here: already over, so 409).
    let r = app.post_form(&invigilator, &format!("{screen}/candidates/{candidate}/end"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

async fn centre_admins_manage_their_members(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let (center, admin) = set_up(&app).await;
    let members = format!("/certif/{center}/members");
    let (colleague, colleague_id) = app.learner("colleague@example.org").await;
    let invitations = format!("/certif/{center}/invitations");
    let r = app.post_form(&admin, &invitations, &[("email", "not an address"), ("role", "MEMBER")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post_form(&admin, &invitations, &[("email", "centre@example.org"), ("role", "MEMBER")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "already a member");
    // An invitation by email, as for organisations: the link brings the person in.
    let r = app.post_form(&admin, &invitations, &[("email", "colleague@example.org"), ("role", "MEMBER")]).await;
    assert_eq!(location(&r), format!("{members}?done=invited"));
    let page = admin.get(app.url(&members)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("colleague@example.org") && page.contains("Renvoyer"), "pending, for ADMINs");
    let mail = app.mails_to("colleague@example.org").await.pop().expect("an invitation mail");
    assert!(mail.contains("centre de certification"), "{mail}");
    let (id, token) = crate::prescription::invitation_link(&app, "colleague@example.org").await;
    let page =
        colleague.get(app.url(&format!("/invitations/{id}?token={token}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("rejoindre le centre de certification"), "{page}");
    let r = app.post_form(&colleague, &format!("/invitations/{id}/accept"), &[("token", &token)]).await;
    assert_eq!(location(&r), format!("/certif/{center}/sessions"));
    assert_eq!(
        app.post_form(&colleague, &format!("/invitations/{id}/accept"), &[("token", &token)]).await.status(),
        StatusCode::NOT_FOUND,
        "used once"
    );
    let colleague = app.login_as("colleague@example.org").await;
    let page = colleague.get(app.url(&members)).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("colleague@example.org") && !page.contains("Inviter un membre") && !page.contains("Renvoyer"),
        "members read, ADMINs manage"
    );
    let r = app.post_form(&colleague, &invitations, &[("email", "x@example.org"), ("role", "ADMIN")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The API: invite, list, cancel.
    let api = format!("/api/certification-centers/{center}/invitations");
    let r = app.send_json(&admin, Method::POST, &api, &json!({ "email": "third@example.org", "role": "ADMIN" })).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let third = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let listed: Value = admin.get(app.url(&api)).send().await.unwrap().json().await.unwrap();
    let emails =
        |v: &Value| v.as_array().unwrap().iter().map(|i| i["email"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(
        emails(&listed),
        ["third@example.org", "nobody@example.org"],
        "latest first (nobody was invited by the back office)"
    );
    assert_eq!(
        app.send_json(&admin, Method::DELETE, &format!("{api}/{third}"), &json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    let listed: Value = admin.get(app.url(&api)).send().await.unwrap().json().await.unwrap();
    assert_eq!(emails(&listed), ["nobody@example.org"], "cancelled");
    let me: Uuid = app.user_id("centre@example.org").await;
    let r = app.post_form(&admin, &format!("{members}/{me}/remove"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "the last ADMIN stays");
    let r = app.post_form(&admin, &format!("{members}/{colleague_id}/role"), &[("role", "ADMIN")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.post_form(&admin, &format!("{members}/{me}/remove"), &[]).await;
    assert_eq!(location(&r), "/certif", "the former ADMIN left");
    assert_eq!(
        admin.get(app.url(&members)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "no longer a member"
    );
    let (outsider, _) = app.learner("outsider@example.org").await;
    assert_eq!(outsider.get(app.url(&members)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

async fn the_candidate_api_joins_and_starts(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session, number, code, password) = demo_session(&app).await;
    let lea = app.login_as("learner@demo.example").await;
    let mut body = json!({ "session_number": number.to_string(), "access_code": "ZZZZ99", "first_name": "Léa", "last_name": "Apprenante", "birth_date": "2001-04-12" });
    let r = app.send_json(&lea, Method::POST, "/api/certification/join", &body).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "no open session with this number and code");
    assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["code"], "field-join-failed");
    body["access_code"] = json!(code);
    body["birth_date"] = json!("2001-04-13");
    let r = app.send_json(&lea, Method::POST, "/api/certification/join", &body).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["code"], "field-join-failed", "the same answer");
    body["birth_date"] = json!("2001-04-12");
    body["access_code"] = json!(code);
    let r = app.send_json(&lea, Method::POST, "/api/certification/join", &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    let joined: Value = r.json().await.unwrap();
    assert_eq!((joined["state"].as_str(), joined["session_number"].as_i64()), (Some("waiting"), Some(number)));
    let id = joined["id"].as_str().unwrap().to_owned();
    let start = format!("/api/certification/candidates/{id}/start");
    assert_eq!(
        app.send_json(&lea, Method::POST, &start, &json!({})).await.status(),
        StatusCode::CONFLICT,
        "not authorised yet"
    );
    let invigilator = new_client();
    let n = number.to_string();
    app.post_form(&invigilator, "/surveillant", &[("session_number", &n), ("password", &password)]).await;
    app.post_form(
        &invigilator,
        &format!("/surveillant/sessions/{session}/candidates/{id}/authorize"),
        &[("authorized", "yes")],
    )
    .await;
    let r = app.send_json(&lea, Method::POST, &start, &json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let started: Value = r.json().await.unwrap();
    assert_eq!(started["state"], "started");
    assert_eq!(
        app.send_json(&lea, Method::POST, &start, &json!({})).await.status(),
        StatusCode::CONFLICT,
        "resuming needs the invigilator's authorisation again"
    );
    let assessment = started["assessment_id"].as_str().unwrap();
    let current: Value =
        lea.get(app.url(&format!("/api/assessments/{assessment}"))).send().await.unwrap().json().await.unwrap();
    assert!(current["challenge"]["id"].is_string(), "{current}");
    let (other, _) = app.learner("other@example.org").await;
    assert_eq!(
        other.get(app.url(&format!("/api/certification/candidates/{id}"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

/// Reads the event stream until a `change` event, or gives up after `within`.
async fn next_change(events: &mut reqwest::Response, within: std::time::Duration) -> Option<std::time::Duration> {
    let started = std::time::Instant::now();
    let mut seen = String::new();
    while !seen.contains("event: change") {
        let left = within.checked_sub(started.elapsed())?;
        let chunk = tokio::time::timeout(left, events.chunk()).await.ok()?.expect("stream readable")?;
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    Some(started.elapsed())
}

async fn invigilator_screens_hear_candidates_within_a_second_on_every_node(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session, number, code, password) = demo_session(&app).await;
    // On PostgreSQL the screen is on a second node: events cross nodes through NOTIFY.
    let second = match backend {
        crate::support::Backend::Postgres => {
            let mut settings = (*app.state.settings).clone();
            settings.bind = "127.0.0.1:0".parse().unwrap();
            settings.demo = false;
            let node = platform::Server::build(settings).await.expect("second node");
            let addr = node.local_addr();
            tokio::spawn(node.run(std::future::pending()));
            Some(addr)
        }
        crate::support::Backend::Sqlite => None,
    };
    let screen_node = second.map_or_else(|| app.url(""), |a| format!("http://{a}"));
    let events_path = format!("/surveillant/sessions/{session}/events");
    let r = new_client().get(format!("{screen_node}{events_path}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "only for who opened the session with its password");
    let invigilator = new_client();
    let n = number.to_string();
    app.post_form(&invigilator, "/surveillant", &[("session_number", &n), ("password", &password)]).await;
    let mut events = invigilator.get(format!("{screen_node}{events_path}")).send().await.unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    assert_eq!(events.headers()["content-type"], "text/event-stream");

    // Another session's event does not reach this screen.
    platform::certification::live::publish(&app.state, Uuid::now_v7());
    assert_eq!(next_change(&mut events, std::time::Duration::from_millis(300)).await, None);
    // The candidate joins (on the first node): the screen hears it within a second.
    let (lea, home) = join_as_lea(&app, number, &code).await;
    let took = next_change(&mut events, std::time::Duration::from_secs(1)).await.expect("an event within 1 s");
    let candidate = home.rsplit('/').next().unwrap().to_owned();
    app.post_form(
        &invigilator,
        &format!("/surveillant/sessions/{session}/candidates/{candidate}/authorize"),
        &[("authorized", "yes")],
    )
    .await;
    next_change(&mut events, std::time::Duration::from_secs(1)).await.expect("the authorisation too");
    let r = app.post_form(&lea, &format!("{home}/start"), &[]).await;
    let assessment = Uuid::parse_str(location(&r).trim_start_matches("/assessments/")).unwrap();
    next_change(&mut events, std::time::Duration::from_secs(1)).await.expect("the start too");
    let challenge = crate::evaluation::current_challenge(&app, assessment).await.unwrap();
    let fields = crate::evaluation::answer_fields(&app, &challenge, true);
    assert_eq!(crate::evaluation::post_answer(&app, &lea, assessment, &fields).await.status(), StatusCode::SEE_OTHER);
    next_change(&mut events, std::time::Duration::from_secs(1)).await.expect("each answer too");
    let page = invigilator.get(format!("{screen_node}/surveillant/sessions/{session}")).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("(1 / 32)"), "the screen the event leads to is current");
    assert!(took < std::time::Duration::from_secs(1));
}

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
    platform::on_db!(app.db(), pool => {
        sqlx::query("UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = 'known@example.org') WHERE email = 'centre-admin@demo.example'")
            .execute(pool).await.unwrap();
    });
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

async fn issue_reports_are_resolved_automatically_at_finalisation(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session, number, code, password) = demo_session(&app).await;
    let (lea, home, assessment, _) = lea_starts(&app, session, number, &code, &password).await;
    let candidate = home.rsplit('/').next().unwrap().to_owned();
    // Three wrong answers, then the candidate leaves.
    let mut asked = Vec::new();
    for _ in 0..3 {
        let challenge = crate::evaluation::current_challenge(&app, assessment).await.unwrap();
        let fields = crate::evaluation::answer_fields(&app, &challenge, false);
        crate::evaluation::post_answer(&app, &lea, assessment, &fields).await;
        asked.push(challenge);
    }
    let (centre, center) = demo_centre(&app, session).await;
    let reports = format!("/certif/{center}/sessions/{session}/candidates/{candidate}/reports");
    let page = centre
        .get(app.url(&format!("/certif/{center}/sessions/{session}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&reports), "the session page leads to the candidate's reports");
    // Field errors: a question report needs a question of the test; kinds must exist.
    for (kind, question) in
        [("IN_CHALLENGE/WEBSITE_BLOCKED", ""), ("IN_CHALLENGE/WEBSITE_BLOCKED", "4"), ("LATE_OR_LEAVING", "")]
    {
        let r = app
            .post_form(&centre, &reports, &[("kind", kind), ("question_number", question), ("description", "")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{kind} {question}");
    }
    // The focused/illustrated/timed facts of question 2 decide what an image report does.
    let second = state_challenge(&app, &asked[1]);
    let kinds = [
        ("IN_CHALLENGE/WEBSITE_BLOCKED", "1", "neutralized"),
        ("IN_CHALLENGE/IMAGE_NOT_DISPLAYING", "2", if second.0 { "neutralized" } else { "no_effect" }),
        ("FRAUD", "", "unresolved"),
    ];
    for (kind, question, _) in kinds {
        let r = app
            .post_form(
                &centre,
                &reports,
                &[("kind", kind), ("question_number", question), ("description", "Vu en salle")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{kind}");
    }
    let api = format!("/api/certification-centers/{center}/sessions/{session}/candidates/{candidate}/issue-reports");
    let r = app
        .send_json(
            &centre,
            Method::POST,
            &api,
            &json!({ "category": "SIGNATURE_ISSUE", "subcategory": "", "question_number": "", "description": "" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let extra = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let r = app.post_form(&centre, &format!("{reports}/{extra}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "removed before finalisation");
    let (stranger, _) = app.learner("stranger@example.org").await;
    assert_eq!(stranger.get(app.url(&reports)).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    let finalize = format!("/certif/{center}/sessions/{session}/finalize");
    let abort = format!("abort-{candidate}");
    let done = [("comment", ""), ("has_incident", "yes"), ("has_joining_issue", "no"), (abort.as_str(), "technical")];
    assert_eq!(app.post_form(&centre, &finalize, &done).await.status(), StatusCode::SEE_OTHER);
    let listed: Vec<Value> = centre.get(app.url(&api)).send().await.unwrap().json().await.unwrap();
    let resolutions: Vec<&str> = listed.iter().map(|r| r["resolution"].as_str().unwrap()).collect();
    assert_eq!(resolutions, kinds.iter().map(|k| k.2).collect::<Vec<_>>());
    let neutralized = kinds.iter().filter(|k| k.2 == "neutralized").count() as i64;
    let answers: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT r.answers FROM certification_results r JOIN certification_courses k ON k.id = r.course_id WHERE k.session_id = $1")
            .bind(session).fetch_one(pool).await.unwrap()
    });
    assert_eq!(answers, 3 - neutralized, "neutralized questions no longer count");
    let r = app.post_form(&centre, &reports, &[("kind", "FRAUD"), ("question_number", ""), ("description", "")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "no report after finalisation");
    // Scored but not published: the candidate's export does not show the result yet.
    let doc: Value = lea.get(app.url("/account/export")).send().await.unwrap().json().await.unwrap();
    let mine: Vec<&Value> =
        doc["certifications"].as_array().unwrap().iter().filter(|c| c["session"] == session.to_string()).collect();
    assert_eq!((mine.len(), mine[0]["status"].is_null(), mine[0]["pix_score"].is_null()), (1, true, true));
    let page = centre.get(app.url(&reports)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Question neutralisée") && page.contains("Examiné par le jury"), "{page}");
}

/// Whether a challenge shows an image.
fn state_challenge(app: &TestApp, id: &str) -> (bool,) {
    let content = &app.state.content;
    (content.challenge(content.challenge_by_id(id).unwrap()).illustration.is_some(),)
}

async fn configuration_versions_go_from_draft_to_active_and_certifications_keep_theirs(
    backend: crate::support::Backend,
) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session, number, code, password) = demo_session(&app).await;
    let (admin, _) = app.admin("root@example.org", "SUPER_ADMIN").await;
    let (certif, _) = app.admin("certif@example.org", "CERTIF").await;
    let page = "/admin/certification/configurations";
    assert_eq!(certif.get(app.url(page)).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let html = admin.get(app.url(page)).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("value=\"32\"") && html.contains("value=\"105\""),
        "the form starts from the active version 1"
    );
    let mut fields = vec![
        ("maximum_length", "22"),
        ("minimum_answers", "30"),
        ("duration_minutes", "60"),
        ("between_same_competence", "2"),
        ("default_capacity", "-3"),
        ("probability_to_pick", "51"),
        ("variation_percent", "0,5"),
    ];
    let r = app.post_form(&admin, page, &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("ne peuvent dépasser le nombre de questions"));
    fields[1] = ("minimum_answers", "20");
    assert_eq!(app.post_form(&admin, page, &fields).await.status(), StatusCode::SEE_OTHER);
    let versions = || async {
        platform::on_db!(app.db(), pool => {
            sqlx::query_as::<_, (i64, String)>("SELECT version, status FROM certification_configurations ORDER BY version").fetch_all(pool).await.unwrap()
        })
    };
    assert_eq!(versions().await, vec![(1, "active".to_owned()), (2, "draft".to_owned())]);
    // A draft is not used: activate it.
    assert_eq!(app.post_form(&certif, &format!("{page}/2/activate"), &[]).await.status(), StatusCode::FORBIDDEN);
    let r = app.post_form(&admin, &format!("{page}/2/activate"), &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("La version 2 est active"));
    assert_eq!(versions().await, vec![(1, "archived".to_owned()), (2, "active".to_owned())]);
    assert_eq!(
        app.post_form(&admin, &format!("{page}/1/activate"), &[]).await.status(),
        StatusCode::CONFLICT,
        "archived stays archived"
    );
    assert_eq!(
        app.post_form(&admin, &format!("{page}/2/delete"), &[]).await.status(),
        StatusCode::CONFLICT,
        "only drafts are deleted"
    );

    // A certification started now records version 2: 60 minutes, 22 questions at most.
    let (lea, _, assessment, _) = lea_starts(&app, session, number, &code, &password).await;
    // Version 3 activated meanwhile does not change a test under way.
    fields[0] = ("maximum_length", "40");
    app.post_form(&admin, page, &fields).await;
    app.post_form(&admin, &format!("{page}/3/activate"), &[]).await;
    let (version, length): (i64, i64) = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT configuration_version, deadline - started_at FROM certification_courses WHERE session_id = $1").bind(session).fetch_one(pool).await.unwrap()
    });
    assert_eq!((version, length), (2, 60 * 60 * 1_000_000));
    let mut answered = 0;
    while let Some(challenge) = crate::evaluation::current_challenge(&app, assessment).await {
        let fields = crate::evaluation::answer_fields(&app, &challenge, true);
        crate::evaluation::post_answer(&app, &lea, assessment, &fields).await;
        answered += 1;
        assert!(answered <= 22, "the version's length");
    }
    assert_eq!(answered, 22);
}

async fn invigilator_candidate_and_jury_routes_refuse_everyone_else(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session_a, number_a, code_a, password_a) = demo_session(&app).await;
    let (centre, center) = demo_centre(&app, session_a).await;
    // Session B of the same centre, with a candidate of its own.
    let fields = session_fields(&in_days(3)).await;
    let session_b = location(&app.post_form(&centre, &format!("/certif/{center}/sessions"), &pairs(&fields)).await)
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let enrol = [
        ("last_name", "Petit"),
        ("first_name", "Tom"),
        ("birth_date", "01/01/2000"),
        ("sex", "M"),
        ("birth_insee_code", "75056"),
    ];
    app.post_form(&centre, &format!("/certif/{center}/sessions/{session_b}/candidates"), &enrol).await;
    let (number_b, password_b, candidate_b): (i64, String, Uuid) = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT s.number, s.invigilator_password, k.id FROM certification_sessions s JOIN certification_candidates k ON k.session_id = s.id WHERE k.last_name = 'Petit'")
            .fetch_one(pool).await.unwrap()
    });
    // Léa joins session A and starts.
    let (lea, home) = join_as_lea(&app, number_a, &code_a).await;
    let candidate_a = home.rsplit('/').next().unwrap().to_owned();
    let invigilator_a = new_client();
    app.post_form(
        &invigilator_a,
        "/surveillant",
        &[("session_number", &number_a.to_string()), ("password", &password_a)],
    )
    .await;
    let screen_a = format!("/surveillant/sessions/{session_a}");
    app.post_form(&invigilator_a, &format!("{screen_a}/candidates/{candidate_a}/authorize"), &[("authorized", "yes")])
        .await;
    let r = app.post_form(&lea, &format!("{home}/start"), &[]).await;
    let assessment = location(&r);

    // B's password opens B only; with A's number it opens nothing.
    let invigilator_b = new_client();
    let r = app
        .post_form(
            &invigilator_b,
            "/surveillant",
            &[("session_number", &number_a.to_string()), ("password", &password_b)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            &invigilator_b,
            "/surveillant",
            &[("session_number", &number_b.to_string()), ("password", &password_b)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = invigilator_b.get(app.url(&screen_a)).send().await.unwrap();
    assert_eq!(
        (r.status(), location(&r).as_str()),
        (StatusCode::SEE_OTHER, "/surveillant"),
        "A's screen is not open to B"
    );
    for (who, client) in [("B's invigilator", &invigilator_b), ("nobody", &new_client()), ("the candidate", &lea)] {
        assert_eq!(
            client.get(app.url(&format!("{screen_a}/events"))).send().await.unwrap().status(),
            StatusCode::NOT_FOUND,
            "events as {who}"
        );
        for action in ["authorize", "end", "alert/validate", "alert/dismiss"] {
            let path = format!("{screen_a}/candidates/{candidate_a}/{action}");
            assert_eq!(
                app.post_form(client, &path, &[("authorized", "no")]).await.status(),
                StatusCode::NOT_FOUND,
                "{action} as {who}"
            );
        }
    }
    // A's invigilator cannot act on a candidate of another session through A's screen.
    for action in ["authorize", "end", "alert/validate"] {
        let path = format!("{screen_a}/candidates/{candidate_b}/{action}");
        assert_eq!(
            app.post_form(&invigilator_a, &path, &[("authorized", "yes")]).await.status(),
            StatusCode::NOT_FOUND,
            "{action}"
        );
    }

    // The candidate's pages and API are hers only.
    let (other, _) = app.learner("other@example.org").await;
    let anonymous = new_client();
    for path in [home.clone(), format!("/api/certification/candidates/{candidate_a}"), assessment.clone()] {
        assert_eq!(
            other.get(app.url(&path)).send().await.unwrap().status(),
            StatusCode::NOT_FOUND,
            "{path} as another learner"
        );
        let expected = if path.starts_with("/api/") { StatusCode::UNAUTHORIZED } else { StatusCode::SEE_OTHER };
        assert_eq!(anonymous.get(app.url(&path)).send().await.unwrap().status(), expected, "{path} anonymous");
    }
    assert_eq!(app.post_form(&other, &format!("{home}/start"), &[]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.post_form(&other, &format!("{assessment}/alert"), &[]).await.status(), StatusCode::NOT_FOUND);

    // Jury routes: certification agents only (and super admins), not centre members, learners or nobody.
    let course: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT id FROM certification_courses WHERE session_id = $1").bind(session_a).fetch_one(pool).await.unwrap()
    });
    let (jury, _) = app.admin("jury@example.org", "CERTIF").await;
    let (support, _) = app.admin("support@example.org", "SUPPORT").await;
    let reads = [
        "/admin/certification/sessions".to_owned(),
        format!("/admin/certification/sessions/{session_a}"),
        format!("/admin/certification/courses/{course}"),
    ];
    for path in &reads {
        assert_eq!(jury.get(app.url(path)).send().await.unwrap().status(), StatusCode::OK, "{path} as jury");
        for (who, client) in [("centre", &centre), ("learner", &lea), ("support", &support)] {
            assert_eq!(
                client.get(app.url(path)).send().await.unwrap().status(),
                StatusCode::FORBIDDEN,
                "{path} as {who}"
            );
        }
        assert_eq!(
            anonymous.get(app.url(path)).send().await.unwrap().status(),
            StatusCode::SEE_OTHER,
            "{path} anonymous"
        );
    }
    for path in [
        format!("/admin/certification/sessions/{session_a}/publish"),
        format!("/admin/certification/courses/{course}/jury"),
    ] {
        for (who, client) in [("centre", &centre), ("learner", &lea), ("support", &support)] {
            assert_eq!(
                app.post_form(client, &path, &[("decision", "cancel")]).await.status(),
                StatusCode::FORBIDDEN,
                "{path} as {who}"
            );
        }
    }
    // A centre's reports, sheets and results are not another centre's or a learner's.
    for path in [
        format!("/certif/{center}/sessions/{session_a}/candidates/{candidate_a}/reports"),
        format!("/certif/{center}/sessions/{session_a}/attendance.pdf"),
        format!("/api/certification-centers/{center}/sessions/{session_a}/candidates/{candidate_a}/issue-reports"),
    ] {
        assert_eq!(lea.get(app.url(&path)).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{path} as learner");
        assert_eq!(centre.get(app.url(&path)).send().await.unwrap().status(), StatusCode::OK, "{path} as centre");
    }
    // A candidate of session B is not found under session A's path.
    let wrong = format!("/certif/{center}/sessions/{session_a}/candidates/{candidate_b}");
    assert_eq!(centre.get(app.url(&wrong)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

async fn export_lists_certifications_and_erasure_keeps_certificates_verifiable(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    demo_session(&app).await;
    let (course, code): (Uuid, String) = platform::on_db!(app.db(), pool => {
        sqlx::query("UPDATE certification_candidates SET email = 'lea@home.example' WHERE user_id = (SELECT id FROM users WHERE email = 'learner@demo.example')")
            .execute(pool).await.unwrap();
        sqlx::query_as("SELECT course_id, verification_code FROM certification_results WHERE status = 'validated'").fetch_one(pool).await.unwrap()
    });
    let lea = app.login_as("learner@demo.example").await;
    let doc: Value = lea.get(app.url("/account/export")).send().await.unwrap().json().await.unwrap();
    let certification = &doc["certifications"][0];
    assert_eq!(
        (certification["course"].as_str(), certification["verification_code"].as_str()),
        (Some(course.to_string().as_str()), Some(code.as_str()))
    );
    assert_eq!(doc["certification_enrolments"][0]["email"], "lea@home.example");
    // The credential is issued before the erasure: it must keep verifying after.
    let vc: Value = lea
        .get(app.url(&format!("/api/certifications/{course}/credential")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = app.csrf(&lea).await;
    let r = lea
        .post(app.url("/account/delete"))
        .form(&[("delete_password", crate::support::PASSWORD), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection() || r.status().is_success(), "{}", r.status());
    let (email, last_name): (Option<String>, String) = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT email, last_name FROM certification_candidates WHERE id = (SELECT candidate_id FROM certification_courses WHERE id = $1)")
            .bind(course).fetch_one(pool).await.unwrap()
    });
    assert_eq!((email, last_name.as_str()), (None, "Apprenante"), "the contact goes, the certified identity stays");
    let verified = app
        .send_json(&new_client(), Method::POST, "/api/shared-certifications", &json!({ "verification_code": code }))
        .await;
    assert_eq!(verified.status(), StatusCode::OK, "still verifiable by its code");
    let did: Value = new_client().get(app.url("/.well-known/did.json")).send().await.unwrap().json().await.unwrap();
    assert!(platform::certification::credential::verify(&vc, &did, None, &now()).is_ok(), "and by its signature");
}

/// Now, RFC 3339 UTC (what a verifier compares a status list's validity with).
fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap()
}

/// A v2 session (REFERENCE §6.2–6.3): the centre chooses the version until a candidate starts; the
/// candidate answers up to three questions of her directly validated skills per certifiable
/// competence, hardest first; a validated alert withdraws a question; the score confirms the
/// profile's levels where the answers reproduce them.
async fn a_v2_session_asks_three_questions_per_competence_and_scores_them(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session, number, code, password) = demo_session(&app).await;
    let (centre, center) = demo_centre(&app, session).await;
    let edit = format!("/certif/{center}/sessions/{session}/edit");
    let form = centre.get(app.url(&edit)).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("name=\"version\" value=\"3\"") && form.contains("value=\"2\""), "{form}");
    // Sessions are sat on their own day (Paris time).
    let today = platform::clock::paris_date(platform::db::micros(time::OffsetDateTime::now_utc()));
    let mut fields = session_fields(&today).await;
    fields.push(("version", "7".into()));
    let r = app.post_form(&centre, &edit, &pairs(&fields)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Choisissez la version 2 ou la version 3"));
    fields.last_mut().unwrap().1 = "2".into();
    assert_eq!(app.post_form(&centre, &edit, &pairs(&fields)).await.status(), StatusCode::SEE_OTHER);
    let page = centre
        .get(app.url(&format!("/certif/{center}/sessions/{session}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Trois questions par compétence (version 2)"), "{page}");
    // The API plans v2 sessions too, and refuses other versions field by field.
    let api = format!("/api/certification-centers/{center}/sessions");
    let mut body = json!({ "address": "Annexe", "room": "1", "date": in_days(4), "time": "10:00", "examiner": "M. Martin", "version": 5 });
    let r = app.send_json(&centre, Method::POST, &api, &body).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "version");
    body["version"] = json!(2);
    let r = app.send_json(&centre, Method::POST, &api, &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap()["version"], 2);

    // Léa starts: her questions are chosen now, from her profile, and the version is fixed.
    let (lea, home, assessment, invigilator) = lea_starts(&app, session, number, &code, &password).await;
    let mut back = session_fields(&in_days(3)).await;
    back.push(("version", "3".into()));
    let r = app.post_form(&centre, &edit, &pairs(&back)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("la version ne peut plus changer"));
    let (version, plan): (i64, String) = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT version, plan FROM certification_courses WHERE session_id = $1").bind(session).fetch_one(pool).await.unwrap()
    });
    assert_eq!(version, 2);
    let plan: Value = serde_json::from_str(&plan).unwrap();
    let parts = plan["competences"].as_array().unwrap();
    let codes: Vec<&str> = parts.iter().map(|p| p["code"].as_str().unwrap()).collect();
    let demo: Vec<&str> = platform::evaluation::demo::DEMO_LEVELS.iter().map(|(c, _)| *c).collect();
    assert_eq!(codes, demo, "every certifiable competence, in the framework's order");
    let content = &app.state.content;
    let mut questions: Vec<(String, String)> = Vec::new();
    for (part, (_, level)) in parts.iter().zip(platform::evaluation::demo::DEMO_LEVELS) {
        assert_eq!(part["level"], u64::from(level));
        let asked = part["challenges"].as_array().unwrap();
        assert!(asked.len() <= 3);
        let mut previous = u8::MAX;
        for id in asked {
            let c = content.challenge(content.challenge_by_id(id.as_str().unwrap()).unwrap());
            let skill = content.skill(c.skill);
            assert_eq!(content.competence(skill.competence).code, part["code"].as_str().unwrap());
            assert!(skill.level <= level && skill.level <= previous, "validated skills, hardest first");
            previous = skill.level;
            questions.push((id.as_str().unwrap().to_owned(), part["code"].as_str().unwrap().to_owned()));
        }
    }
    assert!(questions.len() >= 5, "{questions:?}");

    // The first question is withdrawn after a validated alert; the plan goes on in order.
    assert_eq!(crate::evaluation::current_challenge(&app, assessment).await.as_deref(), Some(questions[0].0.as_str()));
    let candidate = home.rsplit('/').next().unwrap().to_owned();
    app.post_form(&lea, &format!("/assessments/{assessment}/alert"), &[]).await;
    let validate = format!("/surveillant/sessions/{session}/candidates/{candidate}/alert/validate");
    assert_eq!(app.post_form(&invigilator, &validate, &[]).await.status(), StatusCode::SEE_OTHER);
    // Every answer right, except those of the last competence.
    let last = questions.last().unwrap().1.clone();
    let mut asked = Vec::new();
    while let Some(challenge) = crate::evaluation::current_challenge(&app, assessment).await {
        assert!(asked.len() < questions.len(), "no more questions than planned");
        let competence = questions.iter().find(|(id, _)| *id == challenge).expect("a planned question").1.clone();
        let fields = crate::evaluation::answer_fields(&app, &challenge, competence != last);
        crate::evaluation::post_answer(&app, &lea, assessment, &fields).await;
        asked.push(challenge);
    }
    let expected: Vec<String> = questions.iter().skip(1).map(|(id, _)| id.clone()).collect();
    assert_eq!(asked, expected, "the plan in order, without the withdrawn question");
    let screen = invigilator
        .get(app.url(&format!("/surveillant/sessions/{session}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        screen.contains(&format!("({} / {})", asked.len(), questions.len())),
        "the screen counts the plan: {screen}"
    );

    // Finalisation scores it: the wrong competence is not certified, the others keep their level.
    let done = [("comment", ""), ("has_incident", "no"), ("has_joining_issue", "no")];
    assert_eq!(
        app.post_form(&centre, &format!("/certif/{center}/sessions/{session}/finalize"), &done).await.status(),
        StatusCode::SEE_OTHER
    );
    let (course, score, status, rate, levels): (Uuid, i64, String, Option<i64>, String) = platform::on_db!(app.db(), pool => {
        sqlx::query_as(
            "SELECT r.course_id, r.pix_score, r.status, r.reproducibility_rate, r.competence_levels FROM certification_results r \
             JOIN certification_courses k ON k.id = r.course_id WHERE k.session_id = $1",
        )
        .bind(session).fetch_one(pool).await.unwrap()
    });
    let wrong = questions.iter().skip(1).filter(|(_, c)| *c == last).count() as f64;
    let counted = (questions.len() - 1) as f64;
    assert_eq!(rate, Some((100.0 * (counted - wrong) / counted).round() as i64));
    let levels: Vec<(String, u32)> = serde_json::from_str(&levels).unwrap();
    assert!(levels.iter().all(|(c, _)| *c != last), "all wrong: not certified");
    let untouched: Vec<&Value> = parts
        .iter()
        .filter(|p| {
            p["code"] != questions[0].1.as_str()
                && p["code"] != last.as_str()
                && !p["challenges"].as_array().unwrap().is_empty()
        })
        .collect();
    assert!(!untouched.is_empty());
    for p in &untouched {
        let code = p["code"].as_str().unwrap();
        let certified = levels.iter().find(|(c, _)| c == code).map(|(_, l)| u64::from(*l));
        assert_eq!(certified, p["level"].as_u64(), "{code}: all right, certified at the profile's level");
    }
    let pix: i64 = levels
        .iter()
        .map(|(c, l)| {
            let p = parts.iter().find(|p| p["code"] == c.as_str()).unwrap();
            if p["level"].as_u64() == Some(u64::from(*l)) {
                p["pix"].as_i64().unwrap()
            } else {
                p["pix"].as_i64().unwrap() - 8
            }
        })
        .sum();
    assert_eq!((score, status.as_str()), (pix, "validated"));

    // Published, the certificate reads on the v2 scale, without a global level or error.
    let (jury, _) = app.admin("jury@example.org", "CERTIF").await;
    let detail = jury
        .get(app.url(&format!("/admin/certification/courses/{course}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        detail.contains("Taux de reproductibilité") && detail.contains(&format!("{} %", rate.unwrap())),
        "{detail}"
    );
    app.post_form(&jury, &format!("/admin/certification/sessions/{session}/publish"), &[]).await;
    let max = app.state.content.competences.len() * 6 * 8;
    let page = lea.get(app.url(&format!("/certificats/{course}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("<strong>{score}</strong> / {max}</p>")), "{page}");
    assert!(!page.contains("Niveau global"), "v2 has no global level");
    let code: String = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT verification_code FROM certification_results WHERE course_id = $1").bind(course).fetch_one(pool).await.unwrap()
    });
    let r = app
        .send_json(&new_client(), Method::POST, "/api/shared-certifications", &json!({ "verification_code": code }))
        .await;
    let shared: Value = r.json().await.unwrap();
    assert_eq!(
        (shared["version"].clone(), shared["max_score"].clone(), shared["score_error"].clone()),
        (json!(2), json!(max), Value::Null)
    );
    let vc: Value =
        lea.get(app.url(&format!("/certificats/{course}/credential.json"))).send().await.unwrap().json().await.unwrap();
    let lines = platform::certification::credential::describe(&vc);
    assert!(lines.iter().any(|l| *l == format!("Score: {score} / {max}")), "{lines:?}");
}

/// The measurement modes of issue 13 as configuration settings: a certification under a version with
/// exposure control at 5 %, EAP and a stop at error ≤ 2 avoids the questions the published demo
/// certification asked and stops at the minimum number of answers.
async fn configuration_turns_on_exposure_control_eap_and_variable_length(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session, number, code, password) = demo_session(&app).await;
    let (admin, _) = app.admin("root@example.org", "SUPER_ADMIN").await;
    let page = "/admin/certification/configurations";
    let mut fields = vec![
        ("maximum_length", "32"),
        ("minimum_answers", "20"),
        ("duration_minutes", "105"),
        ("between_same_competence", "2"),
        ("default_capacity", "0"),
        ("probability_to_pick", "51"),
        ("variation_percent", ""),
        ("exposure_percent", "0,5"),
        ("prior_sd", "1,5"),
        ("stop_error", "2"),
    ];
    let r = app.post_form(&admin, page, &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Indiquez un pourcentage de 5 à 100"));
    fields[7] = ("exposure_percent", "5");
    assert_eq!(app.post_form(&admin, page, &fields).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.post_form(&admin, &format!("{page}/2/activate"), &[]).await.status(), StatusCode::OK);
    let html = admin.get(app.url(page)).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("Exposition maximale d&#39;une question (%) 5 %")
            && html.contains("Arrêt à l&#39;erreur de mesure 2"),
        "{html}"
    );
    let stored: String = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT settings FROM certification_configurations WHERE version = 2").fetch_one(pool).await.unwrap()
    });
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored["flash"]["maximum_exposure_rate"], 0.05);
    assert_eq!(stored["flash"]["population_prior"], json!({ "mean": 0.0, "sd": 1.5 }));
    assert_eq!(stored["flash"]["variable_length"], json!({ "error_rate": 2.0, "minimum_length": 20 }));

    let seen_before: Vec<String> = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT an.challenge_id FROM answers an JOIN assessments a ON a.id = an.assessment_id WHERE a.course_id IS NOT NULL")
            .fetch_all(pool).await.unwrap()
    });
    assert!(seen_before.len() >= 20, "the published demo certification");
    let (lea, _, assessment, _) = lea_starts(&app, session, number, &code, &password).await;
    let mut asked = Vec::new();
    while let Some(challenge) = crate::evaluation::current_challenge(&app, assessment).await {
        let fields = crate::evaluation::answer_fields(&app, &challenge, asked.len() % 2 == 0);
        crate::evaluation::post_answer(&app, &lea, assessment, &fields).await;
        asked.push(challenge);
        assert!(asked.len() <= 32);
    }
    assert_eq!(asked.len(), 20, "error ≤ 2 from the start: the test stops at the answers needed for a result");
    assert!(
        asked.iter().all(|c| !seen_before.contains(c)),
        "under 5 % exposure, a question one of the first candidates saw is not asked again"
    );
}
