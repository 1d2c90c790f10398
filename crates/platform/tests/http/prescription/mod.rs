//! Organisations on both databases, one file per route family: campaigns (from set-up to export),
//! members and invitations, learner lists.

use reqwest::{Client, Method, StatusCode, header};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    evaluation::{current_challenge, finish},
    support::{TestApp, new_client},
};

pub(crate) mod campaigns;
pub(crate) mod courses;
pub(crate) mod learner_lists;
pub(crate) mod members;
pub(crate) mod organizations;
pub(crate) mod quests;
pub(crate) mod trainings;

/// What a test needs to know about the set-up.
struct Setup {
    org: Uuid,
    profile: Uuid,
    /// A member with the ADMIN role, logged in.
    teacher: Client,
    /// The back-office super admin, logged in.
    admin: Client,
}

fn location(r: &reqwest::Response) -> String {
    r.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

fn id_at_end(r: &reqwest::Response) -> Uuid {
    let loc = location(r);
    let path = loc.split('?').next().unwrap();
    Uuid::parse_str(path.rsplit('/').next().unwrap()).unwrap_or_else(|_| panic!("an id at the end of {loc}"))
}

/// The tube names of a competence.
fn tubes_of(app: &TestApp, code: &str) -> Vec<String> {
    let content = &app.state.content;
    let c = content.competence(content.competence_by_code(code).unwrap());
    c.tubes.iter().map(|t| content.tube(*t).name.clone()).collect()
}

/// Creates an organisation through the back office and returns its id.
async fn create_organization(app: &TestApp, admin: &Client, name: &str, kind: &str, extra: &[(&str, &str)]) -> Uuid {
    let mut fields = vec![("name", name), ("kind", kind)];
    fields.extend_from_slice(extra);
    let r = app.post_form(admin, "/admin/organizations", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "organisation created");
    id_at_end(&r)
}

/// The back office creates an organisation and a target profile on competence 1.1 (two stages,
/// one badge), attaches it, and makes `teacher@example.org` an ADMIN member.
async fn set_up(app: &TestApp, org_extra: &[(&str, &str)]) -> Setup {
    let (admin, _) = app.admin("super@example.org", "SUPER_ADMIN").await;
    let org = create_organization(app, &admin, "Collège Jean Moulin", "SCO", org_extra).await;
    let tubes = tubes_of(app, "1.1");
    let tube_fields: Vec<(String, String)> = tubes.iter().map(|t| (format!("tube-{t}"), "8".to_owned())).collect();
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", "Recherche d'information"),
        ("description", "Chercher et trier l'information"),
        ("stage-0-threshold", "0"),
        ("stage-0-title", "Premiers pas"),
        ("stage-0-message", "Continuez !"),
        ("stage-1-threshold", "50"),
        ("stage-1-title", "Confirmé"),
        ("stage-1-message", "Bravo"),
        ("badge-0-title", "Chercheur"),
        ("badge-0-message", "Vous savez chercher."),
        ("badge-0-image", "badge-star"),
        ("badge-0-alt", "Une étoile"),
        ("badge-0-threshold", "40"),
    ];
    fields.extend(tube_fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let r = app.post_form(&admin, "/admin/target-profiles", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "target profile created");
    let profile = id_at_end(&r);
    let page =
        admin.get(app.url(&format!("/admin/target-profiles/{profile}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Recherche d&#39;information") && page.contains("Premiers pas"), "{page}");
    let profile_text = profile.to_string();
    let r = app
        .post_form(&admin, &format!("/admin/organizations/{org}/profiles"), &[("target_profile", &profile_text)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    app.sign_up_named("teacher@example.org", "Claire", "Prof").await;
    let r = app
        .post_form(
            &admin,
            &format!("/admin/organizations/{org}/members"),
            &[("email", "teacher@example.org"), ("role", "ADMIN")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let teacher = app.login_as("teacher@example.org").await;
    Setup { org, profile, teacher, admin }
}

/// Creates a campaign through the Orga form; returns (id, code).
async fn create_campaign(app: &TestApp, s: &Setup, fields: &[(&str, &str)]) -> (Uuid, String) {
    let r = app.post_form(&s.teacher, &format!("/orga/{}/campaigns", s.org), fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "campaign created: {}", r.text().await.unwrap_or_default());
    let id = id_at_end(&r);
    let code: String = platform::on_db!(app.db(), pool => {
        sqlx::query_scalar("SELECT code FROM campaigns WHERE id = $1").bind(id).fetch_one(pool).await.unwrap()
    });
    (id, code)
}

/// Joins a campaign through its landing page; returns where the learner was sent.
async fn join(app: &TestApp, client: &Client, code: &str, external_id: &str) -> String {
    let r = app
        .post_form(client, &format!("/campagnes/{code}/start"), &[("consent", "yes"), ("external_id", external_id)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "joined {code}");
    location(&r)
}

fn assessment_in(location: &str) -> Uuid {
    Uuid::parse_str(location.trim_start_matches("/assessments/")).unwrap_or_else(|_| panic!("a test: {location}"))
}

/// Splits a `;`-separated CSV line (quoted fields with doubled quotes).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (';', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// The campaign's skills and how many the learner validated in an assessment.
async fn mastery_in_db(app: &TestApp, campaign: Uuid, assessment: Uuid) -> (usize, usize) {
    let (skills, validated): (String, Vec<String>) = platform::on_db!(app.db(), pool => {
        let skills: String = sqlx::query_scalar("SELECT skills FROM campaigns WHERE id = $1").bind(campaign).fetch_one(pool).await.unwrap();
        let validated: Vec<String> = sqlx::query_scalar("SELECT skill FROM knowledge_elements WHERE assessment_id = $1 AND status = 'validated'")
            .bind(assessment).fetch_all(pool).await.unwrap();
        (skills, validated)
    });
    let skills: Vec<String> = serde_json::from_str(&skills).unwrap();
    let hit = skills.iter().filter(|s| validated.contains(s)).count();
    (hit, skills.len())
}

/// The id and token of the latest invitation mailed to an address.
pub(crate) async fn invitation_link(app: &TestApp, email: &str) -> (Uuid, String) {
    let mail = app.mails_to(email).await.pop().unwrap_or_else(|| panic!("a mail to {email}"));
    let joined = mail.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let start = joined.find("/invitations/").expect("an invitation link") + "/invitations/".len();
    let id = Uuid::parse_str(&joined[start..start + 36]).unwrap();
    let token = crate::support::token_in(&mail, &format!("/invitations/{id}"));
    (id, token)
}

pub(crate) async fn upload(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
    file: &[u8],
) -> reqwest::Response {
    let token = app.csrf(client).await;
    let boundary = "----pix-test-boundary-7c1e";
    let mut body = Vec::new();
    for (k, v) in fields.iter().copied().chain([("csrf_token", token.as_str())]) {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"eleves.csv\"\r\nContent-Type: text/csv\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    client
        .post(app.url(path))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn listed(app: &TestApp, org: Uuid) -> Vec<(String, Option<String>, bool)> {
    platform::on_db!(app.db(), pool => {
        sqlx::query_as::<_, (String, Option<String>, bool)>(
            "SELECT last_name, division, deleted_at IS NULL FROM organization_learners WHERE organization_id = $1 ORDER BY last_name",
        )
        .bind(org)
        .fetch_all(pool)
        .await
        .unwrap()
    })
}

const SCO_HEADER: &str = "Identifiant unique*;Premier prénom*;Deuxième prénom;Troisième prénom;Nom de famille*;Nom d'usage;Code sexe*;Date de naissance (jj/mm/aaaa)*;Code commune naissance**;Libellé commune naissance**;Code département naissance*;Code pays naissance*;Statut*;Code MEF*;Division*";
