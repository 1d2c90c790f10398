//! Certification on both databases, one file per route family: planning (centres, sessions,
//! candidates, eligibility), the day of a session (joining, the test, the invigilator), documents
//! (PDFs, signed credentials), and what follows (finalisation, configuration, jury, personal data).

use reqwest::{Client, Method, StatusCode, header};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{TestApp, new_client};

pub(crate) mod documents;
pub(crate) mod planning;
pub(crate) mod results;
pub(crate) mod test_day;

pub(crate) fn location(r: &reqwest::Response) -> String {
    r.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

/// A date `days` from the server's today, `YYYY-MM-DD`.
fn in_days(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A centre created in the back office with `centre@example.org` as its ADMIN; returns (centre, member).
async fn set_up(app: &TestApp) -> (Uuid, Client) {
    let (admin, _) = app.admin("super@example.org", "SUPER_ADMIN").await;
    let r = app
        .post_form(
            &admin,
            "/admin/certification-centers",
            &[("name", "Lycée Curie"), ("kind", "SCO"), ("external_id", "0750001A")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let center = Uuid::parse_str(location(&r).rsplit('/').next().unwrap()).unwrap();
    let r = app
        .post_form(
            &admin,
            &format!("/admin/certification-centers/{center}/members"),
            &[("email", "nobody@example.org"), ("role", "ADMIN")],
        )
        .await;
    assert_eq!(location(&r), format!("/admin/certification-centers/{center}?invited=1"), "no account yet: invited");
    assert_eq!(app.mails_to("nobody@example.org").await.len(), 1);
    app.sign_up_named("centre@example.org", "Claire", "Centre").await;
    let r = app
        .post_form(
            &admin,
            &format!("/admin/certification-centers/{center}/members"),
            &[("email", "centre@example.org"), ("role", "ADMIN")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = admin
        .get(app.url(&format!("/admin/certification-centers/{center}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("centre@example.org") && page.contains("0750001A"), "{page}");
    (center, app.login_as("centre@example.org").await)
}

async fn session_fields(date: &str) -> Vec<(&'static str, String)> {
    vec![
        ("address", "Lycée Curie".into()),
        ("room", "B12".into()),
        ("date", date.into()),
        ("time", "9:30".into()),
        ("examiner", "M. Martin".into()),
        ("description", String::new()),
    ]
}

fn pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

pub(crate) async fn join_as_lea(app: &TestApp, number: i64, code: &str) -> (Client, String) {
    let lea = app.login_as("learner@demo.example").await;
    let form = lea.get(app.url("/certification/rejoindre")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("value=\"Léa\""), "the account's names are offered");
    let number = number.to_string();
    let mut fields = vec![
        ("session_number", number.as_str()),
        ("access_code", "ZZZZ99"),
        ("first_name", "lea"),
        ("last_name", "APPRENANTE"),
        ("birth_date", "12/04/2001"),
    ];
    let r = app.post_form(&lea, "/certification/rejoindre", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let wrong_code = r.text().await.unwrap();
    assert!(wrong_code.contains("Ces informations ne correspondent à aucun candidat d&#39;une session ouverte"));
    let lower = code.to_lowercase();
    fields[1] = ("access_code", lower.as_str());
    fields[4] = ("birth_date", "13/04/2001");
    let r = app.post_form(&lea, "/certification/rejoindre", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Ces informations ne correspondent à aucun candidat d&#39;une session ouverte"),
        "a wrong identity is told the same way as a wrong code"
    );
    fields[4] = ("birth_date", "12/04/2001");
    let r = app.post_form(&lea, "/certification/rejoindre", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "joined, accents and case aside");
    (lea, location(&r))
}

/// Now, RFC 3339 UTC (what a verifier compares a status list's validity with).
fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap()
}

/// A mass-import line: session columns, then a candidate (empty strings leave columns empty).
fn line(number: &str, session: [&str; 5], candidate: [&str; 8]) -> String {
    let [site, room, date, time, examiner] = session;
    let [last, first, birth, sex, insee, postal, city, country] = candidate;
    format!(
        "{number};{site};{room};{date};{time};{examiner};;{last};{first};{birth};{sex};{insee};{postal};{city};{country};;;;;;"
    )
}

/// A demo node where `learner@demo.example` (eligible, enrolled in the demo session as Léa
/// Apprenante) has a known password; returns the session's (id, number, access code, invigilator password).
pub(crate) async fn demo_session(app: &TestApp) -> (Uuid, i64, String, String) {
    app.sign_up("known@example.org").await;
    app.know_password("learner@demo.example").await;
    platform::on_db!(app.db(), pool => {
        sqlx::query_as("SELECT id, number, access_code, invigilator_password FROM certification_sessions WHERE finalized_at IS NULL")
            .fetch_one(pool).await.unwrap()
    })
}

/// The demo centre's admin, signed in (the demo password copied from a known account), and the
/// centre of the session.
pub(crate) async fn demo_centre(app: &TestApp, session: Uuid) -> (Client, Uuid) {
    app.know_password("centre-admin@demo.example").await;
    let center: Uuid = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT center_id FROM certification_sessions WHERE id = $1").bind(session).fetch_one(pool).await.unwrap()
    });
    (app.login_as("centre-admin@demo.example").await, center)
}

/// Léa joins the demo session, its invigilator authorises her and she starts: her client, her
/// page, her test, the invigilator's client.
pub(crate) async fn lea_starts(
    app: &TestApp,
    session: Uuid,
    number: i64,
    code: &str,
    password: &str,
) -> (Client, String, Uuid, Client) {
    let (lea, home) = join_as_lea(app, number, code).await;
    let candidate = home.rsplit('/').next().unwrap().to_owned();
    let invigilator = new_client();
    app.post_form(&invigilator, "/surveillant", &[("session_number", &number.to_string()), ("password", password)])
        .await;
    let authorize = format!("/surveillant/sessions/{session}/candidates/{candidate}/authorize");
    app.post_form(&invigilator, &authorize, &[("authorized", "yes")]).await;
    let r = app.post_form(&lea, &format!("{home}/start"), &[]).await;
    let assessment = Uuid::parse_str(location(&r).trim_start_matches("/assessments/")).unwrap();
    (lea, home, assessment, invigilator)
}
