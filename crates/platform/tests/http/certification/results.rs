//! After the session: issue reports, configuration versions, who reaches the invigilator, candidate and jury routes, export and erasure, v2 sessions, exposure control.

use super::*;
use crate::dual;

dual!(
    issue_reports_are_resolved_automatically_at_finalisation,
    configuration_versions_go_from_draft_to_active_and_certifications_keep_theirs,
    invigilator_candidate_and_jury_routes_refuse_everyone_else,
    export_lists_certifications_and_erasure_keeps_certificates_verifiable,
    a_v2_session_asks_three_questions_per_competence_and_scores_them,
    configuration_turns_on_exposure_control_eap_and_variable_length,
);

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
