//! Every KPI against values computed by hand on a small fixture lab.
//!
//! The lab works in America/New_York (UTC-5 in February 2026). Times below
//! are written as lab wall time, with the stored UTC instant beside them.
//!
//! | test | sample (type) | label | created (lab) | reported (lab) | TAT h |
//! | --- | --- | --- | --- | --- | --- |
//! | 1000 | 100 (Adult Use) | CN | Feb 1 14:00 | Feb 2 14:00 | 24 |
//! | 1001 | 100 (Adult Use) | MB | Feb 1 14:00 | Feb 3 14:00 | 48, exactly the SLA |
//! | 1002 | 101 (Medical) | CN | Feb 1 13:30 | Feb 3 23:30 (Feb 4 04:30Z) | 58 |
//! | 1003 | 101 (Medical) | TP | Feb 2 14:00 | Feb 3 14:00 | 24 |
//! | 1007 | 101 (Medical) | TP | Feb 2 10:00 | Feb 3 10:00 | 24, a tie |
//! | 1004 | 200 (Adult Use) | MB | Feb 3 13:30 | Feb 4 00:30 (Feb 4 05:30Z) | 11 |
//! | 1005 | 200 (Adult Use) | CN | Feb 3 12:00 | not reported | |
//! | 1006 | 200 (Adult Use) | HM | Feb 4 10:00 | Feb 4 08:00 | -2, negative |
//! | 3000 | 300, banned customer | CN | Feb 2 10:00 | Feb 3 10:00 | hidden |
//!
//! 1002 and 1004 are reported on the same UTC day but on two lab days.
//! Valid turnarounds of the range Feb 1-5: 11, 24, 24, 24, 48, 58 (sum 189).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use mirror_kpis::*;
use mirror_testkit::{TestDatabase, step};
use serde_json::{Value, json};

const FIXTURE: &str = "
INSERT INTO customers (id, name, date_created, raw_payload, fetched_at) VALUES
  (1, 'Acme Labs', '2026-02-01 15:00Z', '{}', '2026-02-05 12:00Z'),
  (2, 'Bravo Farms', '2026-02-03 14:00Z', '{}', '2026-02-05 12:00Z'),
  (3, 'Banned Co', '2026-02-02 17:00Z', '{}', '2026-02-06 00:00Z');
INSERT INTO banned_entities (entity_type, entity_id, reason) VALUES ('customer', 3, 'test');
INSERT INTO orders (id, custom_formatted_id, customer_account_id, state, date_created,
                    date_received, date_order_reported, raw_payload, fetched_at) VALUES
  (10, 'O-10', 1, 'REPORTED', '2026-02-01 17:00Z', NULL, '2026-02-04 14:00Z', '{}',
   '2026-02-05 12:00Z'),
  (20, 'O-20', 2, 'RECEIVED', '2026-02-03 15:00Z', '2026-02-03 15:30Z', NULL, '{}',
   '2026-02-05 12:00Z'),
  (30, 'O-30', 3, 'REPORTED', '2026-02-02 17:00Z', NULL, NULL, '{}', '2026-02-06 00:00Z');
INSERT INTO samples (id, order_id, sample_name, custom_formatted_id, matrix_type, sample_type,
                     state, has_report, batch_ids, date_created, completed_date, raw_payload,
                     fetched_at) VALUES
  (100, 10, 'Flower A', 'S-100', 'Flower', 'Adult Use', 'COMPLETED', true, '{500}',
   '2026-02-01 18:00Z', '2026-02-03 19:00Z', '{}', '2026-02-05 12:00Z'),
  (101, 10, 'Gummy B', 'S-101', 'Edible', 'Medical', 'IN PROGRESS', false, '{}',
   '2026-02-01 18:00Z', NULL, '{}', '2026-02-05 12:00Z'),
  (200, 20, 'Vape C', 'S-200', 'Concentrate', 'Adult Use', 'IN PROGRESS', false, '{}',
   '2026-02-03 16:00Z', NULL, '{}', '2026-02-05 12:00Z'),
  (300, 30, 'Hidden', 'S-300', 'Flower', 'Adult Use', 'COMPLETED', true, '{}',
   '2026-02-02 14:00Z', '2026-02-03 17:00Z', '{}', '2026-02-06 00:00Z');
INSERT INTO tests (id, sample_id, label_abbr, state, has_report, batch_ids, date_created,
                   report_completed_date, worksheet_raw, raw_payload, fetched_at) VALUES
  (1000, 100, 'CN', 'REPORTED', true, '{500}', '2026-02-01 19:00Z', '2026-02-02 19:00Z',
   '{\"thc\": \"21.4\"}', '{}', '2026-02-05 12:00Z'),
  (1001, 100, 'MB', 'REPORTED', true, '{500}', '2026-02-01 19:00Z', '2026-02-03 19:00Z',
   NULL, '{}', '2026-02-05 12:00Z'),
  (1002, 101, 'CN', 'REPORTED', true, '{}', '2026-02-01 18:30Z', '2026-02-04 04:30Z',
   NULL, '{}', '2026-02-05 12:00Z'),
  (1003, 101, 'TP', 'REPORTED', true, '{}', '2026-02-02 19:00Z', '2026-02-03 19:00Z',
   NULL, '{}', '2026-02-05 12:00Z'),
  (1007, 101, 'TP', 'REPORTED', true, '{}', '2026-02-02 15:00Z', '2026-02-03 15:00Z',
   NULL, '{}', '2026-02-05 12:00Z'),
  (1004, 200, 'MB', 'REPORTED', true, '{}', '2026-02-03 18:30Z', '2026-02-04 05:30Z',
   NULL, '{}', '2026-02-05 12:00Z'),
  (1005, 200, 'CN', 'IN PROGRESS', false, '{}', '2026-02-03 17:00Z', NULL,
   NULL, '{}', '2026-02-05 12:00Z'),
  (1006, 200, 'HM', 'REPORTED', true, '{}', '2026-02-04 15:00Z', '2026-02-04 13:00Z',
   NULL, '{}', '2026-02-05 12:00Z'),
  (3000, 300, 'CN', 'REPORTED', true, '{}', '2026-02-02 15:00Z', '2026-02-03 15:00Z',
   NULL, '{}', '2026-02-06 00:00Z');
INSERT INTO batches (id, display_name, raw_payload, fetched_at) VALUES
  (500, 'CN batch 500', '{}', '2026-02-05 11:00Z');
INSERT INTO sync_checkpoints (entity, updated_at) VALUES ('test', '2026-02-05 06:00Z');
";

/// A migrated database holding the fixture lab.
async fn lab() -> TestDatabase {
    let db = step("create database", TestDatabase::create())
        .await
        .unwrap();
    step("migrate", mirror_store::migrate(&db.pool, Tz::UTC))
        .await
        .unwrap();
    step("insert fixture", sqlx::raw_sql(FIXTURE).execute(&db.pool))
        .await
        .unwrap();
    db
}

fn settings() -> KpiSettings {
    KpiSettings {
        lab_timezone: chrono_tz::America::New_York,
        default_sla_hours: 48.0,
        tat_sample_types: None,
    }
}

fn json_of(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}

fn range(from: &str, to: &str) -> (Option<String>, Option<String>) {
    (Some(from.to_owned()), Some(to.to_owned()))
}

fn sla_query(from: &str, to: &str, sla_hours: Option<f64>) -> SlaRangeQuery {
    let (date_from, date_to) = range(from, to);
    SlaRangeQuery {
        date_from,
        date_to,
        sla_hours,
        ..SlaRangeQuery::default()
    }
}

/// Lab time Thursday 5 February 2026, 13:00.
fn now() -> DateTime<Utc> {
    "2026-02-05T18:00:00Z".parse().unwrap()
}

fn assert_invalid<T: std::fmt::Debug>(result: Result<T, KpiError>, parameter: &str) {
    match result {
        Err(KpiError::InvalidParameter { name, .. }) => assert_eq!(name, parameter),
        other => panic!("expected invalid {parameter}, got {other:?}"),
    }
}

#[tokio::test]
async fn summary_counts_the_range_and_hides_the_banned_customer() {
    let db = lab().await;
    let query = sla_query("2026-02-01", "2026-02-05", None);

    let body = step("summary", summary(&db.pool, &settings(), &query))
        .await
        .unwrap();

    // Samples 100, 101, 200; tests 1000-1007; customers 1 and 2 (3 banned);
    // reports: 7 (1005 unreported). Mean of 11, 24, 24, 24, 48, 58 = 189 / 6.
    // Within 48 h: all but 58 (48 itself counts as within); 1006 excluded.
    assert_eq!(
        json_of(&body),
        json!({
            "kpis": {
                "total_samples": 3,
                "total_tests": 8,
                "total_customers": 2,
                "total_reports": 7,
                "average_tat_hours": 31.5,
                "reports_within_sla": 5,
                "reports_beyond_sla": 1,
                "negative_tat_excluded": 1
            },
            "last_updated_at": "2026-02-05T12:00:00Z",
            "range_start": "2026-02-01T05:00:00Z",
            "range_end": "2026-02-06T05:00:00Z"
        })
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn summary_of_an_empty_range_answers_zeros_and_null_mean() {
    let db = lab().await;
    let query = sla_query("2025-01-01", "2025-01-02", None);

    let body = step("summary", summary(&db.pool, &settings(), &query))
        .await
        .unwrap();

    assert_eq!(
        json_of(&body.kpis),
        json!({
            "total_samples": 0, "total_tests": 0, "total_customers": 0, "total_reports": 0,
            "average_tat_hours": null, "reports_within_sla": 0, "reports_beyond_sla": 0,
            "negative_tat_excluded": 0
        })
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn summary_honours_sla_hours_and_the_counted_sample_types() {
    let db = lab().await;
    let query = sla_query("2026-02-01", "2026-02-05", Some(24.0));
    let mut adult_use = settings();
    adult_use.tat_sample_types = Some(vec!["Adult Use".to_owned()]);

    let tight = step("summary", summary(&db.pool, &settings(), &query))
        .await
        .unwrap();
    let typed = step("summary", summary(&db.pool, &adult_use, &query))
        .await
        .unwrap();

    // At 24 h: 11, 24, 24, 24 within; 48 and 58 beyond.
    assert_eq!(
        (tight.kpis.reports_within_sla, tight.kpis.reports_beyond_sla),
        (4, 2)
    );
    // Adult Use only (samples 100, 200): 24, 48, 11 -> 83 / 3 = 27.67, of
    // which 11 and 24 are within 24 h; 1006 (-2 h) is Adult Use too.
    // Reports still count every type.
    assert_eq!(typed.kpis.average_tat_hours, Some(27.67));
    assert_eq!(
        (typed.kpis.reports_within_sla, typed.kpis.reports_beyond_sla),
        (2, 1)
    );
    assert_eq!(typed.kpis.negative_tat_excluded, 1);
    assert_eq!(typed.kpis.total_reports, 7);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn bad_parameters_are_named() {
    let db = lab().await;
    let s = settings();

    let backwards = sla_query("2026-02-05", "2026-02-01", None);
    assert_invalid(summary(&db.pool, &s, &backwards).await, "date_to");
    let malformed = sla_query("02/01/2026", "2026-02-01", None);
    assert_invalid(summary(&db.pool, &s, &malformed).await, "date_from");
    let zero_sla = sla_query("2026-02-01", "2026-02-05", Some(0.0));
    assert_invalid(reports_overview(&db.pool, &s, &zero_sla).await, "sla_hours");
    let no_limit = CustomersQuery {
        limit: Some(0),
        ..CustomersQuery::default()
    };
    assert_invalid(new_customers(&db.pool, &s, &no_limit).await, "limit");
    let widgets = SyncStatusQuery {
        entity: Some("widgets".to_owned()),
    };
    assert_invalid(sync_status(&db.pool, &widgets).await, "entity");
    let negative = SlaRangeQuery {
        customer_id: Some(-1),
        ..sla_query("2026-02-01", "2026-02-05", None)
    };
    assert_invalid(summary(&db.pool, &s, &negative).await, "customer_id");
    let zero_order = SlaRangeQuery {
        order_id: Some(0),
        ..sla_query("2026-02-01", "2026-02-05", None)
    };
    assert_invalid(summary(&db.pool, &s, &zero_order).await, "order_id");
    let negative_batch = TestsOverviewQuery {
        batch_id: Some(-1),
        ..TestsOverviewQuery::default()
    };
    assert_invalid(
        tests_overview(&db.pool, &s, &negative_batch).await,
        "batch_id",
    );
    // `state=` is a form's "any": it filters nothing.
    let any_state = SlaRangeQuery {
        state: Some(String::new()),
        ..sla_query("2026-02-01", "2026-02-05", None)
    };
    let all = summary(&db.pool, &s, &sla_query("2026-02-01", "2026-02-05", None))
        .await
        .unwrap();
    let any = summary(&db.pool, &s, &any_state).await.unwrap();
    assert_eq!(json_of(&any.kpis), json_of(&all.kpis));
    assert_eq!(any.kpis.total_tests, 8);
    db.drop_database().await.unwrap();
}

/// `activity/daily` over the fixture lab from `from` to `to`.
async fn activity(db: &TestDatabase, from: &str, to: &str, compare: bool) -> Value {
    let (date_from, date_to) = range(from, to);
    let query = ActivityQuery {
        date_from,
        date_to,
        compare_previous: compare.then_some(true),
        ..ActivityQuery::default()
    };
    let body = step("activity", activity_daily(&db.pool, &settings(), &query))
        .await
        .unwrap();
    json_of(&body)
}

#[tokio::test]
async fn activity_zero_fills_days_and_buckets_in_the_lab_zone() {
    let db = lab().await;
    let body = activity(&db, "2026-02-01", "2026-02-05", false).await;

    // 1002 (23:30 lab, Feb 3) and 1004 (00:30 lab, Feb 4) share a UTC day
    // but not a lab day. Feb 5 has nothing and still has a row.
    assert_eq!(
        body,
        json!({
            "current": [
                {"date": "2026-02-01", "samples": 2, "tests": 3, "tests_reported": 0},
                {"date": "2026-02-02", "samples": 0, "tests": 2, "tests_reported": 1},
                {"date": "2026-02-03", "samples": 1, "tests": 2, "tests_reported": 4},
                {"date": "2026-02-04", "samples": 0, "tests": 1, "tests_reported": 2},
                {"date": "2026-02-05", "samples": 0, "tests": 0, "tests_reported": 0}
            ],
            "previous": null
        })
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn activity_compares_with_the_days_just_before() {
    let db = lab().await;
    let body = activity(&db, "2026-02-03", "2026-02-04", true).await;

    // Two days, so the previous period is Feb 1-2, day by day.
    assert_eq!(
        body,
        json!({
            "current": [
                {"date": "2026-02-03", "samples": 1, "tests": 2, "tests_reported": 4},
                {"date": "2026-02-04", "samples": 0, "tests": 1, "tests_reported": 2}
            ],
            "previous": [
                {"date": "2026-02-01", "samples": 2, "tests": 3, "tests_reported": 0},
                {"date": "2026-02-02", "samples": 0, "tests": 2, "tests_reported": 1}
            ]
        })
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn activity_compares_a_partial_range_with_the_same_hours_before() {
    let db = lab().await;
    let body = activity(&db, "2026-02-03T12:00", "2026-02-04T12:00", true).await;

    // Noon Feb 3 to noon Feb 4 (lab): sample 200 (11:00) and report 1007
    // (10:00) are before it. The previous period is noon Feb 1 to noon
    // Feb 2, so test 1003 (14:00 Feb 2) and report 1000 (14:00 Feb 2) are
    // after it; whole days would have counted them.
    assert_eq!(
        body,
        json!({
            "current": [
                {"date": "2026-02-03", "samples": 0, "tests": 2, "tests_reported": 3},
                {"date": "2026-02-04", "samples": 0, "tests": 1, "tests_reported": 2}
            ],
            "previous": [
                {"date": "2026-02-01", "samples": 2, "tests": 3, "tests_reported": 0},
                {"date": "2026-02-02", "samples": 0, "tests": 1, "tests_reported": 0}
            ]
        })
    );
    db.drop_database().await.unwrap();
}

fn tat_query(from: &str, to: &str) -> TatQuery {
    let (date_created_from, date_created_to) = range(from, to);
    TatQuery {
        date_created_from,
        date_created_to,
        ..TatQuery::default()
    }
}

#[tokio::test]
async fn tat_interpolates_percentiles_and_buckets_upper_bounds_inclusive() {
    let db = lab().await;
    let query = tat_query("2026-02-01", "2026-02-05");

    let body = step("tat", tests_tat(&db.pool, &settings(), &query))
        .await
        .unwrap();

    // Sorted 11, 24, 24, 24, 48, 58: median at rank 2.5 -> 24; p95 at
    // 0.95 * 5 = 4.75 -> 48 + 0.75 * (58 - 48) = 55.5. Daily means: Feb 2
    // 24; Feb 3 (48 + 24 + 24 + 58) / 4 = 38.5; Feb 4 11 (1006 excluded).
    assert_eq!(
        json_of(&body),
        json!({
            "metrics": {
                "average_hours": 31.5,
                "median_hours": 24.0,
                "p95_hours": 55.5,
                "completed_within_sla": 5,
                "completed_beyond_sla": 1,
                "negative_tat_excluded": 1
            },
            "distribution": [
                {"label": "0-24h", "count": 4},
                {"label": "24-48h", "count": 1},
                {"label": "48-72h", "count": 1},
                {"label": "72-168h", "count": 0},
                {"label": ">168h", "count": 0}
            ],
            "series": [
                {"period_start": "2026-02-01", "value": null},
                {"period_start": "2026-02-02", "value": 24.0},
                {"period_start": "2026-02-03", "value": 38.5},
                {"period_start": "2026-02-04", "value": 11.0},
                {"period_start": "2026-02-05", "value": null}
            ]
        })
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn tat_of_a_single_test_and_of_an_empty_range() {
    let db = lab().await;
    let single = TatQuery {
        order_id: Some(20),
        ..tat_query("2026-02-01", "2026-02-05")
    };
    let empty = tat_query("2025-01-01", "2025-01-01");

    let one = step("tat", tests_tat(&db.pool, &settings(), &single))
        .await
        .unwrap();
    let none = step("tat", tests_tat(&db.pool, &settings(), &empty))
        .await
        .unwrap();

    // Order 20: only 1004 (11 h) counts; 1006 is negative.
    assert_eq!(
        json_of(&one.metrics),
        json!({
            "average_hours": 11.0, "median_hours": 11.0, "p95_hours": 11.0,
            "completed_within_sla": 1, "completed_beyond_sla": 0, "negative_tat_excluded": 1
        })
    );
    assert_eq!(
        json_of(&none.metrics),
        json!({
            "average_hours": null, "median_hours": null, "p95_hours": null,
            "completed_within_sla": 0, "completed_beyond_sla": 0, "negative_tat_excluded": 0
        })
    );
    assert!(none.distribution.iter().all(|b| b.count == 0));
    assert_eq!(
        json_of(&none.series),
        json!([{"period_start": "2025-01-01", "value": null}])
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn tat_groups_by_iso_week_and_honours_sla_hours() {
    let db = lab().await;
    let query = TatQuery {
        group_by: Some(TatGrouping::Week),
        sla_hours: Some(24.0),
        ..tat_query("2026-02-01", "2026-02-05")
    };

    let body = step("tat", tests_tat(&db.pool, &settings(), &query))
        .await
        .unwrap();

    // Feb 1 2026 is a Sunday: its week starts Jan 26 and has no report.
    assert_eq!(
        json_of(&body.series),
        json!([
            {"period_start": "2026-01-26", "value": null},
            {"period_start": "2026-02-02", "value": 31.5}
        ])
    );
    assert_eq!(body.metrics.completed_within_sla, 4);
    assert_eq!(body.metrics.completed_beyond_sla, 2);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn tat_breakdown_per_label_with_ties_and_a_negative_only_label() {
    let db = lab().await;
    let (date_created_from, date_created_to) = range("2026-02-01", "2026-02-05");
    let query = TatBreakdownQuery {
        date_created_from,
        date_created_to,
        ..TatBreakdownQuery::default()
    };

    let body = step("breakdown", tat_breakdown(&db.pool, &settings(), &query))
        .await
        .unwrap();

    // CN 24, 58: p95 = 24 + 0.95 * 34 = 56.3. MB 11, 48: p95 = 11 + 0.95 *
    // 37 = 46.15. TP 24, 24 (a tie): every statistic 24. HM: only -2.
    assert_eq!(
        json_of(&body),
        json!({"breakdown": [
            {"label": "CN", "average_hours": 41.0, "median_hours": 41.0, "p95_hours": 56.3,
             "total_tests": 2, "negative_tat_excluded": 0},
            {"label": "MB", "average_hours": 29.5, "median_hours": 29.5, "p95_hours": 46.15,
             "total_tests": 2, "negative_tat_excluded": 0},
            {"label": "TP", "average_hours": 24.0, "median_hours": 24.0, "p95_hours": 24.0,
             "total_tests": 2, "negative_tat_excluded": 0},
            {"label": "HM", "average_hours": null, "median_hours": null, "p95_hours": null,
             "total_tests": 0, "negative_tat_excluded": 1}
        ]})
    );
    db.drop_database().await.unwrap();
}

fn daily_query(from: &str, to: &str, window: Option<u32>) -> TatDailyQuery {
    let (date_from, date_to) = range(from, to);
    TatDailyQuery {
        date_from,
        date_to,
        moving_average_window: window,
        ..TatDailyQuery::default()
    }
}

#[tokio::test]
async fn tat_daily_moves_its_average_over_calendar_days() {
    let db = lab().await;
    let query = daily_query("2026-02-01", "2026-02-05", Some(2));

    let body = step("tat daily", tests_tat_daily(&db.pool, &settings(), &query))
        .await
        .unwrap();

    // Day sums: Feb 2 24 (1), Feb 3 154 (4), Feb 4 11 (1). Two calendar
    // days ending Feb 3: 178 / 5 = 35.6; ending Feb 4: 165 / 5 = 33; ending
    // Feb 5: only Feb 4 -> 11 (an empty day is a day, not skipped).
    assert_eq!(
        json_of(&body),
        json!({
            "points": [
                {"date": "2026-02-01", "average_hours": null, "within_sla": 0, "beyond_sla": 0},
                {"date": "2026-02-02", "average_hours": 24.0, "within_sla": 1, "beyond_sla": 0},
                {"date": "2026-02-03", "average_hours": 38.5, "within_sla": 3, "beyond_sla": 1},
                {"date": "2026-02-04", "average_hours": 11.0, "within_sla": 1, "beyond_sla": 0},
                {"date": "2026-02-05", "average_hours": null, "within_sla": 0, "beyond_sla": 0}
            ],
            "moving_average_hours": [
                {"period_start": "2026-02-01", "value": null},
                {"period_start": "2026-02-02", "value": 24.0},
                {"period_start": "2026-02-03", "value": 35.6},
                {"period_start": "2026-02-04", "value": 33.0},
                {"period_start": "2026-02-05", "value": 11.0}
            ],
            "negative_tat_excluded": 1
        })
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn tat_daily_defaults_to_a_seven_day_window_and_zero_disables_it() {
    let db = lab().await;
    let default = daily_query("2026-02-01", "2026-02-05", None);
    let disabled = TatDailyQuery {
        sla_hours: Some(24.0),
        ..daily_query("2026-02-01", "2026-02-05", Some(0))
    };

    let seven = step(
        "tat daily",
        tests_tat_daily(&db.pool, &settings(), &default),
    )
    .await
    .unwrap();
    let none = step(
        "tat daily",
        tests_tat_daily(&db.pool, &settings(), &disabled),
    )
    .await
    .unwrap();

    // Seven days span the whole five-day range: each day pools every report
    // from Feb 1 on (the window never reaches before the range start).
    let values: Vec<Option<f64>> = seven
        .moving_average_hours
        .unwrap()
        .iter()
        .map(|p| p.value)
        .collect();
    assert_eq!(
        values,
        [None, Some(24.0), Some(35.6), Some(31.5), Some(31.5)]
    );
    assert_eq!(none.moving_average_hours, None);
    // At 24 h, Feb 3 splits 24, 24 within and 48, 58 beyond.
    assert_eq!(
        (none.points[2].within_sla, none.points[2].beyond_sla),
        (2, 2)
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn reports_overview_splits_by_sla_and_a_bare_date_to_covers_its_day() {
    let db = lab().await;
    let week = sla_query("2026-02-01", "2026-02-05", None);
    let tight = sla_query("2026-02-01", "2026-02-05", Some(24.0));
    // Ends on Feb 3: 1002 reported at 23:30 lab time is still in.
    let to_feb_3 = sla_query("2026-02-01", "2026-02-03", None);
    let empty = sla_query("2025-01-01", "2025-01-01", None);

    let s = settings();
    let week = step("reports", reports_overview(&db.pool, &s, &week))
        .await
        .unwrap();
    let tight = step("reports", reports_overview(&db.pool, &s, &tight))
        .await
        .unwrap();
    let to_feb_3 = step("reports", reports_overview(&db.pool, &s, &to_feb_3))
        .await
        .unwrap();
    let empty = step("reports", reports_overview(&db.pool, &s, &empty))
        .await
        .unwrap();

    let counts = |r: &ReportsOverviewResponse| {
        (
            r.total_reports,
            r.reports_within_sla,
            r.reports_beyond_sla,
            r.negative_tat_excluded,
        )
    };
    assert_eq!(
        json_of(&week),
        json!({"total_reports": 7, "reports_within_sla": 5, "reports_beyond_sla": 1,
               "negative_tat_excluded": 1})
    );
    assert_eq!(counts(&tight), (7, 4, 2, 1));
    // 1000, 1001, 1003, 1007 within; 1002 (58 h) beyond.
    assert_eq!(counts(&to_feb_3), (5, 4, 1, 0));
    assert_eq!(counts(&empty), (0, 0, 0, 0));
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn samples_overview_counts_states_matrices_and_days() {
    let db = lab().await;
    let (date_from, date_to) = range("2026-02-01", "2026-02-05");
    let query = RangeQuery {
        date_from,
        date_to,
        ..RangeQuery::default()
    };

    let body = step("samples", samples_overview(&db.pool, &settings(), &query))
        .await
        .unwrap();

    // Sample 300 (banned customer, completed Feb 3) is nowhere.
    assert_eq!(
        json_of(&body),
        json!({
            "kpis": {"total_samples": 3, "completed_samples": 1, "pending_samples": 2,
                     "closed_samples": 0},
            "by_state": [{"key": "IN PROGRESS", "count": 2}, {"key": "COMPLETED", "count": 1}],
            "by_matrix_type": [
                {"key": "Concentrate", "count": 1},
                {"key": "Edible", "count": 1},
                {"key": "Flower", "count": 1}
            ],
            "created_vs_completed": [
                {"date": "2026-02-01", "created": 2, "completed": 0},
                {"date": "2026-02-02", "created": 0, "completed": 0},
                {"date": "2026-02-03", "created": 1, "completed": 1},
                {"date": "2026-02-04", "created": 0, "completed": 0},
                {"date": "2026-02-05", "created": 0, "completed": 0}
            ]
        })
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn tests_overview_counts_and_filters_by_batch() {
    let db = lab().await;
    let (date_from, date_to) = range("2026-02-01", "2026-02-05");
    let all = TestsOverviewQuery {
        date_from,
        date_to,
        ..TestsOverviewQuery::default()
    };
    let batch = TestsOverviewQuery {
        batch_id: Some(500),
        ..all.clone()
    };

    let s = settings();
    let all = step("tests", tests_overview(&db.pool, &s, &all))
        .await
        .unwrap();
    let batch = step("tests", tests_overview(&db.pool, &s, &batch))
        .await
        .unwrap();
    let query = TestsOverviewQuery {
        batch_id: Some(500),
        ..TestsOverviewQuery::default()
    };
    let ban = "INSERT INTO banned_entities (entity_type, entity_id, reason) VALUES ('batch', 500, 'test')";
    step("ban", sqlx::raw_sql(ban).execute(&db.pool))
        .await
        .unwrap();
    let banned = step("tests", tests_overview(&db.pool, &s, &query))
        .await
        .unwrap();

    assert_eq!(
        json_of(&all),
        json!({
            "kpis": {"total_tests": 8, "completed_tests": 7, "pending_tests": 1,
                     "closed_tests": 0},
            "by_state": [{"key": "REPORTED", "count": 7}, {"key": "IN PROGRESS", "count": 1}],
            "by_label": [
                {"label": "CN", "count": 3},
                {"label": "MB", "count": 2},
                {"label": "TP", "count": 2},
                {"label": "HM", "count": 1}
            ]
        })
    );
    assert_eq!(
        json_of(&batch),
        json!({
            "kpis": {"total_tests": 2, "completed_tests": 2, "pending_tests": 0,
                     "closed_tests": 0},
            "by_state": [{"key": "REPORTED", "count": 2}],
            "by_label": [{"label": "CN", "count": 1}, {"label": "MB", "count": 1}]
        })
    );
    // A banned batch is not there to filter on.
    assert_eq!(banned.kpis.total_tests, 0);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn label_distribution_follows_the_filters() {
    let db = lab().await;
    let (date_from, date_to) = range("2026-02-01", "2026-02-05");
    let bravo = RangeQuery {
        date_from,
        date_to,
        customer_id: Some(2),
        ..RangeQuery::default()
    };
    let banned = RangeQuery {
        customer_id: Some(3),
        ..RangeQuery::default()
    };

    let s = settings();
    let bravo = step("labels", label_distribution(&db.pool, &s, &bravo))
        .await
        .unwrap();
    let banned = step("labels", label_distribution(&db.pool, &s, &banned))
        .await
        .unwrap();

    // Ties in count are ordered by label.
    assert_eq!(
        json_of(&bravo),
        json!({"labels": [
            {"label": "CN", "count": 1}, {"label": "HM", "count": 1}, {"label": "MB", "count": 1}
        ]})
    );
    assert_eq!(json_of(&banned), json!({"labels": []}));
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn the_state_filter_and_banned_orders_and_samples_select_the_work() {
    let db = lab().await;
    let (date_from, date_to) = range("2026-02-01", "2026-02-05");
    let in_state = |state: &str| RangeQuery {
        date_from: date_from.clone(),
        date_to: date_to.clone(),
        state: Some(state.to_owned()),
        ..RangeQuery::default()
    };
    let all = RangeQuery {
        date_from: date_from.clone(),
        date_to: date_to.clone(),
        ..RangeQuery::default()
    };
    let s = settings();
    let labels = async |query: &RangeQuery| {
        let answer = step("labels", label_distribution(&db.pool, &s, query))
            .await
            .unwrap();
        json_of(&answer)
    };

    // Order 20 (Bravo) is RECEIVED: tests 1004-1006. Order 10 (Acme) is
    // REPORTED: tests 1000-1003 and 1007.
    let received = labels(&in_state("RECEIVED")).await;
    let reported = labels(&in_state("REPORTED")).await;
    // Case and surrounding blanks aside, as a person types it.
    let typed = labels(&in_state(" received")).await;
    let unknown = step(
        "labels",
        label_distribution(&db.pool, &s, &in_state("NO SUCH STATE")),
    )
    .await
    .unwrap_err();
    let ban = "INSERT INTO banned_entities (entity_type, entity_id, reason) VALUES
               ('order', 20, 'test'), ('sample', 101, 'test')";
    step("ban", sqlx::raw_sql(ban).execute(&db.pool))
        .await
        .unwrap();
    // What is left: sample 100 of order 10, tests 1000 (CN) and 1001 (MB).
    let unbanned = labels(&all).await;

    assert_eq!(
        received,
        json!({"labels": [
            {"label": "CN", "count": 1}, {"label": "HM", "count": 1}, {"label": "MB", "count": 1}
        ]})
    );
    assert_eq!(
        reported,
        json!({"labels": [
            {"label": "CN", "count": 2}, {"label": "TP", "count": 2}, {"label": "MB", "count": 1}
        ]})
    );
    assert_eq!(typed, received);
    assert_eq!(
        unknown.to_string(),
        "invalid parameter state: no visible order is in state \"NO SUCH STATE\"; \
         their states are RECEIVED, REPORTED"
    );
    assert_eq!(
        unbanned,
        json!({"labels": [{"label": "CN", "count": 1}, {"label": "MB", "count": 1}]})
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn customer_lists_skip_the_banned_customer() {
    let db = lab().await;
    let (date_from, date_to) = range("2026-02-01", "2026-02-05");
    let query = CustomersQuery {
        date_from,
        date_to,
        limit: None,
    };
    let first = CustomersQuery {
        limit: Some(1),
        ..query.clone()
    };

    let s = settings();
    let new = step("new", new_customers(&db.pool, &s, &query))
        .await
        .unwrap();
    let newest = step("new", new_customers(&db.pool, &s, &first))
        .await
        .unwrap();
    let top = step("top", top_customers_by_tests(&db.pool, &s, &query))
        .await
        .unwrap();
    // Without dates the range is all time; an unreported test stays unreported.
    let all_time = CustomersQuery::default();
    let top_all_time = step("top", top_customers_by_tests(&db.pool, &s, &all_time))
        .await
        .unwrap();

    assert_eq!(
        json_of(&new),
        json!({"customers": [
            {"id": 2, "name": "Bravo Farms", "created_at": "2026-02-03T14:00:00Z"},
            {"id": 1, "name": "Acme Labs", "created_at": "2026-02-01T15:00:00Z"}
        ]})
    );
    assert_eq!(newest.customers.len(), 1);
    assert_eq!(newest.customers[0].id, 2);
    // Acme: tests 1000-1003 and 1007, all reported in range. Bravo: 1004,
    // 1005, 1006 created; 1004 and 1006 reported.
    assert_eq!(
        json_of(&top),
        json!({"customers": [
            {"id": 1, "name": "Acme Labs", "tests": 5, "tests_reported": 5},
            {"id": 2, "name": "Bravo Farms", "tests": 3, "tests_reported": 2}
        ]})
    );
    assert_eq!(json_of(&top_all_time), json_of(&top));
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn common_filters_and_sync_status() {
    let db = lab().await;
    let default = SyncStatusQuery::default();
    let orders = SyncStatusQuery {
        entity: Some("orders".to_owned()),
    };

    // A lab SLA other than the usual 48 hours, to see it reported.
    let lab_sla = KpiSettings {
        default_sla_hours: 36.0,
        ..settings()
    };
    let filters = step("filters", common_filters(&db.pool, &lab_sla))
        .await
        .unwrap();
    let tests = step("sync", sync_status(&db.pool, &default)).await.unwrap();
    let orders = step("sync", sync_status(&db.pool, &orders)).await.unwrap();

    // The banned customer's rows were fetched later; they do not move
    // last_updated_at.
    assert_eq!(
        json_of(&filters),
        json!({
            "customers": [{"id": 1, "name": "Acme Labs"}, {"id": 2, "name": "Bravo Farms"}],
            "order_states": ["RECEIVED", "REPORTED"],
            "sample_states": ["COMPLETED", "IN PROGRESS"],
            "test_states": ["IN PROGRESS", "REPORTED"],
            "last_updated_at": "2026-02-05T12:00:00Z",
            "lab_timezone": "America/New_York",
            "sla_hours": 36.0
        })
    );
    assert_eq!(
        json_of(&tests),
        json!({"entity": "tests", "updated_at": "2026-02-05T06:00:00Z"})
    );
    assert_eq!(
        json_of(&orders),
        json!({"entity": "orders", "updated_at": null})
    );
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn sample_detail_lists_tests_batches_and_sla_status() {
    let db = lab().await;
    let s = settings();
    let default = EntityQuery::default();
    let tight = EntityQuery {
        sla_hours: Some(24.0),
    };

    let body = step("sample", sample_detail(&db.pool, &s, 100, &default, now()))
        .await
        .unwrap()
        .unwrap();
    let at_24 = step("sample", sample_detail(&db.pool, &s, 100, &tight, now()))
        .await
        .unwrap()
        .unwrap();
    let banned = step("sample", sample_detail(&db.pool, &s, 300, &default, now()))
        .await
        .unwrap();
    let unknown = step("sample", sample_detail(&db.pool, &s, 999, &default, now()))
        .await
        .unwrap();

    assert_eq!(
        json_of(&body),
        json!({
            "sample": {
                "id": 100, "sample_name": "Flower A", "custom_formatted_id": "S-100",
                "order_id": 10, "state": "COMPLETED", "date_created": "2026-02-01T18:00:00Z",
                "start_date": null, "completed_date": "2026-02-03T19:00:00Z",
                "matrix_type": "Flower", "sla_status": "within_sla", "sla_hours": 48.0
            },
            "order": {"id": 10, "state": "REPORTED", "customer": {"id": 1, "name": "Acme Labs"}},
            "tests": [
                {"id": 1000, "label_abbr": "CN", "state": "REPORTED", "has_report": true,
                 "date_created": "2026-02-01T19:00:00Z",
                 "report_completed_date": "2026-02-02T19:00:00Z",
                 "tat_hours": 24.0, "sla_status": "within_sla"},
                {"id": 1001, "label_abbr": "MB", "state": "REPORTED", "has_report": true,
                 "date_created": "2026-02-01T19:00:00Z",
                 "report_completed_date": "2026-02-03T19:00:00Z",
                 "tat_hours": 48.0, "sla_status": "within_sla"}
            ],
            "batches": [{"id": 500, "display_name": "CN batch 500"}]
        })
    );
    // At 24 h, test 1001 (48 h) is beyond, and so is the sample.
    assert_eq!(at_24.sample.sla_status, SlaStatus::BeyondSla);
    assert_eq!(banned, None);
    assert_eq!(unknown, None);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn test_detail_dates_open_work_and_flags_negative_turnaround() {
    let db = lab().await;
    let s = settings();
    let default = EntityQuery::default();
    let generous = EntityQuery {
        sla_hours: Some(50.0),
    };

    let open = step("test", test_detail(&db.pool, &s, 1005, &default, now()))
        .await
        .unwrap()
        .unwrap();
    let open_generous = step("test", test_detail(&db.pool, &s, 1005, &generous, now()))
        .await
        .unwrap()
        .unwrap();
    let negative = step("test", test_detail(&db.pool, &s, 1006, &default, now()))
        .await
        .unwrap()
        .unwrap();
    let reported = step("test", test_detail(&db.pool, &s, 1000, &default, now()))
        .await
        .unwrap()
        .unwrap();
    let banned = step("test", test_detail(&db.pool, &s, 3000, &default, now()))
        .await
        .unwrap();

    // 1005 was created Feb 3 17:00Z; at Feb 5 18:00Z it is 49 h old.
    assert_eq!(open.test.sla_status, SlaStatus::Overdue);
    assert_eq!(open_generous.test.sla_status, SlaStatus::Pending);
    assert_eq!(negative.test.sla_status, SlaStatus::Unknown);
    assert_eq!(negative.test.tat_hours, Some(-2.0));
    assert_eq!(
        json_of(&reported),
        json!({
            "test": {
                "id": 1000, "label_abbr": "CN", "state": "REPORTED", "has_report": true,
                "date_created": "2026-02-01T19:00:00Z",
                "report_completed_date": "2026-02-02T19:00:00Z",
                "tat_hours": 24.0, "sla_status": "within_sla", "sla_hours": 48.0,
                "worksheet_raw": {"thc": "21.4"}
            },
            "sample": {"id": 100, "sample_name": "Flower A", "state": "COMPLETED"},
            "order": {"id": 10, "state": "REPORTED", "customer": {"id": 1, "name": "Acme Labs"}},
            "batches": [{"id": 500, "display_name": "CN batch 500"}]
        })
    );
    assert_eq!(banned, None);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn order_detail_counts_pending_work_and_lists_on_request() {
    let db = lab().await;
    let s = settings();
    let default = OrderQuery::default();
    let with_tests = OrderQuery {
        include_tests: Some(true),
        ..OrderQuery::default()
    };
    let without_samples = OrderQuery {
        include_samples: Some(false),
        ..OrderQuery::default()
    };

    let open = step("order", order_detail(&db.pool, &s, 20, &default, now()))
        .await
        .unwrap()
        .unwrap();
    let listed = step("order", order_detail(&db.pool, &s, 20, &with_tests, now()))
        .await
        .unwrap()
        .unwrap();
    let bare = step(
        "order",
        order_detail(&db.pool, &s, 10, &without_samples, now()),
    )
    .await
    .unwrap()
    .unwrap();
    let banned = step("order", order_detail(&db.pool, &s, 30, &default, now()))
        .await
        .unwrap();

    // Created Feb 3 15:00Z, unreported: 51 h old at Feb 5 18:00Z. Test 1005
    // is overdue, so the order is.
    assert_eq!(
        json_of(&open),
        json!({
            "order": {
                "id": 20, "custom_formatted_id": "O-20", "state": "RECEIVED",
                "sla_status": "overdue", "sla_hours": 48.0, "age_hours": 51.0,
                "date_created": "2026-02-03T15:00:00Z", "date_completed": null,
                "date_order_reported": null, "date_received": "2026-02-03T15:30:00Z",
                "pending_samples": 1, "pending_tests": 1
            },
            "customer": {"id": 2, "name": "Bravo Farms"},
            "samples": [
                {"id": 200, "sample_name": "Vape C", "state": "IN PROGRESS",
                 "has_report": false, "pending_tests": 1, "tests": null}
            ]
        })
    );
    let tests = listed.samples.unwrap().remove(0).tests.unwrap();
    let ids: Vec<i32> = tests.iter().map(|t| t.id).collect();
    assert_eq!(ids, [1004, 1005, 1006]);
    // Order 10: reported Feb 4 14:00Z, 69 h after creation; every test is
    // reported and 1002 (58 h) is beyond. Sample 101 has no completion date.
    assert_eq!(bare.order.sla_status, SlaStatus::BeyondSla);
    assert_eq!(bare.order.age_hours, Some(69.0));
    assert_eq!(
        (bare.order.pending_samples, bare.order.pending_tests),
        (1, 0)
    );
    assert_eq!(bare.samples, None);
    assert_eq!(banned, None);
    db.drop_database().await.unwrap();
}

/// Order 40 (customer 2, created Feb 3): sample 400 discontinued with two
/// tests closed without dates, sample 401 in progress with a test not
/// reportable but completed and a cancelled test that was reported after
/// all. States are written in odd case and spacing (a tab, too) on purpose.
const CLOSED_WORK: &str = "
INSERT INTO orders (id, custom_formatted_id, customer_account_id, state, date_created,
                    raw_payload, fetched_at) VALUES
  (40, 'O-40', 2, 'RECEIVED', '2026-02-03 10:00Z', '{}', '2026-02-05 12:00Z');
INSERT INTO samples (id, order_id, sample_name, state, has_report, batch_ids, date_created,
                     completed_date, raw_payload, fetched_at) VALUES
  (400, 40, 'Dropped', 'discontinued ', false, '{}', '2026-02-03 11:00Z', NULL, '{}',
   '2026-02-05 12:00Z'),
  (401, 40, 'Going', 'IN PROGRESS', false, '{}', '2026-02-03 11:00Z', NULL, '{}',
   '2026-02-05 12:00Z');
INSERT INTO tests (id, sample_id, label_abbr, state, has_report, batch_ids, date_created,
                   complete_date, report_completed_date, raw_payload, fetched_at) VALUES
  (1010, 400, 'CN', E'CANCELLED\\t', false, '{}', '2026-02-03 12:00Z', NULL, NULL, '{}',
   '2026-02-05 12:00Z'),
  (1011, 400, 'MB', ' Not Reportable', false, '{}', '2026-02-03 12:00Z', NULL, NULL, '{}',
   '2026-02-05 12:00Z'),
  (1012, 401, 'TP', 'NOT REPORTABLE', false, '{}', '2026-02-03 12:00Z',
   '2026-02-04 12:00Z', NULL, '{}', '2026-02-05 12:00Z'),
  (1013, 401, 'HM', 'CANCELLED', true, '{}', '2026-02-03 12:00Z', NULL,
   '2026-02-03 22:00Z', '{}', '2026-02-05 12:00Z');
";

#[tokio::test]
async fn work_closed_without_a_report_is_neither_pending_nor_overdue() {
    let db = lab().await;
    step(
        "insert closed work",
        sqlx::raw_sql(CLOSED_WORK).execute(&db.pool),
    )
    .await
    .unwrap();
    let s = settings();
    let (date_from, date_to) = range("2026-02-01", "2026-02-05");
    let samples_query = RangeQuery {
        date_from: date_from.clone(),
        date_to: date_to.clone(),
        order_id: Some(40),
        ..RangeQuery::default()
    };
    let tests_query = TestsOverviewQuery {
        date_from,
        date_to,
        order_id: Some(40),
        ..TestsOverviewQuery::default()
    };
    let entity = EntityQuery::default();

    let samples = step("samples", samples_overview(&db.pool, &s, &samples_query))
        .await
        .unwrap();
    let tests = step("tests", tests_overview(&db.pool, &s, &tests_query))
        .await
        .unwrap();
    let cancelled = step("test", test_detail(&db.pool, &s, 1010, &entity, now()))
        .await
        .unwrap()
        .unwrap();
    let dropped = step("sample", sample_detail(&db.pool, &s, 400, &entity, now()))
        .await
        .unwrap()
        .unwrap();
    let going = step("sample", sample_detail(&db.pool, &s, 401, &entity, now()))
        .await
        .unwrap()
        .unwrap();
    let order = step(
        "order",
        order_detail(&db.pool, &s, 40, &OrderQuery::default(), now()),
    )
    .await
    .unwrap()
    .unwrap();

    // 400 is closed by its state, 401 is open.
    assert_eq!(
        json_of(&samples.kpis),
        json!({"total_samples": 2, "completed_samples": 0, "pending_samples": 1,
               "closed_samples": 1})
    );
    // 1012 completed and 1013 reported; 1010 and 1011 closed; none pending.
    assert_eq!(
        json_of(&tests.kpis),
        json!({"total_tests": 4, "completed_tests": 2, "pending_tests": 0, "closed_tests": 2})
    );
    // Created Feb 3 12:00Z, 54 h before `now`: overdue if it were open.
    assert_eq!(cancelled.test.sla_status, SlaStatus::Closed);
    assert_eq!(dropped.sample.sla_status, SlaStatus::Closed);
    let statuses: Vec<SlaStatus> = going.tests.iter().map(|t| t.sla_status).collect();
    // 1012 is closed unreported; 1013 was reported 10 h after creation.
    assert_eq!(statuses, [SlaStatus::Closed, SlaStatus::WithinSla]);
    assert_eq!(going.sample.sla_status, SlaStatus::WithinSla);
    assert_eq!(order.order.sla_status, SlaStatus::WithinSla);
    assert_eq!(
        (order.order.pending_samples, order.order.pending_tests),
        (1, 0)
    );
    db.drop_database().await.unwrap();
}
