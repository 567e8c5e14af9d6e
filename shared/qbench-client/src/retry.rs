//! Trying a call again after a fault that may pass: a 5xx, a timeout, a reset
//! connection, or a success answer whose body is not the JSON we expect.
//!
//! Throttles and expired tokens are not handled here: they are part of one
//! attempt (see `http.rs` and `client.rs`), so a page answering 503 three
//! times fails after exactly three requests however often it was throttled.

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use tracing::warn;

use crate::error::QbenchError;
use crate::settings::ClientSettings;

/// The longest pause between two attempts, as a multiple of the first.
const MAX_BACKOFF_FACTOR: u32 = 30;

/// How often, and how far apart, a failing call is tried.
#[derive(Debug, Clone)]
pub(crate) struct RetryPolicy {
    attempts: usize,
    base: Duration,
}

impl RetryPolicy {
    /// The policy of the given settings.
    pub(crate) fn new(settings: &ClientSettings) -> Self {
        RetryPolicy {
            attempts: settings.max_attempts.max(1),
            base: settings.base_backoff,
        }
    }

    /// Runs `attempt` until it succeeds, fails for good, or has run the
    /// configured number of times; pauses grow exponentially, with jitter.
    ///
    /// Only safe requests may come through here: a GET, or a request whose
    /// repetition changes nothing on QBench's side.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        label: &'static str,
        attempt: F,
    ) -> Result<T, QbenchError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, QbenchError>>,
    {
        attempt
            .retry(self.backoff())
            .when(QbenchError::is_retryable)
            .notify(|error: &QbenchError, pause: Duration| note_retry(label, error, pause))
            .await
    }

    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::new()
            .with_jitter()
            .with_min_delay(self.base)
            .with_max_delay(self.base * MAX_BACKOFF_FACTOR)
            .with_max_times(self.attempts - 1)
    }
}

fn note_retry(label: &'static str, error: &QbenchError, pause: Duration) {
    let reason = error.kind().as_str();
    metrics::counter!("qbench_retries_total", "entity" => label, "reason" => reason).increment(1);
    warn!(
        entity = label,
        pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
        error = %error,
        "QBench call failed; trying again."
    );
}
