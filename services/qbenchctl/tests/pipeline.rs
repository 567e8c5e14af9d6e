//! The whole pipeline as its operators run it: the simulator, the fetcher
//! and loaders as separate processes, a private nats-server and a fresh
//! database, driven by `qbenchctl`.
//!
//! The binaries must be built first (`cargo build --workspace --bins`, which
//! the test script does).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use mirror_testkit::{NatsServer, TestDatabase, free_port, step, within};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

fn binary(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_BIN_EXE_qbenchctl")).with_file_name(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build --workspace --bins` first",
        path.display()
    );
    path
}

struct Pipeline {
    nats: NatsServer,
    db: TestDatabase,
    sim_url: String,
    processes: Vec<(&'static str, Child)>,
    http: reqwest::Client,
}

impl Pipeline {
    /// Starts the simulator (its lab's history ends now, and its clock
    /// moves only when a test moves it) and the fetcher.
    async fn start(size: &str) -> Self {
        Self::start_with(size, &[]).await
    }

    /// As `start`, with extra simulator flags.
    async fn start_with(size: &str, sim_flags: &[&str]) -> Self {
        qbench_client::install_crypto_provider();
        let nats = step("start nats", NatsServer::start()).await.unwrap();
        let db = step("create database", TestDatabase::create())
            .await
            .unwrap();
        let port = free_port().unwrap();
        let sim_url = format!("http://127.0.0.1:{port}");
        let mut pipeline = Pipeline {
            nats,
            db,
            sim_url,
            processes: Vec::new(),
            http: reqwest::Client::new(),
        };

        let listen = format!("127.0.0.1:{port}");
        let mut sim_args = vec![
            "--listen", &listen, "--size", size, "--seed", "7", "--limits", "off", "--tick", "off",
        ];
        sim_args.extend_from_slice(sim_flags);
        pipeline.spawn("qbench-sim", &sim_args);
        pipeline.wait_for_simulator().await;
        pipeline.spawn("qbench-fetcher", &[]);
        pipeline
    }

    fn command(&self, name: &str) -> Command {
        let mut command = Command::new(binary(name));
        command
            .env("DATABASE_URL", &self.db.url)
            .env("NATS_URL", self.nats.url())
            .env("SIMULATOR_URL", &self.sim_url)
            .env("QBENCH_TIMEZONE", "America/New_York")
            .env("RETRY_DELAYS", "1s,2s,3s")
            .env("SKIPPED_REQUEUE_INTERVAL", "1s")
            .env("LOADER_ACK_WAIT", "10s")
            .env("SYNC_INTERVAL", "0s")
            .env("QBENCH_REQUESTS_PER_MINUTE", "100000")
            .env("RUST_LOG", "info")
            .env_remove("QBENCH_BASE_URL")
            .kill_on_drop(true);
        command
    }

    fn spawn(&mut self, name: &'static str, args: &[&str]) {
        let child = self
            .command(name)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        self.processes.push((name, child));
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

    async fn sync_and_verify(&self, args: &[&str]) {
        let mut sync = vec!["sync", "--wait"];
        sync.extend_from_slice(args);
        let (ok, out) = self.ctl(&sync, Duration::from_secs(240)).await;
        assert!(ok, "sync failed:\n{out}");
        let (ok, out) = self.ctl(&["verify"], Duration::from_secs(120)).await;
        assert!(ok, "verify failed:\n{out}");
    }

    async fn advance(&self, body: Value) -> Value {
        let url = format!("{}/_sim/advance", self.sim_url);
        let answer = step("advance clock", self.http.post(&url).json(&body).send())
            .await
            .unwrap();
        assert!(
            answer.status().is_success(),
            "advance answered {}",
            answer.status()
        );
        answer.json().await.unwrap()
    }

    async fn count(&self, sql: &str) -> i64 {
        self.try_count(sql).await.unwrap()
    }

    /// As `count`, but an error (tables not migrated yet) is `None`.
    async fn try_count(&self, sql: &str) -> Option<i64> {
        let query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()));
        query.fetch_one(&self.db.pool).await.ok()
    }

    /// Stops every process named `name` with SIGTERM and returns its log.
    async fn stop(&mut self, name: &str) -> Vec<String> {
        let mut logs = Vec::new();
        for (_, child) in self.processes.iter_mut().filter(|(n, _)| *n == name) {
            if let Some(pid) = child.id() {
                let _ = std::process::Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status();
            }
            step("process stops", child.wait()).await.unwrap();
            let mut log = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = stderr.read_to_string(&mut log).await;
            }
            logs.push(log);
        }
        logs
    }

    async fn finish(mut self) {
        for (_, child) in &mut self.processes {
            let _ = child.kill().await;
        }
        self.db.drop_database().await.unwrap();
    }
}

/// What one loader's closing log line says it wrote.
fn written_by(log: &str) -> u64 {
    log.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["message"] == "Loader stopped.")
        .find_map(|line| line["written"].as_u64())
        .unwrap_or_else(|| panic!("no closing line in loader log:\n{log}"))
}

#[tokio::test]
async fn a_full_sync_mirrors_the_lab_and_an_incremental_one_follows_its_changes() {
    // List rows without report fields, as some tenants send them.
    let mut p = Pipeline::start_with("tiny", &["--sparse-rows", "on"]).await;
    p.spawn("qbench-loader", &[]);

    p.sync_and_verify(&["--full"]).await;
    let reported_before = p
        .count("SELECT count(*) FROM tests WHERE report_completed_date IS NOT NULL")
        .await;
    assert!(
        reported_before > 0,
        "sparse list rows left every report date out"
    );

    let changes = p.advance(json!({"days": 3})).await;
    p.sync_and_verify(&[]).await;

    let reported_after = p
        .count("SELECT count(*) FROM tests WHERE report_completed_date IS NOT NULL")
        .await;
    assert!(
        reported_after > reported_before,
        "no new report dates after {changes}"
    );
    let deleted_in_lab = changes.to_string().contains("deleted");
    if deleted_in_lab {
        let hidden = p.count("SELECT count(*) FROM record_deletions").await;
        assert!(hidden > 0, "deletions were not recorded: {changes}");
    }
    let incomplete = p
        .count("SELECT count(*) FROM sync_checkpoints WHERE status <> 'complete'")
        .await;
    assert_eq!(incomplete, 0);
    p.finish().await;
}

#[tokio::test]
async fn two_loaders_share_a_full_sync() {
    loaders_share_a_full_sync(2).await;
}

#[tokio::test]
async fn three_loaders_share_a_full_sync() {
    loaders_share_a_full_sync(3).await;
}

/// `count` loaders mirror the lab together, and each writes part of it.
async fn loaders_share_a_full_sync(count: usize) {
    let mut p = Pipeline::start("tiny").await;
    for _ in 0..count {
        p.spawn("qbench-loader", &[]);
    }

    p.sync_and_verify(&["--full"]).await;

    let logs = p.stop("qbench-loader").await;
    let shares: Vec<u64> = logs.iter().map(|log| written_by(log)).collect();
    assert_eq!(shares.len(), count);
    assert!(
        shares.iter().all(|written| *written > 0),
        "a loader did nothing: {shares:?}"
    );
    p.finish().await;
}

#[tokio::test]
async fn a_loader_killed_mid_sync_loses_and_duplicates_nothing() {
    let mut p = Pipeline::start("small").await;
    p.spawn("qbench-loader", &[]);
    let mut sync = p.command("qbenchctl");
    sync.args(["sync", "--full", "--wait"])
        .stderr(Stdio::null());
    let sync = tokio::spawn(async move { sync.output().await });

    // Kill the loader with SIGKILL once it is part-way through.
    let started = async {
        while p
            .try_count("SELECT count(*) FROM samples")
            .await
            .unwrap_or(0)
            < 1000
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    within(Duration::from_secs(120), "loading starts", started).await;
    for (_, child) in p
        .processes
        .iter_mut()
        .filter(|(n, _)| *n == "qbench-loader")
    {
        child.start_kill().unwrap();
        step("loader dies", child.wait()).await.unwrap();
    }
    let loaded_at_kill = p.count("SELECT count(*) FROM tests").await;
    p.spawn("qbench-loader", &[]);

    let output = within(Duration::from_secs(300), "sync settles", sync)
        .await
        .unwrap()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "sync failed:\n{out}");
    let (ok, out) = p.ctl(&["verify"], Duration::from_secs(120)).await;
    assert!(ok, "verify failed:\n{out}");
    assert!(
        loaded_at_kill < p.count("SELECT count(*) FROM tests").await,
        "killed after the end"
    );
    let overcounted = p
        .count("SELECT count(*) FROM sync_run_pages WHERE loaded > record_count")
        .await;
    assert_eq!(overcounted, 0, "a record was counted twice");
    p.finish().await;
}

#[tokio::test]
async fn waiting_on_a_sync_nobody_loads_gives_up_after_the_stall_timeout() {
    // No loader runs: the fetcher publishes everything, then nothing moves.
    let p = Pipeline::start("tiny").await;

    let args = ["sync", "--full", "--wait", "--stall-timeout", "3"];
    let (ok, out) = p.ctl(&args, Duration::from_secs(120)).await;

    assert!(!ok, "sync --wait succeeded without a loader:\n{out}");
    assert!(out.contains("made no progress for 3 s"), "{out}");
    p.finish().await;
}
