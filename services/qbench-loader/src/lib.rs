//! The loader: consumes raw QBench records from JetStream, maps them to rows
//! and upserts them into PostgreSQL in batches, resolving missing parents
//! through the retry stream.
//!
//! Any number of loader processes may run at once: they share the durable
//! consumers, every write is idempotent and version-guarded, and a message
//! is acknowledged only after its transaction commits.

mod advisories;
mod batch;
mod batch_trace;
mod delivery;
mod lag;
mod requeue;
pub mod settings;
mod worker;

use std::future::Future;
use std::sync::atomic::Ordering;

use anyhow::Context as _;
use mirror_bus::Stream;
use mirror_config::ExposeSecret;
use mirror_records::Entity;
use tokio::sync::watch;

pub use batch::{BatchContext, BatchReport, Totals};
pub use settings::LoaderSettings;

/// Runs the loader until `shutdown` completes, then lets the batches in hand
/// finish and returns.
pub async fn run(
    settings: LoaderSettings,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    if let Some(addr) = settings.metrics_addr {
        mirror_telemetry::serve_metrics(addr).await?;
    }
    let url = settings.database.url.expose_secret();
    let pool = mirror_store::open(
        url,
        settings.database.max_connections,
        settings.database.wall_time_zone,
    )
    .await
    .context("cannot open the mirror's database (DATABASE_URL)")?;
    let client = mirror_bus::connect(&settings.nats.url).await?;
    let js = worker::context(client.clone());
    mirror_bus::ensure_streams(&js, &settings.bus).await?;

    let ctx = BatchContext {
        pool,
        js,
        timezone: settings.timezone,
        retry_delays: settings.retry_delays.clone(),
        totals: Default::default(),
    };
    let (stop_tx, stop) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    // Several loops share each durable consumer, as loader processes do:
    // while one batch waits on PostgreSQL, the next is pulled and mapped.
    for entity in Entity::ALL {
        for kind in [Stream::Raw, Stream::Retry] {
            for _ in 0..settings.concurrency {
                let loop_ = worker::consume(
                    ctx.clone(),
                    settings.bus.clone(),
                    kind,
                    entity,
                    settings.batch_size,
                    stop.clone(),
                );
                tasks.spawn(loop_);
            }
        }
    }
    tasks.spawn(advisories::capture(ctx.clone(), client, stop.clone()));
    tasks.spawn({
        let (ctx, stop) = (ctx.clone(), stop.clone());
        async move {
            requeue::sweep_forever(ctx, settings.requeue_interval, stop).await;
            Ok(())
        }
    });
    if settings.metrics_addr.is_some() {
        let (js, stop) = (ctx.js.clone(), stop.clone());
        tasks.spawn(async move {
            lag::watch_forever(js, stop).await;
            Ok(())
        });
    }
    tracing::info!("Loader started.");

    tokio::select! {
        _ = shutdown => tracing::info!("Shutting down."),
        Some(joined) = tasks.join_next() => {
            // A consume loop only ends early on an error; stop the rest.
            let _ = stop_tx.send(true);
            joined??;
        }
    }
    let _ = stop_tx.send(true);
    while let Some(joined) = tasks.join_next().await {
        joined??;
    }
    let totals = &ctx.totals;
    tracing::info!(
        written = totals.written.load(Ordering::Relaxed),
        unchanged = totals.unchanged.load(Ordering::Relaxed),
        set_aside = totals.set_aside.load(Ordering::Relaxed),
        "Loader stopped."
    );
    Ok(())
}
