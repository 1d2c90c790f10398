//! Accounts, sessions, CSRF, throttling, roles, audit, export and erasure — on both databases.

use std::time::Duration;

use reqwest::{Client, StatusCode, header};
use uuid::Uuid;

use crate::{
    dual,
    support::{Backend, PASSWORD, TestApp, new_client, token_in},
};

dual!(
    per_ip_limit_is_shared_by_the_nodes,
    csrf_missing_or_wrong_is_rejected,
    signup_login_new_session_id_and_cookie_flags,
    no_account_enumeration,
    login_throttling_timings_and_permanent_block,
    per_ip_limit_answers_429_with_retry_after,
    reset_token_is_single_use_and_expires,
    email_change_needs_confirmation,
    logout_everywhere_closes_other_sessions,
    role_checks_route_by_route,
    admin_reads_are_audited_and_audit_is_append_only,
    export_contains_the_person_data,
    erasure_leaves_no_personal_data_anywhere,
    api_journey_and_openapi,
    form_errors_keep_input_and_point_to_fields,
    expired_sessions_are_deleted,
    outstanding_links_die_with_the_credentials,
    email_change_is_rate_limited,
    parallel_wrong_passwords_cannot_pass_the_limits,
    anonymous_pages_store_no_session,
    redirect_targets_are_local_paths,
    client_address_behind_trusted_proxies,
    language_switch_keeps_the_query_string,
);

async fn expired_sessions_are_deleted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    sign_up(&app, "ana@example.org").await;
    let client = logged_in(&app, "ana@example.org").await;
    let count = || async {
        platform::on_db!(app.db(), pool => {
            sqlx::query_scalar::<_, i64>("SELECT CAST(COUNT(*) AS BIGINT) FROM sessions").fetch_one(pool).await.unwrap()
        })
    };
    let before = count().await;
    assert!(before >= 1);
    let now = platform::db::micros(time::OffsetDateTime::now_utc());
    assert_eq!(platform::identity::session::delete_expired(app.db(), now).await.unwrap(), 0, "live sessions are kept");
    let later = now + 3 * 3_600_000_000;
    assert_eq!(platform::identity::session::delete_expired(app.db(), later).await.unwrap() as i64, before);
    assert_eq!(client.get(app.url("/account")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
}

async fn csrf(app: &TestApp, client: &Client) -> String {
    app.csrf(client).await
}

async fn post_form(app: &TestApp, client: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    app.post_form(client, path, fields).await
}

async fn sign_up(app: &TestApp, email: &str) -> Uuid {
    app.sign_up(email).await
}

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    app.user_id(email).await
}

async fn logged_in(app: &TestApp, email: &str) -> Client {
    app.login_as(email).await
}

async fn grant(app: &TestApp, user: Uuid, role: &str) {
    app.grant(user, role).await
}

fn cookie_named(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn session_cookie(r: &reqwest::Response) -> Option<String> {
    cookie_named(r, "pix_session")
}

async fn csrf_missing_or_wrong_is_rejected(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    sign_up(&app, "ana@example.org").await;
    let client = new_client();
    let _ = csrf(&app, &client).await;
    let creds = [("identifier", "ana@example.org"), ("password", PASSWORD)];
    let missing = client.post(app.url("/login")).form(&creds).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    let mut wrong = creds.to_vec();
    wrong.push(("csrf_token", "0000"));
    assert_eq!(client.post(app.url("/login")).form(&wrong).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let api = client
        .post(app.url("/api/login"))
        .json(&serde_json::json!({"identifier": "ana@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::FORBIDDEN);
    assert_eq!(api.headers()[header::CONTENT_TYPE], "application/problem+json");
    // A cross-site form post is refused before any handler (Sec-Fetch-Site).
    let cross = client
        .post(app.url("/logout"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
}

async fn signup_login_new_session_id_and_cookie_flags(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    sign_up(&app, "ana@example.org").await;
    let client = new_client();
    let first = client.get(app.url("/api/session")).send().await.unwrap();
    assert_eq!(session_cookie(&first), None, "anonymous visitors get no session");
    let nonce = cookie_named(&first, "pix_csrf").expect("a CSRF cookie for anonymous forms");
    assert!(nonce.contains("HttpOnly") && nonce.contains("SameSite=Lax") && nonce.contains("Path=/"), "{nonce}");
    assert!(!nonce.contains("Secure"), "no Secure flag on plain-HTTP localhost");
    let token: serde_json::Value = first.json().await.unwrap();
    let login = client
        .post(app.url("/login"))
        .form(&[
            ("identifier", "ana@example.org"),
            ("password", PASSWORD),
            ("next", "/account"),
            ("csrf_token", token["csrf_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    assert_eq!(login.headers()[header::LOCATION], "/account");
    let after = session_cookie(&login).expect("a session cookie at login");
    assert!(after.contains("HttpOnly") && after.contains("SameSite=Lax") && after.contains("Path=/"), "{after}");
    // Logging in again gets another session id (against fixation).
    let again = logged_in(&app, "ana@example.org").await;
    let other = again.get(app.url("/api/session")).send().await.unwrap().json::<serde_json::Value>().await.unwrap();
    assert_ne!(other["csrf_token"], token["csrf_token"]);
    let account = client.get(app.url("/account")).send().await.unwrap();
    assert_eq!(account.status(), StatusCode::OK);
    assert!(account.text().await.unwrap().contains("ana@example.org"));
    // An https public URL makes the cookie Secure.
    let secure =
        TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.public_url = "https://pix.example".into())
            .await;
    let r = new_client().get(secure.url("/api/session")).send().await.unwrap();
    assert!(cookie_named(&r, "pix_csrf").unwrap().contains("Secure"));
}

async fn no_account_enumeration(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    sign_up(&app, "ana@example.org").await;
    let normalise = |html: String| {
        // Remove the parts that legitimately differ: the CSRF token and the echoed identifier.
        let re_token = html.find("name=\"csrf_token\" value=\"").map(|i| i + 25);
        let mut html = match re_token {
            Some(i) => format!("{}{}", &html[..i], &html[i + 64..]),
            None => html,
        };
        html = html.replace("ana@example.org", "X").replace("nobody@example.org", "X");
        html
    };
    let c1 = new_client();
    let known =
        post_form(&app, &c1, "/login", &[("identifier", "ana@example.org"), ("password", "Wrong-pass-1")]).await;
    let c2 = new_client();
    let unknown =
        post_form(&app, &c2, "/login", &[("identifier", "nobody@example.org"), ("password", "Wrong-pass-1")]).await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(known.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(normalise(known.text().await.unwrap()), normalise(unknown.text().await.unwrap()));

    let existing = post_form(
        &app,
        &new_client(),
        "/signup",
        &[
            ("first_name", "A"),
            ("last_name", "B"),
            ("email", "ana@example.org"),
            ("password", PASSWORD),
            ("terms", "yes"),
        ],
    )
    .await;
    let fresh = post_form(
        &app,
        &new_client(),
        "/signup",
        &[
            ("first_name", "A"),
            ("last_name", "B"),
            ("email", "new@example.org"),
            ("password", PASSWORD),
            ("terms", "yes"),
        ],
    )
    .await;
    assert_eq!(
        (existing.status(), existing.headers()[header::LOCATION].clone()),
        (fresh.status(), fresh.headers()[header::LOCATION].clone())
    );

    let before = app.mails().await.len();
    let a = post_form(&app, &new_client(), "/password/forgot", &[("email", "ana@example.org")]).await;
    let b = post_form(&app, &new_client(), "/password/forgot", &[("email", "nobody@example.org")]).await;
    assert_eq!(
        (a.status(), a.headers()[header::LOCATION].clone()),
        (b.status(), b.headers()[header::LOCATION].clone())
    );
    assert_eq!(app.mails().await.len(), before + 1, "only the real account gets a mail");

    sign_up(&app, "bob@example.org").await;
    let api_known = app
        .client
        .post(app.url("/api/login"))
        .header("x-csrf-token", csrf(&app, &app.client).await)
        .json(&serde_json::json!({"identifier": "bob@example.org", "password": "nope-Nope1"}))
        .send()
        .await
        .unwrap();
    let api_unknown = app
        .client
        .post(app.url("/api/login"))
        .header("x-csrf-token", csrf(&app, &app.client).await)
        .json(&serde_json::json!({"identifier": "zed@example.org", "password": "nope-Nope1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(api_known.status(), api_unknown.status());
    let (k, u): (serde_json::Value, serde_json::Value) =
        (api_known.json().await.unwrap(), api_unknown.json().await.unwrap());
    assert_eq!(
        (k["status"].clone(), k["type"].clone(), k["detail"].clone()),
        (u["status"].clone(), u["type"].clone(), u["detail"].clone())
    );
}

async fn login_throttling_timings_and_permanent_block(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), true, |_| {}).await;
    let clock = app.clock.clone().unwrap();
    let id = sign_up(&app, "ana@example.org").await;
    let client = new_client();
    let attempt = |password: &'static str| {
        let (app, client) = (&app, &client);
        async move { post_form(app, client, "/login", &[("identifier", "ana@example.org"), ("password", password)]).await }
    };
    for _ in 0..9 {
        assert_eq!(attempt("Wrong-pass-1").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let tenth = attempt("Wrong-pass-1").await;
    assert_eq!(tenth.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = tenth.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((119..=120).contains(&retry), "2 minutes after 10 failures, got {retry}");
    // Even the right password is refused while blocked.
    assert_eq!(attempt(PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    clock.advance(time::Duration::seconds(121));
    for _ in 0..9 {
        attempt("Wrong-pass-1").await;
    }
    let twentieth = attempt("Wrong-pass-1").await;
    let retry: u64 = twentieth.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((239..=240).contains(&retry), "4 minutes after 20 failures, got {retry}");
    clock.advance(time::Duration::seconds(241));
    let warned = attempt("Wrong-pass-1").await.text().await.unwrap();
    assert!(warned.contains("encore 9 essais"), "warning when few attempts remain");
    for _ in 0..8 {
        attempt("Wrong-pass-1").await;
    }
    let thirtieth = attempt("Wrong-pass-1").await;
    assert_eq!(thirtieth.status(), StatusCode::FORBIDDEN);
    clock.advance(time::Duration::days(30));
    assert_eq!(attempt(PASSWORD).await.status(), StatusCode::FORBIDDEN, "permanent until unblocked");
    // An administrator unblocks, then the right password works and resets the counters.
    let (support, _) = app.admin("support@example.org", "SUPPORT").await;
    let unblock = post_form(&app, &support, &format!("/admin/users/{id}/unblock"), &[("reason", "ticket 42")]).await;
    assert_eq!(unblock.status(), StatusCode::SEE_OTHER);
    assert_eq!(attempt(PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

async fn per_ip_limit_answers_429_with_retry_after(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.auth_rate_per_minute = 3).await;
    let client = new_client();
    let token = csrf(&app, &client).await;
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let r = client
            .post(app.url("/password/forgot"))
            .form(&[("email", "x@example.org"), ("csrf_token", &token)])
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
        last = Some(r);
    }
    assert_eq!(&statuses[..3], &[StatusCode::SEE_OTHER; 3]);
    let last = last.unwrap();
    assert_eq!(last.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(last.headers().get(header::RETRY_AFTER).is_some());
    assert!(last.text().await.unwrap().contains("Trop de tentatives"));
    // Pages that are not limited still answer.
    assert_eq!(client.get(app.url("/login")).send().await.unwrap().status(), StatusCode::OK);
}

async fn reset_token_is_single_use_and_expires(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), true, |_| {}).await;
    sign_up(&app, "ana@example.org").await;
    let client = new_client();
    post_form(&app, &client, "/password/forgot", &[("email", "ana@example.org")]).await;
    let token = token_in(&app.last_mail().await, "/password/reset");
    assert_eq!(token.len(), 64);
    assert_eq!(
        client.get(app.url(&format!("/password/reset?token={token}"))).send().await.unwrap().status(),
        StatusCode::OK
    );
    let weak = post_form(&app, &client, "/password/reset", &[("token", &token), ("password", "short")]).await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY, "the rule applies, the token is not consumed");
    let ok = post_form(&app, &client, "/password/reset", &[("token", &token), ("password", "Brand-New-Pass-7")]).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let again = post_form(&app, &client, "/password/reset", &[("token", &token), ("password", "Another-Pass-8")]).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST, "single use");
    let login = post_form(
        &app,
        &new_client(),
        "/login",
        &[("identifier", "ana@example.org"), ("password", "Brand-New-Pass-7")],
    )
    .await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    // A second link expires after one hour.
    post_form(&app, &client, "/password/forgot", &[("email", "ana@example.org")]).await;
    let token = token_in(&app.last_mail().await, "/password/reset");
    app.clock.as_ref().unwrap().advance(time::Duration::minutes(61));
    let late = post_form(&app, &client, "/password/reset", &[("token", &token), ("password", "Another-Pass-8")]).await;
    assert_eq!(late.status(), StatusCode::BAD_REQUEST);
}

async fn email_change_needs_confirmation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    sign_up(&app, "ana@example.org").await;
    let client = logged_in(&app, "ana@example.org").await;
    // The current password is required.
    let wrong = post_form(
        &app,
        &client,
        "/account/email",
        &[("new_email", "ana.new@example.org"), ("email_password", "Nope-123x")],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.unwrap().contains("href=\"#email_password\""));
    assert!(app.mails_to("ana.new@example.org").await.is_empty(), "nothing sent without the password");
    let r = post_form(
        &app,
        &client,
        "/account/email",
        &[("new_email", "ana.new@example.org"), ("email_password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to_new = app.mails_to("ana.new@example.org").await;
    assert_eq!(to_new.len(), 1);
    // The current address is told, without the full new address.
    let to_old = app.mails_to("ana@example.org").await;
    assert_eq!(to_old.len(), 1, "the current address is notified");
    assert!(to_old[0].contains("a***@example.org") && !to_old[0].contains("ana.new@"), "{}", to_old[0]);
    // Not changed before confirmation.
    assert!(client.get(app.url("/account")).send().await.unwrap().text().await.unwrap().contains("ana@example.org"));
    let token = token_in(&to_new[0], "/account/email/confirm");
    let confirm = client.get(app.url(&format!("/account/email/confirm?token={token}"))).send().await.unwrap();
    assert_eq!(confirm.status(), StatusCode::OK);
    assert!(
        client.get(app.url("/account")).send().await.unwrap().text().await.unwrap().contains("ana.new@example.org")
    );
    let reuse = client.get(app.url(&format!("/account/email/confirm?token={token}"))).send().await.unwrap();
    assert_eq!(reuse.status(), StatusCode::BAD_REQUEST);
    // The API asks for the password too.
    let api = app
        .send_json(
            &client,
            reqwest::Method::POST,
            "/api/me/email",
            &serde_json::json!({"new_email": "x@example.org", "current_password": "Nope-123x"}),
        )
        .await;
    assert_eq!(api.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: serde_json::Value = api.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "current_password");
}

/// Every unused link stops working when the password changes, is reset, or the address changes.
async fn outstanding_links_die_with_the_credentials(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    sign_up(&app, "ana@example.org").await;
    let me = logged_in(&app, "ana@example.org").await;
    let usable = |token: String| {
        let app = &app;
        async move {
            let r = new_client().get(app.url(&format!("/password/reset?token={token}"))).send().await.unwrap();
            r.status() == StatusCode::OK
        }
    };
    // A reset link, then a password change: the link is dead.
    post_form(&app, &new_client(), "/password/forgot", &[("email", "ana@example.org")]).await;
    let reset_link = token_in(&app.last_mail().await, "/password/reset");
    assert!(usable(reset_link.clone()).await);
    let changed = post_form(
        &app,
        &me,
        "/account/password",
        &[("current_password", PASSWORD), ("new_password", "Changed-Pass-9")],
    )
    .await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    assert!(!usable(reset_link).await, "password change kills reset links");
    // Two reset links: using one kills the other; an email-change link dies too.
    let me = {
        let c = new_client();
        post_form(&app, &c, "/login", &[("identifier", "ana@example.org"), ("password", "Changed-Pass-9")]).await;
        c
    };
    post_form(&app, &me, "/account/email", &[("new_email", "ana2@example.org"), ("email_password", "Changed-Pass-9")])
        .await;
    let email_link = token_in(&app.mails_to("ana2@example.org").await.pop().unwrap(), "/account/email/confirm");
    post_form(&app, &new_client(), "/password/forgot", &[("email", "ana@example.org")]).await;
    let first = token_in(&app.last_mail().await, "/password/reset");
    post_form(&app, &new_client(), "/password/forgot", &[("email", "ana@example.org")]).await;
    let second = token_in(&app.last_mail().await, "/password/reset");
    assert_ne!(first, second);
    let r =
        post_form(&app, &new_client(), "/password/reset", &[("token", &first), ("password", "Reset-Pass-10")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!usable(second).await, "a reset kills the other reset links");
    let confirm =
        new_client().get(app.url(&format!("/account/email/confirm?token={email_link}"))).send().await.unwrap();
    assert_eq!(confirm.status(), StatusCode::BAD_REQUEST, "a reset kills email-change links");
    // An email change kills pending reset links.
    let me = {
        let c = new_client();
        post_form(&app, &c, "/login", &[("identifier", "ana@example.org"), ("password", "Reset-Pass-10")]).await;
        c
    };
    post_form(&app, &new_client(), "/password/forgot", &[("email", "ana@example.org")]).await;
    let pending = token_in(&app.last_mail().await, "/password/reset");
    post_form(&app, &me, "/account/email", &[("new_email", "ana3@example.org"), ("email_password", "Reset-Pass-10")])
        .await;
    let link = token_in(&app.mails_to("ana3@example.org").await.pop().unwrap(), "/account/email/confirm");
    assert_eq!(
        new_client().get(app.url(&format!("/account/email/confirm?token={link}"))).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert!(!usable(pending).await, "an email change kills reset links");
}

/// Email-change requests are limited per client IP like the other mail-sending forms.
async fn email_change_is_rate_limited(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.auth_rate_per_minute = 6).await;
    let id_client = new_client();
    post_form(
        &app,
        &id_client,
        "/signup",
        &[
            ("first_name", "A"),
            ("last_name", "B"),
            ("email", "ana@example.org"),
            ("password", PASSWORD),
            ("terms", "yes"),
        ],
    )
    .await;
    let me = logged_in(&app, "ana@example.org").await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let email = format!("n{i}@example.org");
        let r = post_form(&app, &me, "/account/email", &[("new_email", &email), ("email_password", PASSWORD)]).await;
        statuses.push(r.status());
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
}

async fn logout_everywhere_closes_other_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    sign_up(&app, "ana@example.org").await;
    let phone = logged_in(&app, "ana@example.org").await;
    let laptop = logged_in(&app, "ana@example.org").await;
    assert_eq!(phone.get(app.url("/account")).send().await.unwrap().status(), StatusCode::OK);
    let r = post_form(&app, &laptop, "/logout-everywhere", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let phone_after = phone.get(app.url("/account")).send().await.unwrap();
    assert_eq!(phone_after.status(), StatusCode::SEE_OTHER, "redirected to login");
    assert!(phone_after.headers()[header::LOCATION].to_str().unwrap().starts_with("/login?next="));
    // Plain logout.
    let tablet = logged_in(&app, "ana@example.org").await;
    post_form(&app, &tablet, "/logout", &[]).await;
    assert_eq!(tablet.get(app.url("/account")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
}

async fn role_checks_route_by_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let learner = sign_up(&app, "learner@example.org").await;
    let support = sign_up(&app, "support@example.org").await;
    let metier = sign_up(&app, "metier@example.org").await;
    let superadmin = sign_up(&app, "super@example.org").await;
    let member = sign_up(&app, "teacher@example.org").await;
    let invigilator = sign_up(&app, "centre@example.org").await;
    grant(&app, support, "SUPPORT").await;
    grant(&app, metier, "METIER").await;
    grant(&app, superadmin, "SUPER_ADMIN").await;
    let org = Uuid::now_v7();
    platform::on_db!(app.db(), pool => {
        sqlx::query("INSERT INTO organizations (id, name, kind, created_at) VALUES ($1, 'Collège', 'SCO', 0)").bind(org).execute(pool).await.unwrap();
        sqlx::query("INSERT INTO memberships (user_id, organization_id, role, created_at) VALUES ($1, $2, 'MEMBER', 0)").bind(member).bind(org).execute(pool).await.unwrap();
        let centre = Uuid::now_v7();
        sqlx::query("INSERT INTO certification_centers (id, name, created_at) VALUES ($1, 'Centre', 0)").bind(centre).execute(pool).await.unwrap();
        sqlx::query("INSERT INTO center_memberships (user_id, center_id, role, created_at) VALUES ($1, $2, 'MEMBER', 0)").bind(invigilator).bind(centre).execute(pool).await.unwrap();
    });
    let user_page = format!("/admin/users/{learner}");
    let org_page = format!("/orga/{org}/campaigns");
    // (route, anonymous, learner, support, metier, super admin, org member, centre member)
    use StatusCode as S;
    let redirect = S::SEE_OTHER;
    let table: Vec<(&str, [S; 7])> = vec![
        ("/account", [redirect, S::OK, S::OK, S::OK, S::OK, S::OK, S::OK]),
        ("/admin", [redirect, S::FORBIDDEN, S::OK, S::OK, S::OK, S::FORBIDDEN, S::FORBIDDEN]),
        ("/admin/users?q=example", [redirect, S::FORBIDDEN, S::OK, S::FORBIDDEN, S::OK, S::FORBIDDEN, S::FORBIDDEN]),
        (&user_page, [redirect, S::FORBIDDEN, S::OK, S::FORBIDDEN, S::OK, S::FORBIDDEN, S::FORBIDDEN]),
        ("/admin/audit", [redirect, S::FORBIDDEN, S::FORBIDDEN, S::FORBIDDEN, S::OK, S::FORBIDDEN, S::FORBIDDEN]),
        // A member of a single organisation goes straight to its campaigns.
        ("/orga", [redirect, S::FORBIDDEN, S::FORBIDDEN, S::FORBIDDEN, S::FORBIDDEN, redirect, S::FORBIDDEN]),
        (&org_page, [redirect, S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND, S::OK, S::NOT_FOUND]),
        ("/certif", [redirect, S::FORBIDDEN, S::FORBIDDEN, S::FORBIDDEN, S::FORBIDDEN, S::FORBIDDEN, S::OK]),
        ("/api/me", [S::UNAUTHORIZED, S::OK, S::OK, S::OK, S::OK, S::OK, S::OK]),
        ("/account/export", [redirect, S::OK, S::OK, S::OK, S::OK, S::OK, S::OK]),
    ];
    let clients = [
        new_client(),
        logged_in(&app, "learner@example.org").await,
        logged_in(&app, "support@example.org").await,
        logged_in(&app, "metier@example.org").await,
        logged_in(&app, "super@example.org").await,
        logged_in(&app, "teacher@example.org").await,
        logged_in(&app, "centre@example.org").await,
    ];
    for (route, expected) in &table {
        for (who, (client, status)) in clients.iter().zip(expected).enumerate() {
            let got = client.get(app.url(route)).send().await.unwrap().status();
            assert_eq!(got, *status, "{route} as client #{who}");
        }
    }
    // State-changing admin routes: role changes are for super admins only.
    let grant_support = post_form(
        &app,
        &clients[2],
        &format!("/admin/users/{learner}/roles"),
        &[("role", "CERTIF"), ("action", "grant")],
    )
    .await;
    assert_eq!(grant_support.status(), S::FORBIDDEN);
    let grant_super = post_form(
        &app,
        &clients[4],
        &format!("/admin/users/{learner}/roles"),
        &[("role", "CERTIF"), ("action", "grant")],
    )
    .await;
    assert_eq!(grant_super.status(), S::SEE_OTHER);
    // The learner's sessions were closed by the privilege change: a new login gets the new role.
    assert_eq!(clients[1].get(app.url("/admin")).send().await.unwrap().status(), redirect);
    let relogged = logged_in(&app, "learner@example.org").await;
    assert_eq!(relogged.get(app.url("/admin")).send().await.unwrap().status(), S::OK);
    let unblock_by_metier =
        post_form(&app, &clients[3], &format!("/admin/users/{learner}/unblock"), &[("reason", "x")]).await;
    assert_eq!(unblock_by_metier.status(), S::FORBIDDEN);
}

async fn admin_reads_are_audited_and_audit_is_append_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let learner = sign_up(&app, "learner@example.org").await;
    let (client, admin) = app.admin("super@example.org", "SUPER_ADMIN").await;
    assert_eq!(client.get(app.url(&format!("/admin/users/{learner}"))).send().await.unwrap().status(), StatusCode::OK);
    client.get(app.url("/admin/users?q=learner")).send().await.unwrap();
    let rows: Vec<(Option<Uuid>, String, Option<Uuid>)> = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT actor_id, action, subject_id FROM audit_log ORDER BY at").fetch_all(pool).await.unwrap()
    });
    assert!(rows.contains(&(Some(admin), "user.read".into(), Some(learner))), "{rows:?}");
    assert!(rows.iter().any(|(a, action, _)| *a == Some(admin) && action == "user.search"));
    let audit_page = client.get(app.url("/admin/audit")).send().await.unwrap().text().await.unwrap();
    assert!(audit_page.contains("user.read"));
    // The database refuses to edit or delete audit rows.
    let update = platform::on_db!(app.db(), pool => { sqlx::query("UPDATE audit_log SET reason = 'x'").execute(pool).await.map(|_| ()) });
    assert!(update.is_err());
    let delete =
        platform::on_db!(app.db(), pool => { sqlx::query("DELETE FROM audit_log").execute(pool).await.map(|_| ()) });
    assert!(delete.is_err());
}

async fn export_contains_the_person_data(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = sign_up(&app, "ana@example.org").await;
    let client = logged_in(&app, "ana@example.org").await;
    let r = client.get(app.url("/account/export")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().contains("attachment"));
    let doc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(doc["account"]["id"], id.to_string());
    assert_eq!(doc["account"]["email"], "ana@example.org");
    assert_eq!(doc["account"]["first_name"], "Camille");
    assert!(doc["consents"]["terms_of_use_and_privacy_policy_accepted_at"].as_i64().is_some_and(|t| t > 0));
    assert!(doc.to_string().find("argon2").is_none(), "no password hash in the export");
    // The export itself is recorded, and shows in the next export.
    let again: serde_json::Value = client.get(app.url("/account/export")).send().await.unwrap().json().await.unwrap();
    assert!(again["audit_entries_about_me"].as_array().unwrap().iter().any(|e| e["action"] == "account.export"));
}

/// Every text-like value of every column of every table, as strings.
async fn all_text(app: &TestApp) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    match app.db() {
        platform::db::Db::Sqlite(pool) => {
            let columns: Vec<(String, String)> = sqlx::query_as(
                "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for (table, column) in columns {
                let values: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT CASE WHEN typeof(\"{column}\") = 'blob' THEN NULL ELSE CAST(\"{column}\" AS TEXT) END FROM \"{table}\""))).fetch_all(pool).await.unwrap();
                found.extend(values.into_iter().flatten().map(|v| (table.clone(), column.clone(), v)));
            }
        }
        platform::db::Db::Postgres(pool) => {
            let columns: Vec<(String, String)> = sqlx::query_as("SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = 'public'")
                .fetch_all(pool).await.unwrap();
            for (table, column) in columns {
                let values: Vec<Option<String>> =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT \"{column}\"::text FROM \"{table}\"")))
                        .fetch_all(pool)
                        .await
                        .unwrap();
                found.extend(values.into_iter().flatten().map(|v| (table.clone(), column.clone(), v)));
            }
        }
    }
    found
}

/// Which of `secrets` the database's own files still contain, byte for byte: the SQLite file and its
/// write-ahead log, or the files of the test's PostgreSQL database (after a checkpoint; PostgreSQL's
/// own write-ahead log is recycled, not scrubbed: docs/security.md says how long it and backups
/// keep data). On PostgreSQL the vacuum runs after the answer: this waits for it, up to 20 s.
async fn raw_leftovers(app: &TestApp, secrets: &[&str]) -> Vec<String> {
    let scan = |files: Vec<std::path::PathBuf>| {
        let mut found = Vec::new();
        for file in files {
            let Ok(bytes) = std::fs::read(&file) else { continue };
            for secret in secrets {
                if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
                    found.push(format!("{} in {}", secret, file.display()));
                }
            }
        }
        found
    };
    match app.db() {
        platform::db::Db::Sqlite(_) => {
            let dir = app.data.data_dir.path();
            scan(vec![dir.join("pix.db"), dir.join("pix.db-wal")])
        }
        platform::db::Db::Postgres(pool) => {
            let data: String = sqlx::query_scalar("SHOW data_directory").fetch_one(pool).await.unwrap();
            let oid: sqlx::postgres::types::Oid =
                sqlx::query_scalar("SELECT oid FROM pg_database WHERE datname = current_database()")
                    .fetch_one(pool)
                    .await
                    .unwrap();
            let base = std::path::Path::new(&data).join("base").join(oid.0.to_string());
            let mut found = Vec::new();
            for _ in 0..40 {
                sqlx::query("CHECKPOINT").execute(pool).await.unwrap();
                let files = std::fs::read_dir(&base).unwrap().map(|e| e.unwrap().path()).collect();
                found = scan(files);
                if found.is_empty() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            found
        }
    }
}

async fn erasure_leaves_no_personal_data_anywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = new_client();
    let r = post_form(
        &app,
        &client,
        "/signup",
        &[
            ("first_name", "Zéphyrine"),
            ("last_name", "Quasimodo"),
            ("email", "zephyrine.q@example.org"),
            ("password", PASSWORD),
            ("terms", "yes"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = user_id(&app, "zephyrine.q@example.org").await;
    let me = logged_in(&app, "zephyrine.q@example.org").await;
    post_form(
        &app,
        &me,
        "/account/profile",
        &[("first_name", "Zéphyrine"), ("last_name", "Quasimodo"), ("username", "zeph.q"), ("lang", "fr")],
    )
    .await;
    post_form(&app, &me, "/account/email", &[("new_email", "zq.other@example.org"), ("email_password", PASSWORD)])
        .await;
    post_form(&app, &new_client(), "/password/forgot", &[("email", "zephyrine.q@example.org")]).await;
    post_form(&app, &new_client(), "/login", &[("identifier", "zeph.q"), ("password", "Wrong-pass-1")]).await;
    let before = all_text(&app).await;
    assert!(
        before.iter().any(|(_, _, v)| v.contains("zephyrine.q@example.org")),
        "the scan sees the data before erasure"
    );
    let wrong = post_form(&app, &me, "/account/delete", &[("delete_password", "Wrong-pass-1")]).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Mails to the person's addresses are in the outbox folder, and one is still queued.
    app.drain_outbox().await;
    assert!(!app.mails_to("zephyrine.q@example.org").await.is_empty());
    assert!(!app.mails_to("zq.other@example.org").await.is_empty());
    post_form(&app, &new_client(), "/password/forgot", &[("email", "zephyrine.q@example.org")]).await;
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox").await, 1);
    let erased = post_form(&app, &me, "/account/delete", &[("delete_password", PASSWORD)]).await;
    assert_eq!(erased.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox").await, 0, "queued mail removed");
    for mail in app.mails().await {
        for address in ["zephyrine.q@example.org", "zq.other@example.org"] {
            assert!(!mail.contains(address), "a mail to {address} is left in the outbox folder");
        }
    }
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM login_throttles").await, 0, "throttle keys purged");
    for (table, column, value) in all_text(&app).await {
        let lower = value.to_lowercase();
        for secret in ["zéphyrine", "quasimodo", "zephyrine.q@example.org", "zq.other@example.org", "zeph.q"] {
            assert!(!lower.contains(secret), "{table}.{column} still holds {secret:?}: {value}");
        }
    }
    let (created, first, anonymised): (i64, String, bool) = platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT created_at, first_name, anonymised FROM users WHERE id = $1").bind(id).fetch_one(pool).await.unwrap()
    });
    assert!(anonymised && first == "(anonymised)");
    // Item 9: nor in the database's files (deleted rows stay on free pages unless overwritten).
    let secrets = ["Zéphyrine", "Quasimodo", "zephyrine.q@example.org", "zq.other@example.org"];
    if let platform::db::Db::Postgres(pool) = app.db() {
        // A vacuum ran after the erasure (its freed bytes stay until `pix scrub --rewrite`).
        let mut vacuumed = None;
        for _ in 0..40 {
            vacuumed = sqlx::query_scalar::<_, Option<time::OffsetDateTime>>(
                "SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'users'",
            )
            .fetch_one(pool)
            .await
            .unwrap();
            if vacuumed.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        assert!(vacuumed.is_some(), "users was vacuumed after the erasure");
        platform::personal_data::rewrite(app.db()).await.unwrap();
    }
    let leftovers = raw_leftovers(&app, &secrets).await;
    assert_eq!(leftovers, Vec::<String>::new(), "the raw database files still hold erased data");
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(created) * 1000).unwrap();
    assert_eq!((t.day(), t.hour(), t.minute()), (1, 0, 0), "creation date generalised to the month");
    assert_eq!(me.get(app.url("/account")).send().await.unwrap().status(), StatusCode::SEE_OTHER, "logged out");
    let login =
        post_form(&app, &new_client(), "/login", &[("identifier", "zephyrine.q@example.org"), ("password", PASSWORD)])
            .await;
    assert_eq!(login.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn api_journey_and_openapi(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = new_client();
    let token = csrf(&app, &client).await;
    let bad = client
        .post(app.url("/api/signup"))
        .header("x-csrf-token", &token)
        .json(&serde_json::json!({
            "first_name": "", "last_name": "Martin", "email": "not-an-email", "password": "short", "accept_terms": false
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: serde_json::Value = bad.json().await.unwrap();
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["first_name", "email", "password", "terms"]);
    let ok = client.post(app.url("/api/signup")).header("x-csrf-token", &token).json(&serde_json::json!({
        "first_name": "Camille", "last_name": "Martin", "email": "cam@example.org", "password": PASSWORD, "accept_terms": true
    })).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::ACCEPTED);
    let login = client
        .post(app.url("/api/login"))
        .header("x-csrf-token", &token)
        .json(&serde_json::json!({"identifier": "cam@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let me: serde_json::Value = client.get(app.url("/api/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], "cam@example.org");
    let token = csrf(&app, &client).await;
    let patched = client
        .patch(app.url("/api/me"))
        .header("x-csrf-token", &token)
        .json(&serde_json::json!({"first_name": "Cam", "last_name": "Martin", "username": "cam", "lang": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::OK);
    let export: serde_json::Value = client.get(app.url("/api/me/export")).send().await.unwrap().json().await.unwrap();
    assert_eq!(export["account"]["username"], "cam");
    let malformed = client
        .post(app.url("/api/me/password"))
        .header("x-csrf-token", &token)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(malformed.status().is_client_error());
    assert_eq!(malformed.headers()[header::CONTENT_TYPE], "application/problem+json");
    let deleted = client
        .delete(app.url("/api/me"))
        .header("x-csrf-token", &token)
        .json(&serde_json::json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(client.get(app.url("/api/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let doc: serde_json::Value = app.get("/api/openapi.json").await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in
        ["/api/session", "/api/signup", "/api/login", "/api/logout", "/api/me", "/api/me/export", "/api/password/reset"]
    {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
}

async fn form_errors_keep_input_and_point_to_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = post_form(
        &app,
        &new_client(),
        "/signup",
        &[("first_name", "Camille"), ("last_name", ""), ("email", "camille@"), ("password", "abc")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = scraper::Html::parse_document(&r.text().await.unwrap());
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    let links: Vec<String> =
        html.select(&sel(".error-summary a")).map(|a| a.value().attr("href").unwrap().to_owned()).collect();
    assert_eq!(links, vec!["#last_name", "#email", "#password", "#terms"]);
    let first = html.select(&sel("#first_name")).next().unwrap();
    assert_eq!(first.value().attr("value"), Some("Camille"), "input kept");
    let email = html.select(&sel("#email")).next().unwrap();
    assert_eq!(email.value().attr("aria-invalid"), Some("true"));
    assert!(email.value().attr("aria-describedby").unwrap().contains("email-error"));
    assert!(html.select(&sel("#email-error")).next().is_some());
    let password = html.select(&sel("#password")).next().unwrap();
    assert_eq!(password.value().attr("value"), None, "passwords are never echoed");
    let _ = Duration::from_secs(0);
}

/// Failed logins are counted atomically before the password is checked: 50 parallel attempts
/// check exactly 10 passwords before the 2-minute block, and 30 in all before the permanent block.
async fn parallel_wrong_passwords_cannot_pass_the_limits(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), true, |_| {}).await;
    let clock = app.clock.clone().unwrap();
    sign_up(&app, "ana@example.org").await;
    let client = new_client();
    let token = csrf(&app, &client).await;
    let burst = || {
        let (app, client, token) = (&app, &client, &token);
        async move {
            let attempts = (0..50).map(|_| async move {
                client
                    .post(app.url("/api/login"))
                    .header("x-csrf-token", token)
                    .json(&serde_json::json!({"identifier": "ana@example.org", "password": "Wrong-pass-1"}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            });
            let statuses = futures_util::future::join_all(attempts).await;
            let count = |s: StatusCode| statuses.iter().filter(|x| **x == s).count();
            (count(StatusCode::UNAUTHORIZED), count(StatusCode::TOO_MANY_REQUESTS), count(StatusCode::FORBIDDEN))
        }
    };
    let failures = || async {
        platform::on_db!(app.db(), pool => {
            sqlx::query_scalar::<_, i64>("SELECT failure_count FROM login_throttles").fetch_one(pool).await.unwrap()
        })
    };
    assert_eq!(burst().await, (9, 41, 0), "9 refused passwords, then the 10th blocks for 2 minutes");
    assert_eq!(failures().await, 10);
    clock.advance(time::Duration::seconds(121));
    assert_eq!(burst().await, (9, 41, 0));
    assert_eq!(failures().await, 20);
    clock.advance(time::Duration::seconds(241));
    assert_eq!(burst().await, (9, 0, 41), "the 30th failure blocks for good");
    assert_eq!(failures().await, 30, "never more than 30 passwords checked");
    let right = app
        .send_json(
            &client,
            reqwest::Method::POST,
            "/api/login",
            &serde_json::json!({"identifier": "ana@example.org", "password": PASSWORD}),
        )
        .await;
    assert_eq!(right.status(), StatusCode::FORBIDDEN);
}

/// Showing the anonymous pages writes nothing to the sessions table; only logging in does.
async fn anonymous_pages_store_no_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    sign_up(&app, "ana@example.org").await;
    let sessions = || app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM sessions");
    assert_eq!(sessions().await, 0);
    let visitor = new_client();
    for path in ["/", "/login", "/signup", "/password/forgot", "/api/session", "/login?next=/profile"] {
        assert_eq!(visitor.get(app.url(path)).send().await.unwrap().status(), StatusCode::OK, "{path}");
    }
    // A failed login from the anonymous form is checked without a stored session either.
    let failed =
        post_form(&app, &visitor, "/login", &[("identifier", "ana@example.org"), ("password", "Wrong-pass-1")]).await;
    assert_eq!(failed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(sessions().await, 0, "no session row for anonymous visits");
    logged_in(&app, "ana@example.org").await;
    assert_eq!(sessions().await, 1, "login creates the session");
}

/// Every redirect target taken from a request is a local path; test vectors for each route.
async fn redirect_targets_are_local_paths(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    sign_up(&app, "ana@example.org").await;
    let hostile = [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d/evil.example",
        "/%20/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "%5C%5Cevil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "/%E2%80%A8/evil.example",
        "evil.example",
    ];
    let location = |r: &reqwest::Response| r.headers()[header::LOCATION].to_str().unwrap().to_owned();
    for next in hostile {
        let r = app.get(&format!("/lang/en?next={next}")).await;
        assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, "/".to_owned()), "language switch, next={next}");
        // After login.
        let client = new_client();
        let token = csrf(&app, &client).await;
        let decoded: String = form_urlencoded::parse(format!("n={next}").as_bytes()).next().unwrap().1.into_owned();
        let r = client
            .post(app.url("/login"))
            .form(&[
                ("identifier", "ana@example.org"),
                ("password", PASSWORD),
                ("next", &decoded),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&r), "/profile", "login, next={next:?}");
        // Already signed in: the login page sends on.
        let r = client.get(app.url(&format!("/login?next={next}"))).send().await.unwrap();
        assert_eq!(location(&r), "/profile", "login page, next={next}");
        // Saving a tutorial goes back.
        let tutorial = app.state.content.tutorials[0].id.clone();
        let r = post_form(&app, &client, &format!("/tutorials/{tutorial}/save"), &[("back", &decoded)]).await;
        assert_eq!(location(&r), "/tutorials", "tutorial save, back={next:?}");
    }
    // Local targets still work, query strings included.
    let r = app.get("/lang/en?next=%2Fpassword%2Freset%3Ftoken%3Dabc").await;
    assert_eq!(location(&r), "/password/reset?token=abc");
}

/// Per-IP limits count the client behind trusted proxies, and only behind them.
async fn client_address_behind_trusted_proxies(backend: Backend) {
    let forgot = |app: &TestApp, client: &Client, token: String, xff: &'static str| {
        let request = client
            .post(app.url("/password/forgot"))
            .header("x-forwarded-for", xff)
            .form(&[("email", "x@example.org"), ("csrf_token", &token)]);
        async move { request.send().await.unwrap().status() }
    };
    // The loopback peer is a trusted proxy: two clients behind it have their own quotas.
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| {
        s.auth_rate_per_minute = 2;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let client = new_client();
    let token = csrf(&app, &client).await;
    for _ in 0..2 {
        assert_eq!(forgot(&app, &client, token.clone(), "203.0.113.1").await, StatusCode::SEE_OTHER);
    }
    assert_eq!(forgot(&app, &client, token.clone(), "203.0.113.1").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(forgot(&app, &client, token.clone(), "203.0.113.2").await, StatusCode::SEE_OTHER, "another client");
    // A client cannot escape its quota by prepending a forged address: the right-most untrusted hop counts.
    assert_eq!(forgot(&app, &client, token.clone(), "9.9.9.9, 203.0.113.1").await, StatusCode::TOO_MANY_REQUESTS);
    // Without trusted proxies, the header is ignored: everyone behind loopback shares one quota.
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.auth_rate_per_minute = 2).await;
    let token = csrf(&app, &client).await;
    assert_eq!(forgot(&app, &client, token.clone(), "203.0.113.1").await, StatusCode::SEE_OTHER);
    assert_eq!(forgot(&app, &client, token.clone(), "203.0.113.2").await, StatusCode::SEE_OTHER);
    assert_eq!(forgot(&app, &client, token.clone(), "203.0.113.3").await, StatusCode::TOO_MANY_REQUESTS);
}

/// The language switch comes back to the same page with its query string (a reset link opened in
/// the other language still works).
async fn language_switch_keeps_the_query_string(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    sign_up(&app, "ana@example.org").await;
    post_form(&app, &new_client(), "/password/forgot", &[("email", "ana@example.org")]).await;
    let token = token_in(&app.last_mail().await, "/password/reset");
    let client = new_client();
    let page =
        client.get(app.url(&format!("/password/reset?token={token}"))).send().await.unwrap().text().await.unwrap();
    let html = scraper::Html::parse_document(&page);
    let switch = html
        .select(&scraper::Selector::parse("a.lang-switch").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert_eq!(switch, format!("/lang/en?next=/password/reset%3Ftoken%3D{token}"));
    let r = client.get(app.url(&switch)).send().await.unwrap();
    assert_eq!(r.headers()[header::LOCATION].to_str().unwrap(), format!("/password/reset?token={token}"));
    let english = client.get(app.url(&format!("/password/reset?token={token}"))).send().await.unwrap();
    assert_eq!(english.status(), StatusCode::OK);
    assert!(english.text().await.unwrap().contains("lang=\"en\""));
}

/// Behind a balancer the per-IP limit is the cluster's, not each node's: with a limit of 4 per
/// minute, requests alternating between two nodes are refused from the fifth (PostgreSQL; one
/// SQLite node limits by itself).
async fn per_ip_limit_is_shared_by_the_nodes(backend: Backend) {
    // A minute's window must not turn over in the middle.
    let second_of_minute = time::OffsetDateTime::now_utc().second();
    if second_of_minute > 50 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(61 - second_of_minute))).await;
    }
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.auth_rate_per_minute = 4).await;
    let other = match backend {
        Backend::Postgres => {
            let mut settings = (*app.state.settings).clone();
            settings.bind = "127.0.0.1:0".parse().unwrap();
            let node = platform::Server::build(settings).await.expect("second node");
            let addr = node.local_addr();
            tokio::spawn(node.run(std::future::pending()));
            format!("http://{addr}")
        }
        Backend::Sqlite => app.url(""),
    };
    let client = new_client();
    let token = csrf(&app, &client).await;
    let mut statuses = Vec::new();
    for n in 0..6 {
        let base = if n % 2 == 0 { app.url("") } else { other.clone() };
        let r = client
            .post(format!("{base}/password/forgot"))
            .form(&[("email", "x@example.org"), ("csrf_token", &token)])
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert_eq!(
        statuses,
        [[StatusCode::SEE_OTHER; 4].as_slice(), &[StatusCode::TOO_MANY_REQUESTS; 2]].concat(),
        "four allowed across the nodes, then refused on both"
    );
}
