//! QBench's clock, as the `Date` headers of its answers tell it.
//!
//! The updates feed and the window of recent records are asked for in
//! QBench's time. A machine whose clock runs ahead of QBench's would ask
//! for changes "since" a time QBench has not reached and miss them, so the
//! client keeps the time QBench stated in its latest answer. It is a lower
//! bound of QBench's time from then on (the header is rounded down to the
//! second), which is the safe side for "since": it can only ask for more.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use reqwest::header::{DATE, HeaderMap};

/// Stands for "no dated answer yet".
const UNKNOWN: i64 = i64::MIN;

/// The time QBench stated in its latest dated answer, in milliseconds.
#[derive(Debug)]
pub(crate) struct ServerClock {
    latest_ms: AtomicI64,
}

impl Default for ServerClock {
    fn default() -> Self {
        ServerClock {
            latest_ms: AtomicI64::new(UNKNOWN),
        }
    }
}

impl ServerClock {
    /// Takes the time from a successful answer's `Date` header; an answer
    /// without one (or with one that is not an HTTP date) leaves what was
    /// known. Error answers are not read: something in front of QBench (a
    /// proxy, a balancer) may have written them with a clock of its own.
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        let Some(date) = headers
            .get(DATE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| DateTime::parse_from_rfc2822(value).ok())
        else {
            return;
        };
        self.latest_ms
            .store(date.timestamp_millis(), Ordering::Relaxed);
    }

    /// The time QBench last stated; `None` before any dated answer.
    pub(crate) fn latest(&self) -> Option<DateTime<Utc>> {
        match self.latest_ms.load(Ordering::Relaxed) {
            UNKNOWN => None,
            ms => DateTime::from_timestamp_millis(ms),
        }
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
    fn an_answer_without_a_readable_date_keeps_what_was_known() {
        let clock = ServerClock::default();
        clock.observe(&dated("yesterday"));
        assert_eq!(clock.latest(), None);

        clock.observe(&dated("Sat, 05 Dec 2026 12:00:05 GMT"));
        clock.observe(&HeaderMap::new());
        clock.observe(&dated("not a date"));
        let expected: DateTime<Utc> = "2026-12-05T12:00:05Z".parse().unwrap();
        assert_eq!(clock.latest(), Some(expected));
    }
}
