//! Combined courses, the reference's done test: a course [campaign C, module M1, module M2] deployed
//! from a blueprint; before C is shared M1 is locked; once shared M1 opens and M2 stays locked;
//! terminating M1 and M2 completes the course, grants its attestation once, and the organisation's
//! statistics say 1 participation, 1 completed. Also: the back office's blueprint form and CSV
//! deployment (checked whole before anything is created), codes shared with campaigns, and the
//! placeholder for the modules a campaign may recommend.

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Setup, assessment_in, id_at_end, join, location, set_up, upload};
use crate::{
    dual,
    evaluation::finish,
    support::{TestApp, new_client},
};

dual!(a_course_unlocks_step_by_step_and_completes, the_back_office_deploys_from_a_file_checked_whole);

async fn define_blueprint(app: &TestApp, s: &Setup, name: &str, items: &str) -> Uuid {
    let r = app
        .post_form(
            &s.admin,
            "/admin/parcours/schemas",
            &[("name", name), ("description", "Trois étapes."), ("attestation", "PARCOURS"), ("items", items)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "blueprint saved: {}", r.text().await.unwrap_or_default());
    platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT id FROM course_blueprints WHERE name = $1").bind(name).fetch_one(pool).await.unwrap()
    })
}

async fn attestation(app: &TestApp, s: &Setup) {
    let fields = [("key", "PARCOURS"), ("label", "Attestation de parcours"), ("body", "{name}, le {date}.")];
    assert_eq!(app.post_form(&s.admin, "/admin/attestations", &fields).await.status(), StatusCode::SEE_OTHER);
}

async fn course_json(app: &TestApp, client: &Client, code: &str) -> Value {
    let r = client.get(app.url(&format!("/api/combined-courses/{code}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

fn locks(course: &Value) -> Vec<(String, bool, bool)> {
    course["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["type"].as_str().unwrap().to_owned(),
                i["is_completed"].as_bool().unwrap(),
                i["is_locked"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn step(kind: &str, completed: bool, locked: bool) -> (String, bool, bool) {
    (kind.to_owned(), completed, locked)
}

async fn terminate_module(app: &TestApp, client: &Client, short_id: &str) {
    let r = app.send_json(client, Method::POST, "/api/passages", &json!({ "short_id": short_id })).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let passage: Value = r.json().await.unwrap();
    let id = passage["id"].as_str().unwrap();
    let r = app.send_json(client, Method::POST, &format!("/api/passages/{id}/terminate"), &json!({})).await;
    assert!(r.status().is_success(), "{short_id} terminated");
}

async fn a_course_unlocks_step_by_step_and_completes(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;
    attestation(&app, &s).await;

    // The blueprint form says what is wrong.
    for (items, why) in [
        ("", "items: 1 to"),
        ("campaign nope", "line 1: a target profile id"),
        ("module nothere", "no module has the short id nothere"),
        (&format!("campaign {}", Uuid::nil()) as &str, "no target profile has the id"),
        ("quiz 3", "line 1:"),
    ] {
        let r = app
            .post_form(&s.admin, "/admin/parcours/schemas", &[("name", "X"), ("description", ""), ("items", items)])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{items}");
        assert!(r.text().await.unwrap().contains(why), "{why}");
    }
    let blueprint =
        define_blueprint(&app, &s, "Sixième", &format!("campaign {}\nmodule donperso\nmodule mdpsolid", s.profile))
            .await;

    // The school deploys it: a campaign of its own, and a code.
    let orga = s.teacher.get(app.url(&format!("/orga/{}/parcours", s.org))).send().await.unwrap().text().await.unwrap();
    assert!(orga.contains("Sixième") && orga.contains(&blueprint.to_string()), "the blueprint is offered");
    let bad = app.post_form(&s.teacher, &format!("/orga/{}/parcours", s.org), &[("blueprint", "x")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r =
        app.post_form(&s.teacher, &format!("/orga/{}/parcours", s.org), &[("blueprint", &blueprint.to_string())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let course = id_at_end(&r);
    let code: String = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT code FROM combined_courses WHERE id = $1").bind(course).fetch_one(pool).await.unwrap()
    });
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM campaigns").await, 1, "its campaign");

    // The code names the course, wherever codes are typed.
    let verified: Value = new_client()
        .get(app.url(&format!("/api/verified-codes/{}", code.to_lowercase())))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verified, json!({ "code": code, "type": "combined-course", "href": format!("/parcours/{code}") }));
    let r = new_client().get(app.url(&format!("/campagnes?code={code}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/parcours/{code}"));
    let campaign_code: String = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT code FROM campaigns").fetch_one(pool).await.unwrap()
    });
    let verified: Value = new_client()
        .get(app.url(&format!("/api/verified-codes/{campaign_code}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verified["type"], "campaign");
    assert_eq!(
        new_client().get(app.url("/api/verified-codes/ZZZZZZ999")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // Léa starts: the campaign is open, the modules locked.
    let (lea, lea_id) = app.learner("lea@example.org").await;
    let page = lea.get(app.url(&format!("/parcours/{code}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Commencer le parcours"), "{page}");
    let started: Value = app
        .send_json(&lea, Method::PUT, &format!("/api/combined-courses/{code}/start"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(started["status"], "STARTED");
    assert_eq!(
        locks(&started),
        [step("campaign", false, false), step("module", false, true), step("module", false, true)]
    );
    assert_eq!(started["items"][0]["reference"], campaign_code.as_str());

    // She takes the campaign: until she shares her results, M1 stays locked.
    let assessment = assessment_in(&join(&app, &lea, &campaign_code, "").await);
    finish(&app, &lea, assessment).await;
    let before = course_json(&app, &lea, &code).await;
    assert_eq!(
        locks(&before),
        [step("campaign", false, false), step("module", false, true), step("module", false, true)]
    );
    let r = app.post_form(&lea, &format!("/campagnes/{campaign_code}/partager"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let shared = course_json(&app, &lea, &code).await;
    assert_eq!(
        locks(&shared),
        [step("campaign", true, false), step("module", false, false), step("module", false, true)]
    );

    let orga_course = format!("/orga/{}/parcours/{course}", s.org);
    let stats = s.teacher.get(app.url(&orga_course)).send().await.unwrap().text().await.unwrap();
    assert!(stats.contains("1/1 campagne, 0/2 modules"), "{stats}");

    // M2 first does not open anything; M1 then M2 complete the course.
    terminate_module(&app, &lea, "mdpsolid").await;
    let skipped = course_json(&app, &lea, &code).await;
    assert_eq!(locks(&skipped)[2], step("module", true, true), "done, yet behind an unfinished step");
    assert_eq!(skipped["status"], "STARTED");
    let stats = s.teacher.get(app.url(&orga_course)).send().await.unwrap().text().await.unwrap();
    assert!(stats.contains("1/1 campagne, 1/2 modules") && stats.contains("En cours"), "{stats}");
    terminate_module(&app, &lea, "donperso").await;
    let done = course_json(&app, &lea, &code).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(done["attestation"], "PARCOURS");
    assert_eq!(done["attestation_obtained"], true);
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM profile_rewards").await, 1, "granted once");
    course_json(&app, &lea, &code).await;
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM profile_rewards").await, 1, "and only once");
    let mine = lea.get(app.url("/mes-parcours")).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("Sixième") && mine.contains("Parcours terminé."), "{mine}");

    // The school: 1 participation, 1 completed, her progress and attestation.
    let stats = s.teacher.get(app.url(&orga_course)).send().await.unwrap().text().await.unwrap();
    assert!(
        stats.contains(r#"id="course-participants">1<"#) && stats.contains(r#"id="course-completed">1<"#),
        "{stats}"
    );
    assert!(stats.contains("1/1 campagne, 2/2 modules") && stats.contains("Obtenue"), "{stats}");
    let list: Value = s
        .teacher
        .get(app.url(&format!("/api/organizations/{}/combined-courses", s.org)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["participations"], 1);
    assert_eq!(list[0]["completed"], 1);
    assert_eq!(lea.get(app.url(&orga_course)).send().await.unwrap().status(), StatusCode::NOT_FOUND, "not a member");
    let features = format!("/admin/organizations/{}/features", s.org);
    assert_eq!(app.post_form(&s.admin, &features, &[("attestations", "yes")]).await.status(), StatusCode::SEE_OTHER);
    let attestations =
        s.teacher.get(app.url(&format!("/orga/{}/attestations", s.org))).send().await.unwrap().text().await.unwrap();
    assert!(attestations.contains("Attestation de parcours"), "shared with the school");

    // A module a campaign may recommend waits behind one placeholder, then goes when not recommended.
    let training =
        super::trainings::create_training(&app, &s, "Chercher sur le web", "modulix", "chrchweb", &["fr"]).await;
    super::trainings::attach(&app, &s, training).await;
    let second =
        define_blueprint(&app, &s, "Recherche", &format!("campaign {}\nmodule chrchweb\nmodule donperso", s.profile))
            .await;
    let r =
        app.post_form(&s.teacher, &format!("/orga/{}/parcours", s.org), &[("blueprint", &second.to_string())]).await;
    let other = id_at_end(&r);
    let other_code: String = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT code FROM combined_courses WHERE id = $1").bind(other).fetch_one(pool).await.unwrap()
    });
    let (tom, _) = app.learner("tom@example.org").await;
    let placeholder: Value = app
        .send_json(&tom, Method::PUT, &format!("/api/combined-courses/{other_code}/start"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        locks(&placeholder),
        [step("campaign", false, false), step("formation", false, true), step("module", false, true)]
    );

    // Export and erasure cover participations.
    let export: Value = lea.get(app.url("/account/export")).send().await.unwrap().json().await.unwrap();
    assert_eq!(export["combined_courses"][0]["status"], "COMPLETED", "{export}");
    let r = app.post_form(&lea, "/account/delete", &[("delete_password", crate::support::PASSWORD)]).await;
    assert!(r.status().is_redirection());
    let left: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM combined_course_participations WHERE user_id = $1").bind(lea_id).fetch_one(pool).await.unwrap()
    });
    assert_eq!(left, 0);
}

async fn the_back_office_deploys_from_a_file_checked_whole(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;
    attestation(&app, &s).await;
    let blueprint = define_blueprint(&app, &s, "Sixième", &format!("campaign {}\nmodule donperso", s.profile)).await;
    let (_, creator) = app.learner("creator@example.org").await;
    let header =
        "Identifiant des organisations*;Identifiant du schéma de parcours*;Identifiant du createur des campagnes*";

    // One wrong line (an unknown organisation): nothing is created, and the line is named.
    let file = format!("{header}\n{};{blueprint};{creator}\n{};{blueprint};{creator}\n", s.org, Uuid::nil());
    let r = upload(&app, &s.admin, "/admin/parcours/deploiements", &[], file.as_bytes()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("line 3: no organisation has the id"));
    let r = upload(&app, &s.admin, "/admin/parcours/deploiements", &[], b"a;b\n1;2\n").await;
    assert!(r.text().await.unwrap().contains("header: expected"));
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM combined_courses").await, 0);
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM campaigns").await, 0);

    // A business agent writes blueprints but does not deploy.
    let (metier, _) = app.admin("metier@example.org", "METIER").await;
    let ok = format!("{header}\n{};{blueprint};{creator}\n", s.org);
    let r = upload(&app, &metier, "/admin/parcours/deploiements", &[], ok.as_bytes()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = upload(&app, &s.admin, "/admin/parcours/deploiements", &[], ok.as_bytes()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let code: String = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT code FROM combined_courses").fetch_one(pool).await.unwrap()
    });
    assert!(page.contains(&code), "the report gives the code");
    let owner: Option<Uuid> = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT owner_id FROM campaigns").fetch_one(pool).await.unwrap()
    });
    assert_eq!(owner, Some(creator), "the campaign belongs to the creator named in the file");
    assert_eq!(
        app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action IN ('course_blueprint.create', 'combined_course.deploy')").await,
        2
    );
}
