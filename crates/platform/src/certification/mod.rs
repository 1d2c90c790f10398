//! Certification: centres plan invigilated sessions and enrol candidates (the reference's Pix
//! Certif); a person learns whether they may be certified.

pub(crate) mod api;
pub(crate) mod configuration;
pub mod credential;
pub mod demo;
pub(crate) mod documents;
pub(crate) mod entrance;
pub(crate) mod exposure;
pub(crate) mod import;
pub mod issuer;
pub mod live;
pub(crate) mod mails;
pub(crate) mod members;
pub(crate) mod model;
pub(crate) mod pages;
pub(crate) mod reporting;
pub(crate) mod reports;
pub(crate) mod results;
pub mod service;
pub(crate) mod store;
pub(crate) mod test;

use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{AppState, personal_data, web::error::AppError, web::routes::Pages};

/// Pix Certif pages and the eligibility page.
pub fn pages() -> Pages {
    Pages::new()
        .get("/certification", pages::eligibility)
        .get("/mes-certifications", pages::mine)
        .get("/certification/rejoindre", entrance::join_form)
        .post("/certification/rejoindre", entrance::join)
        .get("/certification/candidats/{candidate_id}", entrance::home)
        .post("/certification/candidats/{candidate_id}/start", entrance::start)
        .post("/certif/{center_id}/sessions/{session_id}/finalize", results::finalize)
        .get("/certif/{center_id}/sessions/{session_id}/results.csv", results::results_page)
        .get("/admin/certification/configurations", configuration::page)
        .post("/admin/certification/configurations", configuration::create)
        .post("/admin/certification/configurations/{version}/activate", configuration::activate)
        .post("/admin/certification/configurations/{version}/delete", configuration::delete)
        .get("/admin/certification/sessions", results::to_publish)
        .post("/admin/certification/sessions/{session_id}/publish", results::publish)
        .get("/admin/certification/sessions/{session_id}", results::jury_session)
        .get("/admin/certification/courses/{course_id}", results::jury_course)
        .post("/admin/certification/courses/{course_id}/jury", results::jury_decide)
        .get("/certificats/{course_id}", results::certificate)
        .get("/certificats/{course_id}/pdf", documents::certificate_page)
        .get("/certificats/{course_id}/credential.json", issuer::credential_page)
        .get("/.well-known/did.json", issuer::did_json)
        // Where did:web looks when the public URL has a path (e.g. behind a proxy at /pix).
        .get("/did.json", issuer::did_json)
        .get("/credentials/status/{list}", issuer::status_json)
        .get("/surveillant", entrance::invigilator_form)
        .get("/surveillant/sessions/{session_id}", entrance::invigilator)
        .get("/surveillant/sessions/{session_id}/events", entrance::events)
        .post("/surveillant/sessions/{session_id}/leave", entrance::invigilator_leave)
        .post("/surveillant/sessions/{session_id}/candidates/{candidate_id}/authorize", entrance::authorize)
        .post("/surveillant/sessions/{session_id}/candidates/{candidate_id}/end", entrance::end)
        .post("/surveillant/sessions/{session_id}/candidates/{candidate_id}/alert/{action}", entrance::handle_alert)
        .post("/assessments/{id}/alert", entrance::raise_alert)
        .post("/assessments/{id}/exam-focus", entrance::exam_focus)
        .get("/certif/{center_id}/sessions", pages::sessions)
        .get("/certif/{center_id}/members", members::members)
        .post("/certif/{center_id}/invitations", members::invite_form)
        .post("/certif/{center_id}/invitations/{invitation_id}/resend", members::resend)
        .post("/certif/{center_id}/invitations/{invitation_id}/cancel", members::cancel)
        .post("/certif/{center_id}/members/{user_id}/role", members::role)
        .post("/certif/{center_id}/members/{user_id}/remove", members::remove)
        .get("/certif/{center_id}/sessions/new", pages::new_session)
        .get("/certif/{center_id}/sessions/import", pages::import_form)
        .post("/certif/{center_id}/sessions/import", pages::import)
        .get("/certif/{center_id}/sessions/import/template.csv", pages::import_template)
        .post("/certif/{center_id}/sessions", pages::create_session)
        .get("/certif/{center_id}/sessions/{session_id}", pages::session)
        .get("/certif/{center_id}/sessions/{session_id}/attendance.pdf", documents::attendance_page)
        .get("/certif/{center_id}/sessions/{session_id}/edit", pages::edit_session)
        .post("/certif/{center_id}/sessions/{session_id}/invigilator/unlock", pages::unlock_invigilator)
        .post("/certif/{center_id}/sessions/{session_id}/edit", pages::update_session)
        .post("/certif/{center_id}/sessions/{session_id}/candidates", pages::enrol)
        .get("/certif/{center_id}/sessions/{session_id}/candidates/{candidate_id}", pages::candidate)
        .post("/certif/{center_id}/sessions/{session_id}/candidates/{candidate_id}", pages::update_candidate)
        .post("/certif/{center_id}/sessions/{session_id}/candidates/{candidate_id}/delete", pages::remove_candidate)
        .get("/certif/{center_id}/sessions/{session_id}/candidates/{candidate_id}/reports", reporting::page)
        .post("/certif/{center_id}/sessions/{session_id}/candidates/{candidate_id}/reports", reporting::create)
        .post(
            "/certif/{center_id}/sessions/{session_id}/candidates/{candidate_id}/reports/{report_id}/delete",
            reporting::delete,
        )
}

/// The invigilator's password, limited per client IP with logins (a password must not be guessed).
pub fn auth_limited_pages() -> Pages {
    Pages::new().post("/surveillant", entrance::invigilator_login)
}

/// Public verification, rate-limited per client IP (codes must not be guessed).
pub fn limited_pages() -> Pages {
    Pages::new().get("/verifier-un-certificat", results::verify)
}

/// The public verification API, rate-limited per client IP.
pub fn limited_api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(results::api_verify)).routes(routes!(results::api_verify_get))
}

/// The certification API.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::sessions, api::create_session))
        .routes(routes!(api::import))
        .routes(routes!(api::session, api::update_session))
        .routes(routes!(api::enrol))
        .routes(routes!(api::update_candidate, api::remove_candidate))
        .routes(routes!(api::eligibility))
        .routes(routes!(results::api_results))
        .routes(routes!(api::join))
        .routes(routes!(api::candidate))
        .routes(routes!(api::my_certifications))
        .routes(routes!(api::start))
        .routes(routes!(documents::api_attendance))
        .routes(routes!(documents::api_certificate))
        .routes(routes!(issuer::api_credential))
        .routes(routes!(reporting::api_list, reporting::api_create))
        .routes(routes!(members::api_invitations, members::api_invite))
        .routes(routes!(members::api_cancel))
}

/// Enrolments in certification sessions (the identity the centre gave, the session, the centre) and
/// certifications (status, score, verification code). Erasure keeps what a certificate needs to stay
/// verifiable (REFERENCE §8 keeps certification data: the identity as certified, the result, the
/// signed credential) and removes the person's own contact address given for the notice.
pub const PERSONAL_DATA: personal_data::Context = personal_data::Context {
    name: "certification",
    export: |state, user| Box::pin(export_sections(state, user)),
    erase: Some(|tx, user, _now| Box::pin(store::forget_candidate_contact(tx, user.id))),
};

async fn export_sections(state: &AppState, user: Uuid) -> Result<Vec<(&'static str, Value)>, AppError> {
    let rows = store::enrolments_of_user(&state.db, user).await?;
    let out: Vec<Value> = rows
        .into_iter()
        .map(|(c, number, date, center)| {
            json!({
                "session_number": number,
                "session_date": date,
                "certification_center": center,
                "first_name": c.enrolled.first_name,
                "last_name": c.enrolled.last_name,
                "birth_date": c.enrolled.birth_date,
                "birthplace": c.birthplace(),
                "sex": c.enrolled.sex,
                "external_id": c.enrolled.external_id,
                "extra_time_percentage": c.enrolled.extra_time_percentage,
                "email": c.enrolled.email,
                "result_recipient_email": c.enrolled.result_recipient_email,
            })
        })
        .collect();
    let mut certifications = Vec::new();
    for (course, result) in store::courses_of_user(&state.db, user).await? {
        // A result is the person's once published: before, the jury may still change it.
        let published = store::session(&state.db, course.session_id).await?.is_some_and(|s| s.published_at.is_some());
        let result = result.filter(|_| published);
        certifications.push(json!({
            "course": course.id,
            "session": course.session_id,
            "started_at": course.started_at,
            "completed_at": course.completed_at,
            "configuration_version": course.configuration_version,
            "version": course.version,
            "reproducibility_rate": result.as_ref().and_then(|r| r.reproducibility_rate),
            "status": result.as_ref().map(|r| r.status.clone()),
            "pix_score": result.as_ref().map(|r| r.pix_score),
            "score_error": result.as_ref().map(|r| r.score_error),
            "competence_levels": result.as_ref().map(|r| r.levels()),
            "verification_code": result.as_ref().map(|r| r.verification_code.clone()),
            "jury_comment": result.as_ref().map(|r| r.jury_comment_candidate.clone()),
        }));
    }
    Ok(vec![("certification_enrolments", json!(out)), ("certifications", json!(certifications))])
}
