//! The platform service: bounded contexts, database access and HTTP plumbing.
//!
//! [`Server::build`] connects to the database, applies migrations and binds the listener;
//! [`Server::run`] serves until a shutdown signal, then drains in-flight requests.

pub mod access_codes;
pub(crate) mod admin;
pub(crate) mod app;
pub(crate) mod attempts;
pub(crate) mod audit;
pub mod backup;
pub mod certification;
pub mod clock;
pub mod config;
pub(crate) mod csv_export;
pub(crate) mod csv_import;
pub mod db;
pub mod demo;
#[cfg(test)]
mod dependencies;
pub mod evaluation;
pub(crate) mod geo;
pub(crate) mod home;
pub mod identity;
pub mod learning;
pub(crate) mod mail;
pub mod openapi;
pub mod outbox;
pub(crate) mod pdf;
pub mod personal_data;
pub mod prescription;
pub mod quests;
pub mod routes;
pub mod schedule;
pub(crate) mod spaces;
pub mod telemetry;
pub mod web;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::{config::ServeSettings, db::Db};

/// Shared state of every handler: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Database pool.
    pub db: Db,
    /// Settings the node was started with.
    pub settings: Arc<ServeSettings>,
    /// The learning content served, immutable.
    pub content: Arc<content::Content>,
    /// The time source (a manual clock in tests).
    pub clock: Arc<dyn clock::Clock>,
    /// Outgoing mail (used by the outbox worker; requests queue mail with [`outbox`]).
    pub(crate) mailer: mail::Mailer,
    /// The key that signs anonymous visitors' CSRF nonces, shared by every node.
    pub(crate) csrf_key: identity::csrf::CsrfKey,
    /// Wakes this node's outbox worker when a job is queued.
    pub(crate) outbox_wake: outbox::Waker,
    /// Live events of certification sessions for this node's invigilator screens.
    pub(crate) live: certification::live::Hub,
    /// What each context holds of a person, for their export and erasure ([`PERSONAL_DATA`]).
    pub(crate) personal_data: &'static [personal_data::Context],
    /// The outbox jobs contexts perform ([`JOBS`]).
    pub(crate) jobs: &'static [outbox::JobKind],
    /// The kinds of test registered with evaluation ([`TEST_KINDS`]).
    pub(crate) test_kinds: &'static [&'static dyn evaluation::kind::TestKind],
    /// What listens to learners' progress ([`PROGRESS_LISTENERS`]).
    pub(crate) progress_listeners: &'static [fn(&AppState, uuid::Uuid)],
    /// What contexts above say of a participation's rewards on its end page ([`PARTICIPATION_REWARDS`]).
    pub(crate) participation_rewards: &'static [prescription::model::RewardsFn],
}

impl AppState {
    /// Tells the listeners that a learner progressed (after the change committed).
    pub fn progressed(&self, user: uuid::Uuid) {
        for listen in self.progress_listeners {
            listen(self, user);
        }
    }
}

/// Every context holding personal data, in export order (identity runs them: `identity::rights`).
pub(crate) const PERSONAL_DATA: &[personal_data::Context] = &[
    identity::PERSONAL_DATA,
    evaluation::PERSONAL_DATA,
    learning::PERSONAL_DATA,
    prescription::PERSONAL_DATA,
    certification::PERSONAL_DATA,
    quests::PERSONAL_DATA,
];

/// What runs when a learner progressed (a campaign answer, a module finished): quests are evaluated
/// in the background. Lower contexts call [`AppState::progressed`]; the contexts above them listen.
pub(crate) const PROGRESS_LISTENERS: &[fn(&AppState, uuid::Uuid)] = &[quests::service::reward_later];

/// What a campaign's end page shows of the rewards its participation may bring: quests' attestations.
pub(crate) const PARTICIPATION_REWARDS: &[prescription::model::RewardsFn] =
    &[|state, user, participation| Box::pin(quests::service::participation_rewards(state, user, participation))];

/// The outbox jobs contexts perform themselves (mail is the outbox's own).
pub(crate) const JOBS: &[outbox::JobKind] =
    &[outbox::JobKind { kind: identity::service::PASSWORD_RESET_JOB, run: identity::service::password_reset_job }];

/// The kinds of test other contexts register with evaluation (a competence test is its own).
pub(crate) const TEST_KINDS: &[&dyn evaluation::kind::TestKind] =
    &[&prescription::test::CampaignKind, &certification::test::CertificationKind];

/// Loads the configured learning content (the embedded demo by default) and logs its version.
pub fn load_content(dir: Option<&std::path::Path>) -> anyhow::Result<content::Content> {
    let started = std::time::Instant::now();
    let loaded = match dir {
        None => content::demo(),
        Some(dir) => content::load(&content::read_dir(dir)?, content::LoadOptions::default()),
    };
    let content = loaded.map_err(|diagnostics| {
        let listed: Vec<String> = diagnostics.iter().take(20).map(ToString::to_string).collect();
        anyhow::anyhow!(
            "the learning content has {} problem(s) (run `pix content check`):\n{}",
            diagnostics.len(),
            listed.join("\n")
        )
    })?;
    tracing::info!(
        version = %content.version,
        challenges = content.challenges.len(),
        load_ms = started.elapsed().as_millis() as u64,
        "learning content loaded"
    );
    Ok(content)
}

/// A node ready to serve: database migrated, port bound.
pub struct Server {
    listener: TcpListener,
    router: Router,
    state: AppState,
    trimmer: app::Trimmer,
}

/// Connects to the configured database (creating the data dir and SQLite file if missing) and
/// applies pending migrations under a lock.
pub async fn open_database(settings: &config::DbSettings) -> anyhow::Result<Db> {
    tokio::fs::create_dir_all(&settings.data_dir)
        .await
        .with_context(|| format!("cannot create data dir {}", settings.data_dir.display()))?;
    // Creating a SQLite file and switching it to WAL needs exclusive access: nodes starting
    // together on one file take turns (PostgreSQL serialises migrations with an advisory lock).
    let _guard = match db::sqlite_path(&settings.url()) {
        Some(path) => Some(db::lock_file(path.with_extension("migrate.lock")).await?),
        None => None,
    };
    let db = Db::connect(&settings.options()).await.context("cannot connect to the database")?;
    db.migrate().await.context("cannot apply migrations")?;
    Ok(db)
}

impl Server {
    /// Builds a node with the platform's routes.
    pub async fn build(settings: ServeSettings) -> anyhow::Result<Server> {
        Server::build_with(settings, Router::new()).await
    }

    /// Builds a node with extra routes merged in (tests use this for panicking or slow handlers).
    pub async fn build_with(settings: ServeSettings, extra: Router<AppState>) -> anyhow::Result<Server> {
        Server::build_custom(settings, extra, Arc::new(clock::SystemClock)).await
    }

    /// Builds a node with extra routes and a given clock.
    pub async fn build_custom(
        settings: ServeSettings,
        extra: Router<AppState>,
        clock: Arc<dyn clock::Clock>,
    ) -> anyhow::Result<Server> {
        web::health::prometheus();
        let content = Arc::new(load_content(settings.content_dir.as_deref())?);
        let db = open_database(&settings.db).await?;
        db::record_content_version(&db, &content.version).await.context("cannot record the content version")?;
        let mailer = mail::Mailer::new(settings.smtp_url.as_deref(), settings.db.data_dir.join("outbox"))
            .context("invalid PIX_SMTP_URL")?;
        identity::password::warm_up();
        let csrf_key = identity::csrf::CsrfKey::load_or_create(&db, clock.now_micros())
            .await
            .context("cannot read the server keys")?;
        let listener =
            TcpListener::bind(settings.bind).await.with_context(|| format!("cannot listen on {}", settings.bind))?;
        let state = AppState {
            db,
            settings: Arc::new(settings),
            content,
            clock,
            mailer,
            csrf_key,
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
            live: certification::live::Hub::new(),
            personal_data: PERSONAL_DATA,
            jobs: JOBS,
            test_kinds: TEST_KINDS,
            progress_listeners: PROGRESS_LISTENERS,
            participation_rewards: PARTICIPATION_REWARDS,
        };
        if state.settings.demo {
            tracing::warn!("demo mode: demo accounts are created; never use --demo in production");
            demo::seed(&state).await.context("cannot seed the demo data")?;
        }
        let (router, trimmer) = app::finish(app::routes().merge(extra), state.clone());
        Ok(Server { listener, router, state, trimmer })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// The node's state (tests reach the database through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish for at most the
    /// configured grace period, and closes the database pool.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let grace = Duration::from_secs(self.state.settings.shutdown_grace_secs);
        let (tx, mut rx) = tokio::sync::watch::channel(false);
        let live = self.state.live.clone();
        let signal = async move {
            shutdown.await;
            tracing::info!("shutting down: no new connections, finishing in-flight requests");
            // Open event streams end now (browsers reconnect elsewhere) instead of holding the drain.
            live.close();
            let _ = tx.send(true);
        };
        let serve = axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(signal);
        // Expired sessions are never read again (loading filters on expiry): delete them hourly,
        // once per cluster (every node asks each minute, one wins per hour).
        // The per-IP limiter forgets clients whose quota is full again, every minute.
        let housekeeping = {
            let (db, clock, trimmer) = (self.state.db.clone(), self.state.clock.clone(), self.trimmer.clone());
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(60));
                loop {
                    every.tick().await;
                    trimmer();
                    let now = clock.now_micros();
                    match schedule::claim(&db, "delete-expired-sessions", 3_600_000_000, now).await {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(e) => {
                            tracing::warn!(error = %e, "could not claim the session clean-up");
                            continue;
                        }
                    }
                    match identity::session::delete_expired(&db, now).await {
                        Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions deleted"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "could not delete expired sessions"),
                    }
                    if let Err(e) = web::shared_limit::prune(&db, now).await {
                        tracing::warn!(error = %e, "could not prune the shared rate limit");
                    }
                    if let Err(e) = attempts::prune(&db, now).await {
                        tracing::warn!(error = %e, "could not prune the attempt counters");
                    }
                    if let Err(e) = prescription::store::prune_pending_imports(&db, now).await {
                        tracing::warn!(error = %e, "could not prune the learner lists waiting for confirmation");
                    }
                    if let Err(e) = personal_data::scrub_after_recent_erasures(&db, now).await {
                        tracing::warn!(error = %e, "could not vacuum after erasures");
                    }
                }
            })
        };
        let worker = self.state.settings.outbox_worker.then(|| tokio::spawn(outbox::work(self.state.clone())));
        let listener = tokio::spawn(certification::live::listen(self.state.clone()));
        let deadline = async move {
            let _ = rx.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            result = serve => result.context("server error")?,
            () = deadline => tracing::warn!(grace_secs = grace.as_secs(), "grace period over: dropping remaining requests"),
        }
        housekeeping.abort();
        listener.abort();
        if let Some(worker) = worker {
            worker.abort();
        }
        self.state.db.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
