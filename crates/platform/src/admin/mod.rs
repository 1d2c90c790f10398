//! The back office for support, business, certification and super-admin agents. Every read of
//! another person's data is written to the audit log.

pub mod pages;

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
}
