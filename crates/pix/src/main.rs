//! The `pix` command.

use anyhow::Context;
use clap::{Parser, Subcommand};
use platform::{config, telemetry};

/// Assess, develop and certify digital skills.
#[derive(Parser)]
#[command(name = "pix", version, about, propagate_version = true)]
struct Cli {
    /// Log line format.
    #[arg(
        long,
        env = "PIX_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    log_format: telemetry::LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform over HTTP (creates and migrates the database first).
    Serve(config::ServeSettings),
    /// Create the database if missing and apply pending migrations, then exit.
    Migrate(config::DbSettings),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        match cli.command {
            Command::Serve(settings) => {
                let started = std::time::Instant::now();
                let server = platform::Server::build(settings).await?;
                tracing::info!(
                    address = %format!("http://{}", server.local_addr()),
                    startup_ms = started.elapsed().as_millis() as u64,
                    "listening"
                );
                server.run(platform::shutdown_signal()).await
            }
            Command::Migrate(settings) => {
                platform::open_database(&settings).await?;
                tracing::info!(database = %redact(&settings.url()), "migrations applied");
                Ok(())
            }
        }
    })
}

/// Hides the password of a database URL in logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}
