//! The web kit's guarantees: every state-changing route checks the CSRF token, the role guards
//! prove membership and role, the OpenAPI document matches its reviewed snapshot.

use reqwest::{Method, StatusCode};
use uuid::Uuid;

use crate::{
    dual,
    support::{Backend, TestApp},
};

dual!(
    every_state_changing_route_refuses_a_missing_or_wrong_csrf_token,
    membership_guards_prove_role_in_the_named_organization_or_centre
);

/// Makes an organisation and a centre with `user` as administrator; returns their ids.
async fn memberships(app: &TestApp, user: Uuid) -> (Uuid, Uuid) {
    let (org, center) = (Uuid::now_v7(), Uuid::now_v7());
    platform::identity::store::insert_organization_with_admin(app.db(), org, "Lycée", "SCO", user, 0).await.unwrap();
    platform::identity::store::insert_center_with_admin(app.db(), center, "Centre", user, 0).await.unwrap();
    (org, center)
}

/// A concrete URL for a route pattern.
fn concrete(path: &str, org: Uuid, center: Uuid) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closed parameter") + start;
        let value = match &rest[start + 1..end] {
            "organization_id" => org.to_string(),
            "center_id" => center.to_string(),
            "code" => "1.1".to_owned(),
            "name" => "app.css".to_owned(),
            "version" => "1".to_owned(),
            _ => Uuid::now_v7().to_string(),
        };
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Walks the route table: a caller with every role and membership, so that only the token can be
/// the reason for a refusal, sends each state-changing route a request without a token and one
/// with a wrong token. A new route that forgets the check fails here.
async fn every_state_changing_route_refuses_a_missing_or_wrong_csrf_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (client, root) = app.admin("root@example.org", "SUPER_ADMIN").await;
    let (org, center) = memberships(&app, root).await;
    // Memberships are cached with the session: log in again.
    let client = {
        drop(client);
        app.login_as("root@example.org").await
    };
    let table = platform::routes::route_table();
    let unsafe_routes: Vec<(Method, String)> = table
        .into_iter()
        .filter(|(m, _)| *m != Method::GET && *m != Method::HEAD)
        .map(|(m, p)| (Method::from_bytes(m.as_str().as_bytes()).unwrap(), p))
        .collect();
    assert!(unsafe_routes.len() >= 29, "the walk sees the whole router ({} routes)", unsafe_routes.len());
    let wrong = "0".repeat(64);
    for (method, path) in &unsafe_routes {
        let url = app.url(&concrete(path, org, center));
        for token in [None, Some(wrong.as_str())] {
            let request = client.request(method.clone(), &url);
            let request = if path.starts_with("/api") {
                let request = request.json(&serde_json::json!({}));
                match token {
                    Some(t) => request.header("x-csrf-token", t),
                    None => request,
                }
            } else {
                let mut fields = vec![("challenge_id", "x")];
                if let Some(t) = token {
                    fields.push(("csrf_token", t));
                }
                request.form(&fields)
            };
            let status = request.send().await.unwrap().status();
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path} with token {token:?}");
        }
    }
    // The caller is still signed in: no refused request changed anything.
    assert_eq!(client.get(app.url("/api/me")).send().await.unwrap().status(), StatusCode::OK);
}

async fn membership_guards_prove_role_in_the_named_organization_or_centre(backend: Backend) {
    use axum::routing::get;
    use platform::identity::guard::{AdminMember, AnyMember, CenterAccess, OrganizationAccess};
    let extra = axum::Router::new()
        .route(
            "/t/orgs/{organization_id}",
            get(|g: OrganizationAccess<AnyMember>| async move { g.organization.to_string() }),
        )
        .route(
            "/t/orgs/{organization_id}/admin",
            get(|g: OrganizationAccess<AdminMember>| async move { format!("{:?}", g.role) }),
        )
        .route("/t/centres/{center_id}/admin", get(|g: CenterAccess<AdminMember>| async move { g.center.to_string() }));
    let app = TestApp::spawn_with(backend, extra).await;
    let admin = app.sign_up("admin@example.org").await;
    let member = app.sign_up("member@example.org").await;
    app.sign_up("outsider@example.org").await;
    let (org, center) = memberships(&app, admin).await;
    platform::on_db!(app.db(), pool => {
        sqlx::query("INSERT INTO memberships (user_id, organization_id, role, created_at) VALUES ($1, $2, 'MEMBER', 0)").bind(member).bind(org).execute(pool).await.unwrap();
    });
    let (admin, member, outsider) = (
        app.login_as("admin@example.org").await,
        app.login_as("member@example.org").await,
        app.login_as("outsider@example.org").await,
    );
    let status = |client: &reqwest::Client, path: String| {
        let request = client.get(app.url(&path));
        async move { request.send().await.unwrap().status() }
    };
    use StatusCode as S;
    // (path, admin, member, outsider)
    let table = [
        (format!("/t/orgs/{org}"), [S::OK, S::OK, S::NOT_FOUND]),
        (format!("/t/orgs/{org}/admin"), [S::OK, S::FORBIDDEN, S::NOT_FOUND]),
        (format!("/t/orgs/{}/admin", Uuid::now_v7()), [S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND]),
        ("/t/orgs/not-an-id/admin".to_owned(), [S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND]),
        (format!("/t/centres/{center}/admin"), [S::OK, S::NOT_FOUND, S::NOT_FOUND]),
        (format!("/t/centres/{org}/admin"), [S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND]),
    ];
    for (path, expected) in table {
        let got = [
            status(&admin, path.clone()).await,
            status(&member, path.clone()).await,
            status(&outsider, path.clone()).await,
        ];
        assert_eq!(got, expected, "{path}");
    }
    let body = admin.get(app.url(&format!("/t/orgs/{org}"))).send().await.unwrap().text().await.unwrap();
    assert_eq!(body, org.to_string(), "the guard carries the organisation it proved");
    assert_eq!(
        status(&crate::support::new_client(), format!("/t/orgs/{org}")).await,
        S::SEE_OTHER,
        "anonymous: to the login page"
    );
}

/// The OpenAPI document is reviewed as a diff: any API change shows in `snapshots/`.
#[test]
fn openapi_document_snapshot() {
    insta::assert_json_snapshot!("openapi", platform::openapi::document_value());
}
