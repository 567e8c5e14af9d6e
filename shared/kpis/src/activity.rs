//! `metrics/activity/daily`: work created and reported per lab-zone day.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::range::{DaySpan, Window};
use crate::scope::{Scope, in_window, lab_day, scoped};
use crate::{ActivityQuery, KpiError, KpiSettings};

/// The response of `metrics/activity/daily`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ActivityResponse {
    /// One row per day of the range, days without work included.
    pub current: Vec<ActivityDay>,
    /// The same number of days just before, in order; null unless
    /// `compare_previous` was asked. `previous[i]` pairs with `current[i]`.
    pub previous: Option<Vec<ActivityDay>>,
}

/// Work of one lab-zone day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct ActivityDay {
    /// The day, in the lab's zone.
    pub date: NaiveDate,
    /// Samples created that day.
    pub samples: i64,
    /// Tests created that day.
    pub tests: i64,
    /// Tests reported that day.
    pub tests_reported: i64,
}

/// Samples and tests created, and tests reported, per day of the range.
pub async fn activity_daily(
    pool: &PgPool,
    settings: &KpiSettings,
    query: &ActivityQuery,
) -> Result<ActivityResponse, KpiError> {
    let zone = settings.lab_timezone;
    let window = Window::parse_dates(query.date_from.as_deref(), query.date_to.as_deref(), zone)?;
    let span = window.days(zone, ("date_from", "date_to"))?;
    let filters = (query.customer_id, query.order_id, query.state.as_deref());
    let scope = Scope::new(pool, settings, filters, span.window).await?;

    // With `compare_previous`, both periods are read at once, on two
    // connections.
    let (current, previous) = if query.compare_previous.unwrap_or(false) {
        let before = span.previous(zone);
        let before_scope = scope.with_window(before.window);
        let (current, previous) = futures::try_join!(
            activity_days(pool, &scope, &span),
            activity_days(pool, &before_scope, &before),
        )?;
        (current, Some(previous))
    } else {
        (activity_days(pool, &scope, &span).await?, None)
    };

    Ok(ActivityResponse { current, previous })
}

// Over a year of the medium lab the time goes to reading the rows through
// the visibility conditions, not to converting them to lab days: counting
// per quarter hour first was slower (docs/benchmarks.md).
async fn activity_days(
    pool: &PgPool,
    scope: &Scope,
    span: &DaySpan,
) -> Result<Vec<ActivityDay>, KpiError> {
    let sql = format!(
        "WITH days AS (
           SELECT d::date AS day FROM generate_series($8::date, $9::date, interval '1 day') d),
         created_samples AS (
           SELECT {sample_day} AS day, count(*) AS n
           FROM visible_samples s
           WHERE {sample_scope} AND {sample_window} GROUP BY 1),
         created_tests AS (
           SELECT {test_day} AS day, count(*) AS n
           FROM visible_tests t
           WHERE {test_scope} AND {test_window} GROUP BY 1),
         reported_tests AS (
           SELECT {report_day} AS day, count(*) AS n
           FROM visible_tests t
           WHERE {test_scope} AND {report_window} GROUP BY 1)
         SELECT days.day AS date,
                coalesce(cs.n, 0) AS samples,
                coalesce(ct.n, 0) AS tests,
                coalesce(rt.n, 0) AS tests_reported
         FROM days
         LEFT JOIN created_samples cs ON cs.day = days.day
         LEFT JOIN created_tests ct ON ct.day = days.day
         LEFT JOIN reported_tests rt ON rt.day = days.day
         ORDER BY days.day",
        sample_scope = scoped("s"),
        test_scope = scoped("t"),
        sample_day = lab_day("s.date_created"),
        sample_window = in_window("s.date_created"),
        test_day = lab_day("t.date_created"),
        test_window = in_window("t.date_created"),
        report_day = lab_day("t.report_completed_date"),
        report_window = in_window("t.report_completed_date"),
    );
    Ok(scope
        .query(sql)
        .bind(span.first)
        .bind(span.last)
        .fetch_all(pool)
        .await?)
}
