//! Static assets embedded in the binary and served under content-hashed names.
//!
//! A hashed name changes whenever the file changes, so browsers may cache each URL forever.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

/// One embedded file.
pub struct Asset {
    /// Name used by templates, e.g. `app.css`.
    pub logical: &'static str,
    /// Name in the URL, e.g. `app.3f9a0c1d2b4e5f60.css`.
    pub hashed: String,
    /// File contents.
    pub bytes: &'static [u8],
    /// MIME type.
    pub content_type: &'static str,
}

const FILES: &[(&str, &[u8], &str)] = &[
    ("app.css", include_bytes!("../../static/app.css"), "text/css; charset=utf-8"),
    ("favicon.svg", include_bytes!("../../static/favicon.svg"), "image/svg+xml"),
    ("challenge.js", include_bytes!("../../static/challenge.js"), "text/javascript; charset=utf-8"),
    ("invigilator.js", include_bytes!("../../static/invigilator.js"), "text/javascript; charset=utf-8"),
    ("badge-star.svg", include_bytes!("../../static/badge-star.svg"), "image/svg+xml"),
    ("badge-shield.svg", include_bytes!("../../static/badge-shield.svg"), "image/svg+xml"),
    ("badge-rocket.svg", include_bytes!("../../static/badge-rocket.svg"), "image/svg+xml"),
];

/// FNV-1a: tiny, stable across releases, and plenty for cache busting (not a security hash).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(logical, bytes, content_type)| {
            let (stem, ext) = logical.rsplit_once('.').unwrap_or((logical, ""));
            Asset { logical, hashed: format!("{stem}.{:016x}.{ext}", fnv1a(bytes)), bytes, content_type }
        })
        .collect()
});

/// The URL of an asset by its logical name, e.g. `/static/app.3f9a….css`.
pub fn url(logical: &str) -> String {
    ASSETS
        .iter()
        .find(|a| a.logical == logical)
        .map(|a| format!("/static/{}", a.hashed))
        .unwrap_or_else(|| format!("/static/{logical}"))
}

/// Serves `/static/{name}`; only hashed names are served, with a one-year immutable cache.
pub async fn serve(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.hashed == name) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
            ],
            asset.bytes,
        )
            .into_response(),
        None => crate::web::error::AppError::NotFound.into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashed_names_differ_from_logical_and_are_stable() {
        let a = super::url("app.css");
        assert!(a.starts_with("/static/app.") && a.ends_with(".css") && a.len() > "/static/app.css".len());
        assert_eq!(a, super::url("app.css"));
        assert_ne!(super::fnv1a(b"a"), super::fnv1a(b"b"));
    }
}
