//! Test harness: starts the real server in-process on an ephemeral port, on SQLite or PostgreSQL.

use std::net::SocketAddr;

use platform::{AppState, Server, config::ServeSettings, db::Db};
use tokio::{sync::oneshot, task::JoinHandle};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database prepared for one test: a fresh SQLite file or a fresh PostgreSQL database.
pub struct TestDb {
    pub data_dir: tempfile::TempDir,
    pub url: Option<String>,
}

/// Admin URL of the throw-away PostgreSQL cluster started by `scripts/test`, if any.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("PIX_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty())
}

/// Whether PostgreSQL tests can run; under CI their absence is a failure, locally a notice.
pub fn postgres_available() -> bool {
    if postgres_admin_url().is_some() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("PIX_TEST_POSTGRES_URL is not set: PostgreSQL tests must run under CI (use scripts/test)");
    }
    eprintln!("notice: PIX_TEST_POSTGRES_URL not set, PostgreSQL variant skipped (scripts/test starts a cluster)");
    false
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let admin = postgres_admin_url().expect("checked by postgres_available");
                let name = format!("t_{}", uuid::Uuid::new_v4().simple());
                let pool = sqlx::PgPool::connect(&admin).await.expect("connect to test cluster");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&pool)
                    .await
                    .expect("create test database");
                pool.close().await;
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                Some(format!("{base}/{name}"))
            }
        };
        TestDb { data_dir, url }
    }

    pub fn settings(&self) -> ServeSettings {
        ServeSettings::for_data_dir(self.data_dir.path().to_path_buf(), self.url.clone())
    }
}

/// A running node and an HTTP client that keeps cookies and does not follow redirects.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub state: AppState,
    /// The node's data dir and database (kept alive as long as the node).
    pub data: TestDb,
    /// The node's clock, when the test drives time.
    pub clock: Option<std::sync::Arc<platform::clock::ManualClock>>,
    shutdown: Option<oneshot::Sender<()>>,
    pub handle: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, axum::Router::new()).await
    }

    pub async fn spawn_with(backend: Backend, extra: axum::Router<AppState>) -> TestApp {
        TestApp::spawn_custom(backend, extra, false, |_| {}).await
    }

    /// A node with a manual clock (when `manual_clock`) and adjusted settings.
    pub async fn spawn_custom(
        backend: Backend,
        extra: axum::Router<AppState>,
        manual_clock: bool,
        tweak: impl FnOnce(&mut platform::config::ServeSettings),
    ) -> TestApp {
        let db = TestDb::new(backend).await;
        let mut settings = db.settings();
        tweak(&mut settings);
        let manual = manual_clock
            .then(|| std::sync::Arc::new(platform::clock::ManualClock::new(time::OffsetDateTime::now_utc())));
        let clock: std::sync::Arc<dyn platform::clock::Clock> = match &manual {
            Some(m) => m.clone(),
            None => std::sync::Arc::new(platform::clock::SystemClock),
        };
        let server = Server::build_custom(settings, extra, clock).await.expect("server builds");
        let addr = server.local_addr();
        let state = server.state().clone();
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        let client = new_client();
        TestApp { addr, client, state, data: db, clock: manual, shutdown: Some(tx), handle: Some(handle) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request sent")
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Sends the shutdown signal; returns the server task to await.
    pub fn trigger_shutdown(&mut self) -> JoinHandle<anyhow::Result<()>> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.handle.take().expect("server still running")
    }
}

/// A client with its own cookie jar that does not follow redirects.
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// Declares a test function once and runs it on both databases:
/// `dual!(name)` expects `async fn name(backend: Backend)` in scope.
#[macro_export]
macro_rules! dual {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::support::Backend::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if $crate::support::postgres_available() {
                        super::$name($crate::support::Backend::Postgres).await;
                    }
                }
            }
        )*
    };
}
