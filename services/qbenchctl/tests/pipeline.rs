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

    /// Kills every process named `name` with SIGKILL, as a crash would.
    async fn kill(&mut self, name: &str) {
        let (killed, kept) = std::mem::take(&mut self.processes)
            .into_iter()
            .partition(|(n, _)| *n == name);
        self.processes = kept;
        for (_, mut child) in killed {
            child.start_kill().unwrap();
            step("process dies", child.wait()).await.unwrap();
        }
    }

    /// Waits until `sql` counts at least `at_least`.
    async fn wait_at_least(&self, sql: &str, at_least: i64, limit: Duration) {
        let reached = async {
            while self.try_count(sql).await.unwrap_or(0) < at_least {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        within(limit, sql, reached).await;
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

/// Tables in the database's schema.
async fn tables(db: &TestDatabase) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_reading_command_leaves_a_database_without_a_mirror_unchanged() {
    let db = step("create database", TestDatabase::create())
        .await
        .unwrap();
    let ctl = |args: &[&str]| {
        let mut command = Command::new(binary("qbenchctl"));
        command
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env("NATS_URL", "nats://127.0.0.1:1")
            .kill_on_drop(true);
        command
    };
    for args in [
        &["status"][..],
        &["users", "list"],
        &["banlist", "list"],
        &["skipped", "list"],
    ] {
        let output = within(Duration::from_secs(30), "qbenchctl", ctl(args).output())
            .await
            .unwrap();
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(
            said.contains("holds no mirror; nothing was changed"),
            "{args:?}: {said}"
        );
        assert!(
            tables(&db).await.is_empty(),
            "{args:?} changed the database"
        );
    }

    // A command that writes creates the mirror, as a service would.
    let mut create = ctl(&["users", "create", "--username", "alice", "--password-stdin"]);
    let mut child = create.stdin(Stdio::piped()).spawn().unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"Alice-password-1\n").await.unwrap();
    }
    let created = within(Duration::from_secs(60), "users create", child.wait())
        .await
        .unwrap();
    assert!(created.success());
    assert!(tables(&db).await.contains(&"users".to_owned()));
    let listed = within(
        Duration::from_secs(30),
        "users list",
        ctl(&["users", "list"]).output(),
    )
    .await
    .unwrap();
    assert!(listed.status.success());
    assert!(String::from_utf8_lossy(&listed.stdout).contains("alice"));
    db.drop_database().await.unwrap();
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

    let (ok, status) = p.ctl(&["status"], STEP).await;
    assert!(ok, "{status}");
    assert!(
        status.starts_with("fetcher: running\nloaders: 1 running\napi: 0 running\n"),
        "{status}"
    );
    assert!(
        status.contains("  test      complete  synced to 20"),
        "{status}"
    );
    // A complete checkpoint names no page or id of the last run.
    assert!(!status.contains("up to id"), "{status}");
    // Without the bus, status still shows the rest but says so in its exit.
    let run = p
        .command("qbenchctl")
        .arg("status")
        .env("NATS_URL", "nats://127.0.0.1:1")
        .output();
    let output = within(STEP, "qbenchctl status without NATS", run)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("streams and consumers: unavailable"),
        "{text}"
    );
    assert!(text.contains("skipped records:"), "{text}");
    let raw = p.count("SELECT count(*) FROM tests").await;
    assert!(
        status.lines().any(|l| l.starts_with("  QBENCH_RAW ")
            && l.split_whitespace()
                .nth(1)
                .and_then(|n| n.trim_end_matches(',').parse::<i64>().ok())
                > Some(raw)),
        "{status}"
    );
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
async fn records_the_stream_took_for_duplicates_are_sent_again_when_the_mirror_lacks_them() {
    let mut p = Pipeline::start("tiny").await;
    p.spawn("qbench-loader", &[]);
    p.sync_and_verify(&["--full"]).await;

    // The mirror loses rows (its database restored from an older copy, or
    // replaced), and a full sync reads them again within JetStream's
    // two-minute duplicate window, where their messages would be dropped.
    sqlx::query("DELETE FROM tests WHERE id IN (SELECT id FROM tests ORDER BY id LIMIT 5)")
        .execute(&p.db.pool)
        .await
        .unwrap();
    let (ok, out) = p.ctl(&["verify"], STEP).await;
    assert!(!ok, "verify passed with five tests gone:\n{out}");
    p.sync_and_verify(&["--full"]).await;
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
    let samples = "SELECT count(*) FROM samples";
    p.wait_at_least(samples, 1000, Duration::from_secs(120))
        .await;
    p.kill("qbench-loader").await;
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
    // A redelivery, even after its run completed, counts on no page twice.
    let overcounted = p
        .count("SELECT count(*) FROM sync_run_pages WHERE loaded > record_count")
        .await;
    assert_eq!(
        overcounted, 0,
        "a page counted more loaded records than were published"
    );
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
    assert!(
        out.contains("are the loaders (qbench-loader) running?"),
        "{out}"
    );
    p.finish().await;
}

/// Where the loaders' durable consumer of `entity` stands.
async fn live_position(p: &Pipeline, entity: &str) -> (u64, u64) {
    let client = p.nats.connect().await.unwrap();
    let js = async_nats::jetstream::new(client);
    let stream = step("raw stream", js.get_stream("QBENCH_RAW"))
        .await
        .unwrap();
    let name = format!("loader-{entity}");
    let mut consumer: async_nats::jetstream::consumer::PullConsumer =
        step("loader consumer", stream.get_consumer(&name))
            .await
            .unwrap();
    let info = step("consumer info", consumer.info()).await.unwrap();
    (info.delivered.stream_sequence, info.num_pending)
}

#[tokio::test]
async fn a_forced_replay_fills_a_newly_mapped_column_in_every_row() {
    let mut p = Pipeline::start("tiny").await;
    p.spawn("qbench-loader", &[]);
    p.sync_and_verify(&["--full"]).await;
    let titled = p
        .count("SELECT count(*) FROM tests WHERE title IS NOT NULL")
        .await;
    assert!(titled > 0, "the lab has no test titles");
    // As if `title` were a column the mapping has only just learned.
    sqlx::query("CREATE TABLE titles_before AS SELECT id, title FROM tests")
        .execute(&p.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE tests SET title = NULL")
        .execute(&p.db.pool)
        .await
        .unwrap();
    let live_before = live_position(&p, "test").await;

    let plain = ["replay", "--entity", "test", "--from-seq", "1"];
    let (ok, plain_out) = p.ctl(&plain, Duration::from_secs(120)).await;
    let left_empty = p
        .count("SELECT count(*) FROM tests WHERE title IS NULL")
        .await;
    let forced = ["replay", "--entity", "test", "--since", "1d", "--force"];
    let (forced_ok, forced_out) = p.ctl(&forced, Duration::from_secs(180)).await;

    assert!(ok, "replay failed:\n{plain_out}");
    assert!(plain_out.contains("written 0,"), "{plain_out}");
    assert_eq!(left_empty, p.count("SELECT count(*) FROM tests").await);
    assert!(forced_ok, "forced replay failed:\n{forced_out}");
    assert!(forced_out.contains("skipped 0"), "{forced_out}");
    let differing = p
        .count(
            "SELECT count(*) FROM tests t JOIN titles_before b USING (id) \
             WHERE t.title IS DISTINCT FROM b.title",
        )
        .await;
    assert_eq!(differing, 0, "{forced_out}");
    assert_eq!(live_position(&p, "test").await, live_before);
    let (ok, out) = p.ctl(&["verify"], Duration::from_secs(120)).await;
    assert!(ok, "verify failed after the replay:\n{out}");

    let past_the_end = ["replay", "--entity", "test", "--from-seq", "999999999"];
    let (ok, out) = p.ctl(&past_the_end, Duration::from_secs(60)).await;
    assert!(!ok, "a replay of nothing succeeded:\n{out}");
    assert!(out.contains("nothing to replay"), "{out}");
    p.finish().await;
}

/// The report lines a window sync must write for what the lab says changed
/// in the window (no record is set aside in a healthy lab).
fn expected_report_lines(changes: &Value) -> Vec<String> {
    [
        ("customer", "customers"),
        ("order", "orders"),
        ("sample", "samples"),
        ("batch", "batches"),
        ("test", "tests"),
    ]
    .iter()
    .map(|(entity, table)| {
        let count = |kind: &str| changes[entity][kind].as_array().map_or(0, Vec::len);
        format!(
            "{table}: nuevos={} actualizados={} skipped=[]",
            count("new"),
            count("updated")
        )
    })
    .collect()
}

#[tokio::test]
async fn a_window_report_says_what_the_lab_changed_in_the_window() {
    let mut p = Pipeline::start("tiny").await;
    p.spawn("qbench-loader", &[]);
    p.sync_and_verify(&["--full"]).await;
    let moved = p.advance(json!({"days": 2})).await;
    let reports = std::env::temp_dir().join(format!("window-{}", uuid::Uuid::new_v4()));
    let dir = reports.to_string_lossy().into_owned();

    let args = ["window", "--days", "3", "--report-dir", &dir];
    let (ok, out) = p.ctl(&args, Duration::from_secs(240)).await;

    assert!(ok, "window sync failed:\n{out}");
    let start: chrono::DateTime<chrono::Utc> = step(
        "window start",
        sqlx::query_scalar("SELECT window_start FROM sync_runs WHERE mode = 'window'")
            .fetch_one(&p.db.pool),
    )
    .await
    .unwrap();
    let url = format!("{}/_sim/window", p.sim_url);
    let since = moved["from"].as_str().unwrap().to_owned();
    let query = [("since", since), ("start", start.to_rfc3339())];
    let answer = step("window changes", p.http.get(&url).query(&query).send())
        .await
        .unwrap();
    let changes: Value = step("window body", answer.json()).await.unwrap();
    // Named by the lab's day on QBench's clock, which the advance moved on.
    let lab_now: chrono::DateTime<chrono::Utc> = moved["to"].as_str().unwrap().parse().unwrap();
    let path = reports.join(format!(
        "sync_report_{}.txt",
        lab_now
            .with_timezone(&chrono_tz::America::New_York)
            .date_naive()
    ));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("no report at {}: {e}\n{out}", path.display()));
    let lines: Vec<&str> = text.lines().collect();
    // The copy printed is the file's, date line included.
    assert!(out.contains(&text), "printed:\n{out}\nfiled:\n{text}");
    let expected = expected_report_lines(&changes);
    assert_eq!(lines[1..], expected, "report:\n{text}\nlab:\n{changes}");
    let touched: usize = ["customer", "order", "sample", "batch", "test"]
        .iter()
        .map(|e| changes[e]["new"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(
        touched > 0,
        "the lab made nothing new in two days: {changes}"
    );

    let (ok, out) = p.ctl(&args, Duration::from_secs(240)).await;
    assert!(ok, "second window sync failed:\n{out}");
    let second = std::fs::read_to_string(path.with_file_name(format!(
        "{}_2.txt",
        path.file_stem().unwrap().to_string_lossy()
    )))
    .unwrap_or_else(|e| panic!("the second report of the day is missing: {e}\n{out}"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "overwritten");
    assert!(
        second
            .lines()
            .skip(1)
            .all(|l| l.contains("nuevos=0 actualizados=0")),
        "{second}"
    );
    let _ = std::fs::remove_dir_all(&reports);
    p.finish().await;
}

impl Pipeline {
    /// Publishes one raw record outside any run, as a single fetch would.
    async fn publish_raw(&self, entity: mirror_records::Entity, payload: Value) {
        let js = async_nats::jetstream::new(self.nats.connect().await.unwrap());
        // The services may not have created the streams yet.
        let settings = mirror_bus::BusSettings::default();
        step("streams", mirror_bus::ensure_streams(&js, &settings))
            .await
            .unwrap();
        let headers = mirror_bus::RawHeaders {
            entity,
            id: payload["id"].as_i64().unwrap(),
            version: mirror_records::version_of(&payload),
            fetched_at: chrono::Utc::now(),
            run_id: None,
            page: None,
            source: Some("detail".into()),
            traceparent: None,
            deleted: false,
        };
        let target = mirror_bus::subject(mirror_bus::Stream::Raw, entity);
        let body = serde_json::to_vec(&payload).unwrap();
        let ack = js
            .publish_with_headers(target, headers.to_header_map(), body.into())
            .await
            .unwrap();
        step("publish ack", async { ack.await }).await.unwrap();
    }

    /// Waits until `sql` counts `expected`.
    async fn wait_count(&self, sql: &str, expected: i64, limit: Duration) {
        let reached = async {
            while self.try_count(sql).await != Some(expected) {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        };
        within(limit, sql, reached).await;
    }

    /// Starts a loader that never requeues skipped records by itself.
    fn spawn_patient_loader(&mut self) {
        let child = self
            .command("qbench-loader")
            .env("SKIPPED_REQUEUE_INTERVAL", "1h")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.processes.push(("qbench-loader", child));
    }
}

#[tokio::test]
async fn skipped_records_are_listed_by_entity_and_retried_once_their_parent_exists() {
    use mirror_records::Entity;
    let mut p = Pipeline::start("tiny").await;
    p.spawn_patient_loader();
    p.sync_and_verify(&["--full"]).await;
    let orphan = json!({"id": 990001, "sample_id": 999999, "last_updated": "1700000000"});
    p.publish_raw(Entity::Test, orphan).await;
    let order = json!({"id": 990002, "customer_account_id": 999998, "last_updated": "1700000000"});
    p.publish_raw(Entity::Order, order).await;
    let waiting = "SELECT count(*) FROM skipped_records WHERE resolved_at IS NULL";
    p.wait_count(waiting, 2, Duration::from_secs(60)).await;

    let (ok, tests_only) = p.ctl(&["skipped", "list", "--entity", "test"], STEP).await;
    assert!(ok, "{tests_only}");
    assert!(
        tests_only.contains("test 990001 [missing_parent] waiting for sample 999999"),
        "{tests_only}"
    );
    assert!(!tests_only.contains("990002"), "{tests_only}");

    let parent = "INSERT INTO samples (id, order_id, has_report, batch_ids, raw_payload) \
                  SELECT 999999, min(id), false, '{}', '{}' FROM orders";
    sqlx::query(parent).execute(&p.db.pool).await.unwrap();
    let args = ["skipped", "retry", "--entity", "test", "--id", "990001"];
    let (ok, out) = p.ctl(&args, STEP).await;

    assert!(ok, "{out}");
    assert!(
        out.contains("requeued test 990001 (stored payload)"),
        "{out}"
    );
    p.wait_count("SELECT count(*) FROM tests WHERE id = 990001", 1, STEP)
        .await;
    // Its dead letter stays, as history, marked as loaded since.
    let (letters, line) = dead_letter(&p, "test 990001").await;
    assert!(line.ends_with("(loaded since)"), "{letters}");
    assert!(
        letters
            .lines()
            .any(|l| l == "1 dead letter, 1 whose record has loaded since"),
        "{letters}"
    );
    p.wait_count(waiting, 1, STEP).await;
    let (_, left) = p.ctl(&["skipped", "list"], STEP).await;
    assert!(
        left.contains("order 990002") && !left.contains("990001"),
        "{left}"
    );
    let (ok, out) = p
        .ctl(&["skipped", "retry", "--id", "123456789"], STEP)
        .await;
    assert!(!ok, "retrying an unknown id succeeded:\n{out}");
    assert!(
        out.contains("no record with id 123456789 is set aside"),
        "{out}"
    );
    p.finish().await;
}

/// `qbenchctl dlq list --entity test`, and its line naming `record` (such
/// as `test 990003`).
async fn dead_letter(p: &Pipeline, record: &str) -> (String, String) {
    let (ok, list) = p.ctl(&["dlq", "list", "--entity", "test"], STEP).await;
    assert!(ok, "{list}");
    let line = list
        .lines()
        .find(|l| l.contains(record))
        .unwrap_or_else(|| panic!("no dead letter for {record}:\n{list}"))
        .to_owned();
    (list, line)
}

#[tokio::test]
async fn a_dead_letter_is_listed_shown_and_sent_back_to_the_loaders() {
    use mirror_records::Entity;
    let mut p = Pipeline::start("tiny").await;
    p.spawn("qbench-loader", &[]);
    // A test without its sample cannot be mapped: set aside and dead-lettered.
    for id in [990003, 990004] {
        p.publish_raw(
            Entity::Test,
            json!({"id": id, "last_updated": "1700000000"}),
        )
        .await;
    }
    p.wait_count(
        "SELECT count(*) FROM skipped_records WHERE reason = 'invalid'",
        2,
        Duration::from_secs(60),
    )
    .await;
    let (ok, first) = p
        .ctl(&["dlq", "list", "--entity", "test", "--limit", "1"], STEP)
        .await;
    assert!(ok, "{first}");
    assert!(
        first
            .lines()
            .any(|l| l.starts_with("1 dead letter shown, more wait")),
        "{first}"
    );

    let (_, line) = dead_letter(&p, "test 990003").await;
    let sequence = line.split_whitespace().next().unwrap().to_owned();
    let (ok, shown) = p.ctl(&["dlq", "show", &sequence], STEP).await;
    assert!(ok, "{shown}");
    assert!(
        shown.contains("Qbench-Reason: ") && shown.contains("sample_id"),
        "{shown}"
    );
    assert!(shown.contains("\"id\": 990003"), "{shown}");

    let (ok, out) = p.ctl(&["dlq", "retry", &sequence], STEP).await;

    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("resent dead letter {sequence}")),
        "{out}"
    );
    // Still unmappable, so it comes back as a new dead letter.
    let again = async {
        loop {
            let (_, list) = p.ctl(&["dlq", "list"], STEP).await;
            let sequences: Vec<u64> = list
                .lines()
                .filter(|l| l.contains("test 990003"))
                .filter_map(|l| l.split_whitespace().next()?.parse().ok())
                .collect();
            if !sequences.is_empty() {
                return sequences;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    };
    let sequences = within(Duration::from_secs(60), "dead letter returns", again).await;
    let old: u64 = sequence.parse().unwrap();
    assert!(sequences.iter().all(|s| *s > old), "{sequences:?}");
    p.finish().await;
}

#[tokio::test]
async fn a_message_terminated_by_a_consumer_is_set_aside_and_dead_lettered() {
    use async_nats::jetstream::{AckKind, consumer};
    use futures::StreamExt;
    use mirror_records::Entity;
    let mut p = Pipeline::start("tiny").await;
    p.spawn("qbench-loader", &[]);
    let js = async_nats::jetstream::new(p.nats.connect().await.unwrap());
    // The loader listens for advisories once it is up, as its consumers show.
    let loader_up = async {
        loop {
            if let Ok(stream) = js.get_stream("QBENCH_RAW").await
                && stream.consumer_info("loader-batch").await.is_ok()
            {
                return stream;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let stream = within(Duration::from_secs(60), "loader starts", loader_up).await;
    // A consumer of the batches that terminates the first one it gets.
    let terminate_one = |name: &'static str| {
        let stream = stream.clone();
        async move {
            let probe: consumer::PullConsumer = step(
                "probe consumer",
                stream.create_consumer(consumer::pull::Config {
                    durable_name: Some(name.into()),
                    filter_subject: "qbench.raw.batch".into(),
                    ..Default::default()
                }),
            )
            .await
            .unwrap();
            let pull = probe
                .batch()
                .max_messages(1)
                .expires(Duration::from_secs(5));
            let mut messages = step("probe pull", pull.messages()).await.unwrap();
            let message = step("probe pull", messages.next()).await.unwrap().unwrap();
            message.ack_with(AckKind::Term).await.unwrap();
        }
    };
    p.publish_raw(
        Entity::Batch,
        json!({"id": 990004, "last_updated": "1700000000"}),
    )
    .await;
    terminate_one("probe").await;

    let undeliverable = "SELECT count(*) FROM skipped_records \
                         WHERE reason = 'undeliverable' AND record_id = 990004";
    p.wait_count(undeliverable, 1, STEP).await;
    let (_, list) = p.ctl(&["dlq", "list", "--entity", "batch"], STEP).await;
    assert!(
        list.contains("batch 990004: terminated by consumer probe"),
        "{list}"
    );
    // The loaders' own consumer loaded that version, so the entry needs
    // nothing more and closes by itself, whichever came first.
    let closed = format!("{undeliverable} AND resolved_at IS NOT NULL");
    p.wait_count(&closed, 1, STEP).await;

    // The same message given up again, moments later, is another dead
    // letter: the first one's copy in QBENCH_DLQ does not hide it.
    terminate_one("probe-2").await;
    let twice = async {
        loop {
            let (_, list) = p.ctl(&["dlq", "list", "--entity", "batch"], STEP).await;
            if list.matches("batch 990004: terminated by consumer").count() == 2 {
                return list;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    };
    let list = within(Duration::from_secs(30), "second dead letter", twice).await;
    assert!(
        list.contains("batch 990004: terminated by consumer probe-2"),
        "{list}"
    );
    p.finish().await;
}

/// The longest a quick `qbenchctl` command may take.
const STEP: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_window_sync_with_a_failing_entity_reports_it_and_exits_non_zero() {
    let mut p = Pipeline::start("tiny").await;
    p.spawn("qbench-loader", &[]);
    p.sync_and_verify(&["--full"]).await;
    let fault = json!({"entity": "sample", "route": "list",
                       "action": {"kind": "status", "status": 503, "body": "{}"}});
    let url = format!("{}/_sim/faults", p.sim_url);
    let added = step("add fault", p.http.post(&url).json(&fault).send())
        .await
        .unwrap();
    assert!(added.status().is_success());
    let reports = std::env::temp_dir().join(format!("window-{}", uuid::Uuid::new_v4()));
    let dir = reports.to_string_lossy().into_owned();

    let args = ["window", "--days", "2", "--report-dir", &dir];
    let (ok, out) = p.ctl(&args, Duration::from_secs(240)).await;

    assert!(!ok, "a failed window sync exited zero:\n{out}");
    let report = std::fs::read_dir(&reports)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .next()
        .unwrap_or_else(|| panic!("no report written:\n{out}"));
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 6, "{report}");
    assert!(
        lines[3].starts_with("samples: ") && lines[3].contains(" failed=\"page 1"),
        "{report}"
    );
    assert!(lines[5].starts_with("tests: nuevos="), "{report}");
    let _ = std::fs::remove_dir_all(&reports);
    p.finish().await;
}

/// A test deleted in QBench while no run looked at the updates feed stays
/// in the mirror, and `verify` lists it as extra; fetching it settles it.
#[tokio::test]
async fn fetching_a_record_qbench_no_longer_has_removes_it_from_the_mirror() {
    let mut p = Pipeline::start("tiny").await;
    p.spawn("qbench-loader", &[]);
    p.sync_and_verify(&["--full"]).await;
    let id = p.count("SELECT max(id)::int8 FROM tests").await;
    let url = format!("{}/_sim/delete", p.sim_url);
    let body = json!({"entity": "test", "ids": [id]});
    let deleted = step("delete in QBench", p.http.post(&url).json(&body).send())
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    let (ok, out) = p.ctl(&["verify", "--entity", "test"], STEP).await;
    assert!(!ok && out.contains(&format!("extra 1: {id}")), "{out}");
    assert!(
        out.contains("`qbenchctl fetch <entity> <id>...` marks deleted those it does not know"),
        "{out}"
    );

    let id = id.to_string();
    let (ok, out) = p.ctl(&["fetch", "test", &id], STEP).await;

    assert!(ok, "settling a record QBench lacks failed:\n{out}");
    assert!(
        out.contains(&format!("test {id}: not in QBench any more; the deletion")),
        "{out}"
    );
    let hidden = format!("SELECT count(*) FROM tests WHERE id = {id} AND deleted_at IS NOT NULL");
    let settled = async {
        while p.count(&hidden).await == 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    within(STEP, "the deletion loads", settled).await;
    // (Its sample, order and batch changed with it; the next sync reads them.)
    let (ok, out) = p.ctl(&["verify", "--entity", "test"], STEP).await;
    assert!(ok, "verify failed after the fetch:\n{out}");
    // Asked again, nothing is left to settle, and that is no failure.
    let (ok, out) = p.ctl(&["fetch", "test", &id], STEP).await;
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!(
            "test {id}: not in QBench; the mirror holds it as deleted"
        )),
        "{out}"
    );
    p.finish().await;
}

#[tokio::test]
async fn fetch_brings_a_record_with_its_parents_and_names_an_id_qbench_lacks_at_once() {
    let mut p = Pipeline::start("tiny").await;
    p.spawn("qbench-loader", &[]);
    let url = format!("{}/_sim/snapshot/test", p.sim_url);
    let snapshot: Value = step("snapshot", async {
        p.http.get(&url).send().await?.json().await
    })
    .await
    .unwrap();
    let id = snapshot["records"][0][0].as_i64().unwrap().to_string();

    let (ok, out) = p.ctl(&["fetch", "test", &id], STEP).await;

    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("test {id}: loaded, with sample ")),
        "{out}"
    );
    assert!(
        out.contains(", order ") && out.contains(" and customer "),
        "{out}"
    );
    // Its sample, order and customer came along, nothing else.
    let chain = "SELECT (SELECT count(*) FROM tests) + (SELECT count(*) FROM samples) \
                 + (SELECT count(*) FROM orders) + (SELECT count(*) FROM customers)";
    assert_eq!(p.count(chain).await, 4);

    // Asked again at once, after the row was lost: the same version is
    // stored again, not dropped as a duplicate of the first fetch.
    let query = format!("DELETE FROM tests WHERE id = {id}");
    let deleted = sqlx::query(sqlx::AssertSqlSafe(query)).execute(&p.db.pool);
    step("delete the row", deleted).await.unwrap();
    let (ok, out) = p.ctl(&["fetch", "test", &id], STEP).await;
    assert!(ok, "{out}");
    assert_eq!(p.count(chain).await, 4);

    // Answered long before the command's own timeout: `ctl` gives up at
    // STEP, so waiting the timeout out fails the test.
    let args = ["fetch", "test", "987654321", &id, "--timeout", "3600"];
    let (ok, out) = p.ctl(&args, STEP).await;

    assert!(!ok, "an unknown id was reported loaded:\n{out}");
    assert!(out.contains("test 987654321: not in QBench"), "{out}");
    assert!(out.contains(&format!("test {id}: loaded")), "{out}");

    // A newer copy the loaders cannot map is set aside, and said so: the
    // older copy in the mirror does not make it "loaded".
    let unreadable = json!({"id": id.parse::<i64>().unwrap(), "sample_id": "abc",
                            "last_updated": "4102444800"});
    let fault = json!({"route": "detail", "entity": "test", "times": 1,
                       "action": {"kind": "status", "status": 200,
                                  "body": unreadable.to_string()}});
    let url = format!("{}/_sim/faults", p.sim_url);
    let added = step("add fault", p.http.post(&url).json(&fault).send())
        .await
        .unwrap();
    assert!(added.status().is_success());
    let (ok, out) = p.ctl(&["fetch", "test", &id], STEP).await;
    assert!(!ok, "a copy set aside was reported loaded:\n{out}");
    assert!(
        out.contains(&format!("test {id}: set aside by the loaders (invalid)")),
        "{out}"
    );

    // While QBench fails every detail call, the copy the mirror already
    // holds is not reported as fetched.
    let fault = json!({"route": "detail",
                       "action": {"kind": "status", "status": 503, "body": "{}"}});
    let added = step("add fault", p.http.post(&url).json(&fault).send())
        .await
        .unwrap();
    assert!(added.status().is_success());
    let (ok, out) = p.ctl(&["fetch", "test", &id, "--timeout", "3"], STEP).await;
    assert!(!ok, "a failing fetch was reported loaded:\n{out}");
    assert!(
        out.contains(&format!(
            "test {id}: not fetched, the mirror keeps the copy it had"
        )),
        "{out}"
    );

    // With no fetcher at all, the command says so soon after its first
    // quiet seconds rather than wait out its timeout, and the request
    // stays queued for the next fetcher; status says none runs.
    p.kill("qbench-fetcher").await;
    let (_, status) = p.ctl(&["status"], STEP).await;
    assert!(status.starts_with("fetcher: none running"), "{status}");
    let args = ["fetch", "test", &id, "--timeout", "3600"];
    let (ok, out) = p.ctl(&args, STEP).await;
    assert!(!ok, "{out}");
    assert!(out.contains("no qbench-fetcher is running"), "{out}");
    assert!(
        out.contains(&format!(
            "test {id}: not fetched, the mirror keeps the copy it had; the request stays queued"
        )),
        "{out}"
    );
    p.finish().await;
}

#[tokio::test]
async fn a_waiting_sync_ends_soon_after_its_fetcher_dies() {
    // Slow pages, so the run is still being fetched when its fetcher dies.
    let mut p = Pipeline::start_with("tiny", &["--page-latency", "3s"]).await;
    p.spawn("qbench-loader", &[]);
    let sync = p
        .command("qbenchctl")
        .args(["sync", "--full", "--wait"])
        .output();
    let sync = tokio::spawn(sync);
    let counted = "SELECT count(*) FROM sync_run_pages WHERE record_count IS NOT NULL";
    p.wait_at_least(counted, 1, STEP).await;
    p.kill("qbench-fetcher").await;

    // Long before the default stall timeout (30 minutes).
    let output = within(Duration::from_secs(60), "the sync gives up", sync)
        .await
        .unwrap()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{err}");
    assert!(
        err.contains("no qbench-fetcher has been running for 15 s"),
        "{err}"
    );
    p.finish().await;
}

#[tokio::test]
async fn banning_a_record_the_mirror_lacks_says_so() {
    let mut p = Pipeline::start("tiny").await;
    p.spawn("qbench-loader", &[]);
    let sync = ["sync", "--wait", "--full", "--entity", "customer"];
    let (ok, out) = p.ctl(&sync, Duration::from_secs(240)).await;
    assert!(ok, "sync failed:\n{out}");
    let known = p
        .count("SELECT min(id)::int8 FROM customers")
        .await
        .to_string();

    let args = ["banlist", "add", "--type", "customer", "--id", &known];
    let (ok, out) = p.ctl(&args, STEP).await;
    assert!(ok, "{out}");
    assert!(!out.contains("not in the mirror"), "{out}");
    let args = ["banlist", "add", "--type", "customer", "--id", "987654321"];
    let (ok, out) = p.ctl(&args, STEP).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("note: customer 987654321 is not in the mirror"),
        "{out}"
    );
    p.finish().await;
}
