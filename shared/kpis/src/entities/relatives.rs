//! The small records a detail answer embeds, and how they are read.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use super::sla::{CLOSED_TEST_STATES, SlaStatus, is_closed, tat_hours, test_status};
use crate::KpiError;

/// A customer, by id and name.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CustomerRef {
    /// QBench id.
    pub id: i32,
    /// Customer name.
    pub name: String,
}

/// An order with its customer.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OrderRef {
    /// QBench id.
    pub id: i32,
    /// QBench state.
    pub state: Option<String>,
    /// The order's customer.
    pub customer: CustomerRef,
}

/// A sample, briefly.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SampleRef {
    /// QBench id.
    pub id: i32,
    /// Sample name.
    pub sample_name: Option<String>,
    /// QBench state.
    pub state: Option<String>,
}

/// A batch, by id and name.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct BatchRef {
    /// QBench id.
    pub id: i32,
    /// Batch name.
    pub display_name: Option<String>,
}

/// A test as listed under its sample or order.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TestSummary {
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
}

/// A visible test row as the detail answers read it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct TestRecord {
    pub id: i32,
    pub sample_id: i32,
    pub label_abbr: Option<String>,
    pub state: Option<String>,
    pub has_report: bool,
    pub date_created: Option<DateTime<Utc>>,
    pub report_completed_date: Option<DateTime<Utc>>,
    pub complete_date: Option<DateTime<Utc>>,
}

impl TestRecord {
    /// Neither completed, nor reported, nor closed by its state.
    pub fn is_pending(&self) -> bool {
        self.complete_date.is_none() && self.report_completed_date.is_none() && !self.is_closed()
    }

    /// Whether its state ended it without a report.
    pub fn is_closed(&self) -> bool {
        is_closed(self.state.as_deref(), CLOSED_TEST_STATES)
    }

    /// Its status against `sla_hours` at `now`.
    pub fn status(&self, sla_hours: f64, now: DateTime<Utc>) -> SlaStatus {
        test_status(
            self.date_created,
            self.report_completed_date,
            self.is_closed(),
            sla_hours,
            now,
        )
    }

    /// The listed form.
    pub fn summary(&self, sla_hours: f64, now: DateTime<Utc>) -> TestSummary {
        TestSummary {
            id: self.id,
            label_abbr: self.label_abbr.clone(),
            state: self.state.clone(),
            has_report: self.has_report,
            date_created: self.date_created,
            report_completed_date: self.report_completed_date,
            tat_hours: tat_hours(self.date_created, self.report_completed_date),
            sla_status: self.status(sla_hours, now),
        }
    }
}

/// Visible tests of the given samples, by id.
pub(crate) async fn tests_of_samples(
    pool: &PgPool,
    sample_ids: &[i32],
) -> Result<Vec<TestRecord>, KpiError> {
    Ok(sqlx::query_as(
        "SELECT id, sample_id, label_abbr, state, has_report, date_created,
                report_completed_date, complete_date
         FROM visible_tests WHERE sample_id = ANY($1) ORDER BY id",
    )
    .bind(sample_ids.to_vec())
    .fetch_all(pool)
    .await?)
}

/// Visible batches among `ids`, by id.
pub(crate) async fn batches(pool: &PgPool, ids: &[i32]) -> Result<Vec<BatchRef>, KpiError> {
    Ok(sqlx::query_as(
        "SELECT id, display_name FROM visible_batches WHERE id = ANY($1) ORDER BY id",
    )
    .bind(ids.to_vec())
    .fetch_all(pool)
    .await?)
}

/// A visible order with its customer.
pub(crate) async fn order_ref(pool: &PgPool, order_id: i32) -> Result<Option<OrderRef>, KpiError> {
    let row: Option<(i32, Option<String>, i32, String)> = sqlx::query_as(
        "SELECT o.id, o.state, c.id, c.name
         FROM visible_orders o JOIN visible_customers c ON c.id = o.customer_account_id
         WHERE o.id = $1",
    )
    .bind(order_id)
    .fetch_optional(pool)
    .await?;

    Ok(row.map(|(id, state, customer_id, name)| OrderRef {
        id,
        state,
        customer: CustomerRef {
            id: customer_id,
            name,
        },
    }))
}
