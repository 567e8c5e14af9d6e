//! The KPI and record routes over HTTP: each answers the earlier tool's
//! fields, honours the banlist and names a bad parameter.
//!
//! The fixture lab works in UTC and has two customers; everything of
//! "Hidden Co" (order 20, sample 200, test 2000) disappears once it is
//! banned.
//!
//! | test | sample | customer | label | created | reported | TAT h |
//! | --- | --- | --- | --- | --- | --- | --- |
//! | 1000 | 100 | 1 Acme Labs | CN | Feb 1 13:00 | not reported | |
//! | 1001 | 100 | 1 Acme Labs | MB | Feb 1 13:00 | Feb 2 13:00 | 24 |
//! | 2000 | 200 | 2 Hidden Co | TP | Feb 2 13:00 | Feb 4 13:00 | 48 |

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::TestApp;

const FIXTURE: &str = "
INSERT INTO customers (id, name, date_created, raw_payload) VALUES
  (1, 'Acme Labs', '2026-02-01 10:00Z', '{}'),
  (2, 'Hidden Co', '2026-02-02 10:00Z', '{}');
INSERT INTO orders (id, custom_formatted_id, customer_account_id, state, date_created,
                    raw_payload) VALUES
  (10, 'O-10', 1, 'RECEIVED', '2026-02-01 11:00Z', '{}'),
  (20, 'O-20', 2, 'REPORTED', '2026-02-02 11:00Z', '{}');
INSERT INTO samples (id, order_id, sample_name, custom_formatted_id, matrix_type, sample_type,
                     state, has_report, batch_ids, date_created, completed_date,
                     raw_payload) VALUES
  (100, 10, 'Flower A', 'S-100', 'Flower', 'Adult Use', 'IN PROGRESS', false, '{}',
   '2026-02-01 12:00Z', NULL, '{}'),
  (200, 20, 'Gummy B', 'S-200', 'Edible', 'Medical', 'COMPLETED', true, '{500}',
   '2026-02-02 12:00Z', '2026-02-04 14:00Z', '{}');
INSERT INTO tests (id, sample_id, label_abbr, state, has_report, batch_ids, date_created,
                   report_completed_date, raw_payload) VALUES
  (1000, 100, 'CN', 'IN PROGRESS', false, '{}', '2026-02-01 13:00Z', NULL, '{}'),
  (1001, 100, 'MB', 'COMPLETED', true, '{}', '2026-02-01 13:00Z', '2026-02-02 13:00Z', '{}'),
  (2000, 200, 'TP', 'REPORTED', true, '{500}', '2026-02-02 13:00Z', '2026-02-04 13:00Z', '{}');
INSERT INTO batches (id, display_name, raw_payload) VALUES (500, 'TP batch 500', '{}');
INSERT INTO sync_checkpoints (entity, updated_at) VALUES ('test', '2026-02-05 06:00Z');
";

const RANGE: &str = "date_from=2026-02-01&date_to=2026-02-05";
const REPORT_RANGE: &str = "date_created_from=2026-02-01&date_created_to=2026-02-05";

/// A served API holding the fixture lab, and a valid token.
async fn lab() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    mirror_testkit::step("fixture", sqlx::raw_sql(FIXTURE).execute(&app.db.pool))
        .await
        .unwrap();
    app.create_user("alice").await;
    let token = app.token("alice").await;
    (app, token)
}

async fn ban(app: &TestApp, entity_type: &str, id: i32) {
    let insert = sqlx::query(
        "INSERT INTO banned_entities (entity_type, entity_id, reason) VALUES ($1, $2, 'test')",
    )
    .bind(entity_type)
    .bind(id)
    .execute(&app.db.pool);
    mirror_testkit::step("ban", insert).await.unwrap();
}

/// One metric route: what it is asked, the fields its body must have, and
/// what of its answer the hidden customer contributes to.
struct MetricRoute {
    path: String,
    fields: &'static [&'static str],
    footprint: fn(&Value) -> Value,
    before_ban: Value,
    after_ban: Value,
}

fn route(
    path: &str,
    fields: &'static [&'static str],
    footprint: fn(&Value) -> Value,
    before_ban: Value,
    after_ban: Value,
) -> MetricRoute {
    MetricRoute {
        path: format!("/api/v1/metrics/{path}"),
        fields,
        footprint,
        before_ban,
        after_ban,
    }
}

/// `field` of every row of `rows`, in order.
fn column(rows: &Value, field: &str) -> Value {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| row[field].clone())
        .collect()
}

/// The sum of the integer `field` over `rows`; nulls count 0.
fn total(rows: &Value, field: &str) -> i64 {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| row[field].as_i64().unwrap_or(0))
        .sum()
}

fn metric_routes() -> Vec<MetricRoute> {
    vec![
        route(
            &format!("summary?{RANGE}"),
            &["kpis", "last_updated_at", "range_start", "range_end"],
            |b| {
                let k = &b["kpis"];
                json!([
                    k["total_samples"],
                    k["total_tests"],
                    k["total_customers"],
                    k["total_reports"]
                ])
            },
            json!([2, 3, 2, 2]),
            json!([1, 2, 1, 1]),
        ),
        // Spelt as Python's `requests` writes a boolean.
        route(
            &format!("activity/daily?{RANGE}&compare_previous=True"),
            &["current", "previous"],
            |b| {
                let c = &b["current"];
                json!([
                    total(c, "samples"),
                    total(c, "tests"),
                    total(c, "tests_reported")
                ])
            },
            json!([2, 3, 2]),
            json!([1, 2, 1]),
        ),
        route(
            &format!("samples/overview?{RANGE}"),
            &["kpis", "by_state", "by_matrix_type", "created_vs_completed"],
            |b| {
                json!([
                    b["kpis"]["total_samples"],
                    column(&b["by_matrix_type"], "key")
                ])
            },
            json!([2, ["Edible", "Flower"]]),
            json!([1, ["Flower"]]),
        ),
        route(
            &format!("tests/overview?{RANGE}"),
            &["kpis", "by_state", "by_label"],
            |b| json!([b["kpis"]["total_tests"], b["kpis"]["completed_tests"]]),
            json!([3, 2]),
            json!([2, 1]),
        ),
        route(
            &format!("tests/label-distribution?{RANGE}"),
            &["labels"],
            |b| json!(total(&b["labels"], "count")),
            json!(3),
            json!(2),
        ),
        route(
            &format!("customers/new?{RANGE}"),
            &["customers"],
            |b| column(&b["customers"], "id"),
            json!([2, 1]),
            json!([1]),
        ),
        route(
            &format!("customers/top-tests?{RANGE}"),
            &["customers"],
            |b| column(&b["customers"], "id"),
            json!([1, 2]),
            json!([1]),
        ),
        route(
            &format!("tests/tat?{REPORT_RANGE}&group_by=week"),
            &["metrics", "distribution", "series"],
            |b| {
                json!([
                    total(&b["distribution"], "count"),
                    b["metrics"]["average_hours"]
                ])
            },
            json!([2, 36.0]),
            json!([1, 24.0]),
        ),
        route(
            &format!("tests/tat-breakdown?{REPORT_RANGE}"),
            &["breakdown"],
            |b| column(&b["breakdown"], "label"),
            json!(["MB", "TP"]),
            json!(["MB"]),
        ),
        route(
            &format!("tests/tat-daily?{RANGE}&sla_hours=24"),
            &["points", "moving_average_hours"],
            |b| {
                json!([
                    total(&b["points"], "within_sla"),
                    total(&b["points"], "beyond_sla")
                ])
            },
            json!([1, 1]),
            json!([1, 0]),
        ),
        route(
            &format!("reports/overview?{RANGE}"),
            &["total_reports", "reports_within_sla", "reports_beyond_sla"],
            |b| b["total_reports"].clone(),
            json!(2),
            json!(1),
        ),
        route(
            "common/filters",
            &[
                "customers",
                "order_states",
                "sample_states",
                "test_states",
                "last_updated_at",
                "lab_timezone",
                "sla_hours",
            ],
            |b| {
                let customers = column(&b["customers"], "id");
                json!([customers, b["order_states"], b["sample_states"]])
            },
            json!([
                [1, 2],
                ["RECEIVED", "REPORTED"],
                ["COMPLETED", "IN PROGRESS"]
            ]),
            json!([[1], ["RECEIVED"], ["IN PROGRESS"]]),
        ),
        // Checkpoints hold no records, so a ban changes nothing here.
        route(
            "sync/status?entity=tests",
            &["entity", "updated_at"],
            |b| b["updated_at"].clone(),
            json!("2026-02-05T06:00:00Z"),
            json!("2026-02-05T06:00:00Z"),
        ),
    ]
}

fn assert_fields(path: &str, body: &Value, fields: &[&str]) {
    let object = body.as_object().unwrap_or_else(|| panic!("{path}: {body}"));
    for field in fields {
        assert!(object.contains_key(*field), "{path}: no {field} in {body}");
    }
}

#[tokio::test]
async fn every_metric_route_answers_its_fields_and_drops_a_banned_customer() {
    let (app, token) = lab().await;
    let routes = metric_routes();

    let mut before = Vec::new();
    for route in &routes {
        let (status, body) = app.get(&route.path, Some(&token)).await;
        assert_eq!(status, 200, "{}: {body}", route.path);
        assert_fields(&route.path, &body, route.fields);
        before.push((route.footprint)(&body));
    }
    ban(&app, "customer", 2).await;

    for (route, before) in routes.iter().zip(before) {
        let (status, body) = app.get(&route.path, Some(&token)).await;
        assert_eq!(status, 200, "{}: {body}", route.path);
        assert_eq!(before, route.before_ban, "{} before the ban", route.path);
        assert_eq!(
            (route.footprint)(&body),
            route.after_ban,
            "{} after the ban",
            route.path
        );
    }
    app.finish().await;
}

const RECORDS: [(&str, &[&str]); 3] = [
    ("samples/200", &["sample", "order", "tests", "batches"]),
    ("tests/2000", &["test", "sample", "order", "batches"]),
    (
        "orders/20?include_tests=true",
        &["order", "customer", "samples"],
    ),
];

#[tokio::test]
async fn record_routes_answer_404_once_their_customer_is_banned() {
    let (app, token) = lab().await;

    for (path, fields) in RECORDS {
        let path = format!("/api/v1/entities/{path}");
        let (status, body) = app.get(&path, Some(&token)).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_fields(&path, &body, fields);
    }
    ban(&app, "customer", 2).await;

    for (path, _) in RECORDS {
        let path = format!("/api/v1/entities/{path}");
        let (status, body) = app.get(&path, Some(&token)).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["code"], json!("not_found"), "{path}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.starts_with("no visible "), "{path}: {message}");
    }
    let (status, _) = app.get("/api/v1/entities/orders/10", Some(&token)).await;
    assert_eq!(status, 200, "the other customer's order stays");
    app.finish().await;
}

#[tokio::test]
async fn a_banned_test_leaves_its_sample_and_every_figure() {
    let (app, token) = lab().await;

    ban(&app, "test", 2000).await;

    let (status, sample) = app.get("/api/v1/entities/samples/200", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(sample["tests"], json!([]));
    let (status, _) = app.get("/api/v1/entities/tests/2000", Some(&token)).await;
    assert_eq!(status, 404);
    let (_, tat) = app
        .get(
            &format!("/api/v1/metrics/tests/tat?{REPORT_RANGE}"),
            Some(&token),
        )
        .await;
    assert_eq!(total(&tat["distribution"], "count"), 1);
    let (_, labels) = app
        .get(
            &format!("/api/v1/metrics/tests/label-distribution?{RANGE}"),
            Some(&token),
        )
        .await;
    assert_eq!(column(&labels["labels"], "label"), json!(["CN", "MB"]));
    app.finish().await;
}

#[tokio::test]
async fn bad_parameters_answer_400_naming_the_parameter() {
    let (app, token) = lab().await;
    let cases = [
        ("metrics/summary?date_from=yesterday", "date_from"),
        (
            "metrics/summary?date_from=2026-02-05&date_to=2026-02-01",
            "date_to",
        ),
        // The day before: its end is the start's midnight, an empty range.
        (
            "metrics/summary?date_from=2026-02-05&date_to=2026-02-04",
            "date_to",
        ),
        (
            "metrics/summary?date_from=2026-02-05T10:00:00Z&date_to=2026-02-05T09:59:59Z",
            "date_to",
        ),
        ("metrics/reports/overview?sla_hours=-1", "sla_hours"),
        // Past a year, the bound SLA_HOURS has too.
        ("metrics/summary?sla_hours=1e9", "sla_hours"),
        ("metrics/tests/tat-daily?sla_hours=lots", "sla_hours"),
        ("metrics/tests/tat?group_by=month", "group_by"),
        // PostgreSQL text cannot hold NUL; the fuzz found it as a 500.
        ("metrics/summary?state=a%00b", "state"),
        // Before PostgreSQL's first year; also a fuzz finding.
        (
            "metrics/activity/daily?date_from=-262000-01-01",
            "date_from",
        ),
        (
            "metrics/tests/tat-breakdown?date_created_to=02/05/2026",
            "date_created_to",
        ),
        ("metrics/customers/new?limit=0", "limit"),
        ("metrics/tests/overview?batch_id=first", "batch_id"),
        (
            "metrics/activity/daily?compare_previous=maybe",
            "compare_previous",
        ),
        ("metrics/sync/status?entity=widgets", "entity"),
        ("entities/samples/abc", "id"),
        ("entities/tests/0", "id"),
        ("entities/orders/-5", "id"),
        (
            "entities/orders/10?include_samples=perhaps",
            "include_samples",
        ),
    ];

    for (path, parameter) in cases {
        let (status, body) = app.get(&format!("/api/v1/{path}"), Some(&token)).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["code"], "invalid_parameter", "{path}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{parameter}: ")),
            "{path}: {message}"
        );
    }
    app.finish().await;
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_with_its_parameters() {
    let app = TestApp::spawn().await;

    let (status, document) = app.get("/api/openapi.json", None).await;

    assert_eq!(status, StatusCode::OK);
    let expected: [(&str, &[&str]); 16] = [
        (
            "metrics/summary",
            &[
                "date_from",
                "date_to",
                "customer_id",
                "order_id",
                "state",
                "sla_hours",
            ],
        ),
        (
            "metrics/activity/daily",
            &["date_from", "date_to", "compare_previous"],
        ),
        (
            "metrics/samples/overview",
            &["date_from", "date_to", "customer_id", "state"],
        ),
        (
            "metrics/tests/overview",
            &["date_from", "date_to", "batch_id"],
        ),
        (
            "metrics/tests/label-distribution",
            &["date_from", "date_to", "order_id"],
        ),
        ("metrics/customers/new", &["date_from", "date_to", "limit"]),
        (
            "metrics/customers/top-tests",
            &["date_from", "date_to", "limit"],
        ),
        (
            "metrics/tests/tat",
            &[
                "date_created_from",
                "date_created_to",
                "sla_hours",
                "group_by",
            ],
        ),
        (
            "metrics/tests/tat-breakdown",
            &["date_created_from", "date_created_to"],
        ),
        (
            "metrics/tests/tat-daily",
            &["date_from", "sla_hours", "moving_average_window"],
        ),
        (
            "metrics/reports/overview",
            &["date_from", "date_to", "sla_hours"],
        ),
        ("metrics/common/filters", &[]),
        ("metrics/sync/status", &["entity"]),
        ("entities/samples/{id}", &["id", "sla_hours"]),
        ("entities/tests/{id}", &["id", "sla_hours"]),
        (
            "entities/orders/{id}",
            &["id", "sla_hours", "include_samples", "include_tests"],
        ),
    ];
    for (path, parameters) in expected {
        let path = format!("/api/v1/{path}");
        let operation = &document["paths"][&path]["get"];
        assert!(operation.is_object(), "{path} missing");
        let names = column(operation.get("parameters").unwrap_or(&json!([])), "name");
        for parameter in parameters {
            assert!(
                names.as_array().unwrap().contains(&json!(parameter)),
                "{path}: {parameter}"
            );
        }
        assert_eq!(operation["security"], json!([{"bearer": []}]), "{path}");
        for status in ["200", "400", "401"] {
            assert!(
                operation["responses"][status].is_object(),
                "{path}: {status}"
            );
        }
    }
    let record = &document["paths"]["/api/v1/entities/tests/{id}"]["get"];
    assert!(record["responses"]["404"].is_object());
    app.finish().await;
}
