//! QBench's clock, as the `Date` headers of its answers tell it.
//!
//! The updates feed and the window of recent records are asked for in
//! QBench's time. A machine whose clock runs ahead of QBench's would ask
//! for changes "since" a time QBench has not reached and miss them, so the
//! client keeps the latest time QBench has stated. It is a lower bound of
//! QBench's time from then on (the header is rounded down to the second),
//! which is the safe side for "since": it can only ask for more.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use reqwest::header::{DATE, HeaderMap};

/// The latest time QBench stated, once an answer did.
#[derive(Debug, Default)]
pub(crate) struct ServerClock {
    latest_ms: AtomicI64,
    known: AtomicBool,
}

impl ServerClock {
    /// Takes the time from an answer's `Date` header; an answer without one
    /// (or with one that is not an HTTP date) leaves what was known.
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        let Some(date) = headers
            .get(DATE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| DateTime::parse_from_rfc2822(value).ok())
        else {
            return;
        };
        self.latest_ms
            .fetch_max(date.timestamp_millis(), Ordering::Relaxed);
        self.known.store(true, Ordering::Relaxed);
    }

    /// The latest time QBench stated; `None` before any dated answer.
    pub(crate) fn latest(&self) -> Option<DateTime<Utc>> {
        if !self.known.load(Ordering::Relaxed) {
            return None;
        }
        DateTime::from_timestamp_millis(self.latest_ms.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn dated(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(DATE, value.parse().unwrap());
        headers
    }

    #[test]
    fn the_date_header_states_qbench_time() {
        let clock = ServerClock::default();
        assert_eq!(clock.latest(), None);

        clock.observe(&dated("Sun, 01 Mar 2026 12:00:00 GMT"));

        let expected: DateTime<Utc> = "2026-03-01T12:00:00Z".parse().unwrap();
        assert_eq!(clock.latest(), Some(expected));
    }

    #[test]
    fn an_unreadable_or_earlier_date_keeps_what_was_known() {
        let clock = ServerClock::default();
        clock.observe(&dated("yesterday"));
        assert_eq!(clock.latest(), None);

        clock.observe(&dated("Sat, 05 Dec 2026 12:00:05 GMT"));
        clock.observe(&HeaderMap::new());
        clock.observe(&dated("not a date"));
        // Answers overtaking each other do not move the clock back.
        clock.observe(&dated("Sat, 05 Dec 2026 12:00:01 GMT"));
        let expected: DateTime<Utc> = "2026-12-05T12:00:05Z".parse().unwrap();
        assert_eq!(clock.latest(), Some(expected));
    }
}
