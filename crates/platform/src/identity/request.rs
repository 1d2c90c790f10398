//! The extractors handlers are written with: [`Page`] (who is asking, in which language, on which
//! page) and the CSRF-checked bodies [`CsrfForm`], [`CsrfJson`] and [`CsrfHeader`]. A handler that
//! changes state takes one of the three, so it cannot forget the token (a test walks the router).

use axum::{
    extract::{FromRef, FromRequest, FromRequestParts, Request},
    http::{header, request::Parts},
};
use serde::de::DeserializeOwned;

use super::{
    csrf::{self, CsrfKey, Nonce},
    session::{CurrentUser, MaybeUser},
};
use crate::{
    AppState,
    web::{error::AppError, i18n::Lang, layout::Chrome},
};

/// The context of a page: language, where it is, who is looking, and how to make its forms.
#[derive(Clone)]
pub struct Page {
    /// Interface language.
    pub lang: Lang,
    /// Path of the request.
    pub path: String,
    /// Path and query string (the language switch comes back to exactly this page).
    pub uri: String,
    /// The signed-in person, if any.
    pub user: Option<CurrentUser>,
    me: MaybeUser,
    nonce: Option<Nonce>,
    key: CsrfKey,
}

impl Page {
    /// The CSRF token for this page's forms.
    pub fn csrf(&self) -> String {
        csrf::token_for(&self.me, self.nonce.as_ref(), &self.key)
    }

    /// The visitor's session (to log in or out).
    pub fn session(&self) -> &tower_sessions::Session {
        &self.me.session
    }

    /// Translates a message id.
    pub fn t(&self, id: &str) -> String {
        self.lang.t(id)
    }

    /// The layout of this page with a title.
    pub fn chrome(&self, title: &str) -> Chrome {
        // A signed-in person's token is the session's; an anonymous visitor's is made when written.
        let token = match &self.user {
            Some(user) => {
                let token = user.csrf.clone();
                crate::web::layout::FormToken::new(move || token.clone())
            }
            None => {
                let page = self.clone();
                crate::web::layout::FormToken::new(move || page.csrf())
            }
        };
        Chrome::new(self.lang, &self.path, title)
            .with_form_token(token)
            .with_back(&self.uri)
            .with_user(self.user.as_ref().map(CurrentUser::header))
    }

    /// The layout, titled by a message id.
    pub fn chrome_t(&self, title_id: &str) -> Chrome {
        self.chrome(&self.lang.t(title_id))
    }
}

impl<S> FromRequestParts<S> for Page
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_request_parts(parts, state).await.unwrap_or_default();
        let me = MaybeUser::from_request_parts(parts, state).await?;
        Ok(Page {
            lang,
            path: parts.uri.path().to_owned(),
            uri: parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
            user: me.user.clone(),
            nonce: parts.extensions.get::<Nonce>().cloned(),
            me,
            key: AppState::from_ref(state).csrf_key.clone(),
        })
    }
}

fn is_form(parts: &Parts) -> bool {
    parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
        ct.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
    })
}

/// A URL-encoded form whose CSRF token (field `csrf_token`, or the `X-CSRF-Token` header for
/// scripts) was checked, deserialized into `T`. Use `Vec<(String, String)>` for forms whose field
/// names are not known in advance.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<S, T> FromRequest<S> for CsrfForm<T>
where
    S: Send + Sync,
    AppState: FromRef<S>,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, crate::web::MAX_BODY_BYTES).await.map_err(|_| AppError::TooLarge)?;
        let from_field = form_urlencoded::parse(&bytes).find(|(k, _)| k == csrf::FIELD).map(|(_, v)| v.into_owned());
        let submitted = from_field.or_else(|| csrf::header_token(&parts).map(str::to_owned));
        csrf::verify(&mut parts, state, submitted.as_deref()).await?;
        if !bytes.is_empty() && !is_form(&parts) {
            return Err(AppError::UnsupportedMediaType);
        }
        // The token is not part of `T`: forms may share a struct that refuses unknown fields with the API.
        let mut rest = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(&bytes).filter(|(k, _)| k != csrf::FIELD) {
            rest.append_pair(&k, &v);
        }
        serde_urlencoded::from_str(&rest.finish())
            .map(CsrfForm)
            .map_err(|e| AppError::BadRequest(format!("invalid form: {e}")))
    }
}

/// A JSON body of an API call whose `X-CSRF-Token` header was checked. Malformed JSON is a 400,
/// a body of the wrong type a 415, JSON that does not fit `T` a 422.
#[derive(Debug)]
pub struct CsrfJson<T>(pub T);

impl<S, T> FromRequest<S> for CsrfJson<T>
where
    S: Send + Sync,
    AppState: FromRef<S>,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let submitted = csrf::header_token(&parts).map(str::to_owned);
        csrf::verify(&mut parts, state, submitted.as_deref()).await?;
        let request = Request::from_parts(parts, body);
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(CsrfJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// The error for a JSON body that could not be read.
pub fn json_rejection(rejection: axum::extract::rejection::JsonRejection) -> AppError {
    use axum::extract::rejection::JsonRejection as R;
    match rejection {
        R::MissingJsonContentType(_) => AppError::UnsupportedMediaType,
        R::JsonDataError(e) => AppError::InvalidBody(e.body_text()),
        R::JsonSyntaxError(e) => AppError::BadRequest(e.body_text()),
        R::BytesRejection(_) => AppError::TooLarge,
        other => AppError::BadRequest(other.body_text()),
    }
}

/// A state-changing call without a body whose `X-CSRF-Token` header was checked.
#[derive(Debug, Clone, Copy)]
pub struct CsrfHeader;

impl<S> FromRequestParts<S> for CsrfHeader
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let submitted = csrf::header_token(parts).map(str::to_owned);
        csrf::verify(parts, state, submitted.as_deref()).await?;
        Ok(CsrfHeader)
    }
}

/// Form fields read as they came (repeated keys kept), for forms with dynamic field names.
pub type Fields = Vec<(String, String)>;

/// The first value of a field in [`Fields`].
pub fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A form with nothing but its CSRF token (a button that changes state).
#[derive(Debug, serde::Deserialize)]
pub struct NoFields {}

/// A file sent with a [`CsrfMultipart`] form.
#[derive(Debug)]
pub struct Upload {
    /// Name of the form field.
    pub field: String,
    /// Name of the file on the sender's machine.
    pub file_name: String,
    /// Content.
    pub bytes: Vec<u8>,
}

/// A `multipart/form-data` form (file uploads) whose CSRF token (field `csrf_token`, or the
/// `X-CSRF-Token` header) was checked: its text fields and its files, read whole within
/// [`crate::web::MAX_UPLOAD_BYTES`].
#[derive(Debug)]
pub struct CsrfMultipart {
    /// Text fields.
    pub fields: Fields,
    /// Files.
    pub files: Vec<Upload>,
}

impl CsrfMultipart {
    /// The file of a field, if one was chosen.
    pub fn file(&self, field: &str) -> Option<&Upload> {
        self.files.iter().find(|f| f.field == field && !(f.file_name.is_empty() && f.bytes.is_empty()))
    }
}

impl<S> FromRequest<S> for CsrfMultipart
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let content_type =
            parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let Ok(boundary) = multer::parse_boundary(&content_type) else {
            // The token is checked first: a cross-site post learns nothing about the route.
            let submitted = csrf::header_token(&parts).map(str::to_owned);
            csrf::verify(&mut parts, state, submitted.as_deref()).await?;
            return Err(AppError::UnsupportedMediaType);
        };
        let limits = multer::Constraints::new()
            .size_limit(multer::SizeLimit::new().whole_stream(crate::web::MAX_UPLOAD_BYTES as u64));
        let mut multipart = multer::Multipart::with_constraints(body.into_data_stream(), boundary, limits);
        let mut form = CsrfMultipart { fields: Vec::new(), files: Vec::new() };
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(multipart_error(e)),
            };
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(file_name) => {
                    let bytes = field.bytes().await.map_err(multipart_error)?.to_vec();
                    form.files.push(Upload { field: name, file_name, bytes });
                }
                None => {
                    let text = field.text().await.map_err(multipart_error)?;
                    form.fields.push((name, text));
                }
            }
        }
        let submitted = field(&form.fields, csrf::FIELD)
            .map(str::to_owned)
            .or_else(|| csrf::header_token(&parts).map(str::to_owned));
        csrf::verify(&mut parts, state, submitted.as_deref()).await?;
        Ok(form)
    }
}

fn multipart_error(e: multer::Error) -> AppError {
    match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => AppError::TooLarge,
        multer::Error::StreamReadFailed(_) => AppError::TooLarge,
        other => AppError::BadRequest(format!("invalid multipart body: {other}")),
    }
}

/// The last page number a list accepts: beyond it nothing is listed, and `(page - 1) × size`
/// stays far from overflowing.
pub const MAX_PAGE: i64 = 1_000_000;

/// A page number from a query, between 1 and [`MAX_PAGE`] (absent or below 1: the first page).
pub fn page_number(requested: Option<i64>) -> i64 {
    requested.unwrap_or(1).clamp(1, MAX_PAGE)
}
