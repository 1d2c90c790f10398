//! The back office edits an organisation: every setting, checked, audited, least privilege.

use super::*;
use crate::dual;

dual!(the_back_office_edits_every_setting_of_an_organization);

async fn the_back_office_edits_every_setting_of_an_organization(backend: crate::support::Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, admin_id) = app.admin("super@example.org", "SUPER_ADMIN").await;
    let org = create_organization(&app, &admin, "Collège Victor Hugo", "SCO", &[("multiple_sending", "yes")]).await;
    let edit = format!("/admin/organizations/{org}/edit");

    // The form holds the current settings.
    let form = admin.get(app.url(&edit)).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("value=\"Collège Victor Hugo\""), "{form}");
    assert!(form.contains("id=\"kind\" name=\"kind\" value=\"SCO\" checked"), "{form}");
    assert!(form.contains("id=\"multiple_sending\" name=\"multiple_sending\" value=\"yes\" checked"), "{form}");
    assert!(!form.contains("id=\"show_skills\" name=\"show_skills\" value=\"yes\" checked"), "{form}");
    let page = admin.get(app.url(&format!("/admin/organizations/{org}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("href=\"{edit}\"")), "the organisation's page links to its edit form");

    // Every field wrong at once: each is named, nothing changes.
    let r = app
        .post_form(
            &admin,
            &edit,
            &[("name", " "), ("kind", "MAIRIE"), ("dpo_email", "pas une adresse"), ("learner_import", "XLS")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for field in ["name", "kind", "dpo_email", "learner_import"] {
        assert!(html.contains(&format!("id=\"{field}-error\"")), "an error for {field}");
    }
    assert!(html.contains("value=\"pas une adresse\""), "what was typed is kept");
    let long = "U".repeat(65);
    let r = app.post_form(&admin, &edit, &[("name", "Collège"), ("kind", "SCO"), ("external_id", &long)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "an external id of 65 characters");

    // Changing every setting.
    let r = app
        .post_form(
            &admin,
            &edit,
            &[
                ("name", "Lycée Victor Hugo"),
                ("kind", "SUP"),
                ("external_id", "0750002B"),
                ("dpo_email", "dpo@lycee.example"),
                ("learner_import", "SCO"),
                ("show_skills", "yes"),
                ("exam_campaigns", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/admin/organizations/{org}?updated=1"));
    let o = platform::prescription::store::organization(app.db(), org).await.unwrap().unwrap();
    assert_eq!(
        (o.name.as_str(), o.kind.as_str(), o.external_id.as_deref(), o.dpo_email.as_deref()),
        ("Lycée Victor Hugo", "SUP", Some("0750002B"), Some("dpo@lycee.example"))
    );
    assert_eq!(o.learner_import.as_deref(), Some("SCO"));
    assert_eq!((o.multiple_sending, o.show_skills, o.exam_campaigns), (false, true, true));
    assert!(o.archived_at.is_none(), "editing does not archive");
    let page = admin
        .get(app.url(&format!("/admin/organizations/{org}?updated=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Les modifications de l&#39;organisation sont enregistrées"), "{page}");

    // The audit log names what changed, not the values.
    let (actor, details): (Uuid, String) = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT actor_id, details FROM audit_log WHERE action = 'organization.update'").fetch_one(pool).await.unwrap()
    });
    assert_eq!(actor, admin_id);
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(
        details["changed"],
        json!([
            "name",
            "kind",
            "external_id",
            "dpo_email",
            "learner_import",
            "multiple_sending",
            "show_skills",
            "exam_campaigns"
        ])
    );
    assert!(!details.to_string().contains("dpo@lycee.example"), "{details}");

    // Sending the same settings again changes nothing and writes nothing.
    let same = [
        ("name", "Lycée Victor Hugo"),
        ("kind", "SUP"),
        ("external_id", "0750002B"),
        ("dpo_email", "dpo@lycee.example"),
        ("learner_import", "SCO"),
        ("show_skills", "yes"),
        ("exam_campaigns", "yes"),
    ];
    let r = app.post_form(&admin, &edit, &same).await;
    assert_eq!(location(&r), format!("/admin/organizations/{org}?unchanged=1"));
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'organization.update'").await, 1);

    // Business agents edit too; support agents and members cannot, and an unknown organisation is 404.
    let (metier, _) = app.admin("metier@example.org", "METIER").await;
    let mut renamed = same.to_vec();
    renamed[0] = ("name", "Lycée Hugo");
    assert_eq!(app.post_form(&metier, &edit, &renamed).await.status(), StatusCode::SEE_OTHER);
    let edit_page = metier.get(app.url(&edit)).send().await.unwrap().text().await.unwrap();
    assert!(!edit_page.contains("/archive"), "archiving stays with super admins");
    let (support, _) = app.admin("support@example.org", "SUPPORT").await;
    assert_eq!(support.get(app.url(&edit)).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post_form(&support, &edit, &same).await.status(), StatusCode::FORBIDDEN);
    app.sign_up("someone@example.org").await;
    let someone = app.login_as("someone@example.org").await;
    assert_eq!(someone.get(app.url(&edit)).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let unknown = format!("/admin/organizations/{}/edit", Uuid::now_v7());
    assert_eq!(admin.get(app.url(&unknown)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(app.post_form(&admin, &unknown, &same).await.status(), StatusCode::NOT_FOUND);
    let o = platform::prescription::store::organization(app.db(), org).await.unwrap().unwrap();
    assert_eq!(o.name, "Lycée Hugo");
}
