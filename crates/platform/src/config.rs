//! Configuration: every setting is a command-line flag that can also come from a `PIX_…` variable.

use std::{net::SocketAddr, path::PathBuf};

use crate::db::{DbOptions, SqliteDurability};

/// Where the data lives.
#[derive(Debug, Clone, clap::Args)]
pub struct DbSettings {
    /// Folder for the SQLite database, the outbox and other files (created if missing).
    #[arg(long, env = "PIX_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// `postgres://user:pass@host/db` for PostgreSQL; default: SQLite file `pix.db` in the data dir.
    #[arg(long, env = "PIX_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Maximum database connections of this node (default: 8 on SQLite, whose writes take turns
    /// anyway and whose driver runs a thread per connection; 16 on PostgreSQL).
    #[arg(long, env = "PIX_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,
    /// SQLite flush policy: `normal` survives a process kill, `full` also survives power loss.
    #[arg(long, env = "PIX_SQLITE_DURABILITY", value_enum, default_value = "normal")]
    pub sqlite_durability: SqliteDurability,
}

impl DbSettings {
    /// Settings for a given data dir and optional URL, other values at their defaults.
    pub fn new(data_dir: PathBuf, database_url: Option<String>) -> DbSettings {
        DbSettings { data_dir, database_url, db_max_connections: None, sqlite_durability: SqliteDurability::Normal }
    }

    /// The effective database URL.
    pub fn url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("pix.db").display()))
    }

    /// Connection options for [`crate::db::Db::connect`].
    pub fn options(&self) -> DbOptions {
        let url = self.url();
        let default = if url.starts_with("sqlite:") { 8 } else { 16 };
        DbOptions {
            max_connections: self.db_max_connections.unwrap_or(default),
            url,
            sqlite_durability: self.sqlite_durability,
        }
    }
}

/// Settings of `pix serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeSettings {
    /// Database and data folder.
    #[command(flatten)]
    pub db: DbSettings,
    /// Address and port to listen on (port 0 picks a free port).
    #[arg(long, env = "PIX_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Seed demo accounts and data (never in production: their passwords are printed in the log).
    #[arg(long, env = "PIX_DEMO")]
    pub demo: bool,
    /// Public address of the platform, used in emailed links; `https://…` also marks cookies Secure.
    #[arg(long, env = "PIX_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: String,
    /// SMTP relay (`smtp://user:pass@host:587` or `smtps://…`); without it mails go to `<data-dir>/outbox`.
    #[arg(long, env = "PIX_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of the platform's emails.
    #[arg(long, env = "PIX_MAIL_FROM", default_value = "Pix libre <no-reply@pix.invalid>")]
    pub mail_from: String,
    /// Login, sign-up and password-reset requests allowed per client IP and minute (burst of the same size).
    #[arg(long, env = "PIX_AUTH_RATE_PER_MINUTE", default_value_t = 20)]
    pub auth_rate_per_minute: u32,
    /// Certificate verifications (page and API) allowed per client IP and minute, a quota of their own.
    #[arg(long, env = "PIX_VERIFICATION_RATE_PER_MINUTE", default_value_t = 30)]
    pub verification_rate_per_minute: u32,
    /// Learning content folder to serve instead of the embedded demo referential.
    #[arg(long = "content", env = "PIX_CONTENT_DIR")]
    pub content_dir: Option<PathBuf>,
    /// Proxies whose `Forwarded` / `X-Forwarded-For` headers are believed (comma-separated IP
    /// addresses or CIDR blocks, e.g. `10.0.0.0/8`); the per-IP limits then count the client's address.
    #[arg(long, env = "PIX_TRUSTED_PROXIES", value_delimiter = ',', value_parser = crate::web::client_ip::parse_trusted)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Run this node's outbox worker (sends queued mails); `false` leaves the queue to other nodes.
    #[arg(long, env = "PIX_OUTBOX_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub outbox_worker: bool,
    /// Seconds to let in-flight requests finish after SIGTERM or Ctrl-C.
    #[arg(long, env = "PIX_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
    /// How competence tests choose questions and place learners: `reference` (smart random, levels
    /// from the pix of validated skills) or `placement` (docs/engine.md: unbiased, ≤ 13 questions).
    #[arg(long, env = "PIX_COMPETENCE_TESTS", value_enum, default_value_t = CompetenceTests::Reference)]
    pub competence_tests: CompetenceTests,
}

/// The algorithm of competence tests (campaigns keep smart random: their results are per skill).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CompetenceTests {
    /// Smart random, as the reference.
    #[default]
    Reference,
    /// Placement mode: information-based questions, the level read from the calibration.
    Placement,
}

impl ServeSettings {
    /// Settings for tests and tools: a data dir, an optional URL, an ephemeral loopback port.
    pub fn for_data_dir(data_dir: PathBuf, database_url: Option<String>) -> ServeSettings {
        ServeSettings {
            db: DbSettings::new(data_dir, database_url),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            demo: false,
            public_url: "http://127.0.0.1:8080".to_owned(),
            smtp_url: None,
            mail_from: "Pix libre <no-reply@pix.invalid>".to_owned(),
            auth_rate_per_minute: 1000,
            verification_rate_per_minute: 1000,
            content_dir: None,
            trusted_proxies: Vec::new(),
            outbox_worker: true,
            shutdown_grace_secs: 5,
            competence_tests: CompetenceTests::Reference,
        }
    }
}
