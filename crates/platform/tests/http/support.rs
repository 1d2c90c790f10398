//! Test harness: starts the real server in-process on an ephemeral port, on SQLite or PostgreSQL.

use std::net::SocketAddr;

use platform::{AppState, Server, config::ServeSettings, db::Db};
use reqwest::Client;
use tokio::{sync::oneshot, task::JoinHandle};
use uuid::Uuid;

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
        // Tests drain the outbox themselves (`TestApp::mails`), so that queue contents are deterministic.
        settings.outbox_worker = false;
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

/// The password of every account the helpers create.
pub const PASSWORD: &str = "Secret-Pass-2026";

/// Helpers that go through the public HTTP surface, as a browser or API client would.
impl TestApp {
    /// The CSRF token of a client (anonymous: a signed token tied to its `pix_csrf` cookie).
    pub async fn csrf(&self, client: &Client) -> String {
        let info: serde_json::Value = client.get(self.url("/api/session")).send().await.unwrap().json().await.unwrap();
        info["csrf_token"].as_str().unwrap().to_owned()
    }

    /// Posts an HTML form with the client's CSRF token.
    pub async fn post_form(&self, client: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf(client).await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        client.post(self.url(path)).form(&all).send().await.unwrap()
    }

    /// Sends a JSON API call with the client's CSRF token.
    pub async fn send_json(
        &self,
        client: &Client,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        let token = self.csrf(client).await;
        client.request(method, self.url(path)).header("x-csrf-token", token).json(body).send().await.unwrap()
    }

    /// Creates an account through the sign-up form and returns its id.
    pub async fn sign_up(&self, email: &str) -> Uuid {
        self.sign_up_named(email, "Camille", "Martin").await
    }

    /// Creates an account with given names.
    pub async fn sign_up_named(&self, email: &str, first: &str, last: &str) -> Uuid {
        let fields =
            [("first_name", first), ("last_name", last), ("email", email), ("password", PASSWORD), ("terms", "yes")];
        let r = self.post_form(&new_client(), "/signup", &fields).await;
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "sign-up of {email}");
        self.user_id(email).await
    }

    /// The id of the account with this email.
    pub async fn user_id(&self, email: &str) -> Uuid {
        platform::on_db!(self.db(), pool => {
            sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(pool).await.unwrap()
        })
    }

    /// A new client logged in as `email` (password [`PASSWORD`]).
    pub async fn login_as(&self, email: &str) -> Client {
        let client = new_client();
        let r = self.post_form(&client, "/login", &[("identifier", email), ("password", PASSWORD)]).await;
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "login of {email}");
        client
    }

    /// Gives an account the helpers' password through the service a password change uses (demo
    /// accounts have random ones).
    pub async fn know_password(&self, email: &str) {
        let user = self.user_id(email).await;
        let password = platform::identity::model::Password::parse(PASSWORD).expect("the helpers' password is valid");
        platform::identity::service::set_password(&self.state, user, &password).await.unwrap();
    }

    /// Signs in as a demo account (`learner@demo.example`, `orga-admin@demo.example`…).
    pub async fn demo_login(&self, email: &str) -> Client {
        self.know_password(email).await;
        self.login_as(email).await
    }

    /// A new learner, logged in.
    pub async fn learner(&self, email: &str) -> (Client, Uuid) {
        let id = self.sign_up(email).await;
        (self.login_as(email).await, id)
    }

    /// A new back-office agent with a role (`SUPPORT`, `METIER`, `CERTIF`, `SUPER_ADMIN`), logged in.
    pub async fn admin(&self, email: &str, role: &str) -> (Client, Uuid) {
        let id = self.sign_up(email).await;
        self.grant(id, role).await;
        (self.login_as(email).await, id)
    }

    /// Grants a back-office role directly (the role-granting pages are tested on their own).
    pub async fn grant(&self, user: Uuid, role: &str) {
        platform::on_db!(self.db(), pool => {
            sqlx::query("INSERT INTO admin_roles (user_id, role, granted_at) VALUES ($1, $2, 0)").bind(user).bind(role).execute(pool).await.unwrap();
        });
    }

    /// Runs the outbox worker until nothing is due, so that queued mails are written.
    pub async fn drain_outbox(&self) {
        while platform::outbox::run_due(&self.state).await.unwrap() > 0 {}
    }

    /// Every mail written to the outbox folder, oldest first (after draining the queue).
    pub async fn mails(&self) -> Vec<String> {
        self.drain_outbox().await;
        let dir = self.data.data_dir.path().join("outbox");
        let mut files: Vec<_> = match std::fs::read_dir(dir) {
            Ok(d) => d.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        };
        // File names are time-ordered UUIDs.
        files.sort();
        files.into_iter().map(|f| std::fs::read_to_string(f).unwrap()).collect()
    }

    /// The mails sent to an address.
    pub async fn mails_to(&self, address: &str) -> Vec<String> {
        let header = format!("To: {address}\r\n");
        self.mails().await.into_iter().filter(|m| m.contains(&header)).collect()
    }

    /// The latest mail.
    pub async fn last_mail(&self) -> String {
        self.mails().await.pop().expect("a mail")
    }

    /// A `COUNT(*)`-style query returning one BIGINT.
    pub async fn count(&self, sql: &'static str) -> i64 {
        platform::on_db!(self.db(), pool => { sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap() })
    }
}

/// The one-time token of a link to `path` in a mail.
pub fn token_in(mail: &str, path: &str) -> String {
    // Quoted-printable may fold long lines; join them first.
    let joined = mail.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let start = joined.find(&format!("{path}?token=")).expect("a link") + path.len() + "?token=".len();
    joined[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect()
}
