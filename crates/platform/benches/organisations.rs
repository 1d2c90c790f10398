//! The organisations' figures: a 10,000-row learner list validated and imported (budget < 5 s),
//! and a campaign of 100,000 participations exported as CSV (budget < 5 s and < 50 MB of extra
//! resident memory), on SQLite and, when `PIX_TEST_POSTGRES_URL` names a server, on PostgreSQL.
//!
//! `cargo bench -p platform --bench organisations` (`scripts/bench-organisations` also starts a
//! throw-away PostgreSQL cluster). Data are generated; the node is the real one, with `--demo`.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use http_body_util::BodyExt;
use platform::{
    AppState, Server,
    config::ServeSettings,
    prescription::{export, learners, service, store},
    web::i18n::Lang,
};
use uuid::Uuid;

const LEARNERS: usize = 10_000;
const PARTICIPATIONS: usize = 100_000;

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        run("SQLite", None).await?;
        match std::env::var("PIX_TEST_POSTGRES_URL") {
            Ok(admin) => {
                let db = format!("bench_{}", std::process::id());
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}"))).execute(&mut conn).await?;
                let url = format!("{}/{db}", admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base));
                run("PostgreSQL", Some(url)).await?;
            }
            Err(_) => println!("PostgreSQL: skipped (set PIX_TEST_POSTGRES_URL, or run scripts/bench-organisations)"),
        }
        Ok(())
    })
}

async fn run(label: &str, url: Option<String>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = ServeSettings::for_data_dir(dir.path().to_owned(), url);
    settings.demo = true;
    settings.outbox_worker = false;
    let server = Server::build(settings).await?;
    let state = server.state().clone();
    import(label, &state).await?;
    export(label, &state).await?;
    Ok(())
}

fn sco_file(n: usize, division_of: impl Fn(usize) -> String) -> Vec<u8> {
    let mut out = String::from(
        "Identifiant unique*;Premier prénom*;Deuxième prénom;Troisième prénom;Nom de famille*;Nom d'usage;Code sexe*;\
         Date de naissance (jj/mm/aaaa)*;Code commune naissance**;Libellé commune naissance**;Code département naissance*;\
         Code pays naissance*;Statut*;Code MEF*;Division*\n",
    );
    for i in 0..n {
        out.push_str(&format!(
            "{:09}AB;Prénom{i};;;Nom{i};;{};{:02}/{:02}/2012;75056;;75;99100;ST;10010012110;{}\n",
            i,
            if i % 2 == 0 { "F" } else { "M" },
            i % 28 + 1,
            i % 12 + 1,
            division_of(i)
        ));
    }
    out.into_bytes()
}

async fn import(label: &str, state: &AppState) -> anyhow::Result<()> {
    let org = Uuid::now_v7();
    let now = state.clock.now_micros();
    store::insert_organization(
        &state.db,
        store::NewOrganization {
            id: org,
            name: "Collège du banc d'essai",
            kind: "SCO",
            external_id: None,
            dpo_email: None,
            multiple_sending: true,
            learner_import: Some("SCO"),
            show_skills: false,
            exam_campaigns: false,
            now,
        },
    )
    .await?;
    let organization = service::organization(state, org).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let actor: Uuid =
        platform::on_db!(&state.db, pool => sqlx::query_scalar("SELECT id FROM users LIMIT 1").fetch_one(pool).await?);
    let runs = [
        ("new list", sco_file(LEARNERS, |i| format!("6e {}", i % 12))),
        ("same list again", sco_file(LEARNERS, |i| format!("6e {}", i % 12))),
        ("next year (every class changes)", sco_file(LEARNERS, |i| format!("5e {}", i % 12))),
    ];
    for (what, file) in runs {
        let bytes = file.len();
        let started = Instant::now();
        let summary = learners::import_list(state, &organization, actor, learners::ImportMode::Replace, file)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .map_err(|e| anyhow::anyhow!("{} problems, first {:?}", e.len(), e.first()))?;
        let elapsed = started.elapsed();
        println!(
            "import  {label:<10} {LEARNERS} rows ({:.1} MB), {what}: {:.2} s ({} added, {} updated, {} unchanged) — budget < 5 s {}",
            bytes as f64 / 1e6,
            elapsed.as_secs_f64(),
            summary.created,
            summary.updated,
            summary.unchanged,
            if elapsed < Duration::from_secs(5) { "✅" } else { "❌" }
        );
    }
    Ok(())
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn export(label: &str, state: &AppState) -> anyhow::Result<()> {
    let campaign = store::campaign_by_code(&state.db, platform::prescription::demo::ASSESSMENT_CODE)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo campaign missing"))?;
    let organization =
        service::organization(state, campaign.organization_id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let (user, snapshot, mastery, validated, pix): (Uuid, String, Option<f64>, Option<i64>, Option<i64>) = platform::on_db!(&state.db, pool => {
        sqlx::query_as(
            "SELECT user_id, snapshot, mastery_rate, validated_skills, pix_score FROM campaign_participations \
             WHERE campaign_id = $1 AND status = 'SHARED' LIMIT 1",
        )
        .bind(campaign.id)
        .fetch_one(pool)
        .await?
    });
    let seeded = Instant::now();
    let now = state.clock.now_micros();
    let ids: Vec<(Uuid, Uuid)> = (0..PARTICIPATIONS).map(|_| (Uuid::now_v7(), Uuid::now_v7())).collect();
    platform::on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        for (n, chunk) in ids.chunks(1000).enumerate() {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO organization_learners (id, organization_id, user_id, first_name, last_name, birth_date, national_id, \
                 student_number, division, group_name, extra, imported, created_at, updated_at, deleted_at) ",
            );
            q.push_values(chunk.iter().enumerate(), |mut b, (i, (learner, _))| {
                let k = n * 1000 + i;
                b.push_bind(*learner).push_bind(organization.id).push_bind(user).push_bind(format!("Prénom{k}"))
                    .push_bind(format!("Nom{k}")).push("NULL").push("NULL").push("NULL").push_bind(format!("6e {}", k % 12))
                    .push("NULL").push_bind("{}").push_bind(true).push_bind(now).push_bind(now).push("NULL");
            });
            q.build().execute(&mut *tx).await?;
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO campaign_participations (id, campaign_id, user_id, organization_learner_id, external_id, status, created_at, \
                 shared_at, is_improved, validated_skills, mastery_rate, pix_score, snapshot, deleted_at, deleted_by) ",
            );
            q.push_values(chunk, |mut b, (learner, participation)| {
                b.push_bind(*participation).push_bind(campaign.id).push_bind(user).push_bind(*learner).push("NULL")
                    .push_bind("SHARED").push_bind(now).push_bind(now).push_bind(false).push_bind(validated)
                    .push_bind(mastery).push_bind(pix).push_bind(snapshot.as_str()).push("NULL").push("NULL");
            });
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    println!(
        "export  {label:<10} {PARTICIPATIONS} participations generated in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    let baseline = rss_kb();
    let peak = Arc::new(AtomicU64::new(baseline));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kb(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let started = Instant::now();
    let response = export::export(state, organization, campaign, Lang::Fr).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut body = response.into_body();
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.map_err(|e| anyhow::anyhow!("{e}"))?.into_data() {
            bytes += data.len();
            lines += data.iter().filter(|b| **b == b'\n').count();
        }
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    sampler.join().map_err(|_| anyhow::anyhow!("sampler panicked"))?;
    let extra_mb = peak.load(Ordering::Relaxed).saturating_sub(baseline) as f64 / 1024.0;
    anyhow::ensure!(lines > PARTICIPATIONS, "the export has {lines} lines");
    println!(
        "export  {label:<10} {} lines ({:.1} MB of CSV): {:.2} s, +{extra_mb:.1} MB resident — budgets < 5 s {}, < 50 MB {}",
        lines,
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        if elapsed < Duration::from_secs(5) { "✅" } else { "❌" },
        if extra_mb < 50.0 { "✅" } else { "❌" }
    );
    Ok(())
}
