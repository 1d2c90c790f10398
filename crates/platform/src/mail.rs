//! Outgoing email: SMTP when `PIX_SMTP_URL` is set, otherwise `.eml` files in the data dir's
//! outbox (logged), so that every journey that sends mail works in a demo.

use std::path::PathBuf;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, message::header::ContentType};

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    /// Written as files.
    Outbox(PathBuf),
    /// Sent through an SMTP relay.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Outbox(p) => write!(f, "Outbox({})", p.display()),
            Mailer::Smtp(_) => write!(f, "Smtp"),
        }
    }
}

/// Errors while sending.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The message could not be built (bad address).
    #[error("invalid message: {0}")]
    Build(String),
    /// The transport failed.
    #[error("sending failed: {0}")]
    Send(String),
}

impl Mailer {
    /// SMTP when a URL is given (`smtp://…`, `smtps://…`), else the outbox folder.
    pub fn new(smtp_url: Option<&str>, outbox: PathBuf) -> Result<Mailer, MailError> {
        match smtp_url {
            Some(url) => Ok(Mailer::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| MailError::Build(e.to_string()))?
                    .build(),
            )),
            None => Ok(Mailer::Outbox(outbox)),
        }
    }

    /// Sends a plain-text message.
    pub async fn send(&self, from: &str, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let message = Message::builder()
            .from(from.parse().map_err(|e: lettre::address::AddressError| MailError::Build(e.to_string()))?)
            .to(to.parse().map_err(|e: lettre::address::AddressError| MailError::Build(e.to_string()))?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Build(e.to_string()))?;
        match self {
            Mailer::Smtp(transport) => {
                transport.send(message).await.map_err(|e| MailError::Send(e.to_string()))?;
            }
            Mailer::Outbox(dir) => {
                tokio::fs::create_dir_all(dir).await.map_err(|e| MailError::Send(e.to_string()))?;
                let name = format!("{}.eml", uuid::Uuid::now_v7());
                let path = dir.join(name);
                tokio::fs::write(&path, message.formatted()).await.map_err(|e| MailError::Send(e.to_string()))?;
                tracing::info!(path = %path.display(), subject, "mail written to the outbox (no SMTP configured)");
            }
        }
        Ok(())
    }

    /// Deletes the mails of the outbox folder addressed to any of these addresses (erasure); an
    /// SMTP relay keeps nothing here.
    pub async fn forget(&self, addresses: &[String]) -> std::io::Result<usize> {
        let Mailer::Outbox(dir) = self else { return Ok(0) };
        let wanted: Vec<String> = addresses.iter().map(|a| a.to_lowercase()).collect();
        if wanted.is_empty() {
            return Ok(0);
        }
        let mut entries = match tokio::fs::read_dir(dir).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        while let Some(entry) = entries.next_entry().await? {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "eml") {
                continue;
            }
            let Ok(text) = tokio::fs::read_to_string(&path).await else { continue };
            if recipients(&text).iter().any(|r| wanted.contains(r)) {
                tokio::fs::remove_file(&path).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// The addresses of the `To:` header of a formatted message, lower case.
fn recipients(message: &str) -> Vec<String> {
    let headers = message.split("\r\n\r\n").next().unwrap_or(message);
    headers
        .split("\r\n")
        .filter_map(|line| line.strip_prefix("To:"))
        .flat_map(|v| v.split(','))
        .map(|a| {
            let a = a.trim();
            let a = a.rsplit_once('<').map_or(a, |(_, rest)| rest.trim_end_matches('>'));
            a.trim().to_lowercase()
        })
        .collect()
}

/// The text of a mail from its template (`templates/mail/`, rendered without HTML escaping: mail
/// bodies are plain text).
pub fn render(template: &impl askama::Template) -> anyhow::Result<String> {
    Ok(template.render()?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn recipients_of_a_message() {
        let m =
            "From: Pix <no-reply@pix.invalid>\r\nTo: Ana@Example.org\r\nSubject: x\r\n\r\nTo: not-a-header@example.org";
        assert_eq!(super::recipients(m), vec!["ana@example.org".to_owned()]);
        assert_eq!(super::recipients("To: Ana <ana@example.org>\r\n\r\n"), vec!["ana@example.org".to_owned()]);
    }
}
