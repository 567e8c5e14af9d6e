//! Lab-wide settings every KPI reads.

use chrono_tz::Tz;

use crate::KpiError;

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
        if !hours.is_finite() || hours <= 0.0 {
            return Err(KpiError::invalid("sla_hours", "must be a positive number"));
        }
        Ok(hours)
    }
}
