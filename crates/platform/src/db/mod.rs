//! Database access: one code path for SQLite and PostgreSQL.
//!
//! Every query is written once in portable SQL (`$1…$n` placeholders) and compiled for both
//! backends by [`on_db!`](crate::on_db) / [`on_tx!`](crate::on_tx), which expand to a `match`
//! whose arms share the same body. See docs/architecture.md for the rules that keep SQL portable.

use std::{
    str::FromStr,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use sqlx::{
    PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction,
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

/// Migrations embedded in the binary, one folder per backend, kept in lock-step.
pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
/// See [`SQLITE_MIGRATIONS`].
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Errors of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names neither `sqlite:` nor `postgres:`.
    #[error("unsupported database URL scheme (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    /// A query or connection failed.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Taking the migration lock file failed.
    #[error("migration lock: {0}")]
    Lock(#[from] std::io::Error),
}

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A connection pool on one of the two supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    /// Embedded SQLite (one node), with the gate its writers queue at.
    Sqlite(SqlitePool, WriteGate),
    /// PostgreSQL (any number of stateless nodes).
    Postgres(PgPool),
}

/// An open transaction on one of the two databases.
pub enum Tx {
    /// SQLite transaction (started with `BEGIN IMMEDIATE`), holding the node's write turn until it
    /// ends (declared after the transaction, so it is released after the transaction is dropped);
    /// none inside [`Db::write`], whose work holds the turn.
    Sqlite(Transaction<'static, Sqlite>, Option<tokio::sync::OwnedSemaphorePermit>, OpenTx),
    /// PostgreSQL transaction.
    Postgres(Transaction<'static, Postgres>, OpenTx),
}

/// Marks a transaction open on its request's task while it lives (debug builds).
///
/// A request that holds a transaction and then asks the pool for another connection waits for one
/// while keeping its own: with as many such requests as pooled connections, each waits for the
/// others until the pool's timeout (a certification session's candidates starting together after a
/// restart did, its configuration not yet cached). Debug builds count each request's open
/// transactions and panic on a pooled query meanwhile, so the test suites find every such path.
#[derive(Debug)]
pub struct OpenTx(());

#[cfg(debug_assertions)]
tokio::task_local! {
    /// The transactions the current request holds open.
    static OPEN_TRANSACTIONS: std::cell::Cell<u32>;
}

impl OpenTx {
    fn open() -> OpenTx {
        #[cfg(debug_assertions)]
        let _ = OPEN_TRANSACTIONS.try_with(|n| n.set(n.get() + 1));
        OpenTx(())
    }
}

impl Drop for OpenTx {
    fn drop(&mut self) {
        #[cfg(debug_assertions)]
        let _ = OPEN_TRANSACTIONS.try_with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// Runs a request counting the transactions it opens (debug builds; see [`OpenTx`]).
pub async fn counting_transactions<F: std::future::Future>(request: F) -> F::Output {
    #[cfg(debug_assertions)]
    return OPEN_TRANSACTIONS.scope(std::cell::Cell::new(0), request).await;
    #[cfg(not(debug_assertions))]
    request.await
}

/// Panics (debug builds) when the current request takes a pooled connection while it holds a
/// transaction open: see [`OpenTx`].
#[track_caller]
pub fn pooled_use() {
    #[cfg(debug_assertions)]
    if OPEN_TRANSACTIONS.try_with(std::cell::Cell::get).unwrap_or(0) > 0 {
        panic!(
            "a pooled connection taken while this request holds a transaction: use the transaction ({})",
            std::panic::Location::caller()
        );
    }
}

/// How long a SQLite writer waits for the lock (another process's) or for its node's turn.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The turn of SQLite writers on this node, and the thread their transactions run on.
///
/// SQLite has one writer at a time; a transaction that finds the write lock taken sleeps in
/// SQLite's busy handler (1, 2, 5, 10… ms) and tries again, so under load the lock is free while
/// the waiters sleep and the cores idle. Writers of one node queue here instead, in arrival order,
/// and each takes the lock the moment the previous one commits; the busy handler remains for the
/// other processes on the file (`pix` commands run while the node serves).
///
/// The hot transactions (an answer) also run on a thread of their own ([`Db::write`]): each of
/// their statements is a hand-off to the driver's thread and back, and on the shared runtime the
/// way back waits behind every other request's task while the write lock is held.
#[derive(Clone, Debug)]
pub struct WriteGate {
    turn: std::sync::Arc<tokio::sync::Semaphore>,
    writer: std::sync::Arc<WriterThread>,
}

tokio::task_local! {
    /// Set inside [`Db::write`]: the work holds the node's write turn.
    static HOLDS_TURN: ();
}

/// A single-threaded runtime on its own thread, stopped when the last handle is dropped.
#[derive(Debug)]
struct WriterThread {
    handle: tokio::runtime::Handle,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl WriteGate {
    fn new() -> std::io::Result<WriteGate> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new().name("pix-sqlite-writer".into()).spawn(move || {
            // Runs the spawned transactions until the pool's last handle is gone.
            let _ = runtime.block_on(stopped);
        })?;
        Ok(WriteGate {
            turn: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
            writer: std::sync::Arc::new(WriterThread { handle, _stop: stop }),
        })
    }

    async fn turn(&self) -> tokio::sync::OwnedSemaphorePermit {
        // The semaphore is never closed.
        self.turn.clone().acquire_owned().await.expect("the write gate is never closed")
    }

    /// The turn, or `PoolTimedOut` after `wait` (as SQLite's busy timeout would have failed): a
    /// transaction begun while another of the same task is open waits for itself.
    async fn turn_within(&self, wait: Duration) -> Result<tokio::sync::OwnedSemaphorePermit, sqlx::Error> {
        tokio::time::timeout(wait, self.turn()).await.map_err(|_| sqlx::Error::PoolTimedOut)
    }
}

/// Where a query runs: on the pool (the query takes a connection for itself) or inside an open
/// transaction. Every store function takes `impl Into<Conn>`, so the same function — the same SQL
/// text — serves both: `store::f(&state.db, …)` and `store::f(&mut tx, …)`.
pub enum Conn<'a> {
    /// The SQLite pool.
    Sqlite(&'a SqlitePool),
    /// The PostgreSQL pool.
    Postgres(&'a PgPool),
    /// An open SQLite transaction.
    SqliteTx(&'a mut SqliteConnection),
    /// An open PostgreSQL transaction.
    PostgresTx(&'a mut PgConnection),
}

impl<'a> From<&'a Db> for Conn<'a> {
    fn from(db: &'a Db) -> Conn<'a> {
        match db {
            Db::Sqlite(pool, _) => Conn::Sqlite(pool),
            Db::Postgres(pool) => Conn::Postgres(pool),
        }
    }
}

impl<'a> From<&'a mut Tx> for Conn<'a> {
    fn from(tx: &'a mut Tx) -> Conn<'a> {
        match tx {
            Tx::Sqlite(t, _, _) => Conn::SqliteTx(&mut *t),
            Tx::Postgres(t, _) => Conn::PostgresTx(&mut *t),
        }
    }
}

impl<'a> From<&'a mut Conn<'_>> for Conn<'a> {
    fn from(conn: &'a mut Conn<'_>) -> Conn<'a> {
        match conn {
            Conn::Sqlite(pool) => Conn::Sqlite(pool),
            Conn::Postgres(pool) => Conn::Postgres(pool),
            Conn::SqliteTx(c) => Conn::SqliteTx(c),
            Conn::PostgresTx(c) => Conn::PostgresTx(c),
        }
    }
}

/// Runs the same body on whatever a [`Conn`] holds; the body gets `&mut Connection` of the
/// backend (held from the pool for the body's duration, or the transaction's), so it may run
/// several queries with `&mut *c`. The enclosing function must return `Result<_, sqlx::Error>`
/// (or an error that converts from it): acquiring a pooled connection can fail.
#[macro_export]
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match ::core::convert::Into::<$crate::db::Conn<'_>>::into($conn) {
            $crate::db::Conn::Sqlite(pool) => {
                $crate::db::pooled_use();
                let mut held = pool.acquire().await?;
                let $c: &mut ::sqlx::SqliteConnection = &mut held;
                $body
            }
            $crate::db::Conn::Postgres(pool) => {
                $crate::db::pooled_use();
                let mut held = pool.acquire().await?;
                let $c: &mut ::sqlx::PgConnection = &mut held;
                $body
            }
            $crate::db::Conn::SqliteTx($c) => $body,
            $crate::db::Conn::PostgresTx($c) => $body,
        }
    };
}

/// Runs the same body against whichever pool a [`Db`] holds.
///
/// `on_db!(db, pool => sqlx::query("…").execute(pool).await)`: the body is compiled once per
/// backend, so the SQL text is written once and keeps each driver's native types.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool, _) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs the same body against whichever transaction a [`Tx`] holds; the body gets `&mut Connection`.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t, _, _) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t, _) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// How SQLite flushes its write-ahead log; see docs/operations.md for the guarantees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SqliteDurability {
    /// Every acknowledged write survives a process kill; the last commits may be lost on power loss.
    #[default]
    Normal,
    /// Every acknowledged write also survives power loss (one fsync per commit).
    Full,
}

/// Connection settings.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// `sqlite://path` or `postgres://…`.
    pub url: String,
    /// Maximum connections in the pool.
    pub max_connections: u32,
    /// SQLite flush policy.
    pub sqlite_durability: SqliteDurability,
}

/// A pooled connection used less than this long ago is handed out without a ping.
///
/// sqlx pings every idle connection before handing it out by default: one more round trip per
/// statement outside a transaction, which on a busy PostgreSQL node cost as much as the statements
/// themselves (docs/performance.md). A connection that answered within the last second is alive
/// unless the server went away since — and then the first statement to meet a broken connection
/// says so ([`connections_may_be_broken`]), so that every connection released before that moment
/// is checked before use: one request fails, not one per pooled connection. The same rule as the
/// Go driver pgx's pool (ping only what sat idle for over a second).
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// When a statement last met a broken connection, in milliseconds since [`since_start`]'s origin
/// (0: never). Process-wide: one node has one pool per database, and a wrong guess only costs pings.
static BROKEN_SEEN_AT: AtomicU64 = AtomicU64::new(0);

fn since_start() -> Duration {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    ORIGIN.get_or_init(std::time::Instant::now).elapsed()
}

/// Records that a statement failed because its connection or server went away (I/O error,
/// administrator or crash shutdown): pooled connections released before now are pinged before
/// their next use.
pub(crate) fn connections_may_be_broken() {
    let now = u64::try_from(since_start().as_millis()).unwrap_or(u64::MAX).max(1);
    BROKEN_SEEN_AT.fetch_max(now, Ordering::Relaxed);
}

/// When a statement last met a broken connection (milliseconds since an origin of this process;
/// 0: never): a request compares it before and after to know whether it met one.
pub(crate) fn broken_seen_at() -> u64 {
    BROKEN_SEEN_AT.load(Ordering::Relaxed)
}

/// Whether a pooled connection may be handed out: checked if idle for a while or released before
/// a broken connection was seen, and not if it is still inside a transaction.
///
/// A transaction dropped without commit is rolled back by a queued command; the ping runs after
/// it. If the connection still counts a transaction, its rollback failed: with SQLite, a COMMIT
/// that hit a full disk is rolled back by SQLite itself, the driver's ROLLBACK then fails and the
/// connection would refuse every later BEGIN. Closing it lets the pool open a clean one.
async fn ready_for_use<C: sqlx::Connection>(conn: &mut C, idle_for: Duration) -> Result<bool, sqlx::Error> {
    let released_at = since_start().saturating_sub(idle_for);
    let broken_seen_at = Duration::from_millis(BROKEN_SEEN_AT.load(Ordering::Relaxed));
    let suspect = !broken_seen_at.is_zero() && released_at <= broken_seen_at;
    if conn.is_in_transaction() || idle_for >= PING_IF_IDLE_FOR || suspect {
        conn.ping().await?;
        if conn.is_in_transaction() {
            tracing::warn!("closing a database connection left inside a failed transaction");
            return Ok(false);
        }
    }
    Ok(true)
}

impl Db {
    /// Opens a pool; for SQLite creates the file if missing and applies the pragmas.
    pub async fn connect(options: &DbOptions) -> Result<Db, DbError> {
        let url = options.url.as_str();
        if url.starts_with("sqlite:") {
            let synchronous = match options.sqlite_durability {
                SqliteDurability::Normal => SqliteSynchronous::Normal,
                SqliteDurability::Full => SqliteSynchronous::Full,
            };
            let connect = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(synchronous)
                .foreign_keys(true)
                // Deleted and overwritten content is zeroed in the file, not left on free pages: an
                // erased person's name is not in the file any more (docs/security.md).
                .pragma("secure_delete", "ON")
                .busy_timeout(SQLITE_BUSY_TIMEOUT);
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(5))
                .test_before_acquire(false)
                .before_acquire(|conn, meta| Box::pin(ready_for_use(conn, meta.idle_for)))
                .connect_with(connect)
                .await?;
            Ok(Db::Sqlite(pool, WriteGate::new()?))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let connect = PgConnectOptions::from_str(url)?.application_name("pix");
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(Duration::from_secs(5))
                .test_before_acquire(false)
                .before_acquire(|conn, meta| Box::pin(ready_for_use(conn, meta.idle_for)))
                .connect_with(connect)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(DbError::UnsupportedUrl)
        }
    }

    /// The engine behind this pool.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(..) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// The embedded migrations for this backend.
    pub fn migrator(&self) -> &'static Migrator {
        match self {
            Db::Sqlite(..) => &SQLITE_MIGRATIONS,
            Db::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies pending migrations.
    ///
    /// PostgreSQL: sqlx holds an advisory lock, so concurrent nodes apply each migration once.
    /// SQLite: sqlx's lock is a no-op; callers serialise with [`lock_file`] (see `open_database`).
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self {
            Db::Sqlite(pool, _) => SQLITE_MIGRATIONS.run(pool).await?,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// True when the database answers and every embedded migration has been applied.
    pub async fn is_ready(&self) -> bool {
        let applied: Result<i64, sqlx::Error> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM _sqlx_migrations WHERE success")
                .fetch_one(pool)
                .await
        });
        if applied.is_err() {
            connections_may_be_broken();
        }
        let expected = self.migrator().iter().filter(|m| m.migration_type.is_up_migration()).count();
        matches!(applied, Ok(n) if usize::try_from(n).is_ok_and(|n| n == expected))
    }

    /// Begins a transaction; on SQLite it waits for the node's write turn ([`WriteGate`]), then
    /// takes the write lock at once (`BEGIN IMMEDIATE`) so that two transactions never deadlock
    /// while upgrading from reader to writer.
    pub async fn begin(&self) -> Result<Tx, DbError> {
        pooled_use();
        Ok(match self {
            Db::Sqlite(pool, gate) => {
                // The turn first: a writer waiting for it holds no pooled connection.
                let turn = match HOLDS_TURN.try_with(|_| ()) {
                    Ok(()) => None,
                    Err(_) => Some(gate.turn_within(SQLITE_BUSY_TIMEOUT).await?),
                };
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, turn, OpenTx::open())
            }
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?, OpenTx::open()),
        })
    }

    /// Runs a write transaction's work: on SQLite it waits for the node's write turn, then runs on
    /// the writer thread with the turn held ([`WriteGate`]; its transactions do not queue again) —
    /// or on the caller's task when the turn was free and nobody waited;
    /// on PostgreSQL where it is (its writers do not take turns). Read what can be read before.
    pub async fn write<T: Send + 'static>(&self, work: impl std::future::Future<Output = T> + Send + 'static) -> T {
        match self {
            Db::Sqlite(_, gate) => {
                // Nobody holds or awaits the turn: run here. The writer thread pays off when writers
                // queue; alone, the hand-off to it and back would only add two wake-ups.
                if let Ok(turn) = gate.turn.clone().try_acquire_owned() {
                    // Boxed: the work is an answer's whole transaction, too big to carry inline in
                    // every caller's future (as spawning it would box it too).
                    return Box::pin(HOLDS_TURN.scope((), async move {
                        let done = work.await;
                        drop(turn);
                        done
                    }))
                    .await;
                }
                let turn = gate.turn().await;
                let work = HOLDS_TURN.scope((), async move {
                    let done = work.await;
                    drop(turn);
                    done
                });
                match gate.writer.handle.spawn(work).await {
                    Ok(done) => done,
                    Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                    // Cancelled: the writer thread stopped, which only happens once the pool is gone.
                    Err(e) => panic!("the SQLite writer thread stopped: {e}"),
                }
            }
            Db::Postgres(_) => work.await,
        }
    }

    /// Connections currently in use and idle, for metrics.
    pub fn pool_usage(&self) -> (u32, u32) {
        let (size, idle) = on_db!(self, pool => (pool.size(), pool.num_idle()));
        let idle = u32::try_from(idle).unwrap_or(u32::MAX);
        (size.saturating_sub(idle), idle)
    }

    /// Closes every connection; later queries fail.
    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

impl Tx {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(t, _, _) => t.commit().await?,
            Tx::Postgres(t, _) => t.commit().await?,
        }
        Ok(())
    }

    /// Rolls the transaction back now (dropping it would, later).
    pub async fn rollback(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(t, _, _) => t.rollback().await?,
            Tx::Postgres(t, _) => t.rollback().await?,
        }
        Ok(())
    }
}

/// Holds an exclusive advisory lock on a file until dropped.
pub struct FileLock(#[allow(dead_code)] std::fs::File);

/// Waits for an exclusive lock on `path` (created if missing), without blocking the runtime.
pub async fn lock_file(path: std::path::PathBuf) -> Result<FileLock, DbError> {
    let file = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
        file.lock()?;
        Ok(file)
    })
    .await
    .map_err(std::io::Error::other)??;
    Ok(FileLock(file))
}

/// The SQLite file path named by a `sqlite:` URL, if it is a file.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    if path.is_empty() || path == ":memory:" { None } else { Some(std::path::PathBuf::from(path)) }
}

/// Microseconds since the Unix epoch, the one timestamp representation of both databases.
///
/// Storing `BIGINT` microseconds everywhere keeps one Rust type, exact ordering and the same SQL
/// on both backends; conversion to calendar dates happens at the edges with `time`.
pub fn micros(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

/// Records that this content version has been served (idempotent).
pub async fn record_content_version(db: &Db, version: &str) -> Result<(), DbError> {
    let now = micros(time::OffsetDateTime::now_utc());
    // Read first: a node restarting on storage that refuses writes still starts and serves reads.
    let known: Option<i64> = on_db!(db, pool => {
        sqlx::query_scalar("SELECT first_seen_at FROM content_versions WHERE version = $1").bind(version).fetch_optional(pool).await
    })?;
    if known.is_some() {
        return Ok(());
    }
    on_db!(db, pool => {
        sqlx::query("INSERT INTO content_versions (version, first_seen_at) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING")
            .bind(version)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SQLite database in a temporary folder, with a pool of `max_connections`.
    async fn sqlite_in(dir: &tempfile::TempDir, max_connections: u32) -> Db {
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        Db::connect(&DbOptions { url, max_connections, sqlite_durability: SqliteDurability::Normal }).await.unwrap()
    }

    /// A request holding a transaction that asks the pool for another connection is a bug (with as
    /// many such requests as connections, each waits for the others): debug builds panic there, and
    /// only while the transaction lives.
    #[tokio::test]
    async fn a_pooled_query_inside_a_requests_transaction_panics_in_debug_builds() {
        async fn count(conn: impl Into<Conn<'_>>) -> Result<i64, sqlx::Error> {
            on_conn!(conn, c => sqlx::query_scalar("SELECT 1").fetch_one(c).await)
        }
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite_in(&dir, 4).await;
        let request = counting_transactions(async {
            let mut tx = db.begin().await.unwrap();
            assert_eq!(count(&mut tx).await.unwrap(), 1, "inside the transaction: fine");
            let pooled = tokio::spawn({
                let db = db.clone();
                // Another task (a background job) is not this request.
                async move { count(&db).await.unwrap() }
            });
            assert_eq!(pooled.await.unwrap(), 1);
            let caught = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(count(&db))).await;
            tx.rollback().await.unwrap();
            let after = count(&db).await.unwrap();
            (caught.is_err(), after)
        });
        let (panicked, after) = request.await;
        assert_eq!(panicked, cfg!(debug_assertions), "a pooled query while the transaction is open");
        assert_eq!(after, 1, "after the transaction ended: fine");
    }

    /// A transaction that SQLite ended behind the driver's back (as after a COMMIT that hit a
    /// full disk) makes the driver's rollback fail; the pool must not hand that connection out.
    #[tokio::test]
    async fn a_connection_left_inside_a_failed_transaction_is_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite_in(&dir, 1).await;
        let Db::Sqlite(pool, _) = &db else { unreachable!("a SQLite URL") };
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
        sqlx::query("COMMIT").execute(&mut *tx).await.unwrap();
        drop(tx);
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.expect("the only connection of the pool is a clean one");
        sqlx::query("SELECT 1").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }

    /// Writers of one node take turns at the gate instead of sleeping in SQLite's busy handler:
    /// many at once all commit, none waits anywhere near the busy timeout, and those that queued
    /// run on the writer thread (a writer alone, on its own task).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_writers_take_turns_at_the_gate() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite_in(&dir, 8).await;
        on_db!(&db, pool => sqlx::query("CREATE TABLE t (n BIGINT NOT NULL)").execute(pool).await.map(|_| ())).unwrap();
        let started = std::time::Instant::now();
        let writers: Vec<_> = (0..64_i64)
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move {
                    let inner = db.clone();
                    db.write(async move {
                        let mut tx = inner.begin().await?;
                        on_tx!(&mut tx, c => sqlx::query("INSERT INTO t (n) VALUES ($1)").bind(n).execute(&mut *c).await.map(|_| ()))?;
                        // Held across an await, as an answer's transaction is.
                        tokio::task::yield_now().await;
                        tx.commit().await?;
                        Ok::<_, DbError>(std::thread::current().name().map(str::to_owned))
                    })
                    .await
                })
            })
            .collect();
        let mut on_writer = 0;
        for w in writers {
            on_writer += usize::from(w.await.unwrap().unwrap().as_deref() == Some("pix-sqlite-writer"));
        }
        assert!(on_writer > 32, "writers that queued run on the writer thread: {on_writer} of 64");
        let count: i64 =
            on_db!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(pool).await).unwrap();
        assert_eq!(count, 64);
        // A writer alone runs where it is: no hand-off when nobody waits.
        let alone = db.write(async { std::thread::current().name().map(str::to_owned) }).await;
        assert_ne!(alone.as_deref(), Some("pix-sqlite-writer"));
        // Without the gate, the losers of each race sleep 1, 2, 5… ms in the busy handler.
        assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    }

    /// A writer that waits too long for the turn gets an error, as it did from SQLite's busy
    /// timeout before the gate, rather than waiting forever (a transaction begun inside another).
    #[tokio::test]
    async fn a_writer_waiting_too_long_for_its_turn_gets_an_error() {
        let gate = WriteGate::new().unwrap();
        let held = gate.turn().await;
        let waited = gate.turn_within(Duration::from_millis(20)).await;
        assert!(matches!(waited, Err(sqlx::Error::PoolTimedOut)), "{waited:?}");
        drop(held);
        assert!(gate.turn_within(Duration::from_millis(20)).await.is_ok(), "free again once released");
    }
}
