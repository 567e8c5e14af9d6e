//! `metrics/summary`: the headline counts of a range.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::range::Window;
use crate::scope::{LAST_UPDATED, Scope, in_window, reported, scoped, scoped_order};
use crate::stats::round_hours;
use crate::{KpiError, KpiSettings, SlaRangeQuery};

/// The response of `metrics/summary`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SummaryResponse {
    /// The counts.
    pub kpis: SummaryKpis,
    /// When the mirror last wrote a visible record; null when empty.
    pub last_updated_at: Option<DateTime<Utc>>,
    /// First instant counted; null when unbounded.
    pub range_start: Option<DateTime<Utc>>,
    /// First instant no longer counted; null when unbounded.
    pub range_end: Option<DateTime<Utc>>,
}

/// The counts of `metrics/summary`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SummaryKpis {
    /// Samples created in the range.
    pub total_samples: i64,
    /// Tests created in the range.
    pub total_tests: i64,
    /// Customers with an order created in the range.
    pub total_customers: i64,
    /// Tests reported in the range.
    pub total_reports: i64,
    /// Mean turnaround of the range's reports; null when none has one.
    pub average_tat_hours: Option<f64>,
    /// Reports with a turnaround at or under the SLA.
    pub reports_within_sla: i64,
    /// Reports with a turnaround over the SLA.
    pub reports_beyond_sla: i64,
    /// Reports left out of turnaround figures for ending before they began.
    pub negative_tat_excluded: i64,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    total_samples: i64,
    total_tests: i64,
    total_customers: i64,
    total_reports: i64,
    average_tat_hours: Option<f64>,
    reports_within_sla: i64,
    reports_beyond_sla: i64,
    negative_tat_excluded: i64,
    last_updated_at: Option<DateTime<Utc>>,
}

/// Counts samples, tests and customers by creation, and reports by report
/// date, in the range.
pub async fn summary(
    pool: &PgPool,
    settings: &KpiSettings,
    query: &SlaRangeQuery,
) -> Result<SummaryResponse, KpiError> {
    let zone = settings.lab_timezone;
    let window = Window::parse_dates(query.date_from.as_deref(), query.date_to.as_deref(), zone)?;
    let sla = settings.sla_hours(query.sla_hours)?;
    let filters = (query.customer_id, query.order_id, query.state.as_deref());
    let scope = Scope::new(pool, settings, filters, window).await?;

    // The report figures come from one pass over `reported`: the turnaround
    // population is its rows with a known turnaround (the comparisons fail
    // on null) of a counted sample type. Materialising `reported` for
    // several passes cost twice as much over a year (docs/benchmarks.md).
    let sql = format!(
        "WITH {reported},
         figures AS (
           SELECT count(*) AS total_reports,
             avg(hours) FILTER (WHERE counted_type AND hours >= 0) AS average_tat_hours,
             count(*) FILTER (WHERE counted_type AND hours >= 0 AND hours <= $8)
               AS reports_within_sla,
             count(*) FILTER (WHERE counted_type AND hours > $8) AS reports_beyond_sla,
             count(*) FILTER (WHERE counted_type AND hours < 0) AS negative_tat_excluded
           FROM reported)
         SELECT
           (SELECT count(*) FROM visible_samples s
              WHERE {sample_scope} AND {samples}) AS total_samples,
           (SELECT count(*) FROM visible_tests t
              WHERE {test_scope} AND {tests}) AS total_tests,
           (SELECT count(DISTINCT o.customer_account_id) FROM visible_orders o
              WHERE {order_scope} AND {orders}) AS total_customers,
           f.total_reports, f.average_tat_hours, f.reports_within_sla, f.reports_beyond_sla,
           f.negative_tat_excluded,
           {LAST_UPDATED} AS last_updated_at
         FROM figures f",
        reported = reported(),
        sample_scope = scoped("s"),
        samples = in_window("s.date_created"),
        test_scope = scoped("t"),
        tests = in_window("t.date_created"),
        order_scope = scoped_order("o"),
        orders = in_window("o.date_created"),
    );
    let row: SummaryRow = scope.query(sql).bind(sla).fetch_one(pool).await?;

    Ok(SummaryResponse {
        kpis: SummaryKpis {
            total_samples: row.total_samples,
            total_tests: row.total_tests,
            total_customers: row.total_customers,
            total_reports: row.total_reports,
            average_tat_hours: round_hours(row.average_tat_hours),
            reports_within_sla: row.reports_within_sla,
            reports_beyond_sla: row.reports_beyond_sla,
            negative_tat_excluded: row.negative_tat_excluded,
        },
        last_updated_at: row.last_updated_at,
        range_start: window.start,
        range_end: window.end,
    })
}
