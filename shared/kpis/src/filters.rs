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

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
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
    /// SLA in hours, more than 0 and at most 8760; the lab default
    /// (`SLA_HOURS`) when absent.
    #[param(exclusive_minimum = 0, maximum = 8760)]
    #[schema(exclusive_minimum = 0, maximum = 8760)]
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
    #[serde(default, deserialize_with = "flag")]
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
    /// SLA in hours, more than 0 and at most 8760; the lab default
    /// (`SLA_HOURS`) when absent.
    #[param(exclusive_minimum = 0, maximum = 8760)]
    #[schema(exclusive_minimum = 0, maximum = 8760)]
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
    /// SLA in hours, more than 0 and at most 8760; the lab default
    /// (`SLA_HOURS`) when absent.
    #[param(exclusive_minimum = 0, maximum = 8760)]
    #[schema(exclusive_minimum = 0, maximum = 8760)]
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
    /// SLA in hours, more than 0 and at most 8760; the lab default
    /// (`SLA_HOURS`) when absent.
    #[param(exclusive_minimum = 0, maximum = 8760)]
    #[schema(exclusive_minimum = 0, maximum = 8760)]
    pub sla_hours: Option<f64>,
}

/// `entities/orders/{id}`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// SLA in hours, more than 0 and at most 8760; the lab default
    /// (`SLA_HOURS`) when absent.
    #[param(exclusive_minimum = 0, maximum = 8760)]
    #[schema(exclusive_minimum = 0, maximum = 8760)]
    pub sla_hours: Option<f64>,
    /// List the order's samples (default true).
    #[serde(default, deserialize_with = "flag")]
    pub include_samples: Option<bool>,
    /// List each sample's tests (default false).
    #[serde(default, deserialize_with = "flag")]
    pub include_tests: Option<bool>,
}

/// A yes-or-no parameter in any spelling the earlier tool's clients used:
/// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, `t`/`f`, `y`/`n`, in
/// any case (Python's `requests` writes `True`). Empty is absent.
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "1" | "yes" | "on" | "t" | "y" => Ok(Some(true)),
        "false" | "0" | "no" | "off" | "f" | "n" => Ok(Some(false)),
        _ => Err(D::Error::custom(format!(
            "expected true or false, got `{text}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `name=value` pairs as a query string's are read: every value
    /// a string.
    fn order_query(pairs: &[(&str, &str)]) -> Result<OrderQuery, serde_json::Error> {
        let map: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).into()))
            .collect();
        serde_json::from_value(map.into())
    }

    #[test]
    fn yes_or_no_reads_every_spelling_of_the_earlier_clients() {
        for (raw, expected) in [
            ("true", true),
            ("True", true),
            ("1", true),
            ("YES", true),
            ("on", true),
            ("false", false),
            ("False", false),
            ("0", false),
            ("no", false),
            ("Off", false),
        ] {
            let query = order_query(&[("include_samples", raw)]).unwrap();
            assert_eq!(query.include_samples, Some(expected), "{raw}");
        }
        let empty = order_query(&[("include_tests", "")]).unwrap();
        assert_eq!(empty.include_tests, None);
        assert_eq!(order_query(&[]).unwrap().include_tests, None);
        let error = order_query(&[("include_tests", "perhaps")]).unwrap_err();
        assert!(
            error.to_string().contains("expected true or false"),
            "{error}"
        );
    }
}
