//! Quests and attestations, the reference's done test: a quest for the learners of a school who
//! took a campaign on one target profile, succeeded at 50 % of capped mastery, rewards one
//! attestation, once, even when evaluated twice at the same time; its holder downloads it, nobody
//! else can, and the school sees it shared.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{assessment_in, create_campaign, join, set_up, tubes_of};
use crate::{
    dual,
    evaluation::{answer_fields, current_challenge, finish, post_answer},
    support::TestApp,
};

dual!(a_quest_rewards_one_attestation_once, concurrent_evaluations_grant_one_reward);

/// The quest of the done test, on the profile's first tube capped at 2.
fn quest_json(app: &TestApp, profile: Uuid, key: &str) -> String {
    let tube = tubes_of(app, "1.1")[0].clone();
    json!({
        "rewardType": "attestations",
        "rewardId": key,
        "eligibilityRequirements": [
            { "requirement_type": "organization", "comparison": "all", "data": { "type": { "data": "SCO", "comparison": "equal" } } },
            { "requirement_type": "campaignParticipations", "comparison": "all",
              "data": { "targetProfileId": { "data": [profile.to_string()], "comparison": "one-of" } } },
        ],
        "successRequirements": [
            { "requirement_type": "cappedTubes", "data": { "cappedTubes": [{ "tubeId": tube, "level": 2 }], "threshold": 50 } },
        ],
    })
    .to_string()
}

async fn define(app: &TestApp, admin: &reqwest::Client, profile: Uuid) {
    let r = app
        .post_form(
            admin,
            "/admin/attestations",
            &[
                ("key", "sixth_grade"),
                ("label", "Attestation de sixième"),
                ("body", "{name} a réussi le parcours le {date}."),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "attestation saved");
    let r = app.post_form(admin, "/admin/quests", &[("configuration", &quest_json(app, profile, "SIXTH_GRADE"))]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "quest saved: {}", r.text().await.unwrap_or_default());
}

async fn rewards(app: &TestApp, user: Uuid) -> i64 {
    platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM profile_rewards WHERE user_id = $1").bind(user).fetch_one(pool).await.unwrap()
    })
}

async fn a_quest_rewards_one_attestation_once(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;

    // The back office refuses what it cannot evaluate, and says why.
    let refused = [
        ("{", "JSON"),
        (
            r#"{"rewardType": "badges", "rewardId": "X", "eligibilityRequirements": [], "successRequirements": []}"#,
            "rewardType",
        ),
        (&quest_json(&app, s.profile, "NOPE") as &str, "no attestation has the key NOPE"),
    ];
    for (config, why) in refused {
        let r = app.post_form(&s.admin, "/admin/quests", &[("configuration", config)]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{config}");
        assert!(r.text().await.unwrap().contains(why), "{why}");
    }
    let r = app.post_form(&s.admin, "/admin/attestations", &[("key", "bad key!"), ("label", ""), ("body", "x")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    define(&app, &s.admin, s.profile).await;
    let unknown_tube = quest_json(&app, s.profile, "SIXTH_GRADE").replace(&tubes_of(&app, "1.1")[0], "@nowhere");
    let r = app.post_form(&s.admin, "/admin/quests", &[("configuration", &unknown_tube)]).await;
    assert!(r.text().await.unwrap().contains("@nowhere"), "an unknown tube is named");
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM quests").await, 1);

    let profile = s.profile.to_string();
    let (_, code) = create_campaign(
        &app,
        &s,
        &[("name", "Sixième"), ("title", "Sixième"), ("kind", "ASSESSMENT"), ("target_profile", &profile)],
    )
    .await;

    // A learner who answers every question wrong is eligible but never succeeds.
    let (weak, weak_id) = app.learner("weak@example.org").await;
    let assessment = assessment_in(&join(&app, &weak, &code, "").await);
    while let Some(challenge) = current_challenge(&app, assessment).await {
        post_answer(&app, &weak, assessment, &answer_fields(&app, &challenge, false)).await;
    }
    let page = weak.get(app.url("/mes-attestations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("pas encore d&#39;attestation"), "{page}");
    assert_eq!(rewards(&app, weak_id).await, 0);
    // Her end page says where the attestation stands (being computed while her last answer is).
    let end = weak.get(app.url(&format!("/campagnes/{code}/resultats"))).send().await.unwrap().text().await.unwrap();
    assert!(end.contains("Attestation de sixième"), "{end}");
    assert!(end.contains("non obtenue") || end.contains("en cours de calcul"), "{end}");
    assert!(!end.contains("/mes-attestations/SIXTH_GRADE"));

    // Léa answers right up to level 3: past 50 % on the capped tube, one reward.
    let (lea, lea_id) = app.learner("lea@example.org").await;
    let mine: Value = lea.get(app.url("/api/me/attestations")).send().await.unwrap().json().await.unwrap();
    assert_eq!(mine, json!([]), "nothing before the campaign");
    let assessment = assessment_in(&join(&app, &lea, &code, "").await);
    finish(&app, &lea, assessment).await;
    // Answers grant it in the background; a look at the attestations evaluates too.
    let mut waited = 0;
    while rewards(&app, lea_id).await == 0 && waited < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(rewards(&app, lea_id).await, 1, "granted after her answers");
    let mine: Value = lea.get(app.url("/api/me/attestations")).send().await.unwrap().json().await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["key"], "SIXTH_GRADE");
    assert_eq!(mine[0]["label"], "Attestation de sixième");
    assert_eq!(rewards(&app, lea_id).await, 1, "evaluating again keeps one");
    let end = lea.get(app.url(&format!("/campagnes/{code}/resultats"))).send().await.unwrap().text().await.unwrap();
    assert!(end.contains("<strong>Attestation de sixième</strong> : obtenue"), "{end}");
    assert!(end.contains(r#"href="/mes-attestations/SIXTH_GRADE""#), "{end}");

    // Her school sees it shared through her participation.
    let shared: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM shared_profile_rewards s JOIN profile_rewards r ON r.id = s.reward_id WHERE r.user_id = $1 AND s.organization_id = $2")
            .bind(lea_id).bind(s.org).fetch_one(pool).await.unwrap()
    });
    assert_eq!(shared, 1);

    // The document: for her only.
    let page = lea.get(app.url("/mes-attestations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Attestation de sixième") && page.contains("/mes-attestations/SIXTH_GRADE"), "{page}");
    let pdf = lea.get(app.url("/mes-attestations/SIXTH_GRADE")).send().await.unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(pdf.headers()["cache-control"], "private, no-store");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    assert_eq!(lea.get(app.url("/api/me/attestations/SIXTH_GRADE")).send().await.unwrap().status(), StatusCode::OK);
    for path in ["/mes-attestations/SIXTH_GRADE", "/api/me/attestations/SIXTH_GRADE"] {
        assert_eq!(weak.get(app.url(path)).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(lea.get(app.url("/mes-attestations/OTHER")).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // The school lists it once Léa shared her results, by class, and downloads it, alone or with
    // the class; nobody else can.
    let orga = format!("/orga/{}/attestations", s.org);
    let listed = s.teacher.get(app.url(&orga)).send().await.unwrap().text().await.unwrap();
    assert!(!listed.contains("Attestation de sixième"), "not before she shares");
    let r = app.post_form(&lea, &format!("/campagnes/{code}/partager"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The tab is a feature the back office enables: until then it says so and lists nothing.
    let listed = s.teacher.get(app.url(&orga)).send().await.unwrap().text().await.unwrap();
    assert!(listed.contains("pas activée") && !listed.contains("Attestation de sixième"), "{listed}");
    let features = format!("/admin/organizations/{}/features", s.org);
    let r = app.post_form(&s.admin, &features, &[("attestations", "yes")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let listed = s.teacher.get(app.url(&orga)).send().await.unwrap().text().await.unwrap();
    assert!(listed.contains("Attestation de sixième"), "{listed}");
    let reward: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT id FROM profile_rewards WHERE user_id = $1").bind(lea_id).fetch_one(pool).await.unwrap()
    });
    let one = s.teacher.get(app.url(&format!("/orga/{}/attestations/{reward}/pdf", s.org))).send().await.unwrap();
    assert_eq!(one.status(), StatusCode::OK);
    assert!(one.bytes().await.unwrap().starts_with(b"%PDF-"));
    let class = s
        .teacher
        .get(app.url(&format!("/orga/{}/attestations/class?key=SIXTH_GRADE&division=", s.org)))
        .send()
        .await
        .unwrap();
    assert_eq!(class.status(), StatusCode::OK, "the pupils without a class");
    let none = s
        .teacher
        .get(app.url(&format!("/orga/{}/attestations/class?key=SIXTH_GRADE&division=6B", s.org)))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::NOT_FOUND, "no attestation in that class");
    // Or one PDF per pupil, in a ZIP.
    let zip = s
        .teacher
        .get(app.url(&format!("/orga/{}/attestations/class.zip?key=SIXTH_GRADE&division=", s.org)))
        .send()
        .await
        .unwrap();
    assert_eq!(zip.status(), StatusCode::OK);
    assert_eq!(zip.headers()["content-type"], "application/zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.bytes().await.unwrap().to_vec())).unwrap();
    assert_eq!(archive.len(), 1, "one pupil");
    let mut first = archive.by_index(0).unwrap();
    let name = first.name().unwrap().into_owned();
    assert!(name.ends_with(".pdf"), "{name}");
    let mut head = [0u8; 5];
    std::io::Read::read_exact(&mut first, &mut head).unwrap();
    assert_eq!(&head, b"%PDF-");
    let stranger = lea.get(app.url(&format!("/orga/{}/attestations", s.org))).send().await.unwrap();
    assert_eq!(stranger.status(), StatusCode::NOT_FOUND, "not a member");
    // Disabled again: the documents go too.
    assert_eq!(app.post_form(&s.admin, &features, &[]).await.status(), StatusCode::SEE_OTHER);
    let gone = s.teacher.get(app.url(&format!("/orga/{}/attestations/{reward}/pdf", s.org))).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.post_form(&s.admin, &features, &[("attestations", "yes")]).await.status(), StatusCode::SEE_OTHER);

    // Deleting the quest keeps what was obtained; export and erasure cover rewards.
    let quest: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT id FROM quests").fetch_one(pool).await.unwrap()
    });
    let r = app.post_form(&s.admin, &format!("/admin/quests/{quest}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(rewards(&app, lea_id).await, 1);
    let export: Value = lea.get(app.url("/account/export")).send().await.unwrap().json().await.unwrap();
    assert_eq!(export["rewards"][0]["key"], "SIXTH_GRADE", "{export}");
    assert_eq!(export["rewards"][0]["shared_with_organizations"], json!([s.org]));
    let r = app.post_form(&lea, "/account/delete", &[("delete_password", crate::support::PASSWORD)]).await;
    assert!(r.status().is_redirection());
    assert_eq!(rewards(&app, lea_id).await, 0);
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action IN ('attestation.save', 'quest.create', 'quest.delete')").await, 3);
}

/// Two evaluations at the same time (two nodes, say) grant one reward: the database's unique key
/// decides, not a read before the write.
async fn concurrent_evaluations_grant_one_reward(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;
    define(&app, &s.admin, s.profile).await;
    let profile = s.profile.to_string();
    let (_, code) = create_campaign(
        &app,
        &s,
        &[("name", "Sixième"), ("title", "Sixième"), ("kind", "ASSESSMENT"), ("target_profile", &profile)],
    )
    .await;
    for n in 0..4 {
        let (learner, user) = app.learner(&format!("pupil{n}@example.org")).await;
        let assessment = assessment_in(&join(&app, &learner, &code, "").await);
        // Answer right without letting the background evaluation win the race: the knowledge is
        // written directly, then two evaluations run together.
        let content = &app.state.content;
        let tube = content.tube_by_name(&tubes_of(&app, "1.1")[0]).unwrap();
        for skill in content.tube(tube).skills.iter().filter(|s| content.skill(**s).level <= 2) {
            let skill = content.skill(*skill);
            platform::on_db!(app.db(), pool => {
                sqlx::query("INSERT INTO knowledge_elements (id, user_id, assessment_id, answer_id, skill, competence_code, source, status, earned_pix, created_at) VALUES ($1, $2, $3, NULL, $4, '1.1', 'direct', 'validated', 1, 1)")
                    .bind(Uuid::now_v7()).bind(user).bind(assessment).bind(&skill.name).execute(pool).await.unwrap();
            });
        }
        let (a, b) = tokio::join!(
            platform::quests::service::reward(&app.state, user),
            platform::quests::service::reward(&app.state, user)
        );
        let granted = a.unwrap().len() + b.unwrap().len();
        assert_eq!(granted, 1, "one of the two evaluations grants it");
        assert_eq!(rewards(&app, user).await, 1);
    }
}
