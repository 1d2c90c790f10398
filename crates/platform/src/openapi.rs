//! The OpenAPI 3.1 document of the JSON API, generated from the handlers' annotations and
//! served at `/api/openapi.json`.

use axum::Json;
use utoipa::OpenApi;

use crate::{evaluation::api as evaluation, identity::api};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Pix libre API", description = "Assess, develop and certify digital skills. Errors are RFC 9457 problem documents. \
State-changing requests need the session cookie and the `X-CSRF-Token` header from `GET /api/session`."),
    paths(
        api::session_info, api::signup, api::login, api::logout, api::logout_everywhere, api::forgot, api::reset,
        api::me, api::update_me, api::change_password, api::change_email, api::export, api::delete_me,
        evaluation::profile, evaluation::start, evaluation::current, evaluation::answer, evaluation::results,
    ),
    tags((name = "identity", description = "Accounts, sessions and personal data"), (name = "evaluation", description = "Profile and competence tests"))
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
