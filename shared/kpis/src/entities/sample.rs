//! `entities/samples/{id}`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use super::relatives::{BatchRef, OrderRef, TestSummary, batches, order_ref, tests_of_samples};
use super::sla::{SlaStatus, summarise};
use crate::{EntityQuery, KpiError, KpiSettings};

/// The response of `entities/samples/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SampleDetailResponse {
    /// The sample.
    pub sample: SampleDetail,
    /// Its order and customer.
    pub order: OrderRef,
    /// Its visible tests, by id.
    pub tests: Vec<TestSummary>,
    /// Its visible batches, by id.
    pub batches: Vec<BatchRef>,
}

/// A sample's own fields.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SampleDetail {
    /// QBench id.
    pub id: i32,
    /// Sample name.
    pub sample_name: Option<String>,
    /// QBench's formatted id.
    pub custom_formatted_id: Option<String>,
    /// Its order.
    pub order_id: i32,
    /// QBench state.
    pub state: Option<String>,
    /// When it was created.
    pub date_created: Option<DateTime<Utc>>,
    /// When work on it started.
    pub start_date: Option<DateTime<Utc>>,
    /// When it was completed.
    pub completed_date: Option<DateTime<Utc>>,
    /// Matrix type.
    pub matrix_type: Option<String>,
    /// Its tests' SLA statuses summarised.
    pub sla_status: SlaStatus,
    /// The SLA applied.
    pub sla_hours: f64,
}

#[derive(sqlx::FromRow)]
struct SampleRow {
    id: i32,
    sample_name: Option<String>,
    custom_formatted_id: Option<String>,
    order_id: i32,
    state: Option<String>,
    date_created: Option<DateTime<Utc>>,
    start_date: Option<DateTime<Utc>>,
    completed_date: Option<DateTime<Utc>>,
    matrix_type: Option<String>,
    batch_ids: Vec<i32>,
}

/// A visible sample with its order, tests and batches; `None` when unknown
/// or hidden. `now` dates the SLA status of unreported tests.
pub async fn sample_detail(
    pool: &PgPool,
    settings: &KpiSettings,
    id: i32,
    query: &EntityQuery,
    now: DateTime<Utc>,
) -> Result<Option<SampleDetailResponse>, KpiError> {
    let sla_hours = settings.sla_hours(query.sla_hours)?;
    let row: Option<SampleRow> = sqlx::query_as(
        "SELECT id, sample_name, custom_formatted_id, order_id, state, date_created,
                start_date, completed_date, matrix_type, batch_ids
         FROM visible_samples WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let Some(order) = order_ref(pool, row.order_id).await? else {
        return Ok(None);
    };

    let tests = tests_of_samples(pool, &[row.id]).await?;
    let sla_status = summarise(tests.iter().map(|t| t.status(sla_hours, now)));
    let batches = batches(pool, &row.batch_ids).await?;

    Ok(Some(SampleDetailResponse {
        sample: SampleDetail {
            id: row.id,
            sample_name: row.sample_name,
            custom_formatted_id: row.custom_formatted_id,
            order_id: row.order_id,
            state: row.state,
            date_created: row.date_created,
            start_date: row.start_date,
            completed_date: row.completed_date,
            matrix_type: row.matrix_type,
            sla_status,
            sla_hours,
        },
        order,
        tests: tests.iter().map(|t| t.summary(sla_hours, now)).collect(),
        batches,
    }))
}
