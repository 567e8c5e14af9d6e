//! `metrics/tests/tat` and `metrics/tests/tat-breakdown`: turnaround
//! statistics of the tests reported in a range.

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::range::Window;
use crate::scope::{Scope, TAT, lab_day, reported};
use crate::stats::round_hours;
use crate::{KpiError, KpiSettings, TatBreakdownQuery, TatGrouping, TatQuery};

/// Labels of the distribution buckets, in the order of the `buckets` array
/// of the metrics query; each bucket includes its upper bound.
const BUCKETS: [&str; 5] = ["0-24h", "24-48h", "48-72h", "72-168h", ">168h"];

/// The response of `metrics/tests/tat`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TatResponse {
    /// Statistics over the whole range.
    pub metrics: TatMetrics,
    /// How many turnarounds fall in each bucket, every bucket present.
    pub distribution: Vec<TatBucket>,
    /// Mean turnaround per day or ISO week, periods without reports included.
    pub series: Vec<TatPoint>,
}

/// Turnaround statistics of a set of reports.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TatMetrics {
    /// Mean turnaround in hours; null for an empty set.
    pub average_hours: Option<f64>,
    /// Median (interpolated); null for an empty set.
    pub median_hours: Option<f64>,
    /// 95th percentile (interpolated); null for an empty set.
    pub p95_hours: Option<f64>,
    /// Reports at or under the SLA.
    pub completed_within_sla: i64,
    /// Reports over the SLA.
    pub completed_beyond_sla: i64,
    /// Reports left out for ending before they began.
    pub negative_tat_excluded: i64,
}

/// One bucket of the turnaround distribution.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TatBucket {
    /// The bucket, such as `24-48h` (upper bound included).
    pub label: String,
    /// Reports whose turnaround falls in it.
    pub count: i64,
}

/// One period of a turnaround series.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TatPoint {
    /// The period's first lab-zone day (a Monday for weeks).
    pub period_start: NaiveDate,
    /// Mean turnaround of the period's reports; null without any.
    pub value: Option<f64>,
}

/// The response of `metrics/tests/tat-breakdown`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TatBreakdownResponse {
    /// One row per assay label, most reports first.
    pub breakdown: Vec<TatLabelStats>,
}

/// Turnaround statistics of one assay label.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct TatLabelStats {
    /// The test's `label_abbr`, `UNKNOWN` when missing.
    pub label: String,
    /// Mean turnaround in hours; null when no report has one.
    pub average_hours: Option<f64>,
    /// Median (interpolated).
    pub median_hours: Option<f64>,
    /// 95th percentile (interpolated).
    pub p95_hours: Option<f64>,
    /// Reports whose turnaround counts.
    pub total_tests: i64,
    /// Reports left out for ending before they began.
    pub negative_tat_excluded: i64,
}

#[derive(sqlx::FromRow)]
struct MetricsRow {
    average_hours: Option<f64>,
    median_hours: Option<f64>,
    p95_hours: Option<f64>,
    within_sla: i64,
    beyond_sla: i64,
    negative: i64,
    buckets: Vec<i64>,
}

#[derive(sqlx::FromRow)]
struct PeriodRow {
    period_start: NaiveDate,
    value: Option<f64>,
}

/// The statistics columns over `tat`, shared by both routes.
const STATISTICS: &str = "
    avg(hours) FILTER (WHERE hours >= 0) AS average_hours,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE hours >= 0)
        AS median_hours,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY hours) FILTER (WHERE hours >= 0)
        AS p95_hours";

/// Turnaround statistics, distribution and series of the range's reports.
pub async fn tests_tat(
    pool: &PgPool,
    settings: &KpiSettings,
    query: &TatQuery,
) -> Result<TatResponse, KpiError> {
    let zone = settings.lab_timezone;
    let window = Window::parse(
        query.date_created_from.as_deref(),
        query.date_created_to.as_deref(),
        ("date_created_from", "date_created_to"),
        zone,
    )?;
    let sla = settings.sla_hours(query.sla_hours)?;
    let span = window.days(zone, ("date_created_from", "date_created_to"))?;
    let filters = (query.customer_id, query.order_id, query.state.as_deref());
    let scope = Scope::new(pool, settings, filters, window).await?;

    // The statistics and the series read the pool on two connections at once.
    let grouping = query.group_by.unwrap_or_default();
    let series_scope = scope.with_window(span.window);
    let (metrics, series) = futures::try_join!(
        tat_metrics(pool, &scope, sla),
        tat_series(pool, &series_scope, grouping, span.first, span.last),
    )?;

    Ok(TatResponse {
        metrics: TatMetrics {
            average_hours: round_hours(metrics.average_hours),
            median_hours: round_hours(metrics.median_hours),
            p95_hours: round_hours(metrics.p95_hours),
            completed_within_sla: metrics.within_sla,
            completed_beyond_sla: metrics.beyond_sla,
            negative_tat_excluded: metrics.negative,
        },
        distribution: BUCKETS
            .iter()
            .zip(metrics.buckets)
            .map(|(label, count)| TatBucket {
                label: (*label).to_owned(),
                count,
            })
            .collect(),
        series,
    })
}

async fn tat_metrics(pool: &PgPool, scope: &Scope, sla: f64) -> Result<MetricsRow, KpiError> {
    let reported = reported();
    let sql = format!(
        "WITH {reported}, {TAT}
         SELECT {STATISTICS},
           count(*) FILTER (WHERE hours >= 0 AND hours <= $8) AS within_sla,
           count(*) FILTER (WHERE hours > $8) AS beyond_sla,
           count(*) FILTER (WHERE hours < 0) AS negative,
           ARRAY[
             count(*) FILTER (WHERE hours >= 0 AND hours <= 24),
             count(*) FILTER (WHERE hours > 24 AND hours <= 48),
             count(*) FILTER (WHERE hours > 48 AND hours <= 72),
             count(*) FILTER (WHERE hours > 72 AND hours <= 168),
             count(*) FILTER (WHERE hours > 168)
           ]::int8[] AS buckets
         FROM tat"
    );
    Ok(scope.query(sql).bind(sla).fetch_one(pool).await?)
}

async fn tat_series(
    pool: &PgPool,
    scope: &Scope,
    grouping: TatGrouping,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<TatPoint>, KpiError> {
    let (first, step, trunc) = match grouping {
        TatGrouping::Day => (first, "1 day", "day"),
        TatGrouping::Week => (monday_of(first), "7 days", "week"),
    };
    // Means per quarter hour first, then per lab day: the zone conversion
    // runs once per quarter hour instead of once per test, which every UTC
    // offset in use (whole, half and quarter hours) keeps exact.
    let reported = reported();
    let sql = format!(
        "WITH {reported},
         periods AS (
           SELECT p::date AS period_start
           FROM generate_series($8::date, $9::date, interval '{step}') p),
         quarters AS (
           SELECT floor(date_part('epoch', reported_at) / 900) AS quarter,
                  sum(hours) AS total, count(*) AS n
           FROM reported WHERE counted_type AND hours >= 0 GROUP BY 1),
         means AS (
           SELECT date_trunc('{trunc}', {day})::date AS period_start,
                  sum(total) / sum(n) AS value
           FROM quarters GROUP BY 1)
         SELECT periods.period_start, means.value
         FROM periods LEFT JOIN means ON means.period_start = periods.period_start
         ORDER BY periods.period_start",
        day = lab_day("to_timestamp(quarter * 900)"),
    );
    let rows: Vec<PeriodRow> = scope
        .query(sql)
        .bind(first)
        .bind(last)
        .fetch_all(pool)
        .await?;

    Ok(rows
        .into_iter()
        .map(|row| TatPoint {
            period_start: row.period_start,
            value: round_hours(row.value),
        })
        .collect())
}

/// The Monday that starts `day`'s ISO week.
fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// Turnaround statistics of the range's reports per assay label.
pub async fn tat_breakdown(
    pool: &PgPool,
    settings: &KpiSettings,
    query: &TatBreakdownQuery,
) -> Result<TatBreakdownResponse, KpiError> {
    let window = Window::parse(
        query.date_created_from.as_deref(),
        query.date_created_to.as_deref(),
        ("date_created_from", "date_created_to"),
        settings.lab_timezone,
    )?;
    let filters = (query.customer_id, query.order_id, query.state.as_deref());
    let scope = Scope::new(pool, settings, filters, window).await?;

    let reported = reported();
    let sql = format!(
        "WITH {reported}, {TAT}
         SELECT coalesce(label_abbr, 'UNKNOWN') AS label, {STATISTICS},
           count(*) FILTER (WHERE hours >= 0) AS total_tests,
           count(*) FILTER (WHERE hours < 0) AS negative_tat_excluded
         FROM tat
         GROUP BY 1
         ORDER BY total_tests DESC, label"
    );
    let rows: Vec<TatLabelStats> = scope.query(sql).fetch_all(pool).await?;

    let breakdown = rows
        .into_iter()
        .map(|row| TatLabelStats {
            average_hours: round_hours(row.average_hours),
            median_hours: round_hours(row.median_hours),
            p95_hours: round_hours(row.p95_hours),
            ..row
        })
        .collect();
    Ok(TatBreakdownResponse { breakdown })
}
