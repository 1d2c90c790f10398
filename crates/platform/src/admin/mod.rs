//! The back office for support, business, certification and super-admin agents. Every read of
//! another person's data is written to the audit log.

pub mod centers;
pub mod courses;
pub mod members;
pub mod organizations;
pub mod pages;
pub mod quests;
pub mod trainings;

use crate::web::routes::Pages;

/// Back-office pages.
pub fn pages() -> Pages {
    Pages::new()
        .get("/admin", pages::home)
        .get("/admin/users", pages::users)
        .get("/admin/users/{id}", pages::user)
        .post("/admin/users/{id}/unblock", pages::unblock)
        .post("/admin/users/{id}/roles", pages::roles)
        .get("/admin/audit", pages::audit_page)
        .get("/admin/certification-centers", centers::centers)
        .post("/admin/certification-centers", centers::create_center)
        .get("/admin/certification-centers/{id}", centers::center)
        .post("/admin/certification-centers/{id}/members", centers::add_member)
        .get("/admin/organizations", organizations::organizations)
        .post("/admin/organizations", organizations::create_organization)
        .get("/admin/organizations/{id}", organizations::organization)
        .get("/admin/organizations/{id}/edit", organizations::edit)
        .post("/admin/organizations/{id}/edit", organizations::update)
        .post("/admin/organizations/{id}/members", organizations::add_member)
        .post("/admin/organizations/{id}/features", organizations::features)
        .post("/admin/organizations/{id}/profiles", organizations::attach_profile)
        .post("/admin/organizations/{id}/archive", organizations::archive)
        .get("/admin/target-profiles", organizations::target_profiles)
        .get("/admin/target-profiles/new", organizations::new_target_profile)
        .post("/admin/target-profiles", organizations::create_target_profile)
        .get("/admin/target-profiles/{id}", organizations::target_profile)
        .get("/admin/parcours", courses::courses)
        .post("/admin/parcours/schemas", courses::create_blueprint)
        .post("/admin/parcours/deploiements", courses::deploy)
        .get("/admin/quests", quests::quests)
        .post("/admin/quests", quests::create_quest)
        .post("/admin/quests/{id}/delete", quests::delete_quest)
        .post("/admin/attestations", quests::save_attestation)
        .get("/admin/trainings", trainings::list)
        .get("/admin/trainings/new", trainings::new)
        .post("/admin/trainings", trainings::create)
        .get("/admin/trainings/{id}", trainings::details)
        .post("/admin/trainings/{id}", trainings::update)
        .get("/admin/trainings/{id}/edit", trainings::edit)
        .post("/admin/trainings/{id}/duplicate", trainings::duplicate)
        .post("/admin/trainings/{id}/triggers/{kind}", trainings::set_trigger)
        .post("/admin/trainings/{id}/triggers/{kind}/delete", trainings::delete_trigger)
        .post("/admin/trainings/{id}/profiles", trainings::attach)
        .post("/admin/trainings/{id}/profiles/{profile_id}/detach", trainings::detach)
}
