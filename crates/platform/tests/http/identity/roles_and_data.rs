//! Roles route by route, the audit log, export and erasure of a person's data, the API journey.

use super::*;
use crate::dual;

dual!(
    role_checks_route_by_route,
    admin_reads_are_audited_and_audit_is_append_only,
    export_contains_the_person_data,
    erasure_leaves_no_personal_data_anywhere,
    api_journey_and_openapi,
);

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
        platform::db::Db::Sqlite(pool, _) => {
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
        platform::db::Db::Sqlite(..) => {
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
