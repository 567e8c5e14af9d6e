//! The fetcher: pages QBench and publishes each raw record, one message per
//! record, to `qbench.raw.<entity>` on NATS JetStream.
//!
//! It owns the QBench token, the rate limiter and the fetch cursors, which
//! advance only after JetStream acknowledged what they cover. It runs as a
//! service (operator requests, a schedule, single-record fetches) or once.

mod deletions;
mod details;
mod engine;
mod full;
mod incremental;
mod lock;
mod nightly;
mod publish;
mod recount;
mod service;
pub mod settings;
mod single;
mod window;

use std::future::Future;

use anyhow::Context as _;
use mirror_config::ExposeSecret;
use qbench_client::{ClientSettings, QbenchClient};
use tokio::sync::watch;

pub use engine::{RunOutcome, SyncMode, SyncPlan, Syncer};
pub use settings::FetcherSettings;

/// Connects to PostgreSQL, NATS and QBench, and creates what is missing.
pub async fn connect(settings: FetcherSettings) -> anyhow::Result<(Syncer, async_nats::Client)> {
    let nats = mirror_bus::connect(&settings.nats.url).await?;
    let syncer = set_up(settings, nats.clone()).await?;
    Ok((syncer, nats))
}

/// Opens PostgreSQL and QBench beside a NATS connection already made, and
/// creates the streams that are missing.
async fn set_up(settings: FetcherSettings, nats: async_nats::Client) -> anyhow::Result<Syncer> {
    let url = settings.database.url.expose_secret();
    let max = settings.database.max_connections;
    let pool = mirror_store::open(url, max, settings.database.wall_time_zone)
        .await
        .context("cannot open the mirror's database (DATABASE_URL)")?;
    let js = async_nats::jetstream::new(nats);
    mirror_bus::ensure_streams(&js, &settings.bus).await?;
    let client = QbenchClient::new(ClientSettings::from_settings(
        &settings.qbench,
        settings.root.clone(),
    ))?;
    Ok(Syncer {
        pool,
        js,
        client,
        settings,
    })
}

/// Runs the service until `shutdown` completes, once it holds the fetcher
/// lock; it stops with an error if it loses the lock to another fetcher.
pub async fn run_service(
    settings: FetcherSettings,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    if let Some(addr) = settings.metrics_addr {
        mirror_telemetry::serve_metrics(addr).await?;
    }
    // A nightly report that could not be written would be lost every
    // night, long after start-up: said now, as a bad variable is.
    if settings.window_schedule.is_some() {
        let dir = &settings.report_dir;
        mirror_store::check_report_dir(dir).with_context(|| {
            format!(
                "SYNC_REPORT_DIR: the nightly window reports cannot be written in {}",
                dir.display()
            )
        })?;
    }
    let url = settings.database.url.expose_secret().to_owned();
    // A standby waits on the lock for as long as the active fetcher lives;
    // a NATS it could never use must be said now, not at takeover.
    let nats = mirror_bus::connect(&settings.nats.url).await?;
    tokio::pin!(shutdown);
    let lock = tokio::select! {
        lock = lock::acquire(&url) => lock?,
        () = &mut shutdown => return Ok(()),
    };
    let syncer = set_up(settings, nats.clone()).await?;
    abandon_runs_of_dead_fetchers(&syncer).await?;
    tracing::info!(root = %syncer.settings.root, "Fetcher started.");

    let (stop_tx, stop) = watch::channel(false);
    let mut service = tokio::spawn(service::serve(syncer, nats, stop));
    let lost = tokio::select! {
        () = &mut shutdown => None,
        lost = lock::hold(url, lock) => Some(lost),
        // The service only ends by itself on an error; the process ends
        // with it rather than hold the lock without serving, so a waiting
        // fetcher (or a supervisor's restart) takes over.
        ended = &mut service => {
            ended??;
            anyhow::bail!("the fetcher's service ended by itself");
        }
    };
    tracing::info!("Shutting down.");
    let _ = stop_tx.send(true);
    service.await??;
    match lost {
        Some(lost) => Err(lost.into()),
        None => Ok(()),
    }
}

/// Runs one sync and returns how it ended; like the service, it first waits
/// for the fetcher lock, so it never pages beside a running fetcher.
pub async fn run_once(settings: FetcherSettings, plan: SyncPlan) -> anyhow::Result<RunOutcome> {
    let _lock = lock::acquire(settings.database.url.expose_secret()).await?;
    let (syncer, _) = connect(settings).await?;
    abandon_runs_of_dead_fetchers(&syncer).await?;
    Ok(syncer.run(&plan).await?)
}

/// Runs still marked running belong to a fetcher that died: only the lock
/// holder runs syncs. They end partial, so nobody waits on them; the next
/// full run resumes after their published pages.
async fn abandon_runs_of_dead_fetchers(syncer: &Syncer) -> anyhow::Result<()> {
    let reason = "the fetcher running it stopped before the run ended";
    let runs = mirror_store::abandon_running_runs(&syncer.pool, reason).await?;
    if !runs.is_empty() {
        tracing::warn!(?runs, "Ended the runs of a fetcher that died as partial.");
    }
    Ok(())
}
