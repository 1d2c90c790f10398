//! How routes are declared: HTML pages through [`Pages`], which keeps a table of every method and
//! path it registers, and the JSON API through utoipa-axum's `OpenApiRouter` with `routes!`, so a
//! route and its OpenAPI documentation are one declaration. Both tables together list every route
//! of the platform ([`route_table`]); a test walks it to prove that every state-changing route
//! refuses a request without a valid CSRF token.

use axum::{
    Router,
    handler::Handler,
    http::Method,
    routing::{MethodFilter, on},
};
use utoipa_axum::router::OpenApiRouter;

use super::limit::Bucket;
use crate::AppState;

/// HTML routes and their table.
pub struct Pages {
    router: Router<AppState>,
    table: Vec<(Method, &'static str)>,
}

impl Default for Pages {
    fn default() -> Self {
        Pages::new()
    }
}

impl Pages {
    /// No route yet.
    pub fn new() -> Pages {
        Pages { router: Router::new(), table: Vec::new() }
    }

    fn add<H, T>(mut self, method: Method, filter: MethodFilter, path: &'static str, handler: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, on(filter, handler));
        self.table.push((method, path));
        self
    }

    /// A page (`GET`).
    pub fn get<H, T>(self, path: &'static str, handler: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, MethodFilter::GET, path, handler)
    }

    /// A form submission (`POST`).
    pub fn post<H, T>(self, path: &'static str, handler: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, MethodFilter::POST, path, handler)
    }

    /// Adds another context's routes.
    pub fn merge(mut self, other: Pages) -> Pages {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    /// Transforms the router (a layer on these routes only), keeping the table.
    pub fn map_router(mut self, f: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Pages {
        self.router = f(self.router);
        self
    }

    /// The router and the table.
    pub fn into_parts(self) -> (Router<AppState>, Vec<(Method, &'static str)>) {
        (self.router, self.table)
    }
}

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
    super::pages::pages()
        .merge(crate::identity::pages())
        .merge(crate::evaluation::pages())
        .merge(crate::admin::pages())
        .merge(crate::spaces::pages())
        .merge(crate::prescription::pages())
        .merge(crate::certification::pages())
}

/// Every other API route, with the document's shared description.
pub fn api() -> OpenApiRouter<AppState> {
    use utoipa::OpenApi;
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .merge(crate::identity::api())
        .merge(crate::evaluation::api())
        .merge(crate::prescription::api())
        .merge(crate::certification::api())
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
