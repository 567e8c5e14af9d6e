//! `metrics/samples/overview`, `metrics/tests/overview` and
//! `metrics/tests/label-distribution`: workload counts of a range.
//!
//! A sample is completed once it has a `completed_date`; a test once it has
//! a `complete_date` or a `report_completed_date`. One not completed whose
//! state ended it without a report is closed; everything else is pending.
//! Missing states, matrix types and labels count as `UNKNOWN`.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::entities::{CLOSED_SAMPLE_STATES, CLOSED_TEST_STATES, closed_sql};
use crate::range::Window;
use crate::scope::{Scope, in_window, lab_day, scoped};
use crate::{KpiError, KpiSettings, RangeQuery, TestsOverviewQuery};

/// How many records share one value of a column.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct KeyCount {
    /// The value, `UNKNOWN` when missing.
    pub key: String,
    /// Records with it.
    pub count: i64,
}

/// How many tests carry one assay label.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct LabelCount {
    /// The test's `label_abbr`, `UNKNOWN` when missing.
    pub label: String,
    /// Tests with it.
    pub count: i64,
}

/// The response of `metrics/samples/overview`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SamplesOverviewResponse {
    /// Totals of the samples created in the range.
    pub kpis: SampleKpis,
    /// Those samples per state, most first.
    pub by_state: Vec<KeyCount>,
    /// Those samples per matrix type, most first.
    pub by_matrix_type: Vec<KeyCount>,
    /// Per lab-zone day, samples created and samples completed that day.
    pub created_vs_completed: Vec<DayCreatedCompleted>,
}

/// Totals of `metrics/samples/overview`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct SampleKpis {
    /// Samples created in the range.
    pub total_samples: i64,
    /// Of those, samples with a completion date.
    pub completed_samples: i64,
    /// Of those, samples not completed and not closed.
    pub pending_samples: i64,
    /// Of those, samples without a completion date whose state ended them
    /// (DISCONTINUED, NOT REPORTABLE); an addition to the earlier tool's
    /// answer, which counted them as pending.
    pub closed_samples: i64,
}

/// Samples created and completed on one lab-zone day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct DayCreatedCompleted {
    /// The day.
    pub date: NaiveDate,
    /// Samples created that day.
    pub created: i64,
    /// Samples completed that day.
    pub completed: i64,
}

/// The response of `metrics/tests/overview`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TestsOverviewResponse {
    /// Totals of the tests created in the range.
    pub kpis: TestKpis,
    /// Those tests per state, most first.
    pub by_state: Vec<KeyCount>,
    /// Those tests per assay label, most first.
    pub by_label: Vec<LabelCount>,
}

/// Totals of `metrics/tests/overview`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct TestKpis {
    /// Tests created in the range.
    pub total_tests: i64,
    /// Of those, tests completed or reported.
    pub completed_tests: i64,
    /// Of those, tests not completed and not closed.
    pub pending_tests: i64,
    /// Of those, tests neither completed nor reported whose state ended
    /// them (CANCELLED, NOT REPORTABLE); an addition to the earlier tool's
    /// answer, which counted them as pending.
    pub closed_tests: i64,
}

/// The response of `metrics/tests/label-distribution`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LabelDistributionResponse {
    /// Tests created in the range per assay label, most first.
    pub labels: Vec<LabelCount>,
}

/// Samples of scoped orders created in the window.
fn range_samples() -> String {
    format!(
        "range_samples AS (
           SELECT s.id, s.state, s.matrix_type, s.completed_date
           FROM visible_samples s
           WHERE {} AND {})",
        scoped("s"),
        in_window("s.date_created")
    )
}

/// Tests of scoped orders created in the window, in batch `$8` when given;
/// a banned or deleted batch holds no tests, as it is not there to filter on.
fn range_tests() -> String {
    format!(
        "range_tests AS (
           SELECT t.id, t.state, t.label_abbr,
                  (t.complete_date IS NOT NULL OR t.report_completed_date IS NOT NULL)
                      AS completed
           FROM visible_tests t
           WHERE {} AND {}
             AND ($8::int4 IS NULL OR ($8::int4 = ANY(t.batch_ids)
                  AND EXISTS (SELECT 1 FROM visible_batches b WHERE b.id = $8::int4))))",
        scoped("t"),
        in_window("t.date_created")
    )
}

/// `column` of `table` grouped and counted, most first, then by value.
fn counted_by(table: &str, column: &str, alias: &str) -> String {
    format!(
        "SELECT coalesce({column}, 'UNKNOWN') AS {alias}, count(*) AS count
         FROM {table} GROUP BY 1 ORDER BY count DESC, {alias}"
    )
}

/// A row of [`grouped_counts`]: `grouping` is 3 for the totals, 1 for a
/// count by the first column and 2 for one by the second.
#[derive(sqlx::FromRow)]
struct GroupRow {
    grouping: i32,
    key: Option<String>,
    count: i64,
    completed: i64,
    closed: i64,
}

/// The totals of `table` (all rows, those where `completed` holds, and
/// those not completed whose `state` is one of `closed`) and its counts by
/// `first` and by `second`, in one pass over the rows; each list most
/// first, then by value.
fn grouped_counts(
    table: &str,
    (completed, closed): (&str, &[&str]),
    first: &str,
    second: &str,
) -> String {
    format!(
        "SELECT GROUPING(first_key, second_key) AS grouping,
                CASE GROUPING(first_key, second_key)
                  WHEN 1 THEN first_key WHEN 2 THEN second_key END AS key,
                count(*) AS count,
                count(*) FILTER (WHERE completed) AS completed,
                count(*) FILTER (WHERE NOT completed AND closed) AS closed
         FROM (SELECT coalesce({first}, 'UNKNOWN') AS first_key,
                      coalesce({second}, 'UNKNOWN') AS second_key,
                      ({completed}) AS completed,
                      {closed} AS closed
               FROM {table}) keyed
         GROUP BY GROUPING SETS ((), (first_key), (second_key))
         ORDER BY grouping, count DESC, key",
        closed = closed_sql("state", closed),
    )
}

/// [`grouped_counts`] rows as totals and the two lists.
struct Grouped {
    total: i64,
    completed: i64,
    closed: i64,
    by_first: Vec<(String, i64)>,
    by_second: Vec<(String, i64)>,
}

impl Grouped {
    fn new(rows: Vec<GroupRow>) -> Grouped {
        let mut grouped = Grouped {
            total: 0,
            completed: 0,
            closed: 0,
            by_first: Vec::new(),
            by_second: Vec::new(),
        };
        for row in rows {
            let key = row.key.unwrap_or_default();
            match row.grouping {
                1 => grouped.by_first.push((key, row.count)),
                2 => grouped.by_second.push((key, row.count)),
                _ => {
                    grouped.total = row.count;
                    grouped.completed = row.completed;
                    grouped.closed = row.closed;
                }
            }
        }
        grouped
    }
}

/// Totals, states, matrix types and a created-versus-completed series of the
/// samples of the range.
pub async fn samples_overview(
    pool: &PgPool,
    settings: &KpiSettings,
    query: &RangeQuery,
) -> Result<SamplesOverviewResponse, KpiError> {
    let zone = settings.lab_timezone;
    let window = Window::parse_dates(query.date_from.as_deref(), query.date_to.as_deref(), zone)?;
    let span = window.days(zone, ("date_from", "date_to"))?;
    let filters = (query.customer_id, query.order_id, query.state.as_deref());
    let scope = Scope::new(pool, settings, filters, window).await?;

    let sql = format!(
        "WITH {} {}",
        range_samples(),
        grouped_counts(
            "range_samples",
            ("completed_date IS NOT NULL", CLOSED_SAMPLE_STATES),
            "state",
            "matrix_type"
        )
    );
    // The counts and the daily series read the pool on two connections at once.
    let series_scope = scope.with_window(span.window);
    let (rows, created_vs_completed) = futures::try_join!(
        async { Ok::<_, KpiError>(scope.query(sql).fetch_all(pool).await?) },
        created_vs_completed(pool, &series_scope, span.first, span.last),
    )?;
    let grouped = Grouped::new(rows);
    let kpis = SampleKpis {
        total_samples: grouped.total,
        completed_samples: grouped.completed,
        pending_samples: grouped.total - grouped.completed - grouped.closed,
        closed_samples: grouped.closed,
    };
    let by_state = key_counts(grouped.by_first);
    let by_matrix_type = key_counts(grouped.by_second);

    Ok(SamplesOverviewResponse {
        kpis,
        by_state,
        by_matrix_type,
        created_vs_completed,
    })
}

async fn created_vs_completed(
    pool: &PgPool,
    scope: &Scope,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<DayCreatedCompleted>, KpiError> {
    let sql = format!(
        "WITH days AS (
           SELECT d::date AS day FROM generate_series($8::date, $9::date, interval '1 day') d),
         created AS (
           SELECT {created_day} AS day, count(*) AS n FROM visible_samples s
           WHERE {sample_scope} AND {created_window} GROUP BY 1),
         completed AS (
           SELECT {completed_day} AS day, count(*) AS n FROM visible_samples s
           WHERE {sample_scope} AND {completed_window} GROUP BY 1)
         SELECT days.day AS date, coalesce(c.n, 0) AS created, coalesce(d.n, 0) AS completed
         FROM days
         LEFT JOIN created c ON c.day = days.day
         LEFT JOIN completed d ON d.day = days.day
         ORDER BY days.day",
        sample_scope = scoped("s"),
        created_day = lab_day("s.date_created"),
        created_window = in_window("s.date_created"),
        completed_day = lab_day("s.completed_date"),
        completed_window = in_window("s.completed_date"),
    );
    Ok(scope
        .query(sql)
        .bind(first)
        .bind(last)
        .fetch_all(pool)
        .await?)
}

/// Totals, states and labels of the tests of the range.
pub async fn tests_overview(
    pool: &PgPool,
    settings: &KpiSettings,
    query: &TestsOverviewQuery,
) -> Result<TestsOverviewResponse, KpiError> {
    let window = Window::parse_dates(
        query.date_from.as_deref(),
        query.date_to.as_deref(),
        settings.lab_timezone,
    )?;
    let filters = (query.customer_id, query.order_id, query.state.as_deref());
    let scope = Scope::new(pool, settings, filters, window).await?;
    if query.batch_id.is_some_and(|id| id < 1) {
        return Err(KpiError::invalid("batch_id", "must be a positive id"));
    }

    let sql = format!(
        "WITH {} {}",
        range_tests(),
        grouped_counts(
            "range_tests",
            ("completed", CLOSED_TEST_STATES),
            "state",
            "label_abbr"
        )
    );
    let rows = scope
        .query(sql)
        .bind(query.batch_id)
        .fetch_all(pool)
        .await?;
    let grouped = Grouped::new(rows);
    let kpis = TestKpis {
        total_tests: grouped.total,
        completed_tests: grouped.completed,
        pending_tests: grouped.total - grouped.completed - grouped.closed,
        closed_tests: grouped.closed,
    };
    let by_state = key_counts(grouped.by_first);
    let by_label = grouped
        .by_second
        .into_iter()
        .map(|(label, count)| LabelCount { label, count })
        .collect();

    Ok(TestsOverviewResponse {
        kpis,
        by_state,
        by_label,
    })
}

/// Tests created in the range per assay label.
pub async fn label_distribution(
    pool: &PgPool,
    settings: &KpiSettings,
    query: &RangeQuery,
) -> Result<LabelDistributionResponse, KpiError> {
    let window = Window::parse_dates(
        query.date_from.as_deref(),
        query.date_to.as_deref(),
        settings.lab_timezone,
    )?;
    let filters = (query.customer_id, query.order_id, query.state.as_deref());
    let scope = Scope::new(pool, settings, filters, window).await?;

    let sql = format!(
        "WITH {} {}",
        range_tests(),
        counted_by("range_tests", "label_abbr", "label")
    );
    let labels = scope.query(sql).bind(None::<i32>).fetch_all(pool).await?;
    Ok(LabelDistributionResponse { labels })
}

fn key_counts(pairs: Vec<(String, i64)>) -> Vec<KeyCount> {
    pairs
        .into_iter()
        .map(|(key, count)| KeyCount { key, count })
        .collect()
}
