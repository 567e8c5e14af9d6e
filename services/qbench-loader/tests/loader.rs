//! The loader against a private nats-server and a fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::IntoFuture;
use std::time::Duration;

use async_nats::jetstream;
use chrono::Utc;
use mirror_bus::{BusSettings, RawHeaders, Stream, subject};
use mirror_config::Env;
use mirror_records::{Entity, version_of};
use mirror_testkit::{NatsServer, TestDatabase, step, within};
use qbench_loader::LoaderSettings;
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

struct Harness {
    nats: NatsServer,
    db: TestDatabase,
    js: jetstream::Context,
    loaders: Vec<(oneshot::Sender<()>, JoinHandle<anyhow::Result<()>>)>,
}

impl Harness {
    async fn start() -> Self {
        let nats = step("start nats", NatsServer::start()).await.unwrap();
        let db = step("create database", TestDatabase::create())
            .await
            .unwrap();
        let js = jetstream::new(nats.connect().await.unwrap());
        step(
            "streams",
            mirror_bus::ensure_streams(&js, &BusSettings::default()),
        )
        .await
        .unwrap();
        Harness {
            nats,
            db,
            js,
            loaders: Vec::new(),
        }
    }

    /// A harness with one loader that has customer 1 and its order 10.
    async fn loading_family() -> Self {
        let mut h = Harness::start().await;
        h.spawn_loader();
        publish_family(&h).await;
        h
    }

    fn settings(&self, extra: &[(&str, &str)]) -> LoaderSettings {
        let nats_url = self.nats.url();
        let mut pairs = vec![
            ("DATABASE_URL", self.db.url.as_str()),
            ("NATS_URL", nats_url.as_str()),
            ("RETRY_DELAYS", "300ms,600ms,900ms"),
            ("SKIPPED_REQUEUE_INTERVAL", "300ms"),
            ("LOADER_BATCH_SIZE", "100"),
        ];
        pairs.extend_from_slice(extra);
        LoaderSettings::from_env(&Env::from_pairs(pairs)).unwrap()
    }

    fn spawn_loader(&mut self) {
        self.spawn_loader_with(&[]);
    }

    /// A loader with the usual settings, `extra` overriding them.
    fn spawn_loader_with(&mut self, extra: &[(&str, &str)]) {
        let (stop, stopped) = oneshot::channel::<()>();
        let settings = self.settings(extra);
        let handle = tokio::spawn(qbench_loader::run(settings, async {
            let _ = stopped.await;
        }));
        self.loaders.push((stop, handle));
    }

    async fn publish(&self, entity: Entity, raw: Value, run: Option<(Uuid, i64)>) {
        self.publish_as(entity, raw, run, None).await;
    }

    /// Publishes under `msg_id` when given, as an operator's fetch does,
    /// rather than the record's usual de-duplication key.
    async fn publish_as(
        &self,
        entity: Entity,
        raw: Value,
        run: Option<(Uuid, i64)>,
        msg_id: Option<&str>,
    ) {
        let headers = RawHeaders {
            entity,
            id: raw["id"]
                .as_i64()
                .or_else(|| raw["id"].as_str()?.parse().ok())
                .unwrap_or(0),
            version: version_of(&raw),
            fetched_at: Utc::now(),
            run_id: run.map(|(r, _)| r.to_string()),
            page: run.map(|(_, p)| p),
            source: Some("list".into()),
            traceparent: None,
            deleted: false,
        };
        let mut headers = headers.to_header_map();
        if let Some(msg_id) = msg_id {
            headers.insert(mirror_bus::header::MSG_ID, msg_id);
        }
        self.send(entity, headers, &raw).await;
    }

    /// Publishes `body` on the entity's raw subject and waits for the ack.
    async fn send(&self, entity: Entity, headers: async_nats::HeaderMap, body: &Value) {
        let body = serde_json::to_vec(body).unwrap();
        let ack = self
            .js
            .publish_with_headers(subject(Stream::Raw, entity), headers, body.into())
            .await
            .unwrap();
        step("publish ack", ack.into_future()).await.unwrap();
    }

    /// Publishes QBench's deletion of `id`, as an incremental run does.
    async fn publish_deletion(&self, entity: Entity, id: i64, run: Option<(Uuid, i64)>) {
        let headers = RawHeaders {
            entity,
            id,
            version: "deleted".into(),
            fetched_at: Utc::now(),
            run_id: run.map(|(r, _)| r.to_string()),
            page: run.map(|(_, p)| p),
            source: Some("updates".into()),
            traceparent: None,
            deleted: true,
        };
        self.send(entity, headers.to_header_map(), &json!({ "id": id }))
            .await;
    }

    async fn stop(mut self) {
        for (stop, handle) in self.loaders.drain(..) {
            let _ = stop.send(());
            step("loader stops", handle).await.unwrap().unwrap();
        }
        self.db.drop_database().await.unwrap();
    }
}

/// Polls `query` until it returns `expected` or the limit passes.
async fn eventually(pool: &PgPool, query: &str, expected: i64, limit: Duration) {
    let poll = async {
        loop {
            let value: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(query.to_owned()))
                .fetch_one(pool)
                .await
                .unwrap_or(-1);
            if value == expected {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    within(limit, query, poll).await;
}

async fn publish_family(h: &Harness) {
    h.publish(
        Entity::Customer,
        json!({"id": 1, "customer_name": "Lab A"}),
        None,
    )
    .await;
    h.publish(
        Entity::Order,
        json!({"id": 10, "customer_account_id": 1}),
        None,
    )
    .await;
}

/// Test 5001 is published before its sample 77, which follows `late_by`
/// after the test's family is loaded; returns once the test is loaded,
/// failing past `limit`.
async fn a_sample_late_by(h: &Harness, late_by: Duration, limit: Duration) {
    publish_family(h).await;
    h.publish(
        Entity::Test,
        json!({"id": 5001, "sample_id": 77, "last_updated": "1"}),
        None,
    )
    .await;
    let pool = &h.db.pool;
    eventually(pool, "SELECT count(*) FROM orders WHERE id = 10", 1, limit).await;
    tokio::time::sleep(late_by).await;
    h.publish(Entity::Sample, json!({"id": 77, "order_id": 10}), None)
        .await;
    eventually(pool, "SELECT count(*) FROM tests WHERE id = 5001", 1, limit).await;
}

#[tokio::test]
async fn a_test_loads_once_its_late_sample_arrives() {
    let mut h = Harness::start().await;
    h.spawn_loader();
    // The sample reaches the loader after the first retry has failed.
    a_sample_late_by(&h, Duration::from_millis(450), Duration::from_secs(15)).await;

    let skipped: i64 = sqlx::query_scalar("SELECT count(*) FROM skipped_records")
        .fetch_one(&h.db.pool)
        .await
        .unwrap();
    assert_eq!(skipped, 0);
    // Records outside any run leave no checkpoint behind: no run is loading.
    let checkpoints: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_checkpoints")
        .fetch_one(&h.db.pool)
        .await
        .unwrap();
    assert_eq!(checkpoints, 0);
    h.stop().await;
}

#[tokio::test]
async fn a_waiting_record_loads_soon_after_its_parent_not_at_the_end_of_its_delay() {
    let mut h = Harness::start().await;
    // A first delay far longer than the limit below; the retry looks for
    // its parent every 3 s (a tenth of 30 s).
    h.spawn_loader_with(&[("RETRY_DELAYS", "30s,1m,5m")]);
    a_sample_late_by(&h, Duration::from_millis(500), Duration::from_secs(12)).await;

    // The test did wait: it went through the retry stream.
    let mut retries = step("retry stream", h.js.get_stream(Stream::Retry.name()))
        .await
        .unwrap();
    let info = step("retry stream info", retries.info()).await.unwrap();
    assert!(info.state.messages >= 1, "{:?}", info.state);
    h.stop().await;
}

#[tokio::test]
async fn a_record_whose_parent_never_comes_is_set_aside_then_retried_when_it_does() {
    let h = Harness::loading_family().await;
    h.publish(Entity::Test, json!({"id": 5001, "sample_id": 77}), None)
        .await;

    let pool = h.db.pool.clone();
    let waiting = "SELECT count(*) FROM skipped_records WHERE entity = 'test' AND record_id = 5001 \
                   AND missing_parent_entity = 'sample' AND missing_parent_id = 77 \
                   AND attempts = 3 AND resolved_at IS NULL";
    eventually(&pool, waiting, 1, Duration::from_secs(15)).await;

    // Three spaced retries: 300 + 600 + 900 ms at least.
    let (first, last): (chrono::DateTime<Utc>, chrono::DateTime<Utc>) =
        sqlx::query_as("SELECT first_skipped_at, last_attempt_at FROM skipped_records")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(first <= last);

    h.publish(Entity::Sample, json!({"id": 77, "order_id": 10}), None)
        .await;
    eventually(
        &pool,
        "SELECT count(*) FROM tests WHERE id = 5001",
        1,
        Duration::from_secs(15),
    )
    .await;
    eventually(
        &pool,
        "SELECT count(*) FROM skipped_records WHERE resolved_at IS NOT NULL",
        1,
        Duration::from_secs(5),
    )
    .await;
    h.stop().await;
}

#[tokio::test]
async fn one_odd_record_is_set_aside_alone_and_its_neighbours_load() {
    let h = Harness::loading_family().await;
    h.publish(Entity::Sample, json!({"id": 77, "order_id": 10}), None)
        .await;
    let run = Uuid::new_v4();
    let odd = [
        json!({"id": 1, "sample_id": 77, "last_updated": "1683920116", "tech": {}}),
        json!({"id": 2, "sample_id": "77", "last_updated": 1683920116, "tech": null}),
        json!({"id": 3, "sample_id": 77, "worksheet_json": "", "unknown_key": [1]}),
        json!({"id": 4, "sample_id": 77, "description": "\u{1F9EA} \u{0} end"}),
        json!({"id": 5, "sample_id": 77}),
        json!({"id": 6, "sample_id": 77, "state": null}),
        json!({"id": 7, "sample_id": 77, "date_created": "not a date"}),
    ];
    for (i, raw) in odd.into_iter().enumerate() {
        h.publish(Entity::Test, raw, Some((run, 1 + i as i64 / 4)))
            .await;
    }
    for id in 8..=50 {
        h.publish(
            Entity::Test,
            json!({"id": id, "sample_id": 77}),
            Some((run, 2)),
        )
        .await;
    }

    let pool = h.db.pool.clone();
    eventually(
        &pool,
        "SELECT count(*) FROM tests",
        49,
        Duration::from_secs(15),
    )
    .await;
    let set_aside: Vec<(i32, String, String)> =
        sqlx::query_as("SELECT record_id, reason, last_error FROM skipped_records")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(set_aside.len(), 1);
    assert_eq!(set_aside[0].0, 7);
    assert_eq!(set_aside[0].1, "invalid");
    assert!(
        set_aside[0].2.contains("date_created"),
        "{}",
        set_aside[0].2
    );
    eventually(
        &pool,
        "SELECT (sum(loaded) * 100 + sum(skipped))::int8 FROM sync_run_pages",
        4901,
        Duration::from_secs(5),
    )
    .await;
    h.stop().await;
}

/// `loaded * 10 + skipped` on a run's page.
fn page_counts(run: Uuid, page: i64) -> String {
    format!(
        "SELECT coalesce(sum(loaded * 10 + skipped), -1)::int8 FROM sync_run_pages \
         WHERE run_id = '{run}' AND page = {page}"
    )
}

#[tokio::test]
async fn an_older_copy_loading_leaves_a_newer_copy_set_aside() {
    let h = Harness::loading_family().await;
    h.publish(Entity::Sample, json!({"id": 77, "order_id": 10}), None)
        .await;
    let pool = h.db.pool.clone();
    let limit = Duration::from_secs(15);
    let open = "SELECT count(*) FROM skipped_records \
                WHERE record_id = 60 AND resolved_at IS NULL AND source_version = 1700000200";
    let (newer, older, newest) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());

    // The newer copy cannot be mapped and is set aside on its run's page.
    let bad = json!({"id": 60, "sample_id": 77, "last_updated": "1700000200",
                     "date_created": "not a date"});
    h.publish(Entity::Test, bad, Some((newer, 1))).await;
    eventually(&pool, open, 1, limit).await;
    // An older copy, from another run, loads; the newer one stays set aside
    // and its page unfinished.
    let old = json!({"id": 60, "sample_id": 77, "last_updated": "1700000100"});
    h.publish(Entity::Test, old, Some((older, 1))).await;
    eventually(&pool, &page_counts(older, 1), 10, limit).await;
    eventually(&pool, open, 1, limit).await;
    eventually(&pool, &page_counts(newer, 1), 1, limit).await;
    // A still older copy that fails does not replace the entry; its page
    // waits with the newer one's.
    let oldest = json!({"id": 60, "sample_id": 77, "last_updated": "1700000050",
                        "date_created": "not a date either"});
    h.publish(Entity::Test, oldest, Some((older, 2))).await;
    eventually(&pool, &page_counts(older, 2), 1, limit).await;
    eventually(&pool, open, 1, limit).await;
    // A copy as new or newer loads, closes the entry and finishes the pages.
    let fixed = json!({"id": 60, "sample_id": 77, "last_updated": "1700000300"});
    h.publish(Entity::Test, fixed, Some((newest, 1))).await;
    eventually(&pool, &page_counts(newer, 1), 10, limit).await;
    eventually(&pool, &page_counts(older, 2), 10, limit).await;
    eventually(&pool, open, 0, limit).await;
    eventually(
        &pool,
        "SELECT source_version FROM tests WHERE id = 60",
        1_700_000_300,
        limit,
    )
    .await;
    h.stop().await;
}

/// A record set aside and then deleted in QBench will never come again:
/// its entry closes and the page that waited on it completes, so the
/// checkpoint is not held for good.
#[tokio::test]
async fn a_record_set_aside_then_deleted_no_longer_holds_its_page() {
    let h = Harness::loading_family().await;
    h.publish(Entity::Sample, json!({"id": 77, "order_id": 10}), None)
        .await;
    let pool = h.db.pool.clone();
    let limit = Duration::from_secs(15);
    let (first, later) = (Uuid::new_v4(), Uuid::new_v4());
    let bad = json!({"id": 61, "sample_id": 77, "date_created": "not a date"});
    h.publish(Entity::Test, bad, Some((first, 1))).await;
    eventually(&pool, &page_counts(first, 1), 1, limit).await;

    h.publish_deletion(Entity::Test, 61, Some((later, 1))).await;
    eventually(&pool, &page_counts(later, 1), 10, limit).await;
    eventually(&pool, &page_counts(first, 1), 10, limit).await;
    let open = "SELECT count(*) FROM skipped_records WHERE record_id = 61 AND resolved_at IS NULL";
    eventually(&pool, open, 0, limit).await;
    h.stop().await;
}

#[tokio::test]
async fn two_runs_copies_of_one_version_wait_for_their_parent_apart() {
    let h = Harness::loading_family().await;
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    // One version of test 61 in two runs' messages, its sample not there yet.
    let test = json!({"id": 61, "sample_id": 88, "last_updated": "1700000100"});
    h.publish(Entity::Test, test.clone(), Some((first, 1)))
        .await;
    h.publish_as(
        Entity::Test,
        test,
        Some((second, 1)),
        Some("second-run-copy"),
    )
    .await;
    // Both wait, each on a retry of its own, before the sample comes.
    let retries = async {
        let mut stream = h.js.get_stream(Stream::Retry.name()).await.unwrap();
        while stream.info().await.unwrap().state.messages < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    within(Duration::from_secs(10), "two retries", retries).await;
    h.publish(Entity::Sample, json!({"id": 88, "order_id": 10}), None)
        .await;
    // Each copy's wait ends in a receipt on its own run's page.
    let pool = h.db.pool.clone();
    for run in [first, second] {
        eventually(&pool, &page_counts(run, 1), 10, Duration::from_secs(15)).await;
    }
    h.stop().await;
}

#[tokio::test]
async fn two_loaders_share_the_work_without_counting_twice() {
    let mut h = Harness::start().await;
    h.spawn_loader();
    h.spawn_loader();
    let run = Uuid::new_v4();
    for id in 1..=400 {
        let raw = json!({"id": id, "customer_name": format!("Customer {id}"), "last_updated": "5"});
        h.publish(Entity::Customer, raw, Some((run, 1 + (id - 1) / 50)))
            .await;
    }

    let pool = h.db.pool.clone();
    eventually(
        &pool,
        "SELECT count(*) FROM customers",
        400,
        Duration::from_secs(20),
    )
    .await;
    eventually(
        &pool,
        "SELECT sum(loaded)::int8 FROM sync_run_pages",
        400,
        Duration::from_secs(5),
    )
    .await;
    let receipts: i64 = sqlx::query_scalar("SELECT count(*) FROM raw_receipts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(receipts, 400);
    h.stop().await;
}

#[tokio::test]
async fn in_progress_acks_keep_a_slow_batch_from_being_redelivered_to_the_other_loader() {
    let mut h = Harness::start().await;
    let short_ack_wait = [("LOADER_ACK_WAIT", "2s")];
    h.spawn_loader_with(&short_ack_wait);
    h.spawn_loader_with(&short_ack_wait);
    let run = Uuid::new_v4();
    let customer =
        |id: i64| json!({"id": id, "customer_name": format!("Customer {id}"), "last_updated": "5"});
    for id in 1..=10 {
        h.publish(Entity::Customer, customer(id), Some((run, 1)))
            .await;
    }
    let pool = h.db.pool.clone();
    eventually(
        &pool,
        "SELECT count(*) FROM sync_checkpoints WHERE entity = 'customer'",
        1,
        Duration::from_secs(15),
    )
    .await;

    // Every batch now waits on the checkpoint row for three ack waits.
    let mut hold = step("begin", pool.begin()).await.unwrap();
    step(
        "lock the checkpoint",
        sqlx::query("SELECT entity FROM sync_checkpoints WHERE entity = 'customer' FOR UPDATE")
            .execute(&mut *hold),
    )
    .await
    .unwrap();
    for id in 11..=310 {
        h.publish(
            Entity::Customer,
            customer(id),
            Some((run, 2 + (id - 11) / 50)),
        )
        .await;
    }
    let consumer = raw_consumer(&h.js, Entity::Customer).await;
    let mut redelivered_while_held = 0;
    let held_until = tokio::time::Instant::now() + Duration::from_secs(6);
    while tokio::time::Instant::now() < held_until {
        let info = consumer_info(&consumer).await;
        redelivered_while_held = redelivered_while_held.max(info.num_redelivered);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    step("release the checkpoint", hold.commit()).await.unwrap();

    eventually(
        &pool,
        "SELECT count(*) FROM customers",
        310,
        Duration::from_secs(20),
    )
    .await;
    eventually(
        &pool,
        "SELECT sum(loaded)::int8 FROM sync_run_pages",
        310,
        Duration::from_secs(10),
    )
    .await;
    let receipts: i64 = sqlx::query_scalar("SELECT count(*) FROM raw_receipts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(receipts, 310);
    let pages: Vec<(i32, i32)> =
        sqlx::query_as("SELECT page, loaded FROM sync_run_pages ORDER BY page")
            .fetch_all(&pool)
            .await
            .unwrap();
    let published: Vec<(i32, i32)> = [(1, 10)]
        .into_iter()
        .chain((2..=7).map(|page| (page, 50)))
        .collect();
    assert_eq!(pages, published);
    let info = consumer_info(&consumer).await;
    assert_eq!(
        redelivered_while_held, 0,
        "messages were redelivered while held"
    );
    assert_eq!(info.num_redelivered, 0);
    assert_eq!(
        info.delivered.consumer_sequence, 310,
        "a message was delivered more than once"
    );
    h.stop().await;
}

async fn raw_consumer(
    js: &jetstream::Context,
    entity: Entity,
) -> jetstream::consumer::PullConsumer {
    let stream = step("raw stream", js.get_stream(Stream::Raw.name()))
        .await
        .unwrap();
    let name = mirror_bus::consumer::loader(entity);
    step("raw consumer", stream.get_consumer(&name))
        .await
        .unwrap()
}

async fn consumer_info(consumer: &jetstream::consumer::PullConsumer) -> jetstream::consumer::Info {
    let mut consumer = consumer.clone();
    step("consumer info", consumer.info())
        .await
        .unwrap()
        .clone()
}

/// The Prometheus text a metrics endpoint serves, read over plain HTTP/1.0.
async fn scrape(addr: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let read = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .await?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    step("scrape metrics", read).await.unwrap()
}

/// The value of one sample line, `name{labels} value`, when present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

#[tokio::test]
async fn loaded_records_show_in_the_metrics_endpoint() {
    let mut h = Harness::start().await;
    let addr = format!("127.0.0.1:{}", mirror_testkit::free_port().unwrap());
    h.spawn_loader_with(&[("METRICS_ADDR", addr.as_str())]);
    publish_family(&h).await;
    let newer = json!({"id": 2, "customer_name": "Lab B", "last_updated": "200"});
    h.publish(Entity::Customer, newer, None).await;
    let pool = h.db.pool.clone();
    let loaded = "SELECT count(*) FROM customers WHERE id = 2";
    eventually(&pool, loaded, 1, Duration::from_secs(15)).await;
    // An older version: the version guard leaves the row unchanged.
    let older = json!({"id": 2, "customer_name": "Lab B old", "last_updated": "100"});
    h.publish(Entity::Customer, older, None).await;
    let unchanged = r#"loader_records_total{entity="customer",outcome="unchanged"}"#;
    let text = counted(&addr, unchanged, 1.0).await;
    let inserted = r#"loader_records_total{entity="customer",outcome="inserted"}"#;
    assert_eq!(sample(&text, inserted), Some(2.0), "{text}");

    // The same version read again is rewritten, not a new version.
    let again = json!({"id": 2, "customer_name": "Lab B", "last_updated": "200"});
    // Under a key of its own, or JetStream would drop it as a duplicate.
    h.publish_as(Entity::Customer, again, None, Some("customer:2:again"))
        .await;
    let rewritten = r#"loader_records_total{entity="customer",outcome="rewritten"}"#;
    let text = counted(&addr, rewritten, 1.0).await;
    let updated = r#"loader_records_total{entity="customer",outcome="updated"}"#;
    assert_eq!(sample(&text, updated), Some(0.0), "{text}");

    let newest = json!({"id": 2, "customer_name": "Lab B", "last_updated": "300"});
    h.publish(Entity::Customer, newest, None).await;
    let text = counted(&addr, updated, 1.0).await;
    assert_eq!(sample(&text, rewritten), Some(1.0), "{text}");
    h.stop().await;
}

/// Scrapes until `series` reaches `value`; the last scrape.
async fn counted(addr: &str, series: &str, value: f64) -> String {
    let reached = async {
        loop {
            let text = scrape(addr).await;
            if sample(&text, series) == Some(value) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    within(Duration::from_secs(15), series, reached).await
}
