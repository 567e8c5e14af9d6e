//! A record's trace, end to end: the fetcher and the loader run in process
//! against the simulator, a private nats-server and a fresh database, and
//! export their spans to a small OTLP/HTTP receiver on loopback.
//!
//! The process's subscriber is global, so this binary holds this one test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use mirror_config::Env;
use mirror_records::Entity;
use mirror_testkit::{NatsServer, TestDatabase, step, within};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span as OtlpSpan;
use prost::Message;
use qbench_fetcher::{FetcherSettings, SyncMode, SyncPlan};
use qbench_loader::LoaderSettings;
use qbench_simulator::{SimConfig, Simulator};
use tokio::sync::oneshot;

/// The bodies the receiver was sent, as they came.
type Received = Arc<Mutex<Vec<Bytes>>>;

/// Serves `POST /v1/traces` on a free loopback port, keeping every body.
async fn start_receiver() -> (SocketAddr, Received) {
    let received = Received::default();
    let app = Router::new()
        .route("/v1/traces", post(keep_body))
        .with_state(received.clone());
    let listener = step(
        "bind the receiver",
        tokio::net::TcpListener::bind("127.0.0.1:0"),
    )
    .await
    .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, received)
}

async fn keep_body(State(received): State<Received>, body: Bytes) {
    received.lock().unwrap().push(body);
}

/// Every span in the bodies received.
fn decode(received: &Received) -> Vec<OtlpSpan> {
    let bodies = received.lock().unwrap().clone();
    assert!(!bodies.is_empty(), "no traces arrived");
    bodies
        .iter()
        .flat_map(|body| {
            assert!(!body.is_empty(), "an export had an empty body");
            ExportTraceServiceRequest::decode(body.clone())
                .unwrap()
                .resource_spans
        })
        .flat_map(|resource| resource.scope_spans)
        .flat_map(|scope| scope.spans)
        .collect()
}

fn int_attribute(span: &OtlpSpan, key: &str) -> Option<i64> {
    let value = span.attributes.iter().find(|kv| kv.key == key)?;
    match value.value.as_ref()?.value.as_ref()? {
        AnyValue::IntValue(v) => Some(*v),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_records_trace_runs_from_the_qbench_call_to_its_commit() {
    let (receiver, received) = start_receiver().await;
    let endpoint = format!("http://{receiver}/v1/traces");
    let telemetry =
        mirror_telemetry::init_with_traces_to("traces-test", "info", &endpoint).unwrap();
    let clock = "2026-03-05T12:00:00Z".parse().unwrap();
    let sim = step(
        "start simulator",
        Simulator::start(
            SimConfig::for_tests(7, clock),
            "127.0.0.1:0".parse().unwrap(),
        ),
    )
    .await
    .unwrap();
    let nats = step("start nats", NatsServer::start()).await.unwrap();
    let db = step("create database", TestDatabase::create())
        .await
        .unwrap();
    let (nats_url, sim_url) = (nats.url(), sim.base_url());
    let env = Env::from_pairs(vec![
        ("DATABASE_URL", db.url.as_str()),
        ("NATS_URL", nats_url.as_str()),
        ("SIMULATOR_URL", sim_url.as_str()),
        ("QBENCH_TIMEZONE", "America/New_York"),
        ("QBENCH_REQUESTS_PER_MINUTE", "100000"),
        ("PAGE_SIZE", "5"),
        ("SYNC_INTERVAL", "0s"),
    ]);

    // Load the customers: the loader in the background, one full sync.
    let (stop, stopped) = oneshot::channel::<()>();
    let loader_settings = LoaderSettings::from_env(&env).unwrap();
    let loader = tokio::spawn(qbench_loader::run(loader_settings, async {
        let _ = stopped.await;
    }));
    let settings = FetcherSettings::from_env(&env).unwrap();
    let (syncer, _) = step("connect the fetcher", qbench_fetcher::connect(settings))
        .await
        .unwrap();
    let plan = SyncPlan::new(SyncMode::Full, &[Entity::Customer]);
    step("sync the customers", syncer.run(&plan)).await.unwrap();
    let customers = sim.handle().live_count(Entity::Customer);
    assert!(customers > 5, "the customers span several pages");
    within(Duration::from_secs(60), "load the customers", async {
        loop {
            let rows = mirror_store::mirror_records(&db.pool, Entity::Customer).await;
            if rows.is_ok_and(|rows| rows.len() == customers) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    let _ = stop.send(());
    step("stop the loader", loader).await.unwrap().unwrap();
    step("flush the traces", telemetry.shutdown()).await;

    // Every customer's load continues the span that published it, in the
    // trace of the page read that brought it.
    let spans = decode(&received);
    let named = |name: &'static str| spans.iter().filter(move |s| s.name == name);
    let pages: HashMap<&[u8], &OtlpSpan> = named("sync_page")
        .map(|s| (s.span_id.as_slice(), s))
        .collect();
    let lists: HashSet<&[u8]> = named("qbench_list")
        .map(|s| s.parent_span_id.as_slice())
        .collect();
    let publishers: HashMap<&[u8], &OtlpSpan> = named("publish_page")
        .map(|s| (s.span_id.as_slice(), s))
        .collect();
    let mut loaded = HashSet::new();
    for load in named("load_record") {
        let publisher = publishers
            .get(load.parent_span_id.as_slice())
            .expect("a load_record span whose parent is a publish_page span");
        assert_eq!(load.trace_id, publisher.trace_id);
        let page = pages
            .get(publisher.parent_span_id.as_slice())
            .expect("a publish_page span under a sync_page span");
        assert_eq!(page.trace_id, load.trace_id);
        assert!(page.parent_span_id.is_empty(), "a page is a trace's root");
        assert!(
            lists.contains(page.span_id.as_slice()),
            "the QBench call is in the trace"
        );
        loaded.insert(int_attribute(load, "id").expect("the record's id"));
    }
    assert_eq!(loaded.len(), customers, "every customer's load is traced");
    assert!(pages.len() > 1, "one trace per page");
    let batches: Vec<&OtlpSpan> = named("load_batch").collect();
    assert!(!batches.is_empty());
    let links: usize = batches.iter().map(|b| b.links.len()).sum();
    assert!(
        links >= customers,
        "each batch links to its records' publishers"
    );

    db.drop_database().await.unwrap();
}
