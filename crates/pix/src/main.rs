//! The `pix` command.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::{Parser, Subcommand};
use platform::{config, telemetry};

mod did_web;

/// Assess, develop and certify digital skills.
#[derive(Parser)]
#[command(name = "pix", version, about, propagate_version = true)]
struct Cli {
    /// Log line format.
    #[arg(long, env = "PIX_LOG_FORMAT", value_enum, default_value = "text", global = true)]
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
    /// Check or describe learning content.
    #[command(subcommand)]
    Content(ContentCommand),
    /// Prepare a certification load test on a database: a centre, sessions planned today, and
    /// eligible candidate accounts enrolled in them; prints what `pix-load --certification` reads.
    CertificationFixture {
        #[command(flatten)]
        settings: config::ServeSettings,
        /// Candidates to create.
        #[arg(long, default_value_t = 200)]
        candidates: usize,
        /// Candidates per session.
        #[arg(long, default_value_t = 20)]
        per_session: usize,
        /// Their password.
        #[arg(long, default_value = "Load-Test-2026")]
        password: String,
    },
    /// Check a certificate credential: that the issuer you trust signed it (its DID document
    /// fetched over HTTPS from the host its `did:web` names, or a copy you saved from there), the
    /// proof's purpose and date, and, if given, its revocation in the status list (saved from the
    /// URL in its `credentialStatus`); prints what it certifies. Exit status 0 when valid, 1 when
    /// not, 2 when a file or the issuer's document cannot be read.
    Verify {
        /// The credential (JSON), as the holder downloaded it.
        file: PathBuf,
        /// The issuer you trust, e.g. `did:web:pix.example.fr` (required: a credential proves
        /// nothing about an issuer you did not choose).
        #[arg(long)]
        issuer_did: String,
        /// Offline: the issuer's DID document (JSON) as you saved it from
        /// `https://<host>/.well-known/did.json`; without it, it is fetched over HTTPS.
        #[arg(long)]
        issuer: Option<PathBuf>,
        /// Trust the certificate authorities of this PEM file too when fetching the issuer's
        /// document (a private authority).
        #[arg(long)]
        ca_cert: Option<PathBuf>,
        /// The status list credential (JSON) naming revoked certificates.
        #[arg(long)]
        status: Option<PathBuf>,
    },
    /// Make a new key to sign certificate credentials; the previous keys stay published so that
    /// what they signed keeps verifying.
    RotateCredentialKey(config::DbSettings),
    /// Withdraw a compromised credential key: it leaves the published keys, so nothing it signed
    /// verifies any more; the certificates it signed get credentials signed anew when downloaded.
    WithdrawCredentialKey {
        /// The key, e.g. `key-2`.
        key: String,
        #[command(flatten)]
        settings: config::DbSettings,
    },
    /// Remove erased personal data from the database files: vacuum the tables that hold personal
    /// data (the nodes do it after each erasure and hourly); with `--rewrite`, rewrite them so that
    /// nothing erased is left in free space (PostgreSQL `VACUUM FULL`: each table is locked while it
    /// is copied — run it in a maintenance window, weekly).
    Scrub {
        /// Rewrite the tables (`VACUUM FULL`), not only vacuum them.
        #[arg(long)]
        rewrite: bool,
        #[command(flatten)]
        settings: config::DbSettings,
    },
    /// Write a consistent backup of the live database (SQLite online copy, or `pg_dump`).
    Backup {
        /// The backup file to create.
        #[arg(long)]
        output: PathBuf,
        #[command(flatten)]
        settings: config::DbSettings,
    },
    /// Restore a backup into the database (stop the nodes first).
    Restore {
        /// The backup file.
        #[arg(long)]
        input: PathBuf,
        /// Replace the data already in the database.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        settings: config::DbSettings,
    },
    /// Simulate learners of known ability through competence tests and certifications.
    Simulate {
        /// Number of simulated learners.
        #[arg(long, default_value_t = 1000)]
        learners: usize,
        /// Seed of the simulation (same seed, same figures).
        #[arg(long, default_value_t = 2024)]
        seed: u64,
        /// Content folder (default: the embedded demo).
        #[arg(long = "content", conflicts_with = "bank_size")]
        content_dir: Option<PathBuf>,
        /// A synthetic bank of this many challenges instead of a content (certifications only).
        #[arg(long)]
        bank_size: Option<usize>,
        /// Distribution of the synthetic bank's discriminations.
        #[arg(long, default_value = "lognormal:0:0.25", value_parser = engine::simulate::Distribution::parse, requires = "bank_size")]
        discrimination: engine::simulate::Distribution,
        /// Distribution of the synthetic bank's difficulties.
        #[arg(long, default_value = "normal:0:1.5", value_parser = engine::simulate::Distribution::parse, requires = "bank_size")]
        difficulty: engine::simulate::Distribution,
        /// Seed of the synthetic bank.
        #[arg(long, default_value_t = 1, requires = "bank_size")]
        bank_seed: u64,
        /// Distribution of the learners' true ability (`normal:M:SD`, `uniform:MIN:MAX`, `lognormal:MU:SIGMA`).
        #[arg(long, default_value = "normal:0:1.5", value_parser = engine::simulate::Distribution::parse)]
        population: engine::simulate::Distribution,
        /// One JSON document instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// What `pix simulate` runs.
struct SimulateArgs {
    learners: usize,
    seed: u64,
    content_dir: Option<PathBuf>,
    synthetic: Option<engine::simulate::SyntheticBank>,
    population: engine::simulate::Distribution,
    json: bool,
}

fn run_simulate(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    use engine::simulate::{Bank, run};
    let learners = args.learners.max(1);
    let started = std::time::Instant::now();
    let content;
    let (bank, source) = match args.synthetic {
        Some(synthetic) => (
            Bank::Synthetic(synthetic),
            format!(
                "synthetic bank of {} (a {}, b {}, seed {})",
                synthetic.size, synthetic.discrimination, synthetic.difficulty, synthetic.seed
            ),
        ),
        None => {
            content = match load_content(args.content_dir.as_deref(), false)? {
                Ok(c) => c,
                Err(d) => anyhow::bail!("the content has {} problem(s): run `pix content check`", d.len()),
            };
            (Bank::Content(&content), format!("content {}", content.version))
        }
    };
    let reports = run(bank, learners, args.population, args.seed);
    if args.json {
        let doc = serde_json::json!({
            "learners": learners,
            "seed": args.seed,
            "population": args.population.to_string(),
            "bank": source,
            "scenarios": reports,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{learners} simulated learners (ability {}), seed {}, {source} ({:.1} s)",
        args.population,
        args.seed,
        started.elapsed().as_secs_f64()
    );
    println!(
        "{:<50} {:>9} {:>14} {:>7} {:>6} {:>8} {:>6} {:>9} {:>6} {:>10} {:>9}",
        "scenario",
        "questions",
        "min/med/max",
        "bias",
        "rmse",
        "within 1",
        "rel.",
        "max expo",
        ">20 %",
        "used/bank",
        "µs/select"
    );
    for r in &reports {
        println!(
            "{:<50} {:>9.1} {:>14} {:>7.3} {:>6.3} {:>7.1}% {:>6} {:>8.1}% {:>6} {:>4}/{:<5} {:>9.2}",
            r.scenario,
            r.mean_questions,
            format!("{}/{}/{}", r.lengths[0], r.lengths[2], r.lengths[4]),
            r.bias,
            r.rmse,
            r.within_one_level * 100.0,
            r.reliability.map_or("-".to_owned(), |v| format!("{v:.3}")),
            r.max_exposure * 100.0,
            r.over_exposed,
            r.challenges_used,
            r.bank_size,
            r.selection_micros
        );
    }
    println!("bias and rmse: in levels for competence tests, in capacity units for certifications");
    println!("\nby true level (competence tests) or true ability θ (certifications): tests, bias, rmse, questions");
    for r in &reports {
        let bands: Vec<String> = r
            .bands
            .iter()
            .map(|b| format!("{}: {} {:+.2} {:.2} {:.1}", b.band, b.tests, b.bias, b.rmse, b.mean_questions))
            .collect();
        println!("{}\n  {}", r.scenario, bands.join(" | "));
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
enum ContentCommand {
    /// Report every problem of a content folder as `file:line: message` (default: the embedded demo).
    Check {
        /// Content folder (areas.toml, competences/, tutorials/, modules/, media/).
        dir: Option<PathBuf>,
        /// Demand English text everywhere (always on for the demo content).
        #[arg(long)]
        require_english: bool,
    },
    /// Print counts by area, competence, level, type and locale.
    Stats {
        /// Content folder (default: the embedded demo).
        dir: Option<PathBuf>,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Loads a content folder, or the embedded demo.
fn load_content(
    dir: Option<&std::path::Path>,
    require_english: bool,
) -> anyhow::Result<Result<content::Content, Vec<content::Diagnostic>>> {
    Ok(match dir {
        None => content::demo(),
        Some(dir) => content::load(&content::read_dir(dir)?, content::LoadOptions { require_english }),
    })
}

fn run_content(command: ContentCommand) -> anyhow::Result<ExitCode> {
    match command {
        ContentCommand::Check { dir, require_english } => match load_content(dir.as_deref(), require_english)? {
            Ok(content) => {
                println!(
                    "ok: {} competences, {} skills, {} challenges, {} tutorials, {} modules (version {})",
                    content.competences.len(),
                    content.skills.len(),
                    content.challenges.len(),
                    content.tutorials.len(),
                    content.modules.len(),
                    content.version
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(diagnostics) => {
                for d in &diagnostics {
                    println!("{d}");
                }
                eprintln!("{} problem(s) found", diagnostics.len());
                Ok(ExitCode::FAILURE)
            }
        },
        ContentCommand::Stats { dir, json } => {
            let content = match load_content(dir.as_deref(), false)? {
                Ok(c) => c,
                Err(diagnostics) => {
                    for d in &diagnostics {
                        eprintln!("{d}");
                    }
                    anyhow::bail!("the content has {} problem(s): run `pix content check`", diagnostics.len());
                }
            };
            let stats = content::stats::compute(&content);
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print_stats(&stats);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_stats(s: &content::stats::Stats) {
    println!("content version {}", s.version);
    println!(
        "{} areas, {} competences, {} tubes, {} skills ({} active), {} validated challenges, {} tutorials",
        s.areas, s.competences, s.tubes, s.skills, s.active_skills, s.challenges, s.tutorials
    );
    let line = |title: &str, map: &std::collections::BTreeMap<String, usize>| {
        let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        println!("{title}: {}", parts.join(", "));
    };
    line("challenges by area", &s.challenges_by_area);
    line("challenges by competence", &s.challenges_by_competence);
    line("tubes by competence", &s.tubes_by_competence);
    line("challenges by level", &s.challenges_by_level);
    line("challenges by type", &s.challenges_by_type);
    line("challenges by locale", &s.challenges_by_locale);
    line("tutorials by locale", &s.tutorials_by_locale);
    println!(
        "timed: {}, focused: {}, illustrated: {}, with attachment: {}, active skills with tutorials: {:.0}%",
        s.timed,
        s.focused,
        s.illustrated,
        s.with_attachment,
        s.skills_with_tutorials * 100.0
    );
}

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Content(command) => return run_content(command),
        Command::Simulate {
            learners,
            seed,
            content_dir,
            bank_size,
            discrimination,
            difficulty,
            bank_seed,
            population,
            json,
        } => {
            let synthetic = bank_size.map(|size| engine::simulate::SyntheticBank {
                size,
                discrimination,
                difficulty,
                seed: bank_seed,
            });
            return run_simulate(SimulateArgs { learners, seed, content_dir, synthetic, population, json });
        }
        Command::Verify { file, issuer_did, issuer, ca_cert, status } => {
            let source = match issuer {
                Some(path) => IssuerSource::File(path),
                None => IssuerSource::Https { ca_cert },
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            return Ok(runtime.block_on(run_verify(&file, &issuer_did, &source, status.as_deref())));
        }
        _ => {}
    }
    telemetry::init(cli.log_format);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
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
                server.run(platform::shutdown_signal()).await?;
                Ok(ExitCode::SUCCESS)
            }
            Command::Migrate(settings) => {
                platform::open_database(&settings).await?;
                tracing::info!(database = %redact(&settings.url()), "migrations applied");
                Ok(ExitCode::SUCCESS)
            }
            Command::CertificationFixture { mut settings, candidates, per_session, password } => {
                // Beside a running node: its own ephemeral port, no outbox worker, no demo.
                settings.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
                settings.outbox_worker = false;
                settings.demo = false;
                let server = platform::Server::build(settings).await?;
                let fixture =
                    platform::certification::demo::load_fixture(server.state(), candidates, per_session, &password)
                        .await?;
                println!("{fixture}");
                Ok(ExitCode::SUCCESS)
            }
            Command::Scrub { rewrite, settings } => {
                let db = platform::open_database(&settings).await?;
                let started = std::time::Instant::now();
                if rewrite {
                    platform::personal_data::rewrite(&db).await?;
                } else {
                    platform::personal_data::scrub(&db).await?;
                }
                let what = if rewrite { "rewritten" } else { "vacuumed" };
                println!("tables holding personal data {what} in {:.1} s", started.elapsed().as_secs_f64());
                Ok(ExitCode::SUCCESS)
            }
            Command::Backup { output, settings } => {
                platform::backup::backup(&settings, &output).await?;
                println!("backup written to {}", output.display());
                Ok(ExitCode::SUCCESS)
            }
            Command::Restore { input, force, settings } => {
                platform::backup::restore(&settings, &input, force).await?;
                println!("restored {} into {}", input.display(), redact(&settings.url()));
                Ok(ExitCode::SUCCESS)
            }
            Command::RotateCredentialKey(settings) => {
                let db = platform::open_database(&settings).await?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
                let id = platform::certification::issuer::rotate(&db, now).await.map_err(|e| anyhow::anyhow!("{e}"))?;
                println!("new signing key: {id} (earlier keys stay published)");
                Ok(ExitCode::SUCCESS)
            }
            Command::WithdrawCredentialKey { key, settings } => {
                let db = platform::open_database(&settings).await?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
                if platform::certification::issuer::withdraw(&db, &key, now)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                {
                    println!("{key} withdrawn: no longer published; its credentials are signed anew when downloaded");
                    Ok(ExitCode::SUCCESS)
                } else {
                    eprintln!("no key {key} in use");
                    Ok(ExitCode::FAILURE)
                }
            }
            Command::Content(_) | Command::Simulate { .. } | Command::Verify { .. } => Ok(ExitCode::SUCCESS),
        }
    })
}

fn read_json(path: &std::path::Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))
}

/// Where `pix verify` reads the issuer's DID document.
enum IssuerSource {
    /// A copy the verifier saved.
    File(PathBuf),
    /// Fetched from the host the DID names.
    Https {
        /// Extra certificate authorities (PEM).
        ca_cert: Option<PathBuf>,
    },
}

async fn run_verify(
    file: &std::path::Path,
    issuer_did: &str,
    source: &IssuerSource,
    status: Option<&std::path::Path>,
) -> ExitCode {
    use platform::certification::credential;
    let read = async || -> Result<_, String> {
        let vc = read_json(file)?;
        let (did, from) = match source {
            IssuerSource::File(path) => (read_json(path)?, format!("the file {}", path.display())),
            IssuerSource::Https { ca_cert } => {
                let roots = match ca_cert {
                    Some(path) => {
                        Some(std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?)
                    }
                    None => None,
                };
                let (host, port, path) = did_web::location(issuer_did)?;
                let document = did_web::resolve(issuer_did, roots.as_deref()).await?;
                let port = if port == 443 { String::new() } else { format!(":{port}") };
                (document, format!("https://{host}{port}{path}"))
            }
        };
        Ok((vc, did, from, status.map(read_json).transpose()?))
    };
    let (vc, did, from, list) = match read().await {
        Ok(files) => files,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let now = rfc3339_now();
    match credential::verify_issued_by(issuer_did, &vc, &did, list.as_ref(), &now) {
        Ok(v) => {
            let as_of = list.as_ref().and_then(|l| l["validFrom"].as_str()).unwrap_or("?");
            let revocation = if v.status_checked {
                format!("not revoked as of {as_of}")
            } else {
                "revocation not checked (give --status)".to_owned()
            };
            println!("VALID: signed by {}; {revocation}", v.key);
            let fingerprint = did["verificationMethod"]
                .as_array()
                .and_then(|m| m.iter().find(|m| m["id"] == v.key.as_str()))
                .and_then(|m| m["publicKeyMultibase"].as_str())
                .unwrap_or("?");
            println!("Issuer key: {fingerprint} (DID document from {from})");
            for line in credential::describe(&vc) {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("INVALID: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Now as RFC 3339 UTC (`YYYY-MM-DDTHH:MM:SSZ`).
fn rfc3339_now() -> String {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
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
