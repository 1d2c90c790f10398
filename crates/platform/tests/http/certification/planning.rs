//! Planning: centres plan sessions and enrol candidates (pages, API, mass import), only their members reach them; eligibility; the demo session.

use super::*;
use crate::dual;

dual!(
    centres_plan_sessions_and_enrol_candidates,
    the_api_plans_and_enrols_with_field_errors,
    certification_routes_are_for_the_centre_members_only,
    eligibility_follows_the_profile,
    the_demo_session_stays_on_today_in_the_demo_centre_only,
    mass_import_creates_sessions_all_or_nothing,
);

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
    app.know_password("learner@demo.example").await;
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
    assert!(list.contains("2 sessions créées, 3 candidats inscrits"), "{list}");
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
