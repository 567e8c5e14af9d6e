//! Lab-wide settings every KPI reads.

use chrono_tz::Tz;

use crate::KpiError;

/// The longest SLA in hours, of `SLA_HOURS` and of a request: a year.
pub const MAX_SLA_HOURS: u32 = 8760;

/// Settings from the service configuration, the same for every request.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiSettings {
    /// The lab's time zone (`LAB_TIMEZONE`): days are bucketed and bare dates
    /// read in it.
    pub lab_timezone: Tz,
    /// The SLA in hours when a request gives no `sla_hours`.
    pub default_sla_hours: f64,
    /// Sample types whose tests count in turnaround statistics; `None` counts
    /// every type.
    pub tat_sample_types: Option<Vec<String>>,
}

impl KpiSettings {
    /// The SLA of one request: its `sla_hours`, else the lab default.
    pub(crate) fn sla_hours(&self, requested: Option<f64>) -> Result<f64, KpiError> {
        let hours = requested.unwrap_or(self.default_sla_hours);
        // The bound `SLA_HOURS` has: a year.
        if !hours.is_finite() || hours <= 0.0 || hours > f64::from(MAX_SLA_HOURS) {
            return Err(KpiError::invalid(
                "sla_hours",
                format!("must be more than 0 and at most {MAX_SLA_HOURS} hours"),
            ));
        }
        Ok(hours)
    }
}
