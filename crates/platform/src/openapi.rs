//! The OpenAPI 3.1 document of the JSON API, generated from the handlers' annotations and
//! served at `/api/openapi.json`.
//!
//! The handlers declare their success responses and bodies. What every operation shares is added
//! here, from the same rules the code follows, so that the document lists every status an
//! operation can answer: the session cookie (401), the CSRF header of state-changing calls (403),
//! path parameters (400, 404), JSON bodies (400 malformed, 413 too large, 415 not JSON, 422 wrong
//! shape or invalid fields), the per-IP limits (429), and conflicts named per operation (409).
//! Every error body is an RFC 9457 problem document.

use std::sync::LazyLock;

use axum::Json;
use serde_json::{Value, json};
use utoipa::OpenApi;

/// The API description's shared parts; the operations come from the routes (`routes!`).
#[derive(OpenApi)]
#[openapi(
    info(title = "Pix libre API", description = "Assess, develop and certify digital skills. Errors are RFC 9457 problem documents. \
State-changing requests need the session cookie (for signed-in calls) and the `X-CSRF-Token` header from `GET /api/session`. \
Request bodies are JSON objects whose unknown properties are refused (422)."),
    tags((name = "identity", description = "Accounts, sessions and personal data"), (name = "evaluation", description = "Profile and competence tests"), (name = "learning", description = "Learning modules: passages, answers checked on the server, events"), (name = "quests", description = "Attestations obtained through quests, and combined courses"))
)]
pub struct ApiDoc;

/// Operations anyone may call, signed in or not.
const PUBLIC: &[(&str, &str)] = &[
    ("get", "/api/session"),
    ("post", "/api/signup"),
    ("post", "/api/login"),
    ("post", "/api/logout"),
    ("post", "/api/password/forgot"),
    ("post", "/api/password/reset"),
    ("post", "/api/shared-certifications"),
    ("get", "/api/shared-certifications/{verification_code}"),
    // Learning modules play without an account (an anonymous visitor's session keeps the passage).
    ("get", "/api/modules"),
    ("get", "/api/modules/{short_id}"),
    ("post", "/api/passages"),
    ("get", "/api/passages/{id}"),
    ("post", "/api/passages/{id}/answers"),
    ("post", "/api/passages/{id}/events"),
    ("post", "/api/passages/{id}/terminate"),
    // Which of a campaign or a combined course a code names: the "enter your code" step, before signing in.
    ("get", "/api/verified-codes/{code}"),
];

/// Operations behind the per-IP limit (`--auth-rate-per-minute`), or a login throttle.
const LIMITED: &[(&str, &str)] = &[
    ("post", "/api/signup"),
    ("post", "/api/login"),
    ("post", "/api/password/forgot"),
    ("post", "/api/me/email"),
    ("post", "/api/shared-certifications"),
    ("get", "/api/shared-certifications/{verification_code}"),
];

/// Statuses particular to an operation, with what they mean there.
const PARTICULAR: &[(&str, &str, &str, &str)] = &[
    ("post", "/api/passages", "404", "No module has this short id"),
    ("post", "/api/passages/{id}/answers", "409", "Conflict: the passage is terminated"),
    (
        "post",
        "/api/passages/{id}/events",
        "409",
        "Conflict: a sequence number is not above every recorded one, or the passage is terminated",
    ),
    ("post", "/api/passages/{id}/terminate", "409", "Conflict: the passage is already terminated"),
    ("post", "/api/shared-certifications", "404", "No published, validated certificate has this code"),
    (
        "get",
        "/api/shared-certifications/{verification_code}",
        "404",
        "No published, validated certificate has this code",
    ),
    (
        "post",
        "/api/certification/join",
        "429",
        "Too many failed attempts of this account or at this session; retry after `Retry-After`",
    ),
    (
        "post",
        "/api/organizations/{organization_id}/invitations",
        "429",
        "The organisation (100) or the inviter (50) sent as many invitations as a day allows",
    ),
    (
        "post",
        "/api/certification-centers/{center_id}/invitations",
        "429",
        "The centre (100) or the inviter (50) sent as many invitations as a day allows",
    ),
    ("get", "/api/certifications/{course_id}/pdf", "429", "More than 10 PDFs a minute for this person"),
    (
        "get",
        "/api/certification-centers/{center_id}/sessions/{session_id}/attendance-sheet",
        "429",
        "More than 10 PDFs a minute for this person",
    ),
    (
        "post",
        "/api/campaigns/{code}/participations",
        "429",
        "Too many failed attempts to find this account in the organisation's list; retry after `Retry-After`",
    ),
    (
        "post",
        "/api/certification/candidates/{candidate_id}/start",
        "409",
        "Conflict: the invigilator has not authorised the candidate, the test is over, the session is finalised, or it is not the session's day",
    ),
    (
        "get",
        "/api/certification-centers/{center_id}/sessions/{session_id}/results",
        "409",
        "Conflict: the session's results are not published yet",
    ),
    (
        "post",
        "/api/organizations/{organization_id}/learners/import",
        "409",
        "Conflict: the organisation does not import learner lists",
    ),
    (
        "put",
        "/api/certification-centers/{center_id}/sessions/{session_id}",
        "409",
        "Conflict: the session is finalised",
    ),
    (
        "post",
        "/api/certification-centers/{center_id}/sessions/{session_id}/candidates",
        "409",
        "Conflict: the session is finalised",
    ),
    (
        "put",
        "/api/certification-centers/{center_id}/sessions/{session_id}/candidates/{candidate_id}",
        "409",
        "Conflict: the candidate joined, or the session is finalised",
    ),
    (
        "delete",
        "/api/certification-centers/{center_id}/sessions/{session_id}/candidates/{candidate_id}",
        "409",
        "Conflict: the candidate joined, or the session is finalised",
    ),
    ("post", "/api/competences/{code}/assessments", "409", "Conflict: a retry of this competence is not possible yet"),
    ("post", "/api/assessments/{id}/answers", "409", "Conflict: not the current challenge, or the test is over"),
    ("post", "/api/login", "401", "Wrong identifier or password; `detail` tells the attempts left"),
    ("post", "/api/login", "403", "The account is blocked after too many failures (or the CSRF token is missing)"),
    (
        "post",
        "/api/password/reset",
        "422",
        "The token is invalid, used or expired (`token`), or the password breaks the rule",
    ),
    (
        "post",
        "/api/assessments/{id}/answers",
        "422",
        "Unknown challenge (`challenge_id`), or the body does not fit the schema",
    ),
];

const ERRORS: &[(&str, &str, &str)] = &[
    ("400", "BadRequest", "Malformed request: unreadable JSON or path parameter"),
    ("401", "Unauthorized", "Sign in first (session cookie missing or expired)"),
    ("403", "Forbidden", "Not allowed, or the X-CSRF-Token header is missing or wrong"),
    ("404", "NotFound", "No such resource for this caller"),
    ("409", "Conflict", "The request conflicts with the current state"),
    ("413", "PayloadTooLarge", "The body is too large"),
    ("415", "UnsupportedMediaType", "The body is not `application/json`"),
    (
        "422",
        "UnprocessableEntity",
        "The JSON does not fit the schema (unknown or missing property, wrong type), or a field is invalid (`errors` lists them)",
    ),
    ("429", "TooManyRequests", "Too many attempts; retry after the `Retry-After` header's seconds"),
];

fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "RFC 9457 problem document",
        "required": ["type", "title", "status"],
        "properties": {
            "type": { "type": "string", "description": "`/problems/<kind>`" },
            "title": { "type": "string", "description": "In the caller's language" },
            "status": { "type": "integer" },
            "instance": { "type": "string", "description": "The path of the request (on every problem but a file's)" },
            "request_id": { "type": "string", "description": "To quote to support (on every problem but a file's)" },
            "detail": { "type": "string" },
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "code", "message"],
                    "properties": {
                        "field": { "type": "string", "description": "The field, or for a file's problem its column (`file` for the whole file)" },
                        "line": { "type": "integer", "description": "A file's problem: its line (1 is the header)" },
                        "column": { "type": ["string", "null"], "description": "A file's problem: its column's label" },
                        "code": { "type": "string", "description": "Stable message id" },
                        "message": { "type": "string", "description": "In the caller's language" }
                    }
                }
            }
        }
    })
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

/// Adds the shared statuses, the CSRF header and the session requirement to one operation.
fn decorate(method: &str, path: &str, op: &mut Value) {
    let public = PUBLIC.contains(&(method, path));
    let state_changing = method != "get";
    let has_body = op.get("requestBody").is_some();
    let typed_path_param = op["parameters"]
        .as_array()
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path" && p["schema"]["format"] == "uuid"));
    let has_path_param = path.contains('{');
    let mut statuses: Vec<&str> = Vec::new();
    if has_body || typed_path_param {
        statuses.push("400");
    }
    if !public {
        statuses.push("401");
    }
    if state_changing {
        statuses.push("403");
    }
    if has_path_param {
        statuses.push("404");
    }
    if has_body {
        statuses.extend(["413", "415", "422"]);
    }
    if LIMITED.contains(&(method, path)) {
        statuses.push("429");
    }
    let responses = op["responses"].as_object_mut().expect("operations have responses");
    for status in statuses {
        let (_, name, _) = ERRORS.iter().find(|(s, _, _)| *s == status).expect("known status");
        responses.entry(status).or_insert_with(|| json!({ "$ref": format!("#/components/responses/{name}") }));
    }
    for (_, _, status, description) in PARTICULAR.iter().filter(|(m, p, _, _)| *m == method && *p == path) {
        responses.insert((*status).to_owned(), problem_response(description));
    }
    // An archived organisation is read-only for its members.
    if state_changing && path.starts_with("/api/organizations/{organization_id}") {
        responses.entry("409").or_insert_with(|| {
            problem_response("Conflict: the organisation is archived (read-only), or the operation's own conflict")
        });
    }
    if state_changing {
        let parameters = op.as_object_mut().expect("an object").entry("parameters").or_insert_with(|| json!([]));
        parameters.as_array_mut().expect("an array").push(json!({
            "name": "X-CSRF-Token",
            "in": "header",
            "required": true,
            "description": "The `csrf_token` of `GET /api/session`",
            "schema": { "type": "string" }
        }));
    }
    if !public {
        op["security"] = json!([{ "session": [] }]);
    }
}

fn build() -> Value {
    let routes = crate::routes::api().merge(crate::routes::limited_api());
    let mut doc = serde_json::to_value(routes.into_openapi()).expect("the document serialises");
    let components = doc.as_object_mut().expect("an object").entry("components").or_insert_with(|| json!({}));
    components["schemas"]["Problem"] = problem_schema();
    for (_, name, description) in ERRORS {
        components["responses"][*name] = problem_response(description);
    }
    components["securitySchemes"]["session"] = json!({
        "type": "apiKey",
        "in": "cookie",
        "name": crate::identity::session::COOKIE,
        "description": "The session cookie set by `POST /api/login`"
    });
    let paths = doc["paths"].as_object_mut().expect("paths");
    for (path, item) in paths.iter_mut() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if let Some(op) = item.get_mut(method) {
                decorate(method, path, op);
            }
        }
    }
    doc
}

/// The complete document (built once).
pub fn document_value() -> &'static Value {
    static DOC: LazyLock<Value> = LazyLock::new(build);
    &DOC
}

/// `GET /api/openapi.json`
pub async fn document() -> Json<Value> {
    Json(document_value().clone())
}
