//! Every route of the platform, composed from the contexts' tables: the routes limited per client
//! IP by bucket, the others, and the table a test walks.

use axum::http::Method;
use utoipa_axum::router::OpenApiRouter;

use crate::{
    AppState,
    web::{limit::Bucket, routes::Pages},
};

/// The routes limited per client IP, by bucket: credential guessing and mail flooding (identity,
/// the invigilator's password), certificate verification.
pub fn limited() -> Vec<(Bucket, Pages, OpenApiRouter<AppState>)> {
    vec![
        (
            Bucket::Auth,
            crate::identity::limited_pages().merge(crate::certification::auth_limited_pages()),
            crate::identity::limited_api(),
        ),
        (Bucket::Verification, crate::certification::limited_pages(), crate::certification::limited_api()),
    ]
}

/// Every HTML route limited per client IP.
pub fn limited_pages() -> Pages {
    limited().into_iter().fold(Pages::new(), |all, (_, pages, _)| all.merge(pages))
}

/// Every API route limited per client IP.
pub fn limited_api() -> OpenApiRouter<AppState> {
    limited().into_iter().fold(OpenApiRouter::new(), |all, (_, _, api)| all.merge(api))
}

/// Every other HTML route.
pub fn pages() -> Pages {
    crate::home::pages()
        .merge(crate::identity::pages())
        .merge(crate::evaluation::pages())
        .merge(crate::learning::pages())
        .merge(crate::admin::pages())
        .merge(crate::spaces::pages())
        .merge(crate::prescription::pages())
        .merge(crate::certification::pages())
        .merge(crate::quests::pages())
}

/// Every other API route, with the document's shared description.
pub fn api() -> OpenApiRouter<AppState> {
    use utoipa::OpenApi;
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .merge(crate::identity::api())
        .merge(crate::evaluation::api())
        .merge(crate::learning::api())
        .merge(crate::prescription::api())
        .merge(crate::certification::api())
        .merge(crate::quests::api())
}

/// Every route of the platform: `(method, path)` with axum's `{param}` syntax.
pub fn route_table() -> Vec<(Method, String)> {
    let mut table: Vec<(Method, String)> =
        pages().merge(limited_pages()).into_parts().1.into_iter().map(|(m, p)| (m, p.to_owned())).collect();
    let doc = api().merge(limited_api()).into_openapi();
    for (path, item) in &doc.paths.paths {
        let methods = [
            (Method::GET, item.get.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::PATCH, item.patch.is_some()),
            (Method::DELETE, item.delete.is_some()),
        ];
        table.extend(methods.into_iter().filter(|(_, present)| *present).map(|(m, _)| (m, path.clone())));
    }
    table
}
