//! SLA status of one record.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::stats::round_hours;

/// Where a record stands against the SLA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlaStatus {
    /// Reported with a turnaround at or under the SLA.
    WithinSla,
    /// Reported with a turnaround over the SLA.
    BeyondSla,
    /// Not reported yet, younger than the SLA.
    Pending,
    /// Not reported yet, older than the SLA.
    Overdue,
    /// No creation date, a negative turnaround, or no tests.
    Unknown,
}

/// Hours between two instants.
pub(crate) fn hours_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_microseconds().unwrap_or(i64::MAX) as f64 / 3_600_000_000.0
}

/// A test's turnaround in hours, rounded; null unless reported and created.
pub(crate) fn tat_hours(
    created: Option<DateTime<Utc>>,
    reported: Option<DateTime<Utc>>,
) -> Option<f64> {
    round_hours(Some(hours_between(created?, reported?)))
}

/// A test's status: by turnaround once reported, by age at `now` before.
// TODO(#3): a test closed without a report (state CANCELLED or NOT
// REPORTABLE) ages into "overdue" for good, as the earlier tool had it; it
// should leave the SLA, and the pending counts, once its state says so.
pub(crate) fn test_status(
    created: Option<DateTime<Utc>>,
    reported: Option<DateTime<Utc>>,
    sla_hours: f64,
    now: DateTime<Utc>,
) -> SlaStatus {
    let Some(created) = created else {
        return SlaStatus::Unknown;
    };
    match reported {
        Some(reported) => {
            let hours = hours_between(created, reported);
            if hours < 0.0 {
                SlaStatus::Unknown
            } else if hours <= sla_hours {
                SlaStatus::WithinSla
            } else {
                SlaStatus::BeyondSla
            }
        }
        None if hours_between(created, now) <= sla_hours => SlaStatus::Pending,
        None => SlaStatus::Overdue,
    }
}

/// The status of a sample or order from its tests' statuses: the most
/// urgent open one (overdue, then pending); once none is open, beyond if
/// any test is beyond, else within if any is within, else unknown.
pub(crate) fn summarise(statuses: impl IntoIterator<Item = SlaStatus>) -> SlaStatus {
    let statuses: Vec<SlaStatus> = statuses.into_iter().collect();
    let order = [
        SlaStatus::Overdue,
        SlaStatus::Pending,
        SlaStatus::BeyondSla,
        SlaStatus::WithinSla,
    ];
    order
        .into_iter()
        .find(|wanted| statuses.contains(wanted))
        .unwrap_or(SlaStatus::Unknown)
}
