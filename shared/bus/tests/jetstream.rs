//! One test per JetStream feature the pipeline relies on, against a private
//! nats-server of the version the machines run (2.9), so an upgrade or a
//! downgrade that changes one of them fails here first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::IntoFuture;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, AckKind};
use futures::StreamExt;
use mirror_bus::{
    BusSettings, RawHeaders, Stream, advisory, ensure_consumer, ensure_streams, header, subject,
};
use mirror_records::Entity;
use mirror_testkit::{NatsServer, step, within};

async fn bus(ack_wait: Duration) -> (NatsServer, jetstream::Context, BusSettings) {
    let nats = step("start nats", NatsServer::start()).await.unwrap();
    let js = jetstream::new(nats.connect().await.unwrap());
    let settings = BusSettings {
        ack_wait,
        ..BusSettings::default()
    };
    step("streams", ensure_streams(&js, &settings))
        .await
        .unwrap();
    (nats, js, settings)
}

fn raw(id: i64, version: &str) -> RawHeaders {
    RawHeaders {
        entity: Entity::Test,
        id,
        version: version.into(),
        fetched_at: chrono::Utc::now(),
        run_id: None,
        page: None,
        source: None,
        traceparent: None,
        deleted: false,
    }
}

async fn publish(js: &jetstream::Context, kind: Stream, headers: &RawHeaders) -> bool {
    let ack = js
        .publish_with_headers(
            subject(kind, Entity::Test),
            headers.to_header_map(),
            "{}".into(),
        )
        .await
        .unwrap();
    step("publish ack", ack.into_future())
        .await
        .unwrap()
        .duplicate
}

async fn next(
    consumer: &jetstream::consumer::PullConsumer,
    wait: Duration,
) -> Option<jetstream::Message> {
    let mut batch = consumer
        .batch()
        .max_messages(1)
        .expires(wait)
        .messages()
        .await
        .unwrap();
    within(wait + Duration::from_secs(5), "pull", batch.next())
        .await
        .map(|m| m.unwrap())
}

#[tokio::test]
async fn the_same_record_version_is_stored_once() {
    let (_nats, js, _) = bus(Duration::from_secs(30)).await;

    let first = publish(&js, Stream::Raw, &raw(1, "100")).await;
    let again = publish(&js, Stream::Raw, &raw(1, "100")).await;
    let newer = publish(&js, Stream::Raw, &raw(1, "101")).await;

    assert_eq!((first, again, newer), (false, true, false));
}

#[tokio::test]
async fn a_served_fetch_request_leaves_the_work_queue() {
    let (_nats, js, settings) = bus(Duration::from_secs(30)).await;
    let consumer = ensure_consumer(&js, Stream::Fetch, Entity::Test, &settings)
        .await
        .unwrap();
    publish(&js, Stream::Fetch, &raw(7, "1")).await;

    let request = next(&consumer, Duration::from_secs(2)).await.unwrap();
    request.double_ack().await.unwrap();

    let mut stream = js.get_stream(Stream::Fetch.name()).await.unwrap();
    let left = step("stream info", stream.info())
        .await
        .unwrap()
        .state
        .messages;
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_delayed_negative_ack_comes_back_after_the_delay() {
    let (_nats, js, settings) = bus(Duration::from_secs(30)).await;
    let consumer = ensure_consumer(&js, Stream::Retry, Entity::Test, &settings)
        .await
        .unwrap();
    publish(&js, Stream::Retry, &raw(5001, "1")).await;

    let first = next(&consumer, Duration::from_secs(2)).await.unwrap();
    let naked_at = Instant::now();
    first
        .ack_with(AckKind::Nak(Some(Duration::from_millis(1500))))
        .await
        .unwrap();
    let early = next(&consumer, Duration::from_millis(500)).await;
    let again = next(&consumer, Duration::from_secs(5)).await;

    assert!(early.is_none(), "redelivered before its delay");
    assert!(again.is_some(), "never redelivered");
    assert!(naked_at.elapsed() >= Duration::from_millis(1400));
}

#[tokio::test]
async fn in_progress_acks_hold_a_message_past_its_ack_wait() {
    let (_nats, js, settings) = bus(Duration::from_secs(2)).await;
    let consumer = ensure_consumer(&js, Stream::Raw, Entity::Test, &settings)
        .await
        .unwrap();
    publish(&js, Stream::Raw, &raw(1, "1")).await;
    let held = next(&consumer, Duration::from_secs(2)).await.unwrap();

    // Twice the ack wait, telling the server every half second.
    for _ in 0..8 {
        held.ack_with(AckKind::Progress).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let stolen = next(&consumer, Duration::from_millis(300)).await;
    held.double_ack().await.unwrap();

    assert!(stolen.is_none(), "redelivered despite in-progress acks");
}

#[tokio::test]
async fn consumer_info_counts_what_waits() {
    let (_nats, js, settings) = bus(Duration::from_secs(30)).await;
    let mut consumer = ensure_consumer(&js, Stream::Raw, Entity::Test, &settings)
        .await
        .unwrap();
    for id in 1..=3 {
        publish(&js, Stream::Raw, &raw(id, "1")).await;
    }

    let info = step("consumer info", consumer.info()).await.unwrap();

    assert_eq!(info.num_pending, 3);
    assert_eq!(info.name, "loader-test");
}

#[tokio::test]
async fn retry_headers_survive_the_trip() {
    let (_nats, js, settings) = bus(Duration::from_secs(30)).await;
    let consumer = ensure_consumer(&js, Stream::Retry, Entity::Test, &settings)
        .await
        .unwrap();
    let mut headers = raw(5001, "9").to_header_map();
    headers.insert(header::ATTEMPT, "2");
    js.publish_with_headers(subject(Stream::Retry, Entity::Test), headers, "{}".into())
        .await
        .unwrap()
        .await
        .unwrap();

    let message = next(&consumer, Duration::from_secs(2)).await.unwrap();

    let map = message.headers.as_ref().unwrap();
    assert_eq!(map.get(header::ATTEMPT).map(|v| v.as_str()), Some("2"));
    assert_eq!(RawHeaders::from_header_map(Some(map)).unwrap().id, 5001);
}

/// The advisory JetStream publishes when a consumer gives up on a message.
async fn advisory_after(
    nats: &NatsServer,
    subject: &'static str,
    give_up: impl AsyncFnOnce(&jetstream::Context, &BusSettings),
) -> serde_json::Value {
    let js = jetstream::new(nats.connect().await.unwrap());
    let settings = BusSettings {
        max_deliver: 2,
        ..BusSettings::default()
    };
    step("streams", ensure_streams(&js, &settings))
        .await
        .unwrap();
    let client = nats.connect().await.unwrap();
    let mut advisories = client.subscribe(subject).await.unwrap();
    client.flush().await.unwrap();

    give_up(&js, &settings).await;

    let advisory = step("advisory", advisories.next()).await.unwrap();
    serde_json::from_slice(&advisory.payload).unwrap()
}

#[tokio::test]
async fn a_message_past_its_delivery_limit_is_announced() {
    let nats = step("start nats", NatsServer::start()).await.unwrap();

    let advisory = advisory_after(&nats, advisory::MAX_DELIVERIES, async |js, settings| {
        let consumer = ensure_consumer(js, Stream::Raw, Entity::Test, settings)
            .await
            .unwrap();
        publish(js, Stream::Raw, &raw(1, "1")).await;
        for _ in 0..2 {
            let message = next(&consumer, Duration::from_secs(2)).await.unwrap();
            message.ack_with(AckKind::Nak(None)).await.unwrap();
        }
        // The server gives up when it would deliver a third time, so only
        // while somebody is pulling.
        let third = next(&consumer, Duration::from_millis(500)).await;
        assert!(third.is_none(), "delivered past the limit");
    })
    .await;

    assert_eq!(advisory["stream"], "QBENCH_RAW");
    assert_eq!(advisory["consumer"], "loader-test");
    assert_eq!(advisory["stream_seq"], 1);
    assert_eq!(advisory["deliveries"], 2);
}

#[tokio::test]
async fn a_terminated_message_is_announced() {
    let nats = step("start nats", NatsServer::start()).await.unwrap();

    let advisory = advisory_after(&nats, advisory::TERMINATED, async |js, settings| {
        let consumer = ensure_consumer(js, Stream::Retry, Entity::Test, settings)
            .await
            .unwrap();
        publish(js, Stream::Retry, &raw(5001, "1")).await;
        let message = next(&consumer, Duration::from_secs(2)).await.unwrap();
        message.ack_with(AckKind::Term).await.unwrap();
    })
    .await;

    assert_eq!(advisory["stream"], "QBENCH_RETRY");
    assert_eq!(advisory["consumer"], "retry-test");
    assert_eq!(advisory["stream_seq"], 1);
}

#[tokio::test]
async fn changed_retention_and_ack_wait_reach_existing_streams_and_consumers() {
    let (_nats, js, settings) = bus(Duration::from_secs(30)).await;
    step(
        "consumer",
        ensure_consumer(&js, Stream::Raw, Entity::Test, &settings),
    )
    .await
    .unwrap();

    let changed = BusSettings {
        raw_max_age: Duration::from_secs(7 * 24 * 3600),
        ack_wait: Duration::from_secs(90),
        ..settings
    };
    step("streams again", ensure_streams(&js, &changed))
        .await
        .unwrap();
    let mut consumer = step(
        "consumer again",
        ensure_consumer(&js, Stream::Raw, Entity::Test, &changed),
    )
    .await
    .unwrap();

    let mut stream = step("stream", js.get_stream(Stream::Raw.name()))
        .await
        .unwrap();
    let info = step("stream info", stream.info()).await.unwrap();
    assert_eq!(info.config.max_age, Duration::from_secs(7 * 24 * 3600));
    let info = step("consumer info", consumer.info()).await.unwrap();
    assert_eq!(info.config.ack_wait, Duration::from_secs(90));
}

#[tokio::test]
async fn a_consumer_with_jetstreams_default_pending_limit_takes_the_loaders() {
    let (_nats, js, settings) = bus(Duration::from_secs(30)).await;
    // As an earlier version left it: no limit named, so JetStream's own.
    let mut stream = step("stream", js.get_stream(Stream::Retry.name()))
        .await
        .unwrap();
    let name = mirror_bus::consumer::retry(Entity::Test);
    let config = jetstream::consumer::pull::Config {
        durable_name: Some(name.clone()),
        filter_subject: subject(Stream::Retry, Entity::Test),
        ack_policy: jetstream::consumer::AckPolicy::Explicit,
        ack_wait: settings.ack_wait,
        max_deliver: settings.max_deliver,
        ..Default::default()
    };
    let mut old = step("old consumer", stream.create_consumer(config))
        .await
        .unwrap();
    let before = step("old info", old.info())
        .await
        .unwrap()
        .config
        .max_ack_pending;
    assert_ne!(before, settings.max_ack_pending);

    let mut consumer = step(
        "consumer",
        ensure_consumer(&js, Stream::Retry, Entity::Test, &settings),
    )
    .await
    .unwrap();
    let info = step("consumer info", consumer.info()).await.unwrap();
    assert_eq!(info.config.max_ack_pending, settings.max_ack_pending);
    let info = step("stream info", stream.info()).await.unwrap();
    assert_eq!(info.state.consumer_count, 1);
}

fn outgoing(count: i64, first_id: i64) -> Vec<mirror_bus::Outgoing> {
    (first_id..first_id + count)
        .map(|id| mirror_bus::Outgoing {
            subject: subject(Stream::Raw, Entity::Test),
            headers: raw(id, "1").to_header_map(),
            payload: "{}".into(),
        })
        .collect()
}

#[tokio::test]
async fn publishing_more_than_the_contexts_ack_room_completes() {
    let (nats, _js, _settings) = bus(Duration::from_secs(30)).await;
    // Room for four unacknowledged publishes, shared by both callers, who
    // send ten each: sending all before awaiting any ack never finishes.
    let js = jetstream::context::ContextBuilder::new()
        .max_ack_inflight(4)
        .build(nats.connect().await.unwrap());
    let (first, second) = within(
        Duration::from_secs(20),
        "two callers publishing past the ack room",
        async {
            futures::join!(
                mirror_bus::publish_all(&js, outgoing(10, 1)),
                mirror_bus::publish_all(&js, outgoing(10, 101)),
            )
        },
    )
    .await;
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!((first.len(), second.len()), (10, 10));
    // Acks come back in the order the messages were given.
    assert!(first.windows(2).all(|w| w[0].sequence < w[1].sequence));
    assert!(second.windows(2).all(|w| w[0].sequence < w[1].sequence));
    let mut stream = step("stream", js.get_stream(Stream::Raw.name()))
        .await
        .unwrap();
    let info = step("stream info", stream.info()).await.unwrap();
    assert_eq!(info.state.messages, 20);
}

#[tokio::test]
async fn a_message_no_stream_takes_is_named_by_its_place() {
    let (_nats, js, _settings) = bus(Duration::from_secs(30)).await;
    let mut messages = outgoing(3, 1);
    messages[1].subject = "nowhere.test".to_owned();
    let failed = step("publish", mirror_bus::publish_all(&js, messages))
        .await
        .unwrap_err();
    assert_eq!(failed.index, 1);
}

#[tokio::test]
async fn set_up_waits_for_jetstream_to_answer() {
    let mut nats = step("start nats", NatsServer::start_without_jetstream())
        .await
        .unwrap();
    let js = jetstream::new(nats.connect().await.unwrap());
    let settings = BusSettings::default();
    let setup = tokio::spawn({
        let js = js.clone();
        async move {
            ensure_streams(&js, &settings).await?;
            ensure_consumer(&js, Stream::Raw, Entity::Test, &settings).await
        }
    });
    // Every request so far found no JetStream; set-up keeps asking.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !setup.is_finished(),
        "set-up ended before JetStream answered"
    );
    step("enable jetstream", nats.enable_jetstream())
        .await
        .unwrap();
    let consumer = within(Duration::from_secs(60), "set-up ends", setup)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        consumer.cached_info().config.filter_subject,
        subject(Stream::Raw, Entity::Test)
    );
}

#[tokio::test]
async fn set_up_refused_by_jetstream_fails_at_once() {
    let (_nats, js, settings) = bus(Duration::from_secs(30)).await;
    // A work-queue stream takes one consumer per subject: a second one on
    // the subject the fetcher serves is refused, and asking again would not
    // change that.
    let stream = step("fetch stream", js.get_stream(Stream::Fetch.name()))
        .await
        .unwrap();
    let intruder = jetstream::consumer::pull::Config {
        durable_name: Some("intruder".into()),
        filter_subject: subject(Stream::Fetch, Entity::Test),
        ..Default::default()
    };
    step("intruder", stream.create_consumer(intruder))
        .await
        .unwrap();
    let started = Instant::now();
    let refused = step(
        "fetch consumer",
        ensure_consumer(&js, Stream::Fetch, Entity::Test, &settings),
    )
    .await
    .unwrap_err();
    assert!(!refused.is_transient(), "{refused}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
