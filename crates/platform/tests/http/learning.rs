//! Learning modules: passages through the API (answers checked on the server, refusals after the
//! end, events in order, ownership), and a learner playing a module in pages and resuming it.

use content::module::{ElementKind, QabSide, QrocmBlock};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    dual,
    support::{TestApp, new_client},
};

dual!(
    a_passage_checks_answers_on_the_server_and_refuses_them_once_terminated,
    a_learner_plays_a_module_in_pages_and_resumes_it,
);

/// The first element of a demo module matching `pick`, with its module's short id.
fn find(app: &TestApp, pick: impl Fn(&ElementKind) -> bool) -> (&str, &content::module::Element) {
    app.state
        .content
        .modules
        .iter()
        .find_map(|m| {
            m.grains().flat_map(|(_, g)| g.elements()).find(|e| pick(&e.kind)).map(|e| (m.short_id.as_str(), e))
        })
        .expect("the demo modules have one")
}

async fn answer(app: &TestApp, client: &Client, passage: &str, body: Value) -> (StatusCode, Value) {
    let r = app.send_json(client, Method::POST, &format!("/api/passages/{passage}/answers"), &body).await;
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn start(app: &TestApp, client: &Client, short_id: &str) -> String {
    let r = app.send_json(client, Method::POST, "/api/passages", &json!({ "short_id": short_id })).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["module_short_id"], short_id);
    assert_eq!(p["module_version"].as_str().unwrap().len(), 64);
    p["id"].as_str().unwrap().to_owned()
}

async fn a_passage_checks_answers_on_the_server_and_refuses_them_once_terminated(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let visitor = new_client();
    // The module as served: no solution, no feedback.
    let (qcu_module, qcu) = find(&app, |k| matches!(k, ElementKind::Qcu(_)));
    let module: Value =
        visitor.get(app.url(&format!("/api/modules/{qcu_module}"))).send().await.unwrap().json().await.unwrap();
    let served = module.to_string();
    assert!(served.contains(&qcu.id));
    assert!(!served.contains("\"solution\"") && !served.contains("\"solutions\"") && !served.contains("diagnosis"));
    assert_eq!(
        app.send_json(&visitor, Method::POST, "/api/passages", &json!({ "short_id": "nope1234" })).await.status(),
        StatusCode::NOT_FOUND,
        "no module has this short id"
    );

    // QCU: a wrong proposal is ko with that proposal's feedback, the solution is ok.
    let passage = start(&app, &visitor, qcu_module).await;
    let ElementKind::Qcu(q) = &qcu.kind else { unreachable!() };
    let wrong = q.proposals.iter().find(|p| p.id != q.solution).unwrap();
    let (status, c) = answer(&app, &visitor, &passage, json!({ "element_id": qcu.id, "answer": [wrong.id] })).await;
    assert_eq!((status, c["status"].as_str()), (StatusCode::OK, Some("ko")));
    assert_eq!(c["feedback"], wrong.feedback.diagnosis.fr);
    let (_, c) = answer(&app, &visitor, &passage, json!({ "element_id": qcu.id, "answer": [q.solution] })).await;
    assert_eq!(c["status"], "ok");
    let (status, _) = answer(&app, &visitor, &passage, json!({ "element_id": qcu.id, "answer": [] })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "no proposal chosen");
    let (status, _) =
        answer(&app, &visitor, &passage, json!({ "element_id": "not-an-element", "answer": ["1"] })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no such element in the passage's module");

    // Another visitor (another session) does not see the passage.
    let stranger = new_client();
    assert_eq!(
        stranger.get(app.url(&format!("/api/passages/{passage}"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let (status, _) = answer(&app, &stranger, &passage, json!({ "element_id": qcu.id, "answer": [q.solution] })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // QCM: a subset of the solutions is ko, the exact set ok.
    let (qcm_module, qcm) = find(&app, |k| matches!(k, ElementKind::Qcm { .. }));
    let ElementKind::Qcm { solutions, .. } = &qcm.kind else { unreachable!() };
    let qcm_passage = start(&app, &visitor, qcm_module).await;
    let (_, c) = answer(
        &app,
        &visitor,
        &qcm_passage,
        json!({ "element_id": qcm.id, "answer": solutions[..solutions.len() - 1] }),
    )
    .await;
    assert_eq!(c["status"], "ko");
    let (_, c) = answer(&app, &visitor, &qcm_passage, json!({ "element_id": qcm.id, "answer": solutions })).await;
    assert_eq!(c["status"], "ok");

    // QROCM with t3: a solution (of 5 letters or more) with its last letter missing is ok; a wrong word is ko.
    let (qrocm_module, qrocm) = find(
        &app,
        |k| matches!(k, ElementKind::Qrocm { blocks, .. } if blocks.iter().any(|b| matches!(b, QrocmBlock::Input { tolerances, solutions, .. } if tolerances.t3 && solutions.fr[0].chars().count() >= 5))),
    );
    let ElementKind::Qrocm { blocks, .. } = &qrocm.kind else { unreachable!() };
    let qrocm_passage = start(&app, &visitor, qrocm_module).await;
    let answers = |typo: bool| -> Value {
        let mut inputs = serde_json::Map::new();
        for b in blocks {
            match b {
                QrocmBlock::Input { key, tolerances, solutions, .. } => {
                    let right = solutions.fr[0].clone();
                    let given = if typo && tolerances.t3 && right.chars().count() >= 5 {
                        right.chars().take(right.chars().count() - 1).collect()
                    } else {
                        right
                    };
                    inputs.insert(key.clone(), json!(given));
                }
                QrocmBlock::Select { key, solutions, .. } => {
                    inputs.insert(key.clone(), json!(solutions[0]));
                }
                QrocmBlock::Text(_) => {}
            }
        }
        json!({ "element_id": qrocm.id, "inputs": inputs })
    };
    let (_, c) = answer(&app, &visitor, &qrocm_passage, answers(true)).await;
    assert_eq!(c["status"], "ok", "{c}");
    let mut wrong = answers(false);
    let first_key = wrong["inputs"].as_object().unwrap().keys().next().unwrap().clone();
    wrong["inputs"][&first_key] = json!("zzzzzzzzzz");
    let (_, c) = answer(&app, &visitor, &qrocm_passage, wrong).await;
    assert_eq!(c["status"], "ko");

    // Embed: the word the activity reveals.
    let (embed_module, embed) = find(&app, |k| matches!(k, ElementKind::Embed { solution: Some(_), .. }));
    let ElementKind::Embed { solution: Some(word), .. } = &embed.kind else { unreachable!() };
    let embed_passage = start(&app, &visitor, embed_module).await;
    let (_, c) = answer(&app, &visitor, &embed_passage, json!({ "element_id": embed.id, "answer": [word] })).await;
    assert_eq!((c["status"].as_str(), &c["feedback"]), (Some("ok"), &Value::Null));

    // QAB: checked on the server, card by card.
    let (qab_module, qab) = find(&app, |k| matches!(k, ElementKind::Qab { .. }));
    let ElementKind::Qab { cards, .. } = &qab.kind else { unreachable!() };
    let qab_passage = start(&app, &visitor, qab_module).await;
    let mut given = serde_json::Map::new();
    for (n, c) in cards.iter().enumerate() {
        let right = if c.solution == QabSide::A { "A" } else { "B" };
        let other = if right == "A" { "B" } else { "A" };
        given.insert(c.id.clone(), json!(if n == 0 { other } else { right }));
    }
    let (_, c) = answer(&app, &visitor, &qab_passage, json!({ "element_id": qab.id, "cards": given })).await;
    assert_eq!(c["status"], "ko");
    assert_eq!(c["details"].as_array().unwrap().iter().filter(|d| d["status"] == "ok").count(), cards.len() - 1);

    // Events in order; the end refuses answers and events, but a later end is recorded.
    let events = |sequence: i64, kind: &str| json!({ "events": [{ "sequence": sequence, "type": kind, "occurred_at": 1_780_000_000_000_i64 }] });
    let post_events = |body: Value| {
        let (app, visitor, passage) = (&app, &visitor, passage.clone());
        async move { app.send_json(visitor, Method::POST, &format!("/api/passages/{passage}/events"), &body).await.status() }
    };
    assert_eq!(post_events(events(100, "GRAIN_CONTINUED")).await, StatusCode::NO_CONTENT);
    assert_eq!(
        post_events(events(100, "GRAIN_CONTINUED")).await,
        StatusCode::CONFLICT,
        "a sequence number already recorded"
    );
    assert_eq!(
        post_events(events(101, "QCU_ANSWERED")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "answers go to /answers"
    );
    assert_eq!(post_events(events(101, "NOT_AN_EVENT")).await, StatusCode::UNPROCESSABLE_ENTITY);
    let terminate =
        app.send_json(&visitor, Method::POST, &format!("/api/passages/{passage}/terminate"), &json!({})).await;
    assert_eq!(terminate.status(), StatusCode::NO_CONTENT);
    let again = app.send_json(&visitor, Method::POST, &format!("/api/passages/{passage}/terminate"), &json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let (status, _) = answer(&app, &visitor, &passage, json!({ "element_id": qcu.id, "answer": [q.solution] })).await;
    assert_eq!(status, StatusCode::CONFLICT, "a terminated passage takes no answer");
    assert_eq!(post_events(events(200, "GRAIN_CONTINUED")).await, StatusCode::CONFLICT, "nor events");
    assert_eq!(
        post_events(events(50, "PASSAGE_TERMINATED")).await,
        StatusCode::CONFLICT,
        "an end below the highest number"
    );
    assert_eq!(post_events(events(300, "PASSAGE_TERMINATED")).await, StatusCode::NO_CONTENT);

    // One log per passage, answers and events together, in order, with the module's version.
    let id = uuid::Uuid::parse_str(&passage).unwrap();
    let log = platform::learning::store::log(app.db(), id).await.unwrap();
    let kinds: Vec<&str> = log.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "PASSAGE_STARTED",
            "QCU_ANSWERED",
            "QCU_ANSWERED",
            "GRAIN_CONTINUED",
            "PASSAGE_TERMINATED",
            "PASSAGE_TERMINATED"
        ]
    );
    assert!(log.windows(2).all(|w| w[0].sequence < w[1].sequence));
    assert!(log[0].data.contains(&app.state.content.module_by_short_id(qcu_module).unwrap().version));
    let view: Value =
        visitor.get(app.url(&format!("/api/passages/{passage}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!((view["terminated"].as_bool(), view["answers"][0]["status"].as_str()), (Some(true), Some("ok")));
}

async fn a_learner_plays_a_module_in_pages_and_resumes_it(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let (learner, _) = app.learner("lea@example.org").await;
    let m = app.state.content.module_by_short_id("mdpsolid").expect("the passwords module");
    let base = format!("/modules/{}/{}", m.short_id, m.slug);
    // A mistyped slug leads to the module; the list links to it.
    let r = learner.get(app.url(&format!("/modules/{}/old-name", m.short_id))).send().await.unwrap();
    assert_eq!(
        (r.status(), r.headers()["location"].to_str().unwrap()),
        (StatusCode::PERMANENT_REDIRECT, base.as_str())
    );
    let list = learner.get(app.url("/modules")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains(&format!("href=\"{base}\"")));
    let details = learner.get(app.url(&base)).send().await.unwrap().text().await.unwrap();
    assert!(!details.contains("Reprendre"));
    let r = app.post_form(&learner, &format!("{base}/passages"), &[]).await;
    let player = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(player.starts_with(&format!("{base}/passages/")));
    let page = learner.get(app.url(&player)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("Étape 1 sur {}", m.grains().count())), "progress");
    let (_, first) = m.grains().next().unwrap();
    let qcu = first.elements().find(|e| e.kind.is_answerable()).unwrap();
    let (ElementKind::Qcu(q) | ElementKind::QcuDiscovery(q)) = &qcu.kind else { panic!("a choice first") };
    // Checking without a choice says what to do, on the element.
    let r = app.post_form(&learner, &format!("{player}/answers"), &[("element_id", &qcu.id)]).await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("why=module-answer-choose"), "{location}");
    let page = learner.get(app.url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Choisissez une réponse avant de vérifier."));
    // A right answer shows its feedback in place, with "Réessayer".
    let r = app
        .post_form(&learner, &format!("{player}/answers"), &[("element_id", &qcu.id), ("answer", &q.solution)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = learner.get(app.url(&player)).send().await.unwrap().text().await.unwrap();
    let right = q.proposals.iter().find(|p| p.id == q.solution).unwrap();
    assert!(page.contains("class=\"result ok\""));
    assert!(
        page.contains(
            &content::markdown::to_html(right.feedback.diagnosis.get(content::Locale::Fr)).trim().to_string()
        )
    );
    assert!(page.contains(&format!("?retry={}", qcu.id)));
    // Continuer reveals the next grain.
    app.post_form(&learner, &format!("{player}/next"), &[("action", "continue")]).await;
    let page = learner.get(app.url(&player)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("Étape 2 sur {}", m.grains().count())));
    let (_, second) = m.grains().nth(1).unwrap();
    assert!(page.contains(&format!("id=\"grain-{}\"", second.id)));
    // Mes modules: under way, with a way back; the module's page offers to resume.
    let mine = learner.get(app.url("/mes-modules")).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("En cours") && mine.contains(&player), "{mine}");
    let details = learner.get(app.url(&base)).send().await.unwrap().text().await.unwrap();
    assert!(details.contains(&format!("href=\"{player}\"")) && details.contains("Reprendre"));
    // Terminer only under the last grain; then the module is completed.
    app.post_form(&learner, &format!("{player}/terminate"), &[]).await;
    assert!(
        learner.get(app.url(&player)).send().await.unwrap().text().await.unwrap().contains("module-next"),
        "not over yet"
    );
    for _ in 1..m.grains().count() {
        app.post_form(&learner, &format!("{player}/next"), &[("action", "skip")]).await;
    }
    let page = learner.get(app.url(&player)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("Étape {0} sur {0}", m.grains().count())) && page.contains("Terminer"));
    // Glossary words are explained in place, once per text.
    let word = &m.glossary[0];
    assert!(page.contains("class=\"glossary-word\""), "glossary buttons");
    let definition = word.definition.get(content::Locale::Fr);
    let start: String = definition.chars().take(25).collect();
    assert!(page.contains(&format!("class=\"glossary-definition\">{start}")), "the definition beside its word");
    app.post_form(&learner, &format!("{player}/terminate"), &[]).await;
    let page = learner.get(app.url(&player)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Module terminé") && !page.contains("Vérifier</button>"), "no form after the end");
    let api: Value = learner.get(app.url("/api/me/modules")).send().await.unwrap().json().await.unwrap();
    let mine = api.as_array().unwrap().iter().find(|x| x["short_id"] == "mdpsolid").unwrap();
    assert_eq!(mine["status"], "COMPLETED");
    // Someone else cannot open the learner's passage, signed in or not.
    let (other, _) = app.learner("other@example.org").await;
    assert_eq!(other.get(app.url(&player)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(new_client().get(app.url(&player)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // The passage and its log are in the learner's data.
    let export: Value = learner.get(app.url("/api/me/export")).send().await.unwrap().json().await.unwrap();
    let passages = export["module_passages"].as_array().expect("a section of the export");
    assert_eq!(passages.len(), 1);
    assert!(
        passages[0]["log"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "QCU_DISCOVERY_ANSWERED" || e["type"] == "QCU_ANSWERED")
    );
}
