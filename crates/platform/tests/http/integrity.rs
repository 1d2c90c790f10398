//! Exam integrity and security round 2 (issue 21): guessing the invigilator's password, the
//! identity oracles of joining a session and of finding oneself in a learner list, invigilator
//! access tied to the session's state, certification answers that say nothing, per-IP buckets —
//! each on both databases, each failing before its fix.

use reqwest::{Client, Method, StatusCode, header};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    certification::{demo_centre, demo_session, lea_starts, location},
    dual,
    support::{Backend, TestApp, new_client},
};

dual!(
    invigilator_passwords_cannot_be_guessed,
    invigilator_access_lasts_while_the_session_is_open,
    joining_a_session_answers_alike_and_is_throttled,
    certification_answers_through_the_api_say_nothing,
    ipv6_clients_are_limited_by_their_64_and_verification_has_its_own_quota,
    activity_pages_clamp_huge_page_numbers,
    exports_hold_no_connection_while_clients_stop_reading,
    partners_verify_certificates_with_a_plain_get,
    an_archived_organisation_is_read_only,
    quotas_on_sessions_invitations_and_pdfs,
    the_candidate_finds_the_way_and_sits_in_exam_mode,
    a_session_is_sat_on_its_own_day,
);

/// A demo node behind a trusted loopback proxy (each test client picks its address with
/// `X-Forwarded-For`), with the given per-minute quota of the authentication routes.
async fn demo_behind_proxy(backend: Backend, auth_rate: u32) -> TestApp {
    TestApp::spawn_custom(backend, axum::Router::new(), false, |s| {
        s.demo = true;
        s.auth_rate_per_minute = auth_rate;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await
}

/// `POST /surveillant` from a client address.
async fn invigilate(app: &TestApp, client: &Client, from: &str, number: &str, password: &str) -> reqwest::Response {
    let token = app.csrf(client).await;
    client
        .post(app.url("/surveillant"))
        .header("x-forwarded-for", from)
        .form(&[("session_number", number), ("password", password), ("csrf_token", &token)])
        .send()
        .await
        .unwrap()
}

fn cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_owned()))
}

/// H1: ten wrong passwords lock a session's invigilator login whatever addresses they come from
/// (the eleventh attempt is refused even with the right password), the lock is audited and shown to
/// the centre, which lifts it; the route has the per-IP limit too; the password has 8 characters.
async fn invigilator_passwords_cannot_be_guessed(backend: Backend) {
    let app = demo_behind_proxy(backend, 5).await;
    let (session, number, _, password) = demo_session(&app).await;
    assert!(engine::codes::is_invigilator_password(&password) && password.len() == 8, "{password}");
    let n = number.to_string();
    let attacker = new_client();
    for i in 1..=9 {
        let r = invigilate(&app, &attacker, &format!("203.0.113.{i}"), &n, "BCDFGHJK").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "guess {i}");
    }
    let r = invigilate(&app, &attacker, "203.0.113.10", &n, "BCDFGHJK").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the tenth wrong password locks");
    let wait: u64 = r.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&wait), "{wait}");
    assert!(r.text().await.unwrap().contains("l&#39;espace surveillant est bloqué jusqu&#39;à"));
    let r = invigilate(&app, &attacker, "203.0.113.11", &n, &password).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "locked: even the right password is not checked");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'certification.invigilator.locked'").await, 1);

    // The centre sees the lock on the session's page and lifts it (audited).
    let (centre, center) = demo_centre(&app, session).await;
    let page_url = format!("/certif/{center}/sessions/{session}");
    let page = centre.get(app.url(&page_url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("10 mots de passe erronés"), "{page}");
    let r = app.post_form(&centre, &format!("{page_url}/invigilator/unlock"), &[]).await;
    assert_eq!(location(&r), format!("{page_url}?done=unlocked"));
    let page = centre.get(app.url(&page_url)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("10 mots de passe erronés"));
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'certification.invigilator.unlock'").await, 1);
    let (outsider, _) = app.learner("outsider@example.org").await;
    let r = app.post_form(&outsider, &format!("{page_url}/invigilator/unlock"), &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "only the centre's members");

    // The invigilator gets in; a right password does not count as a failure.
    let invigilator = new_client();
    let r = invigilate(&app, &invigilator, "192.0.2.1", &n, &password.to_lowercase()).await;
    assert_eq!(location(&r), format!("/surveillant/sessions/{session}"));

    // The route is limited per client address too (5 a minute here), whatever the session.
    let scripted = new_client();
    for _ in 0..5 {
        let r = invigilate(&app, &scripted, "198.51.100.9", "1", "BCDFGHJK").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = invigilate(&app, &scripted, "198.51.100.9", "1", "BCDFGHJK").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_ne!(r.headers()[header::RETRY_AFTER], "0");
}

/// L1, L2, item 18: the invigilator's login gives a new session id; signing in on that browser
/// closes the invigilator's screen; the invigilator can leave; once the centre finalises, the
/// screen is read-only and authorising, ending or starting is refused; once published, it is gone.
async fn invigilator_access_lasts_while_the_session_is_open(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session, number, code, password) = demo_session(&app).await;
    let n = number.to_string();
    let screen = format!("/surveillant/sessions/{session}");

    // A browser where someone is signed in: the invigilator's login replaces its session id.
    let shared = new_client();
    let r = app
        .post_form(&shared, "/login", &[("identifier", "known@example.org"), ("password", crate::support::PASSWORD)])
        .await;
    let before = cookie(&r, "pix_session").expect("a session cookie at login");
    let r = app.post_form(&shared, "/surveillant", &[("session_number", &n), ("password", &password)]).await;
    let after = cookie(&r, "pix_session").expect("a new session cookie");
    assert_ne!(before, after, "a new session id at the invigilator's login");
    assert_eq!(shared.get(app.url(&screen)).send().await.unwrap().status(), StatusCode::OK);
    // Someone signs in on that computer: the invigilator's screen does not come with it.
    app.post_form(&shared, "/login", &[("identifier", "known@example.org"), ("password", crate::support::PASSWORD)])
        .await;
    let r = shared.get(app.url(&screen)).send().await.unwrap();
    assert_eq!(location(&r), "/surveillant");

    // Leaving.
    let invigilator = new_client();
    app.post_form(&invigilator, "/surveillant", &[("session_number", &n), ("password", &password)]).await;
    let page = invigilator.get(app.url(&screen)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Quitter l&#39;espace surveillant"));
    let r = app.post_form(&invigilator, &format!("{screen}/leave"), &[]).await;
    assert_eq!(location(&r), "/surveillant?left=1");
    assert_eq!(location(&invigilator.get(app.url(&screen)).send().await.unwrap()), "/surveillant");

    // Léa starts; Hugo joins and is authorised but has not started when the centre finalises.
    let (lea, home, _, invigilator) = lea_starts(&app, session, number, &code, &password).await;
    let candidate = home.rsplit('/').next().unwrap().to_owned();
    let (hugo, id) = app.learner("hugo@example.org").await;
    make_eligible(&app, id).await;
    let body = json!({ "session_number": n, "access_code": code, "first_name": "Hugo", "last_name": "Martin", "birth_date": "1998-11-03" });
    let joined: Value = join(&app, &hugo, &body).await.json().await.unwrap();
    let hugo_home = format!("/certification/candidats/{}", joined["id"].as_str().unwrap());
    let r = app
        .post_form(
            &invigilator,
            &format!("{screen}/candidates/{}/authorize", joined["id"].as_str().unwrap()),
            &[("authorized", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (centre, center) = demo_centre(&app, session).await;
    let finalize = format!("/certif/{center}/sessions/{session}/finalize");
    let abort = format!("abort-{candidate}");
    let done = [("comment", ""), ("has_incident", "no"), ("has_joining_issue", "no"), (abort.as_str(), "candidate")];
    assert_eq!(app.post_form(&centre, &finalize, &done).await.status(), StatusCode::SEE_OTHER);

    // Read-only: the screen shows where candidates ended, without any action.
    let page = invigilator.get(app.url(&screen)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Cette session est finalisée"), "{page}");
    assert!(!page.contains("/authorize\""), "no authorisation form");
    for action in ["authorize", "end", "alert/validate"] {
        let r = app
            .post_form(&invigilator, &format!("{screen}/candidates/{candidate}/{action}"), &[("authorized", "yes")])
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{action} after finalisation");
    }
    let r = app.post_form(&hugo, &format!("{hugo_home}/start"), &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text().await.unwrap().contains("le test ne peut plus commencer ni reprendre"),
        "authorised before, too late now"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM certification_courses").await, 2, "the demo's published one and Léa's");
    let r = app.post_form(&lea, &format!("{home}/start"), &[]).await;
    assert!(r.text().await.unwrap().contains("terminé"), "Léa's test was ended by the finalisation");

    // Published: the screen is gone.
    let (jury, _) = app.admin("jury@example.org", "CERTIF").await;
    app.post_form(&jury, &format!("/admin/certification/sessions/{session}/publish"), &[]).await;
    assert_eq!(location(&invigilator.get(app.url(&screen)).send().await.unwrap()), "/surveillant");
    let events = invigilator.get(app.url(&format!("{screen}/events"))).send().await.unwrap();
    assert_eq!(events.status(), StatusCode::NOT_FOUND);
}

/// Copies the demo learner's knowledge to another account, so that it may be certified too.
async fn make_eligible(app: &TestApp, user: Uuid) {
    let demo = app.user_id("learner@demo.example").await;
    platform::on_db!(app.db(), pool => {
        let rows: Vec<(Uuid, String, String, String, String, f64, i64)> = sqlx::query_as(
            "SELECT assessment_id, skill, competence_code, source, status, earned_pix, created_at FROM knowledge_elements WHERE user_id = $1",
        ).bind(demo).fetch_all(pool).await.unwrap();
        for (assessment, skill, competence, source, status, pix, at) in rows {
            sqlx::query(
                "INSERT INTO knowledge_elements (id, user_id, assessment_id, answer_id, skill, competence_code, source, status, earned_pix, created_at, exam) \
                 VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(Uuid::now_v7()).bind(user).bind(assessment).bind(skill).bind(competence).bind(source).bind(status)
            .bind(pix).bind(at).bind(false).execute(pool).await.unwrap();
        }
    });
}

async fn join(app: &TestApp, client: &Client, body: &Value) -> reqwest::Response {
    app.send_json(client, Method::POST, "/api/certification/join", body).await
}

/// M3 (certification join): a wrong session number, access code, identity or an identity someone
/// already joined as all get the same answer; an account is stopped after 10 failures an hour and
/// a session after 30 failures in 15 minutes, whoever tries; a session is joined on its day only.
async fn joining_a_session_answers_alike_and_is_throttled(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (_, number, code, _) = demo_session(&app).await;
    let n = number.to_string();
    let lea = json!({ "session_number": n, "access_code": code, "first_name": "Léa", "last_name": "Apprenante", "birth_date": "2001-04-12" });
    let variants = [
        ("session_number", json!("1234567")),
        ("access_code", json!("BCDF23")),
        ("birth_date", json!("2001-04-13")),
        ("last_name", json!("Apprenant")),
    ];
    let (eve, eve_id) = app.learner("eve@example.org").await;
    make_eligible(&app, eve_id).await;
    let mut answers = Vec::new();
    for (field, value) in &variants {
        let mut body = lea.clone();
        body[*field] = value.clone();
        let r = join(&app, &eve, &body).await;
        answers.push((r.status(), r.json::<Value>().await.unwrap()["errors"].clone()));
    }
    // Léa joins; Eve then tries Léa's exact details.
    let demo = app.login_as("learner@demo.example").await;
    assert_eq!(join(&app, &demo, &lea).await.status(), StatusCode::OK);
    let r = join(&app, &eve, &lea).await;
    answers.push((r.status(), r.json::<Value>().await.unwrap()["errors"].clone()));
    let expected =
        json!([{ "field": "session_number", "code": "field-join-failed", "message": answers[0].1[0]["message"] }]);
    for (status, errors) in &answers {
        assert_eq!((*status, errors), (StatusCode::UNPROCESSABLE_ENTITY, &expected), "every failure is told alike");
    }

    // Eve has 5 failures; 5 more are allowed, then she waits an hour.
    let mut wrong = lea.clone();
    wrong["access_code"] = json!("BCDF23");
    for i in 6..=10 {
        assert_eq!(join(&app, &eve, &wrong).await.status(), StatusCode::UNPROCESSABLE_ENTITY, "failure {i}");
    }
    let r = join(&app, &eve, &wrong).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((3000..=3600).contains(&wait), "{wait}");
    let fields = [
        ("session_number", n.as_str()),
        ("access_code", code.as_str()),
        ("first_name", "Léa"),
        ("last_name", "Apprenante"),
        ("birth_date", "12/04/2001"),
    ];
    let page = app.post_form(&eve, "/certification/rejoindre", &fields).await;
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(page.text().await.unwrap().contains("Trop d&#39;essais infructueux"));

    // Others guessing the same session: it locks after 30 failures in all, for everyone (Eve's
    // first try named another session, her last one was stopped before the session).
    let mut failures = 9;
    let mut k = 0;
    while failures < 30 {
        k += 1;
        let (mallory, id) = app.learner(&format!("mallory{k}@example.org")).await;
        make_eligible(&app, id).await;
        for _ in 0..10.min(30 - failures) {
            assert_eq!(join(&app, &mallory, &wrong).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
            failures += 1;
        }
    }
    let (latecomer, id) = app.learner("hugo@example.org").await;
    make_eligible(&app, id).await;
    let hugo = json!({ "session_number": n, "access_code": code, "first_name": "Hugo", "last_name": "Martin", "birth_date": "1998-11-03" });
    assert_eq!(join(&app, &latecomer, &hugo).await.status(), StatusCode::TOO_MANY_REQUESTS, "the session is locked");
    // A quarter of an hour later it opens again (the clock is moved in the database).
    platform::on_db!(app.db(), pool => {
        sqlx::query("UPDATE attempt_counters SET locked_until = 0 WHERE scope = 'join-session'").execute(pool).await.unwrap();
    });
    assert_eq!(join(&app, &latecomer, &hugo).await.status(), StatusCode::OK);

    // A session that is not today's: said as such, and nothing secret is checked.
    platform::on_db!(app.db(), pool => {
        sqlx::query("UPDATE certification_sessions SET date = '2099-01-01' WHERE number = $1").bind(number).execute(pool).await.unwrap();
    });
    let (zoe, id) = app.learner("zoe@example.org").await;
    make_eligible(&app, id).await;
    let r = join(&app, &zoe, &wrong).await;
    assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["code"], "field-join-not-today");
}

/// M7: during a certification the API records an answer without saying whether it was right.
async fn certification_answers_through_the_api_say_nothing(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session, number, code, password) = demo_session(&app).await;
    let (lea, _, assessment, _) = lea_starts(&app, session, number, &code, &password).await;
    let path = format!("/api/assessments/{assessment}");
    for _ in 0..3 {
        let current: Value = lea.get(app.url(&path)).send().await.unwrap().json().await.unwrap();
        let challenge = current["challenge"]["id"].as_str().unwrap().to_owned();
        let body = json!({ "challenge_id": challenge, "value": "1" });
        let r = app.send_json(&lea, Method::POST, &format!("{path}/answers"), &body).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<Value>().await.unwrap(), json!({ "result": "recorded", "level_up": null }));
    }
    // A competence test still says it (the learner learns from it).
    let (learner, _) = app.learner("ana@example.org").await;
    let r = app.send_json(&learner, Method::POST, "/api/competences/1.1/assessments", &json!({})).await;
    let started: Value = r.json().await.unwrap();
    let id = started["assessment_id"].as_str().unwrap().to_owned();
    let current: Value =
        learner.get(app.url(&format!("/api/assessments/{id}"))).send().await.unwrap().json().await.unwrap();
    let body = json!({ "challenge_id": current["challenge"]["id"], "skip": true });
    let r = app.send_json(&learner, Method::POST, &format!("/api/assessments/{id}/answers"), &body).await;
    assert_eq!(r.json::<Value>().await.unwrap()["result"], "aband");
}

/// M4, item 7: an IPv6 client is one client for its whole /64; verifying certificates has its own
/// quota and never locks the address out of logging in; `Retry-After` is never 0.
async fn ipv6_clients_are_limited_by_their_64_and_verification_has_its_own_quota(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| {
        s.auth_rate_per_minute = 3;
        s.verification_rate_per_minute = 4;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let client = new_client();
    let verify = |from: String| {
        let request = client.get(app.url("/verifier-un-certificat?code=P-BCDFGHJK")).header("x-forwarded-for", from);
        async move { request.send().await.unwrap() }
    };
    let mut statuses = Vec::new();
    for i in 1..=5 {
        statuses.push(verify(format!("2001:db8:1:2::{i:x}")).await.status());
    }
    assert_eq!(&statuses[..4], &[StatusCode::NOT_FOUND; 4], "four verifications of unknown codes");
    let refused = verify("2001:db8:1:2:ffff:ffff:ffff:ffff".into()).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "the same /64");
    let wait: u64 = refused.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(verify("2001:db8:1:3::1".into()).await.status(), StatusCode::NOT_FOUND, "another /64 is another client");
    // The same client may still log in: another quota.
    let token = app.csrf(&client).await;
    let r = client
        .post(app.url("/login"))
        .header("x-forwarded-for", "2001:db8:1:2::99")
        .form(&[("identifier", "nobody@example.org"), ("password", "wrong"), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "logging in is not limited by verifications");
}

/// L7: a huge page number is the last page, not a 500.
async fn activity_pages_clamp_huge_page_numbers(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    app.sign_up("known@example.org").await;
    app.know_password("orga-admin@demo.example").await;
    let (organization, campaign): (Uuid, Uuid) = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT organization_id, id FROM campaigns ORDER BY created_at LIMIT 1").fetch_one(pool).await.unwrap()
    });
    let orga = app.login_as("orga-admin@demo.example").await;
    for page in ["9223372036854775807", "-9223372036854775808", "0", "1000001"] {
        let r =
            orga.get(app.url(&format!("/orga/{organization}/campaigns/{campaign}?page={page}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "page={page}");
    }
}

/// M2: campaign exports read their lines a page at a time, so clients that stop reading hold no
/// database connection: with more stalled exports than the pool has connections, the node is
/// still ready and its pages still read the database.
async fn exports_hold_no_connection_while_clients_stop_reading(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| {
        s.demo = true;
        s.db.db_max_connections = Some(3);
    })
    .await;
    app.sign_up("known@example.org").await;
    app.know_password("orga-admin@demo.example").await;
    let (organization, campaign, user): (Uuid, Uuid, Uuid) = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT c.organization_id, c.id, p.user_id FROM campaigns c JOIN campaign_participations p ON p.campaign_id = c.id WHERE c.code = $1 LIMIT 1")
            .bind(platform::prescription::demo::ASSESSMENT_CODE).fetch_one(pool).await.unwrap()
    });
    // 2,000 more participants: far more than a socket's buffers hold.
    platform::on_db!(app.db(), pool => {
        for chunk in 0..4 {
            let mut learners = sqlx::QueryBuilder::new(
                "INSERT INTO organization_learners (id, organization_id, user_id, first_name, last_name, birth_date, national_id, \
                 student_number, division, group_name, extra, imported, created_at, updated_at, deleted_at) ",
            );
            let ids: Vec<(Uuid, Uuid)> = (0..500).map(|_| (Uuid::now_v7(), Uuid::now_v7())).collect();
            learners.push_values(&ids, |mut b, (learner, _)| {
                b.push_bind(*learner).push_bind(organization).push_bind(user).push_bind(format!("Prénom {chunk}"))
                    .push_bind(format!("Nom {}", learner.simple())).push("NULL").push("NULL").push("NULL").push("NULL")
                    .push("NULL").push_bind("{}").push_bind(false).push_bind(0_i64).push_bind(0_i64).push("NULL");
            });
            learners.build().execute(pool).await.unwrap();
            let mut participations = sqlx::QueryBuilder::new(
                "INSERT INTO campaign_participations (id, campaign_id, user_id, organization_learner_id, external_id, status, created_at, \
                 shared_at, is_improved, validated_skills, mastery_rate, pix_score, snapshot, deleted_at, deleted_by) ",
            );
            participations.push_values(&ids, |mut b, (learner, participation)| {
                b.push_bind(*participation).push_bind(campaign).push_bind(user).push_bind(*learner).push("NULL")
                    .push_bind("STARTED").push_bind(0_i64).push("NULL").push_bind(false).push("NULL").push("NULL")
                    .push("NULL").push("NULL").push("NULL").push("NULL");
            });
            participations.build().execute(pool).await.unwrap();
        }
    });
    let orga = app.login_as("orga-admin@demo.example").await;
    let export = format!("/orga/{organization}/campaigns/{campaign}/export.csv");
    // Five exports whose bodies are never read (the pool has three connections).
    let mut stalled = Vec::new();
    for _ in 0..5 {
        let r = orga.get(app.url(&export)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        stalled.push(r);
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let started = std::time::Instant::now();
    let ready = new_client().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK, "the node is ready: no connection is held by the stalled exports");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    let page = orga.get(app.url(&format!("/orga/{organization}/campaigns"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    // A client that reads gets every line, in name order.
    let body = orga.get(app.url(&export)).send().await.unwrap().text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert!(lines.len() > 2_000, "{}", lines.len());
    drop(stalled);
}

include!("../data/open_badges_schema.rs");

/// Item 17: a partner's system (or a browser verifier on another origin) verifies a certificate
/// with a plain `GET`: no session, no CSRF token, readable from any origin, limited per address;
/// the date is the day the test was taken.
async fn partners_verify_certificates_with_a_plain_get(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| {
        s.demo = true;
        s.verification_rate_per_minute = 3;
    })
    .await;
    let (code, started): (String, i64) = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT r.verification_code, k.started_at FROM certification_results r JOIN certification_courses k ON k.id = r.course_id")
            .fetch_one(pool).await.unwrap()
    });
    let partner = reqwest::Client::new();
    let r = partner
        .get(app.url(&format!("/api/shared-certifications/{}", code.to_lowercase())))
        .header("origin", "https://recruiter.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert!(r.headers().get(header::SET_COOKIE).is_none(), "nothing to keep");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["verification_code"], code);
    assert_eq!(body["date"], platform::clock::paris_date(started), "the day the test was taken");
    let r = partner.get(app.url("/api/shared-certifications/P-BCDFGHJK")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*", "errors are readable too");
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["title"], "Ressource introuvable", "an API speaks of resources, not pages");
    let r = partner.get(app.url("/api/shared-certifications/P-BCDFGHJK")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "the third of the minute");
    let r = partner.get(app.url("/api/shared-certifications/P-BCDFGHJK")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "three a minute here");
}

/// L3: archiving an organisation closes its campaigns, cancels its invitations and leaves its
/// members reading (lists, results, exports) but changing nothing.
async fn an_archived_organisation_is_read_only(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let orga = app.demo_login("orga-admin@demo.example").await;
    let (organization, campaign): (Uuid, Uuid) = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT organization_id, id FROM campaigns WHERE code = $1")
            .bind(platform::prescription::demo::ASSESSMENT_CODE).fetch_one(pool).await.unwrap()
    });
    let r = app
        .post_form(
            &orga,
            &format!("/orga/{organization}/invitations"),
            &[("email", "new@example.org"), ("role", "MEMBER")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (admin, _) = app.admin("super@example.org", "SUPER_ADMIN").await;
    let r = app.post_form(&admin, &format!("/admin/organizations/{organization}/archive"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let open: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM campaigns WHERE organization_id = $1 AND archived_at IS NULL")
            .bind(organization).fetch_one(pool).await.unwrap()
    });
    assert_eq!(open, 0, "every campaign of the organisation closed");
    assert!(app.count("SELECT COUNT(*) FROM campaigns WHERE archived_at IS NULL").await > 0, "others' stay open");
    assert_eq!(app.count("SELECT COUNT(*) FROM membership_invitations WHERE status = 'pending'").await, 0);
    // Reading and exporting go on.
    let page = orga.get(app.url(&format!("/orga/{organization}/campaigns?archived=1"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Cette organisation est archivée"));
    let export =
        orga.get(app.url(&format!("/orga/{organization}/campaigns/{campaign}/export.csv"))).send().await.unwrap();
    assert_eq!(export.status(), StatusCode::OK);
    // Nothing changes any more, by page or API.
    let r = app
        .post_form(
            &orga,
            &format!("/orga/{organization}/invitations"),
            &[("email", "x@example.org"), ("role", "MEMBER")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("Organisation archivée"));
    let r = app
        .send_json(
            &orga,
            Method::POST,
            &format!("/api/organizations/{organization}/invitations"),
            &json!({ "email": "x@example.org" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(r.json::<Value>().await.unwrap()["title"], "Organisation archivée");
    // Learners can no longer join its campaigns.
    let (learner, _) = app.learner("late@example.org").await;
    let r = app
        .post_form(
            &learner,
            &format!("/campagnes/{}/start", platform::prescription::demo::ASSESSMENT_CODE),
            &[("consent", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // Unarchived, it is writable again (its campaigns stay closed until reopened one by one).
    app.post_form(&admin, &format!("/admin/organizations/{organization}/archive"), &[]).await;
    let r = app
        .post_form(
            &orga,
            &format!("/orga/{organization}/invitations"),
            &[("email", "x@example.org"), ("role", "MEMBER")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// L4, L5, L6: a centre has 500 open sessions at most; invitation mails are 50 a day per inviter;
/// a person gets 10 PDFs a minute.
async fn quotas_on_sessions_invitations_and_pdfs(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session, _, _, _) = demo_session(&app).await;
    let (centre, center) = demo_centre(&app, session).await;
    let open = app.count("SELECT COUNT(*) FROM certification_sessions WHERE finalized_at IS NULL").await;
    platform::on_db!(app.db(), pool => {
        for n in 0..(platform::certification::service::MAX_OPEN_SESSIONS - open) {
            sqlx::query(
                "INSERT INTO certification_sessions (id, center_id, number, address, room, examiner, date, time, description, access_code, \
                 invigilator_password, version, created_by, created_at) SELECT $1, center_id, $2, address, room, examiner, date, time, description, \
                 access_code, invigilator_password, version, created_by, created_at FROM certification_sessions WHERE id = $3",
            )
            // Above the 7-digit numbers sessions draw at random: never one of the demo's.
            .bind(Uuid::now_v7()).bind(10_000_000 + n).bind(session).execute(pool).await.unwrap();
        }
    });
    let today = platform::clock::paris_date(platform::db::micros(time::OffsetDateTime::now_utc()));
    let fields = [
        ("address", "Annexe"),
        ("room", "1"),
        ("date", today.as_str()),
        ("time", "10:00"),
        ("examiner", "M. Martin"),
        ("description", ""),
    ];
    let r = app.post_form(&centre, &format!("/certif/{center}/sessions"), &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("500 sessions ouvertes"));

    let (sessions_before, _) = (app.count("SELECT COUNT(*) FROM certification_sessions").await, ());
    assert_eq!(
        sessions_before,
        platform::certification::service::MAX_OPEN_SESSIONS + 1,
        "the published demo session and the open ones"
    );

    let api = format!("/api/certification-centers/{center}/invitations");
    for i in 0..50 {
        let r =
            app.send_json(&centre, Method::POST, &api, &json!({ "email": format!("invitee{i}@example.org") })).await;
        assert_eq!(r.status(), StatusCode::CREATED, "invitation {i}");
    }
    let r = app.send_json(&centre, Method::POST, &api, &json!({ "email": "one-more@example.org" })).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers()[header::RETRY_AFTER].to_str().unwrap().parse::<u64>().unwrap() > 3600);

    let lea = app.demo_login("learner@demo.example").await;
    let course: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT course_id FROM certification_results").fetch_one(pool).await.unwrap()
    });
    for _ in 0..10 {
        assert_eq!(
            lea.get(app.url(&format!("/certificats/{course}/pdf"))).send().await.unwrap().status(),
            StatusCode::OK
        );
    }
    let r = lea.get(app.url(&format!("/certificats/{course}/pdf"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// Items 11–13: the candidate reaches the certification from the home page and the profile, "Ma
/// certification" says what is true and "Mes certifications" lists everything; during the test the
/// page shows no way out, the question's number out of the test's length and the time left; leaving
/// the page is recorded and shown on the invigilator's screen, which offers to authorise a
/// resumption only then.
async fn the_candidate_finds_the_way_and_sits_in_exam_mode(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session, number, code, password) = demo_session(&app).await;
    let lea = app.login_as("learner@demo.example").await;
    let text = |path: String| {
        let lea = lea.clone();
        let url = app.url(&path);
        async move { lea.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let home = text("/".into()).await;
    assert!(home.contains("href=\"/certification\""), "the home page leads to the certification");
    let profile = text("/profile".into()).await;
    assert!(profile.contains("href=\"/certification/rejoindre\"") && profile.contains("href=\"/mes-certifications\""));
    // The demo's published certificate: "Ma certification" says she is certified.
    let course: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT course_id FROM certification_results").fetch_one(pool).await.unwrap()
    });
    let mine = text("/certification".into()).await;
    assert!(mine.contains("Vous êtes certifié·e") && mine.contains(&format!("/certificats/{course}")), "{mine}");
    let list = text("/mes-certifications".into()).await;
    assert!(list.contains("Certifié·e") && list.contains(&format!("/certificats/{course}/pdf")), "{list}");
    assert!(list.contains(&format!("/certificats/{course}/credential.json")));
    let api: Value = lea.get(app.url("/api/me/certifications")).send().await.unwrap().json().await.unwrap();
    assert_eq!(api.as_array().unwrap().len(), 1);
    assert_eq!(
        (api[0]["status"].as_str(), api[0]["certificate"].as_str()),
        (Some("validated"), Some(course.to_string().as_str()))
    );

    // She joins today's session and starts: "Ma certification" says the test is under way.
    let (lea, home, assessment, invigilator) = lea_starts(&app, session, number, &code, &password).await;
    let mine = lea.get(app.url("/certification")).send().await.unwrap().text().await.unwrap();
    assert!(
        mine.contains("Votre test de certification est en cours") && mine.contains(&format!("href=\"{home}\"")),
        "{mine}"
    );

    // Exam mode: no navigation, question 1 of 32, the time left.
    let page = lea.get(app.url(&format!("/assessments/{assessment}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("class=\"main-nav\"") && !page.contains("href=\"/profile\""), "no way out of the test");
    assert!(page.contains("Question 1 / 32"), "{page}");
    assert!(page.contains("Temps restant :") && page.contains("1 h 4"), "{page}");

    // She leaves the page: counted and shown; only then is a resumption offered.
    let screen = format!("/surveillant/sessions/{session}");
    let before = invigilator.get(app.url(&screen)).send().await.unwrap().text().await.unwrap();
    assert!(!before.contains("Autoriser la reprise"), "she is answering: nothing to authorise");
    let focus = format!("/assessments/{assessment}/exam-focus");
    assert_eq!(lea.post(app.url(&focus)).send().await.unwrap().status(), StatusCode::FORBIDDEN, "a CSRF token");
    let token = app.csrf(&lea).await;
    let r = lea.post(app.url(&focus)).header("x-csrf-token", &token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let after = invigilator.get(app.url(&screen)).send().await.unwrap().text().await.unwrap();
    assert!(after.contains("A quitté la page du test 1 fois"), "{after}");
    assert!(after.contains("Autoriser la reprise"), "she left: a resumption may be authorised");
    let (losses,): (i64,) = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT focus_losses FROM certification_courses WHERE completed_at IS NULL").fetch_one(pool).await.unwrap()
    });
    assert_eq!(losses, 1);
    // Back, she answers: she is on her test again.
    let challenge = crate::evaluation::current_challenge(&app, assessment).await.unwrap();
    let fields = crate::evaluation::answer_fields(&app, &challenge, true);
    crate::evaluation::post_answer(&app, &lea, assessment, &fields).await;
    let again = invigilator.get(app.url(&screen)).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("A quitté la page du test 1 fois") && !again.contains("Autoriser la reprise"), "{again}");
    // Someone else's test: nothing recorded.
    let (other, _) = app.learner("other@example.org").await;
    let token = app.csrf(&other).await;
    let r = other.post(app.url(&focus)).header("x-csrf-token", &token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Item 14: a first start on another day than the session's is refused (the certificate says the
/// day the test was taken, and a session two weeks early is not the session planned).
async fn a_session_is_sat_on_its_own_day(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    let (session, number, code, password) = demo_session(&app).await;
    let (lea, home) = crate::certification::join_as_lea(&app, number, &code).await;
    let invigilator = new_client();
    app.post_form(&invigilator, "/surveillant", &[("session_number", &number.to_string()), ("password", &password)])
        .await;
    let candidate = home.rsplit('/').next().unwrap().to_owned();
    let authorize = format!("/surveillant/sessions/{session}/candidates/{candidate}/authorize");
    app.post_form(&invigilator, &authorize, &[("authorized", "yes")]).await;
    let set_date = |date: &'static str| {
        let db = app.db().clone();
        async move {
            platform::on_db!(&db, pool => {
                sqlx::query("UPDATE certification_sessions SET date = $1 WHERE id = $2").bind(date).bind(session).execute(pool).await.unwrap();
            });
        }
    };
    set_date("2099-06-15").await;
    let r = app.post_form(&lea, &format!("{home}/start"), &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Cette session a lieu le 15/06/2099"));
    assert_eq!(app.count("SELECT COUNT(*) FROM certification_courses WHERE completed_at IS NULL").await, 0);
    let r = app
        .send_json(&lea, Method::POST, &format!("/api/certification/candidates/{candidate}/start"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let today = platform::clock::paris_date(platform::db::micros(time::OffsetDateTime::now_utc()));
    platform::on_db!(app.db(), pool => {
        sqlx::query("UPDATE certification_sessions SET date = $1 WHERE id = $2").bind(&today).bind(session).execute(pool).await.unwrap();
    });
    let r = app.post_form(&lea, &format!("{home}/start"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "on its day it starts");
}
