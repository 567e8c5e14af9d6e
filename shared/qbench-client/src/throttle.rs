//! Reading how long QBench wants us to wait after a 429.
//!
//! QBench documents `X-QBAPI-Throttle-TTL` (seconds until its 60 s window
//! frees up) and does not document `Retry-After`, but proxies in front of a
//! tenant may send it, as seconds or as an HTTP date. A 429 for the
//! concurrent-request limit carries neither.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::error::ErrorKeys;

/// QBench's own throttle header: seconds until the rate window frees up.
pub(crate) const THROTTLE_TTL: &str = "x-qbapi-throttle-ttl";

/// The shortest wait after a 429 that names one; `Retry-After: 0` would
/// otherwise send the same request straight back into the limit.
pub(crate) const MIN_NAMED_WAIT: Duration = Duration::from_secs(1);

/// What one 429 answer said.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ThrottleSignal {
    /// The wait the headers asked for, at least [`MIN_NAMED_WAIT`]; `None`
    /// when they named none.
    pub wait: Option<Duration>,
    /// Which header named the wait, for the error and log text.
    pub source: &'static str,
    /// QBench's `error` text, such as `exceeded concurrent request limit`.
    pub message: Option<String>,
}

impl ThrottleSignal {
    /// Reads a 429's headers and body; `now` anchors an HTTP-date
    /// `Retry-After`.
    pub(crate) fn read(headers: &HeaderMap, body: &str, now: SystemTime) -> Self {
        let ttl = header_text(headers, THROTTLE_TTL).and_then(parse_seconds);
        let retry_after = header_text(headers, RETRY_AFTER.as_str())
            .and_then(|value| parse_retry_after(value, now));
        let (wait, source) = match (ttl, retry_after) {
            (Some(t), Some(r)) if r > t => (Some(r), "Retry-After"),
            (Some(t), _) => (Some(t), "X-QBAPI-Throttle-TTL"),
            (None, Some(r)) => (Some(r), "Retry-After"),
            (None, None) => (None, "no wait header"),
        };

        ThrottleSignal {
            wait: wait.map(|w| w.max(MIN_NAMED_WAIT)),
            source,
            message: ErrorKeys::from_body(body).error,
        }
    }

    /// A short account of the signal for errors and logs.
    pub(crate) fn describe(&self) -> String {
        let asked = match self.wait {
            Some(wait) => format!("{} asked for {}s", self.source, wait.as_secs()),
            None => "429 without a wait header".to_owned(),
        };
        match &self.message {
            Some(message) => format!("{asked} ({message})"),
            None => asked,
        }
    }
}

fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// Whole or fractional seconds, as both headers use.
fn parse_seconds(value: &str) -> Option<Duration> {
    let seconds: f64 = value.parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// `Retry-After` as seconds or as an HTTP date; a date in the past is 0.
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Some(seconds) = parse_seconds(value) {
        return Some(seconds);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_str(value) {
                map.insert(*name, value);
            }
        }
        map
    }

    #[test]
    fn qbench_ttl_names_the_wait() {
        let signal = ThrottleSignal::read(
            &headers(&[(THROTTLE_TTL, "30")]),
            r#"{"error":"ratelimit exceeded 300 per 60 seconds"}"#,
            SystemTime::now(),
        );
        assert_eq!(signal.wait, Some(Duration::from_secs(30)));
        assert_eq!(
            signal.describe(),
            "X-QBAPI-Throttle-TTL asked for 30s (ratelimit exceeded 300 per 60 seconds)"
        );
    }

    #[test]
    fn retry_after_zero_still_waits_a_second() {
        let signal = ThrottleSignal::read(&headers(&[("retry-after", "0")]), "", SystemTime::now());
        assert_eq!(signal.wait, Some(MIN_NAMED_WAIT));
    }

    #[test]
    fn retry_after_as_a_date_counts_from_now() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let date = httpdate::fmt_http_date(now + Duration::from_secs(42));
        let signal = ThrottleSignal::read(&headers(&[("retry-after", &date)]), "", now);
        assert_eq!(signal.wait, Some(Duration::from_secs(42)));
    }

    #[test]
    fn the_longer_of_two_headers_wins_and_nonsense_is_ignored() {
        let both = headers(&[(THROTTLE_TTL, "5"), ("retry-after", "9")]);
        let signal = ThrottleSignal::read(&both, "", SystemTime::now());
        assert_eq!(signal.wait, Some(Duration::from_secs(9)));

        let nonsense = headers(&[("retry-after", "soon")]);
        assert_eq!(
            ThrottleSignal::read(&nonsense, "", SystemTime::now()).wait,
            None
        );
    }
}
