//! The walking skeleton's behaviour: health, errors, headers, languages, migrations, shutdown.

use std::time::Duration;

use axum::routing::get;
use reqwest::{StatusCode, header};

use crate::{
    dual,
    support::{Backend, TestApp, TestDb},
};

dual!(
    health_and_readiness,
    readiness_fails_when_database_is_gone,
    readiness_answers_within_a_second_when_no_connection_comes_free,
    not_found_page_is_html_in_the_user_language,
    not_found_api_is_problem_json,
    security_headers_on_pages_and_api,
    language_switch_and_accept_language,
    migrations_applied_once_when_two_nodes_start_together,
    graceful_shutdown_finishes_in_flight_request,
    oversized_body_is_rejected_with_413,
    panic_becomes_500_and_node_keeps_serving,
    request_id_is_echoed_or_generated,
    static_assets_are_hashed_cached_and_compressed,
    metrics_count_requests_and_pool,
    public_pages_render_in_both_languages,
    schema_matches_between_backends,
    content_is_loaded_versioned_and_its_media_served,
    scheduled_jobs_run_once_per_cluster,
    a_backup_taken_under_load_restores_every_acknowledged_answer,
    a_database_refusing_writes_gives_a_clear_error_and_loses_nothing,
);

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

async fn readiness_fails_when_database_is_gone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    let (client, _) = app.learner("lou@example.org").await;
    app.db().close().await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    // A person meanwhile reads a clear page, an API client a problem document, both 503.
    let page = client.get(app.url("/profile")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let html = page.text().await.unwrap();
    assert!(html.contains("<html") && html.contains("indisponible"), "{html}");
    let api = client.get(app.url("/api/profile")).send().await.unwrap();
    assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.headers()[header::CONTENT_TYPE], "application/problem+json");
}

/// A balancer's health check gives up after about a second: when the database does not answer in
/// time (here: every pooled connection is held), readiness says 503 within that, instead of
/// waiting for the pool's 5 s acquire timeout.
async fn readiness_answers_within_a_second_when_no_connection_comes_free(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), false, |s| s.db.db_max_connections = Some(2)).await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    // Every connection the pool can give is taken (an acquire that waits 300 ms finds none free).
    let wait = Duration::from_millis(300);
    let (mut sqlite, mut postgres) = (Vec::new(), Vec::new());
    match app.db() {
        platform::db::Db::Sqlite(pool, _) => {
            while let Ok(Ok(conn)) = tokio::time::timeout(wait, pool.acquire()).await {
                sqlite.push(conn);
            }
        }
        platform::db::Db::Postgres(pool) => {
            while let Ok(Ok(conn)) = tokio::time::timeout(wait, pool.acquire()).await {
                postgres.push(conn);
            }
        }
    }
    let held = sqlite.len() + postgres.len();
    assert!((1..=2).contains(&held), "{held} connections held");
    let started = std::time::Instant::now();
    let ready = app.get("/readyz").await;
    let waited = started.elapsed();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(waited < Duration::from_millis(1500), "readiness took {waited:?} with every connection held");
    // Ready again as soon as a connection is free.
    drop((sqlite, postgres));
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
}

async fn not_found_page_is_html_in_the_user_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fr = app.get("/no/such/page").await;
    assert_eq!(fr.status(), StatusCode::NOT_FOUND);
    assert!(fr.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let html = fr.text().await.unwrap();
    assert!(html.contains(r#"<html lang="fr">"#));
    assert!(html.contains("<title>Page introuvable – Pix libre</title>"), "{html}");
    let en = app
        .client
        .get(app.url("/no/such/page"))
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(en.status(), StatusCode::NOT_FOUND);
    let html = en.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("Page not found"));
}

async fn not_found_api_is_problem_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/api/no-such-thing").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["type"], "/problems/not-found");
    assert_eq!(problem["instance"], "/api/no-such-thing");
    assert_eq!(problem["request_id"], request_id);
    assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()));
}

async fn security_headers_on_pages_and_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/", "/api", "/api/missing", "/missing", "/healthz"] {
        let response = app.get(path).await;
        let h = response.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(h[header::STRICT_TRANSPORT_SECURITY].to_str().unwrap().starts_with("max-age="), "{path}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert!(h.contains_key(header::REFERRER_POLICY), "{path}");
        assert!(h.contains_key("permissions-policy"), "{path}");
    }
}

async fn language_switch_and_accept_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // First visit: Accept-Language is honoured, French is the default.
    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains(r#"<html lang="fr">"#));
    let en = app.client.get(app.url("/")).header(header::ACCEPT_LANGUAGE, "en").send().await.unwrap();
    assert!(en.text().await.unwrap().contains(r#"<html lang="en">"#));

    // The switch remembers the choice in a cookie and returns to the page.
    let switch = app.get("/lang/en?next=/legal").await;
    assert_eq!(switch.status(), StatusCode::SEE_OTHER);
    assert_eq!(switch.headers()[header::LOCATION], "/legal");
    let cookie = switch.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("lang=en;") && cookie.contains("SameSite=Lax"), "{cookie}");
    let html = app.get("/legal").await.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en">"#) && html.contains("Legal notice"));

    // The cookie wins over Accept-Language.
    let fr_header = app.client.get(app.url("/")).header(header::ACCEPT_LANGUAGE, "fr").send().await.unwrap();
    assert!(fr_header.text().await.unwrap().contains(r#"<html lang="en">"#));

    // No open redirect, unknown languages are 404.
    let evil = app.get("/lang/fr?next=//evil.example").await;
    assert_eq!(evil.headers()[header::LOCATION], "/");
    assert_eq!(app.get("/lang/de").await.status(), StatusCode::NOT_FOUND);
}

async fn migrations_applied_once_when_two_nodes_start_together(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (a, b) = tokio::join!(platform::Server::build(db.settings()), platform::Server::build(db.settings()));
    let (a, b) = (a.expect("first node starts"), b.expect("second node starts"));
    let expected = a.state().db.migrator().iter().count() as i64;
    let applied: i64 = platform::on_db!(&a.state().db, pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM _sqlx_migrations").fetch_one(pool).await.unwrap()
    });
    assert_eq!(applied, expected);
    assert!(a.state().db.is_ready().await && b.state().db.is_ready().await);
}

async fn graceful_shutdown_finishes_in_flight_request(backend: Backend) {
    let slow = axum::Router::new().route(
        "/__slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            "finished"
        }),
    );
    let mut app = TestApp::spawn_with(backend, slow).await;
    let url = app.url("/__slow");
    let client = app.client.clone();
    let in_flight = tokio::spawn(async move { client.get(url).send().await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let server = app.trigger_shutdown();
    let response = in_flight.await.unwrap().expect("in-flight request completes");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "finished");
    tokio::time::timeout(Duration::from_secs(5), server).await.expect("server stops").unwrap().unwrap();
    // Once stopped, the node accepts no new connection.
    assert!(reqwest::Client::new().get(app.url("/healthz")).send().await.is_err());
}

/// Sends only the headers of a request announcing `length` bytes and reads the answer: the
/// server must refuse from the `Content-Length` alone (a client streaming the body could race
/// the early answer).
async fn announce_body(app: &TestApp, path: &str, length: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

async fn oversized_body_is_rejected_with_413(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = announce_body(&app, "/api/anything", platform::web::MAX_BODY_BYTES + 1).await;
    assert!(api.starts_with("HTTP/1.1 413"), "{api}");
    assert!(api.contains("application/problem+json"), "{api}");
    let page = announce_body(&app, "/", platform::web::MAX_BODY_BYTES + 1).await;
    assert!(page.starts_with("HTTP/1.1 413"), "{page}");
    assert!(page.contains("Envoi trop volumineux"), "{page}");
    // An import form's file: the page says the limit and what to do.
    let path = format!("/orga/{}/learners/import", uuid::Uuid::now_v7());
    let import = announce_body(&app, &path, platform::web::MAX_UPLOAD_BYTES + 1).await;
    assert!(import.starts_with("HTTP/1.1 413"), "{import}");
    assert!(import.contains("Fichier trop volumineux") && import.contains("dépasse 8 Mo"), "{import}");
    assert_eq!(platform::web::MAX_UPLOAD_BYTES, 8 * 1024 * 1024, "the message says 8 Mo");
}

async fn panic_becomes_500_and_node_keeps_serving(backend: Backend) {
    async fn boom() -> &'static str {
        panic!("deliberate test panic")
    }
    let boom = axum::Router::new().route("/__panic", get(boom)).route("/api/__panic", get(boom));
    let app = TestApp::spawn_with(backend, boom).await;
    let page = app.get("/__panic").await;
    assert_eq!(page.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let html = page.text().await.unwrap();
    assert!(html.contains("Erreur du service") && !html.contains("deliberate"), "no internals shown");
    let api = app.get("/api/__panic").await;
    assert_eq!(api.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let problem: serde_json::Value = api.json().await.unwrap();
    assert_eq!(problem["status"], 500);
    assert!(!problem.to_string().contains("deliberate"));
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

async fn request_id_is_echoed_or_generated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let given = app.client.get(app.url("/")).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(given.headers()["x-request-id"], "abc-123");
    let generated = app.get("/").await;
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
}

async fn static_assets_are_hashed_cached_and_compressed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let html = app.get("/").await.text().await.unwrap();
    let start = html.find("/static/app.").expect("stylesheet link");
    let href = &html[start..start + html[start..].find('"').unwrap()];
    assert_ne!(href, "/static/app.css");
    let css = app.client.get(app.url(href)).header(header::ACCEPT_ENCODING, "gzip").send().await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()[header::CACHE_CONTROL].to_str().unwrap().contains("immutable"));
    assert_eq!(css.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(app.get("/static/app.css").await.status(), StatusCode::NOT_FOUND);
}

async fn metrics_count_requests_and_pool(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.get("/healthz").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"}"#), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains(r#"db_pool_connections{state="idle"}"#), "{text}");
}

async fn public_pages_render_in_both_languages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (path, fr, en) in [
        ("/", "Évaluez, développez et certifiez", "Assess, develop and certify"),
        ("/accessibility", "partiellement conforme", "partially compliant"),
        ("/legal", "Mentions légales", "Legal notice"),
        ("/privacy", "Politique de confidentialité", "Privacy policy"),
    ] {
        let html = app.get(path).await.text().await.unwrap();
        assert!(html.contains(fr), "{path} in French");
        assert!(html.contains(r##"<a class="skip-link" href="#main">"##));
        let html = app.client.get(app.url(path)).header(header::ACCEPT_LANGUAGE, "en").send().await.unwrap();
        assert!(html.text().await.unwrap().contains(en), "{path} in English");
    }
}

/// Reads `(table, column)` pairs of the application schema.
async fn columns(db: &platform::db::Db) -> std::collections::BTreeSet<(String, String)> {
    let rows: Vec<(String, String)> = match db {
        platform::db::Db::Sqlite(pool, _) => sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        platform::db::Db::Postgres(pool) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = 'public'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    };
    rows.into_iter().collect()
}

async fn schema_matches_between_backends(backend: Backend) {
    // Runs once (as the PostgreSQL variant) since it needs both databases.
    if backend == Backend::Sqlite {
        return;
    }
    let sqlite = TestApp::spawn(Backend::Sqlite).await;
    let postgres = TestApp::spawn(Backend::Postgres).await;
    let (s, p) = (columns(sqlite.db()).await, columns(postgres.db()).await);
    assert!(s.iter().any(|(t, _)| t == "instance_meta"));
    let only_sqlite: Vec<_> = s.difference(&p).collect();
    let only_postgres: Vec<_> = p.difference(&s).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "sqlite only: {only_sqlite:?}; postgres only: {only_postgres:?}"
    );
}

#[test]
fn migration_folders_list_the_same_files() {
    let list = |dir: &str| -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dir);
        let mut names: Vec<String> =
            std::fs::read_dir(path).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    let (s, p) = (list("sqlite"), list("postgres"));
    assert!(!s.is_empty());
    assert_eq!(s, p, "migrations/sqlite and migrations/postgres must hold the same file names");
}

async fn content_is_loaded_versioned_and_its_media_served(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let version = app.state.content.version.clone();
    let recorded: i64 = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM content_versions WHERE version = $1")
            .bind(&version)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(recorded, 1);
    let (name, media) = app.state.content.media.iter().find(|(n, _)| n.ends_with(".svg")).expect("an svg");
    let response = app.get(&format!("/media/{name}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "image/svg+xml");
    assert!(response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("sandbox"));
    assert_eq!(response.bytes().await.unwrap().as_ref(), media.bytes.as_slice());
    let (csv, _) = app.state.content.media.iter().find(|(n, _)| n.ends_with(".csv")).expect("a csv");
    let response = app.get(&format!("/media/{csv}")).await;
    assert!(response.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
    assert_eq!(app.get("/media/nope.svg").await.status(), StatusCode::NOT_FOUND);
    // Learning modules' media live in folders; recordings, subtitles and pages display inline,
    // and an HTML page is sandboxed and may be framed by the platform only.
    for (path, content_type) in [
        ("modules/mots-de-passe-solides/cover.svg", "image/svg+xml"),
        ("modules/mots-de-passe-solides/double-authentification.webm", "video/webm"),
        ("modules/mots-de-passe-solides/double-authentification.fr.vtt", "text/vtt; charset=utf-8"),
        ("modules/donnees-personnelles/temoignage-nora.ogg", "audio/ogg"),
        ("modules/chercher-sur-le-web/enigme-operateurs.html", "text/html; charset=utf-8"),
    ] {
        let response = app.get(&format!("/media/{path}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], content_type, "{path}");
        assert!(response.headers().get(header::CONTENT_DISPOSITION).is_none(), "{path} displays inline");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "public, max-age=86400");
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
        assert!(csp.contains("sandbox") && !csp.contains("allow-scripts"), "{path}: {csp}");
        if content_type.starts_with("text/html") {
            assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
            assert_eq!(response.headers()[header::X_FRAME_OPTIONS], "SAMEORIGIN");
        }
        assert_eq!(
            response.bytes().await.unwrap().len(),
            app.state.content.media[path].bytes.len(),
            "{path} served whole"
        );
    }
    let download = app.get("/media/modules/premiers-pas-tableur/ventes-gateaux.csv").await;
    assert!(download.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
    assert_eq!(app.get("/media/modules/../areas.toml").await.status(), StatusCode::NOT_FOUND);
}

/// A scheduled job asked by many nodes at once runs on one of them, once per period (issue 14).
async fn scheduled_jobs_run_once_per_cluster(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let hour = 3_600_000_000_i64;
    let now = 1_000 * hour;
    // Eight nodes ask at the same time: one wins (a job of its own: the node runs the real ones).
    let claims =
        futures_util::future::join_all((0..8).map(|_| platform::schedule::claim(app.db(), "trial-job", hour, now)))
            .await;
    assert_eq!(claims.iter().filter(|c| *c.as_ref().unwrap()).count(), 1, "{claims:?}");
    let again = |at: i64| platform::schedule::claim(app.db(), "trial-job", hour, at);
    assert!(!again(now + hour / 2).await.unwrap(), "not again within the hour");
    assert!(again(now + hour).await.unwrap(), "once the hour has passed");
    assert!(platform::schedule::claim(app.db(), "another-job", hour, now).await.unwrap(), "jobs are independent");
}

/// `pix backup` while a learner answers, then `pix restore` into an empty database: every answer
/// acknowledged before the backup started is there (issue 14); a second restore over data is refused
/// without `--force`.
async fn a_backup_taken_under_load_restores_every_acknowledged_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, _) = app.learner("lou@example.org").await;
    let id = crate::evaluation::assessment_of(&crate::evaluation::start(&app, &client, "1.1").await);
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let answering = async {
        while let Some(challenge) = crate::evaluation::current_challenge(&app, id).await {
            let r = crate::evaluation::post_answer(
                &app,
                &client,
                id,
                &crate::evaluation::answer_fields(&app, &challenge, true),
            )
            .await;
            assert!(r.status().is_redirection(), "{}", r.status());
            acknowledged.lock().unwrap().push(challenge);
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pix.backup");
    let backing_up = async {
        // Once a few answers are in, back up while the learner goes on.
        while acknowledged.lock().unwrap().len() < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let before = acknowledged.lock().unwrap().clone();
        platform::backup::backup(&app.state.settings.db, &file).await.expect("backup");
        before
    };
    let ((), before) = tokio::join!(answering, backing_up);
    assert!(platform::backup::backup(&app.state.settings.db, &file).await.is_err(), "never overwrites a backup");

    let target = TestDb::new(backend).await;
    let settings = target.settings().db;
    platform::backup::restore(&settings, &file, false).await.expect("restore into an empty database");
    let restored = platform::open_database(&settings).await.unwrap();
    let answers: Vec<String> = platform::on_db!(&restored, pool => {
        sqlx::query_scalar("SELECT challenge_id FROM answers WHERE assessment_id = $1").bind(id).fetch_all(pool).await.unwrap()
    });
    for challenge in &before {
        assert!(answers.contains(challenge), "acknowledged before the backup, missing after the restore: {challenge}");
    }
    let users: i64 = platform::on_db!(&restored, pool => {
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE email = 'lou@example.org'").fetch_one(pool).await.unwrap()
    });
    assert_eq!(users, 1);
    restored.close().await;
    let refused = platform::backup::restore(&settings, &file, false).await.unwrap_err();
    assert!(format!("{refused:#}").contains("--force"), "{refused:#}");
    platform::backup::restore(&settings, &file, true).await.expect("--force replaces");
}

/// Storage that refuses writes (a read-only SQLite file; a PostgreSQL database switched to
/// read-only, as a standby is): the learner's answer gets a clear 507 page, the API a problem
/// document, everything stored before is kept, pages still read; writes resume once it is back.
async fn a_database_refusing_writes_gives_a_clear_error_and_loses_nothing(backend: Backend) {
    let app = TestApp::spawn_custom(backend, axum::Router::new(), true, |_| {}).await;
    let clock = app.clock.clone().expect("a manual clock");
    let (client, _) = app.learner("lou@example.org").await;
    let id = crate::evaluation::assessment_of(&crate::evaluation::start(&app, &client, "1.1").await);
    let token = app.csrf(&client).await;
    let answer = |challenge: &str| {
        let mut fields = crate::evaluation::answer_fields(&app, challenge, true);
        fields.push(("csrf_token".into(), token.clone()));
        fields
    };
    let mut acknowledged = Vec::new();
    for _ in 0..2 {
        let challenge = crate::evaluation::current_challenge(&app, id).await.expect("a question");
        let r =
            client.post(app.url(&format!("/assessments/{id}/answers"))).form(&answer(&challenge)).send().await.unwrap();
        assert!(r.status().is_redirection(), "{}", r.status());
        acknowledged.push(challenge);
    }
    let stored = |app: &TestApp| {
        let db = app.db().clone();
        async move {
            let answers: Vec<String> = platform::on_db!(&db, pool => {
                sqlx::query_scalar("SELECT challenge_id FROM answers WHERE assessment_id = $1 ORDER BY created_at, id")
                    .bind(id).fetch_all(pool).await.unwrap()
            });
            answers
        }
    };
    assert_eq!(stored(&app).await, acknowledged);

    // The node that meets the refusal.
    let database_name =
        app.state.settings.db.database_url.as_deref().and_then(|u| u.rsplit_once('/')).map(|(_, n)| n.to_owned());
    let node = match backend {
        Backend::Sqlite => {
            let mut settings = (*app.state.settings).clone();
            settings.bind = "127.0.0.1:0".parse().unwrap();
            let file = app.state.settings.db.data_dir.join("pix.db");
            settings.db.database_url = Some(format!("sqlite://{}?mode=ro", file.display()));
            let node = platform::Server::build_custom(settings, axum::Router::new(), clock.clone())
                .await
                .expect("a node on the read-only file");
            let addr = node.local_addr();
            tokio::spawn(node.run(std::future::pending()));
            format!("http://{addr}")
        }
        Backend::Postgres => {
            let name = database_name.clone().expect("a PostgreSQL URL names its database");
            set_read_only(&app, &name, true).await;
            app.url("")
        }
    };
    let challenge = crate::evaluation::current_challenge(&app, id).await.expect("a question");
    let refused =
        client.post(format!("{node}/assessments/{id}/answers")).form(&answer(&challenge)).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(refused.headers()[header::RETRY_AFTER], "60");
    let html = refused.text().await.unwrap();
    assert!(html.contains("Enregistrement impossible pour le moment") && html.contains("conservé"), "{html}");
    let api = client
        .post(format!("{node}/api/assessments/{id}/answers"))
        .header("x-csrf-token", &token)
        .json(&serde_json::json!({ "challenge_id": challenge, "value": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(api.headers()[header::CONTENT_TYPE], "application/problem+json");
    let problem: serde_json::Value = api.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/storage");
    // Reading goes on: the learner's profile and test page, even when the session's idle expiry
    // is due to be pushed back (that write is dropped).
    clock.advance(time::Duration::minutes(6));
    let profile = client.get(format!("{node}/profile")).send().await.unwrap();
    assert_eq!(profile.status(), StatusCode::OK);
    assert_eq!(client.get(format!("{node}/assessments/{id}")).send().await.unwrap().status(), StatusCode::OK);
    // Logging out must delete the session: refused too, with the same clear page.
    let out = client.post(format!("{node}/logout")).form(&[("csrf_token", token.as_str())]).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::INSUFFICIENT_STORAGE);
    assert!(out.text().await.unwrap().contains("Enregistrement impossible pour le moment"));
    let metrics = client.get(format!("{node}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l.starts_with("db_write_refusals_total") && !l.ends_with(" 0")), "{metrics}");

    // Nothing lost, nothing half-written; once storage is back the same answer is taken.
    if let Some(name) = database_name.filter(|_| backend == Backend::Postgres) {
        set_read_only(&app, &name, false).await;
    }
    assert_eq!(stored(&app).await, acknowledged);
    assert_eq!(crate::evaluation::current_challenge(&app, id).await.as_deref(), Some(challenge.as_str()));
    let r = client.post(app.url(&format!("/assessments/{id}/answers"))).form(&answer(&challenge)).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    acknowledged.push(challenge);
    assert_eq!(stored(&app).await, acknowledged);
}

/// A PostgreSQL server that closes the node's connections (a restart, a failover, an
/// administrator) fails no read: connections used within the last second are handed out without
/// a ping, but once one is found broken, every connection released before that is checked first
/// and the read that met it runs again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_ride_through_closed_postgres_connections() {
    if !crate::support::postgres_available() {
        return;
    }
    let app = TestApp::spawn(Backend::Postgres).await;
    let (client, _) = app.learner("lou@example.org").await;
    let at_once = (0..8).map(|_| client.get(app.url("/account")).send());
    for r in futures_util::future::join_all(at_once).await {
        assert_eq!(r.unwrap().status(), StatusCode::OK);
    }
    let (_, idle) = app.db().pool_usage();
    assert!(idle >= 3, "several pooled connections to break: {idle}");
    let name =
        app.state.settings.db.database_url.as_deref().and_then(|u| u.rsplit_once('/')).map(|(_, n)| n.to_owned());
    let admin = sqlx::PgPool::connect(&crate::support::postgres_admin_url().unwrap()).await.unwrap();
    let closed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(name.expect("a PostgreSQL URL names its database"))
    .fetch_all(&admin)
    .await
    .unwrap();
    admin.close().await;
    assert!(closed.len() >= 3, "{closed:?}");
    let mut statuses = Vec::new();
    for _ in 0..idle + 2 {
        statuses.push(client.get(app.url("/account")).send().await.unwrap().status());
    }
    assert!(statuses.iter().all(StatusCode::is_success), "every read served: {statuses:?}");
}

/// Switches a PostgreSQL database's new sessions to read-only and closes the open ones, as a
/// failover to a standby would.
async fn set_read_only(app: &TestApp, name: &str, read_only: bool) {
    let admin = crate::support::postgres_admin_url().expect("PostgreSQL tests have the admin URL");
    let pool = sqlx::PgPool::connect(&admin).await.unwrap();
    let value = if read_only { "on" } else { "off" };
    sqlx::query(sqlx::AssertSqlSafe(format!("ALTER DATABASE {name} SET default_transaction_read_only = {value}")))
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(name)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    // The node's pool notices its closed connections and opens new ones.
    let _ = app.get("/readyz").await;
}
