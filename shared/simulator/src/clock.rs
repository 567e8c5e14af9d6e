//! The lab's clock: instants stored compactly and the lab's notion of now.
//!
//! Records keep their planned events (created, started, reported, ...) as
//! [`LabTime`] values; what a client sees is derived from those events and
//! the lab's current time, so moving the clock is what makes the lab change.

use chrono::{DateTime, TimeZone, Utc};

/// An instant at one-second precision: Unix seconds in four bytes.
///
/// [`LabTime::NEVER`] stands for an event that has not been planned, such as
/// the report of a test on hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct LabTime(u32);

impl LabTime {
    /// An event that never happens; later than any real instant.
    pub(crate) const NEVER: LabTime = LabTime(u32::MAX);

    /// The earliest instant, earlier than any event.
    pub(crate) const ZERO: LabTime = LabTime(0);

    /// The instant as stored, clamped to what four bytes hold.
    pub(crate) fn from_utc(at: DateTime<Utc>) -> Self {
        let secs = at.timestamp().clamp(0, i64::from(u32::MAX - 1));
        LabTime(u32::try_from(secs).unwrap_or(u32::MAX - 1))
    }

    /// Unix seconds.
    pub(crate) fn secs(self) -> i64 {
        i64::from(self.0)
    }

    /// The instant as a UTC date-time; `None` for [`LabTime::NEVER`].
    pub(crate) fn to_utc(self) -> Option<DateTime<Utc>> {
        if self.is_never() {
            return None;
        }
        Utc.timestamp_opt(self.secs(), 0).single()
    }

    /// Whether this is the unplanned event.
    pub(crate) fn is_never(self) -> bool {
        self == LabTime::NEVER
    }

    /// Whether the event has happened by `now`.
    pub(crate) fn by(self, now: LabTime) -> bool {
        self <= now
    }

    /// This instant moved `secs` seconds later; `NEVER` stays `NEVER`.
    pub(crate) fn plus(self, secs: i64) -> LabTime {
        if self.is_never() {
            return self;
        }
        let moved = self
            .secs()
            .saturating_add(secs)
            .clamp(0, i64::from(u32::MAX - 1));
        LabTime(u32::try_from(moved).unwrap_or(u32::MAX - 1))
    }

    /// The start of this instant's hour (UTC); `NEVER` stays `NEVER`.
    pub(crate) fn floor_hour(self) -> LabTime {
        if self.is_never() {
            return self;
        }
        LabTime(self.0 - self.0 % 3600)
    }

    /// The later of two instants.
    pub(crate) fn latest(self, other: LabTime) -> LabTime {
        self.max(other)
    }

    /// The later of this mark and `at`, where `NEVER` means "not yet set".
    pub(crate) fn max_known(self, at: LabTime) -> LabTime {
        if self.is_never() { at } else { self.max(at) }
    }

    /// This instant if it has happened by `now`, else `None`.
    pub(crate) fn seen_by(self, now: LabTime) -> Option<LabTime> {
        self.by(now).then_some(self)
    }
}

/// Seconds in a minute, an hour and a day, for readable arithmetic.
pub(crate) const MINUTE: i64 = 60;
pub(crate) const HOUR: i64 = 3600;
pub(crate) const DAY: i64 = 86_400;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_is_later_than_any_instant_and_stays_never() {
        let now = LabTime::from_utc(Utc::now());
        assert!(now < LabTime::NEVER);
        assert!(!LabTime::NEVER.by(now));
        assert_eq!(LabTime::NEVER.plus(DAY), LabTime::NEVER);
        assert_eq!(LabTime::NEVER.to_utc(), None);
    }

    #[test]
    fn lab_time_round_trips_whole_seconds() {
        let at = Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0).unwrap();
        assert_eq!(LabTime::from_utc(at).to_utc(), Some(at));
        assert_eq!(
            LabTime::from_utc(at).plus(HOUR).secs(),
            at.timestamp() + 3600
        );
    }
}
