//! The Prometheus scrape endpoint every service can serve on its own
//! address (`METRICS_ADDR`), apart from any port the service exposes to
//! users.
//!
//! Services count with the `metrics` macros wherever the work happens;
//! without an endpoint no recorder is installed and those calls cost next
//! to nothing.

use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

/// Upper bounds, in seconds, of the latency histograms (`*_seconds`): from
/// a cached API answer to a slow QBench page.
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histograms are compacted between scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process's recorder: there is one global recorder per process, so a
/// second endpoint (tests run several services in one process) shares it.
static RECORDER: Mutex<Option<PrometheusHandle>> = Mutex::new(None);

/// The endpoint could not be served.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("cannot install the metrics recorder: {0}")]
    Recorder(#[from] BuildError),
    #[error("cannot listen on {addr} (METRICS_ADDR): {error}")]
    Listen {
        addr: SocketAddr,
        error: std::io::Error,
    },
}

/// Serves `GET /metrics` on `addr` for as long as the runtime runs, and
/// returns the address bound (useful with port 0).
pub async fn serve_metrics(addr: SocketAddr) -> Result<SocketAddr, MetricsError> {
    let handle = recorder()?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|error| MetricsError::Listen { addr, error })?;
    let bound = listener
        .local_addr()
        .map_err(|error| MetricsError::Listen { addr, error })?;

    let scrape = handle.clone();
    let app = Router::new().route("/metrics", get(move || async move { scrape.render() }));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!(error = %e, "Metrics endpoint stopped.");
        }
    });
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(UPKEEP_EVERY);
        loop {
            ticker.tick().await;
            handle.run_upkeep();
        }
    });
    tracing::info!(addr = %bound, "Serving metrics.");
    Ok(bound)
}

fn recorder() -> Result<PrometheusHandle, MetricsError> {
    let mut slot = RECORDER.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(handle) = slot.as_ref() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)?
        .install_recorder()?;
    *slot = Some(handle.clone());
    Ok(handle)
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    async fn get(addr: SocketAddr, path: &str) -> std::io::Result<String> {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        let request = format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await?;
        Ok(answer)
    }

    #[tokio::test]
    async fn two_endpoints_in_one_process_share_the_recorder() {
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        let within = |fut| tokio::time::timeout(Duration::from_secs(10), fut);
        let first = within(Box::pin(serve_metrics(loopback))).await;
        let second = within(Box::pin(serve_metrics(loopback))).await;
        let (Ok(Ok(first)), Ok(Ok(second))) = (first, second) else {
            panic!("an endpoint did not start");
        };
        metrics::counter!("scrape_test_total", "kind" => "probe").increment(3);

        for addr in [first, second] {
            let answer = tokio::time::timeout(Duration::from_secs(10), get(addr, "/metrics"))
                .await
                .map(|r| r.unwrap_or_default())
                .unwrap_or_default();
            assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
            assert!(
                answer.contains(r#"scrape_test_total{kind="probe"} 3"#),
                "{answer}"
            );
        }
    }
}
