//! How routes are declared: HTML pages through [`Pages`], which keeps a table of every method and
//! path it registers, and the JSON API through utoipa-axum's `OpenApiRouter` with `routes!`, so a
//! route and its OpenAPI documentation are one declaration. The composition root lists every route of
//! the platform from both tables (`crate::routes::route_table`); a test walks it to prove that every
//! state-changing route refuses a request without a valid CSRF token.

use axum::{
    Router,
    handler::Handler,
    http::Method,
    routing::{MethodFilter, on},
};

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
