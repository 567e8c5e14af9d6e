//! `metrics/common/filters`: the values a dashboard offers as filters.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::scope::LAST_UPDATED;
use crate::{KpiError, KpiSettings};

/// The response of `metrics/common/filters`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CommonFiltersResponse {
    /// Every visible customer, by name.
    pub customers: Vec<CustomerOption>,
    /// Distinct states of visible orders, sorted: the values the `state`
    /// filter of the metrics routes compares with.
    pub order_states: Vec<String>,
    /// Distinct states of visible samples, sorted.
    pub sample_states: Vec<String>,
    /// Distinct states of visible tests, sorted.
    pub test_states: Vec<String>,
    /// When the mirror last wrote a visible record; null when empty.
    pub last_updated_at: Option<DateTime<Utc>>,
    /// The lab's IANA time zone (`LAB_TIMEZONE`), in which the metrics
    /// place days: a dashboard shows dates and times in it. An addition to
    /// the earlier tool's answer.
    #[schema(example = "America/New_York")]
    pub lab_timezone: String,
    /// The SLA in hours (`SLA_HOURS`) the metrics use when a request names
    /// no `sla_hours`: a dashboard labels its SLA figures with it. An
    /// addition to the earlier tool's answer.
    #[schema(example = 48.0)]
    pub sla_hours: f64,
}

/// A customer to filter on.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct CustomerOption {
    /// QBench id.
    pub id: i32,
    /// Customer name.
    pub name: String,
}

/// Customers, and order, sample and test states present in the mirror.
pub async fn common_filters(
    pool: &PgPool,
    settings: &KpiSettings,
) -> Result<CommonFiltersResponse, KpiError> {
    let customers = sqlx::query_as("SELECT id, name FROM visible_customers ORDER BY name, id")
        .fetch_all(pool)
        .await?;
    let order_states = order_states(pool).await?;
    let sample_states = sqlx::query_scalar(sqlx::AssertSqlSafe(distinct_states("samples")))
        .fetch_all(pool)
        .await?;
    let test_states = sqlx::query_scalar(sqlx::AssertSqlSafe(distinct_states("tests")))
        .fetch_all(pool)
        .await?;
    let last_updated_at = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT {LAST_UPDATED}")))
        .fetch_one(pool)
        .await?;

    Ok(CommonFiltersResponse {
        customers,
        order_states,
        sample_states,
        test_states,
        last_updated_at,
        lab_timezone: settings.lab_timezone.name().to_owned(),
        sla_hours: settings.default_sla_hours,
    })
}

/// The distinct states of visible orders, in order: the values the `state`
/// filter compares with.
pub(crate) async fn order_states(pool: &PgPool) -> Result<Vec<String>, KpiError> {
    let states = sqlx::query_scalar(sqlx::AssertSqlSafe(distinct_states("orders")))
        .fetch_all(pool)
        .await?;
    Ok(states)
}

/// The states of the visible rows of `table`, in order. The table's few
/// distinct states are found by skipping through its index on `state`, one
/// probe per state, and each is kept when a visible row has it (the
/// `LIMIT` keeps that a probe per state rather than a join with every
/// row); reading every row for a handful of values takes seconds on a
/// large lab.
fn distinct_states(table: &str) -> String {
    format!(
        "WITH RECURSIVE states AS (
           (SELECT state FROM {table} WHERE state IS NOT NULL ORDER BY state LIMIT 1)
           UNION ALL
           SELECT (SELECT r.state FROM {table} r WHERE r.state > states.state
                   ORDER BY r.state LIMIT 1)
           FROM states WHERE states.state IS NOT NULL)
         SELECT states.state::text FROM states
         CROSS JOIN LATERAL (
           SELECT 1 FROM visible_{table} v WHERE v.state = states.state LIMIT 1) seen
         WHERE states.state IS NOT NULL
         ORDER BY states.state"
    )
}
