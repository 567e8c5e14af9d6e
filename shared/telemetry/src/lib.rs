//! What every service process does at its edges: logging (below), the
//! Prometheus endpoint ([`serve_metrics`]) and waiting for the signal to
//! shut down.
//!
//! Logging for every service: human-readable on a terminal, one JSON object
//! per line otherwise, filtered by `RUST_LOG` (default: the service's level,
//! with PostgreSQL's notices kept to warnings).

mod scrape;

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub use scrape::{MetricsError, serve_metrics};

/// Installs the global subscriber; call once at the top of `main`.
/// `level` applies when `RUST_LOG` is unset (`info` for services, `warn`
/// for the command line, whose output is its own).
pub fn init(service: &'static str, level: &str) {
    let default = format!("{level},sqlx::postgres::notice=warn");
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = if std::io::stderr().is_terminal() {
        builder.try_init()
    } else {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init()
    };
    if installed.is_ok() {
        tracing::debug!(service, "Logging installed.");
    }
}

/// Completes on Ctrl-C or SIGTERM, whichever comes first.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};

    let mut term = match signal(SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => return tokio::signal::ctrl_c().await.unwrap_or_default(),
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
