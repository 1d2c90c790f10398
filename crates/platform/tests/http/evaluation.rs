//! The learner journey: competence tests to the end, answers recorded once, timing and focus,
//! retry and reset delays, results, tutorials, export — on both databases.

use platform::clock::Clock;
use reqwest::{Client, StatusCode, header};
use uuid::Uuid;

use crate::{
    dual,
    support::{Backend, TestApp, new_client},
};

dual!(
    competence_test_to_the_end_with_level_matching_the_engine,
    double_submission_is_recorded_once_and_stale_answers_refused,
    timed_and_focused_challenges,
    retry_and_reset_delays,
    export_covers_learning_data_and_erasure_keeps_it_anonymous,
    api_journey,
    tutorials_can_be_saved,
);

const PASSWORD: &str = "Secret-Pass-2026";

async fn csrf(app: &TestApp, client: &Client) -> String {
    let info: serde_json::Value = client.get(app.url("/api/session")).send().await.unwrap().json().await.unwrap();
    info["csrf_token"].as_str().unwrap().to_owned()
}

async fn learner(app: &TestApp, email: &str) -> (Client, Uuid) {
    let client = new_client();
    let token = csrf(app, &client).await;
    client
        .post(app.url("/signup"))
        .form(&[
            ("first_name", "Lou"),
            ("last_name", "Durand"),
            ("email", email),
            ("password", PASSWORD),
            ("terms", "yes"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    let token = csrf(app, &client).await;
    let r = client
        .post(app.url("/login"))
        .form(&[("identifier", email), ("password", PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/profile");
    let id = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar::<_, Uuid>("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(pool).await.unwrap()
    });
    (client, id)
}

async fn login(app: &TestApp, email: &str) -> Client {
    let client = new_client();
    let token = csrf(app, &client).await;
    let r = client
        .post(app.url("/login"))
        .form(&[("identifier", email), ("password", PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    client
}

async fn start(app: &TestApp, client: &Client, code: &str) -> reqwest::Response {
    let token = csrf(app, client).await;
    client
        .post(app.url(&format!("/competences/{code}/start")))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap()
}

fn assessment_of(r: &reqwest::Response) -> Uuid {
    let location = r.headers()[header::LOCATION].to_str().unwrap();
    Uuid::parse_str(location.trim_start_matches("/assessments/")).unwrap()
}

async fn current_challenge(app: &TestApp, id: Uuid) -> Option<String> {
    platform::on_db!(app.db(), pool => {
        sqlx::query_scalar::<_, Option<String>>("SELECT current_challenge_id FROM assessments WHERE id = $1").bind(id).fetch_one(pool).await.unwrap()
    })
}

/// Form fields answering a challenge correctly (or wrongly).
fn answer_fields(app: &TestApp, challenge_id: &str, correct: bool) -> Vec<(String, String)> {
    use content::{Locale, Proposals, Solution};
    let content = &app.state.content;
    let ch = content.challenge(content.challenge_by_id(challenge_id).unwrap());
    let mut fields = vec![("challenge_id".to_owned(), challenge_id.to_owned())];
    let inputs: Vec<String> = ch.proposals.get(Locale::Fr).inputs().map(|i| i.key.clone()).collect();
    match (ch.solution.get(Locale::Fr), ch.proposals.get(Locale::Fr)) {
        (Solution::Index(i), Proposals::Choices(list)) => {
            let v = if correct { *i } else { (*i % list.len() as u32) + 1 };
            fields.push(("choice".into(), v.to_string()));
        }
        (Solution::Indexes(list), _) if correct => {
            fields.extend(list.iter().map(|i| ("choices".to_owned(), i.to_string())));
        }
        (Solution::Indexes(_), _) => {}
        (Solution::Variants(v), _) => {
            fields.push((format!("input-{}", inputs[0]), if correct { v[0].clone() } else { "zzz-wrong".into() }))
        }
        (Solution::Map(map), _) => {
            for (n, key) in inputs.iter().enumerate() {
                let value = if !correct {
                    "zzz-wrong".to_owned()
                } else if let Some((_, v)) = map.iter().find(|(k, _)| k == key) {
                    v[0].clone()
                } else {
                    map[n].1[0].clone()
                };
                fields.push((format!("input-{key}"), value));
            }
        }
        _ => {}
    }
    fields
}

async fn post_answer(app: &TestApp, client: &Client, id: Uuid, fields: &[(String, String)]) -> reqwest::Response {
    let token = csrf(app, client).await;
    let mut all = fields.to_vec();
    all.push(("csrf_token".into(), token));
    client.post(app.url(&format!("/assessments/{id}/answers"))).form(&all).send().await.unwrap()
}

async fn competence_test_to_the_end_with_level_matching_the_engine(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, user) = learner(&app, "lou@example.org").await;
    let profile = client.get(app.url("/profile")).send().await.unwrap();
    assert_eq!(profile.status(), StatusCode::OK);
    let html = profile.text().await.unwrap();
    assert_eq!(html.matches("competence-card").count(), 16);
    let r = start(&app, &client, "1.1").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = assessment_of(&r);
    // Starting again resumes the same test.
    assert_eq!(assessment_of(&start(&app, &client, "1.1").await), id);
    let content = app.state.content.clone();
    let mut asked = 0;
    while let Some(challenge) = current_challenge(&app, id).await {
        let page = client.get(app.url(&format!("/assessments/{id}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&format!("value=\"{challenge}\"")), "the page shows the current challenge");
        // Succeed up to level 3, fail above: the level must come out as the engine computes it.
        let level = content.skill(content.challenge(content.challenge_by_id(&challenge).unwrap()).skill).level;
        let r = post_answer(&app, &client, id, &answer_fields(&app, &challenge, level <= 3)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        asked += 1;
        assert!(asked < 60, "the test ends");
    }
    let done = client.get(app.url(&format!("/assessments/{id}"))).send().await.unwrap();
    assert_eq!(done.headers()[header::LOCATION], format!("/assessments/{id}/results"));
    let results =
        client.get(app.url(&format!("/assessments/{id}/results"))).send().await.unwrap().text().await.unwrap();
    // Recompute from the stored knowledge with the engine.
    let rows = platform::evaluation::store::knowledge(app.db(), user, Some("1.1")).await.unwrap();
    let current = engine::knowledge::current(&platform::evaluation::service::to_engine(&content, &rows));
    let expected = engine::scoring::competence_score(current.iter().map(|k| k.earned_pix), 6);
    assert!(expected.level >= 1, "succeeding up to level 3 gives a level");
    assert!(
        results.contains(&format!("<strong>{}</strong> · <strong>{}</strong> Pix", expected.level, expected.pix)),
        "{results}"
    );
    let api: serde_json::Value = client.get(app.url("/api/profile")).send().await.unwrap().json().await.unwrap();
    let c11 = api["competences"].as_array().unwrap().iter().find(|c| c["code"] == "1.1").unwrap();
    assert_eq!(
        (c11["level"].as_u64().unwrap(), c11["pix"].as_u64().unwrap()),
        (u64::from(expected.level), u64::from(expected.pix))
    );
    assert_eq!(c11["status"], "COMPLETED");
    let version: String = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT content_version FROM assessments WHERE id = $1").bind(id).fetch_one(pool).await.unwrap()
    });
    assert_eq!(version, content.version, "the content version is stored with the assessment");
}

async fn double_submission_is_recorded_once_and_stale_answers_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, _) = learner(&app, "lou@example.org").await;
    let id = assessment_of(&start(&app, &client, "2.1").await);
    let first = current_challenge(&app, id).await.unwrap();
    let fields = answer_fields(&app, &first, true);
    let (a, b) = tokio::join!(post_answer(&app, &client, id, &fields), post_answer(&app, &client, id, &fields));
    assert_eq!((a.status(), b.status()), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
    let again = post_answer(&app, &client, id, &fields).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER, "a late duplicate just shows the next question");
    let count: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM answers WHERE assessment_id = $1").bind(id).fetch_one(pool).await.unwrap()
    });
    assert_eq!(count, 1);
    // An answer to a challenge that is not the current one is refused with a clear message.
    let now_current = current_challenge(&app, id).await;
    let other = app
        .state
        .content
        .challenges
        .iter()
        .find(|c| Some(&c.id) != now_current.as_ref() && c.id != first)
        .unwrap()
        .id
        .clone();
    let stale = post_answer(&app, &client, id, &answer_fields(&app, &other, true)).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert!(stale.text().await.unwrap().contains("plus la question en cours"));
    // Someone else's assessment does not exist for me.
    let (intruder, _) = learner(&app, "eve@example.org").await;
    assert_eq!(
        intruder.get(app.url(&format!("/assessments/{id}"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

async fn set_current(app: &TestApp, id: Uuid, challenge: &str, asked_at: i64) {
    platform::on_db!(app.db(), pool => {
        sqlx::query("UPDATE assessments SET current_challenge_id = $1, current_asked_at = $2 WHERE id = $3").bind(challenge).bind(asked_at).bind(id).execute(pool).await.unwrap();
    });
}

async fn last_result(app: &TestApp, id: Uuid) -> (String, bool, bool) {
    platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT result, timed_out, focused_out FROM answers WHERE assessment_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1").bind(id).fetch_one(pool).await.unwrap()
    })
}

async fn timed_and_focused_challenges(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), true, |_| {}).await;
    let clock = app.clock.clone().unwrap();
    let (client, _) = learner(&app, "lou@example.org").await;
    let id = assessment_of(&start(&app, &client, "1.1").await);
    let content = &app.state.content;
    let competence = content.competence_by_code("1.1").unwrap();
    let timed = content
        .challenges_of_competence(competence)
        .map(|c| content.challenge(c))
        .find(|c| c.timer.is_some() && !c.focused)
        .expect("a timed challenge in 1.1");
    let now = platform::db::micros(clock.now());
    set_current(&app, id, &timed.id, now).await;
    let page = client.get(app.url(&format!("/assessments/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("{} secondes", timed.timer.unwrap())), "the limit is stated in text");
    assert!(page.contains("aria-live=\"polite\""));
    clock.advance(time::Duration::seconds(i64::from(timed.timer.unwrap()) + 5));
    post_answer(&app, &client, id, &answer_fields(&app, &timed.id, true)).await;
    assert_eq!(last_result(&app, id).await, ("timedout".into(), true, false));

    clock.advance(time::Duration::seconds(1));
    let focused = content
        .challenges_of_competence(competence)
        .map(|c| content.challenge(c))
        .find(|c| c.focused)
        .expect("a focused challenge in 1.1");
    set_current(&app, id, &focused.id, platform::db::micros(clock.now())).await;
    let page = client.get(app.url(&format!("/assessments/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("restez sur cette page"), "the learner is told beforehand");
    let token = csrf(&app, &client).await;
    let r = client
        .post(app.url(&format!("/assessments/{id}/focus-out")))
        .header("x-csrf-token", token)
        .form(&[("challenge_id", focused.id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    post_answer(&app, &client, id, &answer_fields(&app, &focused.id, true)).await;
    // Outside certification, leaving the page is recorded but does not change the result.
    assert_eq!(last_result(&app, id).await, ("ok".into(), false, true));
}

/// Answers until the end, succeeding up to level 3 only.
async fn finish(app: &TestApp, client: &Client, id: Uuid) {
    let content = &app.state.content;
    while let Some(challenge) = current_challenge(app, id).await {
        let level = content.skill(content.challenge(content.challenge_by_id(&challenge).unwrap()).skill).level;
        post_answer(app, client, id, &answer_fields(app, &challenge, level <= 3)).await;
    }
}

async fn retry_and_reset_delays(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), true, |_| {}).await;
    let clock = app.clock.clone().unwrap();
    let (client, _) = learner(&app, "lou@example.org").await;
    let id = assessment_of(&start(&app, &client, "5.2").await);
    finish(&app, &client, id).await;
    let profile = client.get(app.url("/profile")).send().await.unwrap().text().await.unwrap();
    assert!(profile.contains("Vous pourrez retenter dans 4 jour"), "days left before retry are shown");
    assert_eq!(start(&app, &client, "5.2").await.status(), StatusCode::CONFLICT);
    clock.advance(time::Duration::days(4) + time::Duration::minutes(1));
    // Sessions end 12 hours after login: log in again.
    let client = login(&app, "lou@example.org").await;
    let retry = start(&app, &client, "5.2").await;
    assert_eq!(retry.status(), StatusCode::SEE_OTHER);
    let improving: bool = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT is_improving FROM assessments WHERE id = $1").bind(assessment_of(&retry)).fetch_one(pool).await.unwrap()
    });
    assert!(improving);
    finish(&app, &client, assessment_of(&retry)).await;
    let confirm = client.get(app.url("/competences/5.2/reset")).send().await.unwrap().text().await.unwrap();
    assert!(confirm.contains("Remise à zéro possible dans"), "not before 7 days");
    clock.advance(time::Duration::days(7) + time::Duration::minutes(1));
    let client = login(&app, "lou@example.org").await;
    let confirm = client.get(app.url("/competences/5.2/reset")).send().await.unwrap().text().await.unwrap();
    assert!(confirm.contains("Cette action est définitive"));
    let token = csrf(&app, &client).await;
    let r =
        client.post(app.url("/competences/5.2/reset")).form(&[("csrf_token", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let api: serde_json::Value = client.get(app.url("/api/profile")).send().await.unwrap().json().await.unwrap();
    let c = api["competences"].as_array().unwrap().iter().find(|c| c["code"] == "5.2").unwrap().clone();
    assert_eq!((c["pix"].as_u64(), c["status"].as_str()), (Some(0), Some("NOT_STARTED")));
}

async fn export_covers_learning_data_and_erasure_keeps_it_anonymous(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, user) = learner(&app, "lou@example.org").await;
    let id = assessment_of(&start(&app, &client, "1.3").await);
    let first = current_challenge(&app, id).await.unwrap();
    post_answer(&app, &client, id, &answer_fields(&app, &first, true)).await;
    let token = csrf(&app, &client).await;
    client
        .post(app.url("/tutorials/tuto-area12a-wiki-moteur-recherche/save"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    let doc: serde_json::Value = client.get(app.url("/account/export")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["answers"].as_array().unwrap().len(), 1);
    assert_eq!(doc["answers"][0]["challenge_id"], first);
    assert!(!doc["knowledge_elements"].as_array().unwrap().is_empty());
    assert_eq!(doc["assessments"][0]["id"], id.to_string());
    assert_eq!(doc["saved_tutorials"][0]["tutorial"], "tuto-area12a-wiki-moteur-recherche");
    let token = csrf(&app, &client).await;
    client
        .post(app.url("/account/delete"))
        .form(&[("delete_password", PASSWORD), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    let answers: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM answers a JOIN assessments s ON s.id = a.assessment_id WHERE s.user_id = $1")
            .bind(user).fetch_one(pool).await.unwrap()
    });
    let anonymised: bool = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT anonymised FROM users WHERE id = $1").bind(user).fetch_one(pool).await.unwrap()
    });
    assert_eq!((answers, anonymised), (1, true), "learning data kept, without identity");
}

async fn api_journey(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, _) = learner(&app, "lou@example.org").await;
    let token = csrf(&app, &client).await;
    let started: serde_json::Value = client
        .post(app.url("/api/competences/3.4/assessments"))
        .header("x-csrf-token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["assessment_id"].as_str().unwrap().to_owned();
    let mut answered = 0;
    loop {
        let current: serde_json::Value =
            client.get(app.url(&format!("/api/assessments/{id}"))).send().await.unwrap().json().await.unwrap();
        let Some(ch) = current["challenge"].as_object() else { break };
        let cid = ch["id"].as_str().unwrap().to_owned();
        let fields = answer_fields(&app, &cid, true);
        let body = match ch["kind"].as_str().unwrap() {
            "QCU" => serde_json::json!({"challenge_id": cid, "value": fields[1].1}),
            "QCM" => {
                serde_json::json!({"challenge_id": cid, "value": fields[1..].iter().map(|(_, v)| v.clone()).collect::<Vec<_>>().join(",")})
            }
            "QROC" => serde_json::json!({"challenge_id": cid, "value": fields[1].1}),
            _ => {
                serde_json::json!({"challenge_id": cid, "inputs": fields[1..].iter().map(|(k, v)| (k.trim_start_matches("input-").to_owned(), v.clone())).collect::<std::collections::BTreeMap<_, _>>()})
            }
        };
        let r: serde_json::Value = client
            .post(app.url(&format!("/api/assessments/{id}/answers")))
            .header("x-csrf-token", &token)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["result"], "ok", "{body}");
        let dup = client
            .post(app.url(&format!("/api/assessments/{id}/answers")))
            .header("x-csrf-token", &token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let dup: serde_json::Value = dup.json().await.unwrap();
        assert_eq!(dup["result"], "duplicate");
        answered += 1;
        assert!(answered < 60);
    }
    let results: serde_json::Value =
        client.get(app.url(&format!("/api/assessments/{id}/results"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(results["state"], "completed");
    assert!(results["level"].as_u64().unwrap() >= 5, "all correct reaches a high level: {results}");
    assert_eq!(results["answers"].as_array().unwrap().len(), answered);
}

async fn tutorials_can_be_saved(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, _) = learner(&app, "lou@example.org").await;
    let id = assessment_of(&start(&app, &client, "1.1").await);
    while let Some(challenge) = current_challenge(&app, id).await {
        post_answer(&app, &client, id, &answer_fields(&app, &challenge, false)).await;
    }
    let results =
        client.get(app.url(&format!("/assessments/{id}/results"))).send().await.unwrap().text().await.unwrap();
    let html = scraper::Html::parse_document(&results);
    let form = html
        .select(&scraper::Selector::parse("form[action^=\"/tutorials/\"]").unwrap())
        .next()
        .expect("a tutorial to save after failures");
    let action = form.value().attr("action").unwrap().to_owned();
    let token = csrf(&app, &client).await;
    let r = client
        .post(app.url(&action))
        .form(&[("csrf_token", token.as_str()), ("back", "/tutorials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = client.get(app.url("/tutorials")).send().await.unwrap().text().await.unwrap();
    let tutorial = action.trim_start_matches("/tutorials/").trim_end_matches("/save");
    let title = &app.state.content.tutorial(app.state.content.tutorial_by_id(tutorial).unwrap()).title;
    let saved_section = &page[page.find("saved-heading").unwrap()..page.find("recommended-heading").unwrap()];
    assert!(saved_section.contains(&*askama_escape(title)), "saved tutorial listed");
}

fn askama_escape(s: &str) -> String {
    s.replace('&', "&#38;").replace('\'', "&#39;").replace('"', "&#34;").replace('<', "&#60;").replace('>', "&#62;")
}
