//! Members of an organisation and the invitations that bring them.

use super::*;
use crate::dual;

dual!(members_invite_accept_and_manage_roles, invitation_links_expire_and_die_when_resent_or_cancelled, members_api,);

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
