//! `metrics/customers/new` and `metrics/customers/top-tests`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::range::Window;
use crate::scope::{Scope, in_window};
use crate::{CustomersQuery, KpiError, KpiSettings};

/// How many customers a list answers when the request names no `limit`.
const DEFAULT_LIMIT: i64 = 10;

/// The longest list a request may ask for.
const MAX_LIMIT: i64 = 1000;

/// The response of `metrics/customers/new`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NewCustomersResponse {
    /// Customers created in the range, newest first.
    pub customers: Vec<NewCustomer>,
}

/// A customer created in the range.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct NewCustomer {
    /// QBench id.
    pub id: i32,
    /// Customer name.
    pub name: String,
    /// When QBench created the customer.
    pub created_at: Option<DateTime<Utc>>,
}

/// The response of `metrics/customers/top-tests`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TopTestsResponse {
    /// Customers with the most tests created in the range first.
    pub customers: Vec<TopCustomer>,
}

/// A customer's test counts in the range.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct TopCustomer {
    /// QBench id.
    pub id: i32,
    /// Customer name.
    pub name: String,
    /// Tests created in the range.
    pub tests: i64,
    /// Tests reported in the range.
    pub tests_reported: i64,
}

fn parse(settings: &KpiSettings, query: &CustomersQuery) -> Result<(Scope, i64), KpiError> {
    let window = Window::parse_dates(
        query.date_from.as_deref(),
        query.date_to.as_deref(),
        settings.lab_timezone,
    )?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(KpiError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok((Scope::unfiltered(settings, window)?, limit))
}

/// Customers created in the range, newest first.
pub async fn new_customers(
    pool: &PgPool,
    settings: &KpiSettings,
    query: &CustomersQuery,
) -> Result<NewCustomersResponse, KpiError> {
    let (scope, limit) = parse(settings, query)?;

    let sql = format!(
        "SELECT c.id, c.name, c.date_created AS created_at
         FROM visible_customers c
         WHERE c.date_created IS NOT NULL AND {}
         ORDER BY c.date_created DESC, c.id
         LIMIT $8",
        in_window("c.date_created")
    );
    let customers = scope.query(sql).bind(limit).fetch_all(pool).await?;
    Ok(NewCustomersResponse { customers })
}

/// The customers with the most tests created in the range, and how many of
/// their tests were reported in it.
pub async fn top_customers_by_tests(
    pool: &PgPool,
    settings: &KpiSettings,
    query: &CustomersQuery,
) -> Result<TopTestsResponse, KpiError> {
    let (scope, limit) = parse(settings, query)?;

    let sql = format!(
        "WITH created AS (
           SELECT t.customer_account_id AS customer_id, count(*) AS n
           FROM visible_tests t WHERE {created} GROUP BY 1),
         reported AS (
           SELECT t.customer_account_id AS customer_id, count(*) AS n
           FROM visible_tests t
           WHERE t.report_completed_date IS NOT NULL AND {reported} GROUP BY 1)
         SELECT c.id, c.name, coalesce(cr.n, 0) AS tests, coalesce(re.n, 0) AS tests_reported
         FROM visible_customers c
         LEFT JOIN created cr ON cr.customer_id = c.id
         LEFT JOIN reported re ON re.customer_id = c.id
         WHERE cr.n IS NOT NULL OR re.n IS NOT NULL
         ORDER BY tests DESC, tests_reported DESC, c.id
         LIMIT $8",
        created = in_window("t.date_created"),
        reported = in_window("t.report_completed_date"),
    );
    let customers = scope.query(sql).bind(limit).fetch_all(pool).await?;
    Ok(TopTestsResponse { customers })
}
