//! The tenant's limits, kept on our side so QBench rarely has to say no.
//!
//! QBench counts requests per tenant, not per connection or process, so every
//! request of a client (and of its clones) goes through one [`Limits`]: a cap
//! on requests in flight, a pace under the per-minute quota, and a hold that
//! a 429 places on the whole client, because when QBench throttles one
//! request it throttles all of them.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

use crate::error::QbenchError;
use crate::settings::ClientSettings;
use crate::throttle::ThrottleSignal;

/// The most a headerless 429's backoff doubles (64 times the base).
const MAX_DOUBLINGS: u32 = 6;

/// Throttle jitter is a tenth of the wait, at most this much.
const MAX_JITTER: Duration = Duration::from_secs(5);

/// The in-flight cap, the pace and the throttle hold shared by every request
/// of one client.
#[derive(Debug)]
pub(crate) struct Limits {
    in_flight: Semaphore,
    pace: DefaultDirectRateLimiter,
    hold: Mutex<Option<Hold>>,
    max_throttle_wait: Duration,
    throttle_backoff: Duration,
}

/// No request may start before `until`.
#[derive(Debug, Clone)]
struct Hold {
    until: Instant,
    reason: String,
}

impl Limits {
    /// Limits for the given settings.
    ///
    /// The pace allows no burst: requests start at least `60 s / rpm` apart,
    /// so no 60 s window sees more than `rpm + 1` of them.
    pub(crate) fn new(settings: &ClientSettings) -> Result<Self, QbenchError> {
        let period = Duration::from_secs(60) / settings.requests_per_minute.max(1);
        let quota = Quota::with_period(period)
            .ok_or_else(|| QbenchError::Settings("requests_per_minute is too high".into()))?;

        Ok(Limits {
            in_flight: Semaphore::new(settings.max_in_flight),
            pace: RateLimiter::direct(quota),
            hold: Mutex::new(None),
            max_throttle_wait: settings.max_throttle_wait,
            throttle_backoff: settings.throttle_backoff,
        })
    }

    /// Waits until a request may start and returns its in-flight slot.
    ///
    /// A hold placed by a 429 while this request queued for a slot sends it
    /// back to wait, without keeping the slot from others.
    pub(crate) async fn admit(
        &self,
        budget: &ThrottleBudget,
    ) -> Result<SemaphorePermit<'_>, QbenchError> {
        loop {
            self.sit_out_hold(budget).await?;
            let permit = self.in_flight.acquire().await.map_err(|_| {
                QbenchError::Settings("the in-flight limiter was closed".to_owned())
            })?;
            self.pace.until_ready().await;

            if self.current_hold().is_none() {
                return Ok(permit);
            }
        }
    }

    /// Records a 429: holds the whole client off for the wait it asked for
    /// (or an exponential one when it named none), with jitter.
    ///
    /// A wait longer than the call's budget has left is cut to what is left:
    /// the call sits that out and asks once more, since a long `Retry-After`
    /// is QBench's estimate. Fails with [`QbenchError::Throttled`] when the
    /// budget is already spent; the hold is then capped at the budget's size
    /// so other calls probe again later instead of giving up a day's work.
    pub(crate) fn throttled(
        &self,
        signal: &ThrottleSignal,
        budget: &ThrottleBudget,
    ) -> Result<Duration, QbenchError> {
        let wanted = signal
            .wait
            .unwrap_or_else(|| budget.next_bare_backoff(self.throttle_backoff));
        let reason = signal.describe();
        let room = budget.remaining();

        if wanted > room {
            if room.is_zero() || budget.cut_short.swap(true, Ordering::Relaxed) {
                self.hold_off(wanted.min(self.max_throttle_wait), &reason);
                let cap = self.max_throttle_wait.as_secs_f64();
                return Err(budget.exceeded(format!("{reason}, more than the {cap}s cap allows")));
            }
            self.hold_off(room, &reason);
            return Ok(room);
        }

        let wait = wanted + jitter(wanted, room - wanted);
        self.hold_off(wait, &reason);
        Ok(wait)
    }

    async fn sit_out_hold(&self, budget: &ThrottleBudget) -> Result<(), QbenchError> {
        while let Some(hold) = self.current_hold() {
            let wait = hold.until.saturating_duration_since(Instant::now());
            if wait > budget.remaining() {
                let secs = wait.as_secs();
                return Err(budget.exceeded(format!(
                    "the client holds off {secs}s more after {}",
                    hold.reason
                )));
            }
            tokio::time::sleep_until(hold.until).await;
            budget.charge(wait);
        }
        Ok(())
    }

    fn current_hold(&self) -> Option<Hold> {
        let hold = self.hold.lock().unwrap_or_else(PoisonError::into_inner);
        hold.as_ref().filter(|h| h.until > Instant::now()).cloned()
    }

    /// Extends the hold to at least `wait` from now; never shortens it.
    fn hold_off(&self, wait: Duration, reason: &str) {
        let until = Instant::now() + wait;
        let mut hold = self.hold.lock().unwrap_or_else(PoisonError::into_inner);
        if hold.as_ref().is_none_or(|h| h.until < until) {
            *hold = Some(Hold {
                until,
                reason: reason.to_owned(),
            });
        }
    }
}

/// A random extra of up to a tenth of `wait` (at most [`MAX_JITTER`], and
/// never more than `room`), so callers released by one hold do not all
/// return in the same instant.
fn jitter(wait: Duration, room: Duration) -> Duration {
    let most = (wait / 10).min(MAX_JITTER).min(room);
    let micros = u64::try_from(most.as_micros()).unwrap_or(u64::MAX);
    if micros == 0 {
        return Duration::ZERO;
    }
    Duration::from_micros(rand::random_range(0..=micros))
}

/// What one call has spent waiting on throttles, across all its attempts.
///
/// The cap is on the total, so a call that QBench keeps throttling ends in a
/// bounded time even when each single wait is short.
#[derive(Debug)]
pub(crate) struct ThrottleBudget {
    cap: Duration,
    spent_micros: AtomicU64,
    bare_throttles: AtomicU32,
    /// Whether a wait was already cut to what the budget had left: the
    /// call then had its last ask.
    cut_short: AtomicBool,
}

impl ThrottleBudget {
    /// A fresh budget of `cap`.
    pub(crate) fn new(cap: Duration) -> Self {
        ThrottleBudget {
            cap,
            spent_micros: AtomicU64::new(0),
            bare_throttles: AtomicU32::new(0),
            cut_short: AtomicBool::new(false),
        }
    }

    /// Time spent waiting so far.
    pub(crate) fn spent(&self) -> Duration {
        Duration::from_micros(self.spent_micros.load(Ordering::Relaxed))
    }

    fn remaining(&self) -> Duration {
        self.cap.saturating_sub(self.spent())
    }

    fn charge(&self, wait: Duration) {
        let micros = u64::try_from(wait.as_micros()).unwrap_or(u64::MAX);
        self.spent_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The next wait after a 429 without headers: the base, doubled for each
    /// earlier one of this call.
    fn next_bare_backoff(&self, base: Duration) -> Duration {
        let earlier = self.bare_throttles.fetch_add(1, Ordering::Relaxed);
        base * 2_u32.pow(earlier.min(MAX_DOUBLINGS))
    }

    fn exceeded(&self, reason: String) -> QbenchError {
        QbenchError::Throttled {
            waited: self.spent(),
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headerless_backoff_doubles_and_stops_doubling() {
        let budget = ThrottleBudget::new(Duration::from_secs(600));
        let base = Duration::from_millis(100);
        let waits: Vec<_> = (0..9).map(|_| budget.next_bare_backoff(base)).collect();

        assert_eq!(waits[0], base);
        assert_eq!(waits[1], base * 2);
        assert_eq!(waits[8], base * 64);
    }

    #[test]
    fn jitter_stays_within_a_tenth_and_the_room() {
        let wait = Duration::from_secs(30);
        for _ in 0..100 {
            assert!(jitter(wait, Duration::from_secs(60)) <= Duration::from_secs(3));
            assert!(jitter(wait, Duration::from_millis(5)) <= Duration::from_millis(5));
        }
    }
}
