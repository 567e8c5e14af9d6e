//! The simulator over HTTP, as a QBench client sees it.

// A failed unwrap in a helper is a failed test, as in the tests themselves.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mirror_testkit::step;
use qbench_simulator::{Entity, FaultAction, FaultRule, RunningSimulator, SimConfig, Simulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn clock() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0).unwrap()
}

async fn start(seed: u64) -> RunningSimulator {
    start_with(SimConfig::for_tests(seed, clock())).await
}

async fn start_with(config: SimConfig) -> RunningSimulator {
    let _ = rustls::crypto::ring::default_provider().install_default();
    step(
        "start simulator",
        Simulator::start(config, "127.0.0.1:0".parse().unwrap()),
    )
    .await
    .expect("simulator starts")
}

/// A bare QBench client: signs assertions and makes calls.
struct Qbench {
    http: reqwest::Client,
    base: String,
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Qbench {
    fn of(sim: &RunningSimulator) -> Qbench {
        Qbench {
            http: reqwest::Client::new(),
            base: sim.base_url(),
        }
    }

    fn assertion(sub: &str, secret: &str, lifetime: i64) -> String {
        let iat = Utc::now().timestamp() - 5;
        let claims = json!({"sub": sub, "iat": iat, "exp": iat + lifetime});
        let key = EncodingKey::from_secret(secret.as_bytes()).unwrap();
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
    }

    async fn exchange(&self, assertion: &str) -> Answer {
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion),
        ];
        let request = self
            .http
            .post(format!("{}/qbench/oauth2/v1/token", self.base))
            .form(&form);
        answer(step("token exchange", request.send()).await.unwrap()).await
    }

    async fn token(&self) -> String {
        let jwt = Qbench::assertion(
            mirror_config::DEMO_CLIENT_ID,
            mirror_config::DEMO_CLIENT_SECRET,
            3300,
        );
        let answer = self.exchange(&jwt).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body["access_token"].as_str().unwrap().to_owned()
    }

    async fn get(&self, path: &str, token: &str) -> Answer {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token);
        answer(step(path, request.send()).await.unwrap()).await
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        let request = self.http.post(format!("{}{path}", self.base)).json(&body);
        let answer = answer(step(path, request.send()).await.unwrap()).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
        answer.body
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = step("read body", response.text()).await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        headers,
        body,
    }
}

/// The kind of a JSON value, as the fixtures are compared by it.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Per key of a real page: how many rows have it and the kinds it takes.
fn key_kinds(rows: &[Value]) -> BTreeMap<String, (usize, BTreeSet<&'static str>)> {
    let mut keys: BTreeMap<String, (usize, BTreeSet<&'static str>)> = BTreeMap::new();
    for row in rows {
        for (key, value) in row.as_object().unwrap() {
            let entry = keys.entry(key.clone()).or_default();
            entry.0 += 1;
            entry.1.insert(kind(value));
        }
    }
    keys
}

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../records/tests/fixtures/qbench-v1/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every simulated row has the keys every real row has, only keys real rows
/// have, and values of kinds the real rows show for that key.
fn assert_rows_match_fixture(rows: &[Value], real: &Value) {
    let real_rows = real["data"].as_array().unwrap();
    let expected = key_kinds(real_rows);
    let always: BTreeSet<&String> = expected
        .iter()
        .filter(|(_, (n, _))| *n == real_rows.len())
        .map(|(k, _)| k)
        .collect();
    for row in rows {
        let fields = row.as_object().unwrap();
        let keys: BTreeSet<&String> = fields.keys().collect();
        let missing: Vec<_> = always.difference(&keys).collect();
        assert!(missing.is_empty(), "row {} lacks {missing:?}", row["id"]);
        for (key, value) in fields {
            let (_, kinds) = expected
                .get(key)
                .unwrap_or_else(|| panic!("row {} has unknown key {key}", row["id"]));
            assert!(
                kinds.contains(kind(value)),
                "{key} = {value} is not one of {kinds:?}"
            );
        }
    }
    let seen: BTreeSet<&String> = rows
        .iter()
        .flat_map(|r| r.as_object().unwrap().keys())
        .collect();
    let optional: Vec<_> = expected.keys().filter(|k| !seen.contains(k)).collect();
    assert!(optional.is_empty(), "no row ever has {optional:?}");
}

fn is_date_time(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        NaiveDateTime::parse_from_str(s, "%m/%d/%Y %I:%M %p").is_ok() && s.len() == 19
    })
}

fn is_bare_date(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| NaiveDate::parse_from_str(s, "%m/%d/%Y").is_ok() && s.len() == 10)
}

fn is_epoch_string(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()))
}

async fn all_rows(qb: &Qbench, token: &str, entity: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    for page in 1.. {
        let path = format!("/qbench/api/v1/{entity}?page_size=50&page_num={page}&sort_by=id");
        let answer = qb.get(&path, token).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let data = answer.body["data"].as_array().unwrap().clone();
        if data.is_empty() {
            break;
        }
        rows.extend(data);
    }
    rows
}

fn ids(rows: &[Value]) -> Vec<u64> {
    rows.iter().map(|r| r["id"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn customer_and_order_pages_have_the_keys_and_kinds_of_real_pages() {
    let sim = start(11).await;
    let qb = Qbench::of(&sim);
    let token = qb.token().await;

    let customers = all_rows(&qb, &token, "customer").await;
    let orders = all_rows(&qb, &token, "order").await;

    assert_rows_match_fixture(&customers, &fixture("customers_page.json"));
    assert_rows_match_fixture(&orders, &fixture("orders_page.json"));
    for order in &orders {
        assert!(
            is_date_time(&order["date_created"]),
            "{}",
            order["date_created"]
        );
        assert!(
            is_epoch_string(&order["last_updated"]),
            "{}",
            order["last_updated"]
        );
        let reported = &order["date_order_reported"];
        assert!(reported.is_null() || is_bare_date(reported), "{reported}");
        let sync = &order["cc_latest_sync"];
        assert!(
            sync.is_null() || sync.as_str().unwrap().ends_with(" GMT"),
            "{sync}"
        );
    }
    assert!(customers.iter().any(|c| c["date_created"].is_null()));
    assert!(orders.iter().any(|o| o["state"] == "REPORTED"));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn samples_tests_and_batches_carry_the_documented_keys() {
    let sim = start(12).await;
    let qb = Qbench::of(&sim);
    let token = qb.token().await;

    let sample = qb
        .get("/qbench/api/v1/sample?page_size=1", &token)
        .await
        .body;
    let test = qb.get("/qbench/api/v1/test?page_size=1", &token).await.body;
    let batch = qb
        .get("/qbench/api/v1/batch?page_size=1", &token)
        .await
        .body;

    let has = |row: &Value, keys: &[&str]| {
        for key in keys {
            assert!(row.get(*key).is_some(), "{key} missing from {row}");
        }
    };
    let sample = &sample["data"][0];
    has(
        sample,
        &[
            "id",
            "order_id",
            "custom_formatted_id",
            "sample_name",
            "leaf_id",
            "accessioning_type",
            "matrix_type",
            "state",
            "has_report",
            "batches",
            "date_created",
            "start_date",
            "completed_date",
            "test_count",
            "sample_weight",
            "last_updated",
        ],
    );
    assert!(
        sample
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("X_"))
    );
    assert!(sample["accessioning_type"]["value"].is_string());
    let weight = &sample["sample_weight"];
    assert!(
        weight.is_null() || weight.as_str().unwrap().ends_with('g'),
        "{weight}"
    );
    let test = &test["data"][0];
    has(
        test,
        &[
            "id",
            "sample_id",
            "assay_id",
            "assay",
            "label_abbr",
            "title",
            "state",
            "batches",
            "date_created",
            "start_date",
            "complete_date",
            "has_report",
            "report_completed_date",
            "results",
            "tech_id",
            "panel_id",
            "tags",
            "last_updated",
        ],
    );
    assert_eq!(test["assay"]["label_abbr"], test["label_abbr"]);
    has(
        &batch["data"][0],
        &[
            "id",
            "assay_id",
            "display_name",
            "date_created",
            "date_prepared",
            "last_updated",
            "sample_ids",
            "test_ids",
            "tags",
            "worksheet_id",
            "worksheet_json",
            "batch_status",
            "batch_complete",
            "batch_processed",
        ],
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn paging_ends_on_an_empty_page_and_page_size_above_fifty_is_refused() {
    let sim = start(13).await;
    let qb = Qbench::of(&sim);
    let token = qb.token().await;

    let first = qb
        .get("/qbench/api/v1/test?page_size=50&sort_by=id", &token)
        .await
        .body;
    let total = first["total_count"].as_u64().unwrap();
    let pages = first["total_pages"].as_u64().unwrap();
    let past = qb
        .get(
            &format!("/qbench/api/v1/test?page_size=50&page_num={}", pages + 1),
            &token,
        )
        .await;
    let too_big = qb.get("/qbench/api/v1/test?page_size=51", &token).await;

    assert_eq!(pages, total.div_ceil(50));
    let extra: Vec<&String> = first
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !["total_count", "total_pages", "data"].contains(&k.as_str()))
        .collect();
    assert_eq!(
        extra.len(),
        1,
        "one opaque key beside the envelope: {extra:?}"
    );
    assert_eq!(past.status, StatusCode::OK);
    assert_eq!(past.body["data"], json!([]));
    assert_eq!(too_big.status, StatusCode::BAD_REQUEST);
    assert_eq!(too_big.body["error"], "invalid_request");
    let all = all_rows(&qb, &token, "test").await;
    assert_eq!(all.len() as u64, total);
    assert!(
        ids(&all).windows(2).all(|w| w[0] < w[1]),
        "sort_by=id ascends"
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn repeated_id_filters_and_sorting_narrow_and_order_a_list() {
    let sim = start(14).await;
    let qb = Qbench::of(&sim);
    let token = qb.token().await;
    let samples = qb
        .get("/qbench/api/v1/sample?page_size=3&sort_by=id", &token)
        .await
        .body;
    let wanted: HashSet<u64> = ids(samples["data"].as_array().unwrap())
        .into_iter()
        .collect();
    let query: String = wanted
        .iter()
        .map(|id| format!("&sample_ids={id}"))
        .collect();

    let tests = qb
        .get(&format!("/qbench/api/v1/test?page_size=50{query}"), &token)
        .await
        .body;
    let newest = qb
        .get(
            "/qbench/api/v1/order?page_size=50&sort_by=date_created&sort_order=desc",
            &token,
        )
        .await
        .body;

    let rows = tests["data"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|t| wanted.contains(&t["sample_id"].as_u64().unwrap()))
    );
    assert_eq!(tests["total_count"].as_u64().unwrap() as usize, rows.len());
    let created: Vec<NaiveDateTime> = newest["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            NaiveDateTime::parse_from_str(o["date_created"].as_str().unwrap(), "%m/%d/%Y %I:%M %p")
                .unwrap()
        })
        .collect();
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "date_created descends"
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn details_nest_their_children_and_unknown_ids_are_not_found() {
    let sim = start(15).await;
    let qb = Qbench::of(&sim);
    let token = qb.token().await;
    let order_id = qb
        .get("/qbench/api/v1/order?page_size=1", &token)
        .await
        .body["data"][0]["id"]
        .clone();

    let order = qb
        .get(&format!("/qbench/api/v1/order/{order_id}"), &token)
        .await;
    let missing = qb.get("/qbench/api/v1/order/999999", &token).await;
    let no_feed = qb.get("/qbench/api/v1/updates/batch/0", &token).await;

    assert_eq!(order.status, StatusCode::OK);
    assert!(
        order.body.get("total_count").is_none(),
        "a detail has no envelope"
    );
    let samples = order.body["samples"].as_array().unwrap();
    assert_eq!(
        samples.len() as u64,
        order.body["sample_count"].as_u64().unwrap()
    );
    let tests: usize = samples
        .iter()
        .map(|s| s["tests"].as_array().unwrap().len())
        .sum();
    assert_eq!(tests as u64, order.body["test_count"].as_u64().unwrap());
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(no_feed.status, StatusCode::NOT_FOUND);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_three_hundred_and_first_call_in_a_minute_is_throttled() {
    let sim = start(16).await;
    sim.handle().update_behaviour(|b| b.limits = true);
    let qb = Qbench::of(&sim);
    let token = qb.token().await;

    // The token exchange was call 1; 299 more fill the window.
    for _ in 0..299 {
        let ok = qb.get("/qbench/api/v1/customer/1", &token).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    }
    let refused = qb.get("/qbench/api/v1/customer/1", &token).await;

    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let ttl: u64 = refused.headers["x-qbapi-throttle-ttl"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&ttl), "{ttl}");
    assert_eq!(refused.headers["x-qbapi-throttle-request-count"], "301");
    let expected = format!(
        "ratelimit exceeded 300 per 60 seconds [current count: 301. Retry in {ttl} seconds]"
    );
    assert_eq!(refused.body, json!({"error": expected}));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn more_than_ten_calls_in_flight_are_refused() {
    let sim = start(17).await;
    let qb = Qbench::of(&sim);
    let token = qb.token().await;
    sim.handle().update_behaviour(|b| {
        b.limits = true;
        b.page_latency = Duration::from_millis(800);
    });

    let calls = (0..13).map(|_| qb.get("/qbench/api/v1/customer?page_size=5", &token));
    let answers = step("13 calls at once", futures::future::join_all(calls)).await;

    let refused: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(answers.len() - refused.len(), 10, "exactly ten served");
    for answer in refused {
        assert_eq!(
            answer.body,
            json!({"error": "exceeded concurrent request limit of 10"})
        );
    }
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn tokens_are_checked_like_qbench_checks_them() {
    let sim = start(18).await;
    let qb = Qbench::of(&sim);
    let token = qb.token().await;

    let wrong_key = qb
        .exchange(&Qbench::assertion(
            mirror_config::DEMO_CLIENT_ID,
            "not-it",
            600,
        ))
        .await;
    let too_long = qb
        .exchange(&Qbench::assertion(
            mirror_config::DEMO_CLIENT_ID,
            mirror_config::DEMO_CLIENT_SECRET,
            7200,
        ))
        .await;
    let missing = qb
        .http
        .get(format!("{}/qbench/api/v1/customer", qb.base))
        .send();
    let missing = answer(step("no token", missing).await.unwrap()).await;
    let malformed = qb
        .http
        .get(format!("{}/qbench/api/v1/customer", qb.base))
        .header("Authorization", "Basic abc");
    let malformed = answer(step("basic auth", malformed.send()).await.unwrap()).await;
    let before = qb.get("/qbench/api/v1/customer", &token).await;
    assert_eq!(sim.handle().expire_tokens(), 1);
    let after = qb.get("/qbench/api/v1/customer", &token).await;

    assert_eq!(wrong_key.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong_key.body["error"], "invalid_grant");
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.body["error"], "invalid_request");
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(after.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        after.body,
        json!({"error": "invalid_grant", "error_description": "Access token has expired."})
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn tokens_can_expire_every_few_data_calls() {
    let sim = start(19).await;
    sim.handle()
        .update_behaviour(|b| b.expire_tokens_every = Some(3));
    let qb = Qbench::of(&sim);

    let mut statuses = Vec::new();
    let mut token = qb.token().await;
    for _ in 0..6 {
        let answer = qb.get("/qbench/api/v1/customer/1", &token).await;
        statuses.push(answer.status.as_u16());
        if answer.status == StatusCode::BAD_REQUEST {
            token = qb.token().await;
        }
    }

    assert_eq!(statuses, vec![200, 200, 400, 200, 200, 400]);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn moving_the_clock_shows_in_the_updates_feed() {
    let sim = start(20).await;
    let qb = Qbench::of(&sim);
    let token = qb.token().await;
    let since = sim.handle().now().timestamp();

    let summary = qb.control("/_sim/advance", json!({"days": 3})).await;
    let feed = qb
        .get(&format!("/qbench/api/v1/updates/test/{since}"), &token)
        .await
        .body;

    let set = |v: &Value| -> BTreeSet<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect()
    };
    let changed: BTreeSet<u64> = set(&summary["test"]["updated"])
        .union(&set(&summary["test"]["new"]))
        .copied()
        .collect();
    assert!(!summary["test"]["updated"].as_array().unwrap().is_empty());
    assert_eq!(set(&feed["updated"]), changed);
    assert!(set(&feed["deleted"]).is_superset(&set(&summary["test"]["deleted"])));
    assert_eq!(
        summary["to"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        clock() + chrono::Duration::days(3)
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_deleted_test_vanishes_and_is_reported_deleted() {
    let sim = start(21).await;
    let qb = Qbench::of(&sim);
    let token = qb.token().await;
    let since = sim.handle().now().timestamp();
    let victim = qb.get("/qbench/api/v1/test?page_size=1", &token).await.body["data"][0].clone();
    let (test_id, sample_id) = (
        victim["id"].as_u64().unwrap(),
        victim["sample_id"].as_u64().unwrap(),
    );

    let summary = qb
        .control("/_sim/delete", json!({"entity": "test", "ids": [test_id]}))
        .await;
    let detail = qb
        .get(&format!("/qbench/api/v1/test/{test_id}"), &token)
        .await;
    let siblings = qb
        .get(
            &format!("/qbench/api/v1/test?sample_ids={sample_id}"),
            &token,
        )
        .await
        .body;
    let feed = qb
        .get(&format!("/qbench/api/v1/updates/test/{since}"), &token)
        .await
        .body;
    let sample_feed = qb
        .get(&format!("/qbench/api/v1/updates/sample/{since}"), &token)
        .await
        .body;

    assert_eq!(summary["test"]["deleted"], json!([test_id]));
    assert_eq!(detail.status, StatusCode::NOT_FOUND);
    assert!(!ids(siblings["data"].as_array().unwrap()).contains(&test_id));
    assert_eq!(feed["deleted"], json!([test_id]));
    assert!(feed["updated"].as_array().unwrap().is_empty());
    assert_eq!(
        sample_feed["updated"],
        json!([sample_id]),
        "its sample changed"
    );
    let truth = sim.handle().snapshot(Entity::Test);
    assert!(truth.iter().all(|row| row.id != test_id));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_same_seed_and_clock_serve_the_same_records() {
    let (a, b, c) = (start(22).await, start(22).await, start(23).await);
    let (qa, qb, qc) = (Qbench::of(&a), Qbench::of(&b), Qbench::of(&c));
    let (ta, tb, tc) = (qa.token().await, qb.token().await, qc.token().await);

    let path = "/qbench/api/v1/test?page_size=50&sort_by=id&page_num=2";
    let (pa, pb, pc) = (
        qa.get(path, &ta).await.body,
        qb.get(path, &tb).await.body,
        qc.get(path, &tc).await.body,
    );

    assert_eq!(pa["data"], pb["data"]);
    assert_ne!(pa["data"], pc["data"]);
    assert_eq!(
        a.handle().snapshot(Entity::Order),
        b.handle().snapshot(Entity::Order)
    );
    for sim in [a, b, c] {
        sim.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn scripted_faults_answer_the_targeted_page_only() {
    let sim = start(24).await;
    let qb = Qbench::of(&sim);
    let token = qb.token().await;
    let handle = sim.handle();
    let page = |n: u32| format!("/qbench/api/v1/sample?page_size=50&page_num={n}");
    handle.add_fault(
        FaultRule::new(FaultAction::Status {
            status: 503,
            body: "{}".into(),
            content_type: "application/json".into(),
            headers: [("Retry-After".to_owned(), "0".to_owned())].into(),
        })
        .entity(Entity::Sample)
        .page(3)
        .times(3),
    );
    handle.add_fault(
        FaultRule::new(FaultAction::ShortPage { rows: 37 })
            .entity(Entity::Sample)
            .page(4)
            .times(1),
    );
    handle.add_fault(
        FaultRule::new(FaultAction::NullTotalCount)
            .entity(Entity::Sample)
            .page(5)
            .times(1),
    );

    let mut third = Vec::new();
    let mut waits = Vec::new();
    for _ in 0..4 {
        let answer = qb.get(&page(3), &token).await;
        third.push(answer.status.as_u16());
        waits.push(answer.headers.get("retry-after").is_some());
    }
    let second = qb.get(&page(2), &token).await;
    let fourth = qb.get(&page(4), &token).await.body;
    let fifth = qb.get(&page(5), &token).await.body;

    assert_eq!(third, vec![503, 503, 503, 200]);
    assert_eq!(waits, vec![true, true, true, false]);
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(fourth["data"].as_array().unwrap().len(), 37);
    assert_eq!(fourth["total_pages"], second.body["total_pages"]);
    assert!(fifth["total_count"].is_null());
    assert!(handle.faults().is_empty());
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn html_bodies_and_stalls_can_be_scripted_over_http() {
    let sim = start(25).await;
    let qb = Qbench::of(&sim);
    let token = qb.token().await;
    qb.control(
        "/_sim/faults",
        json!({"entity": "order", "route": "list", "times": 1,
               "action": {"kind": "status", "status": 200, "body": "<html>maintenance</html>", "content_type": "text/html"}}),
    )
    .await;
    qb.control(
        "/_sim/faults",
        json!({"entity": "order", "route": "detail", "times": 1, "action": {"kind": "delay", "ms": 1500}}),
    )
    .await;

    let html = qb.get("/qbench/api/v1/order", &token).await;
    let quick = qb
        .http
        .get(format!("{}/qbench/api/v1/order/1001", qb.base))
        .bearer_auth(&token);
    let timed_out = step(
        "stalled detail",
        quick.timeout(Duration::from_millis(300)).send(),
    )
    .await;

    assert_eq!(html.status, StatusCode::OK);
    assert_eq!(html.body, json!("<html>maintenance</html>"));
    assert_eq!(html.headers["content-type"], "text/html");
    assert!(timed_out.unwrap_err().is_timeout());
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn sparse_rows_lack_detail_fields_and_odd_values_appear_when_asked() {
    let sim = start(26).await;
    let qb = Qbench::of(&sim);
    let token = qb.token().await;
    qb.control(
        "/_sim/settings",
        json!({"sparse_list_rows": true, "odd_values": true}),
    )
    .await;

    let rows = all_rows(&qb, &token, "test").await;
    let first_id = rows[0]["id"].clone();
    let detail = qb
        .get(&format!("/qbench/api/v1/test/{first_id}"), &token)
        .await
        .body;

    assert!(
        rows.iter()
            .all(|r| r.get("has_report").is_none() && r.get("label_abbr").is_none())
    );
    assert!(detail.get("has_report").is_some());
    let odd = rows
        .iter()
        .filter(|r| {
            !r["sample_id"].is_u64()
                || !r["last_updated"].is_string()
                || !r["assay"].is_object()
                || r.get("state").is_none_or(Value::is_null)
                || r.get("qb_unannounced_field").is_some()
                || r["results"].as_str().is_some_and(|s| s.contains('\0'))
        })
        .count();
    assert!(
        odd > 0 && odd * 10 < rows.len(),
        "{odd} odd of {}",
        rows.len()
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_snapshot_route_tells_the_same_truth_as_the_handle() {
    let sim = start(27).await;
    let qb = Qbench::of(&sim);

    let request = qb.http.get(format!("{}/_sim/snapshot/order", qb.base));
    let body = answer(step("snapshot", request.send()).await.unwrap())
        .await
        .body;

    let truth: Vec<Value> = sim
        .handle()
        .snapshot(Entity::Order)
        .into_iter()
        .map(|row| json!([row.id, row.last_updated]))
        .collect();
    assert_eq!(body["records"], Value::Array(truth));
    assert_eq!(body["entity"], "order");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_window_route_keeps_only_changes_created_inside_the_window() {
    let sim = start(28).await;
    let qb = Qbench::of(&sim);
    let since = sim.handle().now();
    let moved = qb.control("/_sim/advance", json!({"days": 3})).await;
    let ids = |v: &Value| -> BTreeSet<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect()
    };

    // A window from the last sync on holds exactly what was created since.
    let query = [("since", since.to_rfc3339()), ("start", since.to_rfc3339())];
    let request = qb
        .http
        .get(format!("{}/_sim/window", qb.base))
        .query(&query);
    let recent = answer(step("window", request.send()).await.unwrap())
        .await
        .body;
    // A window reaching far back holds every change.
    let long_ago = (since - chrono::Duration::days(3650)).to_rfc3339();
    let query = [("since", since.to_rfc3339()), ("start", long_ago)];
    let request = qb
        .http
        .get(format!("{}/_sim/window", qb.base))
        .query(&query);
    let everything = answer(step("window", request.send()).await.unwrap())
        .await
        .body;

    assert_eq!(ids(&recent["test"]["new"]), ids(&moved["test"]["new"]));
    assert!(ids(&recent["test"]["updated"]).is_empty());
    assert_eq!(
        ids(&everything["test"]["updated"]),
        ids(&moved["test"]["updated"])
    );
    assert!(!ids(&moved["test"]["new"]).is_empty());
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn settings_that_would_stall_every_client_are_refused() {
    let sim = start(27).await;
    let qb = Qbench::of(&sim);
    let url = format!("{}/_sim/settings", qb.base);

    let refused = step(
        "zero in flight",
        qb.http.post(&url).json(&json!({"max_in_flight": 0})).send(),
    )
    .await
    .unwrap();
    let refused = answer(refused).await;
    let kept = qb.control("/_sim/settings", json!({})).await;

    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .body
            .to_string()
            .contains("max_in_flight must be at least 1"),
        "{}",
        refused.body
    );
    assert_eq!(kept["max_in_flight"], json!(10));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn answers_are_dated_by_the_lab_clock() {
    let sim = start(28).await;
    let qb = Qbench::of(&sim);
    let token = qb.token().await;

    let page = qb.get("/qbench/api/v1/customer?page_size=1", &token).await;

    let date = page.headers["date"].to_str().unwrap();
    let stated = chrono::DateTime::parse_from_rfc2822(date).unwrap();
    let lab = sim.handle().now();
    assert_eq!(stated.timestamp(), lab.timestamp(), "{date} against {lab}");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn contradictory_or_impossible_control_requests_are_refused() {
    let sim = start(29).await;
    let qb = Qbench::of(&sim);
    let before = sim.handle().now();
    let post = |path: &str, body: Value| {
        let url = format!("{}{path}", qb.base);
        let request = qb.http.post(url).json(&body);
        async move { answer(step("control", request.send()).await.unwrap()).await }
    };

    let both = post(
        "/_sim/advance",
        json!({"days": 1, "to": "2026-03-09T00:00:00Z"}),
    )
    .await;
    let status_99 = post(
        "/_sim/faults",
        json!({"route": "list", "action": {"kind": "status", "status": 99}}),
    )
    .await;

    assert_eq!(both.status, StatusCode::BAD_REQUEST, "{}", both.body);
    assert!(both.body.to_string().contains("not both"), "{}", both.body);
    assert_eq!(sim.handle().now(), before, "the clock moved");
    assert_eq!(status_99.status, StatusCode::BAD_REQUEST);
    assert!(
        status_99.body.to_string().contains("200 to 599"),
        "{}",
        status_99.body
    );
    assert!(sim.handle().faults().is_empty());
    sim.shutdown().await.unwrap();
}
