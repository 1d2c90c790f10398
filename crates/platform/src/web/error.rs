//! The platform's one error type, and the middleware that renders every error response.
//!
//! Handlers return [`AppError`]; its `IntoResponse` only records *what* went wrong. The
//! [`render_errors`] middleware, which knows the path and the language, turns that into an HTML
//! page for page routes or an RFC 9457 `application/problem+json` document under `/api`. Errors
//! produced by layers (body too large, timeout, panic, unknown route) go through the same place.

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{i18n::Lang, layout::Chrome};

/// A field-level validation message: which field, and a translatable message id.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldError {
    /// Form field or JSON property name.
    pub field: String,
    /// Fluent message id explaining the problem.
    pub code: String,
}

/// Everything that can go wrong while handling a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such page or resource (or one the caller may not know exists).
    #[error("not found")]
    NotFound,
    /// The caller must sign in.
    #[error("unauthorized")]
    Unauthorized,
    /// Wrong identifier or password (API); attempts left before the account is blocked.
    #[error("bad credentials")]
    BadCredentials {
        /// Attempts left.
        remaining: i64,
    },
    /// The caller is authenticated but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// The request conflicts with the current state (not the current challenge, test over).
    #[error("conflict")]
    Conflict,
    /// The space is archived: its data can be read, nothing in it changes any more (409).
    #[error("read only")]
    ReadOnly,
    /// The request is malformed (unparsable body, bad parameter).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The input was understood but is invalid.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// A well-formed body that does not have the expected shape (JSON of the wrong schema).
    #[error("invalid body: {0}")]
    InvalidBody(String),
    /// The body is larger than the route accepts.
    #[error("payload too large")]
    TooLarge,
    /// The body is not of a type the route reads.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// Too many requests; retry after this many seconds.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds before a new attempt may succeed.
        retry_after: u64,
    },
    /// A dependency (the database) is unavailable.
    #[error("service unavailable")]
    Unavailable,
    /// The database refuses to store anything (disk full, read-only file or server): nothing of
    /// this request was kept, everything stored before is intact, reads still work.
    #[error("storage refuses writes")]
    StorageRefused,
    /// A bug or an unexpected failure; the cause is logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::db::DbError> for AppError {
    fn from(e: crate::db::DbError) -> Self {
        match e {
            crate::db::DbError::Sqlx(e) => e.into(),
            e => AppError::Internal(e.into()),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match database_failure(&e) {
            Some(failure) => failure.into_app_error(&e),
            None => AppError::Internal(e.into()),
        }
    }
}

/// A database failure that is the environment's, not a bug's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DatabaseFailure {
    /// Cannot be reached, restarting, failed over, shutting down.
    Unreachable,
    /// Reachable but refuses to write: disk full, read-only file or server.
    RefusesWrites,
}

impl DatabaseFailure {
    /// The error people and clients get, logged and counted.
    pub(crate) fn into_app_error(self, e: &sqlx::Error) -> AppError {
        match self {
            DatabaseFailure::Unreachable => {
                tracing::warn!(error = %e, "database unavailable");
                crate::db::connections_may_be_broken();
                AppError::Unavailable
            }
            DatabaseFailure::RefusesWrites => {
                // Operators must act (free space, fix the mount): an error, counted for the alert.
                tracing::error!(error = %e, "the database refuses writes (disk full or read-only)");
                metrics::counter!("db_write_refusals_total").increment(1);
                AppError::StorageRefused
            }
        }
    }
}

/// Classifies environment failures so that people get "try again later", not "bug".
pub(crate) fn database_failure(e: &sqlx::Error) -> Option<DatabaseFailure> {
    match e {
        sqlx::Error::PoolClosed | sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
            Some(DatabaseFailure::Unreachable)
        }
        sqlx::Error::Database(db) => {
            let code = db.code()?;
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                sqlite_failure(code.parse().ok()?)
            } else {
                postgres_failure(&code)
            }
        }
        _ => None,
    }
}

/// SQLite extended result codes: the primary code is the low byte.
fn sqlite_failure(extended: i32) -> Option<DatabaseFailure> {
    const READONLY: i32 = 8;
    const IOERR: i32 = 10;
    const FULL: i32 = 13;
    const CANTOPEN: i32 = 14;
    match extended & 0xff {
        READONLY | IOERR | FULL | CANTOPEN => Some(DatabaseFailure::RefusesWrites),
        _ => None,
    }
}

/// PostgreSQL SQLSTATE codes.
fn postgres_failure(sqlstate: &str) -> Option<DatabaseFailure> {
    match sqlstate {
        // disk_full, read_only_sql_transaction (a standby, or a primary set read-only).
        "53100" | "25006" => Some(DatabaseFailure::RefusesWrites),
        // too_many_connections, admin/crash shutdown, cannot_connect_now (starting or recovering).
        "53300" | "57P01" | "57P02" | "57P03" => Some(DatabaseFailure::Unreachable),
        _ => None,
    }
}

/// Marker left on a response by [`AppError`] so that [`render_errors`] renders its body.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// Field errors to list in the problem document (422).
    pub fields: Vec<FieldError>,
    /// Developer-facing detail safe to show (never internals).
    pub detail: Option<String>,
    /// Fluent id prefix of a title and text more precise than the status's (`{id}-title`, `{id}-text`).
    pub message: Option<&'static str>,
}

impl AppError {
    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized | AppError::BadCredentials { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Conflict | AppError::ReadOnly => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) | AppError::InvalidBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::StorageRefused => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        // A database failure wrapped with context by a service is still the environment's.
        if let AppError::Internal(cause) = &self {
            let failure = cause
                .chain()
                .filter_map(|c| c.downcast_ref::<sqlx::Error>())
                .find_map(|e| database_failure(e).map(|f| f.into_app_error(e)));
            if let Some(error) = failure {
                return error.into_response();
            }
        }
        let status = self.status();
        let mut info = ErrorInfo { fields: Vec::new(), detail: None, message: None };
        let mut response = Response::new(Body::empty());
        match self {
            AppError::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
            }
            AppError::StorageRefused => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(60));
            }
            AppError::Invalid(fields) => info.fields = fields,
            AppError::ReadOnly => info.message = Some("error-read-only"),
            AppError::BadRequest(detail) | AppError::InvalidBody(detail) => info.detail = Some(detail),
            AppError::BadCredentials { remaining } => {
                info.detail = Some(format!(
                    "wrong identifier or password; {remaining} attempts left before the account is blocked"
                ));
            }
            AppError::TooManyRequests { retry_after } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            _ => {}
        }
        *response.status_mut() = status;
        response.extensions_mut().insert(info);
        response
    }
}

/// Renders the body of every error response (see the module documentation).
pub async fn render_errors(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api");
    let lang = request.extensions().get::<Lang>().copied().unwrap_or_default();
    let path = request.uri().path().to_owned();
    let uri = request.uri().path_and_query().map_or_else(|| path.clone(), |p| p.as_str().to_owned());
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let info = response.extensions().get::<ErrorInfo>().cloned();
    if info.is_none() && already_rendered(&response) {
        return response;
    }
    let mut info = info.unwrap_or(ErrorInfo { fields: Vec::new(), detail: None, message: None });
    // A file too large for an import form: say the limit, and what to do.
    if status == StatusCode::PAYLOAD_TOO_LARGE && info.message.is_none() && super::is_upload(&path) {
        info.message = Some("error-upload-too-large");
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = if is_api {
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        problem_json(status, lang, &path, &request_id, &info)
    } else {
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        error_page(status, lang, &path, &uri, &request_id, info.message)
    };
    Response::from_parts(parts, Body::from(body))
}

fn already_rendered(response: &Response) -> bool {
    response.extensions().get::<super::health::KeepBody>().is_some()
        || response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/problem+json"))
}

fn status_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        409 => "conflict",
        408 => "timeout",
        413 => "payload-too-large",
        415 => "unsupported-media-type",
        422 => "invalid",
        429 => "too-many-requests",
        503 => "unavailable",
        507 => "storage",
        s if s >= 500 => "internal",
        _ => "bad-request",
    }
}

fn problem_json(status: StatusCode, lang: Lang, path: &str, request_id: &str, info: &ErrorInfo) -> String {
    let key = status_key(status);
    // A page's words do not fit every resource: "Page introuvable" is "Ressource introuvable" here.
    let title = match info.message {
        Some(message) => lang.t(&format!("{message}-title")),
        None if key == "not-found" => lang.t("problem-not-found-title"),
        None => lang.t(&format!("error-{key}-title")),
    };
    let mut doc = serde_json::json!({
        "type": format!("/problems/{key}"),
        "title": title,
        "status": status.as_u16(),
        "instance": path,
        "request_id": request_id,
    });
    if let Some(detail) = &info.detail {
        doc["detail"] = detail.clone().into();
    }
    if !info.fields.is_empty() {
        doc["errors"] = info
            .fields
            .iter()
            .map(|f| serde_json::json!({ "field": f.field, "code": f.code, "message": lang.t(&f.code) }))
            .collect();
    }
    doc.to_string()
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    text: String,
    request_id: String,
}

fn error_page(
    status: StatusCode,
    lang: Lang,
    path: &str,
    uri: &str,
    request_id: &str,
    message: Option<&'static str>,
) -> String {
    let key = message.map_or_else(|| format!("error-{}", status_key(status)), str::to_owned);
    let chrome = Chrome::new(lang, path, &lang.t(&format!("{key}-title"))).with_back(uri);
    let text = lang.t(&format!("{key}-text"));
    let page = ErrorPage { chrome, status: status.as_u16(), text, request_id: request_id.to_owned() };
    askama::Template::render(&page).unwrap_or_else(|_| format!("Error {}", status.as_u16()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_and_reachability_failures_are_told_apart() {
        // SQLite: READONLY, IOERR_WRITE (10 | 3 << 8), FULL, CANTOPEN refuse writes; BUSY and
        // CONSTRAINT_UNIQUE are not the environment's.
        for code in [8, 10 | (3 << 8), 13, 14] {
            assert_eq!(sqlite_failure(code), Some(DatabaseFailure::RefusesWrites), "{code}");
        }
        for code in [5, 19 | (8 << 8), 1] {
            assert_eq!(sqlite_failure(code), None, "{code}");
        }
        assert_eq!(postgres_failure("53100"), Some(DatabaseFailure::RefusesWrites));
        assert_eq!(postgres_failure("25006"), Some(DatabaseFailure::RefusesWrites));
        assert_eq!(postgres_failure("57P01"), Some(DatabaseFailure::Unreachable));
        assert_eq!(postgres_failure("23505"), None);
        assert_eq!(database_failure(&sqlx::Error::PoolTimedOut), Some(DatabaseFailure::Unreachable));
        assert_eq!(database_failure(&sqlx::Error::RowNotFound), None);
    }
}
