//! `entities/orders/{id}`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use super::relatives::{CustomerRef, TestRecord, TestSummary, order_ref, tests_of_samples};
use super::sla::{CLOSED_SAMPLE_STATES, SlaStatus, hours_between, is_closed, summarise};
use crate::stats::round_hours;
use crate::{KpiError, KpiSettings, OrderQuery};

/// The response of `entities/orders/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OrderDetailResponse {
    /// The order.
    pub order: OrderDetail,
    /// Its customer.
    pub customer: CustomerRef,
    /// Its visible samples by id; null when `include_samples=false`.
    pub samples: Option<Vec<OrderSample>>,
}

/// An order's own fields and progress.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OrderDetail {
    /// QBench id.
    pub id: i32,
    /// QBench's formatted id, such as `O-110325-3442`.
    pub custom_formatted_id: Option<String>,
    /// QBench state.
    pub state: Option<String>,
    /// Its tests' SLA statuses summarised.
    pub sla_status: SlaStatus,
    /// The SLA applied.
    pub sla_hours: f64,
    /// Hours from creation to its report, or to now while unreported.
    pub age_hours: Option<f64>,
    /// When it was created.
    pub date_created: Option<DateTime<Utc>>,
    /// When it was completed.
    pub date_completed: Option<DateTime<Utc>>,
    /// When it was reported.
    pub date_order_reported: Option<DateTime<Utc>>,
    /// When the lab received it.
    pub date_received: Option<DateTime<Utc>>,
    /// Visible samples without a completion date and not closed by their
    /// state (DISCONTINUED, NOT REPORTABLE).
    pub pending_samples: i64,
    /// Visible tests neither completed, nor reported, nor closed by their
    /// state (CANCELLED, NOT REPORTABLE).
    pub pending_tests: i64,
}

/// A sample as listed under its order.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OrderSample {
    /// QBench id.
    pub id: i32,
    /// Sample name.
    pub sample_name: Option<String>,
    /// QBench state.
    pub state: Option<String>,
    /// Whether QBench has a report for it.
    pub has_report: bool,
    /// Its tests neither completed, nor reported, nor closed.
    pub pending_tests: i64,
    /// Its visible tests by id; null unless `include_tests=true`.
    pub tests: Option<Vec<TestSummary>>,
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: i32,
    custom_formatted_id: Option<String>,
    state: Option<String>,
    date_created: Option<DateTime<Utc>>,
    date_completed: Option<DateTime<Utc>>,
    date_order_reported: Option<DateTime<Utc>>,
    date_received: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct SampleRow {
    id: i32,
    sample_name: Option<String>,
    state: Option<String>,
    has_report: bool,
    completed_date: Option<DateTime<Utc>>,
}

impl SampleRow {
    /// Neither completed nor closed by its state.
    fn is_pending(&self) -> bool {
        self.completed_date.is_none() && !is_closed(self.state.as_deref(), CLOSED_SAMPLE_STATES)
    }
}

/// A visible order with its customer, progress and (optionally) samples and
/// tests; `None` when unknown or hidden. `now` dates open work.
pub async fn order_detail(
    pool: &PgPool,
    settings: &KpiSettings,
    id: i32,
    query: &OrderQuery,
    now: DateTime<Utc>,
) -> Result<Option<OrderDetailResponse>, KpiError> {
    let sla_hours = settings.sla_hours(query.sla_hours)?;
    let row: Option<OrderRow> = sqlx::query_as(
        "SELECT id, custom_formatted_id, state, date_created, date_completed,
                date_order_reported, date_received
         FROM visible_orders WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let (Some(row), Some(order)) = (row, order_ref(pool, id).await?) else {
        return Ok(None);
    };

    let samples: Vec<SampleRow> = sqlx::query_as(
        "SELECT id, sample_name, state, has_report, completed_date
         FROM visible_samples WHERE order_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let sample_ids: Vec<i32> = samples.iter().map(|s| s.id).collect();
    let tests = tests_of_samples(pool, &sample_ids).await?;

    let include_tests = query.include_tests.unwrap_or(false);
    let listed = query.include_samples.unwrap_or(true).then(|| {
        samples
            .iter()
            .map(|s| order_sample(s, &tests, include_tests, sla_hours, now))
            .collect()
    });
    let age_end = row.date_order_reported.unwrap_or(now);

    Ok(Some(OrderDetailResponse {
        order: OrderDetail {
            id: row.id,
            custom_formatted_id: row.custom_formatted_id,
            state: row.state,
            sla_status: summarise(tests.iter().map(|t| t.status(sla_hours, now))),
            sla_hours,
            age_hours: round_hours(row.date_created.map(|c| hours_between(c, age_end))),
            date_created: row.date_created,
            date_completed: row.date_completed,
            date_order_reported: row.date_order_reported,
            date_received: row.date_received,
            pending_samples: count(samples.iter().filter(|s| s.is_pending())),
            pending_tests: count(tests.iter().filter(|t| t.is_pending())),
        },
        customer: order.customer,
        samples: listed,
    }))
}

fn order_sample(
    sample: &SampleRow,
    tests: &[TestRecord],
    include_tests: bool,
    sla_hours: f64,
    now: DateTime<Utc>,
) -> OrderSample {
    let own = || tests.iter().filter(|t| t.sample_id == sample.id);
    OrderSample {
        id: sample.id,
        sample_name: sample.sample_name.clone(),
        state: sample.state.clone(),
        has_report: sample.has_report,
        pending_tests: count(own().filter(|t| t.is_pending())),
        tests: include_tests.then(|| own().map(|t| t.summary(sla_hours, now)).collect()),
    }
}

fn count<T>(items: impl Iterator<Item = T>) -> i64 {
    i64::try_from(items.count()).unwrap_or(i64::MAX)
}
