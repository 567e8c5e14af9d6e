//! Query parameters of each route, as the HTTP layer deserialises them.
//!
//! Field names are the earlier tool's. Dates stay strings here and are parsed
//! by the route function, so a malformed one answers an error naming it. A
//! parameter a route does not know is refused rather than ignored, so a
//! misspelt filter (`start_date` for `date_from`) never silently widens a
//! figure.
//! The filters `customer_id`, `order_id` and `state` select orders (`state`
//! is the order's state); every figure of a response then counts the samples,
//! tests and reports of those orders only.

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Range and filters: `samples/overview`, `tests/label-distribution`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// First day or instant counted (ISO date or date-time).
    pub date_from: Option<String>,
    /// Last day (whole day, lab zone) or instant counted.
    pub date_to: Option<String>,
    /// Only orders of this customer.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub customer_id: Option<i32>,
    /// Only this order.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub order_id: Option<i32>,
    /// Only orders in this state; empty means any.
    pub state: Option<String>,
}

/// Range, filters and SLA: `summary`, `reports/overview`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SlaRangeQuery {
    /// First day or instant counted (ISO date or date-time).
    pub date_from: Option<String>,
    /// Last day (whole day, lab zone) or instant counted.
    pub date_to: Option<String>,
    /// Only orders of this customer.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub customer_id: Option<i32>,
    /// Only this order.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub order_id: Option<i32>,
    /// Only orders in this state; empty means any.
    pub state: Option<String>,
    /// SLA in hours, more than 0; the lab default when absent.
    #[param(exclusive_minimum = 0)]
    #[schema(exclusive_minimum = 0)]
    pub sla_hours: Option<f64>,
}

/// `activity/daily`: range, filters and the comparison period.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActivityQuery {
    /// First day counted (ISO date or date-time).
    pub date_from: Option<String>,
    /// Last day counted (whole day, lab zone).
    pub date_to: Option<String>,
    /// Only orders of this customer.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub customer_id: Option<i32>,
    /// Only this order.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub order_id: Option<i32>,
    /// Only orders in this state; empty means any.
    pub state: Option<String>,
    /// Also answer the period of equal length just before.
    pub compare_previous: Option<bool>,
}

/// `tests/tat-daily`: range, filters, SLA and the moving-average window.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TatDailyQuery {
    /// First report day counted (ISO date or date-time).
    pub date_from: Option<String>,
    /// Last report day counted (whole day, lab zone).
    pub date_to: Option<String>,
    /// Only orders of this customer.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub customer_id: Option<i32>,
    /// Only this order.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub order_id: Option<i32>,
    /// Only orders in this state; empty means any.
    pub state: Option<String>,
    /// SLA in hours, more than 0; the lab default when absent.
    #[param(exclusive_minimum = 0)]
    #[schema(exclusive_minimum = 0)]
    pub sla_hours: Option<f64>,
    /// Calendar days in the moving average, 0 to 366 (default 7, 0 for none).
    #[param(minimum = 0, maximum = 366)]
    #[schema(minimum = 0, maximum = 366)]
    pub moving_average_window: Option<u32>,
}

/// `tests/overview`: range, filters and a batch.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TestsOverviewQuery {
    /// First creation day or instant counted (ISO date or date-time).
    pub date_from: Option<String>,
    /// Last creation day (whole day, lab zone) or instant counted.
    pub date_to: Option<String>,
    /// Only orders of this customer.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub customer_id: Option<i32>,
    /// Only this order.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub order_id: Option<i32>,
    /// Only orders in this state; empty means any.
    pub state: Option<String>,
    /// Only tests in this batch.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub batch_id: Option<i32>,
}

/// How `tests/tat` groups its series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TatGrouping {
    /// One point per lab-zone day.
    #[default]
    Day,
    /// One point per ISO week (Monday first).
    Week,
}

/// `tests/tat`. The range names are the earlier tool's; like it, they select
/// tests by report date.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TatQuery {
    /// First report day or instant counted (ISO date or date-time).
    pub date_created_from: Option<String>,
    /// Last report day (whole day, lab zone) or instant counted.
    pub date_created_to: Option<String>,
    /// Only orders of this customer.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub customer_id: Option<i32>,
    /// Only this order.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub order_id: Option<i32>,
    /// Only orders in this state; empty means any.
    pub state: Option<String>,
    /// SLA in hours, more than 0; the lab default when absent.
    #[param(exclusive_minimum = 0)]
    #[schema(exclusive_minimum = 0)]
    pub sla_hours: Option<f64>,
    /// Series per `day` (default) or `week`.
    pub group_by: Option<TatGrouping>,
}

/// `tests/tat-breakdown`: report-date range and filters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TatBreakdownQuery {
    /// First report day or instant counted (ISO date or date-time).
    pub date_created_from: Option<String>,
    /// Last report day (whole day, lab zone) or instant counted.
    pub date_created_to: Option<String>,
    /// Only orders of this customer.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub customer_id: Option<i32>,
    /// Only this order.
    #[param(minimum = 1)]
    #[schema(minimum = 1)]
    pub order_id: Option<i32>,
    /// Only orders in this state; empty means any.
    pub state: Option<String>,
}

/// `customers/new` and `customers/top-tests`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CustomersQuery {
    /// First day or instant counted (ISO date or date-time).
    pub date_from: Option<String>,
    /// Last day (whole day, lab zone) or instant counted.
    pub date_to: Option<String>,
    /// How many customers to answer, 1 to 1000 (default 10).
    #[param(minimum = 1, maximum = 1000)]
    #[schema(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// `sync/status`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SyncStatusQuery {
    /// The entity whose checkpoint to answer (default `tests`).
    pub entity: Option<String>,
}

/// `entities/samples/{id}` and `entities/tests/{id}`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EntityQuery {
    /// SLA in hours, more than 0; the lab default when absent.
    #[param(exclusive_minimum = 0)]
    #[schema(exclusive_minimum = 0)]
    pub sla_hours: Option<f64>,
}

/// `entities/orders/{id}`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// SLA in hours, more than 0; the lab default when absent.
    #[param(exclusive_minimum = 0)]
    #[schema(exclusive_minimum = 0)]
    pub sla_hours: Option<f64>,
    /// List the order's samples (default true).
    pub include_samples: Option<bool>,
    /// List each sample's tests (default false).
    pub include_tests: Option<bool>,
}
