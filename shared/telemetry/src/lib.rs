//! What every service process does at its edges: logging (below), trace
//! export ([`traces`]), the Prometheus endpoint ([`serve_metrics`]) and
//! waiting for the signal to shut down.
//!
//! Logging for every service: human-readable on a terminal, one JSON object
//! per line otherwise, filtered by `RUST_LOG` (default: the service's level,
//! with PostgreSQL's notices kept to warnings). The same filter chooses the
//! spans that are exported as traces.

mod scrape;
pub mod traces;

use std::io::IsTerminal;

use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

pub use scrape::{MetricsError, serve_metrics};
pub use traces::TracesError;

/// How a service's `main` ends: 0, or 1 after one line that says why, its
/// causes joined by colons (`cannot open the mirror's database
/// (DATABASE_URL): database error: ...`) rather than the block of causes,
/// and the backtrace, that returning the error from `main` prints.
pub fn exit(result: anyhow::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Installs the global subscriber, logging only; call once at the top of
/// `main`. `level` applies when `RUST_LOG` is unset (`info` for services,
/// `warn` for the command line, whose output is its own).
pub fn init(service: &'static str, level: &str) {
    install(service, level, None);
}

/// Like [`init`], and exports traces when the standard OpenTelemetry
/// variables ask for it (see [`traces`]). Keep the answer and call
/// [`Telemetry::shutdown`] before the process ends, or the last spans are
/// lost.
pub fn init_with_traces(service: &'static str, level: &str) -> Result<Telemetry, TracesError> {
    let provider = if traces::wanted_from_env() {
        Some(traces::provider(service, None)?)
    } else {
        None
    };
    Ok(install(service, level, provider))
}

/// Like [`init_with_traces`], sending traces to `endpoint`, the full URL of
/// an OTLP/HTTP traces route, whatever the environment says.
pub fn init_with_traces_to(
    service: &'static str,
    level: &str,
    endpoint: &str,
) -> Result<Telemetry, TracesError> {
    let provider = traces::provider(service, Some(endpoint))?;
    Ok(install(service, level, Some(provider)))
}

/// What must be flushed before the process ends.
#[derive(Debug, Default)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Exports the spans still queued and stops the exporter. The exporter
    /// blocks on HTTP, so this runs on a blocking thread.
    pub async fn shutdown(self) {
        let Some(provider) = self.provider else {
            return;
        };
        match tokio::task::spawn_blocking(move || provider.shutdown()).await {
            Ok(Ok(())) => tracing::debug!("Traces flushed."),
            Ok(Err(e)) => tracing::warn!(error = %e, "Flushing traces failed."),
            Err(e) => tracing::warn!(error = %e, "Flushing traces failed."),
        }
    }
}

fn install(service: &'static str, level: &str, provider: Option<SdkTracerProvider>) -> Telemetry {
    let default = format!("{level},sqlx::postgres::notice=warn");
    // A RUST_LOG that does not parse is said once logging works, rather
    // than dropped in silence.
    let (filter, refused) = match std::env::var(EnvFilter::DEFAULT_ENV) {
        Ok(raw) if !raw.trim().is_empty() => match EnvFilter::try_new(&raw) {
            Ok(filter) => (filter, None),
            Err(e) => (EnvFilter::new(&default), Some(e.to_string())),
        },
        _ => (EnvFilter::new(&default), None),
    };
    let logs = if std::io::stderr().is_terminal() {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .boxed()
    };
    let spans = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(traces::tracer(p, service)));

    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(spans)
        .try_init();
    if installed.is_ok() {
        tracing::debug!(service, traces = provider.is_some(), "Logging installed.");
        if let Some(reason) = refused {
            tracing::warn!(%reason, default, "RUST_LOG is not a log filter; logging at the default level.");
        }
    }
    Telemetry { provider }
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
