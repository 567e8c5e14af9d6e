//! `metrics/reports/overview`: reports of a range against the SLA.

use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::range::Window;
use crate::scope::{Scope, reported};
use crate::{KpiError, KpiSettings, SlaRangeQuery};

/// The response of `metrics/reports/overview`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct ReportsOverviewResponse {
    /// Tests reported in the range.
    pub total_reports: i64,
    /// Reports with a turnaround at or under the SLA.
    pub reports_within_sla: i64,
    /// Reports with a turnaround over the SLA.
    pub reports_beyond_sla: i64,
    /// Reports left out of the split for ending before they began.
    pub negative_tat_excluded: i64,
}

/// Counts reports in the range and splits them by the SLA.
pub async fn reports_overview(
    pool: &PgPool,
    settings: &KpiSettings,
    query: &SlaRangeQuery,
) -> Result<ReportsOverviewResponse, KpiError> {
    let window = Window::parse_dates(
        query.date_from.as_deref(),
        query.date_to.as_deref(),
        settings.lab_timezone,
    )?;
    let sla = settings.sla_hours(query.sla_hours)?;
    let filters = (query.customer_id, query.order_id, query.state.as_deref());
    let scope = Scope::new(pool, settings, filters, window).await?;

    let reported = reported();
    // One pass over `reported`, as in the summary: the turnaround
    // population is its rows of a counted sample type whose turnaround is
    // known (every comparison fails on null).
    let sql = format!(
        "WITH {reported}
         SELECT count(*) AS total_reports,
           count(*) FILTER (WHERE counted_type AND hours >= 0 AND hours <= $8)
             AS reports_within_sla,
           count(*) FILTER (WHERE counted_type AND hours > $8) AS reports_beyond_sla,
           count(*) FILTER (WHERE counted_type AND hours < 0) AS negative_tat_excluded
         FROM reported"
    );
    Ok(scope.query(sql).bind(sla).fetch_one(pool).await?)
}
