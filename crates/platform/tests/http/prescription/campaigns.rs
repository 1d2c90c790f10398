//! Campaigns: from set-up to export, exams, profiles collections, multiple sendings, who reaches them, the API, personal data, back-office forms, the demo.

use super::*;
use crate::dual;

dual!(
    assessment_campaign_from_set_up_to_export,
    exam_knowledge_stays_out_of_the_profile,
    profiles_collection_shares_the_whole_profile,
    multiple_sendings_let_learners_improve,
    organisation_routes_are_for_their_members_only,
    api_journey_and_errors,
    participations_are_exported_and_erased_with_the_person,
    back_office_forms_refuse_bad_input,
    demo_data_fills_every_page,
);

async fn assessment_campaign_from_set_up_to_export(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;
    let rentree = Rentree::created(&app, &s).await;
    let learner = rentree.a_visitor_signs_up_from_the_landing_page().await;
    let (to, assessment) = rentree.the_learner_joins_and_nothing_shows_yet(&learner).await;
    let (hit, targeted) = rentree.the_learner_finishes_and_shares(&learner, &to, assessment).await;
    let shared = rentree.the_organisation_sees_the_shared_result(hit, targeted).await;
    rentree.the_csv_export_has_one_line_per_participant(&shared).await;
    // Knowledge from a campaign test counts in the learner's profile.
    let profile: Value = learner.get(app.url("/api/profile")).send().await.unwrap().json().await.unwrap();
    let c11 = profile["competences"].as_array().unwrap().iter().find(|c| c["code"] == "1.1").unwrap();
    assert!(c11["pix"].as_u64().unwrap() > 0, "{c11}");
    rentree.archiving_closes_it_and_deleting_a_participation_removes_it(&shared.participation).await;
}

/// The "Rentrée 4e B" assessment campaign of the teacher of [`set_up`]'s school.
struct Rentree<'a> {
    app: &'a TestApp,
    s: &'a Setup,
    campaign: Uuid,
    code: String,
}

/// What the organisation sees of Léa's shared participation.
struct Shared {
    participation: String,
    rate: f64,
    expected_stage: usize,
    badge_won: bool,
}

impl<'a> Rentree<'a> {
    async fn created(app: &'a TestApp, s: &'a Setup) -> Rentree<'a> {
        // A single organisation: /orga goes straight to it.
        let r = s.teacher.get(app.url("/orga")).send().await.unwrap();
        assert_eq!(location(&r), format!("/orga/{}/campaigns", s.org));
        let form = s
            .teacher
            .get(app.url(&format!("/orga/{}/campaigns/new", s.org)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(form.contains(&s.profile.to_string()), "the attached profile is offered");
        assert!(!form.contains("value=\"EXAM\""), "exams are not enabled for this organisation");
        assert!(form.contains("Pour l&#39;organisation Collège Jean Moulin."), "the form names the organisation");
        let profile = s.profile.to_string();
        let (campaign, code) = create_campaign(
            app,
            s,
            &[
                ("name", "Rentrée 4e B"),
                ("title", "Évaluation de rentrée"),
                ("kind", "ASSESSMENT"),
                ("target_profile", &profile),
                ("external_id_label", "Numéro élève"),
                ("external_id_type", "STRING"),
                ("landing_text", "Bienvenue en 4e B"),
            ],
        )
        .await;
        assert_eq!(code.len(), 9, "campaign codes have 9 characters: {code}");
        let rentree = Rentree { app, s, campaign, code };
        let list = rentree.teacher_page(&format!("/orga/{}/campaigns", s.org)).await;
        assert!(list.contains("Rentrée 4e B") && list.contains(&rentree.code));
        rentree
    }

    async fn teacher_page(&self, path: &str) -> String {
        self.s.teacher.get(self.app.url(path)).send().await.unwrap().text().await.unwrap()
    }

    async fn results(&self) -> Value {
        let path = format!("/api/organizations/{}/campaigns/{}/results", self.s.org, self.campaign);
        self.s.teacher.get(self.app.url(&path)).send().await.unwrap().json().await.unwrap()
    }

    /// A visitor sees the landing page and is asked to sign in, coming back afterwards.
    async fn a_visitor_signs_up_from_the_landing_page(&self) -> Client {
        let (app, code) = (self.app, &self.code);
        let visitor = new_client();
        let landing = visitor.get(app.url(&format!("/campagnes/{code}"))).send().await.unwrap();
        assert_eq!(landing.status(), StatusCode::OK);
        let html = landing.text().await.unwrap();
        assert!(html.contains("Bienvenue en 4e B") && html.contains("Collège Jean Moulin"));
        assert!(html.contains(&format!("/signup?next=/campagnes/{code}")), "sign-up keeps the way back");
        let signup = visitor
            .get(app.url(&format!("/signup?next=/campagnes/{code}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(signup.contains(&format!("name=\"next\" value=\"/campagnes/{code}\"")));
        let r = app
            .post_form(
                &visitor,
                "/signup",
                &[
                    ("first_name", "Léa"),
                    ("last_name", "Durand"),
                    ("email", "lea@example.org"),
                    ("password", crate::support::PASSWORD),
                    ("terms", "yes"),
                    ("next", &format!("/campagnes/{code}")),
                ],
            )
            .await;
        assert_eq!(location(&r), format!("/login?welcome=1&next=/campagnes/{code}"));
        app.login_as("lea@example.org").await
    }

    /// Codes are looked up case-insensitively; consent and the identifier are required; nothing is
    /// visible to the organisation before sharing. Returns the test's address and id.
    async fn the_learner_joins_and_nothing_shows_yet(&self, learner: &Client) -> (String, Uuid) {
        let (app, code) = (self.app, &self.code);
        let r = learner.get(app.url(&format!("/campagnes?code={}", code.to_lowercase()))).send().await.unwrap();
        assert_eq!(location(&r), format!("/campagnes/{code}"));
        let r = learner.get(app.url("/campagnes?code=NOPE00000")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(r.text().await.unwrap().contains("id=\"code-error\""), "the unknown code is explained");
        let r = app.post_form(learner, &format!("/campagnes/{code}/start"), &[("external_id", "A12")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = app.post_form(learner, &format!("/campagnes/{code}/start"), &[("consent", "yes")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let to = join(app, learner, code, "A12").await;
        let assessment = assessment_in(&to);
        // Starting again resumes the same test.
        assert_eq!(join(app, learner, code, "A12").await, to);
        let first = current_challenge(app, assessment).await.expect("a first question");
        let page = learner.get(app.url(&to)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&format!("value=\"{first}\"")));
        let activity = self.teacher_page(&format!("/orga/{}/campaigns/{}", self.s.org, self.campaign)).await;
        assert!(activity.contains("Durand"), "activity lists participants");
        assert_eq!(self.results().await, json!([]));
        (to, assessment)
    }

    /// The end page shows the mastery; sharing twice is harmless. Returns (skills mastered, targeted).
    async fn the_learner_finishes_and_shares(&self, learner: &Client, to: &str, assessment: Uuid) -> (usize, usize) {
        let (app, code) = (self.app, &self.code);
        finish(app, learner, assessment).await;
        let r = learner.get(app.url(to)).send().await.unwrap();
        assert_eq!(location(&r), format!("/campagnes/{code}/resultats"));
        let (hit, targeted) = mastery_in_db(app, self.campaign, assessment).await;
        assert!(targeted > 0 && hit > 0 && hit < targeted, "succeeding up to level 3 masters part of the profile");
        let percent = (hit * 100 + targeted / 2) / targeted;
        let end =
            learner.get(app.url(&format!("/campagnes/{code}/resultats"))).send().await.unwrap().text().await.unwrap();
        assert!(end.contains(&format!("value=\"{percent}\"")), "the mastery meter shows {percent} %");
        assert!(end.contains(&format!("{hit} / {targeted}")));
        let r = app.post_form(learner, &format!("/campagnes/{code}/partager"), &[]).await;
        assert_eq!(location(&r), format!("/campagnes/{code}/resultats?shared=1"));
        let r = app.post_form(learner, &format!("/campagnes/{code}/partager"), &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let courses = learner.get(app.url("/mes-parcours")).send().await.unwrap().text().await.unwrap();
        assert!(courses.contains("Évaluation de rentrée"));
        (hit, targeted)
    }

    /// The organisation now sees the shared result, with the same mastery, its detail and the analysis.
    async fn the_organisation_sees_the_shared_result(&self, hit: usize, targeted: usize) -> Shared {
        let (app, s, campaign) = (self.app, self.s, self.campaign);
        let results = self.results().await;
        let row = &results.as_array().unwrap()[0];
        assert_eq!(row["last_name"], "Durand");
        assert_eq!(row["external_id"], "A12");
        let rate = row["mastery_rate"].as_f64().unwrap();
        assert!((rate - hit as f64 / targeted as f64).abs() < 1e-9, "{rate} vs {hit}/{targeted}");
        // Stages reached beyond the first one (always reached), as in the CSV export.
        let expected_stage = usize::from(hit * 100 >= targeted * 50);
        assert_eq!(row["stage"], json!(expected_stage));
        let badge_won = hit * 100 >= targeted * 40;
        assert_eq!(row["badges"].as_array().unwrap().len(), usize::from(badge_won));
        let participation = row["participation_id"].as_str().unwrap().to_owned();
        let path = format!("/orga/{}/campaigns/{campaign}/participants/{participation}", s.org);
        assert_eq!(s.teacher.get(app.url(&path)).send().await.unwrap().status(), StatusCode::OK);
        let analysis =
            s.teacher.get(app.url(&format!("/orga/{}/campaigns/{campaign}/analysis", s.org))).send().await.unwrap();
        assert_eq!(analysis.status(), StatusCode::OK);
        let analysis = analysis.text().await.unwrap();
        assert_eq!(analysis.matches("<meter").count(), tubes_of(app, "1.1").len(), "one recommendation per tube");
        assert!(analysis.contains("Niveaux par compétence") && analysis.contains("1.1 "), "levels per competence");
        Shared { participation, rate, expected_stage, badge_won }
    }

    /// The CSV export: BOM, `;`, French headers, one line per participant.
    async fn the_csv_export_has_one_line_per_participant(&self, shared: &Shared) {
        let (app, s, campaign) = (self.app, self.s, self.campaign);
        let r =
            s.teacher.get(app.url(&format!("/orga/{}/campaigns/{campaign}/export.csv", s.org))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
        let disposition = r.headers()[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(disposition.contains("filename=\"Resultats-Rentr_e_4e_B-"), "{disposition}");
        assert!(disposition.contains("filename*=UTF-8''Resultats-Rentr%C3%A9e_4e_B-"), "{disposition}");
        let body = r.text().await.unwrap();
        assert!(body.starts_with('\u{feff}'), "a BOM for spreadsheets");
        let lines: Vec<&str> = body.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines.len(), 2, "{body}");
        let head = csv_fields(lines[0]);
        let line = csv_fields(lines[1]);
        assert_eq!(head.len(), line.len(), "every line has every column");
        let col =
            |name: &str| head.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name} in {head:?}"));
        assert_eq!(line[col("Nom de l'organisation")], "Collège Jean Moulin");
        assert_eq!(line[col("Code")], self.code);
        assert_eq!(line[col("Nom du Participant")], "Durand");
        assert_eq!(line[col("Prénom du Participant")], "Léa");
        assert_eq!(line[col("Numéro élève")], "A12");
        assert_eq!(line[col("Partage (O/N)")], "Oui");
        assert_eq!(line[col("Palier obtenu (/1)")], shared.expected_stage.to_string());
        assert_eq!(line[col("Chercheur obtenu (O/N)")], if shared.badge_won { "Oui" } else { "Non" });
        let mastery: f64 =
            line[col("% maitrise de l'ensemble des acquis du profil")].replace(',', ".").parse().unwrap();
        assert!((mastery - shared.rate).abs() < 0.01, "{mastery} vs {}", shared.rate);
        let english = self.teacher_page(&format!("/orga/{}/campaigns/{campaign}/export.csv?lang=en", s.org)).await;
        assert!(english.contains("Participant's last name"));
    }

    /// Archiving closes the campaign to newcomers; deleting a participation removes it from the results.
    async fn archiving_closes_it_and_deleting_a_participation_removes_it(&self, participation: &str) {
        let (app, s, campaign, code) = (self.app, self.s, self.campaign, &self.code);
        let r = app.post_form(&s.teacher, &format!("/orga/{}/campaigns/{campaign}/archive", s.org), &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (late, _) = app.learner("late@example.org").await;
        let r = app
            .post_form(&late, &format!("/campagnes/{code}/start"), &[("consent", "yes"), ("external_id", "B1")])
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let archived = self.teacher_page(&format!("/orga/{}/campaigns?archived=1", s.org)).await;
        assert!(archived.contains("Rentrée 4e B"));
        let delete = format!("/orga/{}/campaigns/{campaign}/participants/{participation}/delete", s.org);
        // A page says what is lost before anything is deleted.
        let confirm = self.teacher_page(&delete).await;
        assert!(confirm.contains("Vous ne pourrez pas annuler la suppression"), "{confirm}");
        assert!(confirm.contains(&format!("action=\"{delete}\"")), "{confirm}");
        assert_ne!(self.results().await, json!([]), "nothing deleted by looking");
        let r = app.post_form(&s.teacher, &delete, &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), format!("/orga/{}/campaigns/{campaign}?deleted=1", s.org));
        let after = self.teacher_page(&location(&r)).await;
        assert!(after.contains("La participation a été supprimée."), "{after}");
        assert_eq!(self.results().await, json!([]));
    }
}

async fn exam_knowledge_stays_out_of_the_profile(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[("exam_campaigns", "yes")]).await;
    let profile = s.profile.to_string();
    let (campaign, code) =
        create_campaign(&app, &s, &[("name", "Contrôle"), ("kind", "EXAM"), ("target_profile", &profile)]).await;
    let (learner, _) = app.learner("eve@example.org").await;
    let landing = learner.get(app.url(&format!("/campagnes/{code}"))).send().await.unwrap().text().await.unwrap();
    assert!(landing.contains("class=\"notice\""), "the exam notice is shown");
    let assessment = assessment_in(&join(&app, &learner, &code, "").await);
    finish(&app, &learner, assessment).await;
    let (hit, _) = mastery_in_db(&app, campaign, assessment).await;
    assert!(hit > 0);
    let exam_flags = app.count("SELECT COUNT(*) FROM knowledge_elements WHERE exam = FALSE").await;
    assert_eq!(exam_flags, 0, "every piece of knowledge of an exam is marked as such");
    let profile: Value = learner.get(app.url("/api/profile")).send().await.unwrap().json().await.unwrap();
    let total: u64 = profile["competences"].as_array().unwrap().iter().map(|c| c["pix"].as_u64().unwrap()).sum();
    assert_eq!(total, 0, "an exam leaves the profile untouched");
    // An organisation without exams cannot create one.
    let (admin2, _) = (s.admin.clone(), ());
    let other = create_organization(&app, &admin2, "Lycée", "SCO", &[]).await;
    let r = app
        .post_form(
            &admin2,
            &format!("/admin/organizations/{other}/members"),
            &[("email", "teacher@example.org"), ("role", "MEMBER")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .post_form(
            &s.teacher,
            &format!("/orga/{other}/campaigns"),
            &[("name", "Examen"), ("kind", "EXAM"), ("target_profile", &profile_id(&s))],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

fn profile_id(s: &Setup) -> String {
    s.profile.to_string()
}

async fn profiles_collection_shares_the_whole_profile(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;
    let (campaign, code) = create_campaign(&app, &s, &[("name", "Collecte"), ("kind", "PROFILES_COLLECTION")]).await;
    let (learner, _) = app.learner("max@example.org").await;
    // A competence test first, so that the profile has something to share.
    let token = app.csrf(&learner).await;
    let r =
        learner.post(app.url("/competences/1.1/start")).form(&[("csrf_token", token.as_str())]).send().await.unwrap();
    let assessment = assessment_in(&location(&r));
    finish(&app, &learner, assessment).await;
    let profile: Value = learner.get(app.url("/api/profile")).send().await.unwrap().json().await.unwrap();
    let total: u64 = profile["competences"].as_array().unwrap().iter().map(|c| c["pix"].as_u64().unwrap()).sum();
    assert!(total > 0);
    // No test in a profiles collection: straight to the share step.
    assert_eq!(join(&app, &learner, &code, "").await, format!("/campagnes/{code}/resultats"));
    let r = app.post_form(&learner, &format!("/campagnes/{code}/partager"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let export = s
        .teacher
        .get(app.url(&format!("/orga/{}/campaigns/{campaign}/export.csv", s.org)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = export.trim_start_matches('\u{feff}').lines().collect();
    let head = csv_fields(lines[0]);
    let line = csv_fields(lines[1]);
    let col = |name: &str| head.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name} in {head:?}"));
    assert_eq!(line[col("Envoi (O/N)")], "Oui");
    assert_eq!(line[col("Nombre de pix total")], total.to_string());
    assert_eq!(line[col("Certifiable (O/N)")], "Non", "one competence is not enough");
    // The analysis tab does not exist for profiles collections; the results do.
    let results: Value = s
        .teacher
        .get(app.url(&format!("/api/organizations/{}/campaigns/{campaign}/results", s.org)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(results.as_array().unwrap().len(), 1);
}

async fn multiple_sendings_let_learners_improve(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[("multiple_sending", "yes")]).await;
    let profile = profile_id(&s);
    let (_, once) =
        create_campaign(&app, &s, &[("name", "Une fois"), ("kind", "ASSESSMENT"), ("target_profile", &profile)]).await;
    let (_, again) = create_campaign(
        &app,
        &s,
        &[
            ("name", "Plusieurs fois"),
            ("kind", "ASSESSMENT"),
            ("target_profile", &profile),
            ("multiple_sendings", "yes"),
        ],
    )
    .await;
    let (learner, user) = app.learner("ana@example.org").await;
    for code in [&once, &again] {
        let a = assessment_in(&join(&app, &learner, code, "").await);
        finish(&app, &learner, a).await;
        let r = app.post_form(&learner, &format!("/campagnes/{code}/partager"), &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    // Without multiple sendings, starting again shows the results; with them, a new participation starts.
    assert_eq!(join(&app, &learner, &once, "").await, format!("/campagnes/{once}/resultats"));
    let to = join(&app, &learner, &again, "").await;
    assert!(to.starts_with("/assessments/"), "a new test: {to}");
    let count: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM campaign_participations WHERE user_id = $1").bind(user).fetch_one(pool).await.unwrap()
    });
    assert_eq!(count, 3);
    let improved: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM campaign_participations WHERE user_id = $1 AND is_improved = TRUE").bind(user).fetch_one(pool).await.unwrap()
    });
    assert_eq!(improved, 1, "the previous participation is marked as improved");
}

async fn organisation_routes_are_for_their_members_only(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;
    let profile = profile_id(&s);
    let (campaign, code) =
        create_campaign(&app, &s, &[("name", "Privée"), ("kind", "ASSESSMENT"), ("target_profile", &profile)]).await;
    let (learner, _) = app.learner("kid@example.org").await;
    let a = assessment_in(&join(&app, &learner, &code, "").await);
    finish(&app, &learner, a).await;
    app.post_form(&learner, &format!("/campagnes/{code}/partager"), &[]).await;
    let participation: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT id FROM campaign_participations WHERE campaign_id = $1").bind(campaign).fetch_one(pool).await.unwrap()
    });
    // A MEMBER of the organisation (not the campaign's owner), and an ADMIN of another one.
    app.sign_up("member@example.org").await;
    let r = app
        .post_form(
            &s.admin,
            &format!("/admin/organizations/{}/members", s.org),
            &[("email", "member@example.org"), ("role", "MEMBER")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let member = app.login_as("member@example.org").await;
    let elsewhere = create_organization(&app, &s.admin, "Autre collège", "SCO", &[]).await;
    app.sign_up("outsider@example.org").await;
    app.post_form(
        &s.admin,
        &format!("/admin/organizations/{elsewhere}/members"),
        &[("email", "outsider@example.org"), ("role", "ADMIN")],
    )
    .await;
    let outsider = app.login_as("outsider@example.org").await;
    let anonymous = new_client();
    let base = format!("/orga/{}/campaigns", s.org);
    let api = format!("/api/organizations/{}/campaigns", s.org);
    let reads = [
        base.clone(),
        format!("{base}/new"),
        format!("{base}/{campaign}"),
        format!("{base}/{campaign}/results"),
        format!("{base}/{campaign}/analysis"),
        format!("{base}/{campaign}/export.csv"),
        format!("{base}/{campaign}/participants/{participation}"),
        api.clone(),
        format!("{api}/{campaign}/results"),
        format!("{api}/{campaign}/export"),
        format!("/orga/{}/learners", s.org),
        format!("/api/organizations/{}/learners", s.org),
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
        for (who, client) in [("member", &member), ("admin", &s.teacher)] {
            assert_eq!(client.get(app.url(path)).send().await.unwrap().status(), StatusCode::OK, "{path} as {who}");
        }
    }
    // A campaign of another organisation is not found under this one's path.
    let wrong = format!("/orga/{elsewhere}/campaigns/{campaign}");
    assert_eq!(outsider.get(app.url(&wrong)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // Archiving and deleting: the owner or an administrator, not any member.
    let archive = format!("{base}/{campaign}/archive");
    let delete = format!("{base}/{campaign}/participants/{participation}/delete");
    for path in [&archive, &delete] {
        assert_eq!(app.post_form(&member, path, &[]).await.status(), StatusCode::FORBIDDEN, "{path} as member");
        assert_eq!(app.post_form(&outsider, path, &[]).await.status(), StatusCode::NOT_FOUND, "{path} as outsider");
        assert_eq!(app.post_form(&learner, path, &[]).await.status(), StatusCode::NOT_FOUND, "{path} as learner");
    }
    // Importing a learner list: ADMIN members only (the API, with a CSRF token).
    let import = format!("/api/organizations/{}/learners/import", s.org);
    for (who, client, expected) in [
        ("member", &member, StatusCode::FORBIDDEN),
        ("outsider", &outsider, StatusCode::NOT_FOUND),
        ("learner", &learner, StatusCode::NOT_FOUND),
        ("anonymous", &anonymous, StatusCode::UNAUTHORIZED),
    ] {
        let token = app.csrf(client).await;
        let r = client.post(app.url(&import)).header("x-csrf-token", token).body("Nom\n").send().await.unwrap();
        assert_eq!(r.status(), expected, "{import} as {who}");
    }
    // Creating a campaign in an organisation one does not belong to.
    let r = app.post_form(&outsider, &base, &[("name", "Intrus"), ("kind", "PROFILES_COLLECTION")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The back office: organisations are created by super admins only.
    let (support, _) = app.admin("support@example.org", "SUPPORT").await;
    let r = app.post_form(&support, "/admin/organizations", &[("name", "X"), ("kind", "PRO")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(support.get(app.url("/admin/organizations")).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        support.get(app.url("/admin/target-profiles/new")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(learner.get(app.url("/admin/organizations")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
}

async fn api_journey_and_errors(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;
    let path = format!("/api/organizations/{}/campaigns", s.org);
    let bad = app.send_json(&s.teacher, Method::POST, &path, &json!({ "name": "", "type": "ASSESSMENT" })).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = bad.json().await.unwrap();
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"name") && fields.contains(&"target_profile"), "{problem}");
    let r = app
        .send_json(
            &s.teacher,
            Method::POST,
            &path,
            &json!({ "name": "API", "type": "ASSESSMENT", "target_profile_id": s.profile }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let code = created["code"].as_str().unwrap().to_owned();
    assert!(created["join_url"].as_str().unwrap().ends_with(&format!("/campagnes/{code}")));
    let listed: Value = s.teacher.get(app.url(&path)).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // A profile not attached to the organisation is refused.
    let r = app
        .send_json(
            &s.teacher,
            Method::POST,
            &path,
            &json!({ "name": "API", "type": "ASSESSMENT", "target_profile_id": Uuid::now_v7() }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let (learner, _) = app.learner("api@example.org").await;
    let info: Value =
        learner.get(app.url(&format!("/api/campaigns/{code}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(info["organization"], "Collège Jean Moulin");
    assert_eq!(info["open"], true);
    assert_eq!(learner.get(app.url("/api/campaigns/ZZZZZZZZZ")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let join = format!("/api/campaigns/{code}/participations");
    let r = app.send_json(&learner, Method::POST, &join, &json!({ "consent": false })).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.send_json(&learner, Method::POST, &join, &json!({ "consent": true })).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["status"], "STARTED");
    let id = p["id"].as_str().unwrap().to_owned();
    let assessment = Uuid::parse_str(p["assessment_id"].as_str().unwrap()).unwrap();
    // Not finished: sharing is a conflict.
    let share = format!("/api/participations/{id}/share");
    let token = app.csrf(&learner).await;
    let r = learner.post(app.url(&share)).header("x-csrf-token", &token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // Someone else's participation does not exist for them.
    let (other, _) = app.learner("other@example.org").await;
    let token_other = app.csrf(&other).await;
    let r = other.post(app.url(&share)).header("x-csrf-token", &token_other).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    finish(&app, &learner, assessment).await;
    let r = learner.post(app.url(&share)).header("x-csrf-token", &token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let shared: Value = r.json().await.unwrap();
    assert_eq!(shared["status"], "SHARED");
    assert!(shared["mastery_percent"].as_u64().is_some());
    let r = learner.post(app.url(&share)).header("x-csrf-token", &token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "already shared");
    let mine: Value = learner.get(app.url("/api/me/participations")).send().await.unwrap().json().await.unwrap();
    assert_eq!(mine[0]["campaign_code"], code.as_str());
    assert_eq!(mine[0]["status"], "SHARED");
}

async fn participations_are_exported_and_erased_with_the_person(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;
    let (campaign, code) = create_campaign(&app, &s, &[("name", "Collecte"), ("kind", "PROFILES_COLLECTION")]).await;
    let learner_id = app.sign_up_named("zoe@example.org", "Zoé", "Lefebvre").await;
    let learner = app.login_as("zoe@example.org").await;
    join(&app, &learner, &code, "").await;
    app.post_form(&learner, &format!("/campagnes/{code}/partager"), &[]).await;
    let export: Value = learner.get(app.url("/account/export")).send().await.unwrap().json().await.unwrap();
    let mine = export["campaign_participations"].as_array().unwrap_or_else(|| panic!("{export}"));
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["campaign_code"], code.as_str());
    assert_eq!(mine[0]["status"], "SHARED");
    // Erasure: the organisation keeps an anonymous result.
    let r = app.post_form(&learner, "/account/delete", &[("delete_password", crate::support::PASSWORD)]).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let results: Value = s
        .teacher
        .get(app.url(&format!("/api/organizations/{}/campaigns/{campaign}/results", s.org)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = results.to_string();
    assert_eq!(results.as_array().unwrap().len(), 1);
    assert!(!text.contains("Lefebvre") && !text.contains("Zoé"), "{text}");
    let names: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM organization_learners WHERE user_id = $1 AND (last_name = 'Lefebvre' OR first_name = 'Zoé')").bind(learner_id).fetch_one(pool).await.unwrap()
    });
    assert_eq!(names, 0);
}

async fn back_office_forms_refuse_bad_input(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _) = app.admin("super@example.org", "SUPER_ADMIN").await;
    let r =
        app.post_form(&admin, "/admin/organizations", &[("name", ""), ("kind", "MAIRIE"), ("dpo_email", "nope")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for field in ["name", "kind", "dpo_email"] {
        assert!(html.contains(&format!("id=\"{field}-error\"")), "an error for {field}");
    }
    let r = app.post_form(&admin, "/admin/target-profiles", &[("name", "Vide")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a profile needs tubes");
    let tube = format!("tube-{}", tubes_of(&app, "1.1")[0]);
    let r = app
        .post_form(
            &admin,
            "/admin/target-profiles",
            &[("name", "Paliers"), (&tube, "9"), ("stage-1-title", "Sans zéro"), ("stage-1-threshold", "50")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("id=\"{tube}-error\"")), "level 9 is refused");
    assert!(html.contains("id=\"stage-0-threshold-error\""), "stage 0 is required");
    let count = app.count("SELECT COUNT(*) FROM target_profiles").await;
    assert_eq!(count, 0);
    let org = create_organization(&app, &admin, "Entreprise", "PRO", &[]).await;
    let r = app
        .post_form(
            &admin,
            &format!("/admin/organizations/{org}/members"),
            &[("email", "not an address"), ("role", "ADMIN")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "an address is required");
    let r = app
        .post_form(&admin, &format!("/admin/organizations/{org}/profiles"), &[("target_profile", "not-a-uuid")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A badge on a group of tubes: the group must be within the profile; its cap level is used.
    let names = tubes_of(&app, "1.1");
    let (first, second) = (format!("tube-{}", names[0]), format!("tube-{}", names[1]));
    let outside = tubes_of(&app, "2.1")[0].clone();
    let mut fields = vec![
        ("name", "Groupes"),
        (first.as_str(), "4"),
        (second.as_str(), "3"),
        ("badge-0-title", "Expert recherche"),
        ("badge-0-image", "badge-star"),
        ("badge-0-alt", "Une étoile"),
        ("badge-0-threshold", "50"),
        ("badge-0-tubes-threshold", "80"),
    ];
    let wrong = format!("{} {outside}", names[0]);
    fields.push(("badge-0-tubes", wrong.as_str()));
    let r = app.post_form(&admin, "/admin/target-profiles", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("id=\"badge-0-tubes-error\""));
    fields.pop();
    let right = format!("{} {}", names[0], names[1]);
    fields.push(("badge-0-tubes", right.as_str()));
    let r = app.post_form(&admin, "/admin/target-profiles", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let criteria: Vec<(String, i64, String)> = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT scope, threshold, tubes FROM badge_criteria ORDER BY scope").fetch_all(pool).await.unwrap()
    });
    let group = serde_json::to_string(&json!([[names[0], 4], [names[1], 3]])).unwrap();
    assert_eq!(criteria, vec![("participation".to_owned(), 50, "[]".to_owned()), ("tubes".to_owned(), 80, group)]);
}

async fn demo_data_fills_every_page(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.demo = true).await;
    // Demo passwords are random: give the organisation admin a known one.
    app.sign_up("known@example.org").await;
    app.know_password("orga-admin@demo.example").await;
    // The demo learner finished the personal-data module: she holds its attestation, and the
    // sixth-grade quest waits for the school's pupils.
    app.know_password("learner@demo.example").await;
    let learner = app.login_as("learner@demo.example").await;
    let mine: Value = learner.get(app.url("/api/me/attestations")).send().await.unwrap().json().await.unwrap();
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    assert_eq!(mine[0]["key"], platform::quests::demo::PERSONAL_DATA);
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM quests").await, 2);
    let admin = app.login_as("orga-admin@demo.example").await;
    let home = admin.get(app.url("/orga")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK, "three organisations: a choice");
    let home = home.text().await.unwrap();
    for name in ["Collège Jules Verne (démo)", "Université Marie Curie (démo)", "Entreprise Numérique (démo)"] {
        assert!(home.contains(name), "{name}");
    }
    let (org, campaign): (Uuid, Uuid) = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT organization_id, id FROM campaigns WHERE code = $1")
            .bind(platform::prescription::demo::ASSESSMENT_CODE).fetch_one(pool).await.unwrap()
    });
    // Some of the school's pupils reached the sixth-grade quest's threshold: listed once shared.
    let attestations =
        admin.get(app.url(&format!("/orga/{org}/attestations"))).send().await.unwrap().text().await.unwrap();
    let granted =
        app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM profile_rewards WHERE reward_key = 'SIXTH_GRADE'").await;
    assert!(granted > 0, "some pupils hold it");
    assert!(attestations.contains("Attestation de sensibilisation au numérique"), "{attestations}");
    let list: Value =
        admin.get(app.url(&format!("/api/organizations/{org}/campaigns"))).send().await.unwrap().json().await.unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3, "two campaigns and the demo course's");
    let assessment = list.iter().find(|c| c["code"] == platform::prescription::demo::ASSESSMENT_CODE).unwrap();
    assert_eq!(assessment["participants"], 40);
    assert_eq!(assessment["shared"], 30);
    let mut results = Vec::new();
    for page in 1..=2 {
        let rows: Value = admin
            .get(app.url(&format!("/api/organizations/{org}/campaigns/{campaign}/results?page={page}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        results.extend(rows.as_array().unwrap().iter().cloned());
    }
    assert_eq!(results.len(), 30, "30 shared results over two pages of 50 at most");
    let mut rates: Vec<i64> =
        results.iter().map(|r| (r["mastery_rate"].as_f64().unwrap() * 100.0).round() as i64).collect();
    rates.sort_unstable();
    rates.dedup();
    assert!(rates.len() >= 4, "varied levels: {rates:?}");
    let stages: std::collections::BTreeSet<u64> = results.iter().map(|r| r["stage"].as_u64().unwrap()).collect();
    assert!(stages.len() >= 2, "varied stages: {stages:?}");
    assert!(results.iter().any(|r| !r["badges"].as_array().unwrap().is_empty()), "some badges are won");
    // Filters by stage and by badge keep exactly the matching results.
    let filtered = |query: String| {
        let (admin, app) = (&admin, &app);
        async move {
            let rows: Value = admin
                .get(app.url(&format!("/api/organizations/{org}/campaigns/{campaign}/results?{query}")))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            rows.as_array().unwrap().clone()
        }
    };
    for stage in &stages {
        let expected: Vec<&Value> = results.iter().filter(|r| r["stage"].as_u64() == Some(*stage)).collect();
        let got = filtered(format!("stage={stage}")).await;
        assert_eq!(got.len(), expected.len(), "stage {stage}");
        assert!(got.iter().all(|r| r["stage"].as_u64() == Some(*stage)));
    }
    let key = results.iter().find_map(|r| r["badges"][0].as_str()).unwrap().to_owned();
    let expected = results.iter().filter(|r| r["badges"].as_array().unwrap().iter().any(|b| b == key.as_str())).count();
    let got = filtered(format!("badge={key}")).await;
    assert_eq!(got.len(), expected);
    assert!(expected < results.len(), "the badge filter leaves some out");
    assert!(filtered("badge=no-such-badge".into()).await.is_empty());
    let page = admin
        .get(app.url(&format!("/orga/{org}/campaigns/{campaign}/results?badge={key}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let shown = page.matches("/participants/").count();
    assert_eq!(shown, expected, "the page shows the same results as the API");
    for tab in ["", "/results", "/analysis"] {
        let r = admin.get(app.url(&format!("/orga/{org}/campaigns/{campaign}{tab}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "tab {tab}");
    }
    // Levels are written the French way: "2,5 / 5", never "2.5 / 5.0".
    let analysis = admin
        .get(app.url(&format!("/orga/{org}/campaigns/{campaign}/analysis")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let english = analysis
        .as_bytes()
        .windows(5)
        .any(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit() && w[3] == b' ' && w[4] == b'/');
    assert!(!english, "no decimal point in the French analysis");
    assert!(analysis.contains(" / 5<") || analysis.contains(" / 5</"), "levels out of 5");
    let csv = admin
        .get(app.url(&format!("/orga/{org}/campaigns/{campaign}/export.csv")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 41, "a header and 40 participants");
    assert_eq!(csv.lines().filter(|l| l.contains(";\"NA\"") || l.contains(";NA")).count(), 10, "unshared rows show NA");
    // The school manages its pupils: the class is a column, each participant's from the list.
    let header = csv_fields(csv.lines().next().unwrap());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {header:?}"));
    let rows: Vec<Vec<String>> = csv.lines().skip(1).map(csv_fields).collect();
    let classes: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[col("Classe")].as_str()).collect();
    assert_eq!(classes.into_iter().collect::<Vec<_>>(), ["4e A", "4e B"]);
    // Competences in the referential's order, whatever the order of the profile's skills.
    let content = &app.state.content;
    let mastery_columns: Vec<usize> = ["1.1", "1.2", "1.3"]
        .iter()
        .map(|code| {
            let c = content.competence(content.competence_by_code(code).unwrap());
            col(&format!("% de maitrise des acquis de la compétence {}", c.name.get(content::Locale::Fr)))
        })
        .collect();
    assert!(mastery_columns.windows(2).all(|w| w[0] < w[1]), "1.1, 1.2 then 1.3: {mastery_columns:?}");
    // Rates with two decimals at most, as the reference writes them.
    let overall = col("% maitrise de l'ensemble des acquis du profil");
    for row in rows.iter().filter(|r| r[overall] != "NA" && r[overall] != "\"NA\"") {
        let decimals = row[overall].split(',').nth(1).map_or(0, str::len);
        assert!(decimals <= 2, "{}", row[overall]);
    }
    // Nobody can log in as a demo participant.
    let r = app
        .post_form(&new_client(), "/login", &[("identifier", "participant01@demo.example"), ("password", "!")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
