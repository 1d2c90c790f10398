//! The day of a session: joining, authorisation, the test and its deadline, the centre's members, the candidate API, the invigilator's live screens.

use super::*;
use crate::dual;

dual!(
    a_candidate_joins_is_authorised_and_takes_the_test,
    answers_after_the_deadline_end_the_test,
    centre_admins_manage_their_members,
    the_candidate_api_joins_and_starts,
    a_sessions_candidates_start_together_on_a_small_pool,
    invigilator_screens_hear_candidates_within_a_second_on_every_node,
);

async fn a_candidate_joins_is_authorised_and_takes_the_test(backend: crate::support::Backend) {
    let day = Day::joined(backend).await;
    day.lea_waits_for_the_invigilator().await;
    let invigilator = day.the_invigilator_signs_in_and_authorises().await;
    let assessment = day.lea_starts_and_resumes_once_authorised(&invigilator).await;
    let knowledge_before = day.knowledge_elements().await;
    day.an_alert_is_dismissed_then_validated(&invigilator, assessment).await;
    let (answered, other) = day.lea_answers_to_the_end(&invigilator, assessment).await;
    assert_eq!(day.knowledge_elements().await, knowledge_before, "a certification does not change the profile");
    let scored = day.the_centre_finalises(answered).await;
    let jury = day.the_jury_publishes_and_anyone_verifies(&scored, &other).await;
    day.the_jury_decides(&jury, &scored, answered).await;
}

/// The demo session's day: Léa (`learner@demo.example`) joined it and waits for the invigilator.
struct Day {
    app: TestApp,
    session: Uuid,
    number: i64,
    password: String,
    lea: Client,
    /// Léa's page for this session, `/sessions/{…}/candidats/{candidate}`.
    home: String,
    candidate: String,
    /// The invigilator's screen.
    screen: String,
}

/// Léa's scored certification, as the centre, the jury and the public reach it.
struct Scored {
    centre: Client,
    course: Uuid,
    score: i64,
    code: String,
    certificate: String,
    verify: String,
    csv: String,
}

impl Day {
    async fn joined(backend: crate::support::Backend) -> Day {
        let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
        let (session, number, code, password) = demo_session(&app).await;
        let (lea, home) = join_as_lea(&app, number, &code).await;
        let candidate = home.rsplit('/').next().unwrap().to_owned();
        let screen = format!("/surveillant/sessions/{session}");
        Day { app, session, number, password, lea, home, candidate, screen }
    }

    fn authorize(&self) -> String {
        format!("{}/candidates/{}/authorize", self.screen, self.candidate)
    }

    async fn knowledge_elements(&self) -> i64 {
        self.app.count("SELECT COUNT(*) FROM knowledge_elements").await
    }

    async fn page(&self, client: &Client, path: &str) -> String {
        client.get(self.app.url(path)).send().await.unwrap().text().await.unwrap()
    }

    async fn lea_waits_for_the_invigilator(&self) {
        let (app, home) = (&self.app, &self.home);
        let page = self.page(&self.lea, home).await;
        assert!(page.contains("Attendez que le surveillant vous autorise"), "{page}");
        let r = app.post_form(&self.lea, &format!("{home}/start"), &[]).await;
        assert!(r.text().await.unwrap().contains("pas encore autorisé"));
        assert_eq!(app.count("SELECT COUNT(*) FROM certification_courses WHERE completed_at IS NULL").await, 0);
    }

    /// The invigilator, without an account: the password opens this session only.
    async fn the_invigilator_signs_in_and_authorises(&self) -> Client {
        let (app, screen) = (&self.app, &self.screen);
        let invigilator = new_client();
        let r = invigilator.get(app.url(screen)).send().await.unwrap();
        assert_eq!((r.status(), location(&r).as_str()), (StatusCode::SEE_OTHER, "/surveillant"));
        let n = self.number.to_string();
        let r = app.post_form(&invigilator, "/surveillant", &[("session_number", &n), ("password", "WRONG")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r =
            app.post_form(&invigilator, "/surveillant", &[("session_number", &n), ("password", &self.password)]).await;
        assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, screen.clone()));
        let page = self.page(&invigilator, screen).await;
        let waiting = page.find("Attend l&#39;autorisation").expect("Léa waits");
        let absent = page.find("Pas encore arrivé").expect("the others have not arrived");
        assert!(waiting < absent, "candidates needing an action come first");
        let authorize = self.authorize();
        assert_eq!(
            app.post_form(&new_client(), &authorize, &[("authorized", "yes")]).await.status(),
            StatusCode::NOT_FOUND
        );
        let r = app.post_form(&invigilator, &authorize, &[("authorized", "yes")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        invigilator
    }

    /// Léa starts; leaving and coming back through the entrance needs the invigilator again.
    async fn lea_starts_and_resumes_once_authorised(&self, invigilator: &Client) -> Uuid {
        let (app, lea, home) = (&self.app, &self.lea, &self.home);
        let r = app.post_form(lea, &format!("{home}/start"), &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let assessment = Uuid::parse_str(location(&r).trim_start_matches("/assessments/")).unwrap();
        let page = self.page(lea, &location(&r)).await;
        assert!(page.contains("Certification Pix"), "the heading says what this is");
        // The start was used.
        let page = self.page(lea, home).await;
        assert!(page.contains("demandez au surveillant de vous autoriser à le reprendre"), "{page}");
        let r = app.post_form(lea, &format!("{home}/start"), &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.unwrap().contains("pas encore autorisé à commencer ou à reprendre"));
        let page = self.page(invigilator, &self.screen).await;
        assert!(page.contains("Autoriser la reprise"), "{page}");
        assert_eq!(
            app.post_form(invigilator, &self.authorize(), &[("authorized", "yes")]).await.status(),
            StatusCode::SEE_OTHER
        );
        let page = self.page(invigilator, &self.screen).await;
        assert!(page.contains("Reprise autorisée"), "{page}");
        let r = app.post_form(lea, &format!("{home}/start"), &[]).await;
        assert_eq!(location(&r), format!("/assessments/{assessment}"), "resumes the same test");
        let r = app.post_form(lea, &format!("{home}/start"), &[]).await;
        assert_eq!(r.status(), StatusCode::OK, "the resumption authorisation served once");
        let (deadline, extra): (i64, i64) = platform::on_db!(app.db(), pool => {
            let (start, deadline): (i64, i64) = sqlx::query_as("SELECT started_at, deadline FROM certification_courses WHERE completed_at IS NULL").fetch_one(pool).await.unwrap();
            (deadline, deadline - start)
        });
        assert_eq!(extra, 105 * 60 * 1_000_000, "105 minutes without extra time");
        assert!(deadline > 0);
        assessment
    }

    /// A live alert: the question waits for the invigilator, who dismisses it, then validates another.
    async fn an_alert_is_dismissed_then_validated(&self, invigilator: &Client, assessment: Uuid) {
        let (app, lea) = (&self.app, &self.lea);
        let first = crate::evaluation::current_challenge(app, assessment).await.unwrap();
        let alert = format!("/assessments/{assessment}/alert");
        assert_eq!(app.post_form(lea, &alert, &[]).await.status(), StatusCode::SEE_OTHER);
        let page = self.page(lea, &format!("/assessments/{assessment}")).await;
        assert!(
            page.contains("Votre signalement est transmis au surveillant") && !page.contains("challenge-form"),
            "{page}"
        );
        crate::evaluation::post_answer(app, lea, assessment, &crate::evaluation::answer_fields(app, &first, true))
            .await;
        let answers_so_far: i64 = platform::on_db!(app.db(), pool => {
            sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM answers WHERE assessment_id = $1").bind(assessment).fetch_one(pool).await.unwrap()
        });
        assert_eq!(answers_so_far, 0, "no answer while the alert is open");
        let page = self.page(invigilator, &self.screen).await;
        assert!(page.contains("Signale un problème"));
        let handle = |action: &str| format!("{}/candidates/{}/alert/{action}", self.screen, self.candidate);
        assert_eq!(app.post_form(invigilator, &handle("dismiss"), &[]).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            crate::evaluation::current_challenge(app, assessment).await.as_deref(),
            Some(first.as_str()),
            "dismissed: same question"
        );
        assert_eq!(
            app.post_form(invigilator, &handle("dismiss"), &[]).await.status(),
            StatusCode::CONFLICT,
            "no alert open"
        );
        app.post_form(lea, &alert, &[]).await;
        assert_eq!(app.post_form(invigilator, &handle("validate"), &[]).await.status(), StatusCode::SEE_OTHER);
        let replaced = crate::evaluation::current_challenge(app, assessment).await.unwrap();
        let skill_of = |id: &str| app.state.content.challenge(app.state.content.challenge_by_id(id).unwrap()).skill;
        assert_ne!(skill_of(&replaced), skill_of(&first), "validated: another question, another skill");
    }

    /// Flash questions until the end, answers only (no knowledge in the profile). Returns how many
    /// questions Léa answered and another learner's client.
    async fn lea_answers_to_the_end(&self, invigilator: &Client, assessment: Uuid) -> (i64, Client) {
        let (app, lea, home) = (&self.app, &self.lea, &self.home);
        let mut answered = 0;
        while let Some(challenge) = crate::evaluation::current_challenge(app, assessment).await {
            answered += 1;
            assert!(answered <= 32, "32 questions at most");
            let fields = crate::evaluation::answer_fields(app, &challenge, answered % 3 != 0);
            crate::evaluation::post_answer(app, lea, assessment, &fields).await;
        }
        assert!(answered >= 20, "enough questions to score: {answered}");
        let completed: Option<i64> = platform::on_db!(app.db(), pool => {
            sqlx::query_scalar("SELECT completed_at FROM certification_courses WHERE session_id = $1")
                .bind(self.session).fetch_one(pool).await.unwrap()
        });
        assert!(completed.is_some());
        let r = lea.get(app.url(&format!("/assessments/{assessment}/results"))).send().await.unwrap();
        assert_eq!(&location(&r), home, "no corrected answers for a certification");
        let r = lea.get(app.url(&format!("/api/assessments/{assessment}/results"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(self.page(lea, home).await.contains("Votre test de certification est terminé"));
        assert!(self.page(invigilator, &self.screen).await.contains("Terminé"));
        // Nobody else reaches the candidate's page.
        let (other, _) = app.learner("other@example.org").await;
        assert_eq!(other.get(app.url(home)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
        (answered, other)
    }

    /// The centre finalises: the test is scored, nothing is visible before publication.
    async fn the_centre_finalises(&self, answered: i64) -> Scored {
        let (app, session) = (&self.app, self.session);
        let (centre, center) = demo_centre(app, session).await;
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
            self.lea.get(app.url(&certificate)).send().await.unwrap().status(),
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
        Scored { centre, course, score, code, certificate, verify, csv }
    }

    /// The back office publishes; the centre downloads the results; the candidate is told and reads
    /// her certificate; anyone verifies it.
    async fn the_jury_publishes_and_anyone_verifies(&self, scored: &Scored, other: &Client) -> Client {
        let (app, session, number) = (&self.app, self.session, self.number);
        let Scored { centre, score, code, certificate, verify, csv, .. } = scored;
        let (jury, _) = app.admin("jury@example.org", "CERTIF").await;
        let list = self.page(&jury, "/admin/certification/sessions").await;
        assert!(list.contains(&number.to_string()));
        let r = app.post_form(&jury, &format!("/admin/certification/sessions/{session}/publish"), &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            app.post_form(&jury, &format!("/admin/certification/sessions/{session}/publish"), &[]).await.status(),
            StatusCode::CONFLICT
        );
        let r = centre.get(app.url(csv)).send().await.unwrap();
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
        assert!(mails.iter().any(|m| m.contains(code.as_str()) && m.contains(certificate.as_str())), "{mails:?}");
        assert!(self.page(&self.lea, &self.home).await.contains(certificate.as_str()));
        let page = self.page(&self.lea, certificate).await;
        assert!(page.contains(&format!("<strong>{score}</strong> / 895")) && page.contains(code.as_str()), "{page}");
        assert!(page.contains("Paris (75056), France"), "the commune's name, its INSEE code kept: {page}");
        assert_eq!(other.get(app.url(certificate)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
        let page = self.page(&new_client(), verify).await;
        assert!(page.contains("Ce certificat est authentique") && page.contains("APPRENANTE"), "{page}");
        assert!(!page.contains("75056") && !page.contains("Paris ("), "the public part leaves the birthplace out");
        let visitor = new_client();
        let r = app
            .send_json(&visitor, Method::POST, "/api/shared-certifications", &json!({ "verification_code": code }))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<Value>().await.unwrap()["pix_score"], *score);
        let r = app
            .send_json(
                &visitor,
                Method::POST,
                "/api/shared-certifications",
                &json!({ "verification_code": "P-BBBBBBBB" }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        jury
    }

    /// The jury reads the answers and the capacity, comments, then cancels: the code no longer verifies.
    async fn the_jury_decides(&self, jury: &Client, scored: &Scored, answered: i64) {
        let (app, lea) = (&self.app, &self.lea);
        let Scored { centre, course, certificate, verify, csv, .. } = scored;
        let detail = self.page(jury, &format!("/admin/certification/courses/{course}")).await;
        assert_eq!(detail.matches("<td><code>").count(), answered as usize, "every answer with the capacity after it");
        let decide = format!("/admin/certification/courses/{course}/jury");
        let long = "x".repeat(501);
        let r = app
            .post_form(
                jury,
                &decide,
                &[("decision", "keep"), ("comment_candidate", &long), ("comment_organization", "")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .post_form(
                jury,
                &decide,
                &[("decision", "keep"), ("comment_candidate", "Bravo"), ("comment_organization", "Session calme")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(self.page(lea, certificate).await.contains("Bravo"));
        assert!(self.page(centre, csv).await.contains("\"Session calme\""));
        assert_eq!(app.post_form(lea, &decide, &[("decision", "fraud")]).await.status(), StatusCode::FORBIDDEN);
        let r = app
            .post_form(
                jury,
                &decide,
                &[("decision", "cancel"), ("comment_candidate", ""), ("comment_organization", "")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(new_client().get(app.url(verify)).send().await.unwrap().status(), StatusCode::NOT_FOUND, "revoked");
        assert!(self.page(lea, certificate).await.contains("pas validée"));
        assert!(self.page(centre, csv).await.contains("\"Annulée\""));
    }
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

/// A session's candidates start together on a node just started (nothing cached yet) with fewer
/// pooled connections than candidates: every start holds a transaction, so none may ask the pool
/// for another connection meanwhile (it did for the configuration's settings, and each start
/// waited for the others until the pool's 5 s timeout, then failed).
async fn a_sessions_candidates_start_together_on_a_small_pool(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.db.db_max_connections = Some(2)).await;
    let fixture =
        platform::certification::demo::load_fixture(&app.state, 6, 6, crate::support::PASSWORD).await.unwrap();
    let session = &fixture["sessions"][0];
    let number = session["number"].as_i64().unwrap().to_string();
    let invigilator = new_client();
    let password = session["invigilator_password"].as_str().unwrap();
    app.post_form(&invigilator, "/surveillant", &[("session_number", &number), ("password", password)]).await;
    let mut candidates = Vec::new();
    for p in session["candidates"].as_array().unwrap() {
        let me = app.login_as(p["email"].as_str().unwrap()).await;
        let body = json!({ "session_number": number, "access_code": session["access_code"], "first_name": p["first_name"],
            "last_name": p["last_name"], "birth_date": p["birth_date"] });
        let joined: Value =
            app.send_json(&me, Method::POST, "/api/certification/join", &body).await.json().await.unwrap();
        let id = joined["id"].as_str().unwrap().to_owned();
        let authorize = format!("/surveillant/sessions/{}/candidates/{id}/authorize", session["id"].as_str().unwrap());
        assert!(app.post_form(&invigilator, &authorize, &[("authorized", "yes")]).await.status().is_redirection());
        let token = app.csrf(&me).await;
        candidates.push((me, id, token));
    }
    let started = std::time::Instant::now();
    let starts = candidates.iter().map(|(me, id, token)| {
        me.post(app.url(&format!("/api/certification/candidates/{id}/start")))
            .header("x-csrf-token", token)
            .json(&json!({}))
            .send()
    });
    let statuses: Vec<StatusCode> =
        futures_util::future::join_all(starts).await.into_iter().map(|r| r.unwrap().status()).collect();
    assert_eq!(statuses, vec![StatusCode::OK; 6], "every candidate starts");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "no start waited for the pool: {:?}",
        started.elapsed()
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
