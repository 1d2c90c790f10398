//! `pix-load`: many simulated learners sign up, log in and take whole competence tests (or, with
//! `--campaign CODE`, join one campaign and take its test) against a running node; prints
//! throughput and the latency of the answer round trip (POST an answer, then GET the next
//! challenge page), and the compressed weight of a challenge page.
//!
//! Loopback only, bounded in learners and tests. Start the node with a high
//! `--auth-rate-per-minute` (all learners share one IP). `scripts/load` does it all.

use std::time::Instant;

use anyhow::{Context, bail};
use clap::Parser;
use hdrhistogram::Histogram;

/// Load generator for the learner journey.
#[derive(Parser, Clone)]
struct Args {
    /// Base URL of the node (loopback).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Concurrent learners.
    #[arg(long, default_value_t = 200)]
    learners: usize,
    /// Competence tests per learner (each runs to its end).
    #[arg(long, default_value_t = 2)]
    tests: usize,
    /// Reading and thinking time of a learner between two answers, in milliseconds (0: saturate).
    #[arg(long, default_value_t = 2000)]
    think_ms: u64,
    /// Also print the figures as one JSON object on the last line (for scripts/load's table).
    #[arg(long)]
    json: bool,
    /// Skip the page-weight measure.
    #[arg(long)]
    no_page_weight: bool,
    /// Learners join this campaign (its code) and take its test instead of competence tests
    /// (one participation each; `--tests` is ignored).
    #[arg(long)]
    campaign: Option<String>,
    /// Candidates of this fixture (`pix certification-fixture`) join their sessions, invigilators
    /// authorise them, and they take the certification test.
    #[arg(long)]
    certification: Option<std::path::PathBuf>,
    /// Anonymous visitors play this learning module (its short id) through the API: they start a
    /// passage, answer every answerable element in order, then terminate it.
    #[arg(long)]
    module: Option<String>,
    /// Retry a request that failed (network error or 5xx) this many times, 300 ms apart, as a person
    /// reloading would; the failures seen are reported (`errors_seen`). Answers are idempotent.
    #[arg(long, default_value_t = 0)]
    retries: u32,
    /// Write every acknowledged answer as `ASSESSMENT_ID CHALLENGE_ID`, one per line (fault trials
    /// check each is in the database).
    #[arg(long)]
    record: Option<std::path::PathBuf>,
}

/// `--retries`, read by every learner.
static RETRIES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
/// Failed requests seen by learners (retried or not).
static ERRORS_SEEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
/// Acknowledged answers, when `--record` is given.
static ACKNOWLEDGED: std::sync::Mutex<Option<Vec<String>>> = std::sync::Mutex::new(None);

/// Runs `attempt` until it succeeds or the retries are spent.
async fn again<T, F, Fut>(mut attempt: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut left = RETRIES.load(std::sync::atomic::Ordering::Relaxed);
    loop {
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                ERRORS_SEEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if left == 0 {
                    return Err(e);
                }
                left -= 1;
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            }
        }
    }
}

struct Learner {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

impl Learner {
    /// Logs an existing account in.
    async fn login(base: &str, email: &str, password: &str) -> anyhow::Result<Learner> {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
        let mut me = Learner { client, base: base.to_owned(), csrf: String::new() };
        me.refresh_csrf().await?;
        me.post_json("/api/login", &serde_json::json!({"identifier": email, "password": password})).await?;
        me.refresh_csrf().await?;
        Ok(me)
    }

    /// Posts an HTML form with the CSRF token (the invigilator's screen has no API).
    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> anyhow::Result<reqwest::StatusCode> {
        let mut all = fields.to_vec();
        all.push(("csrf_token", &self.csrf));
        Ok(self.client.post(format!("{}{path}", self.base)).form(&all).send().await?.status())
    }

    async fn new(base: &str, n: usize, run: u64) -> anyhow::Result<Learner> {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
        let mut me = Learner { client, base: base.to_owned(), csrf: String::new() };
        me.refresh_csrf().await?;
        let email = format!("load{run}-{n}@example.org");
        let body = serde_json::json!({"first_name": "Load", "last_name": format!("Learner {n}"), "email": email, "password": "Load-Test-2026", "accept_terms": true});
        me.post_json("/api/signup", &body).await?;
        me.post_json("/api/login", &serde_json::json!({"identifier": email, "password": "Load-Test-2026"})).await?;
        me.refresh_csrf().await?;
        Ok(me)
    }

    async fn refresh_csrf(&mut self) -> anyhow::Result<()> {
        let info: serde_json::Value =
            self.client.get(format!("{}/api/session", self.base)).send().await?.json().await?;
        self.csrf = info["csrf_token"].as_str().context("csrf token")?.to_owned();
        Ok(())
    }

    async fn post_json(&self, path: &str, body: &serde_json::Value) -> anyhow::Result<reqwest::Response> {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("{path}: {}", r.status());
        }
        Ok(r)
    }

    /// Takes one competence test to its end; returns the round-trip latencies in microseconds.
    async fn take_test(
        &self,
        competence: &str,
        seed: &mut u64,
        think: std::time::Duration,
    ) -> anyhow::Result<Vec<u64>> {
        // Starting again resumes the same test: a failed start is retried like an answer.
        let path = format!("/api/competences/{competence}/assessments");
        let started: serde_json::Value =
            again(|| async { Ok(self.post_json(&path, &serde_json::json!({})).await?.json().await?) }).await?;
        let id = started["assessment_id"].as_str().context("assessment id")?.to_owned();
        self.answer_all(&id, seed, think).await
    }

    /// Joins a campaign (consent given) and takes its test to its end.
    async fn take_campaign(&self, code: &str, seed: &mut u64, think: std::time::Duration) -> anyhow::Result<Vec<u64>> {
        let path = format!("/api/campaigns/{code}/participations");
        let joined: serde_json::Value =
            again(|| async { Ok(self.post_json(&path, &serde_json::json!({"consent": true})).await?.json().await?) })
                .await?;
        let id = joined["assessment_id"].as_str().context("the campaign's assessment id")?.to_owned();
        self.answer_all(&id, seed, think).await
    }

    /// Answers an assessment's challenges until it ends; returns the round-trip latencies.
    async fn answer_all(&self, id: &str, seed: &mut u64, think: std::time::Duration) -> anyhow::Result<Vec<u64>> {
        let mut latencies = Vec::new();
        let current_of = || async {
            let r = self.client.get(format!("{}/api/assessments/{id}", self.base)).send().await?;
            if !r.status().is_success() {
                bail!("current challenge: {}", r.status());
            }
            anyhow::Ok(r.json::<serde_json::Value>().await?)
        };
        let mut current: serde_json::Value = again(current_of).await?;
        for _ in 0..100 {
            let Some(challenge) = current["challenge"].as_object() else { break };
            *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let pick = 1 + (*seed >> 33) % 3;
            let body = match challenge["kind"].as_str().unwrap_or("") {
                "QCU" | "QCM" => serde_json::json!({"challenge_id": challenge["id"], "value": pick.to_string()}),
                "QROC" => serde_json::json!({"challenge_id": challenge["id"], "value": "42"}),
                _ => {
                    let inputs: serde_json::Map<String, serde_json::Value> = challenge["inputs"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|i| i["key"].as_str())
                                .map(|k| (k.to_owned(), serde_json::Value::from("42")))
                                .collect()
                        })
                        .unwrap_or_default();
                    serde_json::json!({"challenge_id": challenge["id"], "inputs": inputs})
                }
            };
            // Learners do not all answer in step: spread the thinking time ±50 %.
            if !think.is_zero() {
                let jitter = 0.5 + ((*seed >> 40) % 1000) as f64 / 1000.0;
                tokio::time::sleep(think.mul_f64(jitter)).await;
            }
            let t = Instant::now();
            let answers_path = format!("/api/assessments/{id}/answers");
            again(|| self.post_json(&answers_path, &body)).await?;
            if let Some(list) = ACKNOWLEDGED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_mut() {
                list.push(format!("{id} {}", challenge["id"].as_str().unwrap_or("")));
            }
            // As a browser: the page is compressed for it.
            again(|| async {
                let page = self
                    .client
                    .get(format!("{}/assessments/{id}", self.base))
                    .header("accept-encoding", "br, gzip")
                    .send()
                    .await?;
                let status = page.status();
                let _ = page.bytes().await?;
                if !(status.is_success() || status.is_redirection()) {
                    bail!("next page: {status}");
                }
                anyhow::Ok(())
            })
            .await?;
            latencies.push(t.elapsed().as_micros() as u64);
            current = again(current_of).await?;
        }
        Ok(latencies)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !(args.url.starts_with("http://127.")
        || args.url.starts_with("http://localhost")
        || args.url.starts_with("http://[::1]"))
    {
        bail!("pix-load only targets loopback addresses");
    }
    RETRIES.store(args.retries, std::sync::atomic::Ordering::Relaxed);
    if args.record.is_some() {
        *ACKNOWLEDGED.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Vec::new());
    }
    if let Some(fixture) = args.certification.clone() {
        return certification(&args, &fixture).await;
    }
    if let Some(short_id) = args.module.clone() {
        return module(&args, &short_id).await;
    }
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let setup = Instant::now();
    let mut learners = Vec::with_capacity(args.learners);
    // Sign-ups hash passwords (Argon2id): create learners a few at a time.
    for chunk in (0..args.learners).collect::<Vec<_>>().chunks(8) {
        let handles: Vec<_> = chunk
            .iter()
            .map(|n| {
                let (url, n) = (args.url.clone(), *n);
                tokio::spawn(async move { Learner::new(&url, n, run).await })
            })
            .collect();
        for h in handles {
            learners.push(h.await??);
        }
    }
    println!("{} learners signed up and logged in in {:.1} s", learners.len(), setup.elapsed().as_secs_f64());

    let competences = ["1.1", "1.2", "2.1", "3.4", "4.1", "5.1"];
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, learner) in learners.into_iter().enumerate() {
        let tests = args.tests;
        let think = std::time::Duration::from_millis(args.think_ms);
        let campaign = args.campaign.clone();
        tasks.push(tokio::spawn(async move {
            let mut seed = n as u64 + 1;
            let mut all = Vec::new();
            if let Some(code) = campaign {
                all.extend(learner.take_campaign(&code, &mut seed, think).await?);
                return anyhow::Ok((all, learner));
            }
            for t in 0..tests {
                all.extend(learner.take_test(competences[(n + t) % competences.len()], &mut seed, think).await?);
            }
            anyhow::Ok((all, learner))
        }));
    }
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut errors = 0;
    let mut one = None;
    for task in tasks {
        match task.await? {
            Ok((latencies, learner)) => {
                for l in latencies {
                    histogram.record(l.max(1))?;
                }
                one.get_or_insert(learner);
            }
            Err(e) => {
                errors += 1;
                eprintln!("learner failed: {e:#}");
            }
        }
    }
    let elapsed = started.elapsed();
    println!(
        "{} answer round trips (POST answer + GET next challenge page) by {} concurrent learners (think time {} ms) in {:.1} s: {:.0} round trips/s, {errors} failed learners",
        histogram.len(),
        args.learners,
        args.think_ms,
        elapsed.as_secs_f64(),
        histogram.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        histogram.value_at_quantile(0.5) as f64 / 1000.0,
        histogram.value_at_quantile(0.9) as f64 / 1000.0,
        histogram.value_at_quantile(0.99) as f64 / 1000.0,
        histogram.max() as f64 / 1000.0
    );
    let mut weight = None;
    if let Some(learner) = one.filter(|_| !args.no_page_weight) {
        weight = Some(page_weight(&learner).await?);
    }
    if args.json {
        let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "{}",
            serde_json::json!({
                "learners": args.learners,
                "campaign": args.campaign,
                "think_ms": args.think_ms,
                "round_trips": histogram.len(),
                "seconds": elapsed.as_secs_f64(),
                "per_second": histogram.len() as f64 / elapsed.as_secs_f64(),
                "p50_ms": ms(0.5),
                "p90_ms": ms(0.9),
                "p99_ms": ms(0.99),
                "max_ms": histogram.max() as f64 / 1000.0,
                "failed_learners": errors,
                "errors_seen": ERRORS_SEEN.load(std::sync::atomic::Ordering::Relaxed),
                "page_weight_kb": weight,
            })
        );
    }
    if let Some(path) = &args.record {
        let list = ACKNOWLEDGED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take().unwrap_or_default();
        std::fs::write(path, list.join("\n") + "\n").with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Compressed weight of a challenge page: HTML and CSS with gzip, as a browser receives them (KB).
async fn page_weight(learner: &Learner) -> anyhow::Result<f64> {
    let started: serde_json::Value =
        learner.post_json("/api/competences/5.2/assessments", &serde_json::json!({})).await?.json().await?;
    let id = started["assessment_id"].as_str().context("id")?;
    let page = learner
        .client
        .get(format!("{}/assessments/{id}", learner.base))
        .header("accept-encoding", "gzip")
        .send()
        .await?;
    let html = page.bytes().await?;
    let plain = learner.client.get(format!("{}/assessments/{id}", learner.base)).send().await?.text().await?;
    let css_path = plain
        .split("href=\"")
        .find_map(|s| s.split('"').next().filter(|p| p.ends_with(".css")))
        .context("stylesheet")?
        .to_owned();
    let css = learner
        .client
        .get(format!("{}{css_path}", learner.base))
        .header("accept-encoding", "gzip")
        .send()
        .await?
        .bytes()
        .await?;
    println!(
        "challenge page weight (gzip): HTML {:.1} KB + CSS {:.1} KB = {:.1} KB; JavaScript required: none",
        html.len() as f64 / 1024.0,
        css.len() as f64 / 1024.0,
        (html.len() + css.len()) as f64 / 1024.0
    );
    Ok((html.len() + css.len()) as f64 / 1024.0)
}

/// The certification scenario: every candidate of the fixture logs in and joins their session, each
/// session's invigilator authorises its candidates, then all take the test at once.
async fn certification(args: &Args, path: &std::path::Path) -> anyhow::Result<()> {
    let fixture: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let setup = Instant::now();
    let mut candidates = Vec::new();
    for session in fixture["sessions"].as_array().context("sessions")? {
        let number = session["number"].as_i64().context("number")?.to_string();
        let code = session["access_code"].as_str().context("access code")?.to_owned();
        let session_id = session["id"].as_str().context("session id")?.to_owned();
        let mut invigilator = Learner {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            base: args.url.clone(),
            csrf: String::new(),
        };
        invigilator.refresh_csrf().await?;
        let password = session["invigilator_password"].as_str().context("password")?;
        let status =
            invigilator.post_form("/surveillant", &[("session_number", &number), ("password", password)]).await?;
        if !status.is_redirection() {
            bail!("invigilator login: {status}");
        }
        let people = session["candidates"].as_array().context("candidates")?.clone();
        for chunk in people.chunks(8) {
            let handles: Vec<_> = chunk
                .iter()
                .map(|p| {
                    let (url, p, number, code) = (args.url.clone(), p.clone(), number.clone(), code.clone());
                    tokio::spawn(async move {
                        let email = p["email"].as_str().context("email")?;
                        let me = Learner::login(&url, email, "Load-Test-2026").await?;
                        let body = serde_json::json!({
                            "session_number": number, "access_code": code,
                            "first_name": p["first_name"], "last_name": p["last_name"], "birth_date": p["birth_date"],
                        });
                        let joined: serde_json::Value =
                            me.post_json("/api/certification/join", &body).await?.json().await?;
                        let id = joined["id"].as_str().context("candidate id")?.to_owned();
                        anyhow::Ok((me, id))
                    })
                })
                .collect();
            for h in handles {
                let (me, id) = h.await??;
                let path = format!("/surveillant/sessions/{session_id}/candidates/{id}/authorize");
                let status = invigilator.post_form(&path, &[("authorized", "yes")]).await?;
                if !status.is_redirection() {
                    bail!("authorisation: {status}");
                }
                candidates.push((me, id));
            }
        }
    }
    println!("{} candidates joined and were authorised in {:.1} s", candidates.len(), setup.elapsed().as_secs_f64());
    let started = Instant::now();
    let think = std::time::Duration::from_millis(args.think_ms);
    let mut tasks = Vec::new();
    for (n, (me, id)) in candidates.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut seed = n as u64 + 1;
            let started: serde_json::Value = me
                .post_json(&format!("/api/certification/candidates/{id}/start"), &serde_json::json!({}))
                .await?
                .json()
                .await?;
            let assessment = started["assessment_id"].as_str().context("assessment id")?.to_owned();
            me.answer_all(&assessment, &mut seed, think).await
        }));
    }
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut errors = 0;
    for task in tasks {
        match task.await? {
            Ok(latencies) => {
                for l in latencies {
                    histogram.record(l.max(1))?;
                }
            }
            Err(e) => {
                errors += 1;
                eprintln!("candidate failed: {e:#}");
            }
        }
    }
    let elapsed = started.elapsed();
    let sessions = fixture["sessions"].as_array().map_or(0, Vec::len);
    let candidates = fixture["sessions"]
        .as_array()
        .map_or(0, |s| s.iter().map(|x| x["candidates"].as_array().map_or(0, Vec::len)).sum::<usize>());
    report(
        "certification answer round trips",
        "candidates",
        &histogram,
        elapsed,
        errors,
        args.json
            .then(|| serde_json::json!({ "learners": candidates, "sessions": sessions, "think_ms": args.think_ms })),
    );
    Ok(())
}

/// An answer to a module's element, right or not (the API never gives solutions): the first
/// proposal, the first two of a QCM, a word in every input, `A` for every QAB card.
fn module_answer(element: &serde_json::Value) -> Option<serde_json::Value> {
    let id = element["id"].as_str()?;
    let proposals = || element["proposals"].as_array().cloned().unwrap_or_default();
    let cards = |value: &str| -> serde_json::Value {
        element["cards"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| Some((c["id"].as_str()?.to_owned(), serde_json::json!(value))))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    Some(match element["type"].as_str()? {
        "qcu" | "qcu-discovery" | "qcu-declarative" => {
            serde_json::json!({ "element_id": id, "answer": [proposals().first()?["id"]] })
        }
        "qcm" | "qcm-declarative" => {
            serde_json::json!({ "element_id": id, "answer": proposals().iter().take(2).map(|p| p["id"].clone()).collect::<Vec<_>>() })
        }
        "qrocm" => {
            let inputs: serde_json::Map<String, serde_json::Value> = proposals()
                .iter()
                .filter_map(|b| match b["type"].as_str()? {
                    "input" => Some((b["input"].as_str()?.to_owned(), serde_json::json!("42"))),
                    "select" => Some((b["input"].as_str()?.to_owned(), b["options"][0]["id"].clone())),
                    _ => None,
                })
                .collect();
            serde_json::json!({ "element_id": id, "inputs": inputs })
        }
        "embed" if element["has_solution"].as_bool() == Some(true) => {
            serde_json::json!({ "element_id": id, "answer": ["mot"] })
        }
        "qab" => serde_json::json!({ "element_id": id, "cards": cards("A") }),
        "flashcards" => serde_json::json!({ "element_id": id, "cards": cards("yes") }),
        _ => return None,
    })
}

/// Visitors play a learning module: every answer's round trip (POST, checked on the server and
/// recorded in the passage's log) is timed.
async fn module(args: &Args, short_id: &str) -> anyhow::Result<()> {
    let probe = reqwest::Client::new();
    let module: serde_json::Value =
        probe.get(format!("{}/api/modules/{short_id}", args.url)).send().await?.error_for_status()?.json().await?;
    let mut answers = Vec::new();
    for section in module["sections"].as_array().context("sections")? {
        for grain in section["grains"].as_array().context("grains")? {
            for component in grain["components"].as_array().context("components")? {
                let elements: Vec<serde_json::Value> = match component["type"].as_str() {
                    Some("stepper") => component["steps"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .flat_map(|s| s["elements"].as_array().cloned().unwrap_or_default())
                        .collect(),
                    _ => vec![component["element"].clone()],
                };
                answers.extend(elements.iter().filter_map(module_answer));
            }
        }
    }
    if answers.is_empty() {
        bail!("module {short_id} has no answerable element");
    }
    let think = std::time::Duration::from_millis(args.think_ms);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..args.learners {
        let (url, short_id, answers) = (args.url.clone(), short_id.to_owned(), answers.clone());
        tasks.push(tokio::spawn(async move {
            let client =
                reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
            let mut me = Learner { client, base: url, csrf: String::new() };
            me.refresh_csrf().await?;
            // Visitors arrive over the first think time, not all at once.
            tokio::time::sleep(think.mul_f64((n as f64 * 0.618).fract())).await;
            let passage: serde_json::Value =
                me.post_json("/api/passages", &serde_json::json!({ "short_id": short_id })).await?.json().await?;
            let id = passage["id"].as_str().context("passage id")?.to_owned();
            let mut latencies = Vec::with_capacity(answers.len());
            for body in &answers {
                tokio::time::sleep(think).await;
                let at = Instant::now();
                let correction: serde_json::Value =
                    me.post_json(&format!("/api/passages/{id}/answers"), body).await?.json().await?;
                latencies.push(u64::try_from(at.elapsed().as_micros()).unwrap_or(u64::MAX));
                if correction["status"].as_str().is_none() {
                    bail!("an answer without a correction: {correction}");
                }
            }
            let r = me
                .client
                .post(format!("{}/api/passages/{id}/terminate", me.base))
                .header("x-csrf-token", &me.csrf)
                .send()
                .await?;
            if r.status() != reqwest::StatusCode::NO_CONTENT {
                bail!("terminate: {}", r.status());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut errors = 0;
    for task in tasks {
        match task.await? {
            Ok(latencies) => {
                for l in latencies {
                    histogram.record(l.max(1))?;
                }
            }
            Err(e) => {
                errors += 1;
                eprintln!("visitor failed: {e:#}");
            }
        }
    }
    let elapsed = started.elapsed();
    report(
        "module answer round trips",
        "visitors",
        &histogram,
        elapsed,
        errors,
        args.json.then(|| serde_json::json!({ "learners": args.learners, "think_ms": args.think_ms })),
    );
    if errors > 0 {
        bail!("{errors} visitors failed");
    }
    Ok(())
}

/// Prints a run's round trips, rate and latency quantiles, and with `json` (the run's own fields)
/// the same as one JSON line for scripts/load.
fn report(
    what: &str,
    who: &str,
    histogram: &hdrhistogram::Histogram<u64>,
    elapsed: std::time::Duration,
    errors: usize,
    json: Option<serde_json::Value>,
) {
    let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    let per_second = histogram.len() as f64 / elapsed.as_secs_f64();
    println!(
        "{} {what} in {:.1} s: {per_second:.0}/s; p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {errors} failed {who}",
        histogram.len(),
        elapsed.as_secs_f64(),
        ms(0.5),
        ms(0.9),
        ms(0.99),
        histogram.max() as f64 / 1000.0
    );
    if let Some(mut fields) = json {
        let measured = serde_json::json!({
            "round_trips": histogram.len(),
            "seconds": elapsed.as_secs_f64(),
            "per_second": per_second,
            "p50_ms": ms(0.5),
            "p90_ms": ms(0.9),
            "p99_ms": ms(0.99),
            "max_ms": histogram.max() as f64 / 1000.0,
            "failed_learners": errors,
        });
        if let (Some(into), Some(from)) = (fields.as_object_mut(), measured.as_object()) {
            into.extend(from.clone());
        }
        println!("{fields}");
    }
}
