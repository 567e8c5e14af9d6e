//! QBench's two rate limits: requests in flight at once, and requests per
//! fixed window (the window opens with its first request).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use crate::config::Behaviour;
use crate::reply::QbenchError;

/// The tenant's counters, shared by every request.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    in_flight: AtomicU32,
    window: Mutex<Option<Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    opened: Instant,
    count: u32,
}

/// A request counted as in flight until dropped.
#[derive(Debug)]
pub(crate) struct InFlight<'a> {
    limits: &'a Limits,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.limits.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Limits {
    /// Counts a new request and admits it, or answers 429 as QBench does.
    ///
    /// Refused requests count too: that is what makes QBench report
    /// `current count: 301` rather than 300.
    pub(crate) fn admit(&self, behaviour: &Behaviour) -> Result<InFlight<'_>, QbenchError> {
        let count_and_ttl = self.count_in_window(behaviour);
        let in_flight = self.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        let permit = InFlight { limits: self };
        if !behaviour.limits {
            return Ok(permit);
        }
        let (count, retry_in_secs) = count_and_ttl;
        if count > behaviour.max_per_window {
            return Err(QbenchError::RateLimit {
                limit: behaviour.max_per_window,
                window_secs: behaviour.window.as_secs(),
                count,
                retry_in_secs,
            });
        }
        if in_flight > behaviour.max_in_flight {
            return Err(QbenchError::ConcurrencyLimit {
                limit: behaviour.max_in_flight,
            });
        }
        Ok(permit)
    }

    /// Adds this request to the current window; returns the count so far
    /// and the whole seconds until the window closes (at least one).
    fn count_in_window(&self, behaviour: &Behaviour) -> (u32, u64) {
        let now = Instant::now();
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        let current = match *window {
            Some(w) if now.duration_since(w.opened) < behaviour.window => w,
            _ => Window {
                opened: now,
                count: 0,
            },
        };
        let updated = Window {
            count: current.count.saturating_add(1),
            ..current
        };
        *window = Some(updated);
        let left = behaviour
            .window
            .saturating_sub(now.duration_since(updated.opened));
        let ttl = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        (updated.count, ttl.max(1))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn strict() -> Behaviour {
        Behaviour {
            max_in_flight: 2,
            max_per_window: 3,
            window: Duration::from_secs(60),
            ..Behaviour::default()
        }
    }

    #[test]
    fn the_request_past_the_window_limit_is_refused_with_its_count() {
        let limits = Limits::default();
        for _ in 0..3 {
            drop(limits.admit(&strict()).unwrap());
        }
        match limits.admit(&strict()) {
            Err(QbenchError::RateLimit {
                count,
                retry_in_secs,
                ..
            }) => {
                assert_eq!(count, 4);
                assert!((1..=60).contains(&retry_in_secs));
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
    }

    #[test]
    fn too_many_in_flight_are_refused_until_one_finishes() {
        let limits = Limits::default();
        let behaviour = Behaviour {
            max_per_window: 100,
            ..strict()
        };
        let first = limits.admit(&behaviour).unwrap();
        let _second = limits.admit(&behaviour).unwrap();
        assert!(matches!(
            limits.admit(&behaviour),
            Err(QbenchError::ConcurrencyLimit { limit: 2 })
        ));
        drop(first);
        assert!(limits.admit(&behaviour).is_ok());
    }

    #[test]
    fn limits_off_admit_everything() {
        let limits = Limits::default();
        let behaviour = Behaviour {
            limits: false,
            ..strict()
        };
        let held: Vec<_> = (0..10).map(|_| limits.admit(&behaviour).unwrap()).collect();
        assert_eq!(held.len(), 10);
    }
}
