//! `pix backup` and `pix restore` (docs/operations.md): a consistent copy of a live database, and
//! putting one back. SQLite copies itself online (`VACUUM INTO`: one transaction, so the copy is
//! the database as of one instant, writes going on meanwhile); PostgreSQL goes through `pg_dump` and
//! `pg_restore`, which must be on the PATH (Debian: `postgresql-client`).

use std::path::Path;

use anyhow::{Context, bail};

use crate::{config::DbSettings, db::Db};

/// Writes a consistent backup of the live database to `output` (which must not exist).
pub async fn backup(settings: &DbSettings, output: &Path) -> anyhow::Result<()> {
    if output.exists() {
        bail!("{} exists: choose a new file name", output.display());
    }
    let url = settings.url();
    if url.starts_with("postgres") {
        // Custom format: compressed, restorable table by table and in parallel. Serializable and
        // deferrable: the dump waits for a snapshot no running transaction can make inconsistent.
        let out = output.to_str().context("the backup path is not UTF-8")?;
        return run(
            "pg_dump",
            &[
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--serializable-deferrable",
                "--file",
                out,
                "--dbname",
                &url,
            ],
        )
        .await;
    }
    let db = crate::open_database(settings).await?;
    let Db::Sqlite(pool, _) = &db else { bail!("unsupported database") };
    sqlx::query("VACUUM INTO $1")
        .bind(output.to_str().context("the backup path is not UTF-8")?)
        .execute(pool)
        .await
        .context("the SQLite backup failed")?;
    db.close().await;
    Ok(())
}

/// Restores `input` into the configured database; refuses to replace existing data unless `force`.
pub async fn restore(settings: &DbSettings, input: &Path, force: bool) -> anyhow::Result<()> {
    if !input.is_file() {
        bail!("{} is not a file", input.display());
    }
    let url = settings.url();
    if url.starts_with("postgres") {
        if !force {
            let db = Db::connect(&settings.options()).await.context("cannot connect to the database")?;
            let Db::Postgres(pool) = &db else { bail!("unsupported database") };
            let used: bool =
                sqlx::query_scalar("SELECT to_regclass('public.users') IS NOT NULL").fetch_one(pool).await?;
            db.close().await;
            if used {
                bail!("the database already holds Pix data: --force replaces it with the backup");
            }
        }
        let file = input.to_str().context("the backup path is not UTF-8")?;
        return run(
            "pg_restore",
            &[
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                &url,
                file,
            ],
        )
        .await;
    }
    let target = crate::db::sqlite_path(&url).context("not a SQLite file URL")?;
    if target.exists() && !force {
        bail!("{} exists: --force replaces it with the backup (stop the node first)", target.display());
    }
    // A Pix backup: a SQLite file with the migrations table.
    let check = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", input.display()))
        .await
        .with_context(|| format!("{} is not a SQLite database", input.display()))?;
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&check)
        .await
        .with_context(|| format!("{} is not a Pix backup", input.display()))?;
    check.close().await;
    if applied == 0 {
        bail!("{} is not a Pix backup", input.display());
    }
    tokio::fs::create_dir_all(&settings.data_dir).await?;
    let partial = target.with_extension("db.restoring");
    tokio::fs::copy(input, &partial).await.context("cannot copy the backup")?;
    for stale in ["db-wal", "db-shm"] {
        let _ = tokio::fs::remove_file(target.with_extension(stale)).await;
    }
    tokio::fs::rename(&partial, &target).await.context("cannot put the backup in place")?;
    Ok(())
}

async fn run(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let (program, args): (String, Vec<String>) = (program.to_owned(), args.iter().map(|a| (*a).to_owned()).collect());
    let name = program.clone();
    let out = tokio::task::spawn_blocking(move || std::process::Command::new(&program).args(&args).output())
        .await?
        .with_context(|| format!("cannot run {name} (install the PostgreSQL client)"))?;
    if !out.status.success() {
        bail!("{name} failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}
