//! Failure drills: a full sync of the simulated lab while something breaks
//! (a process killed with SIGKILL, nats-server or PostgreSQL restarted, the
//! simulator's faults switched on), then the checks an operator relies on:
//!
//! - `qbenchctl verify` passes, records set aside as invalid excepted;
//! - no checkpoint ever passed data that was not committed: checkpoints are
//!   sampled during the run, each with how many records up to it were
//!   committed (or set aside) at that instant, and compared at the end;
//! - no record set aside was lost: each one seen during the run is, at the
//!   end, loaded or still listed;
//! - no record was counted twice on its page.
//!
//! Every drill runs its own simulator, nats-server and PostgreSQL cluster
//! on free loopback ports. Each runs once by default; `DRILL_RUNS=N` runs
//! each N times. The binaries must be built first
//! (`cargo build --workspace --bins`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use mirror_records::Entity;
use mirror_testkit::{NatsServer, PostgresServer, free_port, step, within};
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::process::{Child, Command};
use tokio::sync::watch;
use tokio::task::JoinHandle;

fn binary(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_BIN_EXE_qbenchctl")).with_file_name(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build --workspace --bins` first",
        path.display()
    );
    path
}

/// How many times each drill runs (`DRILL_RUNS`, default 1).
fn runs() -> u32 {
    std::env::var("DRILL_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// A number in `low..=high`, different on every call.
fn random_between(low: u64, high: u64) -> u64 {
    low + (uuid::Uuid::new_v4().as_u128() % u128::from(high - low + 1)) as u64
}

/// The longest a whole sync may take in a drill.
const SYNC_LIMIT: Duration = Duration::from_secs(240);

/// One drill's private world. Dropping it kills every process it started
/// and stops its servers, also when a check panics; a drill that fails
/// prints the end of each process's log.
struct Lab {
    postgres: PostgresServer,
    nats: NatsServer,
    pool: PgPool,
    sim_url: String,
    api_port: u16,
    processes: Vec<(&'static str, Child)>,
    http: reqwest::Client,
    logs: tempfile::TempDir,
}

impl Drop for Lab {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let Ok(entries) = std::fs::read_dir(self.logs.path()) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(30)..];
            eprintln!("--- last lines of {} ---", path.display());
            for line in tail {
                eprintln!("{line}");
            }
        }
    }
}

impl Lab {
    /// Starts PostgreSQL, nats-server and a simulated tiny lab whose pages
    /// answer slowly enough for a fault to land mid-sync.
    async fn start(sim_flags: &[&str]) -> Self {
        qbench_client::install_crypto_provider();
        let postgres = step("start postgres", PostgresServer::start())
            .await
            .unwrap();
        let nats = step("start nats", NatsServer::start()).await.unwrap();
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(5))
            .connect(&postgres.url())
            .await
            .unwrap();
        let port = free_port().unwrap();
        let mut lab = Lab {
            postgres,
            nats,
            pool,
            sim_url: format!("http://127.0.0.1:{port}"),
            api_port: free_port().unwrap(),
            processes: Vec::new(),
            http: reqwest::Client::new(),
            logs: tempfile::tempdir().unwrap(),
        };
        let listen = format!("127.0.0.1:{port}");
        let mut args = vec![
            "--listen", &listen, "--size", "tiny", "--seed", "7", "--tick", "off",
        ];
        args.extend_from_slice(sim_flags);
        if !sim_flags.contains(&"--limits") {
            args.extend_from_slice(&["--limits", "off"]);
        }
        if !sim_flags.contains(&"--page-latency") {
            args.extend_from_slice(&["--page-latency", "100ms"]);
        }
        lab.spawn("qbench-sim", &args);
        lab.wait_for_simulator().await;
        lab
    }

    fn command(&self, name: &str) -> Command {
        let mut command = Command::new(binary(name));
        command
            .env("DATABASE_URL", self.postgres.url())
            .env("NATS_URL", self.nats.url())
            .env("SIMULATOR_URL", &self.sim_url)
            .env("QBENCH_TIMEZONE", "America/New_York")
            .env("RETRY_DELAYS", "1s,2s,3s")
            .env("SKIPPED_REQUEUE_INTERVAL", "1s")
            .env("LOADER_ACK_WAIT", "5s")
            .env("SYNC_INTERVAL", "0s")
            .env("QBENCH_REQUESTS_PER_MINUTE", "100000")
            .env("API_HOST", "127.0.0.1")
            .env("API_PORT", self.api_port.to_string())
            .env("AUTH_SECRET_KEY", "drill-secret-key-drill-secret-key-0123")
            .env("RUST_LOG", "info")
            // A service that stops says why on its last line, which the
            // failed drill prints, not under a backtrace.
            .env("RUST_BACKTRACE", "0")
            .env_remove("QBENCH_BASE_URL")
            .env_remove("METRICS_ADDR")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    fn spawn(&mut self, name: &'static str, args: &[&str]) {
        let log = self
            .logs
            .path()
            .join(format!("{:02}-{name}.log", self.processes.len()));
        let log = std::fs::File::create(log).unwrap();
        let child = self
            .command(name)
            .args(args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        self.processes.push((name, child));
    }

    /// Kills the newest process named `name` with SIGKILL.
    async fn kill(&mut self, name: &str) {
        let at = self
            .processes
            .iter()
            .rposition(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no {name} running"));
        let (_, mut child) = self.processes.remove(at);
        child.start_kill().unwrap();
        step("process dies", child.wait()).await.unwrap();
    }

    async fn wait_for_simulator(&self) {
        let url = format!("{}/_sim/status", self.sim_url);
        let ready = async {
            while self.http.get(&url).send().await.is_err() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        within(Duration::from_secs(60), "simulator starts", ready).await;
    }

    /// How many records the simulated lab holds.
    async fn lab_size(&self) -> u64 {
        let url = format!("{}/_sim/status", self.sim_url);
        let status: Value = step("simulator status", async {
            self.http.get(&url).send().await?.json().await
        })
        .await
        .unwrap();
        status["live"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum()
    }

    async fn post_sim(&self, route: &str, body: Value) {
        let url = format!("{}/_sim/{route}", self.sim_url);
        let answer = step(route, self.http.post(&url).json(&body).send())
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{route}: {}", answer.status());
    }

    /// Waits until PostgreSQL takes the fetcher lock's session.
    async fn wait_for_fetcher_lock(&self) {
        let sql = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted";
        self.wait_until(sql, 1, Duration::from_secs(60)).await;
    }

    /// Waits until `sql` counts at least `at_least`.
    async fn wait_until(&self, sql: &str, at_least: i64, limit: Duration) {
        let reached = async {
            while self.try_count(sql).await.unwrap_or(0) < at_least {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        within(limit, sql, reached).await;
    }

    /// Waits until the loaders have committed `records` rows in all. Twice
    /// it ran out with nothing committed, the fetcher having stopped at
    /// start-up (docs/reliability.md, "Stalled runs"); a failed drill prints
    /// each service's last log lines, without backtraces, to say why.
    async fn wait_for_rows(&self, records: u64) {
        let sql = "SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM orders) \
                   + (SELECT count(*) FROM samples) + (SELECT count(*) FROM tests) \
                   + (SELECT count(*) FROM batches)";
        self.wait_until(sql, records as i64, SYNC_LIMIT).await;
    }

    async fn try_count(&self, sql: &str) -> Option<i64> {
        let query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()));
        query.fetch_one(&self.pool).await.ok()
    }

    async fn count(&self, sql: &str) -> i64 {
        let query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()));
        step(sql, query.fetch_one(&self.pool)).await.unwrap()
    }

    /// Starts `qbenchctl sync --full --wait` in the background.
    fn start_sync(&self) -> JoinHandle<std::io::Result<Output>> {
        let mut sync = self.command("qbenchctl");
        sync.args(["sync", "--full", "--wait", "--stall-timeout", "20"]);
        tokio::spawn(async move { sync.output().await })
    }

    /// Awaits the sync started before the fault; if it did not end well (a
    /// run cut short by the fault ends partial), asks for full syncs until
    /// one does, as an operator would: each resumes where the last stopped.
    async fn settle(&self, first: JoinHandle<std::io::Result<Output>>) -> u32 {
        let output = within(SYNC_LIMIT, "first sync ends", first)
            .await
            .unwrap()
            .unwrap();
        let mut reruns = 0;
        let mut ok = output.status.success();
        let deadline = Instant::now() + SYNC_LIMIT;
        while !ok {
            reruns += 1;
            assert!(
                reruns <= 5 && Instant::now() < deadline,
                "no full sync succeeded after the fault"
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
            let args = ["sync", "--full", "--wait", "--stall-timeout", "20"];
            ok = self.ctl(&args, SYNC_LIMIT).await.0;
        }
        reruns
    }

    /// Runs `qbenchctl` and returns its exit status and what it printed.
    async fn ctl(&self, args: &[&str], limit: Duration) -> (bool, String) {
        let run = self.command("qbenchctl").args(args).output();
        let output = within(limit, &format!("qbenchctl {}", args.join(" ")), run)
            .await
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }
}

/// A checkpoint as it stood at one instant, with how many records up to it
/// were committed or set aside at that same instant.
#[derive(Debug)]
struct CheckpointSample {
    entity: Entity,
    last_id: i32,
    present: i64,
}

/// What the sampler saw during the run.
#[derive(Debug, Default)]
struct Observed {
    checkpoints: Vec<CheckpointSample>,
    set_aside: BTreeSet<(String, i32)>,
}

/// Records present up to `last_id`: rows of the entity's table and records
/// set aside (a checkpoint may pass a record that was set aside).
fn present_sql(entity: Entity) -> String {
    format!(
        "SELECT count(*) FROM (SELECT id FROM {} WHERE id <= $1 \
         UNION SELECT record_id FROM skipped_records WHERE entity = $2 AND record_id <= $1) ids",
        entity.table()
    )
}

/// Reads every checkpoint and what it covers in one snapshot.
async fn sample_once(pool: &PgPool, observed: &mut Observed) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    let checkpoints: Vec<(String, Option<i32>)> =
        sqlx::query_as("SELECT entity, last_id FROM sync_checkpoints")
            .fetch_all(&mut *tx)
            .await?;
    for (name, last_id) in checkpoints {
        let (Ok(entity), Some(last_id)) = (name.parse::<Entity>(), last_id) else {
            continue;
        };
        let present: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(present_sql(entity)))
            .bind(last_id)
            .bind(entity.as_str())
            .fetch_one(&mut *tx)
            .await?;
        observed.checkpoints.push(CheckpointSample {
            entity,
            last_id,
            present,
        });
    }
    let set_aside: Vec<(String, i32)> =
        sqlx::query_as("SELECT entity, record_id FROM skipped_records")
            .fetch_all(&mut *tx)
            .await?;
    observed.set_aside.extend(set_aside);
    tx.commit().await?;
    Ok(())
}

/// Samples until `stop` turns true; a sample that fails (PostgreSQL is
/// restarting) is simply not taken.
fn sample_checkpoints(pool: PgPool, mut stop: watch::Receiver<bool>) -> JoinHandle<Observed> {
    tokio::spawn(async move {
        let mut observed = Observed::default();
        loop {
            let _ = tokio::time::timeout(Duration::from_secs(5), sample_once(&pool, &mut observed))
                .await;
            tokio::select! {
                _ = stop.changed() => return observed,
                () = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
    })
}

/// The checks every drill ends with; returns the records set aside.
async fn check_after_drill(name: &str, lab: &mut Lab, observed: &Observed) -> Vec<String> {
    // Services ride out the faults; only the drill's own kills end one.
    for (name, child) in &mut lab.processes {
        let ended = child.try_wait().unwrap();
        assert!(ended.is_none(), "{name} exited during the drill: {ended:?}");
    }

    let (ok, out) = lab.ctl(&["verify"], Duration::from_secs(120)).await;
    assert!(ok, "verify failed:\n{out}");

    let sampled = observed.checkpoints.len();
    assert!(sampled > 0, "no checkpoint was ever sampled");
    for sample in &observed.checkpoints {
        let now: i64 = step(
            "count present records",
            sqlx::query_scalar(sqlx::AssertSqlSafe(present_sql(sample.entity)))
                .bind(sample.last_id)
                .bind(sample.entity.as_str())
                .fetch_one(&lab.pool),
        )
        .await
        .unwrap();
        assert_eq!(
            sample.present, now,
            "the {} checkpoint stood at id {} while only {} of the {} records up to it \
             were committed",
            sample.entity, sample.last_id, sample.present, now
        );
    }

    for (entity, id) in &observed.set_aside {
        let table = entity.parse::<Entity>().unwrap().table();
        let kept = lab
            .count(&format!(
                "SELECT (SELECT count(*) FROM {table} WHERE id = {id}) + \
                 (SELECT count(*) FROM skipped_records \
                  WHERE entity = '{entity}' AND record_id = {id} AND resolved_at IS NULL)"
            ))
            .await;
        assert!(kept > 0, "{entity} {id} was set aside, then lost");
    }

    let overcounted = lab
        .count("SELECT count(*) FROM sync_run_pages WHERE loaded > record_count")
        .await;
    assert_eq!(
        overcounted, 0,
        "drill {name}: a record was counted twice on its page"
    );

    let (ok, listed) = lab.ctl(&["skipped", "list"], Duration::from_secs(60)).await;
    assert!(ok, "skipped list failed:\n{listed}");
    out.lines()
        .filter(|l| l.contains("set aside as invalid"))
        .map(str::to_owned)
        .collect()
}

/// Runs one drill: a full sync with two loaders, `inject` once the sync is
/// part-way through, then every check.
async fn drill<F>(name: &str, sim_flags: &[&str], inject: F)
where
    F: AsyncFn(&mut Lab, u64),
{
    drill_with(name, sim_flags, async |_: &Lab| {}, inject).await;
}

/// As [`drill`], with `setup` applied to the lab before the sync starts.
async fn drill_with<S, F>(name: &str, sim_flags: &[&str], setup: S, inject: F)
where
    S: AsyncFn(&Lab),
    F: AsyncFn(&mut Lab, u64),
{
    for run in 1..=runs() {
        let started = Instant::now();
        let mut lab = Lab::start(sim_flags).await;
        lab.spawn("qbench-fetcher", &[]);
        lab.wait_for_fetcher_lock().await;
        lab.spawn("qbench-loader", &[]);
        lab.spawn("qbench-loader", &[]);
        let (stop, stopped) = watch::channel(false);
        let sampler = sample_checkpoints(lab.pool.clone(), stopped);
        let size = lab.lab_size().await;
        setup(&lab).await;

        let sync = lab.start_sync();
        inject(&mut lab, size).await;
        let reruns = lab.settle(sync).await;

        let _ = stop.send(true);
        let observed = step("sampler stops", sampler).await.unwrap();
        let set_aside = check_after_drill(name, &mut lab, &observed).await;
        eprintln!(
            "drill {name} run {run}: passed in {:.1} s, {} checkpoint samples, {reruns} \
             extra syncs, {} records, {} seen set aside, verify excepted {set_aside:?}",
            started.elapsed().as_secs_f64(),
            observed.checkpoints.len(),
            size,
            observed.set_aside.len(),
        );
    }
}

#[tokio::test]
async fn drill_fetcher_killed_mid_sync_a_waiting_fetcher_takes_over() {
    drill("fetcher-sigkill", &[], async |lab: &mut Lab, _| {
        // The second fetcher waits on the lock held by the first.
        lab.spawn("qbench-fetcher", &[]);
        let pages = random_between(2, 25) as i64;
        let published = "SELECT count(*) FROM sync_run_pages WHERE record_count IS NOT NULL";
        lab.wait_until(published, pages, SYNC_LIMIT).await;
        let first = lab
            .processes
            .iter()
            .position(|(n, _)| *n == "qbench-fetcher")
            .unwrap();
        let (_, mut child) = lab.processes.remove(first);
        child.start_kill().unwrap();
        step("fetcher dies", child.wait()).await.unwrap();
        eprintln!("killed the active fetcher after {pages} published pages");
    })
    .await;
}

#[tokio::test]
async fn drill_loader_killed_mid_sync() {
    drill("loader-sigkill", &[], async |lab: &mut Lab, size| {
        let rows = random_between(size / 10, size * 8 / 10);
        lab.wait_for_rows(rows).await;
        lab.kill("qbench-loader").await;
        lab.spawn("qbench-loader", &[]);
        eprintln!("killed a loader after {rows} rows");
    })
    .await;
}

#[tokio::test]
async fn drill_api_killed_mid_sync() {
    drill("api-sigkill", &[], async |lab: &mut Lab, size| {
        lab.spawn("qbench-api", &[]);
        let rows = random_between(size / 10, size * 8 / 10);
        lab.wait_for_rows(rows).await;
        lab.kill("qbench-api").await;
        lab.spawn("qbench-api", &[]);
        let url = format!("http://127.0.0.1:{}/api/health", lab.api_port);
        let healthy = async {
            loop {
                if let Ok(answer) = lab.http.get(&url).send().await
                    && answer.status().is_success()
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        within(Duration::from_secs(60), "api answers again", healthy).await;
        eprintln!("killed the api after {rows} rows");
    })
    .await;
}

#[tokio::test]
async fn drill_nats_server_restarted_mid_sync() {
    drill("nats-restart", &[], async |lab: &mut Lab, size| {
        let rows = random_between(size / 10, size * 6 / 10);
        lab.wait_for_rows(rows).await;
        step("restart nats", lab.nats.restart()).await.unwrap();
        eprintln!("restarted nats-server after {rows} rows");
    })
    .await;
}

#[tokio::test]
async fn drill_postgres_restarted_mid_sync() {
    drill("postgres-restart", &[], async |lab: &mut Lab, size| {
        let rows = random_between(size / 10, size * 6 / 10);
        lab.wait_for_rows(rows).await;
        step("crash postgres", lab.postgres.crash()).await.unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
        within(
            Duration::from_secs(90),
            "start postgres",
            lab.postgres.start_again(),
        )
        .await
        .unwrap();
        eprintln!("crashed and restarted PostgreSQL after {rows} rows");
    })
    .await;
}

#[tokio::test]
async fn drill_simulator_fault_mix() {
    let flags = [
        "--odd-values",
        "on",
        "--expire-tokens-every",
        "40",
        "--limits",
        "on",
        "--page-latency",
        "30ms",
    ];
    drill_with("fault-mix", &flags, faults, async |_: &mut Lab, _| {}).await;
}

/// The fault mix: 429 storms from a short rate window the fetcher's pace
/// overruns, 5xx bursts on a few pages, and pages that stall.
async fn faults(lab: &Lab) {
    let storm = json!({"max_per_window": 15, "window_secs": 2});
    lab.post_sim("settings", storm).await;
    for (entity, page, status) in [("sample", 2, 503), ("test", 3, 502), ("order", 1, 500)] {
        let burst = json!({"entity": entity, "route": "list", "page": page, "times": 3,
                           "action": {"kind": "status", "status": status, "body": "{}"}});
        lab.post_sim("faults", burst).await;
    }
    for (entity, page) in [("test", 6), ("sample", 5)] {
        let slow = json!({"entity": entity, "route": "list", "page": page, "times": 2,
                          "action": {"kind": "delay", "ms": 4000}});
        lab.post_sim("faults", slow).await;
    }
}
