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
    /// Ended without a report: a test cancelled or not reportable, or a
    /// sample or order whose tests all ended so. Outside the SLA and no
    /// longer open work.
    Closed,
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

/// Test states in which a test ends without a report. The earlier tool
/// let such tests age into "overdue" and count as pending for good.
pub const CLOSED_TEST_STATES: &[&str] = &["CANCELLED", "NOT REPORTABLE"];

/// Sample states in which a sample ends without a report.
pub const CLOSED_SAMPLE_STATES: &[&str] = &["DISCONTINUED", "NOT REPORTABLE"];

/// The blanks around a state that do not count: spaces, tabs and line
/// breaks, in Rust and, through [`closed_sql`], in SQL (`btrim` alone
/// takes only spaces).
const BLANKS: [char; 5] = [' ', '\t', '\n', '\r', '\x0C'];

/// Whether `state` is one of `closed`, ignoring case and surrounding blanks.
pub(crate) fn is_closed(state: Option<&str>, closed: &[&str]) -> bool {
    state.is_some_and(|state| {
        let state = state.trim_matches(BLANKS);
        closed.iter().any(|c| state.eq_ignore_ascii_case(c))
    })
}

/// SQL that holds when `column` is one of `closed`, as [`is_closed`] reads
/// it. The states are this crate's constants, never input.
pub(crate) fn closed_sql(column: &str, closed: &[&str]) -> String {
    let listed: Vec<String> = closed.iter().map(|c| format!("'{c}'")).collect();
    let blanks: Vec<String> = BLANKS
        .iter()
        .map(|&c| format!("chr({})", u32::from(c)))
        .collect();
    format!(
        "coalesce(upper(btrim({column}, {})) IN ({}), false)",
        blanks.join(" || "),
        listed.join(", ")
    )
}

/// A test's status: by turnaround once reported; before, closed when its
/// state ended it, else by age at `now`.
pub(crate) fn test_status(
    created: Option<DateTime<Utc>>,
    reported: Option<DateTime<Utc>>,
    closed: bool,
    sla_hours: f64,
    now: DateTime<Utc>,
) -> SlaStatus {
    match (created, reported) {
        (Some(created), Some(reported)) => {
            let hours = hours_between(created, reported);
            if hours < 0.0 {
                SlaStatus::Unknown
            } else if hours <= sla_hours {
                SlaStatus::WithinSla
            } else {
                SlaStatus::BeyondSla
            }
        }
        (None, Some(_)) => SlaStatus::Unknown,
        (_, None) if closed => SlaStatus::Closed,
        (None, None) => SlaStatus::Unknown,
        (Some(created), None) if hours_between(created, now) <= sla_hours => SlaStatus::Pending,
        (Some(_), None) => SlaStatus::Overdue,
    }
}

/// The status of a sample or order from its tests' statuses: the most
/// urgent open one (overdue, then pending); once none is open, beyond if
/// any test is beyond, else within if any is within, else closed if any
/// test ended without a report, else unknown.
pub(crate) fn summarise(statuses: impl IntoIterator<Item = SlaStatus>) -> SlaStatus {
    let statuses: Vec<SlaStatus> = statuses.into_iter().collect();
    let order = [
        SlaStatus::Overdue,
        SlaStatus::Pending,
        SlaStatus::BeyondSla,
        SlaStatus::WithinSla,
        SlaStatus::Closed,
    ];
    order
        .into_iter()
        .find(|wanted| statuses.contains(wanted))
        .unwrap_or(SlaStatus::Unknown)
}
