//! QBench's dates: zone-less wall times in the tenant's zone, bare dates, and
//! epoch seconds.
//!
//! Wall times are read in an explicit zone (never the host's). A wall time
//! that falls in a daylight-saving gap is read with the offset in force just
//! before the gap (02:30 on a spring-forward night becomes 03:30 local); one
//! that falls in the repeated hour of an overlap is read as the first of the
//! two instants. Neither panics.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use crate::MappingError;
use crate::values::is_blank;

/// Wall-time layouts QBench uses, most common first.
const DATE_TIME_LAYOUTS: [&str; 6] = [
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
];

/// Bare-date layouts; a bare date is midnight of that day in the zone.
const DATE_LAYOUTS: [&str; 2] = ["%m/%d/%Y", "%Y-%m-%d"];

/// Reads a QBench date or date-time in `zone`.
pub fn parse_datetime(
    key: &str,
    value: &Value,
    zone: Tz,
) -> Result<Option<DateTime<Utc>>, MappingError> {
    if is_blank(value) {
        return Ok(None);
    }
    if value.is_number() {
        return parse_epoch(key, value);
    }
    let text = value
        .as_str()
        .ok_or_else(|| MappingError::invalid(key, value))?
        .trim();
    read_text(text, zone)
        .map(Some)
        .ok_or_else(|| MappingError::invalid(key, value))
}

fn read_text(text: &str, zone: Tz) -> Option<DateTime<Utc>> {
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(text) {
        return Some(with_offset.with_timezone(&Utc));
    }
    if let Ok(rfc1123) = DateTime::parse_from_rfc2822(text) {
        return Some(rfc1123.with_timezone(&Utc));
    }
    // Upper-case so `pm` and `PM` read alike.
    let upper = text.to_ascii_uppercase();
    let wall = DATE_TIME_LAYOUTS
        .iter()
        .find_map(|layout| NaiveDateTime::parse_from_str(&upper, layout).ok())
        .or_else(|| {
            DATE_LAYOUTS
                .iter()
                .find_map(|layout| NaiveDate::parse_from_str(&upper, layout).ok())
                .map(|d| d.and_time(NaiveTime::MIN))
        })?;
    Some(wall_time_in(wall, zone))
}

/// A zone-less wall time as an instant, by the rules in the module comment.
pub fn wall_time_in(wall: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    if let Some(instant) = zone.from_local_datetime(&wall).earliest() {
        return instant.with_timezone(&Utc);
    }
    // In a gap: take the offset of a moment safely before it. Offsets lie
    // within 14 hours of UTC, so the wall time read as UTC a day earlier
    // is before the gap in every zone, east of UTC as well as west.
    let before = zone.from_utc_datetime(&(wall - Duration::hours(24)));
    let offset = chrono::Offset::fix(before.offset());
    (wall - Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc()
}

/// Reads epoch seconds from a number or a numeric string.
pub fn parse_epoch(key: &str, value: &Value) -> Result<Option<DateTime<Utc>>, MappingError> {
    match crate::values::integer(key, value)? {
        None => Ok(None),
        Some(seconds) => DateTime::from_timestamp(seconds, 0)
            .map(Some)
            .ok_or_else(|| MappingError::invalid(key, value)),
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::America::New_York;
    use serde_json::json;

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn wall_times_are_read_in_the_tenant_zone() {
        let read = parse_datetime("d", &json!("10/13/2025 03:16 PM"), New_York).unwrap();
        assert_eq!(read, Some(utc("2025-10-13T19:16:00Z")));
    }

    #[test]
    fn twelve_oh_five_am_is_five_past_midnight() {
        let read = parse_datetime("d", &json!("03/01/2026 12:05 AM"), Tz::UTC).unwrap();
        assert_eq!(read, Some(utc("2026-03-01T00:05:00Z")));
    }

    #[test]
    fn bare_dates_are_midnight_local() {
        let read = parse_datetime("d", &json!("10/13/2025"), New_York).unwrap();
        assert_eq!(read, Some(utc("2025-10-13T04:00:00Z")));
    }

    #[test]
    fn a_time_in_the_spring_gap_uses_the_offset_before_it() {
        // 2026-03-08 02:30 does not exist in New York; EST (-5) applies.
        let read = parse_datetime("d", &json!("03/08/2026 02:30 AM"), New_York).unwrap();
        assert_eq!(read, Some(utc("2026-03-08T07:30:00Z")));
    }

    #[test]
    fn a_time_in_the_spring_gap_east_of_utc_uses_the_offset_before_it() {
        // 2025-10-05 02:30 does not exist in Sydney; AEST (+10) applies,
        // so it is 03:30 AEDT.
        let sydney = chrono_tz::Australia::Sydney;
        let read = parse_datetime("d", &json!("10/05/2025 02:30 AM"), sydney).unwrap();
        assert_eq!(read, Some(utc("2025-10-04T16:30:00Z")));
        let auckland = chrono_tz::Pacific::Auckland;
        // 2025-09-28 02:30 does not exist in Auckland; NZST (+12) applies.
        let read = parse_datetime("d", &json!("09/28/2025 02:30 AM"), auckland).unwrap();
        assert_eq!(read, Some(utc("2025-09-27T14:30:00Z")));
    }

    #[test]
    fn a_time_in_the_autumn_overlap_is_the_first_instant() {
        // 01:30 happens twice on 2026-11-01; the first is still EDT (-4).
        let read = parse_datetime("d", &json!("11/01/2026 01:30 AM"), New_York).unwrap();
        assert_eq!(read, Some(utc("2026-11-01T05:30:00Z")));
    }

    #[test]
    fn epochs_and_rfc1123_are_understood() {
        let epoch = parse_datetime("d", &json!(1_760_368_567), New_York).unwrap();
        assert_eq!(epoch, Some(utc("2025-10-13T15:16:07Z")));
        let rfc = parse_datetime("d", &json!("Mon, 13 Oct 2025 13:02:00 GMT"), New_York).unwrap();
        assert_eq!(rfc, Some(utc("2025-10-13T13:02:00Z")));
    }

    #[test]
    fn nonsense_is_an_error_naming_the_key() {
        let err = parse_datetime("date_created", &json!("yesterday"), New_York).unwrap_err();
        assert!(err.to_string().contains("date_created"), "{err}");
    }
}
