//! The web kit seen from outside: form errors, parallel guesses, anonymous pages, redirect targets, client addresses behind proxies, the language switch, limits shared by the nodes.

use super::*;
use crate::dual;

dual!(
    per_ip_limit_is_shared_by_the_nodes,
    form_errors_keep_input_and_point_to_fields,
    parallel_wrong_passwords_cannot_pass_the_limits,
    anonymous_pages_store_no_session,
    redirect_targets_are_local_paths,
    client_address_behind_trusted_proxies,
    language_switch_keeps_the_query_string,
);

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
