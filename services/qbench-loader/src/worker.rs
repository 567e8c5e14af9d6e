//! The consume loops: one per entity for raw records, one per entity for
//! retries, sharing durable consumers with every other loader process.

use std::time::Duration;

use async_nats::jetstream::{self, AckKind};
use chrono::Utc;
use futures::StreamExt;
use mirror_bus::{BusSettings, Stream};
use mirror_records::Entity;
use tokio::sync::watch;

use crate::batch::{self, BatchContext, BatchReport};
use crate::delivery::Delivery;

/// How long a batch waits for more messages after its first one.
const LINGER: Duration = Duration::from_millis(20);

/// Redelivery delay after a batch failed to commit (a deadlock, a restart of
/// PostgreSQL): soon, but not in a tight loop.
const FAILED_BATCH_DELAY: Duration = Duration::from_secs(2);

/// Consumes `kind` (raw or retry) for `entity` until `stop` turns true.
pub async fn consume(
    ctx: BatchContext,
    bus: BusSettings,
    kind: Stream,
    entity: Entity,
    batch_size: usize,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let consumer = mirror_bus::ensure_consumer(&ctx.js, kind, entity, &bus).await?;
    let from_retry = kind == Stream::Retry;
    tracing::info!(%entity, stream = kind.name(), "Consuming.");

    let mut messages = consumer
        .stream()
        .max_messages_per_batch(batch_size)
        .messages()
        .await?;
    loop {
        // Wait for one message, then gather what else arrives within a short
        // linger: full batches under load, no waiting when traffic is thin.
        let first = tokio::select! {
            next = messages.next() => next,
            _ = stop.changed() => break,
        };
        let Some(first) = first else { break };
        let mut pulled = vec![first];
        let linger = tokio::time::Instant::now() + LINGER;
        while pulled.len() < batch_size {
            match tokio::time::timeout_at(linger, messages.next()).await {
                Ok(Some(message)) => pulled.push(message),
                Ok(None) | Err(_) => break,
            }
        }
        let mut deliveries = Vec::with_capacity(pulled.len());
        for message in pulled {
            match message {
                Ok(message) => deliveries.push(Delivery::read(message, from_retry)),
                Err(e) => tracing::warn!(%entity, error = %e, "Pull failed."),
            }
        }
        let ready = hold_back_early_retries(deliveries).await;
        if !ready.is_empty() {
            handle_with_progress(&ctx, entity, &ready, bus.ack_wait).await;
        }
    }
    tracing::info!(%entity, stream = kind.name(), "Stopped consuming.");
    Ok(())
}

/// Retries due later go back to JetStream with a delay; the rest are ready.
async fn hold_back_early_retries(deliveries: Vec<Delivery>) -> Vec<Delivery> {
    let now = Utc::now();
    let mut ready = Vec::with_capacity(deliveries.len());
    for delivery in deliveries {
        let due = delivery.parsed.as_ref().ok().and_then(|p| p.not_before);
        match due.and_then(|t| (t - now).to_std().ok()) {
            Some(wait) if !wait.is_zero() => {
                if let Err(e) = delivery.message.ack_with(AckKind::Nak(Some(wait))).await {
                    tracing::warn!(error = %e, "Delaying a retry failed; it comes back sooner.");
                }
            }
            _ => ready.push(delivery),
        }
    }
    ready
}

/// Handles a batch, telling JetStream the messages are still being worked on
/// while the transaction runs, so a slow batch is not redelivered to another
/// loader in the middle.
async fn handle_with_progress(
    ctx: &BatchContext,
    entity: Entity,
    deliveries: &[Delivery],
    ack_wait: Duration,
) {
    count_redeliveries(entity, deliveries);
    let work = batch::handle(ctx, entity, deliveries);
    tokio::pin!(work);
    let mut ticker = tokio::time::interval(ack_wait / 3);
    ticker.tick().await;

    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            _ = ticker.tick() => {
                for delivery in deliveries {
                    let _ = delivery.message.ack_with(AckKind::Progress).await;
                }
            }
        }
    };
    match result {
        Ok(report) => record(entity, &report),
        Err(e) => {
            tracing::warn!(%entity, count = deliveries.len(), error = %e, "Batch failed; it will be redelivered.");
            for delivery in deliveries {
                let _ = delivery
                    .message
                    .ack_with(AckKind::Nak(Some(FAILED_BATCH_DELAY)))
                    .await;
            }
        }
    }
}

fn count_redeliveries(entity: Entity, deliveries: &[Delivery]) {
    let redelivered = deliveries
        .iter()
        .filter(|d| d.message.info().is_ok_and(|info| info.delivered > 1))
        .count();
    if redelivered > 0 {
        metrics::counter!("loader_redeliveries_total", "entity" => entity.as_str())
            .increment(redelivered as u64);
    }
}

fn record(entity: Entity, report: &BatchReport) {
    let counts = [
        ("inserted", report.inserted),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("deleted", report.deleted),
        ("waiting_for_parent", report.waiting_for_parent),
        ("set_aside", report.set_aside),
    ];
    for (outcome, count) in counts {
        metrics::counter!("loader_records_total", "entity" => entity.as_str(), "outcome" => outcome)
            .increment(count as u64);
    }
    tracing::debug!(
        %entity,
        inserted = report.inserted,
        updated = report.updated,
        unchanged = report.unchanged,
        waiting = report.waiting_for_parent,
        set_aside = report.set_aside,
        "Batch committed."
    );
}

/// A consume loop's JetStream handle, for the requeue sweep.
pub fn context(client: async_nats::Client) -> jetstream::Context {
    jetstream::new(client)
}
