//! `metrics/common/filters`: the values a dashboard offers as filters.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::KpiError;
use crate::scope::LAST_UPDATED;

/// The response of `metrics/common/filters`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CommonFiltersResponse {
    /// Every visible customer, by name.
    pub customers: Vec<CustomerOption>,
    /// Distinct states of visible samples, sorted.
    pub sample_states: Vec<String>,
    /// Distinct states of visible tests, sorted.
    pub test_states: Vec<String>,
    /// When the mirror last wrote a visible record; null when empty.
    pub last_updated_at: Option<DateTime<Utc>>,
}

/// A customer to filter on.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct CustomerOption {
    /// QBench id.
    pub id: i32,
    /// Customer name.
    pub name: String,
}

/// Customers, sample states and test states present in the mirror.
pub async fn common_filters(pool: &PgPool) -> Result<CommonFiltersResponse, KpiError> {
    let customers = sqlx::query_as("SELECT id, name FROM visible_customers ORDER BY name, id")
        .fetch_all(pool)
        .await?;
    let sample_states = sqlx::query_scalar(
        "SELECT DISTINCT state FROM visible_samples WHERE state IS NOT NULL ORDER BY state",
    )
    .fetch_all(pool)
    .await?;
    let test_states = sqlx::query_scalar(
        "SELECT DISTINCT state FROM visible_tests WHERE state IS NOT NULL ORDER BY state",
    )
    .fetch_all(pool)
    .await?;
    let last_updated_at = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT {LAST_UPDATED}")))
        .fetch_one(pool)
        .await?;

    Ok(CommonFiltersResponse {
        customers,
        sample_states,
        test_states,
        last_updated_at,
    })
}
