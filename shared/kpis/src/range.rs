//! Date ranges: parsing `date_from` / `date_to` at the edge, and the lab-zone
//! days a series covers.
//!
//! A range is half-open, `[start, end)`, in instants. A bare date is a whole
//! day in the lab's zone: as a start it is that day's first instant, as an
//! end the next day's first instant, so `date_to=2026-02-05` covers all of
//! 5 February. A date-time without an offset is a lab wall-clock time; one
//! with an offset is that instant. A date-time end is inclusive.

use chrono::{
    DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta,
    TimeZone, Utc,
};
use chrono_tz::Tz;

use crate::KpiError;

/// The longest day series a request may ask for, about ten years.
const MAX_SERIES_DAYS: i64 = 3660;

/// How many days a series covers when the request gives no `date_from`.
const DEFAULT_SERIES_DAYS: u64 = 30;

/// Instants a query counts, `[start, end)`; an absent side is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// The consecutive lab-zone days of a series, both ends included, and the
/// instants they span (clipped to the requested window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DaySpan {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub window: Window,
}

impl DaySpan {
    /// How many days the span holds.
    pub fn len(&self) -> u64 {
        (self.last - self.first).num_days().unsigned_abs() + 1
    }

    /// The span of the same number of days that ends the day before this
    /// one starts, its window the same wall-clock part of those days: a
    /// range that starts or ends within a day is compared with the same
    /// hours of the earlier days, not with whole days.
    pub fn previous(&self, zone: Tz) -> DaySpan {
        let days = self.len();
        let back = |edge: Option<DateTime<Utc>>| edge.map(|edge| days_earlier(edge, days, zone));
        DaySpan {
            first: self.first - Days::new(days),
            last: self.first - Days::new(1),
            window: Window {
                start: back(self.window.start),
                end: back(self.window.end),
            },
        }
    }
}

/// Which side of a range a parameter sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Start,
    End,
}

impl Window {
    /// Parses a `from` / `to` pair named `from_name` / `to_name`.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        names: (&'static str, &'static str),
        zone: Tz,
    ) -> Result<Window, KpiError> {
        let start = parse_bound(from, names.0, Side::Start, zone)?;
        let end = parse_bound(to, names.1, Side::End, zone)?;
        // Compared once a bare end covers its whole day, so a day before
        // the start's day (whose end is the start's midnight) is refused too.
        if let (Some(start), Some(end)) = (start, end)
            && end <= start
        {
            return Err(KpiError::invalid(
                names.1,
                format!("must end after {} begins", names.0),
            ));
        }
        Ok(Window { start, end })
    }

    /// Parses the `date_from` / `date_to` pair most routes take.
    pub fn parse_dates(from: Option<&str>, to: Option<&str>, zone: Tz) -> Result<Window, KpiError> {
        Window::parse(from, to, ("date_from", "date_to"), zone)
    }

    /// The days a series covers: from the start's day (or 30 days before the
    /// last) to the day of the end's last instant (or today). A span too
    /// long is blamed on the parameter that set it: the end, or the start
    /// when the series runs to today. `names` are the `from` / `to` pair.
    pub fn days(&self, zone: Tz, names: (&'static str, &'static str)) -> Result<DaySpan, KpiError> {
        let last = match self.end {
            Some(end) => local_date(end - TimeDelta::microseconds(1), zone),
            None => local_date(Utc::now(), zone),
        };
        let first = match self.start {
            Some(start) => local_date(start, zone),
            None => last - Days::new(DEFAULT_SERIES_DAYS - 1),
        };
        let length = (last - first).num_days() + 1;
        if length > MAX_SERIES_DAYS {
            let blamed = if self.end.is_some() { names.1 } else { names.0 };
            return Err(KpiError::invalid(
                blamed,
                format!(
                    "the range covers {length} days; a series may span at most {MAX_SERIES_DAYS}"
                ),
            ));
        }
        let last = last.max(first);

        let span_start = day_start(first, zone);
        let span_end = day_start(last + Days::new(1), zone);
        let window = Window {
            start: Some(self.start.map_or(span_start, |s| s.max(span_start))),
            end: Some(self.end.map_or(span_end, |e| e.min(span_end))),
        };
        Ok(DaySpan {
            first,
            last,
            window,
        })
    }
}

/// The lab-zone calendar date of an instant.
pub(crate) fn local_date(instant: DateTime<Utc>, zone: Tz) -> NaiveDate {
    instant.with_timezone(&zone).date_naive()
}

/// The first instant of a lab-zone day. Where midnight falls in a clock
/// change gap, the day starts at the first wall time that exists.
pub(crate) fn day_start(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    // No zone skips a whole day of wall times; read the date as UTC then.
    first_existing(midnight, zone).unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// The instant of the lab wall time `wall`, or of the first one after it
/// that exists where the clocks skip it (the earlier of two in an overlap);
/// `None` if a whole day of wall times is missing.
fn first_existing(mut wall: NaiveDateTime, zone: Tz) -> Option<DateTime<Utc>> {
    for _ in 0..=24 * 4 {
        if let Some(instant) = zone.from_local_datetime(&wall).earliest() {
            return Some(instant.with_timezone(&Utc));
        }
        wall += TimeDelta::minutes(15);
    }
    None
}

/// The instant at the same lab wall-clock time `days` earlier; a day's
/// first instant stays a day's first instant, and a wall time the clocks
/// skip on the earlier day moves on to the first that exists.
fn days_earlier(instant: DateTime<Utc>, days: u64, zone: Tz) -> DateTime<Utc> {
    let date = local_date(instant, zone);
    let Some(earlier) = date.checked_sub_days(Days::new(days)) else {
        return instant;
    };
    if instant == day_start(date, zone) {
        return day_start(earlier, zone);
    }
    let wall = earlier.and_time(instant.with_timezone(&zone).time());
    // No zone skips a whole day of wall times; move by whole days then.
    first_existing(wall, zone)
        .unwrap_or_else(|| instant - TimeDelta::days(i64::try_from(days).unwrap_or(0)))
}

fn parse_bound(
    raw: Option<&str>,
    name: &'static str,
    side: Side,
    zone: Tz,
) -> Result<Option<DateTime<Utc>>, KpiError> {
    let Some(raw) = raw.map(str::trim).filter(|raw| !raw.is_empty()) else {
        return Ok(None);
    };
    if let Ok(day) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        within_years(day.year(), name)?;
        let day = match side {
            Side::Start => day,
            Side::End => day
                .checked_add_days(Days::new(1))
                .ok_or_else(|| KpiError::invalid(name, "date out of range"))?,
        };
        return Ok(Some(day_start(day, zone)));
    }
    let instant = parse_instant(raw, zone).map_err(|e| KpiError::invalid(name, e))?;
    // Judged on the lab's calendar, where its days are counted.
    within_years(local_date(instant, zone).year(), name)?;
    Ok(Some(match side {
        Side::Start => instant,
        // The end is exclusive; a date-time end includes its own instant,
        // and PostgreSQL keeps microseconds.
        Side::End => instant + TimeDelta::microseconds(1),
    }))
}

/// Years 1 to 9999 of the lab's calendar. chrono reads years far beyond
/// what PostgreSQL's `timestamptz` holds (from 4713 BC) and beyond what an
/// ISO date writes in four digits, and such a bound must be the caller's
/// error, not a database failure or a day named `+10000-01-01`.
fn within_years(year: i32, name: &'static str) -> Result<(), KpiError> {
    if (1..=9999).contains(&year) {
        Ok(())
    } else {
        Err(KpiError::invalid(
            name,
            "date out of range (years 1 to 9999)",
        ))
    }
}

/// An ISO date-time: with an offset it is that instant, without one a lab
/// wall-clock time (the earlier of two in a fall-back overlap; none in a
/// spring-forward gap, which is refused with that reason).
fn parse_instant(raw: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    if let Ok(instant) = DateTime::<FixedOffset>::parse_from_rfc3339(raw) {
        return Ok(instant.with_timezone(&Utc));
    }
    let formats = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ];
    let Some(wall) = formats
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok())
    else {
        // A `+` left bare in a query string arrives as a space.
        let hint = if raw.contains(' ') && raw.contains('T') {
            "; write the offset's + as %2B in a URL"
        } else {
            ""
        };
        return Err(format!(
            "expected an ISO date (YYYY-MM-DD) or date-time, got {raw:?}{hint}"
        ));
    };
    zone.from_local_datetime(&wall)
        .earliest()
        .map(|instant| instant.with_timezone(&Utc))
        .ok_or_else(|| {
            format!(
                "{wall} does not exist in {}: the clocks skip it (daylight saving time); \
                 give a time after the change or an offset",
                zone.name()
            )
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const NY: Tz = chrono_tz::America::New_York;

    fn at(raw: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(raw)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_series_too_long_is_blamed_on_the_parameter_that_set_it() {
        let names = ("f", "t");
        let longest = Window::parse(Some("2016-01-01"), Some("2026-01-07"), names, NY).unwrap();
        assert!(longest.days(NY, names).is_ok(), "3660 days are allowed");
        let too_long = Window::parse(Some("2016-01-01"), Some("2026-01-08"), names, NY).unwrap();
        let ended = too_long.days(NY, names).unwrap_err();
        assert!(
            matches!(&ended, KpiError::InvalidParameter { name: "t", .. }),
            "{ended:?}"
        );
        assert!(ended.to_string().contains("covers 3661 days"), "{ended}");
        // Without an end the series runs to today, so the start is too early.
        let open = Window::parse(Some("2000-01-01"), None, names, NY).unwrap();
        let started = open.days(NY, names).unwrap_err();
        assert!(
            matches!(&started, KpiError::InvalidParameter { name: "f", .. }),
            "{started:?}"
        );
    }

    #[test]
    fn the_previous_span_covers_the_same_hours_of_the_days_before() {
        let names = ("f", "t");
        // Whole days: the three days before, from midnight to midnight,
        // across the spring clock change of 8 March.
        let whole = Window::parse(Some("2026-03-09"), Some("2026-03-11"), names, NY).unwrap();
        let before = whole.days(NY, names).unwrap().previous(NY);
        assert_eq!(
            (before.first.to_string(), before.last.to_string()),
            ("2026-03-06".into(), "2026-03-08".into())
        );
        assert_eq!(before.window.start, Some(at("2026-03-06T05:00:00Z")));
        assert_eq!(before.window.end, Some(at("2026-03-09T04:00:00Z")));
        // From noon to noon: the same wall-clock hours two days earlier.
        let partial = Window::parse(
            Some("2026-03-09T12:00"),
            Some("2026-03-10T12:00"),
            names,
            NY,
        )
        .unwrap();
        let before = partial.days(NY, names).unwrap().previous(NY);
        assert_eq!(before.first.to_string(), "2026-03-07");
        assert_eq!(before.window.start, Some(at("2026-03-07T17:00:00Z")));
        assert_eq!(
            before.window.end,
            Some(at("2026-03-08T16:00:00Z") + TimeDelta::microseconds(1))
        );
        // A wall time the earlier day skips moves on to the first that exists.
        let gap = Window::parse(Some("2026-03-09T02:30"), Some("2026-03-09"), names, NY).unwrap();
        let before = gap.days(NY, names).unwrap().previous(NY);
        assert_eq!(before.window.start, Some(at("2026-03-08T07:00:00Z")));
    }

    #[test]
    fn bare_date_to_covers_its_whole_lab_day() {
        let w = Window::parse(Some("2026-02-01"), Some("2026-02-05"), ("f", "t"), NY).unwrap();
        assert_eq!(w.start, Some(at("2026-02-01T05:00:00Z")));
        assert_eq!(w.end, Some(at("2026-02-06T05:00:00Z")));
    }

    #[test]
    fn wall_time_is_lab_zone_and_offset_time_is_an_instant() {
        let w = Window::parse(
            Some("2026-02-01T10:00"),
            Some("2026-02-01T10:00:00Z"),
            ("f", "t"),
            NY,
        )
        .unwrap_err();
        assert!(matches!(w, KpiError::InvalidParameter { name: "t", .. }));
        let w = Window::parse(Some("2026-02-01T10:00:00"), None, ("f", "t"), NY).unwrap();
        assert_eq!(w.start, Some(at("2026-02-01T15:00:00Z")));
    }

    #[test]
    fn malformed_date_names_its_parameter() {
        let err = Window::parse(Some("02/01/2026"), None, ("date_from", "t"), NY).unwrap_err();
        assert!(matches!(
            err,
            KpiError::InvalidParameter {
                name: "date_from",
                ..
            }
        ));
        assert!(err.to_string().ends_with("got \"02/01/2026\""), "{err}");
        // The offset's + sent bare in a URL, read back as a space.
        let plus = Window::parse(Some("2026-11-20T10:00:00 02:00"), None, ("f", "t"), NY);
        let err = plus.unwrap_err().to_string();
        assert!(
            err.ends_with("write the offset's + as %2B in a URL"),
            "{err}"
        );
    }

    #[test]
    fn a_wall_time_the_clocks_skip_is_refused_with_that_reason() {
        // 2026-03-08 02:00 EST became 03:00 EDT in New York.
        let err = Window::parse(Some("2026-03-08T02:30:00"), None, ("date_from", "t"), NY)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("2026-03-08 02:30:00 does not exist in America/New_York"),
            "{err}"
        );
        let after = Window::parse(Some("2026-03-08T03:30:00"), None, ("date_from", "t"), NY);
        assert!(after.is_ok());
    }

    #[test]
    fn a_year_postgresql_cannot_store_names_its_parameter() {
        for raw in ["-262143-01-01", "-5000-01-01T00:00:00Z", "20000-01-01"] {
            let err = Window::parse(Some(raw), None, ("date_from", "t"), NY).unwrap_err();
            assert!(
                matches!(
                    err,
                    KpiError::InvalidParameter {
                        name: "date_from",
                        ..
                    }
                ),
                "{raw}"
            );
        }
        assert!(Window::parse(Some("0001-01-01"), Some("9999-12-31"), ("f", "t"), NY).is_ok());
        // The last hour of 9999 in New York is 10000 in UTC: still allowed;
        // an instant in the lab's year 10000 is not.
        assert!(Window::parse(Some("9999-12-31T23:00:00-05:00"), None, ("f", "t"), NY).is_ok());
        let err = Window::parse(Some("9999-12-31T23:00:00-05:00"), None, ("f", "t"), Tz::UTC)
            .unwrap_err();
        assert!(err.to_string().contains("years 1 to 9999"), "{err}");
    }

    #[test]
    fn spring_forward_day_starts_at_midnight_when_it_exists() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        assert_eq!(day_start(day, NY), at("2026-03-08T05:00:00Z"));
        let havana = chrono_tz::America::Havana;
        let gap_day = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        assert_eq!(day_start(gap_day, havana), at("2026-03-08T05:00:00Z"));
    }
}
