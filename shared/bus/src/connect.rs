//! Connecting to NATS, with one error that says where and why.

use std::time::Duration;

/// How long a connection attempt may take before it counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// NATS could not be reached at start-up.
#[derive(Debug, thiserror::Error)]
#[error("cannot reach NATS at {url} (NATS_URL): {reason}")]
pub struct ConnectFailed {
    url: String,
    /// The client's own words, which already include their cause, so the
    /// cause is not chained again.
    reason: String,
}

/// Connects to the NATS server at `url`, failing within a few seconds when
/// nothing answers there.
pub async fn connect(url: &str) -> Result<async_nats::Client, ConnectFailed> {
    async_nats::ConnectOptions::new()
        .connection_timeout(CONNECT_TIMEOUT)
        .connect(url)
        .await
        .map_err(|e| ConnectFailed {
            url: url.to_owned(),
            reason: e.to_string(),
        })
}
