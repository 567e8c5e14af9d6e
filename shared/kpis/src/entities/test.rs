//! `entities/tests/{id}`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::PgPool;
use utoipa::ToSchema;

use super::relatives::{BatchRef, OrderRef, SampleRef, batches, order_ref};
use super::sla::{CLOSED_TEST_STATES, SlaStatus, is_closed, tat_hours, test_status};
use crate::{EntityQuery, KpiError, KpiSettings};

/// The response of `entities/tests/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TestDetailResponse {
    /// The test.
    pub test: TestDetail,
    /// Its sample.
    pub sample: SampleRef,
    /// Its order and customer.
    pub order: OrderRef,
    /// Its visible batches, by id.
    pub batches: Vec<BatchRef>,
}

/// A test's own fields.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TestDetail {
    /// QBench id.
    pub id: i32,
    /// Assay label.
    pub label_abbr: Option<String>,
    /// QBench state.
    pub state: Option<String>,
    /// Whether QBench has a report for it.
    pub has_report: bool,
    /// When it was created.
    pub date_created: Option<DateTime<Utc>>,
    /// When its report was completed.
    pub report_completed_date: Option<DateTime<Utc>>,
    /// Its turnaround in hours once reported.
    pub tat_hours: Option<f64>,
    /// Where it stands against the SLA.
    pub sla_status: SlaStatus,
    /// The SLA applied.
    pub sla_hours: f64,
    /// QBench worksheet data as stored.
    #[schema(value_type = Option<Object>)]
    pub worksheet_raw: Option<Value>,
}

#[derive(sqlx::FromRow)]
struct TestRow {
    id: i32,
    label_abbr: Option<String>,
    state: Option<String>,
    has_report: bool,
    date_created: Option<DateTime<Utc>>,
    report_completed_date: Option<DateTime<Utc>>,
    worksheet_raw: Option<Value>,
    batch_ids: Vec<i32>,
    sample_id: i32,
    sample_name: Option<String>,
    sample_state: Option<String>,
    order_id: i32,
}

/// A visible test with its sample, order and batches; `None` when unknown
/// or hidden. `now` dates the SLA status of an unreported test.
pub async fn test_detail(
    pool: &PgPool,
    settings: &KpiSettings,
    id: i32,
    query: &EntityQuery,
    now: DateTime<Utc>,
) -> Result<Option<TestDetailResponse>, KpiError> {
    let sla_hours = settings.sla_hours(query.sla_hours)?;
    let row: Option<TestRow> = sqlx::query_as(
        "SELECT t.id, t.label_abbr, t.state, t.has_report, t.date_created,
                t.report_completed_date, t.worksheet_raw, t.batch_ids,
                s.id AS sample_id, s.sample_name, s.state AS sample_state,
                s.order_id
         FROM visible_tests t JOIN visible_samples s ON s.id = t.sample_id
         WHERE t.id = $1",
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
    let batches = batches(pool, &row.batch_ids).await?;
    let closed = is_closed(row.state.as_deref(), CLOSED_TEST_STATES);

    Ok(Some(TestDetailResponse {
        test: TestDetail {
            id: row.id,
            label_abbr: row.label_abbr,
            state: row.state,
            has_report: row.has_report,
            date_created: row.date_created,
            report_completed_date: row.report_completed_date,
            tat_hours: tat_hours(row.date_created, row.report_completed_date),
            sla_status: test_status(
                row.date_created,
                row.report_completed_date,
                closed,
                sla_hours,
                now,
            ),
            sla_hours,
            worksheet_raw: row.worksheet_raw,
        },
        sample: SampleRef {
            id: row.sample_id,
            sample_name: row.sample_name,
            state: row.sample_state,
        },
        order,
        batches,
    }))
}
