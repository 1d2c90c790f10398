//! Organisations and campaigns: the back office sets up an organisation and a target profile,
//! its members run campaigns, learners join, answer and share, and the organisation reads the
//! results, the analysis and the CSV export — on both databases.

use reqwest::{Client, Method, StatusCode, header};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    dual,
    evaluation::{current_challenge, finish},
    support::{TestApp, new_client},
};

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
    members_invite_accept_and_manage_roles,
    invitation_links_expire_and_die_when_resent_or_cancelled,
    members_api,
    learner_lists_are_imported_all_or_nothing,
    learners_reconcile_with_the_list_when_they_join,
    sup_and_generic_lists_by_api,
);

/// What a test needs to know about the set-up.
struct Setup {
    org: Uuid,
    profile: Uuid,
    /// A member with the ADMIN role, logged in.
    teacher: Client,
    /// The back-office super admin, logged in.
    admin: Client,
}

fn location(r: &reqwest::Response) -> String {
    r.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

fn id_at_end(r: &reqwest::Response) -> Uuid {
    let loc = location(r);
    Uuid::parse_str(loc.rsplit('/').next().unwrap()).unwrap_or_else(|_| panic!("an id at the end of {loc}"))
}

/// The tube names of a competence.
fn tubes_of(app: &TestApp, code: &str) -> Vec<String> {
    let content = &app.state.content;
    let c = content.competence(content.competence_by_code(code).unwrap());
    c.tubes.iter().map(|t| content.tube(*t).name.clone()).collect()
}

/// Creates an organisation through the back office and returns its id.
async fn create_organization(app: &TestApp, admin: &Client, name: &str, kind: &str, extra: &[(&str, &str)]) -> Uuid {
    let mut fields = vec![("name", name), ("kind", kind)];
    fields.extend_from_slice(extra);
    let r = app.post_form(admin, "/admin/organizations", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "organisation created");
    id_at_end(&r)
}

/// The back office creates an organisation and a target profile on competence 1.1 (two stages,
/// one badge), attaches it, and makes `teacher@example.org` an ADMIN member.
async fn set_up(app: &TestApp, org_extra: &[(&str, &str)]) -> Setup {
    let (admin, _) = app.admin("super@example.org", "SUPER_ADMIN").await;
    let org = create_organization(app, &admin, "Collège Jean Moulin", "SCO", org_extra).await;
    let tubes = tubes_of(app, "1.1");
    let tube_fields: Vec<(String, String)> = tubes.iter().map(|t| (format!("tube-{t}"), "8".to_owned())).collect();
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", "Recherche d'information"),
        ("description", "Chercher et trier l'information"),
        ("stage-0-threshold", "0"),
        ("stage-0-title", "Premiers pas"),
        ("stage-0-message", "Continuez !"),
        ("stage-1-threshold", "50"),
        ("stage-1-title", "Confirmé"),
        ("stage-1-message", "Bravo"),
        ("badge-0-title", "Chercheur"),
        ("badge-0-message", "Vous savez chercher."),
        ("badge-0-image", "badge-star"),
        ("badge-0-alt", "Une étoile"),
        ("badge-0-threshold", "40"),
    ];
    fields.extend(tube_fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let r = app.post_form(&admin, "/admin/target-profiles", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "target profile created");
    let profile = id_at_end(&r);
    let page =
        admin.get(app.url(&format!("/admin/target-profiles/{profile}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Recherche d&#39;information") && page.contains("Premiers pas"), "{page}");
    let profile_text = profile.to_string();
    let r = app
        .post_form(&admin, &format!("/admin/organizations/{org}/profiles"), &[("target_profile", &profile_text)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    app.sign_up_named("teacher@example.org", "Claire", "Prof").await;
    let r = app
        .post_form(
            &admin,
            &format!("/admin/organizations/{org}/members"),
            &[("email", "teacher@example.org"), ("role", "ADMIN")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let teacher = app.login_as("teacher@example.org").await;
    Setup { org, profile, teacher, admin }
}

/// Creates a campaign through the Orga form; returns (id, code).
async fn create_campaign(app: &TestApp, s: &Setup, fields: &[(&str, &str)]) -> (Uuid, String) {
    let r = app.post_form(&s.teacher, &format!("/orga/{}/campaigns", s.org), fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "campaign created: {}", r.text().await.unwrap_or_default());
    let id = id_at_end(&r);
    let code: String = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT code FROM campaigns WHERE id = $1").bind(id).fetch_one(pool).await.unwrap()
    });
    (id, code)
}

/// Joins a campaign through its landing page; returns where the learner was sent.
async fn join(app: &TestApp, client: &Client, code: &str, external_id: &str) -> String {
    let r = app
        .post_form(client, &format!("/campagnes/{code}/start"), &[("consent", "yes"), ("external_id", external_id)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "joined {code}");
    location(&r)
}

fn assessment_in(location: &str) -> Uuid {
    Uuid::parse_str(location.trim_start_matches("/assessments/")).unwrap_or_else(|_| panic!("a test: {location}"))
}

/// Splits a `;`-separated CSV line (quoted fields with doubled quotes).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (';', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// The campaign's skills and how many the learner validated in an assessment.
async fn mastery_in_db(app: &TestApp, campaign: Uuid, assessment: Uuid) -> (usize, usize) {
    let (skills, validated): (String, Vec<String>) = platform::on_db!(app.db(), pool => {
        let skills: String = sqlx::query_scalar("SELECT skills FROM campaigns WHERE id = $1").bind(campaign).fetch_one(pool).await.unwrap();
        let validated: Vec<String> = sqlx::query_scalar("SELECT skill FROM knowledge_elements WHERE assessment_id = $1 AND status = 'validated'")
            .bind(assessment).fetch_all(pool).await.unwrap();
        (skills, validated)
    });
    let skills: Vec<String> = serde_json::from_str(&skills).unwrap();
    let hit = skills.iter().filter(|s| validated.contains(s)).count();
    (hit, skills.len())
}

async fn assessment_campaign_from_set_up_to_export(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;
    // A single organisation: /orga goes straight to it.
    let r = s.teacher.get(app.url("/orga")).send().await.unwrap();
    assert_eq!(location(&r), format!("/orga/{}/campaigns", s.org));
    let form =
        s.teacher.get(app.url(&format!("/orga/{}/campaigns/new", s.org))).send().await.unwrap().text().await.unwrap();
    assert!(form.contains(&s.profile.to_string()), "the attached profile is offered");
    assert!(!form.contains("value=\"EXAM\""), "exams are not enabled for this organisation");
    let profile = s.profile.to_string();
    let (campaign, code) = create_campaign(
        &app,
        &s,
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
    let list =
        s.teacher.get(app.url(&format!("/orga/{}/campaigns", s.org))).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Rentrée 4e B") && list.contains(&code));

    // A visitor sees the landing page and is asked to sign in, coming back afterwards.
    let visitor = new_client();
    let landing = visitor.get(app.url(&format!("/campagnes/{code}"))).send().await.unwrap();
    assert_eq!(landing.status(), StatusCode::OK);
    let html = landing.text().await.unwrap();
    assert!(html.contains("Bienvenue en 4e B") && html.contains("Collège Jean Moulin"));
    assert!(html.contains(&format!("/signup?next=/campagnes/{code}")), "sign-up keeps the way back");
    let signup =
        visitor.get(app.url(&format!("/signup?next=/campagnes/{code}"))).send().await.unwrap().text().await.unwrap();
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
    let learner = app.login_as("lea@example.org").await;

    // Codes are looked up case-insensitively from the entry form.
    let r = learner.get(app.url(&format!("/campagnes?code={}", code.to_lowercase()))).send().await.unwrap();
    assert_eq!(location(&r), format!("/campagnes/{code}"));
    let r = learner.get(app.url("/campagnes?code=NOPE00000")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("id=\"code-error\""), "the unknown code is explained");
    // Consent and the identifier are required.
    let r = app.post_form(&learner, &format!("/campagnes/{code}/start"), &[("external_id", "A12")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post_form(&learner, &format!("/campagnes/{code}/start"), &[("consent", "yes")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let to = join(&app, &learner, &code, "A12").await;
    let assessment = assessment_in(&to);
    // Starting again resumes the same test.
    assert_eq!(join(&app, &learner, &code, "A12").await, to);
    let first = current_challenge(&app, assessment).await.expect("a first question");
    let page = learner.get(app.url(&to)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("value=\"{first}\"")));
    // Nothing is visible to the organisation before sharing.
    let activity = s
        .teacher
        .get(app.url(&format!("/orga/{}/campaigns/{campaign}", s.org)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(activity.contains("Durand"), "activity lists participants");
    let results: Value = s
        .teacher
        .get(app.url(&format!("/api/organizations/{}/campaigns/{campaign}/results", s.org)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(results, json!([]));

    finish(&app, &learner, assessment).await;
    let r = learner.get(app.url(&to)).send().await.unwrap();
    assert_eq!(location(&r), format!("/campagnes/{code}/resultats"));
    let (hit, targeted) = mastery_in_db(&app, campaign, assessment).await;
    assert!(targeted > 0 && hit > 0 && hit < targeted, "succeeding up to level 3 masters part of the profile");
    let percent = (hit * 100 + targeted / 2) / targeted;
    let end = learner.get(app.url(&format!("/campagnes/{code}/resultats"))).send().await.unwrap().text().await.unwrap();
    assert!(end.contains(&format!("value=\"{percent}\"")), "the mastery meter shows {percent} %");
    assert!(end.contains(&format!("{hit} / {targeted}")));
    // Sharing twice is harmless.
    let r = app.post_form(&learner, &format!("/campagnes/{code}/partager"), &[]).await;
    assert_eq!(location(&r), format!("/campagnes/{code}/resultats?shared=1"));
    let r = app.post_form(&learner, &format!("/campagnes/{code}/partager"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let courses = learner.get(app.url("/mes-parcours")).send().await.unwrap().text().await.unwrap();
    assert!(courses.contains("Évaluation de rentrée"));

    // The organisation now sees the shared result, with the same mastery.
    let results: Value = s
        .teacher
        .get(app.url(&format!("/api/organizations/{}/campaigns/{campaign}/results", s.org)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let detail = s
        .teacher
        .get(app.url(&format!("/orga/{}/campaigns/{campaign}/participants/{participation}", s.org)))
        .send()
        .await
        .unwrap();
    assert_eq!(detail.status(), StatusCode::OK);
    let analysis =
        s.teacher.get(app.url(&format!("/orga/{}/campaigns/{campaign}/analysis", s.org))).send().await.unwrap();
    assert_eq!(analysis.status(), StatusCode::OK);
    let analysis = analysis.text().await.unwrap();
    assert_eq!(analysis.matches("<meter").count(), tubes_of(&app, "1.1").len(), "one recommendation per tube");
    assert!(analysis.contains("Niveaux par compétence") && analysis.contains("1.1 "), "levels per competence");

    // The CSV export: BOM, `;`, French headers, one line per participant.
    let r = s.teacher.get(app.url(&format!("/orga/{}/campaigns/{campaign}/export.csv", s.org))).send().await.unwrap();
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
    let col = |name: &str| head.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name} in {head:?}"));
    assert_eq!(line[col("Nom de l'organisation")], "Collège Jean Moulin");
    assert_eq!(line[col("Code")], code);
    assert_eq!(line[col("Nom du Participant")], "Durand");
    assert_eq!(line[col("Prénom du Participant")], "Léa");
    assert_eq!(line[col("Numéro élève")], "A12");
    assert_eq!(line[col("Partage (O/N)")], "Oui");
    assert_eq!(line[col("Palier obtenu (/1)")], expected_stage.to_string());
    assert_eq!(line[col("Chercheur obtenu (O/N)")], if badge_won { "Oui" } else { "Non" });
    let mastery: f64 = line[col("% maitrise de l'ensemble des acquis du profil")].replace(',', ".").parse().unwrap();
    assert!((mastery - rate).abs() < 0.01, "{mastery} vs {rate}");
    let english = s
        .teacher
        .get(app.url(&format!("/orga/{}/campaigns/{campaign}/export.csv?lang=en", s.org)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("Participant's last name"));

    // Knowledge from a campaign test counts in the learner's profile.
    let profile: Value = learner.get(app.url("/api/profile")).send().await.unwrap().json().await.unwrap();
    let c11 = profile["competences"].as_array().unwrap().iter().find(|c| c["code"] == "1.1").unwrap();
    assert!(c11["pix"].as_u64().unwrap() > 0, "{c11}");

    // Archiving closes the campaign to newcomers.
    let r = app.post_form(&s.teacher, &format!("/orga/{}/campaigns/{campaign}/archive", s.org), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (late, _) = app.learner("late@example.org").await;
    let r =
        app.post_form(&late, &format!("/campagnes/{code}/start"), &[("consent", "yes"), ("external_id", "B1")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let archived = s
        .teacher
        .get(app.url(&format!("/orga/{}/campaigns?archived=1", s.org)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(archived.contains("Rentrée 4e B"));

    // Deleting a participation removes it from the results.
    let r = app
        .post_form(
            &s.teacher,
            &format!("/orga/{}/campaigns/{campaign}/participants/{participation}/delete", s.org),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let results: Value = s
        .teacher
        .get(app.url(&format!("/api/organizations/{}/campaigns/{campaign}/results", s.org)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(results, json!([]));
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
    platform::on_db!(app.db(), pool => {
        sqlx::query("UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = 'known@example.org') WHERE email = 'orga-admin@demo.example'")
            .execute(pool).await.unwrap();
    });
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
    let list: Value =
        admin.get(app.url(&format!("/api/organizations/{org}/campaigns"))).send().await.unwrap().json().await.unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
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
    // Nobody can log in as a demo participant.
    let r = app
        .post_form(&new_client(), "/login", &[("identifier", "participant01@demo.example"), ("password", "!")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// The id and token of the latest invitation mailed to an address.
pub(crate) async fn invitation_link(app: &TestApp, email: &str) -> (Uuid, String) {
    let mail = app.mails_to(email).await.pop().unwrap_or_else(|| panic!("a mail to {email}"));
    let joined = mail.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let start = joined.find("/invitations/").expect("an invitation link") + "/invitations/".len();
    let id = Uuid::parse_str(&joined[start..start + 36]).unwrap();
    let token = crate::support::token_in(&mail, &format!("/invitations/{id}"));
    (id, token)
}

async fn role_of(app: &TestApp, org: Uuid, email: &str) -> Option<String> {
    let user = app.user_id(email).await;
    let space = platform::identity::model::Space::Organization(org);
    platform::identity::membership::store::member_role(app.db(), space, user).await.unwrap()
}

async fn members_invite_accept_and_manage_roles(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;
    let members = format!("/orga/{}/members", s.org);
    let page = s.teacher.get(app.url(&members)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Prof") && page.contains("Inviter un membre"));
    // Inviting someone who is already a member is refused.
    let r = app
        .post_form(
            &s.teacher,
            &format!("/orga/{}/invitations", s.org),
            &[("email", "teacher@example.org"), ("role", "MEMBER")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            &s.teacher,
            &format!("/orga/{}/invitations", s.org),
            &[("email", "New@Example.org"), ("role", "MEMBER")],
        )
        .await;
    assert_eq!(location(&r), format!("{members}?done=invited"));
    let (id, token) = invitation_link(&app, "new@example.org").await;
    // A wrong token, or none, shows nothing of the organisation.
    let visitor = new_client();
    for bad in ["", "0000", &"f".repeat(64)] {
        let r = visitor.get(app.url(&format!("/invitations/{id}?token={bad}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(!r.text().await.unwrap().contains("Jean Moulin"));
    }
    let link = format!("/invitations/{id}?token={token}");
    let r = visitor.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Collège Jean Moulin"));
    assert!(
        html.contains(&format!("/login?next={}", platform::web::layout::encode_path(&link))),
        "log in and come back"
    );
    // The invited person signs up, logs in, comes back and accepts.
    app.sign_up_named("new@example.org", "Nora", "Nouvelle").await;
    let nora = app.login_as("new@example.org").await;
    let r = app.post_form(&nora, &format!("/invitations/{id}/accept"), &[("token", "wrong")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app.post_form(&nora, &format!("/invitations/{id}/accept"), &[("token", &token)]).await;
    assert_eq!(location(&r), format!("/orga/{}/campaigns", s.org));
    assert_eq!(role_of(&app, s.org, "new@example.org").await.as_deref(), Some("MEMBER"));
    assert_eq!(nora.get(app.url(&format!("/orga/{}/campaigns", s.org))).send().await.unwrap().status(), StatusCode::OK);
    // Single use.
    let r = app.post_form(&nora, &format!("/invitations/{id}/accept"), &[("token", &token)]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A MEMBER sees the members, without the ADMIN's forms, and cannot change anything.
    let page = nora.get(app.url(&members)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Nouvelle") && !page.contains("Inviter un membre"));
    let teacher_id = app.user_id("teacher@example.org").await;
    let nora_id = app.user_id("new@example.org").await;
    for (path, fields) in [
        (format!("/orga/{}/invitations", s.org), vec![("email", "x@example.org"), ("role", "MEMBER")]),
        (format!("{members}/{teacher_id}/role"), vec![("role", "MEMBER")]),
        (format!("{members}/{teacher_id}/remove"), vec![]),
    ] {
        assert_eq!(app.post_form(&nora, &path, &fields).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // The last ADMIN cannot step down or leave; once Nora is ADMIN too, the teacher can.
    let r = app.post_form(&s.teacher, &format!("{members}/{teacher_id}/role"), &[("role", "MEMBER")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = app.post_form(&s.teacher, &format!("{members}/{teacher_id}/remove"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = app.post_form(&s.teacher, &format!("{members}/{nora_id}/role"), &[("role", "ADMIN")]).await;
    assert_eq!(location(&r), format!("{members}?done=role"));
    let r = app.post_form(&s.teacher, &format!("{members}/{teacher_id}/role"), &[("role", "MEMBER")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(role_of(&app, s.org, "teacher@example.org").await.as_deref(), Some("MEMBER"));
    // Nora removes the teacher, who loses access at once.
    let r = app.post_form(&nora, &format!("{members}/{teacher_id}/remove"), &[]).await;
    assert_eq!(location(&r), format!("{members}?done=removed"));
    assert_eq!(s.teacher.get(app.url(&members)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let audit = app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('organization.invite', 'organization.join', 'organization.role', 'organization.remove')").await;
    assert_eq!(audit, 5, "invite, join, two role changes, removal");

    // The first member of an organisation becomes its ADMIN, whatever the invitation said.
    let empty = create_organization(&app, &s.admin, "Mairie", "PRO", &[]).await;
    let r = app
        .post_form(
            &s.admin,
            &format!("/admin/organizations/{empty}/members"),
            &[("email", "first@example.org"), ("role", "MEMBER")],
        )
        .await;
    assert_eq!(location(&r), format!("/admin/organizations/{empty}?invited=1"), "no account yet: invited");
    let (id, token) = invitation_link(&app, "first@example.org").await;
    let (first, _) = app.learner("first@example.org").await;
    app.post_form(&first, &format!("/invitations/{id}/accept"), &[("token", &token)]).await;
    assert_eq!(role_of(&app, empty, "first@example.org").await.as_deref(), Some("ADMIN"));
}

async fn invitation_links_expire_and_die_when_resent_or_cancelled(backend: crate::support::Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), true, |_| {}).await;
    let clock = app.clock.clone().unwrap();
    let s = set_up(&app, &[]).await;
    let invite = format!("/orga/{}/invitations", s.org);
    app.post_form(&s.teacher, &invite, &[("email", "a@example.org"), ("role", "MEMBER")]).await;
    let (id, first_token) = invitation_link(&app, "a@example.org").await;
    let r = app.post_form(&s.teacher, &format!("{invite}/{id}/resend"), &[]).await;
    assert_eq!(location(&r), format!("/orga/{}/members?done=resent", s.org));
    let (same, token) = invitation_link(&app, "a@example.org").await;
    assert_eq!(same, id, "the same invitation");
    assert_ne!(token, first_token);
    let visitor = new_client();
    let status = |t: String| {
        let url = app.url(&format!("/invitations/{id}?token={t}"));
        let v = visitor.clone();
        async move { v.get(url).send().await.unwrap().status() }
    };
    assert_eq!(status(first_token).await, StatusCode::NOT_FOUND, "the old link died");
    assert_eq!(status(token.clone()).await, StatusCode::OK);
    // Seven days later the link has expired.
    clock.advance(time::Duration::days(7) + time::Duration::minutes(1));
    assert_eq!(status(token.clone()).await, StatusCode::NOT_FOUND);
    let (late, _) = app.learner("a@example.org").await;
    let r = app.post_form(&late, &format!("/invitations/{id}/accept"), &[("token", &token)]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Sessions end 12 hours after login: log in again, resend, then cancel.
    let teacher = app.login_as("teacher@example.org").await;
    app.post_form(&teacher, &format!("{invite}/{id}/resend"), &[]).await;
    let (_, fresh) = invitation_link(&app, "a@example.org").await;
    assert_eq!(status(fresh.clone()).await, StatusCode::OK, "a resent invitation gets 7 more days");
    let r = app.post_form(&teacher, &format!("{invite}/{id}/cancel"), &[]).await;
    assert_eq!(location(&r), format!("/orga/{}/members?done=cancelled", s.org));
    assert_eq!(status(fresh.clone()).await, StatusCode::NOT_FOUND);
    let r = app.post_form(&late, &format!("/invitations/{id}/accept"), &[("token", &fresh)]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(role_of(&app, s.org, "a@example.org").await, None);
    // Cancelling twice, or an invitation of another organisation, is not found.
    assert_eq!(app.post_form(&teacher, &format!("{invite}/{id}/cancel"), &[]).await.status(), StatusCode::NOT_FOUND);
}

async fn members_api(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;
    let base = format!("/api/organizations/{}", s.org);
    let r = app.send_json(&s.teacher, Method::POST, &format!("{base}/invitations"), &json!({ "email": "nope" })).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .send_json(
            &s.teacher,
            Method::POST,
            &format!("{base}/invitations"),
            &json!({ "email": "api@example.org", "role": "BOSS" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .send_json(&s.teacher, Method::POST, &format!("{base}/invitations"), &json!({ "email": "api@example.org" }))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let invitation: Value = r.json().await.unwrap();
    assert_eq!(invitation["role"], "MEMBER");
    let list: Value =
        s.teacher.get(app.url(&format!("{base}/invitations"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (id, token) = invitation_link(&app, "api@example.org").await;
    assert_eq!(invitation["id"], id.to_string());
    let (api_user, _) = app.learner("api@example.org").await;
    let r = app
        .send_json(&api_user, Method::POST, &format!("/api/invitations/{id}/accept"), &json!({ "token": "bad" }))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .send_json(&api_user, Method::POST, &format!("/api/invitations/{id}/accept"), &json!({ "token": token }))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let joined: Value = r.json().await.unwrap();
    assert_eq!(joined["organization_id"], s.org.to_string());
    assert_eq!(joined["role"], "MEMBER");
    let members: Value = api_user.get(app.url(&format!("{base}/members"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(members.as_array().unwrap().len(), 2);
    // A MEMBER cannot list invitations; the last ADMIN cannot go.
    assert_eq!(
        api_user.get(app.url(&format!("{base}/invitations"))).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let teacher_id = app.user_id("teacher@example.org").await;
    let r = app.send_json(&s.teacher, Method::DELETE, &format!("{base}/members/{teacher_id}"), &json!({})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let api_id = app.user_id("api@example.org").await;
    let r = app
        .send_json(&s.teacher, Method::PATCH, &format!("{base}/members/{api_id}"), &json!({ "role": "ADMIN" }))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app.send_json(&s.teacher, Method::DELETE, &format!("{base}/members/{teacher_id}"), &json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "leaving once another ADMIN exists");
    // Outsiders: 404; a stranger's invitation cannot be cancelled.
    let (outsider, _) = app.learner("out@example.org").await;
    assert_eq!(outsider.get(app.url(&format!("{base}/members"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let r =
        app.send_json(&api_user, Method::DELETE, &format!("{base}/invitations/{}", Uuid::now_v7()), &json!({})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

const SCO_HEADER: &str = "Identifiant unique*;Premier prénom*;Deuxième prénom;Troisième prénom;Nom de famille*;Nom d'usage;Code sexe*;Date de naissance (jj/mm/aaaa)*;Code commune naissance**;Libellé commune naissance**;Code département naissance*;Code pays naissance*;Statut*;Code MEF*;Division*";

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

pub(crate) async fn upload(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
    file: &[u8],
) -> reqwest::Response {
    let token = app.csrf(client).await;
    let boundary = "----pix-test-boundary-7c1e";
    let mut body = Vec::new();
    for (k, v) in fields.iter().copied().chain([("csrf_token", token.as_str())]) {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"eleves.csv\"\r\nContent-Type: text/csv\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    client
        .post(app.url(path))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn listed(app: &TestApp, org: Uuid) -> Vec<(String, Option<String>, bool)> {
    platform::on_db!(app.db(), pool => {
        sqlx::query_as::<_, (String, Option<String>, bool)>(
            "SELECT last_name, division, deleted_at IS NULL FROM organization_learners WHERE organization_id = $1 ORDER BY last_name",
        )
        .bind(org)
        .fetch_all(pool)
        .await
        .unwrap()
    })
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
        page.contains("Liste importée : 3 ajouté(s)") && page.contains("Léa") && page.contains("28/02/2012"),
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
