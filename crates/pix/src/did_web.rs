//! Resolving a `did:web` identifier to its DID document over HTTPS (W3C did:web method): the
//! document is then the one the named host serves, as TLS proves — not whatever file a verifier is
//! handed.

use std::sync::Arc;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use tokio_rustls::rustls::{self, pki_types::pem::PemObject};

/// Largest DID document read (a few keys take a few KB).
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// Where a `did:web` identifier's document lives: (host, port, path).
pub fn location(did: &str) -> Result<(String, u16, String), String> {
    let rest = did.strip_prefix("did:web:").ok_or_else(|| format!("`{did}` is not a did:web identifier"))?;
    let mut parts = rest.split(':');
    let authority = parts.next().filter(|a| !a.is_empty()).ok_or_else(|| format!("`{did}` names no host"))?;
    let authority = authority.replace("%3A", ":").replace("%3a", ":");
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host.to_owned(), port.parse::<u16>().map_err(|_| format!("`{did}`: bad port"))?),
        None => (authority.clone(), 443),
    };
    let valid = |s: &str| {
        !s.is_empty() && s != "." && s != ".." && s.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
    };
    if !valid(&host) {
        return Err(format!("`{did}`: bad host"));
    }
    let segments: Vec<&str> = parts.collect();
    if segments.iter().any(|s| !valid(s)) {
        return Err(format!("`{did}`: bad path"));
    }
    let path = if segments.is_empty() {
        "/.well-known/did.json".to_owned()
    } else {
        format!("/{}/did.json", segments.join("/"))
    };
    Ok((host, port, path))
}

/// Fetches the DID document of `did` over HTTPS, trusting the usual web roots (and the PEM
/// certificates of `extra_roots`, for a private authority); checks that it names `did`.
pub async fn resolve(did: &str, extra_roots: Option<&[u8]>) -> Result<serde_json::Value, String> {
    let (host, port, path) = location(did)?;
    let url = format!("https://{host}{}{path}", if port == 443 { String::new() } else { format!(":{port}") });
    let fail = |what: String| format!("cannot fetch {url}: {what}");
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = extra_roots {
        for cert in rustls::pki_types::CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| format!("the certificate authority file: {e}"))?;
            roots.add(cert).map_err(|e| format!("the certificate authority file: {e}"))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| fail(e.to_string()))?;
    let fetch = async {
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port)).await.map_err(|e| fail(e.to_string()))?;
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
            .await
            .map_err(|e| fail(e.to_string()))?;
        tokio::spawn(connection);
        let authority = if port == 443 { host.clone() } else { format!("{host}:{port}") };
        let request = hyper::Request::get(&path)
            .header(hyper::header::HOST, authority)
            .header(hyper::header::ACCEPT, "application/did+json, application/json")
            .body(Empty::<Bytes>::new())
            .map_err(|e| fail(e.to_string()))?;
        let response = sender.send_request(request).await.map_err(|e| fail(e.to_string()))?;
        if !response.status().is_success() {
            return Err(fail(format!("status {}", response.status())));
        }
        let body = Limited::new(response.into_body(), MAX_DOCUMENT_BYTES)
            .collect()
            .await
            .map_err(|e| fail(e.to_string()))?
            .to_bytes();
        serde_json::from_slice::<serde_json::Value>(&body).map_err(|e| fail(format!("not JSON: {e}")))
    };
    let document = tokio::time::timeout(std::time::Duration::from_secs(15), fetch)
        .await
        .map_err(|_| fail("no answer within 15 s".into()))??;
    if document["id"] != did {
        return Err(fail(format!("the document names {}, not {did}", document["id"])));
    }
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_locations_follow_the_method() {
        let at = |did| location(did).unwrap();
        assert_eq!(at("did:web:pix.example"), ("pix.example".into(), 443, "/.well-known/did.json".into()));
        assert_eq!(at("did:web:localhost%3A8443"), ("localhost".into(), 8443, "/.well-known/did.json".into()));
        assert_eq!(at("did:web:example.org:pix"), ("example.org".into(), 443, "/pix/did.json".into()));
        for bad in ["did:key:z6Mk", "did:web:", "did:web:a/b", "did:web:host:..", "did:web:host%3Ax"] {
            assert!(location(bad).is_err(), "{bad}");
        }
    }
}
