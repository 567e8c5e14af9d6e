//! Dates written the way QBench writes them.
//!
//! QBench writes zone-less wall times in the tenant's zone: date-times as
//! `MM/DD/YYYY hh:mm AM/PM`, some dates bare as `MM/DD/YYYY`, `last_updated`
//! as epoch seconds in a string, and a few synchronisation stamps in RFC 1123.

use chrono_tz::Tz;
use serde_json::Value;

use crate::clock::LabTime;

/// Formats instants in one tenant zone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QbenchDates {
    zone: Tz,
}

impl QbenchDates {
    /// Dates written in `zone`.
    pub(crate) fn new(zone: Tz) -> Self {
        QbenchDates { zone }
    }

    /// `MM/DD/YYYY hh:mm AM/PM` in the zone, or `null` when never.
    pub(crate) fn date_time(&self, at: LabTime) -> Value {
        self.formatted(at, "%m/%d/%Y %I:%M %p")
    }

    /// `MM/DD/YYYY` in the zone, or `null` when never.
    pub(crate) fn date(&self, at: LabTime) -> Value {
        self.formatted(at, "%m/%d/%Y")
    }

    /// `Mon, 13 Oct 2025 13:02:00 GMT`, or `null` when never.
    pub(crate) fn rfc1123(&self, at: LabTime) -> Value {
        match at.to_utc() {
            Some(utc) => Value::String(utc.format("%a, %d %b %Y %H:%M:%S GMT").to_string()),
            None => Value::Null,
        }
    }

    /// `MMDDYY` in the zone, as inside `ORD-101325-3335`.
    pub(crate) fn compact_date(&self, at: LabTime) -> String {
        match at.to_utc() {
            Some(utc) => utc.with_timezone(&self.zone).format("%m%d%y").to_string(),
            None => "000000".to_owned(),
        }
    }

    /// The hour of the day (0-23) on the tenant's wall clock.
    pub(crate) fn local_hour_and_weekday(&self, at: LabTime) -> (u32, u32) {
        use chrono::{Datelike, Timelike};
        match at.to_utc() {
            Some(utc) => {
                let local = utc.with_timezone(&self.zone);
                (local.hour(), local.weekday().num_days_from_monday())
            }
            None => (0, 0),
        }
    }

    fn formatted(&self, at: LabTime, pattern: &str) -> Value {
        match at.to_utc() {
            Some(utc) => Value::String(utc.with_timezone(&self.zone).format(pattern).to_string()),
            None => Value::Null,
        }
    }
}

/// Epoch seconds as a string, the usual form of `last_updated`.
pub(crate) fn epoch_string(at: LabTime) -> Value {
    Value::String(at.secs().to_string())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> LabTime {
        LabTime::from_utc(Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap())
    }

    #[test]
    fn date_times_are_twelve_hour_wall_times_in_the_tenant_zone() {
        let dates = QbenchDates::new(chrono_tz::America::New_York);
        // 19:16 UTC in October is 3:16 PM in New York (EDT).
        assert_eq!(
            dates.date_time(at(2025, 10, 13, 19, 16)),
            "10/13/2025 03:16 PM"
        );
        // Five past midnight is written 12:05 AM.
        assert_eq!(dates.date_time(at(2025, 1, 2, 5, 5)), "01/02/2025 12:05 AM");
        assert_eq!(dates.date(at(2025, 10, 13, 19, 16)), "10/13/2025");
        assert_eq!(dates.date_time(LabTime::NEVER), Value::Null);
    }

    #[test]
    fn sync_stamps_are_rfc_1123_in_gmt() {
        let dates = QbenchDates::new(chrono_tz::America::New_York);
        assert_eq!(
            dates.rfc1123(at(2025, 10, 13, 13, 2)),
            "Mon, 13 Oct 2025 13:02:00 GMT"
        );
        assert_eq!(epoch_string(at(2025, 10, 13, 13, 2)), "1760360520");
    }
}
