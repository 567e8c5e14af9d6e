//! `kpi-load`: latency and load of the API's KPI routes.
//!
//! It logs in, reads the API's OpenAPI document and takes every GET route
//! under `/api/v1/metrics` and `/api/v1/entities`. A route with a date
//! range (`date_from`/`date_to`, or `date_created_from`/`date_created_to`)
//! is measured twice, over the 30 and the 365 lab days ending on the lab's
//! clock; a route without one is measured once; `{id}` routes get the ids
//! given on the command line. Then:
//!
//! 1. each target alone: warm-up requests, then timed sequential requests
//!    (up to a count or a time budget, whichever comes first), answering p50
//!    and p95;
//! 2. many clients at once, each with its own connection, cycling over every
//!    target until the time is up: requests, errors, throughput and latency
//!    percentiles.
//!
//! A latency is from sending the request to having read the whole body. Any
//! answer other than 2xx, and any transport error or timeout, is an error.
//! The driver script `benchmarks/kpis.sh` runs it against a loaded mirror.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use clap::Parser;
use qbench_benchmarks::percentile;
use serde_json::Value;

/// Measures every KPI route of a running API.
#[derive(Debug, Parser)]
#[command(name = "kpi-load", version)]
struct Args {
    /// The API's root, e.g. `http://127.0.0.1:8000`.
    #[arg(long)]
    base_url: String,
    /// The user to log in as.
    #[arg(long, env = "KPI_LOAD_USERNAME")]
    username: String,
    /// That user's password.
    #[arg(long, env = "KPI_LOAD_PASSWORD", hide_env_values = true)]
    password: String,
    /// The lab's clock: ranges end on its lab-zone day.
    #[arg(long)]
    clock: DateTime<Utc>,
    /// The lab's zone, in which days are counted.
    #[arg(long, default_value = "America/New_York")]
    timezone: Tz,
    /// The sample of `entities/samples/{id}`.
    #[arg(long)]
    sample_id: i64,
    /// The test of `entities/tests/{id}`.
    #[arg(long)]
    test_id: i64,
    /// The order of `entities/orders/{id}`.
    #[arg(long)]
    order_id: i64,
    /// Untimed requests per target before the timed ones.
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// Timed sequential requests per target (0: no sequential phase).
    #[arg(long, default_value_t = 50)]
    requests: usize,
    /// Seconds of timed requests per target: a slow route stops early, with
    /// fewer requests than `--requests` (the table says how many).
    #[arg(long, default_value_t = 15)]
    target_seconds: u64,
    /// Concurrent clients of the load phase (0: no load phase).
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Seconds the load phase sends new requests.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// Seconds one request may take before it counts as an error.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

/// One route with its query, as measured.
#[derive(Debug, Clone)]
struct Target {
    route: String,
    range: &'static str,
    url: String,
}

/// What one request gave.
enum Outcome {
    Ok(Duration),
    Failed(String),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    rustls::crypto::ring::default_provider()
        .install_default()
        .ok();
    let base = args.base_url.trim_end_matches('/').to_owned();
    let token = login(&base, &args).await?;
    let targets = targets(&base, &args).await?;
    println!("targets: {}", targets.len());

    if args.requests > 0 {
        sequential(&args, &token, &targets).await?;
    }
    if args.clients > 0 {
        load(&args, &token, Arc::new(targets)).await?;
    }
    Ok(())
}

async fn login(base: &str, args: &Args) -> anyhow::Result<String> {
    let body = serde_json::json!({ "username": args.username, "password": args.password });
    let answer: Value = reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .json(&body)
        .send()
        .await?
        .error_for_status()
        .context("login refused")?
        .json()
        .await?;
    answer["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("the login answered no access_token")
}

/// Every GET route under `/api/v1/metrics` and `/api/v1/entities`, with
/// its ranges or its id.
async fn targets(base: &str, args: &Args) -> anyhow::Result<Vec<Target>> {
    let doc: Value = reqwest::get(format!("{base}/api/openapi.json"))
        .await?
        .error_for_status()?
        .json()
        .await?;
    let paths = doc["paths"]
        .as_object()
        .context("the OpenAPI document has no paths")?;

    let end = args.clock.with_timezone(&args.timezone).date_naive();
    let ranges = [("30 days", range(end, 30)?), ("365 days", range(end, 365)?)];
    let mut targets = Vec::new();
    for (path, item) in paths {
        let Some(get) = item.get("get") else { continue };
        let routed = path.starts_with("/api/v1/metrics/") || path.starts_with("/api/v1/entities/");
        if !routed {
            continue;
        }
        let params: Vec<&str> = get["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        let has = |name: &str| params.contains(&name);

        let mut url = format!("{base}{path}");
        if path.contains("{id}") {
            let id = if path.starts_with("/api/v1/entities/samples/") {
                args.sample_id
            } else if path.starts_with("/api/v1/entities/tests/") {
                args.test_id
            } else if path.starts_with("/api/v1/entities/orders/") {
                args.order_id
            } else {
                bail!("no id known for {path}");
            };
            url = url.replace("{id}", &id.to_string());
        }

        let names = if has("date_created_from") && has("date_created_to") {
            Some(("date_created_from", "date_created_to"))
        } else if has("date_from") && has("date_to") {
            Some(("date_from", "date_to"))
        } else {
            None
        };
        match names {
            Some((from_name, to_name)) => {
                for (label, (from, to)) in &ranges {
                    targets.push(Target {
                        route: path.clone(),
                        range: label,
                        url: format!("{url}?{from_name}={from}&{to_name}={to}"),
                    });
                }
            }
            None => targets.push(Target {
                route: path.clone(),
                range: "none",
                url,
            }),
        }
    }
    if targets.is_empty() {
        bail!("the OpenAPI document lists no KPI route");
    }
    Ok(targets)
}

/// The `days` lab days ending on `end`, both included.
fn range(end: NaiveDate, days: u64) -> anyhow::Result<(NaiveDate, NaiveDate)> {
    let from = end
        .checked_sub_days(Days::new(days - 1))
        .context("range start out of bounds")?;
    Ok((from, end))
}

fn client(args: &Args) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout))
        .pool_max_idle_per_host(1)
        .build()?)
}

async fn fetch(client: &reqwest::Client, token: &str, url: &str) -> Outcome {
    let started = Instant::now();
    let response = match client.get(url).bearer_auth(token).send().await {
        Ok(response) => response,
        Err(e) => return Outcome::Failed(format!("transport: {e}")),
    };
    let status = response.status();
    match response.bytes().await {
        Ok(_) if status.is_success() => Outcome::Ok(started.elapsed()),
        Ok(_) => Outcome::Failed(format!("status {}", status.as_u16())),
        Err(e) => Outcome::Failed(format!("transport: {e}")),
    }
}

/// Each target alone, one request at a time.
async fn sequential(args: &Args, token: &str, targets: &[Target]) -> anyhow::Result<()> {
    let client = client(args)?;
    let budget = Duration::from_secs(args.target_seconds);
    println!(
        "sequential: {} warm-up, then {} timed requests or {} s per target",
        args.warmup, args.requests, args.target_seconds
    );
    println!("| route | range | requests | p50 ms | p95 ms | max ms | errors |");
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for target in targets {
        let mut errors = BTreeMap::<String, usize>::new();
        // Warm-up stops early too, after a fifth of the budget.
        let warming = Instant::now();
        for _ in 0..args.warmup {
            if warming.elapsed() > budget / 5 {
                break;
            }
            if let Outcome::Failed(e) = fetch(&client, token, &target.url).await {
                *errors.entry(e).or_default() += 1;
            }
        }
        let mut latencies = Vec::with_capacity(args.requests);
        let timing = Instant::now();
        for _ in 0..args.requests {
            if timing.elapsed() > budget {
                break;
            }
            match fetch(&client, token, &target.url).await {
                Outcome::Ok(latency) => latencies.push(latency),
                Outcome::Failed(e) => *errors.entry(e).or_default() += 1,
            }
        }
        latencies.sort();
        println!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {} |",
            target.route,
            target.range,
            latencies.len(),
            percentile(&latencies, 50.0),
            percentile(&latencies, 95.0),
            percentile(&latencies, 100.0),
            errors.values().sum::<usize>()
        );
        for (error, count) in errors {
            println!(
                "  error on {} ({}): {count} x {error}",
                target.route, target.range
            );
        }
    }
    Ok(())
}

/// Many clients at once, each cycling over every target from its own
/// starting point until the time is up.
async fn load(args: &Args, token: &str, targets: Arc<Vec<Target>>) -> anyhow::Result<()> {
    println!(
        "load: {} clients for {} s over {} targets",
        args.clients,
        args.duration,
        targets.len()
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.duration);
    let mut tasks = Vec::with_capacity(args.clients);
    for n in 0..args.clients {
        let client = client(args)?;
        let targets = Arc::clone(&targets);
        let token = token.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut per_route = BTreeMap::<(String, &'static str), Vec<Duration>>::new();
            let mut errors = BTreeMap::<String, usize>::new();
            let mut next = n % targets.len();
            while Instant::now() < deadline {
                let target = &targets[next];
                next = (next + 1) % targets.len();
                match fetch(&client, &token, &target.url).await {
                    Outcome::Ok(latency) => {
                        latencies.push(latency);
                        per_route
                            .entry((target.route.clone(), target.range))
                            .or_default()
                            .push(latency);
                    }
                    Outcome::Failed(e) => {
                        *errors
                            .entry(format!("{} ({}): {e}", target.route, target.range))
                            .or_default() += 1;
                    }
                }
            }
            (latencies, per_route, errors)
        }));
    }

    let mut latencies = Vec::new();
    let mut per_route = BTreeMap::<(String, &'static str), Vec<Duration>>::new();
    let mut errors = BTreeMap::<String, usize>::new();
    for task in tasks {
        let (l, r, e) = task.await?;
        latencies.extend(l);
        for (key, mut values) in r {
            per_route.entry(key).or_default().append(&mut values);
        }
        for (key, count) in e {
            *errors.entry(key).or_default() += count;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let error_count: usize = errors.values().sum();
    let requests = latencies.len() + error_count;

    println!("load.requests: {requests}");
    println!("load.ok: {}", latencies.len());
    println!("load.errors: {error_count}");
    println!("load.seconds: {elapsed:.2}");
    println!(
        "load.throughput_per_s: {:.1}",
        latencies.len() as f64 / elapsed
    );
    println!(
        "load.latency_ms: p50 {:.2} p95 {:.2} p99 {:.2} max {:.2}",
        percentile(&latencies, 50.0),
        percentile(&latencies, 95.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 100.0)
    );
    for (error, count) in &errors {
        println!("load.error: {count} x {error}");
    }
    println!("load per target (successful requests only):");
    println!("| route | range | requests | p50 ms | p95 ms |");
    println!("| --- | --- | ---: | ---: | ---: |");
    for ((route, range), mut values) in per_route {
        values.sort();
        println!(
            "| {route} | {range} | {} | {:.2} | {:.2} |",
            values.len(),
            percentile(&values, 50.0),
            percentile(&values, 95.0)
        );
    }
    Ok(())
}
