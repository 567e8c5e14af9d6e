//! The fetcher as a service, in process, against a private nats-server and
//! a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use async_nats::jetstream;
use mirror_bus::{BusSettings, Stream, subject};
use mirror_config::Env;
use mirror_records::Entity;
use mirror_testkit::{NatsServer, TestDatabase, step, within};
use qbench_fetcher::FetcherSettings;

#[tokio::test]
async fn a_service_that_cannot_serve_fetch_requests_stops_and_frees_the_lock() {
    let nats = step("start nats", NatsServer::start()).await.unwrap();
    let db = step("create database", TestDatabase::create())
        .await
        .unwrap();
    // A foreign consumer on the subject the fetcher serves: JetStream
    // refuses the fetcher's own consumer there, for good.
    let js = jetstream::new(nats.connect().await.unwrap());
    step(
        "streams",
        mirror_bus::ensure_streams(&js, &BusSettings::default()),
    )
    .await
    .unwrap();
    let stream = step("fetch stream", js.get_stream(Stream::Fetch.name()))
        .await
        .unwrap();
    let intruder = jetstream::consumer::pull::Config {
        durable_name: Some("intruder".into()),
        filter_subject: subject(Stream::Fetch, Entity::Customer),
        ..Default::default()
    };
    step("intruder", stream.create_consumer(intruder))
        .await
        .unwrap();

    let nats_url = nats.url();
    let env = Env::from_pairs([
        ("DATABASE_URL", db.url.as_str()),
        ("NATS_URL", nats_url.as_str()),
        // Never asked: nothing is synced.
        ("SIMULATOR_URL", "http://127.0.0.1:9"),
        ("QBENCH_TIMEZONE", "America/New_York"),
        ("SYNC_INTERVAL", "0s"),
    ]);
    let settings = FetcherSettings::from_env(&env).unwrap();
    let service = qbench_fetcher::run_service(settings, std::future::pending());
    let error = within(Duration::from_secs(60), "the fetcher stops", service)
        .await
        .unwrap_err();
    let consumer = mirror_bus::consumer::fetch(Entity::Customer);
    assert!(format!("{error:#}").contains(&consumer), "{error:#}");

    // Nothing holds the fetcher lock any more: a waiting fetcher takes over.
    let held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted \
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    let freed = async {
        loop {
            let count: i64 = sqlx::query_scalar(held).fetch_one(&db.pool).await.unwrap();
            if count == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    within(Duration::from_secs(10), "the lock is freed", freed).await;
    db.drop_database().await.unwrap();
}

/// With a nightly window scheduled, a report directory that cannot be
/// written stops start-up naming the variable, rather than losing each
/// night's report later.
#[tokio::test]
async fn a_scheduled_window_with_an_unwritable_report_dir_stops_start_up() {
    let env = Env::from_pairs([
        // Never reached: the check comes first.
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:9/none"),
        ("NATS_URL", "nats://127.0.0.1:9"),
        ("SIMULATOR_URL", "http://127.0.0.1:9"),
        ("QBENCH_TIMEZONE", "America/New_York"),
        ("WINDOW_SCHEDULE", "01:30"),
        ("SYNC_REPORT_DIR", "/proc/no-such-place/reports"),
    ]);
    let settings = FetcherSettings::from_env(&env).unwrap();
    let service = qbench_fetcher::run_service(settings, std::future::pending());
    let error = within(Duration::from_secs(10), "start-up fails", service)
        .await
        .unwrap_err();
    let message = format!("{error:#}");
    assert!(message.starts_with("SYNC_REPORT_DIR:"), "{message}");
    assert!(message.contains("/proc/no-such-place/reports"), "{message}");
}
