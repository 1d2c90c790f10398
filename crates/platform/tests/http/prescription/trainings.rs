//! Recommended trainings: the back office sets them up on a target profile, the end of a campaign
//! test recommends them in the learner's language when their triggers hold, the learner sees them
//! and says whether they helped, the organisation counts them; the trigger boundaries.

use platform::learning::trainings::{self, Ended, Knowledge};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Setup, assessment_in, create_campaign, id_at_end, join, location, set_up, tubes_of};
use crate::{dual, evaluation::finish, support::TestApp};

dual!(trainings_from_the_back_office_to_the_learner_and_the_organisation, trigger_boundaries_hold_exactly);

/// Creates a training through the back office form; returns its id.
pub(super) async fn create_training(
    app: &TestApp,
    s: &Setup,
    title: &str,
    kind: &str,
    link: &str,
    locales: &[&str],
) -> Uuid {
    let mut fields = vec![
        ("title", title),
        ("internal_title", title),
        ("type", kind),
        ("link", link),
        ("hours", "1"),
        ("minutes", "30"),
        ("editor_name", "Atelier numérique"),
        ("delivery_mode", "remote"),
        ("description", "Pour progresser."),
    ];
    let keys: Vec<String> = locales.iter().map(|l| format!("locale-{l}")).collect();
    fields.extend(keys.iter().map(|k| (k.as_str(), "yes")));
    let r = app.post_form(&s.admin, "/admin/trainings", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "training {title} created");
    id_at_end(&r)
}

/// Sets a trigger on every tube of the competences, capped at `cap`.
async fn set_trigger(
    app: &TestApp,
    s: &Setup,
    training: Uuid,
    kind: &str,
    threshold: &str,
    competences: &[&str],
    cap: &str,
) {
    let tubes: Vec<String> = competences.iter().flat_map(|c| tubes_of(app, c)).map(|t| format!("tube-{t}")).collect();
    let mut fields: Vec<(&str, &str)> = vec![("threshold", threshold)];
    fields.extend(tubes.iter().map(|t| (t.as_str(), cap)));
    let r = app.post_form(&s.admin, &format!("/admin/trainings/{training}/triggers/{kind}"), &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{kind} trigger set");
}

pub(super) async fn attach(app: &TestApp, s: &Setup, training: Uuid) {
    let profile = s.profile.to_string();
    let r = app
        .post_form(&s.admin, &format!("/admin/trainings/{training}/profiles"), &[("target_profile", &profile)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn trainings_from_the_back_office_to_the_learner_and_the_organisation(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;

    // The back office refuses what it cannot use, and says why, keeping what was typed.
    let r = app
        .post_form(
            &s.admin,
            "/admin/trainings",
            &[
                ("title", "Bad"),
                ("internal_title", "Bad"),
                ("type", "modulix"),
                ("link", "nomodule"),
                ("locale-de", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Saisissez l&#39;identifiant court d&#39;un module existant"), "{html}");
    assert!(html.contains("Choisissez au moins une langue") && html.contains("value=\"Bad\""));
    let r = app
        .post_form(
            &s.admin,
            "/admin/trainings",
            &[("title", "X"), ("internal_title", "X"), ("type", "webinaire"), ("link", "http://insecure.example")],
        )
        .await;
    assert!(r.text().await.unwrap().contains("Saisissez une adresse commençant par https://"));
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM trainings").await, 0);

    // Four trainings on the profile, one not attached.
    let module = create_training(&app, &s, "Chercher sur le web", "modulix", "chrchweb", &["fr", "en"]).await;
    let expert =
        create_training(&app, &s, "Pour experts", "e-learning", "https://formation.example/expert", &["fr"]).await;
    let english =
        create_training(&app, &s, "In English only", "webinaire", "https://training.example/en", &["en"]).await;
    let untriggered =
        create_training(&app, &s, "Sans déclencheur", "autoformation", "https://formation.example/libre", &["fr"])
            .await;
    let detached =
        create_training(&app, &s, "Non rattachée", "autoformation", "https://formation.example/ailleurs", &["fr"])
            .await;
    // A goal of 100 % always holds; a prerequisite of 100 % only for whoever masters everything.
    set_trigger(&app, &s, module, "goal", "100", &["1.1"], "8").await;
    set_trigger(&app, &s, expert, "prerequisite", "100", &["1.1"], "8").await;
    set_trigger(&app, &s, english, "goal", "100", &["1.1"], "8").await;
    set_trigger(&app, &s, detached, "goal", "100", &["1.1"], "8").await;
    for t in [module, expert, english, untriggered] {
        attach(&app, &s, t).await;
    }
    // A trigger needs a threshold and tubes.
    let r = app
        .post_form(&s.admin, &format!("/admin/trainings/{module}/triggers/prerequisite"), &[("threshold", "120")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Choisissez au moins un sujet") && html.contains("Indiquez un seuil"), "{html}");
    let r =
        app.post_form(&s.admin, &format!("/admin/trainings/{module}/triggers/sometimes"), &[("threshold", "10")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The list shows thresholds and profile counts, and searches.
    let (_, list) = page(&app, &s.admin, "/admin/trainings?q=experts").await;
    assert!(list.contains("Pour experts") && list.contains("100 %") && !list.contains("Chercher sur le web"), "{list}");
    let (_, details) = page(&app, &s.admin, &format!("/admin/trainings/{module}")).await;
    assert!(details.contains("Recherche d&#39;information") && details.contains("/modules/chrchweb/"), "{details}");
    // Support agents read, and only read.
    let (support, _) = app.admin("support@example.org", "SUPPORT").await;
    assert_eq!(page(&app, &support, "/admin/trainings").await.0, StatusCode::OK);
    let r = app.post_form(&support, &format!("/admin/trainings/{module}/duplicate"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Duplicating copies the triggers, not the profiles.
    let r = app.post_form(&s.admin, &format!("/admin/trainings/{module}/duplicate"), &[]).await;
    let copy = id_at_end(&r);
    let (_, copied) = page(&app, &s.admin, &format!("/admin/trainings/{copy}")).await;
    assert!(copied.contains("[Copie] Chercher sur le web") && copied.contains("aucun profil cible"), "{copied}");
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM training_triggers").await, 5);
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action LIKE 'training.%'").await, 14);

    // A learner (in French) finishes the campaign test.
    let profile = s.profile.to_string();
    let (_, code) = create_campaign(
        &app,
        &s,
        &[("name", "Rentrée"), ("title", "Rentrée"), ("kind", "ASSESSMENT"), ("target_profile", &profile)],
    )
    .await;
    let (learner, _) = app.learner("lea@example.org").await;
    let to = join(&app, &learner, &code, "").await;
    let assessment = assessment_in(&to);
    finish(&app, &learner, assessment).await;
    let (_, end) = page(&app, &learner, &format!("/campagnes/{code}/resultats")).await;
    assert!(end.contains("Formations recommandées") && end.contains("Chercher sur le web"), "{end}");
    for absent in ["Pour experts", "In English only", "Sans déclencheur", "Non rattachée"] {
        assert!(!end.contains(absent), "{absent} is not recommended");
    }
    let mine: Value = learner.get(app.url("/api/me/trainings")).send().await.unwrap().json().await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["id"], json!(module));
    assert_eq!(mine[0]["link"], "/modules/chrchweb/chercher-sur-le-web");
    assert_eq!(mine[0]["duration_minutes"], 90);
    assert_eq!(mine[0]["useful"], Value::Null);
    let participation: Uuid = serde_json::from_value(mine[0]["participation_id"].clone()).unwrap();
    let of_p: Value = learner
        .get(app.url(&format!("/api/participations/{participation}/trainings")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(of_p, mine);
    // Someone else's participation is not found.
    let (other, _) = app.learner("other@example.org").await;
    let r = other.get(app.url(&format!("/api/participations/{participation}/trainings"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Was it useful? From the page, then through the API.
    let (_, mes) = page(&app, &learner, "/mes-formations").await;
    assert!(mes.contains("Chercher sur le web") && mes.contains("Cette formation vous a-t-elle été utile"));
    let path = format!("/mes-formations/{participation}/{module}");
    let r = app.post_form(&learner, &path, &[("useful", "maybe")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let back = format!("/campagnes/{code}/resultats");
    let r = app.post_form(&learner, &path, &[("useful", "yes"), ("back", &back)]).await;
    assert_eq!(location(&r), format!("{back}#training-{module}"));
    let r = app.post_form(&learner, &path, &[("useful", "no"), ("back", "https://evil.example/")]).await;
    assert_eq!(location(&r), format!("/mes-formations#training-{module}"), "only this site's pages");
    let api = format!("/api/me/trainings/{participation}/{module}");
    let r = app.send_json(&learner, Method::PUT, &api, &json!({ "useful": true })).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app.send_json(&other, Method::PUT, &api, &json!({ "useful": false })).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "not recommended to them");
    let r = app
        .send_json(
            &learner,
            Method::PUT,
            &format!("/api/me/trainings/{participation}/{expert}"),
            &json!({ "useful": true }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "not recommended");
    let (_, mes) = page(&app, &learner, "/mes-formations").await;
    assert!(mes.contains("Merci : vous l&#39;avez trouvée utile"), "{mes}");

    // The organisation counts them once shared, never before.
    let analysis = format!("/orga/{}/campaigns/{}/analysis", s.org, campaign_of(&app, &code).await);
    let (_, before) = page(&app, &s.teacher, &analysis).await;
    assert!(before.contains("Aucune formation recommandée") && !before.contains("Chercher sur le web"), "{before}");
    let r = app.post_form(&learner, &format!("/campagnes/{code}/partager"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, after) = page(&app, &s.teacher, &analysis).await;
    let row = after.split("Chercher sur le web").nth(1).expect("the training is counted");
    assert!(row.starts_with("</th><td>1</td><td>1</td>"), "{row}");

    // Export and erasure cover the recommendations.
    let export: Value = learner.get(app.url("/account/export")).send().await.unwrap().json().await.unwrap();
    let text = export.to_string();
    assert!(text.contains("recommended_trainings") && text.contains("Chercher sur le web"), "{text}");
    let r = app.post_form(&learner, "/account/delete", &[("delete_password", crate::support::PASSWORD)]).await;
    assert!(r.status().is_redirection(), "erased: {}", r.status());
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM recommended_trainings").await, 0);
}

async fn campaign_of(app: &TestApp, code: &str) -> Uuid {
    platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT id FROM campaigns WHERE code = $1").bind(code).fetch_one(pool).await.unwrap()
    })
}

/// The done check: a training with a prerequisite of 50 % and a goal of 80 % is recommended to
/// learners at exactly 50 % and 80 %, not at 49 %, 81 % or with nothing assessed.
async fn trigger_boundaries_hold_exactly(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let s = set_up(&app, &[]).await;
    let every: Vec<&str> = app.state.content.competences.iter().map(|c| c.code.as_str()).collect();
    let training =
        create_training(&app, &s, "Juste ce qu'il faut", "e-learning", "https://formation.example/juste", &["fr"])
            .await;
    set_trigger(&app, &s, training, "prerequisite", "50", &every, "8").await;
    set_trigger(&app, &s, training, "goal", "80", &every, "8").await;
    attach(&app, &s, training).await;
    let profile = s.profile.to_string();
    let (campaign, code) = create_campaign(
        &app,
        &s,
        &[("name", "Bornes"), ("title", "Bornes"), ("kind", "ASSESSMENT"), ("target_profile", &profile)],
    )
    .await;
    let content = &app.state.content;
    let skills: Vec<content::SkillIdx> = (0..content.skills.len() as u32).map(content::SkillIdx).collect();
    assert!(skills.len() >= 100);
    for (name, validated, assessed, expected) in [
        ("p49", 49, 100, false),
        ("p50", 50, 100, true),
        ("p80", 80, 100, true),
        ("p81", 81, 100, false),
        ("none", 0, 0, false),
    ] {
        let (learner, user) = app.learner(&format!("{name}@example.org")).await;
        let assessment = assessment_in(&join(&app, &learner, &code, "").await);
        let participation: Uuid = platform::on_db!(app.db(), pool => {
            sqlx::query_scalar("SELECT participation_id FROM assessments WHERE id = $1").bind(assessment).fetch_one(pool).await.unwrap()
        });
        for (i, skill) in skills.iter().take(assessed).enumerate() {
            let status = if i < validated { "validated" } else { "invalidated" };
            let skill = content.skill(*skill);
            let competence = content.competence(content.tube(skill.tube).competence).code.clone();
            platform::on_db!(app.db(), pool => {
                sqlx::query("INSERT INTO knowledge_elements (id, user_id, assessment_id, answer_id, skill, competence_code, source, status, earned_pix, created_at) VALUES ($1, $2, $3, NULL, $4, $5, 'direct', $6, 0, $7)")
                    .bind(Uuid::now_v7()).bind(user).bind(assessment).bind(&skill.name).bind(&competence).bind(status).bind(i as i64)
                    .execute(pool).await.unwrap();
            });
        }
        let mut tx = app.state.db.begin().await.unwrap();
        let ended = Ended { user, participation, campaign, profile: s.profile, locale: "fr", skills: &skills };
        let got = trainings::recommend(&app.state, &mut tx, ended.clone(), Knowledge::Profile).await.unwrap();
        assert_eq!(got == vec![training], expected, "{name}: {got:?}");
        // Only the learner's language counts.
        let english = Ended { locale: "en", ..ended };
        assert!(trainings::recommend(&app.state, &mut tx, english, Knowledge::Profile).await.unwrap().is_empty());
        tx.commit().await.unwrap();
        // An exam reads only what its own test proved: the same answers, so the same result.
        let mut tx = app.state.db.begin().await.unwrap();
        let exam = Ended { user, participation, campaign, profile: s.profile, locale: "fr", skills: &skills };
        let own = trainings::recommend(&app.state, &mut tx, exam, Knowledge::OwnAnswers(assessment)).await.unwrap();
        assert_eq!(own == vec![training], expected, "{name} (own answers)");
        tx.rollback().await.unwrap();
        let _ = learner;
    }
    let recommended: i64 = app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM recommended_trainings").await;
    assert_eq!(recommended, 2, "recorded for 50 % and 80 % only");
}
