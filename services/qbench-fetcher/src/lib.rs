//! The fetcher: pages QBench and publishes each raw record, one message per
//! record, to `qbench.raw.<entity>` on NATS JetStream.
//!
//! It owns the QBench token, the rate limiter and the fetch cursors, which
//! advance only after JetStream acknowledged what they cover. It runs as a
//! service (operator requests, a schedule, single-record fetches) or once.

mod details;
mod engine;
mod full;
mod incremental;
mod nightly;
mod publish;
mod service;
pub mod settings;
mod single;
mod window;

use std::future::Future;

use mirror_config::ExposeSecret;
use qbench_client::{ClientSettings, QbenchClient};
use tokio::sync::watch;

pub use engine::{RunOutcome, SyncMode, SyncPlan, Syncer};
pub use settings::FetcherSettings;
pub use single::fetch_with_parents;

/// Connects to PostgreSQL, NATS and QBench, and creates what is missing.
pub async fn connect(settings: FetcherSettings) -> anyhow::Result<(Syncer, async_nats::Client)> {
    let url = settings.database.url.expose_secret();
    let max = settings.database.max_connections;
    let pool = mirror_store::open(url, max, settings.database.wall_time_zone).await?;
    let nats = async_nats::connect(&settings.nats.url).await?;
    let js = async_nats::jetstream::new(nats.clone());
    mirror_bus::ensure_streams(&js, &settings.bus).await?;
    let client = QbenchClient::new(ClientSettings::from_settings(
        &settings.qbench,
        settings.root.clone(),
    ))?;
    Ok((
        Syncer {
            pool,
            js,
            client,
            settings,
        },
        nats,
    ))
}

/// Runs the service until `shutdown` completes.
pub async fn run_service(
    settings: FetcherSettings,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    if let Some(addr) = settings.metrics_addr {
        mirror_telemetry::serve_metrics(addr).await?;
    }
    let (syncer, nats) = connect(settings).await?;
    tracing::info!(root = %syncer.settings.root, "Fetcher started.");
    let (stop_tx, stop) = watch::channel(false);
    let service = tokio::spawn(service::serve(syncer, nats, stop));
    shutdown.await;
    tracing::info!("Shutting down.");
    let _ = stop_tx.send(true);
    service.await??;
    Ok(())
}

/// Runs one sync and returns how it ended.
pub async fn run_once(settings: FetcherSettings, plan: SyncPlan) -> anyhow::Result<RunOutcome> {
    let (syncer, _) = connect(settings).await?;
    Ok(syncer.run(&plan).await?)
}
