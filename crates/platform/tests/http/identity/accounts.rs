//! Accounts and sessions: CSRF, sign-up and login, no enumeration, throttling and per-IP limits, reset and email change, logging out everywhere.

use super::*;
use crate::dual;

dual!(
    csrf_missing_or_wrong_is_rejected,
    signup_login_new_session_id_and_cookie_flags,
    no_account_enumeration,
    login_throttling_timings_and_permanent_block,
    per_ip_limit_answers_429_with_retry_after,
    reset_token_is_single_use_and_expires,
    email_change_needs_confirmation,
    logout_everywhere_closes_other_sessions,
    expired_sessions_are_deleted,
    outstanding_links_die_with_the_credentials,
    email_change_is_rate_limited,
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
